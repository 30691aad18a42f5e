"""Reproduce the experiments of Wang, Xu, Perrault, Reiter, Tambe (AAAI 2022) with stackopt.

Three domains (library games of ``stackopt.models``), every applicable method, one resumable store:

- QRE subsidy game, 3 followers x 10 actions, budgets 1..5 (paper: 30 instances);
- security game, 5 defenders x 100 targets, budgets 0.2..1.0 (paper: 100 instances; its log: 63);
- cyber insurance, 10 agents, risk aversion 0..0.5 (paper: 30 instances).

Methods: ``initial`` (the all-zero leader), ``gradient`` (equilibrium-flow descent with the augmented
Lagrangian, the paper's lr 0.01, 5,000 steps, K = 100), every MPEC strategy with Ipopt, SLSQP and
trust-constr (finite differences through the equilibrium, capped by ``max_iter`` and the cell
timeout), and the global SCIP reformulations on small instances only ("-small" games, time-limited).
Every leader objective and violation is evaluated at a recomputed equilibrium (stackopt's Result).

Usage::

    python studies/reproduce_wang2022.py --quick --store /tmp/q.sqlite --out /tmp/q
    python studies/reproduce_wang2022.py --full --phases qre-gradient --store wang2022.sqlite
    python studies/reproduce_wang2022.py --full --report-only --store wang2022.sqlite
    python studies/reproduce_wang2022.py --scaling --store wang2022_scaling.sqlite
    python studies/reproduce_wang2022.py --full --phases security-gradient --methods gradient
        --seeds 30-99 --values 1.0 --store security100.sqlite   (one command: these cells only)

The store is resumable: rerunning skips every finished cell, so phases can be added one at a time.
Outputs in ``--out`` (default ``results/wang2022``): ``cells.csv`` (one row per cell),
``summary.csv`` (mean, standard error, violation and time per domain, parameter value and method,
next to the paper's mean where it reports one), ``paired.csv`` (each method against the gradient
method on the instances both solved) and PNG figures per game.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import stackopt as so
from stackopt.app import report
from stackopt.app.study import Game, Store
from stackopt.models import cyber_insurance, qre_subsidy, security_game
from stackopt.result import STATUSES, SUCCESS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "results" / "wang2022"

#: The paper's published means (its result logs averaged over seeds; see ../shared/DESIGN.md).
#: (domain, method label) -> {parameter value: mean leader objective}.
PAPER: dict[tuple[str, str], dict[float, float]] = {
    ("qre", "initial"): {b: 15.27 for b in (1.0, 2.0, 3.0, 4.0, 5.0)},
    ("qre", "gradient"): {1.0: 16.11, 2.0: 17.17, 3.0: 18.15, 4.0: 19.20, 5.0: 20.48},
    ("qre", "slsqp"): {b: 15.27 for b in (1.0, 2.0, 3.0, 4.0, 5.0)},
    ("security", "initial"): {b: -3.636 for b in (0.2, 0.4, 0.6, 0.8, 1.0)},
    ("security", "gradient"): {0.2: -3.608, 0.4: -3.547, 0.6: -3.528, 0.8: -3.500, 1.0: -3.465},
}
#: The games at the paper's instance sizes, the only ones compared with its numbers.
PAPER_GAMES = {"qre_subsidy", "security_game", "security_game-all", "cyber_insurance"}


@dataclass
class Domain:
    """One domain of the paper: its game(s), the swept parameter and the method groups."""

    name: str
    param: str
    games: dict[str, Game]
    #: phase name -> (game names, methods, cell timeout in seconds)
    phases: dict[str, tuple[list[str], list[dict[str, Any]], float | None]] = field(
        default_factory=dict
    )
    instances: int = 30


def ipopt_strategies(time_limit: float) -> list[dict[str, Any]]:
    """Every local MPEC strategy, with Ipopt and a time limit per solve."""
    return [
        dict(label=f"mpec-{s}", method="mpec", strategy=s, solver="ipopt", time_limit=time_limit)
        for s in ("scholtes", "smoothed-fb", "penalty", "nlp")
    ]


def global_strategies(time_limit: float, dual_big_M: float = 1e3) -> list[dict[str, Any]]:
    """The exact reformulations with SCIP (small instances only). Big-M needs a bound on every
    follower multiplier; ``dual_big_M`` is an assumed bound (payoffs are at most 10), not a proven
    one, so bigm is exact only if no multiplier exceeds it. SOS1 needs no bound."""
    return [
        dict(
            label="scip-bigm",
            method="mpec",
            strategy="bigm",
            strategy_options={"dual_big_M": dual_big_M},
            solver="scip",
            time_limit=time_limit,
        ),
        dict(
            label="scip-sos1", method="mpec", strategy="sos1", solver="scip", time_limit=time_limit
        ),
    ]


def blackbox(maxiter: int) -> list[dict[str, Any]]:
    """SLSQP and trust-constr with the equilibrium as a black box (finite differences)."""
    return [
        dict(label="slsqp", method="slsqp", max_iter=maxiter),
        dict(label="trust-constr", method="trust-constr", max_iter=maxiter),
    ]


def gradient(max_iter: int, lr: float = 0.01, K: int = 100, mu: float = 10.0) -> dict[str, Any]:
    """The paper's method with its settings (Adam with fixed steps lr 0.01, 5,000 steps, K = 100):
    Algorithm 1 exactly, not the method's scale-free default."""
    return dict(
        label="gradient",
        method="gradient",
        max_iter=max_iter,
        lr=lr,
        optimizer="adam",
        line_search=False,
        K=K,
        mu=mu,
    )


