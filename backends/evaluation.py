"""Honest evaluation: every method's leader decision is judged at a recomputed equilibrium.

For the returned leader decision pi the followers' equilibrium is recomputed by the ``kkt`` oracle
(semismooth Newton from the method's own follower point, rescued by Ipopt), and the leader's
objective and constraint violation are evaluated there. The method's own belief stays in
``reported_objective``. If no equilibrium can be recomputed the Result says so (status "error"),
and no objective is made up.

The method's status is only a claim: the certificate (:mod:`stackopt.certificate`) checks the
recomputed point (each follower's Nash gap by a best-response solve, the leader's stationarity on
the linearized MPEC, the leader's feasibility) and :func:`stackopt.certificate.derive_status`
decides the status. When a follower can improve by deviating, the evaluation moves it to its better
response and recomputes the equilibrium from there (at most ``MAX_REPAIRS`` times), so that the
leader's decision is judged at a true equilibrium. ``so.solve(..., certify=False)`` skips the
best-response solves and the stationarity LPs (the status is then at most "feasible").

The logger ``stackopt.certificate`` has one INFO line per phase, with its seconds: the equilibrium
recomputed, the Nash gaps (the followers grouped by how their best responses were computed, exact
or lower bounds), each repair round, the leader's stationarity, and the status derived; DEBUG adds
each follower's gap.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

from stackopt.backends.certification import NashGap, leader_stationarity, reduced_curvatures
from stackopt.backends.certification.tie_selection import best_tied_response, tied
from stackopt.backends.certification.violation import leader_violation
from stackopt.backends.empty_response import followers_without_response
from stackopt.backends.oracles.base import Equilibrium
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.oracles.multipliers import (
    best_prices,
    least_norm_multipliers,
    with_multipliers,
)
from stackopt.backends.solvers import STOPPED  # claims that stand without an equilibrium
from stackopt.certificate import (
    FEASIBILITY_TOL,
    SECOND_ORDER_TOL,
    SUCCESS,
    Certificate,
    EquilibriumCheck,
    FollowerCheck,
    GlobalBound,
    certificate_budget,
    certifying,
    derive_status,
    evaluation_deadline,
)
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.messages import then
from stackopt.result import Result
from stackopt.structure import analyze

EQUILIBRIUM_TOL = 1e-6
#: rounds of moving a follower to its better response and recomputing the equilibrium
MAX_REPAIRS = 5
#: the relative gain for the leader that makes the method's own follower point another response
TIE_GAIN = 1e-6
#: multipliers beyond this make a KKT residual untrustworthy (stationarity lost in rounding)
MAX_MULTIPLIER = 1e10
#: a leader objective or unbounded leader Var this large in magnitude suggests an unbounded problem
UNBOUNDED = 1e10

__all__ = ["FEASIBILITY_TOL", "honest_result", "recompute_equilibrium"]

log = logging.getLogger("stackopt.certificate")


def recompute_equilibrium(
    game: StackelbergGame,
    evaluator: KKTEvaluator,
    pi: np.ndarray,
    z_guess: np.ndarray,
    tol: float = EQUILIBRIUM_TOL,
    deadline: float | None = None,
) -> Equilibrium:
    """The followers' equilibrium at ``pi``, found from ``z_guess`` by the ``kkt`` oracle, which
    starts no work after ``deadline`` (a ``time.perf_counter()`` instant)."""
    oracle = KKTOracle(game, evaluator, tol)
    oracle.deadline = deadline
    return oracle(pi, z_guess)


def unbounded_warning(evaluator: KKTEvaluator, pi: np.ndarray, objective: float) -> str | None:
    """A warning when the leader's objective, or a leader Var without a bound on the side of its
    value, reaches ``UNBOUNDED`` in magnitude: the leader's problem then looks unbounded (a
    method that follows its descent stops only where floating point does), and the point is no
    answer. It names the Vars beyond sqrt(``UNBOUNDED``) without a bound on that side."""
    free = [
        (v.name, value)
        for v, value in zip(evaluator.leader_vars, pi)
        if abs(value) >= UNBOUNDED**0.5 and (v.ub if value > 0 else v.lb) is None
    ]
    if abs(objective) < UNBOUNDED and all(abs(value) < UNBOUNDED for _, value in free):
        return None
    at = ", ".join(f"{name} = {value:.3g}" for name, value in free)
    at = f" at {at}, without a bound on that side" if free else ""
    return (
        f"the leader's objective is {objective:.3g}{at}: the leader's problem looks unbounded "
        "(bound the leader's Vars, or check the objective's sign)"
    )


def nested_values(vars_, values, relative_to=None) -> dict[str, Any]:
    """{name: value} for scalar Vars and {name: {index: value}} for indexed ones."""
    out: dict[str, Any] = {}
    for v, value in zip(vars_, values):
        comp = v.parent_component()
        key = comp.getname(fully_qualified=True, relative_to=relative_to)
        if comp.is_indexed():
            out.setdefault(key, {})[v.index()] = float(value)
        else:
            out[key] = float(value)
    return out


def check_equilibrium(
    evaluator: KKTEvaluator, gaps: NashGap | None, eq: Equilibrium, pi: np.ndarray
) -> EquilibriumCheck:
    """Each follower's feasibility and Nash gap at the equilibrium ``eq`` for ``pi``.

    Without ``gaps`` (``certify=False``, or a claim that is no success) only the size of the
    multipliers is checked: of those ``Result.duals`` reports (:func:`reported_multipliers`, the
    least-norm ones where they are not unique), not of those the method happened to end at, which
    may be valid and huge where the followers' active constraints are dependent."""
    multipliers = reported_multipliers(evaluator, eq.z, pi)[evaluator.n_x :]
    largest = float(np.abs(multipliers).max(initial=0.0))
    check = EquilibriumCheck(True, None, residual=eq.residual, max_multiplier=largest)
    if gaps is None:
        if largest > MAX_MULTIPLIER:
            check.holds = False
            check.message = f"multipliers of size {largest:.2g}: the KKT residual is not trusted"
        return check
    check.followers = gaps(np.concatenate([pi, eq.z[: evaluator.n_x]]))
    check.timed_out = gaps.timed_out
    lin = evaluator.linearization(eq.z, pi)
    for follower, curvature in zip(check.followers, reduced_curvatures(evaluator, lin, eq.z)):
        follower.second_order = curvature
    computed = [f.gap for f in check.followers if f.gap is not None]
    check.gap = max(computed) if len(computed) == len(check.followers) else None
    check.exact = all(f.exact for f in check.followers)
    failures = [f for f in check.followers if f.infeasibility > FEASIBILITY_TOL]
    if failures:
        f = failures[0]
        check.message = (
            f"{f.name} has no feasible response at the leader's decision: its constraints are "
            f"violated by {f.infeasibility:.3g} at the recomputed point"
        )
    elif check.gap is None:
        check.message = next(f.message for f in check.followers if f.gap is None)
    elif wide := [f for f in check.followers if f.gap is not None and f.gap > f.tolerance()]:
        check.message = wide[0].message
    elif saddles := [
        f
        for f in check.followers
        if not f.exact and f.second_order is not None and f.second_order < -SECOND_ORDER_TOL
    ]:
        f = saddles[0]
        check.message = (
            f"{f.name}'s reduced Hessian has the eigenvalue {f.second_order:.3g} < 0 (relative): "
            "its point is a saddle or a maximum of its problem, not a best response"
        )
    elif not check.exact and largest > MAX_MULTIPLIER:
        check.message = (
            f"multipliers of size {largest:.2g}: the KKT residual is lost in rounding and the "
            "best responses are only local"
        )
    check.holds = not check.message
    check.deviations = [(f.name, f.deviation) for f in check.followers if f.deviation]
    return check


