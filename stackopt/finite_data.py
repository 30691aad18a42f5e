"""The numbers of a game are finite: bounds, starting and fixed values, coefficients, right-hand sides.

A NaN or an infinity in the data reaches a solver as an invalid number (Ipopt stops, the KKT
compiler's index maps break), and a Var whose lower bound exceeds its upper one makes every
reformulation infeasible; each is a :class:`~stackopt.errors.ModelError` naming the component. An
unbounded side is written by leaving the bound out (``None``), never as an infinity. A mutable
Param without a value (``pyo.Param(mutable=True)`` with no ``initialize`` or ``default``, or an
entry of an indexed one never set) in a function or a bound has no number at all, and is a
:class:`~stackopt.errors.ModelError` naming it and the function or Var that uses it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.param import ParamData
from pyomo.core.expr.numvalue import native_types

from stackopt.errors import ModelError


def check_finite_data(game: pyo.Block) -> None:
    """Raise :class:`ModelError` naming the first Var, Constraint or Objective of ``game`` (active
    parts only) with a non-finite number or a Param without a value, or the first Var with lower
    bound above upper bound (every Var: deactivating a block switches off its constraints and
    objectives, not its Vars)."""
    seen: set[int] = set()  # named Expressions shared by many rows are read once
    for v in game.component_data_objects(pyo.Var, descend_into=True):
        for bound in (v.lower, v.upper):  # a number, or an expression of Params
            if type(bound) not in native_types and pyo.value(bound, exception=False) is None:
                _check_expression(v, bound, seen)
        _check_var(v)
    for c in game.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        for side, bound in (("lower", c.lower), ("upper", c.upper)):
            if bound is None:
                continue
            value = pyo.value(bound, exception=False)
            if isinstance(value, numbers.Real) and not math.isfinite(value):
                raise ModelError(
                    f"Constraint {c.name} has a non-finite right-hand side ({side} bound "
                    f"{value}); leave an unbounded side out instead"
                )
            if value is None:
                _check_expression(c, bound, seen)
        _check_expression(c, c.body, seen)
    for o in game.component_data_objects(pyo.Objective, active=True, descend_into=True):
        _check_expression(o, o.expr, seen)


def _check_var(v: Any) -> None:
    try:
        lb, ub = v.lb, v.ub
    except ValueError as exc:  # Pyomo refuses a NaN (or a wrong-sided infinite) bound
        raise ModelError(f"Var {v.name} has an invalid bound: {exc}") from None
    if lb is not None and ub is not None and lb > ub:
        raise ModelError(f"Var {v.name} has lower bound {lb} above its upper bound {ub}")
    value = v.value
    if isinstance(value, numbers.Real) and not math.isfinite(value):
        what = "fixed value" if v.fixed else "starting value"
        raise ModelError(f"Var {v.name} has a non-finite {what} ({value})")


def _check_expression(component: Any, expr: Any, seen: set[int]) -> None:
    for leaf in _leaves(expr, seen):
        if getattr(leaf, "is_variable_type", lambda: False)():
            continue  # its bounds and value are checked with the Vars
        try:
            value = pyo.value(leaf, exception=False)
        except (TypeError, ValueError):  # a string argument of an external function
            continue
        if value is None and isinstance(leaf, ParamData):
            raise ModelError(
                f"{component.ctype.__name__} {component.name} uses Param {leaf.name}, which has "
                f"no value: give it one (pyo.Param(mutable=True, initialize=...), or "
                f"{leaf.name}.set_value(...)) before solving"
            )
        if isinstance(value, numbers.Real) and not math.isfinite(value):
            what = f"Param {leaf.name}" if hasattr(leaf, "name") else "a coefficient"
            raise ModelError(
                f"{component.ctype.__name__} {component.name} uses {what} with the non-finite "
                f"value {value}"
            )


def _leaves(expr: Any, seen: set[int]) -> Iterator[Any]:
    stack = [expr]
    while stack:
        node = stack.pop()
        if not (hasattr(node, "is_expression_type") and node.is_expression_type()):
            yield node
        elif not node.is_named_expression_type():
            stack.extend(node.args)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.args)
