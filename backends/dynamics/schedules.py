"""Step-size schedules gamma(k), k = 1, 2, ... (Fiez, Chasnov, Ratliff 2020, Sec. 4).

gamma(k) = c / k^p for any p >= 0 (a number, or one of the names in ``POLYNOMIAL``), or
c * rate^(k-1) ("exponential"). Two-timescale learning needs gamma1(k) = o(gamma2(k)): the
leader's steps vanish faster than the followers'. ``decay_order`` ranks the schedules so that this
can be checked before any step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stackopt.errors import OptionError

POLYNOMIAL = {"constant": 0.0, "1/sqrt(k)": 0.5, "1/k^(2/3)": 2.0 / 3.0, "1/k": 1.0}
SCHEDULES = (*POLYNOMIAL, "exponential")


@dataclass(frozen=True)
class Schedule:
    """gamma(k) = gamma0 / k^p for a power p (a number or a name of ``POLYNOMIAL``),
    gamma0 * rate^(k-1) for "exponential"."""

    kind: str | float
    gamma0: float
    rate: float = 0.999

    def __post_init__(self) -> None:
        if isinstance(self.kind, bool) or not (
            self.kind in SCHEDULES or (isinstance(self.kind, (int, float)) and self.kind >= 0)
        ):
            raise OptionError(
                f"schedule must be a power p >= 0 (gamma0 / k**p) or one of {SCHEDULES}, "
                f"got {self.kind!r}"
            )
        if not self.gamma0 > 0:
            raise OptionError(f"step size must be > 0, got {self.gamma0}")
        if self.kind == "exponential" and not 0 < self.rate < 1:
            raise OptionError(
                f"decay rate of the exponential schedule must be in (0, 1), got {self.rate}"
            )

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
