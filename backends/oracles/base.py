"""What an equilibrium oracle returns: the followers' primal-dual point for one leader decision."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from stackopt.kkt_evaluator import KKTEvaluation


@dataclass
class Equilibrium:
    """z = (x, lam, nu) in the KKT evaluator's ordering, with the inf-norm of the KKT residual F."""

    z: np.ndarray
    residual: float
    converged: bool
    iterations: int = 0
    oracle: str = ""
    message: str = ""
    #: the KKT evaluation (with derivatives) at z, when the oracle has one: saves re-evaluating
    evaluation: KKTEvaluation | None = None


#: the message of an equilibrium an oracle stopped at its deadline
TIME_LIMIT = "the time limit passed inside the equilibrium oracle"


class Timed:
    """An oracle's deadlines, set by the method for the run it serves: ``deadline``, a wall-clock
    instant (``time.perf_counter()``; None: none), and ``cpu_deadline``, an instant of the calling
    thread's CPU time (``time.thread_time()``: a cap that the machine's load does not move; the
    gradient method's later starts). The oracle stops its loops at either, gives its Ipopt solves
    the wall-clock time left (``max_cpu_time``), and returns an Equilibrium that has not
    converged, whose message begins with :data:`TIME_LIMIT` (:meth:`mark_late`). The honest
    evaluation of a Result builds its own oracle, which has a deadline only where the solve has a
    time limit (:func:`stackopt.certificate.evaluation_deadline`)."""

    deadline: float | None = None
    cpu_deadline: float | None = None

    def late(self) -> bool:
        """A deadline has passed."""
        return self.capped() or (self.deadline is not None and time.perf_counter() >= self.deadline)

    def capped(self) -> bool:
        """The CPU-time deadline has passed."""
        return self.cpu_deadline is not None and time.thread_time() >= self.cpu_deadline

    def hand_down(self, *parts: Timed) -> None:
        """Give the oracles this one calls (Newton, its rescues, a polish) its deadlines."""
        for part in parts:
            part.deadline, part.cpu_deadline = self.deadline, self.cpu_deadline

    def mark_late(self, eq: Equilibrium) -> Equilibrium:
        """``eq`` as the oracle returns it: one that has not converged once the deadline has
        passed says :data:`TIME_LIMIT` first, with its own reason after it (a best response whose
        Ipopt ran out of time, ...). A converged one, or one before the deadline, is unchanged."""
        if not eq.converged and self.late() and not eq.message.startswith(TIME_LIMIT):
            eq.message = f"{TIME_LIMIT} ({eq.message})" if eq.message else TIME_LIMIT
        return eq


class Oracle(Timed):
    """What ``oracle=`` names or wraps: ``oracle(pi, z0, rng) -> Equilibrium``."""

    name: str

    def __call__(
        self, pi: np.ndarray, z0: np.ndarray, rng: np.random.Generator | None = None
    ) -> Equilibrium:
        raise NotImplementedError
