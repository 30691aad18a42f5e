"""``stackopt.classify``: what kind of critical point a joint point is (Fiez, Chasnov, Ratliff 2020).

At x = (x1, x2), with costs in minimization form and H_eta = D2^2 f2 + eta I (eta >= 0 the
regularization of the paper's regularized Stackelberg dynamics; eta = 0 is the plain one),

- the game Jacobian J = [[D1^2 f1, D12 f1], [D21 f2, D2^2 f2]] (Eq. 2) governs simultaneous
  gradient play;
- the Stackelberg Jacobian J_S = [[D(Df1)], [D21 f2, D2^2 f2]] (Eq. 5) governs the Stackelberg
  dynamics, Df1 = D1 f1 - D21 f2^T w the leader's total derivative with H_eta^T w = D2 f1. Its
  first block row is exact: differentiating Df1 with w held by its equation,

      D(Df1) = [D11 f1, D12 f1] - T_1 - D21 f2^T H_eta^{-T} ([D21 f1, D22 f1] - T_2),

  with T = D^2 (w . D2 f2) the followers' third derivatives contracted with w (one compiled
  Hessian of the KKT system's stationarity rows weighted by w), T_1, T_2 its x1 and x2 rows;
- the Schur complement S = D1(Df1) - D2(Df1) H_eta^{-1} D21 f2 is the leader's total Hessian
  D^2 f1 at a critical point.

x is a differential Nash equilibrium (Def. 1) when D1 f1 = 0, D2 f2 = 0, D1^2 f1 > 0 and each
follower's own Hessian is > 0; a differential Stackelberg equilibrium (Def. 2) when Df1 = 0,
D2 f2 = 0, S > 0 and each follower's own regularized Hessian is > 0. It is stable for simultaneous
gradient play when spec(J), for the Stackelberg dynamics when spec(J_S), and for two-timescale
learning (gamma1 = o(gamma2)) when spec(H_eta) and spec(S) lie in the open right half-plane.
"Zero" is |g| <= tol for gradients, and "> 0" is an eigenvalue (real part) above
eig_tol * max(1, the matrix's largest |eigenvalue|).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

from stackopt.errors import OptionError
from stackopt.game import StackelbergGame

EIGEN_SOLVERS = ("dense", "arpack")
#: H_eta is singular when its reciprocal condition number is below this
SINGULAR_RCOND = 1e-12


@dataclass
class Classification:
    """The verdict at one point, with the matrices and their extreme (real parts of) eigenvalues."""

    is_dne: bool
    is_dse: bool
    stable: dict[str, bool]
    gradients: dict[str, np.ndarray]
    matrices: dict[str, np.ndarray] = field(repr=False)
    eigenvalues: dict[str, tuple[float, float]]
    #: why a test could not be made (a singular follower Hessian), "" otherwise
    message: str = ""

    @property
    def kind(self) -> str:
        """ "both", "DNE", "DSE" or "neither"."""
        return {(True, True): "both", (True, False): "DNE", (False, True): "DSE"}.get(
            (self.is_dne, self.is_dse), "neither"
        )


def _extremes(m: np.ndarray, eigen: str) -> tuple[float, float]:
    """(min, max) real part of the eigenvalues of m (ARPACK needs at least 3 rows)."""
    if not np.isfinite(m).all():
        return (np.nan, np.nan)
    if eigen == "arpack" and len(m) >= 3:
        import scipy.sparse.linalg as spla  # scipy loads on first use, not with stackopt

        lo = spla.eigs(m, k=1, which="SR", return_eigenvectors=False)
        hi = spla.eigs(m, k=1, which="LR", return_eigenvectors=False)
        return float(lo.real[0]), float(hi.real[0])
    w = np.linalg.eigvals(m).real
    return float(w.min()), float(w.max())


def classify(
    game: StackelbergGame,
    point: dict[str, float],
    tol: float = 1e-5,
    eig_tol: float = 1e-9,
    eta: float = 0.0,
    eigen: str = "dense",
) -> Classification:
    """Classify the joint ``point`` (Var name -> value for every leader and follower Var).

    Raises ValueError when the model's derivatives cannot be evaluated at the point.
    """
    if eigen not in EIGEN_SOLVERS:
        raise OptionError(f"eigen must be one of {EIGEN_SOLVERS}, got {eigen!r}")
    for name, value in (("tol", tol), ("eig_tol", eig_tol), ("eta", eta)):
        if not value >= 0:
            raise OptionError(f"{name} must be >= 0, got {value}")
    from stackopt.backends.dynamics.derivatives import GameDerivatives  # loads scipy: on first use

    d = GameDerivatives(game, followers="best_response")
    x = d.point(point)
    try:
        b = d.blocks(x)
    except PyNumeroEvaluationError as exc:
        raise ValueError(
            f"the game's derivatives cannot be evaluated at the point ({exc}): a function is not "
            "differentiable there (e.g. u**c with fractional c at u = 0); classify a point inside "
            "the functions' domain"
        ) from exc
    n1, n2 = d.n1, d.n2
    h_eta = b.j22 + eta * np.eye(n2)
    message = ""
    if n2 and 1.0 / np.linalg.cond(h_eta) < SINGULAR_RCOND:
        message = (
            "the followers' Hessian D2^2 f2 + eta I is singular at the point (eta = "
            f"{eta:g}): the total derivative is undefined; pass eta > 0 for the regularized "
            "conditions"
        )
        nan = np.full((n1, n1 + n2), np.nan)
        df1, top, schur = np.full(n1, np.nan), nan, nan[:, :n1]
    else:
        w = np.linalg.solve(h_eta.T, b.d2f1)
        df1 = b.d1f1 - b.j21.T @ w
        third = d.follower_third(x, w)
        leader_rows = np.hstack([b.h11, b.h12])
        follower_rows = np.hstack([b.h12.T, b.h22])
        top = (
            leader_rows
            - third[:n1]
            - b.j21.T @ np.linalg.solve(h_eta.T, follower_rows - third[n1:])
        )
        schur = top[:, :n1] - top[:, n1:] @ np.linalg.solve(h_eta, b.j21)
    jac = np.block([[b.h11, b.h12], [b.j21, b.j22]])
    jac_s = np.vstack([top, np.hstack([b.j21, b.j22])])
    matrices = {
        "J": jac,
        "J_S": jac_s,
        "schur": schur,
        "D1^2 f1": b.h11,
        "D2^2 f2": h_eta,
        **{f"follower {s}:{t}": b.j22[s:t, s:t] for s, t in d.follower_slices},
    }
    sym = {"schur", "D1^2 f1"} | {k for k in matrices if k.startswith("follower")}
    eig = {k: _extremes((m + m.T) / 2 if k in sym else m, eigen) for k, m in matrices.items()}

    def positive(key: str, shift: float = 0.0) -> bool:
        lo, hi = eig[key]
        return bool(lo + shift > eig_tol * max(1.0, abs(lo), abs(hi)))

    followers = [k for k in matrices if k.startswith("follower")]
    small = lambda v: float(np.max(np.abs(v), initial=0.0)) <= tol  # noqa: E731
    is_dne = small(b.d1f1) and small(b.d2f2) and positive("D1^2 f1")
    is_dne = is_dne and all(positive(k) for k in followers)
    is_dse = not message and small(df1) and small(b.d2f2) and positive("schur")
    is_dse = is_dse and all(positive(k, eta) for k in followers)
    stable = {
        "simgd": positive("J"),
        "stackelberg": not message and positive("J_S"),
        "two-timescale": not message and positive("D2^2 f2") and positive("schur"),
    }
    grads = {"D1 f1": b.d1f1, "Df1": df1, "D2 f2": b.d2f2}
    return Classification(is_dne, is_dse, stable, grads, matrices, eig, message)
