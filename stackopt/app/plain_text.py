"""reST inline markup as plain words, for docstrings printed at a terminal (``stackopt methods NAME``).

``literal`` in double backticks shows ``literal``; a role shows its target, written out in full
since a terminal has no link to follow (``:mod:`a.b``` and ``:func:`~a.b``` show ``a.b``), or its
explicit title (``:ref:`title <target>``` shows ``title``); interpreted text in single backticks
and a link reference (```x`_``) show ``x``. Everything else is left as it is (emphasis stars, which
are also products in formulas, included).
"""

from __future__ import annotations

import re

_MARKUP = re.compile(
    r"``(?P<literal>[^`]+?)``"  # an inline literal
    r"|(?::[\w.+-]+(?::[\w.+-]+)?:)?`(?P<text>[^`]+)`_{0,2}"  # :role:`text`, `text`, `link`_
)
_TITLED = re.compile(r"(?P<title>.*?)\s*<[^<>]+>", re.DOTALL)  # `title <target>`


def plain_text(text: str) -> str:
    """``text`` with its reST inline literals, roles, interpreted text and link references
    replaced by the words they show (module docstring)."""
    return _MARKUP.sub(_shown, text)


def _shown(match: re.Match[str]) -> str:
    if match["literal"] is not None:
        return match["literal"]
    titled = _TITLED.fullmatch(match["text"])
    if titled and titled["title"]:
        return titled["title"]
    return match["text"].lstrip("~!")  # ~: the last name only, !: no link; here the full name
