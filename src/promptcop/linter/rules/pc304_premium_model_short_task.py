"""PC304 premium-model-short-task: a top-tier model for a tiny or classification-style task."""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptcop.facts import ModelFacts, default_table, family_of
from promptcop.linter.context import RuleContext
from promptcop.linter.model import Finding, Severity
from promptcop.linter.request import Const, Lit, Request, atoms

CODE = "PC304"
NAME = "premium-model-short-task"
SEVERITY: Severity = "info"
FIX = None
SUMMARY = "A premium model called for a short classification or extraction task"
DOC = """
## What it does
Reports calls to a premium-tier model (the Opus family and its peers, and
OpenAI's top tier: the facts table's `tier == "premium"`) whose output limit
is 256 tokens or less, or whose static prompt reads like classification or
extraction ("answer yes or no", "classify", "which category", "extract ...
as JSON", "respond with one word") with an output limit of at most 1,024
tokens, if one is set.

## Why is this bad?
Premium models cost several times more per token than the standard and
small tiers (Opus 4.5 at $5 / $25 per MTok against Haiku 4.5 at $1 / $5;
`pricing.json`, API_FACTS.md 4), while short labelling tasks rarely need
them. Routing them to a cheaper tier cuts their cost by 3-5x; only the hard
cases need escalation.

## Example
```python
client.messages.create(model="claude-opus-4-5", max_tokens=5,
                       messages=[{"role": "user", "content": f"Spam? yes or no:\\n{mail}"}])
```

## Use instead
```python
client.messages.create(model="claude-haiku-4-5", max_tokens=5,
                       messages=[{"role": "user", "content": f"Spam? yes or no:\\n{mail}"}])
```

## Fix safety
No fix: a cheaper model must be checked on the task first.

## Options
Tiers come from the dated facts table (`promptcop.facts`); an override file
can re-tier a model.

## References
- API_FACTS.md 4; `pricing.json`
"""

VALID = [
    # a long output budget: not a short task, whatever the prompt mentions
    """
import anthropic
client = anthropic.Anthropic()

def report(tickets: str):
    return client.messages.create(
        model="claude-opus-4-5", max_tokens=8000,
        system="Classify each ticket, then write a detailed root-cause analysis per class.",
        messages=[{"role": "user", "content": tickets}])
""",
    """
import anthropic
client = anthropic.Anthropic()

def draft(topic: str):
    return client.messages.create(
        model="claude-opus-4-5", max_tokens=4000,
        messages=[{"role": "user", "content": f"Write a design review of {topic}."}])
""",
    """
import anthropic
client = anthropic.Anthropic()

def is_spam(mail: str):
    return client.messages.create(
        model="claude-haiku-4-5", max_tokens=5,
        messages=[{"role": "user", "content": f"Answer yes or no: is this spam?\\n{mail}"}])
""",
]

INVALID = [
    """
import anthropic
client = anthropic.Anthropic()

def is_spam(mail: str) -> bool:
    r = client.messages.create(  # expect: PC304
        model="claude-opus-4-7", max_tokens=5,
        messages=[{"role": "user", "content": f"Answer yes or no: is this spam?\\n{mail}"}])
    return r.content[0].text.startswith("y")
""",
    """
from openai import AsyncOpenAI
client = AsyncOpenAI()
PROMPT = "Classify the sentiment of the review as positive, negative or neutral."

async def sentiment(review: str):
    return await client.responses.create(  # expect: PC304
        model="gpt-5", max_output_tokens=1000, instructions=PROMPT, input=review)
""",
]

_CLASSIFY = re.compile(
    r"\b(yes or no|true or false|classify|classification|categori[sz]e|which category"
    r"|one of the (?:following|labels|categories)|sentiment|label (?:the|this|each)"
    r"|extract\b.{0,80}\b(?:as|into|in|with) json"
    r"|respond with (?:one|a single) word"
    r"|answer with (?:one|a single) word|only the (?:label|category|number))\b",
    re.IGNORECASE,
)
_SHORT = 256
# Above this output limit a classification-sounding prompt is not taken as a short task.
_LONG = 1024


def check(ctx: RuleContext) -> Iterator[Finding]:
    for request in ctx.requests:
        model = request.model_name
        if model is None or request.api == "anthropic.count_tokens":
            continue
        try:
            facts = ctx.facts(model)
        except KeyError:
            continue
        if facts.tier != "premium" or (facts.guessed and family_of(model) != facts.family):
            continue  # a tier copied from another family is no evidence
        reason = _why_short(request)
        if reason is None:
            continue
        yield ctx.finding(
            code=CODE,
            name=NAME,
            severity=SEVERITY,
            message=(
                f"{model} is a premium-tier model ({_price(facts)}) "
                f"used for {reason}{_cheaper(facts)}"
            ),
            node=request.call,
            site=request.site,
        )


def _price(facts: ModelFacts) -> str:
    """The price, said to be an estimate when it is copied from a sibling model: a
    figure the facts table does not hold for this id is no fact (``ModelFacts.caveat``)."""
    price = f"${facts.input:g} / ${facts.output:g} per MTok"
    if facts.guessed:
        return f"an estimated {price}: {facts.caveat}"
    return price


def _why_short(request: Request) -> str | None:
    limit = request.output_limit
    value = limit.value.value if limit is not None and isinstance(limit.value, Const) else None
    if isinstance(value, int) and not isinstance(value, bool):
        if limit is not None and value <= _SHORT:
            return f"a short answer ({limit.name}={value})"
        if value > _LONG:
            return None  # a long output budget says the task is not a short one
    for part in request.parts:
        for atom in atoms(part.value):
            if isinstance(atom, Lit) and (match := _CLASSIFY.search(atom.text)):
                return f'a classification-style task ("{match.group(0)}")'
    return None


def _cheaper(facts: ModelFacts) -> str:
    """A cheaper model of the same provider for the message (the newest small one)."""
    small = [
        f
        for f in default_table().models.values()
        if f.provider == facts.provider and f.tier == "small" and f.input < facts.input
    ]
    if not small:
        return "; route it to a cheaper tier"
    best = max(small, key=lambda f: (f.input, f.model))
    return (
        f"; route it to a cheaper tier such as {best.model} "
        f"(${best.input:g} / ${best.output:g} per MTok)"
    )
