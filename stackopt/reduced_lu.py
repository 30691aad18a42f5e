"""The LU factorization of J_z with the clearly inactive constraints eliminated first.

J_z (:mod:`stackopt.kkt_evaluator`) has rows [stationarity; h; phi_j] and columns [x; lam; nu].
Column lam_j has entries dg_j/dx in the stationarity rows and d_j = d phi_j / d lam_j in row phi_j;
row phi_j has d_j and -d phi_j/db dg_j/dx in the x columns, nothing else. For a clearly inactive
constraint (lam_j = 0 < -g_j), d_j = 1 - lam_j / r_j is close to 1. With E the pairs (phi_j, lam_j)
with d_j >= 1/2 ordered last,

    J_z = [[A, B], [C, D]],   D = diag(d_E),   S = A - B D^{-1} C        (block LU; Golub & Van
                                                                          Loan, Sec. 3.2.10)

and J_z is nonsingular iff S is (D is). B has entries only in stationarity rows and C only in x
columns, so S differs from A by the outer products -(1/d_j) (column lam_j)(row phi_j), one per
eliminated constraint: a single entry for a bound on one variable. The solves are

    J_z v = r:     S v_K = r_K - B D^{-1} r_E,       v_E = D^{-1} (r_E - C v_K),
    J_z^T w = g:   S^T w_K = g_K - C^T D^{-1} g_E,   w_E = D^{-1} (g_E - B^T w_K).

Inactive constraints thus drop out of the factorization: on the paper-size security game (500
bounds, about 340 of them inactive) S has 411 rows instead of 755. Constraints whose correction
would have more than ``MAX_CORRECTION`` entries are never eliminated.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

ELIMINATED_FROM = 0.5  # d_j at least this: the pivot of the eliminated pair is safe
MAX_CORRECTION = 10_000  # entries of one constraint's outer product (|dg_j/dx|^2 for one g_j)


class Elimination:
    """Where each constraint's pair lies among J_z's entries (fixed by the sparsity pattern).

    ``rows``, ``cols``: the row and column of each entry of J_z, in the order of its values.
    ``factor(n, rows, cols, values)``: the LU of the n x n matrix with these entries (duplicates
    summed), an object with ``solve(rhs, trans)`` and ``pivots()``, or None if it is singular.
    The layout of S is computed once per set of eliminated constraints and kept while the set
    stays the same, as it does along a path of leader decisions.
    """

    def __init__(
        self,
        rows: np.ndarray,
        cols: np.ndarray,
        n: int,
        n_x: int,
        n_top: int,
        n_lam: int,
        factor: Callable,
    ):
        self.rows, self.cols, self.n, self.factor = rows, cols, n, factor
        self.fb_rows, self.lam_cols = n_top + np.arange(n_lam), n_x + np.arange(n_lam)
        fb = np.where(rows >= n_top, rows - n_top, -1)  # the constraint of an FB row entry
        lam = np.where((cols >= n_x) & (cols < n_x + n_lam), cols - n_x, -1)
        self.diag = np.full(n_lam, -1)
        on_diag = (fb >= 0) & (fb == lam)
        self.diag[fb[on_diag]] = np.flatnonzero(on_diag)
        u_entries = np.flatnonzero((lam >= 0) & (fb < 0))  # column lam_j outside the FB rows
        v_entries = np.flatnonzero((fb >= 0) & (fb != lam))  # row phi_j outside column lam_j
        self.u, self.u_of = u_entries, lam[u_entries]
        self.v, self.v_of = v_entries, fb[v_entries]
        u_by, v_by = _grouped(u_entries, self.u_of, n_lam), _grouped(v_entries, self.v_of, n_lam)
        pu, pv, pj = [], [], []
        self.eligible = np.zeros(n_lam, bool)
        for j in range(n_lam):
            uj, vj = u_by[j], v_by[j]
            if self.diag[j] < 0 or len(uj) * len(vj) > MAX_CORRECTION:
                continue
            self.eligible[j] = True
            pu.append(np.repeat(uj, len(vj)))
            pv.append(np.tile(vj, len(uj)))
            pj.append(np.full(len(uj) * len(vj), j))
        empty = np.zeros(0, int)
        self.pu, self.pv, self.pj = (np.concatenate(p) if p else empty for p in (pu, pv, pj))
        self._layout: tuple[bytes, Layout] | None = None

    def factorize(self, values: np.ndarray) -> ReducedLU | None:
        """The LU of J_z (entries ``values``) through S; None when it is singular."""
        d = values[self.diag]
        eliminated = self.eligible & (np.abs(d) >= ELIMINATED_FROM)
        key = eliminated.tobytes()  # along a path the eliminated set rarely changes
        if self._layout is None or self._layout[0] != key:
            self._layout = (key, Layout(self, eliminated))
        layout = self._layout[1]
        d_e = d[eliminated]
        lu = self.factor(
            len(layout.keep_rows),
            layout.s_rows,
            layout.s_cols,
            np.concatenate(
                [values[layout.kept], -values[layout.pu] * values[layout.pv] / d[layout.pj]]
            ),
        )
        return None if lu is None else ReducedLU(layout, lu, values, d_e)


def _grouped(entries: np.ndarray, of: np.ndarray, n: int) -> list[np.ndarray]:
    """``entries`` split by their group ``of`` (0 .. n - 1), each group in its original order."""
    order = np.argsort(of, kind="stable")
    return np.split(entries[order], np.cumsum(np.bincount(of, minlength=n))[:-1])


class Layout:
    """Where everything lies once the set of eliminated constraints is known."""

    def __init__(self, elim: Elimination, eliminated: np.ndarray):
        self.n = elim.n
        row_out, col_out = np.zeros(elim.n, bool), np.zeros(elim.n, bool)
        row_out[elim.fb_rows[eliminated]] = True
        col_out[elim.lam_cols[eliminated]] = True
        row_map, col_map = np.cumsum(~row_out) - 1, np.cumsum(~col_out) - 1
        self.kept = np.flatnonzero(~row_out[elim.rows] & ~col_out[elim.cols])
        pairs = eliminated[elim.pj]
        self.pu, self.pv, self.pj = elim.pu[pairs], elim.pv[pairs], elim.pj[pairs]
        # the entries of S: the kept entries of J_z, then one correction per pair
        self.s_rows = np.concatenate([row_map[elim.rows[self.kept]], row_map[elim.rows[self.pu]]])
        self.s_cols = np.concatenate([col_map[elim.cols[self.kept]], col_map[elim.cols[self.pv]]])
        self.keep_rows, self.keep_cols = np.flatnonzero(~row_out), np.flatnonzero(~col_out)
        self.e_rows, self.e_cols = elim.fb_rows[eliminated], elim.lam_cols[eliminated]
        slot = np.cumsum(eliminated) - 1  # the place of an eliminated constraint among E
        u, v = eliminated[elim.u_of], eliminated[elim.v_of]
        # B and C as (the entry, its row or column in S, its constraint's place in E)
        self.b = (elim.u[u], row_map[elim.rows[elim.u[u]]], slot[elim.u_of[u]])
        self.c = (elim.v[v], col_map[elim.cols[elim.v[v]]], slot[elim.v_of[v]])


class ReducedLU:
    """Solves with J_z through the LU of S (the module docstring's formulas)."""

    def __init__(self, layout: Layout, lu, values: np.ndarray, d: np.ndarray):
        self.lu, self.layout, self.d = lu, layout, d
        self.n = layout.n
        self.keep_rows = layout.keep_rows
        # B D^{-1} and D^{-1} C as (its row or column in S, its constraint's place in E, value)
        (b, b_at, b_of), (c, c_at, c_of) = layout.b, layout.c
        self.b = (b_at, b_of, values[b] / d[b_of])
        self.c = (c_at, c_of, values[c] / d[c_of])

    def solve(self, rhs: np.ndarray, trans: str = "N") -> np.ndarray:
        """J_z^{-1} rhs (``trans="N"``) or J_z^{-T} rhs (``"T"``); a 2-D rhs column by column."""
        if rhs.ndim == 2:
            out: np.ndarray = np.empty((self.n, rhs.shape[1]))
            for i in range(rhs.shape[1]):
                out[:, i] = self.solve(rhs[:, i], trans)
            return out
        lay = self.layout
        k, e = len(lay.keep_rows), len(self.d)
        if trans == "T":
            head, tail, near, far = lay.keep_cols, lay.e_cols, self.c, self.b
            out_head, out_tail = lay.keep_rows, lay.e_rows
        else:
            head, tail, near, far = lay.keep_rows, lay.e_rows, self.b, self.c
            out_head, out_tail = lay.keep_cols, lay.e_cols
        ends = rhs[tail]
        at, of, value = near  # value / d_j
        reduced = rhs[head] - np.bincount(at, value * ends[of], minlength=k)
        main = self.lu.solve(reduced, trans=trans)
        at, of, value = far
        rest = ends / self.d - np.bincount(of, value * main[at], minlength=e)
        out = np.empty(self.n)
        out[out_head], out[out_tail] = main, rest
        return out

    def pivots(self) -> np.ndarray:
        """The pivots of the LU of S, then the eliminated d_j."""
        return np.concatenate([self.lu.pivots(), self.d])
