"""The public counting API in its simplest uses (both formats, both providers)."""

from __future__ import annotations

import pytest

from promptcop.tokens import (
    count_text_for_model,
    count_tokens,
    count_tools_for_model,
    counter_for,
)

HISTORY = [
    {"role": "user", "content": "What is the weather in Paris?"},
    {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}},
        ],
    },
    {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 C, cloudy"}],
    },
]


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "claude-opus-4-7", "gpt-4o", "gpt-4"])
def test_request_is_overhead_plus_parts(model: str) -> None:
    counter = counter_for(model)
    system = "You are terse."
    tools = [{"name": "weather", "description": "Weather now", "input_schema": {"type": "object"}}]
    total = counter.request(HISTORY, system=system, tools=tools)
    parts = (
        counter.request_overhead
        + counter.system(system)
        + counter.tools(tools)
        + sum(counter.message(m) for m in HISTORY)
    )
    assert total == parts
    assert counter.message(HISTORY[0]) > counter.text(HISTORY[0]["content"]) > 0


def test_count_tokens_matches_counter() -> None:
    assert count_tokens(HISTORY, "gpt-4o", system="Be brief.") == counter_for("gpt-4o").request(
        HISTORY, system="Be brief."
    )


def test_text_and_tools_helpers() -> None:
    assert count_text_for_model("hello world", "gpt-4o") == 2
    assert count_tools_for_model(None, "gpt-4o") == 0
    tools = [{"type": "function", "function": {"name": "f", "description": "Do f."}}]
    assert count_tools_for_model(tools, "gpt-4o") > 0


def test_text_and_tools_helpers_can_skip_ctok() -> None:
    text = "Answer in one short paragraph. NEVER mention pricing."
    model = "claude-sonnet-4-6"
    fast = counter_for(model, use_ctok=False)
    assert count_text_for_model(text, model, use_ctok=False) == fast.text(text)
    tools = [{"name": "lookup", "description": "Look an order up.", "input_schema": {}}]
    assert count_tools_for_model(tools, model, use_ctok=False) == fast.tools(tools)


def test_counter_is_cached_per_model() -> None:
    assert counter_for("gpt-4o") is counter_for("gpt-4o")
    assert counter_for("gpt-4o") is not counter_for("gpt-4o-mini")
    fast = counter_for("claude-sonnet-4-6", use_ctok=False)
    assert fast.encoding.startswith("cl100k_base")
    assert fast is counter_for("claude-sonnet-4-6", use_ctok=False)


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="format"):
        counter_for("gpt-4o", format="gemini")
    with pytest.raises(ValueError, match="list of message"):
        count_tokens("hello", "gpt-4o")  # type: ignore[arg-type]
