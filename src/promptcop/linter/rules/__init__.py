"""The rule registry, and the contract every rule module follows.

One rule, one module, named ``pcNNN_what_it_finds.py`` in this package. The
registry finds modules by that name pattern, so adding a rule is adding a
file: nothing here needs editing.

A rule module defines, at module level:

``CODE: str``
    ``"PC103"``; codes never change meaning (../shared/RULES.md).
``NAME: str``
    ``"unordered-tools"``, the kebab-case name of RULES.md.
``SEVERITY: Severity``
    The default severity (``"error"``, ``"warning"`` or ``"info"``); a rule may
    give a finding another one (PC101: a daily date is a warning).
``SUMMARY: str``
    One line for ``promptcop rules``.
``DOC: str``
    Markdown in the ruff shape, shown by ``promptcop explain CODE``, with these
    headings in this order: ``## What it does``, ``## Why is this bad?`` (what it
    costs, citing API_FACTS.md), ``## Example``, ``## Use instead``,
    ``## Fix safety``, ``## Options``, ``## References``.
``FIX: FixKind``
    ``None``, ``"safe"`` or ``"unsafe"``: the applicability of the fixes it attaches.
``VALID: list[str]``
    Whole modules on which the rule must report nothing.
``INVALID: list[str | Invalid]``
    Whole modules on which it must report exactly the lines marked with a
    ``# expect: PC103`` comment (the line of the finding's primary location).
    Wrap a sample in :class:`Invalid` to give the expected source after every
    fix of this rule is applied (``Invalid(source, fixed=...)``).
``check(ctx: RuleContext) -> Iterator[Finding]``
    Yields findings. ``ctx`` (:mod:`promptcop.linter.context`) holds the file's
    resolved requests (``ctx.requests``: provider, API kind, model, output
    limit, arguments, parts in API order with their values, cache markers, and
    each request's ``site`` with the call node, its ancestors, enclosing
    function and loops), the libcst module (``ctx.module``), positions of any
    node (``ctx.location(node)``), parents (``ctx.parent(node)``), value
    resolution of any expression (``ctx.resolve(expr, at)``), the token counter
    (``ctx.count_tokens(text, model)``), the facts table (``ctx.facts(model)``),
    the settings (``ctx.settings``) and ``ctx.finding(...)``, which builds a
    finding with its snippet, related "sent here" location and site line.

Rules never print, never read configuration or files, and never raise on odd
code on purpose: the engine turns an exception into an error entry naming the
rule and keeps the other rules' findings.

How to add a rule
-----------------
1. Copy the closest existing module to ``pcNNN_short_name.py``; set the
   constants; write ``check`` over ``ctx.requests`` (or the tree). If the rule
   needs to know more about values or sites than a request carries, add it to
   ``values.py``/``sites.py`` where every rule gets it, not to the rule.
2. Write VALID and INVALID samples, including the awkward ones (aliases,
   ``self`` clients, helpers, async). ``tests/test_rule_examples.py`` runs them
   all; nothing else needs registering.
3. ``promptcop explain PCNNN`` should read well on its own.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Literal, cast

from promptcop.linter.model import Finding, Severity

if TYPE_CHECKING:
    from promptcop.linter.context import RuleContext

FixKind = Literal["safe", "unsafe"] | None
_DOC_HEADINGS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
    "## Options",
    "## References",
)
_MODULE_NAME = re.compile(r"^pc\d{3}_[a-z0-9_]+$")
_EXPECT = re.compile(r"#\s*expect:\s*((?:PC\d{3}[,\s]*)+)")


@dataclass(frozen=True)
class Invalid:
    """An invalid sample with the source expected after this rule's fixes are applied."""

    source: str
    fixed: str | None = None


@dataclass(frozen=True)
class Rule:
    """A loaded rule module, checked against the contract above."""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    fix: FixKind
    valid: tuple[str, ...]
    invalid: tuple[Invalid, ...]
    check: Callable[[RuleContext], Iterator[Finding]]
    module: str

    def explain(self) -> str:
        """The rule's documentation page as markdown (``promptcop explain CODE``)."""
        fix = {None: "none", "safe": "safe", "unsafe": "unsafe (needs --unsafe-fixes)"}[self.fix]
        header = f"# {self.code} {self.name}\n\nDefault severity: {self.severity}. Fix: {fix}.\n"
        return f"{header}\n{self.doc.strip()}\n"


def expected_lines(source: str) -> list[tuple[int, str]]:
    """``(line, code)`` for each ``# expect: CODE`` marker in a sample."""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            out.extend((number, code) for code in re.findall(r"PC\d{3}", match.group(1)))
    return out


