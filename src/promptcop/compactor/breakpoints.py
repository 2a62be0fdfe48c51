"""Anthropic cache breakpoints at the points of a request that will not change.

The cached prefix runs tools -> system -> messages up to a marked block
(API_FACTS.md 1.4), a request may carry at most 4 markers (1.7), and a
marker looks back only about 20 blocks for an earlier entry (1.8). So we
mark, in order while markers remain: the last tool, the last system block,
the last message (the next turn starts with this whole request), and the end
of the previous request (so a turn that added many blocks still finds the
previous entry). Markers the caller already placed count toward the 4.
Everything is marked on copies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from promptcop.compactor.changes import CacheBreakpoint
from promptcop.compactor.formats import Message

MAX_BREAKPOINTS = 4  # API_FACTS.md 1.7 (unverified; consistent across sources)
_MARK = {"type": "ephemeral"}  # API_FACTS.md 1.1
# Blocks that cannot carry cache_control themselves.
_UNMARKABLE = frozenset({"thinking", "redacted_thinking"})


def _marked(value: Any) -> bool:
    return isinstance(value, Mapping) and "cache_control" in value


def count_breakpoints(messages: Sequence[Message], system: Any, tools: Any) -> int:
    found = sum(1 for t in tools or () if _marked(t))
    if isinstance(system, list):
        found += sum(1 for b in system if _marked(b))
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                if _marked(block):
                    found += 1
                if isinstance(block, Mapping) and isinstance(block.get("content"), list):
                    found += sum(1 for x in block["content"] if _marked(x))
    return found


def _mark_message(message: Message) -> Message | None:
    """A copy with its last markable block marked, or None if it has none / is marked."""
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": [{"type": "text", "text": content, "cache_control": _MARK}]}
    if not isinstance(content, list):
        return None
    for b in range(len(content) - 1, -1, -1):
        block = content[b]
        if not isinstance(block, Mapping) or block.get("type") in _UNMARKABLE:
            continue
        if "cache_control" in block:
            return None
        blocks = list(content)
        blocks[b] = {**block, "cache_control": _MARK}
        return {**message, "content": blocks}
    return None


def place_breakpoints(
    messages: list[Message], system: Any, tools: Any, *, extra: int = -1
) -> tuple[list[Message], Any, Any, list[CacheBreakpoint]]:
    """Copies of messages, system and tools with up to 4 breakpoints in total.

    ``extra`` is the index of the previous request's last message in
    ``messages`` (-1 when there is none or the prefix changed).
    """
    messages = list(messages)
    room = MAX_BREAKPOINTS - count_breakpoints(messages, system, tools)
    placed: list[CacheBreakpoint] = []
    if room > 0 and tools:
        last = tools[-1]
        if isinstance(last, Mapping) and "cache_control" not in last:
            tools = [*tools[:-1], {**last, "cache_control": _MARK}]
            placed.append(CacheBreakpoint("tools", len(tools) - 1))
            room -= 1
    if room > 0 and system:
        if isinstance(system, str):
            system = [{"type": "text", "text": system, "cache_control": _MARK}]
            placed.append(CacheBreakpoint("system", 0))
            room -= 1
        elif (
            isinstance(system, list)
            and isinstance(system[-1], Mapping)
            and "cache_control" not in system[-1]
        ):
            system = [*system[:-1], {**system[-1], "cache_control": _MARK}]
            placed.append(CacheBreakpoint("system", len(system) - 1))
            room -= 1
    targets = [len(messages) - 1]
    if 0 <= extra < len(messages) - 1:
        targets.append(extra)
    for index in targets:
        if room <= 0 or index < 0:
            break
        marked = _mark_message(messages[index])
        if marked is not None:
            messages[index] = marked
            placed.append(CacheBreakpoint("messages", index))
            room -= 1
    return messages, system, tools, placed
