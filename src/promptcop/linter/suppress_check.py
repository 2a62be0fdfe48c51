"""Suppression hygiene: PC901 unused-suppression and PC902 blanket-suppression.

These rules judge comments, not requests, and can only run once every other
rule has reported and suppression has been applied (a comment is unused when
no finding needed it). So they are a runner stage, not modules of the
``rules`` package whose ``check`` sees one file's requests; their metadata
is a :class:`~promptcop.linter.rules.Rule` all the same, so ``promptcop
rules``, ``explain``, ``--select`` and SARIF treat them like any other rule.

Which comments are ours: ``# promptcop: ignore`` always; ``# noqa`` only for
the ``PC`` codes it names, or, when it names none, only if it silenced one of
our findings or sits on an LLM call (where it hides every future finding on
that call). ``# noqa: E501`` belongs to another tool and is never reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from promptcop.config import Settings
from promptcop.linter.model import Applicability, Edit, Finding, Fix, Location
from promptcop.linter.rules import Invalid, Rule

# One definition of the comment syntax: suppress.py's, which decides what silences.
from promptcop.linter.suppress import DIRECTIVE_PATTERNS, Directive, Suppressions, selects

if TYPE_CHECKING:
    from promptcop.linter.context import RuleContext

UNUSED = "PC901"
BLANKET = "PC902"
_OURS = re.compile(r"^PC\d*$")
_CODE_LIST = re.compile(r"[A-Za-z]+[0-9]*")

_UNUSED_DOC = """
## What it does
Reports a suppression comment (`# promptcop: ignore[...]` or `# noqa: PC...`)
that silences nothing: the finding it was written for is gone, or the code is
wrong, or it names a code no rule has.

## Why is this bad?
A stale suppression is a blind spot waiting to happen: when the cache killer
it once excused comes back on that line (a timestamp in the system prompt
costs the full input price on every call instead of 0.1x, API_FACTS.md 1.5),
the old comment hides it. Removing dead suppressions keeps every remaining
one meaningful.

## Example
```python
client.messages.create(model=MODEL, max_tokens=512, messages=msgs)  # noqa: PC301
```

## Use instead
```python
client.messages.create(model=MODEL, max_tokens=512, messages=msgs)
```

## Fix safety
Safe: the fix deletes only the unused codes (or the whole directive when none
is used); other tools' codes in the same `# noqa` and other comments on the
line are kept.

## Options
Only codes this run checks are judged: a code switched off by `select`,
`ignore` or `per-file-ignores` is never called unused.

## References
- ruff RUF100 (unused-noqa)
"""

_BLANKET_DOC = """
## What it does
Reports a suppression comment that names no code: `# promptcop: ignore`, or
a bare `# noqa` that silences one of our findings or sits on an LLM call.

## Why is this bad?
A blanket suppression silences every rule on that line, today's and
tomorrow's: when someone later adds `datetime.now()` to the prompt built on
that line, the cache-killer report that would have saved the full input price
on every request (API_FACTS.md 1.5) never appears.

## Example
```python
client.messages.create(model=MODEL, messages=msgs)  # promptcop: ignore
```

## Use instead
```python
client.messages.create(model=MODEL, messages=msgs)  # promptcop: ignore[PC301]
```

## Fix safety
`# promptcop: ignore` is rewritten to name the codes it silences in this run:
safe, the same findings stay silenced. A bare `# noqa` is rewritten only with
`--unsafe-fixes`, since it may also be silencing another tool's findings; a
bare `# noqa` that silences none of ours has no fix (only you know which
tool it is for).

## Options
None.

