"""Prompt families and cache health: who shares a prefix, and who broke it.

A *family* is the set of requests sharing the same tools and system prompt.
Its key hashes the tools as a set (so a reordered tool list stays in its
family) and the system text with timestamp-like tokens masked (so a clock in
the system prompt does not turn every request into a family of one). The
model is not part of the key, so a model switch shows up inside a family.

The tools are compared as a set and the system text by its first or its last
1,000 characters: a request joins a family when either end matches, so a
per-user line ahead of static rules (or after them) stays in one family.

For each request we compare its parts with the previous request of the same
family and model (each model has its own cache), or with the previous request
of the family when it carries that conversation on to another model. When it
read fewer cached tokens than that previous request left in the cache, the
first differing part says why, and each cause links to the lint rule that
finds it in code:

- timestamp-like token changed (clock, date, uuid, epoch, hex id): PC101
- a dynamic part before an unchanged static part: PC102
- the same tools in another order: PC103
- a different model: PC105

Only the last request of each family and model is kept (its parts, trimmed),
so memory grows with the number of families, never with the log.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from promptcop.audit.model import Call, Part
from promptcop.audit.pricing import Cost
from promptcop.facts import ModelFacts

MAX_FAMILIES = 2000
MAX_EXAMPLES = 5
# OpenAI caches in 128-token steps from 1024 tokens (API_FACTS.md 3.1, 3.2).
_OPENAI_MIN = 1024
_OPENAI_STEP = 128
_MESSAGE_TEXT_KEEP = 1000
_MESSAGE_PARTS_KEEP = 64
_MIN_STATIC_CHARS = 200
# Characters of masked system text at each end that name a family.
_KEY_CHARS = 1000
_MAX_TAGS_PER_FAMILY = 20
_MIN_LOST_TOKENS = 128
_MIN_LOST_SHARE = 0.1
_MAX_ALIASES = 100_000

RULE_FOR_CHANGE = {
    "timestamp-like token": "PC101",
    "dynamic block before static one": "PC102",
    "tool order": "PC103",
    "model switch": "PC105",
    "tools changed": "",
    "system changed": "",
    "identical prefix not read": "",
}

# Clock and identifier shapes that differ between two requests made by the same
# code (RULES.md, PC101). Case-sensitive classes and no long literal
# alternations: this runs on every system prompt that is not memoised.
_VOLATILE = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[AaPp]\.?[Mm]\.?)?"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}(?!\d)"
    r"|\d{1,2}\s+[A-Z][a-z]{2,8}\.?\s+(?:19|20)\d{2}(?!\d)"
    r"|\d{9,13}(?:\.\d+)?(?!\d)"
    r"|[0-9a-fA-F]{16,}(?![0-9A-Za-z])"
    r")"
)
_LEFTOVER = re.compile(r"[\s.,;:()\[\]{}\"'`/+\-TZ]*")


@dataclass(frozen=True, slots=True)
class Break:
    """One request whose prefix broke the cache, with what changed."""

    path: str
    line: int
    time: datetime | None
    change: str
    rule: str
    where: str
    detail: str
    lost_tokens: int
    miss_usd: float


@dataclass
class FamilyStats:
    """What the report shows per family; small whatever the log size."""

    key: str
    name: str
    requests: int = 0
    input_tokens: int = 0
    read_tokens: int = 0
    cost_usd: float = 0.0
    models: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    breaks: Counter[str] = field(default_factory=Counter)
    miss_usd: dict[str, float] = field(default_factory=dict)
    expired: int = 0
    expired_usd: float = 0.0
    examples: list[Break] = field(default_factory=list)

    @property
    def cache_hit_ratio(self) -> float:
        return self.read_tokens / self.input_tokens if self.input_tokens else 0.0

    @property
    def label(self) -> str:
        """``[id] main tags: name``, for reports."""
        tags = ", ".join(t for t, _ in self.tags.most_common(3))
        return f"[{self.key}] {tags}: {self.name}" if tags else f"[{self.key}] {self.name}"

    @property
    def total_miss_usd(self) -> float:
        return sum(self.miss_usd.values())


@dataclass(slots=True)
class _Last:
    parts: tuple[Part, ...]
    model: str
    time: datetime | None
    cached: int


@dataclass(frozen=True, slots=True)
class Observation:
    """What the savings levers need to know about a request's family."""

    family: str
    session_start: bool


