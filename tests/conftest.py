"""Fixtures shared by test folders: throwaway git repositories.

``--changed-since`` and ``--baseline`` are tested against real repositories,
so these run the real ``git`` with a fixed identity and without the user's or
the system's git config, which could otherwise change branch names, hooks or
output on a developer's machine.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

Git = Callable[..., str]
GitRepo = Callable[[Mapping[str, str]], Path]


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    out = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


@pytest.fixture
def git() -> Git:
    """``git(repo, *args)``: run git in ``repo`` and return its output."""
    return _git


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    """``git_repo(files)``: ``tmp_path/repo`` on branch main with ``files`` in one commit."""

    def make(files: Mapping[str, str]) -> Path:
        root = tmp_path / "repo"
        root.mkdir()
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", ".")
        _git(root, "commit", "-q", "-m", "base")
        return root

    return make
