"""Code written for a newer Python than the one running promptcop is still linted.

The engine screens files with CPython's own parser for speed; on 3.11 that
parser rejects PEP 701 f-strings (quotes reused inside), which libcst reads.
"""

from __future__ import annotations

import sys

import pytest

from promptcop.config import Settings
from promptcop.linter.engine import lint_source

PEP_701 = """
from datetime import datetime

import anthropic

client = anthropic.Anthropic()


def ask(q, user):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=100,
        system=f"Now {datetime.now().strftime("%H:%M")} for {user["name"]}",
        messages=[{"role": "user", "content": q}],
    )
"""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the running parser accepts PEP 701")
def test_pep_701_fstrings_are_linted_on_an_older_interpreter() -> None:
    result = lint_source("app.py", PEP_701, Settings())
    assert result.error is None
    assert [(f.code, f.location.line) for f in result.findings] == [("PC101", 13)]


def test_a_real_syntax_error_is_still_an_error_entry() -> None:
    result = lint_source("bad.py", "import anthropic\ndef broken(:\n    pass\n", Settings())
    assert result.findings == ()
    assert result.error is not None
    assert "syntax error" in result.error.message
