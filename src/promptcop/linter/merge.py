"""One finding per offending expression, however many calls send it.

The engine lints one file at a time, so a cache killer defined in an imported
module (``prompts.py``: ``SYSTEM = f"... {datetime.now()}"``) is found once by
every file that sends ``SYSTEM``: once by ``app.py``, once by ``cli.py``. Each
copy points at the same expression; only the calls that send it (the related
locations) differ. RULES.md asks for one finding per site, so the runner merges
findings that share their code, primary location and offending text into one
whose related locations are every copy's, sorted and deduplicated.

The merge is a pure function of the set of findings, never of their order:
the result cache answers for some files and the engine for others, worker
processes return in any order, and the output of a warm run must equal a cold
one, ``--jobs 2`` equal ``--jobs 1``. The message (and fix) of the merged
finding is the copy whose sending site sorts first.

Suppression runs before the merge, on each copy, so its semantics are ruff's
for a finding with several sending sites: a comment on the offending line
silences every copy; a comment on one call's first line silences only that
call's copy, and the finding is gone only when every call that sends the value
carries one. A finding still reported lists only the calls not silenced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from promptcop.linter.model import Finding, Location


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` with copies of one finding (same code, location, snippet) merged."""
    groups: dict[tuple[str, Location, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.code, finding.location, finding.snippet), []).append(finding)
    return [members[0] if len(members) == 1 else _merge(members) for members in groups.values()]


def _merge(members: list[Finding]) -> Finding:
    chosen = min(members, key=_copy_key)
    related = sorted(
        {r for member in members for r in member.related}, key=lambda r: (r.location, r.message)
    )
    return replace(chosen, related=tuple(related))


def _copy_key(finding: Finding) -> tuple[tuple[tuple[Location, str], ...], str, str]:
    """Order of copies: by their sending sites, then message; the fix breaks the last tie."""
    sites = tuple(sorted((r.location, r.message) for r in finding.related))
    return sites, finding.message, repr(finding.fix)
