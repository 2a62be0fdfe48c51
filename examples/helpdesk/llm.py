"""Client construction in one place, as most apps do it."""

from __future__ import annotations

import anthropic
from openai import OpenAI


def claude() -> anthropic.Anthropic:
    return anthropic.Anthropic(max_retries=3)


openai_client = OpenAI()
