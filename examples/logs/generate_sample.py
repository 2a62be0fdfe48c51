"""Regenerate sample.jsonl: a small synthetic log that shows each kind of cache break.

    python examples/logs/generate_sample.py > examples/logs/sample.jsonl

Tags and what they show:
- support-chat (Claude Sonnet): a clock in the system prompt breaks the cache (PC101),
  and one conversation switches to Opus mid-way (PC105).
- profile-chat (Claude Sonnet): a per-user block before the static rules (PC102).
- agent (gpt-4.1): the same tools sent in a different order (PC103).
- triage (Claude Opus): short classification outputs on a premium model (routing lever).
- nightly-summaries (Claude Haiku): indented prompts nobody waits for (batch + whitespace levers).
The last lines are a malformed line and an unknown shape, reported with line numbers.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
RULES = "\n".join(
    f"Rule {i}: answer politely, cite the knowledge base article, never promise refunds."
    for i in range(1, 120)
)
TRIAGE = "\n".join(
    f"Label {i}: use it when the ticket mentions topic {i} (billing, shipping or login)."
    for i in range(1, 150)
)
TOOLS = [
    {
        "name": "search_docs",
        "description": "Search the knowledge base.",
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
    {
        "name": "create_ticket",
        "description": "Open a support ticket.",
        "input_schema": {"type": "object", "properties": {"title": {"type": "string"}}},
    },
]
OPENAI_TOOLS = [
    {"type": "function", "function": {"name": n, "description": f"{n} tool", "parameters": {}}}
    for n in ("lookup_order", "refund", "escalate", "send_email")
]


def line(obj: dict) -> None:
    print(json.dumps(obj, sort_keys=True))


def anthropic(model: str, in_t: int, out_t: int, write: int = 0, read: int = 0) -> dict:
    return {
        "type": "message",
        "model": model,
        "usage": {
            "input_tokens": in_t,
            "output_tokens": out_t,
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
        },
    }


def main() -> None:
    t = START
    # support-chat: clock in the system prompt, cache_control after it.
    for i in range(12):
        t += timedelta(minutes=1)
        system = [
            {
                "type": "text",
                "text": f"Current time: {t.isoformat()}\n{RULES}",
                "cache_control": {"type": "ephemeral"},
            },
        ]
        # The last call carries the previous conversation on to Opus (PC105).
        model = "claude-opus-4-6" if i == 11 else "claude-sonnet-4-5"
        question = [{"role": "user", "content": f"Question {min(i, 10)}: where is my order?"}]
        if i == 11:
            question += [
                {"role": "assistant", "content": "It ships today."},
                {"role": "user", "content": "Can you check again?"},
            ]
        line(
            {
                "time": t.isoformat(),
                "tag": "support-chat",
                "request": {
                    "model": model,
                    "max_tokens": 1024,
                    "tools": TOOLS,
                    "system": system,
                    "messages": question,
                },
                "response": anthropic(model, 40, 300, write=2400),
            }
        )
    # profile-chat: per-user block before the static rules.
    for i, user in enumerate(["ana", "bo", "chen", "dee", "eli", "fay"]):
        t += timedelta(seconds=30)
        system = [
            {"type": "text", "text": f"The user is {user}, customer #{1000 + i}, plan: pro."},
            {"type": "text", "text": RULES, "cache_control": {"type": "ephemeral"}},
        ]
        line(
            {
                "time": t.isoformat(),
                "tag": "profile-chat",
                "request": {
                    "model": "claude-sonnet-4-5",
                    "max_tokens": 512,
                    "system": system,
                    "messages": [{"role": "user", "content": "Summarise my plan."}],
                },
                "response": anthropic("claude-sonnet-4-5", 30, 420, write=2300 if i == 0 else 2310),
            }
        )
    # agent: tools in a different order on every other call (OpenAI caches automatically).
    for i in range(8):
        t += timedelta(seconds=45)
        tools = OPENAI_TOOLS if i % 2 == 0 else list(reversed(OPENAI_TOOLS))
        cached = 0 if i % 2 or i == 0 else 3072
        line(
            {
                "time": t.isoformat(),
                "tag": "agent",
                "request": {
                    "model": "gpt-4.1",
                    "tools": tools,
                    "max_completion_tokens": 800,
                    "messages": [
                        {"role": "system", "content": RULES},
                        {"role": "user", "content": f"Order {i} is late."},
                    ],
                },
                "response": {
                    "object": "chat.completion",
                    "model": "gpt-4.1-2025-04-14",
                    "usage": {
                        "prompt_tokens": 3200,
                        "completion_tokens": 520,
                        "prompt_tokens_details": {"cached_tokens": cached},
                    },
                },
            }
        )
    # triage: short classifications on Opus, with a well-cached prefix.
    for i in range(10):
        t += timedelta(seconds=20)
        line(
            {
                "time": t.isoformat(),
                "tag": "triage",
                "request": {
                    "model": "claude-opus-4-6",
                    "max_tokens": 16,
                    "system": [
                        {"type": "text", "text": TRIAGE, "cache_control": {"type": "ephemeral"}}
                    ],
                    "messages": [{"role": "user", "content": f"Ticket {i}: label it."}],
                },
                "response": anthropic(
                    "claude-opus-4-6",
                    20,
                    4,
                    write=4200 if i == 0 else 0,
                    read=0 if i == 0 else 4200,
                ),
            }
        )
    # nightly-summaries: indented, blank-line-padded prompts on the next day.
    t = START + timedelta(days=1, hours=2)
    bloated = "\n\n\n".join(
        "            Summarise the following report section in three bullet points.      "
        for _ in range(40)
    )
    for i in range(6):
        t += timedelta(minutes=2)
        line(
            {
                "time": t.isoformat(),
                "tag": "nightly-summaries",
                "request": {
                    "model": "claude-haiku-4-5",
                    "max_tokens": 400,
                    "messages": [{"role": "user", "content": f"{bloated}\nSection {i}."}],
                },
                "response": anthropic("claude-haiku-4-5", 1900, 350),
            }
        )
    # A Responses API call and an Anthropic batch result.
    line(
        {
            "time": t.isoformat(),
            "tag": "search",
            "request": {"model": "gpt-5-mini", "instructions": "Answer briefly.", "input": "hi"},
            "response": {
                "object": "response",
                "model": "gpt-5-mini",
                "usage": {
                    "input_tokens": 1200,
                    "output_tokens": 80,
                    "input_tokens_details": {"cached_tokens": 1024},
                    "output_tokens_details": {"reasoning_tokens": 40},
                },
            },
        }
    )
    line(
        {
            "custom_id": "doc-17",
            "result": {"type": "succeeded", "message": anthropic("claude-haiku-4-5", 5000, 600)},
        }
    )
    print('{"time": "2026-11-21T05:00:00Z", "request": {"model": "claude-haiku-4-5"')
    line({"event": "heartbeat"})


if __name__ == "__main__":
    main()
