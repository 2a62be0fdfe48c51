"""The fast tree walk that the flow index is built on."""

from __future__ import annotations

import libcst as cst

from promptcop.linter.parse import walk_module, walk_parents

SOURCE = """
def f(xs):
    for x in xs:
        g(x, key=lambda y: y + 1)
    return [h(z) for z in xs if z]
"""


def test_walk_is_preorder_with_spans_covering_exactly_the_subtree() -> None:
    module = cst.parse_module(SOURCE)
    walk = walk_module(module)
    assert walk.order[0] is module
    assert walk.parents == walk_parents(module)
    for i, node in enumerate(walk.order):
        start, end = walk.spans[node]
        assert start == i and end > start
        below = walk.order[start + 1 : end]
        # Everything in the slice descends from the node, and nothing after it does.
        for other in below:
            up = walk.parents[other]
            while up is not node:
                up = walk.parents[up]
        if end < len(walk.order):
            up_chain = []
            up = walk.parents.get(walk.order[end])
            while up is not None:
                up_chain.append(up)
                up = walk.parents.get(up)
            assert node not in up_chain


def test_walk_visits_calls_in_source_order() -> None:
    walk = walk_module(cst.parse_module(SOURCE))
    calls = [n for n in walk.order if isinstance(n, cst.Call)]
    names = [c.func.value for c in calls if isinstance(c.func, cst.Name)]
    assert names == ["g", "h"]
