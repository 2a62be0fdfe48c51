"""PC106 missing-cache-control: a long static prefix sent without any cache breakpoint."""

from __future__ import annotations

from collections.abc import Iterator

from promptcop.linter.cache_prefix import (
    anthropic_requests,
    breakpoints,
    minimum_for,
    prefix_tokens,
    prefix_upper_bound,
    static_prefix,
    surely_reaches,
)
from promptcop.linter.context import RuleContext
from promptcop.linter.model import Finding, Severity
from promptcop.linter.request import Request

CODE = "PC106"
NAME = "missing-cache-control"
SEVERITY: Severity = "warning"
FIX = None
SUMMARY = "Anthropic request whose static prefix is cacheable but has no cache_control"
DOC = """
## What it does
Measures the static prefix of an Anthropic request (tools, system and the
static leading messages, in API order) with promptcop's offline tokenizer and
reports the call when that prefix reaches the model's minimum cacheable
length but the request carries no `cache_control` at all, neither on a block
nor top-level.

## Why is this bad?
Anthropic caches nothing unless asked (API_FACTS.md 1.3). Every call pays
the full input price for the same static tokens, where a cache read costs
0.1x (API_FACTS.md 1.5): on a 3,000-token system prompt sent 10,000 times a
day to Sonnet ($3/MTok) that is $90 a day instead of about $9. A model the
facts table does not know is held to the strictest known minimum
(API_FACTS.md 1.A), and a prefix within 10% of the minimum is not reported
(offline Claude counts are estimates, API_FACTS.md 2.9), so the rule only
speaks when caching surely applies.

## Example
```python
client.messages.create(model="claude-sonnet-4-6", max_tokens=400,
                       system=HANDBOOK, messages=[{"role": "user", "content": q}])
```

## Use instead
```python
client.messages.create(
    model="claude-sonnet-4-6", max_tokens=400,
    system=[{"type": "text", "text": HANDBOOK, "cache_control": {"type": "ephemeral"}}],
    messages=[{"role": "user", "content": q}],
)
```
or one top-level `cache_control={"type": "ephemeral"}` (automatic caching).

## Fix safety
No fix: where the breakpoint belongs depends on which parts change between calls.

## Options
Minimums come from the dated facts table (`promptcop.facts`).

## References
- API_FACTS.md 1.3, 1.5, 1.A
- https://platform.claude.com/docs/en/build-with-claude/prompt-caching
"""

_HANDBOOK = "Cite the handbook section, stay polite and keep answers under eighty words. "

VALID = [
    f"""
import anthropic
client = anthropic.Anthropic()
HANDBOOK = {_HANDBOOK!r} * 200

def answer(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6", max_tokens=400,
        system=[{{"type": "text", "text": HANDBOOK, "cache_control": {{"type": "ephemeral"}}}}],
        messages=[{{"role": "user", "content": q}}],
    )
""",
    # automatic caching: one top-level marker
    f"""
import anthropic
client = anthropic.Anthropic()
HANDBOOK = {_HANDBOOK!r} * 200

def answer(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6", max_tokens=400, system=HANDBOOK,
        cache_control={{"type": "ephemeral"}},
        messages=[{{"role": "user", "content": q}}],
    )
""",
    # short prompt: below every minimum
    """
import anthropic
client = anthropic.Anthropic()

def answer(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6", max_tokens=400, system="Be brief.",
        messages=[{"role": "user", "content": q}],
    )
""",
    # OpenAI caches automatically (API_FACTS.md 3.1)
    f"""
from openai import OpenAI
client = OpenAI()
HANDBOOK = {_HANDBOOK!r} * 200

def answer(q: str):
    return client.chat.completions.create(
        model="gpt-4.1", max_tokens=400,
        messages=[{{"role": "system", "content": HANDBOOK}}, {{"role": "user", "content": q}}],
    )
""",
]

INVALID = [
    f"""
import anthropic
client = anthropic.Anthropic()
HANDBOOK = {_HANDBOOK!r} * 200

def answer(q: str):
    return client.messages.create(  # expect: PC106
        model="claude-sonnet-4-6", max_tokens=400, system=HANDBOOK,
        messages=[{{"role": "user", "content": q}}],
    )
""",
    f"""
from anthropic import AsyncAnthropic
HANDBOOK = {_HANDBOOK!r} * 200

class Desk:
    def __init__(self) -> None:
        self.client = AsyncAnthropic()

    async def answer(self, q: str):
        return await self.client.messages.create(  # expect: PC106
            model="claude-haiku-4-5", max_tokens=400,
            system=[{{"type": "text", "text": HANDBOOK * 2}}],
            messages=[{{"role": "user", "content": q}}],
        )
""",
]


def check(ctx: RuleContext) -> Iterator[Finding]:
    for request in anthropic_requests(ctx):
        if breakpoints(request) or request.unknown_kwargs:
            continue
        minimum = minimum_for(ctx, request)
        prefix = static_prefix(request)
        bound = prefix_upper_bound(request, prefix) if prefix else None
        if bound is not None and not surely_reaches(bound, minimum.tokens):
            continue  # even the most it could count is short: no tokenizer needed
        tokens = prefix_tokens(ctx, request, prefix) if prefix else None
        if tokens is None or not surely_reaches(tokens, minimum.tokens):
            continue
        how = f" ({minimum.note})" if minimum.note else ""
        sections = "/".join(dict.fromkeys(p.section for p in prefix))
        cost = _cost(ctx, request, tokens)
        yield ctx.finding(
            code=CODE,
            name=NAME,
            severity=SEVERITY,
            message=(
                f"static prefix of about {tokens} tokens ({sections}) reaches the "
                f"{minimum.tokens}-token cache minimum of {minimum.model}{how} but the request "
                f"has no cache_control: every call pays full input price for it{cost}"
                "; mark the last static block with cache_control"
            ),
            node=request.call,
            site=request.site,
        )


def _cost(ctx: RuleContext, request: Request, tokens: int) -> str:
    """What caching would save per 1,000 calls, from the facts table's prices."""
    model = request.model_name
    if model is None:
        return ""
    try:
        facts = ctx.facts(model)
    except KeyError:
        return ""
    # Cache reads bill at the model's cache-read price instead of full input (API_FACTS.md 1.5).
    saved = tokens * (facts.input - facts.cache_read) / 1e6 * 1000
    return f" (about ${saved:.2f} per 1,000 calls that a cache hit would save)"
