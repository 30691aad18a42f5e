"""A user-supplied oracle: any callable from the leader decision to the followers' decisions.

``oracle(leader) -> followers``, both dicts keyed by fully qualified Var names (``{"q0": 45.0}`` ->
``{"F.q": 26.0}``). The multipliers are estimated (:mod:`.multipliers`) and the point polished to
the tolerance by semismooth Newton on the KKT system, so the gradient is exact at what the callable
found.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stackopt.backends.oracles.base import TIME_LIMIT, Equilibrium, Oracle
from stackopt.backends.oracles.multipliers import with_multipliers
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.kkt_evaluator import KKTEvaluator


class UserOracle(Oracle):
    """Wrap ``func(leader: dict) -> dict`` as an ``oracle(pi, z0, rng) -> Equilibrium``; the
    callable is not called after the oracle's deadline (:class:`.base.Timed`), and runs whole."""

    name = "callable"

    def __init__(self, func: Callable[[dict], dict], evaluator: KKTEvaluator, tol: float = 1e-6):
        self.func, self.evaluator = func, evaluator
        self.polish = NewtonOracle(evaluator, tol)

    def __call__(
        self, pi: np.ndarray, z0: np.ndarray, rng: np.random.Generator | None = None
    ) -> Equilibrium:
        ev = self.evaluator
        if self.late():
            return Equilibrium(np.asarray(z0, float), np.inf, False, 0, self.name, TIME_LIMIT)
        self.hand_down(self.polish)
        found = self.func(dict(zip(ev.leader_names, map(float, pi))))
        x = np.array(z0[: ev.n_x], dtype=float)
        for i, name in enumerate(ev.z_names[: ev.n_x]):
            if name in found:
                x[i] = found[name]
        eq = self.polish(pi, with_multipliers(ev, x, pi, self.polish.tol))
        eq.oracle = self.name
        return self.mark_late(eq)