def _repair(
    game: StackelbergGame,
    evaluator: KKTEvaluator,
    gaps: NashGap,
    eq: Equilibrium,
    pi: np.ndarray,
    check: EquilibriumCheck,
    deadline: float | None = None,
) -> tuple[Equilibrium, EquilibriumCheck]:
    """Move the follower that gains most by deviating to its better response and recompute the
    equilibrium from there (Newton, multipliers by least squares), until every gap is within
    tolerance, MAX_REPAIRS rounds have run or the evaluation ``deadline`` has passed (a
    time-limited solve's, :func:`stackopt.certificate.evaluation_deadline`)."""
    index = {name: k for k, name in enumerate(evaluator.z_names[: evaluator.n_x])}
    for round_ in range(1, MAX_REPAIRS + 1):
        movers = [f for f in check.followers if f.deviation]
        if check.holds or not movers:
            break
        if deadline is not None and time.perf_counter() >= deadline:
            log.info("certificate: no repair round %d: past the time limit's deadline", round_)
            break
        # one at a time: Gauss-Seidel best responses
        mover = max(movers, key=lambda f: f.gap or 0.0)
        x = eq.z[: evaluator.n_x].copy()
        for name, value in (mover.deviation or {}).items():
            x[index[name]] = value
        started = time.perf_counter()
        z = with_multipliers(evaluator, x, pi, EQUILIBRIUM_TOL)
        moved = recompute_equilibrium(game, evaluator, pi, z, deadline=deadline)
        if not moved.converged:
            log.info(
                "certificate: repair round %d: no equilibrium from %s's better response "
                "(KKT residual %.1e)",
                round_,
                mover.name,
                moved.residual,
            )
            break
        moved_check = check_equilibrium(evaluator, gaps, moved, pi)
        log.info(
            "certificate: repair round %d: %s moved to its better response, equilibrium "
            "recomputed in %.2f s, largest Nash gap %s%s",
            round_,
            mover.name,
            time.perf_counter() - started,
            _number(moved_check.gap),
            "" if moved_check.holds else f"; {moved_check.message}",
        )
        moved_check.repairs = round_
        moved_check.deviations = check.deviations + moved_check.deviations
        eq, check = moved, moved_check
    return eq, check


