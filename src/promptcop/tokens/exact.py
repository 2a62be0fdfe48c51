"""Exact counts from the provider's token-counting endpoint (opt-in: it is a network call).

Anthropic: ``client.messages.count_tokens(model=, messages=, system=, tools=)``
returns ``.input_tokens`` (API_FACTS.md 2.7; free, rate-limited, 2.8).
OpenAI: ``client.responses.input_tokens.count(model=, input=, ...)`` takes a
Responses payload (API_FACTS.md 3.13), so Chat messages are translated to
Responses input items first.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from promptcop.tokens.counter import _plain, detect_format


def _has(obj: Any, *path: str) -> bool:
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return False
    return callable(obj)


def _tokens_from(response: Any, endpoint: str) -> int:
    value = response.get("input_tokens") if isinstance(response, Mapping) else None
    if value is None:
        value = getattr(response, "input_tokens", None)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{endpoint} returned no integer input_tokens: {response!r}")
    return value


def _endpoint(
    client: Any,
    messages: Sequence[Mapping[str, Any]],
    *,
    model: str,
    system: str | Sequence[Mapping[str, Any]] | None,
    tools: Sequence[Mapping[str, Any]] | None,
    format: str | None,
) -> tuple[Callable[..., Any], dict[str, Any], str]:
    """The endpoint method to call, its keyword arguments, and its name for errors."""
    if client is None:
        raise ValueError(
            "exact=True needs client=anthropic.Anthropic() or openai.OpenAI(): "
            "exact counts come from the provider's token-counting endpoint"
        )
    fmt = format or detect_format(messages)
    if _has(client, "messages", "count_tokens"):
        if fmt == "openai":
            raise ValueError(
                "exact counting with an Anthropic client needs Anthropic-format messages; "
                "these look like OpenAI Chat messages"
            )
        kwargs: dict[str, Any] = {"model": model, "messages": [_plain(m) for m in messages]}
        if system is not None:
            kwargs["system"] = system
        if tools:
            kwargs["tools"] = [_plain(t) for t in tools]
        return client.messages.count_tokens, kwargs, "messages.count_tokens"
    if _has(client, "responses", "input_tokens", "count"):
        payload: dict[str, Any] = {"model": model, "input": chat_to_responses_input(messages)}
        if system is not None:
            payload["instructions"] = (
                system if isinstance(system, str) else _join_text(system, "system")
            )
        if tools:
            payload["tools"] = [chat_tool_to_responses(t) for t in tools]
        return client.responses.input_tokens.count, payload, "responses.input_tokens.count"
    raise ValueError(
        f"client {type(client).__name__} has neither messages.count_tokens (Anthropic) "
        "nor responses.input_tokens.count (OpenAI)"
    )


def exact_count(
    client: Any,
    messages: Sequence[Mapping[str, Any]],
    *,
    model: str,
    system: str | Sequence[Mapping[str, Any]] | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    format: str | None = None,
) -> int:
    """Ask the provider's endpoint (through a synchronous client) for the input tokens."""
    call, kwargs, name = _endpoint(
        client, messages, model=model, system=system, tools=tools, format=format
    )
    response = call(**kwargs)
    if inspect.isawaitable(response):
        close = getattr(response, "close", None)
        if callable(close):
            close()  # do not leave a never-awaited coroutine behind
        raise TypeError(f"{name} returned an awaitable: pass a synchronous client")
    return _tokens_from(response, name)


async def exact_count_async(
    client: Any,
    messages: Sequence[Mapping[str, Any]],
    *,
    model: str,
    system: str | Sequence[Mapping[str, Any]] | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    format: str | None = None,
) -> int:
    """The same through an async client (``AsyncAnthropic``, ``AsyncOpenAI``)."""
    call, kwargs, name = _endpoint(
        client, messages, model=model, system=system, tools=tools, format=format
    )
    response = call(**kwargs)
    if inspect.isawaitable(response):
        response = await response
    return _tokens_from(response, name)


def _join_text(blocks: Any, where: str) -> str:
    parts = []
    for block in blocks:
        block = _plain(block)
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, Mapping) and isinstance(block.get("text"), str):
            parts.append(block["text"])
        else:
            raise ValueError(f"cannot send a non-text {where} block to responses.input_tokens")
    return "\n".join(parts)


def chat_tool_to_responses(tool: Mapping[str, Any]) -> dict[str, Any]:
    """``{"type":"function","function":{...}}`` -> Responses' flat function tool."""
    tool = _plain(tool)
    fn = tool.get("function")
    if tool.get("type") == "function" and isinstance(fn, Mapping):
        return {"type": "function", **fn}
    return dict(tool)


def _part(part: Any, role: str) -> dict[str, Any]:
    part = _plain(part)
    if isinstance(part, str):
        part = {"type": "text", "text": part}
    kind = part.get("type")
    text_kind = "output_text" if role == "assistant" else "input_text"
    if kind in ("text", "input_text", "output_text"):
        return {"type": text_kind, "text": part.get("text", "")}
    if kind == "image_url":
        spec = part.get("image_url")
        url = spec if isinstance(spec, str) else (spec or {}).get("url")
        detail = "auto" if isinstance(spec, str) else (spec or {}).get("detail", "auto")
        return {"type": "input_image", "image_url": url, "detail": detail}
    if kind == "file":
        return {"type": "input_file", **(part.get("file") or {})}
    if kind == "refusal":
        return {"type": "refusal", "refusal": part.get("refusal", "")}
    return dict(part)  # already a Responses part (input_image, input_file, ...)


def chat_to_responses_input(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI Chat messages -> Responses ``input`` items (tool calls become items)."""
    items: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        message = _plain(message)
        if not isinstance(message, Mapping):
            raise ValueError(f"message {index} is not a mapping")
        role = message.get("role")
        if role == "tool":
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.get("tool_call_id"),
                    "output": _content_as_text(message.get("content"), index),
                }
            )
            continue
        content = message.get("content")
        if isinstance(content, str):
            if content:
                items.append({"role": role, "content": content})
        elif content:
            items.append({"role": role, "content": [_part(p, str(role)) for p in content]})
        for call in message.get("tool_calls") or ():
            call = _plain(call)
            fn = call.get("function") or {}
            items.append(
                {
                    "type": "function_call",
                    "call_id": call.get("id"),
                    "name": fn.get("name"),
                    "arguments": fn.get("arguments", ""),
                }
            )
    return items


def _content_as_text(content: Any, index: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return _join_text(content, f"message {index} tool")
