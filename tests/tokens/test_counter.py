"""TokenCounter: framing overheads, both formats, memoisation and model routing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from promptcop.tokens import claude, count_tokens, counter_for, detect_format, get_encoding
from promptcop.tokens.counter import (
    CLAUDE_TOKENS_PER_TOOL,
    OPENAI_REPLY_PRIMING,
    OPENAI_TOKENS_PER_MESSAGE,
    TokenCounter,
    claude_tool_system_prompt,
)


def o200k(text: str) -> int:
    return len(get_encoding("o200k_base").encode(text))


def cl100k(text: str) -> int:
    return len(get_encoding("cl100k_base").encode(text))


# ---- OpenAI conventions ---------------------------------------------------------------


def test_openai_message_framing() -> None:
    counter = TokenCounter("gpt-4o")
    user = {"role": "user", "content": "hello world"}
    assert counter.message(user) == 3 + o200k("user") + o200k("hello world")
    named = {"role": "user", "name": "alice", "content": "hello world"}
    assert counter.message(named) == counter.message(user) + 1 + o200k("alice")
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    expected = (
        OPENAI_REPLY_PRIMING
        + 2 * OPENAI_TOKENS_PER_MESSAGE
        + o200k("user")
        + o200k("hi")
        + o200k("assistant")
        + o200k("hello")
    )
    assert counter.request(messages) == expected


# The OpenAI cookbook's example ("How to count tokens with tiktoken"), whose counts
# the notebook checks against the API's prompt_tokens.
COOKBOOK_EXAMPLE = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates "
        "corporate jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities "
        "for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client "
        "deliverable.",
    },
]


@pytest.mark.parametrize(
    ("model", "tokens"), [("gpt-4", 129), ("gpt-3.5-turbo", 129), ("gpt-4o", 124)]
)
def test_openai_cookbook_example_counts(model: str, tokens: int) -> None:
    assert count_tokens(COOKBOOK_EXAMPLE, model) == tokens


def test_openai_tool_calls_and_tool_messages_are_counted() -> None:
    counter = TokenCounter("gpt-4o")
    args = json.dumps({"city": "Paris", "units": "metric"})
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": args}}
        ],
    }
    bare = counter.message({"role": "assistant", "content": None})
    assert counter.message(call) - bare >= o200k("weather") + o200k(args)
    result = {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}
    assert counter.message(result) == 3 + o200k("tool") + o200k("18 C")


def test_openai_tools_follow_the_cookbook_formula() -> None:
    counter = TokenCounter("gpt-4o")
    tool = {
        "type": "function",
        "function": {
            "name": "weather",
            "description": "Get the weather.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name."},
                    "units": {"type": "string", "enum": ["c", "f"], "description": "Units"},
                },
            },
        },
    }
    # func_init 7 + "weather:Get the weather" + prop_init 3 + per property (prop_key 3 + line)
    # + enum (-3 + 3 per item + item) + func_end 12  (OpenAI cookbook, gpt-4o values)
    expected = (
        7
        + o200k("weather:Get the weather")
        + 3
        + 3
        + o200k("city:string:City name")
        + 3
        + o200k("units:string:Units")
        - 3
        + 2 * 3
        + o200k("c")
        + o200k("f")
        + 12
    )
    assert counter.tools([tool]) == expected


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
    ],
)
def test_openai_encoding_per_model(model: str, encoding: str) -> None:
    counter = TokenCounter(model)
    assert counter.encoding == encoding
    assert counter.provider == "openai"
    text = "Schöne Grüße, 你好, tokenizers differ"
    assert counter.text(text) == len(get_encoding(encoding).encode(text))  # type: ignore[arg-type]


# ---- Claude ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("claude-3-5-sonnet-20241022", "v3"),
        ("claude-3-haiku-20240307", "v3"),
        ("claude-sonnet-4-20250514", "v3"),
        ("claude-sonnet-4-6", "v3"),
        ("claude-opus-4-6", "v3"),
        ("claude-haiku-4-5", "v3"),
        ("claude-opus-4-7", "v4.7"),
        ("claude-opus-4-8", "v4.8"),
        ("claude-sonnet-5", "v4.8"),
        ("claude-fable-5", "v4.8"),
        ("anthropic.claude-opus-4-7-v1:0", "v4.7"),
        ("claude-sonnet-4-5@20250929", "v3"),
    ],
)
def test_claude_family_by_model(model: str, family: str) -> None:
    assert claude.claude_family(model) == family
    assert TokenCounter(model, use_ctok=False).claude_family == family


def test_claude_without_ctok_uses_the_measured_model() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    assert counter.estimate
    assert counter.encoding.startswith("cl100k_base")
    assert 0 < counter.text_error == claude.CLAUDE_TEXT_MODEL_WORST_ERROR["v3"] < 0.1
    assert TokenCounter("gpt-4o").text_error == 0.0
    text = "The quick brown fox jumps over the lazy dog 42 times. " * 20
    a, b, _, d, e, f = claude.CLAUDE_TEXT_MODEL["v3"]
    upper = sum(ch.isupper() for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    blanks = text.count(" ")
    expected = a * cl100k(text) + b * len(text) + d * upper + e * digits + f * blanks
    assert counter.text(text) == pytest.approx(expected, abs=1)
    # Newer families cost more tokens for the same English text.
    newer = TokenCounter("claude-opus-4-8", use_ctok=False)
    assert newer.text(text) > counter.text(text)


def test_explicit_calibration_is_a_plain_factor_on_cl100k() -> None:
    counter = TokenCounter("claude-sonnet-4-6", calibration=1.5)
    text = "plain text " * 30
    assert counter.encoding == "cl100k_base"
    assert counter.text(text) == -(-cl100k(text) * 3 // 2)


def test_claude_with_ctok_matches_ctok() -> None:
    ctok = pytest.importorskip("ctok")
    text = "def f(x):\n    return x * 2  # Double it\n"
    for model, version, frame in (
        ("claude-sonnet-4-6", "3.0", 7),
        ("claude-opus-4-7", "4.7", 11),
        ("claude-sonnet-5", "4.8", 6),
    ):
        counter = TokenCounter(model)
        assert counter.encoding.startswith("ctok")
        assert not counter.estimate
        assert counter.text(text) == ctok.token_count(text, version) - frame


def test_ctok_frame_matches_the_measured_constants() -> None:
    pytest.importorskip("ctok")
    for family in ("v3", "v4.7", "v4.8"):
        assert claude.ctok_frame(family) == claude._CTOK_FRAME[family]  # type: ignore[arg-type]


def test_responses_input_items_are_counted_by_their_fields() -> None:
    counter = TokenCounter("gpt-4o")
    args = json.dumps({"query": "weather in Paris tomorrow afternoon"})
    item = {"type": "function_call", "call_id": "c1", "name": "search", "arguments": args}
    assert counter.message(item) >= OPENAI_TOKENS_PER_MESSAGE + o200k(args)


def test_use_ctok_true_without_ctok_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claude, "ctok_available", lambda: False)
    with pytest.raises(ImportError, match="ctok"):
        TokenCounter("claude-sonnet-4-6", use_ctok=True)
    assert TokenCounter("claude-sonnet-4-6").encoding.startswith("cl100k")


def test_claude_tools_include_tool_use_system_prompt_and_schema_json() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    tool = {
        "name": "weather",
        "description": "Get the weather",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        "cache_control": {"type": "ephemeral"},
    }
    shown = {k: tool[k] for k in ("name", "description", "input_schema")}
    expected = (
        claude_tool_system_prompt("claude-sonnet-4-6")
        + CLAUDE_TOKENS_PER_TOOL
        + counter.text(json.dumps(shown, separators=(",", ":")))
    )
    assert counter.tools([tool]) == pytest.approx(expected, abs=1)
    assert counter.tools([tool, {**tool, "name": "weather2"}]) > counter.tools([tool])
    assert counter.tools(None) == counter.tools([]) == 0
    assert claude_tool_system_prompt("claude-3-opus-20240229") == 530  # docs table, Claude 3


def test_every_anthropic_block_kind_costs_tokens() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    empty = counter.message({"role": "assistant", "content": []})
    blocks: list[dict[str, Any]] = [
        {"type": "thinking", "thinking": "Let me think about the weather. " * 10, "signature": "x"},
        {"type": "redacted_thinking", "data": "QUJD" * 200},
        {"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {"query": "x"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srv_1",
            "content": [
                {
                    "type": "web_search_result",
                    "title": "Weather in Paris",
                    "url": "https://example.com/paris",
                    "encrypted_content": "ZW5j" * 300,
                }
            ],
        },
        {"type": "text", "text": "It is sunny."},
    ]
    for block in blocks:
        assert counter.message({"role": "assistant", "content": [block]}) > empty, block["type"]
    # The thinking signature is not counted.
    signed = {"type": "thinking", "thinking": "hmm", "signature": "S" * 5000}
    unsigned = {"type": "thinking", "thinking": "hmm"}
    assert counter.message({"role": "assistant", "content": [signed]}) == counter.message(
        {"role": "assistant", "content": [unsigned]}
    )


def test_sdk_objects_count_like_dicts() -> None:
    anthropic_types = pytest.importorskip("anthropic.types")
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    block = anthropic_types.TextBlock(type="text", text="hello there, general Kenobi")
    as_object = {"role": "assistant", "content": [block]}
    as_dict = {"role": "assistant", "content": [{"type": "text", "text": block.text}]}
    assert counter.message(as_object) == counter.message(as_dict)


# ---- both formats ----------------------------------------------------------------------


def test_detect_format() -> None:
    assert detect_format([{"role": "user", "content": "hi"}]) == "anthropic"
    assert detect_format([{"role": "system", "content": "x"}]) == "openai"
    assert detect_format([{"role": "assistant", "content": None, "tool_calls": []}]) == "openai"
    part = {"type": "image_url", "image_url": {"url": "https://x"}}
    assert detect_format([{"role": "user", "content": [part]}]) == "openai"
    block = {"type": "tool_use", "id": "t", "name": "n", "input": {}}
    assert detect_format([{"role": "assistant", "content": [block]}]) == "anthropic"


def test_system_prompt_forms() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    text = "You are a careful assistant."
    blocks = [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]
    assert counter.system(text) == counter.system(blocks) == counter.text(text)
    assert counter.system(None) == counter.system("") == 0
    openai = TokenCounter("gpt-4o")
    assert openai.system(text) == openai.message({"role": "system", "content": text})


def test_request_equals_sum_of_parts_and_count_tokens() -> None:
    counter = counter_for("gpt-4o")
    messages = [{"role": "user", "content": f"question {i}"} for i in range(5)]
    assert count_tokens(messages, "gpt-4o", system="Be brief.") == (
        counter.request_overhead + counter.system("Be brief.") + sum(counter.messages(messages))
    )


# ---- memoisation -------------------------------------------------------------------------


def _agent_history(n: int) -> list[dict[str, Any]]:
    history: list[dict[str, Any]] = []
    for i in range(n):
        if i % 2 == 0:
            history.append({"role": "user", "content": f"Step {i}: please check file_{i}.py"})
        else:
            block = {"type": "tool_use", "id": f"t{i}", "name": "read", "input": {"path": str(i)}}
            history.append(
                {"role": "assistant", "content": [{"type": "text", "text": "ok"}, block]}
            )
    return history


class _Spy:
    """Wraps a counter's raw tokenizer to count how many texts it is asked to encode."""

    def __init__(self, counter: TokenCounter) -> None:
        self.calls = 0
        inner = counter._raw_text

        def spy(text: str) -> float:
            self.calls += 1
            return inner(text)

        counter._raw_text = spy


