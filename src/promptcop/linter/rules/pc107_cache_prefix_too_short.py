"""PC107 cache-prefix-too-short: a breakpoint whose prefix is below the model's minimum."""

from __future__ import annotations

from collections.abc import Iterator

from promptcop.linter.cache_prefix import (
    Breakpoint,
    anthropic_requests,
    breakpoints,
    marker_node,
    marker_site,
    minimum_for,
    prefix_tokens,
    surely_below,
)
from promptcop.linter.context import RuleContext
from promptcop.linter.model import Finding, Severity

CODE = "PC107"
NAME = "cache-prefix-too-short"
SEVERITY: Severity = "warning"
FIX = None
SUMMARY = "A cache_control breakpoint whose prefix is shorter than the model's minimum"
DOC = """
## What it does
For each `cache_control` breakpoint of an Anthropic request whose prefix
(tools, then system, then messages up to and including the marked block) is
fully static, counts its tokens with promptcop's offline tokenizer (tool
definitions serialised as the API receives them) and reports the breakpoint
when the prefix is shorter than the model's minimum cacheable length.

## Why is this bad?
Below the minimum (1024 tokens for Sonnet 4.x, 2048 for Haiku 3.x, 4096 for
Opus 4.5/4.6 and Haiku 4.5; API_FACTS.md 1.A) nothing is cached and the API
returns no error (API_FACTS.md 1.10): the marker promises a 0.1x cache read
(API_FACTS.md 1.5) that never happens, and readers of the code believe the
prompt is cached. A model the facts table does not know is held to the
strictest known minimum, and the message says so. Offline Claude counts are
estimates (API_FACTS.md 2.9, 6.5), so a prefix within 10% of the minimum is
not reported.

## Example
```python
system=[{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}]
```

## Use instead
Put the breakpoint after enough static content (tools, long instructions,
reference documents) to reach the minimum, or drop it.

## Fix safety
No fix: what to add to the prefix, or whether to drop the marker, is a design choice.

## Options
Minimums come from the dated facts table (`promptcop.facts`), which a
pricing override file can correct.

## References
- API_FACTS.md 1.4, 1.5, 1.10, 1.A
- https://platform.claude.com/docs/en/build-with-claude/prompt-caching
"""

VALID = [
    """
import anthropic
client = anthropic.Anthropic()
POLICY = "Refunds are limited to the order value and need a receipt. " * 200

def ask(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=500,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": q}],
    )
""",
    # the prefix holds per-request text: its length is not known statically
    """
import anthropic
client = anthropic.Anthropic()

def ask(profile: str, q: str):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=500,
        system=[{"type": "text", "text": profile, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": q}],
    )
""",
]

INVALID = [
    """
import anthropic
client = anthropic.Anthropic()

def ask(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=500,
        system=[{
            "type": "text",
            "text": "You are a terse assistant.",
            "cache_control": {"type": "ephemeral"},  # expect: PC107
        }],
        messages=[{"role": "user", "content": q}],
    )
""",
    # 2,000 tokens would do for Sonnet, not for Opus 4.5 (4096, API_FACTS.md 1.A)
    """
from anthropic import AsyncAnthropic as Client
RULES = "Answer briefly and cite the handbook section you used. " * 150

class Agent:
    def __init__(self) -> None:
        self.llm = Client()

    async def run(self, q: str):
        return await self.llm.messages.create(
            model="claude-opus-4-5",
            max_tokens=500,
            system=[{"type": "text", "text": RULES,
                     "cache_control": {"type": "ephemeral"}}],  # expect: PC107
            messages=[{"role": "user", "content": q}],
        )
""",
]


def check(ctx: RuleContext) -> Iterator[Finding]:
    for request in anthropic_requests(ctx):
        minimum = minimum_for(ctx, request)
        # Breakpoints written by one expression (a comprehension) get one finding:
        # the longest of their prefixes.
        short: dict[int, tuple[Breakpoint, int]] = {}
        for bp in breakpoints(request):
            tokens = prefix_tokens(ctx, request, request.parts[: bp.index + 1])
            if tokens is not None and surely_below(tokens, minimum.tokens):
                short[id(marker_node(ctx, request, bp))] = (bp, tokens)
        for bp, tokens in short.values():
            node, module = marker_site(ctx, request, bp)
            how = f" ({minimum.note})" if minimum.note else ""
            where = bp.part.label if bp.part is not None else "the last block"
            yield ctx.finding(
                code=CODE,
                name=NAME,
                severity=SEVERITY,
                message=(
                    f"cache breakpoint on {where} closes a prefix of about {tokens} tokens, "
                    f"below the {minimum.tokens}-token minimum of {minimum.model}{how}: "
                    "nothing is cached and no error is returned; lengthen the static "
                    "prefix or drop the marker"
                ),
                node=node,
                module=module,
                site=request.site,
            )
