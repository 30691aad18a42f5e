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
        self.m: np.ndarray | None = None  # the moment estimates, from the first step on
        self.v: np.ndarray | None = None
        self.t = 0

    def step(self, g: np.ndarray) -> np.ndarray:
        if self.m is None or self.v is None:
            self.m, self.v, self._work = np.zeros_like(g), np.zeros_like(g), np.empty_like(g)
        self.t += 1
        m, v, work = self.m, self.v, self._work  # in place, without temporaries:
        m -= g  # m <- beta1 m + (1 - beta1) g = beta1 (m - g) + g
        m *= self.beta1
        m += g
        np.multiply(g, g, out=work)  # v <- beta2 (v - g^2) + g^2
        v -= work
        v *= self.beta2
        v += work
        # lr m_hat / (sqrt(v_hat) + eps) = lr sqrt(1 - beta2^t) / (1 - beta1^t) m / (sqrt(v) + eps'),
        # eps' = eps sqrt(1 - beta2^t)
        correction = np.sqrt(1 - self.beta2**self.t)
        np.sqrt(v, out=work)
        work += self.eps * correction
        step = np.divide(m, work)
        step *= self.lr * correction / (1 - self.beta1**self.t)
        return step


def make_optimizer(name: str, lr: float) -> SGD | Adam:
    """The update rule called ``name`` ("sgd" or "adam") with step size ``lr``."""
    if not lr > 0:
        raise OptionError(f"lr must be positive, got {lr!r}")
    rules = {"sgd": SGD, "adam": Adam}
    if name not in rules:
        raise OptionError(f"unknown optimizer {name!r}; choose 'sgd' or 'adam'")
    return rules[name](lr)
