"""Solver detection and one call convention for every Pyomo solver stackopt drives.

``run_solver`` solves a Pyomo model and maps the solver's termination condition to a stackopt
status; it never raises for a solver failure. Licensed solvers (Knitro, Gurobi) are detected, never
required.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.common.log import LoggingIntercept
from pyomo.common.tee import capture_output
from pyomo.mpec import Complementarity
from pyomo.opt import TerminationCondition as TC

from stackopt.backends.ipopt_deadline import WallClock
from stackopt.backends.scip_output import scip_releasing_the_gil, scip_with_incumbent
from stackopt.backends.solver_interrupt import interruptible
from stackopt.errors import SolverUnavailableError, explained
from stackopt.solver_output import showing

#: stackopt solver name -> Pyomo SolverFactory name
PYOMO_NAMES = {
    "ipopt": "cyipopt",
    "highs": "appsi_highs",
    "scip": "scip_direct",
    "knitro": "knitro_direct",
    "gurobi": "gurobi_direct",
}
LOCAL_SOLVERS = ("ipopt", "knitro")
GLOBAL_SOLVERS = ("highs", "scip", "gurobi")

_STATUS = {
    TC.optimal: "optimal",
    TC.globallyOptimal: "optimal",
    TC.locallyOptimal: "locally_optimal",
    TC.feasible: "feasible",
    TC.infeasible: "infeasible",
    TC.invalidProblem: "error",
    TC.maxIterations: "iteration_limit",
    TC.maxTimeLimit: "time_limit",
    TC.maxEvaluations: "iteration_limit",
    TC.unbounded: "error",
    TC.infeasibleOrUnbounded: "error",  # unless the feasibility solve decides (run_solver)
    TC.userInterrupt: "interrupted",  # SCIP catches Ctrl-C itself and stops
    TC.resourceInterrupt: "interrupted",  # Pyomo's name for it (contrib's "interrupted")
}

#: the statuses of a solve stopped short, whose point (if any) is loaded
STOPPED = ("time_limit", "iteration_limit", "interrupted")
#: a termination condition in words (its name otherwise)
_WORDS = {
    TC.optimal: "optimal",
    TC.globallyOptimal: "optimal",
    TC.locallyOptimal: "locally optimal",
    TC.maxTimeLimit: "stopped at the time limit",
    TC.maxIterations: "stopped at its iteration limit",
    TC.maxEvaluations: "stopped at its evaluation limit",
    TC.unbounded: "unbounded",
    TC.infeasible: "infeasible",
    TC.userInterrupt: "interrupted (Ctrl-C)",
    TC.resourceInterrupt: "interrupted (Ctrl-C)",
}

#: Ipopt refuses NaN or infinite derivatives (a status) instead of factorizing them
IPOPT_NAN_CHECK = {"check_derivatives_for_naninf": "yes"}
#: an evaluation error (a division by zero inside the bounds) ends an Ipopt solve as an error
#: status: recovering from one, Debian's Ipopt 3.11.9 can crash the process (SIGSEGV in dnrm2)
HALT_ON_EVALUATION_ERROR = True
#: the retry of an Ipopt solve after an evaluation error: iterates inside the bounds, not Ipopt's
#: default relaxation of them by 1e-8, outside of which a function may be undefined (y^1.5 at
#: y = -1e-9). Not the first try: where a function is steep at a bound (entropy x log x) Ipopt
#: converges slower without the relaxation (the certificate's best responses on QRE subsidies
#: 3 x 10: 2 s in all)
INSIDE_THE_BOUNDS = {"bound_relax_factor": 0.0}
#: the logger of Pyomo's cyipopt solver, which logs an evaluation error's traceback
PYNUMERO_SOLVER_LOG = "pyomo.contrib.pynumero.algorithms.solvers.cyipopt_solver"
#: Pyomo's solver interfaces redirect the process's output streams while they run (its
#: ``capture_output``), which is process-wide state: solves in threads take turns
SOLVER_CALL = threading.Lock()


@contextlib.contextmanager
def solver_printout() -> Iterator[io.StringIO]:
    """What a solver prints inside the block (to the process's file descriptors too), taken
    under :data:`SOLVER_CALL`; read it after the block (an option a solver refuses, in its
    words: :mod:`.ipopt_options`, :mod:`.global_options`)."""
    printed = io.StringIO()
    with SOLVER_CALL, capture_output(printed, capture_fd=True):
        yield printed


@dataclass
class SolverRun:
    """What one solver call returned: a stackopt status, the solver's message, whether values load."""

    status: str
    message: str
    has_solution: bool
    #: the solver's iterations, where it reports them
    iterations: int = 0
    #: the solver proved the objective unbounded (the status is then "error")
    unbounded: bool = False


@functools.cache
def available(solver: str) -> bool:
    """True if the stackopt solver name can run on this machine."""
    name = PYOMO_NAMES.get(solver)
    if name is None:
        return False
    try:
        return bool(pyo.SolverFactory(name).available(exception_flag=False))
    except Exception:  # a broken plugin is an unavailable solver
        return False


def require(solver: str) -> None:
    """Raise :class:`SolverUnavailableError` naming the solver if it cannot run here."""
    if solver not in PYOMO_NAMES:
        raise SolverUnavailableError(
            f"unknown solver {solver!r}; stackopt drives {', '.join(sorted(PYOMO_NAMES))}"
        )
    if not available(solver):
        raise SolverUnavailableError(f"solver {solver!r} is not available on this machine")


def solver_message(message: str | bytes) -> str:
    """A solver's status message as text (cyipopt returns bytes)."""
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def refuse_complementarity(model: pyo.Block, solver: str) -> None:
    """Refuse a model that still holds an active Complementarity: writers and solvers would
    otherwise drop it silently."""
    left = next(model.component_data_objects(Complementarity, active=True), None)
    if left is not None:
        raise RuntimeError(
            f"Complementarity {left.name} was not reformulated; refusing to hand it to {solver}"
        )


#: the zero objective of the solve that decides a solver's "infeasible or unbounded"
FEASIBILITY_OBJECTIVE = "stackopt_feasibility"


def _infeasible_or_unbounded(
    model: pyo.Block, solver: str, options: dict, time_limit: float | None, warm_start: bool
) -> SolverRun:
    """Which of the two a solver's "infeasible or unbounded" was (HiGHS' presolve often cannot
    tell): the same model with a zero objective is solved once more; a feasible point means that
    the objective is unbounded (status "error"), none that the model is infeasible. The solve
    with the zero objective is not decided again: its own "infeasible or unbounded" stays one."""
    if model.component(FEASIBILITY_OBJECTIVE) is not None:
        return SolverRun("error", "infeasible or unbounded", False)
    objectives = list(model.component_data_objects(pyo.Objective, active=True))
    for obj in objectives:
        obj.deactivate()
    model.add_component(FEASIBILITY_OBJECTIVE, pyo.Objective(expr=0.0))
    try:
        run = run_solver(model, solver, options, time_limit, warm_start)
    finally:
        model.del_component(FEASIBILITY_OBJECTIVE)
        for obj in objectives:
            obj.activate()
    if run.status in ("optimal", "feasible"):
        return SolverRun(
            "error", f"{solver}: unbounded (a feasible point exists)", False, unbounded=True
        )
    if run.status == "infeasible":
        return SolverRun(
            "infeasible", f"{solver}: infeasible (no point, whatever the objective)", False
        )
    return SolverRun(
        "error", f"infeasible or unbounded (the feasibility solve: {run.message})", False
    )


@contextlib.contextmanager
def no_suffix_import(model: pyo.Block) -> Iterator[None]:
    """While inside, the model's IMPORT Suffixes ``dual`` and ``rc`` import nothing. Pyomo's
    interfaces to SCIP and HiGHS fill them from the solver's duals, and SCIP has none: its
    solve failed ("ScipSolutionLoader ... get_duals") on a game whose ``dual`` Suffix a previous
    ``so.solve`` had filled (:mod:`stackopt.solution_loading`), or that a user declared. No
    stackopt solve reads a solver's duals from a Suffix."""
    suffixes = [
        suffix
        for suffix in (model.component("dual"), model.component("rc"))
        if isinstance(suffix, pyo.Suffix) and suffix.import_enabled()
    ]
    directions = [suffix.direction for suffix in suffixes]
    for suffix in suffixes:
        suffix.direction = pyo.Suffix.LOCAL
    try:
        yield
    finally:
        for suffix, direction in zip(suffixes, directions):
            suffix.direction = direction


@contextlib.contextmanager
def without_feasible_rows(model: pyo.Block) -> Iterator[None]:
    """While inside, the model's active constraints written ``pyo.Constraint.Feasible`` (a
    constant row that holds, 0 <= 0) are deactivated: they constrain nothing, and Pyomo's
    interface to SCIP cannot write them ("unrecognized expression type
    TrivialRelationalExpression")."""
    rows = [
        c
        for c in model.component_data_objects(pyo.Constraint, active=True)
        if c.expr is pyo.Constraint.Feasible
    ]
    for c in rows:
        c.deactivate()
    try:
        yield
    finally:
        for c in rows:
            c.activate()


def run_solver(
    model: pyo.Block,
    solver: str,
    options: dict | None = None,
    time_limit: float | None = None,
    warm_start: bool = False,
) -> SolverRun:
    """Solve ``model`` with ``solver``; load the solution when there is one; map the status.

    A model that still holds an active Complementarity is refused. ``time_limit`` is the time left
    in seconds (Ipopt's ``max_cpu_time``, SCIP's ``limits/time``, HiGHS' ``time_limit``). The solver prints its own log when the running solve asked for it
    (``so.solve(..., tee=True)``, :mod:`stackopt.solver_output`). With ``warm_start`` a global
    solver gets the model's values as its incumbent: HiGHS and Gurobi by Pyomo's ``warmstart``,
    SCIP as a complete solution (:func:`.scip_output.scip_with_incumbent`; the message says
    where SCIP's own check refused it). Ipopt starts from the model's values anyway.
    """
    refuse_complementarity(model, solver)
    opts = dict(options or {})
    name = PYOMO_NAMES[solver]
    tee = showing()
    if solver == "ipopt":
        opts.setdefault("print_level", 5 if tee else 0)
        opts.setdefault("sb", "yes")
        opts = {**IPOPT_NAN_CHECK, **opts}
        if time_limit is not None:
            opts["max_cpu_time"] = float(time_limit)
        clock = WallClock(None)  # no deadline of its own (max_cpu_time); counts the iterations
        try:
            # Pyomo logs an evaluation error's traceback before raising it; the error is this
            # solve's status and message
            with (
                SOLVER_CALL,
                LoggingIntercept(module=PYNUMERO_SOLVER_LOG, level=logging.ERROR),
                interruptible(),
            ):
                res = pyo.SolverFactory(name).solve(
                    model,
                    options=opts,
                    tee=tee,
                    halt_on_evaluation_error=HALT_ON_EVALUATION_ERROR,
                    intermediate_callback=clock,
                )
        except Exception as exc:  # an evaluation error inside Ipopt ends this solve only
            return SolverRun("error", f"ipopt: {explained(exc)}", False)
        tc = res.solver.termination_condition
        status = _STATUS.get(tc, "error")
        return SolverRun(status, solver_message(res.solver.message), True, clock.iterations)
    if solver == "scip":
        opts.setdefault("limits/gap", 1e-9)
        opts.setdefault("display/verblevel", 4 if tee else 0)
        if time_limit is not None:
            opts["limits/time"] = max(0.01, float(time_limit))
    scip_start = warm_start and solver == "scip"
    solver_obj = scip_with_incumbent() if scip_start else pyo.SolverFactory(name)
    kwargs = {"load_solutions": False, "options": opts, "tee": tee}
    if warm_start and not scip_start:
        kwargs["warmstart"] = True
    releasing = scip_releasing_the_gil() if solver == "scip" else contextlib.nullcontext()
    if time_limit is not None:
        kwargs["timelimit"] = float(time_limit)
    try:
        # SCIP's output goes through a pipe that a Python thread drains: its solve releases the GIL
        with SOLVER_CALL, releasing, no_suffix_import(model), without_feasible_rows(model):
            res = solver_obj.solve(model, **kwargs)
    except Exception as exc:
        return SolverRun("error", f"{solver}: {type(exc).__name__}: {exc}", False)
    tc = res.solver.termination_condition
    if tc == TC.infeasibleOrUnbounded:
        return _infeasible_or_unbounded(model, solver, opts, time_limit, warm_start)
    status = _STATUS.get(tc, "error")
    has = len(res.solution) > 0 if hasattr(res, "solution") else False
    if status in ("optimal", "feasible", *STOPPED) and has:
        # a limit's point is loaded on purpose: Pyomo's warning about an 'aborted' status is noise
        with LoggingIntercept(module="pyomo.core", level=logging.WARNING):
            model.solutions.load_from(res)
    elif status == "optimal":
        has = False
    message = f"{solver}: {_WORDS.get(tc, str(tc))}"
    if status in STOPPED and not has:
        message += " before it found a feasible point"
    if scip_start and not solver_obj.start_accepted:
        message += "; SCIP's own check refused the warm start"
    return SolverRun(status, message, has, unbounded=tc == TC.unbounded)
