"""The leader's update rules against their textbook formulas (Kingma & Ba 2015, Algorithm 1)."""

import numpy as np
import pytest

from stackopt.backends.optimizers import make_optimizer
from stackopt.errors import OptionError


def test_adam_steps_are_kingma_and_ba_algorithm_1():
    rng = np.random.default_rng(0)
    adam = make_optimizer("adam", 0.01)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m = v = np.zeros(5)
    for t in range(1, 8):
        g = rng.normal(size=5) * 10.0 ** rng.integers(-4, 3)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        expected = 0.01 * m_hat / (np.sqrt(v_hat) + eps)
        assert adam.step(g.copy()) == pytest.approx(expected, rel=1e-12)


def test_sgd_step_and_bad_options_are_named():
    assert make_optimizer("sgd", 0.5).step(np.array([2.0, -4.0])) == pytest.approx([1.0, -2.0])
    with pytest.raises(OptionError, match="unknown optimizer 'rmsprop'"):
        make_optimizer("rmsprop", 0.1)
    with pytest.raises(OptionError, match="lr must be positive, got 0"):
        make_optimizer("adam", 0)
