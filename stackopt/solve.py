"""``stackopt.solve``: one entry point for every method, one honest Result out.

Methods are looked up in :data:`METHODS`, a table from the method name to the ``module:function`` that
runs it. A runner has the signature ``run(game, **options) -> Result``; it is imported only when it is
used, so a method whose optional dependency is missing costs nothing until it is asked for. ``solve``
times the call and turns any exception escaping a runner into an honest ``status="error"`` Result;
model errors (:class:`stackopt.ModelError`), unknown options (``TypeError``, checked against the
runner's signature before it runs), bad option values (:class:`stackopt.errors.OptionError`) and
missing solvers are raised, since they are the caller's to fix before any solver runs. A game
whose high-point relaxation's feasible set is empty has no feasible point
(:mod:`stackopt.backends.infeasibility_proof`): where that relaxation is an LP, HiGHS decides it
before the method runs, and an empty one ends the solve "infeasible" at once; otherwise a method
that ends without a success and without a feasible point ends "infeasible" where a global solver
proves it empty then.
"""

from __future__ import annotations

import importlib
import logging
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from stackopt.blas_threads import one_blas_thread
from stackopt.certificate import FEASIBILITY_TOL, certification
from stackopt.errors import ModelError, OptionError, SolverUnavailableError, explained
from stackopt.game import StackelbergGame
from stackopt.game_fingerprint import fingerprint
from stackopt.messages import then
from stackopt.method_options import check_keywords
from stackopt.option_values import check_values
from stackopt.result import Result
from stackopt.solution_loading import load_solution as load_solution_into
from stackopt.solution_loading import values_kept
from stackopt.solver_output import solver_output
from stackopt.structure import check_data

if TYPE_CHECKING:  # the backends load when a solve needs them
    from stackopt.backends.infeasibility_proof import InfeasibilityProof

METHODS: dict[str, str] = {
    "mpec": "stackopt.backends.mpec:run",
    "value-function": "stackopt.backends.value_function:run",
    "bayes-enumerate": "stackopt.backends.bayesian.enumeration:run",
    "bayes-lp": "stackopt.backends.bayesian.single_lp:run",
    "bayes-milp": "stackopt.backends.bayesian.dobss:run",
    "bayes-vertices": "stackopt.backends.bayesian.vertices:run",
    "bayes-smoothed": "stackopt.backends.bayesian.smoothed:run",
    "bayes-learn": "stackopt.backends.bayesian.simulation:run",
    "initial": "stackopt.backends.initial:run",
    "stackelberg-br": "stackopt.backends.dynamics.stackelberg_br:run",
    "two-timescale": "stackopt.backends.dynamics.two_timescale:run",
    "simgd": "stackopt.backends.dynamics.simgd:run",
    "lola": "stackopt.backends.dynamics.lola:run",
    "gradient": "stackopt.backends.gradient:run",
    "slsqp": "stackopt.backends.blackbox:run_slsqp",
    "trust-constr": "stackopt.backends.blackbox:run_trust_constr",
    "tikhonov-zo": "stackopt.backends.tikhonov:run",
    "implicit-pg": "stackopt.backends.markov.implicit_pg:run",
    "markov-nlp": "stackopt.backends.markov.nlp:run",
}


#: the statuses after which ``solve`` asks whether the game has a feasible point at all
UNDECIDED = ("error", "iteration_limit", "infeasible")


#: the methods of the games that are not Pyomo models, by the game's type (each checks its own)
OTHER_GAMES: dict[str, list[str]] = {
    "BayesianStackelbergGame": sorted(m for m in METHODS if m.startswith("bayes-")),
    "MarkovStackelbergGame": ["implicit-pg", "markov-nlp"],
}


def _check_game(method: str, game: Any) -> None:
    """A :class:`ModelError` where ``method`` solves Pyomo games and ``game`` is no
    StackelbergGame, naming the methods that take a Bayesian or Markov game (the methods of those
    games refuse any other object when they read it)."""
    if isinstance(game, StackelbergGame) or any(method in ms for ms in OTHER_GAMES.values()):
        return
    own = OTHER_GAMES.get(type(game).__name__)
    if own:
        raise ModelError(
            f"method {method!r} needs a stackopt.StackelbergGame; got {type(game).__name__}, "
            f"whose methods are {', '.join(own)}"
        )
    raise ModelError(f"expected a stackopt.StackelbergGame, got {type(game).__name__}")


def _runner(method: str) -> Callable[..., Result]:
    # imported here: stackopt.catalog imports this module
    from stackopt.catalog import check_method_name

    check_method_name(method)
    module_name, func_name = METHODS[method].split(":")
    return getattr(importlib.import_module(module_name), func_name)


