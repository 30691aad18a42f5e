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


@pytest.fixture(scope="module")
def client():
    """A Dask client of an in-process cluster over TCP (one worker, two threads)."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            protocol="tcp",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def initial_store(tmp_path_factory):
    """A study store with one method, initial, on the duopoly at A = 80 and 90 (seed 0)."""
    import stackopt as so
    from stackopt.models import duopoly

    store = tmp_path_factory.mktemp("report") / "r.sqlite"
    so.compare([(duopoly, {"A": [80, 90]})], [dict(label="initial", method="initial")],
               seeds=[0], store=store, progress=False)  # fmt: skip
    return store
