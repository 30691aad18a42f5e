"""Find a game factory from a reference: a library name, a ``.py`` file or ``module:function``.

- ``"duopoly"``: a factory of the game library, ``stackopt.models.duopoly``;
- ``"pineda"``: a problem of the benchmark collection (:func:`stackopt.models.benchmarks.problems`);
- ``"path/to/game.py"``: the ``build(**params)`` function of that file (relative paths are taken
  from ``base_dir``);
- ``"package.module:function"``: an importable function.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stackopt.errors import OptionError


def library_names() -> list[str]:
    """The names of the games in the library ``stackopt.models``."""
    import stackopt.models as library

    return sorted(getattr(library, "__all__", []))


def resolve_factory(ref: str, base_dir: Path | None = None) -> tuple[str, Callable[..., Any]]:
    """Return ``(name, factory)`` for ``ref``; raise :class:`OptionError` naming what is missing."""
    if ref.endswith(".py"):
        return _from_file(Path(ref) if base_dir is None else base_dir / ref)
    if ":" in ref:
        module_name, _, func_name = ref.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise OptionError(
                f"game {ref!r}: cannot import module {module_name!r}: {exc}"
            ) from None
        return func_name, _attribute(module, func_name, ref)
    if ref in library_names():
        import stackopt.models as library

        return ref, getattr(library, ref)
    from stackopt.models.benchmarks import problems

    collection = {p.name: p.factory for p in problems()}
    if ref in collection:
        return ref, collection[ref]
    known = ", ".join(library_names())
    raise OptionError(
        f"unknown game {ref!r}: not a library game ({known}), a problem of the benchmark "
        f"collection ({len(collection)}, e.g. {', '.join(list(collection)[:3])}: "
        "stackopt.models.benchmarks.problems()), a .py file or module:function"
    )


def _from_file(path: Path) -> tuple[str, Callable[..., Any]]:
    if not path.is_file():
        raise OptionError(f"game file {str(path)!r} does not exist")
    spec = importlib.util.spec_from_file_location(f"stackopt_user_game_{path.stem}", path)
    assert spec is not None and spec.loader is not None  # a .py file has a source file loader
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise OptionError(
            f"game file {str(path)!r} failed to load: {type(exc).__name__}: {exc}"
        ) from None
    return path.stem, _attribute(module, "build", str(path))


def _attribute(module: Any, name: str, ref: str) -> Callable[..., Any]:
    factory = getattr(module, name, None)
    if not callable(factory):
        raise OptionError(f"game {ref!r} defines no function {name!r}")
    return factory
