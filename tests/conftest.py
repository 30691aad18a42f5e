"""Fixtures shared by the test modules."""

import pytest

from stackopt import kkt_evaluator


@pytest.fixture(params=["dense", "sparse"])
def factorization(request, monkeypatch):
    """J_z's reduced matrix factorized by LAPACK (small or dense) or by SuperLU (large, sparse)."""
    if request.param == "sparse":
        monkeypatch.setattr(kkt_evaluator, "DENSE_LIMIT", 0)
        monkeypatch.setattr(kkt_evaluator, "DENSE_SHARE", float("inf"))
    return request.param
