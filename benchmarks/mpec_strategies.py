"""MPEC strategies, the gradient method and pympcc's Scholtes on the benchmark collection.

Prints, per method: problems solved / attempted and the median CPU time over the attempted ones
(solved = success status and the recomputed leader objective within the record's tolerance of the
known optimum, :data:`stackopt.app.study.benchmark.SOLVED_RULE`), then the Ipopt iterations of
Scholtes on ``bard1`` (stackopt's and pympcc's). pympcc (``pip install stackopt[bench]``) gets the
same MPEC (``stackopt.KKTTransformation``, read by ``pympcc.frontend.pyomo.from_pyomo``); its
leader decision is judged like stackopt's, by ``method="initial"`` at that decision; its CPU time
is ``pympcc.solve`` alone (the .nl round trip that builds its problem is not counted).

    python benchmarks/mpec_strategies.py [--time-limit 30] [--quick]

``--quick`` leaves out the three gnash instances on which Scholtes takes 20-40 s.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import warnings

import pandas as pd
import pyomo.environ as pyo

import stackopt as so
from stackopt.app.study.benchmark import SOLVED_RULE
from stackopt.models.benchmarks import problems

LOCAL = ["scholtes", "smoothed-fb", "penalty", "nlp"]


def stackopt_rows(records, time_limit: float) -> pd.DataFrame:
    """Every local strategy and the gradient method on every problem; ``sos1`` (global, SCIP)
    where the followers are linear or quadratic (not gnash, whose p(Q) = Q^(-1/g) SCIP cannot
    take within the limit)."""
    methods = {s: {"method": "mpec", "strategy": s} for s in LOCAL}
    methods["gradient"] = {"method": "gradient"}
    table = so.benchmark(problems=records, methods=methods, time_limit=time_limit)
    exact = [p for p in records if p.family != "gnash"]
    sos1 = {"sos1": {"method": "mpec", "strategy": "sos1"}}
    return pd.concat([table, so.benchmark(problems=exact, methods=sos1, time_limit=time_limit)])


def pympcc_rows(records) -> pd.DataFrame:
    """pympcc's Scholtes on each problem's MPEC, judged by stackopt's honest evaluation."""
    import pympcc
    from pympcc.frontend.pyomo import apply_solution, from_pyomo

    rows = []
    for p in records:
        game = p.build()
        mpec = so.KKTTransformation().create_using(game)
        built = from_pyomo(mpec)
        cpu = time.process_time()
        out = pympcc.solve(built.problem, strategy="scholtes")
        cpu = time.process_time() - cpu
        apply_solution(mpec, out.x, built.var_index)
        for v in game.component_data_objects(pyo.Var, descend_into=False):
            v.set_value(mpec.find_component(v.name).value, skip_validation=True)
        res = so.solve(game, method="initial")
        ok = bool(out.success and res.success and p.solved(res.leader_objective))
        rows.append({"problem": p.name, "method": "pympcc scholtes", "solved": ok, "cpu_time": cpu})
    return pd.DataFrame(rows)


def ipopt_iterations(run) -> tuple[object, int]:
    """``run()``'s result and the Ipopt iterations it printed (stdout captured at the fd)."""
    with tempfile.TemporaryFile(mode="w+") as log:
        saved = os.dup(1)
        os.dup2(log.fileno(), 1)
        try:
            result = run()
            sys.stdout.flush()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        log.seek(0)
        text = log.read()
    return result, sum(int(n) for n in re.findall(r"Number of Iterations\.+: *(\d+)", text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    records = problems(exclude=["integer_leader", "integer_follower"])
    if args.quick:
        records = [p for p in records if p.name not in {"gnash10", "gnash11", "gnash16"}]
    table = stackopt_rows(records, args.time_limit)
    try:
        table = pd.concat([table, pympcc_rows(records)])
    except ModuleNotFoundError:
        print("pympcc is not installed: pip install stackopt[bench]")
    summary = table.groupby("method", sort=False).agg(
        solved=("solved", "sum"), attempted=("solved", "size"), median_cpu_s=("cpu_time", "median")
    )
    print(f"{len(records)} problems without integer Vars; {SOLVED_RULE}")
    print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    missed = table[~table["solved"]].groupby("method", sort=False)["problem"]
    print("\nnot solved:")
    for method, names in missed:
        print(f"  {method}: {', '.join(names)}")

    bard1 = [p for p in records if p.name == "bard1"]
    _, ours = ipopt_iterations(lambda: so.solve(bard1[0].build(), strategy="scholtes", tee=True))
    line = f"\nIpopt iterations of Scholtes on bard1: stackopt {ours}"
    try:
        import pympcc
        from pympcc.frontend.pyomo import from_pyomo

        built = from_pyomo(so.KKTTransformation().create_using(bard1[0].build()))
        line += f", pympcc {pympcc.solve(built.problem, strategy='scholtes').n_ipopt_iter_total}"
    except ModuleNotFoundError:
        pass
    print(line)


if __name__ == "__main__":
    main()
