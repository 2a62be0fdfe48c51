"""--changed-since: changed lines from a real throwaway git repository."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from promptcop.cli import main
from promptcop.linter.changed import ChangedLinesError, changed_lines, parse_diff
from promptcop.linter.model import Finding, Location

try:
    from fix import engine  # tests/ is on sys.path (pytest's rootdir-based import)
except ImportError:  # pragma: no cover - tests/ became a package
    from tests.fix import engine  # type: ignore[no-redef]
if TYPE_CHECKING:
    from conftest import Git, GitRepo


@pytest.fixture
def repo(git_repo: GitRepo) -> Path:
    return git_repo(
        {
            "app.py": "".join(f"line{i} = {i}\n" for i in range(1, 11)),
            "old_name.py": "a = 1\nb = 2\nc = 3\n",
            "gone.py": "x = 1\n",
        }
    )


def _finding(path: Path, line: int, end_line: int | None = None) -> Finding:
    loc = Location(str(path), line, 1, end_line or line, 5)
    return Finding("PC101", "x", "error", "m", loc)


def test_modified_lines_and_nothing_else(repo: Path) -> None:
    lines = (repo / "app.py").read_text().splitlines(keepends=True)
    lines[3] = "line4 = 'changed'\n"
    lines.insert(7, "inserted = True\n")
    (repo / "app.py").write_text("".join(lines))
    changed = changed_lines("HEAD", repo)
    app = repo / "app.py"
    assert changed.touches(str(app), 4, 4)
    assert changed.touches(str(app), 8, 8)
    assert not changed.touches(str(app), 5, 7)
    assert not changed.touches(str(app), 1, 3)
    # A multi-line finding counts when any of its lines changed.
    assert changed.touches(str(app), 2, 4)


def test_staged_and_committed_changes_since_ref(repo: Path, git: Git) -> None:
    (repo / "app.py").write_text((repo / "app.py").read_text().replace("line2 = 2", "line2 = 22"))
    git(repo, "commit", "-qam", "edit line 2")
    (repo / "app.py").write_text((repo / "app.py").read_text().replace("line9 = 9", "line9 = 99"))
    git(repo, "add", "app.py")
    since_base = changed_lines("HEAD~1", repo)
    assert since_base.touches(str(repo / "app.py"), 2, 2)
    assert since_base.touches(str(repo / "app.py"), 9, 9)
    since_head = changed_lines("HEAD", repo)
    assert not since_head.touches(str(repo / "app.py"), 2, 2)
    assert since_head.touches(str(repo / "app.py"), 9, 9)


def test_untracked_and_new_files_are_changed_everywhere(repo: Path, git: Git) -> None:
    (repo / "new.py").write_text("x = 1\ny = 2\n")
    (repo / "added.py").write_text("z = 1\n")
    git(repo, "add", "added.py")
    (repo / ".gitignore").write_text("ignored.py\n")
    (repo / "ignored.py").write_text("q = 1\n")
    changed = changed_lines("HEAD", repo)
    assert changed.touches(str(repo / "new.py"), 2, 2)
    assert changed.touches(str(repo / "added.py"), 1, 1)
    assert not changed.touches(str(repo / "ignored.py"), 1, 1)


def test_renamed_file_counts_only_edited_lines(repo: Path, git: Git) -> None:
    git(repo, "mv", "old_name.py", "new_name.py")
    (repo / "new_name.py").write_text("a = 1\nb = 'two'\nc = 3\n")
    changed = changed_lines("HEAD", repo)
    assert changed.touches(str(repo / "new_name.py"), 2, 2)
    assert not changed.touches(str(repo / "new_name.py"), 1, 1)
    assert not changed.touches(str(repo / "new_name.py"), 3, 3)


def test_paths_relative_to_cwd_and_subdirectory_start(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "pkg").mkdir()
    (repo / "pkg" / "mod.py").write_text("a = 1\n")
    monkeypatch.chdir(repo / "pkg")
    changed = changed_lines("HEAD", repo / "pkg")
    assert changed.root == Path(os.path.realpath(repo))
    assert changed.filter([_finding(Path("mod.py"), 1), _finding(Path("../app.py"), 1)]) == [
        _finding(Path("mod.py"), 1)
    ]


def test_non_ascii_path(repo: Path, git: Git) -> None:
    name = "caf\u00e9.py"
    (repo / name).write_text("a = 1\n")
    git(repo, "add", name)
    git(repo, "commit", "-qm", "add")
    (repo / name).write_text("a = 2\n")
    assert changed_lines("HEAD", repo).touches(str(repo / name), 1, 1)


def test_bad_ref_is_one_clear_error(repo: Path) -> None:
    with pytest.raises(ChangedLinesError) as info:
        changed_lines("no-such-branch", repo)
    assert "no-such-branch" in str(info.value)
    assert "\n" not in str(info.value)


def test_option_like_ref_is_refused(repo: Path) -> None:
    with pytest.raises(ChangedLinesError):
        changed_lines("--output=/tmp/x", repo)


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    # Keep git from finding a repository above tmp_path on this machine.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with pytest.raises(ChangedLinesError) as info:
        changed_lines("HEAD", plain)
    assert "not in one" in str(info.value)
    assert "\n" not in str(info.value)


def test_parse_diff_hunks() -> None:
    diff = "\n".join(
        [
            "diff --git a/a.py b/a.py",
            "--- a/a.py",
            "+++ b/a.py",
            "@@ -3 +3 @@",
            "@@ -10,0 +11,2 @@",
            "@@ -20,3 +22,0 @@",
            "diff --git a/d.py b/d.py",
            "--- a/d.py",
            "+++ /dev/null",
            "@@ -1,2 +0,0 @@",
            'diff --git "a/sp ace\\303\\251.py" "b/sp ace\\303\\251.py"',
            '+++ "b/sp ace\\303\\251.py"',
            "@@ -1 +1 @@",
        ]
    )
    parsed = parse_diff(diff)
    assert parsed == {"a.py": frozenset({3, 11, 12}), "sp ace\u00e9.py": frozenset({1})}


# --- the CLI against a real repository ------------------------------------------------


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", "--format", "json", *args], catch_exceptions=False)


@pytest.fixture
def cli_repo(repo: Path, git: Git, monkeypatch: pytest.MonkeyPatch) -> Path:
    engine.install(monkeypatch)
    monkeypatch.chdir(repo)
    monkeypatch.delenv("PROMPTCOP_DEBUG", raising=False)
    (repo / "svc.py").write_text("a = stamp()\nb = 1\nc = 2\n")
    git(repo, "add", "svc.py")
    git(repo, "commit", "-q", "-m", "old finding")
    return repo


def _reported(result: Result) -> list[tuple[str, int]]:
    document = json.loads(result.output)
    return [(f["path"], f["line"]) for f in document["findings"]]


def test_cli_reports_only_changed_lines(cli_repo: Path) -> None:
    (cli_repo / "svc.py").write_text("a = stamp()\nb = stamp()\nc = 2\n")
    (cli_repo / "fresh.py").write_text("z = stamp()\n")
    everything = _cli(".")
    assert sorted(_reported(everything)) == [("fresh.py", 1), ("svc.py", 1), ("svc.py", 2)]
    gated = _cli("--changed-since", "HEAD", ".")
    assert sorted(_reported(gated)) == [("fresh.py", 1), ("svc.py", 2)]
    assert gated.exit_code == 1


def test_cli_clean_change_exits_zero(cli_repo: Path) -> None:
    (cli_repo / "svc.py").write_text("a = stamp()\nb = 1\nc = 3\n")
    result = _cli("--changed-since", "HEAD", ".")
    assert _reported(result) == []
    assert result.exit_code == 0
    text = CliRunner().invoke(main, ["check", "--changed-since", "HEAD", "."])
    assert "1 finding on lines unchanged since HEAD not shown." in text.output


def test_cli_bad_ref_exits_2_with_one_line(cli_repo: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--changed-since", "nope", "."])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "nope" in result.stderr


def test_cli_outside_repository_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine.install(monkeypatch)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.py").write_text("x = stamp()\n")
    monkeypatch.chdir(plain)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = CliRunner().invoke(main, ["check", "--changed-since", "HEAD", "."])
    assert result.exit_code == 2
    assert "not in one" in result.stderr


def test_base_branch_moving_on_does_not_count(repo: Path, git: Git) -> None:
    """A PR branch is compared with where it left main, not with main's tip."""
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app.py").write_text((repo / "app.py").read_text().replace("line3 = 3", "line3 = 33"))
    git(repo, "commit", "-qam", "feature edit")
    git(repo, "checkout", "-q", "main")
    (repo / "app.py").write_text((repo / "app.py").read_text().replace("line7 = 7", "line7 = 77"))
    git(repo, "commit", "-qam", "main moves on")
    git(repo, "checkout", "-q", "feature")
    changed = changed_lines("main", repo)
    assert changed.touches(str(repo / "app.py"), 3, 3)
    assert not changed.touches(str(repo / "app.py"), 7, 7)
