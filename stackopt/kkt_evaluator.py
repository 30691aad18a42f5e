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
largest expressions of the model); those are evaluated only when an evaluation asks for them. The
leader's NLP is the vector [c; leader constraint bodies], c = sign * objective as one more row, so
one call gives all of it and one more its Jacobian (:meth:`KKTEvaluation.leader_vjp`). Both are
compiled with the model's named Expressions lifted (:mod:`stackopt.lifted_nlp`) and called straight
into their ASL functions (:mod:`stackopt.asl_functions`).
Derivatives are read on first use too, so that a trial point a line search rejects costs F alone,
and the LU factorization of dF/dz is made once per evaluation and shared by whoever solves with it
(an oracle's Newton step, the implicit gradient, the next leader step's predictor).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from pyomo.common.collections import ComponentMap
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError
from scipy.linalg import lapack
from scipy.sparse import _sparsetools

from stackopt.asl_functions import inside
from stackopt.discrete_leader import refuse_discrete_leader
from stackopt.game import StackelbergGame
from stackopt.kkt import KKTSystem
from stackopt.kkt_model import KKTModel
from stackopt.lifted_nlp import LiftedNLP
from stackopt.reduced_lu import Elimination, ReducedLU

_ZERO_DIRECTION = 1.0 - 1.0 / np.sqrt(2.0)  # generalized derivative of phi at (0, 0) along (1, 1)
_PIVOT_RATIO = 1e-13  # an LU pivot below this fraction of the largest one: numerically singular
# The reduced matrix S (:mod:`stackopt.reduced_lu`) is factorized dense by LAPACK when it has fewer
# rows than DENSE_LIMIT (at n = 93, 50 us against 115 us for SuperLU) or at least DENSE_SHARE n^2
# entries: on the paper-size security game S is 411 x 411 with 63,000 entries, 2.3 ms dense against
# 4 ms for SuperLU (benchmarks/security_step.py)
DENSE_LIMIT = 100
DENSE_SHARE = 0.1
# SuperLU's column ordering otherwise: minimum degree on the structure of J^T + J, which suits KKT
# matrices (structurally nearly symmetric). On the security game's whole J_z (755 x 755, 64,500
# nonzeros) it factorizes in 5.8 ms against 17 ms with scipy's default COLAMD
SPARSE_ORDERING = "MMD_AT_PLUS_A"


class cached_property:  # noqa: N801 (functools' name)
    """functools.cached_property without the lock it takes on each first access before Python 3.12
    (about 1.5 us; an evaluation computes some ten of its attributes on each leader step)."""

    def __init__(self, func: Callable):
        self.func, self.name, self.__doc__ = func, func.__name__, func.__doc__

    def __get__(self, instance: object, owner: type | None = None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


def _span(idx: np.ndarray) -> slice | np.ndarray:
    """``idx`` as a slice when it is a run of consecutive indices (then indexing with it reads or
    writes a block, without a gather)."""
    idx = np.asarray(idx, dtype=int)
    if idx.size and np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size)):
        return slice(int(idx[0]), int(idx[0]) + idx.size)
    return idx


