"""``stackopt.classify``: what kind of critical point a joint point is (Fiez, Chasnov, Ratliff 2020).

At x = (x1, x2), with costs in minimization form,

- the game Jacobian J = [[D1^2 f1, D12 f1], [D21 f2, D2^2 f2]] (Eq. 2) governs simultaneous
  gradient play;
- the Stackelberg Jacobian J_S = [[D1(Df1), D2(Df1)], [D21 f2, D2^2 f2]] (Eq. 5) governs the
  Stackelberg dynamics, Df1 the leader's total derivative; its first block row is taken by central
  differences of the exact Df1 (the exact one needs third derivatives);
- the Schur complement S = D1(Df1) - D2(Df1) (D2^2 f2)^{-1} D21 f2 is the leader's total Hessian
  D^2 f1 at a critical point.

x is a differential Nash equilibrium (Def. 1) when D1 f1 = 0, D2 f2 = 0, D1^2 f1 > 0 and each
follower's own Hessian is > 0; a differential Stackelberg equilibrium (Def. 2) when Df1 = 0,
D2 f2 = 0, S > 0 and each follower's own Hessian is > 0. It is stable for simultaneous gradient
play when spec(J), for the Stackelberg dynamics when spec(J_S), and for two-timescale learning
(gamma1 = o(gamma2)) when spec(D2^2 f2) and spec(S) lie in the open right half-plane.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stackopt.errors import OptionError
from stackopt.game import StackelbergGame

EIGEN_SOLVERS = ("dense", "arpack")


@dataclass
class Classification:
    """The verdict at one point, with the matrices and their extreme (real parts of) eigenvalues."""

    is_dne: bool
    is_dse: bool
    stable: dict[str, bool]
    gradients: dict[str, np.ndarray]
    matrices: dict[str, np.ndarray] = field(repr=False)
    eigenvalues: dict[str, tuple[float, float]]

    @property
    def kind(self) -> str:
        """ "both", "DNE", "DSE" or "neither"."""
        return {(True, True): "both", (True, False): "DNE", (False, True): "DSE"}.get(
            (self.is_dne, self.is_dse), "neither"
        )


def _extremes(m: np.ndarray, eigen: str) -> tuple[float, float]:
    """(min, max) real part of the eigenvalues of m (ARPACK needs at least 3 rows)."""
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
    eigen: str = "dense",
    fd_step: float = 1e-6,
) -> Classification:
    """Classify the joint ``point`` (Var name -> value for every leader and follower Var)."""
    if eigen not in EIGEN_SOLVERS:
        raise OptionError(f"eigen must be one of {EIGEN_SOLVERS}, got {eigen!r}")
    from stackopt.backends.dynamics.derivatives import GameDerivatives  # loads scipy: on first use
    from stackopt.backends.dynamics.total_derivative import TotalDerivative

    d = GameDerivatives(game)
    x = d.point(point)
    total = TotalDerivative()
    b = d.blocks(x)
    df1 = total(b)
    n1, n = d.n1, d.n1 + d.n2
    top = np.empty((n1, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = fd_step
        top[:, i] = (total(d.blocks(x + e)) - total(d.blocks(x - e))) / (2 * fd_step)
    jac = np.block([[b.h11, b.h12], [b.j21, b.j22]])
    jac_s = np.vstack([top, np.hstack([b.j21, b.j22])])
    schur = top[:, :n1] - top[:, n1:] @ np.linalg.solve(b.j22, b.j21)
    matrices = {
        "J": jac,
        "J_S": jac_s,
        "schur": schur,
        "D1^2 f1": b.h11,
        "D2^2 f2": b.j22,
        **{f"follower {s}:{t}": b.j22[s:t, s:t] for s, t in d.follower_slices},
    }
    sym = {"schur", "D1^2 f1"} | {k for k in matrices if k.startswith("follower")}
    eig = {k: _extremes((m + m.T) / 2 if k in sym else m, eigen) for k, m in matrices.items()}
    followers_min = all(eig[k][0] > 0 for k in matrices if k.startswith("follower"))
    small = lambda v: float(np.max(np.abs(v), initial=0.0)) <= tol  # noqa: E731
    is_dne = small(b.d1f1) and small(b.d2f2) and eig["D1^2 f1"][0] > 0 and followers_min
    is_dse = small(df1) and small(b.d2f2) and eig["schur"][0] > 0 and followers_min
    stable = {
        "simgd": eig["J"][0] > 0,
        "stackelberg": eig["J_S"][0] > 0,
        "two-timescale": eig["D2^2 f2"][0] > 0 and eig["schur"][0] > 0,
    }
    grads = {"D1 f1": b.d1f1, "Df1": df1, "D2 f2": b.d2f2}
    return Classification(is_dne, is_dse, stable, grads, matrices, eig)
