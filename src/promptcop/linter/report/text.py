"""Human output: ``path:line:col: CODE message`` per finding, then one summary line.

The line shape is the one editors and CI log scanners already parse (ruff,
flake8, mypy). Colour is decided by the caller (a TTY, no NO_COLOR).
"""

from __future__ import annotations

import click

from promptcop.linter.model import Finding

from . import Report, printable

_SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}
_MAX_SITES = 3


def render(report: Report, color: bool = False) -> str:
    lines = [_finding_line(f, color) for f in report.findings]
    for error in report.errors:
        path = click.style(error.path, bold=True) if color else error.path
        label = click.style("error", fg="red", bold=True) if color else "error"
        lines.append(f"{path}: {label}: {' '.join(error.message.splitlines())}")
    lines.append(summary(report))
    return printable("\n".join(lines) + "\n")


def _finding_line(finding: Finding, color: bool) -> str:
    loc = finding.location
    where = f"{loc.path}:{loc.line}:{loc.column}:"
    code = finding.code
    if color:
        where = click.style(where, bold=True)
        code = click.style(code, fg=_SEVERITY_COLOURS.get(finding.severity, "red"), bold=True)
    # One finding, one line: log scanners and editors read this format line by line.
    message = " ".join(finding.message.splitlines())
    return f"{where} {code} {message}{_sent_from(finding)}"


def _sent_from(finding: Finding) -> str:
    """`` (sent from app.py:40, cli.py:12)`` when the value lives in another file.

    A finding in an imported ``prompts.py`` names no call in its message (the
    calls sit in other files and one finding may stand for several), so the
    text line says where it is sent; JSON and SARIF carry them as ``related``.
    """
    sites = sorted(
        {(r.location.path, r.location.line) for r in finding.related if "sent here" in r.message}
    )
    if not sites or all(path == finding.location.path for path, _ in sites):
        return ""
    shown = ", ".join(f"{path}:{line}" for path, line in sites[:_MAX_SITES])
    more = f" and {len(sites) - _MAX_SITES} more" if len(sites) > _MAX_SITES else ""
    return f" (sent from {shown}{more})"


def summary(report: Report) -> str:
    """``All checks passed.``, ``Found N findings in M files.``, and when some files
    could not be read or parsed, ``..., and K files could not be checked.``

    Those files do not change the exit status (RULES.md), so the one line a
    CI log shows last must say that the tree was not checked whole.
    """
    count = len(report.findings)
    unchecked = len({error.path for error in report.errors})
    if not count and not unchecked:
        return "All checks passed."
    files = report.files_scanned
    where = f"in {files} {_files(files)}"
    noun = "finding" if count == 1 else "findings"
    head = f"Found {count} {noun} {where}" if count else f"No findings {where}"
    if not unchecked:
        return f"{head}."
    return f"{head}, and {unchecked} {_files(unchecked)} could not be checked."


def _files(count: int) -> str:
    return "file" if count == 1 else "files"


def fix_hint(report: Report) -> str | None:
    """``N fixable with `promptcop check --fix` ...``, or None when nothing has a fix."""
    safe = sum(1 for f in report.findings if f.fix is not None and f.fix.applicability == "safe")
    unsafe = sum(
        1 for f in report.findings if f.fix is not None and f.fix.applicability == "unsafe"
    )
    if not safe and not unsafe:
        return None
    if not safe:
        return f"{unsafe} fixable with `promptcop check --fix --unsafe-fixes`."
    more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
    return f"{safe} fixable with `promptcop check --fix`{more}."


def statistics(report: Report) -> list[tuple[str, str, int, int]]:
    """``(code, name, count, fixable)`` per code with findings, most frequent first."""
    counts: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for finding in report.findings:
        row = counts.setdefault(finding.code, [0, 0])
        row[0] += 1
        row[1] += finding.fix is not None
        names[finding.code] = finding.name
    rows = [(code, names[code], n, fixable) for code, (n, fixable) in counts.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def render_statistics(report: Report) -> str:
    """``--statistics``: one line per code, ``count  code  [*] name`` (``[*]``: fixable)."""
    rows = statistics(report)
    if not rows:
        return summary(report) + "\n"
    width = max(len(str(r[2])) for r in rows)
    lines = [
        f"{count:>{width}}  {code}  {'[*]' if fixable else '[ ]'} {name}"
        for code, name, count, fixable in rows
    ]
    return printable("\n".join(lines) + "\n")
