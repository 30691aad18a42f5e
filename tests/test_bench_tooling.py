"""``so.benchmark`` and ``stackopt bench`` as a user meets them: refused pairs, Ctrl-C, the choice of
problems and methods checked before the first run, the listing and the printed table."""

from __future__ import annotations

import importlib
import re

import pandas as pd
import pytest

import stackopt as so
from stackopt.app import cli
from stackopt.app.cli import main
from stackopt.models.benchmarks import Problem, problems

bench = importlib.import_module("stackopt.app.study.benchmark")  # the module, not the function

# --- a game the method refuses is a row --------------------------------------------------------


def test_a_game_a_method_refuses_is_an_error_row_and_the_bench_goes_on():
    """value-function refuses bard1 (a quadratic follower), the KKT methods ex9.1.2 (a Binary
    follower Var); the other two runs reach the records' optima (17 and -6.25)."""
    table = so.benchmark(
        problems=["bard1", "ex9.1.2"], methods=["value-function", "mpec:sos1"], time_limit=10
    )
    rows = {(r["problem"], r["method"]): r for r in table.to_dict("records")}
    assert len(rows) == 4
    refused = rows["bard1", "value-function"], rows["ex9.1.2", "mpec sos1"]
    assert [r["status"] for r in refused] == ["error", "error"]
    assert refused[0]["message"].startswith("ModelError: F.cost is not linear")
    assert "Var F.y of Follower F is Binary" in refused[1]["message"]
    assert not any(r["solved"] or r["success"] for r in refused)
    assert all(r["wall_time"] >= 0 and r["cpu_time"] >= 0 for r in refused)
    assert rows["bard1", "mpec sos1"]["leader_objective"] == pytest.approx(17.0)
    assert rows["ex9.1.2", "value-function"]["leader_objective"] == pytest.approx(-6.25)
    assert rows["bard1", "mpec sos1"]["solved"] and rows["ex9.1.2", "value-function"]["solved"]


def test_a_bench_where_no_run_has_an_objective_shows_none(capsys):
    """Both default methods refuse ex9.1.2: leader_objective stays a float column, shown as -."""
    table = so.benchmark(problems="ex9.1.2", time_limit=10)
    assert table["status"].tolist() == ["error", "error"]
    assert table["leader_objective"].dtype == float and table["leader_objective"].isna().all()
    assert [line.split()[4] for line in cli._bench_table(table).splitlines()[1:3]] == ["-", "-"]