def _optimistic(
    game: StackelbergGame,
    evaluator: KKTEvaluator,
    gaps: NashGap,
    eq: Equilibrium,
    check: EquilibriumCheck,
    z0: np.ndarray,
    pi: np.ndarray,
) -> tuple[Equilibrium, EquilibriumCheck]:
    """The optimistic convention: where the followers' response is not unique, the leader is
    judged at the response best for it. Two other followers' points are candidates: the method's
    own, and, where a follower's response may tie (a zero eigenvalue of its reduced Hessian), the
    tied response best for the leader (:mod:`.certification.tie_selection`: the MPEC with the
    leader held, from the recomputed equilibrium). A candidate better for the leader than the
    recomputed equilibrium that is itself an equilibrium (its KKT residual within
    EQUILIBRIUM_TOL, as the recomputed one, and every Nash gap within tolerance) is kept instead
    (multipliers by least squares, :mod:`.oracles.multipliers`). A point whose Nash gaps are
    merely small is no other response: a follower off its unique response by d loses O(d^2),
    within the gap's tolerance, while the leader gains O(d) (tikhonov-zo's regularized response
    q = 50 / (2 + eps) on the duopoly: 1250.48 against the Stackelberg value 1250)."""
    n_x = evaluator.n_x
    started, recomputed_eq = time.perf_counter(), eq
    candidates = []
    if not np.allclose(z0[:n_x], eq.z[:n_x], rtol=1e-9, atol=1e-9):
        candidates.append((z0[:n_x], "the method's own follower point"))
    if check.holds and tied(check):
        selected = best_tied_response(game, evaluator, pi, eq.z)
        if selected is not None:
            candidates.append((selected, "the tied response best for the leader"))
    recomputed = evaluator.evaluate(eq.z, pi, derivatives=False).leader_cost
    for x, oracle in candidates:
        found = _better(evaluator, gaps, with_multipliers, x, pi, recomputed, oracle)
        if found is not None:
            eq, check, recomputed = found
    if evaluator.kkt.structure.duals:  # the leader uses prices: the best of the followers' set
        found = _better(evaluator, gaps, best_prices, eq.z[:n_x], pi, recomputed, PRICES)
        if found is not None:
            eq, check, recomputed = found
    seconds = time.perf_counter() - started
    if eq is recomputed_eq:
        log.debug("certificate: no other response better for the leader (%.2f s)", seconds)
    else:
        log.info("certificate: judged at %s, better for the leader (%.2f s)", eq.oracle, seconds)
    return eq, check


#: what ``res.info["equilibrium_oracle"]`` says where the leader's prices were chosen
PRICES = "the followers' multipliers best for the leader"


