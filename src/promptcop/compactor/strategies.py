"""The message-level strategies: shrink an oversized tool result, clear an old one.

Both return new message objects (the input is never touched) and what they
did, so the planner in ``compactor.py`` can decide *which* messages to
transform from token figures alone and build only the forms it keeps.
Dropping whole turns and summarising act on the history, not on one
message, and live in the planner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

from promptcop.compactor.formats import Format, Message

# Like the API's server-side context editing, which leaves placeholder text
# where it cleared a tool result (API_FACTS.md 2.12).
CLEARED = "[tool result cleared by promptcop to save context; call the tool again if needed]"

# Tokens we allow for the "[... N tokens cut ...]" marker when sizing head and tail.
_MARKER_TOKENS = 32
# Share of the kept tokens given to the head; the tail keeps the rest (errors
# and summaries tend to come last in tool output, so it keeps a fair share).
_HEAD_SHARE = 0.6


class Counter(Protocol):
    """What the compactor needs from a token counter (``promptcop.tokens.TokenCounter``)."""

    @property
    def request_overhead(self) -> int: ...

    def text(self, text: str) -> int: ...

    def message(self, message: Mapping[str, Any]) -> int: ...

    def system(self, system: Any) -> int: ...

    def tools(self, tools: Any) -> int: ...


class ResultRef(NamedTuple):
    """One tool result inside a message: where it is and what it holds.

    A named tuple, not a dataclass: one is made per tool result of the whole
    history on a first call, and tuples are several times cheaper to build.
    """

    position: int  # block index (Anthropic) or -1 for an OpenAI tool message
    tool_use_id: str
    content: Any


def results_of(message: Message, format: Format) -> list[ResultRef]:
    """The tool results a message carries, in order."""
    if format == "openai":
        if message.get("role") == "tool":
            return [ResultRef(-1, str(message.get("tool_call_id")), message.get("content"))]
        return []
    content = message.get("content")
    if message.get("role") != "user" or not isinstance(content, list):
        return []
    return [
        ResultRef(b, str(block.get("tool_use_id")), block.get("content"))
        for b, block in enumerate(content)
        if isinstance(block, Mapping) and block.get("type") == "tool_result"
    ]


def content_tokens(content: Any, counter: Counter) -> int:
    """Tokens of a tool result's content as the counter sees it (images by pixels)."""
    if content is None:
        return 0
    if isinstance(content, str):
        return counter.text(content)
    # Lists of blocks: count them as a user message and take off the empty message,
    # so images, documents and framing follow the counter's own rules.
    empty = counter.message({"role": "user", "content": ""})
    return max(0, counter.message({"role": "user", "content": list(content)}) - empty)


def replace_results(message: Message, format: Format, new: Mapping[int, Any]) -> Message:
    """A copy of ``message`` whose results at the given positions hold new content."""
    if format == "openai":
        return {**message, "content": new[-1]}
    blocks = list(message["content"])
    for position, content in new.items():
        blocks[position] = {**blocks[position], "content": content}
    return {**message, "content": blocks}


def shrink_text(text: str, limit: int, count: Callable[[str], int]) -> tuple[str, int]:
    """``text`` cut to at most about ``limit`` tokens: head, a marker, tail.

    The marker states how much was cut so the model knows the output is
    incomplete. Cuts snap to line ends when one is near. Returns the text and
    the number of tokens removed (an estimate from the character ratio).
    """
    n = count(text)
    if n <= limit:
        return text, 0
    room = limit - _MARKER_TOKENS
    if room <= 0:
        return f"[... the whole tool result ({n:,} tokens) was cut by promptcop ...]", n
    chars_per_token = len(text) / n
    head_t = room * _HEAD_SHARE
    tail_t = room - head_t
    out = text
    for _ in range(12):
        h = int(head_t * chars_per_token)
        t = int(tail_t * chars_per_token)
        head = text[:h]
        tail = text[len(text) - t :] if t > 0 else ""
        nl = head.rfind("\n")
        if nl > 0.8 * h:
            head = head[: nl + 1]
        nl = tail.find("\n")
        if 0 <= nl < 0.2 * t:
            tail = tail[nl + 1 :]
        cut_chars = len(text) - len(head) - len(tail)
        cut_tokens = max(1, round(cut_chars / chars_per_token))
        marker = (
            f"\n[... about {cut_tokens:,} tokens ({cut_chars:,} characters) "
            "cut from the middle of this tool result by promptcop ...]\n"
        )
        out = head + marker + tail
        if count(out) <= limit:
            return out, cut_tokens
        head_t *= 0.8
        tail_t *= 0.8
    return f"[... the whole tool result ({n:,} tokens) was cut by promptcop ...]", n


def shrink_content(content: Any, limit: int, counter: Counter, format: Format) -> Any:
    """Tool result content within ``limit`` tokens.

    Text keeps its head and tail. Images and documents cannot be cut in
    part: they stay while they use at most half the limit, the rest become a
    one-line placeholder saying what was there and its size.
    """
    if isinstance(content, str):
        return shrink_text(content, limit, counter.text)[0]
    if not isinstance(content, list):
        return content
    media_room = limit // 2
    kept_media: list[Any] = []
    lines: list[str] = []
    for block in content:
        kind = block.get("type") if isinstance(block, Mapping) else None
        if kind == "text":
            lines.append(str(block.get("text", "")))
            continue
        size = content_tokens([block], counter)
        if size <= media_room:
            media_room -= size
            kept_media.append(block)
        else:
            lines.append(f"[{kind} removed by promptcop: about {size:,} tokens]")
    text_limit = limit - (limit // 2 - media_room)
    text = shrink_text("\n".join(lines), text_limit, counter.text)[0] if lines else ""
    out: list[Any] = [{"type": "text", "text": text}] if text and not text.isspace() else []
    # Never leave a result empty: say what happened instead.
    return out + kept_media or "[tool result cut by promptcop: nothing fitted]"
