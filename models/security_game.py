"""Security game with several defenders, a quantal-response attacker and a reimbursing coordinator.

Wang, Xu, Perrault, Reiter, Tambe (AAAI 2022), experiments section, "Stackelberg security games
with multiple defenders" (code: ``ssg/main.py`` of github.com/guaguakai/equilibrium_gradient; this
factory follows its instance generator, utilities and defaults). Defender i patrols a random subset
S_i of ``patrol`` targets with effort x_it in [0, 1] and sum_t x_it = resources. Target t is
unprotected with probability v_t = prod_{i: t in S_i} (1 - x_it), and the attacker attacks it with
the quantal response

    q_t = exp(a_t - rationality * (1 - v_t)) / sum_u exp(a_u - rationality * (1 - v_u)),

a_t ~ N(0, 1) the target's attractiveness. Defender i loses D_it < 0 when t in S_i is attacked
unprotected (D_it = 0 for t outside S_i), and the coordinator reimburses pi_it >= 0 of it on the
targets t in R_i (below); defender i maximizes

    f_i(x) = sum_{t in R_i} q_t v_t (D_it + pi_it).

The coordinator maximizes the expected return sum_t q_t v_t P_t (P_t < 0 the target's penalty,
reward 0 when protected) subject to the paper's reimbursement budget
sum_i sum_{t in R_i} pi_it (1 - x_it) <= budget (``get_violation`` of the paper's code), x_it = 0
for t outside S_i.

R_i, the targets on which defender i is reimbursed, is S_i with ``reimburse="patrol"`` (the default:
only losses a defender can suffer) and all targets with ``reimburse="all"``, the leader's decision
space in the paper's code, whose ``payoffs`` tensor is defenders x targets and adjustable
everywhere. Off its patrol a defender loses nothing (D_it = 0) and cannot protect t, so pi_it there
pays i when the attacker hits t, which rewards i for deflecting attacks from its own targets, at
the full cost pi_it.
D_it and P_t are uniform on (-payoff_max, 0]. The defenders' game is not concave: several
equilibria can exist. Paper's setting: 5 defenders, 100 targets, 50 per patrol, 10 resources,
rationality 5, budgets 0.2..1.0.

v_t, the attacker's weights, their normalizer and each defender's expected loss
sum_{t in S_i} q_t v_t (D_it + pi_it) times the normalizer are named Pyomo ``Expression``
components: the symbolic KKT rows then refer to them instead of repeating them, and the NL writer
passes them to the ASL as shared defined variables. At the paper's size this makes compiling 40x and
evaluating the KKT system 30x faster than with inline expressions, and the MPEC reformulations lift
them into variables (:mod:`stackopt.backends.mpec_problem`), which keeps their Hessian sparse.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

import stackopt as so


def security_game(
    defenders: int = 5,
    targets: int = 100,
    budget: float = 1.0,
    seed: int = 0,
    patrol: int = 50,
    resources: float = 10.0,
    rationality: float = 5.0,
    payoff_max: float = 10.0,
    reimburse: str = "patrol",
) -> so.StackelbergGame:
    """Build the security game.

    Leader: ``reimbursement[i, t] >= 0`` for t in R_i (``reimburse``: "patrol", R_i = S_i, or
    "all").
    Followers ``F[i]`` (i = 0..defenders-1) with effort ``x[t]``, t in S_i. Instance data on the
    game: ``g.patrols`` (list of sorted target arrays S_i), ``g.defender_payoffs`` (defenders x
    targets, zero off the patrols), ``g.target_payoffs``, ``g.attractiveness``, and ``budget``,
    ``resources``, ``rationality``.
    """
    if defenders < 1:
        raise ValueError(f"defenders must be >= 1, got {defenders}")
    if not 1 <= patrol <= targets:
        raise ValueError(f"patrol must be in [1, targets={targets}], got {patrol}")
    if not 0 < resources <= patrol:
        raise ValueError(f"resources must be in (0, patrol={patrol}], got {resources}")
    if budget < 0:
        raise ValueError(f"budget must be >= 0, got {budget}")
    if rationality < 0:
        raise ValueError(f"rationality must be >= 0, got {rationality}")
    if payoff_max <= 0:
        raise ValueError(f"payoff_max must be > 0, got {payoff_max}")
    if reimburse not in ("patrol", "all"):
        raise ValueError(f'reimburse must be "patrol" or "all", got {reimburse!r}')

    rng = np.random.default_rng(seed)
    target_payoffs = -rng.uniform(0.0, payoff_max, size=targets)
    patrols = [np.sort(rng.choice(targets, size=patrol, replace=False)) for _ in range(defenders)]
    defender_payoffs = np.zeros((defenders, targets))
    for i, patrol_i in enumerate(patrols):
        defender_payoffs[i, patrol_i] = -rng.uniform(0.0, payoff_max, size=patrol)
    attractiveness = rng.standard_normal(targets)

    g = so.StackelbergGame(name=f"security_game_d{defenders}_t{targets}")
    g.patrols, g.defender_payoffs = patrols, defender_payoffs
    g.target_payoffs, g.attractiveness = target_payoffs, attractiveness
    g.budget, g.resources, g.rationality = budget, resources, rationality
    reimbursed = [
        [int(t) for t in patrol_i] if reimburse == "patrol" else list(range(targets))
        for patrol_i in patrols
    ]
    pairs = [(i, t) for i, targets_i in enumerate(reimbursed) for t in targets_i]
    g.reimbursement = pyo.Var(pairs, bounds=(0, None), initialize=0.0)
    g.F = so.Follower(range(defenders))
    for i in g.F:
        g.F[i].x = pyo.Var(
            [int(t) for t in patrols[i]], bounds=(0, 1), initialize=resources / patrol
        )
        g.F[i].resources = pyo.Constraint(expr=pyo.quicksum(g.F[i].x.values()) == resources)

    def unprotected_rule(g, t):
        guards = [g.F[i].x[t] for i in g.F if t in g.F[i].x]
        return pyo.prod(1 - x for x in guards) if guards else 1.0

    g.unprotected = pyo.Expression(range(targets), rule=unprotected_rule)
    g.weight = pyo.Expression(
        range(targets),
        rule=lambda g, t: pyo.exp(float(attractiveness[t]) - rationality * (1 - g.unprotected[t])),
    )
    g.normalizer = pyo.Expression(expr=pyo.quicksum(g.weight.values()))
    unprotected, weight, normalizer = g.unprotected, g.weight, g.normalizer

    for i in g.F:
        g.F[i].loss = pyo.Expression(
            expr=pyo.quicksum(
                weight[t] * unprotected[t] * (float(defender_payoffs[i, t]) + g.reimbursement[i, t])
                for t in reimbursed[i]
            )
        )
        g.F[i].utility = pyo.Objective(expr=g.F[i].loss / normalizer, sense=pyo.maximize)

    attacked = pyo.quicksum(
        weight[t] * unprotected[t] * float(target_payoffs[t]) for t in range(targets)
    )
    g.expected_return = pyo.Objective(expr=attacked / normalizer, sense=pyo.maximize)
    paid = pyo.quicksum(
        g.reimbursement[i, t] * (1 - g.F[i].x[t] if t in g.F[i].x else 1.0) for i, t in pairs
    )
    g.budget_limit = pyo.Constraint(expr=paid <= budget)
    return g
