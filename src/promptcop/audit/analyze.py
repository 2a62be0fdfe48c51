"""One streaming pass over the logs: price each call and feed the trackers.

The result holds only sums (per model, tag, day, family), so a log of any
size needs the same memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from promptcop.audit.families import FamilyStats, FamilyTracker
from promptcop.audit.model import Call, Skipped
from promptcop.audit.pricing import Pricer, Totals, price
from promptcop.audit.readers import read_logs
from promptcop.audit.savings import Lever, SavingsTracker
from promptcop.facts import FactsTable

MAX_SKIPPED_KEPT = 1000


@dataclass(frozen=True)
class Filters:
    """Which calls count: ``--since``/``--until`` (inclusive, UTC) and ``--tag``."""

    since: datetime | None = None
    until: datetime | None = None
    tags: frozenset[str] = frozenset()

    def keep(self, call: Call) -> bool:
        if self.tags and call.tag not in self.tags:
            return False
        if self.since is None and self.until is None:
            return True
        if call.time is None:
            return False
        if self.since is not None and call.time < self.since:
            return False
        return self.until is None or call.time <= self.until


@dataclass(frozen=True)
class AuditResult:
    """Everything the formatters show."""

    totals: Totals
    by_model: dict[str, Totals]
    by_tag: dict[str, Totals]
    by_day: dict[str, Totals]
    families: list[FamilyStats]
    savings: list[Lever]
    skipped: list[Skipped]
    skipped_count: int
    filtered_out: int
    unpriced: dict[str, int]
    guessed_models: dict[str, str]
    pricing_as_of: str
    paths: list[str] = field(default_factory=list)
    # day -> model -> USD, for the stacked spend-over-time chart.
    per_day_model: dict[str, dict[str, float]] = field(default_factory=dict)


def run_audit(
    paths: Iterable[str],
    table: FactsTable,
    filters: Filters | None = None,
    offline_tags: frozenset[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> AuditResult:
    """Read ``paths`` once and return the sums and findings."""
    filters = filters or Filters()
    pricer = Pricer(table)
    families = FamilyTracker()
    savings = SavingsTracker(pricer, offline_tags)
    totals = Totals()
    by_model: dict[str, Totals] = {}
    by_tag: dict[str, Totals] = {}
    by_day: dict[str, Totals] = {}
    skipped: list[Skipped] = []
    skipped_count = 0
    filtered_out = 0
    unpriced: dict[str, int] = {}
    per_day_model: dict[str, dict[str, float]] = {}
    path_list = list(paths)
    for item in read_logs(path_list, progress):
        if isinstance(item, Skipped):
            skipped_count += 1
            if len(skipped) < MAX_SKIPPED_KEPT:
                skipped.append(item)
            continue
        if not filters.keep(item):
            filtered_out += 1
            continue
        facts = pricer.facts(item.model)
        if facts is None:
            unpriced[item.model] = unpriced.get(item.model, 0) + 1
            continue
        cost = price(item.usage, facts, item.batch)
        totals.add(item.usage, cost)
        _bucket(by_model, item.model).add(item.usage, cost)
        _bucket(by_tag, item.tag or "(untagged)").add(item.usage, cost)
        day = item.time.date().isoformat() if item.time is not None else "(no time)"
        _bucket(by_day, day).add(item.usage, cost)
        day_models = per_day_model.setdefault(day, {})
        day_models[item.model] = day_models.get(item.model, 0.0) + cost.total
        seen = families.observe(item, cost, facts)
        savings.observe(item, cost, facts, seen)
    return AuditResult(
        totals=totals,
        by_model=dict(sorted(by_model.items(), key=lambda kv: -kv[1].cost_usd)),
        by_tag=dict(sorted(by_tag.items(), key=lambda kv: -kv[1].cost_usd)),
        by_day=dict(sorted(by_day.items())),
        families=sorted(families.families.values(), key=lambda f: -f.cost_usd),
        savings=savings.levers(totals.cost_usd),
        skipped=skipped,
        skipped_count=skipped_count,
        filtered_out=filtered_out,
        unpriced=unpriced,
        guessed_models=dict(pricer.guessed),
        pricing_as_of=table.as_of,
        paths=path_list,
        per_day_model=per_day_model,
    )


def _bucket(buckets: dict[str, Totals], key: str) -> Totals:
    found = buckets.get(key)
    if found is None:
        found = buckets[key] = Totals()
    return found
