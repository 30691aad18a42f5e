"""Errors raised by stackopt before any solver runs."""


class ModelError(ValueError):
    """A game model breaks the modelling rules; the message names the offending component."""


class SolverUnavailableError(RuntimeError):
    """A requested solver, strategy or method cannot run on this machine."""
