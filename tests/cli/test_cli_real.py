"""The installed console script, run as a real subprocess, with the real rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
EXAMPLES = CHECKOUT / "examples"


def promptcop() -> list[str]:
    script = Path(sys.executable).parent / "promptcop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "promptcop"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PROMPTCOP_DEBUG", "NO_COLOR")}
    return subprocess.run(
        [*promptcop(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_console_script_on_the_bundled_examples() -> None:
    proc = run("check", "--isolated", "--format", "json", "examples", cwd=CHECKOUT)
    assert proc.returncode == 1, proc.stderr
    document = json.loads(proc.stdout)
    assert document["errors"] == []
    assert document["files_scanned"] == len(list(EXAMPLES.rglob("*.py")))
    by_file: dict[str, set[str]] = {}
    for finding in document["findings"]:
        by_file.setdefault(Path(finding["path"]).name, set()).add(finding["code"])
    assert "clean_assistant.py" not in by_file
    assert {"PC101", "PC102"} <= by_file["support_bot.py"]
    assert by_file["triage.py"] >= {"PC301"}
    assert by_file["agent.py"] >= {"PC103"}
    assert "PC201" in by_file["prompts.py"]


def test_console_script_exit_codes_and_text(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("import os\n", encoding="utf-8")
    (tmp_path / "bad.py").write_text(
        "import openai\n\nclient = openai.OpenAI()\n"
        "reply = client.chat.completions.create(model='gpt-4o', messages=[])\n",
        encoding="utf-8",
    )
    proc = run("check", "--isolated", "ok.py", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "All checks passed.\n")
    proc = run("check", "--isolated", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("bad.py:4:")
    assert " PC301 " in proc.stdout
    lines = proc.stdout.splitlines()
    assert lines[1] == "Found 1 finding in 2 files."
    # PC301's fix (adding max_tokens) changes behaviour, so it is offered as unsafe
    assert lines[2:] == ["1 fixable with `promptcop check --fix --unsafe-fixes`."]
    assert "\x1b[" not in proc.stdout  # a pipe is not a terminal
    proc = run("check", "--select", "NOPE", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("promptcop: error: --select: unknown rule code")
    assert "Traceback" not in proc.stderr


def package_tree(tmp_path: Path) -> None:
    """app/prompts.py holds a clock in SYSTEM; app/sub/main.py sends it."""
    (tmp_path / "app" / "sub").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "app" / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "app" / "prompts.py").write_text(
        "from datetime import datetime\n\nSYSTEM = f'You help. Now: {datetime.now()}'\n",
        encoding="utf-8",
    )
    (tmp_path / "app" / "sub" / "main.py").write_text(
        "import anthropic\n\nfrom ..prompts import SYSTEM\n\nclient = anthropic.Anthropic()\n\n\n"
        "def ask(q: str):\n    return client.messages.create(\n"
        "        model='claude-sonnet-4-5', max_tokens=100, system=SYSTEM,\n"
        "        messages=[{'role': 'user', 'content': q}],\n    )\n",
        encoding="utf-8",
    )


def test_explicit_file_still_follows_imports_from_unlisted_modules(tmp_path: Path) -> None:
    # pre-commit passes only the staged file; the prompt it imports lives next door
    package_tree(tmp_path)
    proc = run(
        "check", "--isolated", "--no-cache", "--format", "json", "app/sub/main.py", cwd=tmp_path
    )
    document = json.loads(proc.stdout)
    assert document["files_scanned"] == 1
    assert [f["code"] for f in document["findings"]] == ["PC101"]


def test_checking_inside_a_package_follows_imports_from_above(tmp_path: Path) -> None:
    package_tree(tmp_path)
    proc = run(
        "check", "--isolated", "--no-cache", "--format", "json", ".", cwd=tmp_path / "app" / "sub"
    )
    document = json.loads(proc.stdout)
    assert document["files_scanned"] == 2
    assert [f["code"] for f in document["findings"]] == ["PC101"]
