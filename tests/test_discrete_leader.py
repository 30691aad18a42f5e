"""Binary and integer leader Vars: the exact strategies solve them, every other method refuses
them by name, and no method can end the process (PyNumero exits on discrete Vars)."""

import subprocess
import sys
import textwrap

import pyomo.environ as pyo
import pytest

import stackopt as so


def binary_leader() -> so.StackelbergGame:
    """Issue 18's game: the follower maximizes y <= u, the leader minimizes y + 2u: u = 0."""
    g = so.StackelbergGame()
    g.u = pyo.Var(within=pyo.Binary)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1))
    g.F.o = pyo.Objective(expr=g.F.y, sense=pyo.maximize)
    g.F.c = pyo.Constraint(expr=g.F.y <= g.u)
    g.o = pyo.Objective(expr=g.F.y + 2 * g.u)
    return g


@pytest.mark.parametrize("strategy", ["sos1", "bigm"])
def test_exact_strategies_solve_a_binary_leader(strategy):
    res = so.solve(binary_leader(), method="mpec", strategy=strategy)  # bigm derives its M
    assert res.status == "optimal" and res.leader["u"] == pytest.approx(0.0, abs=1e-9)
    assert res.leader_objective == pytest.approx(0.0, abs=1e-9)
    assert "polish" not in res.info  # a binary leader makes the tightened NLP no NLP


def test_a_given_m_on_a_binary_leader_is_judged_at_the_solvers_point():
    """A given M earns no "optimal"; with a discrete leader the point is not polished (the TNLP
    would be no NLP): the certificate judges the solver's point as it is."""
    res = so.solve(binary_leader(), method="mpec", strategy=so.BigM(dual_big_M=10))
    assert res.status == "locally_optimal" and res.leader["u"] == pytest.approx(0.0, abs=1e-9)
    assert "polish" not in res.info and not res.certificate.global_bound.proven


def test_a_local_method_refuses_a_binary_leader_by_name():
    with pytest.raises(so.ModelError, match="leader Var u is Binary"):
        so.solve(binary_leader(), method="mpec", strategy="scholtes")


def test_no_method_ends_the_process_on_a_binary_leader():
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, %r)
        import stackopt as so
        from tests.test_discrete_leader import binary_leader
        for method in sorted(so.METHODS):
            print(method, end=": ", flush=True)
            try:
                res = so.solve(binary_leader(), method=method)
                print("Result", res.status, flush=True)
            except (so.ModelError, so.OptionError, so.SolverUnavailableError, TypeError) as exc:
                print(type(exc).__name__, str(exc)[:60], flush=True)
        """
    ) % str(__import__("pathlib").Path(__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if ": " in line]
    assert len(lines) == len(so.METHODS), done.stdout


def test_an_integer_leader_whose_start_leaves_the_follower_without_a_response():
    """At the start x = 0 the follower's y <= x - 2 has no solution, and the exact strategy's
    warm start (the followers' equilibrium there) fell back to a kkt-oracle solve of the game
    itself, integer x included: PyNumero ended the process. Truth: x = 2, objective 2."""
    script = textwrap.dedent(
        """
        import pyomo.environ as pyo
        import stackopt as so
        g = so.StackelbergGame()
        g.x = pyo.Var(within=pyo.Integers, bounds=(0, 5), initialize=0)
        g.F = so.Follower()
        g.F.y = pyo.Var(bounds=(0, 10))
        g.F.o = pyo.Objective(expr=g.F.y, sense=pyo.maximize)
        g.F.c = pyo.Constraint(expr=g.F.y <= g.x - 2)
        g.o = pyo.Objective(expr=g.x - 0.5 * g.F.y)
        for strategy in ("sos1", "bigm"):
            res = so.solve(g.clone(), method="mpec", strategy=strategy)
            print(strategy, res.status, res.leader["x"], res.leader_objective)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = [line.split() for line in done.stdout.splitlines()]
    assert [(r[0], r[1]) for r in rows] == [("sos1", "optimal"), ("bigm", "optimal")]
    assert all(float(r[2]) == pytest.approx(2) and float(r[3]) == pytest.approx(2) for r in rows)


def test_pynumero_is_never_handed_a_discrete_var():
    """The last line behind the methods' own refusals: a model with an unfixed discrete Var is a
    ModelError naming it, not PyNumero's exit(1) (checked in a child process)."""
    script = textwrap.dedent(
        """
        import pyomo.environ as pyo
        import stackopt as so
        from stackopt.pynumero_nlp import pynumero_nlp
        m = pyo.ConcreteModel()
        m.u = pyo.Var(within=pyo.Binary)
        m.o = pyo.Objective(expr=m.u)
        try:
            pynumero_nlp(m)
        except so.ModelError as exc:
            print(exc)
        m.u.domain = pyo.Reals  # a deactivated block's Binary (an exact strategy's) is no column
        m.b = pyo.Block()
        m.b.z = pyo.Var(within=pyo.Binary)
        m.b.deactivate()
        print("columns", pynumero_nlp(m).n_primals())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "Var u is Binary" in done.stdout, done.stdout + done.stderr
    assert "columns 1" in done.stdout


def test_a_discrete_var_that_no_function_uses_is_no_obstacle():
    """A Binary on a plain Block that nothing uses is no column of any NLP: the game is solved
    (0.5 at x = 0.5) under mpec and gradient, as before the PyNumero guard."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-5, 5), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(initialize=0.0)
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.o = pyo.Objective(expr=(g.x - 1) ** 2 + g.F.y**2)
    g.data = pyo.Block()
    g.data.b = pyo.Var(domain=pyo.Binary)
    for method in ("mpec", "gradient"):
        res = so.solve(g.clone(), method=method)
        assert res.status == "locally_optimal" and res.leader_objective == pytest.approx(0.5)
