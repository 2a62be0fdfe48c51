"""Every VALID and INVALID sample of every registered rule, fixit-style.

A VALID sample must give no finding of its rule. An INVALID sample must give
exactly the findings its ``# expect: CODE`` markers name, on those lines. An
``Invalid(source, fixed=...)`` sample must turn into ``fixed`` when every fix
the rule attached is applied (in one pass, edits never overlap).
"""

from __future__ import annotations

import ast

import pytest

from promptcop.config import Settings
from promptcop.linter.engine import lint_source
from promptcop.linter.model import Edit, Finding
from promptcop.linter.rules import Invalid, Rule, all_rules, expected_lines

RULES = all_rules()


def _lint(rule: Rule, source: str) -> list[Finding]:
    result = lint_source("sample.py", source, Settings(), codes=frozenset({rule.code}))
    assert result.error is None, result.error
    return [f for f in result.findings if f.code == rule.code]


def _offset(source: str, line: int, column: int) -> int:
    starts = [0]
    for i, ch in enumerate(source):
        if ch == "\n":
            starts.append(i + 1)
    return starts[line - 1] + column - 1


def apply_edits(source: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (1-based lines and columns, end exclusive)."""
    spans = sorted(
        (
            _offset(source, e.location.line, e.location.column),
            _offset(source, e.location.end_line, e.location.end_column),
            e.content,
        )
        for e in edits
    )
    out: list[str] = []
    pos = 0
    for start, end, content in spans:
        assert start >= pos, "overlapping edits"
        out.append(source[pos:start])
        out.append(content)
        pos = end
    out.append(source[pos:])
    return "".join(out)


VALID_CASES = [(r, i, s) for r in RULES for i, s in enumerate(r.valid)]
INVALID_CASES = [(r, i, s) for r in RULES for i, s in enumerate(r.invalid)]


@pytest.mark.parametrize(
    ("rule", "index", "source"), VALID_CASES, ids=[f"{r.code}-valid-{i}" for r, i, _ in VALID_CASES]
)
def test_valid_sample(rule: Rule, index: int, source: str) -> None:
    findings = _lint(rule, source)
    assert findings == [], [f"{f.location.line}: {f.message}" for f in findings]


@pytest.mark.parametrize(
    ("rule", "index", "sample"),
    INVALID_CASES,
    ids=[f"{r.code}-invalid-{i}" for r, i, _ in INVALID_CASES],
)
def test_invalid_sample(rule: Rule, index: int, sample: Invalid) -> None:
    expected = sorted(line for line, code in expected_lines(sample.source) if code == rule.code)
    assert expected, "an INVALID sample needs a # expect: marker for its rule"
    findings = _lint(rule, sample.source)
    # A marker sits on a line of the finding's range (a multi-line literal
    # cannot carry a comment on its first line), one finding per marker.
    got = sorted(
        next((m for m in expected if f.location.line <= m <= f.location.end_line), -f.location.line)
        for f in findings
    )
    assert got == expected, [f"{f.location.line}: {f.message}" for f in findings]
    for f in findings:
        assert f.message and f.snippet, f
        assert f.severity in ("error", "warning", "info")
    if sample.fixed is not None:
        edits = [e for f in findings if f.fix is not None for e in f.fix.edits]
        assert edits, "a sample with expected fixed text must get a fix"
        assert all(f.fix is None or f.fix.applicability == rule.fix for f in findings)
        fixed = apply_edits(sample.source, edits)
        assert fixed == sample.fixed
        ast.parse(fixed)
        assert [f for f in _lint(rule, fixed) if f.fix is not None] == []


def test_every_rule_has_samples_and_docs() -> None:
    assert RULES, "no rules registered"
    for rule in RULES:
        assert rule.valid and rule.invalid, rule.code
        assert rule.explain().startswith(f"# {rule.code} {rule.name}")
        assert rule.summary and "\n" not in rule.summary


def test_pc201_reports_blank_line_runs_even_when_the_tokenizer_merges_them() -> None:
    # RULES.md names runs of 3+ blank lines; cl100k merges newlines into one token.
    source = 'SYSTEM_PROMPT = """Rules.\n\n\n\n\nBe brief."""\n'
    (finding,) = lint_source("p.py", source, Settings(), codes=frozenset({"PC201"})).findings
    assert "3+ blank lines" in finding.message and "characters" in finding.message
