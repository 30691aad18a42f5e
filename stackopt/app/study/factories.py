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

from stackopt.errors import ModelError, OptionError
from stackopt.solve import OTHER_GAMES


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


def build_game(ref: str, factory: Callable[..., Any], params: dict[str, Any]) -> Any:
    """``factory(**params)``, the game named ``ref``; an exception raised inside it, and a value
    that is no game, is a :class:`ModelError` naming ``ref`` and the function (the user's code,
    not stackopt, raised it: ``--debug`` shows its traceback)."""
    call = f"{getattr(factory, '__name__', 'its builder')}()"
    try:
        game = factory(**params)
    except Exception as exc:
        raise ModelError(f"game {ref!r}: {call} raised {type(exc).__name__}: {exc}") from exc
    if not hasattr(game, "component_data_objects") and type(game).__name__ not in OTHER_GAMES:
        raise ModelError(
            f"game {ref!r}: {call} returned {type(game).__name__}, not a game "
            f"(a stackopt.StackelbergGame, {' or '.join(OTHER_GAMES)})"
        )
    return game


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
