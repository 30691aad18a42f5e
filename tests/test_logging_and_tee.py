"""Progress on the ``stackopt`` loggers; ``tee=True`` shows the solver's own output."""

from __future__ import annotations

import logging
import re
import subprocess
import sys

import pytest

import stackopt as so
from stackopt.models import duopoly


def test_the_package_logger_is_silent_by_default():
    handlers = logging.getLogger("stackopt").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_solve_logs_start_and_end_on_the_method_logger(caplog):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method="mpec", strategy="scholtes")
    records = [
        (r.name, r.levelname, r.getMessage()) for r in caplog.records if r.name == "stackopt.mpec"
    ]
    assert records[0][:2] == ("stackopt.mpec", "INFO")
    assert records[0][2] == "mpec: solving 'duopoly' with {'strategy': 'scholtes'}"
    assert records[-1][2].startswith(f"mpec: {res.status} in ")


@pytest.mark.parametrize("tee", [True, False])
def test_tee_shows_ipopt_output_only_when_asked(tee, capfd):
    res = so.solve(duopoly(), method="mpec", strategy=so.Scholtes(factor=0.1, t_min=1e-2), tee=tee)
    out = capfd.readouterr().out
    assert res.status in ("locally_optimal", "feasible")
    assert ("EXIT: Optimal Solution Found." in out) is tee


@pytest.mark.parametrize("tee", [True, False])
def test_tee_shows_scip_output_only_when_asked(tee, capfd):
    res = so.solve(duopoly(), method="mpec", strategy="sos1", tee=tee)
    assert res.status == "optimal"
    assert ("SCIP Status" in capfd.readouterr().out) is tee


def test_tee_must_be_a_boolean():
    with pytest.raises(so.OptionError, match="tee must be True or False"):
        so.solve(duopoly(), method="mpec", tee="yes")


def test_solve_refuses_a_non_game_by_its_type_without_reading_it():
    class Untouchable:  # any attribute read would raise, naming the attribute
        def __getattr__(self, name):
            raise RuntimeError(f"game.{name} read")

    with pytest.raises(so.ModelError, match="expected a stackopt.StackelbergGame, got Untouchable"):
        so.solve(Untouchable(), method="mpec", load_solution=False)


def test_an_evaluation_error_in_ipopt_is_its_status_not_a_logged_traceback(caplog, capfd):
    # sqrt(x - 1) is undefined below x = 1, where the objective pulls Ipopt's steps
    import pyomo.environ as pyo

    from stackopt.backends.solvers import run_solver

    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 2), initialize=1.5)
    m.o = pyo.Objective(expr=pyo.sqrt(m.x - 1) + 10 * (m.x - 0.5) ** 2)
    with caplog.at_level(logging.WARNING):
        run = run_solver(m, "ipopt")
    assert run.status == "error" and "PyNumeroEvaluationError" in run.message
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err + caplog.text


def _messages(caplog, logger: str, level: int = logging.INFO) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger and r.levelno == level]


def test_mpec_logs_each_start_and_each_phase_of_the_certificate_once(caplog):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method="mpec", multistart=2)
    assert res.status == "locally_optimal"
    starts = [m for m in _messages(caplog, "stackopt.mpec") if m.startswith("mpec: start")]
    assert len(starts) == 2
    for k, (text, kind) in enumerate(zip(starts, ["the start", "the high-point relaxation"])):
        pattern = rf"mpec: start {k + 1} of 2 \({kind}\): optimal, objective 1058, \d+ ipopt "
        assert re.fullmatch(pattern + r"iterations, \d+\.\d\d s", text), text
    # the first start is certified: one certificate, each phase once, in order
    seconds = r"\d+\.\d\d s"
    phases = [
        rf"certificate: equilibrium recomputed by kkt in {seconds} \(KKT residual .*\)",
        rf"certificate: Nash gaps in {seconds}, largest 0: F by ipopt, convex quadratic "
        r"follower \(exact\)",
        rf"certificate: leader stationarity S \(holds\) in {seconds}",
        r"certificate: locally_optimal \(claimed locally_optimal\) at leader objective 1058, "
        rf"violation 0.0e\+00; {seconds}",
    ]
    lines = _messages(caplog, "stackopt.certificate")
    assert len(lines) == len(phases), lines
    for line, phase in zip(lines, phases):
        assert re.fullmatch(phase, line), line


def test_the_certificate_logs_each_follower_only_at_debug(caplog):
    with caplog.at_level(logging.DEBUG, logger="stackopt.certificate"):
        so.solve(duopoly(), method="mpec", multistart=1)
    per_follower = _messages(caplog, "stackopt.certificate", logging.DEBUG)
    assert any(m.startswith("certificate: F: Nash gap 0 by ") for m in per_follower), per_follower
    assert not any(": F: " in m for m in _messages(caplog, "stackopt.certificate"))


def test_repair_rounds_are_logged(caplog):
    from tests.test_certificate import _concave_follower

    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(_concave_follower(0.2), method="mpec", strategy="scholtes")
    assert res.info["deviation_cuts"]
    mpec, certificate = (
        _messages(caplog, "stackopt.mpec"),
        _messages(caplog, "stackopt.certificate"),
    )
    assert "mpec: repair round 1 of 3: the MPEC again with 1 deviation cut(s) (F)" in mpec
    assert any(
        m.startswith("certificate: repair round 1: F moved to its better response")
        for m in certificate
    ), certificate


