"""The certificate of a Result, and the one rule that turns a method's claim into a status.

A success status is earned, never claimed. Every method hands its *claim* (what its own stopping
test says) to the honest evaluation, which recomputes the followers' equilibrium at the returned
leader decision pi and checks there:

- **equilibrium**: each follower's own feasibility and its Nash gap
  ``gap_i = f_i(x_i, x_-i, pi) - min_{y_i in X_i(pi)} f_i(y_i, x_-i, pi)`` (minimization form), with
  the best response computed globally (HiGHS for a linear follower, SCIP for a small polynomial or
  factorable one, one Ipopt solve to optimality for a follower with a convex quadratic objective
  and convex quadratic or linear constraints) or by Ipopt from several starts (then the gap is a
  lower bound and says so);
- **stationarity** of the leader: the linearized MPEC at (pi, z) (Scheel and Scholtes 2000,
  Eq. 2.4) has no descent direction, checked by one LP on the relaxed NLP (S-stationarity) and, if
  that fails, one LP per branch of the biactive pairs (B-stationarity);
- **feasibility** of the leader's constraints at the recomputed equilibrium;
- **global**: a bound proven by a global solver, when one ran.

:func:`derive_status` is the one place where a status is decided (issue: "one rule for statuses").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

#: the largest violation of the leader's constraints, at the recomputed equilibrium, of a decision
#: that counts as feasible (the violation target of Wang et al. 2022's experiments)
FEASIBILITY_TOL = 1e-3
#: a follower's Nash gap counts as zero when at most this times max(1, |f_i|)
NASH_GAP_TOL = 1e-5
#: a follower's relative reduced-Hessian eigenvalue below -SECOND_ORDER_TOL fails the check
SECOND_ORDER_TOL = 1e-8
#: the leader is stationary when the best first-order decrease over the scaled box is at most this
#: times max(1, |leader objective|)
STATIONARITY_TOL = 1e-5

#: a proven global bound is attained within the solver's gap plus this times max(1, |bound|): a
#: global solver's value carries its feasibility tolerance (HiGHS meets each row within 1e-6, and
#: its value moves by that times the row's dual), and the followers' gaps are certified to
#: NASH_GAP_TOL only
BOUND_TOL = 1e-5

SUCCESS = ("optimal", "locally_optimal", "feasible")

#: the share of the solve's own time that the optional parts of a certificate (random restarts of
#: local best responses) may take; the exact checks always run
CERTIFICATE_BUDGET = 0.2
#: the least time the equilibrium at a time-limited decision may take to recompute, seconds
MIN_EVALUATION_SECONDS = 1.0

_CERTIFY: ContextVar[bool] = ContextVar("stackopt_certify", default=True)
_STARTED: ContextVar[float | None] = ContextVar("stackopt_started", default=None)
#: the instant a time-limited solve's limit runs out (None: no time limit)
_LIMIT_END: ContextVar[float | None] = ContextVar("stackopt_limit_end", default=None)
#: a time-limited solve's evaluation deadline, fixed by its first honest evaluation
_DEADLINE: ContextVar[list[float]] = ContextVar("stackopt_deadline")


def certifying() -> bool:
    """Whether the expensive checks run (``so.solve(..., certify=False)`` turns them off)."""
    return _CERTIFY.get()


def certificate_budget() -> float:
    """Seconds the optional checks may take: CERTIFICATE_BUDGET x the solve's time so far (at
    least 0.2 s; 1 s outside :func:`stackopt.solve`)."""
    started = _STARTED.get()
    if started is None:
        return 1.0
    return max(0.2, CERTIFICATE_BUDGET * (time.perf_counter() - started))


def evaluation_deadline(status: str) -> float | None:
    """The ``time.perf_counter()`` instant by which the honest evaluation recomputes the
    equilibrium at a method's decision, where the method stopped on its time limit (``status``)
    or the solve has one: the later of (a) as long again as the solve took so far, at least
    ``MIN_EVALUATION_SECONDS`` (that long outside :func:`stackopt.solve`), and (b) the solve's
    time limit plus ``MIN_EVALUATION_SECONDS``, so that a solve that ends early keeps the rest of
    its limit for its certificate and the user's limit bounds the whole call to about twice
    itself; past it, the point is returned unjudged. Within a time-limited solve, the first
    evaluation fixes the deadline for every later one (a multistart judges several points: each
    taking as long again would compound). None (no deadline) otherwise."""
    limit_end = _LIMIT_END.get()
    if status != "time_limit" and limit_end is None:
        return None
    fixed = _DEADLINE.get(None)
    if fixed:
        return fixed[0]
    now, started = time.perf_counter(), _STARTED.get()
    deadline = now + max(MIN_EVALUATION_SECONDS, 0.0 if started is None else now - started)
    if limit_end is not None:
        deadline = max(deadline, limit_end + MIN_EVALUATION_SECONDS)
    if fixed is not None:
        fixed.append(deadline)
    return deadline


@contextmanager
def certification(enabled: bool, time_limit: float | None = None) -> Iterator[None]:
    """Run the expensive checks, or not, inside the ``with`` block (what ``certify=`` sets), and
    time the solve for :func:`certificate_budget` and, where it has a time limit (``time_limit``
    seconds), for :func:`evaluation_deadline`."""
    started = time.perf_counter()
    tokens = (
        _CERTIFY.set(bool(enabled)),
        _STARTED.set(started),
        _LIMIT_END.set(None if time_limit is None else started + float(time_limit)),
    )
    deadline = _DEADLINE.set([])
    try:
        yield
    finally:
        _CERTIFY.reset(tokens[0])
        _STARTED.reset(tokens[1])
        _LIMIT_END.reset(tokens[2])
        _DEADLINE.reset(deadline)


@dataclass
class FollowerCheck:
    """One follower at the recomputed equilibrium (its objective in minimization form)."""

    name: str
    objective: float
    #: max violation of the follower's own constraints and bounds at the equilibrium
    infeasibility: float
    #: the best-response value found; None when no best response could be computed
    best_response: float | None = None
    #: objective - best_response (>= 0 up to rounding); a lower bound unless ``exact``
    gap: float | None = None
    #: how the best response was computed: "highs", "scip", "ipopt x k starts", "convex"
    method: str = ""
    #: True when the best response is a proven global optimum (the gap is then exact)
    exact: bool = False
    #: a better response {Var name: value} when the gap exceeds the tolerance, else None
    deviation: dict[str, float] | None = None
    #: the smallest eigenvalue of the follower's reduced Hessian of its Lagrangian on the null
    #: space of its active constraints, relative to the Hessian's size (< 0: a saddle or maximum)
    second_order: float | None = None
    message: str = ""

    def tolerance(self) -> float:
        return NASH_GAP_TOL * max(1.0, abs(self.objective))


@dataclass
class EquilibriumCheck:
    """Whether the recomputed follower point is a Nash equilibrium at the leader's decision."""

    holds: bool
    #: max over followers of the Nash gap (None when a best response could not be computed)
    gap: float | None
    followers: list[FollowerCheck] = field(default_factory=list)
    #: ||F||_inf of the KKT system at the point, and the largest multiplier
    residual: float = 0.0
    max_multiplier: float = 0.0
    #: True when every gap is exact (every best response proven global)
    exact: bool = False
    #: rounds of moving a follower to its better response and recomputing the equilibrium
    repairs: int = 0
    #: every (follower name, better response) found at this point or on the way to it by repairs:
    #: the deviation cuts an MPEC can add (issue 21, repair)
    deviations: list[tuple[str, dict[str, float]]] = field(default_factory=list)
    message: str = ""
    #: True when a time-limited solve's evaluation deadline cut a best response short (the
    #: claim is then neither certified nor refuted: status time_limit)
    timed_out: bool = False


