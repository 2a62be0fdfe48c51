"""fix_file on real files: atomic write, mode, encoding, newlines, refusal cases."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest

from promptcop.linter.fix import FixError, fix_file, write_atomic
from promptcop.linter.model import Finding

from . import toy


def test_fixes_and_writes_in_place(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("y = wrap(old_a)\n")
    result = fix_file(target, toy.lint, unsafe=True, write=True)
    assert result.error is None
    assert target.read_text() == "y = sorted(new_a)\n"
    # No temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mod.py"]


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("a = old_a\nb = wrap(old_b)\n")
    fix_file(target, toy.lint, unsafe=True, write=True)
    before = target.stat().st_mtime_ns, target.read_bytes()
    second = fix_file(target, toy.lint, unsafe=True, write=True)
    assert second.fixed_count == 0 and not second.changed
    assert (target.stat().st_mtime_ns, target.read_bytes()) == before


def test_diff_mode_does_not_write(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("a = old_a\n")
    result = fix_file(target, toy.lint, unsafe=False, write=False)
    assert result.fixed == "a = new_a\n"
    assert target.read_text() == "a = old_a\n"


def test_keeps_permission_bits(tmp_path: Path) -> None:
    target = tmp_path / "script.py"
    target.write_text("a = old_a\n")
    target.chmod(0o751)
    fix_file(target, toy.lint, unsafe=False, write=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert target.read_text() == "a = new_a\n"


_LATIN_1 = "# -*- coding: latin-1 -*-\ns = 'caf\u00e9'\na = old_a\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"a = old_a\r\nb = 2\r\n", b"a = new_a\r\nb = 2\r\n"),
        (_LATIN_1.encode("latin-1"), _LATIN_1.replace("old_a", "new_a").encode("latin-1")),
        (b"\xef\xbb\xbfa = old_a\n", b"\xef\xbb\xbfa = new_a\n"),
    ],
    ids=["crlf-newlines", "declared-encoding", "utf8-bom"],
)
def test_keeps_newlines_encoding_and_bom(tmp_path: Path, before: bytes, after: bytes) -> None:
    target = tmp_path / "mod.py"
    target.write_bytes(before)
    fix_file(target, toy.lint, unsafe=False, write=True)
    assert target.read_bytes() == after


def test_symlink_survives_and_target_is_fixed(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text("a = old_a\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    fix_file(link, toy.lint, unsafe=False, write=True)
    assert link.is_symlink()
    assert real.read_text() == "a = new_a\n"


def test_broken_fix_leaves_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("x = old_a\n")
    before = target.read_bytes()

    def broken(text: str) -> Sequence[Finding]:
        return [toy.finding(text, 4, 9, "old_a +")] if "old_a" in text else []

    result = fix_file(target, broken, unsafe=False, write=True)
    assert result.error is not None and "invalid code" in result.error
    assert target.read_bytes() == before
    assert len(result.findings) == 1


def test_file_changed_during_fix_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("a = old_a\n")

    def racing(text: str) -> Sequence[Finding]:
        # Someone saves the file in their editor while we lint.
        target.write_text("a = old_a\nedited = True\n")
        return toy.lint(text)

    result = fix_file(target, racing, unsafe=False, write=True)
    assert result.error is not None and "changed on disk" in result.error
    assert target.read_text() == "a = old_a\nedited = True\n"


def test_unencodable_fix_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "ascii.py"
    target.write_bytes(b"# coding: ascii\na = old_a\n")

    def lint(text: str) -> Sequence[Finding]:
        start = text.find("old_a")
        return [] if start < 0 else [toy.finding(text, start, start + 5, "'\u00e9'")]

    result = fix_file(target, lint, unsafe=False, write=True)
    assert result.error is not None and "ascii" in result.error
    assert target.read_bytes() == b"# coding: ascii\na = old_a\n"


def test_unreadable_file_is_an_error_not_an_exception(tmp_path: Path) -> None:
    result = fix_file(tmp_path / "missing.py", toy.lint, unsafe=False, write=True)
    assert result.error is not None and "cannot read" in result.error


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write read-only directories")
def test_read_only_directory_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("a = old_a\n")
    tmp_path.chmod(0o555)
    try:
        result = fix_file(target, toy.lint, unsafe=False, write=True)
    finally:
        tmp_path.chmod(0o755)
    assert result.error is not None and "cannot write" in result.error
    assert target.read_text() == "a = old_a\n"


def test_write_atomic_refuses_when_expectation_fails(tmp_path: Path) -> None:
    target = tmp_path / "f.py"
    target.write_bytes(b"new")
    with pytest.raises(FixError):
        write_atomic(target, b"fixed", expect=b"old")
    assert target.read_bytes() == b"new"


def test_stale_initial_findings_are_not_used(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("zz = 1\na = old_a\n")
    # Findings from a run that read an older version (old_a was on line 1).
    stale = toy.lint("a = old_a\n")
    result = fix_file(target, toy.lint, unsafe=False, write=True, initial=stale)
    assert result.error is None
    assert target.read_text() == "zz = 1\na = new_a\n"


def test_fresh_initial_findings_save_a_lint(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("a = old_a\n")
    calls: list[str] = []

    def counting(text: str) -> Sequence[Finding]:
        calls.append(text)
        return toy.lint(text)

    fix_file(target, counting, unsafe=False, write=True, initial=toy.lint("a = old_a\n"))
    assert calls == ["a = new_a\n"]
