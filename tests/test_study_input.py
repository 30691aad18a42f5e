"""Study input: the grid, the TOML file and the errors that name the bad field."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import stackopt as so
from stackopt.app.report import summary
from stackopt.app.study import Game, load_study
from stackopt.app.study.cell import instance_and_options
from stackopt.app.study.grid import cells, random_method
from stackopt.bayesian import random_game
from stackopt.markov.instances import random_markov_game
from stackopt.models import cournot, duopoly

PENALTY = dict(label="penalty", method="mpec", strategy="penalty")


def test_the_grid_is_games_x_params_x_seeds_x_methods():
    grid = cells(
        [(duopoly, {"A": [90, 100], "c1": 5.0}), Game(cournot, name="c")],
        [PENALTY, dict(label="init", method="initial")],
        seeds=range(3),
    )
    # penalty draws its starts from the seed; initial runs once on these deterministic games
    assert len(grid) == (2 + 1) * (3 + 1)
    assert [c.seeds for c in grid if c.label == "init"] == [(0, 1, 2)] * 3
    assert [(c.game, c.params, c.seed, c.label) for c in grid[:3]] == [
        ("duopoly", {"A": 90, "c1": 5.0}, 0, "penalty"),
        ("duopoly", {"A": 90, "c1": 5.0}, 0, "init"),
        ("duopoly", {"A": 90, "c1": 5.0}, 1, "penalty"),
    ]
    assert grid[0].options == {"method": "mpec", "strategy": "penalty"}
    assert len({c.key for c in grid}) == len(grid)
    by_name = cells("duopoly", [PENALTY], [0])[0]
    assert by_name.key == cells(duopoly, [PENALTY], [0])[0].key  # a name is the same game


@pytest.mark.parametrize(
    "games, methods, seeds, message",
    [
        (duopoly, [dict(method="mpec")], [0], "methods[0].label is missing"),
        (
            duopoly,
            [dict(label="x", method="newton")],
            [0],
            "methods[0].method: unknown method 'newton'; known methods: ",
        ),
        (
            duopoly,
            [dict(label="x", method="mpec", stepz=3)],
            [0],
            "methods[0]: method 'mpec' has no option 'stepz'",
        ),
        (
            (duopoly, {"B": [1, 2]}),
            [PENALTY],
            [0],
            "game 'duopoly': got an unexpected keyword argument 'B'",
        ),
        ((duopoly, {"seed": [1]}), [PENALTY], [0], "'seed' is not a parameter; use seeds"),
        ((duopoly, {"A": []}), [PENALTY], [0], "parameter 'A' has no values"),
        ([duopoly, duopoly], [PENALTY], [0], "game names must be unique; repeated: duopoly"),
        (duopoly, [PENALTY, PENALTY], [0], "method labels must be unique; repeated: penalty"),
        (duopoly, [PENALTY], [0.5], "seeds: 0.5 is not an integer"),
        ("nogame", [PENALTY], [0], "unknown game 'nogame'"),
    ],
)
def test_bad_input_is_refused_before_anything_runs(games, methods, seeds, message, tmp_path):
    store = tmp_path / "r.sqlite"
    with pytest.raises(so.OptionError) as err:
        so.compare(games, methods, seeds=seeds, store=store, progress=False)
    assert message in str(err.value)
    assert not store.exists()


STUDY = """
[study]
seeds = {seeds}
store = "out/r.sqlite"
timeout = 60

[[games]]
model = "{model}"
params = {{ A = [90, 100] }}

