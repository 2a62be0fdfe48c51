"""A tool-using agent whose tool list changes order between processes (PC103).

Iterating a set of names gives a different order in each process (string
hashing is randomised), so the tool definitions, the very start of the
prompt, differ and the cache never hits.
"""

from __future__ import annotations

import anthropic

client = anthropic.Anthropic()

TOOL_NAMES = {"lookup_order", "refund_order", "escalate"}

SCHEMAS = {
    "lookup_order": {"type": "object", "properties": {"order_id": {"type": "string"}}},
    "refund_order": {"type": "object", "properties": {"order_id": {"type": "string"}}},
    "escalate": {"type": "object", "properties": {"reason": {"type": "string"}}},
}


def run_agent(question: str) -> anthropic.types.Message:
    tools = [
        {"name": name, "description": f"The {name} tool.", "input_schema": SCHEMAS[name]}
        for name in TOOL_NAMES
    ]
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        tools=tools,
        messages=[{"role": "user", "content": question}],
    )
