"""stackopt.sensitivity against central finite differences of honest evaluations."""

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.leader_sensitivity import DegenerateEquilibrium
from stackopt.models import cournot, cyber_insurance, duopoly, qre_subsidy
from stackopt.solution_loading import set_values

H = 1e-5


def _evaluate(make, setting: dict[str, float]):
    """The honest Result at the game's initial point with the Vars named in ``setting`` set."""
    g = make()
    for name, value in setting.items():
        g.find_component(name).set_value(value)
    return so.solve(g, method="initial", load_solution=False, certify=False)


def _central(make, setting: dict[str, float], name: str, read) -> float:
    """d read(Result) / d (Var ``name``), by central differences around ``setting``."""
    base = setting.get(name, make().find_component(name).value)
    up = _evaluate(make, {**setting, name: base + H})
    down = _evaluate(make, {**setting, name: base - H})
    return (read(up) - read(down)) / (2 * H)


def _leader_objective(res) -> float:
    return res.leader_objective


def test_duopoly():
    """q1 = (98 - q0)/2, profit (95 - q0 - q1) q0 = (46 - q0/2) q0: derivative 46 - q0 = 16."""
    setting = {"q0": 30.0}
    res = _evaluate(duopoly, setting)
    s = so.sensitivity(duopoly(), res)
    assert s.objective == {"q0": pytest.approx(16, abs=1e-8)}
    assert s.equilibrium == {"F.q": {"q0": pytest.approx(-0.5, abs=1e-10)}}
    fd = _central(duopoly, setting, "q0", _leader_objective)
    assert s.objective["q0"] == pytest.approx(fd, abs=1e-5)


def test_cournot_three_followers():
    setting = {"q0": 20.0}
    make = lambda: cournot(n=3)  # noqa: E731
    s = so.sensitivity(make(), _evaluate(make, setting))
    fd = _central(make, setting, "q0", _leader_objective)
    assert s.objective["q0"] == pytest.approx(fd, rel=1e-6)
    for i in (1, 2, 3):
        fq = _central(make, setting, "q0", lambda r, i=i: r.followers[f"F[{i}]"]["q"])
        assert s.equilibrium[f"F[{i}].q"]["q0"] == pytest.approx(fq, abs=1e-6)


def test_cyber_insurance_objective_and_constraints():
    make = lambda: cyber_insurance(agents=3, seed=1)  # noqa: E731
    setting = {"compensation[0]": 0.3, "premium[1]": 0.2}
    s = so.sensitivity(make(), _evaluate(make, setting))

    def read(r):  # the leader's objective and the bodies of rational[0..2]
        g = make()
        set_values(g, r.leader)
        for follower, values in r.followers.items():
            set_values(g.find_component(follower), values)
        return np.array([r.leader_objective, *(pyo.value(g.rational[k].body) for k in range(3))])

    for name, component, index in (
        ("compensation[0]", "compensation", 0),
        ("premium[1]", "premium", 1),
    ):
        fd = _central(make, setting, name, read)
        assert s.objective[component][index] == pytest.approx(fd[0], rel=1e-5, abs=1e-7)
        for k in range(3):
            derivative = s.constraints[f"rational[{k}]"][component][index]
            assert derivative == pytest.approx(fd[1 + k], rel=1e-5, abs=1e-7)


def test_qre_subsidy_indexed_leader():
    make = lambda: qre_subsidy(n=2, actions=3, seed=0)  # noqa: E731
    setting = {"subsidy[0,1,2]": 0.5, "subsidy[1,0,0]": 0.5}
    s = so.sensitivity(make(), _evaluate(make, setting))
    for name, index in zip(setting, [(0, 1, 2), (1, 0, 0)]):
        fd = _central(make, setting, name, _leader_objective)
        assert s.objective["subsidy"][index] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_mutable_params_are_parameters_too():
    """The duopoly with the demand intercept A a mutable Param: q1 = (A - 2 - q0)/2 and the
    leader's profit (A - 5 - q0 - q1) q0 = ((A - 8 - q0)/2) q0: d/dA = q0/2 = 15 at q0 = 30."""

    def make():
        g = so.StackelbergGame()
        g.A = pyo.Param(initialize=100.0, mutable=True)
        g.q0 = pyo.Var(bounds=(0, 100), initialize=30.0)
        g.F = so.Follower()
        g.F.q = pyo.Var(bounds=(0, 100), initialize=0.0)
        g.F.profit = pyo.Objective(expr=(g.A - g.q0 - g.F.q - 2) * g.F.q, sense=pyo.maximize)
        g.profit = pyo.Objective(expr=(g.A - g.q0 - g.F.q - 5) * g.q0, sense=pyo.maximize)
        return g

    s = so.sensitivity(make(), _evaluate(make, {}))
    assert s.objective["A"] == pytest.approx(15, abs=1e-8)
    assert s.equilibrium["F.q"]["A"] == pytest.approx(0.5, abs=1e-10)


def test_a_price_and_its_derivative():
    """The strategic generator at bid 50: it is marginal at 4 units and sets the price at its bid,
    so d price / d bid = 1 and d((price - 10) g0) / d bid = 4."""
    from .test_follower_dual import strategic_generator

    res = so.solve(strategic_generator(50.0), method="initial", load_solution=False)
    s = so.sensitivity(strategic_generator(), res)
    assert s.prices["M.balance"] == {"bid": pytest.approx(1, abs=1e-9)}
    assert s.objective == {"bid": pytest.approx(4, abs=1e-9)}


def test_a_weakly_active_constraint_is_degenerate():
    """At q0 = 98 the follower's best response (98 - q0)/2 is 0 with a zero multiplier: a kink."""
    res = _evaluate(duopoly, {"q0": 98.0})
    with pytest.raises(DegenerateEquilibrium, match=r"F.q\[lb\].* weakly active"):
        so.sensitivity(duopoly(), res)


def test_a_result_without_a_point_is_refused():
    with pytest.raises(ValueError, match=r"no point"):
        so.sensitivity(duopoly(), so.Result(status="error"))


def test_finite_differences_are_not_vacuous():
    """The FD helper sees a nonzero slope where there is one (guards the tests above)."""
    fd = _central(duopoly, {"q0": 10.0}, "q0", _leader_objective)
    assert np.isclose(fd, 36, atol=1e-5)
