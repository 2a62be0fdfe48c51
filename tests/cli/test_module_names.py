"""Module names come from absolute paths: how a file is spelt never changes the findings.

A relative walk of ``__init__.py`` files stops at ``.``: checking ``main.py``
from inside ``app/`` once named it ``main`` (or ``.main``), so ``from .prompts
import SYSTEM`` resolved nowhere and the cache killer in ``prompts.py`` went
unreported. Every spelling below must report the same finding.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptcop.cli import main
from promptcop.linter.project import ProjectIndex, module_name_for

SENDER = (
    "import anthropic\n"
    "from .prompts import SYSTEM\n"
    "from ..shared import RULES\n"
    "\n"
    "client = anthropic.Anthropic()\n"
    "\n"
    "\n"
    "def ask(q: str) -> object:\n"
    "    return client.messages.create(\n"
    '        model="claude-sonnet-4-5",\n'
    "        max_tokens=100,\n"
    "        system=SYSTEM + RULES,\n"
    '        messages=[{"role": "user", "content": q}],\n'
    "    )\n"
)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``top/app/main.py`` sends ``app.prompts.SYSTEM`` and ``top.shared.RULES``."""
    app = tmp_path / "top" / "app"
    app.mkdir(parents=True)
    (tmp_path / "top" / "__init__.py").write_text("")
    (tmp_path / "top" / "shared.py").write_text('import uuid\n\nRULES = f"Run {uuid.uuid4()}"\n')
    (app / "__init__.py").write_text("")
    (app / "prompts.py").write_text(
        'from datetime import datetime\n\nSYSTEM = f"Now: {datetime.now()}. "\n'
    )
    (app / "main.py").write_text(SENDER)
    monkeypatch.delenv("PROMPTCOP_CACHE_DIR", raising=False)
    return tmp_path


def findings_from(cwd: Path, *paths: str) -> list[tuple[str, str, int, int]]:
    """(code, absolute path, line, column) of each finding of ``check PATHS`` run in ``cwd``."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        argv = ["check", "--isolated", "--no-cache", "--format", "json", *paths]
        result = CliRunner().invoke(main, argv, catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    assert document["errors"] == []
    return sorted(
        (f["code"], os.path.normpath(os.path.join(cwd, f["path"])), f["line"], f["column"])
        for f in document["findings"]
    )


def test_every_spelling_of_the_same_files_gives_the_same_findings(tree: Path) -> None:
    top, app = tree / "top", tree / "top" / "app"
    expected = findings_from(tree, "top")
    codes = [(code, Path(path).name) for code, path, _, _ in expected]
    assert ("PC101", "prompts.py") in codes and ("PC101", "shared.py") in codes
    for cwd, paths in [
        (tree, (str(top),)),
        (top, (".",)),
        (app, ("..",)),
        (app, ("../../top",)),
        (tree / "top" / "app", (str(top),)),
    ]:
        assert findings_from(cwd, *paths) == expected, (cwd, paths)
    # Only the sender is checked (pre-commit's shape): its imports are still followed.
    only_main = [f for f in expected if Path(f[1]).name in ("prompts.py", "shared.py")]
    for cwd, paths in [
        (app, ("main.py",)),
        (app, ("./main.py",)),
        (app, (".",)),
        (app, (str(app / "main.py"),)),
        (top, ("app/main.py",)),
        (tree, ("top/app/../app/main.py",)),
    ]:
        found = [f for f in findings_from(cwd, *paths) if f[0] == "PC101"]
        assert found == only_main, (cwd, paths)


def test_module_name_ignores_the_spelling(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = tree / "top" / "app"
    monkeypatch.chdir(app)
    expected = ("top.app.main", False)
    for spelling in ("main.py", "./main.py", "../app/main.py", str(app / "main.py")):
        assert module_name_for(spelling) == expected, spelling
    assert module_name_for("__init__.py") == ("top.app", True)
    assert module_name_for("../shared.py") == ("top.shared", False)
    packages: dict[str, str | None] = {}
    assert module_name_for("main.py", packages) == expected
    assert packages[str(app)] == "top.app"  # the folder is remembered for the next file
    index = ProjectIndex.from_paths(["main.py", "prompts.py", "../shared.py"])
    found = index.find("top.app.prompts.SYSTEM", importer="main.py")
    assert found is not None and found[1] == "SYSTEM"
