"""Every method logs its starts through :mod:`stackopt.backends.progress_log`: a line per start as it
ends (start k of n, what a start is, its status, the method's objective, its steps, seconds) and,
during a long start, a heartbeat (here every step: the interval set to 0)."""

from __future__ import annotations

import logging
import math
import re

import numpy as np
import pytest

import stackopt as so
from stackopt.bayesian.instances import random_game
from stackopt.markov.instances import random_markov_game
from stackopt.models import duopoly
from stackopt.models.benchmarks.pao import toyexample1

LINE = re.compile(
    r"(?P<method>[\w-]+): start (?P<k>\d+) of (?P<n>\d+) \((?P<kind>.+)\): (?P<status>\w+), "
    r"objective (?P<objective>\S+), (?P<steps>\d+) (?P<unit>.+), \d+\.\d\d s"
)
BEAT = re.compile(
    r"(?P<method>[\w-]+): start (?P<k>\d+) of (?P<n>\d+) \((?P<kind>.+)\), (?P<unit>.+) "
    r"(?P<step>\d+): objective (?P<objective>\S+)(?: \((?P<detail>.+)\))?, \d+\.\d s"
)


def _bayesian():
    return random_game(2, 2, 2, 3, seed=0)


#: method -> (game, options, kind of start 1, unit of its steps)
SINGLE = {
    "value-function": (
        toyexample1,
        {},
        "column-and-constraint generation",
        "iteration",
    ),
    "bayes-enumerate": (_bayesian, {}, "the best-response regions, an LP each", "HiGHS LP"),
    "bayes-lp": (_bayesian, {}, "the single LP (16)-(17), HiGHS", "HiGHS iteration"),
    "bayes-milp": (_bayesian, {}, "the DOBSS MILP, HiGHS", "HiGHS node"),
    "bayes-vertices": (_bayesian, {}, "the arrangement's vertices", "linear system"),
    "bayes-learn": (
        _bayesian,
        {"T": 50},
        "type-joint against simulated followers",
        "round",
    ),
}


def _objective(value: float | None) -> str:
    return "none" if value is None or not math.isfinite(value) else f"{value + 0.0:.8g}"


def _plural(unit: str) -> tuple[str, str]:
    return unit, unit + "s"


def _lines(caplog, method: str, pattern: re.Pattern) -> list[re.Match]:
    found = []
    for r in caplog.records:
        if r.name == f"stackopt.{method}" and r.levelno == logging.INFO:
            m = pattern.fullmatch(r.getMessage())
            if m is not None and m["method"] == method:
                found.append(m)
    return found


@pytest.mark.parametrize("method", SINGLE)
def test_a_one_start_method_logs_its_start_with_its_status_and_objective(method, caplog):
    make, options, kind, unit = SINGLE[method]
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(make(), method=method, **options)
    (line,) = _lines(caplog, method, LINE)
    assert (line["k"], line["n"], line["kind"]) == ("1", "1", kind)
    assert line["status"] == res.status
    assert line["objective"] == _objective(res.reported_objective) != "none"
    assert line["unit"] in _plural(unit)


def test_the_lines_of_the_one_start_methods_count_their_steps(caplog):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        vf = so.solve(toyexample1(), method="value-function")
        learn = so.solve(_bayesian(), method="bayes-learn", T=50)
        enum = so.solve(_bayesian(), method="bayes-enumerate")
    assert vf.status == "optimal" and vf.leader_objective == -22  # PAO's answer
    assert int(_lines(caplog, "value-function", LINE)[0]["steps"]) == len(vf.history) == 3
    assert int(_lines(caplog, "bayes-learn", LINE)[0]["steps"]) == learn.info["rounds"] == 50
    solved = enum.info["feasibility_lps"] + enum.info["regions"]  # one LP per region found
    assert int(_lines(caplog, "bayes-enumerate", LINE)[0]["steps"]) == solved


@pytest.mark.parametrize(
    ("method", "game", "options", "kinds", "unit"),
    [
        (
            "implicit-pg",
            random_markov_game,
            {"multistart": 2, "max_iter": 40},
            [
                "a policy-gradient run from the uniform policy",
                "a policy-gradient run from a random policy",
            ],
            "step",
        ),
        (
            "markov-nlp",
            random_markov_game,
            {"multistart": 2},
            ["an NLP solve from the uniform policy", "an NLP solve from a random policy"],
            "ipopt iteration",
        ),
        (
            "bayes-smoothed",
            _bayesian,
            {"starts": 2, "stages": 3, "max_iter": 20},
            [
                "an annealed ascent from the uniform strategy",
                "an annealed ascent from a random strategy",
            ],
            "temperature",
        ),
    ],
)
def test_each_start_of_a_multistart_method_logs_its_line(
    method, game, options, kinds, unit, caplog
):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(game(), method=method, **options)
    lines = _lines(caplog, method, LINE)
    assert [(m["k"], m["n"], m["kind"]) for m in lines] == [
        ("1", "2", kinds[0]),
        ("2", "2", kinds[1]),
    ]
    assert all(m["unit"] in _plural(unit) and int(m["steps"]) > 0 for m in lines)
    assert all(m["status"] in ("locally_optimal", "feasible", "iteration_limit") for m in lines)
    # the returned start is one of them: its status and the method's objective
    assert (res.status, _objective(res.reported_objective)) in [
        (m["status"], m["objective"]) for m in lines
    ]


