"""SARIF 2.1.0 for code-scanning dashboards (GitHub ``upload-sarif`` and others).

One run, with every known rule's metadata in ``tool.driver.rules`` (help text is
the rule's doc, so the dashboard explains the cost), results pointing at their
rule by index, related locations for the call that sends a value, stable
``partialFingerprints`` (keyed on the offending source text, not the line, so
an alert survives code moving), fixes as SARIF replacements, and unreadable
files as tool notifications. Relative paths stay relative (code scanning maps
them onto the checkout) against the base ``%SRCROOT%``, which the run defines
in ``originalUriBaseIds`` as the folder promptcop ran in (SARIF 2.1.0 §3.14.14).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from promptcop.linter.model import Finding, Location

from . import Report, RuleMeta, json_safe

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/promptcop/promptcop"
SRCROOT = "%SRCROOT%"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def render(report: Report) -> str:
    return json_safe(json.dumps(build(report), indent=2, ensure_ascii=False)) + "\n"


def build(report: Report) -> dict[str, Any]:
    rules = list(report.rules)
    index = {rule.code: i for i, rule in enumerate(rules)}
    for finding in report.findings:
        if finding.code not in index:
            # A finding from a rule without metadata still gets a descriptor.
            index[finding.code] = len(rules)
            rules.append(
                RuleMeta(finding.code, finding.name, finding.severity, finding.name, "", None)
            )
    driver: dict[str, Any] = {
        "name": "promptcop",
        "informationUri": INFORMATION_URI,
        "rules": [_rule(rule) for rule in rules],
    }
    if report.tool_version:
        driver["version"] = report.tool_version
        driver["semanticVersion"] = report.tool_version
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        **_base_ids(report.source_root),
        "results": [_result(f, index[f.code]) for f in report.findings],
        "invocations": [
            {
                "executionSuccessful": report.internal_errors == 0,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": error.message},
                        "locations": [
                            {"physicalLocation": {"artifactLocation": _artifact(error.path)}}
                        ],
                    }
                    for error in report.errors
                ],
            }
        ],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rule(rule: RuleMeta) -> dict[str, Any]:
    doc = rule.doc.strip() or rule.summary
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _first_paragraph(doc)},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": _LEVELS.get(rule.severity, "error")},
        "properties": {"tags": ["promptcop", _family(rule.code)]},
    }
    if rule.fix:
        descriptor["properties"]["fix"] = rule.fix
    return descriptor


def _first_paragraph(doc: str) -> str:
    """The first paragraph of prose (doc headings like ``## What it does`` skipped)."""
    for block in doc.split("\n\n"):
        lines = [ln for ln in block.strip().splitlines() if not ln.lstrip().startswith("#")]
        text = " ".join(ln.strip() for ln in lines).strip()
        if text:
            return text
    return doc


def _family(code: str) -> str:
    families = {"PC1": "prompt-cache", "PC2": "token-bloat", "PC3": "call-site"}
    return families.get(code[:3], "suppression" if code.startswith("PC9") else "other")


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _LEVELS.get(finding.severity, "error"),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": _physical(finding.location)}],
        "partialFingerprints": {"promptcopFindingHash/v1": fingerprint(finding)},
    }
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": _physical(related.location),
                "message": {"text": related.message},
            }
            for i, related in enumerate(finding.related, start=1)
        ]
    if finding.fix is not None:
        changes: dict[str, list[dict[str, Any]]] = {}
        for edit in finding.fix.edits:
            changes.setdefault(edit.location.path, []).append(
                {"deletedRegion": _region(edit.location), "insertedContent": {"text": edit.content}}
            )
        result["fixes"] = [
            {
                "description": {"text": f"{finding.fix.message} ({finding.fix.applicability})"},
                "artifactChanges": [
                    {"artifactLocation": _artifact(path), "replacements": replacements}
                    for path, replacements in changes.items()
                ],
            }
        ]
    return result


def fingerprint(finding: Finding) -> str:
    """Stable across line moves: the code, the file and the offending text (or the message)."""
    key = "\0".join((finding.code, finding.location.path, finding.snippet or finding.message))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _physical(loc: Location) -> dict[str, Any]:
    return {"artifactLocation": _artifact(loc.path), "region": _region(loc)}


def _region(loc: Location) -> dict[str, Any]:
    return {
        "startLine": loc.line,
        "startColumn": loc.column,
        "endLine": loc.end_line,
        "endColumn": loc.end_column,
    }


def _base_ids(source_root: str) -> dict[str, Any]:
    """``originalUriBaseIds`` with ``%SRCROOT%``: an absolute ``file:`` URI ending in "/"."""
    if not source_root:
        return {}
    uri = _file_uri(source_root)
    uri += "" if uri.endswith("/") else "/"  # §3.14.14: a base URI ends with "/"
    description = "the folder promptcop ran in; result paths are relative to it"
    # The key is the very string results name in ``uriBaseId`` (CodeQL spells it so too).
    return {"originalUriBaseIds": {SRCROOT: {"uri": uri, "description": {"text": description}}}}


def _file_uri(path: str) -> str:
    # Percent-encode the file system's bytes: a name that is not valid UTF-8
    # (kept by Python as surrogate escapes) still gets a valid URI.
    posix = PurePath(path).as_posix()
    if not posix.startswith("/"):
        posix = "/" + posix  # a Windows drive: file:///C:/...
    return "file://" + quote(os.fsencode(posix), safe="/:")


def _artifact(path: str) -> dict[str, Any]:
    """A relative path stays relative to the checkout (what code scanning expects)."""
    posix = path.replace(os.sep, "/")
    if os.path.isabs(path):
        return {"uri": _file_uri(path)}
    while posix.startswith("./"):
        posix = posix[2:]
    return {"uri": quote(os.fsencode(posix), safe="/"), "uriBaseId": SRCROOT}
