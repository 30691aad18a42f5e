"""The security game's gains over the all-zero leader under three counting rules, with the paper's.

Wang et al. (2022) report the security game's means (-3.608, ..., -3.465 for budgets 0.2, ..., 1.0,
from an initial -3.636) as plain means over the runs of their log
``ssg/exp/constrained_diffmulti.csv`` (github.com/guaguakai/equilibrium_gradient; columns: seed,
budget, initial objective, ..., final objective in column 7, final budget violation in column 8).
Every run counts there, whatever its final violation. With c0_i the all-zero leader's objective
on instance i and c_i a method's, the gain is g_i = c_i - c0_i, and three means are printed per
budget and method:

- every run: mean_i g_i (the paper's rule);
- feasible runs: the mean over the runs with violation <= 1e-3 and an objective;
- a violating run as no gain: mean_i g_i [run i feasible], which credits no run for spending more
  than the budget.

The stores' runs are stackopt's, each evaluated at a recomputed equilibrium; the all-zero leader of
``security_game`` is c0 for both of its leaders (``reimburse="patrol"`` or ``"all"``): with every
reimbursement at zero they are the same game. (It has several equilibria, and the all-zero runs of
the two compilations found different ones on 2 of seeds 0-29, by 0.008 and 0.031; one baseline
keeps both leaders' gains on the same reference.)

Usage::

    python studies/security_gains.py results/wang2022/wang2022.sqlite \
        results/wang2022/security100.sqlite [--paper-log constrained_diffmulti.csv]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stackopt.app.study import Store
from stackopt.backends.evaluation import FEASIBILITY_TOL

GAMES = {"security_game": "patrol", "security_game-all": "all targets"}
PAPER = "paper's log"


def gains_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per budget and ``who``: the three means of the module docstring, with standard errors.

    ``runs`` has the columns who, budget, seed, gain (NaN without an objective) and failed.
    """
    rows = []
    for (budget, who), g in runs.groupby(["budget", "who"], sort=True):
        failed = g["failed"].to_numpy(bool) | g["gain"].isna().to_numpy()
        gain = g["gain"].to_numpy(float)
        zeroed = np.where(failed, 0.0, gain)
        rows.append(
            {
                "budget": budget,
                "who": who,
                "instances": len(g),
                "gain": np.nanmean(gain),
                "gain_sem": _sem(gain[~np.isnan(gain)]),
                "failed": int(failed.sum()),
                "gain_feasible": gain[~failed].mean() if (~failed).any() else np.nan,
                "gain_no_violation": zeroed.mean(),
                "gain_no_violation_sem": _sem(zeroed),
            }
        )
    table = pd.DataFrame(rows)
    paper_last = table["who"] != PAPER  # the paper's row first in each budget
    return (
        table.assign(_order=paper_last)
        .sort_values(["budget", "_order", "who"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _sem(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else np.nan


def paper_runs(path: str | Path) -> pd.DataFrame:
    """The runs of the paper's log (no header; columns as in the module docstring)."""
    log = pd.read_csv(path, header=None, skipinitialspace=True)
    if log.shape[1] < 8:
        raise ValueError(
            f"{path}: expected the paper's 10-column log, found {log.shape[1]} columns"
        )
    return pd.DataFrame(
        {
            "who": PAPER,
            "budget": log[1].astype(float),
            "seed": log[0].astype(int),
            "gain": log[6] - log[2],
            "failed": log[7] > FEASIBILITY_TOL,
        }
    )


def store_runs(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Every security-game run of the stores (a later store's cell replaces an earlier one)."""
    frames = []
    for path in paths:
        if not Path(path).exists():
            raise FileNotFoundError(f"no results store at {path}")
        with Store(path) as store:
            frames.append(store.frame())
    cells = pd.concat(frames, ignore_index=True)
    cells = cells[cells["game"].isin(GAMES)].copy()
    cells["budget"] = cells["params"].map(lambda p: float(p["budget"]))
    cells = cells.drop_duplicates(["game", "budget", "seed", "method"], keep="last")
    initial = cells[(cells["game"] == "security_game") & (cells["method"] == "initial")]
    c0 = initial.set_index(["budget", "seed"])["leader_objective"]
    runs = cells[cells["method"] != "initial"]
    runs = runs.join(c0.rename("c0"), on=["budget", "seed"], how="inner")
    return pd.DataFrame(
        {
            "who": runs["method"] + " (" + runs["game"].map(GAMES) + ")",
            "budget": runs["budget"],
            "seed": runs["seed"],
            "gain": runs["leader_objective"] - runs["c0"],
            "failed": (runs["status"] == "error") | ~(runs["violation"] <= FEASIBILITY_TOL),
        }
    )


def markdown(table: pd.DataFrame) -> str:
    """The table as the results README prints it."""
    lines = [
        "| budget | who | instances | gain, every run | failed (violation > 1e-3 or error) "
        "| gain, feasible runs | gain, a violating run as no gain |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.budget:g} | {r.who} | {r.instances} | {r.gain:+.3f} ± {r.gain_sem:.3f} "
            f"| {r.failed} | {r.gain_feasible:+.3f} "
            f"| {r.gain_no_violation:+.3f} ± {r.gain_no_violation_sem:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stores", nargs="+", type=Path, help="SQLite results stores")
    parser.add_argument("--paper-log", type=Path, default=None, help="constrained_diffmulti.csv")
    parser.add_argument("--methods", default="gradient,mpec-penalty", help="comma-separated")
    args = parser.parse_args(argv)
    runs = store_runs(args.stores)
    runs = runs[runs["who"].str.split(" ").str[0].isin(args.methods.split(","))]
    if args.paper_log is not None:
        runs = pd.concat([paper_runs(args.paper_log), runs], ignore_index=True)
    print(markdown(gains_table(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
