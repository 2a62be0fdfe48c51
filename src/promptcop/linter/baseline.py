"""Baselines: accept today's findings, report only new ones.

A team turning promptcop on in an old codebase records what is there now
(``--write-baseline FILE``) and gates only on what is added later
(``--baseline FILE``). An entry is keyed by rule code, file path and a hash of
the offending source text, never by line number: code that moves (a new
import at the top, a function reordered) keeps matching its entry, while
changed text is a new finding. Identical findings in one file are counted, so
adding a second copy of a recorded mistake is reported.

Paths are stored relative to the baseline file's directory, so the file
matches whether the run says ``src/``, ``./src`` or an absolute path. The
file is JSON, versioned, sorted and indented, so it diffs well in review.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptcop.linter.fix import FixError, write_atomic
from promptcop.linter.model import Finding

BASELINE_VERSION = 1
_TEXT_PREVIEW = 80
_DIGITS = re.compile(r"\d+")


class BaselineError(Exception):
    """The baseline file is missing, unreadable or not one we wrote; the message is one line."""


@dataclass(frozen=True, order=True)
class BaselineKey:
    path: str
    code: str
    hash: str


@dataclass(frozen=True)
class BaselineResult:
    """Findings left after the baseline, and how many entries it absorbed or no longer matched."""

    findings: tuple[Finding, ...]
    baselined: int
    stale: int


def normalise_snippet(text: str) -> str:
    """Collapse every whitespace run to one space: reindenting code is not a new finding."""
    return " ".join(text.split())


def _identity_text(finding: Finding) -> str:
    snippet = normalise_snippet(finding.snippet)
    if snippet:
        return snippet
    # A rule that gives no snippet still gets a line-independent key: its
    # message with every number (line refs, counts) masked.
    return "message:" + _DIGITS.sub("#", normalise_snippet(finding.message))


def snippet_hash(finding: Finding) -> str:
    """16 hex digits of SHA-256 over the normalised offending text."""
    digest = hashlib.sha256(_identity_text(finding).encode("utf-8")).hexdigest()
    return digest[:16]


def baseline_path_for(finding_path: str, root: Path) -> str:
    """``finding_path`` relative to ``root`` with ``/`` separators (absolute when not below it)."""
    absolute = os.path.abspath(finding_path)
    try:
        relative = os.path.relpath(absolute, os.path.abspath(root))
    except ValueError:  # another drive on Windows
        relative = absolute
    return relative.replace(os.sep, "/")


def key_of(finding: Finding, root: Path) -> BaselineKey:
    return BaselineKey(
        baseline_path_for(finding.location.path, root), finding.code, snippet_hash(finding)
    )


# --- writing ---------------------------------------------------------------------


def render_baseline(findings: Iterable[Finding], baseline_file: Path) -> str:
    """The baseline file's text for ``findings``; equal inputs give byte-equal output."""
    root = baseline_file.parent
    counts: Counter[BaselineKey] = Counter()
    texts: dict[BaselineKey, str] = {}
    for finding in findings:
        key = key_of(finding, root)
        counts[key] += 1
        text = _identity_text(finding)
        texts[key] = text if len(text) <= _TEXT_PREVIEW else text[: _TEXT_PREVIEW - 3] + "..."
    entries = [
        {"path": k.path, "code": k.code, "hash": k.hash, "count": counts[k], "text": texts[k]}
        for k in sorted(counts)
    ]
    document = {"version": BASELINE_VERSION, "tool": "promptcop", "findings": entries}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(findings: Sequence[Finding], baseline_file: Path) -> int:
    """Write the baseline atomically; return the number of findings recorded."""
    text = render_baseline(findings, baseline_file)
    data = text.encode("utf-8")
    try:
        baseline_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(baseline_file, data)
    except (OSError, FixError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BaselineError(f"cannot write baseline {baseline_file}: {reason}") from exc
    return len(findings)


# --- reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    counts: Mapping[BaselineKey, int]
    root: Path

    def apply(
        self, findings: Iterable[Finding], *, scanned: Iterable[str] | None = None
    ) -> BaselineResult:
        """Drop findings the baseline records, up to each entry's count.

        ``scanned`` (the paths this run linted) limits the stale count to
        entries for those files, so linting a subset does not call the rest stale.
        """
        remaining = dict(self.counts)
        kept: list[Finding] = []
        absorbed = 0
        for finding in sorted(findings, key=Finding.sort_key):
            key = key_of(finding, self.root)
            if remaining.get(key, 0) > 0:
                remaining[key] -= 1
                absorbed += 1
            else:
                kept.append(finding)
        if scanned is None:
            stale = sum(remaining.values())
        else:
            paths = {baseline_path_for(p, self.root) for p in scanned}
            stale = sum(n for k, n in remaining.items() if k.path in paths)
        return BaselineResult(tuple(kept), absorbed, stale)


def _entry(index: int, raw: Any) -> tuple[BaselineKey, int]:
    if not isinstance(raw, dict):
        raise ValueError(f"entry {index} is not an object")
    for name in ("path", "code", "hash"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise ValueError(f"entry {index} has no valid {name!r}")
    count = raw.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"entry {index} has an invalid 'count'")
    return BaselineKey(raw["path"], raw["code"], raw["hash"]), count


def parse_baseline(text: str, baseline_file: Path) -> Baseline:
    """Validate a baseline document; raises BaselineError with a one-line reason."""
    name = str(baseline_file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"baseline {name} is not valid JSON (line {exc.lineno}: {exc.msg})"
        ) from exc
    if not isinstance(document, dict) or "findings" not in document:
        raise BaselineError(f"baseline {name} is not a promptcop baseline (no 'findings')")
    version = document.get("version")
    if version != BASELINE_VERSION:
        raise BaselineError(
            f"baseline {name} has version {version!r}; this promptcop reads version "
            f"{BASELINE_VERSION} (re-create it with --write-baseline)"
        )
    raw_entries = document["findings"]
    if not isinstance(raw_entries, list):
        raise BaselineError(f"baseline {name}: 'findings' must be a list")
    counts: Counter[BaselineKey] = Counter()
    try:
        for index, raw in enumerate(raw_entries):
            key, count = _entry(index, raw)
            counts[key] += count
    except ValueError as exc:
        raise BaselineError(f"baseline {name}: {exc}") from exc
    return Baseline(dict(counts), baseline_file.parent)


def load_baseline(baseline_file: Path) -> Baseline:
    try:
        text = baseline_file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BaselineError(
            f"baseline {baseline_file} does not exist (create it with --write-baseline)"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BaselineError(f"cannot read baseline {baseline_file}: {reason}") from exc
    return parse_baseline(text, baseline_file)
