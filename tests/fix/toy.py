"""A toy lint for testing the fix machinery without the real rules.

``old_NAME`` is a finding with a safe fix to ``new_NAME``; a call
``wrap(...)`` is a finding with an unsafe fix to ``sorted(...)`` whose range
encloses any ``old_`` names inside it, so the two overlap and need two passes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from promptcop.linter.model import Edit, Finding, Fix, Location

_OLD = re.compile(r"\bold_(\w+)")
_WRAP = re.compile(r"\bwrap\(([^()]*)\)")


def location_of(text: str, start: int, end: int, path: str = "mod.py") -> Location:
    """1-based line/column of [start, end), end exclusive (the fix module's convention)."""

    def pos(offset: int) -> tuple[int, int]:
        before = text[:offset]
        line = before.count("\n") + 1
        column = offset - (before.rfind("\n") + 1) + 1
        return line, column

    (line, column), (end_line, end_column) = pos(start), pos(end)
    return Location(path, line, column, end_line, end_column)


def finding(
    text: str,
    start: int,
    end: int,
    content: str,
    *,
    code: str = "PC999",
    applicability: str = "safe",
    path: str = "mod.py",
) -> Finding:
    loc = location_of(text, start, end, path)
    fix = Fix("rewrite", "safe" if applicability == "safe" else "unsafe", (Edit(loc, content),))
    return Finding(code, "toy", "error", "toy finding", loc, fix=fix, snippet=text[start:end])


def lint(text: str) -> Sequence[Finding]:
    # Work on "\n" text only: CRLF files are handled by the fix module's newline logic,
    # and a toy that counted "\r" in columns would test itself, not that logic.
    flat = text.replace("\r\n", "\n")
    found = [
        finding(flat, m.start(), m.end(), f"new_{m.group(1)}", code="PC998")
        for m in _OLD.finditer(flat)
    ]
    found += [
        finding(
            flat, m.start(), m.end(), f"sorted({m.group(1)})", code="PC997", applicability="unsafe"
        )
        for m in _WRAP.finditer(flat)
    ]
    return found
