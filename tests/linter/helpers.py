"""Build a resolver over a source snippet, for value and site tests."""

from __future__ import annotations

import libcst as cst

from promptcop.config import Settings
from promptcop.linter.parse import parse_source
from promptcop.linter.project import ModuleInfo, ProjectIndex
from promptcop.linter.request import Request, Value
from promptcop.linter.sites import find_requests
from promptcop.linter.values import Resolver


def resolver_for(
    source: str,
    path: str = "mod.py",
    settings: Settings | None = None,
    project: ProjectIndex | None = None,
    name: str = "mod",
) -> Resolver:
    info = ModuleInfo(parse_source(path, source), name)
    return Resolver(info, settings or Settings(), project)


def requests_of(source: str, **kwargs: object) -> tuple[Request, ...]:
    return find_requests(resolver_for(source, **kwargs))  # type: ignore[arg-type]


def value_of(source: str, marker: str = "probe") -> Value:
    """The value of the argument of the last ``probe(...)`` call in ``source``."""
    resolver = resolver_for(source)
    calls = [
        n
        for n in _walk(resolver.info.parsed.module)
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Name) and n.func.value == marker
    ]
    call = calls[-1]
    return resolver.resolve_at(call.args[0].value, call)


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    out = [node]
    for child in node.children:
        out.extend(_walk(child))
    return out