class _Scatter:
    """A fixed sparsity pattern whose k-th entry is source[take[k]] * scale[by[k]] (one gather each).

    scale[0] is 1: entries with by = 0 are not scaled, and a pattern of such entries alone skips the
    scaling. Products with M are made by scipy's own sparse kernels (``scipy.sparse._sparsetools``)
    on the pattern's CSC arrays: building a ``csc_matrix`` for each product would cost more than
    the product (about 10 us against 3 for 3,000 entries).
    """

    def __init__(
        self,
        rows: np.ndarray,
        cols: np.ndarray,
        shape: tuple[int, int],
        take: np.ndarray,
        by: np.ndarray,
    ):
        n = len(rows)
        order = sp.csc_matrix((np.arange(1.0, n + 1.0), (rows, cols)), shape=shape)
        if order.nnz != n:
            raise ValueError("duplicate entries in a KKT sparsity pattern")
        perm = order.data.astype(int) - 1
        self.by = by[perm]
        self.take = _span(take[perm])  # a slice when consecutive: then unscaled values are a view
        self.scaled = bool(self.by.any())
        self.indices, self.indptr, self.shape = order.indices, order.indptr, shape
        self.cols = np.repeat(np.arange(shape[1]), np.diff(order.indptr))

    def values(self, source: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
        """The entries, in CSC order (``scale`` is not read when the pattern is unscaled); a view of
        ``source`` when they are a consecutive run of it."""
        if not self.scaled:
            return source[self.take]
        assert scale is not None  # a scaled pattern is given its scale
        return source[self.take] * scale[self.by]

    def __call__(self, source: np.ndarray, scale: np.ndarray) -> sp.csc_matrix:
        entries = (self.values(source, scale), self.indices, self.indptr)
        return sp.csc_matrix(entries, self.shape, copy=True)  # owns its arrays

    def dot(self, values: np.ndarray, v: np.ndarray) -> np.ndarray:
        """M v for M with these entries (CSC order), without forming M."""
        out = np.zeros(self.shape[0])
        v = _floats(v, self.shape[1])
        _sparsetools.csc_matvec(*self.shape, self.indptr, self.indices, values, v, out)
        return out

    def t_dot(self, values: np.ndarray, w: np.ndarray) -> np.ndarray:
        """M^T w for M with these entries (CSC order, which is CSR order for M^T)."""
        out = np.zeros(self.shape[1])
        n_rows, n_cols = self.shape
        w = _floats(w, n_rows)
        _sparsetools.csr_matvec(n_cols, n_rows, self.indptr, self.indices, values, w, out)
        return out


def _floats(v: np.ndarray, n: int) -> np.ndarray:
    """``v`` as the contiguous float64 vector of length n that scipy's sparse kernels take (they
    do not check it); no copy if it is one."""
    v = np.ascontiguousarray(v, dtype=float)
    if v.shape != (n,):
        raise ValueError(f"expected a vector of length {n}, got shape {v.shape}")
    return v


class _DenseLU:
    """LAPACK's LU with partial pivoting of a small dense matrix, solved like scipy's SuperLU."""

    def __init__(self, lu: np.ndarray, piv: np.ndarray):
        self.lu, self.piv = lu, piv

    def solve(self, rhs: np.ndarray, trans: str = "N") -> np.ndarray:
        return lapack.dgetrs(self.lu, self.piv, rhs, trans=1 if trans == "T" else 0)[0]

    def pivots(self) -> np.ndarray:
        """The diagonal of U."""
        return self.lu.diagonal()


class _SparseLU:
    """scipy's SuperLU of a larger matrix, with the same two methods as :class:`_DenseLU`."""

    def __init__(self, lu: spla.SuperLU):
        self.superlu, self.solve = lu, lu.solve

    def pivots(self) -> np.ndarray:
        """The diagonal of U."""
        return self.superlu.U.diagonal()


def _factorization(
    n: int, rows: np.ndarray, cols: np.ndarray, values: np.ndarray
) -> _DenseLU | _SparseLU | None:
    """The LU of the n x n matrix with these entries (duplicates summed), by LAPACK when it is
    small or dense (DENSE_LIMIT, DENSE_SHARE) and by SuperLU otherwise; None when it is exactly
    singular."""
    if n < DENSE_LIMIT or len(values) >= DENSE_SHARE * n * n:
        dense = np.bincount(cols * n + rows, values, minlength=n * n).reshape((n, n), order="F")
        lu, piv, info = lapack.dgetrf(dense, overwrite_a=True)
        return _DenseLU(lu, piv) if info == 0 else None
    try:
        matrix = sp.csc_matrix((values, (rows, cols)), shape=(n, n))
        return _SparseLU(spla.splu(matrix, permc_spec=SPARSE_ORDERING))
    except RuntimeError:  # "Factor is exactly singular"
        return None


class _Compiled:
    """The model's active rows, compiled (:class:`.LiftedNLP`), with its columns mapped to z and pi."""

    def __init__(self, model: pyo.Block, z_vars: list, pi_vars: list):
        self.functions = nlp = LiftedNLP(model)  # evaluated at the primals in functions.x
        col = ComponentMap((v, i) for i, v in enumerate(nlp.variables))
        self.z_col = np.array([col.get(v, -1) for v in z_vars], dtype=int)
        self.pi_col = np.array([col.get(v, -1) for v in pi_vars], dtype=int)
        self.kind = np.full(len(nlp.x), -1)  # 0: a z column, 1: a pi column
        self.pos = np.zeros(len(nlp.x), dtype=int)
        for kind, cols in ((0, self.z_col), (1, self.pi_col)):
            present = cols >= 0
            self.kind[cols[present]] = kind
            self.pos[cols[present]] = np.flatnonzero(present)
        self.row = ComponentMap((c, i) for i, c in enumerate(nlp.rows))
        self.lb, self.ub = nlp.lb, nlp.ub
        self.x_lb, self.x_ub = nlp.x_lb, nlp.x_ub
        # z[z_from] and pi[pi_from] are the NLP's columns z_to and pi_to (slices where they can be)
        self._z_from, self._z_to = (
            _span(np.flatnonzero(self.z_col >= 0)),
            _span(self.z_col[self.z_col >= 0]),
        )
        self._pi_from, self._pi_to = (
            _span(np.flatnonzero(self.pi_col >= 0)),
            _span(self.pi_col[self.pi_col >= 0]),
        )
        self.owner: object = None  # whoever set the current primals (an evaluation), if anyone

    def rows(self, constraints) -> np.ndarray:
        return np.array([self.row[c] for c in constraints], dtype=int)

    def set(self, z: np.ndarray, pi: np.ndarray, owner: object = None) -> None:
        """Put the NLP at (z, pi); a later ``set`` with the same ``owner`` is skipped."""
        if owner is not None and owner is self.owner:
            return
        x = self.functions.x
        x[self._z_to] = z[self._z_from]
        x[self._pi_to] = pi[self._pi_from]
        self.owner = owner

    def jacobian(self) -> np.ndarray:
        """The Jacobian entries at the primals in ``functions.x``, with the Vars at a bound moved
        inside their box (:func:`.inside`); the primals stay there (so that a Hessian asked next
        is taken at the same point) until the next ``set``."""
        x = self.functions.x
        moved = inside(x, self.x_lb, self.x_ub)
        if moved is not x:
            x[:] = moved
            self.owner = None
        return self.functions.jacobian()


def _weighted_hessian(
    compiled: _Compiled, z: np.ndarray, pi: np.ndarray, duals: np.ndarray
) -> np.ndarray:
    """The Hessian of duals . (the NLP's constraints) at (z, pi) w.r.t. (pi, z), dense, pi first.

    The Jacobian is evaluated first, through the ASL's error return: where the ASL cannot form
    derivatives (u^c at u = 0 for 0 < c < 2 other than 1), its Hessian routine has no error return
    and ends the process. Vars at a bound move inside first (``_Compiled.jacobian``); elsewhere
    the error is raised here instead (PyNumeroEvaluationError)."""
    compiled.set(np.asarray(z, float), np.asarray(pi, float))
    compiled.jacobian()
    hess = compiled.functions.hessian(duals)
    cols = np.concatenate([compiled.pi_col, compiled.z_col])
    out = np.zeros((len(cols), len(cols)))
    ok = cols >= 0
    out[np.ix_(ok, ok)] = hess[np.ix_(cols[ok], cols[ok])]
    return out


class KKTEvaluation:
    """F(z, pi) at one point; its Jacobians, their LU and the leader's functions are made on first use.

    Everything lazy is computed at this evaluation's (z, pi), whatever the evaluator did since.
    """

    def __init__(self, evaluator, z, pi, residual, slack, fischer, derivatives):
        """``fischer`` = (a, b, sqrt(a^2 + b^2), tol) of the complementarity pairs."""
        self.residual: np.ndarray = residual
        self.slack: np.ndarray = slack  # s_j = -g_j(x, pi), >= 0 where feasible
        self.z, self.pi = z, pi
        self._ev, self._fischer, self._derivatives = evaluator, fischer, derivatives

    @property
    def n_x(self) -> int:
        """The number of the followers' decisions: z = (x, lam, nu) starts with them."""
        return self._ev.n_x

    @cached_property
    def norm(self) -> float:
        """||F(z, pi)||_inf, NaN when F has a NaN entry."""
        return float(np.abs(self.residual).max(initial=0.0))

    @cached_property
    def weakly_active(self) -> np.ndarray:
        """j with lam_j = 0 = g_j (within the ``tol`` the evaluation was made with)."""
        return np.flatnonzero(self._fischer[2] <= self._fischer[3])

    @cached_property
    def _raw(self) -> tuple[np.ndarray, np.ndarray]:
        """(the KKT NLP's Jacobian entries, then d phi/da; 1, then -d phi/db): what the Jacobians
        of F gather from (a g_j row of the NLP is scaled by -d phi_j/db).

        Where r = sqrt(a^2 + b^2) > tol, d phi/da = 1 - a/r and d phi/db = 1 - b/r; at a weakly
        active pair (r <= tol) both are 1 - 1/sqrt(2), the derivative along the direction (1, 1).
        """
        if not self._derivatives:
            raise ValueError("this evaluation was made with derivatives=False")
        kkt = self._ev._kkt
        kkt.set(self.z, self.pi, owner=self)
        a, b, r, tol = self._fischer
        entries = kkt.jacobian()
        nnz, n_lam = len(entries), len(a)
        source, scale = np.empty(nnz + n_lam), np.empty(n_lam + 1)
        source[:nnz] = entries
        scale[0] = 1.0
        if len(self.weakly_active) == 0:
            np.subtract(1.0, a / r, out=source[nnz:])
            np.subtract(b / r, 1.0, out=scale[1:])
        else:
            smooth = r > tol
            safe = np.where(smooth, r, 1.0)
            source[nnz:] = np.where(smooth, 1.0 - a / safe, _ZERO_DIRECTION)
            scale[1:] = np.where(smooth, b / safe - 1.0, -_ZERO_DIRECTION)
        return source, scale

    @cached_property
    def jac_z(self) -> sp.csc_matrix:
        return self._ev._jz(*self._raw)

    @cached_property
    def jac_pi(self) -> sp.csc_matrix:
        return self._ev._jpi(*self._raw)

    @cached_property
    def _jac_pi_values(self) -> np.ndarray:
        return self._ev._jpi.values(*self._raw)

    def jac_pi_dot(self, v: np.ndarray) -> np.ndarray:
        """J_pi v, without forming J_pi."""
        return self._ev._jpi.dot(self._jac_pi_values, v)

    def jac_pi_t_dot(self, w: np.ndarray) -> np.ndarray:
        """J_pi^T w, without forming J_pi."""
        return self._ev._jpi.t_dot(self._jac_pi_values, w)

    @cached_property
    def lu(self) -> ReducedLU | None:
        """The LU factorization of jac_z, made once, with the clearly inactive constraints
        eliminated first (:mod:`stackopt.reduced_lu`); None when it is exactly singular.
        ``lu.solve(rhs, trans="N" or "T")`` solves with it."""
        return self._ev._elimination.factorize(self._ev._jz.values(*self._raw))

    @property
    def factorized(self) -> bool:
        """Whether ``lu`` has been computed already (then reusing it costs nothing)."""
        return "lu" in self.__dict__

    @cached_property
    def nonsingular(self) -> bool:
        """Whether jac_z is numerically nonsingular: finite LU pivots, none below 1e-13 x the largest."""
        lu = self.lu
        if lu is None:
            return False
        pivots = np.abs(lu.pivots())
        low, high = float(pivots.min()), float(pivots.max())  # NaN if any pivot is NaN
        return math.isfinite(high) and low >= _PIVOT_RATIO * max(1.0, high)

    @cached_property
    def _leader_values(self) -> np.ndarray:
        """The leader's vector [c; constraint bodies] (c = sign * objective) in the NLP's order."""
        leader = self._ev._leader
        leader.set(self.z, self.pi, owner=self)
        return leader.functions.constraints().copy()

    @property
    def leader_cost(self) -> float:
        """The leader objective in minimization form, c = sign * objective."""
        return float(self._leader_values[self._ev._cost_row])

    @property
    def constraint_values(self) -> np.ndarray:
        """The leader's constraint bodies (compare with the evaluator's leader_lb/leader_ub)."""
        return self._leader_values[self._ev._leader_rows]

    @cached_property
    def _leader_jacobian(self) -> np.ndarray:
        """The Jacobian entries of the leader's vector [c; constraint bodies] (read by leader_vjp)."""
        leader = self._ev._leader
        leader.set(self.z, self.pi, owner=self)
        return leader.jacobian().copy()

    @cached_property
    def leader_differentiable(self) -> bool:
        """Whether the leader's cost and constraints, and their first derivatives, are finite
        here (the derivatives one-sided at a bound: MacMPEC gnash's x^1.83 at x = 0, see
        :func:`.inside`; the values at the point itself: log x at x = 0 is not)."""
        try:
            values, derivatives = self._leader_values, self._leader_jacobian
        except PyNumeroEvaluationError:
            return False
        return bool(np.isfinite(values).all() and np.isfinite(derivatives).all())

    def leader_vjp(self, cost: float, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The partial gradients w.r.t. z and pi of cost * c + sum_i weights_i c_i, where c is the
        leader cost and c_i the leader's constraint bodies (one pass over the Jacobian entries)."""
        values = self._leader_jacobian
        per_row = np.empty(len(weights) + 1)
        per_row[0], per_row[1:] = cost, weights
        return tuple(part.t_dot(part.values(values, None), per_row) for part in self._ev._lead)

    @cached_property
    def _leader_cost_gradients(self) -> tuple[np.ndarray, np.ndarray]:
        return self.leader_vjp(1.0, np.zeros(len(self._ev._leader_rows)))

    @property
    def leader_cost_grad_z(self) -> np.ndarray:
        return self._leader_cost_gradients[0]

    @property
    def leader_cost_grad_pi(self) -> np.ndarray:
        return self._leader_cost_gradients[1]


class KKTEvaluator:
    """Compile ``game``'s joint KKT system once; evaluate it and its derivatives many times.

    The evaluator works on its own clone of the game. ``leader_names`` and ``z_names`` give the
    ordering of pi and z (fully qualified component names).
    """

    def __init__(self, game: StackelbergGame, compiled: KKTModel | None = None):
        """``compiled``: the game's KKT system on a model the evaluator may change (a
        :meth:`KKTModel.copy`), where the caller has one; else the evaluator compiles it."""
        refuse_discrete_leader(game, "the KKT evaluator (every continuous method)")
        compiled = compiled or KKTModel.of(game)
        model = compiled.model
        self.kkt: KKTSystem = compiled.kkt
        structure = self.kkt.structure
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

        # the KKT system alone (a constant objective); then the leader's vector [c; its constraint
        # bodies] alone, with c = sign * objective as an equality row, so that one ASL call gives
        # the whole vector and one more its Jacobian
        structure.objective.deactivate()
        for c in structure.constraints:
            c.deactivate()
        model.stackopt_no_objective = pyo.Objective(expr=0.0)
        self._kkt = _Compiled(model, z_vars, pi_vars)
        self.kkt.block.stationarity.deactivate()
        ev.deactivate()
        for c in structure.constraints:
            c.activate()
        model.stackopt_leader_cost = pyo.Constraint(
            expr=structure.leader_sign * structure.objective.expr == 0
        )
        # an objective over the leader's Vars that no evaluation reads (they take the rows
        # alone): the NLP then has columns even where every leader function is a constant (no
        # leader constraint, 3 + 0 x), which the NL writer cannot write otherwise
        model.stackopt_no_objective.deactivate()
        model.stackopt_leader_columns = pyo.Objective(expr=sum(pi_vars))
        self._leader = _Compiled(model, z_vars, pi_vars)

        kkt = self._kkt
        self._stat_rows = kkt.rows(self.kkt.stationarity)
        self._g_rows, self._h_rows = kkt.rows(ev.g.values()), kkt.rows(ev.h.values())
        rhs = np.where(np.isfinite(kkt.ub), kkt.ub, kkt.lb)
        self._n_top = len(self._stat_rows) + len(self._h_rows)
        self._order = np.concatenate([self._stat_rows, self._h_rows, self._g_rows])
        self._order_rhs = rhs[self._order]
        self._lam = slice(self.n_x, self.n_x + self.n_lam)
        self._leader_rows = self._leader.rows(structure.constraints)
        self._cost_row = int(self._leader.rows([model.stackopt_leader_cost])[0])
        self.leader_lb = self._leader.lb[self._leader_rows]
        self.leader_ub = self._leader.ub[self._leader_rows]
        self._patterns(kkt.functions.structure, self._leader.functions.structure)

    def _patterns(self, jac: sp.coo_matrix, leader_jac: sp.coo_matrix) -> None:
        """Precompute where each NLP Jacobian entry lands in dF/dz, dF/dpi and d[c; G]/d(z, pi).

        Rows of F: stationarity and h, then one Fischer-Burmeister row per g_j, whose NLP entries
        are scaled by -d phi_j/db (``scale[1 + j]``) and which has d phi_j/da in its lam_j column.
        """
        top, n_lam = np.concatenate([self._stat_rows, self._h_rows]), self.n_lam
        n_top, lam = len(top), np.arange(n_lam)
        out_row = np.full(self._kkt.functions.n_constraints(), -1)
        out_row[top], out_row[self._g_rows] = np.arange(n_top), n_top + lam
        scale_of = np.zeros(len(out_row), dtype=int)
        scale_of[self._g_rows] = 1 + lam
        row, by = out_row[jac.row], scale_of[jac.row]
        kind, cpos = self._kkt.kind[jac.col], self._kkt.pos[jac.col]
        z_e, pi_e = (np.flatnonzero((row >= 0) & (kind == k)) for k in (0, 1))
        self._jz = _Scatter(
            np.concatenate([row[z_e], n_top + lam]),
            np.concatenate([cpos[z_e], self.n_x + lam]),
            (n_top + n_lam, self.n_z),
            np.concatenate([z_e, len(jac.data) + lam]),
            np.concatenate([by[z_e], np.zeros(n_lam, dtype=int)]),
        )
        self._jpi = _Scatter(row[pi_e], cpos[pi_e], (n_top + n_lam, self.n_pi), pi_e, by[pi_e])
        self._elimination = Elimination(
            self._jz.indices, self._jz.cols, self.n_z, self.n_x, n_top, n_lam, _factorization
        )
        lead_pos = np.full(self._leader.functions.n_constraints(), -1)  # 0: c, 1 + i: constraint i
        lead_pos[self._cost_row] = 0
        lead_pos[self._leader_rows] = 1 + np.arange(len(self._leader_rows))
        lp = lead_pos[leader_jac.row]
        lkind, lcpos = self._leader.kind[leader_jac.col], self._leader.pos[leader_jac.col]
        # the Jacobian of [c; constraints] w.r.t. z, then w.r.t. pi
        parts = []
        for kind, n in ((0, self.n_z), (1, self.n_pi)):
            e = np.flatnonzero((lp >= 0) & (lkind == kind))
            parts.append(
                _Scatter(lp[e], lcpos[e], (1 + len(self._leader_rows), n), e, np.zeros_like(e))
            )
        self._lead = tuple(parts)

    def values_of(self, model_vars: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(z, pi) from a name -> value map (missing multipliers default to 0)."""
        z = np.array([model_vars.get(n, 0.0) for n in self.z_names], dtype=float)
        pi = np.array([model_vars[n] for n in self.leader_names], dtype=float)
        return z, pi

    def leader_hessian(self, z: np.ndarray, pi: np.ndarray) -> np.ndarray:
        """The Hessian of the leader cost (minimization form) w.r.t. (pi, z), dense, pi first."""
        duals = np.zeros(self._leader.functions.n_constraints())
        duals[self._cost_row] = 1.0  # the Hessian of the Lagrangian is then that of the c row
        return _weighted_hessian(self._leader, z, pi, duals)

    def stationarity_hessian(
        self, z: np.ndarray, pi: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        """The Hessian of sum_j weights_j F_j over the stationarity rows F_j (one per follower Var,
        in z's order) w.r.t. (pi, z), dense, pi first: the followers' third derivatives contracted
        with ``weights``, by one compiled Hessian evaluation."""
        duals = np.zeros(self._kkt.functions.n_constraints())
        duals[self._stat_rows] = weights
        return _weighted_hessian(self._kkt, z, pi, duals)

    def evaluate(
        self, z: np.ndarray, pi: np.ndarray, derivatives: bool = True, tol: float = 1e-9
    ) -> KKTEvaluation:
        """Evaluate F at (z, pi); with ``derivatives`` its Jacobians can be asked for (on first use).

        ``tol``: the Fischer-Burmeister pairs (lam_j, -g_j) within tol of (0, 0) are weakly active.
        """
        z, pi = np.array(z, dtype=float), np.array(pi, dtype=float)
        kkt, top = self._kkt, self._n_top
        kkt.set(z, pi)
        # [stationarity; h; g] in one gather, then phi(lam_j, -g_j) in place of g
        residual = kkt.functions.constraints()[self._order]
        residual -= self._order_rhs
        a, b = z[self._lam], -residual[top:]
        r = np.hypot(a, b)
        np.subtract(a + b, r, out=residual[top:])
        evaluation = KKTEvaluation(self, z, pi, residual, b, (a, b, r, tol), derivatives)
        kkt.owner = evaluation  # the NLP is at this evaluation's point
        return evaluation

    def linearization(self, z: np.ndarray, pi: np.ndarray) -> Linearization:
        """The Jacobians, w.r.t. (z, pi) stacked in that order, of the KKT system's rows at (z, pi):
        the equalities (stationarity, then h), the follower inequalities g <= 0, and the leader's
        vector [c; constraint bodies] (c = sign * objective), with the values of g and of that
        vector. Used to linearize the MPEC (the leader's stationarity check)."""
        z, pi = np.asarray(z, float), np.asarray(pi, float)
        n = self.n_z + self.n_pi

        def jacobian(compiled: _Compiled, rows: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
            compiled.set(z, pi)
            compiled.owner = None
            values = compiled.functions.constraints().copy()
            jac = compiled.functions.structure.copy()
            jac.data[:] = compiled.jacobian()
            col = np.where(compiled.kind[jac.col] == 0, 0, self.n_z) + compiled.pos[jac.col]
            keep = compiled.kind[jac.col] >= 0
            out_row = np.full(compiled.functions.n_constraints(), -1)
            out_row[rows] = np.arange(len(rows))
            keep &= out_row[jac.row] >= 0
            mat = sp.csr_matrix(
                (jac.data[keep], (out_row[jac.row[keep]], col[keep])), shape=(len(rows), n)
            )
            return mat, values[rows]

        eq, _ = jacobian(self._kkt, np.concatenate([self._stat_rows, self._h_rows]))
        # the NL writer moves constant terms into the bounds: g_j = body - ub on a "<= ub" row,
        # and c = body - ub on the cost row "c == 0"; the leader's constraint bodies stay as they
        # are, comparable with leader_lb / leader_ub
        g, g_values = jacobian(self._kkt, self._g_rows)
        g_values = g_values - self._kkt.ub[self._g_rows]
        lead_rows = np.concatenate([[self._cost_row], self._leader_rows]).astype(int)
        lead, lead_values = jacobian(self._leader, lead_rows)
        lead_values[0] -= self._leader.ub[self._cost_row]
        return Linearization(eq, g, g_values, lead, lead_values)


@dataclass
class Linearization:
    """Sparse Jacobians of the KKT rows and the leader's vector at one point, columns (z, pi)."""

    eq: sp.csr_matrix
    g: sp.csr_matrix
    g_values: np.ndarray
    leader: sp.csr_matrix
    leader_values: np.ndarray