## References
- ruff PGH004 (blanket-noqa)
"""

_HEADER = "import anthropic\n\nclient = anthropic.Anthropic()\n"
_LIMITED = 'client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=[])'
_UNLIMITED = 'client.messages.create(model="claude-sonnet-4-5", messages=[])'

_VALID = [
    # A used, named suppression.
    f"{_HEADER}{_UNLIMITED}  # noqa: PC301\n",
    # Another tool's codes are not ours.
    f"{_HEADER}{_LIMITED}  # noqa: E501\n",
    # A bare noqa that silences nothing of ours belongs to other tools.
    f"import os  # noqa\n{_HEADER}{_LIMITED}\n",
]

_UNUSED_INVALID = [
    Invalid(
        f"{_HEADER}{_LIMITED}  # noqa: PC301, E501  # expect: PC901\n",
        fixed=f"{_HEADER}{_LIMITED}  # noqa: E501  # expect: PC901\n",
    ),
    Invalid(
        f"{_HEADER}{_LIMITED}  # type: ignore  # promptcop: ignore[PC301]  # expect: PC901\n",
        fixed=f"{_HEADER}{_LIMITED}  # type: ignore  # expect: PC901\n",
    ),
    Invalid(
        f"{_HEADER}{_LIMITED}  # promptcop: ignore  # expect: PC901\n",
        fixed=f"{_HEADER}{_LIMITED}  # expect: PC901\n",
    ),
    Invalid(
        f"{_HEADER}{_UNLIMITED}  # noqa: PC301, PC999  # expect: PC901\n",
        fixed=f"{_HEADER}{_UNLIMITED}  # noqa: PC301  # expect: PC901\n",
    ),
]

_BLANKET_INVALID = [
    # Meant for a line-length check, but it would hide a future PC301 here too.
    Invalid(f"{_HEADER}{_LIMITED}  # noqa  # expect: PC902\n"),
    Invalid(
        f"{_HEADER}{_UNLIMITED}  # promptcop: ignore  # expect: PC902\n",
        fixed=f"{_HEADER}{_UNLIMITED}  # promptcop: ignore[PC301]  # expect: PC902\n",
    ),
]


def _no_findings(_ctx: RuleContext) -> Iterator[Finding]:
    """Never called per file: the runner stage below produces these findings."""
    return iter(())


META_RULES: tuple[Rule, ...] = (
    Rule(
        code=UNUSED,
        name="unused-suppression",
        severity="warning",
        summary="A suppression comment that silences nothing",
        doc=_UNUSED_DOC,
        fix="safe",
        valid=tuple(_VALID),
        invalid=tuple(_UNUSED_INVALID),
        check=_no_findings,
        module=__name__,
    ),
    Rule(
        code=BLANKET,
        name="blanket-suppression",
        severity="warning",
        summary="A suppression comment that names no code",
        doc=_BLANKET_DOC,
        fix="safe",
        valid=tuple(_VALID),
        invalid=tuple(_BLANKET_INVALID),
        check=_no_findings,
        module=__name__,
    ),
)
META_CODES: frozenset[str] = frozenset(rule.code for rule in META_RULES)


def _rule(code: str) -> Rule:
    return next(rule for rule in META_RULES if rule.code == code)


class _Comment:
    """Where a directive sits in its line, and how to rewrite or drop it."""

    def __init__(self, path: str, line_text: str, directive: Directive) -> None:
        self.path = path
        self.directive = directive
        self.line_text = line_text
        match = DIRECTIVE_PATTERNS[directive.kind].search(directive.text)
        start, end = (match.start(), match.end()) if match else (0, len(directive.text))
        self.comment_start = directive.column - 1  # 0-based offset of "#" in the line
        self.start = self.comment_start + start
        self.end = self.comment_start + end
        self.written_codes = _CODE_LIST.findall(match.group("codes") or "") if match else []

    def location(self) -> Location:
        line = self.directive.line
        return Location(self.path, line, self.start + 1, line, self.end + 1)

    def _edit(self, start: int, end: int, content: str) -> Edit:
        line = self.directive.line
        return Edit(Location(self.path, line, start + 1, line, end + 1), content)

    def removal(self) -> Edit:
        """Drop the directive, and the comment with it when nothing else is in it."""
        comment_end = self.comment_start + len(self.directive.text)
        before = self.line_text[self.comment_start : self.start]
        after = self.line_text[self.end : comment_end]
        if not before.strip() and not after.strip("# \t"):
            start = self.comment_start
            while start > 0 and self.line_text[start - 1] in " \t":
                start -= 1
            return self._edit(start, comment_end, "")
        if before.strip():
            # Another tool's directive first (type: ignore), ours after it: drop only ours.
            start = self.start
            while start > self.comment_start and self.line_text[start - 1] in " \t":
                start -= 1
            return self._edit(start, self.end, "")
        # A directive followed by an explanation: the explanation becomes the comment.
        rest = after.lstrip(" \t")
        rest = rest if rest.startswith("#") else "# " + rest
        return self._edit(self.start, comment_end, rest.rstrip())

    def rewrite(self, codes: list[str]) -> Edit:
        """The directive naming exactly ``codes`` (in the order given)."""
        if self.directive.kind == "promptcop":
            text = f"# promptcop: ignore[{', '.join(codes)}]"
        else:
            text = f"# noqa: {', '.join(codes)}"
        return self._edit(self.start, self.end, text)


def _finding(code: str, message: str, comment: _Comment, fix: Fix | None) -> Finding:
    rule = _rule(code)
    return Finding(
        code=code,
        name=rule.name,
        severity=rule.severity,
        message=message,
        location=comment.location(),
        fix=fix,
        snippet=comment.directive.text,
    )


def _check_directive(
    comment: _Comment,
    enabled: frozenset[str],
    known: frozenset[str],
    on_call: Callable[[int], bool],
) -> Iterator[Finding]:
    directive = comment.directive
    used = sorted(directive.used)
    if directive.codes is None:
        if directive.kind == "noqa" and not used:
            # Another tool's bare noqa, unless it sits on an LLM call: there it
            # would hide every future promptcop finding on that call too.
            if BLANKET in enabled and on_call(directive.line):
                yield _finding(
                    BLANKET,
                    "bare `# noqa` on an LLM call also silences every promptcop rule here; "
                    "name the codes it is meant for (e.g. `# noqa: E501`)",
                    comment,
                    None,
                )
            return
        if not used:
            if UNUSED in enabled:
                fix = Fix("Remove the unused suppression", "safe", (comment.removal(),))
                yield _finding(
                    UNUSED,
                    "`# promptcop: ignore` silences nothing on this line; remove it",
                    comment,
                    fix,
                )
            return
        if BLANKET in enabled:
            applicability: Applicability = "safe" if directive.kind == "promptcop" else "unsafe"
            fix = Fix(f"Name the codes: {', '.join(used)}", applicability, (comment.rewrite(used),))
            shown = "# promptcop: ignore" if directive.kind == "promptcop" else "# noqa"
            yield _finding(
                BLANKET,
                f"`{shown}` silences every rule on this line (today: {', '.join(used)}); "
                f"name the codes so new findings here are not hidden",
                comment,
                fix,
            )
        return
    if UNUSED not in enabled:
        return
    if directive.kind == "promptcop" and not comment.written_codes:
        # `ignore[]` (or only punctuation inside): silences nothing, ever.
        fix = Fix("Remove the empty suppression", "safe", (comment.removal(),))
        yield _finding(UNUSED, "`# promptcop: ignore[]` names no code; remove it", comment, fix)
        return
    ours = [c.upper() for c in comment.written_codes if _OURS.match(c.upper())]
    unused: list[str] = []
    reasons: list[str] = []
    for code in ours:
        if any(selects(code, meta) for meta in META_CODES):
            continue  # a comment about these very rules: not judged by them
        if not any(selects(code, k) for k in known):
            unused.append(code)
            reasons.append(f"{code} is not a promptcop rule")
            continue
        if not any(selects(code, e) for e in enabled):
            continue  # not checked in this run: cannot tell
        if not any(selects(code, u) for u in directive.used):
            unused.append(code)
            reasons.append(f"no {code} finding here")
    if not unused:
        return
    kept = [c for c in comment.written_codes if c.upper() not in unused]
    if kept:
        edit = comment.rewrite(kept)
        message = f"Remove {', '.join(unused)} from the suppression"
    else:
        edit = comment.removal()
        message = "Remove the unused suppression"
    yield _finding(
        UNUSED,
        f"unused suppression: {'; '.join(reasons)}",
        comment,
        Fix(message, "safe", (edit,)),
    )


def check_file(
    path: str,
    source: str,
    table: Suppressions | None,
    *,
    enabled: frozenset[str],
    known: frozenset[str],
    settings: Settings | None = None,
) -> list[Finding]:
    """PC901/PC902 findings for one linted file.

    ``table`` is the file's directives after suppression ran (their ``used``
    sets filled); None means no finding reached this file, so every directive
    is read fresh and silenced nothing. ``enabled`` are the codes this run
    checks for this file (after ``per-file-ignores``); ``known`` every code of
    the registry.
    """
    if not enabled & META_CODES:
        return []
    directives = (
        table.directives if table is not None else Suppressions.from_source(source).directives
    )
    if not directives:
        return []
    # tokenize numbers lines by "\n" only; "\r" stays at the end of a CRLF line.
    lines = source.split("\n")
    calls: frozenset[int] | None = None

    def on_call(line: int) -> bool:
        nonlocal calls
        if calls is None:  # parsed only for a bare noqa that silenced nothing
            calls = call_lines(path, source, settings or Settings())
        return line in calls

    findings: list[Finding] = []
    for directive in directives:
        line_text = lines[directive.line - 1] if directive.line <= len(lines) else ""
        comment = _Comment(path, line_text, directive)
        findings.extend(_check_directive(comment, enabled, known, on_call))
    return findings


def call_lines(path: str, source: str, settings: Settings) -> frozenset[int]:
    """Every line spanned by an LLM request call in ``source`` (empty if it cannot be analysed)."""
    from promptcop.linter.parse import ParseError, parse_source
    from promptcop.linter.project import ModuleInfo, module_name_for
    from promptcop.linter.sites import find_requests
    from promptcop.linter.values import Resolver

    try:
        parsed = parse_source(path, source)
        name, is_package = module_name_for(path)
        requests = find_requests(Resolver(ModuleInfo(parsed, name, is_package), settings))
        lines: set[int] = set()
        for request in requests:
            loc = parsed.location(request.site.call)
            lines.update(range(loc.line, loc.end_line + 1))
    except (ParseError, RecursionError):
        return frozenset()
    except Exception:  # the analysis' own bug must not cost the user this report's run
        return frozenset()
    return frozenset(lines)


def hygiene_findings(
    texts: Mapping[str, str],
    tables: Mapping[str, Suppressions],
    *,
    codes: frozenset[str],
    known: frozenset[str],
    ignored_for: Callable[[str], frozenset[str]] = lambda _path: frozenset(),
    settings: Settings | None = None,
) -> list[Finding]:
    """PC901/PC902 over every linted file (``texts``: path -> source)."""
    if not codes & META_CODES:
        return []
    out: list[Finding] = []
    for path, source in texts.items():
        ignored = ignored_for(path)
        enabled = frozenset(
            c for c in codes if not any(sel == "ALL" or c.startswith(sel) for sel in ignored)
        )
        out.extend(
            check_file(
                path, source, tables.get(path), enabled=enabled, known=known, settings=settings
            )
        )
    return out


def run_stage(
    texts: Mapping[str, str],
    tables: Mapping[str, Suppressions],
    *,
    codes: frozenset[str],
    known: frozenset[str],
    settings: Settings,
    relative: Mapping[str, str],
) -> list[Finding]:
    """The runner's hygiene stage: :func:`hygiene_findings` with ``per-file-ignores``.

    ``relative`` maps each linted path to its path below the project root,
    which is what ``per-file-ignores`` patterns match.
    """

    def ignored_for(path: str) -> frozenset[str]:
        if not settings.per_file_ignores:
            return frozenset()
        return settings.ignored_for(relative.get(path, path))

    return hygiene_findings(
        texts,
        tables,
        codes=codes,
        known=known | META_CODES,
        ignored_for=ignored_for,
        settings=settings,
    )
