"""The runnable examples in the docstrings of the modelling elements give the answers they state."""

import inspect
import textwrap

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt import follower_dual, shared_constraint
from stackopt.backends import value_function


def _example(module) -> dict:
    """Run the indented block after the first "::" of ``module``'s docstring; its namespace."""
    doc = inspect.getdoc(module)
    block = doc.split("::\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith(" "):
            break
        lines.append(line)
    namespace = {"pyo": pyo, "so": so}
    exec(textwrap.dedent("\n".join(lines)), namespace)  # noqa: S102 (our own docstring)
    return namespace


def test_shared_constraint_example():
    res = _example(shared_constraint)["res"]
    assert res.leader["t"] == pytest.approx(50, abs=1e-4)
    assert res.followers["F[0]"]["q"] == pytest.approx(10, abs=1e-4)
    assert res.followers["F[1]"]["q"] == pytest.approx(10, abs=1e-4)


def test_follower_dual_example():
    res = _example(follower_dual)["res"]
    assert res.leader["bid"] == pytest.approx(100) and res.leader_objective == pytest.approx(360)


def test_value_function_example():
    res = _example(value_function)["res"]
    assert res.status == "optimal"
    assert res.leader == {"x": 2} and res.leader_objective == pytest.approx(-22)
