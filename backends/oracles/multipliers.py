"""First-order multiplier estimates for a followers' point x found without multipliers.

Given x (from best responses, gradient play or a user's callable), the multipliers solve the
stationarity rows in the least-squares sense over the active inequalities and all equalities,

    min_{lam >= 0, nu} || grad_x L(x, lam, nu, pi) ||,   lam_j = 0 where s_j = -g_j(x, pi) > tol,

a bounded linear least-squares problem (scipy's ``lsq_linear``). Newton then starts next to the KKT
point instead of at lam = nu = 0, where the complementarity rows of active constraints are kinked.
The problem separates over the connected components of the Jacobian's sparsity pattern (rows and
multipliers that share no entry), typically one per follower or finer; each is solved alone, which
gives a minimizer of the whole problem at a fraction of a dense solve's cubic cost.

An inequality may carry a multiplier when its slack is at most the oracle's KKT tolerance ``tol``:
its complementarity residual min(lam_j, s_j) <= s_j is then within tolerance whatever lam_j, and
the bounds lam >= 0 leave the multiplier of an inactive one at zero. An interior-point best response
(Ipopt) ends at a bound only up to its barrier parameter, x_j ~ mu / z_j, often 1e-8 to 1e-7 away;
a stricter test would miss those constraints and leave their stationarity rows unbalanced.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog, lsq_linear
from scipy.sparse.csgraph import connected_components

from stackopt.kkt_evaluator import KKTEvaluator


def _blocks(A: sp.csr_matrix) -> list[tuple[np.ndarray, np.ndarray]]:
    """(rows, columns) of each connected component of A's bipartite sparsity graph that has a
    column (rows touching no column leave a residual no multiplier can change)."""
    n_rows, n_cols = A.shape
    pattern = sp.csr_matrix((np.ones(A.nnz), A.indices, A.indptr), shape=A.shape)
    graph = sp.bmat([[None, pattern], [pattern.T, None]])
    _, label = connected_components(graph, directed=False)
    rows, cols = label[:n_rows], label[n_rows:]
    return [(np.flatnonzero(rows == k), np.flatnonzero(cols == k)) for k in np.unique(cols)]


def _stationarity(
    evaluator: KKTEvaluator, x: np.ndarray, pi: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, sp.csr_matrix, np.ndarray]:
    """(z = (x, 0), the multipliers' columns that may be nonzero, their lower bounds, A, b): the
    stationarity rows at x read A m = b in those multipliers m (module docstring)."""
    n_x, n_lam = evaluator.n_x, evaluator.n_lam
    z = np.zeros(evaluator.n_z)
    z[:n_x] = x
    at = evaluator.evaluate(z, pi)
    active = at.slack <= tol
    cols = n_x + np.concatenate(
        [np.flatnonzero(active), n_lam + np.arange(evaluator.n_z - n_x - n_lam)]
    )
    lower = np.where(cols < n_x + n_lam, 0.0, -np.inf)
    A = sp.csr_matrix(at.jac_z[:n_x][:, cols])  # stationarity rows: the constraint gradients
    return z, cols, lower, A, -at.residual[:n_x]


def with_multipliers(
    evaluator: KKTEvaluator, x: np.ndarray, pi: np.ndarray, tol: float
) -> np.ndarray:
    """z = (x, lam, nu) with the least-squares multipliers of the module docstring."""
    return _fitted(*_stationarity(evaluator, x, pi, tol))


def _fitted(
    z: np.ndarray, cols: np.ndarray, lower: np.ndarray, A: sp.csr_matrix, b: np.ndarray
) -> np.ndarray:
    """z with the least-squares multipliers of A m = b in its columns ``cols`` (module
    docstring), one block of A at a time (filled in place)."""
    if len(cols) == 0:
        return z
    for rows, block in _blocks(A):
        if len(rows) == 0:
            continue  # a multiplier in no stationarity row: zero, its least-norm value
        fit = lsq_linear(A[rows][:, block].toarray(), b[rows], bounds=(lower[block], np.inf))
        z[cols[block]] = fit.x
    return z


#: how much farther than the least-squares multipliers' the stationarity rows of
#: :func:`best_prices` may be off, relative (the candidate's KKT residual is checked again)
PRICE_ROW_TOL = 1e-9


def best_prices(
    evaluator: KKTEvaluator, x: np.ndarray, pi: np.ndarray, tol: float
) -> np.ndarray | None:
    """z = (x, lam, nu) with the multipliers best for the leader among those that make x a KKT
    point (the optimistic convention for prices, where the leader's functions use
    ``stackopt.dual`` and the followers' multipliers are not unique at a degenerate x):

        min_m  grad_m c(pi, x, m0) . m   s.t.  |A m - b| <= |A m0 - b| + PRICE_ROW_TOL max(1, |b|),

    lam >= 0, with m0 the least-squares multipliers (:func:`with_multipliers`, feasible for it):
    an LP in the linearized leader cost c (exact where c is linear in the prices; the caller
    checks the point either way), over the multipliers the module docstring admits. None where
    the LP has no optimum (an unbounded price: no candidate)."""
    z, cols, lower, A, b = _stationarity(evaluator, x, pi, tol)
    if len(cols) == 0:
        return None
    z0 = _fitted(z.copy(), cols, lower, A, b)
    cost = evaluator.evaluate(z0, pi).leader_cost_grad_z
    room = np.abs(A @ z0[cols] - b) + PRICE_ROW_TOL * np.maximum(1.0, np.abs(b))
    lp = linprog(
        cost[cols],
        A_ub=sp.vstack([A, -A], format="csr"),
        b_ub=np.concatenate([b + room, room - b]),
        bounds=list(zip(lower, np.full(len(cols), np.inf))),
        method="highs",
    )
    if lp.status != 0:
        return None
    z[cols] = lp.x
    return z