@dataclass
class StationarityCheck:
    """First-order stationarity of the leader at the recomputed equilibrium.

    ``kind`` is "S" (the relaxed-NLP LP has no descent direction) or "B" (no branch of the
    biactive pairs has one): the point is stationary. Otherwise a descent direction exists and
    ``kind`` names the strongest weaker type whose MPEC multipliers exist, "M" or "C" (typical
    limits of relaxation methods that are no local minima), else "none"; "unchecked" when the LPs
    could not decide. ``value`` is the best first-order decrease of the leader's objective over
    the leader's moves in an l1-ball scaled by the variables' magnitudes and within its bounds
    and linearized constraints, divided by max(1, |objective|): the scaled inf-norm of the
    projected total gradient when no pair is biactive and no bound is nearer than the unit move.
    A stationary point where a probe of the leader's cost finds it falls beyond first order
    (:mod:`stackopt.backends.certification.curvature_probe`: a saddle or a maximum) keeps its
    ``kind`` but does not hold; ``descent`` is then that move of the leader, by Var name.
    """

    kind: str
    holds: bool
    value: float | None = None
    biactive: list[str] = field(default_factory=list)
    branches: int = 0
    message: str = ""
    descent: dict[str, float] = field(default_factory=dict)


@dataclass
class GlobalBound:
    """What a global solver proved: a bound on the leader's objective (its own sense)."""

    solver: str
    proven: bool
    bound: float | None = None
    gap: float | None = None
    #: why the solver's optimum is no proven bound of the problem itself (``proven`` False), e.g.
    #: a big-M the user gave: the MILP is global only within the box it imposes
    caveat: str = ""
    #: the fingerprint of the game it was proven on (:mod:`stackopt.game_fingerprint`; set by
    #: ``so.solve``): ``so.certify`` on a changed game takes the bound as no proof
    game: str = ""


