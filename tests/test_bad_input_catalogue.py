"""A catalogue of malformed models, bad options and injected faults, each run through ``so.solve``.

Bad input is the caller's to fix: an exception of the stated type whose message names the option or
the component, raised before any solver runs. A fault of the solve itself (an evaluation that
divides by zero, a solver or a runner that raises) is a status of the Result, never an exception
and never a crash of the process.
"""

from __future__ import annotations

import importlib
import math
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.bayesian import random_game
from stackopt.errors import OptionError, SolverUnavailableError, UnknownOptionError
from stackopt.markov import random_markov_game
from stackopt.models import duopoly
from stackopt.result import STATUSES

NAN, INF = float("nan"), float("inf")


def base() -> so.StackelbergGame:
    """A leader x in [0, 10] and a follower y in [0, 10] who tracks it."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10), initialize=1.0)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.obj = pyo.Objective(expr=g.x + g.F.y)
    return g


def altered(change: Callable[[so.StackelbergGame], Any]) -> Callable[[], so.StackelbergGame]:
    """A factory of ``base()`` with ``change`` applied."""

    def make() -> so.StackelbergGame:
        g = base()
        change(g)
        return g

    return make


def with_param(value: float, use: Callable[[so.StackelbergGame], Any]) -> Callable:
    """``base()`` with a mutable Param ``p`` (later set to ``value``) used by ``use``."""

    def change(g: so.StackelbergGame) -> None:
        g.p = pyo.Param(mutable=True, initialize=1.0, within=pyo.Any)
        use(g)
        g.p.set_value(value)

    return altered(change)


@dataclass
class Case:
    """A call ``so.solve(game(), **options())`` and the exception type and message it must raise."""

    name: str
    raises: type[Exception]
    match: str
    options: Callable[[], dict] = dict
    game: Callable[[], Any] = base
    extra: dict = field(default_factory=dict)


def opts(**kw: Any) -> Callable[[], dict]:
    return lambda: kw


# Options: name, type and range, checked against the runner's hints and the shared vocabulary.
OPTION_CASES = [
    Case("lr-str", OptionError, "option lr must be a number", opts(method="gradient", lr="fast")),
    Case("lr-negative", OptionError, "option lr must be > 0", opts(method="gradient", lr=-0.1)),
    Case("lr-zero", OptionError, "option lr must be > 0", opts(method="gradient", lr=0)),
    Case(
        "lr-nan",
        OptionError,
        "option lr must be a number, got nan",
        opts(method="gradient", lr=NAN),
    ),
    Case("lr-inf", OptionError, "option lr must be finite", opts(method="gradient", lr=INF)),
    Case("time_limit-str", OptionError, "option time_limit must be a number", opts(time_limit="5")),
    Case("time_limit-negative", OptionError, "option time_limit must be > 0", opts(time_limit=-1)),
    Case("time_limit-zero", OptionError, "option time_limit must be > 0", opts(time_limit=0)),
    Case("time_limit-nan", OptionError, "option time_limit must be a number", opts(time_limit=NAN)),
    Case(
        "gradient-time_limit",
        OptionError,
        "option time_limit must be > 0",
        opts(method="gradient", time_limit=-5.0),
    ),
    Case(
        "solver_options-str",
        OptionError,
        "option solver_options must be a dict",
        opts(solver_options="x"),
    ),
    Case("solver_options-list", OptionError, "option solver_options", opts(solver_options=[1])),
    Case(
        "solver_options-unknown",
        OptionError,
        "Ipopt refuses maxiter=5: .*maxiter. It is not a valid option",
        opts(solver_options={"maxiter": 5}),
    ),
    Case(
        "solver_options-setting",
        OptionError,
        'Ipopt refuses mu_strategy=.bogus.: Setting: "bogus" is not a valid setting',
        opts(solver_options={"mu_strategy": "bogus"}),
    ),
    Case(
        "multistart-zero",
        OptionError,
        "option multistart must be a positive integer",
        opts(multistart=0),
    ),
    Case(
        "multistart-float",
        OptionError,
        "option multistart must be an integer",
        opts(multistart=2.5),
    ),
    Case(
        "multistart-bool",
        OptionError,
        "option multistart must be an integer",
        opts(multistart=True),
    ),
    Case("seed-str", OptionError, "option seed must be an integer", opts(seed="a")),
    Case("seed-negative", OptionError, "option seed must be a non-negative integer", opts(seed=-1)),
    Case(
        "seed-float",
        OptionError,
        "option seed must be an integer",
        opts(method="gradient", seed=1.5),
    ),
    Case("tol-negative", OptionError, "option tol must be > 0", opts(method="gradient", tol=-1e-6)),
    Case("tol-zero", OptionError, "option tol must be > 0", opts(method="value-function", tol=0.0)),
    Case("tol-str", OptionError, "option tol must be a number", opts(method="simgd", tol="small")),
    Case(
        "max_iter-zero",
        OptionError,
        "option max_iter must be a positive integer",
        opts(method="simgd", max_iter=0),
    ),
    Case(
        "max_iter-negative",
        OptionError,
        "option max_iter",
        opts(method="value-function", max_iter=-3),
    ),
    Case(
        "max_iter-float",
        OptionError,
        "option max_iter must be an integer",
        opts(method="lola", max_iter=10.5),
    ),
    Case(
        "verbose-int",
        OptionError,
        "option verbose must be True or False",
        opts(method="gradient", verbose=1),
    ),
    Case(
        "start-list", OptionError, "option start must be a dict", opts(method="simgd", start=[1.0])
    ),
    Case(
        "oracle-int",
        OptionError,
        "option oracle must be a string or a callable",
        opts(method="gradient", oracle=3),
    ),
    Case(
        "oracle_options-str",
        OptionError,
        "option oracle_options must be a dict",
        opts(method="gradient", oracle_options="x"),
    ),
    Case(
        "step-negative",
        OptionError,
        "option step must be > 0",
        opts(method="stackelberg-br", step=-0.1),
    ),
    Case(
        "lookahead-negative",
        OptionError,
        "option lookahead must be >= 0",
        opts(method="lola", lookahead=-1.0),
    ),
    Case(
        "noise-negative",
        OptionError,
        "option noise must be >= 0",
        opts(method="two-timescale", noise=-0.1),
    ),
    Case(
        "radius-zero",
        OptionError,
        "option radius must be > 0",
        opts(method="tikhonov-zo", radius=0.0),
    ),
    Case(
        "mu-nan",
        OptionError,
        "option mu must be a number, got nan",
        opts(method="gradient", mu=NAN),
    ),
    Case(
        "strategy-int",
        OptionError,
        "option strategy must be a string or a Strategy",
        opts(strategy=3),
    ),
    Case("strategy-unknown", OptionError, "unknown strategy 'fast'", opts(strategy="fast")),
    Case(
        "scholtes-t_min",
        OptionError,
        "Scholtes: option t_min must be > 0, got -1",
        lambda: {"strategy": so.Scholtes(t_min=-1)},
    ),
    Case(
        "scholtes-factor",
        OptionError,
        r"Scholtes: option factor must be in \(0, 1\)",
        lambda: {"strategy": so.Scholtes(factor=1.5)},
    ),
    Case(
        "scholtes-t0-nan",
        OptionError,
        "Scholtes: option t0 must be a number, got nan",
        lambda: {"strategy": so.Scholtes(t0=NAN)},
    ),
    Case(
        "smoothed-fb-mu_min",
        OptionError,
        "SmoothedFB: option mu_min must be > 0",
        lambda: {"strategy": so.SmoothedFB(mu_min=0.0)},
    ),
    Case(
        "penalty-factor",
        OptionError,
        "Penalty: option factor must be > 1",
        lambda: {"strategy": so.Penalty(factor=0.5)},
    ),
    Case(
        "nlp-mpec_bound",
        OptionError,
        "PyomoNLP: option mpec_bound must be >= 0",
        lambda: {"strategy": so.PyomoNLP(mpec_bound=-1.0)},
    ),
    Case(
        "bigm-str",
        OptionError,
        "BigM: option dual_big_M must be a number",
        lambda: {"strategy": so.BigM(dual_big_M="big")},
    ),
    Case(
        "bigm-negative",
        OptionError,
        "BigM: option dual_big_M must be > 0",
        lambda: {"strategy": so.BigM(dual_big_M=-5.0)},
    ),
    Case(
        "strategy_options-range",
        OptionError,
        "Scholtes: option t_min must be > 0",
        opts(strategy="scholtes", strategy_options={"t_min": -1.0}),
    ),
    Case(
        "strategy_options-unknown",
        OptionError,
        "strategy_options for 'scholtes'.*tmin",
        opts(strategy="scholtes", strategy_options={"tmin": 1e-9}),
    ),
    Case(
        "strategy_options-with-object",
        OptionError,
        "strategy_options go with a strategy name",
        lambda: {"strategy": so.Scholtes(), "strategy_options": {"t0": 1.0}},
    ),
    Case(
        "strategy_options-str",
        OptionError,
        "option strategy_options must be a dict",
        opts(strategy_options="t0=1"),
    ),
    Case("certify-str", OptionError, "certify must be True or False", opts(certify="yes")),
    Case(
        "load_solution-str",
        OptionError,
        "load_solution must be True or False",
        opts(load_solution="no"),
    ),
    Case("method-unknown", OptionError, "unknown method 'fastest'", opts(method="fastest")),
    Case("option-unknown", UnknownOptionError, "method 'mpec' has no option 'lr'", opts(lr=0.1)),
    Case("solver-unknown", SolverUnavailableError, "unknown solver 'cplex'", opts(solver="cplex")),
    Case("solver-wrong-kind", OptionError, "needs a local NLP solver", opts(solver="highs")),
    Case(
        "bayes-tau-nan",
        OptionError,
        "option tau must be a number, got nan",
        opts(method="bayes-smoothed", tau=NAN),
        lambda: random_game(2, 2, 2, 2, seed=0),
    ),
    Case(
        "bayes-T-zero",
        OptionError,
        "option T must be a positive integer",
        opts(method="bayes-learn", T=0),
        lambda: random_game(2, 2, 2, 2, seed=0),
    ),
    Case(
        "markov-leader_step",
        OptionError,
        "option leader_step must be > 0",
        opts(method="implicit-pg", leader_step=-0.5),
        lambda: random_markov_game(2, 2, 2, seed=0),
    ),
    Case(
        "markov-tol-str",
        OptionError,
        "option tol must be a number",
        opts(method="markov-nlp", tol="1e-9"),
        lambda: random_markov_game(2, 2, 2, seed=0),
    ),
]


def _shared(g: so.StackelbergGame) -> None:
    g.F2 = so.Follower()
    g.F2.z = pyo.Var(bounds=(0, 10))
    g.F2.cost = pyo.Objective(expr=(g.F2.z - 1) ** 2)
    g.cap = so.SharedConstraint(expr=g.F.y + g.F2.z <= INF)


# Models: NaN and infinite numbers, crossed bounds; a ModelError naming the component.
MODEL_CASES = [
    Case(
        "var-lb-nan-param",
        so.ModelError,
        "Var x has an invalid bound",
        game=with_param(NAN, lambda g: g.x.setlb(g.p)),
    ),
    Case(
        "var-ub-minus-inf-param",
        so.ModelError,
        "Var F.y has an invalid bound",
        game=with_param(-INF, lambda g: g.F.y.setub(g.p)),
    ),
    Case(
        "var-lb-inf-param",
        so.ModelError,
        "Var x has an invalid bound",
        game=with_param(INF, lambda g: g.x.setlb(g.p)),
    ),
    Case(
        "leader-lb-above-ub",
        so.ModelError,
        "Var x has lower bound 20 above its upper bound 10",
        game=altered(lambda g: g.x.setlb(20)),
    ),
    Case(
        "follower-lb-above-ub",
        so.ModelError,
        "Var F.y has lower bound 5 above its upper bound 1",
        game=altered(lambda g: setattr(g.F.y, "bounds", (5, 1))),
    ),
    Case(
        "indexed-lb-above-ub",
        so.ModelError,
        r"Var z\[2\] has lower bound",
        game=altered(
            lambda g: setattr(
                g, "z", pyo.Var([1, 2], bounds=lambda m, i: (0, 1) if i == 1 else (3, 2))
            )
        ),
    ),
    Case(
        "leader-objective-nan",
        so.ModelError,
        "Objective obj uses a coefficient with the non-finite value nan",
        game=altered(lambda g: setattr(g.obj, "expr", NAN * g.x + g.F.y)),
    ),
    Case(
        "follower-objective-inf",
        so.ModelError,
        "Objective F.cost uses a coefficient with the non-finite value inf",
        game=altered(lambda g: setattr(g.F.cost, "expr", (g.F.y - g.x) ** 2 + INF * g.F.y)),
    ),
    Case(
        "leader-constraint-coefficient-nan",
        so.ModelError,
        "Constraint budget uses a coefficient with the non-finite value nan",
        game=altered(lambda g: setattr(g, "budget", pyo.Constraint(expr=NAN * g.x + g.F.y <= 5))),
    ),
    Case(
        "follower-constraint-coefficient-inf",
        so.ModelError,
        "Constraint F.c uses a coefficient with the non-finite value inf",
        game=altered(lambda g: setattr(g.F, "c", pyo.Constraint(expr=INF * g.F.y <= 3))),
    ),
    Case(
        "follower-rhs-nan",
        so.ModelError,
        "Constraint F.c has a non-finite right-hand side",
        game=altered(lambda g: setattr(g.F, "c", pyo.Constraint(expr=g.F.y <= NAN))),
    ),
    Case(
        "follower-rhs-inf",
        so.ModelError,
        r"Constraint F.c has a non-finite right-hand side \(upper bound inf\)",
        game=altered(lambda g: setattr(g.F, "c", pyo.Constraint(expr=g.F.y <= INF))),
    ),
    Case(
        "leader-rhs-minus-inf",
        so.ModelError,
        "Constraint budget has a non-finite right-hand side",
        game=altered(lambda g: setattr(g, "budget", pyo.Constraint(expr=g.x + g.F.y >= -INF))),
    ),
    Case(
        "ranged-lower-minus-inf",
        so.ModelError,
        r"Constraint F.r has a non-finite right-hand side \(lower bound -inf\)",
        game=altered(
            lambda g: setattr(g.F, "r", pyo.Constraint(expr=pyo.inequality(-INF, g.F.y, 3)))
        ),
    ),
    Case(
        "param-nan-in-follower-constraint",
        so.ModelError,
        "Constraint F.c uses Param p with the non-finite value nan",
        game=with_param(NAN, lambda g: setattr(g.F, "c", pyo.Constraint(expr=g.p * g.F.y <= 3))),
    ),
    Case(
        "param-inf-rhs",
        so.ModelError,
        "Constraint F.c has a non-finite right-hand side",
        game=with_param(INF, lambda g: setattr(g.F, "c", pyo.Constraint(expr=g.F.y <= g.p))),
    ),
    Case(
        "named-expression-nan",
        so.ModelError,
        "Objective obj uses a coefficient with the non-finite value nan",
        game=altered(
            lambda g: (
                setattr(g, "price", pyo.Expression(expr=NAN - g.F.y)),
                setattr(g.obj, "expr", g.price * g.x),
            )
        ),
    ),
    Case(
        "start-nan",
        so.ModelError,
        r"Var x has a non-finite starting value \(nan\)",
        game=altered(lambda g: g.x.set_value(NAN, skip_validation=True)),
    ),
    Case(
        "fixed-inf",
        so.ModelError,
        r"Var w has a non-finite fixed value \(inf\)",
        game=altered(
            lambda g: (
                setattr(g, "w", pyo.Var()),
                g.w.fix(INF, skip_validation=True),
                setattr(g.obj, "expr", g.x + g.w * g.F.y),
            )
        ),
    ),
    Case(
        "shared-rhs-inf",
        so.ModelError,
        "Constraint cap has a non-finite right-hand side",
        game=altered(_shared),
    ),
    Case(
        "gradient-lb-above-ub",
        so.ModelError,
        "Var x has lower bound 20",
        opts(method="gradient"),
        altered(lambda g: g.x.setlb(20)),
    ),
    Case(
        "value-function-rhs-nan",
        so.ModelError,
        "Constraint F.c has a non-finite",
        opts(method="value-function"),
        altered(lambda g: setattr(g.F, "c", pyo.Constraint(expr=g.F.y <= NAN))),
    ),
    Case(
        "slsqp-coefficient-inf",
        so.ModelError,
        "uses a coefficient with the non-finite value inf",
        opts(method="slsqp"),
        altered(lambda g: setattr(g.obj, "expr", INF * g.x)),
    ),
]


@pytest.mark.parametrize("case", OPTION_CASES + MODEL_CASES, ids=lambda c: c.name)
def test_bad_input_is_named_before_any_solver_runs(case, monkeypatch):
    import stackopt.backends.solvers as solvers

    def no_solver(*args, **kwargs):
        raise AssertionError("a solver ran before the bad input was refused")

    class Guard:
        """The solver plugin, asked only whether it is available."""

        def __init__(self, name: str):
            self.plugin = factory(name)

        def available(self, *args, **kwargs):
            return self.plugin.available(*args, **kwargs)

        solve = no_solver

    factory = solvers.pyo.SolverFactory
    monkeypatch.setattr(solvers.pyo, "SolverFactory", Guard)
    with pytest.raises(case.raises, match=case.match):
        so.solve(case.game(), **case.options())


def test_the_catalogue_is_large_and_its_names_unique():
    names = [c.name for c in OPTION_CASES + MODEL_CASES]
    assert len(names) >= 60
    assert len(set(names)) == len(names)


def test_the_base_game_and_every_option_family_run_when_valid():
    """The catalogue's games and options are bad only where they say: the valid ones solve."""
    assert so.solve(base(), certify=False).status == "feasible"
    res = so.solve(base(), method="simgd", step=0.05, tol=1e-6, seed=0, certify=False, max_iter=5)
    assert res.status == "iteration_limit"
    strategy = so.Scholtes(t0=1.0, factor=0.1, t_min=1e-6)
    assert so.solve(base(), strategy=strategy, time_limit=math.inf, certify=False).leader


