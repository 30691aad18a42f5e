"""First and second derivatives of every player's cost at a joint point x = (x1, x2).

x1 are the leader's Vars, x2 the followers' Vars stacked in follower order. Costs are in
minimization form (f = sign * objective), as in Fiez, Chasnov, Ratliff (2020), Sec. 2. The
followers' rows come from the compiled KKT system (:class:`stackopt.kkt_evaluator.KKTEvaluator`)
with all multipliers at zero: its stationarity rows are then D2 f2 (one block per follower), their
Jacobian w.r.t. x2 is the followers' game Jacobian and w.r.t. x1 the cross term D21 f2. The
leader's Hessian is PyNumero's Hessian of the Lagrangian with zero duals. The dynamics ignore the
followers' constraints; Var bounds are kept by projection, and periodic (angle) Vars are wrapped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stackopt.backends.start_points import current_value
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.structure import refuse_shared


@dataclass
class Blocks:
    """Gradients and Hessian blocks at one joint point (costs in minimization form)."""

    d1f1: np.ndarray  # D1 f1, shape (n1,)
    d2f1: np.ndarray  # D2 f1, shape (n2,)
    d2f2: np.ndarray  # D2 f2, each follower's gradient of its own cost, shape (n2,)
    h11: np.ndarray  # D1^2 f1, (n1, n1)
    h12: np.ndarray  # D12 f1 = d(D1 f1)/dx2, (n1, n2)
    j21: np.ndarray  # D21 f2 = d(D2 f2)/dx1, (n2, n1)
    j22: np.ndarray  # the followers' game Jacobian d(D2 f2)/dx2, (n2, n2)
    leader_cost: float


class GameDerivatives:
    """Evaluate :class:`Blocks` of ``game`` at joint points; project and wrap points."""

    def __init__(self, game: StackelbergGame, periodic: list[str] | tuple[str, ...] = ()):
        self.evaluator = ev = KKTEvaluator(game)
        refuse_shared(ev.kkt.structure, "learning dynamics")
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

    def split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x1, x2) from the joint point."""
        return x[: self.n1], x[self.n1 :]

    def keep_feasible(self, x: np.ndarray) -> np.ndarray:
        """Clip to the Vars' bounds and wrap periodic coordinates into [-pi, pi)."""
        x = np.clip(x, self.lb, self.ub)
        return np.where(self.periodic, (x + np.pi) % (2 * np.pi) - np.pi, x)

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

    def gradients(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(D1 f1, D2 f1, D2 f2) at x, without second derivatives."""
        x1, x2 = self.split(x)
        e = self.evaluator.evaluate(self._z(x2), x1)
        return e.leader_cost_grad_pi, e.leader_cost_grad_z[: self.n2], e.residual[: self.n2]

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
            j21=e.jac_pi[:n2].toarray(),
            j22=e.jac_z[:n2, :n2].toarray(),
            leader_cost=e.leader_cost,
        )
