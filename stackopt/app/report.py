"""Tables and plots of a comparison study (a DataFrame from :func:`stackopt.compare`, or its store).

Every plot is a matplotlib Figure drawn with pyplot, so it shows inline in Jupyter; :func:`report`
draws them all and saves them as PNG files. The plots follow one set of rules:

- one panel per game (games of different scales never share an axis);
- each method keeps one colour, marker and line style in every plot (:func:`method_styles`), and
  lines of several methods at one parameter value are spread a little sideways, so that
  coinciding lines stay visible;
- a cell counts as a valid point only when it has a leader objective, its status is not a failure
  and its violation is at most ``tol`` (:func:`outcomes`); infeasible, time-limited, interrupted
  and failed cells are drawn with their own markers, or counted on the panel when they have no
  value, and never enter a mean;
- legends sit outside the panels; a quantity spanning decades is drawn on a log axis.
"""

from __future__ import annotations

import json
import math
import numbers
import textwrap
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from stackopt.app.study.store import Store, with_parameters
from stackopt.result import SUCCESS

#: History keys tried, in order, for the convergence plot when none is given.
HISTORY_KEYS = (
    "leader_objective",
    "objective",
    "leader_cost",  # the learning dynamics
    "leader_value",  # the Markov methods
    "lagrangian",
    "f",
    "violation",
)
#: The violation above which a cell is drawn as infeasible (the default of every plot).
FEASIBILITY_TOL = 1e-6
#: How a cell that is not a valid point is drawn: outcome -> (marker, description).
OUTCOME_MARKERS = {
    "infeasible": ("x", "infeasible (violation > tol)"),
    "time_limit": ("1", "time limit"),
    "interrupted": ("+", "interrupted"),
    "error": ("$!$", "error"),
}
#: Method markers: filled shapes, none of them an outcome's marker.
_MARKERS = "osD^v*h<>pd8"
_LINES = ("-", "--", "-.", ":")


