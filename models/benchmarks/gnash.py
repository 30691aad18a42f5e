"""MacMPEC ``gnash1*``: a Cournot leader facing four Cournot-Nash followers (Facchinei, Jiang and
Qi, Mathematical Programming 85, 1999, problem 8; after Harker, Mathematical Programming 48, 1990).

Inverse demand p(Q) = 5000^(1/g) Q^(-1/g) with Q = x + y1 + ... + y4. The leader (firm 1) pays
c1 x + b1/(b1 + 1) K1^(-1/b1) x^((1 + b1)/b1) and maximizes x p(Q) minus that cost. Firm i + 1 best
responds with y_i in [0, L]. MacMPEC's stationarity rows (``gnash1.mod``, ``gnash1m.mod``) give
firm i + 1 the marginal cost c + K^(-1/b) y, i.e. the quadratic cost c y + K^(-1/b) y^2 / 2, which
is what is written here (its optimal values are those of that MPEC).
"""

from __future__ import annotations

import pyomo.environ as pyo

import stackopt as so

C = (10, 8, 6, 4, 2)
K = (5, 5, 5, 5, 5)
BETA = (1.2, 1.1, 1.0, 0.9, 0.8)
#: MacMPEC's ten data files gnash10.dat ... gnash19.dat: instance -> (L, gamma)
INSTANCES = {
    10: (150, 1.0),
    11: (150, 1.1),
    12: (150, 1.3),
    13: (150, 1.5),
    14: (150, 1.7),
    15: (50, 1.0),
    16: (40, 1.1),
    17: (30, 1.3),
    18: (25, 1.5),
    19: (20, 1.7),
}


def gnash(instance: int = 10, seed: int = 0) -> so.StackelbergGame:
    """Build MacMPEC ``gnash{instance}`` (10 ... 19); leader ``x``, followers ``F[1..4].y``
    (``seed`` is accepted, unused)."""
    if instance not in INSTANCES:
        raise so.OptionError(f"gnash instance {instance!r}: choose one of {sorted(INSTANCES)}")
    cap, gamma = INSTANCES[instance]
    scale = 5000 ** (1 / gamma)
    g = so.StackelbergGame(name=f"gnash{instance}")
    g.x = pyo.Var(bounds=(0, cap), initialize=min(75.0, cap))
    g.F = so.Follower([1, 2, 3, 4])
    for i in range(1, 5):
        g.F[i].y = pyo.Var(bounds=(0, cap), initialize=0.0)
    total = g.x + sum(g.F[i].y for i in range(1, 5))
    price = scale * total ** (-1 / gamma)
    for i in range(1, 5):
        y, c, k, b = g.F[i].y, C[i], K[i], BETA[i]
        g.F[i].cost = pyo.Objective(expr=c * y + 0.5 * k ** (-1 / b) * y**2 - y * price)
    c, k, b = C[0], K[0], BETA[0]
    cost = c * g.x + b / (b + 1) * k ** (-1 / b) * g.x ** ((1 + b) / b)
    g.cost = pyo.Objective(expr=cost - g.x * price)
    return g
