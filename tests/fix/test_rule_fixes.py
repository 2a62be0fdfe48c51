"""Round trip of every fixable INVALID sample of every rule in the registry.

For each sample that carries its expected fixed text (``Invalid(source,
fixed=...)``): the fix loop, run with the real engine and only that rule,
produces exactly that text, the text parses, and a second run changes
nothing. The same through ``promptcop check --fix --unsafe-fixes`` on a real
file, so the runner's suppression and selection stages are on the path too.
The suppression-hygiene rules (PC901/PC902) run through the CLI, since they
are a runner stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptcop.cli import main
from promptcop.config import Settings
from promptcop.linter.engine import lint_source
from promptcop.linter.fix import RelintError, fix_text, parse_error
from promptcop.linter.model import Finding
from promptcop.linter.rules import Invalid, Rule, all_rules
from promptcop.linter.suppress_check import META_RULES


def _samples(rules: Sequence[Rule]) -> list[tuple[Rule, int, Invalid]]:
    return [
        (rule, index, sample)
        for rule in rules
        if rule.fix is not None
        for index, sample in enumerate(rule.invalid)
        if sample.fixed is not None
    ]


def _id(case: tuple[Rule, int, Invalid]) -> str:
    return f"{case[0].code}-{case[1]}"


ENGINE_SAMPLES = _samples(all_rules())
ALL_SAMPLES = _samples((*all_rules(), *META_RULES))


def _lint_only(code: str) -> object:
    def lint(text: str) -> Sequence[Finding]:
        result = lint_source("sample.py", text, Settings(), codes=frozenset({code}))
        if result.error is not None:
            raise RelintError(result.error.message)
        return [f for f in result.findings if f.code == code]

    return lint


@pytest.mark.parametrize("case", ENGINE_SAMPLES, ids=_id)
def test_fix_round_trip_with_the_engine(case: tuple[Rule, int, Invalid]) -> None:
    rule, _, sample = case
    lint = _lint_only(rule.code)
    first = fix_text("sample.py", sample.source, lint, unsafe=True)  # type: ignore[arg-type]
    assert first.error is None, first.error
    assert first.fixed == sample.fixed
    assert parse_error(first.fixed) is None
    assert first.fixed_count >= 1
    second = fix_text("sample.py", first.fixed, lint, unsafe=True)  # type: ignore[arg-type]
    assert second.fixed == first.fixed
    assert second.fixed_count == 0


@pytest.mark.parametrize("case", ALL_SAMPLES, ids=_id)
def test_fix_round_trip_through_the_cli(
    case: tuple[Rule, int, Invalid], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule, _, sample = case
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "sample.py"
    target.write_text(sample.source, encoding="utf-8")
    # The meta samples suppress PC301: run it so those suppressions are used.
    codes = rule.code if rule not in META_RULES else "PC901,PC902,PC301"
    args = ["check", "--isolated", "--select", codes, "--fix", "--unsafe-fixes", "sample.py"]
    CliRunner().invoke(main, args, catch_exceptions=False)
    assert target.read_text(encoding="utf-8") == sample.fixed
    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert target.read_text(encoding="utf-8") == sample.fixed
    assert "Fixed 0 findings" in again.output