[[methods]]
label = "penalty"
method = "mpec"
strategy = "penalty"
"""


def write(tmp_path, text):
    path = tmp_path / "study.toml"
    path.write_text(text)
    return path


def test_a_toml_study_runs_like_the_same_python_study(tmp_path):
    (tmp_path / "out").mkdir()
    study = load_study(write(tmp_path, STUDY.format(seeds="[0, 3]", model="duopoly")))
    assert study.settings == {"seeds": [0, 3], "store": tmp_path / "out/r.sqlite", "timeout": 60}
    from_toml = study.run(progress=False)
    from_python = so.compare(
        (duopoly, {"A": [90, 100]}),
        [PENALTY],
        seeds=[0, 3],
        store=tmp_path / "py.sqlite",
        progress=False,
    )
    same = ["key", "game", "params", "seed", "method", "status", "leader_objective"]
    assert from_toml[same].to_dict("records") == from_python[same].to_dict("records")


def test_a_toml_study_can_name_a_game_file_relative_to_it(tmp_path):
    (tmp_path / "g.py").write_text("from stackopt.models import duopoly as build\n")
    study = load_study(write(tmp_path, STUDY.format(seeds=1, model="g.py")))
    assert study.games[0].name == "g" and study.games[0].factory is duopoly


@pytest.mark.parametrize(
    "text, message",
    [
        ("[study\nseeds = 1", "invalid TOML: "),
        (
            STUDY.format(seeds=0, model="duopoly"),
            "study.seeds must be a positive integer or a list",
        ),
        (STUDY.format(seeds='"all"', model="duopoly"), "study.seeds must be a positive integer"),
        (STUDY.format(seeds=1, model="nogame"), "games[0].model: unknown game 'nogame'"),
        (STUDY.format(seeds=1, model="nofile.py"), "games[0].model: game file "),
        (
            STUDY.format(seeds=1, model="duopoly").replace("timeout", "timeuot"),
            "study: unknown key 'timeuot'; allowed keys: seeds, store, executor",
        ),
        (
            STUDY.format(seeds=1, model="duopoly").replace('label = "penalty"\n', ""),
            "methods[0].label is missing",
        ),
        (
            STUDY.format(seeds=1, model="duopoly").replace("[[methods]]", "[[method]]"),
            "top level: unknown key 'method'",
        ),
        (
            STUDY.format(seeds=1, model="duopoly").replace("params = {", "parms = {"),
            "games[0]: unknown key 'parms'",
        ),
        (
            STUDY.format(seeds=1, model="duopoly").replace("A = [", "B = ["),
            "game 'duopoly': got an unexpected keyword argument 'B'",
        ),
        ('[study]\nseeds = 1\n[[methods]]\nlabel = "x"\n', "[[games]] is missing"),
    ],
)
def test_a_bad_study_file_names_the_file_and_the_field(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(so.OptionError) as err:
        load_study(path)
    assert re.match(rf"{re.escape(str(path))}(:\d+)?: ", str(err.value))
    assert message in str(err.value)


GD = "method 'gradient'"

OPTIONS_STUDY = """[study]
seeds = 2

[[games]]
model = "duopoly"
params = {{ A = [90, {A}] }}

[[methods]]
label = "kkt"
method = "mpec"
multistart = {multistart}