def test_a_successful_solve_logs_nothing_at_warning(caplog):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method="mpec", multistart=2)
    assert res.status == "locally_optimal"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_the_root_logger_at_info_shows_no_cyipopt_callbacks():
    """cyipopt logs each callback of each Ipopt iteration at INFO; stackopt keeps its logger at
    WARNING unless the user set one (a fresh process: cyipopt reads the level on import)."""
    code = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout, format='%(name)s')\n"
        "import stackopt as so\n"
        "so.solve(so.models.duopoly(), method='mpec')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "stackopt.mpec" in out
    assert "cyipopt" not in out


def _start_lines(caplog, method: str) -> list[str]:
    return [m for m in _messages(caplog, f"stackopt.{method}") if m.startswith(f"{method}: start")]


def test_the_gradient_method_logs_each_start_as_it_ends(caplog):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method="gradient", multistart=2)
    starts = _start_lines(caplog, "gradient")
    assert len(starts) == 2, starts
    for k, (text, run) in enumerate(zip(starts, res.info["starts"])):
        # the Stackelberg profit (Fiez et al.): 1058, from either start
        pattern = rf"gradient: start {k + 1} of 2 \({run['kind']}\): locally_optimal, "
        assert re.fullmatch(pattern + r"objective 1058, \d+ steps, \d+\.\d\d s", text), text
    assert starts[0].split(", ")[2] == f"{len(res.history)} steps"  # the best is the last start


def test_slsqp_logs_its_start_with_scipys_iterations(caplog):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method="slsqp")
    assert res.status == "locally_optimal"
    (line,) = _start_lines(caplog, "slsqp")
    nit = res.info["nit"]
    pattern = rf"slsqp: start 1 of 1 \(the start\): locally_optimal, objective 1058, {nit} "
    assert re.fullmatch(pattern + r"iterations, \d+\.\d\d s", line), line


@pytest.mark.parametrize("method", ["simgd", "stackelberg-br", "tikhonov-zo", "trust-constr"])
def test_the_single_start_methods_log_their_start_once(method, caplog):
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method=method)
    (line,) = _start_lines(caplog, method)
    objective = f"{res.reported_objective + 0.0:.8g}"
    assert line.startswith(
        f"{method}: start 1 of 1 (the start): {res.status}, objective {objective}"
    )


def test_a_heartbeat_per_step_when_the_interval_is_zero(caplog, monkeypatch):
    from stackopt.backends import progress_log

    monkeypatch.setattr(progress_log, "HEARTBEAT", 0.0)
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method="gradient", multistart=1)
    beats = [m for m in _start_lines(caplog, "gradient") if ", step " in m]
    assert len(beats) == len(res.history)  # one per step, each with its step and objective
    for text, row in zip(beats, res.history):
        head = f"gradient: start 1 of 1 (the start), step {row['step']}: objective "
        assert text.startswith(head + f"{row['objective'] + 0.0:.8g}, "), text


class _SlowClock:
    """A clock that advances 4 s at each reading."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 4.0
        return self.now


def test_the_heartbeat_is_throttled_to_one_per_interval(caplog, monkeypatch):
    from stackopt.backends import progress_log

    monkeypatch.setattr(progress_log, "time", _SlowClock())
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method="simgd")
    beats = [m for m in _start_lines(caplog, "simgd") if ", step " in m]
    # read at 4 s per step from 0 (the start): a beat at 12 s, then 10 s or more after the last
    steps = [int(re.search(r"step (\d+):", m).group(1)) for m in beats]
    assert steps == list(range(3, res.info["iterations"], 3)), steps
    assert [m.rsplit(", ", 1)[1] for m in beats[:2]] == ["12.0 s", "24.0 s"]


def test_verbose_dynamics_log_their_rows_and_no_heartbeat(caplog, monkeypatch):
    from stackopt.backends import progress_log

    monkeypatch.setattr(progress_log, "HEARTBEAT", 0.0)
    with caplog.at_level(logging.INFO, logger="stackopt"):
        so.solve(duopoly(), method="simgd", verbose=True, max_iter=30)
    assert _messages(caplog, "stackopt.dynamics")[0].startswith("step 10: leader cost ")
    (line,) = _start_lines(caplog, "simgd")
    assert line.startswith("simgd: start 1 of 1 (the start): iteration_limit")


def test_the_finer_detail_is_at_debug(caplog):
    with caplog.at_level(logging.DEBUG, logger="stackopt"):
        so.solve(duopoly(), method="gradient", multistart=1)
    debug = _messages(caplog, "stackopt.gradient", logging.DEBUG)
    assert debug[0].startswith("gradient: start 1 of 1 (the start), step 0: the first equilibrium")
    assert not any("first equilibrium" in m for m in _messages(caplog, "stackopt.gradient"))


@pytest.mark.parametrize("method", ["gradient", "slsqp", "simgd", "tikhonov-zo"])
def test_the_iterative_methods_log_nothing_at_warning_on_a_normal_solve(method, caplog):
    with caplog.at_level(logging.DEBUG, logger="stackopt"):
        res = so.solve(duopoly(), method=method)
    assert res.status in ("locally_optimal", "feasible")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_the_black_box_beats_between_equilibria(caplog, monkeypatch):
    from stackopt.backends import progress_log

    monkeypatch.setattr(progress_log, "HEARTBEAT", 0.0)
    with caplog.at_level(logging.INFO, logger="stackopt"):
        res = so.solve(duopoly(), method="slsqp")
    beats = [m for m in _start_lines(caplog, "slsqp") if ", iteration " in m]
    counts = [int(re.search(r"\((\d+) equilibri(?:um|a)\)", m).group(1)) for m in beats]
    assert counts == list(range(1, len(beats) + 1)), beats  # one beat per equilibrium
    iterations = [int(re.search(r"iteration (\d+):", m).group(1)) for m in beats]
    assert iterations == sorted(iterations) and iterations[0] == 0
    assert 0 < iterations[-1] <= res.info["nit"]
