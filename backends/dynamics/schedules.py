"""Step-size schedules gamma(k), k = 1, 2, ... (Fiez, Chasnov, Ratliff 2020, Sec. 4).

Two-timescale learning needs gamma1(k) = o(gamma2(k)): the leader's steps vanish faster than the
followers'. ``decay_order`` ranks the schedules so that this can be checked before any step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stackopt.errors import OptionError

POLYNOMIAL = {"constant": 0.0, "1/sqrt(k)": 0.5, "1/k^(2/3)": 2.0 / 3.0, "1/k": 1.0}
SCHEDULES = (*POLYNOMIAL, "exponential")


@dataclass(frozen=True)
class Schedule:
    """gamma(k) = gamma0 / k^p for the polynomial kinds, gamma0 * rate^(k-1) for "exponential"."""

    kind: str
    gamma0: float
    rate: float = 0.999

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise OptionError(f"schedule must be one of {SCHEDULES}, got {self.kind!r}")
        if not self.gamma0 > 0:
            raise OptionError(f"step size must be > 0, got {self.gamma0}")
        if self.kind == "exponential" and not 0 < self.rate < 1:
            raise OptionError(
                f"decay rate of the exponential schedule must be in (0, 1), got {self.rate}"
            )

    def __call__(self, k: int) -> float:
        if self.kind == "exponential":
            return self.gamma0 * self.rate ** (k - 1)
        return self.gamma0 / k ** POLYNOMIAL[self.kind]

    def decay_order(self) -> tuple[float, float]:
        """A key that grows with the speed of decay (exponential beats every power)."""
        if self.kind == "exponential":
            return (math.inf, -self.rate)
        return (POLYNOMIAL[self.kind], 0.0)
