"""SCIP's and HiGHS' options checked before any model is built (``solver_options`` of an exact
``method="mpec"`` strategy, as :mod:`.ipopt_options` checks Ipopt's).

SCIP refuses an unknown parameter only mid-solve, naming none ("Not a valid parameter name"), and
HiGHS ignores a bad option. Each option is set here on an empty SCIP model and HiGHS instance,
with their printout captured; what they refuse is an :class:`~stackopt.errors.OptionError` naming
the option, in the solver's words. Where ``solver`` is left to the game's linearity (HiGHS for a
linear big-M problem, SCIP otherwise), an option either solver takes passes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from typing import Any

from stackopt.backends.solvers import solver_printout
from stackopt.errors import OptionError


def check_global_options(solvers: tuple[str, ...], options: Mapping[str, Any]) -> None:
    """An OptionError naming an option of ``options`` that every one of ``solvers`` (the
    candidates the game may pick) refuses; a solver not installed checks nothing."""
    if not options:
        return
    verdicts = {s: REFUSALS[s](options) for s in solvers if s in REFUSALS}
    checked = {s: refused for s, refused in verdicts.items() if refused is not None}
    for key, value in options.items():
        if checked and all(key in refused for refused in checked.values()):
            raise OptionError(f"solver_options: {_refusal_text(key, value, checked)}")


def _refusal_text(key: str, value: Any, refusals: Mapping[str, Mapping[str, str]]) -> str:
    """Why ``key = value`` is refused by each solver of ``refusals``, in the solvers' words."""
    if len(refusals) == 1:
        [(solver, refused)] = refusals.items()
        return f"{solver} refuses {key}={value!r}: {refused[key]}"
    said = "; ".join(f"{solver}: {refused[key]}" for solver, refused in refusals.items())
    return (
        f"both {' and '.join(refusals)} refuse {key}={value!r} (the game's linearity picks "
        f"which one runs): {said}"
    )


def _scip_refusals(options: Mapping[str, Any]) -> dict[str, str] | None:
    """SCIP's reason for refusing each option it refuses (None: SCIP is not installed)."""
    try:
        import pyscipopt
    except ImportError:
        return None
    model = pyscipopt.Model()

    def refusal(key: str, value: Any) -> str:
        with solver_printout() as printed:
            try:
                model.setParam(key, value)
            except KeyError:
                return "not a parameter"
            except (TypeError, ValueError) as exc:
                error = str(exc)
            else:
                return ""
        return _first_error(printed) or error

    return _refused(refusal, options)


def _highs_refusals(options: Mapping[str, Any]) -> dict[str, str] | None:
    """HiGHS' reason for refusing each option it refuses (None: HiGHS is not installed)."""
    try:
        import highspy
    except ImportError:
        return None
    with solver_printout():
        highs = highspy.Highs()

    def refusal(key: str, value: Any) -> str:
        with solver_printout() as printed:
            try:
                status = highs.setOptionValue(key, value)
            except TypeError as exc:
                return str(exc)
        if status == highspy.HighsStatus.kError:
            return _first_error(printed) or "not an option or a value it takes"
        return ""

    return _refused(refusal, options)


def _refused(refusal: Callable[[str, Any], str], options: Mapping[str, Any]) -> dict[str, str]:
    """The options ``refusal`` gives a reason against, with it."""
    reasons = {key: refusal(key, value) for key, value in options.items()}
    return {key: reason for key, reason in reasons.items() if reason}


def _first_error(printed: io.StringIO) -> str:
    """The first error a solver printed, without its source location and ``ERROR:`` prefix."""
    for line in printed.getvalue().splitlines():
        if "ERROR" in line:
            return re.sub(r"^\s*(\[[^]]*\]\s*)?ERROR:\s*", "", line).strip()
    return ""


#: The option checks of the global solvers: ``refusals(options) -> {name: reason}`` (None: the
#: solver is not installed).
REFUSALS: dict[str, Callable[[Mapping[str, Any]], dict[str, str] | None]] = {
    "scip": _scip_refusals,
    "highs": _highs_refusals,
}
