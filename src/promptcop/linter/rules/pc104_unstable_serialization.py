"""PC104 unstable-serialization: data with no fixed order serialised into the prefix."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from promptcop.linter.context import RuleContext
from promptcop.linter.flow import call_name, dotted, index_of, last_part
from promptcop.linter.model import Finding, Severity
from promptcop.linter.parse import ParsedModule
from promptcop.linter.request import Dyn, Map, Part, Request, Seq, Unordered, Value, atoms

CODE = "PC104"
NAME = "unstable-serialization"
SEVERITY: Severity = "warning"
FIX = None
SUMMARY = "Order-unstable data (a set, an unsorted listing) serialised into the cacheable prefix"
DOC = """
## What it does
Finds text in the cacheable prefix (tools, system, and messages before the
last turn or a breakpoint) produced by serialising data whose order is not
fixed: `json.dumps` of a dict or list built from a `set` or from
`os.listdir`/`glob`/`Path.iterdir` without `sort_keys=True` or `sorted()`,
`str()`/`repr()`/an f-string of a set, `", ".join(a_set)`.

## Why is this bad?
The cache key is the exact bytes of the prefix (API_FACTS.md 1.11). String
sets iterate in a different order in every process (hash randomisation) and
directory listings follow the file system, so the same data serialises to
different text after a restart or on another machine: every breakpoint at or
after it misses, and the whole prefix is written again at 1.25x the input
price instead of read at 0.1x (API_FACTS.md 1.5). OpenAI's automatic cache
misses the same way (API_FACTS.md 3.2).

## Example
```python
SCHEMA = json.dumps({name: "string" for name in {"city", "date", "guests"}})
system = f"Reply with JSON matching {SCHEMA}. Known tags: {TAGS}"  # TAGS is a set
```

## Use instead
```python
SCHEMA = json.dumps({name: "string" for name in sorted({"city", "date", "guests"})})
system = f"Reply with JSON matching {SCHEMA}. Known tags: {', '.join(sorted(TAGS))}"
```
or `json.dumps(data, sort_keys=True)`.

## Fix safety
No fix yet: sorting changes the text the model reads once (then it stays stable).

## Options
None.

## References
- API_FACTS.md 1.5, 1.11, 3.2
- https://platform.claude.com/docs/en/build-with-claude/prompt-caching
"""

VALID = [
    """
import json
import anthropic
client = anthropic.Anthropic()
TAGS = {"billing", "refund", "shipping"}
SCHEMA = json.dumps({t: "string" for t in TAGS}, sort_keys=True)

def ask(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6", max_tokens=300,
        system=f"Answer with JSON like {SCHEMA}. Tags: {', '.join(sorted(TAGS))}",
        messages=[{"role": "user", "content": q}],
    )
""",
]

INVALID = [
    """
import json
import anthropic
client = anthropic.Anthropic()
FIELDS = {"city", "date", "guests"}
SCHEMA = json.dumps({f: "string" for f in FIELDS})  # expect: PC104

def ask(q: str):
    return client.messages.create(
        model="claude-sonnet-4-6", max_tokens=300,
        system="Reply with JSON matching " + SCHEMA,
        messages=[{"role": "user", "content": q}],
    )
""",
    """
from openai import AsyncOpenAI
client = AsyncOpenAI()
TAGS = frozenset(["billing", "refund", "shipping"])

def tag_prompt() -> str:
    return f"Pick one tag from: {TAGS}"  # expect: PC104

async def tag(text: str):
    return await client.responses.create(
        model="gpt-4.1", max_output_tokens=20,
        instructions=tag_prompt(), input=text,
    )
""",
]


def check(ctx: RuleContext) -> Iterator[Finding]:
    for request in ctx.requests:
        for part in request.prefix_parts():
            for atom in atoms(part.value):
                if isinstance(atom, Dyn) and atom.category == "unordered":
                    yield _finding(ctx, request, part, atom)
            for unordered in _nested(part.value, top=True):
                yield _nested_finding(ctx, request, part, unordered)


def _nested(value: Value, *, top: bool) -> Iterator[Unordered]:
    """Collections with no fixed order inside a part (``"enum": list(CATEGORIES)`` in a
    tool schema). The part itself out of order is PC103's business, not this rule's."""
    if isinstance(value, (Seq, Map)):
        if value.unordered is not None and not top:
            yield value.unordered
            return
        children = value.items if isinstance(value, Seq) else tuple(v for _, v in value.entries)
        for child in children:
            yield from _nested(child, top=False)


def _nested_finding(ctx: RuleContext, request: Request, part: Part, u: Unordered) -> Finding:
    return ctx.finding(
        code=CODE,
        name=NAME,
        severity=SEVERITY,
        message=(
            f"{u.source} is serialised into {part.label} in no fixed order: the request "
            "text can change between processes and then every call misses the cache; "
            "wrap it in sorted()"
        ),
        node=u.node,
        module=u.module,
        site=request.site,
    )


def _finding(ctx: RuleContext, request: Request, part: Part, atom: Dyn) -> Finding:
    """Point at the serialising expression, in whichever module of the tree makes it
    (RULES.md); the sending call is the related location."""
    origin = atom.origin
    modules = [ctx.parsed] + ([origin.module] if origin and origin.module is not ctx.parsed else [])
    node: cst.CSTNode | None = None
    module = ctx.parsed
    for module in modules:
        node = _serialisation(module, atom.what, request.call)
        if node is not None:
            break
    if node is None:
        module = origin.module if origin is not None else ctx.parsed
        node = origin.node if origin is not None else (part.node or request.call)
    detail = f" ({atom.detail})" if atom.detail else ""
    return ctx.finding(
        code=CODE,
        name=NAME,
        severity=SEVERITY,
        message=(
            f"`{atom.what}`{detail} reaches {part.section} in the cacheable prefix: its text "
            "can change between processes and then every call misses the cache; sort the "
            "data (sorted(), sort_keys=True) before serialising it"
        ),
        node=node,
        module=module,
        site=request.site,
    )


def _serialisation(module: ParsedModule, what: str, call: cst.Call) -> cst.CSTNode | None:
    """The expression of ``module`` that serialises the data (``json.dumps(...)``,
    ``{TAGS}`` in an f-string): the place to add ``sorted``/``sort_keys``."""
    index = index_of(module.module)
    method = last_part(what.split("(", 1)[0].strip()) if "(" in what else None
    found: list[cst.CSTNode] = []
    for node in index.all_nodes:
        # Compare names first: rendering code is costly, so only likely nodes are rendered.
        if isinstance(node, cst.Call):
            if last_part(call_name(node)) == method and module.code_for_node(node) == what:
                found.append(node)
        elif isinstance(node, cst.FormattedStringExpression) and (
            dotted(node.expression) == what or module.code_for_node(node.expression) == what
        ):
            found.append(node)
    inside = [n for n in found if any(a is call for a in index.ancestors(n))]
    best = inside or found
    return best[0] if best else None
