"""``stackopt.sensitivity(game, result)``: total derivatives at a returned point, by name.

At the result's leader decision pi the followers' equilibrium z*(pi) = (x, lam, nu) is recomputed
(:func:`stackopt.backends.evaluation.recompute_equilibrium`), and the implicit function theorem on
the joint KKT system F(z, pi) = 0 (Wang et al. 2022, Eq. 5; :mod:`stackopt.backends.sensitivity`)
gives

    dz*/dpi = -J_z^{-1} J_pi,     d phi(z*(pi), pi)/dpi = d phi/dpi + d phi/dz dz*/dpi

for the leader's objective (in the model's own sense), each leader constraint body and each follower
constraint's shadow price (:meth:`stackopt.kkt.KKTSystem.price_terms`, linear in z). Mutable
Params count as parameters too: on a clone of the game each is replaced by a Var at its value,
which joins pi. The implicit function theorem needs strict complementarity and J_z nonsingular,
or singular along the followers' multipliers alone (dependent active constraints: the decisions'
derivative is still unique, :mod:`stackopt.backends.sensitivity`; a map that reads such
multipliers has none, and the prices of those constraints are left out with a warning). At a
degenerate equilibrium (a non-isolated one, a kink of z*(pi) where the dependent active
constraints part with pi, or a follower constraint weakly active: lam_j = 0 = g_j)
:class:`DegenerateEquilibrium` is raised instead of a one-sided number.

Followers written in cvxpy (:mod:`stackopt.cvxpy_follower`) have no KKT system in Pyomo: their
equilibrium x*(pi) is recomputed by best responses and dx*/dpi = (I - B_x)^{-1} B_pi comes from
cvxpy's differentiation of each best response (:mod:`stackopt.backends.cvxpy_equilibrium`); the
same three maps follow, and ``prices`` is empty (cvxpy differentiates primal solutions only). It is
degenerate where I - B_x is singular or a priced follower constraint is weakly active.

Example::

    res = so.solve(g, method="mpec")
    s = so.sensitivity(g, res)
    s.objective["q0"]              # d(leader objective)/d q0, total (through the equilibrium)
    s.constraints["budget"]["q0"]  # d(budget body)/d q0
    s.equilibrium["F.q"]["q0"]     # d(F.q at equilibrium)/d q0
    s.prices["F.cap"]["q0"]        # d(shadow price of F.cap)/d q0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.calculus.derivatives import Modes, differentiate
from pyomo.core.expr.visitor import identify_mutable_parameters, replace_expressions

from stackopt.backends.cvxpy_equilibrium import CvxpyEquilibrium, leader_cost
from stackopt.backends.evaluation import EQUILIBRIUM_TOL, recompute_equilibrium
from stackopt.backends.sensitivity import Sensitivity
from stackopt.backends.start_points import current_value
from stackopt.errors import ModelError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import Result
from stackopt.solution_loading import set_point
from stackopt.solve import check_game_and_result
from stackopt.structure import GameStructure, analyze

PARAM_VARS = "stackopt_param_vars"


class DegenerateEquilibrium(RuntimeError):
    """The equilibrium is not differentiable at the point (module docstring)."""


@dataclass
class LeaderSensitivity:
    """Total derivatives at one point; each map is {leader Var or mutable Param name: value}, with
    {index: value} for an indexed one (as ``Result.leader``).

    ``objective``: of the leader's objective, in the model's own sense; ``constraints[c]``: of the
    body of leader constraint c; ``equilibrium[v]``: of follower Var v (full name, e.g. "F[1].q")
    at the equilibrium; ``prices[c]``: of follower constraint c's shadow price (``Result.duals``),
    where that price is unique.
    """

    objective: dict[str, Any]
    constraints: dict[str, dict[str, Any]]
    equilibrium: dict[str, dict[str, Any]]
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _params_as_vars(model: pyo.Block) -> list:
    """Replace each mutable Param of ``model`` by a Var of the same value on the top-level
    component ``PARAM_VARS`` (so that it becomes a leader decision); the Params, in order."""
    params = [
        p
        for p in model.component_data_objects(pyo.Param, descend_into=True)
        if p.parent_component().mutable
    ]
    if not params:
        return []
    for v in model.component_data_objects(pyo.Var, descend_into=True):
        for bound in (v.lower, v.upper):
            if bound is not None and list(identify_mutable_parameters(bound)):
                raise ModelError(
                    f"the bounds of Var {v.name} use a mutable Param: stackopt.sensitivity "
                    "differentiates with respect to Params in objectives and constraints only; "
                    "write the bound as a constraint"
                )
    model.add_component(PARAM_VARS, pyo.Var(range(len(params))))
    pv = model.component(PARAM_VARS)
    sub = {}
    for k, p in enumerate(params):
        pv[k].set_value(pyo.value(p))
        sub[id(p)] = pv[k]
    for e in model.component_data_objects(pyo.Expression, descend_into=True):
        e.set_value(replace_expressions(e.expr, sub, remove_named_expressions=False))
    for o in model.component_data_objects(pyo.Objective, descend_into=True):
        o.set_value(replace_expressions(o.expr, sub, remove_named_expressions=False))
    for c in model.component_data_objects(pyo.Constraint, descend_into=True):
        c.set_value(replace_expressions(c.expr, sub, remove_named_expressions=False))
    return params


def _by_name(names: list, values: np.ndarray) -> dict[str, Any]:
    """{name: value}, or {name: {index: value}} for the entries of an indexed component; ``names``
    are (component name, index or None) pairs."""
    out: dict[str, Any] = {}
    for (name, index), value in zip(names, values):
        if index is None:
            out[name] = float(value)
        else:
            out.setdefault(name, {})[index] = float(value)
    return out


def _key(component_data) -> tuple[str, Any]:
    comp = component_data.parent_component()
    return comp.name, (component_data.index() if comp.is_indexed() else None)


def _names(leader_vars: list, params: list) -> list[tuple[str, Any]]:
    """The (name, index) of each leader Var, the Param's for a Var that stands for one."""
    return [
        _key(params[v.index()]) if v.parent_component().name == PARAM_VARS else _key(v)
        for v in leader_vars
    ]


