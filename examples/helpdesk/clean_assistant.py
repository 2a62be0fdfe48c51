"""The same features written so the prompt cache works: promptcop finds nothing here.

Static text first (tools, then system), the per-request parts (time,
customer, question) in the last user message, the tool list in a fixed order,
and an output limit on every call. There is no cache breakpoint yet: this
prefix is shorter than the 1024 tokens Sonnet needs before anything is cached
(PC107 would flag a marker that can never take effect); add
``"cache_control": {"type": "ephemeral"}`` to the system block once it grows.
"""

from __future__ import annotations

import textwrap
from datetime import datetime

import anthropic

client = anthropic.Anthropic()

SYSTEM = textwrap.dedent(
    """\
    You are Acme's support agent.
    Be brief, friendly and concrete. Quote the policy when you refuse something.
    """
)

SCHEMAS = {
    "escalate": {"type": "object", "properties": {"reason": {"type": "string"}}},
    "lookup_order": {"type": "object", "properties": {"order_id": {"type": "string"}}},
}
TOOLS = [
    {"name": name, "description": f"The {name} tool.", "input_schema": SCHEMAS[name]}
    for name in sorted(SCHEMAS)
]


def reply(customer_name: str, question: str) -> str:
    context = f"Customer: {customer_name}. Local time: {datetime.now():%H:%M}."
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=600,
        tools=TOOLS,
        system=SYSTEM,
        messages=[{"role": "user", "content": f"{context}\n\n{question}"}],
    )
    return response.content[0].text
