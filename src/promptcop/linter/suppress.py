"""Suppression comments: ``# promptcop: ignore[PC101]`` and ``# noqa: PC101``.

Comments are found with :mod:`tokenize`, so a ``# noqa`` inside a string
literal (a prompt that documents our own syntax, say) never counts. A comment
applies to a finding when it sits on the finding's first or last line (for a
multi-line literal the comment can only follow the closing quotes) or on the
first line of the call that sends the request (``Finding.site_line``), so one
comment on the call silences a value built far away.

Each directive records which codes it actually silenced: unused suppressions
are reported elsewhere so they do not rot (issue 4).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from promptcop.linter.model import Finding

# A directive's "#" opens the comment or follows whitespace (a second comment
# part), so prose that quotes the syntax in backticks is not a directive.
# Forms: "promptcop: ignore", "promptcop: ignore[PC101, PC102]", "promptcop:ignore[PC1]".
_PROMPTCOP = re.compile(
    r"(?:^|(?<=\s))#\s*promptcop\s*:\s*ignore(?![\w-])(?:\s*\[(?P<codes>[^\]]*)\])?", re.IGNORECASE
)
# flake8/ruff style: "noqa", "noqa: PC101,PC102", "NOQA:PC101 E501".
_NOQA = re.compile(
    r"(?:^|(?<=\s))#\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_CODE = re.compile(r"[A-Z]+[0-9]*")
# Directive kind -> its pattern, in the order a comment is tried.
DIRECTIVE_PATTERNS = {"promptcop": _PROMPTCOP, "noqa": _NOQA}

# Cheap test before tokenizing: most files carry no directive at all.
_MARKERS = ("noqa", "NOQA", "promptcop", "Noqa")


@dataclass
class Directive:
    """One suppression comment; ``codes`` None means "every code"."""

    line: int
    column: int  # 1-based column of the "#"
    kind: str  # "promptcop" or "noqa"
    codes: frozenset[str] | None
    text: str
    used: set[str] = field(default_factory=set)

    def covers(self, code: str) -> bool:
        if self.codes is None:
            return True
        return any(selects(c, code) for c in self.codes)

    @property
    def unused_codes(self) -> frozenset[str]:
        """Codes named but matched by no finding (all of them when nothing was silenced)."""
        if self.codes is None:
            return frozenset() if self.used else frozenset({"*"})
        return frozenset(c for c in self.codes if not any(u.startswith(c) for u in self.used))


def parse_directives(source: str) -> list[Directive]:
    """Every suppression comment in ``source``, in order.

    A file that tokenize cannot read (the parser would have failed too) has none.
    """
    if not any(marker in source for marker in _MARKERS):
        return []
    directives: list[Directive] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.COMMENT:
                continue
            directive = _parse_comment(token.string, token.start[0], token.start[1] + 1)
            if directive is not None:
                directives.append(directive)
    except (tokenize.TokenError, SyntaxError):
        return directives
    return directives


def selects(selector: str, code: str) -> bool:
    """A directive's ``selector`` names ``code``: the full code, or a short prefix like ``PC1``."""
    return code == selector or (len(selector) < 5 and code.startswith(selector))


def _parse_comment(comment: str, line: int, column: int) -> Directive | None:
    # A comment can hold several parts, e.g. a type-checker's ignore, then ours.
    for kind, pattern in DIRECTIVE_PATTERNS.items():
        match = pattern.search(comment)
        if match is not None:
            codes = match.group("codes")
            parsed = _split_codes(codes) if codes is not None else None
            return Directive(line, column, kind, parsed, comment)
    return None


def _split_codes(text: str) -> frozenset[str]:
    return frozenset(c.upper() for c in _CODE.findall(text.upper()))


@dataclass
class Suppressions:
    """The directives of one file, indexed by line."""

    directives: list[Directive]

    def __post_init__(self) -> None:
        self._by_line: dict[int, list[Directive]] = {}
        for directive in self.directives:
            self._by_line.setdefault(directive.line, []).append(directive)

    @classmethod
    def from_source(cls, source: str) -> Suppressions:
        return cls(parse_directives(source))

    def suppressing(self, finding: Finding, lines: Iterable[int]) -> Directive | None:
        """The directive on one of ``lines`` that silences ``finding``, marking it used."""
        for line in lines:
            for directive in self._by_line.get(line, ()):
                if directive.covers(finding.code):
                    directive.used.add(finding.code)
                    return directive
        return None

    def unused(self) -> list[Directive]:
        return [d for d in self.directives if d.unused_codes]


def comment_lines(finding: Finding) -> list[tuple[str, int]]:
    """Where a comment may silence ``finding``: (path, line) pairs, most specific first.

    The finding's first and last line, and the first line of the sending call,
    which lives in the file of the related location on that line when the
    value was built in another module.
    """
    loc = finding.location
    places = [(loc.path, loc.line), (loc.path, loc.end_line)]
    if finding.site_line is not None:
        site_path = loc.path
        for related in finding.related:
            if related.location.line == finding.site_line:
                site_path = related.location.path
                break
        places.append((site_path, finding.site_line))
    return list(dict.fromkeys(places))


def filter_suppressed(
    findings: Sequence[Finding], sources: Mapping[str, str]
) -> tuple[list[Finding], dict[str, Suppressions]]:
    """Drop findings silenced by a suppression comment.

    ``sources`` maps a path to its text; a comment in a file not in it is not
    seen. Returns the kept findings and each file's directives with their
    ``used`` sets filled in (files without directives are left out).
    """
    tables: dict[str, Suppressions] = {}

    def table_for(path: str) -> Suppressions:
        table = tables.get(path)
        if table is None:
            source = sources.get(path)
            table = Suppressions.from_source(source) if source is not None else Suppressions([])
            tables[path] = table
        return table

    kept: list[Finding] = []
    for finding in findings:
        silenced = False
        for path, line in comment_lines(finding):
            if table_for(path).suppressing(finding, (line,)) is not None:
                silenced = True
                break
        if not silenced:
            kept.append(finding)
    return kept, {path: t for path, t in tables.items() if t.directives}
