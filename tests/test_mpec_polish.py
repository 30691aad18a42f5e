"""Polishing a relaxation by the tightened NLP (backends/strategies/polish.py): exact
complementarity, MPEC multipliers against closed forms, stationarity types on MacMPEC problems."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.models.benchmarks import problems


def _problem(name):
    return {p.name: p for p in problems()}[name]


def _projection_game(a: float, c: float) -> so.StackelbergGame:
    """min_x (x - a)^2 + c y,  y solves min_y y^2 / 2 - x y, y >= 0  (so y = max(x, 0)).

    The follower's KKT system is y - x - lam = 0, 0 <= lam _|_ y >= 0. In the Lagrangian
    (x - a)^2 + c y - sigma_lam lam - sigma_s y + mu (y - x - lam), d/dx gives mu = 2 (x - a),
    d/dlam sigma_lam = -mu and d/dy sigma_s = c + mu."""
    g = so.StackelbergGame()
    g.x = pyo.Var(initialize=0.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=1.0)
    g.F.cost = pyo.Objective(expr=g.F.y**2 / 2 - g.x * g.F.y)
    g.cost = pyo.Objective(expr=(g.x - a) ** 2 + c * g.F.y)
    return g


@pytest.mark.parametrize("strategy", ["scholtes", "penalty"])
def test_polished_multipliers_match_the_closed_form_at_a_strongly_active_pair(strategy):
    """a = -1, c = 3: x = -1, y = 0, lam = 1 > 0; mu = 0, so sigma_s = c = 3. Scholtes' TNLP is
    compiled apart; the penalty's is its own NLP at rho = 0 (polish.NeutralForm)."""
    res = so.solve(_projection_game(-1.0, 3.0), method="mpec", strategy=strategy)
    assert res.status == "locally_optimal" and res.leader["x"] == pytest.approx(-1, abs=1e-7)
    polish = res.info["polish"]
    assert polish["accepted"] and polish["sides"] == {"F.y[lb]": "slack"}
    sigma = res.info["mpec_multipliers"]["F.y[lb]"]
    assert sigma["slack"] == pytest.approx(3.0, abs=1e-6)
    assert sigma["lam"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("strategy", ["scholtes", "penalty"])
def test_a_biactive_pair_with_nonnegative_multipliers_is_s_stationary(strategy):
    """a = 0, c = 3: x = y = lam = 0 (biactive); mu = 0, sigma_lam = 0, sigma_s = 3 >= 0."""
    res = so.solve(_projection_game(0.0, 3.0), method="mpec", strategy=strategy)
    assert res.status == "locally_optimal" and res.leader["x"] == pytest.approx(0, abs=1e-7)
    polish = res.info["polish"]
    assert polish["sides"] == {"F.y[lb]": "both"} and polish["stationarity"] == "S"
    sigma = res.info["mpec_multipliers"]["F.y[lb]"]
    assert sigma["slack"] == pytest.approx(3.0, abs=1e-6)
    assert sigma["lam"] == pytest.approx(0.0, abs=1e-6)


def test_ralph1_biactive_minimum_has_no_strong_multipliers():
    """MacMPEC ralph1: min 2x - y, 0 <= y _|_ y - x >= 0, x >= 0; optimum 0 at (0, 0), biactive.
    With 2 = mu_x - sigma_H and -1 = sigma_G + sigma_H no multipliers have sigma_G, sigma_H >= 0:
    the point is B-stationary (the global minimum) but not S-stationary, and the TNLP's
    multipliers say so."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, None), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=1.0)
    g.F.cost = pyo.Objective(expr=g.F.y**2 / 2 - g.x * g.F.y)  # KKT: lam = y - x
    g.cost = pyo.Objective(expr=2 * g.x - g.F.y)
    res = so.solve(g, method="mpec", strategy="scholtes")
    assert res.leader_objective == pytest.approx(0, abs=1e-7)
    polish = res.info["polish"]
    assert polish["accepted"] and polish["sides"] == {"F.y[lb]": "both"}
    assert polish["stationarity"] in ("M", "C", "W")
    assert res.certificate.stationarity.holds


@pytest.mark.parametrize("strategy", ["scholtes", "smoothed-fb", "penalty"])
def test_bard1_polished_to_exact_complementarity(strategy):
    """MacMPEC bard1: 17 at (x, y) = (1, 0), S-stationary (no biactive pair)."""
    res = so.solve(_problem("bard1").build(), method="mpec", strategy=strategy)
    assert res.status == "locally_optimal"
    assert res.leader_objective == pytest.approx(17, abs=1e-7)
    assert res.info["polish"]["accepted"] and res.info["polish"]["stationarity"] == "S"
    assert res.certificate.stationarity.kind == "S"
    assert "both" not in res.info["polish"]["sides"].values()


def test_pineda_relaxation_left_short_of_complementarity_is_finished_by_the_tnlp():
    """PAO's pineda (102 at a degenerate vertex): Scholtes ends with a complementarity gap of
    2e-6, above the acceptance test; the TNLP at the guessed sides reaches 102 exactly."""
    problem = _problem("pineda")
    res = so.solve(problem.build(), method="mpec", strategy="scholtes")
    assert res.status == "locally_optimal" and problem.solved(res.leader_objective)
    assert res.info["polish"]["accepted"]


def test_dempe_local_solution_is_polished_without_a_worse_objective():
    """MacMPEC dempe (28.25 globally): Scholtes from the default start stops at the local value
    31.25; the TNLP keeps it (no worse) with S-stationary multipliers."""
    res = so.solve(_problem("dempe").build(), method="mpec", strategy="scholtes", repair=0)
    relaxed = [row["objective"] for row in res.history if "t" in row][-1]
    polish = res.info["polish"]
    assert polish["accepted"] and polish["objective"] <= relaxed + 1e-6
    assert polish["stationarity"] == "S"


@pytest.mark.parametrize("name", ["ex9.2.5", "nash1"])
def test_scips_global_optimum_is_polished_to_a_stationary_point(name):
    """MacMPEC ex9.2.5 (5) and nash1 (0) under sos1: SCIP proves the optimum, but its point meets
    the reformulation only to SCIP's feasibility tolerance, and there the certificate's LP finds a
    first-order descent (5e-4 and 2.5e-3 scaled). The tightened NLP of SCIP's branch gives the
    optimum at which the leader is stationary."""
    problem = _problem(name)
    res = so.solve(problem.build(), method="mpec", strategy="sos1")
    assert res.status == "optimal" and res.info["polish"]["accepted"]
    assert res.leader_objective == pytest.approx(problem.optimum, abs=1e-7)
    assert res.certificate.stationarity.kind in ("S", "B")


@pytest.mark.parametrize("strategy", ["bigm", "sos1"])
def test_the_solvers_own_point_is_kept_where_the_polish_steps_past_a_tie(strategy):
    """The traffic min (1 + T) f1 + 3 f2 s.t. f1 + f2 = 10 is indifferent at the toll T = 2, where
    the leader's revenue T f1 is 20 with f1 = 10 (the optimistic convention); above it f1 = 0.
    The TNLP's interior point stops at T = 2 + 4e-8, past the tie, where the recomputed response
    gave 11.64 (feasible); the global solver's own point T = 2 is judged too and kept."""
    g = so.StackelbergGame()
    g.T = pyo.Var(bounds=(0, 5), initialize=0.5)
    g.F = so.Follower()
    g.F.f1 = pyo.Var(bounds=(0, 10), initialize=0.0)
    g.F.f2 = pyo.Var(bounds=(0, 10), initialize=0.0)
    g.F.cost = pyo.Objective(expr=(1 + g.T) * g.F.f1 + 3 * g.F.f2)
    g.F.demand = pyo.Constraint(expr=g.F.f1 + g.F.f2 == 10)
    g.revenue = pyo.Objective(expr=g.T * g.F.f1, sense=pyo.maximize)
    res = so.solve(g, method="mpec", strategy=strategy)
    assert res.status == "optimal", res.message
    assert res.leader["T"] == pytest.approx(2.0, abs=1e-9)
    assert res.leader_objective == pytest.approx(20.0, abs=1e-6)
    assert "the global solver's own point" in res.message
    assert res.info["polish"]["accepted"] is False


@pytest.mark.parametrize("strategy", ["sos1", "bigm", "penalty", "scholtes"])
def test_a_multiplier_whose_coefficients_are_all_zero_is_polished_at_zero(strategy):
    """bard1 with the follower constraint x + p y <= 8 and the mutable Param p set to 0 (the next
    scenario of a study): the constraint is x <= 8, inactive at bard1's optimum x = 1, value 17.
    Its multiplier has no nonzero coefficient, so it is no column of the compiled tightened NLP,
    and every polished strategy ended error (KeyError 'stackopt_kkt.lam[3]')."""
    g = so.models.bard1()
    g.p = pyo.Param(initialize=0.0, mutable=True)
    g.F.c4 = pyo.Constraint(expr=g.x + g.p * g.F.y <= 8)
    res = so.solve(g, method="mpec", strategy=strategy)
    assert res.status == ("optimal" if strategy in ("sos1", "bigm") else "locally_optimal")
    assert res.leader["x"] == pytest.approx(1, abs=1e-6)
    assert res.leader_objective == pytest.approx(17, abs=1e-6)


@pytest.mark.parametrize("ranged", [False, True])
def test_a_pair_on_a_constraint_row_gets_its_whole_multiplier(ranged):
    """min_x (x - 3)^2 - 2 y, y solves min_y (y - 2)^2 s.t. y + x <= 3, y >= 0: x = 2, y = 1 on
    the row. In the TNLP with s = 3 - x - y fixed at 0, d/dx gives 2 (x - 3) + sigma_s = 0, so
    sigma_s = 2. The follower's row is primal feasibility in the MPEC and the TNLP's own s >= 0
    again: stated twice, its multiplier was split (1.96 on one copy). Written as a ranged row
    -1 <= y + x <= 3, the lower side is inactive and gets no share."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 4), initialize=1)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=0)
    body = g.F.y + g.x
    g.F.c = pyo.Constraint(expr=pyo.inequality(-1, body, 3) if ranged else body <= 3)
    g.F.o = pyo.Objective(expr=(g.F.y - 2) ** 2)
    g.o = pyo.Objective(expr=(g.x - 3) ** 2 - 2 * g.F.y)
    res = so.solve(g, method="mpec", strategy="penalty")
    assert res.status == "locally_optimal" and res.leader["x"] == pytest.approx(2, abs=1e-7)
    assert res.info["polish"]["sides"]["F.c[upper]"] == "slack"
    sigma = res.info["mpec_multipliers"]["F.c[upper]"]
    assert sigma["slack"] == pytest.approx(2.0, abs=1e-6)
    assert sigma["lam"] == pytest.approx(0.0, abs=1e-6)
    if ranged:
        assert res.info["mpec_multipliers"]["F.c[lower]"]["slack"] == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("strategy", ["scholtes", "penalty", "bigm", "sos1"])
def test_a_follower_var_with_only_zero_coefficients_elsewhere_is_polished(strategy):
    """y2 enters the leader's objective with a coefficient 0.0 (data): the NL writer leaves it
    out, so it is no column of the TNLP, and its bound's pair was looked up as one (KeyError,
    status error). Truth: x = y1 = 4, y2 = 0, objective -4."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 4), initialize=0)
    g.F = so.Follower()
    g.F.y = pyo.Var([1, 2], bounds=(0, 5))
    g.F.o = pyo.Objective(expr=g.F.y[1] + 2 * g.F.y[2])
    g.F.c = pyo.Constraint(expr=g.F.y[1] >= g.x)
    g.o = pyo.Objective(expr=g.x - 2 * g.F.y[1] + 0.0 * g.F.y[2])
    res = so.solve(g, method="mpec", strategy=strategy)
    assert res.status in ("optimal", "locally_optimal") and res.info["polish"]["accepted"]
    assert res.leader_objective == pytest.approx(-4, abs=1e-7)
    assert res.followers["F"]["y"][2] == pytest.approx(0, abs=1e-7)