class FamilyTracker:
    """Feeds on calls in log order; ``families`` holds the results."""

    def __init__(self) -> None:
        self.families: dict[str, FamilyStats] = {}
        self._last: dict[str, _Last] = {}
        self._mask_memo: dict[str, str] = {}
        self._alias: dict[str, str] = {}

    def observe(self, call: Call, cost: Cost, facts: ModelFacts) -> Observation:
        key = self._key(call)
        stats = self.families.get(key)
        if stats is None:
            if len(self.families) >= MAX_FAMILIES:
                key = "other"
                stats = self.families.get(key)
            if stats is None:
                name = "(more families than tracked)" if key == "other" else _name(call)
                stats = self.families[key] = FamilyStats(key=key, name=name)
        usage = call.usage
        stats.requests += 1
        stats.input_tokens += usage.total_input
        stats.read_tokens += usage.read
        stats.cost_usd += cost.total
        stats.models[call.model] += 1
        tag = call.tag or "(untagged)"
        if tag in stats.tags or len(stats.tags) < _MAX_TAGS_PER_FAMILY:
            stats.tags[tag] += 1

        # Compare with the last call of the same model (each model has its own cache),
        # unless this call carries on the last call's conversation on another model.
        latest = self._last.get(key)
        per_model = f"{key}\0{call.model}"
        switched = (
            latest is not None
            and latest.model != call.model
            and _same_conversation(latest.parts, call.parts)
        )
        last = latest if switched else self._last.get(per_model)
        gap = _gap(last.time, call.time) if last is not None else None
        session_start = last is None or (gap is not None and gap > call.ttl_seconds)
        if last is not None and key != "other":
            self._compare(stats, last, call, cost, facts, gap)
        self._last[key] = self._last[per_model] = _Last(
            parts=_trim(call.parts), model=call.model, time=call.time, cached=_cached_after(call)
        )
        return Observation(family=key, session_start=session_start)

    def _compare(
        self,
        stats: FamilyStats,
        last: _Last,
        call: Call,
        cost: Cost,
        facts: ModelFacts,
        gap: float | None,
    ) -> None:
        usage = call.usage
        lost = min(last.cached, usage.total_input) - usage.read
        if lost < max(_MIN_LOST_TOKENS, last.cached * _MIN_LOST_SHARE):
            # OpenAI reports cached tokens in 128-token steps (API_FACTS.md 3.2): a
            # short tail not read is the new turn, not a broken prefix.
            return
        miss_usd: float = lost * _miss_rate(cost, usage.uncached + usage.writes, facts, call.batch)
        if gap is not None and gap > call.ttl_seconds:
            stats.expired += 1
            stats.expired_usd += miss_usd
            return
        found = _diagnose(last, call)
        if found is None:
            return  # a different conversation over the same tools+system: expected
        change, where, detail = found
        stats.breaks[change] += 1
        stats.miss_usd[change] = stats.miss_usd.get(change, 0.0) + miss_usd
        first_of_kind = all(b.change != change for b in stats.examples)
        if len(stats.examples) < MAX_EXAMPLES or (
            first_of_kind and len(stats.examples) < 2 * MAX_EXAMPLES
        ):
            stats.examples.append(
                Break(
                    path=call.path,
                    line=call.line,
                    time=call.time,
                    change=change,
                    rule=RULE_FOR_CHANGE[change],
                    where=where,
                    detail=detail,
                    lost_tokens=lost,
                    miss_usd=miss_usd,
                )
            )

    def _key(self, call: Call) -> str:
        """The family of ``call``: same tool set, and the same start OR the same end of system.

        Matching either end keeps one family together both when per-request
        text comes first (the static end matches) and when it comes last.
        """
        # Texts, not in-process digests, so a family keeps its id from run to run.
        tools = "\0".join(
            sorted(f"{p.text}\1{p.chars}" for p in call.parts if p.section == "tools")
        )
        system = "\0".join(p.text for p in call.parts if p.section == "system")
        # Mask only the two ends that name the family: a long prompt costs no more.
        edge = _KEY_CHARS + 100
        if len(system) > 2 * edge:
            head_text = self._mask(system[:edge])[:_KEY_CHARS]
            tail_text = self._mask(system[-edge:])[-_KEY_CHARS:]
        else:
            masked = self._mask(system)
            head_text, tail_text = masked[:_KEY_CHARS], masked[-_KEY_CHARS:]
        head = _sha(tools + "\1" + head_text)
        tail = _sha(tools + "\2" + tail_text)
        family = self._alias.get(head) or self._alias.get(tail) or head
        if len(self._alias) < _MAX_ALIASES:
            self._alias.setdefault(head, family)
            self._alias.setdefault(tail, family)
        return family

    def _mask(self, text: str) -> str:
        masked = self._mask_memo.get(text)
        if masked is None:
            if len(self._mask_memo) > 4096:
                self._mask_memo.clear()
            masked = self._mask_memo[text] = _VOLATILE.sub("<v>", text)
        return masked


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()[
        :12
    ]


