"""``[tool.promptcop]`` -> one frozen Settings object.

Rules never read configuration themselves: the runner passes each rule the
options it declares from here. Loading is strict on purpose: a misspelt key or
rule code that were silently ignored would switch a check off without anyone
noticing, so both are a :class:`ConfigError` (the CLI prints it and exits 2).
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "build",
    "dist",
    "__pycache__",
    "site-packages",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".promptcop_cache",
    ".eggs",
    ".direnv",
    ".pytype",
    ".ipynb_checkpoints",
    "__pypackages__",
    "_build",
    "buck-out",
)

# Every code ../shared/RULES.md reserves. Selecting or ignoring one of these is
# valid even before its rule module exists, so a config written against the
# catalogue keeps working as rules land.
CATALOGUE_CODES: frozenset[str] = frozenset(
    {
        *(f"PC10{i}" for i in range(1, 10)),
        "PC201",
        "PC202",
        *(f"PC30{i}" for i in range(1, 6)),
    }
)

# A prefilter reads every candidate file; a file past this size that passes it
# is skipped with a reason rather than parsed (generated code, vendored dumps).
DEFAULT_MAX_FILE_SIZE = 2_000_000

_CODE_SELECTOR = re.compile(r"^(ALL|PC[0-9]{0,3})$")


class ConfigError(Exception):
    """A configuration file or flag that promptcop cannot honour; the message is one line."""


@dataclass(frozen=True)
class Settings:
    """Effective configuration after merging pyproject.toml and CLI flags."""

    select: frozenset[str] | None = None  # None: every default rule
    ignore: frozenset[str] = frozenset()
    extend_select: frozenset[str] = frozenset()
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    # Extra functions whose result differs per call, as qualified names ("app.clock.now").
    dynamic_calls: tuple[str, ...] = ()
    # Extra functions that return an LLM client, as qualified names ("app.llm.make_client").
    client_factories: tuple[str, ...] = ()
    # Default for the unsafe PC301 fix (``max_tokens=`` added to a call).
    fix_max_tokens: int = 1024
    project_root: Path | None = field(default=None, compare=False)
    # Apply excludes to files named on the command line too (pre-commit passes
    # every staged file; ruff's ``force-exclude``).
    force_exclude: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    # Skip what .gitignore files (inside a git repository) ignore, as ruff does.
    respect_gitignore: bool = True
    # The file the settings came from, for messages; None for defaults.
    config_path: Path | None = field(default=None, compare=False)

    @property
    def all_excludes(self) -> tuple[str, ...]:
        return (*self.exclude, *self.extend_exclude)

    def enabled_codes(self, available: Iterable[str]) -> frozenset[str]:
        """The codes of ``available`` this configuration turns on, ruff-style.

        A code is on when a ``select``/``extend-select`` selector matches it
        (or no ``select`` is set) and no *more specific* ``ignore`` selector
        does: ``select = ["PC1"]`` with ``ignore = ["PC103"]`` drops PC103,
        and ``ignore = ["PC1"]`` with ``extend-select = ["PC101"]`` keeps PC101.
        On a tie, ``ignore`` wins.
        """
        enabled: set[str] = set()
        for code in available:
            chosen = _specificity(code, self.extend_select)
            if self.select is None:
                chosen = max(chosen, 0)
            else:
                chosen = max(chosen, _specificity(code, self.select))
            if chosen < 0:
                continue
            if _specificity(code, self.ignore) >= chosen:
                continue
            enabled.add(code)
        return frozenset(enabled)

    def ignored_for(self, relative_path: str) -> frozenset[str]:
        """Selectors that ``per-file-ignores`` applies to a path relative to the project root."""
        from promptcop.linter.files import glob_matches

        out: set[str] = set()
        for pattern, codes in self.per_file_ignores:
            if glob_matches(pattern, relative_path):
                out |= codes
        return frozenset(out)


def _specificity(code: str, selectors: Iterable[str]) -> int:
    """Length of the longest selector that matches ``code``; -1 if none does (``ALL`` is 0)."""
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


def code_matches(code: str, selectors: Iterable[str]) -> bool:
    """Whether any selector (``ALL``, a family ``PC1``, or a full code) covers ``code``."""
    return _specificity(code, selectors) >= 0


@dataclass(frozen=True)
class Overrides:
    """What the command line says; ``None`` means "the flag was not given"."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool | None = None
    respect_gitignore: bool | None = None


