"""Scholtes' regularization: lam_j * s_j <= t, solved by an NLP solver for t -> 0.

Scholtes (2001), "Convergence properties of a regularization scheme for MPECs": the relaxed NLPs
are regular, and their solutions converge to a C-stationary point of the MPEC as t -> 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from stackopt.backends.mpec_problem import Pair
from stackopt.backends.strategies.relaxation import Relaxation


@dataclass
class Scholtes(Relaxation):
    """Relaxation lam * s <= t with t = t0, t0*factor, ..., down to t_min.

    Parameters
    ----------
    t0 : float
        The first relaxation parameter.
    factor : float
        Each next t is t * factor, in (0, 1). With warm-started solves 0.01 takes fewer Ipopt
        iterations than 0.1 on the 37 problems of the benchmark collection without integer Vars
        outside gnash10, 11 and 16 (continuation before polishing: 1,341 against 1,598, the
        same 31 solved; bard1: 29, and 44 with the polishing TNLP).
    t_min : float
        The last t.
    """

    factor: float = 0.01
    t_min: float = 1e-9
    name: ClassVar[str] = "scholtes"

    def relaxed(self, pair: Pair, t: Any) -> Any:
        return pair.lam * pair.slack <= t
