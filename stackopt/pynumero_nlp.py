"""PyNumero's NLP of a Pyomo model, refused with an exception where PyNumero would end the process.

PyNumero's ASL reader calls ``exit(1)`` on a model with discrete Vars ("PyNumero does not support
discrete variables"): the Python process, a Jupyter kernel with it, ends without a traceback. Every
PyNumero NLP of the package is made here, after a look at the model's unfixed Vars, so that such a
model is a :class:`stackopt.ModelError` naming the Var (a status of the solve) instead. The methods
refuse discrete leaders themselves (:mod:`stackopt.discrete_leader`); this is the last line, for
any path that would reach PyNumero with one.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet
from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP
from pyomo.core.expr.visitor import identify_variables

from stackopt.errors import ModelError


def pynumero_nlp(model: pyo.Block, inline_expressions: bool = False) -> PyomoNLP:
    """``PyomoNLP(model)``, or a ModelError naming an unfixed discrete Var that an active
    constraint or objective of ``model`` uses (the NLP's columns: a Var no active function uses,
    such as an exact strategy's binaries while its polishing solves the tightened NLP, or one the
    user declared and left unused, is none). The functions are read only where a discrete Var
    exists at all."""
    discrete = ComponentSet(
        v
        for v in model.component_data_objects(pyo.Var, descend_into=True)
        if not v.fixed and not v.is_continuous()
    )
    if discrete:
        for kind in (pyo.Objective, pyo.Constraint):
            for item in model.component_data_objects(kind, active=True, descend_into=True):
                for v in identify_variables(item.expr, include_fixed=False):
                    if v in discrete:
                        raise ModelError(
                            f"Var {v.name} is {v.domain.name}: PyNumero (the NLP interface of "
                            f"Ipopt and of the KKT evaluator) takes continuous Vars only "
                            f"({item.name} uses it)"
                        )
    if inline_expressions:  # the named Expressions written out in each row, no defined variables
        return PyomoNLP(model, nl_file_options={"export_defined_variables": False})
    return PyomoNLP(model)
