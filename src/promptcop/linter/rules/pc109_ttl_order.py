"""PC109 ttl-order: a 1h cache breakpoint after a 5m (or default) one."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from promptcop.linter.cache_prefix import (
    Breakpoint,
    anthropic_requests,
    breakpoints,
    marker_site,
)
from promptcop.linter.context import RuleContext
from promptcop.linter.model import Edit, Finding, Fix, Severity
from promptcop.linter.request import Request, is_static
from promptcop.linter.rules import Invalid

CODE = "PC109"
NAME = "ttl-order"
SEVERITY: Severity = "error"
FIX = "unsafe"
SUMMARY = "A 1h cache breakpoint placed after a 5m (default) one in the same request"
DOC = """
## What it does
Walks a request's `cache_control` breakpoints in API order (tools, system,
messages, then a top-level one) and reports a `"ttl": "1h"` breakpoint that
comes after a `"5m"` or TTL-less (default 5m) breakpoint.

## Why is this bad?
When TTLs are mixed, longer-TTL breakpoints must come before shorter ones
(API_FACTS.md 1.9); Bedrock rejects the request outright. Even where it is
accepted, the 1h entry sits behind a prefix that expires after 5 minutes, so
you pay the 2x 1h write price (API_FACTS.md 1.5) for an entry that cannot
outlive the 5m one in front of it.

## Example
```python
system=[
    {"type": "text", "text": DOCS, "cache_control": {"type": "ephemeral"}},
    {"type": "text", "text": STYLE, "cache_control": {"type": "ephemeral", "ttl": "1h"}},
]
```

## Use instead
```python
system=[
    {"type": "text", "text": STYLE, "cache_control": {"type": "ephemeral", "ttl": "1h"}},
    {"type": "text", "text": DOCS, "cache_control": {"type": "ephemeral"}},
]
```

## Fix safety
Unsafe: the fix moves each 1h-marked group of static blocks (the block and
the unmarked blocks before it) ahead of the 5m groups of the same list. It
is offered only when all the blocks are static and in one `system` or
`tools` list; it changes the order the model reads them in.

## Options
None.

## References
- API_FACTS.md 1.2, 1.5, 1.9
- https://platform.claude.com/docs/en/build-with-claude/prompt-caching
"""

VALID = [
    """
import anthropic
client = anthropic.Anthropic()

def ask(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=500,
        system=[
            {"type": "text", "text": "A", "cache_control": {"type": "ephemeral", "ttl": "1h"}},
            {"type": "text", "text": "B", "cache_control": {"type": "ephemeral"}},
        ],
        messages=[{"role": "user", "content": q}],
    )
""",
]

INVALID = [
    Invalid(
        """
import anthropic
client = anthropic.Anthropic()
FIVE = {"type": "ephemeral", "ttl": "5m"}
HOUR = {"type": "ephemeral", "ttl": "1h"}

def ask(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=500,
        system=[
            {"type": "text", "text": "A", "cache_control": FIVE},
            {"type": "text", "text": "B"},
            {"type": "text", "text": "C", "cache_control": HOUR},  # expect: PC109
        ],
        messages=[{"role": "user", "content": q}],
    )
""",
        fixed="""
import anthropic
client = anthropic.Anthropic()
FIVE = {"type": "ephemeral", "ttl": "5m"}
HOUR = {"type": "ephemeral", "ttl": "1h"}

def ask(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=500,
        system=[
            {"type": "text", "text": "B"},
            {"type": "text", "text": "C", "cache_control": HOUR},
            {"type": "text", "text": "A", "cache_control": FIVE},  # expect: PC109
        ],
        messages=[{"role": "user", "content": q}],
    )
""",
    ),
    """
from openai import OpenAI
import anthropic
LONG = {"type": "ephemeral", "ttl": "1h"}

async def ask(client: anthropic.AsyncAnthropic, q: str, history: list):
    return await client.messages.create(
        model="claude-opus-4-5",
        max_tokens=500,
        tools=[{"name": "a", "description": "d", "input_schema": {},
                "cache_control": {"type": "ephemeral"}}],
        system=[{"type": "text", "text": "S", "cache_control": LONG}],  # expect: PC109
        messages=history,
    )
""",
]


def check(ctx: RuleContext) -> Iterator[Finding]:
    for request in anthropic_requests(ctx):
        points = breakpoints(request)
        short: Breakpoint | None = None
        for bp in points:
            if bp.ttl == "5m" and short is None:
                short = bp
            elif bp.ttl == "1h" and short is not None:
                node, module = marker_site(ctx, request, bp)
                first = short.part.label if short.part is not None else "top-level"
                here = bp.part.label if bp.part is not None else "the top-level cache_control"
                yield ctx.finding(
                    code=CODE,
                    name=NAME,
                    severity=SEVERITY,
                    message=(
                        f"1h breakpoint on {here} comes after the 5m breakpoint on {first}: "
                        "longer TTLs must come first (Bedrock rejects this order) and the "
                        "1h write (2x input price) sits behind a prefix that expires in 5m"
                    ),
                    node=node,
                    module=module,
                    site=request.site,
                    fix=_reorder(ctx, request, points),
                )


def _reorder(ctx: RuleContext, request: Request, points: list[Breakpoint]) -> Fix | None:
    """Move 1h groups before 5m groups when every block is static and in one list."""
    nodes = [bp.part.node if bp.part else None for bp in points]
    if any(n is None for n in nodes) or not nodes:
        return None
    owners = {id(_grandparent(ctx, n)) for n in nodes if n is not None}
    listing = _grandparent(ctx, nodes[0]) if nodes[0] is not None else None
    if len(owners) != 1 or not isinstance(listing, cst.List):
        return None
    if any(bp.ttl is None for bp in points):
        return None
    parts = {id(p.node): p for p in request.parts if p.node is not None}
    groups: list[tuple[int, list[cst.BaseElement]]] = []
    current: list[cst.BaseElement] = []
    for el in listing.elements:
        part = parts.get(id(el.value))
        if part is None or not is_static(part.value) or part.section not in ("system", "tools"):
            return None
        current.append(el)
        if part.cache_control is not None:
            groups.append((0 if part.cache_control.ttl == "1h" else 1, current))
            current = []
    ordered = [el for _, group in sorted(groups, key=lambda g: g[0]) for el in group] + current
    # One edit per moved element, with the element's original source text: commas,
    # comments and indentation stay where they are.
    edits = tuple(
        Edit(ctx.location(old.value), _source(ctx, new.value))
        for old, new in zip(listing.elements, ordered, strict=True)
        if old is not new
    )
    return Fix(
        message="move the 1h-TTL blocks ahead of the 5m ones",
        applicability="unsafe",
        edits=edits,
    )


def _grandparent(ctx: RuleContext, node: cst.CSTNode) -> cst.CSTNode | None:
    element = ctx.parent(node)
    return ctx.parent(element) if element is not None else None


def _source(ctx: RuleContext, node: cst.CSTNode) -> str:
    """The exact source text of ``node`` (continuation lines keep their indentation)."""
    loc = ctx.location(node)
    lines = ctx.parsed.source.splitlines(keepends=True)[loc.line - 1 : loc.end_line]
    if loc.line == loc.end_line:
        return lines[0][loc.column - 1 : loc.end_column - 1]
    return lines[0][loc.column - 1 :] + "".join(lines[1:-1]) + lines[-1][: loc.end_column - 1]
