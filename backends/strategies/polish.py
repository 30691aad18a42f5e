"""Polishing a relaxation's point: the tightened NLP (TNLP) of the MPEC at a guessed active set.

At a point with the index sets I_lam = {lam_j = 0 < s_j}, I_s = {s_j = 0 < lam_j} and the biactive
I_0 = {lam_j = 0 = s_j}, the tightened NLP (Scheel and Scholtes 2000, Eq. 2.3) is

    min F  s.t. the MPEC's other constraints,  lam_j = 0 (j in I_lam u I_0),  s_j = 0 (I_s u I_0),
                lam_j >= 0 (j in I_s),  s_j >= 0 (j in I_lam):

a regular NLP whose points are feasible for the MPEC. With the MPEC multipliers sigma (of
lam_j >= 0 and s_j >= 0, in the Lagrangian F - sigma_lam lam - sigma_s s + ...) the point is
S-stationary when sigma_lam, sigma_s >= 0 on I_0, M-stationary when each pair of I_0 has both
> 0 or one 0, C-stationary when sigma_lam sigma_s >= 0 (Flegel and Kanzow 2005), and weakly
stationary otherwise; a negative sigma on I_0 says that releasing that side decreases F, and the
next TNLP releases it.

The TNLP is compiled once per problem (:class:`~stackopt.backends.compiled_nlp.CompiledNLP`),
or is the strategy's own NLP where that one is the MPEC at a neutral parameter value (the
penalty's at rho = 0: :class:`NeutralForm`); a guess is a set of bounds: lam_j fixed by its
variable bounds, s_j by its variable's bounds (a follower's variable bound, or an auxiliary
s_j = -g_j) or its row's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap, ComponentSet
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.core.expr.visitor import identify_variables

from stackopt.backends.mpec_problem import MPECProblem, linear_in_one_var

#: a pair with lam_j and s_j both at most this is guessed biactive (a relaxation leaves such a
#: pair near the root of its parameter): both sides are fixed, and the multipliers tell which
#: one to release
BIACTIVE_GUESS = 1e-3
#: TNLP solves at most (the first guess, then releases of sides with negative multipliers)
MAX_TNLP_SOLVES = 3
#: Ipopt iterations of one TNLP solve at most: from a right guess it converges in a few dozen
MAX_TNLP_ITER = 200
#: Ipopt's ``mu_init`` for a solve that starts near its solution (the TNLP at a relaxation's
#: point, a penalty's warm-started solve at the next rho): Ipopt's default 0.1 first pulls such a
#: start back towards the analytic centre
NEAR_SOLUTION_MU = 1e-6
#: Ipopt starts the TNLP at the relaxation's point, near its solution: a small barrier and bound
#: push keep it there (on the collection's problems without integer Vars: 186 TNLP iterations
#: under Scholtes, against 341 with Ipopt's defaults)
TNLP_START = {"mu_init": NEAR_SOLUTION_MU, "bound_push": 1e-8, "bound_frac": 1e-8}
#: a multiplier below -SIGN_TOL * max(1, max |sigma|) is negative
SIGN_TOL = 1e-6


@dataclass
class Polished:
    """The outcome of polishing: whether the TNLP point replaced the relaxation's, its leader
    objective, the sides fixed per pair (``"lam"``, ``"slack"`` or ``"both"``), the MPEC
    multipliers per pair name (minimization form of the leader objective) and the stationarity
    type they give (S, M, C or W; None when not accepted)."""

    accepted: bool
    objective: float | None = None
    sides: dict[str, str] = field(default_factory=dict)
    multipliers: dict[str, dict[str, float]] = field(default_factory=dict)
    stationarity: str | None = None
    solves: int = 0
    iterations: int = 0
    message: str = ""

    def info(self) -> dict[str, Any]:
        """The entries of ``Result.info``: ``polish`` (a summary) and, when accepted,
        ``mpec_multipliers``."""
        out: dict[str, Any] = {
            "polish": {
                "accepted": self.accepted,
                "objective": self.objective,
                "stationarity": self.stationarity,
                "tnlp_solves": self.solves,
                "message": self.message,
            }
        }
        if self.accepted:
            out["polish"]["sides"] = self.sides
            out["mpec_multipliers"] = self.multipliers
        return out


@dataclass(frozen=True)
class NeutralForm:
    """How a strategy's own NLP is the MPEC without its complementarity pairs: at ``parameter`` =
    ``value`` its components vanish (a penalty's rho = 0), its objective is the leader's in
    minimization form, and pair j's s_j is c_j (v_j - r_j) for ``slacks[j]`` = (v_j, c_j, r_j,
    d_j), with s_j >= 0 as v_j's bound: a follower's variable (d_j None), or an auxiliary Var
    s_j = -g_j (c_j = 1, r_j = 0) stated by the row d_j. Every lam_j and v_j is a column of
    that NLP."""

    parameter: VarData
    value: float
    slacks: list[tuple[VarData, float, float, ConstraintData | None]]


class TightenedNLP:
    """The MPEC of ``problem`` without its strategy's components: the leader's objective in
    minimization form, and s_j >= 0 per pair. :meth:`solve` fixes sides by bounds.

    Where the strategy's NLP has a :class:`NeutralForm` (``problem.neutral``, the penalty's), the
    TNLP is that NLP, compiled already (``problem.compiled``), at the neutral parameter value.
    Otherwise it is compiled once, with s_j >= 0 as the bound of its variable where s_j = c (v - r)
    is one (a follower's variable bound: a row as well would duplicate the bound and split its
    multiplier), as a row otherwise."""

    def __init__(self, problem: MPECProblem):
        obj = problem.leader_objective
        self.sign = 1.0 if obj.sense == pyo.minimize else -1.0
        #: the strategy's parameter and the value it is held at in the TNLP (None: compiled apart)
        self.held: tuple[VarData, float] | None = None
        #: pair j -> (column of v, c, r) where s_j = c (v - r)
        self.by_bound: dict[int, tuple[int, float, float]] = {}
        #: pair j -> (row, the bound at s_j = 0, +1 or -1)
        self.by_row: dict[int, tuple[int, float, float]] = {}
        #: pair j -> the row stating its auxiliary s_j = -g_j (a neutral form's)
        self.defining: dict[int, int] = {}
        #: columns held at 0 (a lam_j in no row of a neutral form)
        self.zero_cols = np.zeros(0, dtype=int)
        #: lam_j that are no column of a compiled TNLP, set to 0 before each solve
        self.absent: list[VarData] = []
        #: pair j -> (v, r) where s_j = c (v - r) and v is no column of a compiled TNLP (its
        #: coefficients are all 0, which the NL writer leaves out): v is set to r where s_j is
        #: fixed, and sigma_s_j is 0
        self.loose: dict[int, tuple[VarData, float]] = {}
        if problem.neutral is not None and problem.compiled is not None:
            self._neutral(problem, problem.neutral)
        else:
            self._compile(problem)
        nlp = self.compiled.nlp
        self.glb, self.gub = nlp.constraints_lb(), nlp.constraints_ub()
        #: pair j -> the row of the follower's (or shared) constraint that states s_j >= 0 once
        #: more, as the MPEC's primal feasibility: its multiplier is a share of sigma_s_j
        self.restated = {}
        row_of = ComponentMap((con, k) for k, con in enumerate(nlp.get_pyomo_constraints()))
        for j, row in enumerate(problem.kkt.inequalities):
            source = (
                None if row.constraint is None else problem.model.find_component(row.constraint)
            )
            if source is not None and source in row_of:
                self.restated[j] = row_of[source]

    def _neutral(self, problem: MPECProblem, form: NeutralForm) -> None:
        """The strategy's compiled NLP at ``form``'s neutral value."""
        # imported here: it loads scipy, which `import stackopt` (that names the strategies)
        # must not pay for
        from stackopt.asl_functions import jacobian_structure

        self.compiled = compiled = problem.compiled
        assert compiled is not None  # checked by the caller
        self.held = (form.parameter, form.value)
        columns = ComponentMap((v, k) for k, v in enumerate(compiled.vars))
        self.lam_cols = np.array([columns[p.lam] for p in problem.pairs], dtype=int)
        self.by_bound = {j: (columns[v], c, r) for j, (v, c, r, _) in enumerate(form.slacks)}
        definitions = [(j, d) for j, (*_, d) in enumerate(form.slacks) if d is not None]
        rows = compiled.nlp.get_constraint_indices([d for _, d in definitions])
        self.defining = {j: row for (j, _), row in zip(definitions, rows)}
        # lam_j in no row (its coefficients all evaluate to 0) is held at 0, as a compiled TNLP
        # leaves it out at 0: free, with no gradient at rho = 0, the barrier would push it up
        in_rows = np.zeros(len(compiled.vars), dtype=bool)
        in_rows[jacobian_structure(compiled.nlp).col] = True
        self.zero_cols = self.lam_cols[~in_rows[self.lam_cols]]

    def _compile(self, problem: MPECProblem) -> None:
        """Its own NLP: the model with the strategy's block off and the leader's objective in
        minimization form."""
        # imported here, as in strategies.base.solve_once: PyNumero's interface loads scipy
        from stackopt.backends.compiled_nlp import CompiledNLP

        model, pairs, obj = problem.model, problem.pairs, problem.leader_objective
        strategy_active, obj_active = problem.block.active, obj.active
        problem.block.deactivate()
        obj.deactivate()
        model.stackopt_tnlp = b = pyo.Block()
        b.objective = pyo.Objective(expr=self.sign * obj.expr)
        try:
            # a Var in no active row or objective is no column of the NLP: its pair is a row
            present = ComponentSet(identify_variables(obj.expr))
            for con in model.component_data_objects(pyo.Constraint, active=True):
                present.update(identify_variables(con.body))
            bounds = {j: _as_bound(p.slack, present) for j, p in enumerate(pairs)}
            in_rows = [j for j, bound in bounds.items() if bound is None]
            b.side = pyo.Constraint(in_rows, rule=lambda _, j: pairs[j].slack >= 0)
            self.compiled = CompiledNLP(model)
        finally:
            b.deactivate()
            if strategy_active:
                problem.block.activate()
            if obj_active:
                obj.activate()
        nlp = self.compiled.nlp
        columns = ComponentMap((v, k) for k, v in enumerate(self.compiled.vars))
        #: pair j -> the column of lam_j; -1 where lam_j is no column: its coefficients all
        #: evaluate to 0 (a mutable Param or a fixed Var at 0), it enters no row, and any
        #: lam_j >= 0 holds; 0 keeps the pair complementary
        self.lam_cols = np.array([columns.get(p.lam, -1) for p in pairs], dtype=int)
        self.absent = [p.lam for p, col in zip(pairs, self.lam_cols) if col < 0]
        for j, bound in bounds.items():
            if bound is not None and bound[0] in columns:
                self.by_bound[j] = (columns[bound[0]], bound[1], bound[2])
            elif bound is not None:
                self.loose[j] = (bound[0], bound[2])
        rows = nlp.get_constraint_indices([b.side[j] for j in in_rows])
        glb, gub = nlp.constraints_lb(), nlp.constraints_ub()
        # the NL writer moves a row's constants into its bounds (and may write s >= 0 as
        # -s <= 0): s_j = 0 is the row at its finite bound; +1 marks a lower bound
        self.by_row = {
            j: (row, glb[row], 1.0) if np.isfinite(glb[row]) else (row, gub[row], -1.0)
            for j, row in zip(in_rows, rows)
        }

    def solve(self, sides: list[str], options: dict, deadline: float | None):
        """Solve with pair j's ``sides[j]`` ("lam", "slack" or "both") fixed at 0, from the
        model's values and cold multipliers (the strategy's parameter, where the TNLP is the
        strategy's NLP, at its neutral value: it stays there with the point)."""
        c = self.compiled
        lb, ub, glb, gub = c.lb.copy(), c.ub.copy(), self.glb.copy(), self.gub.copy()
        for lam in self.absent:
            lam.set_value(0.0)
        lb[self.zero_cols] = ub[self.zero_cols] = 0.0
        if self.held is not None:  # the compiled NLP holds its parameter at the Var's value
            parameter, value = self.held
            parameter.set_value(value, skip_validation=True)
        for j, side in enumerate(sides):
            if side in ("lam", "both") and self.lam_cols[j] >= 0:
                lb[self.lam_cols[j]] = ub[self.lam_cols[j]] = 0.0
            fixed = side in ("slack", "both")
            if j in self.by_bound:
                col, coef, root = self.by_bound[j]
                if fixed or coef > 0:
                    lb[col] = root if fixed else max(lb[col], root)
                if fixed or coef < 0:
                    ub[col] = root if fixed else min(ub[col], root)
            elif j in self.loose:
                if fixed:
                    v, root = self.loose[j]
                    v.set_value(root, skip_validation=True)
            elif fixed:
                row, bound, _ = self.by_row[j]
                glb[row] = gub[row] = bound
        c.forget_duals()
        return c.solve(options, deadline, (lb, ub, glb, gub))

    def multipliers(self) -> tuple[np.ndarray, np.ndarray]:
        """(sigma_lam, sigma_s) at the last solve's point, from the Lagrangian's gradient
        grad F + J^T y (Ipopt's Lagrangian is F + y^T c), which is z_L - z_U on every column,
        fixed ones included: sigma_lam_j is its lam column; sigma_s_j its v column / c for
        s_j = c (v - r), or -y of row j (+y for a row written as -s_j <= bound). Where the
        follower's constraint states s_j >= 0 again (row k, ``restated``: J_k = beta grad s_j),
        Ipopt splits the multiplier between the two copies, and sigma_s_j takes k's share,
        max(0, -beta y_k): an inequality's multiplier has one sign, and its share belongs to the
        side it holds (the other side of a ranged row gets none)."""
        c = self.compiled
        nlp = c.nlp
        y = c.duals[0]
        nlp.set_primals(np.array([v.value for v in c.vars], dtype=float))
        nlp.set_duals(y)
        nlp.evaluate_constraints()  # first: see stackopt.asl_functions.ASLFunctions.jacobian
        jacobian = nlp.evaluate_jacobian().tocsr()
        residual = nlp.evaluate_grad_objective() + jacobian.T @ y
        sigma_s = np.zeros(len(self.lam_cols))
        for j, (col, coef, _) in self.by_bound.items():
            sigma_s[j] = residual[col] / coef
        for j, (row, _, sign) in self.by_row.items():
            sigma_s[j] = -sign * y[row]
        for j, k in self.restated.items():
            grad_s = self._slack_gradient(j, jacobian)
            norm = float(grad_s @ grad_s)
            beta = float(jacobian[k].toarray().ravel() @ grad_s) / norm if norm else 0.0
            sigma_s[j] += max(0.0, -beta * y[k])
        sigma_lam = np.where(self.lam_cols >= 0, residual[self.lam_cols], 0.0)
        return sigma_lam, sigma_s

    def _slack_gradient(self, j: int, jacobian) -> np.ndarray:
        """The gradient of s_j over the NLP's columns: c e_v for s_j = c (v - r) (0 where v is
        no column); the row's
        gradient, signed, for s_j >= 0 as a row; -(J_d - a e_s) / a for an auxiliary s_j stated
        by the row d, a s_j + b(x) = 0 (so s_j = -b(x) / a in the other columns)."""
        if j in self.by_row:
            row, _, sign = self.by_row[j]
            return sign * jacobian[row].toarray().ravel()
        if j in self.loose:
            return np.zeros(jacobian.shape[1])
        col, coef, _ = self.by_bound[j]
        if j not in self.defining:
            grad = np.zeros(jacobian.shape[1])
            grad[col] = coef
            return grad
        row = jacobian[self.defining[j]].toarray().ravel()
        a = row[col]
        row[col] = 0.0
        return -row / a


