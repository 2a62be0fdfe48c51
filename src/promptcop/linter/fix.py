"""Apply the fixes rules attach to findings: in passes, re-parsed, written atomically.

Rules only describe fixes (``Fix`` = edits over 1-based line/column ranges of
the text they were given); this module is the one place that changes files.
The rules that guard a user's data live here too:

* a pass applies every fix that does not overlap one applied before it in the
  same pass; the file is linted again and the rest are applied in later
  passes, until nothing fixable is left (ruff's fix loop);
* every intermediate text must still parse with libcst; if one does not, the
  file is left exactly as it was and the result carries an error;
* the file is written once, at the end, through a temporary file in the same
  directory, ``fsync`` and ``os.replace``, keeping its permission bits, its
  encoding (and BOM) and its newline style; if it changed on disk while we
  worked, nothing is written.

Columns are counted in characters of the decoded text, as libcst counts them,
and ``end_column`` is exclusive: ``Location(p, 3, 5, 3, 9)`` covers the four
characters at 0-based offsets 4..7 of line 3.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import itertools
import os
import re
import stat
import tempfile
import tokenize
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst

from promptcop.linter.model import Finding, Fix

# ruff stops at 100; our fixes are independent rewrites that settle in two or
# three passes, so a file needing more than this is cycling, not converging.
MAX_PASSES = 10

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class FixError(Exception):
    """A fix could not be applied or written; the file on disk is unchanged."""


class RelintError(FixError):
    """Linting a fixed text failed; raised by the lint callback the runner passes in."""


LintFn = Callable[[str], Sequence[Finding]]
"""Lint one text of the file being fixed and return the findings still open
after suppression and rule selection (positions refer to that text)."""


@dataclass(frozen=True)
class SourceFile:
    """A file's bytes and what is needed to write it back the same way."""

    path: Path
    raw: bytes
    text: str
    encoding: str
    newline: str


@dataclass(frozen=True)
class FixResult:
    """The outcome of fixing one file; ``findings`` are those left open in ``fixed``."""

    path: str
    original: str
    fixed: str
    fixed_count: int
    findings: tuple[Finding, ...]
    error: str | None = None
    passes: int = 0
    fixed_codes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return self.error is None and self.fixed != self.original


def is_applicable(finding: Finding, *, unsafe: bool) -> bool:
    """Whether ``finding`` carries a fix this run may apply."""
    fix = finding.fix
    if fix is None or not fix.edits:
        return False
    return fix.applicability == "safe" or unsafe


# --- reading -----------------------------------------------------------------


def detect_newline(text: str) -> str:
    """The file's newline style, from its first line break ("\\n" if it has none)."""
    match = _LINE_BREAK.search(text)
    return match.group(0) if match else "\n"


