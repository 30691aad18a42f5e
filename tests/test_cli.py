"""The ``stackopt`` command line, end to end on a small study, and its one-line errors."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from stackopt.app.cli import main

STACKOPT = Path(sys.executable).with_name("stackopt")
STUDY = """
[study]
seeds = 2
store = "results.sqlite"
workers = 2
timeout = 60

[[games]]
model = "duopoly"
params = { A = [90, 100] }

[[methods]]
label = "penalty"
method = "mpec"
strategy = "penalty"

[[methods]]
label = "initial"
method = "initial"
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(STACKOPT), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_compare_then_report_end_to_end(tmp_path):
    (tmp_path / "study.toml").write_text(STUDY)
    first = run("compare", "study.toml", "--no-progress", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "6 cells in" in first.stdout  # penalty per seed; initial once on the duopoly
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        rows = db.execute("SELECT method, status, leader_objective FROM results ORDER BY rowid")
        rows = rows.fetchall()
    assert len(rows) == 6
    penalty = sorted(obj for method, _, obj in rows if method == "penalty")
    assert penalty == pytest.approx([(90 - 8) ** 2 / 8] * 2 + [(100 - 8) ** 2 / 8] * 2)
    assert {status for method, status, _ in rows if method == "initial"} == {"feasible"}

    again = run("compare", "study.toml", "--no-progress", cwd=tmp_path)
    assert again.returncode == 0 and "6 cells in" in again.stdout

    out = run(
        "report",
        "results.sqlite",
        "--param",
        "A",
        "--out",
        "plots",
        "--export",
        "rows.csv",
        "--export",
        "rows.parquet",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "penalty" in out.stdout and "initial" in out.stdout
    plots = {p.name for p in (tmp_path / "plots").glob("*.png")}
    required = {"violation.png", "runtime.png", "performance_profile.png", "objective_vs_A.png"}
    assert required <= plots <= required | {"convergence.png"}
    csv, parquet = pd.read_csv(tmp_path / "rows.csv"), pd.read_parquet(tmp_path / "rows.parquet")
    assert len(csv) == len(parquet) == 6
    assert csv["leader_objective"].tolist() == pytest.approx(parquet["leader_objective"].tolist())
    assert json.loads(parquet["params"][0]) in ({"A": 90}, {"A": 100})


def test_solve_a_library_game_with_params_and_options(capsys):
    code = main(
        [
            "solve",
            "duopoly",
            "--param",
            "A=90",
            "--method",
            "mpec",
            "--strategy",
            "penalty",
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "locally_optimal"
    assert result["leader_objective"] == pytest.approx((90 - 8) ** 2 / 8)
    assert result["options"] == {"strategy": "penalty"}


def test_solve_a_problem_of_the_benchmark_collection_by_name(capsys):
    """PAO's pineda, optimum 102 at x = 2: the value-function method's leader decision is put
    within its bounds (SCIP left x = 2 + 1e-11, which Pyomo warned of twice)."""
    code = main(["solve", "pineda", "--method", "value-function", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "optimal" and out["leader"]["x"] == 2.0
    assert abs(out["leader_objective"] - 102.0) <= 1e-6


def test_solve_a_game_file_defining_build(tmp_path, capsys):
    (tmp_path / "mygame.py").write_text(
        "from stackopt.models import duopoly\n\n\n"
        "def build(A=100.0, seed=0):\n    return duopoly(A=A, c1=0.0, c2=0.0)\n"
    )
    code = main(
        [
            "solve",
            str(tmp_path / "mygame.py"),
            "--param",
            "A=120",
            "--method",
            "mpec",
            "--strategy=sos1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].split() == ["status", "optimal"]
    assert float(out.splitlines()[1].split()[-1]) == pytest.approx(120**2 / 8)


def test_the_results_warnings_are_printed(tmp_path, capsys):
    """The leader's problem of this game is unbounded (the follower copies x >= 0, the leader
    minimizes -2x): the Result's warning says so, and the table prints it."""
    (tmp_path / "unbounded.py").write_text(
        "import pyomo.environ as pyo\nimport stackopt as so\n\n\n"
        "def build():\n"
        "    g = so.StackelbergGame()\n"
        "    g.x = pyo.Var(bounds=(0, None), initialize=1.0)\n"
        "    g.F = so.Follower()\n"
        "    g.F.y = pyo.Var(bounds=(0, None))\n"
        "    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)\n"
        "    g.cost = pyo.Objective(expr=-g.x - g.F.y)\n"
        "    return g\n"
    )
    main(["solve", str(tmp_path / "unbounded.py"), "--method", "gradient"])
    (warning,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("warn")]
    assert warning.split()[0] == "warning" and "the leader's problem looks unbounded" in warning


def test_a_game_file_without_a_seed_parameter_gets_none(tmp_path, capsys):
    (tmp_path / "noseed.py").write_text(
        "from stackopt.models import duopoly\n\n\n"
        "def build(A=100.0):\n    return duopoly(A=A, c1=0.0, c2=0.0)\n"
    )
    game = str(tmp_path / "noseed.py")
    assert main(["solve", game, "--method", "mpec", "--strategy=sos1"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["status", "optimal"]
    assert main(["solve", game, "--seed", "3", "--method", "mpec"]) == 1
    err = capsys.readouterr().err
    assert (
        err == "stackopt: error: game 'noseed' takes no seed: its builder has no seed parameter\n"
    )


def test_methods_lists_the_mpec_strategies(capsys):
    assert main(["methods"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["method", "strategy", "solver", "description"]
    rows = [line.split()[:3] for line in lines]
    assert ["mpec", "scholtes", "ipopt"] in rows
    assert ["mpec", "kanzow-schwartz", "ipopt"] in rows  # columns as wide as their longest cell


def test_methods_name_prints_the_options_of_the_runner(capsys):
    assert main(["methods", "mpec"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mpec: ")
    assert [line.split()[:5] for line in out.splitlines() if "multistart" in line] == [
        ["multistart", "int", "or", "None", "None"]
    ]
    assert "strategy='scholtes' (Scholtes)" in out and "t_min" in out


def test_an_empty_store_is_reported_as_such(capsys, tmp_path):
    """A study killed before its first cell finished leaves a store with no row."""
    from stackopt.app.study.store import Store

    Store(tmp_path / "empty.sqlite").close()
    assert main(["report", str(tmp_path / "empty.sqlite")]) == 1
    assert "holds no finished cell yet" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["solve", "duopoly", "--method", "nope"], "unknown method 'nope'; known methods: "),
        (["solve", "nogame", "--method", "mpec"], "unknown game 'nogame': not a library game"),
        (
            ["solve", "duopoly", "--param", "B=1", "--method", "mpec"],
            "game 'duopoly': got an unexpected keyword argument 'B'",
        ),
        (
            ["solve", "duopoly", "--param", "A", "--method", "mpec"],
            "--param 'A': expected KEY=VALUE",
        ),
        (["solve", "duopoly", "--method", "mpec", "--steps"], "option --steps needs a value"),
        (["report", "missing.sqlite"], "results file 'missing.sqlite' does not exist"),
        (["compare", "missing.toml"], "missing.toml: cannot read the study file"),
    ],
)
def test_errors_are_one_line_and_a_nonzero_exit(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("stackopt: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_malformed_toml_is_one_line_through_the_console_script(tmp_path):
    (tmp_path / "bad.toml").write_text("[study]\nseeds = \n")
    proc = run("compare", "bad.toml", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("stackopt: error: bad.toml: invalid TOML: ")
    assert proc.stderr.count("\n") == 1 and proc.stdout == ""


def test_unknown_method_in_a_study_names_the_field(tmp_path):
    (tmp_path / "study.toml").write_text(STUDY.replace('method = "initial"', 'method = "newton"'))
    proc = run("compare", "study.toml", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        "stackopt: error: study.toml:19: methods[1].method: unknown method 'newton'; known methods: "
    )
    assert not (tmp_path / "results.sqlite").exists()


def test_debug_shows_the_traceback(tmp_path):
    proc = run("--debug", "solve", "duopoly", "--method", "nope", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "OptionError: unknown method 'nope'" in proc.stderr


def test_the_console_script_is_installed():
    assert shutil.which(str(STACKOPT)), "pip install -e . installs the stackopt console script"


def test_an_unknown_option_of_a_command_names_the_nearest_ones(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--problems", "bard1", "--methods", "mpec:penalty"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: stackopt bench")
    assert "unrecognized arguments: --problems bard1 --methods mpec:penalty" in err
    assert "(did you mean --problem, --method?)" in err


def test_a_misspelled_method_flag_of_solve_is_named(capsys):
    """``--methd mpec`` is no option of the method: without --method it is named, with a hint."""
    with pytest.raises(SystemExit) as exit_:
        main(["solve", "duopoly", "--methd", "mpec"])
    assert exit_.value.code == 2
    assert "unrecognized argument --methd: did you mean --method?" in capsys.readouterr().err


def test_a_solver_s_negative_zero_prints_as_zero():
    from stackopt import Result
    from stackopt.app.cli import _result_table

    table = _result_table(
        Result(status="feasible", leader_objective=-0.0, leader={"T": -0.0}, violation=0.0)
    )
    assert "-0.0" not in table and "T = 0.0" in table


def test_a_dict_option_is_read_as_a_toml_table_or_as_json(capsys):
    # --start {x = 2} (TOML) and --start '{"x": 2}' (JSON, which TOML does not read) give the same
    # start; a value neither reads is a string, which the option's type check refuses by name
    for start in ("{x = 2.0}", '{"x": 2.0}'):
        assert main(["solve", "bard1", "--method", "gradient", "--start", start, "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["status"] == "locally_optimal"
        assert result["leader"]["x"] == pytest.approx(1.0, abs=1e-5)
    assert main(["solve", "bard1", "--method", "gradient", "--start", "{x: 2}"]) != 0
    assert "option start must be a dict or None, got '{x: 2}'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("compare", "stackopt: interrupted; every finished cell is in the store\n"),
        ("solve", "stackopt: interrupted\n"),
    ],
)
def test_ctrl_c_says_what_is_kept_only_where_there_is_a_store(command, said, capsys, monkeypatch):
    from stackopt.app import cli

    def interrupted(args, extra):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_compare", interrupted)
    monkeypatch.setattr(cli, "run_solve", interrupted)
    args = (
        ["compare", "study.toml"]
        if command == "compare"
        else ["solve", "duopoly", "--method", "mpec"]
    )
    assert main(args) == 130
    assert capsys.readouterr().err == said
