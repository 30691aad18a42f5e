"""The paper's game library: seeding, shapes and bounds, and equilibria checked through Pyomo.

Each equilibrium is computed independently in numpy/scipy from the instance data, then the game's
own Pyomo objectives are differentiated there (first-order optimality of every follower) or
evaluated at unilateral deviations.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.core.expr.calculus.derivatives import Modes, differentiate
from scipy.optimize import minimize, minimize_scalar

import stackopt as so
from stackopt.models import cyber_insurance, qre_subsidy, security_game, three_equilibria


def own_gradient(objective: pyo.Objective, variables: list) -> np.ndarray:
    """d objective / d variables at the variables' current values, by Pyomo's differentiation."""
    return np.array(differentiate(objective.expr, wrt_list=variables, mode=Modes.reverse_numeric))


# ----------------------------------------------------------------------------- seeding, sizes


@pytest.mark.parametrize(
    ("factory", "data"),
    [
        (qre_subsidy, ["payoffs"]),
        (security_game, ["defender_payoffs", "target_payoffs", "attractiveness"]),
        (cyber_insurance, ["interdependence", "losses", "costs"]),
    ],
)
def test_same_seed_same_instance_and_other_seed_other_instance(factory, data):
    first, again, other = factory(seed=3), factory(seed=3), factory(seed=4)
    for name in data:
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
        assert not np.allclose(getattr(first, name), getattr(other, name))


def test_library_exports_the_paper_games():
    for name in ["qre_subsidy", "security_game", "cyber_insurance", "three_equilibria"]:
        assert isinstance(getattr(so.models, name)(), so.StackelbergGame)


def test_qre_subsidy_sizes_bounds_and_build_time():
    start = time.perf_counter()
    g = qre_subsidy(n=3, actions=10, seed=0)
    assert time.perf_counter() - start < 1.0
    assert g.payoffs.shape == (3, 10, 10, 10)
    assert 0 <= g.payoffs.min() and g.payoffs.max() < 10
    assert len(g.subsidy) == 3 * 10**3
    assert all(v.lb == 0 and v.ub is None for v in g.subsidy.values())
    assert [len(f.x) for f in g.followers()] == [10, 10, 10]
    assert all(x.bounds == (0, 1) and x.value == pytest.approx(0.1) for x in g.F[1].x.values())


def test_security_game_sizes_and_bounds():
    g = security_game(defenders=5, targets=100, patrol=50, seed=1)
    assert [len(f.x) for f in g.followers()] == [50] * 5
    assert len(g.reimbursement) == 250
    for i, patrol in enumerate(g.patrols):
        assert len(set(patrol)) == 50
        assert (g.defender_payoffs[i, patrol] <= 0).all()
        assert np.count_nonzero(g.defender_payoffs[i]) == 50
        assert pyo.value(g.F[i].resources.body) == pytest.approx(10.0)
    assert (-10 < g.target_payoffs).all() and (g.target_payoffs <= 0).all()


def test_cyber_insurance_sizes_and_bounds():
    g = cyber_insurance(agents=6, seed=2)
    assert g.interdependence.shape == (6, 6)
    off_diagonal = g.interdependence[~np.eye(6, dtype=bool)]
    assert (0 <= off_diagonal).all() and (off_diagonal < 1).all()
    assert (1 <= np.diag(g.interdependence)).all() and (np.diag(g.interdependence) < 2).all()
    assert (50 <= g.losses).all() and (g.losses < 100).all()
    assert (5 <= g.costs).all() and (g.costs < 10).all()
    assert [g.compensation[i].bounds for i in range(6)] == [(0, g.losses[i]) for i in range(6)]
    assert len(g.rational) == 6


@pytest.mark.parametrize(
    ("factory", "kwargs", "name"),
    [
        (qre_subsidy, {"n": 0}, "n"),
        (qre_subsidy, {"actions": 1}, "actions"),
        (qre_subsidy, {"budget": -1.0}, "budget"),
        (qre_subsidy, {"entropy": 0.0}, "entropy"),
        (qre_subsidy, {"payoff_max": 0.0}, "payoff_max"),
        (security_game, {"defenders": 0}, "defenders"),
        (security_game, {"targets": 10, "patrol": 11}, "patrol"),
        (security_game, {"targets": 10, "patrol": 5, "resources": 6.0}, "resources"),
        (security_game, {"budget": -0.1}, "budget"),
        (security_game, {"rationality": -1.0}, "rationality"),
        (security_game, {"payoff_max": -1.0}, "payoff_max"),
        (security_game, {"reimburse": "patrols"}, "reimburse"),
        (cyber_insurance, {"agents": 0}, "agents"),
        (cyber_insurance, {"risk_aversion": -0.5}, "risk_aversion"),
        (cyber_insurance, {"loss_weight": -1.0}, "loss_weight"),
        (three_equilibria, {"C": 1.5}, "C"),
    ],
)
def test_bad_parameters_are_named(factory, kwargs, name):
    with pytest.raises(ValueError, match=f"^{name} "):
        factory(**kwargs)


# ----------------------------------------------------------------------------- QRE subsidy


def expected_payoff_gradient(tensor: np.ndarray, strategies: list, i: int) -> np.ndarray:
    """E_{a_-i ~ x_-i}[tensor(a_i, a_-i)] as a vector over a_i."""
    moved = np.moveaxis(tensor, i, 0)
    for x in [s for j, s in enumerate(strategies) if j != i][::-1]:
        moved = moved @ x
    return moved


def quantal_response_equilibrium(tensors: np.ndarray, entropy: float) -> list:
    """x_i = softmax(E[tensor_i] / entropy) for all i, by damped fixed-point iteration."""
    n, m = tensors.shape[0], tensors.shape[1]
    strategies = [np.full(m, 1.0 / m) for _ in range(n)]
    for _ in range(10_000):
        change = 0.0
        for i in range(n):
            z = expected_payoff_gradient(tensors[i], strategies, i) / entropy
            response = np.exp(z - z.max())
            new = 0.5 * strategies[i] + 0.5 * response / response.sum()
            change = max(change, np.abs(new - strategies[i]).max())
            strategies[i] = new
        if change < 1e-15:
            return strategies
    raise AssertionError("the QRE iteration did not converge")


@pytest.mark.parametrize("subsidized", [False, True])
def test_qre_is_a_first_order_equilibrium_of_the_followers(subsidized):
    g = qre_subsidy(n=3, actions=10, seed=5, entropy=1.0)
    rng = np.random.default_rng(11)
    subsidy = rng.uniform(0, 2, size=g.payoffs.shape) if subsidized else np.zeros(g.payoffs.shape)
    for index in g.subsidy:
        g.subsidy[index].value = subsidy[index]
    followers = [list(f.x.values()) for f in g.followers()]
    stationarity = []
    for qre_of in [g.payoffs, g.payoffs + subsidy]:
        strategies = quantal_response_equilibrium(qre_of, g.entropy)
        for x, values in zip(followers, strategies, strict=True):
            for var, value in zip(x, values, strict=True):
                var.value = value
        gradients = [
            own_gradient(f.utility, x) for f, x in zip(g.followers(), followers, strict=True)
        ]
        stationarity.append(max(np.ptp(grad) for grad in gradients))
    # On the simplex interior, stationarity means equal partial derivatives for all actions; only
    # the QRE of the game with the subsidies actually set is one.
    assert stationarity[1] < 1e-9
    assert (stationarity[0] < 1e-9) == (not subsidized)


def test_qre_utilities_leader_objective_and_budget_are_the_expectations():
    g = qre_subsidy(n=3, actions=4, seed=2)
    rng = np.random.default_rng(0)
    strategies = [rng.dirichlet(np.ones(4)) for _ in range(3)]
    subsidy = rng.uniform(0, 1, size=g.payoffs.shape)
    for f, x in zip(g.followers(), strategies, strict=True):
        for k, value in enumerate(x):
            f.x[k].value = value
    for index in g.subsidy:
        g.subsidy[index].value = subsidy[index]
    joint = np.einsum("a,b,c->abc", *strategies)
    assert pyo.value(g.welfare) == pytest.approx((g.payoffs.sum(axis=0) * joint).sum(), rel=1e-12)
    assert pyo.value(g.budget_limit.body) == pytest.approx((subsidy.sum(0) * joint).sum(), 1e-12)
    assert g.budget_limit.upper == g.budget == 1.0
    # each follower's utility nests its own strategy outermost (models/qre_subsidy.py)
    for i, (f, x) in enumerate(zip(g.followers(), strategies, strict=True)):
        expected = ((g.payoffs[i] + subsidy[i]) * joint).sum() - g.entropy * (x * np.log(x)).sum()
        assert pyo.value(f.utility) == pytest.approx(expected, rel=1e-12)


# ----------------------------------------------------------------------------- security game


def defender_utility(g, efforts: list, reimbursement: np.ndarray, i: int) -> float:
    """f_i computed in numpy from the instance data (docstring of security_game)."""
    unprotected = np.ones(len(g.target_payoffs))
    for patrol, x in zip(g.patrols, efforts, strict=True):
        unprotected[patrol] *= 1 - x
    weight = np.exp(g.attractiveness - g.rationality * (1 - unprotected))
    attack = weight / weight.sum()
    patrol = g.patrols[i]
    return attack[patrol] @ (
        unprotected[patrol] * (g.defender_payoffs[i, patrol] + reimbursement[i])
    )


def test_security_game_equilibrium_satisfies_every_defenders_kkt_conditions():
    g = security_game(defenders=2, targets=6, patrol=4, resources=1.5, seed=7)
    rng = np.random.default_rng(1)
    reimbursement = rng.uniform(0, 2, size=(2, 4))
    for i, patrol in enumerate(g.patrols):
        for t, value in zip(patrol, reimbursement[i], strict=True):
            g.reimbursement[i, int(t)].value = value
    efforts = [np.full(4, 1.5 / 4) for _ in range(2)]
    for _ in range(200):  # Gauss-Seidel best responses
        previous = [x.copy() for x in efforts]
        for i in range(2):

            def loss(x, i=i):
                trial = [x if j == i else efforts[j] for j in range(2)]
                return -defender_utility(g, trial, reimbursement, i)

            efforts[i] = minimize(
                loss,
                efforts[i],
                method="SLSQP",
                bounds=[(0, 1)] * 4,
                constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1.5}],
                options={"ftol": 1e-15, "maxiter": 500},
            ).x
        if max(np.abs(x - y).max() for x, y in zip(efforts, previous, strict=True)) < 1e-12:
            break
    for f, x in zip(g.followers(), efforts, strict=True):
        for var, value in zip(f.x.values(), x, strict=True):
            var.value = min(max(value, 0.0), 1.0)
    for f in g.followers():
        x = np.array([v.value for v in f.x.values()])
        grad = own_gradient(f.utility, list(f.x.values()))
        free = (x > 1e-7) & (x < 1 - 1e-7)
        assert free.any()
        nu = grad[free].mean()  # multiplier of sum_t x_t = resources
        assert np.abs(grad[free] - nu).max() < 1e-5
        assert (grad[x <= 1e-7] <= nu + 1e-5).all() and (grad[x >= 1 - 1e-7] >= nu - 1e-5).all()
        assert pyo.value(f.utility) == pytest.approx(
            defender_utility(g, efforts, reimbursement, f.index()), rel=1e-9
        )
    paid = sum(reimbursement[i] @ (1 - efforts[i]) for i in range(2))
    assert pyo.value(g.budget_limit.body) == pytest.approx(paid, rel=1e-9)


def test_security_game_leader_objective_is_the_expected_return():
    g = security_game(defenders=3, targets=8, patrol=5, resources=2.0, seed=4)
    rng = np.random.default_rng(3)
    unprotected = np.ones(8)
    for f, patrol in zip(g.followers(), g.patrols, strict=True):
        x = rng.uniform(0, 1, size=5)
        unprotected[patrol] *= 1 - x
        for var, value in zip(f.x.values(), x, strict=True):
            var.value = value
    weight = np.exp(g.attractiveness - 5.0 * (1 - unprotected))
    expected = (weight * unprotected * g.target_payoffs).sum() / weight.sum()
    assert pyo.value(g.expected_return) == pytest.approx(expected, rel=1e-12)


def test_security_game_reimbursing_every_target_is_the_papers_leader():
    """reimburse="all": pi_it on every target, paid in full off the patrol (x_it = 0 there)."""
    g = security_game(defenders=2, targets=6, patrol=4, resources=1.5, seed=7, reimburse="all")
    assert len(g.reimbursement) == 12
    rng = np.random.default_rng(5)
    pi = rng.uniform(0, 2, size=(2, 6))
    cover = np.zeros((2, 6))
    for i, (f, patrol) in enumerate(zip(g.followers(), g.patrols, strict=True)):
        cover[i, patrol] = rng.uniform(0, 1, size=4)
        for var, value in zip(f.x.values(), cover[i, patrol], strict=True):
            var.value = value
        for t in range(6):
            g.reimbursement[i, t].value = pi[i, t]
    unprotected = np.prod(1 - cover, axis=0)
    weight = np.exp(g.attractiveness - g.rationality * (1 - unprotected))
    attack = weight / weight.sum()
    for i, f in enumerate(g.followers()):
        utility = attack @ (unprotected * (g.defender_payoffs[i] + pi[i]))
        assert pyo.value(f.utility) == pytest.approx(utility, rel=1e-12)
    assert pyo.value(g.budget_limit.body) == pytest.approx((pi * (1 - cover)).sum(), rel=1e-12)


# ----------------------------------------------------------------------------- cyber insurance


def cyber_terms(g, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(q, sqrt(q (1 - q))) in numpy from the instance data."""
    q = 1 / (1 + np.exp(g.interdependence @ x - g.loss_weight * g.losses))
    return q, np.sqrt(q * (1 - q))