@dataclass
class Certificate:
    """What was checked at the returned leader decision and its recomputed equilibrium."""

    #: False when the expensive checks were skipped (``certify=False``)
    checked: bool
    equilibrium: EquilibriumCheck | None = None
    stationarity: StationarityCheck | None = None
    #: the leader's objective (its own sense) and constraint violation at the recomputed equilibrium
    objective: float | None = None
    violation: float | None = None
    global_bound: GlobalBound | None = None
    #: the method's own claim, before the rule
    claim: str = ""
    #: extra numbers a method adds (e.g. implicit-pg's policy-gradient norm)
    evidence: dict[str, Any] = field(default_factory=dict)
    #: wall-clock seconds the checks took (best responses, repairs, stationarity LPs)
    seconds: float = 0.0
    #: the leader's objective sense, 1 minimize or -1 maximize (0: not recorded, and a global
    #: bound is then compared both ways)
    sense: int = 0

    def __repr__(self) -> str:
        parts = [f"claim={self.claim!r}"]
        if self.equilibrium is not None:
            eq = self.equilibrium
            verdict = "ok" if eq.holds else "FAILS"
            if eq.gap is not None:
                kind = "exact" if eq.exact else "lower bound"
                parts.append(f"nash_gap={_g(eq.gap)} ({kind}, {verdict})")
            else:  # no best response computed: skipped (certify=False), or none could be
                parts.append(
                    "nash_gap=unchecked" if not self.checked else f"nash_gap=? ({verdict})"
                )
        if self.stationarity is not None:
            st = self.stationarity
            if st.kind == "unchecked":
                parts.append("stationarity=unchecked")
            else:
                value = "?" if st.value is None else _g(st.value)
                parts.append(f"stationarity={st.kind}:{value} ({'ok' if st.holds else 'FAILS'})")
        if self.violation is not None:
            parts.append(f"violation={_g(self.violation)}")
        if self.global_bound is not None:
            parts.append(f"global={'proven' if self.global_bound.proven else 'unproven'}")
        if not self.checked:
            parts.append("checked=False")
        return f"Certificate({', '.join(parts)})"


