"""The ``promptcop`` command: parses flags, loads config, calls library code, sets exit codes."""

from __future__ import annotations

import click

from promptcop import __version__


@click.group()
@click.version_option(__version__, prog_name="promptcop")
def main() -> None:
    """Find and fix the patterns that inflate LLM API bills."""
