"""``stackopt methods`` prints the methods' docstrings as plain text, not reST markup."""

from __future__ import annotations

import pytest

from stackopt.app.cli import main
from stackopt.app.plain_text import plain_text
from stackopt.catalog import methods, options_text
from stackopt.solve import METHODS


@pytest.mark.parametrize(
    ("rest", "plain"),
    [
        ("a ``x = 1`` b", "a x = 1 b"),
        (
            "(:mod:`~stackopt.backends.ipopt_options`, :func:`a.b`)",
            "(stackopt.backends.ipopt_options, a.b)",
        ),
        (":py:meth:`!Result.to_dict`", "Result.to_dict"),
        ("see :ref:`the MPEC page <mpec-page>`", "see the MPEC page"),
        ("`default role` and `a link`_ and `anonymous`__", "default role and a link and anonymous"),
        (
            '``callback(state) -> bool``, ``state["leader"]``',
            'callback(state) -> bool, state["leader"]',
        ),
        ("rho0*factor, 2 * x, time: 3 s", "rho0*factor, 2 * x, time: 3 s"),  # no markup: as it is
    ],
)
def test_rest_markup_becomes_the_words_it_shows(rest, plain):
    assert plain_text(rest) == plain


def test_methods_name_prints_plain_text(capsys):
    assert main(["methods", "mpec"]) == 0
    out = capsys.readouterr().out
    assert "`" not in out
    assert "(stackopt.backends.ipopt_options, stackopt.backends.global_options)" in out
    assert "its own parameters (stackopt.Scholtes(t_min=1e-10))" in out


def test_no_method_prints_markup_and_the_columns_stay_aligned(capsys):
    """The markup is only ever in a table's last column (description, meaning), so that the
    columns before it keep the widths computed from the raw text."""
    raw = [repr(methods()), *(options_text(name) for name in METHODS)]
    for text in raw:
        start = 0  # where a table's last column starts (0: not in a table)
        for line in text.splitlines():
            words = line.split()
            if words[:1] == ["method"] or words[:3] == ["name", "type", "default"]:
                start = line.index(words[-1])
            elif not words or line.startswith("strategy="):  # a table ends
                start = 0
            assert plain_text(line[:start]) == line[:start]
    assert main(["methods"]) == 0
    for name in METHODS:
        assert main(["methods", name]) == 0
    assert "`" not in capsys.readouterr().out
