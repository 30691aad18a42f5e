"""``method="mpec"``: the KKT reformulation solved with a complementarity strategy.

Local strategies (penalty, the default; scholtes, smoothed-fb, kanzow-schwartz, nlp) run Ipopt (or
Knitro when licensed) from the model's starting point, the high-point relaxation's decision (the
followers at their equilibrium there) and random ones (:mod:`.mpec_starts`: by default the first two, and two random ones more when neither is
certified optimal or locally optimal), keeping the best certified Result; exact strategies (bigm,
sos1) run a global solver: HiGHS when the reformulation is linear, SCIP otherwise, given the
followers' equilibrium at the leader's start as its incumbent where that point is feasible
(:mod:`.exact_start`; ``Result.info["warm_start"]``).

``callback(state) -> bool`` sees every solve's history row (the strategy's parameter, status,
objective, complementarity, Ipopt iterations, the start and the repair round); True stops the run
before its next solve (continuation step, start or repair round). A continuation cut short is
judged at its best point so far with status "iteration_limit". Each start's end (start k of the
n planned, its kind, status, objective, the solver's iterations and seconds) and each repair round
are logged at INFO on ``stackopt.mpec``; the certificate logs its phases on
``stackopt.certificate`` (:mod:`.evaluation`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.visitor import replace_expressions

from stackopt.backends.evaluation import honest_result
from stackopt.backends.exact_start import place_warm_start
from stackopt.backends.global_options import check_global_options
from stackopt.backends.ipopt_options import checked_ipopt_options
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.mpec_starts import (
    AUTO_RANDOM_STARTS,
    AUTO_START_ITERATIONS,
    AUTO_START_MIN_ITERATIONS,
    StartPlan,
)
from stackopt.backends.progress_log import StartLog
from stackopt.backends.solvers import GLOBAL_SOLVERS, LOCAL_SOLVERS, SolverRun, require
from stackopt.backends.start_points import leader_start
from stackopt.backends.strategies import SOS1, STRATEGIES, Strategy
from stackopt.backends.strategies.base import (
    OutOfTime,
    StrategyOutcome,
    Watch,
    log,
    out_of_time,
    spent,
)
from stackopt.certificate import GlobalBound, certifying
from stackopt.discrete_leader import discrete_leader_vars, refuse_discrete_leader, relaxed_leader
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.kkt_model import KKTModel
from stackopt.near_names import did_you_mean
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
    near = did_you_mean(strategy, STRATEGIES) if isinstance(strategy, str) else ""
    raise OptionError(
        f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)} "
        f"or pass a strategy object such as stackopt.Scholtes(t_min=1e-10){near}"
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


def seed_drawn(options: dict[str, Any]) -> bool:
    """Whether ``run`` with these options (its defaults filled in) draws from its seed: a local
    strategy's random starts (``multistart`` above 1, or None: after failures). Where it does not,
    a study runs it once for all its seeds."""
    strat, starts = options["strategy"], options["multistart"]
    named = STRATEGIES.get(strat) if isinstance(strat, str) else strat
    exact = named is not None and named.exact
    return not exact and (starts is None or starts > 1)


#: the study runner's question (stackopt.app.study.grid.random_method)
SEED_DRAWN_WHEN = seed_drawn


def run(
    game: StackelbergGame,
    strategy: str | Strategy = "penalty",
    solver: str | None = None,
    multistart: int | None = None,
    seed: int = 0,
    time_limit: float | None = None,
    solver_options: dict | None = None,
    strategy_options: dict | None = None,
    repair: int | None = None,
    start: dict[str, Any] | None = None,
    callback: Callable[[dict[str, Any]], bool] | None = None,
    verbose: bool = False,
    tol: float | None = None,
    max_iter: int | None = None,
) -> Result:
    """Solve the KKT reformulation of ``game`` (an MPEC) with a complementarity strategy; an
    honest Result.

    Local strategies run an NLP solver from several starts and keep the best certified Result;
    exact strategies run a global solver (module docstring).

    Parameters
    ----------
    strategy : str or Strategy
        The complementarity reformulation: penalty (the default: the most robust local strategy
        on the benchmark collection), scholtes, smoothed-fb, kanzow-schwartz, nlp, bigm or sos1,
        or a strategy object with its own parameters (``stackopt.Scholtes(t_min=1e-10)``).
    solver : str or None
        ipopt or knitro for the smooth strategies; highs, scip or gurobi for the exact ones. None
        picks Ipopt, or HiGHS for a linear big-M problem and SCIP otherwise.
    multistart : int or None
        Number of local solves: the model's start, the high-point relaxation's leader decision
        (when it differs) with the followers at their equilibrium there, and random ones; the best certified Result is kept. None: the first two, and
        two random ones more when neither is certified (optimal or locally optimal: a feasible
        point may have a descent direction; with ``certify=False``, when neither ends in a
        success), each after the first capped at three times the first one's Ipopt iterations,
        at least 500 (:mod:`stackopt.backends.mpec_starts`).
    repair : int or None
        Rounds of deviation cuts: when the certificate finds that a follower can improve on the
        MPEC's point, the cut f_i(x, y_i) <= f_i(x, y_i^dev) is added and the MPEC solved again;
        the best certified Result is kept. None means 3 for local strategies, 0 for exact ones.
    seed : int
        Seed of the random starting points.
    time_limit : float or None
        Wall-clock limit in seconds for the whole solve (every start, the continuation and repair
        rounds), None meaning no limit for the local strategies and 300 s for the exact ones (bigm,
        sos1); each solver call gets the time left, and when it runs out the best point so far is
        returned.
    solver_options : dict or None
        Options handed to the solver as they are (Ipopt's ``print_level``, SCIP's ``limits/gap``),
        each tried on it first: an OptionError names one it refuses, in its words
        (:mod:`~stackopt.backends.ipopt_options`, :mod:`~stackopt.backends.global_options`).
    strategy_options : dict or None
        The named strategy's parameters, for callers that cannot build a strategy object (TOML
        studies, the command line). ``strategy="bigm", strategy_options={"dual_big_M": 100}`` is
        ``strategy=stackopt.BigM(dual_big_M=100)``.
    start : dict or None
        Leader Var name -> value of the first start (as in ``Result.leader``); the model's values
        otherwise. The followers start from the model's values; an exact strategy's solver gets
        the followers' equilibrium there as its incumbent, where it is feasible (module docstring).
    callback : callable or None
        ``callback(state) -> bool`` after every solve, ``state`` its history row; True stops the
        run (module docstring).
    verbose : bool
        Log every solve's history row at INFO level (logger ``stackopt.mpec``).
    tol : float or None
        The local solver's convergence tolerance for the continuation's last solve and the
        polishing (Ipopt's ``tol``; None: ``solver_options``' or Ipopt's own 1e-8).
    max_iter : int or None
        The local solver's iteration limit for each solve (Ipopt's ``max_iter``; None: its own).
    """
    strat = resolve_strategy(strategy, strategy_options)
    solver_options = dict(solver_options or {})
    for name, value in (("tol", tol), ("max_iter", max_iter)):
        if value is not None:
            if strat.exact:
                raise OptionError(
                    f"{name} is the local solver's; {strat.name!r} runs a global solver (give "
                    "time_limit, or solver_options in that solver's own names)"
                )
            solver_options[name] = value
    if not strat.exact and solver in (None, "ipopt"):
        solver_options = checked_ipopt_options(solver_options)
    if strat.exact:  # the named solver, else those the game's linearity may pick
        picked = ("scip",) if isinstance(strat, SOS1) else ("highs", "scip")
        check_global_options(picked if solver is None else (solver,), solver_options)
    first = leader_start(list(game.component_data_objects(pyo.Var, descend_into=False)), start)
    watch = Watch(callback, bool(verbose))
    if strat.exact and multistart is not None and multistart > 1:
        raise OptionError(f"multistart is for local strategies; {strat.name!r} is global")
    rounds = (0 if strat.exact else REPAIR_ROUNDS) if repair is None else repair
    if not isinstance(rounds, int) or isinstance(rounds, bool) or rounds < 0:
        raise OptionError(f"repair must be a non-negative integer, got {repair!r}")
    if not strat.exact:
        refuse_discrete_leader(game, f"strategy {strat.name!r}")
    if time_limit is None and strat.exact:
        time_limit = GLOBAL_TIME_LIMIT
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    # an exact strategy's integral decision is judged, and its warm start's equilibrium computed,
    # on a copy with continuous leader Vars (PyNumero ends the process on a discrete Var)
    judged = relaxed_leader(game) if discrete_leader_vars(game) else game
    # the first round's MPEC starts from the evaluator's KKT system, compiled once (kkt_model.py)
    compiled = KKTModel.of(game) if judged is game else None
    evaluator = KKTEvaluator(judged, None if compiled is None else compiled.copy())
    starts = 1 if strat.exact else multistart
    plan = StartPlan(judged, starts, first, np.random.default_rng(seed), evaluator)
    history: list[dict] = []
    cuts: list[tuple[str, dict[str, float]]] = []
    best_result: Result | None = None
    for round_ in range(rounds + 1):
        watch.context = {"repair": round_} if rounds else {}
        if cuts:
            log.info(
                "mpec: repair round %d of %d: the MPEC again with %d deviation cut(s) (%s)",
                round_,
                rounds,
                len(cuts),
                ", ".join(sorted({name for name, _ in cuts})),
            )
        judge = _Judge(judged, evaluator, strat, watch, round_)
        result, rows = _multistart(
            strat, solver, game, cuts, plan, deadline, solver_options, watch, judge, compiled
        )
        compiled = None  # a later round compiles its own
        history += [{"repair": round_, **row} if rounds else row for row in rows]
        if best_result is None or _rank(result, judge.sign) < _rank(best_result, judge.sign):
            best_result = result
        new = [c for c in _deviations(result) if c not in cuts]
        last = round_ == rounds or not new or result.status == "time_limit"
        if last or watch.stopped or watch.interrupted or out_of_time(deadline):
            break
        cuts += new
    assert best_result is not None  # the loop runs at least once
    if watch.interrupted and best_result.status != "interrupted":
        best_result.status = "interrupted"
        if "Ctrl-C" not in best_result.message:  # an earlier round's finished point
            best_result.message += "; interrupted (Ctrl-C) during a later solve"
    best_result.history = history  # every round's solves, whichever round's point is returned
    best_result.info["time_limit"] = time_limit
    best_result.info["iterations"] = sum(row.get("iterations", 0) for row in history)
    if cuts:
        best_result.info["deviation_cuts"] = [
            {"follower": name, "response": response} for name, response in cuts
        ]
    return best_result


#: what a later start of the default that ran into its cap says (mpec_starts.StartPlan.budget)
CAPPED = (
    f"stopped by the default's cap on a later start ({AUTO_START_ITERATIONS:g} times the first "
    f"start's Ipopt iterations, at least {AUTO_START_MIN_ITERATIONS}); multistart=k runs k starts "
    "without it"
)
#: rounds of deviation cuts for local strategies (issue 21: repair, not only refuse)
REPAIR_ROUNDS = 3
#: the default wall-clock limit of the exact (global) strategies, seconds (run's docstring says it)
GLOBAL_TIME_LIMIT = 300.0


@dataclass
class _Found:
    """One start's solve: its run, its values and objective, and its solves' history rows."""

    run: SolverRun
    solver: str
    values: dict[str, float] | None
    reported: float | None
    history: list[dict]
    #: the strategy's entries for Result.info (StrategyOutcome.info)
    info: dict
    #: why the strategy's "optimal" proves no global optimum (StrategyOutcome.caveat)
    caveat: str = ""
    #: the strategy's warnings (StrategyOutcome.warnings)
    warnings: list[str] = field(default_factory=list)
    #: an exact strategy's proven value, before polishing (StrategyOutcome.bound)
    bound: float | None = None
    #: the global solver's own point where the polishing replaced it (StrategyOutcome.unpolished)
    unpolished: dict[str, float] | None = None


def _multistart(
    strat, solver, game, cuts, plan: StartPlan, deadline, solver_options, watch, judge, compiled
):
    """The best certified Result of the starts of ``plan`` (:mod:`.mpec_starts`) on the MPEC with
    the deviation ``cuts``, within the deadline, and every solve's history rows; the MPEC is built
    on ``compiled`` (a KKTModel) where it is given. The starts share
    one reformulated model, and Ipopt's compiled NLP and tightened NLP. ``judge(found)`` certifies
    a start's point; the starts are judged in the order of their own objective (success first)
    until one is certified (optimal or locally optimal), so a start whose point the certificate
    rejects does not hide a worse one that holds."""
    problem = MPECProblem(game, compiled=compiled)
    problem.watch = watch
    for v in problem.structure.leader_vars:
        if v.name in plan.first:
            v.set_value(plan.first[v.name], skip_validation=True)
    problem.deadline = deadline
    strat.accepts(problem)
    chosen = _pick_solver(strat, solver, problem)
    if strat.exact and solver is None:  # the one the game picked (run checked those it might)
        check_global_options((chosen,), solver_options)
    try:
        strat.apply(problem)
    except OutOfTime as exc:  # no point: nothing was solved
        found = _Found(SolverRun("time_limit", str(exc), False), chosen, None, None, [], {})
        return judge(found), []
    _add_cuts(problem, cuts)
    snapshot = problem.snapshot()
    candidates: list[tuple[tuple, _Found]] = []
    judged: dict[int, Result] = {}
    history: list[dict] = []
    kinds: list[str] = []
    starts, first_iterations = plan.count(), 0
    start = 0
    while start < starts:
        if start > 0 and out_of_time(deadline, problem):
            break
        watch.context["start"] = start
        started = time.perf_counter()
        try:
            kind = plan.place(problem, start, snapshot, deadline)
        except KeyboardInterrupt:  # while a later start was placed: the finished ones are kept
            if not candidates:
                raise
            watch.interrupted = True
            break
        if start > 0 and out_of_time(deadline, problem):
            break  # the relaxation's point came too late for a solve from it
        problem.iterations_left = plan.budget(start, first_iterations)
        warm = (
            place_warm_start(problem, strat, plan.game, plan.evaluator, deadline)
            if strat.exact
            else None
        )
        found = _solve_start(strat, problem, chosen, solver_options, deadline)
        if warm is not None:
            found.info["warm_start"] = warm.info()
        if spent(problem):
            found.run.message += f"; {CAPPED}"
        iterations = sum(row.get("iterations") or 0 for row in found.history)
        line = StartLog(
            "mpec", start + 1, starts, kind, f"{found.solver} iteration", False, started
        )
        line.end(found.run.status, found.reported, iterations)  # placing the start included
        kinds.append(kind)
        history += [{"start": start, **row} for row in found.history]
        candidates.append((_raw_rank(problem, found), found))
        if start == 0:
            first_iterations = sum(row.get("iterations") or 0 for row in found.history)
        start += 1
        if watch.interrupted:
            break
        if start == starts and plan.automatic and starts == plan.count():
            best_so_far = _best_judged(candidates, judged, judge, watch)
            if not _certified(best_so_far) and not watch.interrupted:  # Ctrl-C while judging
                starts += AUTO_RANDOM_STARTS  # the default's random starts: no start certified
    best = _best_judged(candidates, judged, judge, watch)
    if len(candidates) > 1:
        best.info["starts"] = [
            {
                "start": k,
                "kind": kind,
                "status": f.run.status,
                "objective": f.reported,
                "message": f.run.message,
            }
            for k, ((_, f), kind) in enumerate(zip(candidates, kinds))
        ]
    return best, history


def _solve_start(strat, problem, chosen, solver_options, deadline) -> _Found:
    """One start's solve by the strategy, from the problem's current values."""
    watch = problem.watch
    seen = len(watch.rows)
    try:
        outcome = strat.solve(problem, chosen, dict(solver_options), deadline)
    except KeyboardInterrupt:  # Ctrl-C: the last iterate (the model's values) is judged
        watch.interrupted = True
        rows = watch.rows[seen:]
        message = "interrupted (Ctrl-C): " + (
            "the last iterate is returned" if rows else "before the first solve"
        )
        outcome = StrategyOutcome(SolverRun("interrupted", message, bool(rows)), rows)
    run_ = outcome.run
    watch.interrupted |= run_.status == "interrupted"  # a global solver that caught the Ctrl-C
    value = problem.objective_value() if run_.has_solution else None
    values = problem.values() if value is not None else None
    return _Found(
        run_,
        chosen,
        values,
        value,
        outcome.history,
        outcome.info,
        outcome.caveat,
        outcome.warnings,
        outcome.bound,
        outcome.unpolished,
    )


def _raw_rank(problem: MPECProblem, found: _Found) -> tuple[int, float]:
    """A start's own rank: its solver status (success first), then its objective (minimized)."""
    if found.reported is None:
        return (9, np.inf)
    sign = 1.0 if problem.leader_objective.sense == pyo.minimize else -1.0
    return (_BETTER.get(found.run.status, 5), sign * found.reported)


