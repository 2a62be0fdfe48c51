"""The cacheable prefix of an Anthropic request: breakpoints, TTLs, static length.

PC106, PC107, PC108 and PC109 all read the request the way the API does:
tools, then system, then messages (API_FACTS.md 1.4), with explicit
``cache_control`` breakpoints on blocks and an optional top-level one
(automatic caching, API_FACTS.md 1.3) that lands on the last cacheable block.
Token counts come from :mod:`promptcop.tokens` (offline tiktoken with the
Claude calibration), tool definitions serialised as JSON the way the API
receives them; never from a character guess.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from promptcop.facts import default_table, family_of
from promptcop.linter.context import RuleContext
from promptcop.linter.flow import index_of
from promptcop.linter.parse import ParsedModule
from promptcop.linter.request import (
    CacheControl,
    Const,
    Map,
    Part,
    Request,
    Seq,
    Text,
    Value,
)

# The TTL a breakpoint gets when it names none (API_FACTS.md 1.2).
DEFAULT_TTL = "5m"
# Explicit breakpoints one request may carry (API_FACTS.md 1.7).
MAX_BREAKPOINTS = 4
# Offline Claude counts are calibrated estimates (no public tokenizer, API_FACTS.md
# 2.9; cl100k undercounts by ~13 %, 6.5): a length this close to a minimum is too
# close to call, so the rules keep quiet inside this relative margin.
ESTIMATE_MARGIN = 0.10


def surely_below(tokens: int, minimum: int) -> bool:
    return tokens < minimum * (1 - ESTIMATE_MARGIN)


def surely_reaches(tokens: int, minimum: int) -> bool:
    return tokens >= minimum * (1 + ESTIMATE_MARGIN)


@dataclass(frozen=True)
class Breakpoint:
    """A ``cache_control`` marker in API order; ``part`` is None for the top-level one."""

    marker: CacheControl
    part: Part | None
    index: int  # position of the marked part in ``request.parts`` (len(parts) for top-level)

    @property
    def ttl(self) -> str | None:
        """``"5m"``/``"1h"``; None when the TTL is written but not statically known."""
        if not self.marker.ttl_known:
            return None
        return self.marker.ttl or DEFAULT_TTL


@dataclass(frozen=True)
class Minimum:
    """The model's minimum cacheable prefix (API_FACTS.md 1.A) and how sure we are."""

    tokens: int
    model: str
    note: str  # "" when the model is in the facts table


def is_anthropic(request: Request) -> bool:
    """Requests that take ``cache_control``: Anthropic messages and batch entries."""
    if request.api in ("anthropic.messages", "anthropic.batch"):
        return True
    model = request.model_name or ""
    return request.provider == "litellm" and "claude" in model


def breakpoints(request: Request) -> list[Breakpoint]:
    """Explicit breakpoints in API order, then the top-level automatic one."""
    out = [
        Breakpoint(p.cache_control, p, i)
        for i, p in enumerate(request.parts)
        if p.cache_control is not None
    ]
    if request.cache_control is not None:
        out.append(Breakpoint(request.cache_control, None, len(request.parts)))
    return out


def minimum_for(ctx: RuleContext, request: Request) -> Minimum:
    """Minimum cacheable length of the request's model; the strictest known one when the
    model is not known statically (API_FACTS.md 1.A)."""
    model = request.model_name
    if model is None:
        strictest = default_table().strictest_anthropic_min_cacheable
        return Minimum(strictest, "an unknown model", "the strictest known minimum, model unknown")
    try:
        facts = ctx.facts(model)
    except KeyError:
        facts = None
    if facts is None or (facts.guessed and family_of(model) != facts.family):
        # Not even the family is known: a sibling's figure would be a blind guess.
        strictest = default_table().strictest_anthropic_min_cacheable
        return Minimum(strictest, model, "the strictest known minimum, model not in the table")
    return Minimum(facts.min_cacheable_tokens, model, facts.caveat if facts.guessed else "")


