"""Cache breaks per family: what changed, which rule finds it, what the misses cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promptcop.audit.analyze import run_audit
from promptcop.audit.report import to_json
from promptcop.facts import load_table

from .entries import anthropic, chat, write_log

RULES = "Always answer in English and cite the article you used. " * 40  # ~2,300 chars
TOOLS = [
    {"name": "search", "description": "Search.", "input_schema": {"type": "object"}},
    {"name": "ticket", "description": "Open a ticket.", "input_schema": {"type": "object"}},
]


def _families(tmp_path: Path, lines: list[Any]) -> list[dict[str, Any]]:
    log = write_log(tmp_path / "log.jsonl", lines)
    families: list[dict[str, Any]] = to_json(run_audit([str(log)], load_table()))["families"]
    return families


def _at(minute: int) -> str:
    return f"2026-11-20T09:{minute:02d}:00Z"


def _cached_call(minute: int, system: Any, **kw: Any) -> dict[str, Any]:
    kw.setdefault("model", "claude-sonnet-4-5")
    model = kw.pop("model")
    kw.setdefault("write", 3000)
    return anthropic(model, system=system, time=_at(minute), **kw)


def test_clock_in_system_prompt_is_pc101_with_the_cost_of_misses(tmp_path: Path) -> None:
    lines = [
        _cached_call(
            m,
            [
                {
                    "type": "text",
                    "text": f"Now: 2026-11-20 09:{m:02d}\n{RULES}",
                    "cache_control": {"type": "ephemeral"},
                }
            ],
        )
        for m in range(3)
    ]
    (family,) = _families(tmp_path, lines)
    assert family["requests"] == 3
    (broken,) = family["cache_breaks"]
    assert broken["change"] == "timestamp-like token" and broken["rule"] == "PC101"
    assert broken["requests"] == 2
    # Each miss re-wrote 3000 tokens the previous call had cached: it paid the 5m write
    # price $3.75 where a hit pays $0.30: 2 * 3000 * (3.75 - 0.30) / 1e6 = $0.0207
    assert broken["miss_cost_usd"] == pytest.approx(0.0207)
    example = family["examples"][0]
    assert example["line"] == 2 and example["first_difference"] == "system[0]"
    assert "'09:00'" in example["detail"] and "'09:01'" in example["detail"]


def test_reordered_tools_is_pc103(tmp_path: Path) -> None:
    lines = [
        _cached_call(0, RULES, tools=TOOLS),
        _cached_call(1, RULES, tools=list(reversed(TOOLS))),
    ]
    (family,) = _families(tmp_path, lines)
    assert [(b["change"], b["rule"]) for b in family["cache_breaks"]] == [("tool order", "PC103")]
    assert "[search, ticket] -> [ticket, search]" in family["examples"][0]["detail"]


def test_model_switch_is_pc105(tmp_path: Path) -> None:
    chat_so_far = [{"role": "user", "content": "Where is order 7?"}]
    continued = [
        *chat_so_far,
        {"role": "assistant", "content": "Checking."},
        {"role": "user", "content": "Thanks."},
    ]
    lines = [
        _cached_call(0, RULES, messages=chat_so_far),
        # The same conversation carried on by another model.
        _cached_call(1, RULES, model="claude-opus-4-6", messages=continued),
    ]
    (family,) = _families(tmp_path, lines)
    assert family["cache_breaks"][0]["rule"] == "PC105"
    # Opus re-wrote the 3000 tokens at $6.25 instead of reading them at $0.50.
    assert family["miss_cost_usd"] == pytest.approx(3000 * (6.25 - 0.50) / 1e6)


def test_per_user_block_before_static_rules_is_pc102(tmp_path: Path) -> None:
    lines = [
        _cached_call(
            m,
            [
                {"type": "text", "text": f"The user is {name}."},
                {"type": "text", "text": RULES, "cache_control": {"type": "ephemeral"}},
            ],
        )
        for m, name in enumerate(["ana", "bo", "chen"])
    ]
    (family,) = _families(tmp_path, lines)
    assert [(b["change"], b["rule"], b["requests"]) for b in family["cache_breaks"]] == [
        ("dynamic block before static one", "PC102", 2)
    ]


def test_per_user_text_inside_one_system_string_is_pc102(tmp_path: Path) -> None:
    lines = [_cached_call(m, f"User: {n}\n{RULES}") for m, n in enumerate(["ana", "bo"])]
    (family,) = _families(tmp_path, lines)
    assert family["cache_breaks"][0]["rule"] == "PC102"
    assert "'ana' -> 'bo'" in family["examples"][0]["detail"]


def test_hits_new_conversations_and_expired_caches_are_not_breaks(tmp_path: Path) -> None:
    system = [{"type": "text", "text": RULES, "cache_control": {"type": "ephemeral"}}]
    lines = [
        _cached_call(0, system, messages=[{"role": "user", "content": "first question"}]),
        # Same prefix, read from cache: a hit.
        _cached_call(1, system, write=0, read=3000),
        # A different conversation under the same system prompt, cache read: fine.
        _cached_call(
            2,
            system,
            write=0,
            read=3000,
            messages=[{"role": "user", "content": "another user entirely"}],
        ),
        # 20 minutes idle: the 5-minute cache expired; counted apart, not a break.
        _cached_call(22, system),
    ]
    (family,) = _families(tmp_path, lines)
    assert family["cache_breaks"] == []
    assert family["expired"]["requests"] == 1
    # hit ratio: 6000 read / (3000 + 3000 + 3000 + 3000) input
    assert family["cache_hit_ratio"] == pytest.approx(0.5)


def test_openai_tool_order_break_with_automatic_caching(tmp_path: Path) -> None:
    tools = [{"type": "function", "function": {"name": n, "parameters": {}}} for n in "abc"]
    system = {"role": "system", "content": RULES}
    lines = [
        chat(
            "gpt-4.1",
            prompt=3000,
            completion=10,
            tools=tools,
            time=_at(0),
            messages=[system, {"role": "user", "content": "q1"}],
        ),
        chat(
            "gpt-4.1",
            prompt=3000,
            completion=10,
            tools=tools[::-1],
            time=_at(1),
            messages=[system, {"role": "user", "content": "q2"}],
        ),
    ]
    (family,) = _families(tmp_path, lines)
    assert family["cache_breaks"][0]["rule"] == "PC103"
    # The first call left 1024 + 15*128 = 2944 tokens cached; none read. gpt-4.1 pays
    # $2 uncached vs $0.50 cached: 2944 * 1.5 / 1e6
    assert family["miss_cost_usd"] == pytest.approx(2944 * 1.5 / 1e6)


def test_families_split_by_tools_and_system(tmp_path: Path) -> None:
    lines = [
        _cached_call(0, RULES, write=0),
        _cached_call(1, "Something else entirely. " * 100, write=0),
        _cached_call(2, RULES, tools=TOOLS, write=0),
    ]
    assert len(_families(tmp_path, lines)) == 3


def test_two_models_serving_different_conversations_is_no_switch(tmp_path: Path) -> None:
    # An A/B split: each model keeps its own cache warm; no conversation moves.
    system = [{"type": "text", "text": RULES, "cache_control": {"type": "ephemeral"}}]
    lines = []
    for m in range(4):
        model = "claude-opus-4-6" if m % 2 else "claude-sonnet-4-5"
        first = m < 2
        lines.append(
            _cached_call(
                m,
                system,
                model=model,
                write=3000 if first else 0,
                read=0 if first else 3000,
                messages=[{"role": "user", "content": f"question {m}"}],
            )
        )
    (family,) = _families(tmp_path, lines)
    assert family["cache_breaks"] == []
