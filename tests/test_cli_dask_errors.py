"""A Dask study that cannot go on stops with one line naming the scheduler and what to do, not
with ``distributed``'s tracebacks."""

from __future__ import annotations

import logging
from concurrent.futures import CancelledError

import distributed
from distributed import LocalCluster

from stackopt.app.cli import main

STUDY = """
[study]
seeds = [0, 1]

[[games]]
model = "tests.test_study_dask:slow_on_seed_1"

[[methods]]
label = "penalty"
method = "mpec"
strategy = "penalty"
"""


class Seen(logging.Handler):
    """The messages of the records that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def _compare(tmp_path, capfd, address: str, *options: str) -> int:
    """``stackopt compare`` of STUDY on the cluster at ``address``; what the cluster's own start
    printed is left out of ``capfd``."""
    capfd.readouterr()
    (tmp_path / "study.toml").write_text(STUDY)
    store = str(tmp_path / "r.sqlite")
    args = ["compare", str(tmp_path / "study.toml"), "--store", store, "--executor", address]
    return main([*args, "--no-progress", *options])


def test_a_lost_scheduler_is_one_line_naming_it_and_what_to_do(tmp_path, capfd, monkeypatch):
    """As when the scheduler goes: Dask's client logs its failed reconnection's traceback, then
    waiting on the cells' futures raises CancelledError."""

    def scheduler_lost(*args, **kwargs):
        try:
            raise OSError("Timed out trying to connect to the scheduler")
        except OSError:
            logging.getLogger("distributed.client").exception("")
        raise CancelledError("scheduler-connection-lost")

    monkeypatch.setattr(distributed, "wait", scheduler_lost)
    client_log = logging.getLogger("distributed.client")
    seen = Seen()
    client_log.addHandler(seen)
    with LocalCluster(n_workers=0, processes=False, protocol="tcp", dashboard_address=None) as c:
        address = c.scheduler.address
        assert _compare(tmp_path, capfd, address) == 1
        err = capfd.readouterr().err
    assert err == (
        f"stackopt: error: lost the Dask scheduler at {address} (scheduler-connection-lost): 2 "
        f"cell(s) did not run (stored as 'interrupted'); check that the Dask scheduler at "
        f"{address} runs (or give another one), then run the study again to run them\n"
    )
    client_log.error("after the study", exc_info=OSError("x"))
    client_log.removeHandler(seen)
    assert seen.records == ["after the study"]  # the tracebacks are dropped during the study only


def test_a_cluster_without_a_worker_is_one_line_saying_to_start_one(tmp_path, capfd):
    with LocalCluster(
        n_workers=0, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler.address
        assert _compare(tmp_path, capfd, address, "--worker-timeout", "1") == 1
    assert capfd.readouterr().err == (
        f"stackopt: error: no Dask worker at the scheduler {address} for 1 s: 2 cell(s) did not "
        f"run (stored as 'interrupted'); start a worker for it (dask worker {address}), then run "
        "the study again to run them\n"
    )
