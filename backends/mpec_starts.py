"""The starting points of ``method="mpec"``'s local strategies, in order.

Start 0 is the model's point (the leader's part replaced by ``start=``); start 1 the leader
decision of the high-point relaxation (min F over every constraint of the game, the followers'
optimality dropped: :mod:`.high_point`) when it differs from start 0, with the followers at their
equilibrium there and its multipliers (the kkt oracle from the relaxation's follower point; that
point itself when the oracle finds none); the others are random points of the Vars' box (the
followers' too), drawn with the run's seed. Start 1 is thus a point of the MPEC, complementary,
where the relaxation's own follower point is not: on the benchmark collection the penalty default
solves the same 40 of 40 in 2061 Ipopt iterations instead of 2461, and on the paper-size security
game it reaches -2.9986 instead of -3.0400 (a better local optimum, in about as many iterations).

``multistart=k`` runs k of them. The default (``multistart=None``) runs starts 0 and 1, and
``AUTO_RANDOM_STARTS`` random ones more when no start so far is certified optimal or locally
optimal (a feasible point may have a descent direction: PAO's pineda from the model's start;
under ``certify=False``, which gives no status above feasible, when no start succeeded); each
start after the first spends at most ``AUTO_START_ITERATIONS`` times the first one's Ipopt
iterations (at least ``AUTO_START_MIN_ITERATIONS``), so the default costs a few single runs at
most. The cap counts iterations, not seconds: the default's answer is the same on a loaded
machine as on an idle one. A new start sets the
strategy's auxiliary Vars to their definitions there (:meth:`MPECProblem.evaluate_defined`).
Why start 1: a local strategy stops at the first local solution on its path, and the
relaxation's decision starts it where the leader does well (MacMPEC ex9.1.6 and PAO's bard511 and getachew_ex1 under the penalty:
-15, -7 and -15 from the model's start, the optima -49, -12 and -20 from the relaxation's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from stackopt.backends.evaluation import recompute_equilibrium
from stackopt.backends.high_point import high_point
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.start_points import random_value
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.structure import analyze

#: random starts the default adds when neither the model's nor the relaxation's start succeeds
AUTO_RANDOM_STARTS = 2
#: a later start of the default spends at most this many times the first start's Ipopt
#: iterations (the paper-size security game's relaxation start needs 171, about 2 times the
#: first's 86)
AUTO_START_ITERATIONS = 3.0
#: ... and at least this many (MacMPEC getachew_ex2's relaxation start takes 159, its first 19;
#: from the relaxation's own follower point it took 410)
AUTO_START_MIN_ITERATIONS = 500

START, RELAXED, RANDOM = "the start", "the high-point relaxation", "random"


@dataclass
class StartPlan:
    """Which starts a run makes (module docstring): ``multistart`` (None: the default), the
    leader's values of start 0 by name, and the generator of the random starts."""

    game: StackelbergGame
    multistart: int | None
    first: dict[str, float]
    rng: np.random.Generator
    #: the game's KKT evaluator, for the followers' equilibrium at the relaxation's decision
    evaluator: KKTEvaluator
    #: the relaxation's point by name ({} when it has none or it is start 0), once computed
    _relaxed: dict[str, float] | None = field(default=None, repr=False)

    @property
    def automatic(self) -> bool:
        return self.multistart is None

    def count(self) -> int:
        """The starts planned before any result is known."""
        return 2 if self.multistart is None else self.multistart

    def relaxed(self, deadline: float | None) -> dict[str, float]:
        """Start 1 by Var name (module docstring) when the relaxation's point differs from start 0
        ({} otherwise)."""
        if self._relaxed is None:
            left = None if deadline is None else max(deadline - time.perf_counter(), 1e-3)
            structure = analyze(self.game)
            point = high_point(structure, left)
            own = {
                v.name: self.first.get(v.name, v.value)
                for v in structure.leader_vars + structure.follower_vars
            }
            differs = any(
                own[n] is None or abs(value - own[n]) > 1e-6 * max(1.0, abs(own[n]))
                for n, value in point.items()
            )
            self._relaxed = self._at_equilibrium(point, deadline) if differs else {}
        return self._relaxed

    def _at_equilibrium(self, point: dict[str, float], deadline: float | None) -> dict[str, float]:
        """``point`` with the followers at their equilibrium for its leader decision, with its
        multipliers (the kkt oracle from the point's follower values), or ``point`` unchanged when
        the oracle finds none before ``deadline``."""
        ev = self.evaluator
        z0, pi = ev.values_of(point)
        eq = recompute_equilibrium(self.game, ev, pi, z0, deadline=deadline)
        if not eq.converged:
            return point
        return point | dict(zip(ev.z_names, map(float, eq.z)))

    def place(self, problem: MPECProblem, start: int, snapshot: list, deadline) -> str:
        """Put ``problem`` at start ``start`` (start 0: ``snapshot``, the model's point after
        ``start=``); the kind of start it is."""
        problem.restore(snapshot)
        if start == 0:
            return START
        if problem.compiled is not None:  # a new point: the solver starts cold
            problem.compiled.forget_duals()
        relaxed = self.relaxed(deadline) if start == 1 else {}
        if relaxed:
            problem.set_values(relaxed)
        else:
            for v in problem.structure.leader_vars + problem.structure.follower_vars:
                v.set_value(random_value(v, self.rng), skip_validation=True)
        problem.evaluate_defined()
        return RELAXED if relaxed else RANDOM

    def budget(self, start: int, first_iterations: int) -> int | None:
        """The Ipopt iterations start ``start`` may spend: under the default, for a later start,
        ``AUTO_START_ITERATIONS`` times the first start's ``first_iterations``, at least
        ``AUTO_START_MIN_ITERATIONS``; None (no cap) otherwise."""
        if start == 0 or not self.automatic:
            return None
        return max(int(AUTO_START_ITERATIONS * first_iterations), AUTO_START_MIN_ITERATIONS)
