"""The options of a method, read from its runner: names and defaults from the signature, types and
one-line meanings from the ``Parameters`` section of its numpydoc docstring.

One source for :func:`stackopt.methods`, ``stackopt methods NAME``, the documentation's option
tables and the "did you mean" of an unknown keyword: the runner itself, never a second list.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from stackopt.errors import UnknownOptionError
from stackopt.near_names import did_you_mean

#: a numpydoc section header: a title line underlined by dashes
_SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}\n", re.MULTILINE)
#: a Parameters entry that refers to another function's: "As in :func:`pkg.module.function`."
_AS_IN = re.compile(r"As in :\w+:`~?([\w.]+)`")
#: the first parameter of every runner is the game, not an option
_NOT_OPTIONS = ("game",)
#: old names of the iterative methods' options -> the one vocabulary's name
RENAMED = {
    "steps": "max_iter",
    "maxiter": "max_iter",
    "iters": "max_iter",
    "iterations": "max_iter",
    "n_iter": "max_iter",
    "timeout": "time_limit",
    "time": "time_limit",
    "tolerance": "tol",
    "x0": "start",
    "random_state": "seed",
}


@dataclass(frozen=True)
class Option:
    """One keyword of a method: its name, type, default (``repr``; "required" if none), meaning."""

    name: str
    type: str
    default: str
    meaning: str

    def to_dict(self) -> dict[str, str]:
        """The option as a plain dictionary (a row of an options table)."""
        return asdict(self)


def summary(func: Callable) -> str:
    """The first paragraph of ``func``'s docstring, on one line."""
    doc = inspect.getdoc(func) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def documented_parameters(func: Callable) -> dict[str, tuple[str, str]]:
    """name -> (type, one-line meaning) from the ``Parameters`` section of ``func``'s docstring.

    An entry is ``name : type`` (or ``a, b : type``) at the section's indentation, followed by an
    indented description; its meaning is the description's first sentence. Options that several
    runners share are documented once: an entry "As in :func:`module.function`." takes the type
    and meaning from that function's own entry.
    """
    doc = inspect.getdoc(func) or ""
    sections = _SECTION.split(doc)
    # split gives [before, title1, body1, title2, body2, ...]
    bodies = dict(zip(sections[1::2], sections[2::2]))
    out: dict[str, tuple[str, str]] = {}
    names: list[str] = []
    for line in bodies.get("Parameters", "").splitlines():
        if line and not line[0].isspace():
            head, _, kind = line.partition(":")
            names = [n.strip() for n in head.split(",") if n.strip()]
            for name in names:
                out[name] = (kind.strip(), "")
        elif line.strip() and names:
            for name in names:
                kind, meaning = out[name]
                out[name] = (kind, f"{meaning} {line.strip()}".strip())
    return {name: _resolve(name, kind, meaning) for name, (kind, meaning) in out.items()}


def _resolve(name: str, kind: str, meaning: str) -> tuple[str, str]:
    """(type, first sentence); an entry "As in :func:`module.function`." is read from there."""
    match = _AS_IN.match(meaning)
    if match is None:
        return kind, first_sentence(meaning)
    module, _, attribute = match.group(1).rpartition(".")
    target = getattr(importlib.import_module(module), attribute)
    return documented_parameters(target)[name]


def first_sentence(text: str) -> str:
    """``text`` up to its first full stop that ends a sentence (followed by a capital or the end:
    "Wang et al. 2022" and "(Eq. 3)" go on), without the stop."""
    match = re.match(r"(.+?)\.(?=\s+[A-Z]|\s*$)", text, re.DOTALL)
    return match.group(1) if match else text


def options(func: Callable) -> list[Option]:
    """The keyword options of a runner (or of a strategy class), in signature order."""
    documented = documented_parameters(func)
    out = []
    for param in inspect.signature(func).parameters.values():
        if param.name in _NOT_OPTIONS or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        kind, meaning = documented.get(param.name, ("", ""))
        if not kind and param.annotation is not param.empty:
            annotation = param.annotation
            kind = (
                annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
            )
        default = "required" if param.default is param.empty else repr(param.default)
        out.append(Option(param.name, kind, default, meaning))
    return out


def check_keywords(method: str, func: Callable, keywords: Mapping[str, Any]) -> None:
    """Raise :class:`UnknownOptionError` for a keyword ``func`` does not take, with the nearest
    names it does take, case aside ("did you mean ...") and where to find them all."""
    params = inspect.signature(func).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    names = [o.name for o in options(func)]
    for key in keywords:
        if key in names:
            continue
        if RENAMED.get(key) in names:
            raise UnknownOptionError(
                f"method {method!r}: option {key!r} is now {RENAMED[key]!r} ({RENAMED[key]}=...)"
            )
        raise UnknownOptionError(
            f"method {method!r} has no option {key!r}{did_you_mean(key, names)} "
            f"(its options: {', '.join(names) or 'none'}; see stackopt.methods())"
        )
