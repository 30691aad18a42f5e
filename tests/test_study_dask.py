"""A study on a Dask cluster gives the same rows as the same study run locally."""

from __future__ import annotations

import pytest
from distributed import Client, LocalCluster

import stackopt as so
from stackopt.models import cournot, duopoly
from tests.test_study_failures import crashing

METHODS = [
    dict(label="penalty", method="mpec", strategy="penalty"),
    dict(label="sos1", method="mpec", strategy="sos1"),
]
GAMES = [(duopoly, {"A": [90, 100]}), cournot]
SAME = [
    "key",
    "game",
    "params",
    "seed",
    "method",
    "options",
    "status",
    "leader_objective",
    "reported_objective",
    "violation",
    "leader",
    "followers",
]


@pytest.fixture(scope="module")
def client():
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


def test_dask_cluster_run_equals_local_run(tmp_path, client):
    local = so.compare(
        GAMES,
        METHODS,
        seeds=[0, 1],
        store=tmp_path / "local.sqlite",
        workers=2,
        timeout=60,
        progress=False,
    )
    remote = so.compare(
        GAMES,
        METHODS,
        seeds=[0, 1],
        store=tmp_path / "dask.sqlite",
        executor=client,
        timeout=60,
        progress=False,
    )
    assert len(local) == len(remote) == 12
    assert remote[SAME].to_dict("records") == local[SAME].to_dict("records")
    assert set(local["status"]) == {"locally_optimal", "optimal"}


def test_a_crashing_cell_on_dask_is_an_error_row(tmp_path, client):
    df = so.compare(
        crashing,
        METHODS[:1],
        seeds=range(3),
        store=tmp_path / "r.sqlite",
        executor=client,
        progress=False,
    )
    assert list(df["status"]) == ["locally_optimal", "error", "locally_optimal"]
    assert df["message"][1] == "worker process exited with code 3 before returning its result"


def test_a_dask_address_runs_the_study_on_that_cluster(tmp_path, client):
    address = client.scheduler.address.replace("tcp://", "dask://")
    df = so.compare(
        duopoly,
        METHODS[:1],
        seeds=[0],
        store=tmp_path / "r.sqlite",
        executor=address,
        progress=False,
    )
    assert df["status"].tolist() == ["locally_optimal"]
    assert df["leader_objective"][0] == pytest.approx(1058)


def test_an_unknown_executor_is_refused(tmp_path):
    with pytest.raises(so.OptionError, match="executor 'slurm': expected 'local', 'dask://"):
        so.compare(duopoly, METHODS, seeds=[0], store=tmp_path / "r.sqlite", executor="slurm")
