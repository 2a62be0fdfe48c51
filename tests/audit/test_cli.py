"""``promptcop audit`` through click's runner, and once as the installed console script."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptcop.cli import main

from .entries import anthropic, chat, write_log

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "logs" / "sample.jsonl"


def _log(tmp_path: Path) -> Path:
    return write_log(
        tmp_path / "log.jsonl",
        [
            # Sonnet 4.5, 1000 in + 100 out: 3000 + 1500 = $0.0045
            anthropic(
                "claude-sonnet-4-5",
                input_tokens=1000,
                output_tokens=100,
                time="2026-11-19T10:00:00Z",
                tag="chat",
            ),
            # gpt-4o-mini, 1000 in + 100 out: 150 + 60 = $0.00021
            chat(
                "gpt-4o-mini",
                prompt=1000,
                completion=100,
                time="2026-11-20T10:00:00Z",
                tag="nightly-report",
            ),
            "not json",
        ],
    )


def test_json_has_the_documented_keys(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["audit", str(_log(tmp_path)), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {
        "total_cost_usd",
        "requests",
        "cache_hit_ratio",
        "by_model",
        "by_tag",
        "by_day",
        "families",
        "savings",
        "skipped_lines",
    } <= set(report)
    assert report["total_cost_usd"] == pytest.approx(0.0045 + 0.00021)
    assert set(report["by_model"]["gpt-4o-mini"]) == {
        "requests",
        "cost_usd",
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
    }
    assert list(report["by_day"]) == ["2026-11-19", "2026-11-20"]
    assert report["skipped_lines"] == [
        {
            "path": str(tmp_path / "log.jsonl"),
            "line": 3,
            "reason": report["skipped_lines"][0]["reason"],
        }
    ]
    for lever in report["savings"]:
        assert set(lever) == {"lever", "usd", "percent", "assumption"}
        assert lever["assumption"]


def test_filters_by_date_and_tag(tmp_path: Path) -> None:
    log = str(_log(tmp_path))
    runner = CliRunner()
    since = json.loads(
        runner.invoke(main, ["audit", log, "--format", "json", "--since", "2026-11-20"]).stdout
    )
    assert since["requests"] == 1 and list(since["by_model"]) == ["gpt-4o-mini"]
    until = json.loads(
        runner.invoke(main, ["audit", log, "--format", "json", "--until", "2026-11-19"]).stdout
    )
    assert until["requests"] == 1 and list(until["by_model"]) == ["claude-sonnet-4-5"]
    tagged = json.loads(
        runner.invoke(main, ["audit", log, "--format", "json", "--tag", "chat"]).stdout
    )
    assert tagged["total_cost_usd"] == pytest.approx(0.0045)


def test_text_report_on_the_example_log() -> None:
    result = CliRunner().invoke(main, ["audit", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for expected in (
        "[PC101]",
        "[PC102]",
        "[PC103]",
        "[PC105]",
        "What-if savings",
        "sample.jsonl:45",
    ):
        assert expected in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["audit", "/nonexistent/log.jsonl"], "cannot read /nonexistent/log.jsonl"),
        (["audit", "."], "is a directory"),
        (["audit", str(SAMPLE), "--pricing", "/nonexistent/p.json"], "cannot read pricing file"),
        (["audit", str(SAMPLE), "--since", "last week"], "--since 'last week' is not a date"),
        (["audit", str(SAMPLE), "--html", "/nonexistent/dir/r.html"], "cannot write"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_html_file_is_self_contained(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["audit", str(SAMPLE), "--html", str(page)])
    assert result.exit_code == 0
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>")
    for external in ("http://", "https://", "src=", "href=", "@import", "url("):
        assert external not in html


def test_installed_console_script_and_stable_family_ids() -> None:
    script = Path(sys.executable).parent / "promptcop"
    if not script.exists():
        pytest.skip("promptcop console script not installed next to this interpreter")
    reports = []
    # Family ids must not depend on Python's per-process string hashing.
    for seed in ("1", "2"):
        done = subprocess.run(
            [str(script), "audit", str(SAMPLE), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr
        reports.append(json.loads(done.stdout))
    assert reports[0]["requests"] == 44 and len(reports[0]["skipped_lines"]) == 2
    assert [f["id"] for f in reports[0]["families"]] == [f["id"] for f in reports[1]["families"]]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from promptcop.audit import command

    log = tmp_path / "big.jsonl"
    log.write_bytes(b"x" * 4096)
    monkeypatch.setattr(command, "_PROGRESS_MIN_BYTES", 1024)
    monkeypatch.setattr(command, "_PROGRESS_STEP", 1024)
    tty = _Tty()
    monkeypatch.setattr(command.sys, "stderr", tty)
    with command._progress([str(log)]) as advance:
        assert advance is not None
        for _ in range(4):
            advance(1024)
    assert "reading logs" in tty.getvalue() and "100%" in tty.getvalue()
    monkeypatch.setattr(command.sys, "stderr", io.StringIO())  # not a terminal
    with command._progress([str(log)]) as advance:
        assert advance is None


def test_standard_input(tmp_path: Path) -> None:
    text = _log(tmp_path).read_text()
    result = CliRunner().invoke(main, ["audit", "-", "--format", "json"], input=text)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["requests"] == 2
    assert report["skipped_lines"][0]["path"] == "-" and report["skipped_lines"][0]["line"] == 3
