"""The tokenizer-free bound PC106 uses to skip counting must never undercount.

If it did, PC106 would stay silent on a prefix the real count puts over the
minimum. The bound rests on two facts (a BPE token is at least one byte; the
calibrated Claude model grows with the cl100k count), checked here against
the count itself on texts unlike each other.
"""

from __future__ import annotations

import pytest

from promptcop.config import Settings
from promptcop.linter.cache_prefix import prefix_tokens, prefix_upper_bound, static_prefix
from promptcop.linter.context import RuleContext

from .helpers import resolver_for

TEXTS = [
    "You are a careful assistant. Answer briefly and cite the handbook. " * 40,
    "def f(x):\n    return x * 2  # DOUBLE_IT\n" * 60,
    '{"id": 12345, "NAME": "ALPHA_BETA", "values": [1, 2, 3, 4.5e-7]}\n' * 50,
    "Réponds en français, sans détour. Привет, мир! 你好\uff0c世界\u3002" * 30,
    "\n\n   \t\t  \n" * 100,
    "ZZZZZZZZZZ 0000000000 ~~~~~~~~~~ " * 80,
    "",
]


def _context(source: str) -> RuleContext:
    resolver = resolver_for(source)
    from promptcop.linter.sites import find_requests

    requests = find_requests(resolver)
    return RuleContext(
        path="mod.py",
        parsed=resolver.info.parsed,
        settings=Settings(),
        requests=requests,
        resolver=resolver,
    )


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "claude-opus-4-7", "claude-sonnet-5"])
def test_upper_bound_is_never_below_the_count(text: str, model: str) -> None:
    source = (
        "import anthropic\n"
        "client = anthropic.Anthropic()\n"
        f"SYSTEM = {text!r}\n"
        f"FIRST = {text[::-1]!r}\n"
        "def ask(q):\n"
        f"    return client.messages.create(model={model!r}, max_tokens=5, system=SYSTEM,\n"
        "        messages=[{'role': 'user', 'content': FIRST},\n"
        "                  {'role': 'assistant', 'content': 'ok'},\n"
        "                  {'role': 'user', 'content': q}])\n"
    )
    ctx = _context(source)
    (request,) = ctx.requests
    prefix = static_prefix(request)
    assert len(prefix) >= 2  # system and the first message, at least
    bound = prefix_upper_bound(request, prefix)
    counted = prefix_tokens(ctx, request, prefix)
    assert bound is not None and counted is not None
    assert counted <= bound


def test_no_bound_with_tools() -> None:
    ctx = _context(
        "import anthropic\n"
        "client = anthropic.Anthropic()\n"
        "TOOLS = [{'name': 'f', 'description': 'd', 'input_schema': {'type': 'object'}}]\n"
        "client.messages.create(model='claude-haiku-4-5', max_tokens=5, tools=TOOLS,\n"
        "    system='hi', messages=[{'role': 'user', 'content': 'x'}])\n"
    )
    (request,) = ctx.requests
    assert prefix_upper_bound(request, static_prefix(request)) is None
