"""What the linter hands to formatters: findings, their locations and fixes.

These types are the contract between rules (which produce them), the runner
(which filters, caches and sorts them) and the formatters (which print them).
They are plain frozen data so they pickle across worker processes and
serialise into the result cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
Applicability = Literal["safe", "unsafe"]


@dataclass(frozen=True, order=True)
class Location:
    """A source range; lines and columns are 1-based, end exclusive of nothing (inclusive line)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Related:
    """A second place that explains a finding, e.g. the call that sends the value."""

    location: Location
    message: str


@dataclass(frozen=True)
class Edit:
    """Replace the text in ``[start, end)`` of ``location``'s file with ``content``.

    Replacement text is produced from libcst nodes (``Module.code_for_node``),
    never assembled by hand, so the result keeps the file's formatting.
    """

    location: Location
    content: str


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: Applicability
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    # Source text of the offending expression: baselines key on its hash, not
    # on the line number, so moving code does not resurrect old findings.
    snippet: str = field(default="", compare=False)
    # First line of the call that sends the request: a suppression comment
    # there silences the finding too, wherever the value was built.
    site_line: int | None = field(default=None, compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)


@dataclass(frozen=True)
class FileError:
    """A file that could not be read or parsed; the run goes on without it."""

    path: str
    message: str
