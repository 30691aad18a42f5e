"""First and second derivatives of every player's cost at a joint point x = (x1, x2).

x1 are the leader's Vars, x2 the followers' Vars stacked in follower order. Costs are in
minimization form (f = sign * objective), as in Fiez, Chasnov, Ratliff (2020), Sec. 2. The
followers' rows come from the compiled KKT system (:class:`stackopt.kkt_evaluator.KKTEvaluator`)
with all multipliers at zero: its stationarity rows are then D2 f2 (one block per follower), their
Jacobian w.r.t. x2 is the followers' game Jacobian and w.r.t. x1 the cross term D21 f2. The
leader's Hessian is PyNumero's Hessian of the Lagrangian with zero duals.

The points stay feasible by Euclidean projection (:class:`stackopt.backends.projection.
LinearSetProjection`): the leader's onto its Var bounds and its own linear constraints, the
followers' (for the dynamics that move them by gradient steps) onto each follower's own Var bounds
and linear constraints; a constraint that cannot be kept so is refused by name. Periodic (angle)
Vars are wrapped instead. Where a follower's constraints are active, its response moves only in
their null space: :meth:`GameDerivatives.follower_basis` gives that space's basis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from stackopt.backends.projection import LinearSetProjection
from stackopt.backends.start_points import current_value
from stackopt.errors import ModelError, OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.structure import refuse_prices, refuse_shared


@dataclass
class Blocks:
    """Gradients and Hessian blocks at one joint point (costs in minimization form)."""

    d1f1: np.ndarray  # D1 f1, shape (n1,)
    d2f1: np.ndarray  # D2 f1, shape (n2,)
    d2f2: np.ndarray  # D2 f2, each follower's gradient of its own cost, shape (n2,)
    h11: np.ndarray  # D1^2 f1, (n1, n1)
    h12: np.ndarray  # D12 f1 = d(D1 f1)/dx2, (n1, n2)
    h22: np.ndarray  # D2^2 f1, (n2, n2)
    j21: np.ndarray  # D21 f2 = d(D2 f2)/dx1, (n2, n1)
    j22: np.ndarray  # the followers' game Jacobian d(D2 f2)/dx2, (n2, n2)
    leader_cost: float


#: a coordinate within this (times max(1, |bound|)) of a bound, a row within it of its bound, is
#: active; projections land on the bound exactly, so the test only absorbs rounding
ACTIVE_TOL = 1e-9


def _projection(what: str, vars_: list, constraints: list) -> LinearSetProjection:
    """The projection onto ``vars_``' bounds and ``constraints``; ModelError naming the one that
    cannot be kept by projection (nonlinear, or involving other Vars)."""
    try:
        return LinearSetProjection(vars_, constraints)
    except ModelError as exc:
        # stackelberg-br solves the followers' own problems, but projects the leader's too
        other = "" if what == "the leader's" else "method='stackelberg-br', "
        raise ModelError(
            f"learning dynamics keep {what} constraints by projection, and {exc}; use "
            f"{other}method='gradient' or method='mpec'"
        ) from None


def _near(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a_k within ACTIVE_TOL max(1, |b_k|) of a finite b_k."""
    return np.isfinite(b) & (np.abs(a - b) <= ACTIVE_TOL * np.maximum(1, np.abs(b)))


