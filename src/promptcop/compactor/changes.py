"""What the compactor did to a history, one typed record per decision.

Indices are positions in the history the caller passed (after repairs, when
``repair=True`` inserted or removed messages: see :class:`Repaired`). Token
figures come from the same counter as ``CompactResult.tokens``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Repaired:
    """An invalid input fixed because ``repair=True`` was passed."""

    index: int
    what: str


@dataclass(frozen=True)
class TruncatedToolResult:
    """An oversized tool result cut to its head and tail, with a marker in between."""

    index: int
    tool_use_id: str
    kept_tokens: int
    removed_tokens: int


@dataclass(frozen=True)
class ClearedToolResult:
    """An old tool result replaced by a placeholder (like the API's context editing)."""

    index: int
    tool_use_id: str
    removed_tokens: int


@dataclass(frozen=True)
class DroppedTurns:
    """Whole turns ``first``..``last`` (message indices, inclusive) left out of the request."""

    first: int
    last: int
    tokens: int


@dataclass(frozen=True)
class Summarised:
    """Dropped messages ``first``..``last`` replaced by a summary of ``tokens`` tokens."""

    first: int
    last: int
    tokens: int


@dataclass(frozen=True)
class CacheBreakpoint:
    """A ``cache_control`` marker placed on a copy: ``where`` is tools, system or messages."""

    where: str
    index: int


Change = (
    Repaired | TruncatedToolResult | ClearedToolResult | DroppedTurns | Summarised | CacheBreakpoint
)


class BudgetExceeded(Exception):
    """Even the smallest valid request is over the budget.

    ``needed`` is the smallest request the compactor could build (every
    droppable turn dropped, every old tool result cleared, oversized ones cut);
    ``pinned`` is the part nothing may remove: system, tools and the
    ``keep_first`` turns.
    """

    def __init__(self, *, needed: int, budget: int, pinned: int) -> None:
        self.needed = needed
        self.budget = budget
        self.pinned = pinned
        super().__init__(
            f"the smallest valid request is {needed:,} tokens but the budget is {budget:,} "
            f"(system, tools and pinned turns alone: {pinned:,})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.needed, self.budget, self.pinned))


def _rebuild(needed: int, budget: int, pinned: int) -> BudgetExceeded:
    return BudgetExceeded(needed=needed, budget=budget, pinned=pinned)