def load(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """A study's rows: ``source`` itself if it is a DataFrame, else the rows of that store file
    (opened read-only: a store on a read-only disk is read too) that :func:`latest_runs` counts;
    objectives, violations and times as floats (a column of cells that all failed holds None
    only, which takes no arithmetic)."""
    if isinstance(source, pd.DataFrame):  # rows without ``seeds`` stand for their own seed
        frame = (
            source if "seeds" in source else source.assign(seeds=source["seed"].map(lambda s: [s]))
        )
    else:
        with Store(source, readonly=True) as store:
            frame = latest_runs(store.frame())
    numbers = [c for c in ("leader_objective", "violation", "wall_time") if c in frame]
    return frame.astype(dict.fromkeys(numbers, float))


def latest_runs(df: pd.DataFrame) -> pd.DataFrame:
    """The rows a report counts, where a store holds the rows of several studies: of the runs of
    one configuration (game, parameters, label, options) and seed, the last stored (a method that
    does not use the seed, run again for other seeds, stood for both seed lists and was counted
    twice); a label whose runs have several option sets is reported mixed, with a warning."""
    if df.empty:
        return df
    text = {
        c: df[c].map(lambda v: json.dumps(v, sort_keys=True, default=str))
        for c in ("params", "options")
    }
    same = [df["game"], text["params"], df["method"], text["options"], df["seed"]]
    latest = df[~pd.DataFrame(same).T.duplicated(keep="last").to_numpy()]
    option_sets = text["options"].groupby([df["game"], df["method"]]).nunique()
    for (game, label), count in option_sets[option_sets > 1].items():
        warnings.warn(
            f"game {game!r}, label {label!r}: runs of {count} option sets are reported together "
            "(studies with other options under one label share this store; give each its own "
            "label)",
            stacklevel=4,
        )
    return latest


def summary(source: pd.DataFrame | str | Path, tol: float = FEASIBILITY_TOL) -> pd.DataFrame:
    """Per game, parameter values and method: cells (runs), the seeds they stand for, cells per
    status, mean objective and its standard deviation, worst violation, median time. Objectives
    are averaged over seeds only, never across different parameter values (each parameter is a
    level of the index), and over the valid cells only (:func:`outcomes` with ``tol``, as the
    plots draw them: an infeasible, time-limited, interrupted or failed cell's objective enters
    no mean). A method that does not
    use the seed ran once for all the seeds of a game that does not either: ``cells`` 1,
    ``seeds`` their number. The rows come in one order whatever order the cells finished in
    (:func:`_stable_order`)."""
    df, params = with_parameters(load(source))
    keys = ["game", *params, "method"]
    valid = df["leader_objective"].where(outcomes(df, tol) == "valid")
    df = df.assign(seed_count=df["seeds"].map(len), valid_objective=valid)
    grouped = df.groupby(keys, sort=False, dropna=False)
    table = grouped.agg(
        cells=("status", "size"),
        seeds=("seed_count", "sum"),
        solved=("status", lambda s: int(s.isin(SUCCESS).sum())),
        objective_mean=("valid_objective", "mean"),
        objective_std=("valid_objective", "std"),
        violation_max=("violation", "max"),
        time_median=("wall_time", "median"),
    )
    statuses = df.groupby(keys, sort=False, dropna=False)["status"].value_counts().unstack()
    table = table.join(statuses).fillna({s: 0 for s in statuses.columns})
    return table.iloc[
        _stable_order(table.index, list(dict.fromkeys(df["game"])), list(df["method"]))
    ]


def _stable_order(index: pd.MultiIndex, games: list[str], methods: list[str]) -> list[int]:
    """The rows of a summary (index: game, parameter values, method) in one order whatever order
    the cells finished in: games and methods as they first appear, parameter values ascending
    (numbers before other values, a game's missing parameter last)."""
    first = {m: i for i, m in reversed(list(enumerate(methods)))}

    def value(v: Any) -> tuple:
        if pd.api.types.is_scalar(v) and pd.isna(v):
            return (2, 0.0, "")
        if isinstance(v, numbers.Real) and not isinstance(v, bool):
            return (0, float(v), "")
        return (1, 0.0, str(v))

    def key(position: int) -> tuple:
        game, *params, method = index[position]
        return (games.index(game), *map(value, params), first[method])

    return sorted(range(len(index)), key=key)


def outcomes(df: pd.DataFrame, tol: float = FEASIBILITY_TOL) -> pd.Series:
    """Each cell's outcome: ``"valid"``, ``"infeasible"`` (status infeasible, or a violation above
    ``tol``), ``"time_limit"``, ``"interrupted"`` or ``"error"`` (a failure, or no objective)."""
    status = df["status"]
    violated = (status == "infeasible") | (df["violation"].fillna(0.0) > tol)
    out = pd.Series("valid", index=df.index)
    out[violated] = "infeasible"
    out[df["leader_objective"].isna() | (status == "error")] = "error"
    out[status == "time_limit"] = "time_limit"
    out[status == "interrupted"] = "interrupted"
    return out


def method_styles(methods: Iterable[str]) -> dict[str, dict[str, Any]]:
    """A colour, a marker and a line style per method, no two methods alike in all three."""
    return {
        method: dict(color=f"C{i % 10}", marker=_MARKERS[i % len(_MARKERS)], ls=_LINES[i % 4])
        for i, method in enumerate(methods)
    }


def facets(games: list[str], width: float = 4.4, height: float = 3.4) -> tuple[Figure, dict]:
    """A figure with one panel per game (at most three a row), and the panels by game name."""
    cols = min(3, len(games))
    rows = math.ceil(len(games) / cols)
    fig, grid = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    panels = dict(zip(games, grid.flat))
    for ax in list(grid.flat)[len(games) :]:
        ax.set_visible(False)
    for game, ax in panels.items():
        ax.set_title(game)
    return fig, panels


def legend_outside(fig: Figure, styles: dict[str, dict[str, Any]], extra: Iterable = ()) -> None:
    """One legend for the whole figure, right of the panels: the methods, then ``extra``
    handles (the markers of the outcomes drawn)."""
    handles = [
        Line2D([], [], color=s["color"], marker=s["marker"], ls=s["ls"], label=m)
        for m, s in styles.items()
    ]
    handles += list(extra)
    fig.tight_layout()
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)