class GameDerivatives:
    """Evaluate :class:`Blocks` of ``game`` at joint points; project and wrap points.

    ``followers="projected"`` keeps the followers' points in their own feasible sets (gradient
    play); ``"best_response"`` leaves them to an equilibrium oracle (only their boxes are kept).
    """

    def __init__(
        self,
        game: StackelbergGame,
        periodic: list[str] | tuple[str, ...] = (),
        followers: str = "projected",
    ):
        self.evaluator = ev = KKTEvaluator(game)
        structure = ev.kkt.structure
        refuse_shared(structure, "learning dynamics")
        refuse_prices(structure, "learning dynamics")
        self.n1, self.n2 = ev.n_pi, ev.n_x
        self.names = ev.leader_names + ev.z_names[: ev.n_x]
        self.follower_slices = ev.follower_slices
        unknown = sorted(set(periodic) - set(self.names))
        if unknown:
            raise OptionError(
                f"periodic names {unknown} are not decision Vars of the game; known: {self.names}"
            )
        self.periodic = np.array([n in set(periodic) for n in self.names])
        model_vars = ev.leader_vars + ev.kkt.primal
        self.start = np.array([current_value(v) for v in model_vars])
        lb = [-np.inf if v.lb is None else v.lb for v in model_vars]
        ub = [np.inf if v.ub is None else v.ub for v in model_vars]
        self.lb = np.where(self.periodic, -np.inf, lb)
        self.ub = np.where(self.periodic, np.inf, ub)
        self.leader_set = _projection("the leader's", structure.leader_vars, structure.constraints)
        own = [] if followers == "best_response" else structure.follower_vars
        self.follower_set = _projection(
            "the followers'",
            structure.follower_vars,
            [c for part in structure.followers for c in part.constraints] if own else [],
        )
        for proj, part in (
            (self.leader_set, slice(None, self.n1)),
            (self.follower_set, slice(self.n1, None)),
        ):
            proj.lb, proj.ub = self.lb[part], self.ub[part]

    def split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x1, x2) from the joint point."""
        return x[: self.n1], x[self.n1 :]

    def keep_feasible(self, x: np.ndarray) -> np.ndarray:
        """Project the leader's and the followers' parts onto their sets, wrap periodic
        coordinates into [-pi, pi)."""
        x1, x2 = self.split(x)
        x = np.concatenate([self.leader_set(x1), self.follower_set(x2)])
        return np.where(self.periodic, (x + np.pi) % (2 * np.pi) - np.pi, x)

    def follower_basis(self, x2: np.ndarray) -> np.ndarray | None:
        """An orthonormal basis of the null space of the followers' active rows at x2 (equality
        rows, inequality rows at a bound, Var bounds reached); None when nothing is active."""
        proj = self.follower_set
        at_bound = _near(x2, proj.lb) | _near(x2, proj.ub)
        ax = proj.A @ x2
        active = (proj.lo == proj.hi) | _near(ax, proj.lo) | _near(ax, proj.hi)
        rows = np.vstack([np.eye(len(x2))[at_bound], proj.A[active]])
        if not len(rows):
            return None
        return scipy.linalg.null_space(rows)

    def scaled_step(self, x: np.ndarray, g: np.ndarray, leader_cost: float) -> tuple[float, float]:
        """(leader, followers) sizes of the projected field, max_k r_k |x_k - P(x - g)_k| with
        r_k = max(1, |x_k|); the leader's divided by max(1, |f1|): the scaled projected gradient
        of the certificate's stationarity test (:mod:`stackopt.backends.certification.stationarity`)."""
        x1, x2 = self.split(x)
        g1, g2 = self.split(g)
        r = np.maximum(1.0, np.abs(x))
        moved = np.abs(
            np.concatenate([x1 - self.leader_set(x1 - g1), x2 - self.follower_set(x2 - g2)])
        )
        moved = np.where(self.periodic, np.abs(g), moved) * r
        lead, follow = self.split(moved)
        return (
            float(np.max(lead, initial=0.0)) / max(1.0, abs(leader_cost)),
            float(np.max(follow, initial=0.0)),
        )

    def point(self, values: dict[str, float]) -> np.ndarray:
        """The joint point from a Var-name -> value map naming every decision Var."""
        missing = [n for n in self.names if n not in values]
        if missing:
            raise OptionError(
                f"point has no value for the Var(s) {missing}; give every one of {self.names}"
            )
        return np.array([float(values[n]) for n in self.names])

    def _z(self, x2: np.ndarray) -> np.ndarray:
        z = np.zeros(self.evaluator.n_z)
        z[: self.n2] = x2
        return z

    def gradients(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """(D1 f1, D2 f2, f1) at x, without second derivatives."""
        x1, x2 = self.split(x)
        e = self.evaluator.evaluate(self._z(x2), x1)
        return e.leader_cost_grad_pi, e.residual[: self.n2], e.leader_cost

    def follower_third(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """The Hessian of w . D2 f2 w.r.t. x = (x1, x2), (n1 + n2) square: the followers' third
        derivatives contracted with w (exact, compiled)."""
        x1, x2 = self.split(x)
        n = self.n1 + self.n2
        return self.evaluator.stationarity_hessian(self._z(x2), x1, w)[:n, :n]

    def blocks(self, x: np.ndarray) -> Blocks:
        """Every gradient and Hessian block at x."""
        x1, x2 = self.split(x)
        ev = self.evaluator
        e = ev.evaluate(self._z(x2), x1)
        n1, n2 = self.n1, self.n2
        sub = ev.leader_hessian(self._z(x2), x1)[: n1 + n2, : n1 + n2]
        return Blocks(
            d1f1=e.leader_cost_grad_pi,
            d2f1=e.leader_cost_grad_z[:n2],
            d2f2=e.residual[:n2],
            h11=sub[:n1, :n1],
            h12=sub[:n1, n1:],
            h22=sub[n1:, n1:],
            j21=e.jac_pi[:n2].toarray(),
            j22=e.jac_z[:n2, :n2].toarray(),
            leader_cost=e.leader_cost,
        )
