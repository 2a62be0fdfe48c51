"""TokenCounter: one model's offline count of messages, system prompts and tools.

Every count is ``ceil((text * factor + fixed) * correction)`` per part, where
``text`` is the raw tokenizer count of the part's text, ``fixed`` its
structural overhead and media (images, documents), ``factor`` the cl100k ->
Claude calibration (1.0 when the model's own tokenizer is used) and
``correction`` what :meth:`TokenCounter.observe` learnt from real usage.

Parts are counted independently and summed, so for any request::

    request(messages, system=s, tools=t)
        == request_overhead + system(s) + tools(t) + sum(message(m) for m in messages)

which lets a compactor reason per message and still match the whole.

Two caches keep repeated counting cheap. The raw (text, fixed) pair of each
message is memoised by a hash of its content, so equal messages are tokenised
once. And ``request()``/``messages()`` remember the last lists they counted:
on a history that only grew, the messages that are the very same objects as
last time keep their counts without being looked at (see ``_snapshot``), so a
call costs the new messages, not the history.
"""

from __future__ import annotations

import json
import math
import operator
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from promptcop.facts import canonical_id, lookup
from promptcop.tokens import claude, images
from promptcop.tokens.encodings import EncodingName, encoding_for_openai_model, get_encoding

Format = Literal["anthropic", "openai"]
Provider = Literal["anthropic", "openai"]

# OpenAI chat framing (OpenAI cookbook "How to count tokens with tiktoken",
# num_tokens_from_messages; API_FACTS.md 3.15 says local counts are estimates):
# every message costs 3 tokens (<|start|>, <|message|>, <|end|>) plus its role and
# content tokens, a ``name`` its tokens and 1 more, and every reply is primed with
# <|start|>assistant<|message|>: 3 tokens per request. The notebook checks these
# against the API (129 tokens for its example on gpt-4, 124 on gpt-4o; see tests).
OPENAI_TOKENS_PER_MESSAGE = 3
OPENAI_TOKENS_PER_NAME = 1
OPENAI_REPLY_PRIMING = 3
# One tool call in an assistant message: its name, its JSON arguments and this
# much framing (unverified estimate; the cookbook does not cover tool_calls).
OPENAI_TOKENS_PER_TOOL_CALL = 7
# Function definitions (cookbook num_tokens_for_tools, gpt-4o values; estimates).
_OPENAI_FUNC_INIT = 7
_OPENAI_PROP_INIT = 3
_OPENAI_PROP_KEY = 3
_OPENAI_ENUM_INIT = -3
_OPENAI_ENUM_ITEM = 3
_OPENAI_FUNC_END = 12

# Claude structure (unverified estimates; observe() corrects them in use):
# a tool_use block renders its id, name and JSON input inside a few markup
# tokens, a tool_result its id and content.
CLAUDE_TOKENS_PER_TOOL_USE = 10
CLAUDE_TOKENS_PER_TOOL_RESULT = 6
# Per tool definition around the JSON of name/description/input_schema.
CLAUDE_TOKENS_PER_TOOL = 6
# Tools switch on a tool-use system prompt Anthropic adds to the request, with
# tool_choice "auto" (the default; "any"/"tool" cost less or similar). Claude 3
# values: docs.anthropic.com/en/docs/tool-use-pricing-and-tokens (verified, read
# in this pass). Later models: 346 (recalled from the current pricing page's
# table; unverified).
_CLAUDE_TOOL_SYSTEM_PROMPT = (
    ("claude-3-opus", 530),
    ("claude-3-sonnet", 159),
    ("claude-3-haiku", 264),
)
CLAUDE_TOOL_SYSTEM_PROMPT = 346


def claude_tool_system_prompt(model: str) -> int:
    """Tokens of the tool-use system prompt Anthropic adds when ``tools`` is set."""
    key = canonical_id(model)
    return next(
        (n for prefix, n in _CLAUDE_TOOL_SYSTEM_PROMPT if key.startswith(prefix)),
        CLAUDE_TOOL_SYSTEM_PROMPT,
    )


# A redacted_thinking block (and other encrypted payloads) carries text we cannot
# read; we assume one token per 4 base64 characters, i.e. per 3 bytes (unverified
# guess: encryption adds overhead, so this should not undercount the thinking).
_REDACTED_CHARS_PER_TOKEN = 4

