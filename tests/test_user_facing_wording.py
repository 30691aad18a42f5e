"""The wording users read: messages, reprs and the command line's errors and warnings."""

import pytest

from stackopt.app.cli import main
from stackopt.backends.gradient import _best_start
from stackopt.certificate import Certificate, EquilibriumCheck, StationarityCheck
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
