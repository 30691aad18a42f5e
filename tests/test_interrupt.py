"""Ctrl-C during a solve, and a success claimed past the certificate: statuses, never lost runs."""

import pytest

import stackopt as so


def test_ctrl_c_in_a_method_without_a_best_point_is_an_interrupted_status(monkeypatch):
    import stackopt.backends.initial as initial

    def interrupted(game):
        raise KeyboardInterrupt

    monkeypatch.setattr(initial, "run", interrupted)
    res = so.solve(so.models.duopoly(), method="initial")
    assert res.status == "interrupted" and not res.success and "Ctrl-C" in res.message


def test_a_success_claimed_without_a_certificate_is_not_granted(monkeypatch):
    import stackopt.backends.initial as initial

    monkeypatch.setattr(initial, "run", lambda game: so.Result(status="optimal"))
    res = so.solve(so.models.duopoly(), method="initial")
    assert res.status == "error" and "without a certificate" in res.message


def test_ctrl_c_during_an_mpec_continuation_returns_its_last_iterate_judged():
    """Ctrl-C after the third relaxation of MacMPEC bard1 (raised from the callback, as Python
    raises it from inside the next callback Ipopt makes): the third iterate, t = 1e-4, is judged
    at its recomputed equilibrium and returned as "interrupted"; no further solve runs."""
    seen = []

    def ctrl_c_on_the_third(state):
        seen.append(state)
        if len(seen) == 3:
            raise KeyboardInterrupt

    res = so.solve(
        so.models.bard1(), method="mpec", strategy="scholtes", callback=ctrl_c_on_the_third
    )
    assert res.status == "interrupted" and "the last iterate is returned" in res.message
    assert [row["t"] for row in res.history] == pytest.approx([1.0, 1e-2, 1e-4])
    assert res.leader_objective == pytest.approx(17, abs=1e-3) and res.certificate is not None


def _markov_game():
    from stackopt.markov import random_markov_game

    return random_markov_game(states=2, leader_actions=2, follower_actions=2, seed=1)


@pytest.mark.parametrize(
    ("method", "game", "at"),
    [
        ("simgd", so.models.duopoly, 3),
        ("stackelberg-br", so.models.duopoly, 3),
        ("tikhonov-zo", so.models.continuum_equilibria, 3),
        ("implicit-pg", _markov_game, 3),
        ("slsqp", so.models.duopoly, 1),
        ("trust-constr", so.models.duopoly, 1),
    ],
)
def test_ctrl_c_in_an_iterative_method_returns_its_last_point_judged(method, game, at):
    """Ctrl-C (raised from the callback at iteration ``at``) ends the run with the last point it
    reached, judged at its recomputed equilibrium, as "interrupted"."""

    def ctrl_c(state):
        if state["iteration"] == at:
            raise KeyboardInterrupt

    res = so.solve(game(), method=method, callback=ctrl_c)
    assert res.status == "interrupted" and "Ctrl-C" in res.message
    assert res.leader_objective is not None and res.certificate is not None


def _bayesian_game():
    from stackopt.bayesian import random_game

    return random_game(2, 2, 2, 3, seed=1)


def _pao_toyexample1():
    from stackopt.models.benchmarks import problems

    (toy,) = [p for p in problems() if p.name == "toyexample1"]
    return toy.factory()


@pytest.mark.parametrize(
    ("method", "game", "key", "at", "options"),
    [
        ("bayes-smoothed", _bayesian_game, "start", 1, {"stages": 2, "max_iter": 20}),
        ("bayes-learn", _bayesian_game, "round", 5, {"T": 50}),
        ("markov-nlp", _markov_game, "start", 1, {"multistart": 3}),
        ("value-function", _pao_toyexample1, "iteration", 0, {}),
    ],
)
def test_ctrl_c_keeps_what_was_finished(method, game, key, at, options):
    """Ctrl-C (raised from the callback) keeps the starts, rounds or iterations finished before it."""

    def ctrl_c(state):
        if state[key] == at:
            raise KeyboardInterrupt

    res = so.solve(game(), method=method, callback=ctrl_c, **options)
    assert res.status == "interrupted" and "Ctrl-C" in res.message
    assert res.leader_objective is not None