def find_config(paths: Sequence[str], cwd: Path | None = None) -> tuple[Path | None, Path]:
    """Find the ``pyproject.toml`` with a ``[tool.promptcop]`` table above the checked paths.

    Returns ``(config_file_or_None, project_root)``. The search starts from
    the deepest directory that holds every path (so ``promptcop check
    src/a.py src/b.py`` finds ``src/../pyproject.toml``) and walks upward,
    like ruff. The project root anchors ``exclude`` and ``per-file-ignores``
    patterns: the config file's folder, else the nearest folder with a
    ``pyproject.toml`` or ``.git``, else the current directory.
    """
    base = cwd or Path.cwd()
    start = _common_dir([(base / p) for p in paths] or [base])
    fallback_root: Path | None = None
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            if fallback_root is None:
                fallback_root = folder
            if _has_promptcop_table(candidate):
                return candidate, folder
        elif fallback_root is None and (folder / ".git").exists():
            fallback_root = folder
    return None, fallback_root or base


def _common_dir(paths: Sequence[Path]) -> Path:
    folders = []
    for path in paths:
        absolute = Path(os.path.abspath(path))
        folders.append(absolute if absolute.is_dir() else absolute.parent)
    try:
        return Path(os.path.commonpath([str(f) for f in folders]))
    except ValueError:  # different drives on Windows
        return folders[0]


def _has_promptcop_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    # Cheap test first: most pyproject files have no such table and need no parse.
    if "promptcop" not in text:
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    return isinstance(tool, dict) and "promptcop" in tool


