"""``method="markov-nlp"``: the follower's soft-Bellman system as constraints, solved by Ipopt.

The reformulation twin of ``"implicit-pg"``: the leader's policy pi1 is the decision, and the
follower's regularized best response is replaced by its optimality system (Das et al., the
entropy-regularized follower), written smoothly as

    Q2(s, b) = sum_a pi1(a|s) [R2(s, a, b) + gamma sum_s' P(s'|s, a, b) V2(s')],
    pi2(s, b) = exp((Q2(s, b) - V2(s)) / lam),   sum_b pi2(s, b) = 1,

which is V2 = lam log sum_b exp(Q2 / lam) and pi2 = softmax(Q2 / lam). The leader's values satisfy
V1 = r1_pi + gamma P_pi V1 and the objective is max rho . V1. Ipopt (cyipopt) finds a local optimum,
started at a leader policy (the uniform one, ``start``, or random ones: :mod:`.starts`) and the
follower's exact response to it; of several starts the best certified result is kept. The NLP is
built and compiled once, at the first start (a later start sets its values), with the clock read
while it is built (:func:`build_model`, :func:`_compile`). ``time_limit`` is the wall clock of all starts (each Ipopt solve stops at the deadline; no start
begins after it), and ``callback(state)`` is called after each start with its status and value.
Each start logs its line as it ends on ``stackopt.markov-nlp``
(:mod:`stackopt.backends.progress_log`: status, objective, Ipopt's iterations; no heartbeat inside
an Ipopt solve).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from stackopt.backends.compiled_nlp import CompiledNLP
from stackopt.backends.markov.outcome import policy_result, require_game
from stackopt.backends.markov.soft_bellman import soft_best_response
from stackopt.backends.markov.starts import best_run, leader_starts, start_kind
from stackopt.backends.progress_log import StartLog
from stackopt.backends.solvers import IPOPT_NAN_CHECK, require
from stackopt.markov.game import MarkovStackelbergGame
from stackopt.progress import progress_bar
from stackopt.result import Result


def build_model(
    game: MarkovStackelbergGame, pi1: np.ndarray, deadline: float | None = None
) -> pyo.ConcreteModel | None:
    """The Pyomo NLP, initialized at leader policy pi1 and the follower's exact response; None
    when the ``time.perf_counter()`` instant ``deadline`` passes before it is finished (the clock
    is read before each state's rows).

    Its S^2 A1 A2 transition terms, twice (``random_markov_game(80, 8, 8)``: 819,200), are
    written as linear expressions of Python floats: about 1.6 s there (rule by rule, with numpy
    scalars, 4.7 s)."""
    S, A1, A2 = game.shape
    P, R1, R2 = game.P.tolist(), game.R1.tolist(), game.R2.tolist()
    gamma, lam = float(game.gamma), float(game.lam)
    m = pyo.ConcreteModel(name="markov_nlp")
    m.S, m.A1, m.A2 = pyo.RangeSet(0, S - 1), pyo.RangeSet(0, A1 - 1), pyo.RangeSet(0, A2 - 1)
    m.pi1 = pyo.Var(m.S, m.A1, bounds=(0, 1))
    m.pi2 = pyo.Var(m.S, m.A2)
    m.V2 = pyo.Var(m.S)
    m.Q2 = pyo.Var(m.S, m.A2)
    m.V1 = pyo.Var(m.S)
    initialize(m, game, pi1)
    values1, values2 = [m.V1[t] for t in m.S], [m.V2[t] for t in m.S]
    for name in ("leader_simplex", "follower_simplex", "leader_bellman"):
        m.add_component(name, pyo.Constraint(m.S))
    m.soft_q, m.softmax = pyo.Constraint(m.S, m.A2), pyo.Constraint(m.S, m.A2)

    def expected(values: list, s: int, a: int, b: int) -> LinearExpression:
        """sum_t P(t | s, a, b) values[t]."""
        return LinearExpression([p * v for p, v in zip(P[s][a][b], values)])

    for s in range(S):
        if deadline is not None and time.perf_counter() > deadline:
            return None
        pi1_s = [m.pi1[s, a] for a in range(A1)]
        m.leader_simplex[s] = sum(pi1_s) == 1
        for b in range(A2):
            m.soft_q[s, b] = m.Q2[s, b] == sum(
                pi1_s[a] * (R2[s][a][b] + gamma * expected(values2, s, a, b)) for a in range(A1)
            )
            m.softmax[s, b] = m.pi2[s, b] == pyo.exp((m.Q2[s, b] - m.V2[s]) / lam)
        m.follower_simplex[s] = sum(m.pi2[s, b] for b in range(A2)) == 1
        m.leader_bellman[s] = m.V1[s] == sum(
            pi1_s[a] * m.pi2[s, b] * (R1[s][a][b] + gamma * expected(values1, s, a, b))
            for a in range(A1)
            for b in range(A2)
        )
    m.value = pyo.Objective(expr=sum(game.rho[s] * m.V1[s] for s in m.S), sense=pyo.maximize)
    return m


def initialize(m: pyo.ConcreteModel, game: MarkovStackelbergGame, pi1: np.ndarray) -> None:
    """Set the NLP's Vars to leader policy pi1, the follower's exact response pi2 (with its
    values V2 and Q2 = lam log pi2 + V2) and the leader's values V1 under both."""
    S = game.shape[0]
    pi2, V2 = soft_best_response(game, pi1)
    V1 = np.linalg.solve(
        np.eye(S) - game.gamma * np.einsum("sa,sb,sabt->st", pi1, pi2, game.P),
        np.einsum("sa,sb,sab->s", pi1, pi2, game.R1),
    )
    for (s, a), value in np.ndenumerate(pi1):
        m.pi1[s, a].set_value(float(value), skip_validation=True)
    for (s, b), value in np.ndenumerate(pi2):
        m.pi2[s, b].set_value(float(value))
        m.Q2[s, b].set_value(float(game.lam * np.log(value) + V2[s]))
    for s in range(S):
        m.V2[s].set_value(float(V2[s]))
        m.V1[s].set_value(float(V1[s]))


def _compile(
    game: MarkovStackelbergGame,
    pi1: np.ndarray,
    deadline: float | None,
    compiled: list[CompiledNLP],
) -> str:
    """Build the NLP at ``pi1`` and compile it for Ipopt (appended to ``compiled``), or say why
    the time limit stopped that: the build reads the clock before each state, the compile (the
    NL writer) reads none and takes about as long as the build (1.8 s after 1.4 s on
    ``random_markov_game(80, 8, 8)``), so it starts only where at least that much time is left."""
    started = time.perf_counter()
    model = build_model(game, pi1, deadline)
    if model is None:
        return "time limit while the NLP was built: the model was not finished; Ipopt did not run"
    built = time.perf_counter()
    if deadline is not None and deadline - built < built - started:
        return (
            f"time limit: {max(0.0, deadline - built):.2f} s left after the NLP was built in "
            f"{built - started:.2f} s, too little to compile it; Ipopt did not run"
        )
    compiled.append(CompiledNLP(model))
    return ""


#: why Ipopt's "local infeasibility" is a failure here, not a property of the game
NEVER_INFEASIBLE = (
    "a Markov game is never infeasible: the follower's soft best response always exists; a "
    "numerical failure, more likely at a small lam; try multistart or another start"
)

#: ``run`` uses its seed only above these option values
#: (multistart > 1: the random starts after the first);
#: at or below them a run does not depend on the seed, and a study runs it once for all its seeds
SEED_DRAWN_WHEN = {"multistart": 1}


def run(
    game: MarkovStackelbergGame,
    tol: float = 1e-9,
    max_iter: int = 3000,
    start: np.ndarray | None = None,
    seed: int = 0,
    multistart: int = 1,
    time_limit: float | None = None,
    callback: Callable[[dict[str, Any]], bool] | None = None,
    verbose: bool = False,
) -> Result:
    """Solve the single-level NLP with Ipopt from each start; the returned pi1 is re-evaluated
    exactly and the best certified result kept.

    Parameters
    ----------
    tol : float
        Ipopt's convergence tolerance.
    max_iter : int
        Ipopt's iteration limit per start.
    start : array or None
        The leader's first starting policy, shape (S, A1); None is the uniform policy.
    seed : int
        Seed of the random starts after the first.
    multistart : int
        Number of starts; the best certified result is kept.
    time_limit : float or None
        Wall-clock limit in seconds for all starts, building and compiling the NLP included; a
        start cut short has status "time_limit", and where the limit stops the build or the
        compile, the start policy is returned, evaluated.
    callback : callable or None
        ``callback(state) -> bool`` after each start, ``state`` = {"start", "status",
        "objective"}; True skips the remaining starts.
    verbose : bool
        A progress bar over the starts.
    """
    game = require_game(game, "markov-nlp")
    require("ipopt")
    starts = list(leader_starts(game, start, seed, multistart))
    deadline = None if time_limit is None else time.perf_counter() + time_limit

    compiled: list[CompiledNLP] = []  # the NLP, built and compiled at the first start

    def solve_from(k: int, pi1: np.ndarray) -> Result:
        """Start ``k``: one Ipopt solve from leader policy ``pi1``, its line logged as it ends."""
        kind = f"an NLP solve from {start_kind(k, start)}"
        progress = StartLog("markov-nlp", k + 1, len(starts), kind, "ipopt iteration", False)
        if compiled:
            initialize(compiled[0].nlp.pyomo_model(), game, pi1)
            compiled[0].forget_duals()
        else:
            unfinished = _compile(game, pi1, deadline, compiled)
            if unfinished:  # the time limit passed first: the start policy, evaluated
                res = policy_result(
                    game, pi1, status="time_limit", reported=None, message=unfinished
                )
                progress.end(res.status, res.reported_objective, 0)
                return res
        nlp = compiled[0]
        options = {**IPOPT_NAN_CHECK, "tol": tol, "max_iter": max_iter}
        solved = nlp.solve(options, deadline)
        status, message = solved.status, f"ipopt: {solved.message}"
        if status == "time_limit":  # Ipopt's words are its callback's
            message = "ipopt: stopped at the time limit"
        if status == "infeasible":  # Ipopt's local infeasibility: the system always has a point
            status, message = "error", f"{message} ({NEVER_INFEASIBLE})"
        model = nlp.nlp.pyomo_model()
        if not solved.has_solution:
            res = Result(status=status, message=message)
        else:
            policy = np.array([[model.pi1[s, a].value for a in model.A1] for s in model.S])
            res = policy_result(
                game,
                policy,
                status=status if status != "optimal" else "locally_optimal",
                reported=float(pyo.value(model.value)),
                info={"ipopt": solved.message},
                message=message if status != "optimal" else "",
            )
        progress.end(res.status, res.reported_objective, solved.iterations)
        return res

    interrupted: list[str] = []  # what Ctrl-C ended, if it came

    def runs():
        with progress_bar(len(starts), "start", verbose, desc="markov-nlp") as bar:
            for k, pi1 in enumerate(starts):
                try:
                    res = solve_from(k, pi1)
                except KeyboardInterrupt:  # Ctrl-C: the starts finished so far count
                    interrupted.append(f"interrupted (Ctrl-C) during start {k}")
                    return
                bar.update(1)
                state = {"start": k, "status": res.status, "objective": res.leader_objective}
                try:
                    asked = callback is not None and bool(callback(state))
                except KeyboardInterrupt:
                    interrupted.append(f"interrupted (Ctrl-C) after start {k}")
                    asked = True
                late = deadline is not None and time.perf_counter() > deadline
                res.info["stopped"] = asked or late
                yield res

    produced = runs()
    first = next(produced, None)
    if first is None:  # Ctrl-C during the first start: nothing finished
        return Result(status="interrupted", message=interrupted[0])
    result = best_run(itertools.chain([first], produced), lambda r: r.info["stopped"])
    if interrupted:
        result.status = "interrupted"
        result.message = "; ".join(filter(None, [result.message, interrupted[0]]))
    return result
