"""``oracle="kkt"``: warm-started semismooth Newton on the joint KKT system, with rescues.

Newton from the previous equilibrium converges in a few steps when the leader moved a little. When
it fails (a poor start, a domain error), the rescues run in turn, each polished by Newton:

1. projected gradient play, when every follower's set projects in closed form (boxes and capped
   simplices); it approaches a stable equilibrium through the followers' own gradients;
2. Ipopt on the complementarity-gap problem (nonconvex stationarity equations can leave it at a
   locally infeasible point);
3. projected gradient play from ``RANDOM_STARTS`` random starts (drawn with the caller's rng), as
   in 1. The rescues before it find an equilibrium near z0; when the equilibrium branch through z0
   has ended (a fold of a nonconcave game), play from z0 can cycle while another equilibrium exists
   elsewhere (cyber insurance, 10 agents, seed 7: found in 27 steps of play from a random start);
4. damped best responses (:mod:`.relaxation`) from z0, through the followers' own problems (one
   Ipopt solve per follower per round, about 5 ms each: the most expensive, 500 rounds of 10
   followers take about half a minute when they fail).

The oracle that produced the point is recorded.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from stackopt.backends.oracles.base import TIME_LIMIT, Equilibrium, Oracle
from stackopt.backends.oracles.dynamics import DynamicsOracle
from stackopt.backends.oracles.ipopt_kkt import IpoptKKTOracle
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.backends.oracles.relaxation import RelaxationOracle
from stackopt.errors import ModelError, OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator

#: random starts of projected gradient play, the third rescue
RANDOM_STARTS = 3


class KKTOracle(Oracle):
    """``oracle(pi, z0) -> Equilibrium``: Newton, then the rescues in turn until one converges,
    none begun after the oracle's deadline (:class:`.base.Timed`), which each rescue gets too; a
    failure once it has passed is the time limit's."""

    name = "kkt"

    def __init__(
        self,
        game: StackelbergGame,
        evaluator: KKTEvaluator,
        tol: float = 1e-6,
        path_target: float | None = None,
    ):
        """``path_target``: Newton's target when continuing a path (:mod:`.newton`)."""
        self.newton = NewtonOracle(evaluator, tol, path_target=path_target)
        self.rescue = IpoptKKTOracle(game, evaluator, tol)
        self.game, self.evaluator, self.tol = game, evaluator, tol
        self._relaxation: RelaxationOracle | None = None

    @cached_property
    def _play(self) -> DynamicsOracle | None:
        """Projected gradient play from the given point (made on first use), None for sets it
        cannot handle."""
        try:
            return DynamicsOracle(
                self.game, self.evaluator, self.tol, start="given", backtrack=False
            )
        except (OptionError, ModelError):
            return None

    def __call__(
        self, pi: np.ndarray, z0: np.ndarray, rng: np.random.Generator | None = None
    ) -> Equilibrium:
        self.hand_down(self.newton)
        first = self.newton(pi, z0)
        if first.converged:
            return first
        if self.late():
            return Equilibrium(first.z, np.inf, False, first.iterations, self.name, TIME_LIMIT)
        self.hand_down(self.rescue)
        play = self._play if self._play is not None and self._play.closed_form else None
        if play is not None:
            self.hand_down(play)
            played = play(pi, z0)
            if played.converged:
                played.oracle = "play+kkt"
                return played
        rough = self.rescue(pi, z0)
        if np.isfinite(rough.residual):
            polished = self.newton(pi, rough.z)
            polished.oracle = "ipopt-kkt+kkt"
            if polished.converged:
                return polished
        if play is not None:
            rng = rng if rng is not None else np.random.default_rng(0)
            for _ in range(RANDOM_STARTS):
                scattered = play(pi, z0, rng, start="random")
                if scattered.converged:
                    scattered.oracle = "play-random+kkt"
                    return scattered
        if self.evaluator.kkt.structure.shared:  # best responses apart cannot see them
            return self.mark_late(polished if np.isfinite(rough.residual) else rough)
        if self._relaxation is None:
            self._relaxation = RelaxationOracle(self.game, self.evaluator, self.tol)
        self.hand_down(self._relaxation)
        last = self._relaxation(pi, z0)
        last.oracle = "relaxation+kkt"
        return self.mark_late(last)