def test_cyber_insurance_equilibrium_satisfies_every_agents_kkt_conditions():
    g = cyber_insurance(agents=4, risk_aversion=0.5, seed=9)
    rng = np.random.default_rng(2)
    compensation = rng.uniform(0, 1, size=4) * g.losses
    premium = rng.uniform(0, 5, size=4)
    for i in range(4):
        g.compensation[i].value, g.premium[i].value = compensation[i], premium[i]

    def utility(x: np.ndarray, i: int) -> float:
        q, spread = cyber_terms(g, x)
        uncovered = g.losses[i] - compensation[i]
        return -uncovered * q[i] - g.costs[i] * x[i] - premium[i] - 0.5 * uncovered * spread[i]

    x = np.zeros(4)
    for _ in range(500):  # Gauss-Seidel best responses
        previous = x.copy()
        for i in range(4):
            best = minimize_scalar(
                lambda v, i=i: -utility(np.where(np.arange(4) == i, v, x), i),
                bounds=(0, 20),
                method="bounded",
                options={"xatol": 1e-13},
            )
            x[i] = best.x
        if np.abs(x - previous).max() < 1e-12:
            break
    for f, value in zip(g.followers(), x, strict=True):
        f.x.value = value
    assert (x > 0.1).sum() >= 2
    for f in g.followers():
        slope = own_gradient(f.utility, [f.x])[0]  # = 0 inside, <= 0 at the bound x = 0
        assert abs(slope) < 1e-6 if f.x.value > 1e-9 else slope < 1e-6
        assert pyo.value(f.utility) == pytest.approx(utility(x, f.index()), rel=1e-12)
    q, spread = cyber_terms(g, x)
    uninsured = -g.losses * q - g.costs * x - 0.5 * g.losses * spread
    insured = np.array([pyo.value(f.utility) for f in g.followers()])
    bodies = np.array([pyo.value(g.rational[i].body) for i in range(4)])
    np.testing.assert_allclose(bodies, insured - uninsured, rtol=1e-9, atol=1e-9)
    assert pyo.value(g.profit) == pytest.approx((premium - compensation * q).sum(), rel=1e-12)


