"""Errors raised by stackopt before any solver runs, and what a solver's error says about the model."""


class ModelError(ValueError):
    """A game model breaks the modelling rules; the message names the offending component."""


class SolverUnavailableError(RuntimeError):
    """A requested solver, strategy or method cannot run on this machine."""


class OptionError(ValueError):
    """An option passed to ``solve`` (or a study) is unknown or out of range; the message names it."""


class UnknownOptionError(OptionError, TypeError):
    """A keyword a method does not take (a ``TypeError`` too, like any unexpected keyword)."""


#: what the AMPL Solver Library's evaluation error (PyNumero's PyNumeroEvaluationError) means for
#: the model
EVALUATION_ERROR_HINT = (
    "a function of the game cannot be evaluated at a point the method reached: a log, square "
    "root, power or division at the edge of its domain; bound the Vars it uses away from there"
)


def explained(exc: BaseException) -> str:
    """An exception as a message: its type and text, and what an evaluation error of the AMPL
    Solver Library means for the model."""
    text = f"{type(exc).__name__}: {exc}"
    if type(exc).__name__ == "PyNumeroEvaluationError":  # not imported: it would load PyNumero
        text += f" ({EVALUATION_ERROR_HINT})"
    return text
