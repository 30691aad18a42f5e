"""A study on a Dask cluster gives the same rows as the same study run locally."""

from __future__ import annotations

import threading
import time

import dask
import pytest
from distributed import Client, LocalCluster

import stackopt as so
from stackopt.app.study import Store
from stackopt.app.study.executors import DaskExecutor, ExecutorError, make_executor
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
    assert len(local) == len(remote) == 3 * (2 + 1)  # penalty per seed, sos1 once per instance
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
    address = client.scheduler.address
    assert address.startswith("tcp://")  # as Dask writes it
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


def test_an_unknown_executor_and_a_made_up_scheme_are_refused(tmp_path, client):
    store = tmp_path / "r.sqlite"
    with pytest.raises(so.OptionError, match="executor 'slurm': expected 'local', a Dask sch"):
        so.compare(duopoly, METHODS, seeds=[0], store=store, executor="slurm")
    assert make_executor(client, worker_timeout=5).worker_timeout == 5
    with pytest.raises(so.OptionError, match="as Dask prints it, with its protocol: 'tcp://h:87'"):
        so.compare(duopoly, METHODS, seeds=[0], store=store, executor="dask://h:87")


def test_a_cluster_without_workers_stops_the_study_after_the_timeout(tmp_path):
    with (
        LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as empty,
    ):
        start = time.monotonic()
        with pytest.raises(
            ExecutorError, match=r"no Dask worker at the scheduler \S+ for 1 s: 2 cell"
        ):
            so.compare(
                duopoly,
                METHODS,
                store=tmp_path / "r.sqlite",
                executor=DaskExecutor(empty, worker_timeout=1, poll=0.2),
                progress=False,
            )
        assert time.monotonic() - start < 10
    with Store(tmp_path / "r.sqlite") as store:
        assert set(store.statuses().values()) == {"interrupted"}


def slow_on_seed_1(seed: int = 0, A: float = 100.0):
    """The duopoly, built in 2 s on seed 1."""
    if seed == 1:
        time.sleep(2)
    return duopoly(A=A, seed=seed)


def test_a_lost_scheduler_is_named_and_its_cells_run_again_on_resume(tmp_path, client):
    store = tmp_path / "r.sqlite"
    study = dict(games=slow_on_seed_1, methods=METHODS[:1], seeds=[0, 1, 2], store=store)
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),  # no long reconnection
        LocalCluster(
            n_workers=1, processes=False, protocol="tcp", dashboard_address=None
        ) as cluster,
        Client(cluster) as doomed,
    ):
        threading.Timer(0.8, cluster.scheduler.loop.add_callback, [cluster.scheduler.close]).start()
        with pytest.raises(ExecutorError, match="lost the Dask scheduler at tcp://"):
            so.compare(**study, executor=DaskExecutor(doomed, worker_timeout=5), progress=False)
    with Store(store) as db:
        lost = db.frame().set_index("seed").sort_index()
    assert lost.loc[1, "status"] == "interrupted"
    assert lost.loc[1, "message"].startswith("lost the Dask scheduler at tcp://")
    resumed = so.compare(**study, executor=client, progress=False).set_index("seed").sort_index()
    assert resumed["status"].tolist() == ["locally_optimal"] * 3
    kept = lost["status"] != "interrupted"  # the cells that finished before the scheduler went
    assert (resumed["finished_at"][kept] == lost["finished_at"][kept]).all()
    assert (resumed["finished_at"][~kept] > lost["finished_at"][~kept]).all()
