"""Suppression comments: which comments count, where, and what they record."""

from __future__ import annotations

import pytest

from promptcop.linter.model import Finding, Location, Related
from promptcop.linter.suppress import Suppressions, filter_suppressed, parse_directives


def finding(
    code: str = "PC101",
    line: int = 3,
    end_line: int | None = None,
    site_line: int | None = None,
    path: str = "app.py",
    related: tuple[Related, ...] = (),
) -> Finding:
    loc = Location(path, line, 5, end_line or line, 20)
    return Finding(code, "name", "error", "msg", loc, related=related, site_line=site_line)


def kept(source: str, *findings: Finding) -> list[Finding]:
    out, _ = filter_suppressed(findings, {"app.py": source})
    return out


@pytest.mark.parametrize(
    "comment",
    [
        "# promptcop: ignore[PC101]",
        "# promptcop: ignore[PC102, PC101]",
        "# promptcop:ignore[pc101]",
        "# promptcop: ignore",
        "# promptcop: ignore[PC1]",
        "# noqa: PC101",
        "# noqa:PC101,E501",
        "# NOQA",
        "# type: ignore  # noqa: PC101",
    ],
)
def test_comment_on_the_reported_line_silences(comment: str) -> None:
    source = f"import x\n\nsystem = now()  {comment}\n"
    assert kept(source, finding()) == []


@pytest.mark.parametrize(
    "comment",
    ["# promptcop: ignore[PC102]", "# noqa: E501", "# promptcop: ignored", "# noqa: PC102"],
)
def test_comment_for_other_codes_does_not(comment: str) -> None:
    source = f"import x\n\nsystem = now()  {comment}\n"
    assert len(kept(source, finding())) == 1


def test_noqa_inside_a_string_does_not_count() -> None:
    source = 'import x\n\nsystem = "see # noqa: PC101" + now()\n'
    assert len(kept(source, finding())) == 1
    source = 'import x\n\nsystem = """\n# promptcop: ignore\n"""\n'
    assert len(kept(source, finding(line=4))) == 1


def test_comment_on_the_calls_first_line_silences() -> None:
    source = (
        "SYSTEM = f'{now()}'\n"
        "\n"
        "client.messages.create(  # promptcop: ignore[PC101]\n"
        "    system=SYSTEM,\n"
        ")\n"
    )
    assert kept(source, finding(line=1, site_line=3)) == []
    assert len(kept(source, finding(line=1, site_line=4))) == 1


def test_comment_after_a_multiline_literal_silences() -> None:
    source = 'import x\nPROMPT = """\n    a\n    b\n"""  # noqa: PC201\n'
    assert kept(source, finding("PC201", line=2, end_line=5)) == []


def test_site_comment_in_another_file() -> None:
    site = Related(Location("main.py", 7, 1, 9, 2), "sent here")
    f = finding(path="prompts.py", line=1, site_line=7, related=(site,))
    sources = {"prompts.py": "SYSTEM = f'{now()}'\n", "main.py": "\n" * 6 + "c.create(  # noqa\n"}
    out, tables = filter_suppressed([f], sources)
    assert out == []
    assert tables["main.py"].directives[0].used == {"PC101"}


def test_used_and_unused_directives_are_recorded() -> None:
    source = "a = 1  # promptcop: ignore[PC101, PC102]\nb = 2  # noqa: PC301\nc = 3  # noqa\n"
    _, tables = filter_suppressed([finding(line=1)], {"app.py": source})
    table = tables["app.py"]
    assert [d.line for d in table.unused()] == [1, 2, 3]
    assert table.directives[0].used == {"PC101"}
    assert table.directives[0].unused_codes == {"PC102"}
    assert table.directives[1].unused_codes == {"PC301"}
    assert table.directives[2].unused_codes == {"*"}


def test_unparsable_source_has_no_directives() -> None:
    # tokenize reads comments up to the point where the file stops making sense
    assert [d.line for d in parse_directives("x = (  # noqa\n")] == [1]
    assert Suppressions.from_source("x = '''\n# noqa\n").directives == []


def test_quoted_syntax_in_prose_is_not_a_directive() -> None:
    source = "# Write `# noqa: PC101` or `# promptcop: ignore` on the line.\nx = 1\n"
    assert parse_directives(source) == []
    assert [d.kind for d in parse_directives("x = 1  # type: ignore  # noqa: PC101\n")] == ["noqa"]
