"""The contract of a complementarity strategy (after cvxpy's ``Reduction``).

A strategy is a small value the user passes (``strategy=Scholtes(t_min=1e-10)``, as BilevelJuMP's
modes). ``accepts`` checks the problem, ``apply`` rewrites the complementarity pairs of an
:class:`~stackopt.backends.mpec_problem.MPECProblem` into solver-friendly components, ``solve``
runs the solver (a continuation loop for the relaxations), and the solution is mapped back by the
problem's names (``MPECProblem.values``), the same for every strategy.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyomo.environ as pyo

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.solvers import SolverRun, run_solver
from stackopt.backends.strategies.polish import polish
from stackopt.messages import then
from stackopt.option_values import Range, check_fields

#: a pair counts as complementary when min(lam, s) is at most this, or lam * s at most its square,
#: both relative to the pair's scale (MPECProblem.complementary)
COMPLEMENTARITY_TOL = 1e-6

log = logging.getLogger("stackopt.mpec")


class OutOfTime(Exception):
    """A strategy's preparation (``apply``: bigm's derivation of its M values) passed the solve's
    deadline: the run ends as "time_limit" without a point."""


@dataclass
class Watch:
    """The caller's view of every solve: ``callback(row) -> bool`` on each history row, prefixed
    by the runner's ``context`` (the start, the repair round); True asks the run to stop before
    its next solve. Each row is logged at INFO when ``verbose``."""

    callback: Callable[[dict[str, Any]], bool] | None = None
    verbose: bool = False
    stopped: bool = False
    context: dict[str, Any] = field(default_factory=dict)
    #: every row seen (what a run interrupted by Ctrl-C keeps of its strategy's history)
    rows: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False

    def __call__(self, row: dict[str, Any]) -> None:
        state = {**self.context, **row}
        self.rows.append(state)
        if self.verbose:
            log.info("%s", state)
        if self.callback is not None and self.callback(state):
            self.stopped = True


@dataclass
class StrategyOutcome:
    """The last solver run of a strategy, and one history row per solve of its continuation."""

    run: SolverRun
    history: list[dict[str, Any]] = field(default_factory=list)
    #: entries for ``Result.info`` (the polishing step's, strategies/polish.py)
    info: dict[str, Any] = field(default_factory=dict)
    #: why an exact strategy's "optimal" proves no global optimum of the MPEC ("" when it does):
    #: a big-M the user gave, or one the solution is at (strategies/bigm.py)
    caveat: str = ""
    #: warnings for ``Result.warnings`` (a big-M the solution is at)
    warnings: list[str] = field(default_factory=list)
    #: an exact strategy's proven value: the leader objective at the global solver's own point,
    #: before any polishing moved it (None for local strategies)
    bound: float | None = None
    #: the global solver's own point (``MPECProblem.values``) where the polishing replaced it
    unpolished: dict[str, float] | None = None


def solve_once(
    problem: MPECProblem, solver: str, options: dict, deadline: float | None
) -> SolverRun:
    """One solve of the reformulated model, with the time left before ``deadline`` (a
    ``time.perf_counter()`` instant). Ipopt solves the NLP compiled once per problem, in memory and
    warm-started from its last multipliers
    (:class:`stackopt.backends.compiled_nlp.CompiledNLP`), within the start's
    ``problem.iterations_left`` (its ``max_iter``); other solvers get the model, and its values
    as their incumbent where ``problem.warm_start`` says they are feasible."""
    if solver == "ipopt":
        if problem.compiled is None:
            parameter = getattr(problem.block, "parameter", None)
            # imported here: PyNumero's cyipopt interface loads scipy, which `import stackopt`
            # (that names the strategies) must not pay for
            from stackopt.backends.compiled_nlp import CompiledNLP

            problem.compiled = CompiledNLP(problem.model, parameter)
        left = problem.iterations_left
        if left is not None:
            options = {**options, "max_iter": min(int(options.get("max_iter", left)), left)}
        run = problem.compiled.solve(options, deadline)
        if left is not None:
            problem.iterations_left = left - run.iterations
        return run
    left = None if deadline is None else max(0.0, deadline - time.perf_counter())
    return run_solver(problem.model, solver, options, left, problem.warm_start)


def out_of_time(deadline: float | None, problem: MPECProblem | None = None) -> bool:
    """The deadline has passed, or the caller's callback asked ``problem``'s run to stop."""
    asked = problem is not None and problem.watch is not None and problem.watch.stopped
    return asked or (deadline is not None and time.perf_counter() >= deadline)


def spent(problem: MPECProblem) -> bool:
    """The start has spent its Ipopt iterations (``problem.iterations_left``)."""
    return problem.iterations_left is not None and problem.iterations_left <= 0


class Strategy(ABC):
    """A reformulation of the complementarity pairs; subclasses set ``name`` and ``exact``."""

    name: ClassVar[str]
    #: True for the exact disjunctive reformulations that need a global (MI)NLP solver
    exact: ClassVar[bool] = False
    #: the range of each numeric parameter, checked with the types when a strategy is made
    ranges: ClassVar[dict[str, Range]] = {}

    def __post_init__(self) -> None:
        check_fields(self, self.ranges)

    def accepts(self, problem: MPECProblem) -> None:
        """Raise :class:`stackopt.ModelError` if this strategy cannot reformulate ``problem``."""

    @abstractmethod
    def apply(self, problem: MPECProblem) -> None:
        """Add the reformulation's components to ``problem.block``."""

    def solve(
        self, problem: MPECProblem, solver: str, options: dict, deadline: float | None
    ) -> StrategyOutcome:
        """One solve of the reformulated model."""
        run = solve_once(problem, solver, options, deadline)
        return StrategyOutcome(run, [self._row(problem, run)])

    def _row(self, problem: MPECProblem, run: SolverRun, **extra: Any) -> dict[str, Any]:
        value = problem.objective_value() if run.has_solution else None
        try:
            gap = problem.complementarity_gap() if run.has_solution else None
        except (ValueError, TypeError):  # a Var without a value
            gap = None
        row = {
            "status": run.status,
            "objective": value,
            "complementarity": gap,
            "iterations": run.iterations,
            **extra,
        }
        if problem.watch is not None:
            problem.watch(row)
        return row


