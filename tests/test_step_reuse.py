"""What one leader step reuses: lazy KKT derivatives, one LU per evaluation, J_pi products without
J_pi, the leader constraints' vector-Jacobian product, and Newton's predictor-corrector continuation
(with the gradient method's looser target along its path)."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

import stackopt as so
from stackopt import kkt_evaluator
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.backends.sensitivity import Sensitivity
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.models import qre_subsidy

#: Algorithm 1 as the paper runs it
PAPER = {"lr": 0.01, "optimizer": "adam", "line_search": False}


@pytest.fixture(scope="module")
def setting():
    """A small QRE subsidy game (a leader budget constraint on the equilibrium) at an equilibrium."""
    ev = KKTEvaluator(qre_subsidy(n=2, actions=3, budget=1.0, seed=0))
    pi = np.random.default_rng(1).uniform(0, 1, ev.n_pi)
    z0, _ = ev.values_of({v.name: v.value for v in ev.kkt.primal} | dict(zip(ev.leader_names, pi)))
    eq = NewtonOracle(ev)(pi, z0)
    assert eq.converged and eq.residual <= 1e-10
    return ev, pi, eq.z


def test_a_lazy_jacobian_is_read_at_its_own_point(setting):
    ev, pi, z = setting
    early = ev.evaluate(z, pi)
    ev.evaluate(z + 0.1, pi + 0.1)  # moves the compiled NLP elsewhere before early's Jacobians
    fresh = ev.evaluate(z, pi)
    fresh_jz, fresh_jpi = fresh.jac_z.toarray(), fresh.jac_pi.toarray()
    assert np.array_equal(early.jac_z.toarray(), fresh_jz)
    assert np.array_equal(early.jac_pi.toarray(), fresh_jpi)
    with pytest.raises(ValueError):
        _ = ev.evaluate(z, pi, derivatives=False).jac_z


def test_one_factorization_is_shared_and_solves_like_superlu(setting, factorization):
    ev, pi, z = setting
    at = ev.evaluate(z, pi)
    assert not at.factorized
    assert isinstance(at.lu.lu, kkt_evaluator._SparseLU) == (factorization == "sparse")
    sens = Sensitivity(at)
    assert at.factorized and sens._lu is at.lu and at.nonsingular
    rhs = np.random.default_rng(1).normal(size=ev.n_z)
    reference = spla.splu(at.jac_z.tocsc())
    for trans in ("N", "T"):
        assert at.lu.solve(rhs, trans=trans) == pytest.approx(
            reference.solve(rhs, trans=trans), rel=1e-10, abs=1e-12
        )


def test_jac_pi_products_and_leader_vjp_match_the_matrices_and_differences(setting):
    ev, pi, z = setting
    at = ev.evaluate(z, pi)
    rng = np.random.default_rng(2)
    v, w = rng.normal(size=ev.n_pi), rng.normal(size=ev.n_z)
    assert at.jac_pi_dot(v) == pytest.approx(at.jac_pi @ v, abs=1e-12)
    assert at.jac_pi_t_dot(w) == pytest.approx(at.jac_pi.T @ w, abs=1e-12)
    with pytest.raises(ValueError, match=f"expected a vector of length {ev.n_pi}"):
        at.jac_pi_dot(np.ones(ev.n_pi + 1))  # the sparse kernels would read past its end
    before = at.jac_pi_dot(v)
    at.jac_pi.data[:] = 0.0  # the matrix handed out owns its entries: the products do not change
    assert np.array_equal(at.jac_pi_dot(v), before)
    # d/dt of 0.7 c + weights . (constraint bodies) along (dz, dpi), by central differences
    weights = rng.normal(size=len(ev.leader_lb))
    dz, dpi = rng.normal(size=ev.n_z), rng.normal(size=ev.n_pi)
    gz, gpi = at.leader_vjp(0.7, weights)
    h = 1e-6
    ends = [ev.evaluate(z + t * dz, pi + t * dpi, derivatives=False) for t in (h, -h)]
    up, down = (0.7 * e.leader_cost + weights @ e.constraint_values for e in ends)
    assert gz @ dz + gpi @ dpi == pytest.approx((up - down) / (2 * h), rel=1e-6)


@pytest.fixture
def made(setting, monkeypatch):
    """The evaluations the evaluator makes while a test runs, in order."""
    ev, made, evaluate = setting[0], [], setting[0].evaluate

    def recorded(*args, **kwargs):
        made.append(evaluate(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(ev, "evaluate", recorded)
    return made


def test_newton_continues_a_path_to_the_same_equilibria_without_refactorizing(
    setting, factorization, made
):
    ev, pi, z = setting
    warm, cold = NewtonOracle(ev), NewtonOracle(ev)
    eq = warm(pi, z)
    step = 0.02 * np.random.default_rng(3).normal(size=ev.n_pi)
    for k in range(1, 6):
        Sensitivity(eq.evaluation)  # the gradient method factorizes J_z at each equilibrium
        p = np.clip(pi + k * step, 0.0, None)
        made.clear()
        reference = cold(p, eq.z)
        assert sum(e.factorized for e in made) >= 1  # Newton steps
        made.clear()
        eq = warm(p, eq.z)
        assert sum(e.factorized for e in made) == 0  # predictor and chord steps only
        assert eq.converged and eq.residual <= 1e-10
        assert eq.z == pytest.approx(reference.z, abs=1e-9)


def test_a_path_target_stops_at_the_predictor_once_it_is_accurate_enough(setting, made):
    ev, pi, z = setting
    loose = NewtonOracle(ev, path_target=1e-6)
    eq = loose(pi, z)
    assert eq.residual <= 1e-10  # not continuing a path: the default target
    step = 1e-4 * np.random.default_rng(4).normal(size=ev.n_pi)  # predictor residuals ~ 1e-7
    for k in range(1, 6):
        Sensitivity(eq.evaluation)
        p = np.clip(pi + k * step, 0.0, None)
        made.clear()
        eq = loose(p, eq.z)
        # the predictor alone: one evaluation, no chord step, no factorization
        assert len(made) == 1 and eq.evaluation is made[0] and not made[0].factorized
        assert eq.converged and eq.iterations == 0 and 1e-10 < eq.residual <= 1e-6
        exact = NewtonOracle(ev)(p, eq.z)
        assert exact.residual <= 1e-10
        assert eq.z == pytest.approx(exact.z, abs=1e-6)


def test_the_gradient_method_follows_the_path_to_its_own_tolerance():
    game = qre_subsidy(n=2, actions=3, budget=1.0, seed=0)
    for tol in (1e-6, 1e-12):
        res = so.solve(game, method="gradient", max_iter=20, tol=tol, **PAPER)
        residuals = [h["residual"] for h in res.history]
        assert max(residuals) <= tol  # every step's equilibrium meets the method's tolerance
        # and at 1e-6 predictors are accepted unpolished, instead of being iterated to 1e-10
        assert (max(residuals[1:]) > 1e-10) == (tol > 1e-10)


def test_oracle_options_can_ask_the_gradient_method_to_polish_every_equilibrium():
    game = qre_subsidy(n=2, actions=3, budget=1.0, seed=0)
    opts = {"oracle_options": {"path_target": None}}
    res = so.solve(game, method="gradient", max_iter=20, tol=1e-6, **PAPER, **opts)
    assert max(h["residual"] for h in res.history) <= 1e-10