def _best_judged(candidates, judged: dict[int, Result], judge: _Judge, watch) -> Result:
    """Judge the starts in their own order until one is certified; the best judged."""
    order = sorted(range(len(candidates)), key=lambda k: candidates[k][0])
    for k in order:
        if k not in judged:
            judged[k] = judge(candidates[k][1])
            watch.interrupted |= judged[k].status == "interrupted"  # Ctrl-C while certifying
        if _certified(judged[k]) or watch.interrupted:
            break
    return min(judged.values(), key=lambda r: _rank(r, judge.sign))


def _certified(result: Result) -> bool:
    """Whether the certificate holds: status optimal or locally_optimal (a feasible point may
    have a descent direction, or its stationarity could not be checked). Under
    ``certify=False`` no status goes above feasible, and a success counts: the solver's own claim
    at a recomputed equilibrium (else every default run would add its random starts)."""
    return _BETTER.get(result.status, 5) == 0 or (not certifying() and result.success)


@dataclass
class _Judge:
    """Certifies one start's best point (of repair round ``round_``) as a Result."""

    game: StackelbergGame
    evaluator: KKTEvaluator
    strat: Strategy
    watch: Watch
    round_: int

    @property
    def sign(self) -> float:
        """+1 when the leader minimizes, -1 when it maximizes."""
        return self.evaluator.leader_sign

    def __call__(self, found: _Found) -> Result:
        """The certified Result of ``found``; where a polished point is not certified optimal, the
        better of it and the global solver's own point (:mod:`.strategies.exact_polish`)."""
        result = self._certified(found)
        if found.unpolished is None or result.status == "optimal":
            return result
        info = {k: v for k, v in found.info.items() if k != "mpec_multipliers"}
        info["polish"] = {**info.get("polish", {}), "accepted": False}
        rated = result.status
        if result.leader_objective is not None:
            rated += f" at {result.leader_objective:.8g}"
        message = (
            f"{found.run.status}: the global solver's own point (its polished point was rated "
            f"{rated})"
        )
        run = SolverRun(found.run.status, message, True, found.run.iterations)
        own = self._certified(
            replace(
                found,
                values=found.unpolished,
                reported=found.bound,
                run=run,
                info=info,
                unpolished=None,
            )
        )
        return own if _rank(own, self.sign) < _rank(result, self.sign) else result

    def _certified(self, found: _Found) -> Result:
        status = found.run.status
        if self.watch.stopped and status == "time_limit":  # cut short by the callback
            status, found.run = (
                "iteration_limit",
                SolverRun("iteration_limit", "stopped by the callback", found.run.has_solution),
            )
        if status == "optimal" and not self.strat.exact:
            status = "locally_optimal"
        proven = self.strat.exact and status == "optimal"
        info = {
            "strategy": self.strat.name,
            "solver": found.solver,
            "repair_round": self.round_,
            **found.info,
        }
        return honest_result(
            self.game,
            self.evaluator,
            status=status,
            values=found.values or {},
            reported_objective=found.reported,
            message=found.run.message,
            history=[],
            info=info,
            warnings=found.warnings,
            global_bound=(
                GlobalBound(found.solver, not found.caveat, found.bound, caveat=found.caveat)
                if proven
                else None
            ),
        )


