"""The recorder against fake clients shaped like both SDKs (sync and async) and the real SDKs."""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest

import promptcop
from promptcop.audit.model import Call
from promptcop.audit.readers import read_log
from promptcop.audit.record import record


class _Obj:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def _anthropic_message(model: str = "claude-sonnet-4-5") -> _Obj:
    return _Obj(
        id="msg_1",
        type="message",
        model=model,
        content=[_Obj(type="text", text="hello")],
        usage=_Obj(
            input_tokens=12,
            output_tokens=7,
            cache_creation_input_tokens=1500,
            cache_read_input_tokens=3000,
        ),
    )


def _chat_completion() -> _Obj:
    return _Obj(
        id="chatcmpl-1",
        object="chat.completion",
        model="gpt-4.1-2025-04-14",
        usage=_Obj(
            prompt_tokens=2048,
            completion_tokens=30,
            total_tokens=2078,
            prompt_tokens_details=_Obj(cached_tokens=1024),
        ),
    )


def _response() -> _Obj:
    return _Obj(
        id="resp_1",
        object="response",
        model="gpt-5-mini",
        usage=_Obj(
            input_tokens=1300,
            input_tokens_details=_Obj(cached_tokens=1152),
            output_tokens=40,
            output_tokens_details=_Obj(reasoning_tokens=10),
            total_tokens=1340,
        ),
    )


class _Create:
    """A resource with ``create``, sync or async, that returns or raises what it is given."""

    def __init__(self, result: Any = None, error: Exception | None = None, aio: bool = False):
        self.result, self.error, self.aio, self.calls = result, error, aio, []

    def _run(self, kwargs: dict[str, Any]) -> Any:
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error
        return self.result

    def create(self, **kwargs: Any) -> Any:
        if self.aio:

            async def later() -> Any:
                await asyncio.sleep(0)
                return self._run(kwargs)

            return later()
        return self._run(kwargs)


def _fake_anthropic(aio: bool = False, error: Exception | None = None) -> _Obj:
    return _Obj(
        api_key="sk-test",
        messages=_Create(_anthropic_message(), error, aio),
        beta=_Obj(messages=_Create(_anthropic_message("claude-opus-4-6"), error, aio)),
        models=_Obj(list=lambda: ["m"]),
    )


def _fake_openai(aio: bool = False) -> _Obj:
    return _Obj(
        chat=_Obj(completions=_Create(_chat_completion(), aio=aio)),
        responses=_Create(_response(), aio=aio),
    )


SYSTEM = [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}]
MESSAGES = [{"role": "user", "content": "What is 2+2?"}]


def _calls(log: Path) -> list[Call]:
    items = list(read_log(str(log)))
    assert all(isinstance(i, Call) for i in items), items
    return [i for i in items if isinstance(i, Call)]


def test_sync_anthropic_call_is_unchanged_and_logged(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    fake = _fake_anthropic()
    client = record(fake, log, tag="support")
    result = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=100, system=SYSTEM, messages=MESSAGES
    )
    assert result is fake.messages.result
    assert fake.messages.calls == [
        {"model": "claude-sonnet-4-5", "max_tokens": 100, "system": SYSTEM, "messages": MESSAGES}
    ]
    (call,) = _calls(log)
    assert (call.tag, call.api, call.model, call.batch) == (
        "support",
        "messages",
        "claude-sonnet-4-5",
        False,
    )
    assert (call.usage.uncached, call.usage.write_5m, call.usage.read, call.usage.output) == (
        12,
        1500,
        3000,
        7,
    )
    entry = json.loads(log.read_text())
    assert entry["request"]["system"] == SYSTEM
    assert entry["latency_s"] >= 0 and entry["time"].endswith("Z")
    # Everything else passes through untouched.
    assert client.api_key == "sk-test"
    assert client.models is fake.models


def test_async_anthropic_and_beta(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    fake = _fake_anthropic(aio=True)
    client = record(fake, log)

    async def main() -> tuple[Any, Any]:
        a = await client.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=MESSAGES)
        b = await client.beta.messages.create(
            model="claude-opus-4-6", max_tokens=5, messages=MESSAGES
        )
        return a, b

    a, b = asyncio.run(main())
    assert a is fake.messages.result and b is fake.beta.messages.result
    assert [c.model for c in _calls(log)] == ["claude-sonnet-4-5", "claude-opus-4-6"]


def test_openai_chat_sync_and_responses_async(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    sync = record(_fake_openai(), log, tag="chat")
    sync.chat.completions.create(model="gpt-4.1", messages=MESSAGES)
    aio = record(_fake_openai(aio=True), log, tag="resp")
    asyncio.run(aio.responses.create(model="gpt-5-mini", input="hi", instructions="Be brief."))
    chat, resp = _calls(log)
    assert (chat.api, chat.usage.uncached, chat.usage.read, chat.usage.output) == (
        "chat.completions",
        1024,
        1024,
        30,
    )
    assert (resp.api, resp.usage.uncached, resp.usage.read, resp.usage.output) == (
        "responses",
        148,
        1152,
        40,
    )


def test_exceptions_pass_through_unchanged_and_nothing_is_logged(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    boom = ValueError("rate limited")
    client = record(_fake_anthropic(error=boom), log)
    with pytest.raises(ValueError) as caught:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=MESSAGES)
    assert caught.value is boom
    aclient = record(_fake_anthropic(aio=True, error=boom), log)
    with pytest.raises(ValueError) as caught_async:
        asyncio.run(aclient.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[]))
    assert caught_async.value is boom
    assert not log.exists()


