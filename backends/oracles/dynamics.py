"""``oracle="dynamics"``: projected gradient play from a random start, a sampling oracle.

Each follower moves along its own negative gradient, projected on its own feasible set,

    x_i <- Proj_{X_i}(x_i - eta * grad_{x_i} (sign_i f_i)(x, pi)),

all followers simultaneously, from a start drawn uniformly in the followers' boxes (or, with
``start="given"``, from the point it is handed). Whenever play's step has shrunk tenfold (and is
below ``POLISH_FROM``), and at the latest when it is below 1e-3 tol, the multipliers are estimated
(:mod:`.multipliers`) and the point is polished by semismooth Newton. A polished equilibrium is
returned when it is where play is going: play contracts by a rate rho per step (the ratio of its
last two steps), so the rest of its path from x is at most about step * rho / (1 - rho) long
(Aitken's estimate), and the equilibrium must lie within twice that of x. Otherwise play goes on;
below 1e-3 tol the polished point is returned whatever it is. A move that repeats itself
``REPEATS`` times is on a ray of constant gradients (linear costs): the step doubles while it goes
on repeating, so that play reaches the face that ends the ray in a few dozen steps instead of
thousands (a linear follower near a tie of its responses), or, where no face ends it (a linear
cost unbounded at this leader decision), passes ``OUT_OF_REACH`` times the size of its start and
stops, polished once; the step is play's own again as soon as the move changes.
A step to a point where the followers' functions cannot be evaluated (log 0 on a face of the
simplex, under an entropy term) is halved toward the point it left until they can, and the rest
of the call plays with the step length eta halved as often; a start there moves toward the
middle of the followers' sets the same way (QRE subsidies: every call ended "cannot evaluate").
As the kkt oracle's first rescue (``backtrack=False``) play stops there instead and hands over to
Ipopt, which solves such a game in a fraction of a second where play would crawl along the face
(QRE subsidies 3 x 10: 20000 steps of 10 ms).
Different seeds can land on different equilibria, each in proportion to its basin of attraction:
the stochastic equilibrium selection of Wang et al. (2022, Sec. 4, Theorem 2). The followers'
constraints must be linear in their own Vars and not involve the leader's.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

from stackopt.backends.oracles.base import TIME_LIMIT, Equilibrium, Oracle
from stackopt.backends.oracles.multipliers import with_multipliers
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.backends.projection import LinearSetProjection
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.structure import refuse_shared

#: play's step length below which polishing is tried, each time the step has shrunk tenfold
POLISH_FROM = 1e-3
#: halvings of a play step (toward the point it left) that lands where the followers' functions
#: cannot be evaluated
HALVINGS = 30
#: play whose move repeats itself REPEATS times in a row (within REPEAT_RTOL) is on a ray of constant
#: gradients (linear costs): its step doubles at each further repetition, back to eta as soon as the
#: move changes (a face of the sets is reached), and play stops when it has gone beyond
#: OUT_OF_REACH times the size of its start (no equilibrium ahead)
REPEATS = 10
REPEAT_RTOL = 1e-6
OUT_OF_REACH = 1e10
MARCHED = "the followers' costs fall linearly along it, without bound (no equilibrium ahead)"


class DynamicsOracle(Oracle):
    """``oracle(pi, z0, rng) -> Equilibrium`` by projected gradient play from a random start."""

    name = "dynamics"

    def __init__(
        self,
        game: StackelbergGame,
        evaluator: KKTEvaluator,
        tol: float = 1e-6,
        eta: float = 0.1,
        max_iter: int = 20000,
        start: str = "random",
        backtrack: bool = True,
    ):
        if not eta > 0:
            raise OptionError(f"eta must be positive, got {eta!r}")
        self.start = _checked_start(start)
        structure = evaluator.kkt.structure
        refuse_shared(structure, "the dynamics oracle")
        try:  # each follower's own set (its constraints on its own Vars alone)
            for part in structure.followers:
                LinearSetProjection(part.vars, part.constraints)
        except Exception as exc:
            raise OptionError(
                f"the dynamics oracle cannot project the followers' sets: {exc}"
            ) from exc
        # the followers' sets form a product, projected onto all at once
        self.projection = LinearSetProjection(
            structure.follower_vars, [c for part in structure.followers for c in part.constraints]
        )
        self.evaluator, self.eta, self.max_iter, self.tol = evaluator, eta, max_iter, tol
        #: halve a step that lands where the functions cannot be evaluated (False: stop there,
        #: "cannot evaluate", as a rescue that hands over to the next one should)
        self.backtrack = backtrack
        self.polish = NewtonOracle(evaluator, tol)

    @property
    def closed_form(self) -> bool:
        """True when every follower's set is projected in closed form (boxes and simplices)."""
        return self.projection.simplices is not None

    def _box(self) -> tuple[np.ndarray, np.ndarray]:
        """The followers' Var bounds, an infinite one replaced (-1, or the lower bound + 2)."""
        proj = self.projection
        lo = np.where(np.isfinite(proj.lb), proj.lb, -1.0)
        return lo, np.where(np.isfinite(proj.ub), proj.ub, lo + 2.0)

    def _start(self, rng: np.random.Generator) -> np.ndarray:
        return self.projection(rng.uniform(*self._box()))

    @cached_property
    def _center(self) -> np.ndarray:
        """A point inside the followers' sets, to move an unevaluable start toward: the projection
        of the middle of their boxes (the uniform strategy on a simplex)."""
        lo, hi = self._box()
        return self.projection(0.5 * (lo + hi))

    def __call__(
        self,
        pi: np.ndarray,
        z0: np.ndarray,
        rng: np.random.Generator | None = None,
        start: str | None = None,
    ) -> Equilibrium:
        """Play from z0 or a random point (``start``, by default the oracle's own) and polish."""
        start = _checked_start(start or self.start)
        rng = rng if rng is not None else np.random.default_rng()
        ev, n_x = self.evaluator, self.evaluator.n_x
        z = np.zeros(ev.n_z)
        z[:n_x] = self._start(rng) if start == "random" else np.asarray(z0[:n_x], float)
        self.hand_down(self.polish)
        played = [0]  # the steps taken, also when play stops at a point it cannot evaluate
        final = 1e-3 * self.tol
        while True:
            if self.late():
                return Equilibrium(z, np.inf, False, played[0], self.name, TIME_LIMIT)
            # overflow far out (huge payoffs) gives non-finite values, which the polished
            # point's residual then rejects: no numpy warning for the caller
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                try:
                    step, rate, marched = self._play(z, pi, played, final)
                    estimate = with_multipliers(ev, z[:n_x], pi, self.tol)
                except (PyNumeroEvaluationError, ArithmeticError) as exc:
                    return Equilibrium(
                        z, np.inf, False, played[0], self.name, f"cannot evaluate: {exc}"
                    )
                eq = self.polish(pi, estimate)
            if marched:
                if not eq.converged:
                    eq.message = (
                        f"play marched off along a ray (beyond {OUT_OF_REACH:g} times the size of "
                        f"its start): {MARCHED}"
                    )
                break
            if step <= final or played[0] >= self.max_iter:
                break
            if eq.converged and self._is_limit(eq.z[:n_x], z[:n_x], step, rate):
                break
        eq.oracle, eq.iterations = self.name, played[0]
        return self.mark_late(eq)

    def _is_limit(self, x_eq: np.ndarray, x: np.ndarray, step: float, rate: float) -> bool:
        """Whether the polished x_eq is where play, contracting by ``rate`` per step, ends from x:
        within twice its remaining path step * rate / (1 - rate) (Aitken's estimate) plus tol."""
        if not rate < 1.0:
            return False
        tail = step * rate / (1.0 - rate)
        return float(np.abs(x_eq - x).max(initial=0.0)) <= 2.0 * tail + self.tol

    def _play(
        self, z: np.ndarray, pi: np.ndarray, played: list[int], final: float
    ) -> tuple[float, float, bool]:
        """Projected gradient steps on z[:n_x] in place, counted in played[0], until the step is
        at most a tenth of this call's first one and at most ``POLISH_FROM``, or at most ``final``,
        or play has marched beyond ``OUT_OF_REACH`` along a ray; (the last step's length, its
        ratio to the one before, whether play marched off). A move that repeats itself
        ``REPEATS`` times doubles the step while it goes on repeating (module docstring). A step
        to a point where the followers' functions cannot be evaluated (a face of the simplex under
        an entropy term, log 0) is halved until they can: the points between two of the convex
        sets' points are in the sets (:meth:`_evaluable`)."""
        n_x = self.evaluator.n_x
        step = previous = until = np.inf
        grad, _ = self._evaluable(z, z[:n_x].copy(), pi, self._center)
        eta, boost = self.eta, 1.0
        reach = OUT_OF_REACH * max(1.0, float(np.max(np.abs(z[:n_x]), initial=0.0)))
        expected, repeats = None, 0
        while played[0] < self.max_iter and not self.late():
            played[0] += 1
            x = self.projection(z[:n_x] - boost * eta * grad)
            before = z[:n_x].copy()
            grad, halved = self._evaluable(z, x, pi, before)
            eta *= 0.5**halved
            move = z[:n_x] - before
            previous, step = step, float(np.max(np.abs(move), initial=0.0))
            if previous == np.inf:  # this call's first step
                until = max(final, min(POLISH_FROM, step / 10))
            if step <= until:
                break
            same = expected is not None and np.allclose(move, expected, rtol=REPEAT_RTOL, atol=0)
            repeats = repeats + 1 if same else 0
            if repeats >= REPEATS:  # a ray of constant gradients: twice the step
                if float(np.max(np.abs(z[:n_x]))) > reach:
                    return step, 1.0, True
                boost, expected = 2.0 * boost, 2.0 * move
            else:  # no ray, or it has ended: play's own step
                boost, expected = 1.0, move
        return step, step / previous if previous > 0 else 0.0, False

    def _evaluable(self, z: np.ndarray, x: np.ndarray, pi: np.ndarray, anchor: np.ndarray):
        """Move z[:n_x] to the first of x, (x + anchor) / 2, (x + 3 anchor) / 4, ... at which the
        followers' gradients evaluate (at most ``HALVINGS`` halvings toward ``anchor``); the
        gradient there (their stationarity rows at lam = 0), and the halvings it took; an
        ArithmeticError when none evaluates."""
        ev, n_x = self.evaluator, self.evaluator.n_x
        for halvings in range(HALVINGS + 1 if self.backtrack else 1):
            z[:n_x] = x
            try:
                grad = ev.evaluate(z, pi, derivatives=False).residual[:n_x]
            except (PyNumeroEvaluationError, ArithmeticError):
                grad = None
            if grad is not None and np.all(np.isfinite(grad)):
                return grad, halvings
            x = 0.5 * (x + anchor)
        raise ArithmeticError("the followers' functions cannot be evaluated along the step")


def _checked_start(start: str) -> str:
    if start not in ("random", "given"):
        raise OptionError(f"start must be 'random' or 'given', got {start!r}")
    return start
