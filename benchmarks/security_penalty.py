"""The penalty MPEC on the paper-size security game (5 defenders x 100 targets), against a baseline.

The MPEC engine's goal is the penalty MPEC at least 2x faster than at the baseline commit (the
state of the package when the goal was set). Both versions run side by side in one run: the
baseline is installed from ``git archive`` into a temporary folder and imported from there by a
child process, the checkout by another; the runs alternate, ``--reps`` each, and the medians are
compared. Each child solves a small game first, so imports and first-use compilation are not timed.
Timed: one ``so.solve(game, method="mpec", strategy="penalty")`` with its defaults (the baseline's
had no certificate; the checkout's time includes it and says how much of it was the certificate).
The checkout is timed three times: with its defaults, which start a second local solve from the
high-point relaxation's point (backends/mpec_starts.py); with ``multistart=1``, the baseline's
single start: the same work as the baseline, plus the polishing and the certificate; and with
``multistart=1, certify=False``, without the certificate (its status is then at most feasible).

Run: .venv/bin/python benchmarks/security_penalty.py [--baseline 6aab739] [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, time
import stackopt as so
so.solve(so.models.duopoly(), method="mpec", strategy="penalty")
game = so.models.security_game(budget={budget}, seed={seed})
t = time.perf_counter()
res = so.solve(game, method="mpec", strategy="penalty"{options})
seconds = time.perf_counter() - t
cert = getattr(res, "certificate", None)
print(json.dumps({{
    "seconds": seconds,
    "status": res.status,
    "objective": res.leader_objective,
    "iterations": sum(row["iterations"] for row in res.history if "iterations" in row)
    if any("iterations" in row for row in res.history) else None,
    "certificate_seconds": getattr(cert, "seconds", None),
}}))
"""


#: the checkout's runs: its defaults; the baseline's single start; the same without the
#: certificate (``certify=False``: status at most feasible), the baseline's work alone
CHECKOUT = {
    "checkout": "",
    "checkout, 1 start": ", multistart=1",
    "checkout, 1 start, certify=False": ", multistart=1, certify=False",
}


def install(commit: str, into: Path) -> Path:
    """The package at ``commit`` installed (without dependencies) under ``into``."""
    source = into / "source"
    source.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    target = into / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
    )
    return target


def timed(path: Path | None, budget: float, seed: int, options: str = "") -> dict:
    """One child run; ``path`` prepended to sys.path (the baseline) or None (this checkout);
    ``options`` the solve's extra keywords as source text (", multistart=1")."""
    env_path = [] if path is None else [str(path)]
    code = f"import sys; sys.path[:0] = {env_path!r}\n" + CHILD.format(
        budget=budget, seed=seed, options=options
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="6aab739", help="the commit to compare with")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--budget", type=float, default=0.6)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        baseline = install(args.baseline, Path(folder))
        runs: dict[str, list[dict]] = {name: [] for name in ("baseline", *CHECKOUT)}
        for _ in range(args.reps):
            runs["baseline"].append(timed(baseline, args.budget, args.seed))
            for name, options in CHECKOUT.items():
                runs[name].append(timed(None, args.budget, args.seed, options))
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"penalty MPEC, security game 5 x 100, budget {args.budget}, seed {args.seed}; "
        f"median of {args.reps} runs each, alternating"
    )
    medians = {}
    for name, rows in runs.items():
        label = f"{name} ({args.baseline if name == 'baseline' else head})"
        label = label.replace("certify=False", "no certificate")
        medians[name] = statistics.median(r["seconds"] for r in rows)
        last = rows[-1]
        cert = last["certificate_seconds"]
        print(
            f"  {label:45s} {medians[name]:6.2f} s   status {last['status']:16s} "
            f"objective {last['objective']:.6f}   Ipopt iterations {last['iterations'] or 'n/a'}"
            + ("" if cert is None else f"   certificate {cert:.2f} s")
        )
    for name in CHECKOUT:
        print(f"speed-up, {name}: {medians['baseline'] / medians[name]:.2f}x (goal: at least 2x)")


if __name__ == "__main__":
    main()