def _as_bound(slack, present: ComponentSet) -> tuple | None:
    """(v, c, r) when ``slack`` is c (v - r) for one Var v in ``present``, else None."""
    single = linear_in_one_var(slack)
    return single if single is not None and single[0] in present else None


def guess_sides(problem: MPECProblem) -> list[str]:
    """Each pair's active side at the current point: "both" when lam_j and s_j are both within
    ``BIACTIVE_GUESS`` of 0, else the smaller one."""
    sides = []
    for p in problem.pairs:
        lam, slack = float(pyo.value(p.lam)), float(pyo.value(p.slack))
        if max(lam, slack) <= BIACTIVE_GUESS:
            sides.append("both")
        else:
            sides.append("lam" if lam <= slack else "slack")
    return sides


def stationarity_type(
    sigma_lam: np.ndarray, sigma_s: np.ndarray, biactive: np.ndarray
) -> tuple[str, np.ndarray, np.ndarray]:
    """The type (S, M, C or W) of the MPEC multipliers on the ``biactive`` pairs (module
    docstring), and the masks of the biactive pairs whose lam or s multiplier is negative."""
    scale = max(1.0, float(np.abs(np.r_[sigma_lam, sigma_s]).max(initial=0.0)))
    tol = SIGN_TOL * scale
    a, s = sigma_lam[biactive], sigma_s[biactive]
    neg_lam = np.zeros_like(biactive)
    neg_s = np.zeros_like(biactive)
    neg_lam[biactive] = a < -tol
    neg_s[biactive] = s < -tol
    if (a >= -tol).all() and (s >= -tol).all():
        kind = "S"
    elif ((a > tol) & (s > tol) | (np.abs(a) <= tol) | (np.abs(s) <= tol)).all():
        kind = "M"
    elif (a * s >= -(tol**2)).all():
        kind = "C"
    else:
        kind = "W"
    return kind, neg_lam, neg_s