def _better(
    evaluator: KKTEvaluator,
    gaps: NashGap,
    multipliers: Callable,
    x: np.ndarray,
    pi: np.ndarray,
    recomputed: float,
    oracle: str,
) -> tuple[Equilibrium, EquilibriumCheck, float] | None:
    """The equilibrium at followers' point x with its ``multipliers(evaluator, x, pi, tol)``, its
    check and leader cost, when it is one (KKT residual within EQUILIBRIUM_TOL, Nash gaps within
    tolerance) and materially better for the leader than ``recomputed``; else None."""
    try:
        own_z = multipliers(evaluator, x, pi, EQUILIBRIUM_TOL)
        if own_z is None:
            return None
        own = evaluator.evaluate(own_z, pi, derivatives=False)
    except (PyNumeroEvaluationError, ArithmeticError):
        return None  # x / y at the method's y = 0: no response there
    if not own.norm <= EQUILIBRIUM_TOL:
        return None  # no equilibrium: not another response
    if not own.leader_cost < recomputed - TIE_GAIN * max(1.0, abs(recomputed)):
        return None  # no material gain: a rounding-level difference is no other response
    candidate = Equilibrium(own_z, own.norm, True, oracle=oracle)
    own_check = check_equilibrium(evaluator, gaps, candidate, pi)
    return (candidate, own_check, own.leader_cost) if own_check.holds else None


