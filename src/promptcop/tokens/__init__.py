"""The one token counter that the compactor and the linter share.

Offline by default and never downloading anything: OpenAI models use their
own tiktoken encoding (o200k_base for gpt-4o and later, cl100k_base before)
built from hash-checked packaged data; Claude models use ``ctok`` (optional
extra ``promptcop[claude]``) or cl100k with a model measured against ctok per
tokenizer family (see ``claude.py``). ``exact=True`` asks the provider's
counting endpoint instead (a network call the user opts into).

    >>> counter = counter_for("claude-sonnet-4-6")
    >>> counter.request(messages, system=system, tools=tools)   # whole request
    >>> counter.message(messages[-1])                           # one message, memoised
    >>> counter.observe(response.usage, messages=messages, system=system, tools=tools)

Public API: :func:`counter_for`, :class:`TokenCounter` (``text``, ``message``,
``messages``, ``system``, ``tools``, ``request``, ``observe``, ``clear``;
attributes ``model``, ``provider``, ``encoding``, ``estimate``, ``text_error``,
``correction``, ``request_overhead``), :func:`count_tokens`,
:func:`acount_tokens` (async exact mode), :func:`count_text_for_model`,
:func:`count_tools_for_model`, :func:`detect_format`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal

from promptcop.tokens.counter import Format, TokenCounter, detect_format
from promptcop.tokens.encodings import (
    EncodingDataError,
    count_text,
    encoding_for_openai_model,
    get_encoding,
)

DEFAULT_MODEL = "claude-sonnet-4-6"


def _check_format(format: str | None) -> Format | None:
    if format is None or format == "anthropic" or format == "openai":
        return format  # type: ignore[return-value]
    raise ValueError(f"format must be 'anthropic', 'openai' or None, not {format!r}")


@lru_cache(maxsize=64)
def _cached_counter(
    model: str, format: Format | None, calibration: float | None, use_ctok: bool | None
) -> TokenCounter:
    return TokenCounter(model, format=format, calibration=calibration, use_ctok=use_ctok)


def counter_for(
    model: str,
    *,
    format: str | None = None,
    calibration: float | None = None,
    use_ctok: bool | None = None,
) -> TokenCounter:
    """The shared counter of ``model`` (one per model and options).

    ``calibration`` replaces the measured cl100k->Claude model by a plain factor
    on cl100k (for OpenAI models it multiplies their own counts). ``use_ctok``:
    None uses ctok for Claude when it is installed, False never (ctok is about
    30x slower than tiktoken on a first count; the memo hides that on later
    turns), True requires it. Shared counters also share what ``observe()`` learnt.
    """
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model must be a non-empty model id, not {model!r}")
    if calibration is not None and not 0.1 <= calibration <= 10:
        raise ValueError(f"calibration must be between 0.1 and 10, not {calibration!r}")
    return _cached_counter(model, _check_format(format), calibration, use_ctok)


def count_tokens(
    messages: Sequence[Mapping[str, Any]],
    model: str = DEFAULT_MODEL,
    *,
    system: str | Sequence[Mapping[str, Any]] | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    format: str | None = None,
    exact: bool = False,
    client: Any = None,
) -> int:
    """Input tokens of a whole request (system + tools + messages), offline by default.

    ``exact=True`` calls the provider's counting endpoint through ``client``
    (``anthropic.Anthropic()`` or ``openai.OpenAI()``); without a client it
    raises ValueError rather than silently falling back to an estimate.
    """
    if isinstance(messages, (str, bytes, Mapping)):
        raise ValueError("messages must be a list of message mappings")
    _check_format(format)
    if exact:
        from promptcop.tokens.exact import exact_count

        return exact_count(client, messages, model=model, system=system, tools=tools, format=format)
    return counter_for(model, format=format).request(messages, system=system, tools=tools)


async def acount_tokens(
    messages: Sequence[Mapping[str, Any]],
    model: str = DEFAULT_MODEL,
    *,
    system: str | Sequence[Mapping[str, Any]] | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    format: str | None = None,
    exact: bool = False,
    client: Any = None,
) -> int:
    """:func:`count_tokens` for async code: ``exact=True`` awaits an async client
    (``anthropic.AsyncAnthropic()``, ``openai.AsyncOpenAI()``); offline counting
    runs inline (it is CPU work without I/O)."""
    if not exact:
        return count_tokens(messages, model, system=system, tools=tools, format=format)
    if isinstance(messages, (str, bytes, Mapping)):
        raise ValueError("messages must be a list of message mappings")
    _check_format(format)
    from promptcop.tokens.exact import exact_count_async

    return await exact_count_async(
        client, messages, model=model, system=system, tools=tools, format=format
    )


def count_text_for_model(text: str, model: str, *, use_ctok: bool | None = None) -> int:
    """Tokens of static text for ``model`` (what the linter uses for prompt text).

    ``use_ctok=False`` counts Claude text with the calibrated cl100k model
    (within ~5% of ctok, see ``claude.py``): building ctok's tables costs ~0.3 s
    per process and its first counts are slow, which a short-lived process that
    only needs an estimate (a pre-commit hook) should not pay.
    """
    return counter_for(model, use_ctok=use_ctok).text(text)


def count_tools_for_model(
    tools: Sequence[Mapping[str, Any]] | None, model: str, *, use_ctok: bool | None = None
) -> int:
    """Tokens of tool definitions for ``model``, including the tool-use framing
    (``use_ctok`` as for :func:`count_text_for_model`)."""
    return counter_for(model, use_ctok=use_ctok).tools(tools)


Provider = Literal["anthropic", "openai"]

__all__ = [
    "DEFAULT_MODEL",
    "EncodingDataError",
    "Format",
    "Provider",
    "TokenCounter",
    "acount_tokens",
    "count_text",
    "count_text_for_model",
    "count_tokens",
    "count_tools_for_model",
    "counter_for",
    "detect_format",
    "encoding_for_openai_model",
    "get_encoding",
]
