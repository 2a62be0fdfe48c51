"""A ready summariser: ask a small Claude model to summarise the turns being dropped.

    >>> from promptcop.compactor.summarise import claude_summarizer
    >>> c = Compactor(budget=32_000, model="claude-sonnet-4-6", summarizer=claude_summarizer())

The ``anthropic`` SDK is an optional extra (``pip install promptcop[anthropic]``)
and is imported only when the summariser first runs without a client. This
calls the API, and so costs money, once per re-cut of a Compactor (not once
per turn): the cut is stable between re-cuts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Message = Mapping[str, Any]

DEFAULT_MODEL = "claude-haiku-4-5"
INSTRUCTIONS = (
    "You compress the earlier part of a conversation between a user and an AI assistant "
    "(with tool calls) so the assistant can continue without it. Write a dense summary: "
    "the user's goals and constraints, decisions taken, facts learnt from tool results "
    "(file names, values, errors), work done and work still open. If the transcript starts "
    "with an earlier summary, fold it in. No preamble; do not address the user."
)
# Per-part caps for the transcript sent to the summariser: the point is to
# summarise, not to pay for re-reading every byte of old tool output.
_PART_CHARS = 2_000
_TRANSCRIPT_CHARS = 300_000


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - limit:,} characters omitted ...]\n{text[-half:]}"


def _part(block: Any) -> str:
    if isinstance(block, str):
        return block
    if not isinstance(block, Mapping):
        return ""
    kind = block.get("type")
    if kind in ("text", "input_text", "output_text"):
        return str(block.get("text", ""))
    if kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        args = json.dumps(block.get("input", {}), ensure_ascii=False, default=str)
        return f"[called tool {block.get('name')}({_clip(args, 300)})]"
    if kind == "tool_result":
        return f"[tool result: {_clip(_content(block.get('content')), _PART_CHARS)}]"
    if kind in ("thinking", "redacted_thinking"):
        return ""
    return f"[{kind}]"


def _content(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(p for p in (_part(b) for b in content) if p)


def transcript(messages: Sequence[Message]) -> str:
    """Dropped messages as plain text, with tool calls and results marked."""
    lines = []
    for message in messages:
        role = str(message.get("role", "?"))
        text = _content(message.get("content"))
        for call in message.get("tool_calls") or ():
            fn = call.get("function", {}) if isinstance(call, Mapping) else {}
            text += f"\n[called tool {fn.get('name')}({_clip(str(fn.get('arguments')), 300)})]"
        if role == "tool":
            text = f"[tool result: {_clip(text, _PART_CHARS)}]"
        if text.strip():
            lines.append(f"{role.upper()}: {text.strip()}")
    return _clip("\n\n".join(lines), _TRANSCRIPT_CHARS)


def claude_summarizer(
    client: Any = None,
    *,
    model: str = DEFAULT_MODEL,
    max_tokens: int = 1024,
    instructions: str = INSTRUCTIONS,
) -> Callable[[list[Message]], str]:
    """A summariser for ``compact``/``Compactor``: dropped messages in, summary text out.

    ``client`` is an ``anthropic.Anthropic()`` (created on first use when
    None). Errors from the API propagate: a compactor never sends a request
    with a silently missing summary.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    holder: dict[str, Any] = {"client": client}

    def summarise(messages: list[Message]) -> str:
        api = holder["client"]
        if api is None:
            try:
                import anthropic
            except ImportError as exc:
                raise ImportError(
                    "claude_summarizer needs the anthropic SDK: pip install 'promptcop[anthropic]'"
                ) from exc
            api = holder["client"] = anthropic.Anthropic()
        response = api.messages.create(
            model=model,
            max_tokens=max_tokens,
            system=instructions,
            messages=[{"role": "user", "content": transcript(messages)}],
        )
        parts = []
        for block in getattr(response, "content", None) or ():
            kind = block.get("type") if isinstance(block, Mapping) else getattr(block, "type", None)
            text = block.get("text") if isinstance(block, Mapping) else getattr(block, "text", None)
            if kind == "text" and isinstance(text, str):
                parts.append(text)
        return "\n".join(parts).strip()

    return summarise
