"""MPEC strategies, the gradient method and pympcc's Scholtes on the benchmark collection.

Prints, per method: problems solved / attempted, solved among those whose followers are convex
(the gradient method's goal is the best strategy's count there), ``error`` statuses, the median
CPU time over the attempted ones
(solved = success status and the recomputed leader objective within the record's tolerance of the
known optimum, :data:`stackopt.app.study.benchmark.SOLVED_RULE`), ``fastest`` (the problems on
which it is the fastest of the local strategies that solve them) and its Ipopt iterations on
``bard1`` (stackopt's count, ``Result.info["iterations"]``: continuation and polishing; pympcc's
``n_ipopt_iter_total``); then the median CPU time of the best local strategy and of pympcc on the
problems both solve, and the same for the penalty from the model's start alone
(``penalty multistart=1``). Those two comparisons are timed again head to head: on each problem
both solve, stackopt and pympcc run ``--reps`` times each, alternating, and each problem counts its
least CPU time per side (the machine's noise only ever adds time; the first pass's single times
are printed too). The local strategies run with their default starts (the model's, the
high-point relaxation's, random ones after failures: ``stackopt.backends.mpec_starts``). pympcc (``pip install pympcc``, or ``pip install stackopt[bench]``) gets the
same MPEC (``stackopt.KKTTransformation``, read by ``pympcc.frontend.pyomo.from_pyomo``); its
leader decision is judged like stackopt's, by ``method="initial"`` at that decision; its CPU time
is ``pympcc.solve`` alone (the .nl round trip that builds its problem is not counted).

    python benchmarks/mpec_strategies.py [--time-limit 30] [--quick] [--reps 3]

``--quick`` leaves out the three gnash instances on which Scholtes takes 20-40 s.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import pyomo.environ as pyo

import stackopt as so
from stackopt.app.study.benchmark import SOLVED_RULE
from stackopt.models.benchmarks import problems

LOCAL = [
    "scholtes",
    "smoothed-fb",
    "penalty",
    "kanzow-schwartz",
    "nlp",
]
#: the penalty from the model's start alone (``multistart=1``), next to its default starts
SINGLE = "penalty multistart=1"


def stackopt_rows(records, time_limit: float) -> pd.DataFrame:
    """Every local strategy and the gradient method on every problem; ``sos1`` (global, SCIP)
    and ``bigm`` (global, derived big-M; HiGHS when linear, else SCIP) where the followers are
    linear or quadratic (not gnash, whose p(Q) = Q^(-1/g) SCIP cannot take within the limit);
    bigm attempts only the problems whose big-M it can derive (on the others it raises a
    ModelError before any solve: so.benchmark's error row, left out and listed)."""
    methods = {s: {"method": "mpec", "strategy": s} for s in LOCAL}
    methods[SINGLE] = {"method": "mpec", "strategy": "penalty", "multistart": 1}
    methods["gradient"] = {"method": "gradient"}
    table = so.benchmark(problems=records, methods=methods, time_limit=time_limit)
    exact = [p for p in records if p.family != "gnash"]
    sos1 = {"sos1": {"method": "mpec", "strategy": "sos1"}}
    tables = [table, so.benchmark(problems=exact, methods=sos1, time_limit=time_limit)]
    bigm = so.benchmark(
        problems=exact,
        methods={"bigm": {"method": "mpec", "strategy": "bigm"}},
        time_limit=time_limit,
    )
    refused = bigm["message"].str.startswith("ModelError", na=False)
    print(f"bigm derives no big-M for: {', '.join(bigm.loc[refused, 'problem'])}")
    return pd.concat([*tables, bigm[~refused]])


def pympcc_run(record):
    """pympcc's Scholtes on ``record``'s MPEC: (its CPU time, ``pympcc.solve`` alone; its output;
    the game; the MPEC; pympcc's problem)."""
    import pympcc
    from pympcc.frontend.pyomo import from_pyomo

    game = record.build()
    mpec = so.KKTTransformation().create_using(game)
    built = from_pyomo(mpec)
    cpu = time.process_time()
    out = pympcc.solve(built.problem, strategy="scholtes")
    return time.process_time() - cpu, out, game, mpec, built


def pympcc_rows(records) -> pd.DataFrame:
    """pympcc's Scholtes on each problem's MPEC, judged by stackopt's honest evaluation."""
    from pympcc.frontend.pyomo import apply_solution

    rows = []
    for p in records:
        cpu, out, game, mpec, built = pympcc_run(p)
        apply_solution(mpec, out.x, built.var_index)
        for v in game.component_data_objects(pyo.Var, descend_into=False):
            v.set_value(mpec.find_component(v.name).value, skip_validation=True)
        res = so.solve(game, method="initial")
        ok = bool(out.success and res.success and p.solved(res.leader_objective))
        rows.append({"problem": p.name, "method": "pympcc scholtes", "solved": ok, "cpu_time": cpu})
    return pd.DataFrame(rows)


def stackopt_seconds(record, options: dict, time_limit: float) -> float:
    """stackopt's CPU time for ``so.solve`` on ``record``'s game (the study runner's measure)."""
    game = record.build()
    cpu = time.process_time()
    so.solve(game, **options, time_limit=time_limit)
    return time.process_time() - cpu


def head_to_head(records, options: dict, reps: int, time_limit: float) -> tuple[float, float]:
    """Medians over ``records`` of each problem's least CPU time in ``reps`` alternating runs:
    (stackopt with ``options``, pympcc's Scholtes)."""
    ours, theirs = [], []
    for record in records:
        mine, other = np.inf, np.inf
        for _ in range(reps):
            mine = min(mine, stackopt_seconds(record, options, time_limit))
            other = min(other, pympcc_run(record)[0])
        ours.append(mine)
        theirs.append(other)
    return float(np.median(ours)), float(np.median(theirs))


def bard1_iterations(records) -> dict[str, int]:
    """Ipopt iterations on bard1 per local strategy (stackopt's count) and pympcc's Scholtes."""
    bard1 = next(p for p in records if p.name == "bard1")
    out = {}
    for strategy in LOCAL:
        res = so.solve(bard1.build(), method="mpec", strategy=strategy)
        out[strategy] = res.info.get("iterations", 0)
    try:
        import pympcc
        from pympcc.frontend.pyomo import from_pyomo

        built = from_pyomo(so.KKTTransformation().create_using(bard1.build()))
        run = pympcc.solve(built.problem, strategy="scholtes")
        out["pympcc scholtes"] = run.n_ipopt_iter_total
    except ModuleNotFoundError:
        pass
    return out


def fastest(table: pd.DataFrame) -> pd.Series:
    """Per local strategy: the problems it solves in the least CPU time among the local ones."""
    local = table[table["method"].isin(LOCAL) & table["solved"]]
    best = local.loc[local.groupby("problem")["cpu_time"].idxmin()]
    return best["method"].value_counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--reps", type=int, default=3, help="runs per side and problem of the head-to-head timing"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    records = problems(exclude=["integer_leader", "integer_follower"])
    if args.quick:
        records = [p for p in records if p.name not in {"gnash10", "gnash11", "gnash16"}]
    table = stackopt_rows(records, args.time_limit)
    try:
        table = pd.concat([table, pympcc_rows(records)])
    except ModuleNotFoundError:
        print("pympcc is not installed: pip install pympcc")
    table = table.reset_index(drop=True)
    convex = {p.name for p in records if "convex_followers" in p.tags}
    table["convex_solved"] = table["solved"] & table["problem"].isin(convex)
    table["errors"] = table["status"] == "error" if "status" in table else False
    summary = table.groupby("method", sort=False).agg(
        solved=("solved", "sum"),
        attempted=("solved", "size"),
        convex_followers=("convex_solved", "sum"),
        errors=("errors", "sum"),
        median_cpu_s=("cpu_time", "median"),
    )
    summary["fastest"] = fastest(table).reindex(summary.index).fillna(0).astype(int)
    iterations = bard1_iterations(records)
    summary["bard1_iters"] = [iterations.get(m, "") for m in summary.index]
    print(f"{len(records)} problems without integer Vars, {len(convex)} with convex followers")
    print(SOLVED_RULE)
    print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    missed = table[~table["solved"]].groupby("method", sort=False)["problem"]
    print("\nnot solved:")
    for method, names in missed:
        print(f"  {method}: {', '.join(names)}")
    local = summary.loc[[m for m in LOCAL if m in summary.index]]
    best = local["solved"].idxmax()
    if "pympcc scholtes" in summary.index:
        solved = table[table["solved"]].groupby("method")["problem"].apply(set)
        for method in dict.fromkeys([best, SINGLE]):
            both = solved[method] & solved["pympcc scholtes"]
            rows = table[table["problem"].isin(both) & table["solved"]]
            medians = rows.groupby("method")["cpu_time"].median()
            print(
                f"\non the {len(both)} problems both solve: median CPU {method} "
                f"{medians[method]:.3f} s, pympcc scholtes {medians['pympcc scholtes']:.3f} s"
            )
            options = {"method": "mpec", "strategy": method.split()[0]}
            if method == SINGLE:
                options["multistart"] = 1
            chosen = [p for p in records if p.name in both]
            mine, other = head_to_head(chosen, options, args.reps, args.time_limit)
            print(
                f"  head to head, least of {args.reps} alternating runs per problem: "
                f"{method} {mine:.3f} s, pympcc scholtes {other:.3f} s"
            )


if __name__ == "__main__":
    main()
