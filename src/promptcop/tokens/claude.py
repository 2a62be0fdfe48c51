"""Claude token counts offline: ctok when installed, else calibrated cl100k.

Anthropic publishes no local tokenizer and changes it between generations
(API_FACTS.md 2.9). ``ctok`` reconstructs it per family (API_FACTS.md 6.3);
it is an optional extra (``promptcop[claude]``). Without it we count with
cl100k and multiply by a per-family factor measured against ctok.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Literal

from promptcop.facts import canonical_id

ClaudeFamily = Literal["v3", "v4.7", "v4.8"]

# ctok's families and the model generations they serve (API_FACTS.md 6.3, ctok README):
# v3 = Claude 3 through Opus 4.6, v4.7 = Opus 4.7, v4.8 = Opus 4.8, Sonnet 5, Fable 5 and later.
_CTOK_VERSION: dict[ClaudeFamily, str] = {"v3": "3.0", "v4.7": "4.7", "v4.8": "4.8"}

# cl100k -> Claude calibration: Claude tokens ~= cl100k tokens * factor.
# PROVISIONAL (2026-11-23): API_FACTS.md 6.5's single-transcript figure, until
# bench/bench_tokens.py has measured each family on a varied corpus.
CALIBRATION_AS_OF = "2026-11-23"
CL100K_TO_CLAUDE: dict[ClaudeFamily, float] = {"v3": 1.13, "v4.7": 1.13, "v4.8": 1.13}

# Frame of one request: ctok's measured single-user-message frame minus the
# per-message share (role markers, which we take as 3 tokens: unverified, an
# estimate by analogy with OpenAI's convention; observe() corrects it).
CLAUDE_TOKENS_PER_MESSAGE = 3
_CTOK_FRAME: dict[ClaudeFamily, int] = {"v3": 7, "v4.7": 11, "v4.8": 6}


def request_overhead(family: ClaudeFamily) -> int:
    """Fixed tokens of one Messages request beyond its messages (estimate)."""
    return max(0, _CTOK_FRAME[family] - CLAUDE_TOKENS_PER_MESSAGE)


_OLD_STYLE = re.compile(r"claude-(\d+)(?:-(\d))?-(?:opus|sonnet|haiku)")
_NEW_STYLE = re.compile(r"claude-(?:opus|sonnet|haiku|fable|mythos)-(\d+)(?:[-.](\d+))?")
_BARE = re.compile(r"claude-(\d+)(?:[-.](\d+))?")


def claude_version(model: str) -> tuple[int, int] | None:
    """(major, minor) of a Claude model id, e.g. claude-3-5-sonnet -> (3, 5); None if unknown."""
    m = canonical_id(model)
    for pattern in (_OLD_STYLE, _NEW_STYLE, _BARE):
        match = pattern.match(m)
        if match:
            major = int(match.group(1))
            minor = int(match.group(2)) if match.group(2) and len(match.group(2)) <= 2 else 0
            return major, minor
    return None


def claude_family(model: str) -> ClaudeFamily:
    """The tokenizer family of a Claude model; unknown ids get the newest family."""
    version = claude_version(model)
    if version is None:
        return "v4.8"
    if version >= (4, 8):
        return "v4.8"
    if version >= (4, 7):
        return "v4.7"
    return "v3"


def family_is_known(model: str) -> bool:
    """False when the id could not be placed and ``claude_family`` guessed."""
    version = claude_version(model)
    return version is not None and version >= (3, 0)


@lru_cache(maxsize=1)
def ctok_available() -> bool:
    """Whether the optional ``ctok`` package can be imported."""
    try:
        importlib.import_module("ctok")
    except ImportError:
        return False
    return True


def ctok_counter(family: ClaudeFamily) -> Callable[[str], int]:
    """A function text -> Claude content tokens (ctok's count minus its message frame)."""
    ctok = importlib.import_module("ctok")
    version = _CTOK_VERSION[family]
    frame = _CTOK_FRAME[family]

    def count(text: str) -> int:
        if not text:
            return 0
        return max(0, int(ctok.token_count(text, version)) - frame)

    return count