def read_source(path: Path) -> SourceFile:
    """Read ``path`` for fixing, honouring a PEP 263 coding line or a UTF-8 BOM.

    The text keeps its original line breaks so that writing it back changes
    nothing but the fixed ranges.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FixError(f"cannot read file: {exc.strerror or exc}") from exc
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        text = raw.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise FixError(f"cannot decode file: {exc}") from exc
    return SourceFile(path, raw, text, encoding, detect_newline(text))


# --- applying edits ------------------------------------------------------------


def _line_starts(text: str) -> list[int]:
    """Offsets at which each line starts; lines are split the way libcst splits them."""
    starts = [0]
    starts.extend(match.end() for match in _LINE_BREAK.finditer(text))
    return starts


def _offset(starts: Sequence[int], text: str, line: int, column: int) -> int:
    """Character offset of a 1-based (line, column); raises FixError when outside the text."""
    if line < 1 or column < 1:
        raise FixError(f"edit position {line}:{column} is not 1-based")
    if line > len(starts):
        raise FixError(f"edit position {line}:{column} is past the end of the file")
    end = starts[line] if line < len(starts) else len(text)
    offset = starts[line - 1] + column - 1
    # An exclusive end may sit just past a line's last character (on its break).
    if offset > end:
        raise FixError(f"edit position {line}:{column} is past the end of line {line}")
    return offset


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    content: str


def _spans(text: str, starts: Sequence[int], fix: Fix, newline: str) -> list[_Span]:
    spans: list[_Span] = []
    for edit in fix.edits:
        loc = edit.location
        start = _offset(starts, text, loc.line, loc.column)
        end = _offset(starts, text, loc.end_line, loc.end_column)
        if end < start:
            raise FixError(
                f"edit range {loc.line}:{loc.column}-{loc.end_line}:{loc.end_column} is reversed"
            )
        content = edit.content
        if newline != "\n":
            # Rules render with "\n"; keep a CRLF file CRLF.
            content = re.sub(r"\r\n|\r|\n", newline, content)
        spans.append(_Span(start, end, content))
    spans.sort(key=lambda s: (s.start, s.end))
    for before, after in itertools.pairwise(spans):
        if _overlap(before, after):
            raise FixError("a fix's own edits overlap")
    return spans


def _overlap(a: _Span, b: _Span) -> bool:
    """Ranges share a character, or are two insertions at one point (no defined order)."""
    if a.start < b.end and b.start < a.end:
        return True
    return a.start == a.end == b.start == b.end


def _conflicts(spans: Iterable[_Span], taken: Sequence[_Span]) -> bool:
    return any(_overlap(span, other) for span in spans for other in taken)


def apply_fixes(
    text: str, fixes: Sequence[Fix], *, newline: str = "\n"
) -> tuple[str, tuple[int, ...]]:
    """Apply every fix that does not overlap an earlier one; return the text and which applied.

    A fix is all-or-nothing: its edits land together or not at all. Fixes are
    taken in the order of their first edit; one that overlaps an accepted fix
    waits for the next pass, when its finding is reported again at its new
    position. A fix identical to an accepted one (two findings, one cure)
    counts as applied without being applied twice. A fix whose ranges fall
    outside ``text`` is skipped. The indices returned are positions in ``fixes``.
    """
    starts = _line_starts(text)
    prepared: list[tuple[int, list[_Span]]] = []
    for index, fix in enumerate(fixes):
        try:
            spans = _spans(text, starts, fix, newline)
        except FixError:
            continue
        if spans:
            prepared.append((index, spans))
    prepared.sort(key=lambda item: (item[1][0].start, item[1][0].end, item[0]))

    taken: list[_Span] = []
    accepted: list[list[_Span]] = []
    applied: list[int] = []
    for index, spans in prepared:
        if spans in accepted:
            applied.append(index)
            continue
        if _conflicts(spans, taken):
            continue
        taken.extend(spans)
        accepted.append(spans)
        applied.append(index)

    pieces: list[str] = []
    cursor = 0
    for span in sorted(taken, key=lambda s: (s.start, s.end)):
        pieces.append(text[cursor : span.start])
        pieces.append(span.content)
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces), tuple(sorted(applied))


def parse_error(text: str) -> str | None:
    """None when ``text`` parses with libcst, else the parser's one-line complaint."""
    try:
        libcst.parse_module(text)
    except libcst.ParserSyntaxError as exc:
        return f"{exc.message} at {exc.raw_line}:{exc.raw_column + 1}"
    except Exception as exc:  # libcst raises a few non-syntax errors on odd input
        return f"{type(exc).__name__}: {exc}"
    return None


# --- the fix loop ----------------------------------------------------------------


def fix_text(
    path: str,
    text: str,
    lint: LintFn,
    *,
    unsafe: bool,
    newline: str | None = None,
    findings: Sequence[Finding] | None = None,
    max_passes: int = MAX_PASSES,
) -> FixResult:
    """Fix ``text`` until no applicable fix is left; nothing here touches the disk.

    ``findings`` are the open findings of ``text`` if the caller has them (else
    ``lint`` is called first). On any failure (a fixed text that no longer
    parses, a lint error, fixes that never settle) the result carries the
    original text and findings and an error, so the caller writes nothing.
    """
    newline = newline or detect_newline(text)
    try:
        current_findings = tuple(lint(text) if findings is None else findings)
    except RelintError as exc:
        return FixResult(path, text, text, 0, (), f"cannot lint before fixing: {exc}")
    original_findings = current_findings
    current = text
    fixed_count = 0
    fixed_codes: list[str] = []
    passes = 0

    def failed(message: str) -> FixResult:
        return FixResult(path, text, text, 0, original_findings, message, passes)

    while True:
        fixable = [f for f in current_findings if is_applicable(f, unsafe=unsafe)]
        if not fixable:
            break
        if passes >= max_passes:
            return failed(f"fixes did not settle after {max_passes} passes; file left unchanged")
        fixes = [f.fix for f in fixable if f.fix is not None]
        candidate, applied = apply_fixes(current, fixes, newline=newline)
        if not applied or candidate == current:
            # Every remaining fix is invalid or a no-op: report them as open.
            break
        passes += 1
        error = parse_error(candidate)
        if error is not None:
            codes = ", ".join(_culprits(current, [fixable[i] for i in applied], newline))
            return failed(
                f"fix for {codes} would produce invalid code ({error}); file left unchanged"
            )
        try:
            next_findings = tuple(lint(candidate))
        except RelintError as exc:
            return failed(f"cannot lint fixed text ({exc}); file left unchanged")
        fixed_count += len(applied)
        fixed_codes.extend(fixable[i].code for i in applied)
        current, current_findings = candidate, next_findings
    return FixResult(
        path,
        text,
        current,
        fixed_count,
        current_findings,
        None,
        passes,
        tuple(sorted(fixed_codes)),
    )


def _culprits(text: str, findings: Sequence[Finding], newline: str) -> list[str]:
    """The codes whose fix alone breaks ``text`` (all of them if only the mix does)."""
    broken = set()
    for finding in findings:
        if finding.fix is None:
            continue
        alone, _ = apply_fixes(text, [finding.fix], newline=newline)
        if parse_error(alone) is not None:
            broken.add(finding.code)
    return sorted(broken or {f.code for f in findings})