def _rank(result: Result, sign: float) -> tuple[int, float]:
    """Success first, then the leader's objective in minimization form (``sign`` * objective)."""
    if result.leader_objective is None:
        return (9, np.inf)
    return (_BETTER.get(result.status, 5), sign * result.leader_objective)


def _deviations(result: Result) -> list[tuple[str, dict[str, float]]]:
    """(follower name, better response) for each deviation the certificate found, including those
    that the evaluation repaired (the MPEC's own follower point was then not a best response)."""
    cert = result.certificate
    if cert is None or cert.equilibrium is None:
        return []
    return list(cert.equilibrium.deviations)


def _add_cuts(problem: MPECProblem, cuts: list[tuple[str, dict[str, float]]]) -> None:
    """The deviation cuts f_i(x, y_i) <= f_i(x, y_i^dev): follower i's objective (minimization
    form) at its MPEC point is no worse than at the better response found, with the leader's and
    the other followers' Vars free. Valid for every bilevel-feasible point at which y_i^dev is
    feasible for follower i (in particular where the follower's set does not depend on them)."""
    if not cuts:
        return
    parts = {part.name: part for part in problem.structure.followers}
    rows = []
    for name, response in cuts:
        part = parts[name]
        own = {id(v): float(response[v.name]) for v in part.vars if v.name in response}
        at_response = replace_expressions(part.objective.expr, own)
        rows.append(part.sign * part.objective.expr <= part.sign * at_response)
    problem.model.stackopt_cuts = pyo.Constraint(range(len(rows)), rule=lambda b, k: rows[k])