def test_unwritable_log_warns_once_and_calls_still_work(tmp_path: Path) -> None:
    fake = _fake_anthropic()
    client = record(fake, tmp_path / "missing-dir" / "calls.jsonl")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            result = client.messages.create(
                model="claude-sonnet-4-5", max_tokens=5, messages=MESSAGES
            )
            assert result is fake.messages.result
    assert len(caught) == 1
    assert issubclass(caught[0].category, RuntimeWarning)
    assert "cannot log" in str(caught[0].message)


def test_unserialisable_request_value_still_logs(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    client = record(_fake_anthropic(), log)
    client.messages.create(
        model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": [object()]}]
    )
    (call,) = _calls(log)
    assert call.usage.output == 7


def test_hash_text_stores_no_prompt_text(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    client = record(_fake_anthropic(), log, hash_text=True)
    secret = "patient Jane Doe, born 1970"
    for _ in range(2):
        client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=5,
            system=SYSTEM,
            messages=[{"role": "user", "content": secret}],
        )
    text = log.read_text()
    assert "Jane" not in text and "terse" not in text
    assert '"role": "user"' in text and "ephemeral" in text
    first, second = _calls(log)
    assert first.parts[-1].hashed and first.parts[-1].chars == len(secret)
    assert [p.digest for p in first.parts] == [p.digest for p in second.parts]


def test_streaming_calls_pass_through_unrecorded(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    fake = _fake_anthropic()
    stream = object()
    fake.messages.result = stream
    client = record(fake, log)
    assert client.messages.create(model="m", max_tokens=5, messages=MESSAGES, stream=True) is stream
    assert not log.exists()


def test_concurrent_appends_stay_whole_lines(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    client = record(_fake_anthropic(), log)
    long_prompt = [{"role": "user", "content": "x" * 20_000}]

    def worker() -> None:
        for _ in range(25):
            client.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=long_prompt)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(_calls(log)) == 200


def test_lazy_public_name() -> None:
    assert promptcop.record is record


def _http_module(sdk: Any) -> Any:
    """The httpx flavour the installed SDK speaks (httpx, or httpx2 in newer SDKs)."""
    base = importlib.import_module(f"{sdk.__name__}._base_client")
    for name in ("httpx2", "httpx"):
        if name in vars(base):
            return vars(base)[name]
    pytest.skip(f"cannot tell which httpx {sdk.__name__} uses")


def test_real_anthropic_sdk_through_a_mock_transport(tmp_path: Path) -> None:
    anthropic = pytest.importorskip("anthropic")
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5-20251001",
        "content": [{"type": "text", "text": "4"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 20,
            "output_tokens": 1,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 4096,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        },
    }
    httpx = _http_module(anthropic)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    real = anthropic.Anthropic(api_key="sk-test", http_client=httpx.Client(transport=transport))
    log = tmp_path / "calls.jsonl"
    client = record(real, log, tag="real")
    message = client.messages.create(
        model="claude-haiku-4-5", max_tokens=10, messages=MESSAGES, system="Be terse."
    )
    assert isinstance(message, anthropic.types.Message)
    (call,) = _calls(log)
    assert (call.model, call.usage.read, call.usage.uncached) == (
        "claude-haiku-4-5-20251001",
        4096,
        20,
    )


def test_real_async_openai_sdk_through_a_mock_transport(tmp_path: Path) -> None:
    openai = pytest.importorskip("openai")
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1763629200,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "4"},
            }
        ],
        "usage": {
            "prompt_tokens": 1500,
            "completion_tokens": 2,
            "total_tokens": 1502,
            "prompt_tokens_details": {"cached_tokens": 1280},
        },
    }
    httpx = _http_module(openai)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    real = openai.AsyncOpenAI(api_key="sk-test", http_client=httpx.AsyncClient(transport=transport))
    log = tmp_path / "calls.jsonl"
    client = record(real, log)
    completion = asyncio.run(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))
    assert completion.choices[0].message.content == "4"
    (call,) = _calls(log)
    assert (call.usage.uncached, call.usage.read, call.usage.output) == (220, 1280, 2)


def test_with_options_copies_are_recorded_too(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    fake = _fake_anthropic()
    fake.with_options = lambda **kw: fake  # the SDK returns a configured copy
    client = record(fake, log, tag="copy")
    result = client.with_options(timeout=5).messages.create(
        model="claude-sonnet-4-5", max_tokens=5, messages=MESSAGES
    )
    assert result is fake.messages.result
    assert [c.tag for c in _calls(log)] == ["copy"]


def test_hashed_log_still_shows_a_reordered_tool_list(tmp_path: Path) -> None:
    from promptcop.audit.analyze import run_audit
    from promptcop.facts import load_table

    log = tmp_path / "calls.jsonl"
    client = record(_fake_anthropic(), log, hash_text=True)
    tools = [
        {"name": n, "description": f"secret {n}", "input_schema": {"type": "object"}}
        for n in ("lookup", "refund")
    ]
    for order in (tools, tools[::-1]):
        client.messages.create(
            model="claude-sonnet-4-5", max_tokens=5, tools=order, system=SYSTEM, messages=MESSAGES
        )
    assert "secret" not in log.read_text()
    (family,) = run_audit([str(log)], load_table()).families
    # Each fake response read 3000 and wrote 1500 tokens: the second call read 3000 of
    # the 4500 the first left cached, a loss of 1500 over the 10% threshold.
    assert dict(family.breaks) == {"tool order": 1}
