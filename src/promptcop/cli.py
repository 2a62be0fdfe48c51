"""The ``promptcop`` command: parses flags, loads config, calls library code, sets exit codes."""

from __future__ import annotations

import click

from promptcop import __version__


@click.group()
@click.version_option(__version__, prog_name="promptcop")
def main() -> None:
    """Find and fix the patterns that inflate LLM API bills."""


def _register_subcommands() -> None:
    # Each capability keeps its command next to its code; the group only lists them.
    from promptcop.audit.command import audit

    main.add_command(audit)


_register_subcommands()
