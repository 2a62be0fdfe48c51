"""The audit's record of one logged API call, whatever log format it came from.

Readers turn each log line into a :class:`Call` (or a :class:`Skipped` with the
reason), so pricing, families and savings never look at provider formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Provider = Literal["anthropic", "openai"]
Api = Literal["messages", "chat.completions", "responses"]
Section = Literal["tools", "system", "messages"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one call by billing class (Anthropic's meaning, API_FACTS.md 1.C).

    ``uncached`` excludes cache reads and writes; OpenAI's ``prompt_tokens``
    (which includes cached tokens, API_FACTS.md 3.8) is split on the way in.
    """

    uncached: int = 0
    write_5m: int = 0
    write_1h: int = 0
    read: int = 0
    output: int = 0

    @property
    def writes(self) -> int:
        return self.write_5m + self.write_1h

    @property
    def total_input(self) -> int:
        return self.uncached + self.write_5m + self.write_1h + self.read


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of the prompt in cache order: a tool, a system block, a message block.

    ``digest`` is an in-process hash of the part's content (fast, but not
    stable across runs); ``text`` keeps the start of the part for showing what
    changed, or its logged sha256 when ``hashed`` (the recorder stored only
    hashes: never show it); ``chars`` is its full length.
    """

    section: Section
    label: str
    digest: int
    text: str
    chars: int
    hashed: bool = False


@dataclass(frozen=True, slots=True)
class Call:
    """One billed API call as read from a log."""

    path: str
    line: int
    time: datetime | None
    tag: str
    provider: Provider
    api: Api
    model: str
    batch: bool
    usage: Usage
    parts: tuple[Part, ...] = ()
    tool_names: tuple[str, ...] = ()
    # Texts of the request (system, message text, tool descriptions) for the
    # whitespace lever; empty when the log holds hashes or no request at all.
    texts: tuple[str, ...] = field(default=(), repr=False)
    # TTL of the request's cache breakpoints when it set one explicitly.
    ttl_seconds: int = 300


@dataclass(frozen=True, slots=True)
class Skipped:
    """A log line that could not be used, with a reason a user can act on."""

    path: str
    line: int
    reason: str
