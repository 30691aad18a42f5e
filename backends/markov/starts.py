"""Leader starts for the Markov methods, and keeping the best of several runs.

The first start is ``start`` (a leader policy, S x A1) or the uniform policy; starts 2..k are
random policies, each state's row drawn from Dirichlet(1) with ``seed``. The best run is the first
by (a success status, the leader's value), so a certified point beats a better uncertified one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from stackopt.certificate import SUCCESS
from stackopt.errors import OptionError
from stackopt.markov.game import MarkovStackelbergGame
from stackopt.result import Result


def leader_starts(
    game: MarkovStackelbergGame, start: np.ndarray | None, seed: int, multistart: int
) -> Iterator[np.ndarray]:
    """``multistart`` leader policies (module docstring); a bad ``start`` is refused by name."""
    if not isinstance(multistart, int) or multistart < 1:
        raise OptionError(f"multistart must be a positive integer, got {multistart!r}")
    S, A1, _ = game.shape
    if start is None:
        first = np.full((S, A1), 1.0 / A1)
    else:
        first = np.asarray(start, dtype=float)
        if (
            first.shape != (S, A1)
            or not np.all(np.isfinite(first))
            or np.any(first < 0)
            or np.any(np.abs(first.sum(axis=1) - 1) > 1e-9)
        ):
            raise OptionError(
                f"start must be a leader policy: shape (S, A1) = {(S, A1)}, finite rows >= 0 "
                f"summing to 1; got shape {first.shape}"
            )
    rng = np.random.default_rng(seed)
    yield first
    for _ in range(multistart - 1):
        yield rng.dirichlet(np.ones(A1), size=S)


def start_kind(k: int, start: np.ndarray | None) -> str:
    """What start ``k`` (0-based) of :func:`leader_starts` is, for its progress line."""
    if k > 0:
        return "a random policy"
    return "the uniform policy" if start is None else "the given policy"


def best_run(runs: Iterator[Result], stop: Callable[[Result], bool]) -> Result:
    """The best of ``runs`` (module docstring), consumed until ``stop(result)`` is True; every
    run's status and value goes to ``info["starts"]``."""
    best, seen = None, []
    for res in runs:
        seen.append({"status": res.status, "leader_objective": res.leader_objective})
        key = (res.status in SUCCESS, res.leader_objective or -np.inf)
        if best is None or key > best[0]:
            best = (key, res)
        if stop(res):
            break
    assert best is not None
    result = best[1]
    if len(seen) > 1:
        result.info["starts"] = seen
    return result
