"""Shared constraints: variational, normalized and duplicated (non-variational) equilibria."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.kkt import KKT_BLOCK, compile_kkt
from stackopt.structure import analyze


def capped_cournot(K: float = 20.0, **shared_options) -> so.StackelbergGame:
    """Leader q0 and two followers, price 100 - q0 - q1 - q2, unit cost 10, and a capacity
    q1 + q2 <= K the followers share. At the variational equilibrium (one multiplier lam) the
    followers split K evenly while q0 <= 90 - 1.5 K, with lam = 90 - q0 - 1.5 K; the leader's
    profit is (70 - q0) q0 there (K = 20), largest at q0 = 35: q_i = 10, lam = 25, profit 1225
    (the uncapped branch, q0 >= 60, gives at most 600)."""
    g = so.StackelbergGame()
    g.q0 = pyo.Var(bounds=(0, 100), initialize=0.0)
    g.F = so.Follower([1, 2])
    for i in (1, 2):
        g.F[i].q = pyo.Var(bounds=(0, 100), initialize=0.0)
    total = g.q0 + g.F[1].q + g.F[2].q
    for i in (1, 2):
        g.F[i].profit = pyo.Objective(expr=(90 - total) * g.F[i].q, sense=pyo.maximize)
    g.cap = so.SharedConstraint(expr=g.F[1].q + g.F[2].q <= K, **shared_options)
    g.profit = pyo.Objective(expr=(90 - total) * g.q0, sense=pyo.maximize)
    return g


def harker(variational: bool = True) -> so.StackelbergGame:
    """Harker's game (Facchinei & Kanzow 2007, Example 1): min x1^2 + 8/3 x1 x2 - 34 x1 and
    min x2^2 + 5/4 x1 x2 - 24.25 x2 over [0, 10]^2, sharing x1 + x2 <= 15. Its unique variational
    equilibrium is (5, 9) (the game's Jacobian is positive definite); its other generalized Nash
    equilibria are (t, 15 - t), 9 <= t <= 10. The leader (a nominal decision d) wants x1 large."""
    g = so.StackelbergGame()
    g.d = pyo.Var(bounds=(0, 1), initialize=0.0)
    g.P = so.Follower([1, 2])
    for i in (1, 2):
        g.P[i].x = pyo.Var(bounds=(0, 10), initialize=0.0)
    x1, x2 = g.P[1].x, g.P[2].x
    g.P[1].cost = pyo.Objective(expr=x1**2 + 8 / 3 * x1 * x2 - 34 * x1)
    g.P[2].cost = pyo.Objective(expr=x2**2 + 5 / 4 * x1 * x2 - 24.25 * x2)
    g.cap = so.SharedConstraint(expr=x1 + x2 <= 15, variational=variational)
    g.gain = pyo.Objective(expr=x1 - g.d**2, sense=pyo.maximize)
    return g


def test_the_structure_says_which_followers_a_shared_constraint_binds():
    s = analyze(capped_cournot())
    assert s.constraints == []
    [shared] = s.shared
    assert shared.constraint.name == "cap"
    assert shared.followers == [0, 1] and shared.weights == [1.0, 1.0]


def test_one_multiplier_in_both_followers_stationarity():
    kkt = compile_kkt(analyze(capped_cournot()))
    [j] = [j for j, row in enumerate(kkt.inequalities) if row.constraint == "cap"]
    assert kkt.inequalities[j].binds == (0, 1)
    rows = [str(kkt.stationarity[r].body) for r in range(len(kkt.stationarity))]
    assert sum(f"lam[{j}]" in row for row in rows) == 2


def test_the_kkt_transformation_pairs_the_shared_multiplier():
    g = capped_cournot()
    pyo.TransformationFactory("stackopt.kkt").apply_to(g)
    pairs = [str(c._args[1]) for c in g.component(KKT_BLOCK).complementarity.values()]
    assert sum("F[1].q + F[2].q" in p for p in pairs) == 1


@pytest.mark.parametrize(
    "options",
    [dict(method="mpec"), dict(method="mpec", strategy="penalty"), dict(method="gradient", lr=0.5)],
    ids=["scholtes", "penalty", "gradient"],
)
def test_cournot_with_a_shared_capacity(options):
    g = capped_cournot()
    res = so.solve(g, **options)
    assert res.success, res.message
    assert res.leader["q0"] == pytest.approx(35, abs=1e-3)
    for i in (1, 2):
        assert res.followers[f"F[{i}]"]["q"] == pytest.approx(10, abs=1e-3)
    assert res.leader_objective == pytest.approx(1225, abs=1e-3)
    # the followers maximize profit: one more unit of capacity is worth lam = 25 to each
    assert res.duals["cap"] == pytest.approx(25, abs=1e-3)
    assert g.dual[g.cap] == pytest.approx(25, abs=1e-3)


def test_normalized_equilibrium():
    """Weights r = (1, 2): follower 2's multiplier is lam / 2. At q0 = 30, K = 20 stationarity
    reads 40 - q1 = lam and 40 - q2 = lam / 2 with q1 + q2 = 20: lam = 40, q1 = 0, q2 = 20
    (the variational equilibrium splits evenly, lam = 30)."""
    g = capped_cournot(weights={"F[2]": 2.0})
    g.q0.setlb(30)
    g.q0.setub(30)
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.followers["F[1]"]["q"] == pytest.approx(0, abs=1e-4)
    assert res.followers["F[2]"]["q"] == pytest.approx(20, abs=1e-4)
    assert res.duals["cap"] == pytest.approx(40, abs=1e-4)


@pytest.mark.parametrize(
    "strategy",
    ["scholtes", "smoothed-fb", "penalty", "nlp", so.BigM(dual_big_M=100), "sos1"],
    ids=str,
)
def test_harkers_variational_equilibrium(strategy):
    """Every MPEC strategy, through the KKT system with the shared multiplier."""
    res = so.solve(harker(), method="mpec", strategy=strategy)
    assert res.success, res.message
    assert res.followers["P[1]"]["x"] == pytest.approx(5, abs=1e-4)
    assert res.followers["P[2]"]["x"] == pytest.approx(9, abs=1e-4)
    assert res.duals["cap"] == pytest.approx(0, abs=1e-6)


def test_harkers_game_duplicated_per_follower_is_not_variational():
    """Each player with its own copy of the constraint: the leader's favourite GNE is (10, 5),
    where player 2's copy has the multiplier 3 t / 4 - 5.75 = 1.75 (t = 10; player 1's 2/3 is
    split between its copy and its bound x1 <= 10)."""
    res = so.solve(harker(variational=False), method="mpec", strategy="sos1")
    assert res.status == "optimal", res.message
    assert res.followers["P[1]"]["x"] == pytest.approx(10, abs=1e-4)
    assert res.followers["P[2]"]["x"] == pytest.approx(5, abs=1e-4)
    assert res.duals["cap@P[2]"] == pytest.approx(-1.75, abs=1e-4)


@pytest.mark.parametrize("oracle", ["relaxation", "dynamics"])
def test_oracles_that_solve_followers_apart_refuse(oracle):
    with pytest.raises(so.ModelError, match=r"SharedConstraint cap"):
        so.solve(capped_cournot(), method="gradient", oracle=oracle)


def test_learning_dynamics_refuse():
    with pytest.raises(so.ModelError, match=r"SharedConstraint cap"):
        so.solve(capped_cournot(), method="simgd")


def test_misplaced_or_empty_shared_constraints_are_refused():
    g = capped_cournot()
    g.lonely = so.SharedConstraint(expr=g.q0 <= 50)
    with pytest.raises(so.ModelError, match=r"SharedConstraint lonely uses no follower's Var"):
        analyze(g)
    g = capped_cournot(weights={"G": 2.0})
    with pytest.raises(so.ModelError, match=r"weights for \['G'\]"):
        analyze(g)
    g = capped_cournot()
    g.F[1].inner = so.SharedConstraint(expr=g.F[1].q <= 5)
    with pytest.raises(so.ModelError, match=r"declared inside Follower F\[1\]"):
        analyze(g)


def test_indexed_shared_constraint():
    g = capped_cournot(K=1000)
    g.caps = so.SharedConstraint([0], rule=lambda g, k: g.F[1].q + g.F[2].q <= 20)
    res = so.solve(g, method="mpec")
    assert res.leader["q0"] == pytest.approx(35, abs=1e-3)
    assert res.duals["caps[0]"] == pytest.approx(25, abs=1e-3)


def test_tikhonov_zo_runs_through_the_kkt_system():
    res = so.solve(capped_cournot(), method="tikhonov-zo")
    assert res.success, res.message
    assert res.leader["q0"] == pytest.approx(35, abs=1e-2)


def test_a_cvxpy_follower_cannot_share_a_constraint():
    import cvxpy as cp

    g = so.StackelbergGame()
    g.q0 = pyo.Var(bounds=(0, 100), initialize=0.0)
    for name in ("C", "D"):
        q, q0 = cp.Variable(), cp.Parameter()
        problem = cp.Problem(cp.Maximize((90 - q0) * q - cp.square(q)), [q >= 0])
        g.add_component(name, so.cvxpy_follower(problem, decisions={"q": q}, parameters={q0: g.q0}))
    g.cap = so.SharedConstraint(expr=g.C.q + g.D.q <= 20)
    g.profit = pyo.Objective(expr=g.q0, sense=pyo.maximize)
    with pytest.raises(so.ModelError, match=r"SharedConstraint cap binds Follower C, .* cvxpy"):
        analyze(g)
