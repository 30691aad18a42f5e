"""The package type-checks: mypy, configured in pyproject.toml ([tool.mypy]), reports nothing on
stackopt/, backends/ and models/ (mypy comes with the dev extra), and the public API's modules are
among what it checks."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import stackopt as so

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ("stackopt", "backends", "models")


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


def test_the_public_modules_are_in_the_checked_package():
    names = {p.relative_to(ROOT).as_posix() for p in public_modules()}
    assert {"stackopt/game.py", "stackopt/certificate.py", "stackopt/classify.py"} <= names
    assert all(name.split("/")[0] in PACKAGE for name in names)


def test_mypy_is_clean_on_the_whole_package():
    api = pytest.importorskip("mypy.api")
    config, cache = str(ROOT / "pyproject.toml"), str(ROOT / ".mypy_cache")
    folders = [str(ROOT / name) for name in PACKAGE]
    out, err, status = api.run(["--config-file", config, "--cache-dir", cache, *folders])
    assert status == 0, out + err
    assert "Success: no issues found" in out, out
