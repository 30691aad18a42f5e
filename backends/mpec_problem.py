"""The single-level MPEC: the leader's problem with every follower replaced by its KKT conditions.

    min_{pi, x, lam, nu}  F(pi, x)  s.t.  G(pi, x) <= 0 (leader constraints),
                          stationarity, h = 0, and  0 <= lam_j  _|_  s_j = -g_j >= 0.

It lives on a clone of the game. A complementarity strategy (``backends/strategies``) rewrites the
pairs (lam_j, s_j) into something a solver accepts, on the block ``stackopt_strategy``; values are
mapped back to the user's names by :meth:`MPECProblem.values`.

Named Expressions become variables (:mod:`.lifted_expressions`): each named Expression e(v) reads an
auxiliary Var y_e with the defining constraint y_e = e(v), so that each row's Hessian involves its
own few variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.var import VarData
from pyomo.repn import generate_standard_repn

from stackopt.backends.lifted_expressions import evaluate_lifted, lift_named_expressions
from stackopt.backends.start_points import current_value
from stackopt.game import StackelbergGame
from stackopt.kkt_model import KKTModel
from stackopt.pyomo_value import value_or_none


@dataclass(frozen=True)
class Pair:
    """One complementarity pair: ``0 <= lam  _|_  slack >= 0`` (slack = -g, an expression)."""

    name: str
    lam: VarData
    slack: Any


class MPECProblem:
    """The KKT reformulation of ``game`` on a clone, ready for a strategy.

    With ``followers_only`` the leader's objective and constraints are dropped: what remains is the
    followers' equilibrium problem alone, in which the leader's Vars are data that a solve holds at
    their values (by equal bounds, :class:`~stackopt.backends.oracles.ipopt_kkt.IpoptKKTOracle`).
    """

    def __init__(
        self, game: StackelbergGame, followers_only: bool = False, compiled: KKTModel | None = None
    ):
        """``compiled``: the game's KKT system on a model this problem may change (a
        :class:`~stackopt.kkt_model.KKTModel`), where the caller has one; else it is compiled."""
        compiled = compiled or KKTModel.of(game)
        self.model = model = compiled.model
        self.kkt = compiled.kkt
        self.structure = self.kkt.structure
        for part in self.structure.followers:
            part.objective.deactivate()
        if followers_only:
            self.structure.objective.deactivate()
            for c in self.structure.constraints:
                c.deactivate()
        lift_named_expressions(model)
        self.pairs = [
            Pair(q.name, lam, -q.expr) for q, lam in zip(self.kkt.inequalities, self.kkt.lam)
        ]
        model.stackopt_strategy = pyo.Block()
        #: the reformulated NLP compiled for Ipopt on first use (backends/compiled_nlp.py)
        self.compiled = None
        #: the tightened NLP of the polishing step, made on first use (strategies/polish.py)
        self.tightened = None
        #: how the strategy's NLP is the MPEC without its pairs, where it is (the penalty's at
        #: rho = 0: strategies.polish.NeutralForm), set by the strategy's ``apply``; the
        #: polishing then solves that NLP instead of compiling its own
        self.neutral: Any = None
        #: the caller's view of every solve (strategies.base.Watch), set by the MPEC runner
        self.watch: Any = None
        #: auxiliary Vars a strategy defined by an expression (v, e: v = e), set to e at each
        #: new start (:meth:`evaluate_defined`)
        self.defined: list[tuple[VarData, Any]] = []
        #: the solve's wall-clock deadline (a ``time.perf_counter()`` instant, None: none), set
        #: by the MPEC runner for a strategy's ``apply`` (bigm's derivation)
        self.deadline: float | None = None
        #: the Ipopt iterations the current start may still spend (None: no cap), set by the MPEC
        #: runner for a later start of the default (:meth:`.mpec_starts.StartPlan.budget`)
        self.iterations_left: int | None = None
        #: what the strategy derived for this problem in ``apply`` and reads in ``solve`` (bigm's
        #: M values), kept here rather than on the strategy, which callers may share
        self.derived: Any = None
        #: the model's values are a feasible point of the reformulation, handed to a global solver
        #: as its incumbent (set by the MPEC runner for the exact strategies: exact_start.py)
        self.warm_start = False

    @property
    def block(self) -> pyo.Block:
        """Where strategies put their components."""
        return self.model.stackopt_strategy

    @property
    def leader_objective(self):
        return self.structure.objective

    def objective_value(self) -> float | None:
        """The leader's objective at the current values; None where it is undefined (a Var
        without a value, a division by zero or an overflow at a start the solver never left)."""
        return value_or_none(self.structure.objective.expr)

    def is_linear(self) -> bool:
        """True when every part but the complementarity products is linear (an LP/MILP family)."""
        exprs = [self.structure.objective.expr]
        exprs += [c.body for c in self.model.component_data_objects(pyo.Constraint, active=True)]
        exprs += [p.slack for p in self.pairs]
        return all(generate_standard_repn(e, quadratic=False).is_linear() for e in exprs)

    def slack_bounds(self) -> list[tuple[VarData, float, float] | None]:
        """Per pair, (v, c, r) where s_j = c (v - r) and v's own bound already says v >= r
        (c > 0) or v <= r (c < 0), as for a follower's variable bound; None for the others.
        Stated again, that bound would cost Ipopt a variable and a multiplier more per pair, and
        the two copies of an active bound violate LICQ."""
        bounds: list[tuple[VarData, float, float] | None] = []
        for p in self.pairs:
            single = linear_in_one_var(p.slack)
            if single is not None:
                v, coef, root = single
                if (v.lb if coef > 0 else v.ub) != root:
                    single = None
            bounds.append(single)
        return bounds

    def complementarity_gap(self) -> float:
        """max_j min(lam_j, s_j) / max(1, lam_j, s_j) over the pairs: >= 0 up to rounding, 0 at a
        KKT point, and relative to the pair's scale (a pair of size 1e3 is judged as one of 1)."""
        gaps = [0.0]
        for p in self.pairs:
            lam, slack = pyo.value(p.lam), pyo.value(p.slack)
            gaps.append(min(lam, slack) / max(1.0, lam, slack))
        return max(gaps)

    def complementarity_product(self) -> float:
        """max_j lam_j s_j / max(1, lam_j, s_j): what an interior-point solver drives to its
        tolerance (about 1e-8 for Ipopt) at a biactive pair, where min(lam, s) is only its root."""
        products = [0.0]
        for p in self.pairs:
            lam, slack = pyo.value(p.lam), pyo.value(p.slack)
            products.append(max(0.0, lam) * max(0.0, slack) / max(1.0, lam, slack))
        return max(products)

    def complementary(self, tol: float = 1e-6, product_tol: float = 1e-7) -> bool:
        """Whether every pair is complementary: min(lam, s) <= tol or lam * s <= product_tol, both
        relative to the pair's scale. The second is what an interior-point solver reaches: at a
        biactive pair Ipopt's products stall near its tolerance 1e-8 plus the relaxation parameter
        (MacMPEC ralph1 under Scholtes: lam ~ s ~ 1e-4), so ten times that is accepted."""
        return self.complementarity_gap() <= tol or self.complementarity_product() <= product_tol

    def snapshot(self) -> list:
        """Every Var's value (to start the next multistart run from the same point)."""
        return [v.value for v in self.model.component_data_objects(pyo.Var)]

    def restore(self, snapshot: list) -> None:
        for v, value in zip(self.model.component_data_objects(pyo.Var), snapshot):
            v.set_value(value, skip_validation=True)

    def values(self) -> dict[str, float]:
        """Current values of the leader, follower and multiplier Vars, by fully qualified name. A
        leader Var without a value is one no function uses (a solver leaves a Var in no row as it
        was, and it had no start): it has no effect on the game, and is reported at 0 moved into
        its bounds (:func:`~stackopt.backends.start_points.current_value`)."""
        out = {v.name: current_value(v) for v in self.structure.leader_vars}
        for v in self.kkt.z_vars:
            if v.value is not None:
                out[v.name] = float(v.value)
        return out

    def evaluate_defined(self) -> None:
        """Set each lifted expression's Var and each defined auxiliary Var v (v = e) to e at the
        current values, so that a new start satisfies the definitions (where e is undefined, v
        keeps its value)."""
        evaluate_lifted(self.model)
        for v, e in self.defined:
            value = value_or_none(e)
            if value is not None:
                v.set_value(value, skip_validation=True)

    def set_values(self, values: dict[str, float]) -> None:
        """Set Var values by name (a warm start); names not in the model are ignored."""
        for v in self.structure.leader_vars + self.kkt.z_vars:
            if v.name in values and not v.fixed:
                v.set_value(values[v.name], skip_validation=True)


def linear_in_one_var(expr) -> tuple[VarData, float, float] | None:
    """(v, c, r) when ``expr`` is c (v - r) for one Var v and c != 0, else None."""
    repn = generate_standard_repn(expr, quadratic=False)
    if not repn.is_linear() or len(repn.linear_vars) != 1:
        return None
    coef = float(repn.linear_coefs[0])
    if coef == 0:
        return None
    return repn.linear_vars[0], coef, -float(repn.constant) / coef
