"""Log shapes, and bad lines reported with their line numbers without stopping the run."""

from __future__ import annotations

import json
from pathlib import Path

from promptcop.audit.model import Call, Skipped
from promptcop.audit.readers import parse_line, read_log

from .entries import anthropic, chat, write_log


def test_malformed_and_unknown_lines_are_skipped_with_line_numbers(tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "log.jsonl",
        [
            anthropic("claude-sonnet-4-5", input_tokens=10),
            '{"request": {"model": "claude-sonnet-4-5"',  # line 2: truncated
            "",  # line 3: blank lines are not errors
            '["a", "list"]',  # line 4
            {"event": "heartbeat"},  # line 5
            {"request": {}, "response": {"model": "x"}},  # line 6: no usage
            anthropic("claude-sonnet-4-5", input_tokens=-5),  # line 7: negative count
            {"custom_id": "a", "result": {"type": "errored", "error": {}}},  # line 8
            chat("gpt-4.1", prompt=10, completion=1, cached=50),  # line 9: cached > prompt
            chat("gpt-4.1", prompt=10, completion=1),  # line 10
            {"request": {}, "response": {"type": "error", "error": {"type": "overloaded"}}},
        ],
    )
    items = list(read_log(str(log)))
    skipped = {s.line: s.reason for s in items if isinstance(s, Skipped)}
    calls = [c.line for c in items if isinstance(c, Call)]
    assert calls == [1, 10]
    assert sorted(skipped) == [2, 4, 5, 6, 7, 8, 9, 11]
    assert skipped[11] == "error response: not billed"
    assert skipped[2].startswith("malformed JSON")
    assert skipped[4] == "not a JSON object"
    assert skipped[5].startswith("unknown line shape")
    assert "usage" in skipped[6]
    assert "input_tokens" in skipped[7]
    assert "errored" in skipped[8]
    assert "exceed" in skipped[9]


def test_invalid_utf8_is_a_skipped_line(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(
        b'{"a": "\xff\xfe"}\n' + json.dumps(chat("gpt-4o", prompt=1, completion=1)).encode()
    )
    items = list(read_log(str(log)))
    assert isinstance(items[0], Skipped) and items[0].line == 1
    assert isinstance(items[1], Call)


def test_openai_batch_output_line_is_a_batch_call() -> None:
    line = json.dumps(
        {
            "id": "batch_req_1",
            "custom_id": "r1",
            "response": {
                "status_code": 200,
                "body": chat("gpt-4o-mini", prompt=100, completion=5)["response"],
            },
            "error": None,
        }
    )
    call = parse_line(line)
    assert isinstance(call, Call)
    assert call.batch and call.api == "chat.completions" and call.usage.uncached == 100


def test_parts_follow_cache_order_and_ignore_cache_control() -> None:
    entry = anthropic(
        "claude-sonnet-4-5",
        tools=[{"name": "a", "input_schema": {}}, {"name": "b", "input_schema": {}}],
        system=[{"type": "text", "text": "S", "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    )
    call = parse_line(json.dumps(entry))
    assert isinstance(call, Call)
    assert [p.label for p in call.parts] == [
        "tools[0] a",
        "tools[1] b",
        "system[0]",
        "messages[0].content[0]",
    ]
    plain = dict(entry, request=dict(entry["request"], system=[{"type": "text", "text": "S"}]))
    again = parse_line(json.dumps(plain))
    assert isinstance(again, Call)
    assert again.parts[2].digest == call.parts[2].digest


def test_time_and_tag_are_read() -> None:
    call = parse_line(
        json.dumps(anthropic("claude-haiku-4-5", time="2026-11-20T09:00:00Z", tag="t"))
    )
    assert isinstance(call, Call)
    assert call.tag == "t"
    assert call.time is not None and call.time.isoformat() == "2026-11-20T09:00:00+00:00"
    bad = parse_line(json.dumps(anthropic("claude-haiku-4-5", time="yesterday")))
    assert isinstance(bad, Skipped) and "ISO 8601" in bad.reason


def test_gzip_logs_are_read_and_a_truncated_archive_is_reported(tmp_path: Path) -> None:
    import gzip

    body = b"\n".join(
        json.dumps(chat("gpt-4o", prompt=10, completion=1)).encode() for _ in range(3)
    )
    good = tmp_path / "log.jsonl.gz"
    good.write_bytes(gzip.compress(body))
    assert [c.line for c in read_log(str(good)) if isinstance(c, Call)] == [1, 2, 3]
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(body * 50)[:-40])
    items = list(read_log(str(cut)))
    assert isinstance(items[-1], Skipped) and "gzip" in items[-1].reason