# ----------------------------------------------------------------------------- Theorem 1 game


def set_profile(g, p: np.ndarray, y0: np.ndarray, y1: np.ndarray) -> None:
    for values, var in [(p, g.p), (y0, g.F[0].y), (y1, g.F[1].y)]:
        for k in range(3):
            var[k].value = values[k]


def deviation_gains(g, i: int) -> list[float]:
    """f_i(pure strategy k) - f_i(current) for k = 0, 1, 2, all evaluated through Pyomo."""
    y = g.F[i].y
    current = [y[k].value for k in range(3)]
    base = pyo.value(g.F[i].coordination)
    gains = []
    for pure in np.eye(3):
        for k in range(3):
            y[k].value = pure[k]
        gains.append(pyo.value(g.F[i].coordination) - base)
    for k in range(3):
        y[k].value = current[k]
    return gains


def test_three_pure_equilibria_are_strict_nash_points_and_others_are_not():
    g = three_equilibria(C=10.0)
    e = np.eye(3)
    for p, k in itertools.product([e[0], e[1], e[2], np.array([0.2, 0.3, 0.5])], range(3)):
        set_profile(g, p, e[k], e[k])
        # no gain from any deviation (f_i is linear in y_i, so pure ones suffice); strict: the
        # two other pure strategies lose 1
        assert sorted(deviation_gains(g, 0)) == sorted(deviation_gains(g, 1)) == [-1, -1, 0]
    set_profile(g, e[2], e[0], e[1])  # miscoordination: both followers gain by moving
    assert max(deviation_gains(g, 0)) == max(deviation_gains(g, 1)) == 1


