"""What-if levers against hand-computed figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promptcop.audit.analyze import run_audit
from promptcop.audit.report import to_json
from promptcop.facts import load_table
from promptcop.tokens.encodings import count_text
from promptcop.whitespace import normalize_whitespace

from .entries import anthropic, chat, write_log


def _savings(tmp_path: Path, lines: list[Any], **kw: Any) -> tuple[float, dict[str, Any]]:
    log = write_log(tmp_path / "log.jsonl", lines)
    report = to_json(run_audit([str(log)], load_table(), **kw))
    return report["total_cost_usd"], {s["lever"]: s for s in report["savings"]}


def test_routing_and_batching_levers(tmp_path: Path) -> None:
    lines = [
        # 4 short classifications on Opus 4.6: 1000*5 + 10*25 = $0.00525 each, $0.021 in all.
        # On Haiku 4.5 ($1 / $5): 1000*1 + 10*5 = $0.00105 each, $0.0042: saves $0.0168.
        *[anthropic("claude-opus-4-6", input_tokens=1000, output_tokens=10, tag="classify")] * 4,
        # 2 nightly jobs on gpt-4.1: 1000*2 + 1000*8 = $0.01 each, $0.02; long outputs, so
        # not routed. Batch API at half price saves $0.01.
        *[chat("gpt-4.1", prompt=1000, completion=1000, tag="nightly-etl")] * 2,
        # Untagged traffic is never routed or batched: 1000*3 + 10*15 = $0.00315.
        anthropic("claude-sonnet-4-5", input_tokens=1000, output_tokens=10),
    ]
    total, levers = _savings(tmp_path, lines)
    assert total == pytest.approx(0.021 + 0.02 + 0.00315)
    routing = levers["route short-output tags to a cheaper tier"]
    assert routing["usd"] == pytest.approx(0.0168)
    assert routing["percent"] == pytest.approx(100 * 0.0168 / total, abs=0.01)
    assert "classify (claude-opus-4-6 -> claude-haiku-4-5)" in routing["assumption"]
    batch = levers["move non-interactive tags to the batch API"]
    assert batch["usd"] == pytest.approx(0.01)
    assert "nightly-etl" in batch["assumption"]


def test_offline_tags_named_by_the_user_replace_the_name_heuristic(tmp_path: Path) -> None:
    lines = [
        chat("gpt-4.1", prompt=1000, completion=1000, tag="nightly-etl"),
        chat("gpt-4.1", prompt=1000, completion=1000, tag="crawler"),
    ]
    _, levers = _savings(tmp_path, lines, offline_tags=frozenset({"crawler"}))
    batch = levers["move non-interactive tags to the batch API"]
    assert batch["usd"] == pytest.approx(0.005)  # half of the crawler's $0.01
    assert "crawler" in batch["assumption"] and "nightly-etl" not in batch["assumption"]


def test_caching_the_stable_prefix(tmp_path: Path) -> None:
    # Sonnet 4.5, no caching: 3 calls a minute apart, 5000 uncached input tokens each.
    # System 4000 chars of 5000 logged chars -> prefix = 5000 * 4000/5000 = 4000 tokens.
    # First call writes it: -4000 * (3.75 - 3.00) / 1e6 = -$0.003
    # Next two read it: 2 * 4000 * (3.00 - 0.30) / 1e6 = +$0.0216  -> $0.0186
    lines = [
        anthropic(
            "claude-sonnet-4-5",
            input_tokens=5000,
            output_tokens=100,
            system="s" * 4000,
            messages=[{"role": "user", "content": "m" * 1000}],
            time=f"2026-11-20T09:0{i}:00Z",
        )
        for i in range(3)
    ]
    total, levers = _savings(tmp_path, lines)
    assert total == pytest.approx(3 * (5000 * 3 + 100 * 15) / 1e6)  # $0.0495
    lever = levers["cache the stable prefix"]
    assert lever["usd"] == pytest.approx(0.0186)
    assert lever["percent"] == pytest.approx(100 * 0.0186 / 0.0495, abs=0.01)


def test_prefix_under_the_minimum_is_not_counted(tmp_path: Path) -> None:
    # Haiku 4.5 caches from 4096 tokens (API_FACTS.md 1.A): a 4000-token prefix never caches.
    lines = [
        anthropic(
            "claude-haiku-4-5",
            input_tokens=5000,
            system="s" * 4000,
            messages=[{"role": "user", "content": "m" * 1000}],
        )
        for _ in range(3)
    ]
    _, levers = _savings(tmp_path, lines)
    assert levers["cache the stable prefix"]["usd"] == 0


def test_whitespace_lever_counts_the_tokens_trimmed(tmp_path: Path) -> None:
    prompt = "\n".join("        Summarise the section below.     \n\n\n" for _ in range(20))
    # Haiku 4.5 at $1/MTok input, all 2000 input tokens uncached: $1e-6 per input token.
    lines = [
        anthropic(
            "claude-haiku-4-5", input_tokens=2000, messages=[{"role": "user", "content": prompt}]
        )
    ] * 2
    saved = count_text(prompt) - count_text(normalize_whitespace(prompt))
    assert saved > 20
    _, levers = _savings(tmp_path, lines)
    assert levers["trim whitespace bloat"]["usd"] == pytest.approx(2 * saved * 1e-6)
