"""A numeric evaluator of the joint KKT system, on PyNumero's compiled derivatives.

For leader decision pi and followers' primal-dual point z = (x, lam, nu) it returns the
Fischer-Burmeister form of the KKT system (:mod:`stackopt.kkt`)

    F(z, pi) = [ grad_x L(x, lam, nu, pi) ;  h(x, pi) ;  phi(lam_j, -g_j(x, pi)) ],
    phi(a, b) = a + b - sqrt(a^2 + b^2),

whose zeros are exactly the KKT points (phi(a, b) = 0  <=>  a >= 0, b >= 0, a b = 0), with its
sparse (generalized) Jacobians dF/dz and dF/dpi. At a strictly complementary solution dF/dz is the
Jacobian of the active-set system, which is what the implicit function theorem needs (Wang et al.
2022, Eq. 5). It also evaluates the leader's objective and constraints and their gradients.

The KKT system and the leader's functions are compiled as two separate NLPs, so that an
equilibrium oracle, which evaluates F many times, never pays for the leader's functions (often the
largest expressions of the model); those are evaluated only when an evaluation asks for them.
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


class _Compiled:
    """One PyNumero NLP of the model's active parts, with its columns mapped to z and pi."""

    def __init__(self, model: pyo.Block, z_vars: list, pi_vars: list):
        self.nlp = nlp = PyomoNLP(model)
        col = ComponentMap((v, i) for i, v in enumerate(nlp.get_pyomo_variables()))
        self.z_col = np.array([col.get(v, -1) for v in z_vars], dtype=int)
        self.pi_col = np.array([col.get(v, -1) for v in pi_vars], dtype=int)
        self.kind = np.full(nlp.n_primals(), -1)  # 0: a z column, 1: a pi column
        self.pos = np.zeros(nlp.n_primals(), dtype=int)
        for kind, cols in ((0, self.z_col), (1, self.pi_col)):
            present = cols >= 0
            self.kind[cols[present]] = kind
            self.pos[cols[present]] = np.flatnonzero(present)
        self.row = ComponentMap((c, i) for i, c in enumerate(nlp.get_pyomo_constraints()))
        self.lb, self.ub = nlp.constraints_lb(), nlp.constraints_ub()
        self._full = nlp.get_primals().copy()

    def rows(self, constraints) -> np.ndarray:
        return np.array([self.row[c] for c in constraints], dtype=int)

    def set(self, z: np.ndarray, pi: np.ndarray) -> None:
        for cols, values in ((self.z_col, z), (self.pi_col, pi)):
            present = cols >= 0
            self._full[cols[present]] = values[present]
        self.nlp.set_primals(self._full)

    def gradient(self, grad: np.ndarray, kind: int, n: int) -> np.ndarray:
        cols = self.z_col if kind == 0 else self.pi_col
        out = np.zeros(n)
        present = cols >= 0
        out[present] = grad[cols[present]]
        return out


