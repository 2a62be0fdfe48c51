"""A cache killer in an imported module is one finding, however many files send it.

Real engine: the copies come from linting each importing file, and the merge,
the suppression semantics, the result cache and the worker pool all meet here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from promptcop.cli import main
from promptcop.linter import parallel
from promptcop.linter.merge import merge_findings
from promptcop.linter.model import Finding, Fix, Location, Related

PROMPTS = 'from datetime import datetime\n\nSYSTEM = f"You help. Now: {datetime.now()}."\n'


def sender(function: str, call_comment: str = "") -> str:
    return (
        "import anthropic\n"
        "from .prompts import SYSTEM\n"
        "\n"
        "client = anthropic.Anthropic()\n"
        "\n"
        "\n"
        f"def {function}(q: str) -> object:\n"
        f"    return client.messages.create({call_comment}\n"
        '        model="claude-sonnet-4-5",\n'
        "        max_tokens=100,\n"
        "        system=SYSTEM,\n"
        '        messages=[{"role": "user", "content": q}],\n'
        "    )\n"
    )


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "prompts.py").write_text(PROMPTS)
    (pkg / "app.py").write_text(sender("ask"))
    (pkg / "cli.py").write_text(sender("main"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMPTCOP_CACHE_DIR", raising=False)
    return tmp_path


def check(*args: str) -> tuple[int, str]:
    argv = ["check", "--isolated", "--format", "json", *args]
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    return result.exit_code, result.output


def findings(output: str) -> list[dict[str, Any]]:
    return list(json.loads(output)["findings"])


def sent_from(finding: dict[str, Any]) -> list[tuple[str, int]]:
    return [(r["path"], r["line"]) for r in finding["related"] if r["message"] == "sent here"]


def test_two_importers_give_one_finding_with_both_calls(tree: Path) -> None:
    status, output = check(".", "--no-cache")
    assert status == 1
    [finding] = findings(output)
    assert (finding["code"], finding["path"], finding["line"]) == ("PC101", "pkg/prompts.py", 3)
    assert sent_from(finding) == [("pkg/app.py", 8), ("pkg/cli.py", 8)]
    related = [(r["path"], r["line"], r["column"], r["message"]) for r in finding["related"]]
    assert related == sorted(set(related))


def test_a_comment_on_the_offending_line_silences_every_copy(tree: Path) -> None:
    (tree / "pkg" / "prompts.py").write_text(PROMPTS.rstrip("\n") + "  # noqa: PC101\n")
    status, output = check(".", "--no-cache")
    assert (status, findings(output)) == (0, [])


def test_a_comment_on_one_call_leaves_the_finding_with_the_other_call(tree: Path) -> None:
    (tree / "pkg" / "app.py").write_text(sender("ask", "  # promptcop: ignore[PC101]"))
    status, output = check(".", "--no-cache")
    assert status == 1
    [finding] = findings(output)
    assert finding["code"] == "PC101"
    assert sent_from(finding) == [("pkg/cli.py", 8)]
    assert all(r["path"] != "pkg/app.py" for r in finding["related"])


def test_comments_on_every_call_silence_the_finding_and_count_as_used(tree: Path) -> None:
    (tree / "pkg" / "app.py").write_text(sender("ask", "  # promptcop: ignore[PC101]"))
    (tree / "pkg" / "cli.py").write_text(sender("main", "  # noqa: PC101"))
    status, output = check(".", "--no-cache")
    # Neither comment is unused (PC901): each silenced its call's copy.
    assert (status, findings(output)) == (0, [])


def test_warm_partly_warm_and_cold_runs_print_the_same(tree: Path) -> None:
    cache = str(tree / "cache")
    cold = check(".", "--no-cache")
    first = check(".", "--cache-dir", cache)
    warm = check(".", "--cache-dir", cache)
    # Same bytes, new stat: cli.py is hashed again, app.py comes from its entry.
    (tree / "pkg" / "cli.py").write_text(sender("main"))
    partly = check(".", "--cache-dir", cache)
    assert cold == first == warm == partly
    assert len(findings(cold[1])) == 1


def test_two_jobs_print_what_one_job_prints(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("jobs", "tasks", "batch", "admin"):
        (tree / "pkg" / f"{name}.py").write_text(sender(f"run_{name}"))
    # Tiny files are not worth a worker; make them so, to exercise the pool.
    monkeypatch.setattr(parallel, "MIN_WEIGHT_PER_WORKER", 1)
    serial = check(".", "--no-cache", "--jobs", "1")
    pooled = check(".", "--no-cache", "--jobs", "2")
    assert serial == pooled
    [finding] = findings(serial[1])
    assert len(sent_from(finding)) == 6


# -- merge_findings on its own ----------------------------------------------------

HERE = Location("p.py", 3, 5, 3, 20)


def copy(site: str, line: int, message: str, fix: Fix | None = None) -> Finding:
    return Finding(
        "PC101",
        "dynamic-value-in-prefix",
        "error",
        message,
        HERE,
        (Related(Location(site, line, 1, line, 9), "sent here"),),
        fix=fix,
        snippet="now()",
    )


def test_merge_is_independent_of_input_order() -> None:
    copies = [copy("b.py", 4, "at b.py"), copy("a.py", 9, "at a.py"), copy("a.py", 2, "x")]
    merged = [merge_findings(order) for order in (copies, copies[::-1], copies[1:] + copies[:1])]
    assert merged[0] == merged[1] == merged[2]
    [finding] = merged[0]
    # The copy whose sending site sorts first gives the message.
    assert finding.message == "x"
    assert [(r.location.path, r.location.line) for r in finding.related] == [
        ("a.py", 2),
        ("a.py", 9),
        ("b.py", 4),
    ]


def test_merge_keeps_distinct_findings_apart() -> None:
    other_code = Finding("PC301", "missing-max-tokens", "error", "m", HERE, snippet="now()")
    elsewhere = Finding("PC101", "n", "error", "m", Location("p.py", 4, 1, 4, 2), snippet="t")
    same = copy("a.py", 2, "x")
    assert merge_findings([same, other_code, elsewhere, same]) == [same, other_code, elsewhere]
