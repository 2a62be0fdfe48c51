"""What-if levers: what the same traffic would have cost with one change each.

Each lever is priced from the same logged usage and the same facts table, and
says the assumption it rests on. The levers overlap (a request moved to the
batch API also has a prefix that could be cached), so they are not additive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from promptcop.audit.families import Observation
from promptcop.audit.model import Call
from promptcop.audit.pricing import Cost, Pricer, Totals, price
from promptcop.facts import ModelFacts
from promptcop.whitespace import normalize_whitespace

# PC304's threshold for a short task (RULES.md): outputs of at most 256 tokens.
SHORT_OUTPUT_TOKENS = 256
# Tag names that usually mean nobody waits for the answer; --offline-tag overrides.
OFFLINE_HINTS = (
    "batch",
    "bulk",
    "nightly",
    "backfill",
    "offline",
    "cron",
    "etl",
    "eval",
    "ingest",
    "index",
    "report",
    "digest",
    "job",
)
# Exact token counts for whitespace are taken on this many characters of
# bloated text; beyond it, the measured tokens-per-removed-character ratio is used.
TOKENIZE_BUDGET_CHARS = 4_000_000
_DEFAULT_TOKENS_PER_CHAR = 0.25
_MEMO_LIMIT = 4096


@dataclass(frozen=True)
class Lever:
    """One what-if: USD saved, share of the bill, and the assumption behind it."""

    lever: str
    usd: float
    percent: float
    assumption: str


def _may_be_bloated(text: str) -> bool:
    return (
        "   " in text
        or " \n" in text
        or "\n\n\n" in text
        or "\n " in text
        or "\t" in text
        or text.endswith(" ")
        or text.startswith(("\n", " "))
    )


@dataclass
class SavingsTracker:
    """Accumulates what each lever needs while the log streams by."""

    pricer: Pricer
    offline_tags: frozenset[str] | None = None
    prefix_usd: float = 0.0
    prefix_requests: int = 0
    whitespace_usd: float = 0.0
    whitespace_tokens: float = 0.0
    whitespace_texts: int = 0
    groups: dict[tuple[str, str, bool], Totals] = field(default_factory=dict)
    _tokenized_chars: int = 0
    _measured_tokens: int = 0
    _measured_chars: int = 0
    _memo: dict[int, tuple[int, int]] = field(default_factory=dict)

    def observe(self, call: Call, cost: Cost, facts: ModelFacts, seen: Observation) -> None:
        usage = call.usage
        key = (call.tag, call.model, call.batch)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Totals()
        group.add(usage, cost)
        self._prefix(call, cost, facts, seen)
        if call.texts and usage.total_input:
            self._whitespace(call, cost)

    def _prefix(self, call: Call, cost: Cost, facts: ModelFacts, seen: Observation) -> None:
        usage = call.usage
        prefix_chars = sum(p.chars for p in call.parts if p.section != "messages")
        total_chars = sum(p.chars for p in call.parts)
        if not prefix_chars or not total_chars:
            return
        # Token size of tools+system, by the request's own tokens-per-character.
        prefix = usage.total_input * prefix_chars // total_chars
        if prefix < facts.min_cacheable_tokens:
            return  # too short to cache at all (API_FACTS.md 1.10, 3.1)
        unread = max(0, prefix - usage.read)
        paid_tokens = usage.uncached + usage.writes
        if not unread or not paid_tokens:
            return
        scale = (facts.batch_discount if call.batch else 1.0) / 1_000_000
        paid = (cost.uncached + cost.write_5m + cost.write_1h) / paid_tokens
        self.prefix_requests += 1
        if seen.session_start:
            # The first call after an idle gap writes the prefix (1.25x, API_FACTS.md 1.5).
            self.prefix_usd -= unread * (facts.cache_write_5m * scale - paid)
        else:
            self.prefix_usd += unread * (paid - facts.cache_read * scale)

    def _whitespace(self, call: Call, cost: Cost) -> None:
        saved_tokens = 0.0
        for text in call.texts:
            if not _may_be_bloated(text):
                continue
            memo_key = hash(text)
            found = self._memo.get(memo_key)
            if found is None:
                found = self._measure(text)
                if len(self._memo) >= _MEMO_LIMIT:
                    self._memo.clear()
                self._memo[memo_key] = found
            removed_chars, removed_tokens = found
            if removed_chars:
                self.whitespace_texts += 1
                saved_tokens += (
                    removed_tokens
                    if removed_tokens >= 0
                    else (removed_chars * self._tokens_per_char())
                )
        if saved_tokens:
            # Priced at what this call paid per input token on average.
            saved_tokens = min(saved_tokens, call.usage.total_input)
            self.whitespace_tokens += saved_tokens
            self.whitespace_usd += saved_tokens * cost.input_side / call.usage.total_input

    def _measure(self, text: str) -> tuple[int, int]:
        """(characters removed, tokens removed or -1 when past the tokenizing budget)."""
        # The same rewrite PC201 proposes, so the audit and the linter agree.
        trimmed = normalize_whitespace(text)
        removed = len(text) - len(trimmed)
        if removed <= 0:
            return 0, 0
        if self._tokenized_chars >= TOKENIZE_BUDGET_CHARS:
            return removed, -1
        from promptcop.tokens.encodings import count_text

        self._tokenized_chars += len(text) + len(trimmed)
        tokens = max(0, count_text(text) - count_text(trimmed))
        self._measured_tokens += tokens
        self._measured_chars += removed
        return removed, tokens

    def _tokens_per_char(self) -> float:
        if self._measured_chars:
            return self._measured_tokens / self._measured_chars
        return _DEFAULT_TOKENS_PER_CHAR

    def levers(self, total_usd: float) -> list[Lever]:
        return [
            self._lever_prefix(total_usd),
            self._lever_routing(total_usd),
            self._lever_batch(total_usd),
            self._lever_whitespace(total_usd),
        ]

    def _lever_prefix(self, total: float) -> Lever:
        usd = max(0.0, self.prefix_usd)
        return _lever(
            "cache the stable prefix",
            usd,
            total,
            "tools+system of each family is cached behind one breakpoint (volatile tokens moved "
            "after it); every call after the first in a 5-minute window reads it at the model's "
            "cache-read price, the first writes it at the 5m write price (API_FACTS.md 1.5, 3.1); "
            "prefix size estimated from the logged text's share of the input tokens; prefixes "
            "under the model's minimum cacheable length are left out",
        )

    def _lever_routing(self, total: float) -> Lever:
        usd = 0.0
        moved: list[str] = []
        per_tag_model: dict[tuple[str, str], list[tuple[bool, Totals]]] = {}
        for (tag, model, batch), group in self.groups.items():
            per_tag_model.setdefault((tag, model), []).append((batch, group))
        for (tag, model), rows in sorted(per_tag_model.items()):
            facts = self.pricer.facts(model)
            if not tag or facts is None or facts.tier == "small":
                continue
            requests = sum(g.requests for _, g in rows)
            output = sum(g.output for _, g in rows)
            if output > SHORT_OUTPUT_TOKENS * requests:
                continue
            target = cheaper_tier(self.pricer, facts)
            if target is None:
                continue
            now = sum(g.cost_usd for _, g in rows)
            then = sum(price(g.usage(), target, batch).total for batch, g in rows)
            if then < now:
                usd += now - then
                moved.append(f"{tag} ({model} -> {target.model})")
        shown = "; ".join(moved) if moved else "no tagged model with short outputs found"
        return _lever(
            "route short-output tags to a cheaper tier",
            usd,
            total,
            f"tags averaging <= {SHORT_OUTPUT_TOKENS} output tokens per call (PC304) move to the "
            f"newest small-tier model of the same provider with the same token counts, and "
            f"their quality holds there (check with an eval): {shown}",
        )

    def _lever_batch(self, total: float) -> Lever:
        usd = 0.0
        tags: set[str] = set()
        for (tag, model, batch), group in self.groups.items():
            if batch or not self._offline(tag):
                continue
            facts = self.pricer.facts(model)
            if facts is None:
                continue
            usd += group.cost_usd * (1 - facts.batch_discount)
            tags.add(tag)
        if self.offline_tags is not None:
            how = "named with --offline-tag"
        else:
            how = f"tag names containing {', '.join(OFFLINE_HINTS)}; set them with --offline-tag"
        shown = ", ".join(sorted(tags)) if tags else "none found"
        return _lever(
            "move non-interactive tags to the batch API",
            usd,
            total,
            f"non-interactive tags ({how}) tolerate up to 24 h latency and are billed at the "
            f"batch discount on every token class (50%, API_FACTS.md 2.2, 3.12): {shown}",
        )

    def _lever_whitespace(self, total: float) -> Lever:
        measured = "exactly" if self._tokenized_chars < TOKENIZE_BUDGET_CHARS else "by sampling"
        return _lever(
            "trim whitespace bloat",
            self.whitespace_usd,
            total,
            f"logged prompt text is dedented, trailing spaces and extra blank lines and space "
            f"runs removed (PC201); {self.whitespace_tokens:,.0f} tokens saved, counted "
            f"{measured} with cl100k_base (an approximation for Claude, API_FACTS.md 6.5), "
            f"priced at each call's average input price; calls logged with hash_text have no text "
            f"and count zero",
        )

    def _offline(self, tag: str) -> bool:
        if not tag:
            return False
        if self.offline_tags is not None:
            return tag in self.offline_tags
        lowered = tag.lower()
        return any(hint in lowered for hint in OFFLINE_HINTS)


def _lever(name: str, usd: float, total: float, assumption: str) -> Lever:
    return Lever(
        lever=name,
        usd=usd,
        percent=(100.0 * usd / total) if total else 0.0,
        assumption=assumption,
    )


def cheaper_tier(pricer: Pricer, facts: ModelFacts) -> ModelFacts | None:
    """The newest small-tier model of ``facts``' provider, if it is cheaper."""
    candidates: Iterable[ModelFacts] = (
        f
        for f in pricer.table.models.values()
        if f.provider == facts.provider and f.tier == "small"
    )
    best = max(
        candidates,
        key=lambda f: (tuple(int(n) for n in re.findall(r"\d+", f.model)), f.input, f.model),
        default=None,
    )
    if best is None or best.input >= facts.input or best.output >= facts.output:
        return None
    return best