class KKTEvaluation:
    """F(z, pi) at one point; its Jacobians and the leader's functions are built on first use.

    The KKT derivative values are read when the evaluation is made (``derivatives=True``); the
    leader's functions are evaluated, at this evaluation's (z, pi), only when asked for.
    """

    def __init__(self, evaluator, z, pi, residual, slack, weakly_active, raw):
        self.residual: np.ndarray = residual
        self.slack: np.ndarray = slack  # s_j = -g_j(x, pi), >= 0 where feasible
        self.weakly_active: np.ndarray = weakly_active  # j with lam_j = 0 = g_j (within tol)
        self._ev, self._z, self._pi, self._raw = evaluator, z, pi, raw

    def _need(self):
        if self._raw is None:
            raise ValueError("this evaluation was made with derivatives=False")
        return self._raw

    @cached_property
    def jac_z(self) -> sp.csc_matrix:
        data, da, db = self._need()
        ev, sel = self._ev, self._ev._sel
        top, g = data[sel["top_z"]], -db[ev._g_of["g_z"]] * data[sel["g_z"]]
        return ev._jz(np.concatenate([top, g, da]))

    @cached_property
    def jac_pi(self) -> sp.csc_matrix:
        data, _, db = self._need()
        ev, sel = self._ev, self._ev._sel
        top, g = data[sel["top_pi"]], -db[ev._g_of["g_pi"]] * data[sel["g_pi"]]
        return ev._jpi(np.concatenate([top, g]))

    @cached_property
    def _leader_values(self) -> tuple[float, np.ndarray]:
        leader = self._ev._leader
        leader.set(self._z, self._pi)
        return float(leader.nlp.evaluate_objective()), leader.nlp.evaluate_constraints().copy()

    @property
    def leader_cost(self) -> float:
        """The leader objective in minimization form, sign * objective."""
        return self._leader_values[0]

    @property
    def constraint_values(self) -> np.ndarray:
        """The leader's constraint bodies (compare with the evaluator's leader_lb/leader_ub)."""
        return self._leader_values[1][self._ev._leader_rows]

    @cached_property
    def _leader_derivatives(self) -> tuple[np.ndarray, np.ndarray]:
        leader = self._ev._leader
        leader.set(self._z, self._pi)
        return leader.nlp.evaluate_grad_objective().copy(), leader.nlp.evaluate_jacobian().data

    @cached_property
    def leader_cost_grad_z(self) -> np.ndarray:
        return self._ev._leader.gradient(self._leader_derivatives[0], 0, self._ev.n_z)

    @cached_property
    def leader_cost_grad_pi(self) -> np.ndarray:
        return self._ev._leader.gradient(self._leader_derivatives[0], 1, self._ev.n_pi)

    @cached_property
    def constraint_jac_z(self) -> sp.csc_matrix:
        return self._ev._cz(self._leader_derivatives[1][self._ev._sel["c_z"]])

    @cached_property
    def constraint_jac_pi(self) -> sp.csc_matrix:
        return self._ev._cpi(self._leader_derivatives[1][self._ev._sel["c_pi"]])


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

        z_vars, pi_vars = self.kkt.z_vars, structure.leader_vars
        self.leader_vars = pi_vars
        self.z_names = [v.name for v in z_vars]
        self.leader_names = [v.name for v in pi_vars]
        bounds = np.cumsum([0] + [len(part.vars) for part in structure.followers])
        self.follower_slices = list(zip(bounds[:-1], bounds[1:]))
        self.n_x, self.n_lam = len(self.kkt.primal), len(ineq)
        self.n_z, self.n_pi = len(z_vars), len(pi_vars)

        # the KKT system alone (a constant objective), then the leader's functions alone
        leader_parts = [structure.objective, *structure.constraints]
        for c in leader_parts:
            c.deactivate()
        model.stackopt_no_objective = pyo.Objective(expr=0.0)
        self._kkt = _Compiled(model, z_vars, pi_vars)
        model.stackopt_no_objective.deactivate()
        self.kkt.block.stationarity.deactivate()
        ev.deactivate()
        for c in leader_parts:
            c.activate()
        self._leader = _Compiled(model, z_vars, pi_vars)

        kkt = self._kkt
        self._stat_rows = kkt.rows(self.kkt.stationarity)
        self._g_rows, self._h_rows = kkt.rows(ev.g.values()), kkt.rows(ev.h.values())
        self._rhs = np.where(np.isfinite(kkt.ub), kkt.ub, kkt.lb)
        self._leader_rows = self._leader.rows(structure.constraints)
        self.leader_lb = self._leader.lb[self._leader_rows]
        self.leader_ub = self._leader.ub[self._leader_rows]
        self._patterns(kkt.nlp.evaluate_jacobian(), self._leader.nlp.evaluate_jacobian())

    def _patterns(self, jac: sp.coo_matrix, leader_jac: sp.coo_matrix) -> None:
        """Precompute where each NLP Jacobian entry lands in dF/dz, dF/dpi and dG/d(z, pi)."""
        group = np.full(self._kkt.nlp.n_constraints(), -1)  # 0: stationarity/h rows, 1: g rows
        pos = np.zeros(len(group), dtype=int)
        top = np.concatenate([self._stat_rows, self._h_rows])
        for kind, rows in ((0, top), (1, self._g_rows)):
            group[rows], pos[rows] = kind, np.arange(len(rows))
        n_top = len(top)
        g, p = group[jac.row], pos[jac.row]
        kind, cpos = self._kkt.kind[jac.col], self._kkt.pos[jac.col]
        sel = {
            name: np.flatnonzero((g == rg) & (kind == ck))
            for name, rg, ck in (("top_z", 0, 0), ("g_z", 1, 0), ("top_pi", 0, 1), ("g_pi", 1, 1))
        }
        self._g_of = {k: p[sel[k]] for k in ("g_z", "g_pi")}
        off = {k: p[sel[k]] + (n_top if k.startswith("g") else 0) for k in sel}
        n_rows, lam = n_top + self.n_lam, np.arange(self.n_lam)
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
        lead_pos = np.full(self._leader.nlp.n_constraints(), -1)
        lead_pos[self._leader_rows] = np.arange(len(self._leader_rows))
        lp = lead_pos[leader_jac.row]
        lkind, lcpos = self._leader.kind[leader_jac.col], self._leader.pos[leader_jac.col]
        for name, ck in (("c_z", 0), ("c_pi", 1)):
            sel[name] = np.flatnonzero((lp >= 0) & (lkind == ck))
        self._sel = sel
        n_lead = len(self._leader_rows)
        self._cz = _Scatter(lp[sel["c_z"]], lcpos[sel["c_z"]], (n_lead, self.n_z))
        self._cpi = _Scatter(lp[sel["c_pi"]], lcpos[sel["c_pi"]], (n_lead, self.n_pi))

    def values_of(self, model_vars: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(z, pi) from a name -> value map (missing multipliers default to 0)."""
        z = np.array([model_vars.get(n, 0.0) for n in self.z_names], dtype=float)
        pi = np.array([model_vars[n] for n in self.leader_names], dtype=float)
        return z, pi

    def leader_hessian(self, z: np.ndarray, pi: np.ndarray) -> np.ndarray:
        """The Hessian of the leader cost (minimization form) w.r.t. (pi, z), dense, pi first."""
        leader = self._leader
        leader.set(np.asarray(z, float), np.asarray(pi, float))
        leader.nlp.set_duals(np.zeros(leader.nlp.n_constraints()))
        leader.nlp.set_obj_factor(1.0)
        hess = leader.nlp.evaluate_hessian_lag().toarray()
        cols = np.concatenate([leader.pi_col, leader.z_col])
        out = np.zeros((len(cols), len(cols)))
        ok = cols >= 0
        out[np.ix_(ok, ok)] = hess[np.ix_(cols[ok], cols[ok])]
        return out

    def evaluate(
        self, z: np.ndarray, pi: np.ndarray, derivatives: bool = True, tol: float = 1e-9
    ) -> KKTEvaluation:
        """Evaluate F (and, with ``derivatives``, read its Jacobian values) at (z, pi)."""
        z, pi = np.array(z, dtype=float), np.array(pi, dtype=float)
        self._kkt.set(z, pi)
        nlp = self._kkt.nlp
        cons = nlp.evaluate_constraints() - self._rhs
        stat, g, h = cons[self._stat_rows], cons[self._g_rows], cons[self._h_rows]
        a, b = z[self.n_x : self.n_x + self.n_lam], -g
        r = np.sqrt(a * a + b * b)
        residual = np.concatenate([stat, h, a + b - r])
        raw = None
        if derivatives:
            safe = np.where(r > tol, r, 1.0)
            da = np.where(r > tol, 1.0 - a / safe, _ZERO_DIRECTION)
            db = np.where(r > tol, 1.0 - b / safe, _ZERO_DIRECTION)
            raw = (nlp.evaluate_jacobian().data, da, db)
        return KKTEvaluation(self, z, pi, residual, b, np.flatnonzero(r <= tol), raw)
