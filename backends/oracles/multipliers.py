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

Where the multipliers are not unique (more active constraints than the stationarity rows need),
:func:`least_norm_multipliers` picks the canonical ones that ``Result.duals`` reports.
"""

from __future__ import annotations

from contextlib import suppress

import numpy as np
import scipy.sparse as sp
from scipy.linalg import null_space
from scipy.optimize import linprog, lsq_linear, nnls
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


#: how far (relative) the least-distance program may cross a sign: rounding may otherwise leave
#: a set without interior (a multiplier that the signs of others hold at one value) empty
SIGN_ROUNDING = 1e-9


def least_norm_multipliers(
    evaluator: KKTEvaluator, z: np.ndarray, pi: np.ndarray, tol: float
) -> np.ndarray:
    """z = (x, lam, nu) with its multipliers replaced by the least-norm ones where they are not
    unique: with x and pi fixed, the multiplier set of the module docstring,

        M = { m : A m = p,  lam >= 0,  lam_j = 0 where s_j > tol },

    p the fit of the stationarity rows (A m = b where x is an exact KKT point), is a polyhedron,
    and its minimum Euclidean norm element argmin_{m in M} ||m||_2 is unique (a strictly convex
    norm; the least-l1 or least-infinity-norm element of an LP may be a face, and the point picked
    on it the LP solver's). So the reported multipliers depend on the followers' point alone, not
    on which multipliers a method happened to end at. M separates into the components of A
    (:func:`_blocks`); a component whose columns of A are independent has a single multiplier,
    and z keeps the one it has there. On a dependent one, exactly (finite active-set methods,
    Lawson and Hanson, Solving Least Squares Problems, 1974):

    - p = A m*, m* = argmin_{lam >= 0} ||A m - b||: NNLS on the columns (A_lam, A_nu, -A_nu);
    - m = m_p + N t, m_p = A^+ p the least-norm solution of A m = p, N an orthonormal basis of
      A's null space, so that ||m||^2 = ||m_p||^2 + ||t||^2: t solves the least-distance program
      min ||t|| s.t. N_lam t >= -m_p,lam, by NNLS on its dual (their Algorithm LDP, ch. 23);
    - the face found (the lam found zero held at zero) is solved again exactly, m = least-norm
      solution of A m = p there.

    A block whose NNLS stops on its iteration limit keeps the method's multipliers.
    """
    out = z.copy()
    _, cols, lower, A, b = _stationarity(evaluator, z[: evaluator.n_x], pi, tol)
    for rows, block in _blocks(A):
        if len(rows) == 0:
            out[cols[block]] = 0.0  # a multiplier in no stationarity row: any; zero is least
            continue
        a = A[rows][:, block].toarray()
        null = null_space(a)
        if null.shape[1] == 0:
            continue  # unique: the method's own
        with suppress(RuntimeError):  # NNLS's iteration limit: the method's own
            out[cols[block]] = _least_norm(a, null, b[rows], lower[block] == 0.0)
    return out


def _least_norm(a: np.ndarray, null: np.ndarray, b: np.ndarray, signed: np.ndarray) -> np.ndarray:
    """argmin ||m|| over the minimizers of ||a m - b|| with m[signed] >= 0, ``null`` an
    orthonormal basis of a's null space (the two NNLS steps of :func:`least_norm_multipliers`)."""
    free = a[:, ~signed]
    u, _ = nnls(np.hstack([a[:, signed], free, -free]), b)
    fit = np.empty(a.shape[1])
    fit[signed] = u[: signed.sum()]
    fit[~signed] = np.subtract(*np.split(u[signed.sum() :], 2))
    m = np.linalg.lstsq(a, a @ fit, rcond=None)[0]
    if not signed.any():
        return m
    # the signs loosened by rounding (a set without interior stays feasible), then the face found
    # solved exactly: the least-norm solution with the multipliers found zero held at zero
    slack = SIGN_ROUNDING * max(1.0, np.abs(m).max())
    m += null @ _least_distance(null[signed], -m[signed] - slack)
    face = ~signed | (m > slack)
    exact = np.zeros_like(m)
    exact[face] = np.linalg.lstsq(a[:, face], a @ fit, rcond=None)[0]
    if exact[signed].min() >= -slack:
        m = exact
    m[signed] = np.maximum(m[signed], 0.0)  # rounding below the bound
    return m


def _least_distance(G: np.ndarray, h: np.ndarray) -> np.ndarray:
    """argmin ||t|| s.t. G t >= h (Lawson and Hanson's Algorithm LDP): with u >= 0 the NNLS
    solution of [G^T; h^T] u = e_last and r its residual, t = -r[:-1] / r[-1]. The caller's
    program is feasible (the fit's m* is in it), so r[-1] < 0."""
    E = np.vstack([G.T, h])
    f = np.zeros(len(E))
    f[-1] = 1.0
    u, _ = nnls(E, f)
    r = E @ u - f
    return -r[:-1] / r[-1]