def polish(
    problem: MPECProblem,
    options: dict,
    deadline: float | None,
    incumbent: float | None,
) -> Polished:
    """Polish the model's current point (a relaxation's last or best iterate, an exact solver's
    point): TNLP at the guessed sides, then sides with a negative multiplier released, up to
    ``MAX_TNLP_SOLVES`` solves. The best solved TNLP point is loaded into the model when it is no
    worse than ``incumbent`` (the point's complementary objective in minimization form, None when
    it has none), up to ten times the point's complementarity gap; otherwise the model's values
    are left as they were."""
    if not problem.pairs:
        return Polished(False, message="no complementarity pairs")
    if problem.tightened is None:
        problem.tightened = TightenedNLP(problem)
    tnlp = problem.tightened
    every_var = list(problem.model.component_data_objects(pyo.Var))
    start = [v.value for v in every_var]
    names = [p.name for p in problem.pairs]
    sides = guess_sides(problem)
    # the incumbent misses complementarity by its gap, and its objective is that much (times a
    # multiplier) better than a complementary neighbour's: "no worse" up to ten times the gap
    slack = max(1e-6, 10 * problem.complementarity_gap())
    best: tuple[float, list, Polished] | None = None
    solves, iterations, message = 0, 0, ""
    opts = {**options, **TNLP_START}
    opts["max_iter"] = min(int(options.get("max_iter", MAX_TNLP_ITER)), MAX_TNLP_ITER)
    while solves < MAX_TNLP_SOLVES:
        run = tnlp.solve(sides, opts, deadline)
        solves += 1
        iterations += run.iterations
        if run.status != "optimal":
            message = f"TNLP {run.status}: {run.message}"
            break
        value = tnlp.sign * float(pyo.value(problem.leader_objective.expr))
        sigma_lam, sigma_s = tnlp.multipliers()
        biactive = np.array([s == "both" for s in sides])
        kind, neg_lam, neg_s = stationarity_type(sigma_lam, sigma_s, biactive)
        if best is None or value < best[0] - 1e-9 * max(1.0, abs(best[0])):
            found = Polished(
                True,
                tnlp.sign * value,
                dict(zip(names, sides)),
                {
                    n: {"lam": float(a), "slack": float(s)}
                    for n, a, s in zip(names, sigma_lam, sigma_s)
                },
                kind,
            )
            best = (value, [v.value for v in every_var], found)
        if kind == "S":
            break
        # release the side whose multiplier is negative (the more negative one when both are)
        release_lam = neg_lam & (~neg_s | (sigma_lam <= sigma_s))
        sides = [
            ("slack" if release_lam[j] else "lam") if neg_lam[j] or neg_s[j] else side
            for j, side in enumerate(sides)
        ]
    accept = best is not None and (
        incumbent is None or best[0] <= incumbent + slack * max(1.0, abs(incumbent))
    )
    if best is None or not accept:
        for v, value in zip(every_var, start):
            v.set_value(value, skip_validation=True)
        if best is not None:
            message = f"TNLP objective {best[2].objective:.8g} worse than the relaxation's"
        return Polished(False, solves=solves, iterations=iterations, message=message)
    _, values, found = best
    for v, value in zip(every_var, values):
        v.set_value(value, skip_validation=True)
    found.solves, found.iterations, found.message = solves, iterations, message
    return found
