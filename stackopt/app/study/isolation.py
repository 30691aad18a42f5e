"""Run one cell in a forked child process, so that a crash or a hang costs only that cell.

The child runs :func:`stackopt.app.study.cell.run_cell` and writes the pickled row to a pipe; the
parent reads the pipe until end of file, then reaps the child. A cell whose code raises
``SystemExit`` gives an ``"error"`` row with its message; a child that dies before writing its
row gives an ``"error"`` row naming its exit code or signal; a child still running at its deadline
is killed and gives a ``"time_limit"`` row. Raw ``os.fork`` (not ``multiprocessing``) is used so
that cells can also be isolated inside daemonic processes such as Dask workers. POSIX only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import selectors
import signal
import sys
import time
from typing import Any

from stackopt.app.study.cell import Cell, failed_row, run_cell

_PR_SET_PDEATHSIG = 1


class Child:
    """A forked process running one cell, with its deadline (``None``: no time limit)."""

    def __init__(self, cell: Cell, timeout: float | None) -> None:
        self.cell = cell
        self.started = time.monotonic()
        self.deadline = None if timeout is None else self.started + timeout
        self.timeout = timeout
        self._chunks: list[bytes] = []
        read_fd, write_fd = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            _child_main(cell, write_fd, parent)
        os.close(write_fd)
        self.pid = pid
        self.fd = read_fd

    def read(self) -> bool:
        """Read what the child wrote; True once it closed the pipe (then call :meth:`finish`)."""
        chunk = os.read(self.fd, 1 << 16)
        self._chunks.append(chunk)
        return not chunk

    def finish(self) -> dict[str, Any]:
        """Reap the child that closed its pipe and return its row (an error row if it died)."""
        os.close(self.fd)
        _, status = os.waitpid(self.pid, 0)
        data = b"".join(self._chunks)
        if os.waitstatus_to_exitcode(status) == 0 and data:
            return pickle.loads(data)
        return failed_row(self.cell, "error", _death(status), self.elapsed())

    def stop(self) -> None:
        """Kill the child and reap it (its cell is left unfinished: a study that stops)."""
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)

    def kill(self) -> dict[str, Any]:
        """Kill the child at its deadline and return its ``"time_limit"`` row."""
        self.stop()
        message = f"cell ran past the study timeout of {self.timeout:g} s and was killed"
        return failed_row(self.cell, "time_limit", message, self.elapsed())

    def elapsed(self) -> float:
        """Seconds since the child was started."""
        return time.monotonic() - self.started


def run_isolated(cell: Cell, timeout: float | None) -> dict[str, Any]:
    """Run ``cell`` in a child process and wait for its row (used by remote executors)."""
    child = Child(cell, timeout)
    with selectors.DefaultSelector() as selector:
        selector.register(child.fd, selectors.EVENT_READ)
        while True:
            wait = None if child.deadline is None else max(0.0, child.deadline - time.monotonic())
            if not selector.select(wait):
                return child.kill()
            if child.read():
                selector.unregister(child.fd)
                return child.finish()


def _child_main(cell: Cell, write_fd: int, parent: int) -> None:
    code, started = 1, time.monotonic()
    try:
        die_with_parent(parent)
        try:
            row = run_cell(cell)
        except SystemExit as exc:  # sys.exit("bad size") in the cell's code: an error, not a death
            row = failed_row(cell, "error", f"SystemExit: {exc}", time.monotonic() - started)
        data = pickle.dumps(row)
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)
        code = 0
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this child when the parent dies (for example by SIGKILL)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _death(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return f"worker process was killed by signal {signal.Signals(-code).name}"
    return f"worker process exited with code {code} before returning its result"
