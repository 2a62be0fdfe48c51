"""Which files to check, and the cheap text test that keeps most of them away from libcst.

Walking: folders are walked recursively for ``*.py``/``*.pyi`` files; excluded
folders are pruned, never entered. Symlinked folders are followed once each
(a loop is cut when a folder's real path was seen before). Files named on the
command line are checked even when an exclude covers them, because pre-commit
passes every staged file and the user asked for that file; ``force-exclude``
turns this off.

Patterns (``exclude``, ``extend-exclude``, ``per-file-ignores``) are
gitignore-ish: ``*`` and ``?`` stay within one path part, ``**`` spans parts;
a pattern without ``/`` matches any single part (``build`` prunes every
``build`` folder, ``*_pb2.py`` any such file); a pattern with ``/`` is anchored
at the project root (``src/generated`` or ``src/**/legacy_*.py``).
"""

from __future__ import annotations

import codecs
import functools
import io
import os
import re
import stat
import tokenize
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from promptcop.config import Settings

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class SourceFile:
    """A file to check: the path shown to the user and the path relative to the project root."""

    path: str  # as given on the command line joined with the path below it
    relative: str  # to the project root, with "/"; patterns match this
    explicit: bool = False  # named on the command line


@dataclass(frozen=True)
class Skipped:
    """A path that was looked at and left out, with the reason (for --verbose and errors)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Collected:
    files: tuple[SourceFile, ...]
    # Explicit paths that do not exist or could not be listed; reported as file errors.
    problems: tuple[Skipped, ...]


# --- patterns --------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _compile_glob(pattern: str) -> tuple[re.Pattern[str], bool]:
    """A glob as a regex over a "/"-joined path, and whether it is anchored (has a "/")."""
    pat = pattern.strip()
    if pat.startswith("./"):
        pat = pat[2:]
    pat = pat.rstrip("/")
    anchored = "/" in pat
    pat = pat.lstrip("/")
    out = []
    i = 0
    while i < len(pat):
        char = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pat.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pat.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pat[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
                continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z"), anchored


def glob_matches(pattern: str, relative_path: str) -> bool:
    """Whether a gitignore-ish ``pattern`` matches ``relative_path`` or one of its folders."""
    regex, anchored = _compile_glob(pattern)
    parts = relative_path.replace(os.sep, "/").strip("/").split("/")
    if anchored:
        # "src/gen" also covers "src/gen/a.py": try every leading run of parts.
        return any(regex.match("/".join(parts[:n])) for n in range(1, len(parts) + 1))
    return any(regex.match(part) for part in parts)


def is_excluded(relative_path: str, patterns: Sequence[str]) -> bool:
    return any(glob_matches(p, relative_path) for p in patterns)


# --- walking ---------------------------------------------------------------------


def collect_files(paths: Sequence[str], settings: Settings, cwd: Path | None = None) -> Collected:
    """The files to check under ``paths``, deduplicated, in a stable order.

    Never raises for a bad path: a missing path or an unlistable folder is a
    problem entry, so one typo among pre-commit's file list does not stop the run.
    """
    base = cwd or Path.cwd()
    root = settings.project_root or base
    patterns = settings.all_excludes
    files: list[SourceFile] = []
    problems: list[Skipped] = []
    seen_files: set[str] = set()
    seen_dirs: set[str] = set()

    def add(display: str, absolute: str, explicit: bool) -> None:
        real = os.path.realpath(absolute)
        if real in seen_files:
            return
        seen_files.add(real)
        files.append(SourceFile(display, _relative_to(absolute, root), explicit))

    for given in paths:
        absolute = given if os.path.isabs(given) else os.path.join(base, given)
        display = os.path.normpath(given)
        try:
            info = os.stat(absolute)
        except FileNotFoundError:
            problems.append(Skipped(display, "no such file or directory"))
            continue
        except OSError as exc:
            problems.append(Skipped(display, f"cannot access: {exc.strerror or exc}"))
            continue
        relative = _relative_to(absolute, root)
        if settings.force_exclude and relative != "." and is_excluded(relative, patterns):
            continue
        if stat.S_ISDIR(info.st_mode):
            for d, a, problem in _walk(display, absolute, root, patterns, seen_dirs):
                if problem is not None:
                    problems.append(Skipped(d, problem))
                else:
                    add(d, a, False)
        elif stat.S_ISREG(info.st_mode):
            # A file named explicitly is checked whatever its suffix: the user
            # (or pre-commit's `types: [python]`, which knows shebang scripts) chose it.
            add(display, absolute, True)
        else:
            problems.append(Skipped(display, "not a regular file or folder"))
    return Collected(tuple(files), tuple(problems))


def _walk(
    display_root: str,
    absolute_root: str,
    root: Path,
    patterns: Sequence[str],
    seen_dirs: set[str],
) -> Iterator[tuple[str, str, str | None]]:
    """Yield ``(display, absolute, problem)`` for Python files below one folder, sorted."""
    stack = [(display_root, absolute_root)]
    while stack:
        display_dir, absolute_dir = stack.pop()
        real = os.path.realpath(absolute_dir)
        if real in seen_dirs:
            continue  # a symlink loop, or the same folder reached twice
        seen_dirs.add(real)
        try:
            with os.scandir(absolute_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield display_dir, absolute_dir, f"cannot list folder: {exc.strerror or exc}"
            continue
        subdirs = []
        for entry in entries:
            display = os.path.normpath(os.path.join(display_dir, entry.name))
            absolute = os.path.join(absolute_dir, entry.name)
            try:
                is_dir = entry.is_dir()  # follows symlinks; a broken link is neither
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue
            if not (is_dir or (is_file and entry.name.endswith(PYTHON_SUFFIXES))):
                continue
            # Bare-name patterns match parts below the folder given on the command
            # line only: `promptcop check .venv/lib/.../site-packages` checks that folder.
            relative = _relative_to(absolute, root)
            below = os.path.relpath(absolute, absolute_root).replace(os.sep, "/")
            if _excluded_entry(relative, below, patterns):
                continue
            if is_dir:
                subdirs.append((display, absolute))
            else:
                yield display, absolute, None
        # Depth-first in name order; reversed because the stack pops from the end.
        stack.extend(reversed(subdirs))


def _excluded_entry(relative: str, below: str, patterns: Sequence[str]) -> bool:
    name = below.rsplit("/", 1)[-1]
    for pattern in patterns:
        _regex, anchored = _compile_glob(pattern)
        if anchored:
            if not relative.startswith("../") and glob_matches(pattern, relative):
                return True
        elif glob_matches(pattern, name):
            return True
    return False


def _relative_to(absolute: str, root: Path) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(absolute), root)
    except ValueError:  # another drive
        return os.path.abspath(absolute).replace(os.sep, "/")
    return rel.replace(os.sep, "/")


# --- the prefilter ---------------------------------------------------------------

# A file can hold an LLM request only if its text names a provider module, one
# of the request methods, litellm's functions, or a configured client factory;
# PC201 also reads prompt-like string constants. Everything else (nearly every
# file of a typical repository) is never parsed. The patterns are deliberately
# loose: a false pass costs one parse, a false drop a missed finding.
#
# Speed: a regex scan of every file is slow in Python (about 0.5 s per pattern
# over 57 MB of site-packages), a substring test is not. So each pattern sits
# behind lowercase anchor words; it runs only on files that hold one.
_PROVIDER = re.compile(
    # provider SDK imports (absolute; the SDKs' own relative imports do not count)
    rb"\b(?:import|from)[ \t]+(?:anthropic|openai|litellm)\b"
    rb"|\bimport[ \t]+[\w., \t]*\b(?:anthropic|openai|litellm)\b"
    # clients built without an import line we can see (e.g. via importlib)
    rb"|\b(?:Async)?(?:Anthropic(?:Bedrock|Vertex)?|(?:Azure)?OpenAI)[ \t]*\("
)
# Request methods on any receiver, including clients made by factories
# elsewhere and bound-method aliases (`create = client.messages.create`).
_METHOD = re.compile(
    rb"\b(?:messages|completions|responses|batches)\s*\.\s*(?:with_raw_response\s*\.\s*|"
    rb"with_streaming_response\s*\.\s*)?(?:create|stream|parse|count_tokens)\b"
)
_LITELLM_CALL = re.compile(rb"\ba?completion\s*\(")
# PC201: what follows PROMPT/SYSTEM/INSTRUCTION in a name when a string literal
# is assigned to it: `SYSTEM_PROMPT = """`, `system: str = (`, `x = dedent("`.
_PROMPT_NAME_TAIL = re.compile(
    rb"\w*\s*(?::[^=\n]*)?=\s*(?:\(\s*)?(?:[\w.]+\(\s*)?[rubf]{0,2}['\"]"
)
_PROMPT_WORDS = (b"prompt", b"system", b"instruction")


def _prompt_assignment(lowered: bytes) -> bool:
    for word in _PROMPT_WORDS:
        start = lowered.find(word)
        while start != -1:
            if _PROMPT_NAME_TAIL.match(lowered, start + len(word)):
                return True
            start = lowered.find(word, start + len(word))
    return False


_Gate = Callable[[bytes, bytes], bool]


def _gated(anchors: tuple[bytes, ...], pattern: re.Pattern[bytes]) -> _Gate:
    def gate(data: bytes, lowered: bytes) -> bool:
        return any(a in lowered for a in anchors) and pattern.search(data) is not None

    return gate


_GATES: tuple[_Gate, ...] = (
    _gated((b"anthropic", b"openai", b"litellm"), _PROVIDER),
    _gated((b"messages", b"completions", b"responses", b"batches"), _METHOD),
    _gated((b"completion",), _LITELLM_CALL),
    lambda _data, lowered: _prompt_assignment(lowered),
)


@functools.lru_cache(maxsize=16)
def _factory_words(names: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(sorted({name.rsplit(".", 1)[-1].lower().encode() for name in names}))


def may_contain_requests(data: bytes, settings: Settings | None = None) -> bool:
    """Whether ``data`` (a file's bytes) could hold an LLM request or a prompt constant."""
    lowered = data.lower()
    if any(gate(data, lowered) for gate in _GATES):
        return True
    if settings is not None and settings.client_factories:
        return any(word in lowered for word in _factory_words(settings.client_factories))
    return False


# --- reading ---------------------------------------------------------------------


class SourceError(Exception):
    """A file that cannot be turned into text; the message is the one-line reason."""


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise SourceError("no such file (deleted while checking?)") from None
    except IsADirectoryError:
        raise SourceError("is a folder, not a file") from None
    except PermissionError:
        raise SourceError("cannot read: permission denied") from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None


def decode_source(data: bytes) -> str:
    """Source text the way Python reads it: BOM, PEP 263 coding cookie, else UTF-8.

    Raises SourceError with a one-line reason for binary data, an unknown or
    wrong encoding; never returns mojibake.
    """
    if b"\x00" in data:
        raise SourceError("binary file: contains NUL bytes, not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in str(exc.msg):
            raise SourceError(f"bad coding declaration: {exc.msg}") from None
        # No cookie and the first lines are not UTF-8: decode below names the byte.
        encoding = "utf-8"

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r} in coding declaration") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        what = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        raise SourceError(
            f"not valid {what}: byte 0x{data[exc.start]:02x} at offset {exc.start}"
            " (re-encode the file or add a PEP 263 coding declaration)"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1000:.0f} kB"


def iter_paths(files: Iterable[SourceFile]) -> list[str]:
    return [f.path for f in files]
