"""Baseline files: keyed by code, path and snippet hash; counted; stable; strict on load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptcop.linter.baseline import (
    BaselineError,
    load_baseline,
    render_baseline,
    snippet_hash,
    write_baseline,
)
from promptcop.linter.model import Finding, Location


def _finding(path: str, line: int, snippet: str, code: str = "PC101") -> Finding:
    loc = Location(path, line, 5, line, 5 + len(snippet))
    return Finding(code, "x", "error", f"msg at line {line}", loc, snippet=snippet)


def test_moved_code_stays_baselined(tmp_path: Path) -> None:
    file = tmp_path / "baseline.json"
    write_baseline([_finding(str(tmp_path / "app.py"), 10, "datetime.now()")], file)
    moved = _finding(str(tmp_path / "app.py"), 42, "datetime.now()")
    result = load_baseline(file).apply([moved])
    assert result.findings == ()
    assert result.baselined == 1


def test_reindented_snippet_still_matches() -> None:
    a = _finding("a.py", 1, "f(\n    x,\n    y)")
    b = _finding("a.py", 9, "f(  x,   y)")
    assert snippet_hash(a) == snippet_hash(b)


def test_changed_snippet_is_new(tmp_path: Path) -> None:
    file = tmp_path / "baseline.json"
    write_baseline([_finding(str(tmp_path / "app.py"), 10, "datetime.now()")], file)
    changed = _finding(str(tmp_path / "app.py"), 10, "datetime.utcnow()")
    assert load_baseline(file).apply([changed]).findings == (changed,)


def test_code_and_path_are_part_of_the_key(tmp_path: Path) -> None:
    file = tmp_path / "baseline.json"
    write_baseline([_finding(str(tmp_path / "app.py"), 1, "x")], file)
    other_code = _finding(str(tmp_path / "app.py"), 1, "x", code="PC102")
    other_path = _finding(str(tmp_path / "lib.py"), 1, "x")
    result = load_baseline(file).apply([other_code, other_path])
    assert len(result.findings) == 2


def test_identical_findings_are_counted(tmp_path: Path) -> None:
    file = tmp_path / "baseline.json"
    app = str(tmp_path / "app.py")
    write_baseline([_finding(app, 3, "uuid4()"), _finding(app, 8, "uuid4()")], file)
    entries = json.loads(file.read_text())["findings"]
    assert [e["count"] for e in entries] == [2]
    third = [_finding(app, 3, "uuid4()"), _finding(app, 8, "uuid4()"), _finding(app, 20, "uuid4()")]
    result = load_baseline(file).apply(third)
    assert [f.location.line for f in result.findings] == [20]
    assert result.baselined == 2


def test_fixed_findings_show_as_stale(tmp_path: Path) -> None:
    file = tmp_path / "baseline.json"
    app = str(tmp_path / "app.py")
    write_baseline([_finding(app, 3, "a"), _finding(app, 4, "b")], file)
    result = load_baseline(file).apply([_finding(app, 3, "a")], scanned=[app])
    assert result.stale == 1
    # Entries for files this run did not lint are not stale.
    assert load_baseline(file).apply([], scanned=[str(tmp_path / "other.py")]).stale == 0


def test_paths_are_relative_to_the_baseline_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    file = tmp_path / "baseline.json"
    write_baseline([_finding("app.py", 3, "a")], file)
    assert json.loads(file.read_text())["findings"][0]["path"] == "src/app.py"
    monkeypatch.chdir(tmp_path)
    # The same file named differently on the command line still matches.
    assert load_baseline(file).apply([_finding("./src/app.py", 3, "a")]).findings == ()


def test_output_is_sorted_and_stable(tmp_path: Path) -> None:
    findings = [
        _finding(str(tmp_path / "b.py"), 1, "z", "PC301"),
        _finding(str(tmp_path / "a.py"), 9, "y", "PC201"),
        _finding(str(tmp_path / "a.py"), 2, "x", "PC101"),
    ]
    file = tmp_path / "baseline.json"
    first = render_baseline(findings, file)
    assert render_baseline(list(reversed(findings)), file) == first
    document = json.loads(first)
    assert document["version"] == 1
    keys = [(e["path"], e["code"], e["hash"]) for e in document["findings"]]
    assert keys == sorted(keys)
    assert first.endswith("}\n")
    assert "line" not in document["findings"][0]


def test_findings_without_snippet_ignore_line_numbers() -> None:
    a = Finding(
        "PC301", "x", "error", "call at app.py:10 has no limit", Location("a.py", 10, 1, 10, 9)
    )
    b = Finding(
        "PC301", "x", "error", "call at app.py:55 has no limit", Location("a.py", 55, 1, 55, 9)
    )
    assert snippet_hash(a) == snippet_hash(b)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist"),
        ("{not json", "not valid JSON"),
        ("[]", "not a promptcop baseline"),
        ('{"version": 2, "findings": []}', "version 2"),
        ('{"version": 1, "findings": {}}', "must be a list"),
        ('{"version": 1, "findings": [{"path": "a.py", "code": "PC101"}]}', "'hash'"),
        (
            '{"version": 1, "findings": [{"path": "a", "code": "P", "hash": "h", "count": 0}]}',
            "count",
        ),
        (b"\xff\xfe\x00", "cannot read"),
    ],
)
def test_bad_baseline_is_a_one_line_error(
    tmp_path: Path, content: str | bytes | None, expected: str
) -> None:
    file = tmp_path / "baseline.json"
    if isinstance(content, bytes):
        file.write_bytes(content)
    elif content is not None:
        file.write_text(content)
    with pytest.raises(BaselineError) as info:
        load_baseline(file)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