class ContinuationStrategy(Strategy):
    """A smooth family of NLPs indexed by a parameter driven to its limit (t -> 0, mu -> 0, ...).

    The parameter is the Var ``problem.block.parameter`` held at its value by equal bounds
    (:meth:`declare_parameter`), so the NLP is compiled once. Each NLP is warm-started from the
    previous point and multipliers, even when the previous solve failed (a tighter parameter
    often succeeds where a looser one did not), with Ipopt's barrier parameter ``mu_init`` from
    :meth:`barrier` and its tolerance from :meth:`inner_tolerance`. Once a relaxed solution is
    complementary to the solver's tolerance the schedule ends there when that solve had the
    solver's own tolerance, and jumps to its last value otherwise (one more solve). The result is the last (or,
    with ``keep_best``, the best) complementary iterate; "infeasible" when no iterate is
    complementary and the last solve ended (locally) infeasible, "error" when none is
    complementary otherwise; "time_limit" with the best point so far when the deadline passes,
    "iteration_limit" when the start's Ipopt iterations (``problem.iterations_left``) run out.
    """

    parameter: ClassVar[str]
    #: Ipopt options of the strategy's own (the caller's solver_options take precedence)
    ipopt_options: ClassVar[dict] = {}
    #: stop the schedule as soon as the pairs are complementary (for penalties that only grow)
    stop_when_complementary: ClassVar[bool] = False
    #: the parameter enters the objective alone (a penalty), so the NLP's feasible set is the
    #: same at every value: a solve the solver ends (locally) infeasible stops the schedule,
    #: whose later values would restore the same violated constraints again
    same_feasible_set: ClassVar[bool] = False
    #: return the complementary iterate with the best objective (a penalty's iterates are all
    #: candidates) rather than the last one (a relaxation's looser iterates are relaxed problems,
    #: whose better objectives are no answer)
    keep_best: ClassVar[bool] = False
    #: polish the result with Ipopt: the tightened NLP at the guessed active sides
    #: (strategies/polish.py), kept when it is solved and no worse
    polishes: ClassVar[bool] = True

    @abstractmethod
    def schedule(self) -> list[float]:
        """The parameter values, in order."""

    def barrier(self, value: float) -> float:
        """Ipopt's ``mu_init`` for a warm-started solve at the new parameter ``value``: a
        relaxation of size t needs a barrier below t, or the barrier pushes the warm start
        away from the relaxed products; a hundredth of t."""
        return min(0.1, max(1e-9, 0.01 * value))

    def inner_tolerance(self, value: float) -> float:
        """Ipopt's ``tol`` for a solve before the schedule's last value: a relaxation of size t is
        solved to a tenth of t (the last value to the solver's own tolerance)."""
        return 0.1 * min(1e-2, value)

    def declare_parameter(self, problem: MPECProblem, value: float) -> pyo.Var:
        """The continuation parameter as a Var fixed by its bounds (a new value changes the
        bounds, not the compiled NLP)."""
        problem.block.parameter = pyo.Var(bounds=(value, value), initialize=value)
        return problem.block.parameter

    def set_parameter(self, problem: MPECProblem, value: float) -> None:
        """Put the parameter value into the model."""
        p = problem.block.parameter
        p.setlb(value)
        p.setub(value)
        p.set_value(value)

    def solve(
        self, problem: MPECProblem, solver: str, options: dict, deadline: float | None
    ) -> StrategyOutcome:
        """Run the schedule; return the last complementary iterate, or with ``keep_best`` the one
        with the best leader objective (a growing penalty can leave a better complementary point
        behind, MacMPEC bilevel1). Without any complementary iterate the last run is returned as
        an "error"."""
        history = []
        run = None
        best: tuple[float, SolverRun, list] | None = None
        every_var = list(problem.model.component_data_objects(pyo.Var))
        obj = problem.leader_objective
        sign = 1.0 if obj.sense == pyo.minimize else -1.0
        schedule = self.schedule()
        solver_tol = float(options.get("tol", 1e-8))
        timed_out = False
        k = 0
        while k < len(schedule):
            if out_of_time(deadline, problem) or spent(problem):
                timed_out = True
                break
            value = schedule[k]
            self.set_parameter(problem, value)
            opts = dict(options)
            if solver == "ipopt":
                opts = {**self.ipopt_options, **opts}
                if k > 0:
                    opts.setdefault("mu_init", self.barrier(value))
                if k < len(schedule) - 1:
                    opts["tol"] = max(solver_tol, self.inner_tolerance(value))
            final = opts.get("tol", solver_tol) <= solver_tol  # solved to the solver's tolerance
            run = solve_once(problem, solver, opts, deadline)
            history.append(self._row(problem, run, **{self.parameter: value}))
            k += 1
            # out of time, or out of the start's iterations (Ipopt stopped at their max_iter)
            timed_out = run.status == "time_limit" or (
                run.status == "iteration_limit" and spent(problem)
            )
            if run.status == "infeasible" and self.same_feasible_set:
                break
            if not run.has_solution or not problem.complementary(COMPLEMENTARITY_TOL):
                continue
            objective = problem.objective_value()
            if objective is None:
                continue
            cost = sign * objective
            better = best is None or cost < best[0] - 1e-9 * max(1.0, abs(best[0]))
            if better or not self.keep_best:
                best = (cost, run, [v.value for v in every_var])
            if self.stop_when_complementary:
                break
            if problem.complementarity_gap() <= solver_tol:
                if final:  # complementary at the solver's tolerance: this is the answer
                    break
                k = max(k, len(schedule) - 1)  # complementary already: the last value only
        if run is None:
            message = "time limit before the first solve; the start point is returned"
            return StrategyOutcome(SolverRun("time_limit", message, True), [])
        limit, words = (
            ("iteration_limit", "out of the start's iterations")
            if spent(problem)
            else ("time_limit", "time limit")
        )
        if best is not None:
            _, run, values = best
            for v, value in zip(every_var, values):
                v.set_value(value, skip_validation=True)
            if timed_out:
                run = SolverRun(limit, f"{words}: the best complementary iterate", True)
        # the tightened NLP has the relaxed NLP's constraints and more: no polishing of a point
        # the solver found infeasible
        infeasible = best is None and run.status == "infeasible"
        polished = None
        if (
            self.polishes
            and solver == "ipopt"
            and run.has_solution
            and not (timed_out or infeasible)
        ):
            polished = polish(problem, options, deadline, None if best is None else best[0])
            tnlp = SolverRun("optimal" if polished.accepted else "error", "", True)
            history.append(
                self._row(problem, tnlp, iterations=polished.iterations, polish=polished.solves)
            )
            if polished.accepted:
                run = SolverRun(
                    "optimal",
                    then(
                        run.message,
                        "polished by the tightened NLP "
                        f"({polished.stationarity}-stationary at its multipliers)",
                    ),
                    True,
                    run.iterations,
                )
                best = (polished.objective, run, [])
        info = {} if polished is None else polished.info()
        if best is not None:
            return StrategyOutcome(run, history, info)
        if infeasible:  # the solver's verdict on the constraints, not the pairs'
            run = SolverRun(
                "infeasible",
                f"{run.message} ({self.name}, {self.parameter} = {schedule[k - 1]:g}); the "
                "MPEC's constraints other than complementarity are violated there",
                True,
            )
        elif run.has_solution and not timed_out:
            gap = problem.complementarity_gap()
            run = SolverRun(
                # a last solve cut by the solver's iteration limit says so
                "iteration_limit" if run.status == "iteration_limit" else "error",
                f"{self.name}: complementarity gap {gap:.2e} (relative) at the end of the "
                f"continuation ({self.parameter} = {schedule[k - 1]:g})"
                + (
                    "; the pairs' violation is at a local minimum over the other constraints: "
                    "the MPEC may be infeasible (strategy='scholtes' reports local "
                    "infeasibility, 'bigm' and 'sos1' prove it)"
                    if self.same_feasible_set and run.status == "optimal"
                    else ""
                ),
                True,
            )
        elif timed_out:
            message = f"{words} before a complementary iterate; the last iterate is returned"
            run = SolverRun(limit, message, run.has_solution)
        return StrategyOutcome(run, history, info)


def geometric(start: float, factor: float, stop: float) -> list[float]:
    """start, start*factor, ... down to (and including the first value below) ``stop``."""
    if not (start > 0 and 0 < factor < 1 and stop > 0):
        raise ValueError("a continuation needs start > 0, 0 < factor < 1 and stop > 0")
    values = [start]
    while values[-1] > stop:
        values.append(values[-1] * factor)
    return values
