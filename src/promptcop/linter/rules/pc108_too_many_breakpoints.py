"""PC108 too-many-breakpoints: more than four cache breakpoints in one request."""

from __future__ import annotations

from collections.abc import Iterator

from promptcop.linter.cache_prefix import (
    MAX_BREAKPOINTS,
    anthropic_requests,
    breakpoints,
    marker_site,
)
from promptcop.linter.context import RuleContext
from promptcop.linter.model import Finding, Severity

CODE = "PC108"
NAME = "too-many-breakpoints"
SEVERITY: Severity = "error"
FIX = None
SUMMARY = "More than 4 `cache_control` breakpoints in one request: the API rejects it"
DOC = """
## What it does
Counts the `cache_control` breakpoints of one Anthropic request across tools,
system and messages (in that order), plus a top-level `cache_control`
(automatic caching), and reports each breakpoint past the fourth.

## Why is this bad?
A request may carry at most 4 cache breakpoints; a fifth makes the API answer
HTTP 400 (API_FACTS.md 1.7), so the call fails every time. Extra breakpoints
buy nothing either: one breakpoint already caches everything before it
(API_FACTS.md 1.4).

## Example
```python
system=[{"type": "text", "text": t, "cache_control": EPH} for t in (A, B, C, D, E)]
```

## Use instead
One breakpoint at the end of the static prefix, or one per part that changes
at its own rate, four at most:
```python
system=[{"type": "text", "text": A + B + C + D + E, "cache_control": EPH}]
```

## Fix safety
No fix: which breakpoints to keep depends on how often each part changes.

## Options
None.

## References
- API_FACTS.md 1.3, 1.4, 1.7
- https://platform.claude.com/docs/en/build-with-claude/prompt-caching
"""

VALID = [
    """
import anthropic
client = anthropic.Anthropic()
EPH = {"type": "ephemeral"}

def ask(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=500,
        tools=[{"name": "t", "description": "d", "input_schema": {}, "cache_control": EPH}],
        system=[
            {"type": "text", "text": "A", "cache_control": EPH},
            {"type": "text", "text": "B", "cache_control": EPH},
        ],
        messages=[{"role": "user", "content": [
            {"type": "text", "text": q, "cache_control": EPH}]}],
    )
""",
]

INVALID = [
    # One helper writes every breakpoint: the finding is on the fifth use of it.
    """
import anthropic
client = anthropic.Anthropic()
def block(text, ttl="5m"):
    return {"type": "text", "text": text, "cache_control": {"type": "ephemeral", "ttl": ttl}}
def ask(guide, faq, catalog, policy, notes, q):
    return client.messages.create(
        model="claude-sonnet-4-6", max_tokens=100,
        system=[block(guide, "1h"), block(faq, "1h"), block(catalog), block(policy)],
        messages=[{"role": "user", "content": [
            block(notes),  # expect: PC108
            {"type": "text", "text": q}]}])
""",
    """
import anthropic as ac
EPH = {"type": "ephemeral"}

class Bot:
    def __init__(self) -> None:
        self.client = ac.AsyncAnthropic()

    async def ask(self, q: str):
        return await self.client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=500,
            system=[
                {"type": "text", "text": "A", "cache_control": EPH},
                {"type": "text", "text": "B", "cache_control": EPH},
                {"type": "text", "text": "C", "cache_control": EPH},
                {"type": "text", "text": "D", "cache_control": EPH},
            ],
            messages=[{"role": "user", "content": [
                {"type": "text", "text": q, "cache_control": EPH}]}],  # expect: PC108
        )
""",
    """
import anthropic
client = anthropic.Anthropic()
EPH = {"type": "ephemeral", "ttl": "1h"}
DOCS = "Reference. " * 50

def ask(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=500,
        tools=[
            {"name": "a", "description": DOCS, "input_schema": {}, "cache_control": EPH},
            {"name": "b", "description": DOCS, "input_schema": {}, "cache_control": EPH},
        ],
        system=[
            {"type": "text", "text": DOCS, "cache_control": EPH},
            {"type": "text", "text": DOCS, "cache_control": EPH},
        ],
        cache_control={"type": "ephemeral"},  # expect: PC108
        messages=[{"role": "user", "content": q}],
    )
""",
]


def check(ctx: RuleContext) -> Iterator[Finding]:
    for request in anthropic_requests(ctx):
        points = breakpoints(request)
        reported: set[int] = set()
        for number, bp in enumerate(points[MAX_BREAKPOINTS:], start=MAX_BREAKPOINTS + 1):
            node, module = marker_site(ctx, request, bp)
            if id(node) in reported:
                continue  # one finding per expression, even when it writes several breakpoints
            reported.add(id(node))
            where = bp.part.label if bp.part is not None else "the top-level cache_control"
            yield ctx.finding(
                code=CODE,
                name=NAME,
                severity=SEVERITY,
                message=(
                    f"breakpoint {number} of {len(points)} ({where}) in {request.method}: "
                    f"a request may carry at most {MAX_BREAKPOINTS} cache_control "
                    "breakpoints and the API rejects it with HTTP 400; drop or merge some"
                ),
                node=node,
                module=module,
                site=request.site,
            )
