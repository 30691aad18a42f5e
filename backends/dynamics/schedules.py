"""Step-size schedules gamma(k), k = 1, 2, ... (Fiez, Chasnov, Ratliff 2020, Sec. 4).

gamma(k) = c / k^p for any p >= 0 (a number, or one of the names in ``POLYNOMIAL``), or
c * rate^(k-1) ("exponential"). Two-timescale learning needs gamma1(k) = o(gamma2(k)): the
leader's steps vanish faster than the followers'. ``decay_order`` ranks the schedules so that this
can be checked before any step.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Literal

from stackopt.option_values import NONNEGATIVE, POSITIVE, SHRINK, check_fields

POLYNOMIAL = {"constant": 0.0, "1/sqrt(k)": 0.5, "1/k^(2/3)": 2.0 / 3.0, "1/k": 1.0}
#: a schedule's name; the runners' schedule options are ``ScheduleName | float`` (a power p >= 0),
#: checked by :mod:`stackopt.option_values` before any step
ScheduleName = Literal["constant", "1/sqrt(k)", "1/k^(2/3)", "1/k", "exponential"]
SCHEDULES = typing.get_args(ScheduleName)


@dataclass(frozen=True)
class Schedule:
    """gamma(k) = gamma0 / k^p for a power p (a number or a name of ``POLYNOMIAL``),
    gamma0 * rate^(k-1) for "exponential"."""

    kind: ScheduleName | float
    gamma0: float
    rate: float = 0.999

    def __post_init__(self) -> None:
        check_fields(self, {"kind": NONNEGATIVE, "gamma0": POSITIVE, "rate": SHRINK})

    def __call__(self, k: int) -> float:
        if self.kind == "exponential":
            return self.gamma0 * self.rate ** (k - 1)
        return self.gamma0 / k**self.power

    @property
    def power(self) -> float:
        """p of gamma0 / k^p (inf for the exponential schedule)."""
        if self.kind == "exponential":
            return math.inf
        return float(POLYNOMIAL.get(self.kind, self.kind))  # type: ignore[arg-type]

    def decay_order(self) -> tuple[float, float]:
        """A key that grows with the speed of decay (exponential beats every power)."""
        if self.kind == "exponential":
            return (math.inf, -self.rate)
        return (self.power, 0.0)
