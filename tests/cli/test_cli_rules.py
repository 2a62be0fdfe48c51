"""``promptcop rules`` and ``promptcop explain`` over the real rule registry."""

from __future__ import annotations

import json

from click.testing import CliRunner

from promptcop.cli import main, rule_metas

CORE = {"PC101", "PC102", "PC103", "PC201", "PC301"}


def test_rules_table_lists_every_registered_rule() -> None:
    metas = rule_metas()
    assert {m.code for m in metas} >= CORE
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["code", "name", "severity", "fix", "summary"]
    assert [line.split()[0] for line in lines[1:]] == [m.code for m in metas]
    pc101 = next(line for line in lines if line.startswith("PC101"))
    assert "dynamic-value-in-prefix" in pc101


def test_rules_json() -> None:
    result = CliRunner().invoke(main, ["rules", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert {row["code"] for row in rows} >= CORE
    assert set(rows[0]) == {"code", "name", "severity", "fix", "summary"}
    assert all(row["fix"] in (None, "safe", "unsafe") for row in rows)


def test_explain_prints_the_doc_by_code_or_name() -> None:
    for argument in ("PC101", "pc101", "dynamic-value-in-prefix"):
        result = CliRunner().invoke(main, ["explain", argument])
        assert result.exit_code == 0, result.output
        assert "PC101" in result.output
        assert "## What it does" in result.output
        assert "## Why is this bad?" in result.output


def test_explain_unknown_code_exits_2() -> None:
    result = CliRunner().invoke(main, ["explain", "PC1O1"])
    assert result.exit_code == 2
    assert result.output.strip() == "promptcop: error: unknown rule 'PC1O1' (did you mean PC101?)"
    result = CliRunner().invoke(main, ["explain", "nothing-like-it"])
    assert result.exit_code == 2
    assert "`promptcop rules` lists them" in result.output
