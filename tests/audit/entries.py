"""Builders for log lines in the shapes the APIs define, for the audit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def anthropic(
    model: str,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    write: int = 0,
    read: int = 0,
    system: Any = None,
    tools: list[dict[str, Any]] | None = None,
    messages: list[dict[str, Any]] | None = None,
    time: str | None = None,
    tag: str | None = None,
    batch: bool = False,
    split: dict[str, int] | None = None,
) -> dict[str, Any]:
    request: dict[str, Any] = {"model": model, "max_tokens": 1024}
    if system is not None:
        request["system"] = system
    if tools is not None:
        request["tools"] = tools
    request["messages"] = messages or [{"role": "user", "content": "hi"}]
    usage: dict[str, Any] = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": read,
    }
    if split is not None:
        usage["cache_creation"] = split
    entry: dict[str, Any] = {
        "request": request,
        "response": {"type": "message", "model": model, "usage": usage},
    }
    if time is not None:
        entry["time"] = time
    if tag is not None:
        entry["tag"] = tag
    if batch:
        entry["batch"] = True
    return entry


def chat(
    model: str,
    *,
    prompt: int,
    completion: int,
    cached: int = 0,
    messages: list[dict[str, Any]] | None = None,
    tools: list[dict[str, Any]] | None = None,
    time: str | None = None,
    tag: str | None = None,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "model": model,
        "messages": messages or [{"role": "user", "content": "hi"}],
    }
    if tools is not None:
        request["tools"] = tools
    entry: dict[str, Any] = {
        "request": request,
        "response": {
            "object": "chat.completion",
            "model": model,
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        },
    }
    if time is not None:
        entry["time"] = time
    if tag is not None:
        entry["tag"] = tag
    return entry


def responses(
    model: str, *, input_tokens: int, output_tokens: int, cached: int = 0, tag: str | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "request": {"model": model, "instructions": "Be brief.", "input": "hello"},
        "response": {
            "object": "response",
            "model": model,
            "usage": {
                "input_tokens": input_tokens,
                "input_tokens_details": {"cached_tokens": cached},
                "output_tokens": output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": input_tokens + output_tokens,
            },
        },
    }
    if tag is not None:
        entry["tag"] = tag
    return entry


def batch_result(model: str, *, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "custom_id": "req-1",
        "result": {
            "type": "succeeded",
            "message": {
                "type": "message",
                "model": model,
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
            },
        },
    }


def write_log(path: Path, lines: list[Any]) -> Path:
    """Write entries (dicts become JSON, strings are written as they are)."""
    with path.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line if isinstance(line, str) else json.dumps(line))
            fh.write("\n")
    return path
