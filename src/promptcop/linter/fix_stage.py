"""The ``--fix`` / ``--diff`` stage of a check run.

After :func:`~promptcop.linter.runner.run_check` has reported, every linted
file with an applicable fix goes through :func:`~promptcop.linter.fix.fix_file`:
the run's findings start the first pass, and each later pass lints the fixed
text of that one file exactly as the runner would (engine, selection,
``per-file-ignores``, suppression comments). Only files the run linted are
touched, and only by edits inside themselves.

Suppression hygiene (PC901) needs every file's findings to know a comment is
unused; a later pass sees one file alone, so there it only repeats PC901
findings the full run reported, never new ones: a fix can never delete a
suppression that another file's finding still needs.

Once files are written the caller runs the check again, so the findings it
reports are those of the files as they now are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from promptcop.linter import runner
from promptcop.linter.files import Collected, SourceFile
from promptcop.linter.fix import FixResult, RelintError, fix_file, is_applicable, unified_diff
from promptcop.linter.model import FileError, Finding
from promptcop.linter.project import ProjectIndex
from promptcop.linter.suppress_check import META_CODES, hygiene_findings


@dataclass(frozen=True)
class FixRun:
    """What the fix stage did: per-file results (only files that had something to fix)."""

    files: tuple[FixResult, ...]

    @property
    def fixed(self) -> int:
        return sum(r.fixed_count for r in self.files if r.error is None)

    @property
    def changed(self) -> tuple[FixResult, ...]:
        return tuple(r for r in self.files if r.changed)

    @property
    def errors(self) -> tuple[FileError, ...]:
        return tuple(FileError(r.path, f"not fixed: {r.error}") for r in self.files if r.error)

    def diff(self) -> str:
        """The unified diff of every changed file, in path order."""
        return "".join(unified_diff(r.path, r.original, r.fixed) for r in self.changed)


def _only_in(path: str, finding: Finding) -> bool:
    """A finding located in ``path`` whose fix edits nothing else."""
    if finding.location.path != path:
        return False
    fix = finding.fix
    return fix is None or all(edit.location.path == path for edit in fix.edits)


class _FileLinter:
    """Lints successive texts of one file the way the runner lints it."""

    def __init__(
        self,
        path: str,
        options: runner.CheckOptions,
        codes: frozenset[str],
        collected: Collected,
        project: ProjectIndex | None,
        reported: Sequence[Finding],
    ) -> None:
        self.path = path
        self.options = options
        self.codes = codes
        self.collected = collected
        self.project = project
        self.file = next((f for f in collected.files if f.path == path), None)
        # PC901/PC902 the full run reported here: later passes may repeat, not add.
        self.hygiene = Counter((f.code, f.snippet) for f in reported if f.code in META_CODES)

    def __call__(self, text: str) -> Sequence[Finding]:
        file = self.file or SourceFile(self.path, self.path)
        source = runner.SourceText(file, text.encode("utf-8", "surrogatepass"), text)
        try:
            result = runner.lint_one(source, self.options.settings, self.codes, self.project)
        except Exception as exc:
            raise RelintError(f"{type(exc).__name__}: {exc}") from exc
        if result.error is not None:
            raise RelintError(result.error.message)
        own = [f for f in result.findings if _only_in(self.path, f)]
        kept, tables = runner.filter_findings(
            own, self.codes, self.collected, {self.path: text}, self.options.settings
        )
        allowed = Counter(self.hygiene)
        for finding in hygiene_findings(
            {self.path: text},
            tables,
            codes=self.codes,
            known=runner.available_codes() | META_CODES,
            settings=self.options.settings,
        ):
            key = (finding.code, finding.snippet)
            if allowed[key] > 0:
                allowed[key] -= 1
                kept.append(finding)
        return runner.sort_findings(kept)


def run_fixes(
    result: runner.CheckResult,
    options: runner.CheckOptions,
    *,
    unsafe: bool,
    write: bool,
) -> FixRun:
    """Fix every linted file that has an applicable fix; write them unless ``write`` is False."""
    wanted: dict[str, list[Finding]] = {}
    for finding in result.findings:
        wanted.setdefault(finding.location.path, []).append(finding)
    targets = sorted(
        path
        for path, findings in wanted.items()
        if any(is_applicable(f, unsafe=unsafe) and _only_in(path, f) for f in findings)
    )
    if not targets:
        return FixRun(())
    collected = runner.collect(options)
    linted = {f.path for f in collected.files}
    targets = [path for path in targets if path in linted]
    if not targets:
        return FixRun(())
    codes = (
        options.codes
        if options.codes is not None
        else options.settings.enabled_codes(runner.available_codes() | META_CODES)
    )
    project = runner.build_project(collected)
    results: list[FixResult] = []
    for path in targets:
        lint = _FileLinter(path, options, codes, collected, project, wanted[path])
        first = [f for f in wanted[path] if _only_in(path, f)]
        results.append(
            fix_file(Path(path), lint, unsafe=unsafe, write=write, display_path=path, initial=first)
        )
    return FixRun(tuple(results))
