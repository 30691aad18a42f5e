"""A linear program or MILP written as numpy arrays against a deadline, and solved by HiGHS.

The exact Bayesian methods' models are large and regular (the single LP has A^(nK) blocks, the
DOBSS MILP A^n columns per type profile): written rule by rule they took longer to build than to
solve (Pyomo took 80 s to build ``random_game(4, 4, 4, 8)``'s MILP and hand it to HiGHS). Here a model is its
:class:`Columns` and its rows, made in parts (:class:`Rows`, compressed row form) with the clock
read before each part (:func:`build`), then passed to highspy row-wise and solved within what is
left of the time limit (:func:`solve`). Ctrl-C stops HiGHS at its next interrupt callback
(:mod:`stackopt.backends.solver_interrupt`); its own log shows with ``so.solve(tee=True)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from stackopt.backends.solver_interrupt import interruptible
from stackopt.backends.solvers import solver_printout
from stackopt.errors import SolverUnavailableError
from stackopt.solver_output import showing

T = TypeVar("T")


@dataclass
class Rows:
    """Consecutive rows, compressed: row r's entries are ``index`` / ``value`` from ``start[r]``
    to ``start[r + 1]`` (``start`` has one entry more than there are rows), within
    ``lower`` <= row <= ``upper``."""

    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


@dataclass
class Columns:
    """Objective coefficients, bounds and (for a MILP) integrality, 1 for an integer column."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray | None = None


@dataclass
class Solved:
    """HiGHS's outcome: a stackopt status ("optimal", "infeasible", "time_limit", "feasible",
    "error"), HiGHS's words for it, its point (None: it has none), the objective there, the MILP's
    dual bound, branch-and-bound nodes and LP iterations."""

    status: str
    words: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    nodes: int
    iterations: int


def stack(blocks: Sequence[Rows]) -> Rows:
    """The rows of ``blocks``, one after the other."""
    ends = np.cumsum([0] + [len(b.index) for b in blocks])
    return Rows(
        start=np.concatenate([b.start[:-1] + e for b, e in zip(blocks, ends)] + [ends[-1:]]),
        index=np.concatenate([b.index for b in blocks]),
        value=np.concatenate([b.value for b in blocks]),
        lower=np.concatenate([b.lower for b in blocks]),
        upper=np.concatenate([b.upper for b in blocks]),
    )


def build(parts: Sequence[Callable[[], T]], deadline: float | None) -> list[T]:
    """Each part made in turn, the clock (a ``time.perf_counter()`` instant, None: none) read
    before each; the parts made, fewer than asked where the deadline passed."""
    made: list[T] = []
    for make in parts:
        if deadline is not None and time.perf_counter() > deadline:
            break
        made.append(make())
    return made


def unfinished(model: str, made: int, parts: int) -> str:
    """The message of a run whose time limit passed while its model was built."""
    return (
        f"time limit while the {model} was built ({made} of its {parts} parts written): the "
        "model was not finished and HiGHS did not run"
    )


def solve(
    columns: Columns, rows: Rows, maximize: bool, deadline: float | None, method: str
) -> Solved:
    """Solve the model with HiGHS within ``deadline`` (HiGHS gets the time left, at least 1 ms;
    a MILP to relative gap 1e-9); ``method`` names the run that needs HiGHS where it is missing."""
    try:
        import highspy
    except ImportError:
        raise SolverUnavailableError(f"{method} needs HiGHS (pip install highspy)") from None
    with solver_printout():  # highspy prints its banner when it is made
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", showing())
    integer = np.zeros(len(columns.cost)) if columns.integer is None else columns.integer
    if integer.any():
        highs.setOptionValue("mip_rel_gap", 1e-9)
    if deadline is not None:
        highs.setOptionValue("time_limit", max(1e-3, deadline - time.perf_counter()))
    sense = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    highs.passModel(
        len(columns.cost),
        len(rows.lower),
        len(rows.index),
        int(highspy.MatrixFormat.kRowwise),
        int(sense),
        0.0,
        columns.cost,
        columns.lower,
        columns.upper,
        rows.lower,
        rows.upper,
        rows.start[:-1].astype(np.int32),
        rows.index.astype(np.int32),
        rows.value,
        integer.astype(np.int32),  # all 0 (continuous): an LP
    )
    # the interrupt callbacks run Python, where a Ctrl-C's signal handler asks HiGHS to stop
    highs.HandleUserInterrupt = True
    with interruptible(highs.cancelSolve):
        highs.run()
    return _solved(highs, highspy)


def _solved(highs: Any, highspy: Any) -> Solved:
    """The :class:`Solved` of HiGHS's finished run."""
    model_status, info = highs.getModelStatus(), highs.getInfo()
    has_point = info.primal_solution_status == 2  # kSolutionStatusFeasible
    statuses = highspy.HighsModelStatus
    status = {
        statuses.kOptimal: "optimal",
        statuses.kInfeasible: "infeasible",
        statuses.kTimeLimit: "time_limit",
    }.get(model_status, "feasible" if has_point else "error")
    x = np.asarray(highs.getSolution().col_value) if has_point else None
    return Solved(
        status=status,
        words=highs.modelStatusToString(model_status),
        x=x,
        objective=float(info.objective_function_value) if has_point else None,
        bound=float(info.mip_dual_bound) if has_point else None,
        nodes=max(0, int(info.mip_node_count)),
        iterations=max(0, int(info.simplex_iteration_count))
        + max(0, int(info.ipm_iteration_count)),
    )
