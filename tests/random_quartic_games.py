"""Random games whose two followers each minimize a random quartic in one Var on [-1, 1], coupled
through the leader's x and the other follower's y: nonconvex followers with up to two local best
responses, and an independent brute-force Nash gap (a grid of 200,001 points) to check them by."""

import numpy as np
import pyomo.environ as pyo

import stackopt as so

GRID = np.linspace(-1, 1, 200001)


def random_quartic_game(seed: int) -> tuple[so.StackelbergGame, np.ndarray]:
    """The game and its followers' coefficients (a, b, c, d, e): f_i = a y^4 + b y^3 + c y^2 +
    (d x + e y_other) y."""
    rng = np.random.default_rng(seed)
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-1, 1), initialize=float(rng.uniform(-1, 1)))
    g.F = so.Follower(range(2))
    coef = rng.normal(size=(2, 5))
    for i in range(2):
        g.F[i].y = pyo.Var(bounds=(-1, 1), initialize=float(rng.uniform(-1, 1)))
    for i in range(2):
        a, b, c, d, e = coef[i]
        y, other = g.F[i].y, g.F[1 - i].y
        g.F[i].cost = pyo.Objective(expr=a * y**4 + b * y**3 + c * y**2 + (d * g.x + e * other) * y)
    p, q0, q1 = rng.normal(size=3)
    g.obj = pyo.Objective(expr=(g.x - p) ** 2 + q0 * g.F[0].y + q1 * g.F[1].y)
    return g, coef


def brute_force_gap(coef: np.ndarray, result: so.Result) -> float:
    """max_i f_i(y_i) - min over the grid of f_i(., y_other): the Nash gap, independently."""
    x = result.leader["x"]
    y = [result.followers[f"F[{i}]"]["y"] for i in range(2)]
    gaps = []
    for i in range(2):
        a, b, c, d, e = coef[i]

        def f(t, a=a, b=b, c=c, d=d, e=e, i=i):
            return a * t**4 + b * t**3 + c * t**2 + (d * x + e * y[1 - i]) * t

        gaps.append(f(y[i]) - f(GRID).min())
    return float(max(gaps))
