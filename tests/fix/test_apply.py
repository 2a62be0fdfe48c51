"""apply_fixes and the fix loop, on text only (no files)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from promptcop.linter.fix import apply_fixes, fix_text, parse_error, unified_diff
from promptcop.linter.model import Edit, Finding, Fix, Location

from . import toy


def _fix(line: int, col: int, end_line: int, end_col: int, content: str) -> Fix:
    return Fix("f", "safe", (Edit(Location("m.py", line, col, end_line, end_col), content),))


def test_edit_columns_are_one_based_and_end_exclusive() -> None:
    text, applied = apply_fixes("abc = 1\n", [_fix(1, 1, 1, 4, "xyz")])
    assert (text, applied) == ("xyz = 1\n", (0,))


def test_edit_can_span_lines_and_end_at_next_line_start() -> None:
    source = "a = 1\nb = 2\nc = 3\n"
    text, _ = apply_fixes(source, [_fix(1, 5, 3, 1, "9\n")])
    assert text == "a = 9\nc = 3\n"


def test_insertion_and_end_of_file_without_newline() -> None:
    text, _ = apply_fixes("x = f(a)", [_fix(1, 9, 1, 9, "  # done"), _fix(1, 5, 1, 5, "g")])
    assert text == "x = gf(a)  # done"


def test_overlapping_fix_waits_for_next_pass() -> None:
    source = "y = wrap(old_a)\n"
    outer = _fix(1, 5, 1, 16, "sorted(old_a)")
    inner = _fix(1, 10, 1, 15, "new_a")
    text, applied = apply_fixes(source, [inner, outer])
    assert text == "y = sorted(old_a)\n"
    assert applied == (1,)


def test_two_insertions_at_one_point_are_not_both_applied() -> None:
    text, applied = apply_fixes("x\n", [_fix(1, 2, 1, 2, "a"), _fix(1, 2, 1, 2, "b")])
    assert len(applied) == 1
    assert text in ("xa\n", "xb\n")


def test_identical_fixes_apply_once_and_count_twice() -> None:
    same = _fix(1, 1, 1, 2, "z")
    text, applied = apply_fixes("x = 1\n", [same, same])
    assert (text, applied) == ("z = 1\n", (0, 1))


def test_fix_is_all_or_nothing() -> None:
    two_edits = Fix(
        "f",
        "safe",
        (
            Edit(Location("m.py", 1, 1, 1, 2), "A"),
            Edit(Location("m.py", 2, 1, 2, 2), "B"),
        ),
    )
    blocker = _fix(1, 1, 1, 2, "Q")
    text, applied = apply_fixes("a\nbb\n", [blocker, two_edits])
    # The blocked fix's second edit (line 2) must not land on its own.
    assert text == "Q\nbb\n"
    assert applied == (0,)


@pytest.mark.parametrize(
    "bad",
    [
        (0, 1, 1, 2),  # not 1-based
        (5, 1, 5, 2),  # past the end of the file
        (1, 40, 1, 41),  # past the end of the line
        (1, 3, 1, 1),  # reversed
    ],
)
def test_fix_outside_the_text_is_skipped(bad: tuple[int, int, int, int]) -> None:
    text, applied = apply_fixes("abc\n", [_fix(*bad, "zz")])
    assert (text, applied) == ("abc\n", ())


def test_crlf_text_keeps_crlf_in_inserted_lines() -> None:
    source = "a = 1\r\nb = 2\r\n"
    text, _ = apply_fixes(source, [_fix(1, 5, 1, 6, "(\n    1\n)")], newline="\r\n")
    assert text == "a = (\r\n    1\r\n)\r\nb = 2\r\n"


def test_loop_settles_overlapping_fixes_in_passes() -> None:
    source = "y = wrap(old_a)\nz = old_b\n"
    result = fix_text("mod.py", source, toy.lint, unsafe=True)
    assert result.error is None
    assert result.fixed == "y = sorted(new_a)\nz = new_b\n"
    assert result.fixed_count == 3
    assert result.passes == 2
    assert result.findings == ()
    assert sorted(result.fixed_codes) == ["PC997", "PC998", "PC998"]


def test_unsafe_fixes_need_the_flag() -> None:
    source = "y = wrap(old_a)\n"
    result = fix_text("mod.py", source, toy.lint, unsafe=False)
    assert result.fixed == "y = wrap(new_a)\n"
    assert [f.code for f in result.findings] == ["PC997"]
    assert result.fixed_count == 1


def test_second_run_is_a_no_op() -> None:
    first = fix_text("mod.py", "q = wrap(old_x) + old_y\n", toy.lint, unsafe=True)
    second = fix_text("mod.py", first.fixed, toy.lint, unsafe=True)
    assert first.changed
    assert not second.changed
    assert second.fixed_count == 0


def test_fix_that_breaks_the_syntax_leaves_the_text_alone() -> None:
    source = "x = old_a\n"

    def broken(text: str) -> Sequence[Finding]:
        return [toy.finding(text, 4, 9, "(")] if "old_a" in text else []

    result = fix_text("mod.py", source, broken, unsafe=False)
    assert result.fixed == source
    assert not result.changed
    assert result.fixed_count == 0
    assert result.error is not None
    assert "would produce invalid code" in result.error
    assert [f.snippet for f in result.findings] == ["old_a"]


def test_fixes_that_never_settle_are_an_error() -> None:
    def cycling(text: str) -> Sequence[Finding]:
        # Always one more fix: x -> xx -> xxx ...
        start = text.index("x")
        return [toy.finding(text, start, start + 1, "xx")]

    result = fix_text("mod.py", "x = 1\n", cycling, unsafe=False, max_passes=4)
    assert result.error is not None and "did not settle" in result.error
    assert result.fixed == "x = 1\n"


def test_parse_error_is_one_line() -> None:
    assert parse_error("x = 1\n") is None
    message = parse_error("def (:\n")
    assert message is not None and "\n" not in message


def test_unified_diff_headers_and_hunks() -> None:
    diff = unified_diff("pkg/mod.py", "a = 1\nb = 2\n", "a = 1\nb = 3\n")
    assert diff.splitlines() == [
        "--- a/pkg/mod.py",
        "+++ b/pkg/mod.py",
        "@@ -1,2 +1,2 @@",
        " a = 1",
        "-b = 2",
        "+b = 3",
    ]
    assert unified_diff("m.py", "same\n", "same\n") == ""


def test_unified_diff_marks_missing_final_newline() -> None:
    diff = unified_diff("m.py", "a = 1", "a = 2")
    assert "\\ No newline at end of file" in diff
    assert diff.endswith("\n")


def test_invalid_code_error_names_the_rule_that_broke_it() -> None:
    def lint(text: str) -> Sequence[Finding]:
        found = list(toy.lint(text))
        if "bad" in text:
            start = text.index("bad")
            found.append(toy.finding(text, start, start + 3, "bad(", code="PC555"))
        return found

    result = fix_text("mod.py", "x = old_a\ny = bad\n", lint, unsafe=False)
    assert result.error is not None
    assert "fix for PC555 would produce invalid code" in result.error
    assert result.fixed == "x = old_a\ny = bad\n"
