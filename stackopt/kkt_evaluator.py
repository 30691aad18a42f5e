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

from functools import cached_property

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.collections import ComponentMap
from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP

from stackopt.game import StackelbergGame
from stackopt.kkt import KKTSystem, compile_kkt
from stackopt.structure import analyze

_ZERO_DIRECTION = 1.0 - 1.0 / np.sqrt(2.0)  # generalized derivative of phi at (0, 0) along (1, 1)


class KKTEvaluation:
    """F(z, pi) and the leader's objective/constraints at (z, pi); Jacobians built on first use.

    The raw derivative values are read from the NLP when the evaluation is made (``derivatives``);
    the sparse matrices are assembled only when asked for, so a Newton step that needs only dF/dz
    does not pay for dF/dpi.
    """

    def __init__(self, evaluator, residual, leader_cost, constraint_values, weakly_active, raw):
        self.residual: np.ndarray = residual
        self.leader_cost: float = leader_cost  # the leader objective in minimization form
        self.constraint_values: np.ndarray = constraint_values  # leader constraint bodies
        self.weakly_active: np.ndarray = weakly_active  # j with lam_j = 0 = g_j (within tol)
        self._ev, self._raw = evaluator, raw

    def _need(self):
        if self._raw is None:
            raise ValueError("this evaluation was made with derivatives=False")
        return self._raw

    @cached_property
    def jac_z(self) -> sp.csc_matrix:
        data, da, db, _ = self._need()
        ev, sel = self._ev, self._ev._sel
        top, g = data[sel["top_z"]], -db[ev._g_of["g_z"]] * data[sel["g_z"]]
        return ev._jz(np.concatenate([top, g, da]))

    @cached_property
    def jac_pi(self) -> sp.csc_matrix:
        data, _, db, _ = self._need()
        ev, sel = self._ev, self._ev._sel
        top, g = data[sel["top_pi"]], -db[ev._g_of["g_pi"]] * data[sel["g_pi"]]
        return ev._jpi(np.concatenate([top, g]))

    def _objective_gradient(self, cols: np.ndarray, n: int) -> np.ndarray:
        grad, out = self._need()[3], np.zeros(n)
        present = cols >= 0
        out[present] = grad[cols[present]]
        return out

    @cached_property
    def leader_cost_grad_z(self) -> np.ndarray:
        return self._objective_gradient(self._ev._z_col, self._ev.n_z)

    @cached_property
    def leader_cost_grad_pi(self) -> np.ndarray:
        return self._objective_gradient(self._ev._pi_col, self._ev.n_pi)

    @cached_property
    def constraint_jac_z(self) -> sp.csc_matrix:
        return self._ev._cz(self._need()[0][self._ev._sel["c_z"]])

    @cached_property
    def constraint_jac_pi(self) -> sp.csc_matrix:
        return self._ev._cpi(self._need()[0][self._ev._sel["c_pi"]])


class _Scatter:
    """A fixed sparsity pattern filled from a vector of entry values by one fancy-indexing step."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]):
        n = len(rows)
        order = sp.csc_matrix((np.arange(1.0, n + 1.0), (rows, cols)), shape=shape)
        if order.nnz != n:
            raise ValueError("duplicate entries in a KKT sparsity pattern")
        self.perm = order.data.astype(int) - 1
        self.indices, self.indptr, self.shape = order.indices, order.indptr, shape

    def __call__(self, values: np.ndarray) -> sp.csc_matrix:
        return sp.csc_matrix((values[self.perm], self.indices, self.indptr), shape=self.shape)


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
        self._patterns(nlp.evaluate_jacobian())

    def _patterns(self, jac: sp.coo_matrix) -> None:
        """Precompute where each Jacobian entry of the NLP lands in dF/dz, dF/dpi and dG/d(z, pi)."""
        n_con = self.nlp.n_constraints()
        group = np.full(n_con, -1)  # 0: stationarity/equality rows, 1: g rows, 2: leader rows
        pos = np.zeros(n_con, dtype=int)
        top = np.concatenate([self._stat_rows, self._h_rows])
        for kind, rows in ((0, top), (1, self._g_rows), (2, self._leader_rows)):
            group[rows], pos[rows] = kind, np.arange(len(rows))
        self._n_top = n_top = len(top)
        g, p = group[jac.row], pos[jac.row]
        kind, cpos = self._col_block[jac.col], self._col_pos[jac.col]
        n_rows, lam = n_top + self.n_lam, np.arange(self.n_lam)
        sel = {}
        for name, rg, ck in (
            ("top_z", 0, 0),
            ("g_z", 1, 0),
            ("top_pi", 0, 1),
            ("g_pi", 1, 1),
            ("c_z", 2, 0),
            ("c_pi", 2, 1),
        ):
            sel[name] = np.flatnonzero((g == rg) & (kind == ck))
        self._sel = sel
        self._g_of = {k: p[sel[k]] for k in ("g_z", "g_pi")}
        off = {k: (p[sel[k]] + (n_top if k.startswith("g") else 0)) for k in sel}
        self._jz = _Scatter(
            np.concatenate([off["top_z"], off["g_z"], n_top + lam]),
            np.concatenate([cpos[sel["top_z"]], cpos[sel["g_z"]], self.n_x + lam]),
            (n_rows, self.n_z),
        )
        self._jpi = _Scatter(
            np.concatenate([off["top_pi"], off["g_pi"]]),
            np.concatenate([cpos[sel["top_pi"]], cpos[sel["g_pi"]]]),
            (n_rows, self.n_pi),
        )
        n_lead = len(self._leader_rows)
        self._cz = _Scatter(off["c_z"], cpos[sel["c_z"]], (n_lead, self.n_z))
        self._cpi = _Scatter(off["c_pi"], cpos[sel["c_pi"]], (n_lead, self.n_pi))

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
        raw = None
        if derivatives:
            safe = np.where(r > tol, r, 1.0)
            da = np.where(r > tol, 1.0 - a / safe, _ZERO_DIRECTION)
            db = np.where(r > tol, 1.0 - b / safe, _ZERO_DIRECTION)
            raw = (nlp.evaluate_jacobian().data, da, db, nlp.evaluate_grad_objective())
        return KKTEvaluation(self, residual, leader_obj, leader_cons, weak, raw)