# --- writing ---------------------------------------------------------------------


def write_atomic(path: Path, data: bytes, *, expect: bytes | None = None) -> None:
    """Replace ``path``'s content with ``data`` so a reader sees the old file or the new one.

    The temporary file lives next to the target (``os.replace`` is atomic only
    within one file system) and gets the target's permission bits. A symlink is
    followed: its target is rewritten and the link survives. When ``expect`` is
    given and the file no longer holds those bytes, someone else changed it and
    nothing is written.
    """
    target = Path(os.path.realpath(path))
    mode, owner = 0o644, None  # a new file (a baseline): the usual mode for data files
    try:
        info = target.stat()
        mode, owner = stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)
        if expect is not None and target.read_bytes() != expect:
            raise FixError("file changed on disk while fixing; left unchanged")
    except FileNotFoundError as exc:
        if expect is not None:
            raise FixError("file disappeared while fixing") from exc
    except OSError as exc:
        raise FixError(f"cannot read file: {exc.strerror or exc}") from exc
    fd, tmp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".promptcop.tmp"
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        if owner is not None and hasattr(os, "chown") and owner != (os.getuid(), os.getgid()):
            # Not always ours to give away; the content and mode still match.
            with contextlib.suppress(OSError):
                os.chown(tmp_name, *owner)
        os.replace(tmp_name, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise FixError(f"cannot write fixed file: {exc.strerror or exc}") from exc
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; some platforms cannot open a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def encode(source: SourceFile, text: str) -> bytes:
    """``text`` in the file's own encoding; raises FixError when a fix needs characters it lacks."""
    try:
        return text.encode(source.encoding)
    except UnicodeEncodeError as exc:
        raise FixError(f"fixed text cannot be written as {source.encoding}: {exc.reason}") from exc


def fix_file(
    path: Path,
    lint: LintFn,
    *,
    unsafe: bool,
    write: bool,
    display_path: str | None = None,
    max_passes: int = MAX_PASSES,
    initial: Sequence[Finding] | None = None,
) -> FixResult:
    """Read, fix and (when ``write``) atomically rewrite one file; never raises FixError.

    ``lint`` is called on each text the loop produces. ``initial`` are the
    findings of the file as the run just read it (saving one lint); without
    them the first pass lints the file as it is on disk now.
    """
    shown = display_path if display_path is not None else str(path)
    try:
        source = read_source(path)
    except FixError as exc:
        return FixResult(shown, "", "", 0, (), str(exc))
    if initial is not None and not findings_match(source.text, initial):
        initial = None  # the file changed since the run read it: lint it as it is now
    result = fix_text(
        shown,
        source.text,
        lint,
        unsafe=unsafe,
        newline=source.newline,
        findings=initial,
        max_passes=max_passes,
    )
    if not write or not result.changed:
        return result
    try:
        write_atomic(path, encode(source, result.fixed), expect=source.raw)
    except FixError as exc:
        return FixResult(
            shown, source.text, source.text, 0, _relint_quietly(lint, source.text, result), str(exc)
        )
    return result


def findings_match(text: str, findings: Sequence[Finding]) -> bool:
    """Whether each finding's snippet still sits at its location in ``text``.

    The run read the file a moment before the fix stage did; if someone saved
    it in between, the positions are stale and must not be used for edits.
    """
    starts = _line_starts(text)
    for finding in findings:
        if not finding.snippet:
            continue
        loc = finding.location
        try:
            start = _offset(starts, text, loc.line, loc.column)
            end = _offset(starts, text, loc.end_line, loc.end_column)
        except FixError:
            return False
        if text[start:end] != finding.snippet:
            return False
    return True


def _relint_quietly(lint: LintFn, text: str, result: FixResult) -> tuple[Finding, ...]:
    """The original text's findings after a failed write (the fixed ones are open again)."""
    try:
        return tuple(lint(text))
    except RelintError:
        return result.findings


# --- diff ----------------------------------------------------------------------------


def unified_diff(path: str, original: str, fixed: str) -> str:
    """``--diff`` output for one file: ``--- a/path`` / ``+++ b/path`` hunks, git-style."""
    if original == fixed:
        return ""
    shown = path.replace(os.sep, "/")
    before = original.splitlines(keepends=True)
    after = fixed.splitlines(keepends=True)
    lines: list[str] = []
    for line in difflib.unified_diff(before, after, fromfile=f"a/{shown}", tofile=f"b/{shown}"):
        if line.endswith(("\n", "\r")):
            lines.append(line)
        else:
            lines.append(line + "\n\\ No newline at end of file\n")
    return "".join(lines)


__all__ = [
    "MAX_PASSES",
    "FixError",
    "FixResult",
    "LintFn",
    "RelintError",
    "SourceFile",
    "apply_fixes",
    "detect_newline",
    "fix_file",
    "fix_text",
    "is_applicable",
    "parse_error",
    "read_source",
    "unified_diff",
    "write_atomic",
]
