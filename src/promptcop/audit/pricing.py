"""Price one call's usage by token class from the dated facts table, and sum priced calls.

Every price comes from :mod:`promptcop.facts` (``models.json`` or the user's
``--pricing`` file); nothing here knows a number except the per-million unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptcop.audit.model import Usage
from promptcop.facts import FactsTable, ModelFacts

_PER_TOKEN = 1 / 1_000_000  # table prices are USD per million tokens


@dataclass(frozen=True, slots=True)
class Cost:
    """USD of one call (or a sum of calls) by token class."""

    uncached: float = 0.0
    write_5m: float = 0.0
    write_1h: float = 0.0
    read: float = 0.0
    output: float = 0.0

    @property
    def total(self) -> float:
        return self.uncached + self.write_5m + self.write_1h + self.read + self.output

    @property
    def input_side(self) -> float:
        """What the prompt cost (everything but output)."""
        return self.uncached + self.write_5m + self.write_1h + self.read


# Above this many input tokens some models bill long context (API_FACTS.md 2.6).
LONG_CONTEXT_TOKENS = 200_000


def price(usage: Usage, facts: ModelFacts, batch: bool = False) -> Cost:
    """USD per token class; batch calls pay ``batch_discount`` of every class (API_FACTS.md 2.2).

    A request over 200K input tokens on a model with a long-context rate pays
    that rate for input (cache writes and reads keep their multipliers of it)
    and output (API_FACTS.md 2.6).
    """
    scale = (facts.batch_discount if batch else 1.0) * _PER_TOKEN
    in_scale, output = scale, facts.output
    if facts.long_context is not None and usage.total_input > LONG_CONTEXT_TOKENS:
        in_scale = scale * facts.long_context[0] / facts.input
        output = facts.long_context[1]
    return Cost(
        uncached=usage.uncached * facts.input * in_scale,
        write_5m=usage.write_5m * facts.cache_write_5m * in_scale,
        write_1h=usage.write_1h * facts.cache_write_1h * in_scale,
        read=usage.read * facts.cache_read * in_scale,
        output=usage.output * output * scale,
    )


@dataclass
class Totals:
    """Sums of priced calls: counts, tokens by class, cost by class.

    The report's per-model/tag/day rows and the savings levers' per-tag groups
    both use it, so a row and the lever computed from it add up the same way.
    """

    requests: int = 0
    uncached: int = 0
    write_5m: int = 0
    write_1h: int = 0
    read: int = 0
    output: int = 0
    cost_uncached: float = 0.0
    cost_write_5m: float = 0.0
    cost_write_1h: float = 0.0
    cost_read: float = 0.0
    cost_output: float = 0.0

    def add(self, usage: Usage, cost: Cost) -> None:
        self.requests += 1
        self.uncached += usage.uncached
        self.write_5m += usage.write_5m
        self.write_1h += usage.write_1h
        self.read += usage.read
        self.output += usage.output
        self.cost_uncached += cost.uncached
        self.cost_write_5m += cost.write_5m
        self.cost_write_1h += cost.write_1h
        self.cost_read += cost.read
        self.cost_output += cost.output

    def usage(self) -> Usage:
        """The summed tokens as one usage, to price them again at another model's rates."""
        return Usage(self.uncached, self.write_5m, self.write_1h, self.read, self.output)

    @property
    def cost_usd(self) -> float:
        return (
            self.cost_uncached
            + self.cost_write_5m
            + self.cost_write_1h
            + self.cost_read
            + self.cost_output
        )

    @property
    def input_total(self) -> int:
        return self.uncached + self.write_5m + self.write_1h + self.read

    @property
    def cache_hit_ratio(self) -> float:
        """Share of input tokens served from the cache."""
        return self.read / self.input_total if self.input_total else 0.0


class Pricer:
    """Memoised :func:`lookup` over one table, remembering which models were guessed."""

    def __init__(self, table: FactsTable) -> None:
        self.table = table
        self._facts: dict[str, ModelFacts] = {}
        self.guessed: dict[str, str] = {}
        self.unknown: set[str] = set()

    def facts(self, model: str) -> ModelFacts | None:
        """Facts for ``model``, or None when not even its provider is known."""
        found = self._facts.get(model)
        if found is not None:
            return found
        if model in self.unknown:
            return None
        try:
            found = self.table.lookup(model)
        except KeyError:
            self.unknown.add(model)
            return None
        if found.guessed:
            self.guessed[model] = found.matched
        self._facts[model] = found
        return found
