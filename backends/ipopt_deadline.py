"""An Ipopt solve stopped at a wall-clock deadline (a ``time.perf_counter()`` instant).

Ipopt 3.11 has no wall-clock limit of its own. A solve that must end by the deadline gets
``max_cpu_time`` of the time left and an intermediate callback that returns False once the deadline
has passed: Ipopt then stops with return code 5 (User_Requested_Stop), or -4
(Maximum_CpuTime_Exceeded) when its CPU clock ran out first. Every in-memory Ipopt solve of
stackopt (a compiled MPEC, a follower's best response) is timed by :class:`WallClock`.
"""

from __future__ import annotations

import time
from typing import Any

from stackopt.backends.solver_interrupt import pressed

#: Ipopt's return codes of a solve the deadline ended: CPU time exceeded, stopped by the callback
TIME_LIMIT_CODES = (-4, 5)


class WallClock:
    """One solve's deadline (None: none): :meth:`options` for Ipopt, and the object itself as
    cyipopt's ``intermediate_callback``, which also keeps Ipopt's iteration count."""

    def __init__(self, deadline: float | None):
        self.deadline = deadline
        self.iterations = 0

    def options(self) -> dict[str, float]:
        """``max_cpu_time`` of the time left (at least 1e-3 s); none without a deadline."""
        if self.deadline is None:
            return {}
        return {"max_cpu_time": max(1e-3, self.deadline - time.perf_counter())}

    def __call__(self, nlp: Any, alg_mod: int, iter_count: int, *rest: Any) -> bool:
        """Ipopt's intermediate callback (the pre-6.8 signature): go on while the deadline has not
        passed and no Ctrl-C came (:mod:`.solver_interrupt`)."""
        self.iterations = iter_count
        return not pressed() and (self.deadline is None or time.perf_counter() < self.deadline)
