"""Independent validity checks, history generators and damage for the compactor tests.

The checks here are written from the API rules (API_FACTS.md, validity), not
from ``promptcop.compactor.formats``: a test that used the code's own checker
would pass whatever that checker got wrong. They are also stricter than the
API where the generators allow it (roles alternate).
"""

from __future__ import annotations

import base64
import copy
import struct
import zlib
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

ANTHROPIC_KNOWN = {
    "text",
    "image",
    "document",
    "tool_use",
    "tool_result",
    "thinking",
    "redacted_thinking",
    "server_tool_use",
    "web_search_tool_result",
}
WORDS = ["alpha", "beta", "gamma", "delta", "error:", "line", "42", "\n", "def", "{", "}", "ok"]


def png_b64(width: int, height: int) -> str:
    """A PNG header with the given size (enough for the counter's size reader)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )
    return base64.b64encode(data + b"\x00" * 64).decode()


def image_block(width: int = 800, height: int = 600) -> dict[str, Any]:
    source = {"type": "base64", "media_type": "image/png", "data": png_b64(width, height)}
    return {"type": "image", "source": source}


def strip_marks(value: Any) -> Any:
    """``value`` without cache_control markers, string content as it was."""
    if isinstance(value, Mapping):
        out = {k: strip_marks(v) for k, v in value.items() if k != "cache_control"}
        content = out.get("content")
        if (
            isinstance(content, list)
            and len(content) == 1
            and isinstance(content[0], Mapping)
            and set(content[0]) == {"type", "text"}
            and content[0]["type"] == "text"
            and isinstance(value.get("content"), list)
            and "cache_control" in value["content"][0]
        ):
            out["content"] = content[0]["text"]  # a marked copy of string content
        return out
    if isinstance(value, list):
        return [strip_marks(v) for v in value]
    return value


SUMMARY_LABEL = "[Summary of earlier messages"


def unsummarised(message: Any, original: Any = None) -> Any:
    """``message`` without a summary block the compactor put in front of it."""
    content = message.get("content")
    if not (
        isinstance(content, list)
        and content
        and isinstance(content[0], Mapping)
        and str(content[0].get("text", "")).startswith(SUMMARY_LABEL)
    ):
        return message
    rest = content[1:]
    single = len(rest) == 1 and set(rest[0]) == {"type", "text"}
    if single and (original is None or isinstance(original.get("content"), str)):
        return {**message, "content": rest[0]["text"]}
    return {**message, "content": rest}


def _blocks(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = message["content"]
    return [] if isinstance(content, str) else list(content)


def assert_valid_anthropic(messages: list[Any], *, alternate: bool = True) -> None:
    assert messages, "a request needs at least one message"
    assert messages[0]["role"] == "user", "first message must be user"
    for i, m in enumerate(messages):
        assert m["role"] in ("user", "assistant"), (i, m["role"])
        if i and alternate:
            assert m["role"] != messages[i - 1]["role"], f"roles do not alternate at {i}"
        content = m["content"]
        if isinstance(content, str):
            assert content.strip(), f"empty content at {i}"
            continue
        assert isinstance(content, list) and content, f"empty block list at {i}"
        for b in content:
            assert b["type"] in ANTHROPIC_KNOWN, (i, b["type"])
            if b["type"] == "text":
                assert b["text"].strip(), f"empty text block at {i}"
    for i, m in enumerate(messages):
        blocks = _blocks(m)
        uses = [b["id"] for b in blocks if b["type"] == "tool_use"]
        if uses:
            assert m["role"] == "assistant"
            assert i + 1 < len(messages), f"tool_use at {i} has no answer"
            nxt = _blocks(messages[i + 1])
            head = []
            for b in nxt:
                if b["type"] != "tool_result":
                    break
                head.append(b["tool_use_id"])
            assert sorted(head) == sorted(uses), f"results at {i + 1} do not answer {uses}"
            later = [b for b in nxt[len(head) :] if b["type"] == "tool_result"]
            assert not later, f"tool_result after other content at {i + 1}"
        results = [b["tool_use_id"] for b in blocks if b["type"] == "tool_result"]
        if results:
            assert i > 0
            before = [b["id"] for b in _blocks(messages[i - 1]) if b["type"] == "tool_use"]
            assert set(results) <= set(before), f"orphan tool_result at {i}"


def assert_valid_openai(messages: list[Any]) -> None:
    assert messages
    pending: list[str] = []
    for i, m in enumerate(messages):
        role = m["role"]
        assert role in ("system", "developer", "user", "assistant", "tool"), (i, role)
        if role == "tool":
            assert m["tool_call_id"] in pending, f"orphan tool message at {i}"
            pending.remove(m["tool_call_id"])
            continue
        assert not pending, f"tool calls {pending} unanswered before {i}"
        calls = [c["id"] for c in m.get("tool_calls") or ()]
        if role == "assistant":
            assert calls or m.get("content"), f"empty assistant message at {i}"
        else:
            assert m.get("content"), f"empty {role} message at {i}"
        pending = calls
    assert not pending, "tool calls unanswered at the end"


# ---- generators ----------------------------------------------------------------------------


def _text(draw: Any, lo: int, hi: int) -> str:
    n = draw(st.integers(lo, hi))
    seed = draw(st.integers(0, 10_000))
    words = [WORDS[(seed + k * 7) % len(WORDS)] for k in range(min(n, 60))]
    unit = " ".join(words) + f" #{seed} "
    return (unit * (n // len(unit) + 1))[:n].strip() or "x"


@st.composite
def result_content(draw: Any, fmt: str) -> Any:
    kind = draw(
        st.sampled_from(
            ["short", "short", "huge", "list"]
            if fmt == "anthropic"
            else ["short", "short", "huge", "parts"]
        )
    )
    if kind == "short":
        return _text(draw, 1, 400)
    if kind == "huge":
        return _text(draw, 4_000, 30_000)
    if kind == "parts":
        return [{"type": "text", "text": _text(draw, 1, 3000)}]
    blocks: list[Any] = []
    if draw(st.booleans()):
        blocks.append({"type": "text", "text": _text(draw, 1, 8000)})
    if draw(st.booleans()) or not blocks:
        blocks.append(image_block(draw(st.integers(10, 2000)), draw(st.integers(10, 2000))))
    return blocks


@st.composite
def anthropic_history(draw: Any) -> list[dict[str, Any]]:
    ids = iter(range(10_000))
    msgs: list[dict[str, Any]] = []
    turns = draw(st.integers(1, 7))
    for t in range(turns):
        if draw(st.integers(0, 4)) == 0:
            user: Any = [{"type": "text", "text": _text(draw, 1, 300)}, image_block()]
        else:
            user = _text(draw, 1, 600)
        msgs.append({"role": "user", "content": user})
        for _ in range(draw(st.integers(0, 3))):
            blocks: list[Any] = []
            if draw(st.booleans()):
                blocks.append(
                    {"type": "thinking", "thinking": _text(draw, 1, 200), "signature": "s"}
                )
            if draw(st.booleans()):
                blocks.append({"type": "text", "text": _text(draw, 1, 200)})
            calls = [f"toolu_{next(ids)}" for _ in range(draw(st.integers(1, 3)))]
            blocks += [
                {"type": "tool_use", "id": c, "name": "read", "input": {"path": f"f{c}"}}
                for c in calls
            ]
            msgs.append({"role": "assistant", "content": blocks})
            msgs.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": c,
                            "content": draw(result_content("anthropic")),
                        }
                        for c in calls
                    ],
                }
            )
        if t < turns - 1 or draw(st.booleans()):
            msgs.append({"role": "assistant", "content": _text(draw, 1, 500)})
    return msgs


@st.composite
def openai_history(draw: Any) -> list[dict[str, Any]]:
    ids = iter(range(10_000))
    msgs: list[dict[str, Any]] = [{"role": "system", "content": _text(draw, 1, 300)}]
    turns = draw(st.integers(1, 7))
    for t in range(turns):
        if draw(st.integers(0, 4)) == 0:
            url = "data:image/png;base64," + png_b64(640, 480)
            user: Any = [
                {"type": "text", "text": _text(draw, 1, 300)},
                {"type": "image_url", "image_url": {"url": url}},
            ]
        else:
            user = _text(draw, 1, 600)
        msgs.append({"role": "user", "content": user})
        if draw(st.integers(0, 6)) == 0:
            msgs.append({"role": "developer", "content": _text(draw, 1, 100)})
        for _ in range(draw(st.integers(0, 3))):
            calls = [f"call_{next(ids)}" for _ in range(draw(st.integers(1, 3)))]
            msgs.append(
                {
                    "role": "assistant",
                    "content": _text(draw, 1, 100) if draw(st.booleans()) else None,
                    "tool_calls": [
                        {
                            "id": c,
                            "type": "function",
                            "function": {"name": "read", "arguments": "{}"},
                        }
                        for c in calls
                    ],
                }
            )
            msgs += [
                {"role": "tool", "tool_call_id": c, "content": draw(result_content("openai"))}
                for c in calls
            ]
        if t < turns - 1 or draw(st.booleans()):
            msgs.append({"role": "assistant", "content": _text(draw, 1, 500)})
    return msgs


# ---- damage --------------------------------------------------------------------------------


def damage(messages: list[Any], fmt: str, kind: int, where: int) -> list[Any] | None:
    """A damaged deep copy of ``messages`` (None when this damage does not apply)."""
    msgs = copy.deepcopy(messages)
    if fmt == "anthropic":
        answers = [
            i for i, m in enumerate(msgs) if any(b["type"] == "tool_result" for b in _blocks(m))
        ]
        callers = [i - 1 for i in answers]
        if kind == 0 and answers:  # a tool_use loses its answer
            del msgs[answers[where % len(answers)]]
        elif kind == 1 and callers:  # a tool_result loses its tool_use
            del msgs[callers[where % len(callers)]]
        elif kind == 2:  # a role the Messages API does not know
            msgs[where % len(msgs)]["role"] = "system"
        elif kind == 3:  # an unknown block type
            i = where % len(msgs)
            kept = _blocks(msgs[i]) or [{"type": "text", "text": "x"}]
            msgs[i]["content"] = [*kept, {"type": "bogus_block", "x": 1}]
        elif kind == 4:  # empty content
            msgs[where % len(msgs)]["content"] = ""
        elif kind == 5:  # an assistant message first
            msgs.insert(0, {"role": "assistant", "content": "I start"})
        elif kind == 6 and answers:  # a tool_result behind other content
            i = answers[where % len(answers)]
            msgs[i]["content"] = [{"type": "text", "text": "note"}, *msgs[i]["content"]]
        else:
            return None
    else:
        tools = [i for i, m in enumerate(msgs) if m["role"] == "tool"]
        callers = [i for i, m in enumerate(msgs) if m.get("tool_calls")]
        if kind == 0 and tools:
            del msgs[tools[where % len(tools)]]
        elif kind == 1 and callers:
            del msgs[callers[where % len(callers)]]
        elif kind == 2:
            msgs[where % len(msgs)]["role"] = "function"
        elif kind == 3:
            i = where % len(msgs)
            msgs[i]["content"] = [{"type": "bogus_part"}]
        elif kind == 4:
            users = [i for i, m in enumerate(msgs) if m["role"] == "user"]
            msgs[users[where % len(users)]]["content"] = ""
        elif kind == 5 and tools:  # a tool message moved after the next user message
            i = tools[-1]
            moved = msgs.pop(i)
            msgs.append({"role": "user", "content": "next"})
            msgs.append(moved)
        else:
            return None
    return msgs