def _g(value: float) -> str:
    """``value`` to two significant digits, and 0 for -0.0 (a solver's zero, not a sign)."""
    return f"{value + 0.0:.2g}"


def derive_status(
    claim: str, certificate: Certificate, if_violated: str = "infeasible"
) -> tuple[str, str]:
    """The status a Result may carry, and a message naming the check that lowered it ("" if none).

    An unsuccessful claim stands. A success claim needs, in turn: the leader's constraints within
    FEASIBILITY_TOL (else ``if_violated``); a certified equilibrium ("infeasible" when a follower
    has no feasible response, "time_limit" when a time-limited solve's evaluation deadline cut a
    best response short, else "error"); then ``feasible`` is earned. ``locally_optimal`` also
    needs leader stationarity; ``optimal`` also needs a proven global bound and exact Nash gaps.
    Without the expensive checks (``certificate.checked`` False) the status is at most feasible.
    """
    if claim not in SUCCESS:
        return claim, ""
    violation = certificate.violation
    if violation is None or violation > FEASIBILITY_TOL:
        shown = "unknown" if violation is None else f"{violation:.2e}"
        return if_violated, (
            f"the leader's constraints are violated by {shown} > {FEASIBILITY_TOL:g} at the "
            f"recomputed equilibrium (the method claimed {claim})"
        )
    eq = certificate.equilibrium
    if eq is None or not eq.holds:
        infeasible = eq is not None and any(f.infeasibility > FEASIBILITY_TOL for f in eq.followers)
        why = eq.message if eq is not None else "no equilibrium check"
        outcome = "infeasible" if infeasible else "error"
        if not infeasible and eq is not None and eq.timed_out:
            outcome = "time_limit"
        return outcome, f"equilibrium not certified: {why} (the method claimed {claim})"
    if claim == "feasible":
        return "feasible", ""
    if not certificate.checked:
        return "feasible", f"not certified (certify=False): at most feasible (claimed {claim})"
    if claim == "optimal":
        gb = certificate.global_bound
        if gb is None or not gb.proven:
            why = gb.caveat if gb is not None and gb.caveat else "no proven global bound"
        elif not eq.exact:
            why = "a follower's best response is not proven global"
        elif not _attains(certificate.objective, gb, certificate.sense):
            why = (
                f"the objective at the recomputed equilibrium, {certificate.objective:.6g}, is not "
                f"the proven bound {gb.bound:.6g} (the solver's follower point is not the "
                "equilibrium recomputed at its decision: a KKT point that is no best response of "
                "a nonconvex follower, a tie of the responses, or a decision within the "
                "solver's tolerance of where the response changes)"
            )
        else:
            return "optimal", ""
        st = certificate.stationarity
        if st is not None and st.holds:
            return "locally_optimal", f"not optimal: {why}"
        return "feasible", f"not optimal: {why}"
    st = certificate.stationarity
    if st is not None and st.holds:
        return "locally_optimal", ""
    why = st.message if st is not None else "stationarity not checked"
    return "feasible", f"leader stationarity not certified: {why} (the method claimed {claim})"


def _attains(objective: float | None, bound: GlobalBound, sense: int) -> bool:
    """Whether the leader's objective reaches the proven bound within the solver's gap and
    BOUND_TOL * max(1, |bound|): sense * objective <= sense * bound + slack. An objective better
    than the bound refutes nothing: the bound carries the solver's own feasibility tolerance
    (HiGHS reports -0.8571418571 for a maximizing leader whose optimum, recomputed at its
    decision, is -6/7: 1.0e-6 beyond it, a row met within HiGHS's 1e-6). Without the ``sense``
    (0) the two are compared both ways."""
    if bound.bound is None:
        return True
    if objective is None:
        return False
    slack = abs(bound.gap or 0.0) + BOUND_TOL * max(1.0, abs(bound.bound))
    if sense == 0:
        return abs(objective - bound.bound) <= slack
    return sense * objective <= sense * bound.bound + slack
