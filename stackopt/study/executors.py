"""Executors: where the cells run. Each yields finished rows to the parent, in finishing order.

- :class:`LocalExecutor` (``executor="local"``): up to ``workers`` forked child processes at a time
  on this machine, one per cell (:mod:`stackopt.study.isolation`), so a crashing or hanging cell
  costs only itself.
- :class:`DaskExecutor` (``executor="dask://host:port"`` or a ``distributed.Client``): each cell is
  a task on a Dask cluster; the task isolates the cell the same way on its worker, returns the row.

Only the parent writes the store: executors return rows, they never touch it.
"""

from __future__ import annotations

import os
import selectors
import time
from collections.abc import Iterator
from typing import Any

from stackopt.errors import OptionError
from stackopt.study.cell import Cell, failed_row
from stackopt.study.isolation import Child, run_isolated


def default_workers() -> int:
    """The number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class LocalExecutor:
    """Run cells in forked child processes, at most ``workers`` at a time."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        if self.workers < 1:
            raise OptionError(f"workers must be at least 1, got {self.workers}")

    def run(self, cells: list[Cell], timeout: float | None) -> Iterator[dict[str, Any]]:
        """Yield the row of every cell as it finishes; kill the children if the caller stops."""
        pending = list(reversed(cells))
        running: dict[int, Child] = {}
        selector = selectors.DefaultSelector()
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    child = Child(pending.pop(), timeout)
                    running[child.fd] = child
                    selector.register(child.fd, selectors.EVENT_READ)
                yield from self._step(selector, running)
        finally:
            selector.close()
            for child in running.values():
                child.kill()

    @staticmethod
    def _step(selector: selectors.BaseSelector, running: dict[int, Child]) -> Iterator[dict]:
        deadlines = [c.deadline for c in running.values() if c.deadline is not None]
        wait = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        for key, _ in selector.select(wait):
            if running[key.fd].read():
                selector.unregister(key.fd)
                yield running.pop(key.fd).finish()
        now = time.monotonic()
        for fd, child in list(running.items()):
            if child.deadline is not None and now >= child.deadline:
                selector.unregister(fd)
                del running[fd]
                yield child.kill()


class DaskExecutor:
    """Run cells as tasks on a Dask cluster: a ``distributed.Client`` or a scheduler address."""

    def __init__(self, client: Any) -> None:
        from distributed import Client

        self._own = not isinstance(client, Client)
        self.client = Client(client) if self._own else client

    def run(self, cells: list[Cell], timeout: float | None) -> Iterator[dict[str, Any]]:
        """Submit every cell and yield the rows as the tasks finish."""
        from distributed import as_completed

        futures = {
            self.client.submit(run_isolated, cell, timeout, key=f"stackopt-cell-{cell.key}"): cell
            for cell in cells
        }
        try:
            for future in as_completed(futures):
                yield self._row(future, futures[future])
        finally:
            self.client.cancel(list(futures))
            if self._own:
                self.client.close()

    @staticmethod
    def _row(future: Any, cell: Cell) -> dict[str, Any]:
        if future.status == "finished":
            return future.result()
        exc = future.exception()
        return failed_row(cell, "error", f"dask task failed: {type(exc).__name__}: {exc}", 0.0)


def make_executor(executor: Any, workers: int | None = None) -> LocalExecutor | DaskExecutor:
    """The executor named by ``executor``: ``"local"``, ``"dask://host:port"`` or a Dask Client."""
    if executor == "local":
        return LocalExecutor(workers)
    if isinstance(executor, str) and executor.startswith("dask://"):
        return DaskExecutor("tcp://" + executor.removeprefix("dask://"))
    if type(executor).__name__ == "Client" and hasattr(executor, "submit"):
        return DaskExecutor(executor)
    raise OptionError(
        f"executor {executor!r}: expected 'local', 'dask://host:port' or a distributed.Client"
    )
