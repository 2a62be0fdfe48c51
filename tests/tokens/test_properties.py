"""Properties over generated histories: additivity, robustness, snapshot == fresh count."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from promptcop.tokens.counter import TokenCounter

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
_block = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, st.text(max_size=60)),
    st.builds(
        lambda n, i: {"type": "tool_use", "id": "t", "name": n, "input": i},
        st.text(max_size=10),
        st.dictionaries(st.text(max_size=8), _json, max_size=3),
    ),
    st.builds(
        lambda c: {"type": "tool_result", "tool_use_id": "t", "content": c}, st.text(max_size=60)
    ),
    st.builds(
        lambda t: {"type": "thinking", "thinking": t, "signature": "s"}, st.text(max_size=60)
    ),
    st.dictionaries(st.sampled_from(["type", "data", "title", "x"]), _json, max_size=4),  # unknown
)
_message = st.builds(
    lambda role, content: {"role": role, "content": content},
    st.sampled_from(["user", "assistant"]),
    st.text(max_size=80) | st.lists(_block, max_size=4),
)
COUNTERS = [TokenCounter("gpt-4o"), TokenCounter("claude-sonnet-4-6", use_ctok=False)]


@settings(max_examples=60, deadline=None)
@given(st.lists(_message, max_size=12), st.text(max_size=40))
def test_request_is_additive_and_never_fails(messages: list[dict[str, Any]], system: str) -> None:
    for counter in COUNTERS:
        total = counter.request(messages, system=system)
        parts = [counter.message(m) for m in messages]
        assert all(p >= 3 for p in parts)  # at least the per-message framing
        assert total == counter.request_overhead + counter.system(system) + sum(parts)


@settings(max_examples=40, deadline=None)
@given(st.lists(_message, min_size=1, max_size=10), st.lists(_message, max_size=4))
def test_snapshot_count_equals_a_fresh_count(
    first: list[dict[str, Any]], more: list[dict[str, Any]]
) -> None:
    warm = TokenCounter("gpt-4o")
    warm.request(first)
    grown = first + more
    assert warm.request(grown) == TokenCounter("gpt-4o").request(grown)
    assert warm.messages(grown) == [warm.message(m) for m in grown]
