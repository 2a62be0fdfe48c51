"""The JSON contract of ../shared/RULES.md (version 1): one object on stdout."""

from __future__ import annotations

import json
from typing import Any

from promptcop.linter.model import Finding, Fix, Location

from . import Report, json_safe

VERSION = 1


def render(report: Report) -> str:
    document = {
        "version": VERSION,
        "findings": [finding_to_dict(f) for f in report.findings],
        "files_scanned": report.files_scanned,
        "errors": [{"path": e.path, "message": e.message} for e in report.errors],
    }
    return json_safe(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity,
        "message": finding.message,
        "related": [
            {
                "path": r.location.path,
                "line": r.location.line,
                "column": r.location.column,
                "message": r.message,
            }
            for r in finding.related
        ],
        "fix": fix_to_dict(finding.fix) if finding.fix is not None else None,
    }


def fix_to_dict(fix: Fix) -> dict[str, Any]:
    return {
        "message": fix.message,
        "applicability": fix.applicability,
        "edits": [{**_range(e.location), "content": e.content} for e in fix.edits],
    }


def _range(loc: Location) -> dict[str, Any]:
    return {
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
    }
