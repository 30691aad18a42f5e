"""Random Markov Stackelberg games for tests and studies."""

from __future__ import annotations

import numpy as np

from stackopt.markov.game import MarkovStackelbergGame


def random_markov_game(
    states: int = 2,
    leader_actions: int = 2,
    follower_actions: int = 2,
    gamma: float = 0.8,
    lam: float = 0.5,
    seed: int = 0,
) -> MarkovStackelbergGame:
    """Rewards uniform on [0, 1), transitions and rho Dirichlet(1), all from ``seed``."""
    rng = np.random.default_rng(seed)
    shape = (states, leader_actions, follower_actions)
    return MarkovStackelbergGame(
        P=rng.dirichlet(np.ones(states), size=shape),
        R1=rng.uniform(size=shape),
        R2=rng.uniform(size=shape),
        gamma=gamma,
        rho=rng.dirichlet(np.ones(states)),
        lam=lam,
    )
