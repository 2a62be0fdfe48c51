"""The worker pool: same results as serial, serial when small, survives a dead worker."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from promptcop.linter import parallel
from promptcop.linter.parallel import effective_jobs, map_in_workers


def _square_with_pid(offset: int, item: int) -> tuple[int, int]:
    return item * item + offset, os.getpid()


def _die_in_workers(parent_pid: int, item: int) -> int:
    if os.getpid() != parent_pid:
        os._exit(3)  # a worker killed mid-run (OOM killer, segfault)
    return item + 1


def _raise_on_three(_: None, item: int) -> int:
    if item == 3:
        raise ValueError("bad item 3")
    return item


def test_results_match_serial_in_item_order() -> None:
    items = list(range(100))
    serial = map_in_workers(_square_with_pid, 7, items, jobs=1)
    pooled = map_in_workers(_square_with_pid, 7, items, jobs=2)
    assert [r for r, _ in pooled] == [r for r, _ in serial] == [i * i + 7 for i in items]
    assert {pid for _, pid in serial} == {os.getpid()}
    assert any(pid != os.getpid() for _, pid in pooled)


def test_few_items_stay_in_process() -> None:
    few = list(range(parallel.MIN_ITEMS_PER_WORKER * 2 - 1))
    results = map_in_workers(_square_with_pid, 0, few, jobs=2)
    assert {pid for _, pid in results} == {os.getpid()}


def test_effective_jobs() -> None:
    per = parallel.MIN_ITEMS_PER_WORKER
    assert effective_jobs(1, 10_000) == 1
    assert effective_jobs(4, 10_000) == 4
    assert effective_jobs(4, 2 * per) == 2
    assert effective_jobs(4, 0) == 1
    assert effective_jobs(None, 10_000) == parallel.default_jobs()
    assert effective_jobs(0, 10_000) == parallel.default_jobs()


def test_dead_worker_falls_back_to_serial() -> None:
    items = list(range(40))
    assert map_in_workers(_die_in_workers, os.getpid(), items, jobs=2) == [i + 1 for i in items]


def test_exceptions_propagate() -> None:
    with pytest.raises(ValueError, match="bad item 3"):
        map_in_workers(_raise_on_three, None, list(range(40)), jobs=2)


def test_cli_output_with_two_jobs_is_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from promptcop.cli import main

    monkeypatch.chdir(tmp_path)
    count = parallel.MIN_ITEMS_PER_WORKER * 3
    for i in range(count):
        (tmp_path / f"m{i:02d}.py").write_text(
            "import anthropic, datetime\n\nclient = anthropic.Anthropic()\n\n\n"
            f"def ask_{i}(q: str):\n"
            "    return client.messages.create(\n"
            f"        model='claude-sonnet-4-6',\n"
            f"        system=f'Now: {{datetime.datetime.now()}} #{i}',\n"
            "        messages=[{'role': 'user', 'content': q}],\n"
            "    )\n"
        )
    assert effective_jobs(2, count) == 2  # the pool is really used below
    outputs = []
    for jobs in ("1", "2"):
        args = ["check", ".", "--format", "json", "--no-cache", "--jobs", jobs]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 1, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0])["findings"]) >= 2 * count  # PC101 and PC301 per file


def test_weights_decide_and_order_is_kept() -> None:
    heavy = parallel.MIN_WEIGHT_PER_WORKER
    items = [3, 1, 2]
    # Three big files are worth two workers, though they are few...
    pooled = map_in_workers(
        _square_with_pid, 0, items, jobs=2, weights=[heavy, 3 * heavy, 2 * heavy]
    )
    assert [r for r, _ in pooled] == [9, 1, 4]
    assert any(pid != os.getpid() for _, pid in pooled)
    # ...and many tiny ones are not.
    many = list(range(100))
    small = map_in_workers(_square_with_pid, 0, many, jobs=2, weights=[10] * 100)
    assert {pid for _, pid in small} == {os.getpid()}
    assert [r for r, _ in small] == [i * i for i in many]


def test_effective_jobs_by_weight() -> None:
    heavy = parallel.MIN_WEIGHT_PER_WORKER
    assert effective_jobs(2, 3, 3 * heavy) == 2
    assert effective_jobs(4, 3, 10 * heavy) == 3  # never more workers than items
    assert effective_jobs(2, 100, heavy - 1) == 1
