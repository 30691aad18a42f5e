"""Executors: where the cells run. Each yields finished rows to the parent, in finishing order.

- :class:`LocalExecutor` (``executor="local"``): up to ``workers`` forked child processes at a time
  on this machine, one per cell (:mod:`stackopt.app.study.isolation`), so a crashing or hanging cell
  costs only itself.
- :class:`DaskExecutor` (a scheduler address as Dask writes it, ``executor="tcp://host:port"``, or
  a ``distributed.Client``): each cell is a task on a Dask cluster; the task isolates the cell the
  same way on its worker and returns the row. A lost scheduler, or a cluster without a worker (or
  without its scheduler connection) for ``worker_timeout`` seconds, stops the study with an
  :class:`ExecutorError` that names the scheduler and what to do; the cells it did not finish are
  stored as ``"interrupted"``, with the cause, and a resumed study runs them again. While a Dask
  study runs, the ``distributed`` loggers' tracebacks (a lost scheduler makes the client log its
  failed reconnection's) are dropped: the error says it in one line.

Only the parent writes the store: executors return rows, they never touch it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import time
from collections.abc import Iterator
from concurrent.futures import CancelledError
from typing import Any

from stackopt.app.study.cell import Cell, failed_row
from stackopt.app.study.isolation import Child, run_isolated
from stackopt.errors import OptionError


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
        finally:  # Ctrl-C, or the caller stopped: the running cells stay unfinished
            selector.close()
            for child in running.values():
                child.stop()

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


#: The schemes of Dask scheduler addresses (``distributed.comm`` backends).
DASK_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")


class ExecutorError(RuntimeError):
    """The executor cannot run the remaining cells (no worker, a lost scheduler); they are
    stored as ``"interrupted"``, which a resumed study runs again."""


class DaskExecutor:
    """Run cells as tasks on a Dask cluster: a ``distributed.Client`` or a scheduler address.

    ``worker_timeout``: seconds the study waits for a worker (or for its scheduler connection)
    before it stops with an :class:`ExecutorError`; ``poll``: seconds between such checks.
    """

    def __init__(self, client: Any, worker_timeout: float = 60.0, poll: float = 1.0) -> None:
        from distributed import Client

        if not worker_timeout > 0:
            raise OptionError(f"worker_timeout must be positive, got {worker_timeout!r}")
        self.worker_timeout, self.poll = worker_timeout, poll
        self._own = not isinstance(client, Client)
        if self._own:
            try:
                client = Client(client, timeout=worker_timeout)
            except OSError as exc:
                raise ExecutorError(
                    f"cannot reach the Dask scheduler at {client} ({exc}): check that a scheduler "
                    "runs at that address and that this machine can reach it"
                ) from None
        self.client = client
        self.address = getattr(client.scheduler, "address", "?")

    def run(self, cells: list[Cell], timeout: float | None) -> Iterator[dict[str, Any]]:
        """Submit every cell and yield the rows as the tasks finish; when the cluster cannot run
        the rest, yield their ``"interrupted"`` rows and raise :class:`ExecutorError`."""
        with _without_tracebacks("distributed"):
            yield from self._run(cells, timeout)

    def _run(self, cells: list[Cell], timeout: float | None) -> Iterator[dict[str, Any]]:
        """:meth:`run`, with the ``distributed`` loggers' tracebacks already dropped."""
        from distributed import wait

        futures = {
            self.client.submit(run_isolated, cell, timeout, key=f"stackopt-cell-{cell.key}"): cell
            for cell in cells
        }
        pending, unhealthy_since, trouble = set(futures), None, None
        try:
            while pending and trouble is None:
                try:
                    done, pending = wait(pending, self.poll, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                except CancelledError as exc:  # the client lost its scheduler
                    trouble = f"lost the Dask scheduler at {self.address} ({_reason(exc)})"
                    break
                for future in done:
                    if future.status in ("finished", "error"):
                        try:
                            row = self._row(future, futures[future])
                        except (OSError, CancelledError) as exc:  # lost before its result came
                            pending.add(future)
                            trouble = f"lost the Dask scheduler at {self.address} ({_reason(exc)})"
                            continue
                        yield row
                    else:
                        pending.add(future)
                        trouble = f"lost the Dask scheduler at {self.address} ({future.status})"
                problem = trouble or self._trouble()
                unhealthy_since = None if problem is None else unhealthy_since or time.monotonic()
                if (
                    trouble is None
                    and problem
                    and unhealthy_since is not None
                    and time.monotonic() - unhealthy_since > self.worker_timeout
                ):
                    trouble = f"{problem} for {self.worker_timeout:g} s"
            if trouble is not None:
                message = f"{trouble}; the cell did not run and runs again when the study resumes"
                for future in pending:
                    yield failed_row(futures[future], "interrupted", message, 0.0)
                raise ExecutorError(
                    f"{trouble}: {len(pending)} cell(s) did not run (stored as 'interrupted'); "
                    f"{self._remedy(trouble)}, then run the study again to run them"
                )
        finally:
            with contextlib.suppress(Exception):
                self.client.cancel(list(futures))
            if self._own:
                with contextlib.suppress(Exception):
                    self.client.close()

    def _trouble(self) -> str | None:
        """What keeps the cluster from running cells (``None``: nothing)."""
        if self.client.status != "running":
            return f"no connection to the Dask scheduler at {self.address} ({self.client.status})"
        if not self.client.scheduler_info().get("workers"):
            return f"no Dask worker at the scheduler {self.address}"
        return None

    def _remedy(self, trouble: str) -> str:
        """What the user can do about ``trouble`` (:meth:`_trouble`, or a lost scheduler)."""
        if trouble.startswith("no Dask worker"):
            return f"start a worker for it (dask worker {self.address})"
        return f"check that the Dask scheduler at {self.address} runs (or give another one)"

    @staticmethod
    def _row(future: Any, cell: Cell) -> dict[str, Any]:
        if future.status == "finished":
            return future.result()
        exc = future.exception()  # the task itself raised: its worker died running the cell
        message = f"the Dask task of this cell failed: {type(exc).__name__}: {exc}"
        return failed_row(cell, "error", message, 0.0)


@contextlib.contextmanager
def _without_tracebacks(family: str) -> Iterator[None]:
    """Within the block, drop the records that carry a traceback from the loggers of ``family``
    (``"distributed"``: that logger and those below it); their other records pass."""
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] == family]
    loggers = [logging.getLogger(n) for n in {family, *names}]

    def no_traceback(record: logging.LogRecord) -> bool:
        return record.exc_info is None

    for logger in loggers:
        logger.addFilter(no_traceback)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(no_traceback)