def outcome_handles(shown: Iterable[str]) -> list[Line2D]:
    """Legend handles for the outcome markers in ``shown`` (grey: the colour is the method's)."""
    return [
        Line2D([], [], color="0.3", marker=OUTCOME_MARKERS[o][0], ls="none",
               label=OUTCOME_MARKERS[o][1])
        for o in OUTCOME_MARKERS if o in set(shown)
    ]  # fmt: skip


def parameters(df: pd.DataFrame) -> list[str]:
    """The names of the game parameters of ``df``'s cells, in the order they first appear."""
    return list(dict.fromkeys(k for p in df["params"] for k in p))


def param_values(df: pd.DataFrame, param: str) -> pd.Series:
    """The value of game parameter ``param`` in each row (NaN where the game has no such one)."""
    return df["params"].map(lambda p: p.get(param, np.nan))


def objective_vs_param(
    source: pd.DataFrame | str | Path, param: str, tol: float = FEASIBILITY_TOL
) -> Figure:
    """The leader objective against game parameter ``param``, one panel per game: the mean and
    standard error of the valid cells per method; every other cell that has an objective is drawn
    alone with its outcome's marker (infeasible, time limit, interrupted); the axis spans the
    valid means, and what it leaves out (failed cells: an error or no objective; marked cells
    beyond the axis) is counted under the panel."""
    df = load(source).assign(x=lambda d: param_values(d, param)).dropna(subset=["x"])
    if df.empty:
        raise ValueError(f"no game of this study has a parameter {param!r}")
    labels = None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in df["x"]):
        labels = list(dict.fromkeys(map(str, df["x"])))  # words: one position per value
        df = df.assign(x=df["x"].map(lambda v: labels.index(str(v))))
    df = df.assign(x=df["x"].astype(float), outcome=outcomes(df, tol))
    styles = method_styles(dict.fromkeys(df["method"]))
    games = list(dict.fromkeys(df["game"]))
    fig, panels = facets(games)
    for game, ax in panels.items():
        rows = df[df["game"] == game]
        shift = _dodge(rows["x"], len(styles))
        low, high = np.inf, -np.inf
        for i, (method, style) in enumerate(styles.items()):
            mine = rows[(rows["method"] == method) & (rows["outcome"] == "valid")]
            stats = mine.groupby("x")["leader_objective"].agg(["mean", "sem"]).sort_index()
            sem = stats["sem"].fillna(0)
            ax.errorbar(stats.index + shift(i), stats["mean"], yerr=sem, capsize=2, ms=5,
                        lw=1.2, label=method, **style)  # fmt: skip
            low = np.nanmin([low, *(stats["mean"] - sem)])
            high = np.nanmax([high, *(stats["mean"] + sem)])
        if np.isfinite(low):  # the axis spans the valid means; other points beyond are counted
            pad = 0.25 * max(high - low, 1e-9 * max(1.0, abs(high)))
            low, high = low - pad, high + pad
            ax.set_ylim(low, high)
        else:
            low, high = -np.inf, np.inf
        offside = _draw_invalid(ax, rows, styles, shift, low, high)
        _note(ax, rows, offside)
        ax.set(xlabel=param, ylabel="leader objective (valid cells: mean ± s.e.)")
        if labels is not None:
            ax.set_xticks(range(len(labels)), labels)
    shown = df.loc[df["leader_objective"].notna() & (df["outcome"] != "error"), "outcome"]
    legend_outside(fig, styles, outcome_handles(shown))
    return fig


