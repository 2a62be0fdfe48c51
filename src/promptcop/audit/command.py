"""``promptcop audit``: flags in, library calls, output and exit codes out."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timezone

import click

from promptcop.audit.analyze import Filters, run_audit
from promptcop.audit.report import to_json, to_text
from promptcop.facts import load_table

# Below this, a progress bar would only flicker.
_PROGRESS_MIN_BYTES = 16 * 1024 * 1024
_PROGRESS_STEP = 1024 * 1024


def _fail(message: str) -> None:
    click.echo(f"promptcop audit: {message}", err=True)
    raise SystemExit(2)


def _parse_when(value: str | None, flag: str, end_of_day: bool) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _fail(f"{flag} {value!r} is not a date (YYYY-MM-DD) or ISO 8601 time")
        raise  # unreachable: _fail exits
    if len(value) == 10 and end_of_day:
        # --until 2026-11-23 includes the whole day.
        parsed = datetime.combine(parsed.date(), time.max)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@contextmanager
def _progress(paths: list[str]) -> Iterator[Callable[[int], None] | None]:
    total = sum(os.path.getsize(p) for p in paths if p != "-")
    if total < _PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label="reading logs", file=sys.stderr) as bar:
        pending = 0

        def advance(n: int) -> None:
            nonlocal pending
            pending += n
            if pending >= _PROGRESS_STEP:
                bar.update(pending)
                pending = 0

        yield advance
        bar.update(pending)


@click.command()
@click.argument("logs", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Terminal summary or one JSON document on stdout.",
)
@click.option(
    "--html", "html_path", metavar="FILE", help="Also write a self-contained HTML report."
)
@click.option(
    "--pricing",
    metavar="FILE",
    help="JSON price table laid over the shipped one (same shape as facts/models.json).",
)
@click.option("--since", metavar="DATE", help="Only calls at or after this date/time (UTC).")
@click.option(
    "--until", metavar="DATE", help="Only calls up to this date/time (a date: whole day)."
)
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Only calls with this tag (repeatable)."
)
@click.option(
    "--offline-tag",
    "offline_tags",
    multiple=True,
    metavar="TAG",
    help="Tag whose calls nobody waits for, for the batch lever (repeatable; default: by name).",
)
def audit(
    logs: tuple[str, ...],
    fmt: str,
    html_path: str | None,
    pricing: str | None,
    since: str | None,
    until: str | None,
    tags: tuple[str, ...],
    offline_tags: tuple[str, ...],
) -> None:
    """Show where the money went in request/usage LOGS and what caching, routing and
    batching would save.

    LOGS are JSONL files (.gz too; - for standard input): lines written by
    promptcop.record(), {"request", "response"} pairs (Anthropic Messages, OpenAI
    Chat Completions or Responses), or Batch results.
    """
    paths = list(logs)
    for path in paths:
        if path == "-":
            continue  # standard input
        if os.path.isdir(path):
            _fail(f"cannot read {path}: is a directory")
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            _fail(f"cannot read {path}: {exc.strerror or exc}")
    try:
        table = load_table(pricing)
    except ValueError as exc:
        _fail(str(exc).splitlines()[0])
        return
    filters = Filters(
        since=_parse_when(since, "--since", end_of_day=False),
        until=_parse_when(until, "--until", end_of_day=True),
        tags=frozenset(tags),
    )
    try:
        with _progress(paths) as advance:
            result = run_audit(
                paths,
                table,
                filters,
                offline_tags=frozenset(offline_tags) if offline_tags else None,
                progress=advance,
            )
    except OSError as exc:
        _fail(f"cannot read {exc.filename or 'log'}: {exc.strerror or exc}")
        return
    if html_path is not None:
        from promptcop.audit.html import to_html

        try:
            with open(html_path, "w", encoding="utf-8") as fh:
                fh.write(to_html(result))
        except OSError as exc:
            _fail(f"cannot write {html_path}: {exc.strerror or exc}")
    if fmt == "json":
        click.echo(json.dumps(to_json(result), indent=2))
    else:
        click.echo(to_text(result), nl=False)
