"""The public API type-checks: mypy, configured in pyproject.toml ([tool.mypy]), reports nothing on
``stackopt/__init__.py`` and the core modules that define the names it exports (mypy comes with the
dev extra; the backends' and models' modules are read for their types only, see pyproject.toml)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import stackopt as so

ROOT = Path(__file__).resolve().parents[1]


def public_modules() -> list[Path]:
    """``stackopt/__init__.py``, ``solve.py``, ``result.py``, ``certificate.py`` (the type of
    ``Result.certificate``) and every file under ``stackopt/`` that defines a name of
    ``stackopt.__all__``."""
    base = ("__init__.py", "solve.py", "result.py", "certificate.py")
    files = {ROOT / "stackopt" / name for name in base}
    for name in so.__all__:
        value = getattr(so, name)
        if inspect.ismodule(value) or not (inspect.isclass(value) or inspect.isfunction(value)):
            continue  # stackopt.models (a package of games), METHODS, __version__
        source = Path(inspect.getfile(value)).resolve()
        if source.is_relative_to(ROOT / "stackopt"):
            files.add(source)
    return sorted(files)


def test_the_public_modules_include_the_core_of_the_api():
    names = {p.relative_to(ROOT).as_posix() for p in public_modules()}
    assert {"stackopt/game.py", "stackopt/certificate.py", "stackopt/classify.py"} <= names
    assert not any(n.startswith(("backends/", "models/")) for n in names)


def test_mypy_is_clean_on_the_public_api():
    api = pytest.importorskip("mypy.api")
    files = [str(p) for p in public_modules()]
    config, cache = str(ROOT / "pyproject.toml"), str(ROOT / ".mypy_cache")
    out, err, status = api.run(["--config-file", config, "--cache-dir", cache, *files])
    assert status == 0, out + err
    assert out.startswith(f"Success: no issues found in {len(files)} source files"), out
