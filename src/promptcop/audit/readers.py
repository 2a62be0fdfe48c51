"""Log readers: one line in, one :class:`Call` (or :class:`Skipped`) out.

Accepted line shapes, detected per line so one file may mix them:

- ``{"request": <body>, "response": <body>, "time"?, "tag"?, "batch"?}``: the
  request and response bodies exactly as the APIs define them (Anthropic
  Messages, OpenAI Chat Completions, OpenAI Responses). The recorder
  (:mod:`promptcop.audit.record`) writes this shape too, plus ``api``.
- Anthropic Message Batches results: ``{"custom_id", "result": {"type", "message"}}``.
- OpenAI Batch output: ``{"custom_id", "response": {"status_code", "body"}}``.

Files are read line by line in binary, so memory stays flat however large
the log; a bad line becomes a :class:`Skipped` with its line number and never
stops the run. Opening a file that cannot be read raises ``OSError``.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, BinaryIO

from promptcop.audit.model import Api, Call, Part, Provider, Section, Skipped, Usage

# How much of each part's text is kept for showing what changed between two
# requests; the digest always covers the whole part.
TEXT_KEEP = 4000

# Cache lifetimes (seconds): Anthropic 5m default / 1h (API_FACTS.md 1.2);
# OpenAI in-memory retention is evicted after 5-10 min idle, 24h extended (3.7).
_TTL_5M = 300
_TTL_1H = 3600
_TTL_OPENAI = 600
_TTL_OPENAI_24H = 86400


class _Unusable(Exception):
    """A line parsed as JSON but cannot be priced; the message is the reason."""


def read_log(path: str, progress: Callable[[int], None] | None = None) -> Iterator[Call | Skipped]:
    """Every line of ``path`` as a Call or a Skipped; ``progress`` gets file bytes consumed.

    A ``.gz`` file is decompressed on the fly (progress then counts compressed
    bytes); ``-`` reads standard input.
    """
    if path == "-":
        yield from _read_lines(sys.stdin.buffer, path, progress)
        return
    with open(path, "rb") as fh:
        if path.endswith(".gz"):
            yield from _read_gzip(fh, path, progress)
            return
        yield from _read_lines(fh, path, progress)


def _read_lines(
    fh: BinaryIO, path: str, progress: Callable[[int], None] | None
) -> Iterator[Call | Skipped]:
    for lineno, raw in enumerate(fh, 1):
        if progress is not None:
            progress(len(raw))
        if raw.strip():
            yield parse_line(raw, path, lineno)


def _read_gzip(
    fh: BinaryIO, path: str, progress: Callable[[int], None] | None
) -> Iterator[Call | Skipped]:
    seen = 0
    try:
        with gzip.GzipFile(fileobj=fh) as lines:
            for lineno, raw in enumerate(lines, 1):
                if progress is not None:
                    now = fh.tell()
                    progress(now - seen)
                    seen = now
                if raw.strip():
                    yield parse_line(raw, path, lineno)
    except (OSError, EOFError) as exc:
        # A truncated or corrupt archive ends the file, never the run.
        yield Skipped(path, 0, f"gzip data unreadable ({_short(exc)})")


def parse_line(raw: bytes | str, path: str = "<log>", lineno: int = 1) -> Call | Skipped:
    """One log line to a Call, or a Skipped saying why it cannot be used."""
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return Skipped(path, lineno, f"malformed JSON ({_short(exc)})")
    if not isinstance(obj, dict):
        return Skipped(path, lineno, "not a JSON object")
    try:
        return _parse_entry(obj, path, lineno)
    except _Unusable as exc:
        return Skipped(path, lineno, str(exc))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Skipped(path, lineno, f"unexpected shape ({_short(exc)})")


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _parse_entry(obj: Mapping[str, Any], path: str, lineno: int) -> Call:
    result = obj.get("result")
    if "custom_id" in obj and isinstance(result, dict):
        # Anthropic Message Batches results file (API_FACTS.md 2.2: billed at batch price).
        if result.get("type") != "succeeded":
            raise _Unusable(f"batch result {result.get('type')!r}: not billed")
        message = result.get("message")
        if not isinstance(message, dict):
            raise _Unusable("batch result has no message")
        return _build(path, lineno, {}, message, "messages", None, "", True)
    response = obj.get("response")
    if "custom_id" in obj and isinstance(response, dict) and "body" in response:
        # OpenAI Batch output file: each line wraps the normal response body.
        if response.get("status_code", 200) != 200 or not isinstance(response.get("body"), dict):
            raise _Unusable(f"batch response status {response.get('status_code')!r}: not billed")
        body = response["body"]
        return _build(path, lineno, {}, body, _detect_api(body), None, "", True)
    if not isinstance(response, dict):
        raise _Unusable("unknown line shape: expected {request, response} or a batch result")
    request = obj.get("request") or {}
    if not isinstance(request, dict):
        raise _Unusable("request is not a JSON object")
    api = obj.get("api")
    if api not in ("messages", "chat.completions", "responses"):
        api = _detect_api(response)
    tag = obj.get("tag")
    return _build(
        path,
        lineno,
        request,
        response,
        api,
        obj.get("time"),
        str(tag) if tag is not None else "",
        bool(obj.get("batch", False)),
    )


def _no_usage(response: Mapping[str, Any]) -> _Unusable:
    if response.get("error") is not None or response.get("type") == "error":
        return _Unusable("error response: not billed")
    return _Unusable("response has no usage")


def _detect_api(response: Mapping[str, Any]) -> Api:
    usage = response.get("usage")
    if not isinstance(usage, dict):
        raise _no_usage(response)
    kind = response.get("object")
    if kind == "chat.completion" or "prompt_tokens" in usage:
        return "chat.completions"
    if kind == "response" or "input_tokens_details" in usage:
        return "responses"
    if "input_tokens" in usage:
        return "messages"
    raise _Unusable("usage has neither input_tokens nor prompt_tokens")


def _count(mapping: Mapping[str, Any] | None, key: str) -> int:
    if not mapping:
        return 0
    value = mapping.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Unusable(f"usage {key} is not a non-negative integer: {value!r}")
    return value


def _usage(api: Api, usage: Mapping[str, Any], ttl_1h: bool) -> Usage:
    if api == "messages":
        creation = _count(usage, "cache_creation_input_tokens")
        split = usage.get("cache_creation")
        w5 = _count(split, "ephemeral_5m_input_tokens") if isinstance(split, dict) else 0
        w1 = _count(split, "ephemeral_1h_input_tokens") if isinstance(split, dict) else 0
        if w5 + w1 != creation:
            # No TTL split logged: writes take the TTL the request asked for.
            w5, w1 = (0, creation) if ttl_1h else (creation, 0)
        return Usage(
            uncached=_count(usage, "input_tokens"),
            write_5m=w5,
            write_1h=w1,
            read=_count(usage, "cache_read_input_tokens"),
            output=_count(usage, "output_tokens"),
        )
    if api == "chat.completions":
        prompt, out, details_key = "prompt_tokens", "completion_tokens", "prompt_tokens_details"
    else:
        prompt, out, details_key = "input_tokens", "output_tokens", "input_tokens_details"
    details = usage.get(details_key)
    details = details if isinstance(details, dict) else {}
    total = _count(usage, prompt)
    read = _count(details, "cached_tokens")
    # Cache writes are billed from GPT-5.6 on and reported as cache_write_tokens
    # (API_FACTS.md 3.5); the prompt count includes cached tokens (3.8).
    writes = _count(details, "cache_write_tokens") or _count(usage, "cache_write_tokens")
    if read + writes > total:
        raise _Unusable(f"cached tokens ({read + writes}) exceed {prompt} ({total})")
    return Usage(
        uncached=total - read - writes, write_5m=writes, read=read, output=_count(usage, out)
    )


def _time(value: Any, response: Mapping[str, Any]) -> datetime | None:
    if value is None:
        value = response.get("created") or response.get("created_at")
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise _Unusable(f"time is not ISO 8601: {value[:40]!r}") from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise _Unusable(f"time is neither ISO 8601 nor epoch seconds: {value!r}")


def _build(
    path: str,
    lineno: int,
    request: Mapping[str, Any],
    response: Mapping[str, Any],
    api: Api,
    time_value: Any,
    tag: str,
    batch: bool,
) -> Call:
    usage = response.get("usage")
    if not isinstance(usage, dict):
        raise _no_usage(response)
    model = response.get("model") or request.get("model")
    if not isinstance(model, str) or not model:
        raise _Unusable("no model in response or request")
    parts = _Parts()
    if api == "messages":
        parts.add_tools(request.get("tools"))
        system = request.get("system")
        if isinstance(system, list):
            parts.add_blocks("system", "system", system)
        elif system is not None:
            parts.add("system", "system", system)
        parts.add_messages(request.get("messages"), 0)
    elif api == "chat.completions":
        parts.add_tools(request.get("tools") or request.get("functions"))
        messages = request.get("messages") or []
        lead = 0
        # Leading system/developer messages play the role of Anthropic's system.
        while lead < len(messages) and _role(messages[lead]) in ("system", "developer"):
            parts.add_message("system", f"messages[{lead}]", messages[lead])
            lead += 1
        parts.add_messages(messages[lead:], lead)
    else:
        parts.add_tools(request.get("tools"))
        if request.get("instructions") is not None:
            parts.add("system", "instructions", request["instructions"])
        items = request.get("input")
        if isinstance(items, list):
            parts.add_messages(items, 0, label="input")
        elif items is not None:
            parts.add("messages", "input", items)
    if api == "messages":
        ttl = _TTL_1H if parts.ttl_1h else _TTL_5M
    else:
        retention = request.get("prompt_cache_retention")
        ttl = _TTL_OPENAI_24H if retention == "24h" else _TTL_OPENAI
    provider: Provider = "anthropic" if api == "messages" else "openai"
    return Call(
        path=path,
        line=lineno,
        time=_time(time_value, response),
        tag=tag,
        provider=provider,
        api=api,
        model=model,
        batch=batch,
        usage=_usage(api, usage, parts.ttl_1h),
        parts=tuple(parts.parts),
        tool_names=tuple(parts.tool_names),
        texts=tuple(parts.texts),
        ttl_seconds=ttl,
    )


def _role(message: Any) -> str:
    return str(message.get("role", "")) if isinstance(message, dict) else ""


class _Parts:
    """Collects the request's parts in cache order (tools -> system -> messages)."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self.tool_names: list[str] = []
        self.texts: list[str] = []
        self.ttl_1h = False

    def add_tools(self, tools: Any) -> None:
        if not isinstance(tools, list):
            return
        for i, tool in enumerate(tools):
            name = ""
            if isinstance(tool, dict):
                function = tool.get("function")
                raw = tool.get("name") or (
                    function.get("name") if isinstance(function, dict) else ""
                )
                name = str(raw or "")
                description = tool.get("description") or (
                    function.get("description") if isinstance(function, dict) else None
                )
                if isinstance(description, str):
                    self.texts.append(description)
            self.tool_names.append(name)
            self.add("tools", f"tools[{i}] {name}".rstrip(), tool)

    def add_messages(self, messages: Any, start: int, label: str = "messages") -> None:
        if not isinstance(messages, list):
            return
        for offset, message in enumerate(messages):
            self.add_message("messages", f"{label}[{start + offset}]", message)

    def add_message(self, section: Section, label: str, message: Any) -> None:
        if not isinstance(message, dict):
            self.add(section, label, message)
            return
        content = message.get("content")
        role = _role(message)
        if isinstance(content, list):
            self.add_blocks(section, f"{label}.content", content, role)
        elif isinstance(content, str) or (
            isinstance(content, dict) and isinstance(content.get("sha256"), str)
        ):
            self.add(section, label, content, role)
        else:
            # Responses items (function_call, ...) and content-less messages.
            self.add(section, label, message, role)

    def add_blocks(self, section: Section, label: str, blocks: list[Any], role: str = "") -> None:
        for j, block in enumerate(blocks):
            self.add(section, f"{label}[{j}]", block, role)

    def add(self, section: Section, label: str, value: Any, role: str = "") -> None:
        if isinstance(value, dict):
            control = value.get("cache_control")
            if isinstance(control, dict) and control.get("ttl") == "1h":
                self.ttl_1h = True
            text = value.get("text")
            if isinstance(text, (str, dict)) and value.get("type") in (
                "text",
                "input_text",
                "output_text",
                None,
            ):
                value = text  # cache_control and type do not change what is cached
        if isinstance(value, str):
            if section != "tools":
                self.texts.append(value)
            self.parts.append(
                Part(section, label, hash((role, value)), value[:TEXT_KEEP], len(value))
            )
            return
        if isinstance(value, dict) and isinstance(value.get("sha256"), str):
            # Recorder with hash_text=True: only the digest and length are known.
            chars = value.get("chars")
            self.parts.append(
                Part(
                    section,
                    label,
                    hash((role, value["sha256"])),
                    value["sha256"][:64],
                    chars if isinstance(chars, int) else 0,
                    hashed=True,
                )
            )
            return
        canonical = _canonical(value)
        self.parts.append(
            Part(section, label, hash((role, canonical)), canonical[:TEXT_KEEP], len(canonical))
        )


def _strip_cache_control(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_cache_control(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_strip_cache_control(v) for v in value]
    return value


def _canonical(value: Any) -> str:
    return json.dumps(
        _strip_cache_control(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def read_logs(
    paths: Iterable[str], progress: Callable[[int], None] | None = None
) -> Iterator[Call | Skipped]:
    """All lines of all ``paths`` in order."""
    for path in paths:
        yield from read_log(path, progress)
