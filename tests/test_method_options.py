"""Options read from a runner's signature and numpydoc docstring; "did you mean" for a typo."""

from __future__ import annotations

import numpy as np
import pytest

import stackopt as so
from stackopt.backends.strategies import STRATEGIES
from stackopt.catalog import describe, install_hint, methods
from stackopt.errors import UnknownOptionError
from stackopt.method_options import (
    Option,
    check_keywords,
    documented_parameters,
    first_sentence,
    options,
)
from stackopt.models import duopoly


def runner(game, step: float = 0.5, max_iter: int = 300, start=None, *, verbose: bool = False):
    """A runner for the tests.

    Its second paragraph.

    Parameters
    ----------
    step : float
        The leader's step size. It is constant.
    max_iter, verbose
        Shared entry: the budget and the noise
        (continued on a second line).
    start
        Where to start; None is the model's values.

    Returns
    -------
    Result
        Not an option.
    """


def test_numpydoc_parameters_are_read_with_their_first_sentence():
    assert documented_parameters(runner) == {
        "step": ("float", "The leader's step size"),
        "max_iter": ("", "Shared entry: the budget and the noise (continued on a second line)"),
        "verbose": ("", "Shared entry: the budget and the noise (continued on a second line)"),
        "start": ("", "Where to start; None is the model's values"),
    }


def test_options_come_from_the_signature_with_the_docstring_meanings():
    assert options(runner) == [
        Option("step", "float", "0.5", "The leader's step size"),
        Option("max_iter", "int", "300", documented_parameters(runner)["max_iter"][1]),
        Option("start", "", "None", "Where to start; None is the model's values"),
        Option("verbose", "bool", "False", documented_parameters(runner)["verbose"][1]),
    ]


def test_an_unknown_keyword_gets_the_nearest_names():
    with pytest.raises(UnknownOptionError, match=r"no option 'max_iters'; did you mean 'max_iter'"):
        check_keywords("demo", runner, {"step": 1, "max_iters": 3})
    with pytest.raises(UnknownOptionError, match=r"no option 'zzz' \(its options: step, max_iter"):
        check_keywords("demo", runner, {"zzz": 3})
    check_keywords("demo", runner, {"step": 1, "verbose": True})


def test_solve_refuses_a_typo_as_an_option_error_and_a_type_error():
    with pytest.raises(UnknownOptionError, match="did you mean 'time_limit'") as info:
        so.solve(duopoly(), method="mpec", time_limt=5)
    assert isinstance(info.value, TypeError) and isinstance(info.value, so.OptionError)


def test_methods_rows_carry_the_runner_description_and_options():
    rows = methods()
    row = next(r for r in rows if r["method"] == "mpec" and r["strategy"] == "scholtes")
    assert row == {"method": "mpec", "strategy": "scholtes", "solver": "ipopt"} | describe(
        "mpec", "scholtes"
    )
    names = [o["name"] for o in row["options"]]
    assert names[:3] == ["strategy", "solver", "multistart"]
    assert {o["name"]: o["default"] for o in row["strategy_options"]}["t_min"] == "1e-09"


def test_methods_that_cannot_run_are_named_with_the_extra(monkeypatch):
    monkeypatch.setattr("stackopt.catalog.available", lambda solver: solver != "highs")
    rows = methods()
    assert "bayes-milp" not in {r["method"] for r in rows}
    assert (
        rows.missing["bayes-milp"] == "solver highs: needs highspy: pip install 'stackopt[global]'"
    )
    assert "mpec bigm/highs" in rows.missing and "not runnable here" in repr(rows)
    assert install_hint("cvxpy.atoms") == "needs cvxpy: pip install 'stackopt[cvxpy]'"


@pytest.mark.parametrize("method", sorted(so.METHODS))
def test_every_option_of_every_method_is_documented_by_its_runner(method):
    row = describe(method)
    assert row["description"]
    assert [o["name"] for o in row["options"] if not o["meaning"]] == []


def test_every_strategy_parameter_is_documented():
    for name in STRATEGIES:
        assert [
            o["name"] for o in describe("mpec", name)["strategy_options"] if not o["meaning"]
        ] == []