def read_config_table(path: Path) -> dict[str, Any]:
    """The promptcop table of ``path``: ``[tool.promptcop]`` of a pyproject, else the whole file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table: Any
        table = tool.get("promptcop", {}) if isinstance(tool, dict) else {}
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.promptcop] must be a table")
        return dict(table)
    return dict(data)


def load_settings(
    paths: Sequence[str],
    *,
    config: str | None = None,
    isolated: bool = False,
    overrides: Overrides | None = None,
    known_codes: Iterable[str] = CATALOGUE_CODES,
    cwd: Path | None = None,
) -> Settings:
    """Build the effective Settings: defaults, then the config file, then the flags.

    ``known_codes`` are the codes a selector may name (the rule registry plus
    the catalogue); anything else is a ConfigError naming where it came from.
    """
    known = frozenset(known_codes) | CATALOGUE_CODES
    base = cwd or Path.cwd()
    settings = Settings()
    if isolated:
        settings = replace(settings, project_root=base)
    elif config is not None:
        config_path = Path(config)
        if not config_path.is_absolute():
            config_path = base / config_path
        table = read_config_table(config_path)
        settings = _apply_table(settings, table, config_path, known)
        settings = replace(settings, project_root=config_path.parent, config_path=config_path)
    else:
        found, root = find_config(paths, cwd=base)
        if found is not None:
            table = read_config_table(found)
            settings = _apply_table(settings, table, found, known)
        settings = replace(settings, project_root=root, config_path=found)
    if overrides is not None:
        settings = _apply_overrides(settings, overrides, known)
    return settings


def _apply_overrides(settings: Settings, flags: Overrides, known: frozenset[str]) -> Settings:
    for option, values in (
        ("--select", flags.select or ()),
        ("--ignore", flags.ignore),
        ("--extend-select", flags.extend_select),
    ):
        _check_selectors(values, known, option)
    changes: dict[str, Any] = {}
    if flags.select is not None:
        # As in ruff, a select on the command line replaces the file's, and the
        # file's ignores no longer apply to what the flag picked explicitly.
        changes["select"] = frozenset(flags.select)
        changes["extend_select"] = frozenset()
        changes["ignore"] = frozenset(flags.ignore)
    else:
        changes["ignore"] = settings.ignore | frozenset(flags.ignore)
    if flags.extend_select:
        base = changes.get("extend_select", settings.extend_select)
        changes["extend_select"] = base | frozenset(flags.extend_select)
    if flags.exclude is not None:
        changes["exclude"] = tuple(flags.exclude)
    if flags.extend_exclude:
        changes["extend_exclude"] = (*settings.extend_exclude, *flags.extend_exclude)
    if flags.force_exclude is not None:
        changes["force_exclude"] = flags.force_exclude
    if flags.respect_gitignore is not None:
        changes["respect_gitignore"] = flags.respect_gitignore
    return replace(settings, **changes)


def _check_selectors(values: Iterable[str], known: frozenset[str], where: str) -> None:
    for value in values:
        if not _CODE_SELECTOR.match(value) or (
            value != "ALL" and not any(code.startswith(value) for code in known)
        ):
            hint = _did_you_mean(value, known)
            raise ConfigError(f"{where}: unknown rule code or prefix {value!r}{hint}")


def _did_you_mean(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- the [tool.promptcop] table ------------------------------------------------

_Parser = Callable[[Any, str, frozenset[str]], dict[str, Any]]


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list):
        raise ConfigError(f"{where} must be a list of strings")
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"{where} must be a list of strings, got {item!r}")
    return tuple(value)


def _codes(value: Any, where: str, known: frozenset[str]) -> frozenset[str]:
    codes = tuple(code.strip().upper() for code in _str_list(value, where))
    _check_selectors(codes, known, where)
    return frozenset(codes)


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{where} must be a positive integer, got {value!r}")
    return value


def _per_file_ignores(value: Any, where: str, known: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table of glob = [codes]")
    entries = []
    for pattern, codes in value.items():
        entries.append((pattern, _codes(codes, f"{where}.{pattern!r}", known)))
    return {"per_file_ignores": tuple(entries)}


def _qualified_names(value: Any, where: str) -> tuple[str, ...]:
    names = _str_list(value, where)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+", name):
            raise ConfigError(f"{where}: {name!r} is not a dotted name like 'app.clock.now'")
    return names


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    return value


_KEYS: Mapping[str, _Parser] = {
    "select": lambda v, w, k: {"select": _codes(v, w, k)},
    "ignore": lambda v, w, k: {"ignore": _codes(v, w, k)},
    "extend-select": lambda v, w, k: {"extend_select": _codes(v, w, k)},
    "per-file-ignores": _per_file_ignores,
    "exclude": lambda v, w, k: {"exclude": _str_list(v, w)},
    "extend-exclude": lambda v, w, k: {"extend_exclude": _str_list(v, w)},
    "force-exclude": lambda v, w, k: {"force_exclude": _bool(v, w)},
    "respect-gitignore": lambda v, w, k: {"respect_gitignore": _bool(v, w)},
    "dynamic-calls": lambda v, w, k: {"dynamic_calls": _qualified_names(v, w)},
    "client-factories": lambda v, w, k: {"client_factories": _qualified_names(v, w)},
    "fix-max-tokens": lambda v, w, k: {"fix_max_tokens": _positive_int(v, w)},
    "max-file-size": lambda v, w, k: {"max_file_size": _positive_int(v, w)},
}


def _apply_table(
    settings: Settings, table: Mapping[str, Any], source: Path, known: frozenset[str]
) -> Settings:
    changes: dict[str, Any] = {}
    section = "[tool.promptcop]" if source.name == "pyproject.toml" else ""
    for key, value in table.items():
        parser = _KEYS.get(key)
        if parser is None:
            hint = _did_you_mean(key, _KEYS)
            where = f" in {section}" if section else ""
            raise ConfigError(f"{source}: unknown key {key!r}{where}{hint}")
        changes.update(parser(value, f"{source}: {key}", known))
    return replace(settings, **changes)
