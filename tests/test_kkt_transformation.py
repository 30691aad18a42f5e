"""The ``stackopt.kkt`` Pyomo transformation: a game becomes a Pyomo MPEC that Pyomo solves."""

import pyomo.environ as pyo
import pytest
from pyomo.mpec import Complementarity

import stackopt as so
from stackopt.models import cournot, duopoly


def test_the_kkt_transformation_gives_an_mpec_that_pyomo_transforms_and_solves():
    m = duopoly()
    pyo.TransformationFactory("stackopt.kkt").apply_to(m)
    pairs = list(m.component_data_objects(Complementarity, active=True))
    assert len(pairs) == 2  # the follower's bounds 0 <= q <= A
    assert not m.F.profit.active and m.profit.active
    pyo.TransformationFactory("mpec.simple_nonlinear").apply_to(m)
    pyo.SolverFactory("cyipopt").solve(m)
    # the Stackelberg duopoly (A = 100, c1 = 5, c2 = 2): q = (46, 26), leader profit 1058
    assert pyo.value(m.q0) == pytest.approx(46, abs=1e-5)
    assert pyo.value(m.F.q) == pytest.approx(26, abs=1e-5)
    assert pyo.value(m.profit) == pytest.approx(1058, abs=1e-3)


def test_create_using_leaves_the_game_to_stackopt():
    game = cournot(n=2)
    mpec = pyo.TransformationFactory("stackopt.kkt").create_using(game)
    assert len(mpec.stackopt_kkt.complementarity) == len(mpec.stackopt_kkt.lam) == 4
    assert game.find_component("stackopt_kkt") is None
    res = so.solve(game, method="mpec", strategy="penalty")
    assert res.leader_objective == pytest.approx(675, abs=1e-4)


def test_the_kkt_transformation_names_what_it_cannot_take():
    with pytest.raises(
        so.ModelError, match="expected a stackopt.StackelbergGame, got ConcreteModel"
    ):
        pyo.TransformationFactory("stackopt.kkt").apply_to(pyo.ConcreteModel())
    with pytest.raises(so.OptionError, match=r"takes no options, got \['tol'\]"):
        pyo.TransformationFactory("stackopt.kkt").apply_to(duopoly(), tol=1e-6)
    twice = duopoly()
    pyo.TransformationFactory("stackopt.kkt").apply_to(twice)
    with pytest.raises(so.ModelError, match=r"already holds a KKT system \(stackopt_kkt\)"):
        pyo.TransformationFactory("stackopt.kkt").apply_to(twice)
