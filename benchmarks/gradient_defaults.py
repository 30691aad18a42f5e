"""The gradient method's default step against the paper's setting (Algorithm 1), on library games.

For each game: the leader objective at the returned decision (honest evaluation), the status, the
number of gradient steps and the wall time, with the default options (the scale-free line search,
phase 1 and the domain-aware step) and with ``lr=0.01, optimizer="adam", line_search=False``.
Known optima: MacMPEC bard1 17 at x = 1 (the follower is infeasible for x < 1); the Cournot leader
with A - c = 132 and three followers 1089 at q0 = 66; the duopoly 1058 at q0 = 46. The QRE subsidy
games have no closed form: Algorithm 1's value is the reference there.

Run: ``python benchmarks/gradient_defaults.py`` (about a minute on one core).
"""

from __future__ import annotations

import time

import stackopt as so

PAPER = {"lr": 0.01, "optimizer": "adam", "line_search": False}

GAMES = [
    ("bard1 from x = 0", so.models.bard1, {}, 17.0),
    ("bard1 from x = 2", so.models.bard1, {"start": {"x": 2.0}}, 17.0),
    ("cournot, 3 followers, A - c = 132", lambda: so.models.cournot(n=3, A=142.0), {}, 1089.0),
    ("duopoly", so.models.duopoly, {}, 1058.0),
    ("qre_subsidy 2 x 3, budget 0.5", lambda: so.models.qre_subsidy(2, 3, 0.5, 0), {}, None),
    ("qre_subsidy 3 x 5, budget 1", lambda: so.models.qre_subsidy(3, 5, 1.0, 0), {}, None),
]


def run(factory, options: dict) -> tuple[str, float | None, int, float]:
    start = time.perf_counter()
    res = so.solve(factory(), method="gradient", **options)
    steps = sum("step" in row for row in res.history)
    return res.status, res.leader_objective, steps, time.perf_counter() - start


def main() -> None:
    print(f"{'game':36s} {'options':8s} {'status':16s} {'objective':>12s} {'known':>8s} "
          f"{'steps':>6s} {'time':>7s}")  # fmt: skip
    for name, factory, extra, known in GAMES:
        for label, options in (("default", {}), ("paper", PAPER)):
            status, objective, steps, seconds = run(factory, extra | options)
            shown = "none" if objective is None else f"{objective:.4f}"
            print(
                f"{name:36s} {label:8s} {status:16s} {shown:>12s} "
                f"{'' if known is None else known:>8} {steps:6d} {seconds:6.2f}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
