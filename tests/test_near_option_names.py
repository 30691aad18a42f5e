"""An unknown option or oracle name gets the nearest known names, case aside (near_names)."""

from __future__ import annotations

import pytest

import stackopt as so
from stackopt.errors import UnknownOptionError
from stackopt.models import duopoly


@pytest.mark.parametrize(
    "given, suggested", [("MAX_ITER", "'max_iter'"), ("LR", "'lr'"), ("k", "'K'")]
)
def test_an_option_name_in_another_case_is_suggested(given, suggested):
    with pytest.raises(UnknownOptionError) as caught:
        so.solve(duopoly(), method="gradient", **{given: 3})
    assert f"has no option {given!r}; did you mean {suggested}?" in str(caught.value)


def test_an_oracle_name_in_another_case_is_suggested():
    with pytest.raises(so.OptionError) as caught:
        so.solve(duopoly(), method="gradient", oracle="KKT")
    assert str(caught.value) == (
        "unknown oracle 'KKT'; choose one of kkt, relaxation, dynamics or a callable; "
        "did you mean 'kkt'?"
    )


def test_a_name_near_none_gets_no_suggestion():
    with pytest.raises(so.OptionError) as caught:
        so.solve(duopoly(), method="gradient", oracle="psychic")
    assert "did you mean" not in str(caught.value)