# Faults: a status, never an exception escaping solve, never a dead process.

DIVIDES_BY_ZERO = """
import pyomo.environ as pyo, stackopt as so
g = so.StackelbergGame()
g.x = pyo.Var(bounds=(-1, 1), initialize=0.0)
g.F = so.Follower()
g.F.y = pyo.Var(bounds=(0, 2), initialize=1.0)
g.F.cost = pyo.Objective(expr=g.F.y**2 / (g.x + 1) - g.F.y)
g.obj = pyo.Objective(expr=g.x + g.F.y**2 / (g.x + 1))
res = so.solve(g, **{options})
print("STATUS", res.status)
"""


@pytest.mark.parametrize(
    "options",
    [{"strategy": "nlp"}, {"method": "gradient"}],
    ids=["mpec-nlp", "gradient"],
)
def test_a_division_by_zero_inside_the_bounds_is_a_status_not_a_crash(options):
    """BOLIB's NetworkDesignP1 shape, y^2 / (x + 1) with x >= -1: Ipopt's iterates reach x = -1;
    the process used to die there (SIGSEGV in Ipopt recovering from the evaluation error)."""
    script = textwrap.dedent(DIVIDES_BY_ZERO).format(options=options)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    status = done.stdout.split("STATUS")[-1].split()[0]
    assert status in STATUSES


