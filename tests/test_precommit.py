"""The real ``pre-commit`` runs this checkout's hook on a throwaway repository.

pre-commit clones the hook repository at ``rev``, so this exercises the
COMMITTED code at ``git rev-parse HEAD``, with the hook definition in
``.pre-commit-hooks.yaml``, installed by pip into a fresh environment kept
under ``tmp_path`` (``PRE_COMMIT_HOME``), exactly as a user's machine would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]

BAD = """\
import anthropic

client = anthropic.Anthropic()


def answer(question: str) -> str:
    response = client.messages.create(
        model="claude-sonnet-4-5",
        messages=[{"role": "user", "content": question}],
    )
    return response.content[0].text
"""

CLEAN = BAD.replace(
    'model="claude-sonnet-4-5",', 'model="claude-sonnet-4-5",\n        max_tokens=512,'
)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def pre_commit() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (CHECKOUT / ".git").exists():
        pytest.skip(f"{CHECKOUT} is not a git checkout; pre-commit needs a hook repository")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install -e '.[dev]')")
    return [sys.executable, "-m", "pre_commit"]


def test_hook_fails_on_a_finding_and_passes_when_clean(
    tmp_path: Path, pre_commit: list[str]
) -> None:
    rev = git("rev-parse", "HEAD", cwd=CHECKOUT)
    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", cwd=project)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {CHECKOUT}\n  rev: {rev}\n  hooks:\n  - id: promptcop\n",
        encoding="utf-8",
    )
    (project / "bad.py").write_text(BAD, encoding="utf-8")
    (project / "clean.py").write_text(CLEAN, encoding="utf-8")
    (project / "notes.txt").write_text("client.messages.create(model='x')\n", encoding="utf-8")
    git("add", ".", cwd=project)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    env.pop("PROMPTCOP_DEBUG", None)

    def run(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*pre_commit, "run", "--color", "never", "--files", *files],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    failing = run("bad.py", "notes.txt")
    output = failing.stdout + failing.stderr
    assert failing.returncode == 1, output
    assert "promptcop" in output and "Failed" in output, output
    assert re.search(r"^bad\.py:7:\d+: PC301 ", output, re.MULTILINE), output
    assert "notes.txt" not in output, output  # `types: [python]` keeps other files out

    passing = run("clean.py")
    output = passing.stdout + passing.stderr
    assert passing.returncode == 0, output
    assert "Passed" in output, output