def test_repeated_messages_hit_the_memo() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    spy = _Spy(counter)
    history = _agent_history(50)
    first = counter.request(history)
    encoded = spy.calls
    assert encoded > 50
    # The same content in fresh objects: keyed by content, nothing re-encoded.
    assert counter.request(copy.deepcopy(history)) == first
    assert spy.calls == encoded
    assert counter.hits >= 50


def test_growing_history_only_counts_new_messages() -> None:
    counter = TokenCounter("gpt-4o")
    spy = _Spy(counter)
    history = _agent_history(200)
    before = counter.request(history)
    calls = spy.calls
    history.append({"role": "user", "content": "a brand new question"})
    history.append({"role": "assistant", "content": "a brand new answer"})
    after = counter.request(history)
    assert spy.calls - calls == 2
    assert after == before + counter.message(history[-1]) + counter.message(history[-2])
    assert counter.messages(history)[-1] == counter.message(history[-1])


def test_newest_message_extended_in_place_is_recounted() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    history = _agent_history(20)
    before = counter.request(history)
    history[-1]["content"].append({"type": "text", "text": "and one more thing " * 20})
    assert counter.request(history) > before + 20


def test_replaced_message_is_recounted() -> None:
    counter = TokenCounter("gpt-4o")
    history = _agent_history(30)
    before = counter.request(history)
    history[3] = {"role": "assistant", "content": "short"}
    old = counter.message(_agent_history(30)[3])
    assert counter.request(history) == before - old + counter.message(history[3])


def test_memo_keeps_no_reference_to_counted_content() -> None:
    import sys

    counter = TokenCounter("gpt-4o")
    text = "a long tool output line\n" * 500 + "unique-4d1f"
    before = sys.getrefcount(text)
    counter.message({"role": "user", "content": text})
    counter.text(text)
    assert sys.getrefcount(text) == before
    assert counter.message({"role": "user", "content": text}) > 500  # and it is a memo hit
    assert counter.hits >= 1