# Keys that carry no tokens to the model (caching and client-side metadata).
_IGNORED_KEYS = frozenset({"cache_control", "citations", "signature"})
# Opaque encrypted payloads: counted by size, never tokenised.
_OPAQUE_KEYS = frozenset({"encrypted_content", "encrypted_index", "data"})

# Per-message memo size; a dict keeps insertion order, so evicting the oldest is cheap.
_MEMO_LIMIT = 200_000

# Model ids whose encoding encoding_for_openai_model knows (API_FACTS.md 3.14).
_OPENAI_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-", "davinci", "babbage")

_Raw = tuple[float, int]  # (raw text tokens, fixed tokens)

# request() snapshots: how many message lists to remember, and how many of the
# newest shared messages to recount by content each time.
_SNAPSHOT_LIMIT = 8
_RECHECK_TAIL = 2


@dataclass(frozen=True)
class _Snapshot:
    refs: list[Any]  # the message objects counted, in order
    counts: list[int]  # message() of each
    cumulative: list[int]  # cumulative[i] = sum(counts[:i]); len(refs) + 1 entries
    correction: float  # counts are valid only under this correction


_EMPTY_SNAPSHOT = _Snapshot([], [], [0], 1.0)


def _freeze(value: Any) -> Any:
    """A hashable key that equals another's exactly when the JSON values are equal.

    Plays the role of a hash of canonical JSON, but cheaper: Python caches each
    string's hash, so re-keying an unchanged message does not re-read its text.
    Key order is kept (two orders get two memo entries, each counted right).
    Booleans are tagged so ``True`` and ``1`` (which serialise differently) differ.
    """
    kind = type(value)
    if kind is str or kind is int or kind is float or value is None:
        return value
    if kind is dict:
        return ("{", *[(k, _freeze(v)) for k, v in value.items()])
    if kind is list or kind is tuple:
        return ("[", *[_freeze(v) for v in value])
    if kind is bool:
        return ("b", value)
    if isinstance(value, str):  # str subclasses (enums)
        return str(value)
    if isinstance(value, Mapping):
        return ("{", *[(k, _freeze(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return ("[", *[_freeze(v) for v in value])
    if isinstance(value, (int, float)):
        return value
    plain = _plain(value)
    if plain is value:
        raise TypeError(f"cannot count a value of type {type(value).__name__}")
    return _freeze(plain)


def _plain(value: Any) -> Any:
    """SDK objects (pydantic models) -> plain dicts; anything else unchanged."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(exclude_none=True)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return value


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


ANTHROPIC_BLOCK_TYPES = frozenset(
    {
        "text",
        "image",
        "document",
        "search_result",
        "container_upload",
        "tool_use",
        "tool_result",
        "thinking",
        "redacted_thinking",
        "server_tool_use",
        "mcp_tool_use",
        "mcp_tool_result",
        "web_search_tool_result",
        "web_fetch_tool_result",
        "code_execution_tool_result",
        "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result",
        "tool_search_tool_result",
        "compaction",
    }
)
_OPENAI_PART_TYPES = ("image_url", "input_audio", "file", "refusal")


def detect_format(messages: Sequence[Any], model: str | None = None) -> Format:
    """The format of a history, from the first message with a one-format-only shape.

    OpenAI-only: a system/developer/tool/function role, ``tool_calls``, or a
    content part of an OpenAI type (image_url, input_audio, file, refusal).
    Anthropic-only: a content block of an Anthropic type other than text.
    Plain ``{"role": "user", "content": "hi"}`` histories are valid in both: they
    follow ``model``'s provider when given, else Anthropic (they count the same).
    The counter and the compactor share this one test.
    """
    for message in messages:
        message = _plain(message)
        if not isinstance(message, Mapping):
            continue
        if message.get("role") in ("system", "developer", "tool", "function"):
            return "openai"
        if "tool_calls" in message or "function_call" in message:
            return "openai"
        content = message.get("content")
        if isinstance(content, list):
            for part in content:
                kind = _get(part, "type")
                if kind in _OPENAI_PART_TYPES:
                    return "openai"
                if kind in ANTHROPIC_BLOCK_TYPES and kind != "text":
                    return "anthropic"
    if model is not None and not model.lower().startswith(("claude", "anthropic")):
        from promptcop.facts import lookup

        try:
            if lookup(model).provider == "openai":
                return "openai"
        except KeyError:
            pass
    return "anthropic"


class TokenCounter:
    """Offline token counts for one model.

    Attributes: ``model``; ``provider`` ("anthropic" or "openai", from
    :func:`promptcop.facts.lookup`); ``encoding`` (what counts text: an OpenAI
    encoding, ``ctok-<family>``, or the calibrated cl100k model); ``estimate``,
    True when text counts rest on a stand-in tokenizer (Claude without ctok, an
    explicit ``calibration``) or a guessed model id -- counts from the model's
    own tokenizer still carry estimated framing overheads (API_FACTS.md 3.15);
    ``text_error``, the worst per-kind error of its text counts measured against
    ctok (0.0 for the model's own tokenizer), for callers that keep a margin;
    ``correction``, what :meth:`observe` has learnt (1.0 until then).
    ``format`` is recorded for callers; counting reads both message formats.
    Thread-safe for concurrent counting.
    """

    def __init__(
        self,
        model: str,
        *,
        format: Format | None = None,
        calibration: float | None = None,
        use_ctok: bool | None = None,
    ) -> None:
        """``use_ctok``: None = when installed; False = never (calibrated cl100k);
        True = require it (ImportError when missing)."""
        facts = lookup(model)
        self.model = model
        self.format: Format | None = format
        self.provider: Provider = facts.provider
        self._lock = threading.Lock()
        self._memo: dict[int, _Raw] = {}
        self._text_memo: dict[int, float] = {}
        self._snapshots: dict[int, _Snapshot] = {}
        self._roles: dict[str, float] = {}
        self._parts: dict[str, tuple[Any, tuple[int, ...], _Raw]] = {}
        self.hits = 0
        self.misses = 0
        self.correction = 1.0
        self.observations = 0
        self.rejected_observations = 0
        # (our estimate, the real count) of the latest observe() call, for diagnostics.
        self.last_observation: tuple[int, int] | None = None
        self.factor = 1.0 if calibration is None else calibration
        # Worst per-kind error of text counts measured against the reference
        # tokenizer (bench/bench_tokens.py); 0.0 when the model's own tokenizer
        # (or ctok) counts. Framing overheads are estimates on top of this.
        self.text_error = 0.0
        self.encoding: str
        raw: Callable[[str], float]
        if self.provider == "anthropic":
            family = claude.claude_family(model)
            self.claude_family: claude.ClaudeFamily | None = family
            self._per_message = claude.CLAUDE_TOKENS_PER_MESSAGE
            self._request_overhead = claude.request_overhead(family)
            if use_ctok and not claude.ctok_available():
                raise ImportError("ctok is not installed: pip install 'promptcop[claude]'")
            if calibration is None and use_ctok is not False and claude.ctok_available():
                self.encoding = f"ctok-{family}"
                raw = claude.ctok_counter(family)
                self.estimate = not claude.family_is_known(model)
            elif calibration is None:
                self.encoding = f"cl100k_base+claude-{family}-model"
                raw = claude.claude_text_estimator(family)
                self.estimate = True
                self.text_error = claude.CLAUDE_TEXT_MODEL_WORST_ERROR[family]
            else:
                self.encoding = "cl100k_base"
                raw = self._tiktoken_counter("cl100k_base")
                self.estimate = True
                self.text_error = claude.SINGLE_FACTOR_WORST_ERROR[family]
        else:
            self.claude_family = None
            name = encoding_for_openai_model(canonical_id(model))
            self.encoding = name
            raw = self._tiktoken_counter(name)
            self._per_message = OPENAI_TOKENS_PER_MESSAGE
            self._request_overhead = OPENAI_REPLY_PRIMING
            known = canonical_id(model).startswith(_OPENAI_PREFIXES)
            self.estimate = calibration is not None or (facts.guessed and not known)
        self._raw_text = raw

    @staticmethod
    def _tiktoken_counter(name: EncodingName) -> Callable[[str], float]:
        encoding = get_encoding(name)

        def count(text: str) -> int:
            return len(encoding.encode(text, disallowed_special=())) if text else 0

        return count

    def __repr__(self) -> str:
        return (
            f"TokenCounter(model={self.model!r}, provider={self.provider!r}, "
            f"encoding={self.encoding!r}, factor={self.factor:.3f}, "
            f"correction={self.correction:.3f}, estimate={self.estimate})"
        )

    # ---- raw counting ---------------------------------------------------------------------

    def _raw(self, text: str) -> float:
        if len(text) < 64:
            return self._raw_text(text)
        key = hash(text)  # cached on the str; keeps no reference to the text
        hit = self._text_memo.get(key)
        if hit is None:
            hit = self._raw_text(text)
            if len(self._text_memo) >= _MEMO_LIMIT:
                self._evict(self._text_memo)
            self._text_memo[key] = hit
        return hit

    @staticmethod
    def _evict(memo: dict[Any, Any]) -> None:
        for key in list(memo)[: len(memo) // 2]:
            memo.pop(key, None)  # another thread may have evicted it already

    def _apply(self, raw: _Raw) -> int:
        text, fixed = raw
        value = (text * self.factor + fixed) * self.correction
        return max(0, math.ceil(value - 1e-9))

    # ---- public counts -------------------------------------------------------------------

    @property
    def request_overhead(self) -> int:
        """Fixed tokens of any request beyond its parts (framing, reply priming)."""
        return self._apply((0, self._request_overhead))

    def text(self, text: str) -> int:
        """Calibrated tokens of plain text for this model (no message framing)."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, not {type(text).__name__}")
        return self._apply((self._raw(text), 0))

    def message(self, message: Mapping[str, Any]) -> int:
        """Tokens of one message including its framing, memoised by content."""
        return self._apply(self._message_raw(message))

    def messages(self, messages: Sequence[Mapping[str, Any]]) -> list[int]:
        """``message()`` of each message, in order (same fast path as ``request()``)."""
        return list(self._snapshot(messages).counts)

    def clear(self) -> None:
        """Forget every memoised count and the remembered message lists (which hold
        references to up to eight lists); the learnt correction is kept."""
        with self._lock:
            self._memo.clear()
            self._text_memo.clear()
            self._snapshots.clear()
            self._parts.clear()

    def system(self, system: str | Sequence[Mapping[str, Any]] | None) -> int:
        """Tokens of an Anthropic ``system`` parameter (string or text blocks); 0 for None.

        For OpenAI models a system prompt passed here is counted as one system message.
        """
        if system is None or (isinstance(system, str) and not system):
            return 0
        if self.provider == "openai":
            return self.message({"role": "system", "content": system})
        return self._apply(self._part_raw("system", system, self._system_raw))

    def tools(self, tools: Sequence[Mapping[str, Any]] | None) -> int:
        """Tokens of tool definitions as the API serialises them, plus tool-use framing."""
        if not tools:
            return 0
        walk = self._openai_tools_raw if self.provider == "openai" else self._anthropic_tools_raw
        return self._apply(self._part_raw("tools", tools, walk))

    def _part_raw(self, name: str, value: Any, walk: Callable[[Any], _Raw]) -> _Raw:
        """System or tools: sent unchanged every turn, so first try identity (the same
        list holding the same element objects), then the content memo."""
        if type(value) is list:
            signature: tuple[int, ...] = (id(value), *map(id, value))
            cached = self._parts.get(name)
            if cached is not None and cached[0] is value and cached[1] == signature:
                return cached[2]
            raw = self._memo_get((name, _freeze(value)), value, walk)
            self._parts[name] = (value, signature, raw)
            return raw
        return self._memo_get((name, _freeze(value)), value, walk)

    def request(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        system: str | Sequence[Mapping[str, Any]] | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> int:
        """Tokens of a whole request: overhead + system + tools + every message."""
        head = self.request_overhead + self.system(system) + self.tools(tools)
        return head + self._snapshot(messages).cumulative[-1]

    def _snapshot(self, messages: Sequence[Mapping[str, Any]]) -> _Snapshot:
        """Per-message counts of ``messages``, reusing an earlier call's where possible.

        The compactor calls us every turn on a list that only grew. Keying every
        message by content would cost a walk of the whole history per call, so a
        snapshot of the last lists counted (kept per first message) is compared by
        identity first: the leading messages that are the very same objects as last
        time keep their counts, and only the rest is counted (through the content
        memo). The last ``_RECHECK_TAIL`` messages of the shared run are recounted
        anyway, because extending the newest message in place is a common pattern.
        Older messages edited in place (rather than replaced) are not noticed; the
        compactor never mutates its input.
        """
        msgs = messages if type(messages) is list else list(messages)
        if not msgs:
            return _EMPTY_SNAPSHOT
        key = id(msgs[0])
        snap = self._snapshots.get(key)
        start = 0
        if snap is not None and snap.refs[0] is msgs[0] and snap.correction == self.correction:
            refs = snap.refs
            if all(map(operator.is_, refs, msgs)):
                common = min(len(refs), len(msgs))
            else:
                pairs = enumerate(zip(refs, msgs, strict=False))
                common = next(i for i, (a, b) in pairs if a is not b)
            start = max(0, common - _RECHECK_TAIL)
        counts = snap.counts[:start] if snap is not None and start else []
        cumulative = snap.cumulative[: start + 1] if snap is not None and start else [0]
        apply = self._apply
        raw = self._message_raw
        running = cumulative[-1]
        for m in msgs[start:] if start else msgs:
            n = apply(raw(m))
            counts.append(n)
            running += n
            cumulative.append(running)
        new = _Snapshot(msgs[:], counts, cumulative, self.correction)
        with self._lock:
            if key not in self._snapshots and len(self._snapshots) >= _SNAPSHOT_LIMIT:
                del self._snapshots[next(iter(self._snapshots))]
            self._snapshots[key] = new
        return new

    # ---- calibration ----------------------------------------------------------------------

    def observe(
        self,
        usage: Mapping[str, Any] | object,
        *,
        messages: Sequence[Mapping[str, Any]],
        system: str | Sequence[Mapping[str, Any]] | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Learn from a response's real input token count for this request."""
        from promptcop.tokens.calibration import observed_input_tokens, updated_correction

        real = observed_input_tokens(usage)
        if real is None:
            raise ValueError(
                "usage has no input token count (expected input_tokens or prompt_tokens)"
            )
        estimated = self.request(messages, system=system, tools=tools)
        with self._lock:
            self.last_observation = (estimated, real)
            new = updated_correction(self.correction, estimated=estimated, real=real)
            if new is None:
                self.rejected_observations += 1
                return
            self.correction = new
            self.observations += 1

    # ---- message walking -----------------------------------------------------------------

    def _memo_get(self, key: Any, value: Any, walk: Callable[[Any], _Raw]) -> _Raw:
        # The memo keeps the 64-bit hash of the content key, not the key: a
        # long-lived shared counter must not pin every message (and its base64
        # images) it ever saw. A false hit needs a 64-bit collision (~1e-9 at
        # the memo's size).
        key = hash(key)
        memo = self._memo
        hit = memo.get(key)
        if hit is not None:
            self.hits += 1
            return hit
        self.misses += 1
        result = walk(value)
        if len(memo) >= _MEMO_LIMIT:
            self._evict(memo)
        memo[key] = result
        return result

    def _message_raw(self, message: Mapping[str, Any]) -> _Raw:
        try:
            key = _freeze(message)
        except (TypeError, RecursionError) as exc:  # objects that are not JSON-like
            raise ValueError(f"cannot count message: {exc}") from exc
        return self._memo_get(key, message, self._walk_message)

    def _walk_message(self, message: Any) -> _Raw:
        message = _plain(message)
        if not isinstance(message, Mapping):
            raise ValueError(
                f"a message must be a mapping with role and content, got {type(message).__name__}"
            )
        if "role" not in message and "type" in message:
            # A Responses API input item (function_call, function_call_output, ...).
            t, f = self._block_raw(message)
            return t, f + self._per_message
        text = 0.0
        fixed = self._per_message
        role = message.get("role")
        if self.provider == "openai" and isinstance(role, str):
            # The cookbook encodes every field's value, the role included.
            role_tokens = self._roles.get(role)
            if role_tokens is None:
                role_tokens = self._raw(role)
                if len(self._roles) < 64:
                    self._roles[role] = role_tokens
            text += role_tokens
        name = message.get("name")
        if isinstance(name, str) and name:
            text += self._raw(name)
            fixed += OPENAI_TOKENS_PER_NAME
        t, f = self._content_raw(message.get("content"))
        text += t
        fixed += f
        for call in message.get("tool_calls") or ():
            call = _plain(call)
            fn = _plain(_get(call, "function")) or {}
            text += self._raw(str(_get(fn, "name", "") or ""))
            text += self._raw(_arguments_text(_get(fn, "arguments", "")))
            fixed += OPENAI_TOKENS_PER_TOOL_CALL
        legacy = message.get("function_call")
        if legacy:
            legacy = _plain(legacy)
            text += self._raw(str(_get(legacy, "name", "") or ""))
            text += self._raw(_arguments_text(_get(legacy, "arguments", "")))
            fixed += OPENAI_TOKENS_PER_TOOL_CALL
        refusal = message.get("refusal")
        if isinstance(refusal, str):
            text += self._raw(refusal)
        return text, fixed

    def _content_raw(self, content: Any) -> _Raw:
        if content is None:
            return 0, 0
        if isinstance(content, str):
            return self._raw(content), 0
        if isinstance(content, Mapping):  # a single block where a list was expected
            return self._block_raw(content)
        text, fixed = 0.0, 0
        for block in content:
            t, f = self._block_raw(block)
            text += t
            fixed += f
        return text, fixed

    def _block_raw(self, block: Any) -> _Raw:
        block = _plain(block)
        if isinstance(block, str):
            return self._raw(block), 0
        if not isinstance(block, Mapping):
            return self._raw(_json(block)), 0
        kind = block.get("type")
        if kind in ("text", "input_text", "output_text"):
            return self._raw(str(block.get("text") or "")), 0
        if kind == "refusal":
            return self._raw(str(block.get("refusal") or "")), 0
        if kind == "image":
            return 0, self._anthropic_image(block.get("source"))
        if kind in ("image_url", "input_image"):
            return 0, self._openai_image(block)
        if kind == "document":
            return self._document_raw(block)
        if kind == "input_audio":  # OpenAI chat audio part
            return 0, _audio_tokens(_plain(block.get("input_audio")) or {})
        if kind == "file":  # OpenAI chat file part (PDF)
            file = block.get("file") or {}
            data = _get(file, "file_data")
            pages = images.pdf_pages(data) if isinstance(data, str) else None
            return 0, images.pdf_tokens(pages)
        if kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
            text = self._raw(str(block.get("name") or "")) + self._raw(
                _json(block.get("input") or {})
            )
            return text, CLAUDE_TOKENS_PER_TOOL_USE
        if kind in ("tool_result", "mcp_tool_result"):
            t, f = self._content_raw(block.get("content"))
            return t, f + CLAUDE_TOKENS_PER_TOOL_RESULT
        if kind == "thinking":
            # Counted wherever it stands. The API strips thinking of earlier turns
            # on some models (docs.anthropic.com/en/docs/build-with-claude/
            # context-windows; which models keep it -- Opus 4.5+, Sonnet 4.6+ -- is
            # unverified), so for those this over-counts, the safe side of a budget,
            # and keeps every message's count independent of its position.
            return self._raw(str(block.get("thinking") or "")), 0
        if kind == "redacted_thinking":
            data = str(block.get("data") or "")
            return 0, math.ceil(len(data) / _REDACTED_CHARS_PER_TOKEN)
        return self._generic_raw(block)

    def _generic_raw(self, value: Any) -> _Raw:
        """Blocks we do not model (server-tool results, search results, ...): count the JSON
        of their readable fields; opaque encrypted payloads by size."""
        opaque = 0

        def strip(v: Any) -> Any:
            nonlocal opaque
            v = _plain(v)
            if isinstance(v, Mapping):
                out = {}
                for k, item in v.items():
                    if k in _IGNORED_KEYS:
                        continue
                    if k in _OPAQUE_KEYS and isinstance(item, str):
                        opaque += math.ceil(len(item) / _REDACTED_CHARS_PER_TOKEN)
                        continue
                    out[k] = strip(item)
                return out
            if isinstance(v, (list, tuple)):
                return [strip(i) for i in v]
            return v

        stripped = strip(value)
        return self._raw(_json(stripped)), opaque

    def _anthropic_image(self, source: Any) -> int:
        source = _plain(source) or {}
        size = None
        if _get(source, "type") == "base64":
            data = _get(source, "data")
            if isinstance(data, str):
                size = images.image_size(data)
        if self.provider == "openai":
            return images.openai_image_tokens(size, "high", canonical_id(self.model))
        return images.anthropic_image_tokens(size)

    def _openai_image(self, block: Mapping[str, Any]) -> int:
        spec = _plain(block.get("image_url"))
        if isinstance(spec, str):
            url, detail = spec, str(block.get("detail") or "auto")
        else:
            url = str(_get(spec, "url", "") or "")
            detail = str(_get(spec, "detail", None) or block.get("detail") or "auto")
        size = images.image_size(url) if url.startswith("data:") else None
        if self.provider == "anthropic":
            return images.anthropic_image_tokens(size)
        return images.openai_image_tokens(size, detail, canonical_id(self.model))

    def _document_raw(self, block: Mapping[str, Any]) -> _Raw:
        source = _plain(block.get("source")) or {}
        text = 0.0
        for key in ("title", "context"):
            value = block.get(key)
            if isinstance(value, str):
                text += self._raw(value)
        kind = _get(source, "type")
        if kind == "text":
            return text + self._raw(str(_get(source, "data", "") or "")), 0
        if kind == "content":
            t, f = self._content_raw(_get(source, "content"))
            return text + t, f
        pages = None
        if kind == "base64":
            data = _get(source, "data")
            if isinstance(data, str):
                pages = images.pdf_pages(data)
        return text, images.pdf_tokens(pages)

    def _system_raw(self, system: Any) -> _Raw:
        if isinstance(system, str):
            return self._raw(system), 0
        return self._content_raw(system)

    def _anthropic_tools_raw(self, tools: Any) -> _Raw:
        text = 0.0
        fixed = claude_tool_system_prompt(self.model)
        for tool in tools:
            tool = _plain(tool)
            if not isinstance(tool, Mapping):
                raise ValueError(f"a tool must be a mapping, got {type(tool).__name__}")
            if "input_schema" in tool:
                shown = {
                    "name": tool.get("name"),
                    "description": tool.get("description", ""),
                    "input_schema": tool.get("input_schema"),
                }
            else:  # server tools (web_search_..., bash_...): their whole definition
                shown = {k: v for k, v in tool.items() if k not in _IGNORED_KEYS}
            text += self._raw(_json(shown))
            fixed += CLAUDE_TOKENS_PER_TOOL
        return text, fixed

    def _openai_tools_raw(self, tools: Any) -> _Raw:
        """OpenAI cookbook's num_tokens_for_tools, extended to nested schemas (estimate)."""
        text = 0.0
        fixed = _OPENAI_FUNC_END
        for tool in tools:
            tool = _plain(tool)
            if not isinstance(tool, Mapping):
                raise ValueError(f"a tool must be a mapping, got {type(tool).__name__}")
            fn = tool.get("function", tool)  # chat {"type":"function","function":{...}} or flat
            if not isinstance(fn, Mapping) or "name" not in fn:
                text += self._raw(_json(tool))
                continue
            fixed += _OPENAI_FUNC_INIT
            desc = str(fn.get("description") or "").removesuffix(".")
            text += self._raw(f"{fn['name']}:{desc}")
            params = fn.get("parameters") or fn.get("input_schema") or {}  # or Anthropic-shaped
            props = params.get("properties") if isinstance(params, Mapping) else None
            if not isinstance(props, Mapping) or not props:
                continue
            fixed += _OPENAI_PROP_INIT
            for key, prop in props.items():
                fixed += _OPENAI_PROP_KEY
                if not isinstance(prop, Mapping):
                    text += self._raw(f"{key}:{_json(prop)}")
                    continue
                enum = prop.get("enum")
                if isinstance(enum, list):
                    fixed += _OPENAI_ENUM_INIT
                    for item in enum:
                        fixed += _OPENAI_ENUM_ITEM
                        text += self._raw(str(item))
                p_type = prop.get("type", "")
                p_desc = str(prop.get("description") or "").removesuffix(".")
                text += self._raw(f"{key}:{p_type}:{p_desc}")
                nested = {k: v for k, v in prop.items() if k not in ("type", "description", "enum")}
                if nested:  # nested objects/arrays: the cookbook ignores them; count their JSON
                    text += self._raw(_json(nested))
        return text, fixed


# OpenAI audio input: about 10 tokens per second of audio (unverified: third-party
# measurements of gpt-4o audio; OpenAI prices audio per token without a public
# formula). Duration is guessed from the payload size at a typical bitrate.
_AUDIO_TOKENS_PER_SECOND = 10
_AUDIO_BYTES_PER_SECOND = {"wav": 32_000, "mp3": 16_000}  # 16 kHz 16-bit mono; 128 kbit/s


def _audio_tokens(spec: Any) -> int:
    data = _get(spec, "data")
    if not isinstance(data, str):
        return 0
    rate = _AUDIO_BYTES_PER_SECOND.get(str(_get(spec, "format", "wav")), 16_000)
    seconds = len(data) * 3 / 4 / rate
    return math.ceil(seconds * _AUDIO_TOKENS_PER_SECOND)


def _arguments_text(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else _json(arguments)
