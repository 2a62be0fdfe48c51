"""PC202's notion of "the same instruction": normalised lines and sentences."""

from __future__ import annotations

import pytest

from promptcop.linter.rules.pc202_duplicate_instructions import duplicates


@pytest.mark.parametrize(
    ("text", "repeated"),
    [
        (
            "Always answer in English.\nBe nice.\nalways  answer in english\n",
            ["always answer in english"],
        ),
        ("- Quote prices in euros.\n* Quote prices in euros!\n", ["quote prices in euros"]),
        (
            "Cite your sources for claims. Be brief. Cite your sources for claims.",
            ["cite your sources for claims"],
        ),
        # a short instruction on its own line counts; short list items, labels,
        # headings and fragments without a full stop do not
        ("Be brief.\nBe brief.\n", ["be brief"]),
        ("- Be brief.\n- Be brief.\n", []),
        ("Output:\nOutput:\n", []),
        ("## Style rules\n## Style rules\n", []),
        ("Very good\nVery good\n", []),
        ("```\nprint('hello world again')\nprint('hello world again')\n```\n", []),
        ("Answer in plain English.\nAnswer in plain French.\n", []),
    ],
)
def test_duplicates(text: str, repeated: list[str]) -> None:
    assert [unit for _, _, unit in duplicates(text)] == repeated


def test_offsets_point_at_the_copy_and_the_original() -> None:
    line = "Never book without confirmation.\n"
    text = line + "Other line here please.\n" + line
    ((offset, first, _),) = duplicates(text)
    assert first == 0
    assert text[offset:].startswith("Never book") and offset > 0
