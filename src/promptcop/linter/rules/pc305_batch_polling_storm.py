"""PC305 batch-polling-storm: a loop polling a batch with no or a short sleep."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from promptcop.linter.context import RuleContext
from promptcop.linter.flow import (
    Loop,
    ModuleIndex,
    call_name,
    contains,
    index_of,
    names_in,
    widen,
)
from promptcop.linter.model import Finding, Severity
from promptcop.linter.request import Const

CODE = "PC305"
NAME = "batch-polling-storm"
SEVERITY: Severity = "warning"
FIX = None
SUMMARY = "A loop polls batches.retrieve with no sleep, or a sleep under 30 s and no backoff"
DOC = """
## What it does
Finds loops that call `batches.retrieve` (Anthropic `messages.batches` or
OpenAI `batches`), directly or through a helper of the same module, and
either never sleep or sleep a fixed time under 30 seconds with no backoff
(a delay that grows, `2 ** attempt`, a `min(delay * 2, cap)` update).

## Why is this bad?
Batches take minutes to hours: results come when every request is done or
after 24 h, and most batches finish within the hour (API_FACTS.md 2.4).
Polling every second sends thousands of status requests per batch that eat
the account's request rate limit, slowing the real traffic that shares it,
and a tight loop with no sleep pins a CPU core meanwhile.

## Example
```python
while batch.processing_status == "in_progress":
    time.sleep(1)
    batch = client.messages.batches.retrieve(batch.id)
```

## Use instead
```python
delay = 30
while batch.processing_status != "ended":
    time.sleep(delay)
    delay = min(delay * 2, 600)
    batch = client.messages.batches.retrieve(batch.id)
```

## Fix safety
No fix: the right interval depends on how soon the results are needed.

## Options
None.

## References
- API_FACTS.md 2.3, 2.4
- https://platform.claude.com/docs/en/build-with-claude/batch-processing
"""

VALID = [
    # the wait lives in a helper: its length is not ours to guess
    """
import random
import time
from openai import OpenAI
client = OpenAI()

def pause() -> None:
    time.sleep(random.uniform(20, 40))

def wait(batch_id: str):
    batch = client.batches.retrieve(batch_id)
    while batch.status != "completed":
        pause()
        batch = client.batches.retrieve(batch_id)
    return batch
""",
    # one retrieve per batch, not a poll
    """
from openai import OpenAI
client = OpenAI()

def statuses(ids: list[str]):
    return [client.batches.retrieve(i).status for i in ids]

def report(ids: list[str]) -> None:
    for batch_id in ids:
        print(client.batches.retrieve(batch_id).status)
""",
    """
import time
import anthropic
client = anthropic.Anthropic()

def wait(batch_id: str):
    delay = 5
    batch = client.messages.batches.retrieve(batch_id)
    while batch.processing_status != "ended":
        time.sleep(delay)
        delay = min(delay * 2, 600)
        batch = client.messages.batches.retrieve(batch_id)
    return batch
""",
    """
import asyncio
from openai import AsyncOpenAI
client = AsyncOpenAI()
POLL_SECONDS = 60

async def wait(batch_id: str):
    while (b := await client.batches.retrieve(batch_id)).status not in ("completed", "failed"):
        await asyncio.sleep(POLL_SECONDS)
    return b
""",
    # a delay from configuration: unknown, so no finding
    """
import time
from openai import OpenAI
client = OpenAI()

def wait(batch_id: str, settings):
    while client.batches.retrieve(batch_id).status != "completed":
        time.sleep(settings.poll_interval)
""",
    # jitter that can reach 45 s is not a storm
    """
import random
import time
import anthropic
client = anthropic.Anthropic()

def wait(batch_id: str):
    while client.messages.batches.retrieve(batch_id).processing_status != "ended":
        time.sleep(15 + random.uniform(0, 30))
""",
]

INVALID = [
    """
import time
import anthropic
client = anthropic.Anthropic()

def wait(batch_id: str):
    batch = client.messages.batches.retrieve(batch_id)
    while batch.processing_status == "in_progress":
        time.sleep(1)  # expect: PC305
        batch = client.messages.batches.retrieve(batch_id)
    return batch
""",
    """
from openai import OpenAI
client = OpenAI()

def done(batch_id: str) -> bool:
    return client.batches.retrieve(batch_id).status == "completed"

def wait(batch_id: str) -> None:
    while not done(batch_id):  # expect: PC305
        pass
""",
    # random jitter between fixed bounds: never more than 4 s, and no backoff
    """
import random
from time import sleep
from openai import OpenAI
client = OpenAI()

def wait(batch_id: str):
    for _ in range(1000):
        batch = client.batches.retrieve(batch_id)  # expect: PC305
        if batch.status == "completed":
            return batch
        sleep(random.randint(1, 3) + random.random())
