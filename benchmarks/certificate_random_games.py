"""False successes on random nonconvex games: how many Results with a success status leave a
follower able to improve, by an independent brute-force Nash gap (tests/random_quartic_games.py).
The certificate's goal is zero. Prints successes and false successes per method.
Run: .venv/bin/python benchmarks/certificate_random_games.py [--games 200] [--methods gradient]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import stackopt as so

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.random_quartic_games import brute_force_gap, random_quartic_game  # noqa: E402

METHODS = {
    "initial": {},
    "mpec": {},
    "mpec scholtes": {"strategy": "scholtes"},
    "gradient": {},
    "slsqp": {},
    "trust-constr": {},
    "stackelberg-br": {},
    "tikhonov-zo": {},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--games", type=int, default=200)
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    args = parser.parse_args()
    print(f"{'method':16s} {'successes':>10s} {'false successes':>16s}  seeds")
    for label in args.methods:
        options = METHODS[label]
        successes, false = 0, []
        for seed in range(args.games):
            game, coef = random_quartic_game(seed)
            res = so.solve(game, method=label.split()[0], **options)
            if res.success:
                successes += 1
                if brute_force_gap(coef, res) > 1e-5:
                    false.append(seed)
        print(f"{label:16s} {successes:10d} {len(false):16d}  {false[:10]}")


if __name__ == "__main__":
    main()
