"""The leader's first-order stationarity at an equilibrium: no descent direction of the linearized
MPEC (Scheel and Scholtes 2000, Eq. 2.4; Flegel and Kanzow 2005 for the stationarity types).

At (pi, z = (x, lam, nu)) with the followers' KKT system F = 0, a direction d = (dz, dpi) is
feasible for the linearized MPEC when it keeps the stationarity and equality rows
(J_eq d = 0), the active leader constraints and bounds, and each complementarity pair
0 <= lam_j _|_ s_j = -g_j >= 0 on its side: a strongly active pair (lam_j > 0 = s_j) keeps
grad g_j . d = 0, an inactive one (s_j > 0 = lam_j) keeps d lam_j = 0, and a biactive pair
(lam_j = 0 = s_j) takes one of the two branches {d lam_j = 0, grad g_j . d <= 0} or
{grad g_j . d = 0, d lam_j >= 0}. The point is stationary when

    min { grad c . d : d feasible, sum_k |dpi_k| / r_k <= 1 }  >=  -STATIONARITY_TOL * max(1, |c|),

with c the leader's cost and r_k = max(1, |pi_k|): an l1-ball on the leader's move, scaled by its
variables' magnitudes, so that the measure depends neither on the model's units nor on the number
of leader variables (with no constraint active it is max_k r_k |dc/dpi_k| / max(1, |c|), the
scaled inf-norm of the total gradient). The move stays within the leader's Var bounds and its
linearized constraints, G + grad G . d within [lb, ub], inactive ones included: the measure is the
decrease available in a unit move (the criticality measure chi of bound-constrained trust-region
methods, Conn, Gould and Toint 2000), so a bound nearer than the unit ball limits it, as where an
interior-point solver stops about sqrt(mu) from a bound whose multiplier is 0. The followers'
move dz follows from the linearized equations (boxed at ``Z_BOX`` r to keep the LP bounded where
the equilibrium is not isolated). The LP splits the leader's move dpi = p+ - p- (p+, p- >= 0) for
the l1-ball; dz is one column per follower variable. One LP on the relaxed NLP, whose biactive
pairs take {d lam_j >= 0, grad g_j . d <= 0}, proves S-stationarity (it contains every branch);
when it finds a descent direction and at most ``MAX_BIACTIVE`` pairs are biactive, one LP per
branch decides B-stationarity. With no biactive pair and no bound nearer than the unit move the
measure is the scaled inf-norm of the projected total gradient.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from stackopt.backends.certification.curvature_probe import probe_curvature
from stackopt.backends.certification.violation import leader_violation
from stackopt.certificate import FEASIBILITY_TOL, STATIONARITY_TOL, StationarityCheck
from stackopt.kkt_evaluator import KKTEvaluator, Linearization
from stackopt.messages import then

#: pairs with lam_j and s_j both below this are biactive; within it (times max(1, |bound|)) of a
#: bound a leader Var is active, and a leader constraint G_i whose slack is at most it times its
#: reach ||grad G_i o r||_inf (what a unit scaled move changes it by: the same test for the row
#: rescaled). An interior-point solver ends about mu / z_j away from an active bound, often 1e-7
#: to 1e-6: a stricter test would miss those
ACTIVE_TOL = 1e-5
#: a leader Var or constraint within ACTIVE_TOL of its bound counts as on it unless moving onto the
#: bound gains more than this (scaled as the stationarity LP's decrease): x = 1.2e-7 above 0 where the
#: follower answers y = sqrt(x) and the leader pays 4x + 1000y gains 0.17 (linearized) there, a
#: slope of 1.4e6 that the solver's distance from the bound hid (trust-constr: locally_optimal at 0.35)
NEAR_BOUND_GAIN = 1e-3
#: the most biactive pairs whose 2^k branches are enumerated
MAX_BIACTIVE = 6
#: the most biactive pairs whose 3^k sign patterns are tried for M-stationarity
MAX_BIACTIVE_M = 4
#: the most combinations of multiplier-set vertices at which a point is classified
MAX_MULTIPLIER_VERTICES = 16
#: the most subsets of a follower's active constraints tried as the support of a vertex of its
#: multiplier set (each one least-squares solve; a routing follower with 20 arcs at their bound
#: and a rank-deficient node balance has about 10^6, which ran for minutes past any time limit)
MAX_VERTEX_SUPPORTS = 4096
#: |dz_k| <= Z_BOX * max(1, |z_k|) in the stationarity LP
Z_BOX = 1e6

_Bounds = tuple[float | None, float | None]  # an LP variable's (lower, upper); None: unbounded


def leader_stationarity(
    evaluator: KKTEvaluator, z: np.ndarray, pi: np.ndarray, deadline: float | None = None
) -> StationarityCheck:
    """Classify (pi, z) as S-, B- or not stationary for the leader (the module docstring).

    Where a follower's active constraints are linearly dependent (its multipliers are not unique,
    as at a degenerate vertex of a linear follower) the MPEC's stationarity depends on which
    multipliers it is read at, while the bilevel program's local optimality needs every one of
    them (Dempe and Dutta 2012, Thm 3.2): the point is classified at each vertex of the followers'
    multiplier sets (up to ``MAX_MULTIPLIER_VERTICES`` combinations) and is stationary only if it
    is at all of them. Where the leader's functions use the followers' prices, the multipliers are
    the leader's too (the optimistic convention, :func:`~stackopt.backends.oracles.multipliers.
    best_prices`): only the vertices the leader could be judged at near the point count
    (:func:`_usable`)."""
    lin = evaluator.linearization(z, pi)
    choices = _multiplier_vertices(evaluator, lin, z)
    if choices is not None and len(choices) > 1 and evaluator.kkt.structure.duals:
        choices = _usable(evaluator, choices, z, pi)
    if choices is None:
        return StationarityCheck(
            "unchecked",
            False,
            None,
            [],
            0,
            "the followers' multipliers are not unique and have more than "
            f"{MAX_MULTIPLIER_VERTICES} vertex combinations (or more than {MAX_VERTEX_SUPPORTS} "
            "supports to try for a follower's vertices)",
        )
    # the multipliers as found are the first choice: their linearization is the one made above
    checks = [_stationarity_at(evaluator, zk, pi, lin if zk is z else None) for zk in choices]
    worst = min(checks, key=lambda c: (c.holds, -(c.value or 0.0)))
    refuted = _second_order(evaluator, lin, z, pi, deadline) if worst.holds else None
    if refuted is not None:
        worst.holds, worst.message, worst.descent = False, *refuted
    if len(checks) > 1:
        worst.message = then(
            worst.message,
            f"read at the worst of {len(checks)} vertices of the followers' multiplier sets",
        )
    return worst


def _usable(
    evaluator: KKTEvaluator, choices: list[np.ndarray], z: np.ndarray, pi: np.ndarray
) -> list[np.ndarray]:
    """The vertices at which the leader's constraints hold and its cost is no worse than at the
    point's own multipliers z (within ``STATIONARITY_TOL``, scaled): near a vertex where they fail
    or cost more, a small move cannot reach below the point's value, so a descent direction there
    proves nothing (a price cap of 20 where the prices at the point span [10, 50]: the vertex 50
    is none the leader can be at). The best of them if none qualifies."""
    own = evaluator.evaluate(z, pi, derivatives=False).leader_cost
    slack = STATIONARITY_TOL * max(1.0, abs(own))
    kept, scored = [], []
    for zk in choices:
        ev = evaluator.evaluate(zk, pi, derivatives=False)
        violation = leader_violation(evaluator, ev.constraint_values, pi)
        scored.append((violation, ev.leader_cost, zk))
        if violation <= FEASIBILITY_TOL and ev.leader_cost <= own + slack:
            kept.append(zk)
    return kept or [min(scored, key=lambda s: (s[0], s[1]))[2]]


def _multiplier_vertices(evaluator: KKTEvaluator, lin, z: np.ndarray) -> list[np.ndarray] | None:
    """z itself when every follower's multipliers are unique; else one z per combination of the
    vertices of the degenerate followers' multiplier sets {lam >= 0 on the active constraints,
    lam = 0 elsewhere, the stationarity rows unchanged} (None beyond MAX_MULTIPLIER_VERTICES)."""
    n_x, n_lam = evaluator.n_x, evaluator.n_lam
    kkt = evaluator.kkt
    slack = -lin.g_values
    per_follower = []
    for i, (start, stop) in enumerate(evaluator.follower_slices):
        active = [
            j for j, q in enumerate(kkt.inequalities) if i in q.binds and slack[j] <= ACTIVE_TOL
        ]
        eqs = [k for k, q in enumerate(kkt.equalities) if i in q.binds]
        cols = np.array([n_x + j for j in active] + [n_x + n_lam + k for k in eqs], dtype=int)
        if len(active) == 0:
            continue
        m = lin.eq[start:stop][:, cols].toarray()
        if np.linalg.matrix_rank(m) == len(cols):
            continue  # linearly independent: the multipliers are unique
        target = m @ z[cols]
        vertices: list[np.ndarray] = []
        rank = np.linalg.matrix_rank(m)
        n_active = len(active)
        sizes = range(0, min(rank, n_active) + 1)
        if sum(math.comb(n_active, size) for size in sizes) > MAX_VERTEX_SUPPORTS:
            return None
        for size in sizes:
            for subset in itertools.combinations(range(n_active), size):
                keep = list(subset) + list(range(n_active, len(cols)))
                sol, *_ = np.linalg.lstsq(m[:, keep], target, rcond=None)
                mult = np.zeros(len(cols))
                mult[keep] = sol
                ok = np.abs(m @ mult - target).max(initial=0.0) <= 1e-8 * max(
                    1.0, np.abs(target).max(initial=0.0)
                )
                if ok and (mult[:n_active] >= -1e-10).all():
                    if not any(np.allclose(mult, v, atol=1e-9) for v in vertices):
                        vertices.append(
                            np.maximum(mult, np.r_[np.zeros(n_active), np.full(len(eqs), -np.inf)])
                        )
        if len(vertices) > MAX_MULTIPLIER_VERTICES:
            return None
        if len(vertices) > 1:
            per_follower.append((cols, vertices))
    combos = [z]
    for cols, vertices in per_follower:
        combos = [_with(zk, cols, v) for zk in combos for v in vertices]
        if len(combos) > MAX_MULTIPLIER_VERTICES:
            return None
    return combos


def _with(z: np.ndarray, cols: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = z.copy()
    out[cols] = values
    return out


def descent_direction(evaluator: KKTEvaluator, z: np.ndarray, pi: np.ndarray) -> np.ndarray | None:
    """The leader's move dpi of the relaxed LP's steepest descent direction of the linearized MPEC
    at (pi, z), at the multipliers as found; None where that LP finds no decrease. It sees both
    sides of a kink of the value function, where the implicit gradient is one-sided."""
    directions: list[np.ndarray] = []
    check = _stationarity_at(evaluator, z, pi, directions=directions)
    if check.holds or check.kind == "unchecked" or not directions:
        return None
    return directions[0][evaluator.n_z :]


def _active_sides(
    evaluator: KKTEvaluator, lin: Linearization, radius: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which leader constraints are active at their lower and upper bound: their slack at most
    ACTIVE_TOL times their reach ||grad G_i o r||_inf, what a unit scaled move of (z, pi) changes
    them by (so that rescaling a row changes nothing)."""
    values, lead = lin.leader_values[1:], lin.leader[1:]
    lb, ub = evaluator.leader_lb, evaluator.leader_ub
    reach = np.asarray(abs(lead).multiply(radius[None, :]).max(axis=1).todense()).ravel()
    with np.errstate(invalid="ignore"):
        at_ub = np.isfinite(ub) & (ub - values <= ACTIVE_TOL * reach)
        at_lb = np.isfinite(lb) & (values - lb <= ACTIVE_TOL * reach)
    return at_lb, at_ub


def _second_order(
    evaluator: KKTEvaluator,
    lin: Linearization,
    z: np.ndarray,
    pi: np.ndarray,
    deadline: float | None,
) -> tuple[str, dict[str, float]] | None:
    """Why a first-order stationary (pi, z) is no local minimum, with the leader's better move by
    name (:mod:`.curvature_probe`, its probes stopped at ``deadline``), or None."""
    at_lb, at_ub = _active_sides(evaluator, lin, np.maximum(1.0, np.abs(np.concatenate([z, pi]))))
    active = lin.leader[1:][np.flatnonzero(at_lb | at_ub)]
    descent = probe_curvature(evaluator, z, pi, active, deadline)
    if descent is None:
        return None
    move = {name: float(step) for name, step in zip(evaluator.leader_names, descent.step)}
    shown = ", ".join(f"{name} {step:+.3g}" for name, step in move.items() if step)
    why = (
        f"first-order stationary, but no local minimum: moving the leader by {shown} lowers its "
        f"cost by {descent.drop:.3g} (scaled), beyond first order (a saddle or a maximum)"
    )
    return why, move


def _stationarity_at(
    evaluator: KKTEvaluator,
    z: np.ndarray,
    pi: np.ndarray,
    lin: Linearization | None = None,
    directions: list | None = None,
) -> StationarityCheck:
    """The classification at one choice of multipliers; the LPs' directions d are appended to
    ``directions`` when it is a list (the relaxed LP's first)."""
    lin = lin if lin is not None else evaluator.linearization(z, pi)
    n_z, n_x = evaluator.n_z, evaluator.n_x
    point = np.concatenate([z, pi])
    radius = np.maximum(1.0, np.abs(point))
    lower, upper = np.full(len(point), -np.inf), np.full(len(point), np.inf)
    rows_eq = [lin.eq]

    lam = z[n_x : n_x + evaluator.n_lam]
    slack = -lin.g_values
    strong = lam > ACTIVE_TOL  # (a pair with both positive is not complementary: kept active)
    inactive = (lam <= ACTIVE_TOL) & (slack > ACTIVE_TOL)
    biactive = np.flatnonzero((lam <= ACTIVE_TOL) & (slack <= ACTIVE_TOL))
    rows_eq.append(lin.g[np.flatnonzero(strong)])
    lam_col = n_x + np.flatnonzero(inactive)
    lower[lam_col] = upper[lam_col] = 0.0

    values = lin.leader_values[1:]
    lead = lin.leader[1:]
    lb, ub = evaluator.leader_lb, evaluator.leader_ub
    at_lb, at_ub = _active_sides(evaluator, lin, radius)
    both = at_ub & at_lb
    rows_eq.append(lead[np.flatnonzero(both)])
    one_ub, one_lb = at_ub & ~both, at_lb & ~both
    # within the tolerance of a bound, not on it: locked, unless moving onto the bound pays
    near_ub, near_lb = one_ub & (values < ub), one_lb & (values > lb)
    finite = np.isfinite(values)

    def leader_rows(onto: bool) -> tuple[list, sp.spmatrix, np.ndarray]:
        """The locked sides of the leader's constraints, G d <= 0 (with ``onto``, not the near
        ones), and the others with their slack, G d <= ub - G."""
        hold_ub, hold_lb = one_ub & ~(onto & near_ub), one_lb & ~(onto & near_lb)
        below = np.isfinite(ub) & finite & ~hold_ub & ~both
        above = np.isfinite(lb) & finite & ~hold_lb & ~both
        held = [lead[np.flatnonzero(hold_ub)], -lead[np.flatnonzero(hold_lb)]]
        rows = sp.vstack([lead[np.flatnonzero(below)], -lead[np.flatnonzero(above)]])
        return held, rows, np.concatenate([(ub - values)[below], (values - lb)[above]])

    # how far each leader Var may move down and up before its bound (0 at an active bound)
    down, up = np.full(len(pi), np.inf), np.full(len(pi), np.inf)
    for k, v in enumerate(evaluator.leader_vars):
        if v.lb is not None:
            down[k] = pi[k] - v.lb
        if v.ub is not None:
            up[k] = v.ub - pi[k]
    as_is = (np.maximum(down, 0.0), np.maximum(up, 0.0))  # the room before locking
    near = np.zeros(len(pi), dtype=bool)  # within ACTIVE_TOL of a bound, not on it
    for k, v in enumerate(evaluator.leader_vars):
        if v.lb is not None and pi[k] <= v.lb + ACTIVE_TOL * max(1.0, abs(v.lb)):
            near[k] |= down[k] > 0
            lower[n_z + k], down[k] = 0.0, 0.0
        if v.ub is not None and pi[k] >= v.ub - ACTIVE_TOL * max(1.0, abs(v.ub)):
            near[k] |= up[k] > 0
            upper[n_z + k], up[k] = 0.0, 0.0

    gradient = np.asarray(lin.leader[0].todense()).ravel()
    scale = max(1.0, abs(float(lin.leader_values[0])))
    names = [evaluator.kkt.inequalities[j].name for j in biactive]

    def decrease(
        eq_extra: list,
        ub_extra: list,
        lo: np.ndarray,
        hi: np.ndarray,
        onto: bool = False,
    ) -> float | None:
        """-min grad c . d over the directions allowed by the rows and the sign bounds lo <= d <= hi
        (each 0 or infinite), in the scaled l1-ball on the leader's move: d = (dz, p+ - p-), one
        column per follower variable (boxed at Z_BOX r) and two, p+, p- >= 0, per leader one,
        each within its Var's room (0 at an active bound). With ``onto`` the leader's Vars and
        constraints near a bound have their room as it is: the move may reach the bound."""
        lead = slice(n_z, len(radius))
        room_down, room_up = as_is if onto else (down, up)
        held, room_rows, room_rhs = leader_rows(onto)

        def split(a: sp.spmatrix) -> sp.csr_matrix:
            a = sp.csc_matrix(a)
            return sp.hstack([a[:, :n_z], a[:, lead], -a[:, lead]], format="csr")

        a_eq = sp.vstack(rows_eq + eq_extra)
        weight = 1.0 / radius[lead]
        ball = sp.csr_matrix(np.concatenate([np.zeros(n_z), weight, weight])[None, :])
        kept = split(sp.vstack(held + ub_extra))
        a_ub = sp.vstack([kept, split(room_rows), ball], format="csr")
        b_ub = np.concatenate([np.zeros(kept.shape[0]), room_rhs, [1.0]])
        box = Z_BOX * radius[:n_z]
        n_pi = len(radius) - n_z
        bounds = np.vstack(
            [
                np.column_stack(
                    [np.where(lo[:n_z] < 0, -box, 0.0), np.where(hi[:n_z] > 0, box, 0.0)]
                ),
                np.column_stack([np.zeros(n_pi), np.where(hi[lead] > 0, room_up, 0.0)]),
                np.column_stack([np.zeros(n_pi), np.where(lo[lead] < 0, room_down, 0.0)]),
            ]
        )
        res = linprog(
            np.concatenate([gradient[:n_z], gradient[lead], -gradient[lead]]),
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=split(a_eq) if a_eq.shape[0] else None,
            b_eq=np.zeros(a_eq.shape[0]) if a_eq.shape[0] else None,
            bounds=bounds,
            method="highs",
        )
        if res.status != 0:
            return None
        if directions is not None:
            move = res.x[n_z : n_z + n_pi] - res.x[n_z + n_pi :]
            directions.append(np.concatenate([res.x[:n_z], move]))
        return -float(res.fun) / scale

    relaxed_lo, relaxed_hi = lower.copy(), upper.copy()
    relaxed_lo[n_x + biactive] = 0.0
    relaxed = decrease([], [lin.g[biactive]], relaxed_lo, relaxed_hi)
    if relaxed is None:
        return StationarityCheck("unchecked", False, None, names, 0, "the stationarity LP failed")
    if relaxed <= STATIONARITY_TOL and (near.any() or near_ub.any() or near_lb.any()):
        free_lo, free_hi = relaxed_lo.copy(), relaxed_hi.copy()
        free_lo[n_z + np.flatnonzero(near)], free_hi[n_z + np.flatnonzero(near)] = -np.inf, np.inf
        gain = decrease([], [lin.g[biactive]], free_lo, free_hi, onto=True)
        if gain is not None and gain > NEAR_BOUND_GAIN:
            return StationarityCheck(
                "none",
                False,
                gain,
                names,
                0,
                f"moving the leader onto a bound within {ACTIVE_TOL:g} of it gains {gain:.3g} "
                "(scaled): the objective is steep there",
            )
    if relaxed <= STATIONARITY_TOL:
        return StationarityCheck("S", True, relaxed, names, 0)
    if len(biactive) == 0:
        return StationarityCheck(
            "none",
            False,
            relaxed,
            names,
            0,
            f"the leader's objective decreases at rate {relaxed:.3g} (scaled) along a feasible "
            "direction",
        )
    if len(biactive) > MAX_BIACTIVE:
        return StationarityCheck(
            "unchecked",
            False,
            relaxed,
            names,
            0,
            f"not S-stationary and {len(biactive)} biactive pairs (more than {MAX_BIACTIVE}): "
            "B-stationarity not checked",
        )
    worst, count = 0.0, 0
    for sides in itertools.product((0, 1), repeat=len(biactive)):
        lo, hi = lower.copy(), upper.copy()
        eq_extra, ub_extra = [], []
        for j, side in zip(biactive, sides):
            if side == 0:  # lam_j stays 0, s_j may grow
                lo[n_x + j] = hi[n_x + j] = 0.0
                ub_extra.append(lin.g[[j]])
            else:  # g_j stays active, lam_j may grow
                lo[n_x + j] = 0.0
                eq_extra.append(lin.g[[j]])
        value = decrease(eq_extra, ub_extra, lo, hi)
        count += 1
        if value is None:
            return StationarityCheck(
                "unchecked", False, None, names, count, "a branch's stationarity LP failed"
            )
        worst = max(worst, value)
    if worst <= STATIONARITY_TOL:
        return StationarityCheck("B", True, worst, names, count)
    kind = _multiplier_type(
        gradient,
        sp.vstack(rows_eq, format="csr"),
        sp.vstack(leader_rows(False)[0], format="csr"),
        lower,
        upper,
        lin.g[biactive],
        n_x + biactive,
    )
    weak = f"; the point is {kind}-stationary" if kind != "none" else ""
    return StationarityCheck(
        kind,
        False,
        worst,
        names,
        count,
        f"a branch of the {len(biactive)} biactive pair(s) has a descent direction (scaled rate "
        f"{worst:.3g}){weak}",
    )


def _multiplier_type(
    gradient: np.ndarray,
    eq: sp.csr_matrix,
    ub: sp.csr_matrix,
    lower: np.ndarray,
    upper: np.ndarray,
    g_bi: sp.csr_matrix,
    lam_cols: np.ndarray,
) -> str:
    """ "M" or "C" when MPEC multipliers of that kind exist at a point that is not B-stationary,
    else "none" (Scheel and Scholtes 2000, Def. 2.3-2.5).

    The multipliers solve grad c + E^T a + U^T m - N_lo + N_hi - sum_j u_j e_{lam_j} +
    sum_j v_j grad g_j = 0 with m, N >= 0 (E, U the kept rows, N the sign bounds); for the biactive
    pairs C-stationarity asks u_j v_j >= 0 and M-stationarity u_j v_j = 0 or u_j, v_j > 0. Each
    sign pattern is one LP minimizing the residual's inf-norm; the residual must be at most
    STATIONARITY_TOL * max(1, ||grad c||_inf)."""
    n = len(gradient)
    fixed = (lower == 0) & (upper == 0)
    low, high = (lower == 0) & ~fixed, (upper == 0) & ~fixed
    identity = sp.identity(n, format="csr")
    blocks = [eq.T, ub.T, identity[:, fixed], -identity[:, low], identity[:, high]]
    signs = [None] * eq.shape[0] + [0.0] * ub.shape[0] + [None] * int(fixed.sum())
    signs += [0.0] * int(low.sum() + high.sum())
    k = len(lam_cols)
    pairs = sp.hstack([-identity[:, lam_cols], g_bi.T], format="csr")  # u_j then v_j
    m = sp.hstack([*blocks, pairs], format="csr")
    n_y = m.shape[1]
    tolerance = STATIONARITY_TOL * max(1.0, float(np.abs(gradient).max(initial=0.0)))

    def residual(pair_bounds: list[_Bounds]) -> float:
        # variables (y, t): minimize t s.t. -t <= gradient + m y <= t
        ones = np.ones((n, 1))
        a_ub = sp.vstack([sp.hstack([m, -ones]), sp.hstack([-m, -ones])], format="csr")
        b_ub = np.concatenate([-gradient, gradient])
        bounds = [(lo_, None) for lo_ in signs] + pair_bounds + [(0, None)]
        cost = np.zeros(n_y + 1)
        cost[-1] = 1.0
        res = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        return float(res.fun) if res.status == 0 else np.inf

    def holds(cases: list[tuple[_Bounds, _Bounds]]) -> bool:
        for pattern in itertools.product(*([cases] * k)):
            u = [p[0] for p in pattern]
            v = [p[1] for p in pattern]
            if residual(u + v) <= tolerance:
                return True
        return False

    both_pos, u_zero, v_zero = (
        ((0, None), (0, None)),
        ((0, 0), (None, None)),
        ((None, None), (0, 0)),
    )
    if k <= MAX_BIACTIVE_M and holds([both_pos, u_zero, v_zero]):
        return "M"
    if holds([both_pos, ((None, 0), (None, 0))]):
        return "C"
    return "none"
