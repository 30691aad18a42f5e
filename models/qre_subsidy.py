"""Normal-form game with quantal-response followers and a subsidizing leader.

Wang, Xu, Perrault, Reiter, Tambe (AAAI 2022), "Coordinating followers to reach better equilibria",
experiments section, "Normal-form games with quantal response" (code: ``qre/main.py`` of
github.com/guaguakai/equilibrium_gradient). Follower i plays a mixed strategy x_i on the simplex and
maximizes, for the leader's subsidies s_i(a) >= 0 per joint action a,

    f_i(x) = E_{a ~ x}[P_i(a) + s_i(a)] - entropy * sum_k x_ik log x_ik,

so the followers' equilibrium is the quantal response equilibrium x_i = softmax(grad_i / entropy).
The leader maximizes the social welfare without subsidies, sum_i E_{a ~ x}[P_i(a)], subject to the
expected subsidy paid at equilibrium, sum_i E_{a ~ x}[s_i(a)], being at most the budget. Payoffs
P_i(a) are uniform on [0, payoff_max); the paper's setting is n = 3, actions = 10, payoff_max = 10,
entropy = 1, budgets 1..5.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import pyomo.environ as pyo

import stackopt as so


def _expectation(
    value: Callable[[tuple[int, ...]], object], strategies: Sequence, m: int, first: int = 0
):
    """E_{a ~ x}[value(a)] for independent mixed strategies, as a nested sum.

    sum_{a_f} x_f[a_f] sum_{a_2} x_2[a_2] ... sum_{a_n} x_n[a_n] value(a), with player f = ``first``
    outermost and the others in order: m^n leaf terms but only one product per node, instead of n
    products per joint action. The derivative in x_f[k] is then a nested sum too (the subtree of
    a_f = k), whereas in an inner player's x it is a flat sum of m^(n-1) products of n - 1 factors,
    about 1.7 times the expression nodes for the AMPL evaluator to run through.
    """
    order = [first] + [j for j in range(len(strategies)) if j != first]

    def nest(prefix: tuple[int, ...]) -> object:
        x = strategies[order[len(prefix)]]
        if len(prefix) == len(order) - 1:
            return pyo.quicksum(value(_joint((*prefix, a), order)) * x[a] for a in range(m))
        return pyo.quicksum(x[a] * nest((*prefix, a)) for a in range(m))

    return nest(())


def _joint(actions: tuple[int, ...], order: list[int]) -> tuple[int, ...]:
    """The joint action whose player ``order[k]`` plays ``actions[k]``."""
    joint = [0] * len(order)
    for player, action in zip(order, actions):
        joint[player] = action
    return tuple(joint)


def qre_subsidy(
    n: int = 3,
    actions: int = 10,
    budget: float = 1.0,
    seed: int = 0,
    entropy: float = 1.0,
    payoff_max: float = 10.0,
) -> so.StackelbergGame:
    """Build the QRE subsidy game.

    Leader: ``subsidy[i, a_1, ..., a_n] >= 0``. Followers ``F[i]`` (i = 0..n-1) with mixed strategy
    ``x[k]``, k = 0..actions-1. The payoff tensors are kept on the game as ``g.payoffs`` (shape
    ``(n, actions, ..., actions)``), and ``budget``, ``entropy`` as attributes of the same name.
    """
    if n < 1:
        raise ValueError(f"n (number of followers) must be >= 1, got {n}")
    if actions < 2:
        raise ValueError(f"actions must be >= 2, got {actions}")
    if budget < 0:
        raise ValueError(f"budget must be >= 0, got {budget}")
    if entropy <= 0:
        raise ValueError(f"entropy must be > 0, got {entropy}")
    if payoff_max <= 0:
        raise ValueError(f"payoff_max must be > 0, got {payoff_max}")

    rng = np.random.default_rng(seed)
    payoffs = rng.uniform(0.0, payoff_max, size=(n,) + (actions,) * n)

    g = so.StackelbergGame(name=f"qre_subsidy_n{n}_m{actions}")
    g.payoffs, g.budget, g.entropy = payoffs, budget, entropy
    joint = list(itertools.product(range(actions), repeat=n))
    g.subsidy = pyo.Var(range(n), joint, bounds=(0, None), initialize=0.0)
    g.F = so.Follower(range(n))
    for i in g.F:
        g.F[i].x = pyo.Var(range(actions), bounds=(0, 1), initialize=1.0 / actions)
        g.F[i].simplex = pyo.Constraint(expr=pyo.quicksum(g.F[i].x.values()) == 1)
    strategies = [g.F[i].x for i in range(n)]

    for i in g.F:

        def payoff(a: tuple[int, ...], i: int = i) -> object:
            """Follower i's payoff at joint action a, with its subsidy."""
            return float(payoffs[i][a]) + g.subsidy[(i,) + a]

        # x_i outermost: its stationarity rows are nested sums
        utility = _expectation(payoff, strategies, actions, first=i)
        penalty = pyo.quicksum(x * pyo.log(x) for x in g.F[i].x.values())
        g.F[i].utility = pyo.Objective(expr=utility - entropy * penalty, sense=pyo.maximize)

    welfare = payoffs.sum(axis=0)
    g.welfare = pyo.Objective(
        expr=_expectation(lambda a: float(welfare[a]), strategies, actions), sense=pyo.maximize
    )
    paid = _expectation(
        lambda a: pyo.quicksum(g.subsidy[(i,) + a] for i in range(n)), strategies, actions
    )
    g.budget_limit = pyo.Constraint(expr=paid <= budget)
    return g