def sensitivity(game: StackelbergGame, result: Result) -> LeaderSensitivity:
    """Total derivatives at ``result``'s point (module docstring).

    Raises ValueError for a Result without a point, :class:`DegenerateEquilibrium` where the
    equilibrium is not differentiable, :class:`stackopt.ModelError` for a game that is no
    StackelbergGame (a Bayesian or Markov game) or a Result of a method for one, ``TypeError``
    for a ``result`` that is no Result.
    """
    check_game_and_result("so.sensitivity", "differentiates", game, result)
    if result.leader_objective is None or not result.followers:
        raise ValueError(
            f"the Result (status {result.status!r}) has no point evaluated at an equilibrium"
        )
    model = game.clone()
    set_point(model, result)
    params = _params_as_vars(model)
    structure = analyze(model)
    if any(part.cvxpy is not None for part in structure.followers):
        return _cvxpy_sensitivity(structure, _names(structure.leader_vars, params))
    evaluator = KKTEvaluator(model)
    current = {v.name: v.value for v in model.component_data_objects(pyo.Var, descend_into=True)}
    z0, pi = evaluator.values_of(current)
    eq = recompute_equilibrium(model, evaluator, pi, z0)
    if not eq.converged:
        raise DegenerateEquilibrium(
            f"no follower equilibrium could be recomputed at the result's point: {eq.message}"
        )
    ev = evaluator.evaluate(eq.z, pi)
    if len(ev.weakly_active):
        rows = [evaluator.kkt.inequalities[j].name for j in ev.weakly_active]
        raise DegenerateEquilibrium(
            f"follower constraint(s) {rows} are weakly active (multiplier 0 and constraint "
            "binding): the equilibrium has a kink here and no derivative"
        )
    sens = Sensitivity(ev)
    if sens.degenerate:
        raise DegenerateEquilibrium(f"{sens.why}: the implicit function theorem does not apply")
    names = _names(evaluator.leader_vars, params)
    sign = evaluator.leader_sign
    functions = {"the leader's objective": (ev.leader_cost_grad_z, ev.leader_cost_grad_pi)}
    for i, c in enumerate(evaluator.kkt.structure.constraints):
        weights = np.zeros(len(ev.constraint_values))
        weights[i] = 1.0
        functions[f"leader constraint {c.name}"] = ev.leader_vjp(0.0, weights)
    for what, (grad_z, _) in functions.items():
        if not sens.unique(grad_z):
            raise DegenerateEquilibrium(
                f"{what} reads follower multipliers that are not unique at this equilibrium "
                "(dependent active constraints): its derivative is not defined"
            )
    totals = [sens.adjoint(*partials) for partials in functions.values()]
    constraints = {
        c.name: _by_name(names, total)
        for c, total in zip(evaluator.kkt.structure.constraints, totals[1:])
    }
    jacobian = sens.forward()
    equilibrium = {v.name: _by_name(names, jacobian[r]) for r, v in enumerate(evaluator.kkt.primal)}
    prices, ambiguous = {}, []
    for c, terms in evaluator.kkt.price_terms().items():
        reads = np.zeros(len(ev.z))
        for k, coef in terms:
            reads[k] += coef
        if sens.unique(reads):
            prices[c] = _by_name(names, reads @ jacobian)
        else:
            ambiguous.append(c)
    warnings = list(sens.warnings)
    if ambiguous:
        warnings.append(
            f"the shadow prices of {ambiguous} are not unique at this equilibrium (dependent "
            "active constraints): their derivatives are left out of prices"
        )
    return LeaderSensitivity(
        _by_name(names, sign * totals[0]), constraints, equilibrium, prices, warnings
    )


