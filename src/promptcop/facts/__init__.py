"""Dated facts about models: prices, minimum cacheable lengths, tiers.

Models change monthly, so every number lives in one table (``models.json``,
dated by its ``as_of`` field) that users can override with their own file.
The linter, the compactor's preflight and the audit all read it through
:func:`lookup`, so a price is never hard-coded twice.

An unknown model id is matched to its family (``claude-opus-4-9`` -> the
newest known Opus) and the answer says so (``guessed=True``), because a
figure copied from a sibling model is a guess, not a fact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

Provider = Literal["anthropic", "openai"]
Tier = Literal["premium", "standard", "small"]

# Anthropic: cache writes 1.25x (5m) / 2x (1h), reads 0.1x of input
# (API_FACTS.md 1.5); used only when an override file leaves them out.
_ANTHROPIC_WRITE_5M = 1.25
_ANTHROPIC_WRITE_1H = 2.0
_ANTHROPIC_READ = 0.1
# OpenAI from GPT-5.6 on: cache writes 1.25x uncached input (API_FACTS.md 3.5).
_OPENAI_WRITE = 1.25


@dataclass(frozen=True)
class ModelFacts:
    """Prices (USD per million tokens) and limits of one model."""

    model: str
    provider: Provider
    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    batch_discount: float
    min_cacheable_tokens: int
    family: str
    tier: Tier
    verified: bool
    unverified: tuple[str, ...] = ()
    note: str = ""
    # True when ``model`` was not in the table and these figures were taken
    # from the nearest known model of the same family (``matched``).
    guessed: bool = False
    matched: str = ""
    # (input, output) USD per MTok for requests over 200K input tokens, where the
    # model bills long context at a higher rate (API_FACTS.md 2.6); None otherwise.
    long_context: tuple[float, float] | None = None

    @property
    def caveat(self) -> str:
        """A short human note on how far to trust these figures ("" when verified)."""
        if self.guessed:
            return f"unknown model id; figures of {self.matched} assumed (a guess)"
        if not self.verified:
            return f"unverified: {', '.join(self.unverified) or 'some fields'}"
        return ""


@dataclass(frozen=True)
class FactsTable:
    """The whole dated table; ``lookup`` is the way in."""

    as_of: str
    models: Mapping[str, ModelFacts]
    source: Mapping[str, str] = field(default_factory=dict)

    def lookup(self, model: str) -> ModelFacts:
        return _lookup(self, model)

    @property
    def strictest_anthropic_min_cacheable(self) -> int:
        """The largest known Anthropic minimum: the safe default for an unknown model."""
        return max(
            f.min_cacheable_tokens for f in self.models.values() if f.provider == "anthropic"
        )


_DATE_SUFFIX = re.compile(r"-(20\d{6}|\d{4}-\d{2}-\d{2})$")
_PREFIXES = ("anthropic/", "openai/", "azure/", "bedrock/", "vertex_ai/", "us.", "eu.", "apac.")


def family_of(model: str) -> str:
    """Group model ids whose caches and prices move together.

    ``claude-3-5-haiku-latest`` and ``claude-haiku-4-5`` are both ``claude-haiku``;
    ``gpt-5-mini-2025-08-07`` is ``gpt-5-mini``; ``o3-pro`` is ``o3``.
    """
    m = canonical_id(model)
    for name in ("opus", "sonnet", "haiku", "fable", "mythos"):
        if m.startswith("claude") and name in m:
            return f"claude-{name}"
    if m.startswith("claude"):
        return "claude"
    match = re.match(r"(gpt-\d+(?:\.\d+)?[a-z]?|o\d)(?:-(mini|nano|turbo|pro))?", m)
    if match:
        base = match.group(1)
        size = match.group(2)
        return f"{base}-{size}" if size in ("mini", "nano") else base
    return m


def canonical_id(model: str) -> str:
    """Strip provider prefixes, Bedrock/Vertex decorations and snapshot dates."""
    m = model.strip().lower()
    for prefix in _PREFIXES:
        if m.startswith(prefix):
            m = m[len(prefix) :]
    m = m.removeprefix("anthropic.")  # Bedrock: anthropic.claude-sonnet-4-5-20250929-v1:0
    m = re.sub(r"-v\d+(:\d+)?$", "", m)
    m = m.split("@", 1)[0]  # Vertex: claude-sonnet-4-5@20250929
    m = _DATE_SUFFIX.sub("", m)
    return m.removesuffix("-latest")


def _version_key(model: str) -> tuple[float, ...]:
    return tuple(float(n) for n in re.findall(r"\d+", model))


def _tier_of(model: str, family: str, provider: str) -> Tier:
    if family in ("claude-opus", "claude-fable", "claude-mythos"):
        return "premium"
    if family == "claude-haiku" or family.endswith(("-mini", "-nano")):
        return "small"
    if provider == "openai" and re.match(r"(o\d|gpt-5(\.\d+)?|gpt-4\.5)$", family):
        return "premium"
    return "standard"


def _facts_from_entry(model: str, entry: Mapping[str, Any]) -> ModelFacts:
    provider = cast(
        Provider,
        entry.get("provider") or ("anthropic" if model.startswith("claude") else "openai"),
    )
    inp = float(entry["input"])
    if provider == "anthropic":
        write5 = float(entry.get("cache_write_5m", inp * _ANTHROPIC_WRITE_5M))
        write1 = float(entry.get("cache_write_1h", inp * _ANTHROPIC_WRITE_1H))
        read = float(entry.get("cache_read", inp * _ANTHROPIC_READ))
    else:
        # OpenAI bills no cache writes before the GPT-5.6 family, 1.25x input from
        # it on (API_FACTS.md 3.5).
        default_write = inp * _OPENAI_WRITE if openai_bills_cache_writes(model) else inp
        write5 = write1 = float(entry.get("cache_write", default_write))
        read = float(entry.get("cached_input", entry.get("cache_read", inp)))
    family = family_of(model)
    return ModelFacts(
        model=model,
        provider=provider,
        input=inp,
        output=float(entry["output"]),
        cache_write_5m=write5,
        cache_write_1h=write1,
        cache_read=read,
        batch_discount=float(entry.get("batch_discount", 0.5)),
        min_cacheable_tokens=int(entry.get("min_cacheable_tokens", 1024)),
        family=family,
        tier=entry.get("tier") or _tier_of(model, family, provider),
        verified=bool(entry.get("verified", True)),
        unverified=tuple(entry.get("unverified", ())),
        note=str(entry.get("note", "")),
        long_context=_long_context(entry.get("long_context_over_200k")),
    )


def _long_context(entry: Any) -> tuple[float, float] | None:
    if not isinstance(entry, Mapping):
        return None
    return float(entry["input"]), float(entry["output"])


def parse_table(data: Mapping[str, Any]) -> FactsTable:
    """Build a table from the JSON shape of ``models.json`` (raises ValueError on bad data)."""
    try:
        raw_models = data["models"]
        models = {
            canonical_id(name): _facts_from_entry(canonical_id(name), entry)
            for name, entry in raw_models.items()
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"pricing table is malformed: {exc!r}") from exc
    return FactsTable(
        as_of=str(data.get("as_of", "unknown")),
        models=models,
        source=dict(data.get("source", {})),
    )


@lru_cache(maxsize=1)
def default_table() -> FactsTable:
    """The table shipped with this version of promptcop."""
    text = resources.files(__package__).joinpath("models.json").read_text("utf-8")
    return parse_table(json.loads(text))


def load_table(override: str | Path | None = None) -> FactsTable:
    """The shipped table, with the entries of ``override`` (same JSON shape) laid over it.

    Entries in the override replace whole models; models it does not name keep
    the shipped figures, so a user can correct one price without copying all.
    """
    base = default_table()
    if override is None:
        return base
    try:
        data = json.loads(Path(override).read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read pricing file {override}: {exc}") from exc
    extra = parse_table(data)
    merged = {**base.models, **extra.models}
    return FactsTable(as_of=extra.as_of or base.as_of, models=merged, source=base.source)


def lookup(model: str, table: FactsTable | None = None) -> ModelFacts:
    """Facts for ``model``; unknown ids are matched to their family and marked guessed."""
    return _lookup(table or default_table(), model)


def _lookup(table: FactsTable, model: str) -> ModelFacts:
    key = canonical_id(model)
    if key in table.models:
        return table.models[key]
    family = family_of(key)
    siblings = [f for f in table.models.values() if f.family == family]
    if not siblings:
        # gpt-5.5-mini -> gpt-5-mini: a point release is priced like its major line.
        coarse = re.sub(r"\.\d+", "", family)
        siblings = [f for f in table.models.values() if f.family == coarse]
    if not siblings:
        # Fall back to the provider's most expensive standard entry: a guess
        # that errs on the side of over-estimating cost.
        provider = "anthropic" if key.startswith("claude") else "openai"
        siblings = [f for f in table.models.values() if f.provider == provider]
        if not siblings:
            raise KeyError(f"no facts for model {model!r} and no model of its provider")
        nearest = max(siblings, key=lambda f: (f.input, f.model))
    else:
        wanted = _version_key(key)
        nearest = min(
            siblings,
            key=lambda f: (
                sum(abs(a - b) for a, b in zip(_version_key(f.model), wanted, strict=False)),
                -len(_version_key(f.model)),
                f.model,
            ),
        )
    guessed = ModelFacts(
        **{
            **nearest.__dict__,
            "model": key,
            "guessed": True,
            "matched": nearest.model,
            "verified": False,
        }
    )
    if openai_bills_cache_writes(key) and not openai_bills_cache_writes(nearest.model):
        write = guessed.input * _OPENAI_WRITE
        guessed = replace(guessed, cache_write_5m=write, cache_write_1h=write)
    return guessed


def openai_bills_cache_writes(model: str) -> bool:
    """True for OpenAI models of the GPT-5.6 family and later (API_FACTS.md 3.5)."""
    match = re.match(r"gpt-(\d+)(?:\.(\d+))?", canonical_id(model))
    if match is None:
        return False
    return (int(match.group(1)), int(match.group(2) or 0)) >= (5, 6)


__all__ = [
    "FactsTable",
    "ModelFacts",
    "canonical_id",
    "default_table",
    "family_of",
    "load_table",
    "lookup",
    "openai_bills_cache_writes",
    "parse_table",
]
