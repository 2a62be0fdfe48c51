"""The prefilter never drops a file a rule reports on.

Every INVALID sample of every rule is a file with a finding; if the prefilter
dropped one, that finding would never be reported in a real run (the engine
never sees the file). Adding a rule adds its samples here.
"""

from __future__ import annotations

import pytest

from promptcop.linter.files import may_contain_requests
from promptcop.linter.rules import all_rules

SAMPLES = [
    pytest.param(sample.source, id=f"{rule.code}-{index}")
    for rule in all_rules()
    for index, sample in enumerate(rule.invalid)
]


@pytest.mark.parametrize("source", SAMPLES)
def test_every_invalid_sample_passes_the_prefilter(source: str) -> None:
    assert may_contain_requests(source.encode())


def test_there_are_samples() -> None:
    assert len(SAMPLES) >= 10
