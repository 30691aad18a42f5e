"""Errors raised by stackopt before any solver runs."""


class ModelError(ValueError):
    """A game model breaks the modelling rules; the message names the offending component."""


class SolverUnavailableError(RuntimeError):
    """A requested solver, strategy or method cannot run on this machine."""


class OptionError(ValueError):
    """An option passed to ``solve`` (or a study) is unknown or out of range; the message names it."""


class UnknownOptionError(OptionError, TypeError):
    """A keyword a method does not take (a ``TypeError`` too, like any unexpected keyword)."""
