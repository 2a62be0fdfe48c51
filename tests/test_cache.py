"""The result cache: hits only while the file, its dependencies, the config and version hold."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from promptcop.config import Settings
from promptcop.linter import cache as cache_mod
from promptcop.linter.cache import CachedResult, ResultCache, default_cache_dir
from promptcop.linter.model import Edit, FileError, Finding, Fix, Location, Related

OLD = 1_600_000_000  # a timestamp well outside the racy window


def _finding(path: str, line: int = 3) -> Finding:
    loc = Location(path, line, 5, line, 20)
    return Finding(
        code="PC101",
        name="dynamic-value-in-prefix",
        severity="error",
        message="`datetime.now()` reaches `system`",
        location=loc,
        related=(Related(Location("prompts.py", 1, 1, 1, 9), "defined here"),),
        fix=Fix("move it", "unsafe", (Edit(loc, "SYSTEM"),)),
        snippet="datetime.now()",
        site_line=line + 1,
    )


def _write(path: Path, text: str, *, old: bool = True) -> bytes:
    path.write_text(text)
    if old:
        os.utime(path, (OLD, OLD))
    return path.read_bytes()


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path / "app.py", "from prompts import SYSTEM\nclient.messages.create(system=SYSTEM)\n"
    )
    _write(tmp_path / "prompts.py", "SYSTEM = f'{datetime.now()}'\n")
    return tmp_path


def _open(
    tmp: Path, settings: Settings | None = None, codes: list[str] | None = None
) -> ResultCache:
    return ResultCache.open(tmp / "cachedir", settings or Settings(), codes)


def _store(tmp: Path, **kwargs: object) -> CachedResult:
    result = CachedResult((_finding("app.py"),), None, ("prompts.py",))
    cache = _open(tmp, **kwargs)  # type: ignore[arg-type]
    cache.put("app.py", (tmp / "app.py").read_bytes(), result)
    cache.save()
    return result


def test_hit_returns_the_stored_findings(tree: Path) -> None:
    stored = _store(tree)
    cache = _open(tree)
    assert cache.get("app.py") == stored
    assert cache.get("app.py") is not None
    assert (cache.hits, cache.misses) == (2, 0)


def test_hit_does_not_read_the_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _store(tree)
    cache = _open(tree)

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a hit with an unchanged stat must not read the file")

    monkeypatch.setattr(cache_mod, "open", no_reading, raising=False)
    assert cache.get("app.py") is not None


def test_miss_on_content_change(tree: Path) -> None:
    _store(tree)
    _write(tree / "app.py", "client.messages.create(system='static')\n")
    assert _open(tree).get("app.py") is None


def test_miss_on_same_size_edit_with_restored_mtime_when_stored_racy(tree: Path) -> None:
    # Written "just now": the stat is not remembered, so an edit that keeps
    # size and mtime (coarse clocks) is still seen by hashing.
    original = _write(tree / "app.py", "x = 1\n", old=False)
    st = os.stat(tree / "app.py")
    cache = _open(tree)
    cache.put("app.py", original, CachedResult((), None))
    cache.save()
    (tree / "app.py").write_text("x = 2\n")
    os.utime(tree / "app.py", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _open(tree).get("app.py") is None


def test_touch_without_change_still_hits(tree: Path) -> None:
    stored = _store(tree)
    os.utime(tree / "app.py", (OLD + 100, OLD + 100))
    assert _open(tree).get("app.py") == stored


def test_miss_on_dependency_change(tree: Path) -> None:
    _store(tree)
    _write(tree / "prompts.py", "SYSTEM = 'You are terse.'\n")
    assert _open(tree).get("app.py") is None


def test_miss_when_dependency_is_deleted(tree: Path) -> None:
    _store(tree)
    (tree / "prompts.py").unlink()
    assert _open(tree).get("app.py") is None


def test_miss_on_config_change(tree: Path) -> None:
    _store(tree)
    assert _open(tree, settings=Settings(dynamic_calls=("app.clock.now",))).get("app.py") is None
    assert _open(tree, codes=["PC101"]).get("app.py") is None
    assert _open(tree).get("app.py") is not None


def test_miss_on_version_change(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _store(tree)
    monkeypatch.setattr(cache_mod, "__version__", "99.0.0")
    assert _open(tree).get("app.py") is None


def test_miss_when_path_spelt_differently(tree: Path) -> None:
    _store(tree)
    # Same file, but findings were recorded with the spelling "app.py".
    assert _open(tree).get(str(tree / "app.py")) is None


def _pack(tree: Path) -> Path:
    (pack,) = (tree / "cachedir").glob("results-*.json")
    return pack


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: raw[:-5], id="truncated"),
        pytest.param(lambda raw: raw.replace(b"PC101", b"PC999"), id="flipped-body"),
        pytest.param(lambda raw: b"", id="empty"),
        pytest.param(lambda raw: b"\x80\x81garbage\n{}", id="garbage"),
        pytest.param(
            lambda raw: raw.replace(f'"format": {cache_mod.CACHE_FORMAT}'.encode(), b'"format": 7'),
            id="other-format",
        ),
    ],
)
def test_corrupted_pack_is_ignored(tree: Path, damage: object) -> None:
    _store(tree)
    pack = _pack(tree)
    pack.write_bytes(damage(pack.read_bytes()))  # type: ignore[operator]
    cache = _open(tree)
    assert len(cache) == 0
    assert cache.get("app.py") is None


def test_foreign_pack_is_ignored(tree: Path) -> None:
    # A valid pack written for another configuration, renamed into this one's place.
    _store(tree, codes=["PC101"])
    foreign = _pack(tree)
    target = _open(tree).pack_path
    foreign.rename(target)
    assert _open(tree).get("app.py") is None


def test_checksummed_but_malformed_entry_is_not_trusted(tree: Path) -> None:
    _store(tree)
    cache = _open(tree)
    entries = {os.path.abspath("app.py"): {"path": "app.py", "hash": 5, "deps": []}}
    cache_mod._write_pack(cache.pack_path, cache.fingerprint, entries)
    assert _open(tree).get("app.py") is None


def test_pack_is_json_with_checksum_and_leaves_no_temp_files(tree: Path) -> None:
    _store(tree)
    files = sorted(p.name for p in (tree / "cachedir").iterdir())
    assert files[0:2] == [".gitignore", "CACHEDIR.TAG"]
    assert len(files) == 3 and files[2].startswith(f"results-v{cache_mod.CACHE_FORMAT}-")
    head, body = _pack(tree).read_bytes().split(b"\n", 1)
    assert json.loads(head)["format"] == cache_mod.CACHE_FORMAT
    assert isinstance(json.loads(body), dict)
    assert (tree / "cachedir" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_errors_round_trip(tree: Path) -> None:
    cache = _open(tree)
    result = CachedResult((), FileError("app.py", "syntax error at line 2"))
    cache.put("app.py", (tree / "app.py").read_bytes(), result)
    cache.save()
    assert _open(tree).get("app.py") == result


def test_concurrent_runs_merge_their_entries(tree: Path) -> None:
    first, second = _open(tree), _open(tree)
    first.put("app.py", (tree / "app.py").read_bytes(), CachedResult((), None))
    second.put("prompts.py", (tree / "prompts.py").read_bytes(), CachedResult((), None))
    first.save()
    second.save()
    fresh = _open(tree)
    assert fresh.get("app.py") is not None and fresh.get("prompts.py") is not None


def test_unwritable_cache_dir_costs_only_speed(tree: Path) -> None:
    (tree / "blocker").write_text("a file where the cache directory should be")
    cache = ResultCache.open(tree / "blocker" / "sub", Settings(), None)
    cache.put("app.py", (tree / "app.py").read_bytes(), CachedResult((), None))
    cache.save()  # must not raise
    assert cache.get("app.py") is not None


def test_default_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache_mod.ENV_CACHE_DIR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir(tmp_path / "proj") == tmp_path / "proj" / ".promptcop_cache"
    assert default_cache_dir(None) == tmp_path / "xdg" / "promptcop"
    monkeypatch.setenv(cache_mod.ENV_CACHE_DIR, str(tmp_path / "mine"))
    assert default_cache_dir(tmp_path / "proj") == tmp_path / "mine"


def test_miss_when_the_run_scans_another_set_of_files(tree: Path) -> None:
    # Names resolve only against scanned files: a result made while prompts.py
    # was not scanned must not answer for a run that scans it.
    cache = ResultCache.open(tree / "cachedir", Settings(), None, scanned=["app.py"])
    cache.put("app.py", (tree / "app.py").read_bytes(), CachedResult((), None))
    cache.save()
    whole = ResultCache.open(tree / "cachedir", Settings(), None, ["app.py", "prompts.py"])
    assert whole.get("app.py") is None
    same = ResultCache.open(tree / "cachedir", Settings(), None, scanned=["./app.py"])
    assert same.get("app.py") is not None


def test_prefilter_outcome_round_trips(tree: Path) -> None:
    cache = _open(tree)
    cache.put("prompts.py", (tree / "prompts.py").read_bytes(), CachedResult((), None, (), False))
    cache.save()
    hit = _open(tree).get("prompts.py")
    assert hit is not None and hit.linted is False


def test_entries_of_deleted_files_are_dropped_on_save(tree: Path) -> None:
    _store(tree)
    (tree / "app.py").unlink()
    cache = _open(tree)
    cache.put("prompts.py", (tree / "prompts.py").read_bytes(), CachedResult((), None))
    cache.save()
    assert len(_open(tree)) == 1


# --- through the CLI, with the real engine ------------------------------------------

APP = """\
import anthropic
from prompts import SYSTEM

