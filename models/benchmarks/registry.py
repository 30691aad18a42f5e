"""The records of the benchmark collection: each problem's factory, known optimum and source."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

import stackopt as so
from stackopt.models.bard1 import bard1
from stackopt.models.benchmarks import (
    bard,
    facchinei_jiang_qi,
    floudas_ch9,
    gnash,
    luo_pang_ralph,
    pao,
)

#: what a tag says about a problem
TAGS = {
    "linear": "every objective and constraint is linear (a linear bilevel program)",
    "convex_followers": "each follower's problem is convex in its own Vars",
    "multi_follower": "several followers playing a Nash equilibrium",
    "shared_constraint": "followers share a constraint (variational equilibrium)",
    "optimistic": "the best response is not unique at the optimum; the value is the optimistic one",
    "integer_leader": "the leader has Binary or Integer Vars",
    "integer_follower": "a follower has Binary or Integer Vars (no KKT reformulation applies)",
}


@dataclass(frozen=True)
class Problem:
    """One benchmark problem: ``factory()`` builds the game; ``optimum`` is its known optimal
    leader objective in the game's own ``sense``. A value v solves it when
    |v - optimum| <= tolerance * max(1, |optimum|)."""

    name: str
    family: str
    source: str
    factory: Callable[..., so.StackelbergGame]
    optimum: float
    sense: str = "minimize"
    tolerance: float = 1e-4
    tags: frozenset[str] = field(default_factory=frozenset)
    note: str = ""

    def build(self) -> so.StackelbergGame:
        """A fresh game."""
        return self.factory()

    def solved(self, value: float | None) -> bool:
        """Whether a leader objective ``value`` matches the known optimum to the tolerance."""
        if value is None or value != value:
            return False
        return abs(value - self.optimum) <= self.tolerance * max(1.0, abs(self.optimum))


def _macmpec(name, family, files, factory, optimum, tags, sense="minimize", note=""):
    files = ", ".join(f"{f}.mod" for f in files.split())
    source = f"MacMPEC {files} (github.com/blegat/MacMPEC.jl, data/ampl)"
    return Problem(name, family, source, factory, optimum, sense, 1e-4, frozenset(tags), note)


def _pao(name, factory, optimum, tags, sense="minimize", note=""):
    source = f"PAO 1.0.2 pao/pyomo/examples/{name}.py (github.com/Pyomo/pao)"
    return Problem(name, "pao", source, factory, optimum, sense, 1e-4, frozenset(tags), note)


CONVEX, LINEAR, MULTI = "convex_followers", "linear", "multi_follower"
INT_L, INT_F, OPT = "integer_leader", "integer_follower", "optimistic"
F9 = floudas_ch9

_PROBLEMS = [
    _macmpec("bard1", "bard", "Bard1 bard1m ex9.2.1 ex9.2.7", bard1, 17.0, [CONVEX]),
    _macmpec(
        "bard2",
        "bard",
        "bard2m bilevel2 bilevel2m",
        bard.bard2,
        6600.0,
        [CONVEX, MULTI],
        sense="maximize",
        note="MacMPEC lists 6600 for bilevel2 (as -6600, minimized), attained at x = (7, 3, 12, "
        "18), y = (0, 10; 30, 0). Its bard2.mod is another program: its stationarity rows have no "
        "multipliers for 0 <= y <= u, which makes those bounds the leader's, and 6598 is that "
        "program's optimum (at x = (7, 3, 12, 18) a follower's response then has y < 0).",
    ),
    _macmpec("bard3", "bard", "bard3 bard3m bilevel3", bard.bard3, -12.6787, [CONVEX]),
    _macmpec(
        "bilevel1",
        "bilevel",
        "bilevel1 bilevel1m",
        facchinei_jiang_qi.bilevel1,
        0.0,
        [CONVEX],
        note="MacMPEC lists 0 for bilevel1 and -55 for bilevel1m, the same program; 0 is attained "
        "at x = (0, 0), y = (-10, -10), and each term 2 x_i - 3 y_i of the leader's cost is at "
        "least 30 at the follower's best response.",
    ),
    _macmpec(
        "bilin", "bilin", "bilin", luo_pang_ralph.bilin, 18.4, [LINEAR, CONVEX], sense="maximize"
    ),
    _macmpec("dempe", "dempe", "dempe", luo_pang_ralph.dempe, 28.25, [CONVEX]),
    _macmpec("ex9.1.1", "ex9", "ex9.1.1", F9.ex9_1_1, -13.0, [LINEAR, CONVEX, OPT]),
    _macmpec("ex9.1.2", "ex9", "ex9.1.2", F9.ex9_1_2, -6.25, [LINEAR, INT_F]),
    _macmpec(
        "ex9.1.3",
        "ex9",
        "ex9.1.3",
        F9.ex9_1_3,
        -29.2,
        [LINEAR, CONVEX],
        note="MacMPEC's ex9.1.7 has the same followers and +4 y3 in the leader's objective: "
        "another program, whose optimum -26 is attained at the same point.",
    ),
    _macmpec("ex9.1.4", "ex9", "ex9.1.4", F9.ex9_1_4, -37.0, [LINEAR, CONVEX]),
    _macmpec("ex9.1.5", "ex9", "ex9.1.5", F9.ex9_1_5, -1.0, [LINEAR, CONVEX]),
    _macmpec("ex9.1.6", "ex9", "ex9.1.6", F9.ex9_1_6, -49.0, [LINEAR, CONVEX]),
    _macmpec("ex9.1.8", "ex9", "ex9.1.8 ex9.1.10", F9.ex9_1_8, -3.25, [LINEAR, CONVEX]),
    _macmpec("ex9.1.9", "ex9", "ex9.1.9", F9.ex9_1_9, 28 / 9, [LINEAR, CONVEX]),
    _macmpec("ex9.2.2", "ex9", "ex9.2.2", F9.ex9_2_2, 100.0, [CONVEX]),
    _macmpec(
        "ex9.2.3",
        "ex9",
        "ex9.2.3",
        partial(facchinei_jiang_qi.bilevel1, x_lb=1.0, y_lb=-8.0),
        5.0,
        [CONVEX],
        note="MacMPEC lists -55; the follower's best response y_i = min(x_i - 20, (x_i - 10)/2) "
        "and y >= -8 leave 5, at x = (25, 30), y = (5, 10) (Shimizu and Aiyoshi's solution).",
    ),
    _macmpec("ex9.2.4", "ex9", "ex9.2.4", F9.ex9_2_4, 0.5, [CONVEX]),
    _macmpec(
        "ex9.2.5",
        "ex9",
        "ex9.2.5",
        F9.ex9_2_5,
        5.0,
        [CONVEX],
        note="MacMPEC lists 6 (a local solution); 5 is attained at x = 1, y = 3.",
    ),
    _macmpec("ex9.2.6", "ex9", "ex9.2.6", F9.ex9_2_6, -1.0, [CONVEX]),
    _macmpec("ex9.2.8", "ex9", "ex9.2.8", F9.ex9_2_8, 1.5, [CONVEX, OPT]),
    _macmpec("ex9.2.9", "ex9", "ex9.2.9", F9.ex9_2_9, 2.0, [CONVEX, OPT]),
    *(
        _macmpec(
            f"gnash{i}",
            "gnash",
            "gnash1 gnash1m",
            partial(gnash.gnash, instance=i),
            value,
            [CONVEX, MULTI],
            note=f"data file gnash{i}.dat",
        )
        for i, value in {
            10: -230.823,
            11: -129.912,
            12: -36.9331,
            13: -7.06178,
            14: -0.179046,
            15: -354.699,
            16: -241.442,
            17: -90.7491,
            18: -25.6982,
            19: -6.11671,
        }.items()
    ),
    _macmpec(
        "nash1",
        "nash",
        "nash1",
        facchinei_jiang_qi.nash1,
        0.0,
        [CONVEX, MULTI],
        note="nash1a ... nash1e differ only in the starting point (the factory's x0).",
    ),
    _macmpec(
        "stackelberg1",
        "stackelberg",
        "stackelberg1",
        facchinei_jiang_qi.stackelberg1,
        -9800 / 3,
        [CONVEX],
    ),
    _pao("bard511", pao.bard511, -12.0, [LINEAR, CONVEX]),
    _pao("besancon27", pao.besancon27, 0.0, [LINEAR, CONVEX]),
    _pao("getachew_ex1", pao.getachew_ex1, -20.0, [LINEAR, CONVEX]),
    _pao("getachew_ex2", pao.getachew_ex2, -22.0, [LINEAR, CONVEX]),
    _pao("pineda", pao.pineda, 102.0, [LINEAR, CONVEX], sense="maximize"),
    _pao("gecco2013", pao.gecco2013, 12.0, [LINEAR, CONVEX]),
    _pao("pao1", pao.pao1, 12.0, [LINEAR, CONVEX]),
    _pao("pao2", pao.pao2, 18.5, [LINEAR, CONVEX, MULTI]),
    _pao("pao3", pao.pao3, 16.5, [CONVEX, INT_L]),
    _pao("barguel", pao.barguel, 0.0, [CONVEX, INT_L]),
    _pao("toyexample1", pao.toyexample1, -22.0, [LINEAR, INT_L, INT_F]),
    _pao("toyexample2", pao.toyexample2, -20.0, [LINEAR, INT_L, INT_F]),
    _pao(
        "toyexample3",
        pao.toyexample3,
        -243.5,
        [LINEAR, INT_L, INT_F],
        note="-243.5 (PAO's answer xR = 3, xZ = 8, yR = 0.5, yZ = 0) is an infimum, not attained: "
        "at xR = 3 the follower takes yZ = 1, which breaks the leader's c1; with xZ = 8 and xR in "
        "(3, 28/9] the value is -243.5 + 15.5 (xR - 3).",
    ),
    _pao("moore", pao.moore, -22.0, [LINEAR, INT_L, INT_F]),
    _pao("mibs", pao.mibs, -41.0, [LINEAR, INT_L, INT_F]),
]


def problems(tags: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Problem]:
    """The collection's records, those with every tag in ``tags`` and none in ``exclude`` (what
    each tag says: ``TAGS``)."""
    tags, exclude = set(tags), set(exclude)
    unknown = (tags | exclude) - set(TAGS)
    if unknown:
        raise so.OptionError(f"unknown tags {sorted(unknown)}; known tags: {', '.join(TAGS)}")
    return [p for p in _PROBLEMS if tags <= p.tags and not exclude & p.tags]
