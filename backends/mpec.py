"""``method="mpec"``: the KKT reformulation solved with a complementarity strategy.

Local strategies (scholtes, smoothed-fb, penalty, nlp) run Ipopt (or Knitro when licensed) from the
model's starting point and ``multistart - 1`` random ones, keeping the best; exact strategies (bigm,
sos1) run a global solver: HiGHS when the reformulation is linear, SCIP otherwise.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from stackopt.backends.evaluation import honest_result
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.solvers import GLOBAL_SOLVERS, LOCAL_SOLVERS, require
from stackopt.backends.start_points import random_value
from stackopt.backends.strategies import SOS1, STRATEGIES, Strategy
from stackopt.certificate import GlobalBound
from stackopt.discrete_leader import discrete_leader_vars, refuse_discrete_leader, relaxed_leader
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import Result

_BETTER = {"optimal": 0, "locally_optimal": 0, "feasible": 1}


def resolve_strategy(strategy: str | Strategy, options: dict | None = None) -> Strategy:
    """A Strategy instance from a name (with ``options`` as its parameters) or an instance."""
    if isinstance(strategy, Strategy):
        if options:
            raise OptionError("strategy_options go with a strategy name, not a strategy object")
        return strategy
    if isinstance(strategy, str) and strategy in STRATEGIES:
        try:
            return STRATEGIES[strategy](**(options or {}))
        except TypeError as exc:
            raise OptionError(f"strategy_options for {strategy!r}: {exc}") from None
    raise OptionError(
        f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)} "
        "or pass a strategy object such as stackopt.Scholtes(t_min=1e-10)"
    )


def _pick_solver(strategy: Strategy, solver: str | None, problem: MPECProblem) -> str:
    linear = problem.is_linear()
    if solver is None:
        if not strategy.exact:
            solver = "ipopt"
        else:
            solver = "highs" if linear and not isinstance(strategy, SOS1) else "scip"
    require(solver)
    if strategy.exact and solver not in GLOBAL_SOLVERS:
        raise OptionError(
            f"strategy {strategy.name!r} is an exact mixed-integer reformulation; it needs a "
            f"global solver ({', '.join(GLOBAL_SOLVERS)}), not {solver!r}"
        )
    if not strategy.exact and solver not in LOCAL_SOLVERS:
        raise OptionError(
            f"strategy {strategy.name!r} is a smooth NLP reformulation; it needs a local NLP "
            f"solver ({', '.join(LOCAL_SOLVERS)}), not {solver!r}"
        )
    if solver == "highs" and (not linear or isinstance(strategy, SOS1)):
        raise OptionError(
            "solver 'highs' takes linear models without SOS constraints; this reformulation is "
            f"{'an SOS1 model' if linear else 'nonlinear'}: use solver='scip'"
        )
    return solver


def _randomize(problem: MPECProblem, rng: np.random.Generator) -> None:
    for v in problem.structure.leader_vars + problem.structure.follower_vars:
        v.set_value(random_value(v, rng), skip_validation=True)


def run(
    game: StackelbergGame,
    strategy: str | Strategy = "scholtes",
    solver: str | None = None,
    multistart: int = 1,
    seed: int = 0,
    time_limit: float | None = None,
    solver_options: dict | None = None,
    strategy_options: dict | None = None,
) -> Result:
    """Solve the KKT reformulation of ``game`` (an MPEC) with a complementarity strategy; an honest Result.

    Local strategies run an NLP solver from the model's start and ``multistart - 1`` random ones and
    keep the best; exact strategies run a global solver (module docstring).

    Parameters
    ----------
    strategy : str or Strategy
        The complementarity reformulation: scholtes, smoothed-fb, penalty, nlp, bigm or sos1, or a
        strategy object with its own parameters (``stackopt.Scholtes(t_min=1e-10)``).
    solver : str or None
        ipopt or knitro for the smooth strategies; highs, scip or gurobi for the exact ones. None
        picks Ipopt, or HiGHS for a linear big-M problem and SCIP otherwise.
    multistart : int
        Number of local solves (the model's start and random ones); the best is kept.
    seed : int
        Seed of the random starting points.
    time_limit : float or None
        Time limit in seconds, given to each solver call.
    solver_options : dict or None
        Options handed to the solver as they are (Ipopt's ``print_level``, SCIP's ``limits/gap``).
    strategy_options : dict or None
        The named strategy's parameters, for callers that cannot build a strategy object (TOML
        studies, the command line). ``strategy="bigm", strategy_options={"dual_big_M": 100}`` is
        ``strategy=stackopt.BigM(dual_big_M=100)``.
    """
    strat = resolve_strategy(strategy, strategy_options)
    if not isinstance(multistart, int) or multistart < 1:
        raise OptionError(f"multistart must be a positive integer, got {multistart!r}")
    if strat.exact and multistart > 1:
        raise OptionError(f"multistart is for local strategies; {strat.name!r} is global")
    if not strat.exact:
        refuse_discrete_leader(game, f"strategy {strat.name!r}")
    # an exact strategy's integral decision is judged on a copy with continuous leader Vars
    judged = relaxed_leader(game) if discrete_leader_vars(game) else game
    evaluator = KKTEvaluator(judged)
    rng = np.random.default_rng(seed)
    best = None
    history = []
    for start in range(multistart):
        problem = MPECProblem(game)
        strat.accepts(problem)
        chosen = _pick_solver(strat, solver, problem)
        strat.apply(problem)
        if start > 0:
            _randomize(problem, rng)
        outcome = strat.solve(problem, chosen, dict(solver_options or {}), time_limit)
        history += [{"start": start, **row} for row in outcome.history]
        run_ = outcome.run
        if not run_.has_solution:
            candidate = (9, np.inf, run_, None, None)
        else:
            value = float(pyo.value(problem.leader_objective.expr))
            sign = 1.0 if problem.leader_objective.sense == pyo.minimize else -1.0
            candidate = (_BETTER.get(run_.status, 5), sign * value, run_, problem.values(), value)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    _, _, run_, values, reported = best
    status = run_.status
    if status == "optimal" and not strat.exact:
        status = "locally_optimal"
    proven = strat.exact and status == "optimal"
    return honest_result(
        judged,
        evaluator,
        status=status,
        values=values or {},
        reported_objective=reported,
        message=run_.message,
        history=history,
        info={"strategy": strat.name, "solver": chosen},
        global_bound=GlobalBound(chosen, True, reported) if proven else None,
    )
