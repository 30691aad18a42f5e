"""A numeric evaluator of the joint KKT system, on PyNumero's compiled derivatives.

For leader decision pi and followers' primal-dual point z = (x, lam, nu) it returns the
Fischer-Burmeister form of the KKT system (:mod:`stackopt.kkt`)

    F(z, pi) = [ grad_x L(x, lam, nu, pi) ;  h(x, pi) ;  phi(lam_j, -g_j(x, pi)) ],
    phi(a, b) = a + b - sqrt(a^2 + b^2),

whose zeros are exactly the KKT points (phi(a, b) = 0  <=>  a >= 0, b >= 0, a b = 0), with its
sparse (generalized) Jacobians dF/dz and dF/dpi. At a strictly complementary solution dF/dz is the
Jacobian of the active-set system, which is what the implicit function theorem needs (Wang et al.
2022, Eq. 5). It also evaluates the leader's objective and constraints and their gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.collections import ComponentMap
from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP

from stackopt.game import StackelbergGame
from stackopt.kkt import KKTSystem, compile_kkt
from stackopt.structure import analyze

_ZERO_DIRECTION = 1.0 - 1.0 / np.sqrt(2.0)  # generalized derivative of phi at (0, 0) along (1, 1)


@dataclass
class KKTEvaluation:
    """F(z, pi), its Jacobians, and the leader's objective/constraints at (z, pi)."""

    residual: np.ndarray
    jac_z: sp.csc_matrix | None
    jac_pi: sp.csc_matrix | None
    leader_cost: float  # the leader objective in minimization form, sign * objective
    leader_cost_grad_z: np.ndarray | None
    leader_cost_grad_pi: np.ndarray | None
    constraint_values: np.ndarray  # leader constraint bodies
    constraint_jac_z: sp.csr_matrix | None
    constraint_jac_pi: sp.csr_matrix | None
    weakly_active: np.ndarray  # indices j with lam_j = 0 = g_j (within tolerance)