def _ctrl_c_at_call(monkeypatch, module, name: str, after: int) -> None:
    """``module.name`` raises KeyboardInterrupt at its call number ``after``."""
    calls = []
    function = getattr(module, name)

    def counting(*args):
        calls.append(1)
        if len(calls) == after:
            raise KeyboardInterrupt
        return function(*args)

    monkeypatch.setattr(module, name, counting)


@pytest.mark.parametrize("after", [3, 20])
def test_ctrl_c_during_the_enumeration_of_regions_returns_the_best_region_so_far(
    monkeypatch, after
):
    """bayes-enumerate keeps what its time limit keeps: Ctrl-C during the search for regions (the
    3rd feasibility LP) or during their LPs (the 20th LP in all) returns the best region whose LP
    was solved, judged; it returned no point. The game has 15 feasibility LPs and 9 regions.
    Interrupted during the search, the first region's LP is still solved."""
    from stackopt.backends.bayesian import enumeration

    _ctrl_c_at_call(monkeypatch, enumeration, "region_lp", after)
    res = so.solve(_bayesian_game(), method="bayes-enumerate")
    assert res.status == "interrupted" and res.message.startswith("interrupted (Ctrl-C): ")
    assert res.leader_objective is not None and res.leader


@pytest.mark.parametrize("after", [1, 4])
def test_ctrl_c_while_the_vertices_are_found_returns_the_best_vertex_so_far(monkeypatch, after):
    """bayes-vertices keeps what its time limit keeps: Ctrl-C while the vertices' tied
    assignments are read (the 4th of 15 vertices) returns the best of the 3 found, judged, below
    the optimum 0.7375 found with all 15; before the first, there is no point."""
    from stackopt.backends.bayesian import vertices

    _ctrl_c_at_call(monkeypatch, vertices, "tie_sets", after)
    res = so.solve(_bayesian_game(), method="bayes-vertices")
    assert res.status == "interrupted"
    if after == 1:
        assert res.leader_objective is None and "before the method had a point" in res.message
    else:
        assert res.message.startswith("interrupted (Ctrl-C): the best of the 3 vertices found")
        assert res.leader_objective is not None and res.leader_objective <= 0.7375015386230972


