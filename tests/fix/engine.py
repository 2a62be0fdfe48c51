"""A stand-in engine for testing --fix, --baseline and --changed-since end to end.

The CLI stages are tested against findings whose fixes we control, so these
tests do not move when a real rule's analysis improves (the real rules'
fixes are round-tripped in test_rule_fixes.py):

* ``stamp()`` -> PC101, no fix (snippet ``stamp()``);
* a string literal with padding inside its quotes, ``"  text  "`` -> PC201,
  safe fix: the literal without the padding;
* ``create(`` without ``max_tokens`` on its line -> PC301, unsafe fix adding it;
* ``breakme`` -> PC201 whose "fix" produces invalid code.
"""

from __future__ import annotations

import re

import pytest

from promptcop.config import Settings
from promptcop.linter import runner
from promptcop.linter.engine import FileResult
from promptcop.linter.model import Edit, Finding, Fix, Location
from promptcop.linter.project import ProjectIndex

CODES = frozenset({"PC101", "PC201", "PC301", "PC901", "PC902"})
_PADDED = re.compile(r'"[ \t]+([^"]*?)[ \t]+"')


def _finding(
    path: str, line: int, start: int, end: int, code: str, text: str, fix: Fix | None
) -> Finding:
    loc = Location(path, line, start + 1, line, end + 1)
    names = {"PC101": "dynamic-value-in-prefix", "PC201": "whitespace-bloat"}
    return Finding(
        code,
        names.get(code, "missing-max-tokens"),
        "error",
        f"{code} at line {line}",
        loc,
        fix=fix,
        snippet=text,
    )


def _edit(path: str, line: int, start: int, end: int, content: str) -> Edit:
    return Edit(Location(path, line, start + 1, line, end + 1), content)


def fake_lint_one(
    source: runner.SourceText,
    settings: Settings,
    codes: frozenset[str],
    project: ProjectIndex | None,
) -> FileResult:
    path = source.file.path
    out: list[Finding] = []
    for number, line in enumerate(source.text.splitlines(), start=1):
        for m in re.finditer(r"stamp\(\)", line):
            out.append(_finding(path, number, m.start(), m.end(), "PC101", m.group(), None))
        for m in _PADDED.finditer(line):
            fix = Fix(
                "Strip the padding",
                "safe",
                (_edit(path, number, m.start(), m.end(), f'"{m.group(1)}"'),),
            )
            out.append(_finding(path, number, m.start(), m.end(), "PC201", m.group(), fix))
        for m in re.finditer(r"breakme", line):
            fix = Fix("Break it", "safe", (_edit(path, number, m.start(), m.end(), "breakme ("),))
            out.append(_finding(path, number, m.start(), m.end(), "PC201", m.group(), fix))
        m = re.search(r"create\(", line)
        if m and "max_tokens" not in line:
            fix = Fix(
                "Add max_tokens=1024",
                "unsafe",
                (_edit(path, number, m.end(), m.end(), "max_tokens=1024, "),),
            )
            out.append(_finding(path, number, m.start(), m.end(), "PC301", line.strip(), fix))
    kept = tuple(f for f in sorted(out, key=Finding.sort_key) if f.code in codes)
    return FileResult(path, kept, None, ())


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "lint_one", fake_lint_one)
    monkeypatch.setattr(runner, "available_codes", lambda: CODES)
    monkeypatch.setattr(runner, "may_contain_requests", lambda data, settings: True)