INITIAL = dict(label="initial", method="initial")


def plan(
    mode: str,
    instances: int | None,
    ssg_targets: int = 100,
    maxiter: int | None = None,
    ssg_reimburse: str = "patrol",
) -> dict[str, Domain]:
    """The domains, games and method phases of ``mode`` ("quick" or "full").

    ``ssg_targets`` below the paper's 100 shrinks the security game with the paper's ratios
    (patrol = targets / 2, resources = targets / 10) and renames it ``security_game-t<targets>``,
    so that its results are never compared with the paper's numbers. ``ssg_reimburse="all"`` lets
    the coordinator reimburse every defender on every target, the leader of the paper's code
    (:func:`stackopt.models.security_game`), and adds ``-all`` to the game's name. ``maxiter``
    caps SLSQP and trust-constr (default 20; 2 in quick mode): each of their iterations
    differentiates through the equilibrium by finite differences, one equilibrium solve per
    leader variable.
    """
    quick = mode == "quick"
    steps = 20 if quick else 5000
    ipopt_limit = 10.0 if quick else 300.0
    maxiter = maxiter or (2 if quick else 20)
    qre_budgets = [1.0, 3.0] if quick else [1.0, 2.0, 3.0, 4.0, 5.0]
    ssg_budgets = [0.2, 1.0] if quick else [0.2, 0.4, 0.6, 0.8, 1.0]
    risks = [0.1, 0.5] if quick else [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    qre_size = dict(n=2, actions=3) if quick else dict(n=3, actions=10)
    ssg_size = (
        dict(defenders=2, targets=8, patrol=4, resources=2.0)
        if quick
        else dict(
            defenders=5, targets=ssg_targets, patrol=ssg_targets // 2, resources=ssg_targets / 10
        )
    )
    ssg_name = "security_game" if quick or ssg_targets == 100 else f"security_game-t{ssg_targets}"
    # the default stays out of the parameters, which keeps the stored cells' keys
    if ssg_reimburse != "patrol":
        ssg_size["reimburse"] = ssg_reimburse
        ssg_name += f"-{ssg_reimburse}"
    cyber_size = dict(agents=3) if quick else dict(agents=10)
    qre = Domain(
        "qre",
        "budget",
        {
            "qre_subsidy": Game(qre_subsidy, {**qre_size, "budget": qre_budgets}, "qre_subsidy"),
            "qre_subsidy-small": Game(
                qre_subsidy, {"n": 2, "actions": 3, "budget": qre_budgets}, "qre_subsidy-small"
            ),
        },
    )
    ssg = Domain(
        "security",
        "budget",
        {
            ssg_name: Game(security_game, {**ssg_size, "budget": ssg_budgets}, ssg_name),
            "security_game-small": Game(
                security_game,
                {
                    "defenders": 2,
                    "targets": 6,
                    "patrol": 3,
                    "resources": 1.0,
                    "budget": ssg_budgets,
                },
                "security_game-small",
            ),
        },
    )
    cyber = Domain(
        "cyber",
        "risk_aversion",
        {
            "cyber_insurance": Game(
                cyber_insurance, {**cyber_size, "risk_aversion": risks}, "cyber_insurance"
            ),
            "cyber_insurance-small": Game(
                cyber_insurance, {"agents": 2, "risk_aversion": risks}, "cyber_insurance-small"
            ),
        },
    )
    scip_limit = 10.0 if quick else 60.0
    for d in (qre, ssg, cyber):
        if quick:  # tiny instances: never compared with the paper's numbers
            d.games = {
                f"{k}-quick": Game(g.factory, g.params, f"{g.name}-quick")
                for k, g in d.games.items()
            }
        big, small = list(d.games)
        d.phases = {
            f"{d.name}-gradient": ([big], [INITIAL, gradient(steps)], None),
            f"{d.name}-mpec": ([big], ipopt_strategies(ipopt_limit), 2 * ipopt_limit + 60),
            # the two cheapest strategies alone, to extend them to more instances (same cells)
            f"{d.name}-mpec-fast": (
                [big],
                [m for m in ipopt_strategies(ipopt_limit) if m["strategy"] in ("nlp", "penalty")],
                2 * ipopt_limit + 60,
            ),
            f"{d.name}-blackbox": ([big], blackbox(maxiter), 60.0 if quick else 300.0),
            f"{d.name}-global-small": (
                [small],
                [INITIAL, gradient(steps), *ipopt_strategies(ipopt_limit)]
                + global_strategies(scip_limit),
                2 * scip_limit + 60,
            ),
        }
        d.instances = instances or (2 if quick else 30)
    return {d.name: d for d in (qre, ssg, cyber)}


#: The order in which ``--full`` runs its phases: the paper's headline comparisons first.
PHASE_ORDER = [
    "qre-gradient",
    "security-gradient",
    "qre-mpec",
    "cyber-gradient",
    "cyber-mpec",
    "security-mpec",
    "qre-global-small",
    "cyber-global-small",
    "security-global-small",
    "cyber-blackbox",
    "qre-blackbox",
    "security-blackbox",
]


def scaling_plan(instances: int | None) -> dict[str, Domain]:
    """The appendix's scaling runs, as far as they are feasible here.

    QRE with one subsidy per follower and joint action has n * m^n leader variables: 3 x 40 is
    192,000 and 3 x 200 would be 24 million, so with 3 followers this parametrization stops at
    3 x 40. The paper's 20..200 actions run with 2 followers (2 x 200: 80,000 leader variables),
    as a second game, ``qre_subsidy-n2``, in its own phase. Cyber insurance has
    2 leader variables per agent and runs the paper's 2..20 agents. Each gradient run is short
    (100 steps) and timed per step, as in the paper's runtime logs; mpec-nlp (Ipopt on the plain
    NLP of the KKT reformulation) is timed for one solve.
    """
    methods = [
        gradient(100),
        dict(label="mpec-nlp", method="mpec", strategy="nlp", solver="ipopt", time_limit=300.0),
    ]
    qre = Domain(
        "qre-scaling",
        "actions",
        {
            "qre_subsidy": Game(qre_subsidy, {"n": 3, "actions": [10, 20, 30, 40], "budget": 1.0}),
            "qre_subsidy-n2": Game(
                qre_subsidy,
                {"n": 2, "actions": [20, 50, 100, 150, 200], "budget": 1.0},
                "qre_subsidy-n2",
            ),
        },
    )
    cyber = Domain(
        "cyber-scaling",
        "agents",
        {
            "cyber_insurance": Game(
                cyber_insurance, {"agents": list(range(2, 21, 2)), "risk_aversion": 0.1}
            )
        },
    )
    qre.phases = {
        "qre-scaling": (["qre_subsidy"], methods, 900.0),
        "qre-scaling-n2": (["qre_subsidy-n2"], methods, 900.0),
    }
    cyber.phases = {"cyber-scaling": (["cyber_insurance"], methods, 900.0)}
    for d in (qre, cyber):
        d.instances = instances or 1
    return {d.name: d for d in (qre, cyber)}


def run_phases(
    domains: dict[str, Domain],
    phases: Sequence[str],
    store: Path,
    workers: int | None,
    progress: bool,
    retry: bool | Sequence[str] = False,
    labels: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
) -> None:
    """Run each named phase with ``stackopt.compare`` into ``store`` (finished cells are skipped;
    with ``retry``, cells that ended in an error or a time limit run again, or with a list of
    statuses those that ended in one of them; with ``labels``, only the phases' methods of those
    labels run; ``seeds`` instead of each domain's first ``instances`` seeds)."""
    by_name = {p: (d, spec) for d in domains.values() for p, spec in d.phases.items()}
    unknown = [p for p in phases if p not in by_name]
    if unknown:
        raise SystemExit(f"unknown phase(s) {unknown}; known: {sorted(by_name)}")
    offered = {m["label"] for p in phases for m in by_name[p][1][1]}
    if labels is not None and set(labels) - offered:
        missing = sorted(set(labels) - offered)
        raise SystemExit(
            f"method label(s) {missing} are in none of the phases; known: {sorted(offered)}"
        )
    for phase in phases:
        domain, (game_names, methods, timeout) = by_name[phase]
        methods = [m for m in methods if labels is None or m["label"] in labels]
        phase_seeds = list(seeds) if seeds is not None else list(range(domain.instances))
        print(f"[{phase}] {len(methods)} method(s) x {len(phase_seeds)} instance(s)", flush=True)
        so.compare(
            [domain.games[g] for g in game_names],
            methods,
            seeds=phase_seeds,
            store=store,
            executor="local",
            timeout=timeout,
            workers=workers,
            progress=progress,
            retry=retry,
        )


def restrict(domains: dict[str, Domain], values: Sequence[float]) -> dict[str, Domain]:
    """The plan with only ``values`` of each domain's swept parameter (budget, risk aversion,
    actions) in its games' grids; SystemExit naming a value that no grid has."""
    found: set[float] = set()
    kept_domains = {}
    for key, d in domains.items():
        games = {}
        for name, g in d.games.items():
            grid = g.params.get(d.param)
            if isinstance(grid, list):
                grid = [v for v in grid if v in values]
                found.update(grid)
                g = Game(g.factory, {**g.params, d.param: grid}, g.name)
            games[name] = g
        kept_domains[key] = replace(d, games=games)
    if set(values) - found:
        raise SystemExit(f"--values {sorted(set(values) - found)} are in no grid of this plan")
    return kept_domains


def seed_range(text: str) -> range:
    """``"A-B"`` (inclusive) or ``"A"`` as a range of seeds; SystemExit on anything else."""
    first, _, last = text.partition("-")
    try:
        lo, hi = int(first), int(last or first)
    except ValueError:
        raise SystemExit(f"--seeds takes A-B or A (non-negative integers), got {text!r}") from None
    if lo < 0 or hi < lo:
        raise SystemExit(f"--seeds takes A-B with 0 <= A <= B, got {text!r}")
    return range(lo, hi + 1)


def owner_of(game: str, domains: dict[str, Domain]) -> Domain | None:
    """The domain a stored game belongs to: by name, or by its factory's name as prefix."""
    for d in domains.values():
        if game in d.games or any(game.startswith(g.split("-")[0]) for g in d.games):
            return d
    return None


def cells_table(df: pd.DataFrame, domains: dict[str, Domain]) -> pd.DataFrame:
    """One row per cell: domain, game, swept parameter and value, seed, method and the outcome."""
    owner = {g: owner_of(g, domains) for g in df["game"].unique()}
    owner = {g: d for g, d in owner.items() if d is not None}
    df = df[df["game"].isin(owner)]
    steps = df["history"].map(lambda h: len(h.get("step", [])) if isinstance(h, dict) else 0)
    return pd.DataFrame(
        {
            "domain": df["game"].map(lambda g: owner[g].name),
            "game": df["game"],
            "param": df["game"].map(lambda g: owner[g].param),
            "value": [p.get(owner[g].param) for g, p in zip(df["game"], df["params"])],
            "params": df["params"].map(lambda p: ";".join(f"{k}={v}" for k, v in p.items())),
            "seed": df["seed"],
            "method": df["method"],
            "status": df["status"],
            "leader_objective": df["leader_objective"],
            "reported_objective": df["reported_objective"],
            "violation": df["violation"],
            "wall_time": df["wall_time"],
            "gradient_steps": steps,
            "step_time_median": df["history"].map(_median_step_time),
        }
    ).reset_index(drop=True)


def _median_step_time(history: Any) -> float:
    times = history.get("step_time", []) if isinstance(history, dict) else []
    return float(np.median(times)) if len(times) else np.nan


def summary_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Per domain, game, parameter value and method: means with standard errors, and the paper's.

    ``objective_mean`` averages the cells with a recomputed objective; ``objective_mean_conservative``
    counts each failed cell as the initial (all-zero) leader's objective on that instance.
    """
    solved = cells["status"].isin(SUCCESS)
    key = ["game", "params", "seed"]
    initial = cells[cells["method"] == "initial"].set_index(key)["leader_objective"]
    fallback = cells.join(initial.rename("initial_objective"), on=key)["initial_objective"]
    # a cell without a recomputed objective (an error) counted as the all-zero leader's objective
    conservative = cells["leader_objective"].fillna(fallback)
    rows = []
    for (domain, game, value, method), g in cells.groupby(
        ["domain", "game", "value", "method"], sort=False
    ):
        ok = solved.loc[g.index]
        paper = PAPER.get((domain, method), {}).get(value) if game in PAPER_GAMES else None
        obj = g["leader_objective"]
        rows.append(
            {
                "domain": domain,
                "game": game,
                "param": g["param"].iloc[0],
                "value": value,
                "method": method,
                "cells": len(g),
                "solved": int(ok.sum()),
                "failed": int((~ok).sum()),
                "objective_mean": obj.mean(),
                "objective_sem": obj.sem(),
                "objective_mean_conservative": conservative.loc[g.index].mean(),
                "violation_mean": g["violation"].mean(),
                "violation_max": g["violation"].max(),
                "time_median": g["wall_time"].median(),
                "time_mean": g["wall_time"].mean(),
                "step_time_median": g["step_time_median"].median(),
                "paper_mean": paper,
                "minus_paper": obj.mean() - paper if paper is not None else np.nan,
            }
        )
    return pd.DataFrame(rows)


def paired_table(cells: pd.DataFrame, reference: str = "gradient") -> pd.DataFrame:
    """Each method against ``reference`` on the instances both solved (same game, parameters and
    seed): both means, and on how many instances each is better by more than 1e-3."""
    key = ["game", "params", "seed"]
    ref = cells[cells["method"] == reference].set_index(key)["leader_objective"]
    rows = []
    for (game, value, method), g in cells.groupby(["game", "value", "method"], sort=False):
        if method == reference:
            continue
        both = g.join(ref.rename("ref"), on=key).dropna(subset=["leader_objective", "ref"])
        diff = both["ref"] - both["leader_objective"]
        rows.append(
            {
                "game": game,
                "value": value,
                "method": method,
                "instances": len(both),
                "method_mean": both["leader_objective"].mean(),
                f"{reference}_mean": both["ref"].mean(),
                f"{reference}_better": int((diff > 1e-3).sum()),
                "method_better": int((diff < -1e-3).sum()),
            }
        )
    return pd.DataFrame(rows)


#: The violation above which a run counts as failed in the tables and is drawn as infeasible.
VIOLATION_TOL = 1e-3


def study_rows(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells.csv`` rows in the shape of a study's rows (``params`` as a dictionary, ``sense``),
    for :mod:`stackopt.app.report`."""
    return cells.assign(
        params=cells["params"].map(_parse_params),
        sense="max",
    )


def _parse_params(text: str) -> dict[str, Any]:
    """``"actions=10;budget=1.0"`` (as ``cells.csv`` writes it) back to a dictionary."""
    out: dict[str, Any] = {}
    for item in str(text).split(";"):
        key, _, value = item.partition("=")
        try:
            out[key] = int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            out[key] = value
    return out


def figures(cells: pd.DataFrame, domains: dict[str, Domain]) -> dict[str, plt.Figure]:
    """Per domain, one panel per game: the objective and the wall time per run against the swept
    parameter, the violation and the wall time of every run per method."""
    rank = {g: (g not in PAPER_GAMES, g) for g in cells["game"].unique()}
    cells = cells.iloc[sorted(range(len(cells)), key=lambda i: rank[cells["game"].iat[i]])]
    rows = study_rows(cells)
    out = {}
    for name in dict.fromkeys(cells["domain"]):
        mine = rows[cells["domain"] == name]
        d = domains[name]
        stem = name.replace("-", "_")
        out[f"{stem}_objective"] = objective_figure(mine, d)
        out[f"{stem}_violation"] = report.violation_per_method(mine, VIOLATION_TOL)
        out[f"{stem}_runtime"] = report.runtime_per_method(mine, VIOLATION_TOL)
        out[f"{stem}_time_vs_{d.param}"] = time_figure(mine, d)
    return out


def objective_figure(rows: pd.DataFrame, domain: Domain) -> plt.Figure:
    """The leader objective against the parameter (mean ± s.e. of the runs within the violation
    tolerance, the others marked), as the paper's Fig. 3, with the paper's published means as
    black crosses on the panels of the games at the paper's size."""
    fig = report.objective_vs_param(rows, domain.param, VIOLATION_TOL)
    extra = []
    for ax in fig.axes:
        if ax.get_title() not in PAPER_GAMES or not ax.get_visible():
            continue
        for ls, ((_, method), means) in zip(
            ["--", ":", "-."], [(k, v) for k, v in PAPER.items() if k[0] == domain.name]
        ):
            xs = sorted(means)
            (line,) = ax.plot(xs, [means[x] for x in xs], color="k", marker="o", mfc="none",
                              ls=ls, lw=0.8, ms=7, label=f"paper: {method}")  # fmt: skip
            extra.append(line)
    labels = dict.fromkeys(h.get_label() for h in extra)
    outcome = report.outcomes(rows, VIOLATION_TOL)
    shown = outcome[rows["leader_objective"].notna() & (outcome != "error")]
    fig.legends.clear()
    report.legend_outside(
        fig,
        report.method_styles(dict.fromkeys(rows["method"])),
        report.outcome_handles(shown)
        + [next(h for h in extra if h.get_label() == label) for label in labels],
    )
    return fig


def time_figure(rows: pd.DataFrame, domain: Domain) -> plt.Figure:
    """Wall time per run against the parameter (median per method, solid), and the median time
    per gradient step (dashed), one panel per game, on a log axis."""
    styles = report.method_styles(dict.fromkeys(rows["method"]))
    fig, panels = report.facets(list(dict.fromkeys(rows["game"])))
    x = rows["params"].map(lambda p: p.get(domain.param))
    for game, ax in panels.items():
        mine = rows[rows["game"] == game]
        for method, style in styles.items():
            runs = mine[mine["method"] == method]
            stats = runs.groupby(x[runs.index])["wall_time"].median().sort_index()
            ax.plot(stats.index, stats.to_numpy(), ms=4, **style)
            steps = runs.dropna(subset=["step_time_median"])
            if len(steps):
                per_step = steps.groupby(x[steps.index])["step_time_median"].median().sort_index()
                ax.plot(per_step.index, per_step.to_numpy(), color=style["color"],
                        marker=style["marker"], ls=(0, (1, 3)), ms=3, mfc="none")  # fmt: skip
        ax.set_yscale("log")
        ax.set(xlabel=domain.param, ylabel="wall time (s, median)")
    step = plt.Line2D([], [], color="0.3", ls=(0, (1, 3)), marker="o", mfc="none", ms=3,
                      label="per gradient step")  # fmt: skip
    report.legend_outside(fig, styles, [step])
    return fig


def write_figures(cells: pd.DataFrame, out: Path, domains: dict[str, Domain]) -> int:
    """Draw the figures of ``cells`` into ``out``; return how many."""
    plt.rcParams["figure.max_open_warning"] = 0  # one batch of figures, closed after saving
    figs = figures(cells, domains)
    report.save(figs, out)
    report.close(figs.values())
    return len(figs)


def write_outputs(store: Path, out: Path, domains: dict[str, Domain]) -> pd.DataFrame:
    """Read every cell of ``domains`` from the store; write cells.csv, summary.csv and the PNGs."""
    with Store(store) as db:
        df = db.frame()
    cells = cells_table(df, domains)
    out.mkdir(parents=True, exist_ok=True)
    if cells.empty:
        print("no finished cells yet", flush=True)
        return cells
    summary = summary_table(cells)
    cells.to_csv(out / "cells.csv", index=False, float_format="%.6g")
    summary.to_csv(out / "summary.csv", index=False, float_format="%.6g")
    paired_table(cells).to_csv(out / "paired.csv", index=False, float_format="%.6g")
    count = write_figures(cells, out, domains)
    print(f"wrote {len(cells)} cells, {len(summary)} summary rows, {count} figures to {out}")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--quick", action="store_true", help="tiny instances, few steps")
    mode.add_argument("--full", action="store_true", help="the paper's settings")
    mode.add_argument("--scaling", action="store_true", help="the appendix's scaling runs")
    parser.add_argument("--store", type=Path, help="SQLite results store (needed to run)")
    parser.add_argument("--out", type=Path, default=None, help=f"output folder ({DEFAULT_OUT})")
    parser.add_argument("--phases", default=None, help="comma-separated phases (default: all)")
    parser.add_argument("--instances", type=int, default=None, help="seeds per parameter value")
    parser.add_argument("--workers", type=int, default=None, help="worker processes")
    parser.add_argument(
        "--ssg-targets", type=int, default=100, help="security game size (paper: 100 targets)"
    )
    parser.add_argument(
        "--ssg-reimburse",
        choices=("patrol", "all"),
        default="patrol",
        help="reimbursed targets: each defender's patrol, or all targets (the paper's code)",
    )
    parser.add_argument(
        "--blackbox-maxiter", type=int, default=None, help="SLSQP/trust-constr cap (20)"
    )
    parser.add_argument("--report-only", action="store_true", help="write outputs, run nothing")
    parser.add_argument(
        "--figures-only",
        action="store_true",
        help="draw the figures again from the cells.csv in --out; run nothing, read no store",
    )
    parser.add_argument(
        "--retry",
        nargs="?",
        const="error,time_limit",
        default=None,
        metavar="STATUSES",
        help="run the cells that ended in these statuses again (default: error,time_limit)",
    )
    parser.add_argument("--methods", default=None, help="comma-separated method labels to run")
    parser.add_argument(
        "--seeds", default=None, help="seeds A-B (inclusive) instead of the first --instances"
    )
    parser.add_argument(
        "--values",
        default=None,
        help="comma-separated values of the swept parameter (budget, ...) to run, of the plan's",
    )
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    if args.scaling:
        domains = scaling_plan(args.instances)
        order = [p for d in domains.values() for p in d.phases]
        out = args.out or DEFAULT_OUT / "scaling"
    else:
        domains = plan(
            "quick" if args.quick else "full",
            args.instances,
            args.ssg_targets,
            args.blackbox_maxiter,
            args.ssg_reimburse,
        )
        order = PHASE_ORDER
        out = args.out or DEFAULT_OUT
    if args.figures_only:
        print(
            f"drew {write_figures(pd.read_csv(out / 'cells.csv'), out, domains)} figures in {out}"
        )
        return 0
    if args.store is None:
        parser.error("--store is required (except with --figures-only)")
    phases = args.phases.split(",") if args.phases else order
    if not args.report_only:
        labels = args.methods.split(",") if args.methods else None
        retry = args.retry.split(",") if args.retry else False
        if retry and set(retry) - set(STATUSES):
            raise SystemExit(f"unknown status(es) {sorted(set(retry) - set(STATUSES))}: {STATUSES}")
        seeds = seed_range(args.seeds) if args.seeds else None
        running = domains
        if args.values:
            running = restrict(domains, [float(v) for v in args.values.split(",")])
        run_phases(
            running, phases, args.store, args.workers, not args.no_progress, retry, labels, seeds
        )
    write_outputs(args.store, out, domains)
    return 0


if __name__ == "__main__":
    sys.exit(main())