def reported_multipliers(evaluator: KKTEvaluator, z: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """z with the follower multipliers ``Result.duals`` reports at the equilibrium z for pi.

    Where the followers' multipliers are not unique (more constraints active than stationarity
    needs), the least-norm ones (:func:`.oracles.multipliers.least_norm_multipliers`), whichever
    the method ended at: the same point gets the same prices under every method. An equality
    implied by its follower's others is no row of the KKT system and is priced 0
    (:attr:`stackopt.kkt.KKTSystem.implied`): the norm is the least among such multipliers. Where the
    leader's functions use ``stackopt.dual``, the prices are part of the leader's decision and
    stay those of z, which the certificate judged (the best for the leader, :func:`_optimistic`).
    The least-norm multipliers of the last point asked for are kept per evaluator (``_REPORTED``).
    """
    if evaluator.kkt.structure.duals:
        return z
    point = (z.tobytes(), pi.tobytes())
    last = _REPORTED.get(evaluator)
    if last is None or last[0] != point:
        last = point, least_norm_multipliers(evaluator, z, pi, EQUILIBRIUM_TOL)
        _REPORTED[evaluator] = last
    return last[1].copy()


#: each evaluator's last (z, pi) as bytes and its :func:`reported_multipliers`: the size check of
#: :func:`check_equilibrium` and ``Result.duals`` ask at the same point
_REPORTED: weakref.WeakKeyDictionary[KKTEvaluator, tuple[tuple[bytes, bytes], np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


def unchecked_warning(names: list[str], why: str) -> str:
    """What a Result without the Nash gaps' check (``why``: no success claim, or
    ``certify=False``) does not say where the followers ``names`` are not convex: their
    recomputed point is a KKT point, perhaps no best response, so ``leader_objective`` may be
    other than at their equilibrium (a double well: 0.8 at a point where the best responses give
    21.3)."""
    return (
        f"the followers' best responses were not computed ({why}): "
        f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} not convex, so the recomputed "
        "point is a KKT point that may not be a best response, and leader_objective may differ "
        "at their equilibrium"
    )


def local_search_warning(local: list[FollowerCheck]) -> str:
    """What a success status does not prove where the best responses of the followers ``local``
    were searched by a local solver: their Nash gaps are lower bounds, and a nonconvex follower
    may have a better response that no start reached."""
    names = ", ".join(f.name for f in local)
    how = "; ".join(sorted({f.method for f in local if f.method}))
    return (
        f"the Nash gaps of {names} are lower bounds: a local search{f' ({how})' if how else ''} "
        "found no better response, but a nonconvex follower may have one elsewhere (gaps are "
        "proven for linear, cvxpy, convex quadratic and small followers, see stackopt.certificate)"
    )


def _number(value: float | None) -> str:
    """A gap for the log: two significant digits, or "none" where it was not computed."""
    return "none" if value is None else f"{value:.2g}"


#: the follower names a log line lists for one way of computing best responses
LOGGED_NAMES = 4


def _log_gaps(check: EquilibriumCheck, seconds: float) -> None:
    """One INFO line for the Nash gaps of ``check`` (the followers grouped by how their best
    responses were computed, and whether the gaps are exact or lower bounds), one DEBUG line per
    follower; nothing where no gap was computed (``certify=False``, a claim that is no success)."""
    if not check.followers:
        return
    groups: dict[str, list[str]] = {}
    for f in check.followers:
        log.debug(
            "certificate: %s: Nash gap %s by %s (%s), second order %s%s",
            f.name,
            _number(f.gap),
            f.method or "nothing",
            "exact" if f.exact else "lower bound",
            _number(f.second_order),
            f"; {f.message}" if f.message else "",
        )
        how = f"{f.method or 'no best response'} ({'exact' if f.exact else 'lower bound'})"
        groups.setdefault(how, []).append(f.name)
    parts = []
    for how, names in groups.items():
        more = len(names) - LOGGED_NAMES
        listed = ", ".join(names[:LOGGED_NAMES]) + (f" and {more} more" if more > 0 else "")
        parts.append(f"{listed} by {how}")
    log.info(
        "certificate: Nash gaps in %.2f s, largest %s: %s%s",
        seconds,
        _number(check.gap),
        "; ".join(parts),
        "" if check.holds else f"; {check.message}",
    )


def honest_result(
    game: StackelbergGame,
    evaluator: KKTEvaluator,
    *,
    status: str,
    values: dict[str, float],
    reported_objective: float | None,
    message: str = "",
    history: list[dict[str, Any]] | None = None,
    info: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
    if_violated: str = "infeasible",
    global_bound: GlobalBound | None = None,
    evidence: dict[str, Any] | None = None,
) -> Result:
    """Build the certified Result for leader decision ``values`` (a name -> value map).

    ``status`` is the method's claim; ``global_bound`` what a global solver proved; ``evidence``
    any numbers of the method's own that the certificate should carry. A claimed success that
    fails a check takes the status :func:`stackopt.certificate.derive_status` gives
    (``if_violated`` when the leader's constraints are violated).
    """
    info = dict(info or {})
    history = history or []
    warnings = list(warnings or [])
    claim = status  # the method's; a Ctrl-C while certifying makes the status "interrupted"
    if any(n not in values for n in evaluator.leader_names):
        return Result(
            status="error" if status not in ("infeasible", "time_limit") else status,
            reported_objective=reported_objective,
            message=message or "the method returned no leader decision",
            history=history,
            info=info,
            warnings=warnings,
        )
    z0, pi = evaluator.values_of(values)
    leader = nested_values(evaluator.leader_vars, pi)

    def unjudged(outcome: str, why: str, **point: Any) -> Result:
        """A Result of status ``outcome`` whose point could not be judged, ``why`` added to the
        method's message."""
        return Result(
            status=outcome,
            reported_objective=reported_objective,
            leader=leader,
            message=then(message, why),
            history=history,
            info=info,
            warnings=warnings,
            **point,
        )

    # a time-limited run's equilibrium is bounded in time too (an unconverged one is no objective)
    recomputing, deadline = time.perf_counter(), evaluation_deadline(status)
    try:
        eq = recompute_equilibrium(game, evaluator, pi, z0, deadline=deadline)
    except KeyboardInterrupt:  # the decision is kept, unjudged
        why = "interrupted (Ctrl-C) while the equilibrium at the returned decision was recomputed"
        return unjudged("interrupted", why)
    log.info(
        "certificate: %s by %s in %.2f s (KKT residual %.1e)",
        "equilibrium recomputed" if eq.converged else "no equilibrium recomputed",
        eq.oracle,
        time.perf_counter() - recomputing,
        eq.residual,
    )
    if not eq.converged:
        info.update(equilibrium_residual=eq.residual, equilibrium_oracle=eq.oracle)
        why = (
            "no follower equilibrium could be recomputed at the returned leader decision "
            f"(KKT residual {eq.residual:.2e}: {eq.message})"
        )
        left = None if deadline is None else max(0.0, deadline - time.perf_counter())
        # on the game's own structure: the evaluator's model holds the followers' constraints
        # as its KKT rows, deactivated as constraints
        try:
            empty = followers_without_response(analyze(game), pi, left)
        except KeyboardInterrupt:  # the decision is kept, unjudged
            return unjudged("interrupted", f"interrupted (Ctrl-C) after: {why}")
        if empty:  # the point is infeasible, proven: a follower cannot respond there
            who = f"follower {empty[0]} has" if len(empty) == 1 else f"followers {empty} have"
            proof = (
                f"{who} no feasible response at the returned leader decision: HiGHS proves "
                "the follower's constraints, all linear, infeasible there"
            )
            return unjudged(status if status in STOPPED else "infeasible", f"{proof}; {why}")
        return unjudged(status if status in STOPPED else "error", why)
    full = certifying() and status in SUCCESS
    started = time.perf_counter()
    budget = certificate_budget()
    if deadline is not None:
        budget = min(budget, max(0.0, deadline - started))
    gaps = NashGap(evaluator.kkt.structure, budget, deadline) if full else None
    try:
        check = check_equilibrium(evaluator, gaps, eq, pi)
        _log_gaps(check, time.perf_counter() - started)
        if gaps is not None and not check.holds:
            eq, check = _repair(game, evaluator, gaps, eq, pi, check, deadline)
            if check.repairs:
                warnings.append(
                    f"the recomputed equilibrium was not a best response for every follower; "
                    f"moved to the better responses and recomputed ({check.repairs} round(s))"
                )
        if gaps is not None:
            eq, check = _optimistic(game, evaluator, gaps, eq, check, z0, pi)
    except KeyboardInterrupt:  # the point is returned uncertified
        gaps, status = None, "interrupted"
        check = check_equilibrium(evaluator, None, eq, pi)
        message = then(message, "interrupted (Ctrl-C) while certifying")
    info.update(equilibrium_residual=eq.residual, equilibrium_oracle=eq.oracle)
    ev = evaluator.evaluate(eq.z, pi, derivatives=False)
    followers = {
        part.name: nested_values(part.vars, eq.z[start:stop], relative_to=part.block)
        for part, (start, stop) in zip(evaluator.kkt.structure.followers, evaluator.follower_slices)
    }
    try:
        violation = leader_violation(evaluator, ev.constraint_values, pi)
        objective = evaluator.leader_sign * ev.leader_cost
    except PyNumeroEvaluationError:  # log x at a start x = 0 that the method could not leave
        return unjudged(
            status if status in STOPPED else "error",
            "the leader's objective or constraints cannot be evaluated at the returned decision",
            followers=followers,
        )
    unbounded = unbounded_warning(evaluator, pi, objective)
    if unbounded:
        warnings.append(unbounded)
    if gaps is None:  # no best response computed: a nonconvex follower's point may not be one
        unchecked = NashGap(evaluator.kkt.structure).nonconvex(
            np.concatenate([pi, eq.z[: evaluator.n_x]])
        )
        if unchecked:
            why = "certify=False" if status in SUCCESS else f"no certificate for status {status}"
            warnings.append(unchecked_warning(unchecked, why))
    certificate = Certificate(
        checked=gaps is not None,
        equilibrium=check,
        objective=objective,
        violation=violation,
        global_bound=global_bound,
        claim=claim,
        evidence=dict(evidence or {}),
        sense=int(evaluator.leader_sign),
    )
    if gaps is not None and check.holds and status in ("optimal", "locally_optimal"):
        phase = time.perf_counter()
        try:
            certificate.stationarity = leader_stationarity(evaluator, eq.z, pi, deadline)
        except KeyboardInterrupt:
            certificate.checked, status = False, "interrupted"
            message = then(message, "interrupted (Ctrl-C) while certifying")
        else:
            stationarity = certificate.stationarity
            log.info(
                "certificate: leader stationarity %s (%s) in %.2f s",
                stationarity.kind,
                "holds" if stationarity.holds else "does not hold",
                time.perf_counter() - phase,
            )
    certificate.seconds = time.perf_counter() - started
    status, why = derive_status(status, certificate, if_violated)
    log.info(
        "certificate: %s (claimed %s) at leader objective %.8g, violation %.1e; %.2f s",
        status,
        claim,
        objective,
        violation,
        certificate.seconds,
    )
    if why:
        message = then(message, why)
    local = [f for f in check.followers if not f.exact]
    if status in SUCCESS and gaps is not None and local:
        warnings.append(local_search_warning(local))
    return Result(
        status=status,
        leader_objective=objective,
        reported_objective=reported_objective,
        violation=violation,
        leader=leader,
        followers=followers,
        duals=evaluator.kkt.duals(reported_multipliers(evaluator, eq.z, pi)),
        history=history,
        message=message,
        info=info,
        warnings=warnings,
        certificate=certificate,
    )
