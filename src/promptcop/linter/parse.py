"""One libcst parse per file, and positions only for the nodes a finding reports.

libcst's metadata resolution is the expensive part of using it (scope and
qualified-name providers cost about 130x ``ast.parse`` on a large corpus,
issue 6). The engine needs none of them: sites and values work on the bare
tree with their own light import and assignment tables. Positions are needed
only for nodes that end up in a finding, so :meth:`ParsedModule.location`
resolves ``PositionProvider`` lazily, once per module, the first time a
finding asks, which on a typical run is for a handful of files.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from promptcop.linter.model import Location


class ParseError(Exception):
    """The source is not valid Python (message: one line, with the position)."""


class ParsedModule:
    """A parsed file: its libcst tree, its source, and positions on demand."""

    __slots__ = ("_positions", "module", "path", "source")

    def __init__(self, path: str, source: str, module: cst.Module) -> None:
        self.path = path
        self.source = source
        self.module = module
        self._positions: Mapping[cst.CSTNode, CodeRange] | None = None

    def code_for_node(self, node: cst.CSTNode) -> str:
        """The source text of ``node`` (as libcst renders it: the original text)."""
        return self.module.code_for_node(node)

    def _position_map(self) -> Mapping[cst.CSTNode, CodeRange]:
        if self._positions is None:
            # unsafe_skip_copy: keep node identity, so callers can look up the
            # nodes they hold; the tree is never mutated.
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        return self._positions

    def code_range(self, node: cst.CSTNode) -> CodeRange | None:
        """libcst's range of ``node`` (lines 1-based, columns 0-based, end exclusive)."""
        return self._position_map().get(node)

    def location(self, node: cst.CSTNode) -> Location:
        """``node``'s range as a :class:`Location`: lines and columns 1-based,
        ``end_column`` is the column just after the last character (exclusive)."""
        rng = self.code_range(node)
        if rng is None:  # a node from another tree: fall back to the file start
            return Location(self.path, 1, 1, 1, 1)
        return Location(
            self.path,
            rng.start.line,
            rng.start.column + 1,
            rng.end.line,
            rng.end.column + 1,
        )

    def line_of(self, node: cst.CSTNode) -> int:
        rng = self.code_range(node)
        return rng.start.line if rng is not None else 1


def parse_source(path: str, source: str) -> ParsedModule:
    """Parse ``source``; raise :class:`ParseError` with a one-line reason on bad input.

    Deeply nested expressions can exhaust the parser's recursion: that is a
    parse error of this file, not a crash of the run.
    """
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise ParseError(
            f"syntax error at line {exc.raw_line}, column {exc.raw_column + 1}: "
            f"{exc.message.splitlines()[0] if exc.message else 'invalid syntax'}"
        ) from None
    except RecursionError:
        raise ParseError("too deeply nested to parse") from None
    except (ValueError, TypeError, SyntaxError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParseError(f"cannot parse: {first}") from None
    return ParsedModule(path, source, module)
