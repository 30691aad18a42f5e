"""A PyNumero NLP of a model's active rows, compiled with its named Expressions lifted and read in
the model's own Vars: what the KKT evaluator evaluates (:mod:`stackopt.kkt_evaluator`).

Left inline, the NL writer passes named Expressions to the ASL as defined variables, and the ASL
gives every row that uses one the Hessian of that whole subexpression. The KKT rows of the
paper-size security game (5 x 100) all read the attacker's normalizer over every target: their
NLP has 76,500 Jacobian and 200,000 Hessian entries, and writing and reading it took 0.18 s. Here
the rows r read each named Expression e_k that they use themselves as a column y_k of its own, and
a second NLP has one row per e_k(v), its nested named Expressions written out
(:func:`_expressions_nlp`): 3,238 + 1,738 Jacobian and 6,284 + 2,214 Hessian entries, 0.08 s with
the maps below. Neither NLP has a defined variable of the ASL, whose derivatives are wrong for a
row that shares a product of Vars with one it reads. The MPEC lifts them too
(:mod:`stackopt.backends.lifted_expressions`).

The callers see the rows r and the model's Vars v alone. At v, y = e(v) (one evaluation of the
second NLP), and by the chain rule

    dr/dv = r_v + r_y e_v,
    d^2 (w . r(v, e(v))) / dv^2 = Z^T H_r Z + sum_k lam_k d^2 e_k / dv^2,   lam = r_y^T w,

with Z = [I; e_v] and H_r the Hessian of w . r in (v, y). The lifting is undone once the NLPs are
compiled: the model is left as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.collections import ComponentMap
from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP
from pyomo.core.expr.numvalue import is_fixed, native_types

from stackopt.asl_functions import ASLFunctions, jacobian_structure
from stackopt.pynumero_nlp import pynumero_nlp

LIFTED_BLOCK = "stackopt_lifted_rows"


def _named_expressions(model: pyo.Block) -> list:
    """The named Expressions (Expression components' data) that ``model``'s active rows and
    objectives read themselves, not only inside another one, each once, that vary (a constant one
    stays inline)."""
    if next(model.component_data_objects(pyo.Expression, descend_into=True), None) is None:
        return []
    seen: dict[int, Any] = {}
    stack = [
        item.expr
        for item in model.component_data_objects(
            (pyo.Constraint, pyo.Objective), active=True, descend_into=True
        )
    ]
    while stack:
        node = stack.pop()
        if node.__class__ in native_types or not node.is_expression_type():
            continue
        if node.is_named_expression_type() and node.ctype is pyo.Expression:
            seen[id(node)] = node
        elif node.is_named_expression_type():
            stack.append(node.expr)
        else:
            stack.extend(node.args)
    return [e for e in seen.values() if not is_fixed(e.expr)]


@contextmanager
def _lifted(model: pyo.Block, named: list) -> Iterator[list]:
    """``model`` with each named Expression of ``named`` a Var y_k of its own; yields those Vars
    and restores the model on leaving."""
    if not named:
        yield []
        return
    block = pyo.Block()
    model.add_component(LIFTED_BLOCK, block)
    definitions = [e.expr for e in named]
    block.y = pyo.Var(range(len(named)))
    try:
        for k, e in enumerate(named):
            e.set_value(block.y[k])
        yield list(block.y.values())
    finally:
        for e, expr in zip(named, definitions):
            e.set_value(expr)
        model.del_component(block)


def _expressions_nlp(named: list) -> tuple[pyo.Block, PyomoNLP]:
    """The NLP whose row k is e_k (on a model of its own, which it returns too), with the nested
    named Expressions written out in each row: as the ASL's defined variables, a row that shares
    a product of Vars with one it reads gets wrong derivatives (p = x y - u with u = x y, which is
    0, has the gradient (y, x) and d^2 p / dx dy = 1)."""
    rows = pyo.ConcreteModel()
    rows.e = pyo.Constraint(range(len(named)), rule=lambda b, k: named[k] == 0)
    rows.o = pyo.Objective(expr=0.0)
    return rows, pynumero_nlp(rows, inline_expressions=True)


class LiftedNLP:
    """The active rows r of ``model`` and their first and second derivatives in its Vars v, on a
    PyNumero NLP with the named Expressions lifted (module docstring).

    Write the point into ``x`` (the Vars in ``variables``' order), then call ``constraints`` or
    ``jacobian``; ``hessian`` is taken at the point of the last ``jacobian``.
    """

    def __init__(self, model: pyo.Block):
        named = _named_expressions(model)
        with _lifted(model, named) as ys:
            nlp = pynumero_nlp(model)
        self.nlp, self._f = nlp, ASLFunctions(nlp)
        own = nlp.get_pyomo_variables()
        col = ComponentMap((v, i) for i, v in enumerate(own))
        # an Expression read only with the coefficient 0 (a mutable Param at 0) is no column: the
        # NL writer drops the term, and nothing reads it
        read = [k for k, v in enumerate(ys) if v in col]
        named = [named[k] for k in read]
        self._y = np.array([col[ys[k]] for k in read], dtype=int)
        self._v = np.setdiff1d(np.arange(nlp.n_primals()), self._y)
        self.variables = [own[i] for i in self._v]
        lb, ub = nlp.primals_lb()[self._v], nlp.primals_ub()[self._v]
        # without lifted Expressions x is the NLP's own buffer, and there is nothing to place
        self.x = self._f.x[self._v].copy() if named else self._f.x
        self._placed: np.ndarray | None = None  # the x both NLPs are at
        self._e: tuple[PyomoNLP, ASLFunctions, np.ndarray, np.ndarray] | None = None
        if named:
            self._e_model, e_nlp = _expressions_nlp(named)
            at = ComponentMap((v, i) for i, v in enumerate(self.variables))
            e_vars = e_nlp.get_pyomo_variables()
            new = [v for v in e_vars if v not in at]  # Vars the rows read through e alone
            for v in new:
                at[v] = len(at)
            self.variables += new
            lb = np.concatenate([lb, [-np.inf if v.lb is None else v.lb for v in new]])
            ub = np.concatenate([ub, [np.inf if v.ub is None else v.ub for v in new]])
            start = ASLFunctions(e_nlp)
            e_col = ComponentMap((v, i) for i, v in enumerate(e_vars))
            self.x = np.concatenate([self.x, start.x[[e_col[v] for v in new]]])
            e_rows = ComponentMap((c, i) for i, c in enumerate(e_nlp.get_pyomo_constraints()))
            order = np.array([e_rows[c] for c in self._e_model.e.values()], dtype=int)
            self._e = (e_nlp, start, np.array([at[v] for v in e_vars], dtype=int), order)
        self.x_lb, self.x_ub = np.asarray(lb, float), np.asarray(ub, float)
        self.rows = nlp.get_pyomo_constraints()
        self.lb, self.ub = nlp.constraints_lb(), nlp.constraints_ub()
        if self._e is not None:
            self._derivative_maps(jacobian_structure(nlp), *self._e)
        else:  # dr/dv is the NLP's Jacobian as it is
            self.structure = jacobian_structure(nlp)

    def _derivative_maps(
        self, jac: sp.coo_matrix, e_nlp: PyomoNLP, _, e_col: np.ndarray, order: np.ndarray
    ) -> None:
        """Precompute how the entries of r's Jacobian in (v, y) and of e_v (``e_nlp``'s, its
        columns at ``e_col`` of v, its rows the named Expressions in ``order``) make dr/dv."""
        n_v = len(self.x)
        v_of = np.full(jac.shape[1], -1)
        v_of[self._v] = np.arange(len(self._v))
        y_of = np.full(jac.shape[1], -1)
        y_of[self._y] = np.arange(len(self._y))
        rv = np.flatnonzero(v_of[jac.col] >= 0)
        ry = np.flatnonzero(y_of[jac.col] >= 0)
        keys = jac.row[rv].astype(np.int64) * n_v + v_of[jac.col[rv]]
        e_jac = jacobian_structure(e_nlp)
        k_of = np.empty(len(order), dtype=int)
        k_of[order] = np.arange(len(order))  # the expressions' NLP's row -> k
        e_k = k_of[e_jac.row]
        by_k = np.argsort(e_k, kind="stable")
        count = np.bincount(e_k, minlength=len(order))
        first = np.cumsum(count) - count
        # each entry (r, y_k) of r's Jacobian meets each entry (k, c) of e_v's
        k = y_of[jac.col[ry]]
        pair_entry = np.repeat(ry, count[k])
        offset = np.arange(len(pair_entry)) - np.repeat(np.cumsum(count[k]) - count[k], count[k])
        pair_e = by_k[np.repeat(first[k], count[k]) + offset]
        keys = np.concatenate(
            [keys, jac.row[pair_entry].astype(np.int64) * n_v + e_col[e_jac.col[pair_e]]]
        )
        self._e_matrix = (e_k, e_col[e_jac.col])  # e_v's entries: (k, v)
        # the output's entries: r_v's in their own order, then the (r, c) only r_y e_v has
        unique, inverse = np.unique(keys, return_inverse=True)
        slot = np.full(len(unique), -1)
        slot[inverse[: len(rv)]] = np.arange(len(rv))
        extra = slot < 0
        slot[extra] = len(rv) + np.arange(int(extra.sum()))
        pair_out = slot[inverse[len(rv) :]]
        out_keys = np.empty(len(unique), dtype=np.int64)
        out_keys[slot] = unique
        self._rv = rv
        self._ry = (ry, jac.row[ry], y_of[jac.col[ry]])
        self._pairs = (pair_entry, pair_e, pair_out)
        # the Hessian's constant parts: v's and y's places in the rows' NLP, e's columns in v
        n_full, n_y = jac.shape[1], len(self._y)
        self._v_place = sp.csr_matrix(
            (np.ones(len(self._v)), (self._v, np.arange(len(self._v)))), shape=(n_full, n_v)
        )
        self._y_place = sp.csr_matrix(
            (np.ones(n_y), (self._y, np.arange(n_y))), shape=(n_full, n_y)
        )
        self._e_place = sp.csr_matrix(
            (np.ones(len(e_col)), (np.arange(len(e_col)), e_col)), shape=(len(e_col), n_v)
        )
        self.structure = sp.coo_matrix(
            (np.zeros(len(out_keys)), (out_keys // max(n_v, 1), out_keys % max(n_v, 1))),
            shape=(jac.shape[0], n_v),
        )

    def n_constraints(self) -> int:
        """The number of the model's rows r."""
        return len(self.lb)

    def _at_x(self) -> None:
        """Put both NLPs at x: y = e(v) by one evaluation of the expressions' NLP."""
        if self._e is None or (self._placed is not None and np.array_equal(self._placed, self.x)):
            return
        self._placed = None
        full = self._f.x
        full[self._v] = self.x[: len(self._v)]
        _, functions, e_col, order = self._e
        functions.x[:] = self.x[e_col]
        full[self._y] = functions.constraints()[order]
        self._placed = self.x.copy()

    def constraints(self) -> np.ndarray:
        """r(v, e(v)) - rhs at x (:meth:`ASLFunctions.constraints`' form), in a buffer that the
        next call overwrites."""
        self._at_x()
        return self._f.constraints()

    def jacobian(self) -> np.ndarray:
        """The entries of dr/dv at x, in ``structure``'s order, in a buffer that the next call
        may overwrite (copy what must outlive it)."""
        self._at_x()
        entries = self._f.jacobian()
        if self._e is None:  # r_v is all of it, in the NLP's order
            return entries
        out = np.zeros(self.structure.nnz)
        out[: len(self._rv)] = entries[self._rv]
        entry, e_entry, target = self._pairs
        if len(entry):
            e_values = self._e[1].jacobian()
            out += np.bincount(target, entries[entry] * e_values[e_entry], minlength=len(out))
        return out

    def hessian(self, duals: np.ndarray) -> np.ndarray:
        """The Hessian of duals . r(v, e(v)) w.r.t. v at the last ``jacobian``'s point, dense."""
        if self._e is None:
            return _hessian(self.nlp, self._f.x, duals).toarray()
        n_v, n_y = len(self.x), len(self._y)
        e_nlp, functions, _, order = self._e
        ry, r_row, r_y = self._ry
        lam = np.bincount(r_y, self._f.jacobian()[ry] * duals[r_row], minlength=n_y)
        e_v = sp.csr_matrix((functions.jacobian(), self._e_matrix), shape=(n_y, n_v))
        z = self._v_place + self._y_place @ e_v
        hessian = (z.T @ _hessian(self.nlp, self._f.x, duals) @ z).toarray()
        e_duals = np.empty(n_y)
        e_duals[order] = lam
        place = self._e_place
        hessian += (place.T @ _hessian(e_nlp, functions.x, e_duals) @ place).toarray()
        return hessian


def _hessian(nlp, x: np.ndarray, duals: np.ndarray) -> sp.csr_matrix:
    """The Hessian of duals . (the NLP's rows) at x (the objective's weight 0)."""
    nlp.set_primals(x)
    nlp.set_duals(duals)
    nlp.set_obj_factor(0.0)
    return nlp.evaluate_hessian_lag().tocsr()
