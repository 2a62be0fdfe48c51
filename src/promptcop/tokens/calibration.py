"""Learning a correction factor from real usage, without letting one response wreck it.

Each response tells us the real input size of a request we also counted
offline. We move the counter's correction a little toward ``real / estimated``
each time: geometric smoothing (so 2x too high and 2x too low weigh the same),
a cap on how far one observation can move it, a hard bound on the factor, and
outright rejection of ratios no tokenizer difference explains (a usage object
from another request, a cached-token field misread, a proxy rewriting prompts).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

# Weight of one observation in the geometric moving average.
SMOOTHING = 0.25
# One observation moves the correction by at most this factor (up or down).
MAX_STEP = 1.10
# The correction always stays within these bounds.
MIN_CORRECTION = 0.5
MAX_CORRECTION = 2.0
# real/estimated outside these bounds is ignored as not-this-request.
MIN_PLAUSIBLE_RATIO = 0.25
MAX_PLAUSIBLE_RATIO = 4.0
# Requests this small are dominated by framing we only estimate; ignore them.
MIN_OBSERVED_TOKENS = 32


def _field(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def observed_input_tokens(usage: Mapping[str, Any] | object) -> int | None:
    """The whole input size a response reports, or None when it reports none.

    Anthropic: ``input_tokens + cache_creation_input_tokens + cache_read_input_tokens``
    (API_FACTS.md 1.C: input_tokens excludes the cached part). OpenAI Chat:
    ``prompt_tokens`` (includes cached tokens, API_FACTS.md 3.8). OpenAI
    Responses: ``input_tokens`` (cached tokens are a detail of it, 3.9).
    A whole response object is accepted too: its ``usage`` is read.
    """
    nested = _field(usage, "usage")
    if nested is not None and not isinstance(nested, (int, float)):
        usage = nested
    prompt = _field(usage, "prompt_tokens")
    if isinstance(prompt, int) and not isinstance(prompt, bool):
        return prompt
    base = _field(usage, "input_tokens")
    if not isinstance(base, int) or isinstance(base, bool):
        return None
    total = base
    for key in ("cache_creation_input_tokens", "cache_read_input_tokens"):
        extra = _field(usage, key)
        if isinstance(extra, int) and not isinstance(extra, bool):
            total += extra
    return total


def updated_correction(current: float, *, estimated: int, real: int) -> float | None:
    """The new correction after one observation, or None when it is rejected."""
    if estimated < MIN_OBSERVED_TOKENS or real < MIN_OBSERVED_TOKENS:
        return None
    ratio = real / estimated
    if not MIN_PLAUSIBLE_RATIO <= ratio <= MAX_PLAUSIBLE_RATIO:
        return None
    step = math.exp(SMOOTHING * math.log(ratio))
    step = min(MAX_STEP, max(1 / MAX_STEP, step))
    return min(MAX_CORRECTION, max(MIN_CORRECTION, current * step))
