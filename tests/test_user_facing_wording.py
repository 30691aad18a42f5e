"""The wording users read: messages, reprs and the command line's errors and warnings."""

from stackopt.backends.gradient import _best_start
from stackopt.result import Result


def test_the_best_start_is_numbered_from_one_as_in_the_log():
    results = [
        Result(status="locally_optimal", leader_objective=-3.0, message="stationary after 2 steps"),
        Result(status="locally_optimal", leader_objective=-2.0, message="stationary after 5 steps"),
    ]
    chosen = _best_start(results, ["the start", "random"], sign=1.0)
    assert chosen.message == "stationary after 2 steps; the best of 2 starts (start 1: the start)"
    assert _best_start(results, ["the start", "random"], sign=-1.0).message.endswith(
        "(start 2: random)"
    )