def _draw_invalid(
    ax: Axes, rows: pd.DataFrame, styles: dict, shift: Any, low: float, high: float
) -> pd.Series:
    """Draw each infeasible, time-limited or interrupted cell with an objective within
    ``[low, high]`` with its outcome's marker; return the count of those beyond, per outcome."""
    beyond: dict[str, int] = {}
    for i, (method, style) in enumerate(styles.items()):
        mine = rows[(rows["method"] == method) & rows["leader_objective"].notna()]
        for outcome in ("infeasible", "time_limit", "interrupted"):
            bad = mine[mine["outcome"] == outcome]
            inside = bad["leader_objective"].between(low, high)
            beyond[outcome] = beyond.get(outcome, 0) + int((~inside).sum())
            ax.scatter(bad.loc[inside, "x"] + shift(i), bad.loc[inside, "leader_objective"],
                       s=16, lw=0.8, marker=OUTCOME_MARKERS[outcome][0], color=style["color"],
                       alpha=0.6, zorder=3)  # fmt: skip
    return pd.Series(beyond)


def _dodge(x: pd.Series, n: int) -> Any:
    """The sideways shift of method ``i`` of ``n``: a small share of the gap between values."""
    values = np.unique(x.to_numpy(float))
    gap = np.min(np.diff(values)) if len(values) > 1 else 1.0
    return lambda i: (i - (n - 1) / 2) * 0.3 * gap / max(n, 1)


def _note(ax: Axes, rows: pd.DataFrame, offside: pd.Series) -> None:
    """Write under the panel what it does not show: the failed cells (an error, or no objective)
    per method, and the marked cells beyond the axis per outcome."""
    failed = rows[rows["outcome"] == "error"].groupby("method", sort=False).size()
    parts = []
    if len(failed):
        parts.append("failed, no point: " + ", ".join(f"{m} {n}" for m, n in failed.items()))
    offside = offside[offside > 0]
    if len(offside):
        names = {o: OUTCOME_MARKERS[o][1].split(" (")[0] for o in offside.index}
        parts.append("beyond the axis: " + ", ".join(f"{names[o]} {n}" for o, n in offside.items()))
    if parts:
        text = "\n".join(textwrap.fill(p, 70) for p in parts)
        ax.text(0.0, -0.2, text, transform=ax.transAxes, fontsize=7, va="top", color="0.3")


def violation_per_method(source: pd.DataFrame | str | Path, tol: float = FEASIBILITY_TOL) -> Figure:
    """The leader-constraint violation of every cell, per method, one panel per game, on a
    symmetric log axis (zero stays visible); the feasibility tolerance ``tol`` as a line."""
    return _per_method(load(source), "violation", "max violation of the leader's constraints", tol)


def runtime_per_method(source: pd.DataFrame | str | Path, tol: float = FEASIBILITY_TOL) -> Figure:
    """The wall time of every cell, per method, one panel per game, on a log axis."""
    return _per_method(load(source), "wall_time", "wall time (s)", tol)


def _per_method(df: pd.DataFrame, column: str, ylabel: str, tol: float) -> Figure:
    if column == "wall_time":  # a cell a lost worker never ran is stored with 0 s
        df = df[df["wall_time"] > 0]
    if df.empty:
        raise ValueError(f"no cell of this study has a {column.replace('_', ' ')}")
    df = df.assign(outcome=outcomes(df, tol))
    styles = method_styles(dict.fromkeys(df["method"]))
    games = list(dict.fromkeys(df["game"]))
    most = max(df.groupby("game")["method"].nunique())
    fig, panels = facets(games, width=max(4.4, 0.45 * most + 1.8))
    for game, ax in panels.items():
        rows = df[(df["game"] == game) & df[column].notna()]
        methods = [m for m in styles if (df.loc[df["game"] == game, "method"] == m).any()]
        data = [rows.loc[rows["method"] == m, column].to_numpy(float) for m in methods]
        ax.boxplot(data, positions=range(1, len(methods) + 1), showfliers=False, widths=0.5)
        for i, method in enumerate(methods, start=1):
            mine = rows[rows["method"] == method]
            jitter = np.random.default_rng(i).uniform(-0.15, 0.15, len(mine))
            for outcome in mine["outcome"].unique():
                marker = OUTCOME_MARKERS.get(outcome, (styles[method]["marker"],))[0]
                at = (mine["outcome"] == outcome).to_numpy()
                ax.scatter(i + jitter[at], mine.loc[at, column], marker=marker, s=14, alpha=0.7,
                           color=styles[method]["color"], lw=1)  # fmt: skip
        ax.set_xticks(range(1, len(methods) + 1), methods, rotation=30, ha="right")
        if column == "violation":
            _violation_axis(ax, rows[column].to_numpy(float), tol)
        else:
            ax.set_yscale("log")
        ax.set(ylabel=ylabel)
    legend_outside(fig, styles, outcome_handles(df["outcome"]))
    return fig


