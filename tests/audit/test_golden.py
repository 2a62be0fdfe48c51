"""Golden outputs of ``promptcop audit`` on the example log, reviewed in the diff.

Regenerate after an intended change with:

    PROMPTCOP_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/audit/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptcop.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("fmt, name", [("text", "sample.txt"), ("json", "sample.json")])
def test_golden(fmt: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["audit", "examples/logs/sample.jsonl", "--format", fmt])
    assert result.exit_code == 0, result.output
    golden = GOLDEN / name
    if os.environ.get("PROMPTCOP_REGEN_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")
