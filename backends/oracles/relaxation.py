"""``oracle="relaxation"``: the Uryasev-Rubinstein relaxation algorithm (damped best responses).

    x^{k+1} = (1 - alpha) x^k + alpha BR(x^k, pi),   BR_i = argmin_{x_i in X_i(pi)} sign_i f_i(x_i, x_-i, pi)

(Uryasev & Rubinstein 1994; the equilibrium oracle of Wang et al. 2022, Sec. 6). Once the best
responses move by less than ``POLISH_FROM`` (relative), each iterate is polished by semismooth
Newton on the KKT system, and the oracle stops as soon as the polished point has a KKT residual
<= tol: the same test every oracle passes. (With nonconcave followers the best responses may keep
jumping between local optima while a KKT point sits between them.) Best responses are solved by
Ipopt on the follower's own problem, or by a closed form given per follower in ``best_responses``
(name -> callable from the current values of every Var, by name, to the follower's new values).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stackopt.backends.oracles.base import TIME_LIMIT, Equilibrium, Oracle
from stackopt.backends.oracles.best_response import BestResponseNLP
from stackopt.backends.oracles.multipliers import with_multipliers
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.structure import analyze, refuse_shared

#: try the Newton polish once the best responses move by less than this (relative)
POLISH_FROM = 1e-2

BestResponse = Callable[[dict[str, float]], dict[str, float]]


class RelaxationOracle(Oracle):
    """``oracle(pi, z0, rng) -> Equilibrium`` by damped simultaneous best responses: no round
    begun after the oracle's deadline (:class:`.base.Timed`), each best response's Ipopt given
    the time left; a failure once the deadline has passed is the time limit's."""

    name = "relaxation"

    def __init__(
        self,
        game: StackelbergGame,
        evaluator: KKTEvaluator,
        tol: float = 1e-6,
        damping: float = 0.5,
        max_iter: int = 500,
        best_responses: dict[str, BestResponse] | None = None,
    ):
        if not 0 < damping <= 1:
            raise OptionError(f"damping must be in (0, 1], got {damping!r}")
        self.structure = analyze(game.clone())
        refuse_shared(self.structure, "the relaxation oracle")
        names = [part.name for part in self.structure.followers]
        unknown = set(best_responses or {}) - set(names)
        if unknown:
            raise OptionError(f"best_responses names unknown followers {sorted(unknown)}")
        self.closed = dict(best_responses or {})
        self.solvers = {  # each compiled on the oracle's own clone of the game
            part.name: BestResponseNLP(self.structure, part)
            for part in self.structure.followers
            if part.name not in self.closed
        }
        self.evaluator, self.tol, self.damping, self.max_iter = evaluator, tol, damping, max_iter
        self.polish = NewtonOracle(evaluator, tol)

    def _best_response(self, i: int, values: dict[str, float]) -> np.ndarray:
        part = self.structure.followers[i]
        if part.name in self.closed:
            new = self.closed[part.name](dict(values))
            return np.array([new[v.name] for v in part.vars], float)
        return self.solvers[part.name](values, self.deadline)

    def __call__(
        self, pi: np.ndarray, z0: np.ndarray, rng: np.random.Generator | None = None
    ) -> Equilibrium:
        ev = self.evaluator
        x = np.array(z0[: ev.n_x], float)
        names = ev.z_names[: ev.n_x]
        leader = dict(zip(ev.leader_names, map(float, pi)))
        z = np.array(z0, float)
        eq = None
        self.hand_down(self.polish)
        for it in range(1, self.max_iter + 1):
            if self.late():
                return Equilibrium(z, np.inf, False, it, self.name, TIME_LIMIT)
            values = leader | dict(zip(names, x))
            try:
                br = np.concatenate(
                    [self._best_response(i, values) for i in range(len(ev.follower_slices))]
                )
            except RuntimeError as exc:  # Ipopt's time limit too: the deadline's, said first
                return self.mark_late(Equilibrium(z, np.inf, False, it, self.name, str(exc)))
            gap = float(np.max(np.abs(br - x), initial=0.0))
            x = (1 - self.damping) * x + self.damping * br
            if gap <= POLISH_FROM * max(1.0, float(np.max(np.abs(x), initial=0.0))):
                eq = self.polish(pi, with_multipliers(ev, x, pi, self.tol))
                if eq.converged:
                    break
        if eq is None:
            eq = Equilibrium(z, np.inf, False, it, self.name, "")
        eq.oracle, eq.iterations = self.name, it
        if not eq.converged:
            eq.message = f"no KKT point near the best responses (they still move by {gap:.2e})"
        return self.mark_late(eq)
