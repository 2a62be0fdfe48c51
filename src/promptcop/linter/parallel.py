"""Spreading per-file lint work over worker processes.

libcst holds the GIL, so threads would not help; processes do. But a process
pool is not free: each worker is a fork (or, where fork is unavailable, a fresh
interpreter that imports libcst, a few hundred milliseconds), so for a handful
of files a pool is slower than just doing the work. On a typical repository
almost every file is dropped by the prefilter and only a few reach libcst, so
the rule is: go parallel only when there is enough work for every extra
worker: :data:`MIN_WEIGHT_PER_WORKER` bytes of source when the caller gives
each item's size (libcst's cost grows with the bytes, not the file count: three
100 kB files are worth two workers, thirty tiny ones are not), else
:data:`MIN_ITEMS_PER_WORKER` items. Heavy items are handed out first, one at a
time, so one big file does not leave the other worker idle at the end.

Results come back in the order of the items, whatever the number of jobs; the
runner sorts findings after gathering them anyway, so ``--jobs 2`` prints
exactly what ``--jobs 1`` prints.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

# multiprocessing and concurrent.futures (~15 ms of imports) load only when a
# pool is started: a pre-commit run on a few files never starts one.

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

# Below this many items per worker, forking costs more than it saves: a worker
# takes a few ms to fork and a file that reaches libcst takes 5-50 ms to lint.
MIN_ITEMS_PER_WORKER = 8
# Source bytes worth a worker: libcst parses about 1 MB/s here and the rules
# take as long again, so 64 kB is ~0.1 s of work against a fork of ~0.02 s.
MIN_WEIGHT_PER_WORKER = 64_000
# Chunks per worker: small enough to balance uneven files, big enough to keep
# pickling round trips rare.
CHUNKS_PER_WORKER = 4


def default_jobs() -> int:
    """The cores this process may run on (cgroup/affinity aware where the OS says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def effective_jobs(requested: int | None, items: int, weight: int | None = None) -> int:
    """How many processes ``items`` pieces of work (``weight`` bytes in all) deserve."""
    jobs = default_jobs() if requested is None or requested <= 0 else requested
    enough = items // MIN_ITEMS_PER_WORKER
    if weight is not None:
        enough = min(items, weight // MIN_WEIGHT_PER_WORKER)
    return max(1, min(jobs, enough))


_worker_fn: Callable[[Any, Any], Any] | None = None
_worker_context: Any = None


def _install(fn: Callable[[Any, Any], Any], context: Any) -> None:
    global _worker_fn, _worker_context
    _worker_fn = fn
    _worker_context = context


def _run_one(item: Any) -> Any:
    assert _worker_fn is not None, "worker used before its initializer ran"
    return _worker_fn(_worker_context, item)


def _mp_context() -> Any:
    import multiprocessing

    # fork shares the parent's already-imported libcst and engine with every
    # worker for free; it is safe here because the runner starts no threads.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def map_in_workers(
    fn: Callable[[C, T], R],
    context: C,
    items: Sequence[T],
    jobs: int | None,
    *,
    weights: Sequence[int] | None = None,
) -> list[R]:
    """``[fn(context, item) for item in items]``, in worker processes when it pays.

    ``fn`` must be a module-level function and ``context`` picklable; the
    context is sent once per worker, not once per item. ``fn`` should turn a
    file's own failure into a result (a ``FileError``) rather than raise; an
    exception it does raise propagates. If the pool itself dies (a worker
    killed by the OOM killer), the work is redone in this process, so a run
    never loses files to a crashed worker.
    """
    workers = effective_jobs(jobs, len(items), None if weights is None else sum(weights))
    if workers <= 1:
        return [fn(context, item) for item in items]
    order = list(range(len(items)))
    if weights is not None:
        # Largest first, one at a time: the pool balances as workers free up.
        order.sort(key=lambda i: -weights[i])
        chunksize = 1
    else:
        chunksize = max(1, math.ceil(len(items) / (workers * CHUNKS_PER_WORKER)))
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_mp_context(),
            initializer=_install,
            initargs=(fn, context),
        ) as pool:
            done = list(pool.map(_run_one, [items[i] for i in order], chunksize=chunksize))
    except BrokenProcessPool:
        return [fn(context, item) for item in items]
    results: list[R] = [done[0]] * len(items)
    for position, index in enumerate(order):
        results[index] = done[position]
    return results
