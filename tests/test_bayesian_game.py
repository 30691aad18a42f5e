"""The Bayesian game model: validation, the type distribution, best responses with ties."""

import numpy as np
import pytest

from stackopt import BayesianStackelbergGame, ModelError
from stackopt.bayesian import leader_value, lower_bound_game
from stackopt.bayesian.best_response import assignment_coefficients, respond, tie_sets


def one_follower(marginals=(0.5, 0.5)):
    """L = 2, one follower with K = 2 types and A = 2 actions.

    Type 0 plays action 1 iff x_1 >= 1/2, type 1 always plays action 0; u(l, a) = a.
    """
    v = np.zeros((1, 2, 2, 2))
    v[0, :, 1, 0] = [-1.0, 1.0]  # payoff of action 1 for type 0: x_1 - x_0
    v[0, :, 0, 1] = 1.0  # type 1: action 0 is dominant
    u = np.array([[0.0, 1.0], [0.0, 1.0]])
    return BayesianStackelbergGame(u, v, marginals=np.array([marginals]))


@pytest.mark.parametrize("shape", [(0, 2, 2, 2), (1, 0, 2, 2), (1, 2, 0, 2), (1, 2, 2, 0)])
def test_an_empty_dimension_is_refused(shape):
    """n = 0 raised an IndexError, A = 0 and L = 0 were accepted (bayes-lp then raised)."""
    with pytest.raises(ModelError, match=r"at least one follower, leader action"):
        BayesianStackelbergGame(np.zeros(shape[1:2]), np.zeros(shape), marginals=np.ones((1, 1)))


def test_shapes_and_distribution_are_checked():
    v = np.zeros((2, 3, 2, 2))
    with pytest.raises(ModelError, match="follower_utility must have shape"):
        BayesianStackelbergGame(np.zeros((3, 2, 2)), np.zeros((2, 3, 2)), marginals=np.ones((2, 2)))
    with pytest.raises(ModelError, match=r"leader_utility must have shape .*\(3, 2, 2\)"):
        BayesianStackelbergGame(np.zeros((3, 2)), v, marginals=np.full((2, 2), 0.5))
    with pytest.raises(ModelError, match="exactly one type distribution"):
        BayesianStackelbergGame(np.zeros((3, 2, 2)), v)
    with pytest.raises(ModelError, match="marginals must sum to 1"):
        BayesianStackelbergGame(np.zeros((3, 2, 2)), v, marginals=np.full((2, 2), 0.4))
    with pytest.raises(ModelError, match="joint has negative"):
        BayesianStackelbergGame(np.zeros((3, 2, 2)), v, joint=np.array([[1.5, -0.5], [0, 0]]))
    with pytest.raises(ModelError, match="leader_utility has non-finite"):
        BayesianStackelbergGame(np.full((3, 2, 2), np.nan), v, marginals=np.full((2, 2), 0.5))


def test_product_of_marginals_and_back():
    p = np.array([[0.2, 0.8], [0.6, 0.4]])
    g = BayesianStackelbergGame(np.zeros((3, 2, 2)), np.zeros((2, 3, 2, 2)), marginals=p)
    assert g.independent and g.joint[1, 0] == pytest.approx(0.8 * 0.6)
    np.testing.assert_allclose(g.marginals, p)
    assert g.type_profiles[:, 1].tolist() == [0, 1]


def test_best_response_breaks_ties_for_the_leader():
    g = one_follower()
    assert tie_sets(g, np.array([0.5, 0.5])) == [[[0, 1], [0]]]
    W, value = respond(g, np.array([0.5, 0.5]))
    assert W.tolist() == [[1, 0]] and value == pytest.approx(0.5)
    assert leader_value(g, [0.6, 0.4]) == pytest.approx(0.0)
    assert leader_value(g, [0.4, 0.6]) == pytest.approx(0.5)


def test_zero_probability_types_do_not_matter():
    g = one_follower(marginals=(0.0, 1.0))
    assert leader_value(g, [0.5, 0.5]) == 0.0
    np.testing.assert_allclose(assignment_coefficients(g, np.array([[1, 0]])), [0.0, 0.0])


def test_lower_bound_family_checks_its_arguments():
    with pytest.raises(ModelError, match="K must be even"):
        lower_bound_game(2, 3, 0.1)
    with pytest.raises(ModelError, match="signs must be a vector of d = nK/2 = 2"):
        lower_bound_game(2, 2, 0.1, signs=[1, 0])
    assert lower_bound_game(3, 2, 0.0).shape == (3, 4, 2, 2)


def test_a_bayesian_game_under_a_pyomo_method_and_its_result_on_a_pyomo_game_are_refused():
    import stackopt as so
    from stackopt.models import duopoly

    game = one_follower()
    with pytest.raises(ModelError, match="needs a stackopt.StackelbergGame; got .* bayes-milp"):
        so.solve(game, method="value-function")
    res = so.solve(game, method="bayes-milp")
    with pytest.raises(ModelError, match="'bayes-milp' is for a BayesianStackelbergGame"):
        so.certify(duopoly(), res)
