"""The vertex bound on the multipliers of several linear followers (big_m_bounds._vertex_bounds):
each follower's multiplier set alone, checked against enumeration and HiGHS' follower duals."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from scipy.optimize import linprog

import stackopt as so

#: the leader's integer x in [0, X_MAX]; each follower has 3 Vars in [0, 9] and 4 rows
X_MAX, N_Y, N_ROWS, Y_MAX = 20, 3, 4, 9.0


def followers(count: int, seed: int = 7) -> tuple[float, list[dict[str, np.ndarray]]]:
    """The leader's cost c of x, and per follower its cost d, rows A y <= b + B x and the
    leader's cost e of its y (random integers)."""
    rng = np.random.default_rng(seed)
    data = []
    for _ in range(count):
        d = rng.integers(-4, 5, N_Y).astype(float)
        a = rng.integers(-3, 4, (N_ROWS, N_Y)).astype(float)
        b = rng.integers(0, 10, N_ROWS).astype(float)
        bx = rng.integers(-2, 3, N_ROWS).astype(float)
        data.append({"d": d, "A": a, "b": b, "B": bx, "e": rng.integers(-4, 5, N_Y).astype(float)})
    return float(rng.integers(-3, 4)), data


def game(c: float, data: list[dict[str, np.ndarray]]) -> so.StackelbergGame:
    """min c x + sum_i e_i . y_i over integer x in [0, X_MAX]; follower i: min d_i . y_i s.t.
    A_i y_i <= b_i + B_i x, y_i in [0, 9]^3. No shared row: each follower's stationarity rows
    hold its own multipliers only."""
    g = so.StackelbergGame()
    g.x = pyo.Var(within=pyo.Integers, bounds=(0, X_MAX), initialize=0)
    g.F = so.Follower(range(len(data)))
    for i, f in enumerate(data):
        blk = g.F[i]
        blk.y = pyo.Var(range(N_Y), bounds=(0, Y_MAX), initialize=0)
        blk.o = pyo.Objective(expr=sum(float(f["d"][q]) * blk.y[q] for q in range(N_Y)))
        blk.c = pyo.Constraint(
            range(N_ROWS),
            rule=lambda _, r, f=f, blk=blk: (
                sum(float(f["A"][r, q]) * blk.y[q] for q in range(N_Y))
                <= float(f["b"][r]) + float(f["B"][r]) * g.x
            ),
        )
    g.o = pyo.Objective(
        expr=c * g.x
        + sum(float(f["e"][q]) * g.F[i].y[q] for i, f in enumerate(data) for q in range(N_Y))
    )
    return g


def enumerate_truth(c: float, data: list[dict[str, np.ndarray]]):
    """The optimistic optimum by enumeration of x (one LP per follower for its value, one for the
    leader's best among its optimal responses), and HiGHS' multipliers of each follower's LP at
    every x where it has a solution (a vertex of its multiplier set, which does not depend on x:
    stationarity d_i + A_i^T lam_c - lam_lb + lam_ub = 0), by pair name."""
    best, duals = np.inf, []
    for x in range(X_MAX + 1):
        total = c * x
        for i, f in enumerate(data):
            rhs = f["b"] + f["B"] * x
            own = linprog(f["d"], A_ub=f["A"], b_ub=rhs, bounds=(0, Y_MAX), method="highs")
            if own.status != 0:
                total = np.inf
                continue
            found = {f"F[{i}].c[{r}][upper]": -own.ineqlin.marginals[r] for r in range(N_ROWS)}
            for q in range(N_Y):
                found[f"F[{i}].y[{q}][lb]"] = own.lower.marginals[q]
                found[f"F[{i}].y[{q}][ub]"] = -own.upper.marginals[q]
            duals.append(found)
            a_ub = np.vstack([f["A"], f["d"]])
            b_ub = np.append(rhs, own.fun + 1e-9 * (1 + abs(own.fun)))
            lead = linprog(f["e"], A_ub=a_ub, b_ub=b_ub, bounds=(0, Y_MAX), method="highs")
            total += lead.fun
        best = min(best, total)
    return best, duals


@pytest.mark.parametrize("count", [2, 4])
def test_vertex_bound_per_follower_gives_valid_big_m(count):
    c, data = followers(count)
    truth, duals = enumerate_truth(c, data)
    res = so.solve(game(c, data), method="mpec", strategy="bigm")
    table = res.info["big_m"]
    assert len(table) == count * (N_ROWS + 2 * N_Y)
    assert {row["dual_from"] for row in table.values()} <= {"vertex", "fbbt", "lp"}
    assert res.leader_objective == pytest.approx(truth, abs=1e-6)
    exact = so.solve(game(c, data), method="mpec", strategy="sos1")
    assert exact.leader_objective == pytest.approx(truth, abs=1e-6)
    assert len(duals) > 2 * count  # each follower at several x
    for found in duals:
        for name, lam in found.items():
            assert lam <= table[name]["dual"] + 1e-9, name


def test_a_shared_constraint_joins_the_followers_multiplier_sets():
    """F0 max y0, F1 max y1, y in [0, 3], shared y0 + y1 <= x, integer x in [0, 5]; the leader
    minimizes x / 2 - y1 + 0.8 y0. Optimistic responses y1 = min(x, 3), y0 = min(x, 6) - y1:
    x = 0..5 give 0, -0.5, -1, -1.5, -0.2, 0.5, so the optimum is -1.5 at x = 3."""
    g = so.StackelbergGame()
    g.x = pyo.Var(within=pyo.Integers, bounds=(0, 5), initialize=0)
    g.F = so.Follower([0, 1])
    for i in (0, 1):
        g.F[i].y = pyo.Var(bounds=(0, 3))
        g.F[i].o = pyo.Objective(expr=g.F[i].y, sense=pyo.maximize)
    g.cap = so.SharedConstraint(expr=g.F[0].y + g.F[1].y <= g.x)
    g.o = pyo.Objective(expr=0.5 * g.x - g.F[1].y + 0.8 * g.F[0].y)
    res = so.solve(g, method="mpec", strategy="bigm")
    assert res.info["big_m"]["cap[upper]"]["dual_from"] == "vertex"
    assert res.leader_objective == pytest.approx(-1.5, abs=1e-6)
