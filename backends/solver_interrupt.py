"""Ctrl-C during a solver's run: the solver stops at its next check, then KeyboardInterrupt.

Python raises KeyboardInterrupt inside whichever Python callback the solver makes next, and the
solvers' wrappers do not all hand it back:

- cyipopt (1.7) keeps an exception from most callbacks and re-raises it when Ipopt returns, but one
  raised in its Hessian callback is lost: Ipopt then ran on to its own end, and the Ctrl-C with it
  (``markov-nlp`` on 80 states ran on to ``locally_optimal`` after about one Ctrl-C in four);
- highspy (through Pyomo's ``appsi_highs``) gets it in its interrupt callback, where it becomes a
  HiGHS error: ``bayes-milp`` ran on for half a minute and ended ``error``.

Inside :func:`interruptible`, SIGINT only records that it came and calls the solver's ``stop``
(HiGHS: ``cancelSolve``; Ipopt's intermediate callback, :class:`.ipopt_deadline.WallClock`, reads
:func:`pressed` once per iteration); KeyboardInterrupt is raised when the solver has returned,
where the caller's handling of Ctrl-C takes it as before. This holds in the main thread while
SIGINT has Python's default handler (a handler of the caller's own is left alone), which is where
Ctrl-C arrives.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: whether Ctrl-C came during the current solver call (read by Ipopt's intermediate callback)
_pressed = False


def pressed() -> bool:
    """Whether Ctrl-C came during the solver call that is running."""
    return _pressed


@contextmanager
def interruptible(stop: Callable[[], None] | None = None) -> Iterator[None]:
    """Around one solver call: Ctrl-C calls ``stop`` and is raised as KeyboardInterrupt once the
    call has returned (module docstring)."""
    global _pressed
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return

    def record(signum: int, frame: object) -> None:
        global _pressed
        _pressed = True
        if stop is not None:
            stop()

    _pressed = False
    signal.signal(signal.SIGINT, record)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        came, _pressed = _pressed, False
    if came:
        raise KeyboardInterrupt
