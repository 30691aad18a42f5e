"""Tables and plots of a comparison study (a DataFrame from :func:`stackopt.compare`, or its store).

Every plot is a matplotlib Figure drawn with pyplot, so it shows inline in Jupyter; :func:`report`
draws them all and saves them as PNG files. Only cells with a leader objective (evaluated at a
recomputed equilibrium) enter the objective plots; failed cells are counted in :func:`summary`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from stackopt.result import SUCCESS
from stackopt.study.store import Store, with_parameters

#: History keys tried, in order, for the convergence plot when none is given.
HISTORY_KEYS = ("leader_objective", "objective", "lagrangian", "f", "violation")


def load(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """A study's rows: ``source`` itself if it is a DataFrame, else the rows of that store file."""
    if isinstance(source, pd.DataFrame):
        return source
    with Store(source, readonly=True) as store:
        return store.frame()


def summary(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Per game, parameter values and method: cells, cells per status, mean objective and its
    standard deviation, worst violation, median time. Objectives are averaged over seeds only,
    never across different parameter values (each parameter is a level of the index)."""
    df, params = with_parameters(load(source))
    keys = ["game", *params, "method"]
    grouped = df.groupby(keys, sort=False, dropna=False)
    table = grouped.agg(
        cells=("status", "size"),
        solved=("status", lambda s: int(s.isin(SUCCESS).sum())),
        objective_mean=("leader_objective", "mean"),
        objective_std=("leader_objective", "std"),
        violation_max=("violation", "max"),
        time_median=("wall_time", "median"),
    )
    statuses = df.groupby(keys, sort=False, dropna=False)["status"].value_counts().unstack()
    return table.join(statuses).fillna({s: 0 for s in statuses.columns})


def param_values(df: pd.DataFrame, param: str) -> pd.Series:
    """The value of game parameter ``param`` in each row (NaN where the game has no such one)."""
    return df["params"].map(lambda p: p.get(param, np.nan))


def objective_vs_param(source: pd.DataFrame | str | Path, param: str) -> Figure:
    """The leader objective against game parameter ``param``: mean and standard error per method."""
    df = load(source).assign(x=lambda d: param_values(d, param)).dropna(subset=["x"])
    if df.empty:
        raise ValueError(f"no game of this study has a parameter {param!r}")
    fig, ax = plt.subplots(figsize=(6, 4))
    for (game, method), rows in df.groupby(["game", "method"], sort=False):
        stats = rows.groupby("x")["leader_objective"].agg(["mean", "sem"]).sort_index()
        label = method if df["game"].nunique() == 1 else f"{game}: {method}"
        ax.errorbar(
            stats.index,
            stats["mean"],
            yerr=stats["sem"].fillna(0),
            marker="o",
            capsize=3,
            label=label,
        )
    ax.set(
        xlabel=param,
        ylabel="leader objective (mean ± s.e.)",
        title=f"Leader objective against {param}",
    )
    ax.legend()
    return fig


def violation_per_method(source: pd.DataFrame | str | Path) -> Figure:
    """The leader-constraint violation of every cell, per method (symmetric log scale)."""
    df = load(source).dropna(subset=["violation"])
    return _per_method(df, "violation", "max violation of the leader's constraints", "symlog")


def runtime_per_method(source: pd.DataFrame | str | Path) -> Figure:
    """The wall time of every cell, per method, on a log scale."""
    return _per_method(load(source), "wall_time", "wall time (s)", "log")


def _per_method(df: pd.DataFrame, column: str, ylabel: str, scale: str) -> Figure:
    methods = list(dict.fromkeys(df["method"]))
    fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(methods) + 2), 4))
    data = [df.loc[df["method"] == m, column].to_numpy(float) for m in methods]
    ax.boxplot(data, showfliers=False)
    for i, values in enumerate(data, start=1):
        jitter = np.random.default_rng(i).uniform(-0.15, 0.15, len(values))
        ax.plot(i + jitter, values, ".", alpha=0.6)
    ax.set_xticks(range(1, len(methods) + 1), methods, rotation=20)
    if scale == "symlog":
        ax.set_yscale("symlog", linthresh=1e-8)
        ax.set_ylim(bottom=0)
    else:
        ax.set_yscale(scale)
    ax.set(ylabel=ylabel, title=f"{ylabel.split(' (')[0].capitalize()} per method")
    return fig


def convergence(source: pd.DataFrame | str | Path, key: str | None = None) -> Figure:
    """Each cell's history of ``key`` against the iteration, coloured by method."""
    df = load(source)
    df = df[df["history"].map(bool)]
    if df.empty:
        raise ValueError("no cell of this study has a history (one-shot methods record none)")
    key = key or next((k for k in HISTORY_KEYS if any(k in h for h in df["history"])), None)
    if key is None:
        raise ValueError(f"give the history key to plot; this study records {_keys(df)}")
    fig, ax = plt.subplots(figsize=(6, 4))
    colours = {m: f"C{i % 10}" for i, m in enumerate(dict.fromkeys(df["method"]))}
    for method, rows in df.groupby("method", sort=False):
        for i, history in enumerate(rows["history"]):
            if key in history:
                steps = history.get("step", range(len(history[key])))
                ax.plot(
                    steps,
                    history[key],
                    color=colours[method],
                    alpha=0.5,
                    lw=1,
                    label=method if i == 0 else None,
                )
    ax.set(xlabel="iteration", ylabel=key, title=f"Convergence: {key}")
    ax.legend()
    return fig


def _keys(df: pd.DataFrame) -> list[str]:
    return sorted({k for h in df["history"] for k in h})


def performance_profile(
    source: pd.DataFrame | str | Path, tol: float = 1e-6, rtol: float = 1e-3
) -> Figure:
    """Dolan-Moré profile: the share of instances each method solves within a factor of the best
    time. A cell counts as solved when its status is a success, its violation is at most ``tol``
    and its leader objective is within ``rtol`` (relative) of the best one found on that instance
    (when the objective's sense is unknown, the first two conditions only).
    """
    df = solved_cells(load(source), tol, rtol)
    instances = df.groupby(["game", "instance"]).ngroups or 1
    best_time = df[df["solved"]].groupby(["game", "instance"])["wall_time"].min()
    df = df.join(best_time.rename("best_time"), on=["game", "instance"])
    ratio = (df["wall_time"] / df["best_time"]).where(df["solved"], np.inf)
    fig, ax = plt.subplots(figsize=(6, 4))
    finite = ratio[np.isfinite(ratio)]
    taus = np.logspace(0, np.log10(max(2.0, finite.max() if len(finite) else 2.0)), 200)
    for method in dict.fromkeys(df["method"]):
        r = ratio[df["method"] == method].to_numpy()
        ax.step(taus, [(r <= t).sum() / instances for t in taus], where="post", label=method)
    ax.set_xscale("log")
    ax.set(
        xlabel="time within a factor τ of the best",
        ylabel="share of instances solved",
        ylim=(0, 1.02),
        title="Performance profile",
    )
    ax.legend()
    return fig


def solved_cells(df: pd.DataFrame, tol: float = 1e-6, rtol: float = 1e-3) -> pd.DataFrame:
    """``df`` with an ``instance`` key and a ``solved`` flag (see :func:`performance_profile`)."""
    df = df.assign(instance=df["params"].map(str) + " seed " + df["seed"].map(str))
    ok = df["status"].isin(SUCCESS) & (df["violation"].fillna(np.inf) <= tol)
    signed = df["leader_objective"].where(df["sense"] == "min", -df["leader_objective"])
    best = signed.where(ok).groupby([df["game"], df["instance"]]).transform("min")
    close = (signed - best) <= rtol * np.maximum(1.0, best.abs())
    return df.assign(solved=ok & (close | (df["sense"] == "")))


def report(
    source: pd.DataFrame | str | Path,
    out_dir: str | Path | None = None,
    param: str | None = None,
    history_key: str | None = None,
) -> dict[str, Figure]:
    """Draw every plot that the study supports; save each as ``out_dir/<name>.png`` if given.

    ``param`` (a game parameter) adds the objective-against-parameter plot; the convergence plot is
    drawn when some cell has a history.
    """
    df = load(source)
    figures = {
        "violation": violation_per_method(df),
        "runtime": runtime_per_method(df),
        "performance_profile": performance_profile(df),
    }
    if param is not None:
        figures[f"objective_vs_{param}"] = objective_vs_param(df, param)
    if df["history"].map(bool).any():
        figures["convergence"] = convergence(df, history_key)
    if out_dir is not None:
        save(figures, out_dir)
    return figures


def save(figures: dict[str, Figure], out_dir: str | Path) -> list[Path]:
    """Save each figure as ``out_dir/<name>.png``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures.items():
        paths.append(out / f"{name}.png")
        fig.savefig(paths[-1], dpi=120, bbox_inches="tight")
    return paths


def close(figures: Iterable[Figure]) -> None:
    """Release figures that are no longer shown (for scripts drawing many reports)."""
    for fig in figures:
        plt.close(fig)