@pytest.mark.parametrize("C", [2.0, 10.0, 100.0])
def test_expected_objective_closed_form_and_the_selection_rules(C):
    g = three_equilibria(C=C)
    e = np.eye(3)

    def outcomes(p):
        values = []
        for k in range(3):
            set_profile(g, p, e[k], e[k])
            values.append(pyo.value(g.utility))
        return np.array(values)

    rng = np.random.default_rng(0)
    for p in [*e, *rng.dirichlet(np.ones(3), size=5)]:
        closed_form = -C / 3 * p[0] + (2 * C - 3) / 3 * p[2]
        assert outcomes(p).mean() == pytest.approx(closed_form, rel=1e-12, abs=1e-12)
    table = np.array([outcomes(p) for p in e])
    optimistic, pessimistic = table.max(axis=1).argmax(), table.min(axis=1).argmax()
    stochastic = table.mean(axis=1).argmax()
    assert (optimistic, pessimistic, stochastic) == (0, 1, 2)
    best = table[2].mean()
    assert best - table[optimistic].mean() == pytest.approx(C - 1)
    assert best - table[pessimistic].mean() == pytest.approx((2 * C - 3) / 3)


# ----------------------------------------------------------------------------- through the solver


def test_mpec_solves_a_small_qre_subsidy_game_and_beats_no_subsidy():
    g = qre_subsidy(n=3, actions=3, budget=1.0)
    strategies = quantal_response_equilibrium(g.payoffs, g.entropy)
    no_subsidy = np.einsum("abc,a,b,c->", g.payoffs.sum(axis=0), *strategies)
    result = so.solve(g, method="mpec")
    assert result.status in ("optimal", "locally_optimal")
    assert np.isfinite(result.leader_objective)
    assert result.violation <= 1e-6
    assert result.leader_objective > no_subsidy
