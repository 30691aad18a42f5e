"""Every step and schedule option of the learning dynamics is refused by name before any step."""

import pytest

import stackopt as so
from stackopt.errors import OptionError
from stackopt.markov import random_markov_game
from stackopt.models import continuum_equilibria, duopoly

NAMES = "one of 'constant', '1/sqrt\\(k\\)', '1/k\\^\\(2/3\\)', '1/k', 'exponential' or a number"


@pytest.mark.parametrize(
    ("method", "options", "match"),
    [
        ("two-timescale", {"follower_step": -1}, "option follower_step must be > 0, got -1"),
        ("two-timescale", {"leader_step": -1}, "option leader_step must be > 0, got -1"),
        ("two-timescale", {"leader_schedule": -1}, "option leader_schedule must be >= 0, got -1"),
        ("two-timescale", {"follower_schedule": -1}, "option follower_schedule must be >= 0"),
        ("two-timescale", {"leader_schedule": "1/k^2"}, f"option leader_schedule must be {NAMES}"),
        ("two-timescale", {"follower_schedule": True}, "option follower_schedule must be one of"),
        (
            "two-timescale",
            {"leader_schedule": "exponential", "decay_rates": (1.5, 0.5)},
            "option decay_rates\\[0\\] must be in \\(0, 1\\), got 1.5",
        ),
        (
            "two-timescale",
            {"decay_rates": (0.5,)},
            "option decay_rates must be a tuple or list of 2 \\(a number, a number\\)",
        ),
        ("simgd", {"step": [0.1, -1.0]}, "option step\\[1\\] must be > 0, got -1.0"),
        ("simgd", {"step": "ab"}, "option step must be a number or a tuple or list"),
        ("simgd", {"schedule": "fast"}, f"option schedule must be {NAMES}"),
        ("lola", {"schedule": -2}, "option schedule must be >= 0, got -2"),
        ("stackelberg-br", {"schedule": "1/k^3"}, f"option schedule must be {NAMES}"),
        ("stackelberg-br", {"follower_step": 0.0}, "option follower_step must be > 0, got 0.0"),
    ],
)
def test_a_bad_dynamics_option_is_refused_naming_it(method, options, match):
    with pytest.raises(OptionError, match=f"^method '{method}': {match}"):
        so.solve(duopoly(), method, **options)


def test_the_other_runners_with_schedules_name_theirs():
    with pytest.raises(OptionError, match="^method 'tikhonov-zo': option schedule must be >= 0"):
        so.solve(continuum_equilibria(), "tikhonov-zo", schedule=-1.0)
    markov = random_markov_game(states=1)
    for name, match in [
        ("follower_step", "option follower_step must be > 0"),
        ("follower_schedule", "option follower_schedule must be >= 0"),
    ]:
        with pytest.raises(OptionError, match=f"^method 'implicit-pg': {match}"):
            so.solve(markov, "implicit-pg", **{name: -1.0})


def test_valid_schedules_and_rates_as_a_list_run():
    options = dict(leader_schedule="exponential", decay_rates=[0.9, 0.5], max_iter=20)
    r = so.solve(duopoly(), "two-timescale", **options)
    assert r.status == "iteration_limit" and "20" in r.message
