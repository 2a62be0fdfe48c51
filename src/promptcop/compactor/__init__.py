"""Fit chat histories to a token budget as valid, cache-friendly requests.

>>> out = compact(messages, budget=32_000, model="claude-sonnet-4-6", system=system)
>>> c = Compactor(budget=32_000, model="claude-sonnet-4-6", system=system, tools=tools)
>>> request_messages = c.compact(history).messages      # every turn
"""

from __future__ import annotations

from promptcop.compactor.changes import (
    BudgetExceeded,
    CacheBreakpoint,
    Change,
    ClearedToolResult,
    DroppedTurns,
    Repaired,
    Summarised,
    TruncatedToolResult,
)
from promptcop.compactor.compactor import Compactor, CompactResult, compact
from promptcop.compactor.preflight import (
    PreflightError,
    PreflightReport,
    TooExpensive,
    TooManyTokens,
    UnboundedOutput,
    preflight,
)

__all__ = [
    "BudgetExceeded",
    "CacheBreakpoint",
    "Change",
    "ClearedToolResult",
    "CompactResult",
    "Compactor",
    "DroppedTurns",
    "PreflightError",
    "PreflightReport",
    "Repaired",
    "Summarised",
    "TooExpensive",
    "TooManyTokens",
    "TruncatedToolResult",
    "UnboundedOutput",
    "compact",
    "preflight",
]
