"""``so.benchmark``: methods run over the benchmark collection, one row per problem x method.

A run *solves* a problem when its status is a success (``res.success``, earned by the certificate)
and its recomputed leader objective is within the record's tolerance of the known optimum:
``|f - f*| <= tolerance * max(1, |f*|)`` (:meth:`stackopt.models.benchmarks.Problem.solved`).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from stackopt.catalog import runner
from stackopt.errors import OptionError
from stackopt.solve import METHODS, solve

SOLVED_RULE = "solved: success status and |f - f*| <= tol * max(1, |f*|)"
DEFAULT_METHODS = {
    "mpec sos1": {"method": "mpec", "strategy": "sos1"},
    "mpec penalty": {"method": "mpec", "strategy": "penalty"},
}


def method_spec(text: str) -> tuple[str, dict[str, Any]]:
    """``"mpec:scholtes"`` -> ``("mpec scholtes", {"method": "mpec", "strategy": "scholtes"})``."""
    method, _, strategy = text.partition(":")
    options: dict[str, Any] = {"method": method}
    if strategy:
        options["strategy"] = strategy
    return text.replace(":", " "), options


def _records(problems: Iterable[Any] | None) -> list[Any]:
    from stackopt.models.benchmarks import problems as collection

    if problems is None:
        return collection(exclude=["integer_leader", "integer_follower"])
    by_name = {p.name: p for p in collection()}
    out = []
    for p in problems:
        if isinstance(p, str):
            if p not in by_name:
                raise OptionError(f"unknown benchmark problem {p!r}; see problems()")
            p = by_name[p]
        out.append(p)
    return out


def benchmark(
    problems: Iterable[Any] | None = None,
    methods: Mapping[str, Mapping[str, Any]] | Iterable[str] | None = None,
    time_limit: float | None = 60.0,
) -> pd.DataFrame:
    """Run each method on each problem; a DataFrame with one row per problem x method.

    ``problems``: records of :func:`stackopt.models.benchmarks.problems` or their names (default:
    every problem without integer Vars). ``methods``: ``{label: {"method": ..., **options}}`` or
    strings ``"method[:strategy]"`` (default: ``mpec`` with ``sos1`` and ``penalty``).
    ``time_limit`` (seconds) goes to every method that takes one. Columns: problem, family, method, status, success,
    leader_objective, optimum, solved (see the module docstring), wall_time, cpu_time, message.
    """
    if methods is None:
        methods = DEFAULT_METHODS
    elif not isinstance(methods, Mapping):
        methods = dict(method_spec(m) for m in methods)
    rows = []
    for problem in _records(problems):
        for label, spec in methods.items():
            options = dict(spec)
            method = options.pop("method", None)
            if method not in METHODS:
                raise OptionError(f"benchmark method {label!r}: unknown method {method!r}")
            if (
                time_limit is not None
                and "time_limit" in inspect.signature(runner(method)).parameters
            ):
                options.setdefault("time_limit", time_limit)
            cpu = time.process_time()
            res = solve(problem.build(), method=method, **options)
            cpu = time.process_time() - cpu
            value = res.leader_objective
            rows.append(
                {
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
            )
    return pd.DataFrame(rows)
