"""promptcop: stop overpaying for LLM APIs.

The public runtime API. Names load lazily so that ``promptcop check`` (which
imports this package) does not pay for tiktoken or the compactor.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "count_tokens": "promptcop.tokens",
    "compact": "promptcop.compactor",
    "Compactor": "promptcop.compactor",
    "CompactResult": "promptcop.compactor",
    "BudgetExceeded": "promptcop.compactor",
    "preflight": "promptcop.compactor",
    "normalize_whitespace": "promptcop.whitespace",
    "record": "promptcop.audit.record",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'promptcop' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
