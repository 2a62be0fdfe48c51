"""Ticket triage with OpenAI: no output limit on either call (PC301).

A model that rambles, or loops, bills every token it writes.
"""

from __future__ import annotations

from openai import OpenAI

from .prompts import TRIAGE_PROMPT

client = OpenAI()


def triage(ticket: str) -> str:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": TRIAGE_PROMPT},
            {"role": "user", "content": ticket},
        ],
    )
    return completion.choices[0].message.content or "other"


def summarise(ticket: str) -> str:
    response = client.responses.create(
        model="gpt-4.1-mini",
        instructions="Summarise the ticket in one sentence.",
        input=ticket,
    )
    return response.output_text
