"""Comparison studies: grids of games x seeds x methods, a durable store, executors.

:func:`compare` runs a study and returns its DataFrame; :func:`benchmark` runs methods over the
benchmark collection; :class:`Game` pairs a factory with a parameter grid; :class:`Store` reads and exports a results file; :func:`load_study` reads a study
from a TOML file.
"""

from stackopt.app.study.benchmark import benchmark
from stackopt.app.study.grid import Game
from stackopt.app.study.runner import compare
from stackopt.app.study.store import Store
from stackopt.app.study.toml_study import Study, load_study

__all__ = ["benchmark", "Game", "Store", "Study", "compare", "load_study"]