@pytest.mark.parametrize(
    "method, options",
    [("markov-nlp", {}), ("mpec", {"strategy": "penalty"})],
)
def test_ctrl_c_inside_ipopts_hessian_callback_stops_the_solve(monkeypatch, method, options):
    """A real SIGINT while Ipopt evaluates its 3rd Hessian: cyipopt's Hessian callback loses a
    KeyboardInterrupt raised there, and Ipopt ran on to its own end (backends/solver_interrupt.py).
    Now Ipopt stops at its next iteration and the Ctrl-C reaches the method."""
    import os
    import signal

    from pyomo.contrib.pynumero.interfaces.ampl_nlp import AslNLP

    calls = []
    hessian = AslNLP.evaluate_hessian_lag

    def sigint_on_the_third(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return hessian(self, *args, **kwargs)

    monkeypatch.setattr(AslNLP, "evaluate_hessian_lag", sigint_on_the_third)
    game = _markov_game() if method == "markov-nlp" else so.models.bard1()
    res = so.solve(game, method=method, **options)
    assert res.status == "interrupted" and "Ctrl-C" in res.message


def test_ctrl_c_while_the_method_loads_is_an_interrupted_status(monkeypatch):
    """A Ctrl-C during the import of the method's modules (the first moments of a first solve)
    is an interrupted status; it escaped ``so.solve`` as KeyboardInterrupt."""
    import sys
    import types

    def loading(name):
        raise KeyboardInterrupt

    importing = types.SimpleNamespace(import_module=loading)
    monkeypatch.setattr(sys.modules["stackopt.solve"], "importlib", importing)
    res = so.solve(so.models.duopoly(), method="mpec")
    assert res.status == "interrupted" and res.method == "mpec"
    assert res.message == "interrupted (Ctrl-C) while the method was loading"


def test_ctrl_c_while_a_later_mpec_start_is_placed_keeps_the_first(monkeypatch):
    """Ctrl-C while the second start is placed (its high-point relaxation and equilibrium)
    returns the first start's finished point, judged, as "interrupted"; it was dropped."""
    from stackopt.backends.mpec_starts import StartPlan

    place = StartPlan.place

    def ctrl_c_on_the_second(self, problem, start, *args):
        if start == 1:
            raise KeyboardInterrupt
        return place(self, problem, start, *args)

    monkeypatch.setattr(StartPlan, "place", ctrl_c_on_the_second)
    res = so.solve(so.models.bard1(), method="mpec", multistart=2)
    assert res.status == "interrupted" and "during a later solve" in res.message
    assert res.leader_objective == pytest.approx(17, abs=1e-6)
    assert {row["start"] for row in res.history} == {0}


def test_ctrl_c_while_a_later_gradient_start_is_chosen_keeps_the_first(monkeypatch):
    """Ctrl-C while gradient's second start is chosen (the high-point relaxation) returns the
    first run's Result as "interrupted"; it was dropped."""
    from stackopt.backends import gradient

    starts = gradient._Starts.next

    def ctrl_c_on_the_second(self, i):
        if i == 1:
            raise KeyboardInterrupt
        return starts(self, i)

    monkeypatch.setattr(gradient._Starts, "next", ctrl_c_on_the_second)
    res = so.solve(so.models.bard1(), method="gradient", multistart=2)
    assert res.status == "interrupted" and "during a later start" in res.message
    assert res.leader_objective == pytest.approx(17, abs=1e-4)


def test_ctrl_c_while_certifying_returns_the_point_uncertified(monkeypatch):
    """Ctrl-C during the certificate's best-response solves returns the method's point at its
    recomputed equilibrium, uncertified, as "interrupted" (it returned no point); so.certify
    checks it later in full."""
    from stackopt.backends.certification import nash_gap

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    call = nash_gap.NashGap.__call__
    monkeypatch.setattr(nash_gap.NashGap, "__call__", ctrl_c)
    game = so.models.bard1()
    res = so.solve(game, method="mpec", multistart=1)
    assert res.status == "interrupted" and "interrupted (Ctrl-C) while certifying" in res.message
    assert res.leader_objective == pytest.approx(17, abs=1e-6)
    assert res.certificate is not None and not res.certificate.checked
    monkeypatch.setattr(nash_gap.NashGap, "__call__", call)
    assert so.certify(game, res).status == "locally_optimal"  # the method's claim, checked later


def test_ctrl_c_that_scip_catches_is_an_interrupted_status(monkeypatch):
    """A real SIGINT half a second into SCIP's solve of sos1 on a small security game (which
    runs past a minute): SCIP catches the signal and stops; the status is "interrupted", not
    an error "resourceInterrupt"."""
    import contextlib
    import os
    import signal
    import threading

    from stackopt.backends import solvers

    releasing = solvers.scip_releasing_the_gil

    @contextlib.contextmanager
    def sigint_soon():
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
        with releasing():
            yield

    monkeypatch.setattr(solvers, "scip_releasing_the_gil", sigint_soon)
    game = so.models.security_game(defenders=2, targets=10, seed=1, patrol=5, resources=2.0)
    res = so.solve(game, method="mpec", strategy="sos1", time_limit=60)
    assert res.status == "interrupted" and res.message.startswith("scip: interrupted (Ctrl-C)")
    assert res.wall_time < 30
