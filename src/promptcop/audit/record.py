"""``promptcop.record(client, path)``: log every call's request and usage for the audit.

    client = promptcop.record(anthropic.Anthropic(), "calls.jsonl", tag="support-chat")
    client.messages.create(...)          # same call, same result, one JSON line appended

The wrapper is a thin proxy: it intercepts ``messages.create``,
``beta.messages.create`` (Anthropic), ``chat.completions.create`` and
``responses.create`` (OpenAI), and their ``parse`` variants, sync or async,
follows ``with_options(...)`` copies, and hands everything else to the real
client untouched. A call always behaves as without the wrapper: same
return value, same exceptions, and a log that cannot be written only costs a
single ``RuntimeWarning`` (the call itself still succeeds).

Each line is ``{"time", "tag", "api", "batch", "latency_s", "request",
"response"}``, where ``request`` keeps the parts that decide cost and caching
(model, system, tools, messages or instructions/input, output limits) and
``response`` keeps ``model`` and ``usage`` exactly as the API returned them.
With ``hash_text=True`` every text in the request is stored as
``{"sha256", "chars"}``: the audit still prices calls, groups families and
sees *that* a prompt part changed, but nobody can read the prompts.

Being a proxy, the wrapper fails ``isinstance`` checks against the SDK's
client class; code that checks should get the original client.

Streaming calls (``stream=True``, ``messages.stream(...)``) pass through
unrecorded: their usage arrives only at the end of the stream, and wrapping
the stream object would change what the caller gets back. Batch jobs are
audited from their results files, which ``promptcop audit`` reads directly.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar, cast

T = TypeVar("T")

# Attribute paths whose call is recorded, and the API each speaks.
_RECORDED: dict[tuple[str, ...], str] = {
    ("messages", "create"): "messages",
    ("beta", "messages", "create"): "messages",
    ("messages", "parse"): "messages",
    ("beta", "messages", "parse"): "messages",
    ("chat", "completions", "create"): "chat.completions",
    ("chat", "completions", "parse"): "chat.completions",
    ("beta", "chat", "completions", "parse"): "chat.completions",
    ("responses", "create"): "responses",
    ("responses", "parse"): "responses",
}
# Client methods that return a configured copy of the client: the copy is recorded too.
_COPIES = frozenset({"with_options", "copy"})
_ON_THE_WAY = {path[:i] for path in _RECORDED for i in range(1, len(path))}

# Request fields that decide what a call costs and what it caches.
_REQUEST_KEYS = (
    "model",
    "system",
    "tools",
    "tool_choice",
    "messages",
    "instructions",
    "input",
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "cache_control",
    "prompt_cache_key",
    "prompt_cache_retention",
    "thinking",
)
# With hash_text, strings under these keys stay readable: they are structure, not content.
_STRUCTURAL_KEYS = frozenset(
    {
        "type",
        "role",
        "name",
        "id",
        "tool_use_id",
        "tool_call_id",
        "call_id",
        "media_type",
        "model",
        "ttl",
        "tool_choice",
        "detail",
        "format",
        "status",
        "prompt_cache_retention",
    }
)
_RESPONSE_KIND = {
    "messages": ("type", "message"),
    "chat.completions": ("object", "chat.completion"),
    "responses": ("object", "response"),
}

_locks_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}


def _lock_for(path: str) -> threading.Lock:
    # One lock per file, shared by every recorder writing to it in this process.
    with _locks_guard:
        lock = _locks.get(path)
        if lock is None:
            lock = _locks[path] = threading.Lock()
        return lock


def record(
    client: T, path: str | os.PathLike[str], tag: str | None = None, hash_text: bool = False
) -> T:
    """``client`` (Anthropic or OpenAI, sync or async) with its calls appended to ``path``.

    The result is a proxy: use it exactly like the client. ``tag`` names the
    feature or job (the audit reports spend per tag and decides batching and
    routing per tag); ``hash_text`` stores sha256 digests instead of prompt text.
    """
    recorder = _Recorder(os.fspath(path), tag, hash_text)
    return cast(T, _Proxy(client, (), recorder))


class _Proxy:
    """Forwards everything to the wrapped object except the recorded ``create`` methods."""

    __slots__ = ("_path", "_recorder", "_target")

    def __init__(self, target: Any, path: tuple[str, ...], recorder: _Recorder) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_recorder", recorder)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        path = (*self._path, name)
        api = _RECORDED.get(path)
        if api is not None and callable(value):
            return self._recorder.wrap(value, api)
        if not self._path and name in _COPIES and callable(value):
            return self._recorder.wrap_copy(value)
        if path in _ON_THE_WAY:
            return _Proxy(value, path, self._recorder)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __dir__(self) -> list[str]:
        return dir(self._target)

    def __repr__(self) -> str:
        return f"promptcop.record({self._target!r})"

    def __enter__(self) -> _Proxy:
        self._target.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._target.__exit__(*exc)

    async def __aenter__(self) -> _Proxy:
        await self._target.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> Any:
        return await self._target.__aexit__(*exc)


class _Recorder:
    def __init__(self, path: str, tag: str | None, hash_text: bool) -> None:
        self.path = path
        self.tag = tag
        self.hash_text = hash_text
        self._lock = _lock_for(os.path.abspath(path))
        self._warned = False

    def wrap_copy(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def copied(*args: Any, **kwargs: Any) -> Any:
            return _Proxy(method(*args, **kwargs), (), self)

        return copied

    def wrap(self, method: Callable[..., Any], api: str) -> Callable[..., Any]:
        @functools.wraps(method)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("stream") is True:
                return method(*args, **kwargs)  # streams pass through (see module doc)
            started = datetime.now(timezone.utc)
            clock = time.perf_counter()
            result = method(*args, **kwargs)
            if inspect.isawaitable(result):
                return self._finish(result, kwargs, api, started, clock)
            self.save(kwargs, result, api, started, time.perf_counter() - clock)
            return result

        return recorded

    async def _finish(
        self,
        pending: Awaitable[Any],
        kwargs: Mapping[str, Any],
        api: str,
        started: datetime,
        clock: float,
    ) -> Any:
        result = await pending
        self.save(kwargs, result, api, started, time.perf_counter() - clock)
        return result

    def save(
        self,
        kwargs: Mapping[str, Any],
        result: Any,
        api: str,
        started: datetime,
        latency: float,
    ) -> None:
        """Append one line; never raises (a failure warns once and is otherwise ignored)."""
        try:
            line = self._line(kwargs, result, api, started, latency)
            if line is None:
                return
            self._append(line.encode("utf-8", "surrogatepass"))
        except Exception as exc:
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"promptcop.record cannot log to {self.path} ({exc}); calls go on unrecorded",
                    RuntimeWarning,
                    stacklevel=4,
                )

    def _append(self, data: bytes) -> None:
        # One O_APPEND write per line: threads hold the lock, and other processes
        # appending to the same local file cannot interleave inside a line.
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)

    def _line(
        self,
        kwargs: Mapping[str, Any],
        result: Any,
        api: str,
        started: datetime,
        latency: float,
    ) -> str | None:
        usage = getattr(result, "usage", None)
        if usage is None:
            return None  # not a finished response (e.g. a stream object): nothing to price
        request = {
            key: _jsonable(kwargs[key])
            for key in _REQUEST_KEYS
            if key in kwargs and not _is_sentinel(kwargs[key])
        }
        if self.hash_text:
            request = {key: _hash_texts(value, key) for key, value in request.items()}
        kind_key, kind = _RESPONSE_KIND[api]
        response = {
            kind_key: kind,
            "id": _jsonable(getattr(result, "id", None)),
            "model": _jsonable(getattr(result, "model", None) or kwargs.get("model")),
            "usage": _jsonable(usage),
        }
        entry = {
            "time": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "tag": self.tag,
            "api": api,
            "batch": False,
            "latency_s": round(latency, 4),
            "request": request,
            "response": response,
        }
        return json.dumps(entry, ensure_ascii=False) + "\n"


def _is_sentinel(value: Any) -> bool:
    # The SDKs mark "argument not given" with NotGiven / Omit instances.
    return type(value).__name__ in ("NotGiven", "Omit")


def _jsonable(value: Any, depth: int = 0) -> Any:
    """Plain JSON data from SDK models, TypedDicts, fakes and containers."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if depth > 50:
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items() if not _is_sentinel(v)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": len(value)}
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return _jsonable(dump(mode="json"), depth + 1)
    if hasattr(value, "__dict__"):
        return {
            k: _jsonable(v, depth + 1)
            for k, v in vars(value).items()
            if not k.startswith("_") and not _is_sentinel(v)
        }
    return repr(value)


def _hash_texts(value: Any, key: str = "") -> Any:
    if isinstance(value, str):
        if key in _STRUCTURAL_KEYS:
            return value
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        return {"sha256": digest, "chars": len(value)}
    if isinstance(value, dict):
        return {k: _hash_texts(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_hash_texts(v, key) for v in value]
    return value


__all__ = ["record"]
