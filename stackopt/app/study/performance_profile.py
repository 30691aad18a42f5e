"""Dolan-More performance profiles of a :func:`stackopt.benchmark` table.

Dolan and More, "Benchmarking optimization software with performance profiles", Mathematical
Programming 91, 201-213, 2002: with t_ps the time of method s on problem p (infinite when s did not
solve p), r_ps = t_ps / min_s t_ps, and rho_s(tau) = |{p : r_ps <= tau}| / |P|.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stackopt.app.study.benchmark import SOLVED_RULE

MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", ":"]


def ratios(table: pd.DataFrame, time: str = "cpu_time") -> pd.DataFrame:
    """r_ps: problems x methods, inf where the method did not solve the problem."""
    t = table.assign(t=np.where(table["solved"], table[time], np.inf))
    t = t.pivot_table(index="problem", columns="method", values="t", aggfunc="min")
    best = t.min(axis=1)
    return t.div(best.where(np.isfinite(best)), axis=0).fillna(np.inf)


def _tau_label(tau: float, _position: int) -> str:
    """A log axis' tick label: 1, 2, 5, 10, 20, 50, ... (not 2 x 10^0); no label elsewhere."""
    leading = round(tau / 10 ** np.floor(np.log10(tau)), 6) if tau > 0 else 0
    return f"{tau:g}" if leading in (1, 2, 5) else ""


def plot(table: pd.DataFrame, path: Path | str, time: str = "cpu_time") -> Path:
    """Draw rho_s(tau) for every method to the PNG ``path``; return the path."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    r = ratios(table, time)
    finite = r.to_numpy()[np.isfinite(r.to_numpy())]
    top = max(2.0, float(finite.max()) * 1.5) if finite.size else 2.0
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for k, method in enumerate(r.columns):
        taus = np.sort(r[method].to_numpy())
        taus = taus[np.isfinite(taus)]
        xs = np.concatenate([[1.0], taus, [top]])
        ys = np.concatenate([[0.0], np.arange(1, taus.size + 1), [taus.size]]) / len(r)
        ax.step(
            xs,
            ys,
            where="post",
            label=f"{method} ({taus.size}/{len(r)})",
            marker=MARKERS[k % len(MARKERS)],
            markevery=slice(1, -1),
            linestyle=LINESTYLES[k % len(LINESTYLES)],
        )
    ax.set_xscale("log")
    # a little left of tau = 1, so that a method fastest everywhere is not hidden by the axis
    ax.set_xlim(0.95, top)
    ax.xaxis.set_major_formatter(FuncFormatter(_tau_label))
    ax.xaxis.set_minor_formatter(FuncFormatter(_tau_label))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"tau: {time.replace('_', ' ')} / best {time.replace('_', ' ')} on the problem")
    ax.set_ylabel("fraction of problems solved within tau")
    ax.set_title(f"Performance profile on {len(r)} problems\n{SOLVED_RULE}", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), title="method (solved)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
