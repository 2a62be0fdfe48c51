"""The text line of a finding in an imported module says which calls send it."""

from __future__ import annotations

from promptcop.linter.model import Finding, Location, Related
from promptcop.linter.report import Report
from promptcop.linter.report.text import render


def _finding(related: tuple[Related, ...]) -> Finding:
    return Finding(
        code="PC101",
        name="dynamic-value-in-prefix",
        severity="error",
        message="`datetime.now()` reaches `system` of messages.create",
        location=Location("pkg/prompts.py", 2, 17, 2, 31),
        related=related,
    )


def _sent(path: str, line: int, message: str = "sent here") -> Related:
    return Related(Location(path, line, 12, line, 40), message)


def _first_line(finding: Finding) -> str:
    return render(Report((finding,), (), 1)).splitlines()[0]


def test_cross_file_sites_are_named_in_order() -> None:
    line = _first_line(_finding((_sent("pkg/cli.py", 5, "also sent here"), _sent("pkg/app.py", 9))))
    assert line.endswith("(sent from pkg/app.py:9, pkg/cli.py:5)")


def test_many_sites_are_capped() -> None:
    sites = tuple(_sent(f"pkg/m{i}.py", 1) for i in range(5))
    assert _first_line(_finding(sites)).endswith(
        "(sent from pkg/m0.py:1, pkg/m1.py:1, pkg/m2.py:1 and 2 more)"
    )


def test_same_file_sites_add_nothing() -> None:
    # The message of a same-file finding already names its call.
    line = _first_line(_finding((_sent("pkg/prompts.py", 9),)))
    assert "sent from" not in line


def test_other_related_locations_are_not_sites() -> None:
    related = (Related(Location("pkg/app.py", 3, 1, 3, 9), "`now` is assigned here"),)
    assert "sent from" not in _first_line(_finding(related))
