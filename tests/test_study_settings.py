"""A study file's settings and games, refused when they are wrong before any cell runs."""

from __future__ import annotations

import pytest

import stackopt as so
from stackopt.app.study import load_study

STUDY = """[study]
{setting}

[[games]]
model = "duopoly"

[[methods]]
label = {label}
method = "initial"
"""


def write(tmp_path, setting="", label='"init"'):
    path = tmp_path / "study.toml"
    path.write_text(STUDY.format(setting=setting, label=label))
    return path


@pytest.mark.parametrize(
    "setting, message",
    [
        ('timeout = "60"', "study.timeout must be a positive number of seconds, got '60'"),
        ("timeout = -5", "study.timeout must be a positive number of seconds, got -5"),
        ('worker_timeout = "x"', "study.worker_timeout must be a positive number of seconds"),
        ('workers = "two"', "study.workers must be an integer of at least 1"),
        ("workers = 0", "study.workers must be an integer of at least 1 (leave it out for one"),
        ('retry = "yes"', "study.retry must be true, false or a list of statuses"),
        ('retry = ["eror"]', "study.retry must be true, false or a list of statuses"),
        ("executor = 5", "study.executor must be 'local' or a Dask scheduler address"),
        ('executor = "dask://host:1"', "study.executor must be 'local' or a Dask scheduler"),
        ("store = 3", "study.store must be the path of a results file, got 3"),
        ("seeds = [0, 0, 1]", "study.seeds lists seed 0 more than once; each seed runs once"),
    ],
)
def test_a_bad_setting_names_the_file_its_line_and_the_field(tmp_path, setting, message):
    path = write(tmp_path, setting)
    with pytest.raises(so.OptionError) as err:
        load_study(path)
    assert str(err.value).startswith(f"{path}:2: {message}")


def test_good_settings_are_kept():
    """The checks return the values they accept (a list of statuses, seconds as given)."""
    from stackopt.app.study.toml_study import SETTINGS

    assert SETTINGS["retry"](["error"], "r") == ["error"]
    assert SETTINGS["timeout"](0.5, "t") == 0.5
    assert SETTINGS["seeds"](range(2), "s") == [0, 1]
    assert SETTINGS["executor"]("tcp://h:8786", "e") == "tcp://h:8786"


def test_a_label_of_the_wrong_type_is_not_called_missing(tmp_path):
    with pytest.raises(so.OptionError, match=r"methods\[0\]\.label must be a non-empty string"):
        load_study(write(tmp_path, label="5"))


def test_an_override_is_checked_like_the_setting_it_replaces(tmp_path):
    study = load_study(write(tmp_path, 'store = "r.sqlite"'))
    with pytest.raises(so.OptionError, match="workers must be an integer of at least 1"):
        study.run(workers=0, progress=False)
    assert not (tmp_path / "r.sqlite").exists()


def test_the_default_store_is_beside_the_study_file_wherever_it_runs_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "studies").mkdir()
    study = load_study(write(tmp_path / "studies"))
    assert study.settings["store"] == tmp_path / "studies" / "results.sqlite"


NO_FOLLOWER_OBJECTIVE = """
import pyomo.environ as pyo
import stackopt as so


def build(A: float = 1.0):
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1))
    g.obj = pyo.Objective(expr=A * g.x + g.F.y)
    return g
"""


def test_a_malformed_game_is_refused_before_any_cell_runs(tmp_path):
    (tmp_path / "bad.py").write_text(NO_FOLLOWER_OBJECTIVE)
    path = write(tmp_path)
    path.write_text(path.read_text().replace('"duopoly"', '"bad.py"\nparams = { A = [1, 2] }'))
    with pytest.raises(so.ModelError) as err:
        load_study(path)
    assert str(err.value) == (
        f"{path}:5: game 'bad': Follower F needs exactly one active Objective; found 0 (none)"
    )


def test_a_game_whose_factory_fails_is_named(tmp_path):
    (tmp_path / "boom.py").write_text("def build(seed: int = 0):\n    raise RuntimeError('no')\n")
    path = write(tmp_path)
    path.write_text(path.read_text().replace('"duopoly"', '"boom.py"'))
    with pytest.raises(so.ModelError, match=r"game 'boom': building its instance \{'seed': 0\} "):
        load_study(path)


@pytest.mark.parametrize(
    "method, message",
    [
        (
            'solver = "scip"\nsolver_options = { "limits/gapp" = 0.1 }',
            "scip refuses limits/gapp=0.1: not a parameter",
        ),
        (
            'solver = "scip"\nsolver_options = { "limits/gap" = -1 }',
            "scip refuses limits/gap=-1: Invalid value <-1> for real parameter <limits/gap>",
        ),
        (
            'solver = "highs"\nsolver_options = { mip_rel_gapp = 0.1 }',
            'highs refuses mip_rel_gapp=0.1: getOptionIndex: Option "mip_rel_gapp" is unknown',
        ),
        (
            "solver_options = { mip_rel_gap = -1 }",
            "both highs and scip refuse mip_rel_gap=-1 (the game's linearity picks which one",
        ),
    ],
)
def test_a_global_solver_option_is_tried_before_any_cell_runs(tmp_path, method, message):
    pytest.importorskip("pyscipopt")
    pytest.importorskip("highspy")
    path = write(tmp_path)
    text = path.read_text().replace('"initial"', f'"mpec"\nstrategy = "bigm"\n{method}')
    path.write_text(text)
    with pytest.raises(so.OptionError) as err:
        load_study(path)
    line = len(text.splitlines())  # solver_options, the last line
    assert str(err.value).startswith(f"{path}:{line}: methods[0]: solver_options: {message}")


def test_global_solver_options_either_solver_takes_are_kept(tmp_path):
    path = write(tmp_path)
    options = 'solver_options = { "limits/gap" = 0.1, mip_rel_gap = 0.01 }'
    path.write_text(path.read_text().replace('"initial"', f'"mpec"\nstrategy = "bigm"\n{options}'))
    assert load_study(path).methods[0]["solver_options"] == {"limits/gap": 0.1, "mip_rel_gap": 0.01}
