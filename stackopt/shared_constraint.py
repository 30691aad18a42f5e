"""Constraints shared by several followers: generalized Nash equilibria.

A :class:`SharedConstraint` on the game couples the feasible sets of the followers whose Vars it
uses (and may use the leader's Vars as parameters): follower i chooses x_i in
X_i(x_-i, pi) = {x_i : g(x_i, x_-i, pi) <= 0, its own constraints}. Such a game has a continuum of
generalized Nash equilibria; stackopt selects the **variational equilibrium** (Facchinei & Kanzow
2007, "Generalized Nash equilibrium problems", 4OR 5, Sec. 3): one multiplier per shared
constraint, common to every follower it binds, so that

    grad_{x_i} (sign_i f_i) + lam grad_{x_i} g = 0   for every bound follower i,
    0 <= lam  _|_  -g >= 0.

With ``weights={follower: r_i}`` it selects Rosen's normalized equilibrium instead (Rosen 1965,
Econometrica 33, Eq. 3.4): follower i's multiplier is lam / r_i. Each follower still best-responds
within the shared constraint at the others' decisions, so every such point is a generalized Nash
equilibrium. With ``variational=False`` the constraint is duplicated in each follower's problem,
with a multiplier of its own for each (the general GNE conditions): the followers' equilibria are
then usually a continuum, and the MPEC path picks the leader's favourite among them (optimistic).
In Harker's game (Facchinei & Kanzow 2007, Example 1: min x1^2 + 8/3 x1 x2 - 34 x1 and
min x2^2 + 5/4 x1 x2 - 24.25 x2 over [0, 10]^2 with x1 + x2 <= 15) the variational equilibrium is
(5, 9), while every (t, 15 - t), 9 <= t <= 10, is a GNE too; a leader who wants x1 large gets 5
under the default and 10 with ``variational=False`` (``tests/test_shared_constraints.py``).
The price (:func:`stackopt.dual`, ``Result.duals``) of a variational shared constraint is its common
multiplier as d f*/d rhs of a follower of weight 1, in the sense of the followers' objectives when
they all minimize or all maximize (Pyomo's minimization convention otherwise); a duplicated one has
a price per follower, ``"cap@F[0]"``, ... in ``Result.duals`` and none for ``stackopt.dual``.

Example (two firms sharing a pipeline of capacity 20; the leader sets a tariff)::

    import pyomo.environ as pyo
    import stackopt as so

    g = so.StackelbergGame()
    g.t = pyo.Var(bounds=(0, 50), initialize=0.0)
    g.F = so.Follower([0, 1])
    for i in (0, 1):
        g.F[i].q = pyo.Var(bounds=(0, None), initialize=0.0)
    for i in (0, 1):
        price = 100 - g.F[0].q - g.F[1].q
        g.F[i].profit = pyo.Objective(
            expr=(price - g.t) * g.F[i].q, sense=pyo.maximize
        )
    g.cap = so.SharedConstraint(expr=g.F[0].q + g.F[1].q <= 20)
    g.revenue = pyo.Objective(expr=g.t * (g.F[0].q + g.F[1].q), sense=pyo.maximize)
    res = so.solve(g, method="mpec")   # t = 50, each firm ships 10
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.constraint import IndexedConstraint, ScalarConstraint
from pyomo.core.base.indexed_component import UnindexedComponent_set

from stackopt.errors import ModelError


class SharedConstraint(pyo.Constraint):
    """A Pyomo Constraint (scalar or indexed) shared by the followers whose Vars it uses.

    ``weights``: {Follower block or its name: r_i > 0} for a normalized equilibrium (followers not
    named weigh 1); by default every weight is 1, the variational equilibrium.
    ``variational=False``: a copy of the constraint in each follower's problem instead. Declared on
    the game itself (not inside a Follower); see the module docstring for the meaning and an
    example.
    """

    def __new__(cls, *args: Any, **kwds: Any):
        if cls is not SharedConstraint:
            return super().__new__(cls)
        if not args or (args[0] is UnindexedComponent_set and len(args) == 1):
            return super().__new__(ScalarSharedConstraint)
        return super().__new__(IndexedSharedConstraint)

    def __init__(
        self, *args: Any, weights: dict | None = None, variational: bool = True, **kwds: Any
    ):
        if weights and not variational:
            raise ModelError("SharedConstraint: weights go with a variational (normalized) one")
        self.variational = bool(variational)
        self.weights = {}
        for key, value in (weights or {}).items():
            name = key if isinstance(key, str) else getattr(key, "name", None)
            if name is None or not (isinstance(value, (int, float)) and value > 0):
                raise ModelError(
                    f"SharedConstraint weights must map Followers (or their names) to positive "
                    f"numbers; got {key!r}: {value!r}"
                )
            self.weights[name] = float(value)
        super().__init__(*args, **kwds)


class ScalarSharedConstraint(SharedConstraint, ScalarConstraint):
    """A scalar :class:`SharedConstraint`."""


class IndexedSharedConstraint(SharedConstraint, IndexedConstraint):
    """An indexed :class:`SharedConstraint`."""


def is_shared(constraint: Any) -> bool:
    """Whether a ConstraintData belongs to a :class:`SharedConstraint`."""
    return isinstance(constraint.parent_component(), SharedConstraint)