client = anthropic.Anthropic()


def answer(question: str):
    return client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=300,
        system=SYSTEM,
        messages=[{"role": "user", "content": question}],
    )
"""
DYNAMIC_PROMPTS = "import datetime\n\nSYSTEM = f'Today is {datetime.datetime.now()}. Be terse.'\n"
STATIC_PROMPTS = "SYSTEM = 'Be terse.'\n"


def _check(tmp: Path) -> tuple[int, str]:
    from click.testing import CliRunner

    from promptcop.cli import main

    args = ["check", ".", "--format", "json", "--jobs", "1", "--cache-dir", str(tmp / "cc")]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.output


def _codes(output: str) -> list[tuple[str, str]]:
    return [(f["path"], f["code"]) for f in json.loads(output)["findings"]]


def test_cli_serves_unchanged_files_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promptcop.linter import runner

    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "app.py", APP)
    _write(tmp_path / "prompts.py", DYNAMIC_PROMPTS)
    _write(tmp_path / "util.py", "def f():\n    return 1\n")
    status, first = _check(tmp_path)
    # PC101 for the clock reaching `system` (its primary location is the rule's business).
    assert status == 1 and "PC101" in {code for _, code in _codes(first)}, first

    linted: list[str] = []
    real = runner.lint_one

    def counting(source: runner.SourceText, *args: object, **kwargs: object) -> object:
        linted.append(source.file.path)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "lint_one", counting)
    assert _check(tmp_path) == (status, first)
    assert linted == []  # every file answered by the cache, none read by the engine

    # A dependency changes: the file that imports the prompt is checked again.
    _write(tmp_path / "prompts.py", STATIC_PROMPTS)
    os.utime(tmp_path / "prompts.py", (OLD + 50, OLD + 50))
    status, third = _check(tmp_path)
    assert "app.py" in linted and "util.py" not in linted
    assert status == 0 and _codes(third) == []


def test_cli_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from promptcop.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    _write(tmp_path / "app.py", APP)
    result = CliRunner().invoke(main, ["check", ".", "--no-cache"], catch_exceptions=False)
    assert result.exit_code in (0, 1)
    assert not (tmp_path / ".promptcop_cache").exists()
    CliRunner().invoke(main, ["check", "."], catch_exceptions=False)
    assert (tmp_path / ".promptcop_cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_one_pack_per_project_root_and_stale_packs_are_swept(tree: Path) -> None:
    here = ResultCache.open(tree / "cachedir", Settings(), None, root="/proj/a")
    there = ResultCache.open(tree / "cachedir", Settings(), None, root="/proj/b")
    assert here.pack_path != there.pack_path
    stale = tree / "cachedir" / "results-v1-old.json"
    fresh = tree / "cachedir" / "results-v1-recent.json"
    (tree / "cachedir").mkdir()
    stale.write_text("{}")
    fresh.write_text("{}")
    os.utime(stale, (OLD, OLD))
    here.put("app.py", (tree / "app.py").read_bytes(), CachedResult((), None))
    here.save()
    assert not stale.exists() and fresh.exists() and here.pack_path.exists()


def test_dropped_file_is_a_compact_record_valid_in_any_scope(tree: Path) -> None:
    cache = ResultCache.open(tree / "cachedir", Settings(), None, scanned=["prompts.py"])
    error = FileError("prompts.py", "not text: NUL byte")
    cache.put("prompts.py", b"", CachedResult((), error, (), linted=False))
    cache.save()
    (entry,) = json.loads(_pack(tree).read_bytes().split(b"\n", 1)[1]).values()
    assert isinstance(entry, list) and entry[0] == "prompts.py" and entry[-1] == error.message
    # The prefilter's verdict rests on the bytes alone, not on which files were scanned.
    other = ResultCache.open(tree / "cachedir", Settings(), None, scanned=["a.py", "prompts.py"])
    assert other.get("prompts.py") == CachedResult((), error, (), linted=False)
    os.utime(tree / "prompts.py", (OLD + 100, OLD + 100))
    assert _open(tree).get("prompts.py") is None  # new stat: prefiltered again


def test_dropped_file_written_just_now_gets_no_record(tree: Path) -> None:
    data = _write(tree / "util.py", "x = 1\n", old=False)
    cache = _open(tree)
    cache.put("util.py", data, CachedResult((), None, (), linted=False))
    cache.save()
    assert len(_open(tree)) == 0


def test_a_run_that_learns_nothing_writes_nothing(tree: Path) -> None:
    cache = _open(tree)
    cache.put("prompts.py", b"", CachedResult((), None, (), linted=False))
    cache.save()
    before = os.stat(_pack(tree))
    again = _open(tree)
    assert again.get("prompts.py") is not None
    again.put("prompts.py", b"", CachedResult((), None, (), linted=False))
    again.save()
    after = os.stat(_pack(tree))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_save_merges_a_pack_another_run_replaced_meanwhile(tree: Path) -> None:
    mine = _open(tree)
    mine.put("prompts.py", b"", CachedResult((), None, (), linted=False))
    mine.save()
    theirs = _open(tree)
    theirs.put("app.py", (tree / "app.py").read_bytes(), CachedResult((), None))
    theirs.save()
    # mine's pack on disk is no longer the one it wrote: it must re-read, not overwrite.
    _write(tree / "util.py", "y = 2\n")
    mine.put("util.py", b"", CachedResult((), None, (), linted=False))
    mine.save()
    fresh = _open(tree)
    assert all(fresh.get(p) is not None for p in ("app.py", "prompts.py", "util.py"))
