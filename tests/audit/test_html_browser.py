"""The --html page in a real headless Chromium: no console messages, the charts are drawn.

Needs Debian's ``chromium`` (CI installs it, see .ci/run); skipped only when no
browser binary exists.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptcop.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "logs" / "sample.jsonl"
BROWSER = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no chromium binary on PATH")


def _load(page: Path, profile: Path, *extra: str) -> tuple[str, list[str]]:
    """(DOM after scripts ran, console messages) of ``page`` in headless Chromium."""
    assert BROWSER is not None
    done = subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def _report(tmp_path: Path) -> Path:
    page = tmp_path / "audit.html"
    result = CliRunner().invoke(main, ["audit", str(SAMPLE), "--html", str(page)])
    assert result.exit_code == 0, result.output
    return page


def test_page_loads_clean_and_draws_the_charts(tmp_path: Path) -> None:
    page = _report(tmp_path)
    dom, console = _load(page, tmp_path / "profile", "--dump-dom")
    assert console == []
    assert 'data-ready="1"' in dom  # the inline script ran to the end
    for chart in ("chart-time", "chart-models", "chart-families"):
        match = re.search(rf'<svg id="{chart}".*?</svg>', dom, re.S)
        assert match is not None, chart
        assert match.group(0).count('class="bar"') >= 2, chart


def test_console_errors_would_be_caught(tmp_path: Path) -> None:
    # The check above must be able to fail: a page with a script error shows up.
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><body><script>notDefined();</script></body>")
    _, console = _load(page, tmp_path / "profile", "--dump-dom")
    assert any("Uncaught ReferenceError" in line for line in console)


def test_screenshot(tmp_path: Path) -> None:
    page = _report(tmp_path)
    shot = tmp_path / "audit.png"
    _, console = _load(
        page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2000"
    )
    assert console == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
