"""Customer-support replies with Claude.

Two cache killers: the current time sits in the system prompt (PC101), and
the customer's name comes before the long static policy (PC102). Either one
makes every request a cache miss on the whole prefix.
"""

from __future__ import annotations

from datetime import datetime

import anthropic

from .prompts import POLICY

client = anthropic.Anthropic()

STYLE = "Be brief, friendly and concrete. Quote the policy when you refuse something."


def reply(customer_name: str, question: str) -> str:
    system = f"You are Acme's support agent. It is {datetime.now():%H:%M} now.\n" + STYLE
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=600,
        system=system,
        messages=[{"role": "user", "content": question}],
    )
    return response.content[0].text


def reply_personal(customer_name: str, question: str) -> str:
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=600,
        system=f"The customer is {customer_name}.\n" + POLICY + STYLE,
        messages=[{"role": "user", "content": question}],
    )
    return response.content[0].text
