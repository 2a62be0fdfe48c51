"""Prices by token class against hand-computed figures (prices: facts/models.json, 2026-11-23)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptcop.audit.analyze import run_audit
from promptcop.audit.report import to_json
from promptcop.facts import load_table

from .entries import anthropic, batch_result, chat, responses, write_log


def _audit(tmp_path: Path, lines: list[object]) -> dict[str, object]:
    log = write_log(tmp_path / "log.jsonl", lines)
    return to_json(run_audit([str(log)], load_table()))


def test_each_token_class_priced_by_hand(tmp_path: Path) -> None:
    report = _audit(
        tmp_path,
        [
            # Sonnet 4.5 ($3 in, $15 out, $3.75 5m write, $0.30 read):
            # 1000*3 + 500*15 + 2000*3.75 + 10000*0.30 = 3000 + 7500 + 7500 + 3000 = $0.021
            anthropic(
                "claude-sonnet-4-5", input_tokens=1000, output_tokens=500, write=2000, read=10000
            ),
            # Opus 4.6 ($5 in, $25 out, $10 1h write), TTL asked for in the request:
            # 100*5 + 4000*10 + 200*25 = 500 + 40000 + 5000 = $0.0455
            anthropic(
                "claude-opus-4-6",
                input_tokens=100,
                output_tokens=200,
                write=4000,
                system=[
                    {
                        "type": "text",
                        "text": "x",
                        "cache_control": {"type": "ephemeral", "ttl": "1h"},
                    }
                ],
            ),
            # gpt-4.1 ($2 in, $0.50 cached, $8 out); prompt_tokens includes cached:
            # (5000-4096)*2 + 4096*0.5 + 300*8 = 1808 + 2048 + 2400 = $0.006256
            chat("gpt-4.1", prompt=5000, completion=300, cached=4096),
            # gpt-5-mini Responses ($0.25 in, $0.025 cached, $2 out):
            # 976*0.25 + 1024*0.025 + 1000*2 = 244 + 25.6 + 2000 = $0.0022696
            responses("gpt-5-mini", input_tokens=2000, output_tokens=1000, cached=1024),
            # Haiku 4.5 batch result ($1 in, $5 out, half price): (10000*1 + 2000*5) / 2 = $0.01
            batch_result("claude-haiku-4-5", input_tokens=10000, output_tokens=2000),
        ],
    )
    assert report["requests"] == 5
    assert report["total_cost_usd"] == pytest.approx(0.021 + 0.0455 + 0.006256 + 0.0022696 + 0.01)
    by_model = report["by_model"]
    assert by_model["claude-sonnet-4-5"] == {
        "requests": 1,
        "cost_usd": pytest.approx(0.021),
        "input_tokens": 1000,
        "output_tokens": 500,
        "cache_creation_input_tokens": 2000,
        "cache_read_input_tokens": 10000,
    }
    assert by_model["claude-opus-4-6"]["cost_usd"] == pytest.approx(0.0455)
    assert by_model["gpt-4.1"]["cost_usd"] == pytest.approx(0.006256)
    assert by_model["gpt-4.1"]["input_tokens"] == 904  # uncached part only
    assert by_model["gpt-5-mini"]["cost_usd"] == pytest.approx(0.0022696)
    assert by_model["claude-haiku-4-5"]["cost_usd"] == pytest.approx(0.01)
    # reads / all input: (10000 + 4096 + 1024) / (13000 + 4100 + 5000 + 2000 + 10000)
    assert report["cache_hit_ratio"] == pytest.approx(15120 / 34100, abs=1e-4)
    assert report["tokens_by_class"] == {
        "uncached_input": 1000 + 100 + 904 + 976 + 10000,
        "cache_write_5m": 2000,
        "cache_write_1h": 4000,
        "cache_read": 15120,
        "output": 500 + 200 + 300 + 1000 + 2000,
    }


def test_logged_ttl_split_wins_over_request(tmp_path: Path) -> None:
    # Opus 4.6: 1000 at the 5m write price $6.25 + 3000 at the 1h price $10 = $0.03625
    report = _audit(
        tmp_path,
        [
            anthropic(
                "claude-opus-4-6",
                write=4000,
                split={"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 3000},
            )
        ],
    )
    assert report["total_cost_usd"] == pytest.approx(0.00625 + 0.03)


def test_batch_flag_halves_every_class(tmp_path: Path) -> None:
    # Sonnet 4.5 through the batch API: (1000*3 + 1000*0.30 + 100*15) / 2 = $0.0024
    entry = anthropic(
        "claude-sonnet-4-5", input_tokens=1000, read=1000, output_tokens=100, batch=True
    )
    assert _audit(tmp_path, [entry])["total_cost_usd"] == pytest.approx(0.0024)


def test_pricing_override_replaces_one_model(tmp_path: Path) -> None:
    override = tmp_path / "prices.json"
    override.write_text(
        json.dumps(
            {
                "as_of": "2027-01-01",
                "models": {
                    "claude-sonnet-4-5": {"provider": "anthropic", "input": 1.0, "output": 2.0}
                },
            }
        )
    )
    log = write_log(
        tmp_path / "log.jsonl",
        [
            anthropic("claude-sonnet-4-5", input_tokens=1_000_000, output_tokens=1_000_000),
            chat("gpt-4.1", prompt=1_000_000, completion=0),
        ],
    )
    report = to_json(run_audit([str(log)], load_table(override)))
    # $1 + $2 on the overridden Sonnet, $2 on gpt-4.1 which keeps the shipped price.
    assert report["by_model"]["claude-sonnet-4-5"]["cost_usd"] == pytest.approx(3.0)
    assert report["by_model"]["gpt-4.1"]["cost_usd"] == pytest.approx(2.0)
    assert report["pricing"]["as_of"] == "2027-01-01"


def test_unknown_model_is_priced_as_a_guess_and_says_so(tmp_path: Path) -> None:
    report = _audit(tmp_path, [anthropic("claude-opus-4-9", input_tokens=1_000_000)])
    guessed = report["pricing"]["guessed_models"]
    assert "claude-opus-4-9" in guessed
    assert report["total_cost_usd"] > 0


def test_openai_cache_writes_billed_from_gpt_5_6(tmp_path: Path) -> None:
    # gpt-5.6-luna is not in the table: priced like gpt-5 ($1.25 in), but its cache writes
    # cost 1.25x input from GPT-5.6 on (API_FACTS.md 3.5): 1000 * 1.5625 / 1e6.
    entry = chat("gpt-5.6-luna", prompt=1000, completion=0)
    entry["response"]["usage"]["prompt_tokens_details"]["cache_write_tokens"] = 1000
    report = _audit(tmp_path, [entry])
    assert report["total_cost_usd"] == pytest.approx(1000 * 1.5625 / 1e6)
    assert report["tokens_by_class"]["cache_write_5m"] == 1000
    # Before 5.6 a write is an ordinary input token: 1000 * 1.25 / 1e6.
    older = chat("gpt-5", prompt=1000, completion=0)
    older["response"]["usage"]["prompt_tokens_details"]["cache_write_tokens"] = 1000
    assert _audit(tmp_path, [older])["total_cost_usd"] == pytest.approx(1000 * 1.25 / 1e6)


def test_long_context_rate_over_200k_input_tokens(tmp_path: Path) -> None:
    # Sonnet 4 bills $6 in / $22.50 out over 200K input tokens (API_FACTS.md 2.6);
    # cache reads keep their 0.1x of that input price.
    over = anthropic("claude-sonnet-4-0", input_tokens=150_000, read=60_000, output_tokens=1000)
    # 150000*6 + 60000*0.6 + 1000*22.5 = 900000 + 36000 + 22500 -> $0.9585
    assert _audit(tmp_path, [over])["total_cost_usd"] == pytest.approx(0.9585)
    under = anthropic("claude-sonnet-4-0", input_tokens=150_000, output_tokens=1000)
    # 150000*3 + 1000*15 = $0.465
    assert _audit(tmp_path, [under])["total_cost_usd"] == pytest.approx(0.465)