class KKTEvaluator:
    """Compile ``game``'s joint KKT system once; evaluate it and its derivatives many times.

    The evaluator works on its own clone of the game. ``leader_names`` and ``z_names`` give the
    ordering of pi and z (fully qualified component names).
    """

    def __init__(self, game: StackelbergGame):
        model = game.clone()
        structure = analyze(model)
        self.kkt: KKTSystem = compile_kkt(structure)
        self.leader_sign = structure.leader_sign
        for part in structure.followers:
            part.objective.deactivate()
            for c in part.constraints:
                c.deactivate()
        ev = pyo.Block()
        model.add_component("stackopt_eval", ev)
        ineq, eq = self.kkt.inequalities, self.kkt.equalities
        ev.g = pyo.Constraint(range(len(ineq)), rule=lambda b, j: ineq[j].expr <= 0)
        ev.h = pyo.Constraint(range(len(eq)), rule=lambda b, k: eq[k].expr == 0)
        self.model = model
        self.nlp = nlp = PyomoNLP(model)

        col = ComponentMap((v, i) for i, v in enumerate(nlp.get_pyomo_variables()))
        z_vars, pi_vars = self.kkt.z_vars, structure.leader_vars
        self.leader_vars = pi_vars
        self.z_names = [v.name for v in z_vars]
        bounds = np.cumsum([0] + [len(part.vars) for part in structure.followers])
        self.follower_slices = list(zip(bounds[:-1], bounds[1:]))
        self.leader_names = [v.name for v in pi_vars]
        self.n_x, self.n_lam = len(self.kkt.primal), len(ineq)
        self.n_z, self.n_pi = len(z_vars), len(pi_vars)
        z_col = np.array([col.get(v, -1) for v in z_vars], dtype=int)
        pi_col = np.array([col.get(v, -1) for v in pi_vars], dtype=int)
        self._z_col, self._pi_col = z_col, pi_col
        # column c of the NLP -> ("z" | "pi", position)
        self._col_block = np.full(nlp.n_primals(), -1)
        self._col_pos = np.zeros(nlp.n_primals(), dtype=int)
        for kind, cols in ((0, z_col), (1, pi_col)):
            for pos, c in enumerate(cols):
                if c >= 0:
                    self._col_block[c], self._col_pos[c] = kind, pos

        row = ComponentMap((c, i) for i, c in enumerate(nlp.get_pyomo_constraints()))
        self._stat_rows = np.array([row[c] for c in self.kkt.stationarity], dtype=int)
        self._g_rows = np.array([row[c] for c in ev.g.values()], dtype=int)
        self._h_rows = np.array([row[c] for c in ev.h.values()], dtype=int)
        self._leader_rows = np.array([row[c] for c in structure.constraints], dtype=int)
        self.leader_constraint_names = [c.name for c in structure.constraints]
        lb, ub = nlp.constraints_lb(), nlp.constraints_ub()
        self._rhs = np.where(np.isfinite(ub), ub, lb)
        self.leader_lb, self.leader_ub = lb[self._leader_rows], ub[self._leader_rows]
        self._full = nlp.get_primals().copy()

    def values_of(self, model_vars: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(z, pi) from a name -> value map (missing multipliers default to 0)."""
        z = np.array([model_vars.get(n, 0.0) for n in self.z_names], dtype=float)
        pi = np.array([model_vars[n] for n in self.leader_names], dtype=float)
        return z, pi

    def _set(self, z: np.ndarray, pi: np.ndarray) -> None:
        full = self._full
        m = self._z_col >= 0
        full[self._z_col[m]] = z[m]
        m = self._pi_col >= 0
        full[self._pi_col[m]] = pi[m]
        self.nlp.set_primals(full)

    def _split_columns(self, jac: sp.coo_matrix, rows: np.ndarray):
        """Restrict ``jac`` to ``rows`` (renumbered 0..) and split its columns into z and pi."""
        jac = jac.tocsr()[rows].tocoo()
        block, pos = self._col_block[jac.col], self._col_pos[jac.col]
        out = []
        for kind, n in ((0, self.n_z), (1, self.n_pi)):
            m = block == kind
            out.append(sp.csr_matrix((jac.data[m], (jac.row[m], pos[m])), shape=(len(rows), n)))
        return out

    def evaluate(
        self, z: np.ndarray, pi: np.ndarray, derivatives: bool = True, tol: float = 1e-9
    ) -> KKTEvaluation:
        """Evaluate F, optionally its Jacobians, and the leader's functions at (z, pi)."""
        self._set(z, pi)
        nlp = self.nlp
        cons = nlp.evaluate_constraints() - self._rhs
        stat, g, h = cons[self._stat_rows], cons[self._g_rows], cons[self._h_rows]
        lam = z[self.n_x : self.n_x + self.n_lam]
        a, b = lam, -g
        r = np.sqrt(a * a + b * b)
        residual = np.concatenate([stat, h, a + b - r])
        weak = np.flatnonzero(r <= tol)
        leader_obj = float(nlp.evaluate_objective())
        leader_cons = cons[self._leader_rows] + self._rhs[self._leader_rows]
        if not derivatives:
            return KKTEvaluation(
                residual, None, None, leader_obj, None, None, leader_cons, None, None, weak
            )
        jac = nlp.evaluate_jacobian()
        top = np.concatenate([self._stat_rows, self._h_rows])
        jz_top, jpi_top = self._split_columns(jac, top)
        jz_g, jpi_g = self._split_columns(jac, self._g_rows)
        safe = np.where(r > tol, r, 1.0)
        da = np.where(r > tol, 1.0 - a / safe, _ZERO_DIRECTION)
        db = np.where(r > tol, 1.0 - b / safe, _ZERO_DIRECTION)
        lam_cols = sp.csr_matrix(
            (da, (np.arange(self.n_lam), self.n_x + np.arange(self.n_lam))),
            shape=(self.n_lam, self.n_z),
        )
        jz_fb = lam_cols - sp.diags(db) @ jz_g
        jpi_fb = -(sp.diags(db) @ jpi_g)
        jac_z = sp.vstack([jz_top, jz_fb]).tocsc()
        jac_pi = sp.vstack([jpi_top, jpi_fb]).tocsc()
        grad = nlp.evaluate_grad_objective()
        gz = np.zeros(self.n_z)
        gpi = np.zeros(self.n_pi)
        m = self._z_col >= 0
        gz[m] = grad[self._z_col[m]]
        m = self._pi_col >= 0
        gpi[m] = grad[self._pi_col[m]]
        cjz, cjpi = self._split_columns(jac, self._leader_rows)
        return KKTEvaluation(
            residual, jac_z, jac_pi, leader_obj, gz, gpi, leader_cons, cjz, cjpi, weak
        )
