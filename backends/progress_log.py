"""The INFO progress of an iterative method's starts on the logger ``stackopt.<method>``.

Each start logs one line as it ends, in the form of the MPEC's (:mod:`stackopt.backends.mpec`):
its number among the starts planned so far, its kind, its status, the leader's objective as the
method itself computed it (in the model's sense; "none" where it has none), its steps or
iterations and its seconds of wall time. A long start also logs a heartbeat, at most one every
``HEARTBEAT`` seconds of wall time, with its current step and objective::

    gradient: start 2 of 2 (the high-point relaxation), step 1520: objective -11.9, 10.0 s
    gradient: start 2 of 2 (the high-point relaxation): locally_optimal, objective -12, 1733 steps, 11.42 s
"""

from __future__ import annotations

import logging
import math
import time

#: the least wall time, in seconds, between two heartbeats of a start
HEARTBEAT = 10.0


def _objective(value: float | None) -> str:
    return "none" if value is None or not math.isfinite(value) else f"{value + 0.0:.8g}"  # no -0


def counted(n: int, unit: str) -> str:
    """``n`` of ``unit``: "1 step", "2 steps"."""
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


class StartLog:
    """The INFO lines of start ``number`` of ``starts`` (1-based) of ``method``, its clock started
    at ``began`` (a ``time.perf_counter()`` instant; None: at construction); ``unit`` names its
    steps ("step", "iteration"). ``heartbeat=False`` where the
    method logs its steps already (``verbose=True`` of the dynamics), so nothing is said twice."""

    def __init__(
        self,
        method: str,
        number: int = 1,
        starts: int = 1,
        kind: str = "the start",
        unit: str = "step",
        heartbeat: bool = True,
        began: float | None = None,
    ):
        self.log = logging.getLogger(f"stackopt.{method}")
        self.name = f"{method}: start {number} of {starts} ({kind})"
        self.method, self.unit, self.heartbeat = method, unit, heartbeat
        self.began = time.perf_counter() if began is None else began
        self.due = self.began + HEARTBEAT
        #: the step of the last :meth:`beat`, logged or not
        self.step = 0

    def beat(self, step: int, objective: float | None, detail: str = "") -> None:
        """The heartbeat at ``step`` with the current ``objective`` (and ``detail``, said in
        parentheses), when ``HEARTBEAT`` seconds have passed since the start or the last one."""
        self.step = step
        now = time.perf_counter()
        if not self.heartbeat or now < self.due:
            return
        self.due = now + HEARTBEAT
        self.log.info(
            "%s, %s %d: objective %s%s, %.1f s",
            self.name,
            self.unit,
            step,
            _objective(objective),
            f" ({detail})" if detail else "",
            now - self.began,
        )

    def debug(self, step: int, what: str) -> None:
        """A DEBUG line of this start at ``step``: ``what`` happened."""
        self.log.debug("%s, %s %d: %s", self.name, self.unit, step, what)

    def end(self, status: str, objective: float | None, steps: int) -> None:
        """The start's line: ``status``, the method's ``objective``, its ``steps``, its seconds."""
        self.log.info(
            "%s: %s, objective %s, %s, %.2f s",
            self.name,
            status,
            _objective(objective),
            counted(steps, self.unit),
            time.perf_counter() - self.began,
        )
