"""Anthropic Messages and OpenAI Chat histories: what a valid one is, and repairs.

One forward pass (:func:`normalize`) both checks and, when asked, repairs a
history, because the two must agree on every rule: a repair that yields a
history the check rejects would be a bug. Rules (API_FACTS.md, validity):

Anthropic
  - roles are user or assistant; the first message is user (consecutive
    messages of one role are accepted: the API merges them);
  - content is non-empty text or a non-empty list of known blocks; text
    blocks hold non-whitespace text;
  - every ``tool_use`` of an assistant message is answered by a
    ``tool_result`` with its id in the very next message, a user message
    whose tool_result blocks come first; every tool_result answers one.
OpenAI Chat
  - roles are system, developer, user, assistant, tool;
  - an assistant message with ``tool_calls`` is followed by one ``tool``
    message per call id before any other message; no ``tool`` message
    answers nothing.

The pass can run on a suffix of a history (``state`` carries what it needs
from the prefix), which is how :class:`~promptcop.compactor.Compactor` checks
only the messages that are new each turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from promptcop.compactor.changes import Repaired
from promptcop.tokens.counter import ANTHROPIC_BLOCK_TYPES
from promptcop.tokens.counter import Format as Format  # the compactor speaks of it too

Message = Mapping[str, Any]

# Block types the Messages API accepts (user side, assistant side, server tools).
# Kept with the counter, which needs it to tell the formats apart.
ANTHROPIC_BLOCKS = ANTHROPIC_BLOCK_TYPES
# Inside a tool_result's content list.
ANTHROPIC_RESULT_BLOCKS = frozenset({"text", "image", "document", "search_result"})
OPENAI_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
OPENAI_PARTS = frozenset({"text", "image_url", "input_audio", "file", "refusal"})

NO_RESULT = "[no result was recorded for this tool call]"


def check_format(format: str | None) -> Format | None:
    if format in (None, "anthropic", "openai"):
        return format  # type: ignore[return-value]
    raise ValueError(f"format must be 'anthropic', 'openai' or None, not {format!r}")


@dataclass
class ScanState:
    """What the pass must know about the messages before the ones it is given."""

    emitted: int = 0
    last_role: str | None = None
    # Anthropic: tool_use ids of the last message (when it is an assistant message).
    # OpenAI: call ids of the last assistant message not yet answered by a tool message.
    pending: tuple[str, ...] = ()
    pending_index: int = -1

    def copy(self) -> ScanState:
        return ScanState(self.emitted, self.last_role, self.pending, self.pending_index)


class _Pass:
    def __init__(self, repair: bool, offset: int) -> None:
        self.repair = repair
        self.offset = offset
        self.changes: list[Repaired] = []
        self.out: list[Message] = []

    def problem(self, index: int, what: str, fix: str) -> None:
        if not self.repair:
            raise ValueError(f"message {index}: {what} (pass repair=True to {fix})")
        self.changes.append(Repaired(index=index, what=f"{what}: {fix}"))


def normalize(
    messages: Sequence[Any],
    format: Format,
    *,
    repair: bool = False,
    offset: int = 0,
    state: ScanState | None = None,
    final: bool = True,
) -> tuple[list[Message], list[Repaired], ScanState]:
    """Check ``messages`` (raise ValueError naming the index) or repair them.

    Returns the messages (the same objects where nothing changed, copies
    where a repair changed something), the repairs made and the state after
    the last message. ``final`` applies the end-of-history rule (no tool call
    left unanswered).
    """
    if isinstance(messages, (str, bytes, Mapping)):
        raise ValueError("messages must be a list of message mappings")
    st = state.copy() if state is not None else ScanState()
    p = _Pass(repair, offset)
    step = _anthropic_message if format == "anthropic" else _openai_message
    # Plain text messages are most of a long history: accept them here without
    # the general walk (the same rules, checked in fewer steps).
    plain = ("user", "assistant") if format == "anthropic" else ("user", "system", "developer")
    out = p.out
    for i, message in enumerate(messages, offset):
        if type(message) is dict and not st.pending and not repair:
            role = message.get("role")
            content = message.get("content")
            if (
                type(content) is str
                and role in plain
                and (st.emitted or role == "user")
                and content
                and not content.isspace()
            ):
                out.append(message)
                st.emitted += 1
                st.last_role = role
                st.pending_index = i
                continue
        if not isinstance(message, Mapping):
            dump = getattr(message, "model_dump", None)
            if not callable(dump):
                raise ValueError(
                    f"message {i}: expected a mapping with role and content, "
                    f"got {type(message).__name__}"
                )
            message = dump(exclude_none=True)
        step(p, st, i, message)
    if final and st.pending:
        index = st.pending_index
        p.problem(
            index,
            f"tool call ids {', '.join(st.pending)} have no result at the end of the history",
            "add an error result for each",
        )
        _answer_pending(p, st, format)
    return p.out, p.changes, st


def _emit(p: _Pass, st: ScanState, message: Message, pending: tuple[str, ...], index: int) -> None:
    p.out.append(message)
    st.emitted += 1
    st.last_role = str(message.get("role"))
    st.pending = pending
    st.pending_index = index


def _emit_anthropic(
    p: _Pass, st: ScanState, message: Message, pending: tuple[str, ...], index: int
) -> None:
    """Emit, merging into the previous message of the same role when repairing.

    The API is reported to merge consecutive same-role messages itself (Messages
    API reference; not in API_FACTS.md, so unverified here): we accept them in a
    valid history, but a repaired one comes out alternating, which is valid either way.
    """
    role = message.get("role")
    if p.repair and p.out and st.last_role == role:
        prev = p.out[-1]
        blocks = _as_blocks(prev.get("content")) + _as_blocks(message.get("content"))
        p.out[-1] = {**prev, "content": blocks}
        p.changes.append(Repaired(index, f"two {role} messages in a row: merged into one"))
        st.pending = pending
        st.pending_index = index
        return
    _emit(p, st, message, pending, index)


def _as_blocks(content: Any) -> list[Any]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _answer_pending(p: _Pass, st: ScanState, format: Format) -> None:
    if format == "anthropic":
        blocks = [
            {"type": "tool_result", "tool_use_id": tid, "content": NO_RESULT, "is_error": True}
            for tid in st.pending
        ]
        _emit(p, st, {"role": "user", "content": blocks}, (), st.pending_index)
    else:
        for tid in st.pending:
            p.out.append({"role": "tool", "tool_call_id": tid, "content": NO_RESULT})
            st.emitted += 1
            st.last_role = "tool"
        st.pending = ()


def _blank(text: Any) -> bool:
    return not isinstance(text, str) or not text or text.isspace()


# ---- Anthropic ---------------------------------------------------------------------------


def _anthropic_blocks(p: _Pass, i: int, role: str, content: list[Any]) -> list[Any]:
    """Content blocks with unknown, empty or misplaced ones removed (each a problem)."""
    kept: list[Any] = []
    seen_ids: set[str] = set()
    for b, block in enumerate(content):
        kind = block.get("type") if isinstance(block, Mapping) else None
        where = f"block {b}"
        if kind not in ANTHROPIC_BLOCKS:
            p.problem(i, f"{where} has unknown type {kind!r}", "drop it")
            continue
        assert isinstance(block, Mapping)
        if kind == "text" and _blank(block.get("text")):
            p.problem(i, f"{where} is an empty text block", "drop it")
            continue
        if kind == "tool_use":
            tid = block.get("id")
            if role != "assistant":
                p.problem(i, f"{where} is a tool_use in a {role} message", "drop it")
                continue
            if not isinstance(tid, str) or not tid:
                p.problem(i, f"{where} is a tool_use without an id", "drop it")
                continue
            if tid in seen_ids:
                p.problem(i, f"{where} repeats tool_use id {tid!r}", "drop it")
                continue
            seen_ids.add(tid)
        if kind == "tool_result" and role != "user":
            p.problem(i, f"{where} is a tool_result in a {role} message", "drop it")
            continue
        if kind == "tool_result":
            inner = block.get("content")
            if isinstance(inner, list):
                bad = [
                    x
                    for x in inner
                    if not isinstance(x, Mapping) or x.get("type") not in ANTHROPIC_RESULT_BLOCKS
                ]
                if bad:
                    p.problem(i, f"{where} holds a content block of unknown type", "drop it")
                    inner = [x for x in inner if x not in bad]
                    block = {**block, "content": inner}
                if any(x.get("type") == "text" and _blank(x.get("text")) for x in inner):
                    p.problem(i, f"{where} holds an empty text block", "drop it")
                    inner = [
                        x for x in inner if not (x.get("type") == "text" and _blank(x.get("text")))
                    ]
                    block = {**block, "content": inner}
            elif inner is not None and not isinstance(inner, str):
                p.problem(i, f"{where} has content of type {type(inner).__name__}", "drop it")
                block = {k: v for k, v in block.items() if k != "content"}
        kept.append(block)
    return kept


def _plain_block(block: Any) -> Any:
    dump = getattr(block, "model_dump", None)
    return dump(exclude_none=True) if callable(dump) and not isinstance(block, Mapping) else block


def _anthropic_fast(st: ScanState, role: str, content: list[Any]) -> tuple[str, ...] | None:
    """The tool ids a well-formed message leaves pending, or None to take the general path.

    Accepts only the common valid shapes, building nothing; anything unusual
    (including every problem) goes through the general walk that explains it.
    """
    if not content:
        return None
    pending = st.pending
    if role == "assistant":
        if pending or not st.emitted:
            return None
        ids: list[str] = []
        for b in content:
            if type(b) is not dict:
                return None
            kind = b.get("type")
            if kind == "text":
                text = b.get("text")
                if type(text) is not str or not text or text.isspace():
                    return None
            elif kind == "tool_use":
                tid = b.get("id")
                if type(tid) is not str or not tid or tid in ids:
                    return None
                ids.append(tid)
            elif kind not in ANTHROPIC_BLOCKS or kind == "tool_result":
                return None
        return tuple(ids)
    n = len(pending)
    got: list[str] = []
    for j, b in enumerate(content):
        if type(b) is not dict:
            return None
        kind = b.get("type")
        if kind == "tool_result":
            tid = b.get("tool_use_id")
            inner = b.get("content")
            if j >= n or tid not in pending or tid in got:
                return None
            if inner is not None and type(inner) is not str:
                return None
            got.append(tid)
        elif j < n or kind not in ANTHROPIC_BLOCKS or kind == "tool_use":
            return None
        elif kind == "text":
            text = b.get("text")
            if type(text) is not str or not text or text.isspace():
                return None
    return () if len(got) == n else None


def _anthropic_message(p: _Pass, st: ScanState, i: int, message: Message) -> None:
    role = message.get("role")
    content = message.get("content")
    if type(content) is list and role in ("user", "assistant"):
        fast = _anthropic_fast(st, role, content)
        if fast is not None:
            _emit_anthropic(p, st, message, fast, i)
            return
        if any(not isinstance(b, Mapping) and hasattr(b, "model_dump") for b in content):
            # SDK blocks (``response.content`` appended as is): plain dicts from here on.
            content = [_plain_block(b) for b in content]
            message = {**message, "content": content}
    if role not in ("user", "assistant"):
        hint = " (the system prompt goes in system=)" if role == "system" else ""
        p.problem(i, f"role {role!r} is not user or assistant{hint}", "drop the message")
        return
    content = message.get("content")
    if isinstance(content, str):
        if _blank(content):
            p.problem(i, "content is empty", "drop the message")
            return
        blocks: list[Any] | None = None
    elif isinstance(content, list):
        blocks = _anthropic_blocks(p, i, role, content)
        if not blocks:
            p.problem(i, "content has no blocks", "drop the message")
            return
    else:
        p.problem(i, f"content is {type(content).__name__}, not text or blocks", "drop the message")
        return
    changed = blocks is not None and len(blocks) != len(content)
    if blocks is not None and not changed:
        changed = any(a is not b for a, b in zip(blocks, content, strict=False))

    if st.emitted == 0 and role != "user":
        p.problem(i, "the first message must have role user", "drop it")
        return

    if role == "assistant":
        if st.pending:
            p.problem(
                st.pending_index,
                f"tool_use ids {', '.join(st.pending)} are not answered by the next message",
                "insert error results",
            )
            _answer_pending(p, st, "anthropic")
        uses = tuple(
            b["id"]
            for b in (blocks or ())
            if isinstance(b, Mapping) and b.get("type") == "tool_use"
        )
        out = {**message, "content": blocks} if changed else message
        _emit_anthropic(p, st, out, uses, i)
        return

    # user message: answers the pending tool_use ids first, in blocks at its head.
    pending = st.pending
    if blocks is None:
        if pending:
            p.problem(
                i,
                f"tool_use ids {', '.join(pending)} of message {st.pending_index} have no "
                "tool_result here",
                "insert error results",
            )
            blocks = [{"type": "text", "text": content}]
            changed = True
        else:
            _emit_anthropic(p, st, message, (), i)
            return
    results: list[Any] = []
    others: list[Any] = []
    answered: set[str] = set()
    misplaced = False
    for b, block in enumerate(blocks):
        if block.get("type") != "tool_result":
            others.append(block)
            continue
        tid = block.get("tool_use_id")
        if tid not in pending or tid in answered:
            p.problem(i, f"block {b} is a tool_result for unknown id {tid!r}", "drop it")
            changed = True
            continue
        if others:
            misplaced = True
        answered.add(tid)
        results.append(block)
    if misplaced:
        p.problem(i, "tool_result blocks must come before other content", "move them first")
        changed = True
    missing = [tid for tid in pending if tid not in answered]
    if missing:
        p.problem(
            i,
            f"tool_use ids {', '.join(missing)} of message {st.pending_index} have no tool_result",
            "insert error results",
        )
        results += [
            {"type": "tool_result", "tool_use_id": tid, "content": NO_RESULT, "is_error": True}
            for tid in missing
        ]
        changed = True
    final_blocks = results + others
    if not final_blocks:
        p.problem(i, "content has no blocks left", "drop the message")
        return
    _emit_anthropic(p, st, {**message, "content": final_blocks} if changed else message, (), i)


# ---- OpenAI ------------------------------------------------------------------------------


def _openai_parts(p: _Pass, i: int, role: str, content: list[Any]) -> list[Any]:
    kept = []
    for b, part in enumerate(content):
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind not in OPENAI_PARTS:
            p.problem(i, f"content part {b} has unknown type {kind!r}", "drop it")
            continue
        assert isinstance(part, Mapping)
        if role in ("system", "developer", "tool") and kind != "text":
            p.problem(i, f"content part {b} ({kind}) is not allowed in a {role} message", "drop it")
            continue
        if kind == "refusal" and role != "assistant":
            p.problem(i, f"content part {b} is a refusal in a {role} message", "drop it")
            continue
        if kind == "text" and _blank(part.get("text")):
            p.problem(i, f"content part {b} is empty text", "drop it")
            continue
        kept.append(part)
    return kept


def _openai_message(p: _Pass, st: ScanState, i: int, message: Message) -> None:
    role = message.get("role")
    if role not in OPENAI_ROLES:
        p.problem(i, f"role {role!r} is not one of {', '.join(sorted(OPENAI_ROLES))}", "drop it")
        return
    content = message.get("content")
    out: Message = message
    if isinstance(content, list):
        parts = _openai_parts(p, i, role, content)
        if len(parts) != len(content):
            out = {**message, "content": parts}
            content = parts
    elif content is not None and not isinstance(content, str):
        p.problem(i, f"content is {type(content).__name__}, not text or parts", "drop the message")
        return

    if role == "tool":
        tid = message.get("tool_call_id")
        if tid not in st.pending:
            p.problem(i, f"tool message answers unknown or earlier call id {tid!r}", "drop it")
            return
        rest = tuple(x for x in st.pending if x != tid)
        p.out.append(out)
        st.emitted += 1
        st.last_role = "tool"
        st.pending = rest
        return

    if st.pending:
        p.problem(
            st.pending_index,
            f"tool_calls ids {', '.join(st.pending)} have no tool message before message {i}",
            "insert error results",
        )
        _answer_pending(p, st, "openai")

    calls: tuple[str, ...] = ()
    if role == "assistant":
        raw_calls = message.get("tool_calls")
        if raw_calls is not None and not isinstance(raw_calls, list):
            p.problem(i, "tool_calls is not a list", "drop it")
            out = {k: v for k, v in out.items() if k != "tool_calls"}
            raw_calls = None
        if raw_calls:
            good = []
            seen: set[str] = set()
            for c, call in enumerate(raw_calls):
                tid = call.get("id") if isinstance(call, Mapping) else None
                if not isinstance(tid, str) or not tid or tid in seen:
                    p.problem(i, f"tool call {c} has a missing or repeated id", "drop it")
                    continue
                seen.add(tid)
                good.append(call)
            if len(good) != len(raw_calls):
                out = (
                    {**out, "tool_calls": good}
                    if good
                    else {k: v for k, v in out.items() if k != "tool_calls"}
                )
            calls = tuple(c["id"] for c in good)
        elif raw_calls is not None and "tool_calls" in out:
            p.problem(i, "tool_calls is an empty list", "remove it")
            out = {k: v for k, v in out.items() if k != "tool_calls"}
    empty = content is None or content == [] or (isinstance(content, str) and _blank(content))
    if empty and not calls and not (role == "assistant" and out.get("refusal")):
        p.problem(i, f"{role} message has no content", "drop it")
        return
    _emit(p, st, out, calls, i)


# ---- structure used by the strategies ----------------------------------------------------


def is_pinned_role(message: Message, format: Format) -> bool:
    """OpenAI system/developer messages are the system prompt: never dropped."""
    return format == "openai" and message.get("role") in ("system", "developer")
