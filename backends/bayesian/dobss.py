"""Exact solution by a DOBSS-style MILP (Paruchuri et al. 2008), compiled with Pyomo, solved by HiGHS.

Binary q[i, k, a] picks follower i's action at type k; s[i, k] is its best payoff:
    0 <= s[i, k] - sum_l x_l v_i(l, a, k) <= (1 - q[i, k, a]) M[i, k]
For each type profile theta in the support of D, z[theta, l, a] = x_l * 1[a = W(theta)] linearly:
    sum_a z[theta, l, a] = x_l,   sum_l sum_{a : a_i = b} z[theta, l, a] = q[i, theta_i, b].
Objective: max sum_theta D(theta) sum_{l, a} z[theta, l, a] u(l, a) = U(x, D) at the chosen W.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.opt import TerminationCondition

from stackopt.backends.bayesian.outcome import require_game, strategy_result
from stackopt.backends.progress_log import StartLog
from stackopt.backends.solver_interrupt import interruptible
from stackopt.backends.solvers import SOLVER_CALL
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import SolverUnavailableError
from stackopt.result import Result


def build_model(game: BayesianStackelbergGame) -> pyo.ConcreteModel:
    """The DOBSS-style MILP of the game as a Pyomo model (leader strategy in ``m.x``)."""
    n, L, A, K = game.shape
    v, u = game.response_utility, game.leader_utility
    support = [t for t in itertools.product(range(K), repeat=n) if game.joint[t] > 0]
    joint_actions = list(itertools.product(range(A), repeat=n))
    big_m = (v.max(axis=2) - v.min(axis=2)).max(axis=1)  # M[i, k], shape (n, K)

    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(L), bounds=(0, 1))
    m.q = pyo.Var(range(n), range(K), range(A), domain=pyo.Binary)
    m.s = pyo.Var(range(n), range(K))
    m.z = pyo.Var(range(len(support)), range(L), joint_actions, bounds=(0, 1))
    m.simplex = pyo.Constraint(expr=sum(m.x[l] for l in range(L)) == 1)
    m.one_action = pyo.Constraint(
        range(n), range(K), rule=lambda m, i, k: sum(m.q[i, k, a] for a in range(A)) == 1
    )

    def payoff(m, i, k, a):
        return sum(float(v[i, l, a, k]) * m.x[l] for l in range(L))

    m.best = pyo.Constraint(
        range(n), range(K), range(A), rule=lambda m, i, k, a: m.s[i, k] >= payoff(m, i, k, a)
    )
    m.chosen = pyo.Constraint(
        range(n),
        range(K),
        range(A),
        rule=lambda m, i, k, a: (
            m.s[i, k] - payoff(m, i, k, a) <= (1 - m.q[i, k, a]) * float(big_m[i, k])
        ),
    )
    m.mass = pyo.Constraint(
        range(len(support)),
        range(L),
        rule=lambda m, t, l: sum(m.z[t, l, a] for a in joint_actions) == m.x[l],
    )
    m.follow = pyo.Constraint(
        range(len(support)),
        range(n),
        range(A),
        rule=lambda m, t, i, b: (
            sum(m.z[t, l, a] for l in range(L) for a in joint_actions if a[i] == b)
            == m.q[i, support[t][i], b]
        ),
    )
    m.value = pyo.Objective(
        expr=sum(
            float(game.joint[theta]) * float(u[(l,) + a]) * m.z[t, l, a]
            for t, theta in enumerate(support)
            for l in range(L)
            for a in joint_actions
        ),
        sense=pyo.maximize,
    )
    return m


def run(game: Any, time_limit: float | None = None) -> Result:
    """Build the MILP, solve it with ``appsi_highs`` (relative gap 1e-9), return x honestly.

    Parameters
    ----------
    time_limit : float or None
        HiGHS's time limit in seconds.

    Notes
    -----
    The MILP is the run's one start on ``stackopt.bayes-milp``: its line as it ends, with HiGHS's
    branch-and-bound nodes (:mod:`stackopt.backends.progress_log`; HiGHS's own log is Pyomo's, on
    ``pyomo.contrib.appsi.solvers.highs``).
    """
    progress = StartLog("bayes-milp", kind="the DOBSS MILP, HiGHS", unit="HiGHS node")
    result, nodes = _solve(game, time_limit)
    progress.end(result.status, result.reported_objective, nodes)
    return result


def _solve(game: Any, time_limit: float | None) -> tuple[Result, int]:
    """The Result of :func:`run` and HiGHS's branch-and-bound nodes."""
    game = require_game(game, "bayes-milp")
    solver = pyo.SolverFactory("appsi_highs")
    if not solver.available(exception_flag=False):
        raise SolverUnavailableError("bayes-milp needs HiGHS (pip install highspy)")
    solver.config.mip_gap = 1e-9
    m = build_model(game)
    # the limit goes to solve(): this interface resets config.time_limit to its timelimit argument
    limit = None if time_limit is None else float(time_limit)

    def stop() -> None:
        """Ctrl-C: HiGHS stops at its next check (it hands back no point then, and solve says
        "interrupted"); before Pyomo has made HiGHS's model, the interrupt is raised at once."""
        highs = getattr(solver, "_solver_model", None)
        if highs is None:
            raise KeyboardInterrupt
        highs.cancelSolve()

    with SOLVER_CALL, interruptible(stop):  # Pyomo's output capture is process-wide
        results = solver.solve(m, load_solutions=False, timelimit=limit)
    condition = results.solver.termination_condition
    nodes = int(solver._solver_model.getInfo().mip_node_count)
    if condition == TerminationCondition.infeasible:
        return Result(status="infeasible", message="HiGHS: MILP infeasible"), nodes
    if len(results.solution) == 0:
        if condition == TerminationCondition.maxTimeLimit:
            stopped = Result(
                status="time_limit", message="HiGHS: time limit before a feasible point"
            )
            return stopped, nodes
        return Result(status="error", message=f"HiGHS: {condition}"), nodes
    m.solutions.load_from(results)
    x = np.array([pyo.value(m.x[l]) for l in range(game.shape[1])])
    status = {
        TerminationCondition.optimal: "optimal",
        TerminationCondition.maxTimeLimit: "time_limit",
    }.get(condition, "feasible")
    result = strategy_result(
        game,
        x,
        status=status,
        reported=float(pyo.value(m.value)),
        info={"termination": str(condition), "bound": results.problem.upper_bound},
        proven_by="HiGHS (the MILP, gap 1e-9)" if status == "optimal" else "",
    )
    return result, nodes
