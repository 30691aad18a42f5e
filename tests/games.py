"""Small games with known answers, shared by the tests."""

from __future__ import annotations

import random

import pyomo.environ as pyo

import stackopt as so


def linear_bilevel() -> so.StackelbergGame:
    """Bard (1998), Example 5.1.1: min x - 4y, y in argmin{y : -x - y <= -3, -2x + y <= 0,
    2x + y <= 12, 3x - 2y <= 4}; optimum (x, y) = (4, 4) with value -12."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10), initialize=0.0)
    g.F.cost = pyo.Objective(expr=g.F.y)
    g.F.c1 = pyo.Constraint(expr=-g.x - g.F.y <= -3)
    g.F.c2 = pyo.Constraint(expr=-2 * g.x + g.F.y <= 0)
    g.F.c3 = pyo.Constraint(expr=2 * g.x + g.F.y <= 12)
    g.F.c4 = pyo.Constraint(expr=3 * g.x - 2 * g.F.y <= 4)
    g.cost = pyo.Objective(expr=g.x - 4 * g.F.y)
    return g


def root_follower() -> so.StackelbergGame:
    """A maximizing follower with a nonlinear constraint: max y s.t. y^2 <= x, so y = sqrt(x).
    The leader maximizes y - x/4 = sqrt(x) - x/4: optimum x = 4, y = 2, value 1."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=1.0)
    g.F.gain = pyo.Objective(expr=g.F.y, sense=pyo.maximize)
    g.F.disk = pyo.Constraint(expr=g.F.y**2 <= g.x)
    g.value = pyo.Objective(expr=g.F.y - g.x / 4, sense=pyo.maximize)
    return g


def infeasible_duopoly() -> so.StackelbergGame:
    """The duopoly with a leader constraint no equilibrium can meet: q0 + q1 >= 250 (both <= 100)."""
    from stackopt.models import duopoly

    g = duopoly()
    g.too_much = pyo.Constraint(expr=g.q0 + g.F.q >= 250)
    return g


def infeasible_quadratic_duopoly() -> so.StackelbergGame:
    """The infeasible duopoly's constraint squared, (q0 + q1)^2 >= 250^2: its high-point
    relaxation is no LP, so the methods run before SCIP proves it empty (HiGHS decides the linear
    one before any method runs)."""
    from stackopt.models import duopoly

    g = duopoly()
    g.too_much = pyo.Constraint(expr=(g.q0 + g.F.q) ** 2 >= 250**2)
    return g


def named_price_duopoly() -> so.StackelbergGame:
    """The library duopoly (q = (46, 26), leader profit 1058) with its price a named Expression."""
    g = so.StackelbergGame(name="named_price_duopoly")
    g.q0 = pyo.Var(bounds=(0, 100), initialize=0.0)
    g.F = so.Follower()
    g.F.q = pyo.Var(bounds=(0, 100), initialize=0.0)
    g.price = pyo.Expression(expr=100 - g.q0 - g.F.q)
    g.F.profit = pyo.Objective(expr=(g.price - 2) * g.F.q, sense=pyo.maximize)
    g.profit = pyo.Objective(expr=(g.price - 5) * g.q0, sense=pyo.maximize)
    return g


