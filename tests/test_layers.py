"""The layers of docs/architecture.md, read from the import statements of the source files.

core (``stackopt/`` without ``app/``) -> backends (``backends/``) -> application (``stackopt/app/``):
nothing below imports the application layer, the backends never import the game library, and the
Bayesian and Markov models import none of their solvers. ``stackopt/__init__.py`` is the facade
that names the public API and is left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module named by an ``import`` or ``from ... import`` in the file, lazy ones included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(folder: str, *, exclude: tuple[str, ...] = ()) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / folder).rglob("*.py"))
        if not any(path.is_relative_to(ROOT / folder / part) for part in exclude)
    ]


CORE = sources("stackopt", exclude=("app", "__init__.py"))
RULES = [
    ("core", CORE, ("stackopt.app",)),
    ("backends", sources("backends"), ("stackopt.app", "stackopt.models")),
    ("game library", sources("models"), ("stackopt.app", "stackopt.backends")),
    (
        "Bayesian and Markov models",
        sources("stackopt/bayesian") + sources("stackopt/markov"),
        ("stackopt.backends",),
    ),
]


@pytest.mark.parametrize(("layer", "files", "forbidden"), RULES, ids=[rule[0] for rule in RULES])
def test_no_layer_imports_a_layer_above_it(layer, files, forbidden):
    assert files, f"no source files found for the {layer}"
    offending = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in imported_modules(path)
        if any(name == top or name.startswith(f"{top}.") for top in forbidden)
    }
    assert not offending, sorted(offending)
