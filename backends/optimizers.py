"""First-order update rules for the leader: plain SGD and Adam (Kingma & Ba 2015, Algorithm 1)."""

from __future__ import annotations

import numpy as np

from stackopt.errors import OptionError


class SGD:
    """x <- x - lr * g."""

    def __init__(self, lr: float):
        self.lr = lr

    def step(self, g: np.ndarray) -> np.ndarray:
        return self.lr * g


class Adam:
    """x <- x - lr * m_hat / (sqrt(v_hat) + eps), with bias-corrected moment estimates."""

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, g: np.ndarray) -> np.ndarray:
        if self.m is None:
            self.m, self.v = np.zeros_like(g), np.zeros_like(g)
        self.t += 1
        m, v = self.m, self.v  # updated in place: m <- beta1 m + (1 - beta1) g, v likewise with g^2
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        square = (1 - self.beta2) * g
        square *= g
        v += square
        denominator = np.divide(v, 1 - self.beta2**self.t, out=square)  # sqrt(v_hat) + eps
        np.sqrt(denominator, out=denominator)
        denominator += self.eps
        step = m / (1 - self.beta1**self.t)  # lr m_hat / (sqrt(v_hat) + eps)
        step *= self.lr
        step /= denominator
        return step


def make_optimizer(name: str, lr: float) -> SGD | Adam:
    """The update rule called ``name`` ("sgd" or "adam") with step size ``lr``."""
    if not lr > 0:
        raise OptionError(f"lr must be positive, got {lr!r}")
    rules = {"sgd": SGD, "adam": Adam}
    if name not in rules:
        raise OptionError(f"unknown optimizer {name!r}; choose 'sgd' or 'adam'")
    return rules[name](lr)
