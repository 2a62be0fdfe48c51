"""Baseline files: keyed by code, path and snippet hash; counted; stable; strict on load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from promptcop.cli import main
from promptcop.linter.baseline import (
    BaselineError,
    load_baseline,
    render_baseline,
    snippet_hash,
    write_baseline,
)
from promptcop.linter.model import Finding, Location

try:
    from fix import engine  # tests/ is on sys.path (pytest's rootdir-based import)
except ImportError:  # pragma: no cover - tests/ became a package
    from tests.fix import engine  # type: ignore[no-redef]
if TYPE_CHECKING:
    from conftest import Git, GitRepo


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


# --- the CLI in a real throwaway git repository ------------------------------------


@pytest.fixture
def repo(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> Path:
    engine.install(monkeypatch)
    root = git_repo(
        {"pkg/app.py": "a = stamp()\nb = stamp()\nc = 1\n", "pkg/tools.py": "t = stamp()\n"}
    )
    monkeypatch.chdir(root)
    monkeypatch.delenv("PROMPTCOP_DEBUG", raising=False)
    return root


def _check(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def _lines(result: Result) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in json.loads(result.output)["findings"]]


def test_write_then_check_against_baseline(repo: Path, git: Git) -> None:
    written = _check("--write-baseline", "promptcop-baseline.json", "pkg")
    assert written.exit_code == 0
    assert "wrote 3 findings" in written.stderr
    git(repo, "add", "promptcop-baseline.json")
    git(repo, "commit", "-q", "-m", "adopt promptcop")

    clean = _check("--baseline", "promptcop-baseline.json", "--format", "json", "pkg")
    assert clean.exit_code == 0
    assert _lines(clean) == []

    # Moving code (lines inserted above) does not resurrect anything; a new
    # copy of a recorded finding, and a changed snippet, are reported.
    (repo / "pkg" / "app.py").write_text(
        "import os\n\n\na = stamp()\nb = stamp()\nc = 1\nd = stamp()\n"
    )
    (repo / "pkg" / "tools.py").write_text("t = stamp() or stamp()\n")
    result = _check("--baseline", "promptcop-baseline.json", "--format", "json", "pkg")
    assert result.exit_code == 1
    assert _lines(result) == [("pkg/app.py", 7), ("pkg/tools.py", 1)]


def test_baseline_matches_from_another_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _check("--write-baseline", "baseline.json", "pkg")
    monkeypatch.chdir(repo / "pkg")
    result = _check("--baseline", "../baseline.json", "--format", "json", ".")
    assert _lines(result) == []


def test_baseline_file_is_stable_across_runs(repo: Path, git: Git) -> None:
    _check("--write-baseline", "b.json", "pkg")
    first = (repo / "b.json").read_bytes()
    _check("--write-baseline", "b.json", "pkg")
    assert (repo / "b.json").read_bytes() == first
    # Nothing to commit: the rewrite is byte-identical.
    assert git(repo, "status", "--porcelain", "b.json").startswith("??")


def test_stale_entries_are_mentioned(repo: Path) -> None:
    _check("--write-baseline", "b.json", "pkg")
    (repo / "pkg" / "tools.py").write_text("t = 1\n")
    result = _check("--baseline", "b.json", "pkg")
    assert result.exit_code == 0
    assert "1 baseline entry no longer matching" in result.output
    assert "3 findings" not in result.output


def test_baseline_and_changed_since_together(repo: Path) -> None:
    _check("--write-baseline", "b.json", "pkg")
    (repo / "pkg" / "app.py").write_text("a = stamp()\nb = stamp()\nc = stamp()\n")
    (repo / "pkg" / "tools.py").write_text("t = stamp()\nu = stamp()\n")
    result = _check("--baseline", "b.json", "--changed-since", "HEAD", "--format", "json", "pkg")
    assert _lines(result) == [("pkg/app.py", 3), ("pkg/tools.py", 2)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{oops", "not valid JSON"),
        ('{"version": 9, "findings": []}', "version 9"),
    ],
)
def test_bad_baseline_exits_2_before_linting(repo: Path, content: str | None, message: str) -> None:
    if content is not None:
        (repo / "b.json").write_text(content)
    result = CliRunner().invoke(main, ["check", "--baseline", "b.json", "pkg"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_write_baseline_refuses_changed_since(repo: Path) -> None:
    result = CliRunner().invoke(
        main, ["check", "--write-baseline", "b.json", "--changed-since", "HEAD", "pkg"]
    )
    assert result.exit_code == 2
    assert not (repo / "b.json").exists()
