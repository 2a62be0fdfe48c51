"""Formatters against golden files, SARIF against the 2.1.0 schema.

Regenerate the golden files after an intended output change with
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/report`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from promptcop.linter.model import Edit, FileError, Finding, Fix, Location, Related
from promptcop.linter.report import FORMATS, Report, RuleMeta, render
from promptcop.linter.report.github import escape_data, escape_property
from promptcop.linter.report.text import fix_hint, summary

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
SUFFIX = {"text": "txt", "json": "json", "sarif": "sarif", "github": "github"}

RULES = (
    RuleMeta(
        "PC101",
        "dynamic-value-in-prefix",
        "error",
        "A value that changes per request reaches the cacheable prefix.",
        "## What it does\nFinds clock, uuid and random values in the prefix.\n\n"
        "## Why is this bad?\nEvery request writes the cache again (1.25x input price).",
        None,
    ),
    RuleMeta(
        "PC201",
        "whitespace-bloat",
        "warning",
        "Indentation and blank lines in a prompt cost tokens.",
        "## What it does\nFinds wasted whitespace in prompt literals.",
        "safe",
    ),
    RuleMeta(
        "PC304", "premium-model-short-task", "info", "Top-tier model for a short task.", "", None
    ),
)

FINDINGS = (
    Finding(
        "PC101",
        "dynamic-value-in-prefix",
        "error",
        "`datetime.now()` reaches `system` of messages.create at app.py:40 — the prefix "
        "changes every request; move it to the last user message",
        Location("app.py", 12, 15, 12, 29),
        related=(Related(Location("app.py", 40, 12, 44, 6), "sent here"),),
        snippet="datetime.now()",
        site_line=40,
    ),
    Finding(
        "PC201",
        "whitespace-bloat",
        "warning",
        "prompt literal wastes 37 tokens on indentation, 100% sure,\nsee `promptcop explain PC201`",
        Location("pkg/prompts, v2/sys:tem.py", 3, 10, 9, 4),
        fix=Fix(
            "dedent the literal",
            "safe",
            (Edit(Location("pkg/prompts, v2/sys:tem.py", 3, 10, 9, 4), '"""You are terse."""'),),
        ),
        snippet='"""\n    You are terse.\n"""',
    ),
    Finding(
        "PC304",
        "premium-model-short-task",
        "info",
        "claude-opus-4 with max_tokens=16 for a yes/no answer: route to a cheaper tier",
        Location("/abs/jobs/classify.py", 7, 1, 7, 60),
    ),
)
ERRORS = (
    FileError("broken.py", "syntax error: invalid syntax at line 3, column 12"),
    FileError("data/latin.py", "not valid UTF-8: byte 0xe9 at offset 17"),
)
REPORT = Report(
    FINDINGS,
    ERRORS,
    files_scanned=42,
    rules=RULES,
    tool_version="0.1.0",
    source_root="/work/my project",
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str) -> None:
    output = render(fmt, REPORT)
    golden = GOLDEN / f"report.{SUFFIX[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(output, encoding="utf-8")
    assert golden.exists(), f"run UPDATE_GOLDEN=1 pytest {__file__} to create {golden.name}"
    assert output == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_report_renders(fmt: str) -> None:
    output = render(fmt, Report((), (), files_scanned=3, rules=RULES))
    assert output.endswith("\n") or output == ""
    if fmt == "text":
        assert output == "All checks passed.\n"
    if fmt == "github":
        assert output == ""


def test_json_contract_keys() -> None:
    document = json.loads(render("json", REPORT))
    assert list(document) == ["version", "findings", "files_scanned", "errors"]
    assert document["version"] == 1
    assert document["files_scanned"] == 42
    first = document["findings"][0]
    assert list(first) == [
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "severity",
        "message",
        "related",
        "fix",
    ]
    assert first["related"] == [
        {"path": "app.py", "line": 40, "column": 12, "message": "sent here"}
    ]
    assert first["fix"] is None
    assert document["findings"][1]["fix"]["applicability"] == "safe"
    assert document["errors"][0] == {"path": "broken.py", "message": ERRORS[0].message}


def test_text_summary_line() -> None:
    assert summary(REPORT) == "Found 3 findings in 42 files, and 2 files could not be checked."
    only_errors = Report((), ERRORS[:1], files_scanned=5)
    assert summary(only_errors) == "No findings in 5 files, and 1 file could not be checked."
    # Two entries for one path (a missing argument given twice) are one file.
    twice = Report(FINDINGS[:1], (ERRORS[0], FileError("broken.py", "other")), files_scanned=2)
    assert summary(twice) == "Found 1 finding in 2 files, and 1 file could not be checked."
    assert render("text", only_errors).splitlines()[-1] == summary(only_errors)
    one = Report(FINDINGS[:1], (), files_scanned=1)
    assert summary(one) == "Found 1 finding in 1 file."
    assert render("text", one).splitlines()[0].startswith("app.py:12:15: PC101 `datetime.now()`")


def test_text_colour_only_when_asked() -> None:
    assert "\x1b[" not in render("text", REPORT, color=False)
    assert "\x1b[" in render("text", REPORT, color=True)


def test_github_escaping() -> None:
    assert escape_data("100%\r\ndone") == "100%25%0D%0Adone"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    lines = render("github", REPORT).splitlines()
    assert lines[0].startswith("::error file=app.py,line=12,col=15,endLine=12,endColumn=29,")
    assert "title=PC101 dynamic-value-in-prefix::" in lines[0]
    assert lines[1].startswith("::warning file=pkg/prompts%2C v2/sys%3Atem.py,line=3,")
    assert lines[1].endswith("100%25 sure%2C%0Asee `promptcop explain PC201`".replace("%2C", ","))
    assert lines[2].startswith("::notice ")
    assert len(lines) == 5  # one per finding and per error, never split by a newline
    # A file not checked does not fail the run: a warning, on that file.
    assert lines[3] == (
        "::warning file=broken.py,title=promptcop%3A file not checked::" + ERRORS[0].message
    )
    assert lines[4].startswith("::warning file=data/latin.py,")


def _sarif() -> dict[str, Any]:
    return json.loads(render("sarif", REPORT))  # type: ignore[no-any-return]


def test_sarif_is_valid_against_the_schema() -> None:
    if not SCHEMA.exists():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (needs ../shared next to the checkout)")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema)
    errors = sorted(validator.iter_errors(_sarif()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    # the validator does reject a broken document, so the check above means something
    broken = _sarif()
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken))


def test_sarif_content() -> None:
    run = _sarif()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["PC101", "PC201", "PC304"]
    assert (
        rules[0]["fullDescription"]["text"] == "Finds clock, uuid and random values in the prefix."
    )
    assert "1.25x input price" in rules[0]["help"]["markdown"]
    assert rules[2]["defaultConfiguration"]["level"] == "note"
    results = run["results"]
    assert [r["ruleIndex"] for r in results] == [0, 1, 2]
    assert [r["level"] for r in results] == ["error", "warning", "note"]
    assert results[0]["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 40
    location = results[1]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "pkg/prompts%2C%20v2/sys%3Atem.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert results[2]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///abs/jobs/classify.py"
    }
    assert results[1]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {
        "text": '"""You are terse."""'
    }
    fingerprints = {r["partialFingerprints"]["promptcopFindingHash/v1"] for r in results}
    assert len(fingerprints) == 3
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == [
        "broken.py",
        "data/latin.py",
    ]


def test_sarif_defines_the_base_its_relative_uris_use() -> None:
    run = _sarif()["runs"][0]
    bases = run["originalUriBaseIds"]
    used = {
        loc["physicalLocation"]["artifactLocation"].get("uriBaseId")
        for result in run["results"]
        for loc in result["locations"] + result.get("relatedLocations", [])
    } - {None}
    assert used == set(bases) == {"%SRCROOT%"}
    # SARIF 2.1.0 §3.14.14: absolute, ending in "/", so relative URIs resolve below it.
    assert bases["%SRCROOT%"]["uri"] == "file:///work/my%20project/"
    for root, uri in (("/", "file:///"), ("/srv/app/", "file:///srv/app/")):
        report = Report(FINDINGS, (), 1, RULES, source_root=root)
        document = json.loads(render("sarif", report))
        assert document["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == uri
    bare = json.loads(render("sarif", Report(FINDINGS, (), 1, RULES)))["runs"][0]
    assert "originalUriBaseIds" not in bare  # a library caller that names no root


def test_sarif_fingerprint_survives_a_line_move() -> None:
    moved = Finding(**{**FINDINGS[0].__dict__, "location": Location("app.py", 99, 15, 99, 29)})
    report = Report((moved,), (), 1, RULES)
    moved_fp = json.loads(render("sarif", report))["runs"][0]["results"][0]["partialFingerprints"]
    assert moved_fp == _sarif()["runs"][0]["results"][0]["partialFingerprints"]


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render("xml", REPORT)


def test_fix_hint() -> None:
    assert fix_hint(REPORT) == "1 fixable with `promptcop check --fix`."
    assert fix_hint(Report(FINDINGS[:1], (), 1)) is None
    unsafe = Finding(
        **{
            **FINDINGS[1].__dict__,
            "fix": Fix("add max_tokens", "unsafe", FINDINGS[1].fix.edits),  # type: ignore[union-attr]
        }
    )
    assert fix_hint(Report((unsafe,), (), 1)) == (
        "1 fixable with `promptcop check --fix --unsafe-fixes`."
    )
    both = Report((FINDINGS[1], unsafe), (), 1)
    assert fix_hint(both) == "1 fixable with `promptcop check --fix` (1 more with --unsafe-fixes)."


def test_sarif_run_fails_when_promptcop_crashed() -> None:
    crashed = Report(FINDINGS, ERRORS, 42, RULES, internal_errors=1)
    invocation = json.loads(render("sarif", crashed))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert _sarif()["runs"][0]["invocations"][0]["executionSuccessful"] is True
