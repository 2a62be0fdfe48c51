"""``promptcop audit``: placeholder until issue 7 lands; replaced wholesale by the audit work."""

from __future__ import annotations

import click


@click.command()
@click.argument("logs", nargs=-1, type=click.Path())
def audit(logs: tuple[str, ...]) -> None:
    """Read request/usage logs and show where the money went."""
    raise click.ClickException("promptcop audit is not built yet (issue 7)")
