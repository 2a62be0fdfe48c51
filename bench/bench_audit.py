"""Throughput of ``promptcop audit`` on a large synthetic log.

    .venv/bin/python bench/bench_audit.py [--size-mb 200] [--path /tmp/promptcop-bench.jsonl]

Writes a log of mixed Anthropic / OpenAI lines (30 prompt families, tools,
growing conversations, clocks in some system prompts, whitespace-padded
prompts, a few broken lines), then times:

- floor: reading the file and ``json.loads`` on every line, the least any
  JSON-lines reader must pay;
- audit: the full ``run_audit`` pass (parse, price, families, savings).

Prints MB/s for both, the audit/floor ratio, and the time a 1 GB log would take.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import time
from datetime import datetime, timedelta, timezone

from promptcop.audit.analyze import run_audit
from promptcop.facts import load_table

MODELS = [
    ("claude-sonnet-4-5", "messages"),
    ("claude-opus-4-6", "messages"),
    ("claude-haiku-4-5", "messages"),
    ("gpt-4.1", "chat.completions"),
    ("gpt-5-mini", "responses"),
]
TAGS = ["support-chat", "triage", "nightly-report", "agent", "search", "ingest-batch"]


def _system(family: int, rng: random.Random, now: datetime) -> str:
    rules = "\n".join(
        f"Rule {i} of family {family}: be precise, cite sources, keep answers short."
        for i in range(40 + family * 3)
    )
    if family % 5 == 0:
        return f"Current time: {now.isoformat()}\n{rules}"
    if family % 7 == 0:
        return "\n".join("        " + line + "    " for line in rules.splitlines())
    return rules


def _tools(family: int, rng: random.Random) -> list[dict[str, object]]:
    tools = [
        {
            "name": f"tool_{family}_{i}",
            "description": f"Tool {i} for family {family}: looks things up.",
            "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
        }
        for i in range(family % 6)
    ]
    if family % 4 == 1:
        rng.shuffle(tools)
    return tools


def _line(rng: random.Random, now: datetime) -> dict[str, object]:
    family = rng.randrange(30)
    model, api = MODELS[family % len(MODELS)]
    turns = rng.randrange(1, 12)
    messages = []
    for t in range(turns):
        role = "user" if t % 2 == 0 else "assistant"
        text = " ".join(
            rng.choice(("order", "late", "refund", "why", "ok", "thanks")) for _ in range(40)
        )
        messages.append({"role": role, "content": text})
    if messages[-1]["role"] != "user":
        messages.append({"role": "user", "content": "and then?"})
    system = _system(family, rng, now)
    tools = _tools(family, rng)
    total = 400 + len(system) // 4 + turns * 60
    read = 0 if family % 5 == 0 else rng.choice((0, total // 2, total - 200))
    tag = TAGS[family % len(TAGS)]
    if api == "messages":
        request = {
            "model": model,
            "max_tokens": 1024,
            "system": system,
            "tools": tools,
            "messages": messages,
        }
        write = 0 if read else total - 300
        usage = {
            "input_tokens": total - read - write,
            "output_tokens": rng.randrange(5, 800),
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
        }
        response = {"type": "message", "model": model, "usage": usage}
    elif api == "chat.completions":
        openai_tools = [
            {"type": "function", "function": {"name": t["name"], "parameters": {}}} for t in tools
        ]
        request = {
            "model": model,
            "tools": openai_tools,
            "messages": [{"role": "system", "content": system}, *messages],
        }
        usage = {
            "prompt_tokens": total,
            "completion_tokens": rng.randrange(5, 800),
            "prompt_tokens_details": {"cached_tokens": read},
        }
        response = {"object": "chat.completion", "model": model, "usage": usage}
    else:
        request = {"model": model, "instructions": system, "input": messages}
        usage = {
            "input_tokens": total,
            "output_tokens": rng.randrange(5, 800),
            "input_tokens_details": {"cached_tokens": read},
        }
        response = {"object": "response", "model": model, "usage": usage}
    return {"time": now.isoformat(), "tag": tag, "request": request, "response": response}


def generate(path: str, size_mb: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    target = size_mb * 1024 * 1024
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    written = 0
    with open(path, "w", encoding="utf-8") as fh:
        n = 0
        while written < target:
            now += timedelta(seconds=rng.randrange(1, 90))
            text = '{"truncated": ' if n % 5000 == 4999 else json.dumps(_line(rng, now))
            fh.write(text + "\n")
            written += len(text) + 1
            n += 1


def floor(path: str) -> float:
    start = time.perf_counter()
    with open(path, "rb") as fh:
        for raw in fh:
            with contextlib.suppress(ValueError):
                json.loads(raw)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--path", default="/tmp/promptcop-bench-audit.jsonl")
    parser.add_argument("--keep", action="store_true", help="reuse an existing file of that path")
    args = parser.parse_args()
    if not (args.keep and os.path.exists(args.path)):
        start = time.perf_counter()
        generate(args.path, args.size_mb)
        print(f"generated {args.path} in {time.perf_counter() - start:.1f}s")
    size_mb = os.path.getsize(args.path) / (1024 * 1024)
    base = floor(args.path)
    start = time.perf_counter()
    result = run_audit([args.path], load_table())
    took = time.perf_counter() - start
    print(
        f"log: {size_mb:.0f} MB, {result.totals.requests:,} requests, "
        f"{result.skipped_count:,} skipped, {len(result.families)} families"
    )
    print(f"floor (read + json.loads): {base:.1f}s = {size_mb / base:.1f} MB/s")
    print(f"audit: {took:.1f}s = {size_mb / took:.1f} MB/s ({took / base:.2f}x the floor)")
    print(f"1 GB extrapolated: {took * 1024 / size_mb / 60:.1f} min")


if __name__ == "__main__":
    main()
