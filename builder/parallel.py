"""Large work spread over processes (``--jobs``), small work done in this one.

Lessons are rendered and read independently of each other, so a course of a thousand
lessons can use every core. Workers are forked: they start with everything the parent
has loaded (the course, templates, translations), so nothing but each item's result
crosses between processes, and results come back in the order of the items, so the
packages are byte-identical whatever the number of jobs.

Forking costs a few tens of milliseconds and a worker's first item pays for the
templates it compiles, so work below :data:`PARALLEL_FROM` items stays in this process.
Where ``fork`` is unavailable (Windows, and macOS where it is unsafe), work is serial.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

Item = TypeVar("Item")
Result = TypeVar("Result")

PARALLEL_FROM = 48
"""Fewer items than this are done in this process, whatever ``jobs`` is."""

_work: Callable[[object], object] | None = None
"""The function the forked workers run; set just before they are forked."""


def available_cores() -> int:
    """The cores this process may run on (a container's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing  # here: 10 ms to load, for large work only

    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


def map_in_processes(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    jobs: int,
    *,
    worth_it_from: int = PARALLEL_FROM,
) -> list[Result]:
    """``[work(item) for item in items]``, spread over ``jobs`` processes when worth it
    (``worth_it_from`` items or more: fewer for large items such as whole courses).

    ``work``'s results must pickle. An exception in a worker is raised here, as it
    would be in a serial run. A worker does its own items in one process.
    """
    global _work
    jobs = min(jobs, len(items))
    # In a worker (_work set) items are done in place: a pool's workers cannot fork.
    if jobs <= 1 or len(items) < worth_it_from or not can_fork() or _work is not None:
        return [work(item) for item in items]
    import multiprocessing  # loaded by can_fork already

    _work = work  # type: ignore[assignment]  # read by the forked workers only
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            # Contiguous chunks keep each worker on neighbouring lessons and its
            # results few and large; a few chunks per worker even out uneven lessons.
            chunk = max(1, len(items) // (jobs * 4))
            run = cast(Callable[[Item], Result], _run)
            return pool.map(run, items, chunksize=chunk)
    finally:
        _work = None


def _run(item: object) -> object:
    assert _work is not None, "run only in a worker forked by map_in_processes"
    return _work(item)
