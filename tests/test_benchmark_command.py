"""``so.benchmark``, the Dolan-More ratios and ``stackopt bench``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stackopt as so
from stackopt.app.cli import main
from stackopt.app.study.performance_profile import _tau_label, ratios


def test_ratios_follow_dolan_more():
    table = pd.DataFrame(
        {
            "problem": ["p", "p", "q", "q", "r", "r"],
            "method": ["a", "b"] * 3,
            "solved": [True, True, True, False, False, False],
            "cpu_time": [1.0, 4.0, 3.0, 0.5, 1.0, 1.0],
        }
    )
    r = ratios(table)
    assert r.loc["p", "a"] == 1.0 and r.loc["p", "b"] == 4.0
    assert r.loc["q", "a"] == 1.0 and np.isinf(r.loc["q", "b"])  # b did not solve q
    assert np.isinf(r.loc["r"]).all()  # nobody solved r: it stays in the denominator


def test_the_tau_axis_is_labelled_1_2_5_per_decade():
    taus = [1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 30.0, 50.0, 100.0, 200.0]
    labels = [_tau_label(t, 0) for t in taus]
    assert labels == ["1", "2", "", "5", "", "10", "20", "", "50", "100", "200"]


def test_benchmark_rows_and_solved_rule():
    table = so.benchmark(problems=["ex9.1.4"], methods=["mpec:sos1", "initial"], time_limit=30)
    assert list(table["method"]) == ["mpec sos1", "initial"]
    sos1, initial = table.to_dict("records")
    assert sos1["solved"] and sos1["leader_objective"] == pytest.approx(-37.0)
    assert not initial["solved"]  # x = 0: the follower's y = 4/3 gives -16/3, not -37
    assert (table["cpu_time"] >= 0).all() and (table["wall_time"] >= 0).all()


def test_bench_command_draws_the_profile(tmp_path, capsys):
    out, csv = tmp_path / "profile.png", tmp_path / "rows.csv"
    args = ["bench", "--problem", "ex9.1.4", "--method", "mpec:sos1", "--out", str(out)]
    assert main([*args, "--csv", str(csv)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert pd.read_csv(csv)["solved"].tolist() == [True]
    assert "solved: success status" in capsys.readouterr().out


def test_unknown_problem_or_method_is_an_option_error():
    with pytest.raises(so.OptionError, match="unknown benchmark problem"):
        so.benchmark(problems=["bard99"])
    with pytest.raises(so.OptionError, match="unknown method 'mpc'"):
        so.benchmark(problems=["bard1"], methods=["mpc:sos1"])
