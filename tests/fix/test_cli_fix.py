"""promptcop check --fix / --unsafe-fixes / --diff through click's runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from promptcop.cli import main

from . import engine

SOURCE = (
    "import anthropic\n"
    "client = anthropic.Anthropic()\n"
    'SYSTEM = "  You are terse.  "\n'
    "client.messages.create(model='m', system=SYSTEM + stamp(), messages=[])\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    engine.install(monkeypatch)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMPTCOP_DEBUG", raising=False)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def test_fix_applies_safe_fixes_and_reports_the_rest(project: Path) -> None:
    app = project / "app.py"
    app.write_text(SOURCE)
    result = run("--fix", "app.py")
    assert app.read_text() == SOURCE.replace('"  You are terse.  "', '"You are terse."')
    lines = result.output.splitlines()
    assert "Fixed 1 finding (2 remaining)." in lines
    assert "More fixes are available with --unsafe-fixes." in lines
    assert not any(" PC201 " in line for line in lines)
    assert result.exit_code == 1


def test_unsafe_fixes_and_idempotence(project: Path) -> None:
    app = project / "app.py"
    app.write_text(SOURCE)
    first = run("--fix", "--unsafe-fixes", "app.py")
    fixed = app.read_text()
    assert "create(max_tokens=1024, model='m'" in fixed
    assert "Fixed 2 findings (1 remaining)." in first.output
    second = run("--fix", "--unsafe-fixes", "app.py")
    assert app.read_text() == fixed
    assert "Fixed 0 findings (1 remaining)." in second.output
    assert second.exit_code == 1


def test_fix_with_nothing_left_exits_zero(project: Path) -> None:
    (project / "app.py").write_text('PROMPT = "  hi  "\n')
    result = run("--fix", "app.py")
    assert result.exit_code == 0
    assert "Fixed 1 finding (0 remaining)." in result.output


def test_json_lists_only_remaining_findings(project: Path) -> None:
    (project / "app.py").write_text(SOURCE)
    result = run("--fix", "--format", "json", "app.py")
    document = json.loads(result.output)
    assert sorted(document) == ["errors", "files_scanned", "findings", "fixed", "version"]
    assert document["fixed"] == 1
    assert sorted(f["code"] for f in document["findings"]) == ["PC101", "PC301"]
    # Positions are those of the fixed file.
    assert document["findings"][0]["line"] == 4


def test_diff_prints_patch_and_writes_nothing(project: Path) -> None:
    app = project / "app.py"
    app.write_text(SOURCE)
    result = run("--diff", "app.py")
    assert app.read_text() == SOURCE
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:3] == [
        "--- a/app.py",
        "+++ b/app.py",
        "@@ -1,4 +1,4 @@",
    ]
    assert '-SYSTEM = "  You are terse.  "' in result.stdout
    assert '+SYSTEM = "You are terse."' in result.stdout
    assert "Would fix 1 finding." in result.stderr


def test_diff_without_fixes_exits_zero(project: Path) -> None:
    (project / "app.py").write_text("x = stamp()\n")
    result = run("--diff", "app.py")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No fixes available." in result.stderr


def test_fix_that_breaks_code_leaves_file_and_reports_error(project: Path) -> None:
    app = project / "app.py"
    app.write_text('x = breakme\ny = "  a  "\n')
    result = run("--fix", "--format", "json", "app.py")
    assert app.read_text() == 'x = breakme\ny = "  a  "\n'
    document = json.loads(result.output)
    assert len(document["errors"]) == 1
    assert document["errors"][0]["path"] == "app.py"
    assert "would produce invalid code" in document["errors"][0]["message"]
    # Nothing was fixed, so every finding is still open.
    assert len(document["findings"]) == 2


def test_fix_touches_only_linted_files(project: Path) -> None:
    (project / "app.py").write_text('x = "  a  "\n')
    (project / "other.py").write_text('y = "  b  "\n')
    run("--fix", "app.py")
    assert (project / "app.py").read_text() == 'x = "a"\n'
    assert (project / "other.py").read_text() == 'y = "  b  "\n'


def test_fix_respects_suppressions_and_select(project: Path) -> None:
    app = project / "app.py"
    app.write_text('x = "  a  "  # noqa: PC201\ny = "  b  "\n')
    run("--fix", "app.py")
    assert app.read_text() == 'x = "  a  "  # noqa: PC201\ny = "b"\n'
    app.write_text('y = "  b  "\n')
    run("--fix", "--select", "PC101", "app.py")
    assert app.read_text() == 'y = "  b  "\n'


def test_fix_removes_unused_suppressions_across_passes(project: Path) -> None:
    app = project / "app.py"
    app.write_text('x = 1  # noqa: PC101\ny = "  b  "\n')
    result = run("--fix", "app.py")
    assert app.read_text() == 'x = 1\ny = "b"\n'
    assert "Fixed 2 findings (0 remaining)." in result.output


def test_console_script_diff_then_fix(tmp_path: Path) -> None:
    """Once as a real process, with the real engine and a registry sample."""
    from promptcop.linter.rules import get_rule

    sample = next(s for s in get_rule("PC301").invalid if s.fixed is not None)
    assert sample.fixed is not None
    target = tmp_path / "calls.py"
    target.write_text(sample.source)
    command = [sys.executable, "-m", "promptcop", "check", "--isolated", "--select", "PC301"]
    diff = subprocess.run(
        [*command, "--diff", "--unsafe-fixes", "calls.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert diff.returncode == 1, diff.stderr
    assert diff.stdout.startswith("--- a/calls.py\n+++ b/calls.py\n")
    assert target.read_text() == sample.source
    fixed = subprocess.run(
        [*command, "--fix", "--unsafe-fixes", "calls.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert target.read_text() == sample.fixed