def _violation_axis(ax: Axes, values: np.ndarray, tol: float) -> None:
    """A symmetric log axis from 0 to above ``tol``: linear below the smallest positive value
    (at most nine decades under ``tol``), a tick every few decades, ``tol`` as a dotted line."""
    positive = values[values > 0]
    linthresh = max(positive.min(), tol * 1e-9) if len(positive) else tol * 1e-3
    top = max(values.max(initial=0.0), tol) * 10
    ax.set_yscale("symlog", linthresh=linthresh)
    ax.set_ylim(0, top)
    first, last = math.ceil(math.log10(linthresh)), math.floor(math.log10(top))
    step = max(1, math.ceil((last - first + 1) / 6))
    ax.set_yticks([0.0, *(10.0**k for k in range(last, first - 1, -step))])
    ax.axhline(tol, color="0.4", lw=0.8, ls=":")
    ax.text(0.01, tol, f"tol {tol:g}", transform=ax.get_yaxis_transform(), fontsize=7,
            va="bottom", color="0.3")  # fmt: skip


def convergence(source: pd.DataFrame | str | Path, key: str | None = None) -> Figure:
    """Each cell's history of ``key`` against the iteration, one panel per game, a colour, a line
    style and markers per method; a log axis when the values are positive and span more than two
    decades (a gradient norm, a residual). ``key`` None: of ``HISTORY_KEYS``, the one the most
    cells record; the methods that record it not are named under the plot."""
    rows = load(source)
    df = rows[rows["history"].map(bool)]
    if df.empty:
        raise ValueError("no cell of this study has a history (one-shot methods record none)")
    if key is None:  # of the usual keys, the one the most cells record
        counts = {k: int(df["history"].map(lambda h, k=k: k in h).sum()) for k in HISTORY_KEYS}
        key = max(counts, key=lambda k: counts[k]) if any(counts.values()) else None
    if key is None:
        raise ValueError(f"give the history key to plot; this study records {history_keys(df)}")
    if key not in history_keys(df):
        raise ValueError(
            f"no cell of this study records {key!r} as numbers in its history; it records "
            f"{history_keys(df)}"
        )
    recorded = df[df["history"].map(lambda h: key in h)]
    left_out = sorted(set(rows["method"]) - set(recorded["method"]))
    df = recorded
    styles = method_styles(dict.fromkeys(df["method"]))
    fig, panels = facets(list(dict.fromkeys(df["game"])))
    for game, ax in panels.items():
        values = []
        for method, history in df.loc[df["game"] == game, ["method", "history"]].itertuples(
            index=False
        ):
            y = np.array(history[key], dtype=float)
            steps = history.get("step", history.get("iteration", range(len(y))))
            ax.plot(steps, y, markevery=max(1, len(y) // 8), ms=4, lw=1, alpha=0.7,
                    **styles[method])  # fmt: skip
            values.append(y[np.isfinite(y)])
        ax.set(xlabel="iteration", ylabel=key)
        every = np.concatenate(values) if values else np.array([])
        if len(every) and every.min() > 0 and every.max() / every.min() > 100:
            ax.set_yscale("log")
    legend_outside(fig, styles)
    if left_out:  # another key of theirs: report(..., history_key=...), --history-key
        note = f"not shown, no {key!r} in their history: {', '.join(left_out)}"
        fig.text(0.01, -0.02, note, fontsize=8, va="top", wrap=True)
    return fig


def history_keys(df: pd.DataFrame) -> list[str]:
    """The history keys of ``df``'s cells that hold numbers (not the messages or decisions some
    methods record): those :func:`convergence` can plot."""
    return sorted({k for h in df["history"] for k, v in h.items() if _numbers(v)})


def _numbers(values: Any) -> bool:
    """Whether a history column is a list of numbers (None counts as a missing one)."""
    return isinstance(values, list) and all(
        v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values
    )


def performance_profile(
    source: pd.DataFrame | str | Path, tol: float = FEASIBILITY_TOL, rtol: float = 1e-3
) -> Figure:
    """Dolan-Moré profile: the share of instances each method solves within a factor of the best
    time. A cell counts as solved when its status is a success, its violation is at most ``tol``
    and its leader objective is within ``rtol`` (relative) of the best one found on that instance
    (when the objective's sense is unknown, the first two conditions only); the rule is written
    under the plot.
    """
    df = solved_cells(load(source), tol, rtol)
    instances = df.groupby(["game", "instance"]).ngroups or 1
    best_time = df[df["solved"]].groupby(["game", "instance"])["wall_time"].min()
    df = df.join(best_time.rename("best_time"), on=["game", "instance"])
    ratio = (df["wall_time"] / df["best_time"]).where(df["solved"], np.inf)
    styles = method_styles(dict.fromkeys(df["method"]))
    fig, ax = plt.subplots(figsize=(6, 4))
    finite = ratio[np.isfinite(ratio)]
    taus = np.logspace(0, np.log10(max(2.0, finite.max() if len(finite) else 2.0)), 200)
    for method, style in styles.items():
        r = ratio[df["method"] == method].to_numpy()
        ax.step(taus, [(r <= t).sum() / instances for t in taus], where="post", label=method,
                markevery=25, ms=4, **style)  # fmt: skip
    ax.set_xscale("log")
    ax.set(
        xlabel="time within a factor τ of the best",
        ylabel=f"share of the {instances} instances solved",
        ylim=(0, 1.02),
        title="Performance profile",
    )
    legend_outside(fig, styles)
    rule = (
        f"solved: status {' / '.join(SUCCESS)}, violation ≤ {tol:g}, and leader objective within "
        f"{rtol:g} (relative) of the best found on the instance"
    )
    fig.text(0.01, -0.02, rule, fontsize=8, va="top", wrap=True)
    return fig


def solved_cells(df: pd.DataFrame, tol: float = 1e-6, rtol: float = 1e-3) -> pd.DataFrame:
    """``df`` with an ``instance`` key and a ``solved`` flag (see :func:`performance_profile`); a
    run that stands for several seeds is one row per seed, on each seed's instance."""
    df = load(df).explode("seeds", ignore_index=True)
    df = df.assign(instance=df["params"].map(str) + " seed " + df["seeds"].map(str))
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
    figures, skipped = draw(source, param, history_key)
    for name, why in skipped.items():
        warnings.warn(f"{name} not drawn: {why}", stacklevel=2)
    if out_dir is not None:
        save(figures, out_dir)
    return figures


def draw(
    source: pd.DataFrame | str | Path, param: str | None = None, history_key: str | None = None
) -> tuple[dict[str, Figure], dict[str, str]]:
    """Every plot of :func:`report` that the study supports, and why each other one was not
    drawn (a plot that fails leaves the others: no cell with a time, no history key)."""
    df = load(source)
    plots: dict[str, Callable[[], Figure]] = {
        "violation": lambda: violation_per_method(df),
        "runtime": lambda: runtime_per_method(df),
        "performance_profile": lambda: performance_profile(df),
    }
    if param is not None:
        plots[f"objective_vs_{param}"] = lambda: objective_vs_param(df, param)
    if df["history"].map(bool).any():
        plots["convergence"] = lambda: convergence(df, history_key)
    figures, skipped = {}, {}
    for name, plot in plots.items():
        try:
            figures[name] = plot()
        except ValueError as exc:
            skipped[name] = str(exc)
    return figures, skipped


def save(figures: dict[str, Figure], out_dir: str | Path) -> list[Path]:
    """Save each figure as ``out_dir/<name>.png`` (the legend outside the panels included)."""
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
