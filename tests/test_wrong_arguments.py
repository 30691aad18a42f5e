"""Arguments of the wrong kind to so.solve and so.certify: an error naming what
was expected and what was given, raised before anything reads them."""

import pytest

import stackopt as so
from tests.test_model_errors import base


@pytest.mark.parametrize("method", ["mpec", "value-function", "simgd", "gradient"])
@pytest.mark.parametrize("game", [3, "game", None])
def test_solve_refuses_an_object_that_is_no_game(game, method):
    with pytest.raises(so.ModelError, match="expected a stackopt.StackelbergGame, got "):
        so.solve(game, method=method)


@pytest.mark.parametrize("function", [so.certify])
def test_a_result_that_is_no_result_is_a_type_error_naming_the_argument(function):
    name = function.__name__
    with pytest.raises(TypeError, match=rf"so\.{name}\(game, result\): result must be a "):
        function(base(), "abc")
