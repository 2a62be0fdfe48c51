"""preflight(): refuse a request that is too big or too expensive before it is sent.

Input is counted offline with the shared counter; output is priced at the
request's own cap (``max_tokens``, ``max_completion_tokens`` or
``max_output_tokens``), because that is what the call may cost at worst.
Prices come from the dated facts table (``promptcop.facts``); for a model id
the table does not know, the figures of its nearest family member are used
and the report says it is a guess. Input is priced as uncached: cache reads
are cheaper, so the real bill can only be lower.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptcop.facts import FactsTable, load_table, lookup

_OUTPUT_CAPS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


@dataclass(frozen=True)
class PreflightReport:
    """What a request would cost at most, and how far to trust the price."""

    model: str
    input_tokens: int
    max_output_tokens: int | None
    input_cost_usd: float
    max_output_cost_usd: float | None
    max_cost_usd: float | None
    price_guessed: bool
    caveat: str
    as_of: str


class PreflightError(Exception):
    """A request that should not be sent; ``report`` holds the figures."""

    def __init__(self, message: str, report: PreflightReport) -> None:
        super().__init__(message)
        self.report = report


class TooManyTokens(PreflightError):
    """The input is over ``max_input_tokens``."""

    def __init__(self, report: PreflightReport, limit: int) -> None:
        self.tokens = report.input_tokens
        self.limit = limit
        super().__init__(
            f"request has {self.tokens:,} input tokens, over the limit {limit:,}", report
        )


class TooExpensive(PreflightError):
    """Input plus the capped output could cost more than ``max_cost_usd``."""

    def __init__(self, report: PreflightReport, limit_usd: float) -> None:
        assert report.max_cost_usd is not None
        self.cost_usd = report.max_cost_usd
        self.limit_usd = limit_usd
        guess = f" ({report.caveat})" if report.caveat else ""
        super().__init__(
            f"request may cost ${self.cost_usd:.4f} ({report.input_tokens:,} input tokens, "
            f"up to {report.max_output_tokens:,} output tokens), over ${limit_usd:.4f}{guess}",
            report,
        )


class UnboundedOutput(PreflightError):
    """A cost limit was given but the request sets no output cap, so its cost has no bound."""

    def __init__(self, report: PreflightReport) -> None:
        super().__init__(
            "request sets none of max_tokens / max_completion_tokens / max_output_tokens, "
            "so its cost cannot be bounded",
            report,
        )


def _request_parts(request: Mapping[str, Any]) -> tuple[list[Any], Any, Any]:
    messages = request.get("messages")
    system = request.get("system")
    if messages is None and "input" in request:  # OpenAI Responses API
        raw = request["input"]
        messages = [{"role": "user", "content": raw}] if isinstance(raw, str) else list(raw)
        system = request.get("instructions", system)
    if messages is None:
        raise ValueError("request has no messages (or input)")
    if isinstance(messages, (str, bytes, Mapping)):
        raise ValueError("request messages must be a list of message mappings")
    return list(messages), system, request.get("tools")


def preflight(
    request: Mapping[str, Any],
    *,
    max_input_tokens: int | None = None,
    max_cost_usd: float | None = None,
    pricing: FactsTable | str | Path | None = None,
) -> PreflightReport:
    """Count and price ``request`` (the keyword arguments of a create call); raise if over a limit.

    Raises :class:`TooManyTokens`, :class:`TooExpensive` or
    :class:`UnboundedOutput` (all :class:`PreflightError`); returns the
    report when the request is within the limits.
    """
    if not isinstance(request, Mapping):
        raise ValueError("request must be a mapping of the create() keyword arguments")
    model = request.get("model")
    if not isinstance(model, str) or not model:
        raise ValueError("request has no model")
    messages, system, tools = _request_parts(request)
    table = pricing if isinstance(pricing, FactsTable) else load_table(pricing)
    try:
        facts = lookup(model, table)
    except KeyError as exc:
        raise ValueError(f"no price known for model {model!r} or its provider") from exc

    from promptcop.tokens import counter_for

    counter = counter_for(model)
    tokens = counter.request(messages, system=system, tools=tools)
    cap = next((request[k] for k in _OUTPUT_CAPS if request.get(k) is not None), None)
    if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 0):
        raise ValueError(f"output cap must be a non-negative integer, not {cap!r}")
    input_cost = tokens * facts.input / 1e6
    output_cost = cap * facts.output / 1e6 if cap is not None else None
    report = PreflightReport(
        model=model,
        input_tokens=tokens,
        max_output_tokens=cap,
        input_cost_usd=input_cost,
        max_output_cost_usd=output_cost,
        max_cost_usd=input_cost + output_cost if output_cost is not None else None,
        price_guessed=facts.guessed,
        caveat=facts.caveat,
        as_of=table.as_of,
    )
    if max_input_tokens is not None and tokens > max_input_tokens:
        raise TooManyTokens(report, max_input_tokens)
    if max_cost_usd is not None:
        if report.max_cost_usd is None:
            raise UnboundedOutput(report)
        if report.max_cost_usd > max_cost_usd:
            raise TooExpensive(report, max_cost_usd)
    return report
