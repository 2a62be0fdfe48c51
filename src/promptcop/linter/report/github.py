"""GitHub Actions workflow commands: one annotation per finding on the PR diff, and
one ``::warning`` per file that could not be checked.

Escaping follows the runner's rules (actions/toolkit ``command.ts``): in the
message ``%``, CR and LF are percent-encoded; in properties ``:`` and ``,`` too.
"""

from __future__ import annotations

from promptcop.linter.model import Finding

from . import Report, printable

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = [_annotation(f) for f in report.findings]
    # A file not checked is a warning: it does not fail the run (RULES.md), but a CI
    # user must see it on the pull request, not only in the log.
    for error in report.errors:
        lines.append(
            f"::warning file={escape_property(error.path)},"
            f"title={escape_property('promptcop: file not checked')}::{escape_data(error.message)}"
        )
    return printable("".join(line + "\n" for line in lines))


def _annotation(finding: Finding) -> str:
    loc = finding.location
    properties = [
        f"file={escape_property(loc.path)}",
        f"line={loc.line}",
        f"col={loc.column}",
        f"endLine={loc.end_line}",
        f"endColumn={loc.end_column}",
        f"title={escape_property(f'{finding.code} {finding.name}')}",
    ]
    level = _LEVELS.get(finding.severity, "error")
    return f"::{level} {','.join(properties)}::{escape_data(finding.message)}"
