"""PC901 unused-suppression and PC902 blanket-suppression, and their fixes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptcop.cli import main
from promptcop.linter.fix import apply_fixes
from promptcop.linter.model import Finding, Location
from promptcop.linter.rules import expected_lines
from promptcop.linter.suppress import filter_suppressed
from promptcop.linter.suppress_check import BLANKET, META_CODES, META_RULES, UNUSED, check_file

PATH = "app.py"
KNOWN = frozenset({"PC101", "PC102", "PC103", "PC201", "PC301"}) | META_CODES
ALL_ON = KNOWN


def _found(code: str, line: int) -> Finding:
    return Finding(code, "x", "error", "m", Location(PATH, line, 1, line, 10))


def hygiene(
    source: str, findings: Sequence[Finding] = (), enabled: frozenset[str] = ALL_ON
) -> tuple[list[Finding], list[Finding]]:
    """(hygiene findings, findings left open) the way the runner computes them."""
    kept, tables = filter_suppressed(list(findings), {PATH: source})
    return check_file(PATH, source, tables.get(PATH), enabled=enabled, known=KNOWN), kept


def fixed(source: str, findings: Sequence[Finding], *, unsafe: bool = False) -> str:
    fixes = [f.fix for f in findings if f.fix and (unsafe or f.fix.applicability == "safe")]
    text, _ = apply_fixes(source, [f for f in fixes if f is not None])
    return text


def test_used_named_suppression_is_fine() -> None:
    source = "call()  # noqa: PC301\n"
    found, kept = hygiene(source, [_found("PC301", 1)])
    assert found == [] and kept == []


def test_unused_named_suppression_is_reported_at_the_directive() -> None:
    source = "x = 1\ncall()  # promptcop: ignore[PC301]\n"
    found, _ = hygiene(source)
    assert [(f.code, f.location.line, f.location.column) for f in found] == [(UNUSED, 2, 9)]
    assert "no PC301 finding here" in found[0].message
    assert fixed(source, found) == "x = 1\ncall()\n"


def test_only_the_unused_codes_are_removed() -> None:
    source = "call()  # noqa: PC101, PC301\n"
    found, _ = hygiene(source, [_found("PC301", 1)])
    assert [f.code for f in found] == [UNUSED]
    assert "PC101" in found[0].message and "PC301" not in found[0].message
    assert fixed(source, found) == "call()  # noqa: PC301\n"


def test_other_tools_codes_are_not_ours() -> None:
    assert hygiene("import os  # noqa: E501, F401\n")[0] == []
    source = "x = 1  # noqa: E501, PC102\n"
    found, _ = hygiene(source)
    assert fixed(source, found) == "x = 1  # noqa: E501\n"


def test_bare_noqa_that_silenced_nothing_of_ours_is_left_alone() -> None:
    assert hygiene("import os  # noqa\n")[0] == []


def test_bare_noqa_that_silenced_our_finding_is_blanket_with_unsafe_fix() -> None:
    source = "call()  # noqa\n"
    found, kept = hygiene(source, [_found("PC301", 1)])
    assert kept == []
    assert [f.code for f in found] == [BLANKET]
    assert found[0].fix is not None and found[0].fix.applicability == "unsafe"
    assert fixed(source, found) == source
    assert fixed(source, found, unsafe=True) == "call()  # noqa: PC301\n"


def test_blanket_promptcop_ignore_names_what_it_silences() -> None:
    source = "call(  # promptcop: ignore\n  x)\n"
    found, _ = hygiene(source, [_found("PC301", 1), _found("PC101", 1)])
    assert [f.code for f in found] == [BLANKET]
    assert "PC101, PC301" in found[0].message
    assert fixed(source, found) == "call(  # promptcop: ignore[PC101, PC301]\n  x)\n"


def test_unused_blanket_promptcop_ignore_is_unused() -> None:
    source = "x = 1  # promptcop: ignore\n"
    found, _ = hygiene(source)
    assert [f.code for f in found] == [UNUSED]
    assert fixed(source, found) == "x = 1\n"


def test_codes_not_checked_in_this_run_are_not_judged() -> None:
    enabled = frozenset({"PC101", UNUSED})
    assert hygiene("call()  # noqa: PC301\n", enabled=enabled)[0] == []
    # ... but a code no rule has is always wrong.
    found, _ = hygiene("call()  # noqa: PC777\n", enabled=enabled)
    assert "PC777 is not a promptcop rule" in found[0].message


def test_prefix_codes_count_as_used() -> None:
    assert hygiene("call()  # noqa: PC3\n", [_found("PC301", 1)])[0] == []
    found, _ = hygiene("call()  # noqa: PC1\n", [_found("PC301", 1)])
    assert [f.code for f in found] == [UNUSED]


def test_switching_off_the_meta_rules_switches_off_the_stage() -> None:
    enabled = ALL_ON - {UNUSED}
    assert hygiene("x = 1  # noqa: PC101\n", enabled=enabled)[0] == []
    assert hygiene("call()  # promptcop: ignore\n", [_found("PC301", 1)], enabled=enabled)[0]


def test_directive_in_a_string_is_not_a_comment() -> None:
    assert hygiene('PROMPT = "write # noqa: PC101 in code"\n')[0] == []


def test_other_comment_parts_survive_removal() -> None:
    source = "x = 1  # type: ignore  # noqa: PC101\ny = 2  # noqa: PC101 -- kept for now\n"
    found, _ = hygiene(source)
    assert len(found) == 2
    assert fixed(source, found) == "x = 1  # type: ignore\ny = 2  # -- kept for now\n"


def test_fixed_text_is_clean_on_a_second_run() -> None:
    source = "x = 1  # noqa: PC101, E501\ny = 2  # promptcop: ignore[PC102]\n"
    first, _ = hygiene(source)
    once = fixed(source, first)
    assert hygiene(once)[0] == []


def test_meta_rules_carry_the_rule_contract() -> None:
    headings = ["## What it does", "## Why is this bad?", "## Example", "## Use instead"]
    headings += ["## Fix safety", "## Options", "## References"]
    for rule in META_RULES:
        positions = [rule.doc.find(h) for h in headings]
        assert -1 not in positions and positions == sorted(positions), rule.code
        assert rule.valid and rule.invalid
        assert "PC901" in rule.explain() or "PC902" in rule.explain()


@pytest.mark.parametrize(
    "sample",
    [s for rule in META_RULES for s in rule.invalid],
    ids=lambda s: s.source.splitlines()[-1][:40],
)
def test_invalid_samples_with_simulated_engine(sample: object) -> None:
    from promptcop.linter.rules import Invalid

    assert isinstance(sample, Invalid)
    # What the engine reports on these samples: PC301 on a call without max_tokens.
    engine = [
        _found("PC301", number)
        for number, line in enumerate(sample.source.splitlines(), start=1)
        if "messages.create(" in line and "max_tokens" not in line
    ]
    found, _ = hygiene(sample.source, engine)
    assert [(f.location.line, f.code) for f in found] == expected_lines(sample.source)
    if sample.fixed is not None:
        assert fixed(sample.source, found) == sample.fixed


@pytest.mark.parametrize(
    "source", list(META_RULES[0].valid), ids=lambda s: s.splitlines()[-1][-30:]
)
def test_valid_samples_with_simulated_engine(source: str) -> None:
    engine = [
        _found("PC301", number)
        for number, line in enumerate(source.splitlines(), start=1)
        if "messages.create(" in line and "max_tokens" not in line
    ]
    assert hygiene(source, engine)[0] == []


def test_bare_noqa_on_an_llm_call_is_blanket_even_when_unused() -> None:
    source = (
        "import anthropic\n\nclient = anthropic.Anthropic()\n"
        "client.messages.create(  # noqa\n"
        '    model="claude-sonnet-4-5", max_tokens=64, messages=[]\n'
        ")\n"
        "import os  # noqa\n"
    )
    found, _ = hygiene(source)
    assert [(f.code, f.location.line) for f in found] == [(BLANKET, 4)]
    assert found[0].fix is None


def test_bare_noqa_in_unparsable_text_is_left_alone() -> None:
    assert hygiene("client.messages.create(  # noqa\n")[0] == []


# --- through the CLI with the real engine -------------------------------------------

CALL_WITH_LIMIT = (
    "import anthropic\n\nclient = anthropic.Anthropic()\n"
    'client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=[])'
    "  # noqa: PC301\n"
)


def _codes(args: list[str], root: Path) -> list[str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args, str(root / "app.py")])
    assert result.exit_code in (0, 1), result.output
    # Only the meta rules: what other rules say about the sample is their tests' business.
    return [f["code"] for f in json.loads(result.stdout)["findings"] if f["code"] in META_CODES]


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(CALL_WITH_LIMIT)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_reports_unused_suppression(app: Path) -> None:
    assert _codes([], app) == [UNUSED]


@pytest.mark.parametrize(
    "args", [["--ignore", "PC901"], ["--ignore", "PC9"], ["--select", "PC301"], ["--select", "PC1"]]
)
def test_cli_selection_switches_the_stage_off(app: Path, args: list[str]) -> None:
    assert _codes(args, app) == []


def test_cli_per_file_ignores_apply(app: Path) -> None:
    (app / "pyproject.toml").write_text(
        '[project]\nname = \'x\'\n[tool.promptcop.per-file-ignores]\n"app.py" = ["PC901"]\n'
    )
    assert _codes([], app) == []


def test_cli_explain_and_rules_know_the_meta_rules(app: Path) -> None:
    explained = CliRunner().invoke(main, ["explain", "PC901"])
    assert explained.exit_code == 0 and "## Why is this bad?" in explained.output
    listed = CliRunner().invoke(main, ["rules"])
    assert "blanket-suppression" in listed.output


def test_empty_code_list_is_unused() -> None:
    source = "x = 1  # promptcop: ignore[]\n"
    found, _ = hygiene(source)
    assert [f.code for f in found] == [UNUSED]
    assert fixed(source, found) == "x = 1\n"


def test_lowercase_and_crlf_directives() -> None:
    source = "x = 1  # NOQA:pc101,E501\r\ny = 2\r\n"
    found, _ = hygiene(source)
    assert [f.code for f in found] == [UNUSED]
    assert fixed(source, found) == "x = 1  # noqa: E501\r\ny = 2\r\n"
