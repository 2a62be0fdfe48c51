"""SARIF from a real run (real rules, their docs, related locations) validates too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptcop.cli import main

CHECKOUT = Path(__file__).resolve().parents[2]
SCHEMA = CHECKOUT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def test_sarif_of_the_examples_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    if not SCHEMA.exists():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (needs ../shared next to the checkout)")
    jsonschema = pytest.importorskip("jsonschema")
    monkeypatch.chdir(CHECKOUT)
    result = CliRunner().invoke(main, ["check", "--isolated", "--format", "sarif", "examples"])
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert problems == []
    run = document["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == CHECKOUT.as_uri() + "/"
    rules = run["tool"]["driver"]["rules"]
    assert all(r["help"]["markdown"].count("## ") >= 5 for r in rules), "docs in the help text"
    for result_ in run["results"]:
        assert rules[result_["ruleIndex"]]["id"] == result_["ruleId"]
        uri = result_["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("examples/helpdesk/")
    assert any("relatedLocations" in r for r in run["results"])