def test_the_command_prints_the_refusal_and_counts_it_unsolved(tmp_path, capsys):
    csv = tmp_path / "rows.csv"
    args = ["bench", "--problem", "bard1", "--method", "value-function", "--method", "mpec:sos1"]
    assert main([*args, "--out", str(tmp_path / "p.png"), "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "bard1 value-function: ModelError: F.cost is not linear" in out
    assert pd.read_csv(csv)["status"].tolist() == ["error", "optimal"]


# --- Ctrl-C stops the bench and keeps what ended -----------------------------------------------


def _ctrl_c_at_call(monkeypatch, number: int) -> None:
    """The ``initial`` method takes a Ctrl-C on its game ``number`` (as solve sees one); the
    option check's stand-in game is no game."""
    import stackopt.backends.initial as initial

    calls, run = [], initial.run

    def counting(game):
        calls.append(isinstance(game, so.StackelbergGame))
        if sum(calls) == number:
            raise KeyboardInterrupt
        return run(game)

    monkeypatch.setattr(initial, "run", counting)


def test_ctrl_c_stops_the_bench_with_the_rows_that_ended(monkeypatch):
    _ctrl_c_at_call(monkeypatch, 2)
    with pytest.raises(bench.BenchmarkInterrupted) as stopped:
        so.benchmark(problems=["bard1", "ex9.1.4", "ex9.1.5"], methods="initial")
    assert isinstance(stopped.value, KeyboardInterrupt) and stopped.value.planned == 3
    table = stopped.value.table
    assert table["problem"].tolist() == ["bard1", "ex9.1.4"]  # ex9.1.5 never ran
    assert table["status"].tolist()[1] == "interrupted" and not table["solved"].iloc[1]


def test_ctrl_c_between_runs_keeps_the_rows_that_ended():
    def ctrl_c():
        raise KeyboardInterrupt

    pressed = Problem("pressed", "test", "a test", ctrl_c, 0.0)
    with pytest.raises(bench.BenchmarkInterrupted) as stopped:
        so.benchmark(problems=["bard1", pressed, "ex9.1.4"], methods=["initial"])
    assert stopped.value.table["problem"].tolist() == ["bard1"]
    assert stopped.value.planned == 3


def test_ctrl_c_in_the_command_prints_and_writes_the_rows_then_exits_130(
    monkeypatch, tmp_path, capsys
):
    _ctrl_c_at_call(monkeypatch, 2)
    out, csv = tmp_path / "p.png", tmp_path / "rows.csv"
    args = ["bench", "--problem", "bard1", "--problem", "ex9.1.4", "--problem", "ex9.1.5"]
    code = main([*args, "--method", "initial", "--out", str(out), "--csv", str(csv)])
    assert code == 130
    printed = capsys.readouterr()
    assert "bard1" in printed.out and "interrupted" in printed.out and "ex9.1.5" not in printed.out
    assert "stackopt: interrupted; 2 of 3 runs ended (the last one interrupted)" in printed.err
    assert pd.read_csv(csv)["status"].tolist()[1] == "interrupted"
    assert out.read_bytes()[:4] == b"\x89PNG"


# --- the choice of problems ---------------------------------------------------------------------


def test_a_tag_no_problem_carries_is_refused_naming_it_and_what_there_is(tmp_path, capsys):
    with pytest.raises(so.OptionError, match=r"no benchmark problem has the tags \['shared_"):
        so.benchmark(tags=["shared_constraint"])
    out = tmp_path / "p.png"
    assert main(["bench", "--tag", "shared_constraint", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "'shared_constraint'" in err and "linear (22)" in err and "--list" in err
    assert not out.exists()


def test_integer_problems_are_chosen_by_their_tag():
    """Left out by default; a tag integer_* asks for every problem carrying it."""
    default = {p.name for p in bench.select()}
    integer = {p.name for p in problems() if p.tags & {"integer_leader", "integer_follower"}}
    assert default == {p.name for p in problems()} - integer
    assert {p.name for p in bench.select(tags=["integer_follower"])} == {
        "ex9.1.2",
        "toyexample1",
        "toyexample2",
        "toyexample3",
        "moore",
        "mibs",
    }
    assert {p.name for p in bench.select(tags="integer_leader")} == integer - {"ex9.1.2"}


def test_names_and_tags_together_are_refused(capsys):
    with pytest.raises(so.OptionError, match="by name or by tag, not both"):
        so.benchmark(problems=["bard1"], tags=["linear"])
    assert main(["bench", "--problem", "bard1", "--tag", "linear"]) == 1
    assert "not both" in capsys.readouterr().err


def test_an_unknown_problem_names_the_close_ones_and_the_listing():
    with pytest.raises(so.OptionError) as error:
        bench.select(["bard"])
    assert "did you mean bard3, bard2, bard1" in str(error.value)
    assert "stackopt bench --list" in str(error.value)
    with pytest.raises(so.OptionError, match="no benchmark problem given"):
        so.benchmark(problems=[])


def test_list_prints_each_chosen_problem_with_its_optimum_tags_and_source(capsys):
    assert main(["bench", "--list", "--tag", "integer_follower"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7  # six problems and the note
    assert lines[0].split()[:4] == ["ex9.1.2", "min", "-6.25", "integer_follower,linear"]
    assert lines[0].endswith("MacMPEC ex9.1.2.mod (github.com/blegat/MacMPEC.jl, data/ampl)")
    assert main(["bench", "--list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()[:-1]]
    assert names == [p.name for p in bench.select()]


# --- methods, options and output paths checked before the first run -----------------------------


def test_every_method_is_checked_before_the_first_run():
    ran = []
    methods = {
        "scholtes": {"method": "mpec", "strategy": "scholtes", "callback": ran.append},
        "typo": {"method": "mpec", "strategy": "sos2"},
    }
    with pytest.raises(so.OptionError, match="benchmark method 'typo': unknown strategy 'sos2'"):
        so.benchmark(problems=["bard1"], methods=methods)
    assert ran == []


def test_method_specifications_are_read_or_refused_clearly():
    assert bench.method_specs("mpec:sos1") == {"mpec sos1": {"method": "mpec", "strategy": "sos1"}}
    with pytest.raises(so.OptionError, match="'x' has no 'method' key .its options: strategy."):
        bench.method_specs({"x": {"strategy": "sos1"}})
    with pytest.raises(so.OptionError, match="'mpec:': no strategy after ':'"):
        bench.method_specs(["mpec:"])
    with pytest.raises(so.OptionError, match="'x': expected a dict of solve options"):
        bench.method_specs({"x": "mpec"})


@pytest.mark.parametrize(
    ("option", "name", "why"),
    [
        ("--out", "missing/p.png", "the folder .*missing does not exist"),
        ("--csv", "missing/rows.csv", "the folder .*missing does not exist"),
        ("--out", "p.txt", r"give a file ending in \..*png"),
        ("--out", ".", "give a file ending in"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_the_run(
    monkeypatch, tmp_path, capsys, option, name, why
):
    def no_solve(*args, **kwargs):
        raise AssertionError("a run started")

    monkeypatch.setattr(bench, "solve", no_solve)
    args = ["bench", "--problem", "bard1", "--method", "initial", option, str(tmp_path / name)]
    if option == "--csv":
        args += ["--out", str(tmp_path / "p.png")]
    assert main(args) == 1
    assert re.search(f"{option} .*{why}", capsys.readouterr().err)


# --- the printed table ---------------------------------------------------------------------------


def test_the_table_prints_each_number_readably_with_wall_and_cpu_time():
    table = pd.DataFrame(
        {
            "problem": ["bard1", "bilevel1", "dempe"],
            "method": ["m"] * 3,
            "status": ["optimal", "locally_optimal", "error"],
            "leader_objective": [17.0, -7.105427e-15, None],
            "optimum": [17.0, 0.0, 28.25],
            "solved": [True, True, False],
            "wall_time": [0.25, 1.5, 0.004],
            "cpu_time": [0.125, 1.0, 0.002],
            "message": ["", "", "ModelError: refused"],
        }
    )
    text = cli._bench_table(table)
    rows = [line.split() for line in text.splitlines()[1:4]]
    assert text.splitlines()[0].split()[-2:] == ["wall_time", "cpu_time"]
    assert rows[0][3:] == ["17", "17", "True", "0.250", "0.125"]
    assert rows[1][3:5] == ["-7.10543e-15", "0"]
    assert rows[2][3:5] == ["-", "28.25"]
    assert "dempe m: ModelError: refused" in text
