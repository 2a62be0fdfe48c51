"""Claude token counts offline: ctok when installed, else calibrated cl100k.

Anthropic publishes no local tokenizer and changes it between generations
(API_FACTS.md 2.9). ``ctok`` reconstructs it per family (API_FACTS.md 6.3);
it is an optional extra (``promptcop[claude]``). Without it we count with
cl100k and correct the count with a per-family model measured against ctok
(``CLAUDE_TEXT_MODEL`` below, with how it was measured).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal

from promptcop.facts import canonical_id

ClaudeFamily = Literal["v3", "v4.7", "v4.8"]

# ctok's families and the model generations they serve (API_FACTS.md 6.3, ctok README):
# v3 = Claude 3 through Opus 4.6, v4.7 = Opus 4.7, v4.8 = Opus 4.8, Sonnet 5, Fable 5 and later.
_CTOK_VERSION: dict[ClaudeFamily, str] = {"v3": "3.0", "v4.7": "4.7", "v4.8": "4.8"}

# cl100k -> Claude calibration, measured 2026-11-23 by bench/bench_tokens.py
# against ctok 1.3.0 (the offline reconstruction of Claude's tokenizer,
# API_FACTS.md 6.3) on bench/token_corpus.py: 2.73M chars in 8 kinds (prose,
# Python code, C code, JSON, tool schemas, tool output, prose written in 19
# languages, and UI messages in 28 languages from the machine's gettext
# catalogs), fitted on the even-numbered documents of each kind with every
# kind weighted equally (least squares of relative error), checked on the odd.
#
# A single factor (Claude ~= cl100k * factor) is off by up to 20 % (v3) / 32 %
# (v4.7+) on some kinds held out: C code full of ALL_CAPS costs Claude far more,
# non-Latin text less. So the default is a linear model over six features that
# each cost one C-speed pass (``text_features``; names in ``FEATURES``):
#     Claude ~= a*cl100k + b*chars + c*(utf8 bytes - chars) + d*(A-Z letters)
#               + e*digits + f*(spaces, newlines, tabs)
# Held out, its error on each kind's total is within 5.2 % (v3: tool output
# -5.2 %) / 4.8 % (v4.7, v4.8: tool output -4.8 %); mean per-document error
# 1-7 % for code, prose, JSON, tool schemas and tool output, 9-12 % for
# non-English text (it varies by language). The single factors stay for
# ``calibration=``-style users and for the report.
CALIBRATION_AS_OF = "2026-11-23"
CL100K_TO_CLAUDE: dict[ClaudeFamily, float] = {"v3": 1.1059, "v4.7": 1.3140, "v4.8": 1.3131}
CLAUDE_TEXT_MODEL: dict[ClaudeFamily, tuple[float, ...]] = {
    "v3": (0.8290, 0.0630, -0.0199, 0.4277, 0.1505, 0.0100),
    "v4.7": (0.9054, 0.1289, -0.1129, 0.8086, 0.0147, -0.0445),
    "v4.8": (0.9049, 0.1290, -0.1137, 0.8081, 0.0143, -0.0444),
}
# Worst per-kind error of the model above on held-out documents (same run), for
# callers that want a safety margin on a budget.
CLAUDE_TEXT_MODEL_WORST_ERROR: dict[ClaudeFamily, float] = {
    "v3": 0.052,
    "v4.7": 0.048,
    "v4.8": 0.048,
}
# The same for a plain factor on cl100k (``calibration=``): far worse.
SINGLE_FACTOR_WORST_ERROR: dict[ClaudeFamily, float] = {"v3": 0.197, "v4.7": 0.324, "v4.8": 0.324}
_UPPER = re.compile(r"[A-Z]")
_DIGIT = re.compile(r"[0-9]")

# The model's features, in CLAUDE_TEXT_MODEL's order.
FEATURES = ("cl100k", "chars", "utf8_extra_bytes", "uppercase", "digits", "blanks")


def text_features(text: str, cl100k: int) -> tuple[float, ...]:
    """The model's features of ``text`` (its cl100k count given): each one C-speed pass.

    Shared with bench/bench_tokens.py, so the fit and its use cannot drift apart.
    """
    extra = len(text.encode("utf-8", "surrogatepass")) - len(text)
    blanks = text.count(" ") + text.count("\n") + text.count("\t")
    return (
        float(cl100k),
        float(len(text)),
        float(extra),
        float(len(_UPPER.findall(text))),
        float(len(_DIGIT.findall(text))),
        float(blanks),
    )


def apply_text_model(coefficients: Sequence[float], features: Sequence[float]) -> float:
    """Claude tokens from the features; never below half the cl100k count, a guard
    against extrapolating the linear fit to text unlike the corpus."""
    estimate = sum(c * f for c, f in zip(coefficients, features, strict=True))
    return max(0.5 * features[0], estimate)


def claude_text_estimator(family: ClaudeFamily) -> Callable[[str], float]:
    """text -> estimated Claude content tokens, from cl100k and cheap text features."""
    from promptcop.tokens.encodings import get_encoding

    encoding = get_encoding("cl100k_base")
    coefficients = CLAUDE_TEXT_MODEL[family]

    def estimate(text: str) -> float:
        if not text:
            return 0.0
        cl = len(encoding.encode(text, disallowed_special=()))
        return apply_text_model(coefficients, text_features(text, cl))

    return estimate


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


def ctok_frame(family: ClaudeFamily) -> int:
    """The installed ctok's single-message frame: the ``<pad>`` tokens its tokenize()
    puts first (public API), so a newer ctok with another frame is followed."""
    ctok = importlib.import_module("ctok")
    try:
        tokens = ctok.tokenize("x", _CTOK_VERSION[family])
        pad = "\N{MATHEMATICAL LEFT ANGLE BRACKET}pad\N{MATHEMATICAL RIGHT ANGLE BRACKET}"
        frame = sum(1 for t in tokens if t == pad)
    except Exception:  # an incompatible ctok: fall back to the measured 1.3.0 frame
        return _CTOK_FRAME[family]
    return frame or _CTOK_FRAME[family]


def ctok_counter(family: ClaudeFamily) -> Callable[[str], int]:
    """A function text -> Claude content tokens (ctok's count minus its message frame)."""
    ctok = importlib.import_module("ctok")
    version = _CTOK_VERSION[family]
    frame = ctok_frame(family)

    def count(text: str) -> int:
        if not text:
            return 0
        return max(0, int(ctok.token_count(text, version)) - frame)

    return count
