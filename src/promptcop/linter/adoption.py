"""The stages a check run goes through after linting: fix, baseline, changed lines.

Order matters and is fixed here so the CLI only maps flags to
:class:`AdoptionOptions`:

1. inputs that can fail are checked first (the baseline file, the git ref),
   so a typo costs no lint run;
2. the run itself;
3. ``--fix``/``--diff``: fixes for every fixable finding of the linted files;
   after files are written the run is repeated, so positions and the
   remaining findings describe the files as they are now;
4. ``--write-baseline`` records every remaining finding;
5. ``--baseline`` drops recorded findings, then ``--changed-since`` drops
   findings on lines the change did not touch.

Fixes are not narrowed by the baseline or the changed lines: a fix is a
rewrite of one literal or call, and skipping some of a file's fixes because
of where they sit would make ``--fix`` depend on git state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from promptcop.linter import runner

if TYPE_CHECKING:
    from promptcop.linter.baseline import Baseline
    from promptcop.linter.changed import ChangedLines
    from promptcop.linter.fix_stage import FixRun

# The stages below import their modules only when a flag asks for them: fixing
# and baselines pull in libcst (fix.py), which a plain check of files the
# prefilter drops (a pre-commit run on clean files) never needs.


class AdoptionError(Exception):
    """A bad baseline file, git ref or flag combination; the message is one line."""


@dataclass(frozen=True)
class AdoptionOptions:
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    baseline: Path | None = None
    write_baseline: Path | None = None
    changed_since: str | None = None

    @property
    def fixing(self) -> bool:
        return self.fix or self.diff


@dataclass(frozen=True)
class Outcome:
    """The findings to report and what each stage did to them."""

    result: runner.CheckResult
    fixes: FixRun | None = None
    baseline_written: int | None = None
    # Findings the baseline absorbed, and its entries for linted files that matched nothing.
    baselined: int = 0
    stale: int = 0
    # Findings left out because no changed line is in their range.
    unchanged: int = 0

    @property
    def fixed(self) -> int:
        return self.fixes.fixed if self.fixes is not None else 0


def _validate(adoption: AdoptionOptions) -> None:
    if adoption.write_baseline is not None:
        if adoption.diff:
            raise AdoptionError("--write-baseline cannot be combined with --diff")
        if adoption.changed_since is not None:
            raise AdoptionError(
                "--write-baseline records every finding; drop --changed-since to write one"
            )


def _start_directory(paths: tuple[str, ...]) -> Path:
    for path in paths:
        candidate = Path(path)
        if candidate.exists():
            return candidate if candidate.is_dir() else candidate.parent
    return Path.cwd()


def run(options: runner.CheckOptions, adoption: AdoptionOptions) -> Outcome:
    """One check run with every adoption stage; raises AdoptionError before linting on bad input."""
    _validate(adoption)
    changed: ChangedLines | None = None
    baseline: Baseline | None = None
    if adoption.changed_since is not None:
        from promptcop.linter.changed import ChangedLinesError, changed_lines

        try:
            changed = changed_lines(adoption.changed_since, _start_directory(options.paths))
        except ChangedLinesError as exc:
            raise AdoptionError(str(exc)) from exc
    if adoption.baseline is not None and adoption.write_baseline is None:
        from promptcop.linter.baseline import BaselineError, load_baseline

        try:
            baseline = load_baseline(adoption.baseline)
        except BaselineError as exc:
            raise AdoptionError(str(exc)) from exc

    result = runner.run_check(options)
    fixes: FixRun | None = None
    if adoption.fixing:
        from promptcop.linter.fix_stage import run_fixes

        fixes = run_fixes(result, options, unsafe=adoption.unsafe_fixes, write=not adoption.diff)
        if not adoption.diff and fixes.changed:
            result = runner.run_check(options)
        if fixes.errors:
            errors = sorted({*result.errors, *fixes.errors}, key=lambda e: (e.path, e.message))
            result = replace(result, errors=tuple(errors))

    if adoption.write_baseline is not None:
        from promptcop.linter.baseline import BaselineError, write_baseline

        try:
            written = write_baseline(result.findings, adoption.write_baseline)
        except BaselineError as exc:
            raise AdoptionError(str(exc)) from exc
        return Outcome(result, fixes, baseline_written=written)

    baselined = stale = unchanged = 0
    findings = result.findings
    if baseline is not None:
        scanned = [f.path for f in runner.collect(options).files]
        applied = baseline.apply(findings, scanned=scanned)
        findings, baselined, stale = applied.findings, applied.baselined, applied.stale
    if changed is not None:
        kept = changed.filter(findings)
        unchanged = len(findings) - len(kept)
        findings = tuple(kept)
    result = replace(result, findings=findings)
    return Outcome(result, fixes, None, baselined, stale, unchanged)


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {plural or noun + 's'}"


def summary_lines(outcome: Outcome, adoption: AdoptionOptions) -> list[str]:
    """Extra lines for the text summary: what fixing, baseline and changed lines did."""
    lines: list[str] = []
    if adoption.fix and not adoption.diff:
        remaining = len(outcome.result.findings)
        lines.append(f"Fixed {_count(outcome.fixed, 'finding')} ({remaining} remaining).")
        if not adoption.unsafe_fixes and _unsafe_available(outcome):
            lines.append("More fixes are available with --unsafe-fixes.")
    if adoption.baseline is not None and outcome.baselined:
        lines.append(
            f"{_count(outcome.baselined, 'finding')} recorded in {adoption.baseline} not shown."
        )
    if adoption.baseline is not None and outcome.stale:
        lines.append(
            f"{_count(outcome.stale, 'baseline entry', 'baseline entries')} no longer matching "
            f"(fixed or changed); "
            f"run --write-baseline {adoption.baseline} to drop them."
        )
    if adoption.changed_since is not None and outcome.unchanged:
        lines.append(
            f"{_count(outcome.unchanged, 'finding')} on lines unchanged since "
            f"{adoption.changed_since} not shown."
        )
    return lines


def _unsafe_available(outcome: Outcome) -> bool:
    return any(
        f.fix is not None and f.fix.applicability == "unsafe" for f in outcome.result.findings
    )
