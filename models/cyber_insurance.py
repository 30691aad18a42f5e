"""Cyber insurance with interdependent agents and an insurer setting premiums and compensations.

Wang, Xu, Perrault, Reiter, Tambe (AAAI 2022), experiments section, "Cyber insurance games"
(code: ``cyber/main.py`` of github.com/guaguakai/equilibrium_gradient; this factory follows its
parameter generator and utility). Agent i chooses protection effort x_i >= 0 at unit cost c_i and
is attacked with probability

    q_i = sigmoid(-sum_j W_ij x_j + loss_weight * L_i),

W_ij ~ U[0, 1) plus 1 on the diagonal, loss L_i ~ U[50, 100), cost c_i ~ U[5, 10). The insurer
offers compensation I_i in [0, L_i] for a premium rho_i >= 0; agent i maximizes the mean-risk
utility of the paper's code

    f_i(x) = -(L_i - I_i) q_i - c_i x_i - rho_i - risk_aversion (L_i - I_i) sqrt(q_i (1 - q_i)).

The insurer maximizes sum_i (rho_i - I_i q_i) subject to individual rationality at the equilibrium:
insured is no worse than uninsured at the same efforts, f_i >= -L_i q_i - c_i x_i - risk_aversion
L_i sqrt(q_i (1 - q_i)), that is I_i q_i - rho_i + risk_aversion I_i sqrt(q_i (1 - q_i)) >= 0.
With z_i = sum_j W_ij x_j - loss_weight L_i, q_i = 1 / (1 + e^z_i) and
sqrt(q_i (1 - q_i)) = e^(z_i / 2) / (1 + e^z_i), smooth for all x. Bounding I_i <= L_i keeps
|L_i - I_i| = L_i - I_i differentiable. Paper's setting: 10 agents, risk aversion 0.1.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

import stackopt as so


def cyber_insurance(
    agents: int = 10,
    risk_aversion: float = 0.1,
    seed: int = 0,
    loss_weight: float = 0.01,
) -> so.StackelbergGame:
    """Build the cyber insurance game.

    Leader: ``compensation[i]`` in [0, L_i] and ``premium[i] >= 0``. Followers ``F[i]`` with effort
    ``x >= 0``. Top-level constraints ``rational[i]``: individual rationality at equilibrium.
    Instance data on the game: ``g.interdependence`` (W), ``g.losses`` (L), ``g.costs`` (c), and
    ``risk_aversion``, ``loss_weight``.
    """
    if agents < 1:
        raise ValueError(f"agents must be >= 1, got {agents}")
    if risk_aversion < 0:
        raise ValueError(f"risk_aversion must be >= 0, got {risk_aversion}")
    if loss_weight < 0:
        raise ValueError(f"loss_weight must be >= 0, got {loss_weight}")

    rng = np.random.default_rng(seed)
    interdependence = rng.uniform(0.0, 1.0, size=(agents, agents)) + np.eye(agents)
    losses = rng.uniform(50.0, 100.0, size=agents)
    costs = rng.uniform(5.0, 10.0, size=agents)

    g = so.StackelbergGame(name=f"cyber_insurance_n{agents}")
    g.interdependence, g.losses, g.costs = interdependence, losses, costs
    g.risk_aversion, g.loss_weight = risk_aversion, loss_weight
    g.compensation = pyo.Var(
        range(agents), bounds=lambda _, i: (0.0, float(losses[i])), initialize=0.0
    )
    g.premium = pyo.Var(range(agents), bounds=(0, None), initialize=0.0)
    g.F = so.Follower(range(agents))
    for i in g.F:
        g.F[i].x = pyo.Var(bounds=(0, None), initialize=0.0)

    attack, spread = {}, {}
    for i in g.F:
        z = pyo.quicksum(float(interdependence[i, j]) * g.F[j].x for j in g.F)
        z = z - loss_weight * float(losses[i])
        attack[i] = 1 / (1 + pyo.exp(z))
        spread[i] = pyo.exp(0.5 * z) / (1 + pyo.exp(z))

    for i in g.F:
        uncovered = float(losses[i]) - g.compensation[i]
        g.F[i].utility = pyo.Objective(
            expr=-uncovered * attack[i]
            - float(costs[i]) * g.F[i].x
            - g.premium[i]
            - risk_aversion * uncovered * spread[i],
            sense=pyo.maximize,
        )

    g.profit = pyo.Objective(
        expr=pyo.quicksum(g.premium[i] - g.compensation[i] * attack[i] for i in g.F),
        sense=pyo.maximize,
    )
    g.rational = pyo.Constraint(
        range(agents),
        rule=lambda _, i: (
            g.compensation[i] * attack[i]
            - g.premium[i]
            + risk_aversion * g.compensation[i] * spread[i]
            >= 0
        ),
    )
    return g
