"""exact=True asks the provider's counting endpoint (fake clients here: no network)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from promptcop.tokens import count_tokens


class FakeAnthropic:
    def __init__(self, tokens: int = 1234) -> None:
        self.calls: list[dict[str, Any]] = []
        self.messages = SimpleNamespace(count_tokens=self._count)
        self.tokens = tokens

    def _count(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return SimpleNamespace(input_tokens=self.tokens)


class FakeOpenAI:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.responses = SimpleNamespace(input_tokens=SimpleNamespace(count=self._count))

    def _count(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return SimpleNamespace(input_tokens=77, object="response.input_tokens")


ANTHROPIC_MESSAGES = [{"role": "user", "content": "How many tokens is this?"}]


def test_exact_anthropic_passes_the_request_through() -> None:
    client = FakeAnthropic()
    tools = [{"name": "t", "description": "d", "input_schema": {"type": "object"}}]
    n = count_tokens(
        ANTHROPIC_MESSAGES, "claude-sonnet-4-6", system="Be brief.", tools=tools,
        exact=True, client=client,
    )  # fmt: skip
    assert n == 1234
    assert client.calls == [
        {
            "model": "claude-sonnet-4-6",
            "messages": ANTHROPIC_MESSAGES,
            "system": "Be brief.",
            "tools": tools,
        }
    ]


def test_exact_anthropic_omits_absent_system_and_tools() -> None:
    client = FakeAnthropic()
    count_tokens(ANTHROPIC_MESSAGES, "claude-sonnet-4-6", exact=True, client=client)
    assert set(client.calls[0]) == {"model", "messages"}


def test_exact_without_client_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="client="):
        count_tokens(ANTHROPIC_MESSAGES, "claude-sonnet-4-6", exact=True)


def test_exact_with_an_unknown_client_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="count_tokens"):
        count_tokens(ANTHROPIC_MESSAGES, "claude-sonnet-4-6", exact=True, client=object())


def test_exact_with_an_async_client_is_refused() -> None:
    async def count(**kwargs: Any) -> Any:
        return SimpleNamespace(input_tokens=1)

    client = SimpleNamespace(messages=SimpleNamespace(count_tokens=count))
    with pytest.raises(TypeError, match="synchronous"):
        count_tokens(ANTHROPIC_MESSAGES, "claude-sonnet-4-6", exact=True, client=client)


def test_exact_anthropic_refuses_openai_messages() -> None:
    messages = [{"role": "system", "content": "x"}, {"role": "user", "content": "y"}]
    with pytest.raises(ValueError, match="OpenAI"):
        count_tokens(messages, "claude-sonnet-4-6", exact=True, client=FakeAnthropic())


def test_exact_openai_translates_chat_to_responses_input() -> None:
    client = FakeOpenAI()
    args = json.dumps({"city": "Paris"})
    image = {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}}
    call = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": args}}
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "Weather?"}, image]},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
    ]
    tools = [
        {"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}
    ]
    n = count_tokens(messages, "gpt-4o", system="Be brief.", tools=tools, exact=True, client=client)
    assert n == 77
    (call,) = client.calls
    assert call["model"] == "gpt-4o"
    assert call["instructions"] == "Be brief."
    assert call["tools"] == [
        {"type": "function", "name": "weather", "parameters": {"type": "object"}}
    ]
    assert call["input"] == [
        {"role": "user", "content": [
            {"type": "input_text", "text": "Weather?"},
            {"type": "input_image", "image_url": "https://x/y.png", "detail": "low"}]},
        {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": args},
        {"type": "function_call_output", "call_id": "call_1", "output": "18 C"},
    ]  # fmt: skip


def test_offline_count_never_calls_the_client() -> None:
    client = FakeAnthropic()
    count_tokens(ANTHROPIC_MESSAGES, "claude-sonnet-4-6", client=client)
    assert client.calls == []


def test_exact_mode_with_the_real_sdks_over_a_mock_transport() -> None:
    """The real SDK methods accept exactly the arguments we pass (no network: mock transport)."""
    httpx2 = pytest.importorskip("httpx2")
    anthropic = pytest.importorskip("anthropic")
    openai = pytest.importorskip("openai")
    sent: list[tuple[str, dict[str, Any]]] = []

    def handler(request: Any) -> Any:
        sent.append((request.url.path, json.loads(request.content)))
        return httpx2.Response(200, json={"object": "response.input_tokens", "input_tokens": 42})

    def http() -> Any:
        return httpx2.Client(transport=httpx2.MockTransport(handler))

    claude = anthropic.Anthropic(api_key="test", http_client=http(), max_retries=0)
    tools = [{"name": "t", "description": "d", "input_schema": {"type": "object"}}]
    n = count_tokens(
        ANTHROPIC_MESSAGES, "claude-sonnet-4-6", system="s", tools=tools, exact=True, client=claude
    )
    assert n == 42
    gpt = openai.OpenAI(api_key="test", http_client=http(), max_retries=0)
    assert count_tokens(ANTHROPIC_MESSAGES, "gpt-4o", system="s", exact=True, client=gpt) == 42
    assert sent == [
        (
            "/v1/messages/count_tokens",
            {
                "model": "claude-sonnet-4-6",
                "messages": ANTHROPIC_MESSAGES,
                "system": "s",
                "tools": tools,
            },
        ),
        (
            "/v1/responses/input_tokens",
            {"model": "gpt-4o", "input": ANTHROPIC_MESSAGES, "instructions": "s"},
        ),
    ]


def test_async_exact_mode_awaits_an_async_client() -> None:
    import asyncio

    from promptcop.tokens import acount_tokens

    calls: list[dict[str, Any]] = []

    async def count(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return SimpleNamespace(input_tokens=99)

    client = SimpleNamespace(messages=SimpleNamespace(count_tokens=count))
    n = asyncio.run(
        acount_tokens(ANTHROPIC_MESSAGES, "claude-sonnet-4-6", exact=True, client=client)
    )
    assert n == 99
    assert calls == [{"model": "claude-sonnet-4-6", "messages": ANTHROPIC_MESSAGES}]
    offline = asyncio.run(acount_tokens(ANTHROPIC_MESSAGES, "claude-sonnet-4-6"))
    assert offline == count_tokens(ANTHROPIC_MESSAGES, "claude-sonnet-4-6")
    with pytest.raises(ValueError, match="client="):
        asyncio.run(acount_tokens(ANTHROPIC_MESSAGES, "claude-sonnet-4-6", exact=True))
