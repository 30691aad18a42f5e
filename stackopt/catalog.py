"""``stackopt.methods()``: what can run on this machine, each method with its options.

A method is listed when its module imports and the solvers it needs are available; each row
carries the method's description and options, read from its runner (:mod:`stackopt.method_options`).
What cannot run here is kept apart, with the extra that installs it (from the package's own
metadata: ``pip install stackopt[global]`` ...).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from collections.abc import Callable
from typing import Any

from packaging.requirements import Requirement

from stackopt.backends.solvers import GLOBAL_SOLVERS, LOCAL_SOLVERS, available
from stackopt.backends.strategies import SOS1, STRATEGIES
from stackopt.errors import OptionError
from stackopt.method_options import first_sentence, options, summary
from stackopt.near_names import did_you_mean
from stackopt.solve import METHODS

#: the solvers a method needs besides its own imports. A method on a StackelbergGame needs Ipopt:
#: the honest evaluation recomputes the followers' equilibrium with it (mpec rows name their own).
NEEDS: dict[str, tuple[str, ...]] = {
    "initial": ("ipopt",),
    "stackelberg-br": ("ipopt",),
    "two-timescale": ("ipopt",),
    "simgd": ("ipopt",),
    "lola": ("ipopt",),
    "gradient": ("ipopt",),
    "slsqp": ("ipopt",),
    "trust-constr": ("ipopt",),
    "tikhonov-zo": ("ipopt",),
    "bayes-milp": ("highs",),
    "markov-nlp": ("ipopt",),
    "value-function": ("scip", "highs"),
}
#: the Python package behind each open-source solver (licensed solvers have no extra)
SOLVER_PACKAGES = {"ipopt": "cyipopt", "highs": "highspy", "scip": "pyscipopt"}


class MethodTable(list):
    """The rows of :func:`methods` (a list of dicts); :attr:`missing` maps what cannot run here
    to what would make it run. Shown as a table."""

    def __init__(self, rows: list[dict[str, Any]], missing: dict[str, str]) -> None:
        super().__init__(rows)
        self.missing = missing

    def __repr__(self) -> str:
        cells = [("method", "strategy", "solver")]
        cells += [(r["method"], r["strategy"] or "-", r["solver"] or "-") for r in self]
        widths = [max(len(row[k]) for row in cells) + 2 for k in range(3)]
        shorts = ["description", *(_short(r) for r in self)]
        out = "\n".join(
            "".join(cell.ljust(w) for cell, w in zip(row, widths)) + short
            for row, short in zip(cells, shorts)
        )
        if self.missing:
            out += "\n\nnot runnable here:\n" + "\n".join(
                f"  {name}: {why}" for name, why in self.missing.items()
            )
        return out


def _short(row: dict[str, Any]) -> str:
    """The row's description cut to its first sentence (the strategy's, for an mpec row)."""
    return first_sentence(row.get("strategy_description") or row["description"])


def runner(method: str) -> Callable:
    """The function that runs ``method`` (imports its module; ``ImportError`` if it cannot)."""
    module, func = METHODS[method].split(":")
    return getattr(importlib.import_module(module), func)


def describe(method: str, strategy: str | None = None) -> dict[str, Any]:
    """A method's description and options (and its strategy's, for ``method="mpec"``)."""
    run = runner(method)
    row: dict[str, Any] = {
        "description": summary(run),
        "options": [o.to_dict() for o in options(run)],
    }
    if strategy is not None:
        cls = STRATEGIES[strategy]
        row["strategy_description"] = summary(cls)
        row["strategy_options"] = [o.to_dict() for o in options(cls)]
    return row


def methods() -> MethodTable:
    """Every (method, strategy, solver) combination that runs on this machine, one dict per row.

    Each row has ``method``, ``strategy`` and ``solver`` (None where they do not apply),
    ``description`` and ``options`` (``name``, ``type``, ``default``, ``meaning`` for each
    keyword of :func:`stackopt.solve`); mpec rows add ``strategy_description`` and
    ``strategy_options``, the parameters of the strategy object (``stackopt.Scholtes(t_min=...)``). Licensed solvers (Knitro, Gurobi) appear
    only when usable here. The returned list's ``missing`` says, for every method or combination
    that cannot run, which extra or solver it needs.
    """
    rows: list[dict[str, Any]] = []
    missing: dict[str, str] = {}
    for method in METHODS:
        if method == "mpec":
            _mpec_rows(rows, missing)
            continue
        why = _why_not(method, NEEDS.get(method, ()))
        if why:
            missing[method] = why
        else:
            rows.append({"method": method, "strategy": None, "solver": None, **describe(method)})
    return MethodTable(rows, missing)


def _mpec_rows(rows: list[dict[str, Any]], missing: dict[str, str]) -> None:
    for name, cls in STRATEGIES.items():
        solvers = GLOBAL_SOLVERS if cls.exact else LOCAL_SOLVERS
        for solver in solvers:
            if cls is SOS1 and solver == "highs":
                continue  # HiGHS has no SOS1 constraints
            why = _why_not("mpec", (solver, "ipopt"))
            if not why:
                row = {"method": "mpec", "strategy": name, "solver": solver}
                rows.append({**row, **describe("mpec", name)})
            elif solver in SOLVER_PACKAGES:
                missing[f"mpec {name}/{solver}"] = why


def _why_not(method: str, solvers: tuple[str, ...]) -> str:
    """Why ``method`` cannot run here with ``solvers`` ("" if it can)."""
    try:
        runner(method)
    except ImportError as exc:
        return install_hint(exc.name or str(exc))
    for solver in solvers:
        if not available(solver):
            return f"solver {solver}: {install_hint(SOLVER_PACKAGES.get(solver, solver))}"
    return ""


def install_hint(package: str) -> str:
    """How to get ``package``: the stackopt extra that installs it, if one does."""
    top = package.split(".")[0]
    if top == "cyipopt" and importlib.util.find_spec("cyipopt") is not None:
        return (
            "cyipopt is installed but Pyomo's PyNumero ASL library is missing "
            "(scripts/bootstrap.sh builds it against Debian's libamplsolver)"
        )
    for extra in _extras_of(top):
        return f"needs {top}: pip install 'stackopt[{extra}]'"
    return f"needs {top}, which no stackopt extra installs"


def _extras_of(package: str) -> list[str]:
    """The extras of stackopt that install ``package`` (from the installed metadata)."""
    try:
        meta = importlib.metadata.metadata("stackopt")
    except importlib.metadata.PackageNotFoundError:
        return []
    extras = [e for e in meta.get_all("Provides-Extra") or [] if e != "all"]
    found = []
    for text in meta.get_all("Requires-Dist") or []:
        req = Requirement(text)
        if req.marker is None or req.name.replace("-", "_") != package.replace("-", "_"):
            continue
        found += [e for e in extras if req.marker.evaluate({"extra": e})]
    return found


def check_method_name(method: str, where: str = "") -> None:
    """Refuse a ``method`` that is no name of ``METHODS``, after ``where`` (``"study.toml:3: "``),
    with the known names and the nearest ones, case aside ("MPEC": did you mean 'mpec'?)."""
    if method not in METHODS:
        raise OptionError(
            f"{where}unknown method {method!r}; known methods: {', '.join(sorted(METHODS))}"
            f"{did_you_mean(str(method), METHODS)}"
        )


def options_text(method: str) -> str:
    """``method``'s description and options as text (``stackopt methods NAME``); for mpec, each
    strategy's parameters too."""
    check_method_name(method)
    row = describe(method)
    parts = [f"{method}: {row['description']}", "", _table(row["options"])]
    if method == "mpec":
        for name, cls in STRATEGIES.items():
            strategy = describe(method, name)
            parts += ["", f"strategy={name!r} ({cls.__name__}): {strategy['strategy_description']}"]
            parts.append(_table(strategy["strategy_options"]))
    return "\n".join(parts)


def _table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "  (no options)"
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in ("name", "type", "default")}
    fmt = "  {name:<{w[name]}}  {type:<{w[type]}}  {default:<{w[default]}}  {meaning}"
    head = fmt.format(name="name", type="type", default="default", meaning="meaning", w=widths)
    return "\n".join([head, *(fmt.format(**r, w=widths) for r in rows)])
