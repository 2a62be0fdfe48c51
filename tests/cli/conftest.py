"""A stand-in engine for CLI plumbing tests.

The CLI's job (flags, config, files, formats, exit codes) is tested against a
tiny fake engine that reports PC301 on every line holding ``# BAD``, so these
tests do not move when a rule's analysis improves. End-to-end runs with the
real rules live in ``test_cli_real.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from promptcop.config import CATALOGUE_CODES, Settings
from promptcop.linter import runner
from promptcop.linter.engine import FileResult
from promptcop.linter.model import Finding, Location
from promptcop.linter.project import ProjectIndex

SDK_HEADER = "import anthropic\n\nclient = anthropic.Anthropic()\n"


def fake_lint_one(
    source: runner.SourceText,
    settings: Settings,
    codes: frozenset[str],
    project: ProjectIndex | None,
) -> FileResult:
    path = source.file.path
    if "# CRASH" in source.text:
        raise RuntimeError("boom")
    findings = []
    for number, line in enumerate(source.text.splitlines(), start=1):
        if "# BAD" in line and "PC301" in codes:
            column = len(line) - len(line.lstrip()) + 1
            findings.append(
                Finding(
                    "PC301",
                    "missing-max-tokens",
                    "error",
                    "messages.create has no max_tokens: output is unbounded",
                    Location(path, number, column, number, len(line.split("#")[0].rstrip()) + 1),
                )
            )
    return FileResult(path, tuple(findings), None, ())


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "lint_one", fake_lint_one)
    monkeypatch.setattr(runner, "available_codes", lambda: CATALOGUE_CODES)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the current directory."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMPTCOP_DEBUG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
