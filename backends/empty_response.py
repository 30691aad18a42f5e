"""A proof that a follower has no feasible response at a leader decision pi.

With pi fixed, follower i's feasible set is {x_i : its own constraints at (pi, x_i), its Vars'
bounds}. Where every one of those constraints is linear, that set lies in the polyhedron

    {x_i : lo <= A_x x_i + A_pi pi + c <= hi,  l <= x_i <= u}

(equal to it for continuous Vars; an integer Var's domain only shrinks it), and HiGHS finding
that LP infeasible (:mod:`.linear_domain`) proves the follower cannot respond. A nonlinear follower
gets no proof here: Ipopt's "local infeasibility" is a stationary point of the violation, not one.
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.linear_domain import linear_domain
from stackopt.structure import GameStructure


def followers_without_response(
    structure: GameStructure, pi: np.ndarray, time_limit: float | None = None
) -> list[str]:
    """The names of the followers whose linear feasible set at ``pi`` (the leader's Vars in
    ``structure.leader_vars`` order) HiGHS proves empty; [] when it proves none empty."""
    empty = []
    for part in structure.followers:
        domain = linear_domain(part.block, structure.leader_vars, part.vars)
        if domain is not None and domain.feasible(pi, time_limit) is False:
            empty.append(part.name)
    return empty
