"""Formatters: findings in, text out. ``render(format, report)`` picks one.

Formatters never look at source files or decide what a finding is; they get
everything they print in a :class:`Report`, including the rule metadata SARIF
embeds, so their output is a pure function of it (and golden-testable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from promptcop.linter.model import FileError, Finding, Severity

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "github")


@dataclass(frozen=True)
class RuleMeta:
    """What a formatter may say about a rule (from the registry)."""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    fix: str | None = None  # "safe", "unsafe" or None


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    files_scanned: int
    rules: tuple[RuleMeta, ...] = ()
    tool_version: str = ""
    # Files promptcop crashed on (a bug); SARIF marks the run as not successful.
    internal_errors: int = 0
    # Absolute folder that relative paths are relative to (the working directory):
    # SARIF defines its %SRCROOT% with it. Empty leaves %SRCROOT% to the consumer.
    source_root: str = ""


def render(fmt: str, report: Report, *, color: bool = False) -> str:
    """The whole output of one run in ``fmt``; raises ValueError for an unknown format."""
    renderer = _renderers().get(fmt)
    if renderer is None:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderer(report, color)


def printable(text: str) -> str:
    """Text safe to write as UTF-8: a file name that is not valid UTF-8 (Python keeps
    its bytes as surrogate escapes) shows as ``bad\\xff.py`` instead of crashing the write."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def json_safe(text: str) -> str:
    """A JSON document safe to write as UTF-8: lone surrogates become ``\\udcff`` escapes,
    which JSON readers decode back to the same string."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _renderers() -> dict[str, Callable[[Report, bool], str]]:
    from promptcop.linter.report import github, json, sarif, text

    return {
        "text": text.render,
        "json": lambda report, _color: json.render(report),
        "sarif": lambda report, _color: sarif.render(report),
        "github": lambda report, _color: github.render(report),
    }