def plain(value: Value) -> object | None:
    """The Python data of a fully static value (for JSON serialisation), else None."""
    if isinstance(value, Text):
        return value.static_text
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Seq):
        if value.more is not None or value.unordered is not None:
            return None
        items = [plain(v) for v in value.items]
        return None if any(i is None for i in items) else items
    if isinstance(value, Map):
        if value.rest is not None or value.unordered is not None:
            return None
        entries = {k: plain(v) for k, v in value.entries if k != "cache_control"}
        return None if any(v is None for v in entries.values()) else entries
    return None


def part_text(part: Part) -> str | None:
    """The text a system/message part adds to the prompt, when static."""
    data = plain(part.value)
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        text = data.get("text", data.get("content"))
        if isinstance(text, str):
            return text
        if isinstance(text, list):
            return "".join(t.get("text", "") if isinstance(t, dict) else str(t) for t in text)
        return json.dumps(data, ensure_ascii=False)
    if isinstance(data, list):
        return "".join(str(i.get("text", "")) if isinstance(i, dict) else str(i) for i in data)
    return None


def prefix_tokens(ctx: RuleContext, request: Request, parts: tuple[Part, ...]) -> int | None:
    """Tokens of ``parts`` (a prefix of the request) when all are static, else None."""
    model = request.model_name or "claude-sonnet-4-6"
    tools: list[dict[str, object]] = []
    total = 0
    for part in parts:
        if part.repeated:
            return None
        if part.section in ("tools", "functions"):
            data = plain(part.value)
            if not isinstance(data, dict):
                return None
            tools.append(data)
            continue
        text = part_text(part)
        if text is None:
            return None
        total += ctx.count_tokens(text, model).tokens
    if tools:
        from promptcop.tokens import count_tools_for_model

        total += count_tools_for_model(tools, model, use_ctok=False)
    return total


def prefix_upper_bound(request: Request, parts: tuple[Part, ...]) -> int | None:
    """An upper bound of :func:`prefix_tokens` with no tokenizer loaded, or None.

    A BPE token is at least one byte, so cl100k tokens <= UTF-8 bytes. The Claude
    count is the calibrated model of ``tokens/claude.py``, increasing in the
    cl100k count (its cl100k coefficient is positive), so the model applied with
    cl100k := bytes bounds it from above. Tools (JSON plus framing) are not
    bounded here: None, count them.
    """
    from promptcop.tokens.claude import (
        CLAUDE_TEXT_MODEL,
        apply_text_model,
        claude_family,
        text_features,
    )

    coefficients = CLAUDE_TEXT_MODEL[claude_family(request.model_name or "claude-sonnet-4-6")]
    if coefficients[0] <= 0:
        return None  # not increasing in the cl100k count: no bound from bytes
    total = 0
    for part in parts:
        if part.repeated or part.section in ("tools", "functions"):
            return None
        text = part_text(part)
        if text is None:
            return None
        if text:
            size = len(text.encode("utf-8", "surrogatepass"))
            total += math.ceil(apply_text_model(coefficients, text_features(text, size)))
    return total


def static_prefix(request: Request) -> tuple[Part, ...]:
    """The leading parts that are fully static: tools, system, static leading messages."""
    out: list[Part] = []
    for part in request.parts:
        if part.repeated or plain(part.value) is None:
            break
        out.append(part)
    return tuple(out)


def marker_node(ctx: RuleContext, request: Request, bp: Breakpoint) -> cst.CSTNode:
    return marker_site(ctx, request, bp)[0]