""",
]


def check(ctx: RuleContext) -> Iterator[Finding]:
    if "retrieve" not in ctx.parsed.source:
        return  # no batch poll can be here: skip building the module index
    index = index_of(ctx.module)
    seen: set[int] = set()
    for call in index.calls:
        if not call_name(call).endswith("batches.retrieve"):
            continue
        for node, loop in _polling_loops(index, call):
            found = _problem(ctx, index, loop)
            if found is None or id(loop.node) in seen:
                continue
            seen.add(id(loop.node))
            problem, sleep = found
            finding = ctx.finding(
                code=CODE,
                name=NAME,
                severity=SEVERITY,
                message=(
                    f"this loop polls batches.retrieve {problem}: batches take minutes to "
                    "hours, so the polls only burn rate limit; sleep 30-60 s and back off "
                    "(e.g. delay = min(delay * 2, 600))"
                ),
                node=node,
            )
            # The region is one polling cycle: from the poll to the too-short sleep.
            yield finding if sleep is None else widen(finding, ctx.location(sleep))


def _polling_loops(index: ModuleIndex, call: cst.Call) -> Iterator[tuple[cst.CSTNode, Loop]]:
    loop = _repeating(index, call)
    if loop is not None:
        if not _per_batch(loop, call):
            yield call, loop
        return
    func = index.enclosing_def(call)
    if func is None:
        return
    for use in index.uses_of(func):
        loop = _repeating(index, use)
        if loop is not None and not _per_batch(loop, use):
            yield use, loop


def _per_batch(loop: Loop, call: cst.CSTNode) -> bool:
    """``for b in batches: retrieve(b.id)`` visits each batch once: no polling."""
    node = loop.node
    if not isinstance(node, cst.For) or not isinstance(call, cst.Call):
        return False
    return bool(names_in(node.target) & set().union(*(names_in(a.value) for a in call.args)))


def _repeating(index: ModuleIndex, node: cst.CSTNode) -> Loop | None:
    """The innermost loop that runs ``node`` again and again: in its body, or in the
    test of a ``while`` (``while not done(batch_id):``)."""
    for loop in index.loops_around(node):
        if isinstance(loop.node, (cst.For, cst.While)):
            return loop
    for anc in index.ancestors(node):
        if isinstance(anc, cst.FunctionDef):
            break
        if isinstance(anc, cst.While) and contains(anc.test, node):
            return Loop(anc, "while")
    return None


def _problem(
    ctx: RuleContext, index: ModuleIndex, loop: Loop
) -> tuple[str, cst.Call | None] | None:
    """What is wrong with the loop's waiting and the shortest sleep, or None when it
    waits well (or we cannot tell)."""
    sleeps = index.sleeps_in(loop.node)
    if index.waits_elsewhere(loop.node):
        return None
    if not sleeps:
        return "with no sleep between polls", None
    shortest: tuple[float, cst.Call] | None = None
    jitter = False
    for sleep in sleeps:
        if not sleep.args:
            continue
        arg = sleep.args[0].value
        seconds = _upper_bound(ctx, arg)
        if seconds is None:
            return None  # a delay we cannot see, or one that grows: do not guess
        if shortest is None or seconds < shortest[0]:
            shortest = (seconds, sleep)
            jitter = not isinstance(ctx.resolve(arg), Const)
        if _backs_off(index, loop, arg):
            return None
    if shortest is None or shortest[0] >= 30:
        return None
    every = f"every {shortest[0]:g} s{' or less' if jitter else ''}"
    return f"{every} with no backoff", shortest[1]


# Random delays with fixed bounds: the bound argument(s) that cap them.
_RANDOM_BOUNDED = {"uniform": (0, 1), "randint": (0, 1), "triangular": (0, 1), "randrange": (1,)}


def _upper_bound(ctx: RuleContext, arg: cst.BaseExpression) -> float | None:
    """The most seconds ``arg`` can be when that is fixed in the source: a constant, a
    random jitter between constants (``random.uniform(1, 3)``), or sums and products of
    those. None when it depends on anything else (a counter, a config value)."""
    value = ctx.resolve(arg)
    if isinstance(value, Const) and isinstance(value.value, (int, float)):
        return float(value.value)
    if isinstance(arg, cst.BinaryOperation) and isinstance(arg.operator, (cst.Add, cst.Multiply)):
        left, right = _upper_bound(ctx, arg.left), _upper_bound(ctx, arg.right)
        if left is None or right is None or left < 0 or right < 0:
            return None
        return left + right if isinstance(arg.operator, cst.Add) else left * right
    if isinstance(arg, cst.Call):
        name = call_name(arg)
        head, _, method = name.rpartition(".")
        if head.split(".")[-1] not in ("random", "") and head != "rng":
            return None
        if method == "random" and not arg.args:
            return 1.0
        positions = _RANDOM_BOUNDED.get(method)
        if positions is None or len(arg.args) <= max(positions):
            return None
        bounds = [_upper_bound(ctx, arg.args[i].value) for i in positions]
        if any(b is None for b in bounds):
            return None
        return max(b for b in bounds if b is not None)
    return None


def _backs_off(index: ModuleIndex, loop: Loop, arg: cst.BaseExpression) -> bool:
    """The delay, fixed as written, still grows across iterations: a name in it is
    updated in the loop (``delay *= 2``) or is the loop's counter."""
    names = names_in(arg)
    loop_node = loop.node
    if isinstance(loop_node, cst.For) and names & names_in(loop_node.target):
        return True

    class _Updated(cst.CSTVisitor):
        hit = False

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            self.hit = self.hit or names_in(node.target) & names != set()

        def visit_Assign(self, node: cst.Assign) -> None:
            targets = set().union(*(names_in(t.target) for t in node.targets))
            self.hit = self.hit or bool(targets & names)

    visitor = _Updated()
    loop_node.visit(visitor)
    return visitor.hit
