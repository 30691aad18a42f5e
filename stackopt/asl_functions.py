"""The functions of a compiled PyNumero NLP, called straight into its AMPL Solver Library interface.

PyNumero's ``AmplNLP`` evaluates g(x) and the entries of dg/dx through the C
functions of its ``pynumero_ASL`` library, with per-call checks (argument types, sizes, a cache
and a copy into ``out``) that cost about 13 us a call. The gradient method evaluates a few of these
functions per leader step on systems of ~100 rows, where that overhead is a sixth of the step.
This module calls the same C functions, on the same ASL object the NLP built, with the argument
checks done once: the primals live in one buffer owned here, and each function fills a buffer
owned here.

The values are exactly PyNumero's: constraint bodies minus PyNumero's right-hand side (the bound of
an equality; 0 for an inequality), so that ``constraints()`` equals ``nlp.evaluate_constraints()``
(tested). This relies on two attributes PyNumero keeps private (``AmplNLP._asl`` and
``AmplInterface._obj``); a Pyomo release that renames them fails here loudly, at construction.
"""

from __future__ import annotations

import ctypes

import numpy as np
import scipy.sparse as sp
from pyomo.contrib.pynumero.asl import AmplInterface
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError
from pyomo.contrib.pynumero.interfaces.ampl_nlp import AmplNLP

_POINTER, _INT = ctypes.c_void_p, ctypes.c_int
_SIGNATURES = {  # (ASL object, arrays and their sizes) -> success
    "eval_g": [_POINTER, _POINTER, _INT, _POINTER, _INT],
    "eval_jac_g": [_POINTER, _POINTER, _INT, _POINTER, _INT],
}
_library: ctypes.CDLL | None = None
#: how far :func:`inside` moves a Var from its bound, relative to max(1, |bound|)
INSIDE = 1e-12


def inside(x: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """``x`` with its entries at a bound of an open box (lb < ub) moved ``INSIDE`` it (``x``
    itself when none is): where the derivatives are taken.

    The ASL cannot differentiate some functions at the bound that limits their domain (u^c at u = 0
    for 0 < c < 2 other than 1: it forms the second derivatives with the first, and
    c (c - 1) u^(c - 2) is infinite there); its error there is not always clean (a Hessian asked
    afterwards at another point can end the process). Taken just inside, the derivatives are the
    one-sided ones, finite however steep (1.5 u^0.5 has slope 7.5e5 there), and they differ from
    those at the bound by INSIDE times the second derivatives where these are finite. At an active
    bound neither a Newton step nor an implicit derivative moves along that column; at a weakly
    active one the steep column says how little it may.
    """
    open_box = lb < ub
    low, high = open_box & (x == lb), open_box & (x == ub)
    if not (low.any() or high.any()):
        return x
    moved = x.copy()
    moved[low] = lb[low] + INSIDE * np.maximum(1.0, np.abs(lb[low]))
    moved[high] = ub[high] - INSIDE * np.maximum(1.0, np.abs(ub[high]))
    return moved


def _functions() -> ctypes.CDLL:
    """PyNumero's ASL library, opened once more with plain-pointer signatures of our own (the
    function objects of PyNumero's handle keep their checked signatures)."""
    global _library
    if _library is None:
        if not AmplInterface.available():
            raise RuntimeError("Cannot load the PyNumero ASL interface (pynumero_ASL)")
        lib = ctypes.CDLL(AmplInterface.libname)
        for name, argtypes in _SIGNATURES.items():
            function = getattr(lib, f"EXTERNAL_AmplInterface_{name}")
            function.argtypes, function.restype = argtypes, ctypes.c_bool
        _library = lib
    return _library


class ASLFunctions:
    """g - rhs and the entries of dg/dx of ``nlp`` at the primals in ``self.x`` (stackopt's NLPs
    carry every function it reads as a constraint row: the leader's cost is one).

    Write the point into ``x`` (in the NLP's variable order), then call. Each call returns a buffer
    that the next call of the same function overwrites (``jacobian`` may call ``constraints``);
    copy what must outlive it.
    """

    def __init__(self, nlp: AmplNLP):
        try:
            handle = nlp._asl._obj
            rhs = nlp._con_full_rhs
        except AttributeError as exc:  # a Pyomo release with another PyNumero layout
            raise RuntimeError(
                f"this Pyomo's PyNumero has no {exc.name!r}; stackopt's direct ASL calls need "
                "a Pyomo release whose AmplNLP keeps _asl and _con_full_rhs"
            ) from exc
        self._nlp = nlp  # owns the ASL object, which it frees when collected
        self.x = nlp.get_primals().astype(float)
        self._rhs = np.array(rhs, dtype=float)
        n, m, nnz = nlp.n_primals(), nlp.n_constraints(), nlp.nnz_jacobian()
        self._g, self._jac = np.empty(m), np.empty(nnz)
        self._evaluated_at: np.ndarray | None = None  # the x at which g was last evaluated
        self._jacobian_at: np.ndarray | None = None  # the x of the Jacobian in the buffer
        x, lib = self.x.ctypes.data, _functions()
        arguments = {  # each function's arguments, fixed once
            "eval_g": (handle, x, n, self._g.ctypes.data, m),
            "eval_jac_g": (handle, x, n, self._jac.ctypes.data, nnz),
        }
        self._calls = {
            name: (getattr(lib, f"EXTERNAL_AmplInterface_{name}"), args)
            for name, args in arguments.items()
        }

    def _call(self, name: str) -> None:
        function, args = self._calls[name]
        if not function(*args):
            raise PyNumeroEvaluationError(f"Error in AMPL evaluation ({name})")

    def constraints(self) -> np.ndarray:
        """g(x) - rhs, what ``nlp.evaluate_constraints()`` returns."""
        self._evaluated_at = None
        self._call("eval_g")
        self._evaluated_at = self.x.copy()
        self._g -= self._rhs
        return self._g

    def jacobian(self) -> np.ndarray:
        """The entries of dg/dx, in the order of ``nlp.evaluate_jacobian()``'s COO entries.

        g is evaluated first when it was not at this x: asked for dg/dx at a new x, the ASL
        evaluates g itself without its error return, and an error there (u^c at u = 0, whose
        derivative it forms as c u^c / u) ends the process; after g, the same error is returned.
        """
        if self._jacobian_at is not None and np.array_equal(self._jacobian_at, self.x):
            return self._jac  # already at this x (the KKT Hessian asks for it first, too)
        if self._evaluated_at is None or not np.array_equal(self._evaluated_at, self.x):
            self.constraints()
        self._jacobian_at = None
        self._call("eval_jac_g")
        self._jacobian_at = self.x.copy()
        return self._jac


def jacobian_structure(nlp: AmplNLP) -> sp.coo_matrix:
    """dg/dx's sparsity pattern as a COO matrix of zeros, its entries in the order of
    ``nlp.evaluate_jacobian()``'s, read from the ASL's structure without evaluating anything: at a
    point where a function is undefined (y^2 / (x + 1) at x = -1, a model's start) an evaluation
    fails. Uses PyNumero's private ``_irows_jac_full`` and ``_jcols_jac_full``."""
    rows, cols = nlp._irows_jac_full, nlp._jcols_jac_full
    shape = (nlp.n_constraints(), nlp.n_primals())
    return sp.coo_matrix((np.zeros(len(rows)), (rows, cols)), shape=shape)