def _gap(before: datetime | None, after: datetime | None) -> float | None:
    if before is None or after is None:
        return None
    return (after - before).total_seconds()


def _cached_after(call: Call) -> int:
    """Prefix tokens this call leaves in the cache for the next one."""
    usage = call.usage
    if call.provider == "anthropic":
        return usage.read + usage.writes
    # OpenAI caches every prompt of 1024+ tokens automatically, in 128-token steps.
    total = usage.total_input
    if total < _OPENAI_MIN:
        return 0
    return _OPENAI_MIN + (total - _OPENAI_MIN) // _OPENAI_STEP * _OPENAI_STEP


def _miss_rate(cost: Cost, paid_tokens: int, facts: ModelFacts, batch: bool) -> float:
    """USD per token lost: what the call paid for non-read input, minus the read price."""
    if paid_tokens <= 0:
        return 0.0
    paid = (cost.uncached + cost.write_5m + cost.write_1h) / paid_tokens
    read = facts.cache_read * (facts.batch_discount if batch else 1.0) / 1_000_000
    return max(0.0, paid - read)


def _trim(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """The parts kept for the next comparison: bounded, whatever the conversation's length."""
    out = []
    messages = 0
    for part in parts:
        if part.section == "messages":
            messages += 1
            if messages > _MESSAGE_PARTS_KEEP:
                break
        if part.section == "messages" and len(part.text) > _MESSAGE_TEXT_KEEP:
            part = Part(
                part.section,
                part.label,
                part.digest,
                part.text[:_MESSAGE_TEXT_KEEP],
                part.chars,
                part.hashed,
            )
        out.append(part)
    return tuple(out)


def _same_conversation(old: tuple[Part, ...], new: tuple[Part, ...]) -> bool:
    """True when ``new`` repeats every message part of ``old`` (the same or a longer chat)."""
    old_messages = [p for p in old if p.section == "messages"]
    new_messages = [p for p in new if p.section == "messages"]
    if not old_messages or len(new_messages) < len(old_messages):
        return False
    return all(
        (a.label, a.digest) == (b.label, b.digest)
        for a, b in zip(old_messages, new_messages, strict=False)
    )


def _diagnose(last: _Last, call: Call) -> tuple[str, str, str] | None:
    """(change, where, detail) for the first difference, or None for a new conversation."""
    if last.model != call.model:
        return "model switch", "model", f"{last.model} -> {call.model}"
    old, new = last.parts, call.parts
    index = next(
        (
            i
            for i in range(min(len(old), len(new)))
            if (old[i].label, old[i].digest) != (new[i].label, new[i].digest)
        ),
        None,
    )
    if index is None:
        if len(new) < len(old):
            return None  # a shorter, different conversation
        return "identical prefix not read", "", "prefix unchanged; concurrent call or eviction"
    was, now = old[index], new[index]
    where = now.label
    if now.section == "tools" and was.section == "tools":
        old_tools = sorted(p.digest for p in old if p.section == "tools")
        new_tools = sorted(p.digest for p in new if p.section == "tools")
        if old_tools == new_tools:
            names = _tool_names(old), _tool_names(new)
            return "tool order", "tools", f"[{names[0]}] -> [{names[1]}]"
    readable = not (was.hashed or now.hashed)
    volatile = _volatile_change(was.text, now.text) if readable else None
    if volatile is not None:
        return "timestamp-like token", where, volatile
    if readable and now.chars == len(now.text) and was.chars == len(was.text):
        bounds = _span_bounds(was.text, now.text)
        if bounds is not None and len(now.text) - bounds[2] >= _MIN_STATIC_CHARS:
            start, old_end, new_end = bounds
            return (
                "dynamic block before static one",
                where,
                f"{was.text[start:old_end].strip()[:40]!r} -> "
                f"{now.text[start:new_end].strip()[:40]!r} ahead of "
                f"{len(now.text) - new_end:,} unchanged characters",
            )
    change = _snippet_change(was.text, now.text) if readable else "changed (text not logged)"
    old_by_label = {p.label: p.digest for p in old[index + 1 :]}
    for later in new[index + 1 :]:
        if later.chars >= _MIN_STATIC_CHARS and old_by_label.get(later.label) == later.digest:
            return (
                "dynamic block before static one",
                where,
                f"{change}; {later.label} after it unchanged",
            )
    if now.section == "tools" or was.section == "tools":
        return "tools changed", where, change
    if now.section == "system" or was.section == "system":
        return "system changed", where, change
    return None


def _tool_names(parts: tuple[Part, ...]) -> str:
    names = [p.label.split(" ", 1)[-1] for p in parts if p.section == "tools"]
    shown = ", ".join(names[:6])
    return shown + (", ..." if len(names) > 6 else "")


def _span(old: str, new: str) -> tuple[str, str] | None:
    """The differing region of two texts, widened to whole whitespace-separated words."""
    bounds = _span_bounds(old, new)
    if bounds is None:
        return None
    start, old_end, new_end = bounds
    return old[start:old_end], new[start:new_end]


def _common_prefix(a: str, b: str) -> int:
    return _longest(min(len(a), len(b)), lambda n: a[:n] == b[:n])


def _common_suffix(a: str, b: str, limit: int) -> int:
    return _longest(limit, lambda n: a[len(a) - n :] == b[len(b) - n :])


def _longest(limit: int, same: Callable[[int], bool]) -> int:
    """The largest ``n <= limit`` with ``same(n)``, which holds up to some length and not after.

    Binary search over slice comparisons: C-speed on long prompts.
    """
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if same(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _span_bounds(old: str, new: str) -> tuple[int, int, int] | None:
    """(start, end in old, end in new) of the differing region, on word boundaries."""
    if old == new:
        return None
    start = _common_prefix(old, new)
    end = _common_suffix(old, new, min(len(old), len(new)) - start)
    while start > 0 and not old[start - 1].isspace():
        start -= 1
    old_end, new_end = len(old) - end, len(new) - end
    while old_end < len(old) and not old[old_end].isspace():
        old_end += 1
    while new_end < len(new) and not new[new_end].isspace():
        new_end += 1
    return start, old_end, new_end


def _volatile_change(old: str, new: str) -> str | None:
    """``'a' -> 'b'`` when the whole difference is timestamp-like tokens, else None."""
    span = _span(old, new)
    if span is None:
        return None
    before, after = span
    if not before.strip() or not after.strip() or len(before) > 80 or len(after) > 80:
        return None
    for side in (before, after):
        if not _VOLATILE.search(side) or _LEFTOVER.fullmatch(_VOLATILE.sub("", side)) is None:
            return None
    return f"{before.strip()!r} -> {after.strip()!r}"


def _snippet_change(old: str, new: str) -> str:
    if not old and not new:
        return "content changed (text not logged)"
    span = _span(old, new)
    if span is None:
        return "content changed beyond the logged text"
    before, after = (s.strip()[:60] for s in span)
    return f"{before!r} -> {after!r}"


def _name(call: Call) -> str:
    tools = [n for n in call.tool_names if n]
    system = " ".join(p.text for p in call.parts if p.section == "system" and not p.hashed)
    system = " ".join(system.split())
    label = f"{len(call.tool_names)} tools"
    if tools:
        label += f" ({', '.join(sorted(tools)[:3])}{', ...' if len(tools) > 3 else ''})"
    if system:
        label += f", system {system[:50]!r}" + ("..." if len(system) > 50 else "")
    elif any(p.section == "system" for p in call.parts):
        label += ", system (hashed)"
    else:
        label += ", no system"
    return label