def _cvxpy_sensitivity(structure: GameStructure, names: list) -> LeaderSensitivity:
    """:func:`sensitivity` for cvxpy followers (module docstring), at the point set on the Vars
    of ``structure``'s game."""
    pi = np.array([float(v.value) for v in structure.leader_vars])
    x0 = np.array([current_value(v) for v in structure.follower_vars])
    equilibrium = CvxpyEquilibrium(structure, EQUILIBRIUM_TOL)
    try:
        x = equilibrium.solve(pi, x0)
        prices = equilibrium.prices(pi, x, grad=True)
    except RuntimeError as exc:
        raise DegenerateEquilibrium(
            f"no follower equilibrium could be recomputed at the result's point: {exc}"
        ) from exc
    weak = [n for n, (y, s) in prices.items() if max(abs(y), abs(s)) <= EQUILIBRIUM_TOL]
    if weak:
        raise DegenerateEquilibrium(
            f"follower constraint(s) {weak} are weakly active (multiplier 0 and constraint "
            "binding): the equilibrium has a kink here and no derivative"
        )
    try:
        jacobian = equilibrium.jacobian(pi, x)
    except np.linalg.LinAlgError as exc:
        raise DegenerateEquilibrium(
            "I - B_x, the followers' best responses to each other, is singular at this "
            "equilibrium (it is not isolated): the implicit function theorem does not apply"
        ) from exc
    _, g_pi, g_x = leader_cost(structure, pi, x)
    objective = structure.leader_sign * (g_pi + g_x @ jacobian)
    wrt = structure.leader_vars + structure.follower_vars
    constraints = {}
    for c in structure.constraints:
        grad = np.array(differentiate(c.body, wrt_list=wrt, mode=Modes.reverse_numeric), float)
        total = grad[: len(pi)] + grad[len(pi) :] @ jacobian
        constraints[c.name] = _by_name(names, total)
    equilibrium_maps = {
        v.name: _by_name(names, jacobian[r]) for r, v in enumerate(structure.follower_vars)
    }
    return LeaderSensitivity(
        _by_name(names, objective),
        constraints,
        equilibrium_maps,
        warnings=["cvxpy followers: the derivatives of their prices are not computed"],
    )
