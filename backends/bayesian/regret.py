"""Regret curves over seeds, their fitted log-log slope, and the plot against sqrt(T) references.

The type-feedback bounds are O(sqrt(min{L log(nKAT), nK} T)) (independent types) and
O(sqrt(min{L log(nKAT), K^n} T)) (general); a slope of 1/2 on log-log axes is the sqrt(T) rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stackopt.backends.bayesian.simulation import make_learner, simulate
from stackopt.bayesian.game import BayesianStackelbergGame


def regret_curves(
    game: BayesianStackelbergGame, learner: str, T: int, seeds: list[int] | range
) -> np.ndarray:
    """Cumulative regret, shape (len(seeds), T): one fresh learner and type sequence per seed."""
    return np.array(
        [np.cumsum(simulate(game, make_learner(learner, game), T, seed)) for seed in seeds]
    )


def loglog_slope(
    values: np.ndarray, rounds: np.ndarray | None = None, start: float | None = None
) -> float:
    """Least-squares slope of log R(t) against log t over the rounds t >= start with R(t) > 0.

    ``values`` is a full curve R(1..T) (then 30 log-spaced rounds are used) or its values at the
    given ``rounds``; ``start`` defaults to T/10, the last decade. Bounded regret has slope ~0,
    sqrt(T) regret slope 1/2, linear regret slope 1.
    """
    values = np.asarray(values, dtype=float)
    if rounds is None:
        rounds = np.unique(np.geomspace(1, len(values), 30).astype(int))
        values = values[rounds - 1]
    rounds = np.asarray(rounds, dtype=float)
    start = rounds[-1] / 10 if start is None else start
    keep = (rounds >= start) & (values > 0)
    if keep.sum() < 2:
        return 0.0
    return float(np.polyfit(np.log(rounds[keep]), np.log(values[keep]), 1)[0])


def plot_regret(curves: dict[str, tuple[np.ndarray, np.ndarray]], ax: Any = None) -> Any:
    """Mean cumulative regret (band: min to max over seeds, where positive) on log-log axes, with sqrt(T) guides.

    ``curves[name] = (rounds, runs)`` with ``runs`` of shape (seeds, len(rounds)).
    """
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.subplots(figsize=(6, 4))[1]
    for name, (rounds, runs) in curves.items():
        mean = runs.mean(axis=0)
        slope = round(loglog_slope(mean, rounds), 2) + 0.0  # no "-0.00"
        ax.loglog(rounds, mean, label=f"{name} (slope {slope:.2f})")
        low = runs.min(axis=0)
        ax.fill_between(rounds, np.where(low > 0, low, np.nan), runs.max(axis=0), alpha=0.2)
    T = max(rounds[-1] for rounds, _ in curves.values())
    top = max(runs.mean(axis=0)[-1] for _, runs in curves.values())
    t = np.geomspace(1, T, 50)
    ax.loglog(t, top * np.sqrt(t / T), "k--", lw=1, label=r"$\propto\sqrt{T}$ (slope 1/2)")
    ax.set_xlabel("round T")
    ax.set_ylabel("cumulative regret")
    ax.legend(fontsize="small")
    return ax