def _reason(exc: BaseException) -> str:
    groups = getattr(exc, "error_groups", None)
    return groups[0].reason if groups else " ".join(str(exc).split()) or type(exc).__name__


def make_executor(
    executor: Any, workers: int | None = None, worker_timeout: float = 60.0
) -> LocalExecutor | DaskExecutor:
    """The executor named by ``executor``: ``"local"`` (``workers`` processes), a Dask scheduler
    address (``"tcp://host:port"``) or a ``distributed.Client`` (waiting at most
    ``worker_timeout`` seconds for a worker), or an executor object itself."""
    if isinstance(executor, (LocalExecutor, DaskExecutor)):
        return executor
    if executor == "local":
        return LocalExecutor(workers)
    if isinstance(executor, str) and "://" in executor:
        scheme, _, rest = executor.partition("://")
        if scheme in DASK_SCHEMES:
            return DaskExecutor(executor, worker_timeout)
        if scheme == "dask":
            raise OptionError(
                f"executor {executor!r}: write the Dask scheduler's address as Dask prints it, "
                f"with its protocol: 'tcp://{rest}'"
            )
    if type(executor).__name__ == "Client" and hasattr(executor, "submit"):
        return DaskExecutor(executor, worker_timeout)
    raise OptionError(
        f"executor {executor!r}: expected 'local', a Dask scheduler address such as "
        "'tcp://host:8786', or a distributed.Client"
    )
