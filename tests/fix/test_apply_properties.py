"""Property: apply_fixes equals applying the accepted edits one by one from the end."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from promptcop.linter.fix import apply_fixes
from promptcop.linter.model import Edit, Fix, Location

LINES = st.lists(st.text(alphabet="ab =()", max_size=8), min_size=1, max_size=6)


@st.composite
def text_and_fixes(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    text = "\n".join(draw(LINES)) + "\n"
    spans = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 6)))
        spans.append((start, end, draw(st.text(alphabet="xyz\n", max_size=4))))
    return text, spans


def _position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


@settings(max_examples=200, deadline=None)
@given(text_and_fixes())
def test_accepted_fixes_do_not_overlap_and_apply_exactly(
    case: tuple[str, list[tuple[int, int, str]]],
) -> None:
    text, spans = case
    fixes = []
    for start, end, content in spans:
        (line, column), (end_line, end_column) = _position(text, start), _position(text, end)
        loc = Location("m.py", line, column, end_line, end_column)
        fixes.append(Fix("f", "safe", (Edit(loc, content),)))
    result, applied = apply_fixes(text, fixes)
    accepted = sorted({spans[i] for i in applied}, key=lambda s: (s[0], s[1]))
    for (s1, e1, _), (s2, e2, _) in itertools.pairwise(accepted):
        assert e1 <= s2
        assert not (s1 == e1 == s2 == e2)
    expected = text
    for start, end, content in reversed(accepted):
        expected = expected[:start] + content + expected[end:]
    assert result == expected
    # The first fix in position order is always taken: progress is guaranteed.
    if spans:
        assert applied
