"""The "did you mean" of a name that is not known: the nearest known names, case aside."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(given: str, known: Iterable[str], n: int = 3) -> str:
    """``"; did you mean 'mpec'?"``: the known names nearest ``given`` by :mod:`difflib`'s ratio
    (at least 0.6) after folding case, nearest first (a name that differs only in case has ratio 1),
    or ``""`` when none is near."""
    by_folded: dict[str, str] = {}
    for name in known:
        by_folded.setdefault(name.casefold(), name)
    near = difflib.get_close_matches(given.casefold(), list(by_folded), n=n, cutoff=0.6)
    names = [repr(by_folded[k]) for k in near]
    return f"; did you mean {' or '.join(names)}?" if names else ""
