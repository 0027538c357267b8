"""Run many grading jobs: the one scheduler behind `grade`, `demo`, `bulk` and `regrade`.

A caller hands the pool a list of items and a function that grades one item given the GPU
device it may use (None for a CPU assignment). The pool runs them on `jobs` threads, leases one
device per running job from the GPU pool when the assignment needs one, turns an exception of
the grading function into the caller's own failure value (`on_crash`) so that one grader bug
never loses the rest of a batch, reports each finished item (`on_done`, in completion order)
and returns the values in input order.

Each thread spends its time waiting on a pytest subprocess, so threads are enough on one
machine; a distributed backend offers the same `run` signature.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from typing import TypeVar

from autograder.sandbox.gpu import GpuPool

Item = TypeVar("Item")
Value = TypeVar("Value")


class LocalPool:
    """Grading jobs on this machine: `jobs` at once, one leased GPU each for GPU assignments."""

    def __init__(self, *, jobs: int, gpu_pool: GpuPool | None = None):
        self.jobs = max(1, jobs)
        self.gpu_pool = gpu_pool

    def run(self, items: Sequence[Item], grade: Callable[[Item, str | None], Value], *,
            on_crash: Callable[[Item, Exception], Value],
            on_done: Callable[[int, Value], None] | None = None) -> list[Value]:
        """grade(item, gpu) for every item; values in input order (see the module's docstring)."""

        def one(item: Item) -> Value:
            try:
                with self.gpu_pool.lease() if self.gpu_pool is not None else nullcontext() as device:
                    return grade(item, device.index if device is not None else None)
            except Exception as exc:  # a grader bug must not lose the rest of the batch
                return on_crash(item, exc)

        values: dict[int, Value] = {}
        with ThreadPoolExecutor(max_workers=self.jobs) as threads:
            futures = {threads.submit(one, item): i for i, item in enumerate(items)}
            for future in as_completed(futures):
                index = futures[future]
                values[index] = future.result()
                if on_done is not None:
                    on_done(index, values[index])
        return [values[i] for i in range(len(items))]
