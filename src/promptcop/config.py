"""``[tool.promptcop]`` -> one frozen Settings object.

Rules never read configuration themselves: the runner passes each rule the
options it declares from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
)


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
