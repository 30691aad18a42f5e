"""``stackopt solve``'s exit status: by the Result's status, for errors and for usage, as its
``--help`` says."""

from __future__ import annotations

import re
import sys

import pytest

from stackopt.app.cli import main, parser
from stackopt.result import STATUSES, Result

EXPECTED = {status: 0 for status in STATUSES} | {"error": 1, "interrupted": 130}


@pytest.mark.parametrize("status", STATUSES)
def test_the_exit_status_follows_the_results_status(status, monkeypatch, capsys):
    solve_module = sys.modules["stackopt.solve"]  # stackopt.solve is the function
    monkeypatch.setattr(solve_module, "solve", lambda game, **options: Result(status=status))
    assert main(["solve", "duopoly", "--method", "mpec"]) == EXPECTED[status]
    assert capsys.readouterr().out.startswith(f"status              {status}\n")


def test_an_error_before_the_result_exits_with_1_and_a_usage_error_with_2(capsys):
    assert main(["solve", "no-such-game", "--method", "mpec"]) == 1
    assert capsys.readouterr().err.startswith("stackopt: error: ")
    with pytest.raises(SystemExit) as usage:
        main(["solve", "duopoly"])  # no --method
    assert usage.value.code == 2


def test_the_help_lists_each_exit_status_and_every_result_status():
    epilog = parser().commands["solve"].format_help().split("exit status:")[1]
    codes = re.findall(r"^  (\d+) ", epilog, flags=re.MULTILINE)
    assert codes == ["0", "1", "2", "130"]
    words = epilog.replace(",", " ").replace(":", " ").replace("(", " ").split()
    assert set(STATUSES) <= set(words)
