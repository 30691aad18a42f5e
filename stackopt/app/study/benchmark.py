"""``so.benchmark``: methods run over the benchmark collection, one row per problem x method.

A run *solves* a problem when its status is a success (``res.success``, earned by the certificate)
and its recomputed leader objective is within the record's tolerance of the known optimum:
``|f - f*| <= tolerance * max(1, |f*|)`` (:meth:`stackopt.models.benchmarks.Problem.solved`).

The problems and every method's options are checked before the first run (the methods by their
own checks, :func:`stackopt.app.study.option_checks.check_method_options`). A game that a method
refuses (a :class:`stackopt.ModelError`: ``value-function`` takes linear functions, the KKT methods
continuous followers), or any other exception in one run, is that run's row with status
``"error"`` and the exception as its message, as in a study's cell; the bench goes on. Ctrl-C
ends the bench: :class:`BenchmarkInterrupted` carries the rows finished so far.
"""

from __future__ import annotations

import difflib
import inspect
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from stackopt.app.study.option_checks import check_method_options
from stackopt.catalog import check_method_name, runner
from stackopt.errors import OptionError
from stackopt.result import Result
from stackopt.solve import solve

SOLVED_RULE = "solved: success status and |f - f*| <= tol * max(1, |f*|)"
DEFAULT_METHODS = {
    "mpec sos1": {"method": "mpec", "strategy": "sos1"},
    "mpec penalty": {"method": "mpec", "strategy": "penalty"},
}
#: tags of the problems left out unless asked for: no KKT reformulation takes an integer follower
INTEGER_TAGS = ("integer_leader", "integer_follower")
COLUMNS = [
    "problem",
    "family",
    "method",
    "status",
    "success",
    "leader_objective",
    "optimum",
    "solved",
    "wall_time",
    "cpu_time",
    "message",
]
LISTING = "stackopt bench --list, or stackopt.models.benchmarks.problems(), lists them"


class BenchmarkInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`benchmark`: ``table`` holds the rows of the runs that ended before it
    (the interrupted run's own row, status ``"interrupted"``, included) and ``planned`` is the
    number of runs the bench was to make."""

    def __init__(self, table: pd.DataFrame, planned: int) -> None:
        super().__init__(f"{len(table)} of {planned} runs ended before Ctrl-C")
        self.table, self.planned = table, planned


def method_spec(text: str) -> tuple[str, dict[str, Any]]:
    """``"mpec:scholtes"`` -> ``("mpec scholtes", {"method": "mpec", "strategy": "scholtes"})``."""
    if not isinstance(text, str):
        raise OptionError(
            f"benchmark method {text!r}: expected 'method[:strategy]' or a dict "
            "{label: {'method': ..., **options}}"
        )
    method, colon, strategy = text.partition(":")
    if colon and not strategy:
        raise OptionError(f"benchmark method {text!r}: no strategy after ':' (write {method!r})")
    options: dict[str, Any] = {"method": method}
    if strategy:
        options["strategy"] = strategy
    return text.replace(":", " "), options


def method_specs(
    methods: Mapping[str, Mapping[str, Any]] | Iterable[str] | str | None,
) -> dict[str, dict[str, Any]]:
    """``{label: {"method": ..., **options}}`` from what :func:`benchmark` takes as ``methods``:
    that mapping, strings ``"method[:strategy]"`` or one such string (default:
    :data:`DEFAULT_METHODS`)."""
    if methods is None:
        methods = DEFAULT_METHODS
    elif isinstance(methods, str):
        methods = [methods]
    if not isinstance(methods, Mapping):
        methods = dict(method_spec(m) for m in methods)
    if not methods:
        raise OptionError("no benchmark method given")
    for label, spec in methods.items():
        if not isinstance(spec, Mapping):
            raise OptionError(
                f"benchmark method {label!r}: expected a dict of solve options such as "
                f"{{'method': 'mpec', 'strategy': 'sos1'}}, got {spec!r}"
            )
        if "method" not in spec:
            raise OptionError(
                f"benchmark method {label!r} has no 'method' key (its options: "
                f"{', '.join(map(str, spec)) or 'none'}); e.g. {{'method': 'mpec', **options}}"
            )
    return {label: dict(spec) for label, spec in methods.items()}


def checked_runs(
    methods: Mapping[str, Mapping[str, Any]], time_limit: float | None
) -> dict[str, tuple[str, dict[str, Any]]]:
    """``{label: (method, options)}``, each checked by the method's own checks without solving;
    ``time_limit`` goes to each method that takes one (unless its options set their own)."""
    runs = {}
    for label, spec in methods.items():
        options = dict(spec)
        method = options.pop("method")
        where = f"benchmark method {label!r}"
        check_method_name(method, f"{where}: ")
        if time_limit is not None and "time_limit" in inspect.signature(runner(method)).parameters:
            options.setdefault("time_limit", time_limit)
        check_method_options(method, options, where)
        runs[label] = (method, options)
    return runs


def select(
    problems: Iterable[Any] | str | None = None, tags: Iterable[str] | str = ()
) -> list[Any]:
    """The problems to run: ``problems`` (records or names), else those with every tag in ``tags``;
    problems with integer Vars (:data:`INTEGER_TAGS`) only where a tag or a name asks for them.
    An empty or unknown choice is an :class:`OptionError` saying what there is."""
    from stackopt.models.benchmarks import problems as collection

    tags = [tags] if isinstance(tags, str) else list(tags)
    if problems is None:
        integer = any(t in INTEGER_TAGS for t in tags)
        chosen = collection(tags=tags, exclude=[] if integer else INTEGER_TAGS)
        if not chosen:
            raise OptionError(_no_problem_with(tags, integer))
        return chosen
    if tags:
        raise OptionError(
            f"benchmark problems are chosen by name or by tag, not both (tags {tags}); "
            "give the names alone"
        )
    by_name = {p.name: p for p in collection()}
    out = []
    for p in [problems] if isinstance(problems, str) else problems:
        if isinstance(p, str):
            if p not in by_name:
                near = difflib.get_close_matches(p, by_name, n=4)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                raise OptionError(f"unknown benchmark problem {p!r}{hint} ({LISTING})")
            p = by_name[p]
        out.append(p)
    if not out:
        raise OptionError(f"no benchmark problem given ({LISTING})")
    return out


def _no_problem_with(tags: list[str], integer: bool) -> str:
    """Why a choice by ``tags`` is empty, with the tags that the problems carry."""
    from stackopt.models.benchmarks import problems as collection

    carried = Counter(t for p in collection() for t in sorted(p.tags))
    left_out = (
        ""
        if integer
        else f" (problems with integer Vars left out unless a tag {' or '.join(INTEGER_TAGS)} is asked for)"
    )
    counts = ", ".join(f"{t} ({n})" for t, n in sorted(carried.items()))
    return (
        f"no benchmark problem has the tags {tags}{left_out}; the tags the problems carry, "
        f"with their counts: {counts}; {LISTING}"
    )


def benchmark(
    problems: Iterable[Any] | str | None = None,
    methods: Mapping[str, Mapping[str, Any]] | Iterable[str] | str | None = None,
    time_limit: float | None = 60.0,
    tags: Iterable[str] | str = (),
) -> pd.DataFrame:
    """Run each method on each problem; a DataFrame with one row per problem x method.

    ``problems``: records of :func:`stackopt.models.benchmarks.problems` or their names; or
    ``tags``: the problems with every one of these tags (not both). By default, and for tags that
    name no ``integer_leader`` or ``integer_follower``, problems with integer Vars are left out.
    ``methods``: ``{label: {"method": ..., **options}}``, or strings ``"method[:strategy]"`` (one
    string or a list; default: ``mpec`` with ``sos1`` and ``penalty``). ``time_limit`` (seconds)
    goes to every method that takes one. The problems and the methods' options are checked
    before the first run. Columns: problem, family, method, status, success, leader_objective,
    optimum, solved (a success status and |f - f*| <= tolerance * max(1, |f*|):
    :meth:`stackopt.models.benchmarks.Problem.solved`), wall_time, cpu_time, message.

    A run that raises (a game the method refuses: :class:`stackopt.ModelError`) is a row with
    status ``"error"`` and the exception as message, and the bench goes on. Ctrl-C raises
    :class:`BenchmarkInterrupted` (a ``KeyboardInterrupt``) whose ``table`` holds the rows so far.
    """
    chosen = select(problems, tags)
    runs = checked_runs(method_specs(methods), time_limit)
    rows: list[dict[str, Any]] = []
    try:
        for problem in chosen:
            for label, (method, options) in runs.items():
                rows.append(_run(problem, label, method, options))
                if rows[-1]["status"] == "interrupted":  # solve took the Ctrl-C: the bench stops
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        raise BenchmarkInterrupted(_table(rows), len(chosen) * len(runs)) from None
    return _table(rows)


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a DataFrame; leader_objective is a float column (NaN where a run has none)."""
    return pd.DataFrame(rows, columns=COLUMNS).astype({"leader_objective": float})


def _run(problem: Any, label: str, method: str, options: dict[str, Any]) -> dict[str, Any]:
    """One run's row; an exception (a game the method refuses) is an ``"error"`` row."""
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        res = solve(problem.build(), method=method, **options)
    except Exception as exc:
        res = Result(status="error", message=f"{type(exc).__name__}: {exc}")
        res.wall_time = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    value = res.leader_objective
    return {
        "problem": problem.name,
        "family": problem.family,
        "method": label,
        "status": res.status,
        "success": res.success,
        "leader_objective": value,
        "optimum": problem.optimum,
        "solved": bool(res.success and problem.solved(value)),
        "wall_time": res.wall_time,
        "cpu_time": cpu,
        "message": res.message,
    }
