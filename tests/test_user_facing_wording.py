"""The wording users read: messages, reprs and the command line's errors and warnings."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

import stackopt as so
from stackopt.app import report
from stackopt.app.cli import main
from stackopt.backends.gradient import _best_start
from stackopt.backends.strategies.base import then
from stackopt.certificate import Certificate, EquilibriumCheck, StationarityCheck
from stackopt.models import duopoly
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


@pytest.mark.parametrize(
    "body, said",
    [
        (
            'def build():\n    raise ValueError("boom in build")\n',
            "game 'raises.py': build() raised ValueError: boom in build",
        ),
        (
            "def build():\n    return 3\n",
            "game 'raises.py': build() returned int, not a game (a stackopt.StackelbergGame, ",
        ),
    ],
)
def test_an_error_of_the_user_s_build_names_the_game_file(
    body, said, tmp_path, monkeypatch, capsys
):
    (tmp_path / "raises.py").write_text(body)
    monkeypatch.chdir(tmp_path)
    assert main(["solve", "raises.py", "--method", "mpec"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"stackopt: error: {said}") and err.count("\n") == 1


def test_the_certificate_says_unchecked_for_a_check_that_did_not_run():
    skipped = Certificate(checked=False, equilibrium=EquilibriumCheck(True, None), violation=0.0)
    skipped.claim = "locally_optimal"
    assert repr(skipped) == (
        "Certificate(claim='locally_optimal', nash_gap=unchecked, violation=0, checked=False)"
    )
    undecided = Certificate(checked=True, stationarity=StationarityCheck("unchecked", False))
    assert repr(undecided) == "Certificate(claim='', stationarity=unchecked)"


def test_the_certificate_says_whether_stationarity_holds_and_prints_no_negative_zero():
    gap = EquilibriumCheck(True, -0.0, exact=True)
    holds = Certificate(
        checked=True, equilibrium=gap, stationarity=StationarityCheck("S", True, -0.0)
    )
    assert repr(holds) == "Certificate(claim='', nash_gap=0 (exact, ok), stationarity=S:0 (ok))"
    fails = Certificate(checked=True, stationarity=StationarityCheck("M", False, 0.31))
    assert repr(fails) == "Certificate(claim='', stationarity=M:0.31 (FAILS))"
    zero = Result(status="feasible", method="initial", leader_objective=-0.0, violation=-0.0)
    assert repr(zero).startswith(
        "Result(status='feasible', method='initial', leader_objective=0, violation=0, "
    )


def test_the_command_line_prints_a_warning_as_one_line_without_its_source(
    tmp_path, monkeypatch, capsys
):
    (tmp_path / "fixed.py").write_text(
        "from stackopt.models import duopoly\n\ndef build():\n    return duopoly()\n"
    )
    (tmp_path / "study.toml").write_text(
        '[study]\nseeds = 2\nworkers = 1\n\n[[games]]\nmodel = "fixed.py"\n\n'
        '[[methods]]\nlabel = "initial"\nmethod = "initial"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["compare", "study.toml", "--no-progress"]) == 0
    assert capsys.readouterr().err == (
        "stackopt: warning: game 'fixed' takes no seed and method 'initial' does not use the "
        "seed: one run (seed 0) stands for the 2 seeds\n"
    )


def test_the_summary_rows_keep_one_order_whatever_order_the_cells_finished_in():
    finished = [(90, "scholtes"), (80, "sos1"), (90, "initial"), (80, "scholtes"), (90, "sos1")]
    finished.append((80, "initial"))
    rows = pd.DataFrame(
        [
            dict(game="duopoly", params={"A": a}, seed=0, method=m, status="feasible", sense="max",
                 leader_objective=1.0, violation=0.0, wall_time=1.0, history={})
            for a, m in finished
        ]
    )  # fmt: skip
    order = [(a, m) for a in (80, 90) for m in ("scholtes", "sos1", "initial")]
    assert report.summary(rows).droplevel("game").index.tolist() == order


@pytest.mark.parametrize(
    "option, said",
    [
        (["--param", "a"], "--param 'a': not in this study (its game parameters are A); did you mean 'A'?"),
        (["--history-key", "step"], "--history-key 'step': not in this study (it has no history keys)"),
        (["--export", "rows.xlsx"], "--export rows.xlsx: give a file ending in .csv, .parquet, .pq"),
    ],
)  # fmt: skip
def test_report_refuses_a_bad_option_before_it_prints_or_writes_anything(
    option, said, initial_store, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert (
        main(["report", str(initial_store), "--out", "plots", "--export", "ok.csv", *option]) == 1
    )
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"stackopt: error: {said}\n")
    assert list(tmp_path.iterdir()) == []


def test_a_strategy_or_method_name_in_the_wrong_case_gets_a_suggestion(capsys):
    with pytest.raises(
        so.OptionError, match=r"Scholtes\(t_min=1e-10\); did you mean 'scholtes'\?$"
    ):
        so.solve(duopoly(), method="mpec", strategy="Scholtes")
    with pytest.raises(so.OptionError, match=r"did you mean 'mpec'\?$"):
        so.solve(duopoly(), method="MPEC")
    assert main(["methods", "MPEC"]) == 1
    assert capsys.readouterr().err.endswith("value-function; did you mean 'mpec'?\n")
    with pytest.raises(
        so.OptionError, match=r"^methods\[0\]\.method: unknown .*did you mean 'gradient'\?"
    ):
        so.compare(duopoly, [dict(label="g", method="Gradien")], progress=False)


def test_one_step_is_one_step():
    res = so.solve(duopoly(), method="gradient", max_iter=1, multistart=1)
    assert res.message == "ran 1 step"


def test_a_solver_s_closing_period_is_dropped_before_what_we_add():
    res = so.solve(duopoly(), method="mpec", strategy="scholtes")
    assert ".;" not in res.message
    assert res.message.endswith(
        "(can be specified by options); polished by the tightened NLP (S-stationary at its "
        "multipliers)"
    )
    assert then("scip: optimal", "polished") == "scip: optimal; polished" and then("", "x") == "x"


LINEAR_GAME_AT_INFO = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s")
{before}
import pyomo.environ as pyo, stackopt as so
g = so.StackelbergGame(); g.x = pyo.Var(bounds=(0, 10)); g.F = so.Follower()
g.F.y = pyo.Var(bounds=(0, 10)); g.F.c = pyo.Constraint(expr=g.F.y >= g.x - 2)
g.F.o = pyo.Objective(expr=g.F.y); g.o = pyo.Objective(expr=-g.x + 2 * g.F.y)
so.solve(g, method="mpec", strategy="bigm")
"""


@pytest.mark.parametrize(
    "before, shown",
    [("", False), ('logging.getLogger("pyomo.contrib.appsi.solvers.highs").setLevel(20)', True)],
)
def test_the_root_logger_at_info_shows_highs_log_only_where_the_user_asks(before, shown):
    """Pyomo's HiGHS interface logs HiGHS's whole log of every solve at INFO: held at WARNING
    unless the user set its level (a fresh process: the level is set when stackopt is imported)."""
    code = LINEAR_GAME_AT_INFO.format(before=before)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "stackopt.mpec" in out
    assert ("pyomo.contrib.appsi.solvers.highs" in out) is shown