def solve(
    game: Any,
    method: str = "mpec",
    load_solution: bool = True,
    certify: bool = True,
    tee: bool = False,
    **options: Any,
) -> Result:
    """Solve ``game`` by ``method`` and return a :class:`Result` evaluated honestly.

    ``options`` are the method's own keywords (see ``stackopt.methods()`` and each method's docs).
    The Result's status is earned by its certificate (:mod:`stackopt.certificate`);
    ``certify=False`` skips the expensive checks (best-response solves, stationarity LPs), and the
    status is then at most "feasible".
    The returned point is loaded into the game's Vars and its follower multipliers into the
    Suffix ``game.dual`` (:mod:`stackopt.solution_loading`) unless ``load_solution=False``; the
    game is otherwise left as it was.
    ``tee=True`` shows the solvers' own output (Ipopt's iterations, HiGHS's log) of every solver
    call made through :func:`stackopt.backends.solvers.run_solver`: the MPEC's NLPs and MILPs,
    the oracles' Ipopt rescues, the Markov NLP (SCIP stays quiet: its log through Pyomo's
    capture can fill the pipe and block). Progress goes to the ``logging`` logger
    ``stackopt.<method>`` at INFO (start; end with status and time).
    BLAS (OpenBLAS, MKL) runs on one thread during the solve (:mod:`stackopt.blas_threads`).
    Raises :class:`ModelError` for a malformed model, ``ValueError`` for an unknown method,
    :class:`stackopt.errors.UnknownOptionError` (a ``TypeError``) for an unknown option, with the
    nearest option names, :class:`OptionError` for a bad option value and
    :class:`SolverUnavailableError` for a solver missing on this machine; every failure of the
    solve itself is returned as a status.
    """
    log = logging.getLogger(f"stackopt.{method}")
    start = time.perf_counter()
    try:  # the method's modules load here: a Ctrl-C while they do interrupts the solve
        run = _runner(method)
    except KeyboardInterrupt:
        interrupted = Result(
            status="interrupted", message="interrupted (Ctrl-C) while the method was loading"
        )
        return _finish(interrupted, game, method, options, start, load_solution, log)
    check_keywords(method, run, options)
    check_values(f"method {method!r}", run, options)
    _check_game(method, game)
    if isinstance(game, StackelbergGame):  # its data, before the proof below reads them
        check_data(game)
    for name, flag in (("certify", certify), ("tee", tee), ("load_solution", load_solution)):
        if not isinstance(flag, bool):
            raise OptionError(f"{name} must be True or False, got {flag!r}")
    log.info("%s: solving %s with %s", method, _name(game), options or "default options")
    try:
        decided = _prove_before(game, options, start, tee)
    except KeyboardInterrupt:
        stopped = Result(
            status="interrupted",
            message="interrupted (Ctrl-C) while proving the game infeasible or not, before the "
            "method ran",
        )
        return _finish(stopped, game, method, options, start, load_solution, log)
    if decided is not None and decided.proven:  # no point to look for: the method does not run
        infeasible = Result(
            status="infeasible", message=decided.message, info={"infeasibility": decided.message}
        )
        return _finish(infeasible, game, method, options, start, load_solution, log)
    try:
        kept = nullcontext() if load_solution else values_kept(game)
        limit = options.get("time_limit")
        with kept, certification(certify, limit), solver_output(tee), one_blas_thread():
            result = run(game, **options)
    except (ModelError, OptionError, SolverUnavailableError):
        raise
    except KeyboardInterrupt:  # a method that keeps a best point returns it as "interrupted"
        result = Result(
            status="interrupted",
            message="interrupted (Ctrl-C) before the method had a point to return",
        )
    except Exception as exc:  # a solver crash is a status, never an escaping exception
        result = Result(
            status="error",
            message=explained(exc),
            info={"traceback": traceback.format_exc()},
        )
    _judge_infeasibility(result, game, options, start, tee, decided)
    return _finish(result, game, method, options, start, load_solution, log)


def _prove_before(
    game: Any, options: dict[str, Any], start: float, tee: bool
) -> InfeasibilityProof | None:
    """Before the method runs, whether the game has a feasible point at all where that is cheap to
    decide (:func:`stackopt.backends.infeasibility_proof.prove_before`: its high-point relaxation
    is an LP), within the solve's time limit; None where it is not, and for a game that is not a
    :class:`StackelbergGame`."""
    if not isinstance(game, StackelbergGame):
        return None
    proof = importlib.import_module("stackopt.backends.infeasibility_proof")
    with solver_output(tee):
        return proof.prove_before(game, _time_left(options, start))


