"""One result shape for every method (cf. ``scipy.optimize.OptimizeResult``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from stackopt.certificate import SUCCESS, Certificate

STATUSES = (
    "optimal",
    "locally_optimal",
    "feasible",
    "infeasible",
    "iteration_limit",
    "time_limit",
    "interrupted",
    "error",
)


@dataclass
class Result:
    """The outcome of :func:`stackopt.solve`, whatever the method.

    ``leader_objective`` and ``violation`` are always evaluated at a follower equilibrium that is
    recomputed for the returned leader decision; ``reported_objective`` is what the method believed.
    A success status (optimal, locally_optimal, feasible) is earned by ``certificate``
    (:class:`stackopt.certificate.Certificate`): what was checked there, with numbers (each
    follower's Nash gap, the leader's stationarity, the violation, a global bound), and
    :func:`stackopt.certificate.derive_status` is the one rule that turns the method's claim into
    the status. ``interrupted`` is a run stopped by Ctrl-C, with the best point found so far.
    """

    status: str
    leader_objective: float | None = None
    reported_objective: float | None = None
    violation: float | None = None
    leader: dict[str, Any] = field(default_factory=dict)
    followers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: each follower constraint's shadow price at the recomputed equilibrium, by constraint name:
    #: d(follower's optimal objective)/d(right-hand side), in the sense of that follower's objective,
    #: the right-hand side being the side without follower Vars (``supply >= demand`` prices demand,
    #: a constant or the leader's Var; for a constant, Pyomo's sign convention for a minimization;
    #: :meth:`stackopt.kkt.KKTSystem.price_terms`)
    duals: dict[str, float] = field(default_factory=dict)
    wall_time: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    method: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    certificate: Certificate | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {STATUSES}")

    @property
    def success(self) -> bool:
        """True when the method returned a usable leader decision."""
        return self.status in SUCCESS

    def to_dict(self) -> dict[str, Any]:
        """A plain dictionary of every field, which ``json.dumps`` writes: a key that JSON cannot
        hold (an indexed Var's tuple index ``(s, a)``) as its text, as the study store does, and
        numpy arrays and scalars as lists and numbers."""
        return _plain(asdict(self))

    def __repr__(self) -> str:
        # + 0.0: -0.0 (a solver's zero) reads 0
        obj = "None" if self.leader_objective is None else f"{self.leader_objective + 0.0:.6g}"
        vio = "None" if self.violation is None else f"{self.violation + 0.0:.3g}"
        return (
            f"Result(status={self.status!r}, method={self.method!r}, leader_objective={obj}, "
            f"violation={vio}, wall_time={self.wall_time:.3f}s, certificate={self.certificate!r})"
        )


def _plain(value: Any) -> Any:
    """``value`` with JSON's keys and plain Python values (:meth:`Result.to_dict`)."""
    if isinstance(value, dict):
        return {
            k if k is None or isinstance(k, (str, int, float, bool)) else str(k): _plain(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _plain(value.tolist())
    return value