def division_at_the_start() -> so.StackelbergGame:
    """BOLIB NetworkDesignP1's pattern: y^2 / (x + 1) with x >= -1, started at x = -1 where it is
    undefined. min (x - 1)^2 + y^2/(x + 1);  y in [0, 3] solves  min y^2/(x + 1) - y, so
    y = (x + 1)/2 and the optimum is x = 7/8 with value 31/64."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-1, 5), initialize=-1)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 3), initialize=0)
    g.F.o = pyo.Objective(expr=g.F.y**2 / (g.x + 1) - g.F.y)
    g.o = pyo.Objective(expr=(g.x - 1) ** 2 + g.F.y**2 / (g.x + 1))
    return g


def valley() -> so.StackelbergGame:
    """The follower's y = max(x1, x2) puts a kink along x1 = x2 into
    F = 6 y - 3 (x1 + x2) + (x1 + x2 - 2)^2 = 3 |x1 - x2| + (x1 + x2 - 2)^2: minimum 0 at (1, 1)."""
    g = so.StackelbergGame()
    g.x1 = pyo.Var(bounds=(-5, 5), initialize=3.0)
    g.x2 = pyo.Var(bounds=(-5, 5), initialize=-2.0)
    g.F = so.Follower()
    g.F.y = pyo.Var()
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x1) ** 2)
    g.F.floor = pyo.Constraint(expr=g.F.y >= g.x2)
    g.obj = pyo.Objective(expr=6 * g.F.y - 3 * g.x1 - 3 * g.x2 + (g.x1 + g.x2 - 2) ** 2)
    return g


def bounded_domain() -> so.StackelbergGame:
    """The leader maximizes x in [0, 10] from x = 2; the follower min (y - 1)^2 over
    0 <= y <= 3 - x responds y = min(1, 3 - x) and has no feasible point for x > 3."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=2.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=0.0)
    g.F.o = pyo.Objective(expr=(g.F.y - 1) ** 2)
    g.F.c = pyo.Constraint(expr=g.F.y <= 3 - g.x)
    g.o = pyo.Objective(expr=g.x, sense=pyo.maximize)
    return g


def toll_grid(k: int = 3, seed: int = 0) -> so.StackelbergGame:
    """A network toll game: one commodity routed from o to d on a k x k grid (every arc both
    ways, cost c_a plus the toll t_a on every third arc), the leader maximizing its revenue. The
    node balance of all k^2 nodes has rank k^2 - 1, so the follower's multipliers are not unique,
    and about 20 arcs sit at their bound x_a = 0."""
    rng = random.Random(seed)
    nodes = [(i, j) for i in range(k) for j in range(k)]
    steps = ((0, 1), (1, 0), (0, -1), (-1, 0))
    arcs = [
        (u, (u[0] + a, u[1] + b)) for u in nodes for a, b in steps if (u[0] + a, u[1] + b) in nodes
    ]
    cost = [rng.uniform(1, 5) for _ in arcs]
    tolled = list(range(0, len(arcs), 3))
    origin = rng.choice(nodes)
    destination = rng.choice([n for n in nodes if n != origin])
    demand = rng.uniform(1, 5)
    supply = {origin: demand, destination: -demand}
    g = so.StackelbergGame()
    g.t = pyo.Var(tolled, bounds=(0, 20), initialize=0)
    g.F = so.Follower()
    g.F.x = pyo.Var(range(len(arcs)), bounds=(0, None), initialize=0)

    def balance(b, v):
        out = sum(b.x[a] for a, (tail, _) in enumerate(arcs) if tail == nodes[v])
        into = sum(b.x[a] for a, (_, head) in enumerate(arcs) if head == nodes[v])
        return out - into == supply.get(nodes[v], 0.0)

    g.F.balance = pyo.Constraint(range(len(nodes)), rule=balance)
    g.F.cost = pyo.Objective(
        expr=sum((cost[a] + (g.t[a] if a in tolled else 0)) * g.F.x[a] for a in range(len(arcs)))
    )
    g.revenue = pyo.Objective(expr=sum(g.t[a] * g.F.x[a] for a in tolled), sense=pyo.maximize)
    return g


def floor_game() -> so.StackelbergGame:
    """The follower min (y - 5)^2 s.t. y >= x pays 2 (x - 5) for each unit of the floor x above 5
    (its multiplier 2 (y - 5), unique at every point); the leader, max price - (x - 5)^2 / 4,
    takes x = 9 and 8 - 4 = 4."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var()
    g.F.cost = pyo.Objective(expr=(g.F.y - 5) ** 2)
    g.F.floor = pyo.Constraint(expr=g.F.y >= g.x)
    g.value = pyo.Objective(expr=so.dual(g.F.floor) - (g.x - 5) ** 2 / 4, sense=pyo.maximize)
    return g