def test_markov_nlp_counts_ipopts_iterations(caplog):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(random_markov_game(), method="markov-nlp")
    (line,) = _lines(caplog, "markov-nlp", LINE)
    assert res.status == "locally_optimal"
    assert int(line["steps"]) > 0  # Ipopt's own count, not the solve


def test_slsqp_stopped_by_the_time_limit_logs_the_last_iterates_objective(caplog):
    # the limit passes before scipy's first iteration: the last iterate is the start q0 = 10,
    # where the follower answers q = (100 - 2 - 10) / 2 = 44 and the leader earns (46 - 5) 10
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method="slsqp", start={"q0": 10.0}, time_limit=1e-9)
    (line,) = _lines(caplog, "slsqp", LINE)
    assert (line["status"], line["objective"], line["steps"]) == ("time_limit", "410", "0")
    assert res.reported_objective == pytest.approx(410, abs=1e-9)
    assert res.leader_objective == pytest.approx(410, abs=1e-9)


@pytest.fixture
def every_step(monkeypatch):
    from stackopt.backends import progress_log

    monkeypatch.setattr(progress_log, "HEARTBEAT", 0.0)


def test_value_function_beats_with_the_incumbent_and_the_masters_bound(caplog, every_step):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(toyexample1(), method="value-function")
    beats = _lines(caplog, "value-function", BEAT)
    assert len(beats) == len(res.history)
    for k, (beat, row) in enumerate(zip(beats, res.history)):
        assert (beat["unit"], int(beat["step"])) == ("iteration", k + 1)
        assert beat["objective"] == _objective(row["upper"])
        assert beat["detail"] == f"master bound {row['lower']:.8g}"


def test_implicit_pg_beats_every_step_with_its_value(caplog, every_step):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(random_markov_game(), method="implicit-pg", max_iter=5, record_every=1)
    beats = _lines(caplog, "implicit-pg", BEAT)
    assert [int(b["step"]) for b in beats] == [row["iteration"] for row in res.history]
    assert [b["objective"] for b in beats] == [_objective(r["leader_value"]) for r in res.history]
    assert [b["detail"] for b in beats] == [
        f"stationarity {r['stationarity']:.3g}" for r in res.history
    ]


def test_verbose_implicit_pg_logs_its_rows_and_no_heartbeat(caplog, every_step):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        so.solve(
            random_markov_game(), method="implicit-pg", max_iter=5, verbose=True, record_every=1
        )
    assert _lines(caplog, "implicit-pg", BEAT) == []
    assert len(_lines(caplog, "implicit-pg", LINE)) == 1


def test_bayes_learn_beats_every_round_with_its_exact_value(caplog, every_step):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(_bayesian(), method="bayes-learn", T=5)
    beats = _lines(caplog, "bayes-learn", BEAT)
    cumulative = [row["cumulative_regret"] for row in res.history]  # rounds 1..5, each a row
    assert [row["round"] for row in res.history] == [1, 2, 3, 4, 5]
    regret = np.diff([0.0, *cumulative])
    assert [int(b["step"]) for b in beats] == [1, 2, 3, 4, 5]
    optimum = res.info["optimal_value"]
    assert [b["objective"] for b in beats] == [_objective(optimum - r) for r in regret]
    assert [b["detail"] for b in beats] == [f"cumulative regret {c:.6g}" for c in cumulative]


def test_bayes_smoothed_beats_every_temperature(caplog, every_step):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(_bayesian(), method="bayes-smoothed", starts=1, stages=3, max_iter=20)
    beats = _lines(caplog, "bayes-smoothed", BEAT)
    assert [int(b["step"]) for b in beats] == [1, 2, 3]
    assert [b["objective"] for b in beats] == [
        _objective(row["smoothed_objective"]) for row in res.history
    ]
    assert [b["detail"] for b in beats] == [f"tau {row['tau']:.3g}" for row in res.history]


def test_the_enumerations_beat_with_their_counts(caplog, every_step):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        so.solve(_bayesian(), method="bayes-enumerate")
        so.solve(_bayesian(), method="bayes-vertices")
    for method in ("bayes-enumerate", "bayes-vertices"):
        beats = _lines(caplog, method, BEAT)
        (line,) = _lines(caplog, method, LINE)
        steps = [int(b["step"]) for b in beats]
        assert steps == sorted(set(steps)) and steps[-1] == int(line["steps"]), (method, steps)
    region_beats = _lines(caplog, "bayes-enumerate", BEAT)
    assert region_beats[-1]["objective"] == _lines(caplog, "bayes-enumerate", LINE)[0]["objective"]


@pytest.mark.parametrize("method", ["markov-nlp", "bayes-lp", "bayes-milp"])
def test_a_single_solver_call_has_no_heartbeat(method, caplog, every_step):
    game = random_markov_game() if method == "markov-nlp" else _bayesian()
    with caplog.at_level(logging.INFO, logger="stackopt"):
        so.solve(game, method=method)
    assert _lines(caplog, method, BEAT) == []
    assert len(_lines(caplog, method, LINE)) == 1


def test_one_step_is_said_in_the_singular(caplog):
    from stackopt.backends.progress_log import StartLog

    with caplog.at_level(logging.INFO, logger="stackopt"):
        StartLog("gradient").end("optimal", 1.5, 1)
        StartLog("gradient").end("optimal", 1.5, 2)
    ends = [m["steps"] + " " + m["unit"] for m in _lines(caplog, "gradient", LINE)]
    assert ends == ["1 step", "2 steps"]
