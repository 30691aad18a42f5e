"""Ctrl-C during an Ipopt solve: Ipopt stops at its next iteration, then KeyboardInterrupt.

Python raises KeyboardInterrupt inside whichever callback Ipopt makes next. cyipopt (1.7) keeps an
exception from most callbacks and re-raises it when Ipopt returns, but one raised in its Hessian
callback is lost: Ipopt then runs on to its own end, and the Ctrl-C with it (``markov-nlp`` on 80
states ran on to ``locally_optimal`` after about one Ctrl-C in four).

Inside :func:`ipopt_interrupts`, SIGINT only records that it came; the intermediate callback
(:class:`.ipopt_deadline.WallClock`, once per iteration) then stops Ipopt, and KeyboardInterrupt is
raised when the solve returns, where the caller's handling of Ctrl-C takes it as before. This
holds in the main thread while SIGINT has Python's default handler (a handler of the caller's own
is left alone), which is where Ctrl-C arrives.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: whether Ctrl-C came during the current solve (read by the intermediate callback)
_pressed = False


def pressed() -> bool:
    """Whether Ctrl-C came during the Ipopt solve that is running."""
    return _pressed


def _record(signum: int, frame: object) -> None:
    global _pressed
    _pressed = True


@contextmanager
def ipopt_interrupts() -> Iterator[None]:
    """Around one Ipopt solve: Ctrl-C stops Ipopt at its next iteration and is raised as
    KeyboardInterrupt once the solve has returned (module docstring)."""
    global _pressed
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    _pressed = False
    signal.signal(signal.SIGINT, _record)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        came, _pressed = _pressed, False
    if came:
        raise KeyboardInterrupt
