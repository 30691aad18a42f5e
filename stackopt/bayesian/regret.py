"""Regret curves over seeds, their fitted log-log slope, and the plot against sqrt(T) references.

The type-feedback bounds are O(sqrt(min{L log(nKAT), nK} T)) (independent types) and
O(sqrt(min{L log(nKAT), K^n} T)) (general); a slope of 1/2 on log-log axes is the sqrt(T) rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.bayesian.simulation import make_learner, simulate


def regret_curves(
    game: BayesianStackelbergGame, learner: str, T: int, seeds: list[int] | range
) -> np.ndarray:
    """Cumulative regret, shape (len(seeds), T): one fresh learner and type sequence per seed."""
    return np.array(
        [np.cumsum(simulate(game, make_learner(learner, game), T, seed)) for seed in seeds]
    )


def loglog_slope(curve: np.ndarray, start: int | None = None) -> float:
    """Least-squares slope of log R(t) against log t over log-spaced t in [start, T] with R > 0.

    ``start`` defaults to T/10: the slope over the last decade of rounds.
    A bounded regret curve has slope ~0, sqrt(T) regret slope 1/2, linear regret slope 1.
    """
    start = max(1, len(curve) // 10) if start is None else start
    t = np.unique(np.geomspace(start, len(curve), 30).astype(int))
    t = t[curve[t - 1] > 0]
    if len(t) < 2:
        return 0.0
    return float(np.polyfit(np.log(t), np.log(curve[t - 1]), 1)[0])


def plot_regret(curves: dict[str, np.ndarray], ax: Any = None) -> Any:
    """Mean cumulative regret (band: min to max over seeds) on log-log axes, with sqrt(T) guides."""
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.subplots(figsize=(6, 4))[1]
    for name, runs in curves.items():
        t = np.arange(1, runs.shape[1] + 1)
        mean = runs.mean(axis=0)
        ax.loglog(t, mean, label=f"{name} (slope {loglog_slope(mean):.2f})")
        ax.fill_between(t, runs.min(axis=0), runs.max(axis=0), alpha=0.2)
    T = max(runs.shape[1] for runs in curves.values())
    top = max(runs.mean(axis=0)[-1] for runs in curves.values())
    t = np.arange(1, T + 1)
    ax.loglog(t, top * np.sqrt(t / T), "k--", lw=1, label=r"$\propto\sqrt{T}$ (slope 1/2)")
    ax.set_xlabel("round T")
    ax.set_ylabel("cumulative regret")
    ax.legend(fontsize="small")
    return ax
