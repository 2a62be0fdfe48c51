"""observe(): learns from real usage, smoothly, within bounds, and ignores nonsense."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from promptcop.tokens import calibration
from promptcop.tokens.calibration import observed_input_tokens, updated_correction
from promptcop.tokens.counter import TokenCounter

MESSAGES = [
    {"role": "user", "content": "Summarise the attached report in three bullet points. " * 20}
]


def test_observed_input_tokens_reads_every_usage_shape() -> None:
    anthropic = {
        "input_tokens": 50,
        "cache_creation_input_tokens": 1000,
        "cache_read_input_tokens": 2000,
    }
    assert observed_input_tokens(anthropic) == 3050
    assert observed_input_tokens(SimpleNamespace(**anthropic)) == 3050
    assert observed_input_tokens(SimpleNamespace(usage=SimpleNamespace(**anthropic))) == 3050
    nulls = {
        "input_tokens": 70,
        "cache_creation_input_tokens": None,
        "cache_read_input_tokens": None,
    }
    assert observed_input_tokens(nulls) == 70
    chat = {
        "prompt_tokens": 900,
        "completion_tokens": 20,
        "prompt_tokens_details": {"cached_tokens": 512},
    }
    assert observed_input_tokens(chat) == 900  # prompt_tokens already includes cached tokens
    assert observed_input_tokens({"input_tokens": 400, "output_tokens": 9}) == 400  # Responses
    assert observed_input_tokens({"output_tokens": 9}) is None


def test_observe_moves_toward_the_real_count_step_by_step() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    estimate = counter.request(MESSAGES)
    real = round(estimate * 1.3)
    previous = counter.correction
    for _ in range(40):
        counter.observe({"input_tokens": real}, messages=MESSAGES)
        assert counter.correction / previous <= calibration.MAX_STEP + 1e-9  # bounded step
        previous = counter.correction
    assert counter.observations == 40
    assert counter.request(MESSAGES) == pytest.approx(real, rel=0.02)


def test_one_absurd_response_is_ignored() -> None:
    counter = TokenCounter("gpt-4o")
    estimate = counter.request(MESSAGES)
    counter.observe({"prompt_tokens": estimate * 50}, messages=MESSAGES)
    counter.observe({"prompt_tokens": 1}, messages=MESSAGES)
    assert counter.correction == 1.0
    assert counter.rejected_observations == 2
    assert counter.last_observation == (estimate, 1)
    assert counter.request(MESSAGES) == estimate


def test_one_surprising_response_moves_the_factor_at_most_one_step() -> None:
    counter = TokenCounter("gpt-4o")
    estimate = counter.request(MESSAGES)
    counter.observe({"prompt_tokens": estimate * 3}, messages=MESSAGES)
    assert 1.0 < counter.correction <= calibration.MAX_STEP


def test_correction_stays_within_bounds() -> None:
    current = 1.0
    for _ in range(200):
        new = updated_correction(current, estimated=1000, real=3900)
        assert new is not None
        current = new
    assert current == calibration.MAX_CORRECTION
    for _ in range(400):
        new = updated_correction(current, estimated=1000, real=260)
        assert new is not None
        current = new
    assert current == calibration.MIN_CORRECTION
    assert updated_correction(1.0, estimated=10, real=12) is None  # too small to learn from


def test_learnt_correction_applies_to_every_part() -> None:
    counter = TokenCounter("gpt-4o")
    before = counter.messages(MESSAGES)[0]
    counter.correction = 1.5
    assert counter.messages(MESSAGES)[0] == pytest.approx(before * 1.5, abs=1)
    assert counter.request(MESSAGES) == counter.request_overhead + counter.message(MESSAGES[0])


def test_observe_without_a_count_raises() -> None:
    counter = TokenCounter("gpt-4o")
    bad: Any = {"output_tokens": 3}
    with pytest.raises(ValueError, match="input token"):
        counter.observe(bad, messages=MESSAGES)
