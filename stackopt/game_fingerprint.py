"""A fingerprint of a game's data: what a proven global bound holds for.

A global solver's bound (:class:`stackopt.certificate.GlobalBound`) is a fact about the game it was
proven on. ``so.certify(game, result)`` checks a Result again on ``game``, which the user may have
changed since the solve (a mutable Param's value, a bound, a deactivated constraint): the bound then
proves nothing, and ``optimal`` must not be granted on it. The fingerprint is the SHA-256 of every
active or inactive Var (bounds, domain, fixed value), mutable Param value, Constraint, Objective and
Expression (activity, sense, the expression as Pyomo prints it) and Block activity, in the model's
order. An immutable Param's values are numbers inside the expressions and bounds that use them (Pyomo
substitutes them when it builds those), and it cannot change afterwards. The values of free Vars are
left out: a solve loads its point into them, and a start is no part of the game; so are Suffixes (a
solve fills ``game.dual``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pyomo.environ as pyo
from pyomo.core.base.block import BlockData


def fingerprint(game: BlockData) -> str:
    """The hex SHA-256 of the game's data (module docstring)."""
    digest = hashlib.sha256()
    for line in _lines(game):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _lines(game: BlockData) -> Iterator[str]:
    for block in game.block_data_objects():
        yield f"block {block.name} {block.active}"
    for v in game.component_data_objects(pyo.Var):
        fixed = f"fixed {v.value!r}" if v.fixed else "free"
        yield f"var {v.name} {v.lb!r} {v.ub!r} {v.domain.name} {fixed}"
    for param in game.component_objects(pyo.Param):
        if param.mutable:  # an immutable indexed Param's data are plain numbers, not ParamData
            for p in param.values():
                yield f"param {p.name} {pyo.value(p, exception=False)!r}"
    for c in game.component_data_objects(pyo.Constraint):
        yield f"constraint {c.name} {c.active} {c.expr}"
    for o in game.component_data_objects(pyo.Objective):
        yield f"objective {o.name} {o.active} {o.sense} {o.expr}"
    for e in game.component_data_objects(pyo.Expression):
        yield f"expression {e.name} {e.expr}"