def marker_site(
    ctx: RuleContext, request: Request, bp: Breakpoint
) -> tuple[cst.CSTNode, ParsedModule]:
    """Where to point at a breakpoint: the marker where it is written in its block (in
    this file or another module of the tree), else its block, else the call. A shared
    ``EPH = {"type": "ephemeral"}`` constant is not the place."""
    node, module = bp.marker.node, bp.marker.module
    origin = getattr(bp.marker.value, "origin", None)
    if node is None and origin is not None:  # a marker resolved from another module
        node, module = origin.node, origin.module
    if node is not None and _shared(request, bp, node) and bp.part is not None:
        # One helper (``def cached(t): return {..., "cache_control": EPH}``) writes
        # several breakpoints: its dict names none of them; the expression at the call
        # that made this block (``cached(summary)``) does.
        written = written_at_call(request, bp.part)
        if written is not None:
            return written, ctx.parsed
    if node is not None and module is not None:
        if module is ctx.parsed:
            owners = [request.call] + ([bp.part.node] if bp.part and bp.part.node else [])
            if any(_within(ctx, node, owner) for owner in owners):
                return node, module
        elif _written_in_block(module, node):
            return node, module
    part_node = bp.part.node if bp.part is not None else None
    if part_node is not None and index_of(ctx.module).position(part_node) >= 0:
        return part_node, ctx.parsed
    return request.call, ctx.parsed


def _shared(request: Request, bp: Breakpoint, node: cst.CSTNode) -> bool:
    """``node`` (a breakpoint's marker) also writes another breakpoint of the request."""
    for other in breakpoints(request):
        if other is bp or other.part is None or other.part is bp.part:
            continue
        marker = other.marker.node
        if marker is None:
            marker = getattr(getattr(other.marker.value, "origin", None), "node", None)
        if marker is node:
            return True
    return False


def written_at_call(request: Request, part: Part) -> cst.BaseExpression | None:
    """The expression inside the call's arguments that produces ``part``, found by
    following its label (``messages[0].content[1]``) through the displays written at
    the call; None when the walk cannot leave the keyword's own value (a name of a
    list built elsewhere identifies no single part)."""
    steps = _label_steps(part.label)
    if not steps or not isinstance(steps[0], str):
        return None
    arg = request.argument(steps[0])
    node = arg.node if arg is not None else None
    taken = 0
    for step in steps[1:]:
        if node is None:
            return None
        nxt = _step(node, step)
        if nxt is None:
            break
        node, taken = nxt, taken + 1
    return node if taken and node is not None else None


def _label_steps(label: str) -> list[str | int]:
    steps: list[str | int] = []
    for piece in label.replace("]", "").replace("[", ".").split("."):
        if piece.isdigit():
            steps.append(int(piece))
        elif piece:
            steps.append(piece)
    return steps


def _step(node: cst.BaseExpression, step: str | int) -> cst.BaseExpression | None:
    """One step down a display written in the source: an element or a dict value."""
    if isinstance(step, int) and isinstance(node, (cst.List, cst.Tuple)):
        elements = node.elements
        if step >= len(elements) or any(
            isinstance(e, cst.StarredElement) for e in elements[: step + 1]
        ):
            return None
        return elements[step].value
    if isinstance(step, str) and isinstance(node, cst.Dict):
        for element in node.elements:
            key = element.key if isinstance(element, cst.DictElement) else None
            if isinstance(key, cst.SimpleString) and key.evaluated_value == step:
                return element.value
    return None


def _written_in_block(module: ParsedModule, node: cst.CSTNode) -> bool:
    """``node`` is the value of a ``"cache_control": ...`` entry of a dict display."""
    parent = index_of(module.module).parent(node)
    key = parent.key if isinstance(parent, cst.DictElement) else None
    return isinstance(key, cst.SimpleString) and key.evaluated_value == "cache_control"


def _within(ctx: RuleContext, inner: cst.CSTNode, outer: cst.CSTNode) -> bool:
    return any(anc is outer for anc in index_of(ctx.module).ancestors(inner))


def anthropic_requests(ctx: RuleContext) -> Iterator[Request]:
    yield from (r for r in ctx.requests if is_anthropic(r))
