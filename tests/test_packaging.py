"""What a user of the installed package meets first: a light import, the version, the extras named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import stackopt as so
from stackopt.app.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_import_loads_no_optional_heavy_module():
    code = (
        "import json, sys, stackopt; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('scipy', 'pandas', 'matplotlib', 'cvxpy', 'dask', 'distributed') or m.startswith("
        "('stackopt.bayesian', 'stackopt.markov', 'stackopt.app.study', 'stackopt.models')))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_lazy_names_resolve_on_first_use():
    from stackopt import MarkovStackelbergGame, compare

    assert compare.__module__ == "stackopt.app.study.runner"
    assert MarkovStackelbergGame.__module__ == "stackopt.markov.game"
    assert so.models.duopoly().__class__ is so.StackelbergGame
    assert {"models", "compare", "BayesianStackelbergGame"} <= set(dir(so))


def test_version_is_the_package_version(capsys):
    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert capsys.readouterr().out.strip() == f"stackopt {so.__version__}"


def test_report_without_matplotlib_names_the_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    assert main(["report", str(tmp_path / "r.sqlite")]) == 1
    err = capsys.readouterr().err
    assert "stackopt report needs matplotlib: pip install 'stackopt[report]'" in err


def test_license_and_typing_marker_ship():
    assert "BSD 3-Clause" in (ROOT / "LICENSE").read_text()
    assert (Path(so.__file__).parent / "py.typed").exists()


def test_every_python_package_of_the_tree_is_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {v: k for k, v in config["package-dir"].items()}
    found = set()
    for init in ROOT.glob("*/**/__init__.py"):
        rel = init.parent.relative_to(ROOT).parts
        for depth in range(len(rel), 0, -1):
            top = "/".join(rel[:depth])
            if top in folders:
                found.add(".".join([folders[top], *rel[depth:]]))
                break
    assert {"stackopt.backends.certification", "stackopt.results"} <= found
    assert found <= set(config["packages"]), found - set(config["packages"])
