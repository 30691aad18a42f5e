"""Whether a game factory's instance depends on its seed: build it for two seeds and compare.

A factory may take a ``seed`` it does not use (the library's deterministic games do, so that every
factory is called the same way). Its signature cannot tell, so the study builds the instance for
two seeds, s0 and s1, and compares them:

- a Pyomo model by its data, :func:`stackopt.game_fingerprint.fingerprint` (Vars' bounds, domains
  and fixed values, Params, Constraints, Objectives, Expressions), and by the values of all its
  Vars (a seed that moves only a start point still matters to a local method);
- any other game (:class:`stackopt.BayesianStackelbergGame`, the Markov game, ...) by its type and
  attributes, arrays entry by entry.

Equal instances mean the seed does not reach the game: a deterministic method runs on it once for
every seed. The two builds run in a forked child process, as cells do, so that a factory that
crashes or hangs costs only the check. A build that fails, crashes or runs past the timeout, and a
game that cannot be compared, count as seeded (each seed runs, and a failure shows in each cell's
row). POSIX only.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.base.block import BlockData

from stackopt.app.study.isolation import die_with_parent
from stackopt.game_fingerprint import fingerprint


def depends_on_seed(
    factory: Callable[..., Any],
    params: Mapping[str, Any],
    seeds: tuple[int, int],
    timeout: float | None = None,
) -> bool:
    """Whether ``factory(seed=s, **params)`` builds different games for the two ``seeds``
    (module docstring); the child building them is killed after ``timeout`` seconds."""
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: answers by its exit code, 0 for equal instances
        code = 2
        try:
            os.close(read_fd)
            die_with_parent(parent)
            code = 1 if _differ(factory, params, seeds) else 0
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    os.close(write_fd)
    with selectors.DefaultSelector() as selector:  # the pipe closes when the child exits
        selector.register(read_fd, selectors.EVENT_READ)
        exited = bool(selector.select(timeout))
    if not exited:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(read_fd)
    return not exited or os.waitstatus_to_exitcode(status) != 0


def _differ(factory: Callable[..., Any], params: Mapping[str, Any], seeds: tuple[int, int]) -> bool:
    first = _state(factory(seed=seeds[0], **params))
    second = _state(factory(seed=seeds[1], **params))
    return first is None or second is None or not _same(first, second)


def _state(game: Any) -> Any:
    """What identifies ``game``: ``(fingerprint, Var values)`` for a Pyomo model, else its type
    and attributes (None if it has none to compare)."""
    if isinstance(game, BlockData):
        values = [(v.name, v.value) for v in game.component_data_objects(pyo.Var)]
        return fingerprint(game), values
    if not hasattr(game, "__dict__"):
        return None
    return type(game), vars(game)


def _same(a: Any, b: Any) -> bool:
    """Equal values, recursively; arrays equal entry by entry (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and _equal_arrays(a, b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    try:
        return bool(a == b)
    except Exception:  # a value whose comparison is not a truth value
        return False


def _equal_arrays(a: np.ndarray, b: np.ndarray) -> bool:
    try:
        return bool(np.array_equal(a, b, equal_nan=True))
    except TypeError:  # object or string arrays: no NaN test
        return bool(np.array_equal(a, b))