[[methods]]
label = "gd"
method = "gradient"
{gradient}
"""


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(gradient="lr = -1"), f"16: methods[1]: {GD}: option lr must be > 0, got -1"),
        (
            dict(gradient='lr = "fast"'),
            f"16: methods[1]: {GD}: option lr must be a number or None, got 'fast' (str)",
        ),
        (
            dict(gradient='time_limit = "5"'),
            f"16: methods[1]: {GD}: option time_limit must be a number or None, got '5'",
        ),
        (dict(gradient="mu = 0"), f"16: methods[1]: {GD}: option mu must be > 0, got 0"),
        (dict(gradient='oracle = "nope"'), "16: methods[1]: unknown oracle 'nope'"),
        (
            dict(gradient="oracle_options = { bad = 1 }"),
            "16: methods[1]: oracle_options of 'kkt': got an unexpected keyword argument 'bad'",
        ),
        (
            dict(multistart=0),
            "11: methods[0]: method 'mpec': option multistart must be a positive integer, got 0",
        ),
        (dict(A='"abc"'), "6: game 'duopoly': parameter A must be a number, got 'abc' (str)"),
    ],
)
def test_option_values_are_checked_by_the_method_before_any_cell_runs(tmp_path, fields, message):
    values = dict(A=100, multistart=1, gradient="lr = 0.01") | fields
    path = write(tmp_path, OPTIONS_STUDY.format(**values))
    with pytest.raises(so.OptionError) as err:
        load_study(path)
    assert str(err.value).startswith(f"{path}:{message}")


def fixed_duopoly(A: float = 100.0) -> so.StackelbergGame:
    """A game factory without a seed: one instance."""
    return duopoly(A=A)


def test_a_seedless_game_and_method_run_once_and_say_so(tmp_path):
    methods = [
        dict(label="initial", method="initial"),
        dict(PENALTY, multistart=1),
        dict(PENALTY, label="ms2", multistart=2),
    ]
    message = (
        "'fixed_duopoly' takes no seed and method 'initial' does not use the seed: one run "
        "\\(seed 0\\) stands for the 3 seeds"
    )
    with pytest.warns(UserWarning, match=message):
        df = so.compare(
            fixed_duopoly, methods, seeds=range(3), store=tmp_path / "r.sqlite", progress=False
        )
    assert df.groupby("method")["seed"].apply(list).to_dict() == {
        "initial": [0],
        "penalty": [0],  # mpec with one start: the model's point, no draw from the seed
        "ms2": [0, 1, 2],  # a second, random start: one run per seed
    }
    assert df.set_index("method")["seeds"].drop("ms2").to_dict() == {
        "initial": [0, 1, 2],
        "penalty": [0, 1, 2],
    }
    table = summary(tmp_path / "r.sqlite").droplevel("game")
    assert table[["cells", "seeds"]].to_dict("index") == {
        "initial": {"cells": 1, "seeds": 3},
        "penalty": {"cells": 1, "seeds": 3},
        "ms2": {"cells": 3, "seeds": 3},
    }
    default = so.compare(duopoly, methods, store=tmp_path / "d.sqlite", progress=False)
    assert default["seed"].tolist() == [0, 0, 0]  # no seeds given: one seed, not thirty


@pytest.mark.parametrize(
    "options, random",
    [
        (dict(method="mpec", strategy="sos1"), False),
        (dict(method="mpec", strategy=so.SOS1()), False),
        (dict(method="mpec"), True),  # random starts after failures by default
        (dict(method="mpec", multistart=1), False),
        (dict(method="mpec", multistart=3), True),
        (dict(method="mpec", multistart=3, seed=1), False),  # the study's seed does not go to it
        (dict(method="bayes-milp"), False),  # takes no seed
        (dict(method="bayes-smoothed", starts=1), False),
        (dict(method="bayes-smoothed"), True),  # several starts by default
        (dict(method="markov-nlp"), False),
        (dict(method="simgd"), False),
        (dict(method="simgd", noise=0.1), True),
        (dict(method="gradient"), True),  # its oracles draw from the seed
    ],
)
def test_a_method_is_random_only_where_its_options_draw_from_the_seed(options, random):
    assert random_method(options) is random


def small_bayesian() -> so.BayesianStackelbergGame:
    return random_game(2, 2, 2, 3, seed=1)


def small_markov() -> so.MarkovStackelbergGame:
    return random_markov_game(states=2, leader_actions=2, follower_actions=2, seed=3)


@pytest.mark.parametrize(
    "game, options",
    [
        (duopoly, dict(method="mpec", strategy="scholtes")),
        (duopoly, dict(method="simgd", max_iter=50)),
        (small_bayesian, dict(method="bayes-smoothed", starts=1, stages=2, max_iter=20)),
        (small_markov, dict(method="markov-nlp")),
    ],
)
def test_a_run_said_not_to_use_its_seed_does_not_depend_on_it(game, options):
    """SEED_DRAWN_WHEN is a claim about the runner: two seeds give the same result."""
    first, second = (so.solve(game(), seed=s, certify=False, **options) for s in (0, 5))
    assert first.status == second.status
    assert first.leader_objective == second.leader_objective
    assert first.leader == second.leader


def test_the_seed_goes_to_the_factory_and_to_a_method_that_takes_one():
    grid = cells([duopoly, fixed_duopoly], [PENALTY, dict(PENALTY, label="s1", seed=7)], [4])
    by = {(c.game, c.label): instance_and_options(c) for c in grid}
    assert by["duopoly", "penalty"] == (
        {"seed": 4},
        {"method": "mpec", "strategy": "penalty", "seed": 4},
    )
    assert by["duopoly", "s1"][1]["seed"] == 7  # a seed the study fixes stays
    assert by["fixed_duopoly", "penalty"][0] == {}


def user_oracle(pi, z0, rng):
    """A module-level oracle: a stable name."""
    raise NotImplementedError


def test_a_callable_option_has_a_key_that_survives_a_rerun_and_a_lambda_is_refused():
    methods = [dict(label="u", method="gradient", oracle=user_oracle)]
    key = cells(duopoly, methods, [0])[0].key
    script = (
        "from stackopt.models import duopoly\n"
        "from stackopt.app.study.grid import cells\n"
        "from tests.test_study_input import user_oracle\n"
        "print(cells(duopoly, [dict(label='u', method='gradient', oracle=user_oracle)], [0])[0].key)"
    )
    rerun = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert rerun.stdout.strip() == key
    with pytest.raises(
        so.OptionError, match="method 'u': <function .*<lambda>.* no stable identity"
    ):
        cells(duopoly, [dict(label="u", method="gradient", oracle=lambda pi, z, r: None)], [0])