def test_a_shared_option_is_read_from_the_runner_its_entry_names():
    from stackopt.backends.dynamics import lola, simgd

    assert "As in :func:`stackopt.backends.dynamics.simgd.run`" in lola.run.__doc__
    assert documented_parameters(lola.run)["tol"] == documented_parameters(simgd.run)["tol"]
    assert documented_parameters(lola.run)["tol"][1].startswith("Stop when the projected")


def test_the_first_sentence_runs_past_abbreviations():
    assert first_sentence("Descent (Eq. 3) of Wang et al. 2022. Then more.") == (
        "Descent (Eq. 3) of Wang et al. 2022"
    )
    assert first_sentence("No stop at all") == "No stop at all"


def test_ipopt_options_of_the_other_number_kind_are_converted():
    """Ipopt takes bound_relax_factor as a real and max_iter as an integer, and cyipopt passes a
    Python int as an integer: bound_relax_factor=0 and max_iter=1e3 are converted before the
    solve (Ipopt would refuse them and fail it), and the solve uses them."""
    from stackopt.backends.ipopt_options import checked_ipopt_options

    checked = checked_ipopt_options({"bound_relax_factor": 0, "max_iter": 1e3, "tol": 1e-9})
    assert checked == {"bound_relax_factor": 0.0, "max_iter": 1000, "tol": 1e-9}
    assert isinstance(checked["bound_relax_factor"], float)
    assert isinstance(checked["max_iter"], int)
    res = so.solve(
        so.models.duopoly(), method="mpec", strategy="penalty", solver_options={"max_iter": 3.0}
    )
    assert res.history[0]["iterations"] == 3  # Ipopt's limit, as an integer


def test_an_array_option_takes_nested_lists_as_the_array_they_spell():
    # the docs say "array"; the runners read start with np.asarray, and the type check refused a
    # list (the form TOML studies and JSON give)
    from stackopt.bayesian import random_game
    from stackopt.markov import random_markov_game

    markov = random_markov_game(states=2, leader_actions=2, follower_actions=2, seed=1)
    bayesian = random_game(2, 2, 2, 3, seed=1)
    runs = [
        (markov, "markov-nlp", [[0.2, 0.8], [0.5, 0.5]], {}),
        (markov, "implicit-pg", [[0.2, 0.8], [0.5, 0.5]], {"max_iter": 5}),
        (bayesian, "bayes-smoothed", [0.0, 0.0, 1.0], {"stages": 2, "max_iter": 20, "starts": 1}),
    ]
    for game, method, start, settings in runs:
        listed = so.solve(game, method=method, start=start, **settings)
        array = so.solve(game, method=method, start=np.array(start), **settings)
        assert listed.status == array.status
        assert listed.leader_objective == pytest.approx(array.leader_objective, rel=1e-12)
    with pytest.raises(so.OptionError, match="start must be an array or a list or None"):
        so.solve(markov, method="markov-nlp", start="uniform")


def test_an_exact_strategy_s_solver_options_are_tried_before_the_game_is_read():
    """SCIP refused a misspelled parameter only mid-solve, naming none; HiGHS ignored it."""
    from tests.test_mpec import bard1

    with pytest.raises(so.OptionError, match="scip refuses limits/gapp=0.1: not a parameter"):
        so.solve(bard1(), method="mpec", strategy="sos1", solver_options={"limits/gapp": 0.1})
    with pytest.raises(so.OptionError, match="both highs and scip refuse mip_rel_gap=-1"):
        so.solve(bard1(), method="mpec", strategy="bigm", solver_options={"mip_rel_gap": -1})
    # HiGHS' option, which bard1's nonlinear big-M problem does not go to: SCIP, which the game
    # picks, refuses it before it runs
    with pytest.raises(so.OptionError, match="scip refuses mip_rel_gap=0.0: not a parameter"):
        so.solve(bard1(), method="mpec", strategy="bigm", solver_options={"mip_rel_gap": 0.0})
    res = so.solve(bard1(), method="mpec", strategy="bigm", solver_options={"limits/gap": 0.0})
    assert res.status == "optimal"
