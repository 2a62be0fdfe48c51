"""``--changed-since REF``: which lines a pull request touched, according to git.

The gate for a PR is "no new findings on the lines you changed". Changed
lines are the ``+`` side of ``git diff --unified=0 REF`` (the working tree,
staged or not, against the ref) plus every line of untracked files. Renames
are followed (``-M``), so a moved file counts only its edited lines.

Only ``git`` is run, with options that keep a repository's configuration
from running anything else (no external diff drivers, no textconv filters,
no fsmonitor hook), and nothing is written.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from promptcop.linter.model import Finding

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")
# Whole files: an untracked file, or a new one in the diff, is changed on every line.
WHOLE_FILE = None
_TIMEOUT = 120

# -c options that neutralise repository config able to run programs during a diff.
_SAFE_CONFIG = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.quotepath=true",
)


class ChangedLinesError(Exception):
    """Not a git repository, git missing, or a bad ref; the message is one line."""


@dataclass(frozen=True)
class ChangedLines:
    """Changed lines per file, keyed by absolute path; ``None`` means the whole file."""

    root: Path
    files: Mapping[str, frozenset[int] | None]

    def touches(self, path: str, first: int, last: int) -> bool:
        """Whether lines ``first..last`` of ``path`` (as the run names it) include a changed one."""
        key = os.path.realpath(path)
        if key not in self.files:
            return False
        lines = self.files[key]
        if lines is None:
            return True
        return any(line in lines for line in range(first, max(first, last) + 1))

    def filter(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings whose primary range touches a changed line."""
        return [
            f
            for f in findings
            if self.touches(f.location.path, f.location.line, f.location.end_line)
        ]


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GIT_EXTERNAL_DIFF"}
    env.update({"GIT_PAGER": "cat", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"})
    return env


def _git(args: Sequence[str], cwd: Path) -> str:
    try:
        completed = subprocess.run(
            ["git", *_SAFE_CONFIG, *args],
            cwd=cwd,
            capture_output=True,
            check=False,
            timeout=_TIMEOUT,
            env=_environment(),
        )
    except FileNotFoundError as exc:
        raise ChangedLinesError("--changed-since needs git, which is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise ChangedLinesError(f"git {args[0]} took more than {_TIMEOUT}s") from exc
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ChangedLinesError(message[-1] if message else f"git {args[0]} failed")
    return completed.stdout.decode("utf-8", "surrogateescape")


def repository_root(start: Path) -> Path:
    """The top of the work tree containing ``start``; ChangedLinesError outside one."""
    directory = start if start.is_dir() else start.parent
    try:
        out = _git(["rev-parse", "--show-toplevel"], directory)
    except ChangedLinesError as exc:
        raise ChangedLinesError(
            f"--changed-since needs a git repository, and {directory} is not in one ({exc})"
        ) from exc
    return Path(out.strip())


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual paths (``"dir/caf\\303\\251.py"``)."""
    if not (len(path) >= 2 and path.startswith('"') and path.endswith('"')):
        return path
    body = path[1:-1]
    out = bytearray()
    index = 0
    escapes = {"n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\", "a": b"\a", "b": b"\b"}
    escapes.update({"f": b"\f", "r": b"\r", "v": b"\v"})
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            nxt = body[index + 1]
            digits = body[index + 1 : index + 4]
            if len(digits) == 3 and all(d in "01234567" for d in digits):
                out.append(int(digits, 8))
                index += 4
                continue
            out += escapes.get(nxt, nxt.encode())
            index += 2
            continue
        out += char.encode("utf-8", "surrogateescape")
        index += 1
    return out.decode("utf-8", "surrogateescape")


def parse_diff(diff: str) -> dict[str, frozenset[int] | None]:
    """Changed lines of the new side of a ``--unified=0`` diff, by repository-relative path.

    A file whose new side is ``/dev/null`` (deleted) has no lines; a renamed
    file is listed under its new name with only its edited lines.
    """
    changed: dict[str, set[int] | None] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            current = None
        elif line.startswith("+++ "):
            target = line[4:].rstrip("\t")
            if target == "/dev/null":
                current = None
            else:
                target = _unquote(target)
                current = target[2:] if target.startswith("b/") else target
                changed.setdefault(current, set())
        elif current is not None and line.startswith("@@"):
            match = _HUNK.match(line)
            if match is None:
                continue
            start = int(match.group("start"))
            count = int(match.group("count")) if match.group("count") is not None else 1
            lines = changed[current]
            if lines is not None:
                lines.update(range(start, start + count))
    return {path: (None if lines is None else frozenset(lines)) for path, lines in changed.items()}


def _merge_base(commit: str, root: Path) -> str:
    """Where this branch left ``commit``: on a PR branch, ``origin/main`` may have moved
    on, and its new commits are not this change's lines. Without a common
    history (or before the first commit) the ref itself is the base."""
    try:
        return _git(["merge-base", commit, "HEAD"], root).strip() or commit
    except ChangedLinesError:
        return commit


def changed_lines(ref: str, start: Path) -> ChangedLines:
    """Lines changed since ``ref`` (its merge base with HEAD) in the repository of ``start``.

    Raises ChangedLinesError (one line) outside a repository or for a ref git
    does not know.
    """
    if not ref or ref.startswith("-"):
        raise ChangedLinesError(f"--changed-since: {ref!r} is not a git revision")
    root = repository_root(start)
    try:
        commit = _git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], root
        ).strip()
    except ChangedLinesError as exc:
        raise ChangedLinesError(
            f"--changed-since: git does not know the revision {ref!r} in {root}"
        ) from exc
    base = _merge_base(commit, root)
    diff = _git(
        [
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "-M",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            base,
            "--",
        ],
        root,
    )
    by_path = parse_diff(diff)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    for name in untracked.split("\0"):
        if name:
            by_path[name] = WHOLE_FILE
    files = {os.path.realpath(root / name): lines for name, lines in by_path.items()}
    return ChangedLines(root, files)