def _load(module: ModuleType) -> Rule:
    missing = [
        attr
        for attr in ("CODE", "NAME", "SEVERITY", "SUMMARY", "DOC", "FIX", "VALID", "INVALID")
        if not hasattr(module, attr)
    ]
    if missing or not callable(getattr(module, "check", None)):
        raise TypeError(f"rule module {module.__name__} lacks {missing or ['check']}")
    doc = str(module.DOC)
    positions = [doc.find(h) for h in _DOC_HEADINGS]
    if -1 in positions or positions != sorted(positions):
        raise TypeError(f"rule module {module.__name__}: DOC needs the headings {_DOC_HEADINGS}")
    invalid = tuple(s if isinstance(s, Invalid) else Invalid(str(s)) for s in module.INVALID)
    return Rule(
        code=str(module.CODE),
        name=str(module.NAME),
        severity=cast(Severity, module.SEVERITY),
        summary=str(module.SUMMARY),
        doc=doc,
        fix=cast(FixKind, module.FIX),
        valid=tuple(str(s) for s in module.VALID),
        invalid=invalid,
        check=module.check,
        module=module.__name__,
    )


@lru_cache(maxsize=1)
def _discover() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for info in pkgutil.iter_modules(__path__):
        if _MODULE_NAME.match(info.name):
            rules.append(_load(importlib.import_module(f"{__name__}.{info.name}")))
    rules.sort(key=lambda r: r.code)
    codes = [r.code for r in rules]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise TypeError(f"rule codes defined twice: {sorted(duplicates)}")
    return tuple(rules)


def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, ordered by code."""
    return _discover()


@dataclass(frozen=True)
class RuleEntry:
    """What is known of a rule without importing it (from ``_index.py``)."""

    code: str
    name: str
    severity: Severity
    summary: str
    fix: FixKind
    module: str


def rule_index() -> tuple[RuleEntry, ...]:
    """Code, name, severity, summary and fix of every rule, ordered by code, with no
    rule module imported: a run served from the result cache never needs libcst, which
    every rule module imports. ``_index.py`` is generated from the modules
    (:func:`render_index`) and a test fails when it is stale."""
    from promptcop.linter.rules._index import RULE_INDEX

    return tuple(
        RuleEntry(code, name, cast(Severity, sev), summary, cast(FixKind, fix), module)
        for code, name, sev, summary, fix, module in RULE_INDEX
    )


def render_index(rules: tuple[Rule, ...]) -> str:
    """The source of ``_index.py`` for ``rules``. Regenerate with
    ``python -c "from promptcop.linter.rules import write_index; write_index()"``."""
    import json

    lines = [
        '"""Generated from the rule modules by ``write_index()``; do not edit.',
        "",
        "tests/rules/test_index.py fails when this table and the modules disagree.",
        '"""',
        "# ruff: noqa: E501",
        "",
        "RULE_INDEX: tuple[tuple[str, str, str, str, str | None, str], ...] = (",
    ]
    for r in rules:
        short = r.module.rsplit(".", 1)[-1]
        row = (r.code, r.name, r.severity, r.summary, r.fix, short)
        lines.append("    (")
        lines.extend(f"        {'None' if v is None else json.dumps(v)}," for v in row)
        lines.append("    ),")
    lines.append(")")
    return "\n".join(lines) + "\n"


def write_index() -> None:
    """Rewrite ``_index.py`` from the rule modules (after adding or renaming a rule)."""
    from pathlib import Path

    Path(__path__[0], "_index.py").write_text(render_index(_discover()), encoding="utf-8")


def get_rule(code: str) -> Rule:
    """The rule with ``code`` (``KeyError`` when there is none); imports only its module."""
    for entry in rule_index():
        if entry.code == code.upper():
            rule = _load(importlib.import_module(f"{__name__}.{entry.module}"))
            if rule.code == entry.code:
                return rule
    for rule in _discover():
        if rule.code == code.upper():
            return rule
    raise KeyError(code)


def rule_codes() -> frozenset[str]:
    """Every rule code, without importing a rule module."""
    return frozenset(e.code for e in rule_index())


def list_rules() -> list[tuple[str, str, str, str]]:
    """``(code, name, severity, summary)`` rows for ``promptcop rules``, import-free."""
    return [(e.code, e.name, e.severity, e.summary) for e in rule_index()]


def __getattr__(name: str) -> object:
    # ALL_RULES is computed on first access: importing the package must not
    # import every rule (rule modules import this package for ``Invalid``).
    if name == "ALL_RULES":
        return _discover()
    raise AttributeError(name)


__all__ = [
    "ALL_RULES",
    "FixKind",
    "Invalid",
    "Rule",
    "RuleEntry",
    "all_rules",
    "expected_lines",
    "get_rule",
    "list_rules",
    "render_index",
    "rule_codes",
    "rule_index",
    "write_index",
]
