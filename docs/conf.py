"""Sphinx configuration of the stackopt documentation (``sphinx-build -W -b html docs docs/_build``)."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

import stackopt  # noqa: E402

project = "stackopt"
author = "the stackopt developers"
copyright = "2026, the stackopt developers"
release = stackopt.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "stackopt_options",
    "results_report",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "_generated"]  # _generated: pages included by others
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# the docstrings are numpy style; type hints are shown in the signatures
napoleon_google_docstring = False
napoleon_numpy_docstring = True
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True}

# only the explicit {doctest} examples of the pages run (docstrings state math, not sessions)
doctest_test_doctest_blocks = ""
doctest_global_setup = """
import pyomo.environ as pyo
import stackopt as so
"""

html_theme = "alabaster"
html_theme_options = {"page_width": "1200px", "sidebar_width": "230px"}
html_title = f"stackopt {release}"
html_static_path: list[str] = []

# messages of expected exceptions are compared too (Sphinx's default ignores them)
doctest_default_flags = doctest.ELLIPSIS | doctest.DONT_ACCEPT_TRUE_FOR_1


def _plain_bars(app, what, name, obj, options, lines: list[str]) -> None:
    """The docstrings write absolute values and norms as |x| and ||x||: text, not reST substitutions."""
    lines[:] = [line.replace("|", "\\|") for line in lines]


def setup(app) -> None:
    app.connect("autodoc-process-docstring", _plain_bars)
