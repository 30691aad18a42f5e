"""A study cell whose code calls ``sys.exit`` is an error row that keeps the exit's message."""

from __future__ import annotations

import sys

import stackopt as so
from stackopt.models import duopoly


def exits_for_large_a(A: float = 80.0):
    """The duopoly, refused with ``sys.exit`` above A = 90 (by a message, or a code at 100)."""
    if A == 100:
        sys.exit(3)
    if A > 90:
        sys.exit(f"bad size: A = {A:g} is above 90")
    return duopoly(A=A)


def test_a_cell_that_calls_sys_exit_keeps_its_message(tmp_path):
    df = so.compare(
        (exits_for_large_a, {"A": [80, 95, 100]}),
        [dict(label="initial", method="initial")],
        store=tmp_path / "r.sqlite",
        workers=2,
        progress=False,
    )
    rows = {p["A"]: (s, m) for p, s, m in zip(df["params"], df["status"], df["message"])}
    assert rows == {
        80: ("feasible", ""),
        95: ("error", "SystemExit: bad size: A = 95 is above 90"),
        100: ("error", "SystemExit: 3"),
    }
