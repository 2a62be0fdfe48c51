"""libcst's ``PositionProvider`` ranges, computed with less overhead.

Positions are the costliest metadata the linter resolves (issue 6's cost split:
more than the parse itself on the files that reach libcst). The provider is a
code generation pass that records a range for every node; most of its time goes
to Python overhead, not to the work: a ``@contextmanager`` generator per node
for ``record_syntactic_position`` and a regex split of every emitted token to
find newlines. This module runs the same pass with a plain context-manager
object and a newline test before the split, so it yields exactly libcst's
ranges (tests compare them on real files) in about 40 % less time.

It leans on libcst internals (``Module._codegen`` and the provider's codegen
state). If those ever change shape, :func:`positions` falls back to the public
``MetadataWrapper`` route, so a libcst upgrade costs speed, never correctness.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, cast

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

try:
    from libcst._position import CodePosition
    from libcst.metadata.position_provider import PositionProvidingCodegenState
except ImportError:  # pragma: no cover - a libcst without these internals
    PositionProvidingCodegenState = None  # type: ignore[assignment,misc]


class _Record:
    """``record_syntactic_position`` as an object: same ranges, no generator per node."""

    __slots__ = ("column", "end_node", "line", "node", "start_node", "state")

    def __init__(self, state: Any, node: cst.CSTNode, start_node: Any, end_node: Any) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node
        self.line = 0
        self.column = 0

    def __enter__(self) -> None:
        self.line = self.state.line
        self.column = self.state.column

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        state = self.state
        computed = state.provider._computed
        if self.start_node is not None:
            start = computed[self.start_node].start
        else:
            start = CodePosition(self.line, self.column)
        if self.end_node is not None:
            end = computed[self.end_node].end
        else:
            end = CodePosition(state.line, state.column)
        computed[self.node] = CodeRange(start, end)


if PositionProvidingCodegenState is not None:

    class _FastState(PositionProvidingCodegenState):
        __slots__ = ()

        def add_token(self, value: str) -> None:
            self.tokens.append(value)
            if "\n" in value or "\r" in value:
                self._update_position(value)
            else:
                self.column += len(value)

        def record_syntactic_position(  # type: ignore[override]
            self,
            node: cst.CSTNode,
            *,
            start_node: cst.CSTNode | None = None,
            end_node: cst.CSTNode | None = None,
        ) -> _Record:
            return _Record(self, node, start_node, end_node)


def _fast(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    provider = PositionProvider()
    state = _FastState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=provider,
    )
    module._codegen(state)
    return cast(Mapping[cst.CSTNode, CodeRange], provider._computed)


def positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """Every node's ``PositionProvider`` range (lines 1-based, columns 0-based)."""
    if PositionProvidingCodegenState is not None:
        try:
            return _fast(module)
        except (AttributeError, TypeError, KeyError):  # pragma: no cover - libcst changed
            pass
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return wrapper.resolve(PositionProvider)
