"""One BLAS thread while a solve runs in the main thread (``so.solve``), the caller's setting
restored after it.

The dense factorizations of KKT systems are too small to gain from BLAS threads (the paper-size
security game's 411 x 411 LU: 3.6 ms on one thread, 5-7 ms on two; benchmarks/security_step.py),
and threads that compete with other work for the cores wait on each other: that game's default
mpec took 13.6 s with two threads against 4.7 s with one on two cores at a load average of 3
(4.4 s against 4.3 s at a load average of 1). A BLAS library's thread count is the process's,
and OpenBLAS (numpy's and scipy's) ignores a change asked for by another thread once the main
thread has set it, so the limit (threadpoolctl) is set and restored by solves in the main thread
only; solves in other threads leave it as it is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from threadpoolctl import threadpool_limits

_depth = 0  # solves running in the main thread (a solve may run another: the tie selection)
_limiter: Any = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Within the block, in the main thread, BLAS uses one thread; elsewhere nothing changes."""
    global _depth, _limiter
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _depth == 0:
        _limiter = threadpool_limits(1, user_api="blas")
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            _limiter.restore_original_limits()
            _limiter = None