def test_an_exception_escaping_any_runner_is_an_error_status(monkeypatch):
    """Every method family (MPEC, gradient, dynamics, black box, Bayesian, Markov) goes through
    one handler in solve: a runner that raises gives status "error" naming the exception."""
    solve_module = importlib.import_module("stackopt.solve")  # the attribute is the function

    def broken(game, **options):
        raise ZeroDivisionError("injected fault")

    for method in solve_module.METHODS:
        monkeypatch.setattr(solve_module, "_runner", lambda m: broken)
        res = so.solve(base(), method=method, load_solution=False)
        assert res.status == "error", method
        assert "ZeroDivisionError: injected fault" in res.message
        assert res.method == method


def test_a_solver_that_raises_is_an_error_status(monkeypatch):
    """A fault inside the solver interface (a Pyomo plugin raising) ends that solve as a status.
    SCIP is reached through Pyomo's SolverFactory, or Pyomo's scip_direct given the start as its
    incumbent (Ipopt on the MPEC path is compiled in memory)."""
    import stackopt.backends.solvers as solvers

    class Failing:
        def available(self, exception_flag=True):
            return True

        def solve(self, *args, **kwargs):
            raise OSError("injected: solver process vanished")

    monkeypatch.setattr(solvers.pyo, "SolverFactory", lambda name: Failing())
    monkeypatch.setattr(solvers, "scip_with_incumbent", Failing)  # SCIP given a start
    res = so.solve(duopoly(), strategy="sos1", certify=False)
    assert res.status == "error"
    assert "injected: solver process vanished" in res.message


def test_a_user_oracle_that_raises_is_an_error_status():
    def oracle(*args, **kwargs):
        raise RuntimeError("injected: oracle failed")

    res = so.solve(duopoly(), method="gradient", oracle=oracle, max_iter=3, certify=False)
    assert res.status == "error"
    assert "injected: oracle failed" in res.message