def _judge_infeasibility(
    result: Result,
    game: Any,
    options: dict[str, Any],
    start: float,
    tee: bool,
    decided: InfeasibilityProof | None,
) -> None:
    """Where a method ended without a success and without a feasible point (a status in
    UNDECIDED, and no recomputed equilibrium within the leader's constraints), decide whether the
    game has a feasible point at all: :mod:`stackopt.backends.infeasibility_proof` makes the
    status "infeasible" where a global solver proves the leader's and followers' constraints
    infeasible, within the solve's time limit (``decided``: the proof made before the method ran,
    not made again); a Ctrl-C during the proof makes it "interrupted"."""
    if not isinstance(game, StackelbergGame) or result.status not in UNDECIDED:
        return
    if result.leader_objective is not None and result.violation is not None:
        if result.violation <= FEASIBILITY_TOL:  # the game has a feasible point: the method's
            return
    proof = importlib.import_module("stackopt.backends.infeasibility_proof")
    try:
        with solver_output(tee):
            proof.judge(result, game, _time_left(options, start), decided)
    except KeyboardInterrupt:
        result.status = "interrupted"
        result.message += "; interrupted (Ctrl-C) while proving the game infeasible or not"


def _time_left(options: dict[str, Any], start: float) -> float | None:
    """The seconds left of the solve's time limit since ``start`` (None: no limit)."""
    limit = options.get("time_limit")
    return None if limit is None else limit - (time.perf_counter() - start)


def _finish(
    result: Result,
    game: Any,
    method: str,
    options: dict[str, Any],
    start: float,
    load_solution: bool,
    log: logging.Logger,
) -> Result:
    """The Result as ``solve`` returns it: no success without a certificate, the method and its
    plain options recorded, the wall time since ``start`` (a ``time.perf_counter()`` instant),
    the end logged, the point loaded into the game when asked."""
    if result.success and result.certificate is None:  # the one rule has no exception
        result.message = then(
            result.message,
            f"the method claimed {result.status} without a certificate: no success is granted",
        )
        result.status = "error"
    bound = result.certificate.global_bound if result.certificate is not None else None
    if bound is not None and isinstance(game, StackelbergGame):
        bound.game = fingerprint(game)  # what the bound holds for (so.certify checks it)
    result.method = method
    result.options = {k: v for k, v in options.items() if _is_plain(v)}
    result.wall_time = time.perf_counter() - start
    log.info(
        "%s: %s in %.3f s, leader objective %s, violation %s%s",
        method,
        result.status,
        result.wall_time,
        result.leader_objective,
        result.violation,
        f" ({result.message})" if result.message else "",
    )
    if load_solution:
        load_solution_into(game, result)
    return result


def _name(game: Any) -> str:
    """The game's model name, or its type's; nothing else of the game is read before the runner."""
    return repr(game.name) if isinstance(game, StackelbergGame) else type(game).__name__


def _is_plain(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, tuple, dict))


def certify(game: Any, result: Result) -> Result:
    """Check ``result`` again on ``game``: a fresh Result for its point, with its method's claim,
    earned or lowered by a new certificate (:mod:`stackopt.backends.certification.recheck`); a
    global bound proves ``optimal`` only on the game it was proven on, unchanged. Raises
    :class:`ModelError` for a game that is no StackelbergGame, ``TypeError`` for a ``result``
    that is no Result.
    """
    check_game_and_result("so.certify", "checks", game, result)
    recheck = importlib.import_module("stackopt.backends.certification.recheck")
    return recheck.certify(game, result)


def check_game_and_result(function: str, does: str, game: Any, result: Any) -> None:
    """The arguments of ``function`` (``so.certify``, ``so.sensitivity``), which ``does`` (a verb:
    checks, differentiates) a Result on a StackelbergGame: a :class:`ModelError` for a game of
    another kind, or a Result of a method for one; a ``TypeError`` for a ``result`` that is no
    :class:`Result`."""
    if not isinstance(game, StackelbergGame):
        raise ModelError(
            f"{function} {does} a Result on a stackopt.StackelbergGame; got {type(game).__name__} "
            "(a Bayesian or Markov game's Result carries the certificate of its method)"
        )
    if not isinstance(result, Result):
        raise TypeError(
            f"{function}(game, result): result must be a stackopt.Result (as so.solve returns "
            f"it); got {type(result).__name__}"
        )
    mine = [kind for kind, ms in OTHER_GAMES.items() if result.method in ms]
    if mine:
        raise ModelError(
            f"the Result of method {result.method!r} is for a {mine[0]}, not this StackelbergGame"
        )
