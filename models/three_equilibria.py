"""A game in which optimistic and pessimistic reformulations both lose to the stochastic truth.

Wang, Xu, Perrault, Reiter, Tambe (AAAI 2022), Theorem 1: with multiple equilibria selected at
random, the optimistic and the pessimistic reformulation can both be arbitrarily worse than the
optimal leader strategy under the actual (stochastic) selection. This is a construction with that
property, not the paper's exact payoff table. The leader commits to a mixed strategy p over 3 pure
strategies (sum_l p_l = 1). Two followers play the 3x3 coordination game, mixed strategies y_1, y_2
on the simplex, each maximizing

    f_i(y) = sum_k y_1k y_2k.

Its pure Nash equilibria are (k, k), k = 0, 1, 2, strict and isolated, for every p: deviating from k
to any mix lowers f_i from 1 to y_ik < 1. (The game also has the four mixed equilibria uniform on a
support of 2 or 3 actions; they are unstable under best-response dynamics and are not selected.)
Nature selects one of the three pure equilibria uniformly at random. The leader's objective is

    F(p, y) = sum_l p_l sum_k R_lk y_1k y_2k,   R = [[C, -C, -C], [0, 0, 0], [C - 1, C - 1, -1]],

so equilibrium k gives F = sum_l p_l R_lk and the expected objective under uniform selection is

    E(p) = (1/3) sum_k sum_l p_l R_lk = -C/3 p_0 + 0 p_1 + (2C - 3)/3 p_2.

For C > 3/2: the optimistic reformulation (max over equilibria) picks p = e_0, believes C and gets
E = -C/3; the pessimistic one (min over equilibria) picks p = e_1 and gets 0; the optimum of E is
p = e_2 with (2C - 3)/3. Both reformulations lose by C - 1 and (2C - 3)/3, unbounded in C.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

import stackopt as so


def three_equilibria(C: float = 10.0, seed: int = 0) -> so.StackelbergGame:
    """Build the game: leader ``p``, followers ``F[0]``, ``F[1]`` with ``y`` (``seed`` is unused).

    The followers start at the uniform (fully mixed, unstable) equilibrium; which pure equilibrium
    is reached is up to the equilibrium oracle. ``g.leader_payoffs`` holds R.
    """
    if C <= 1.5:
        raise ValueError(f"C must be > 1.5 for the three selection rules to differ, got {C}")
    payoffs = np.array([[C, -C, -C], [0.0, 0.0, 0.0], [C - 1.0, C - 1.0, -1.0]])

    g = so.StackelbergGame(name="three_equilibria")
    g.leader_payoffs = payoffs
    g.p = pyo.Var(range(3), bounds=(0, 1), initialize=1.0 / 3)
    g.mixed = pyo.Constraint(expr=pyo.quicksum(g.p.values()) == 1)
    g.F = so.Follower(range(2))
    for i in g.F:
        g.F[i].y = pyo.Var(range(3), bounds=(0, 1), initialize=1.0 / 3)
        g.F[i].simplex = pyo.Constraint(expr=pyo.quicksum(g.F[i].y.values()) == 1)
    meet = [g.F[0].y[k] * g.F[1].y[k] for k in range(3)]
    for i in g.F:
        g.F[i].coordination = pyo.Objective(expr=pyo.quicksum(meet), sense=pyo.maximize)
    g.utility = pyo.Objective(
        expr=pyo.quicksum(
            g.p[s] * float(payoffs[s, k]) * meet[k] for s in range(3) for k in range(3)
        ),
        sense=pyo.maximize,
    )
    return g
