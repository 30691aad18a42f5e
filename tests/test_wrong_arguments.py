"""Arguments of the wrong kind to so.solve, so.certify and so.sensitivity: an error naming what
was expected and what was given, raised before anything reads them."""

import numpy as np
import pytest

import stackopt as so
from tests.test_model_errors import base


def bayesian_game():
    u = np.array([[1.0, 0.0], [0.0, 2.0]])
    v = np.array([[[[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]]])
    return so.BayesianStackelbergGame(u, v, marginals=np.array([[0.3, 0.7]]))


def markov_game():
    R1, R2 = ((1.0, -0.5), (-2.0, 0.0)), ((-3.0, 0.0), (1.0, 0.0))
    R1, R2 = np.array(R1)[None], np.array(R2)[None]
    return so.MarkovStackelbergGame(np.ones((1, 2, 2, 1)), R1, R2, 0.5, [1.0], 0.2)


@pytest.mark.parametrize("method", ["mpec", "value-function", "simgd", "gradient"])
@pytest.mark.parametrize("game", [3, "game", None])
def test_solve_refuses_an_object_that_is_no_game(game, method):
    with pytest.raises(so.ModelError, match="expected a stackopt.StackelbergGame, got "):
        so.solve(game, method=method)


@pytest.mark.parametrize("function", [so.certify, so.sensitivity])
def test_a_result_that_is_no_result_is_a_type_error_naming_the_argument(function):
    name = function.__name__
    with pytest.raises(TypeError, match=rf"so\.{name}\(game, result\): result must be a "):
        function(base(), "abc")


@pytest.mark.parametrize(
    ("build", "method"), [(bayesian_game, "bayes-lp"), (markov_game, "markov-nlp")]
)
def test_sensitivity_refuses_a_bayesian_or_markov_game(build, method):
    game = build()
    result = so.solve(game, method=method)
    kind = type(game).__name__
    with pytest.raises(so.ModelError, match=f"StackelbergGame; got {kind}"):
        so.sensitivity(game, result)
    with pytest.raises(so.ModelError, match=f"'{method}' is for a {kind}"):
        so.sensitivity(base(), result)
