"""An export's suffix is read case aside, by the command line's check and by Store.export alike:
rows.CSV is CSV, rows.PQ is Parquet, rows.XLSX is refused by both."""

from __future__ import annotations

import pandas as pd
import pytest

from stackopt.app.cli import main
from stackopt.app.study import Store


def test_store_export_reads_the_suffix_case_aside(initial_store, tmp_path):
    with Store(initial_store) as db:
        csv = pd.read_csv(db.export(tmp_path / "rows.CSV"))
        parquet = pd.read_parquet(db.export(tmp_path / "rows.PQ"))
        with pytest.raises(ValueError, match="the suffix must be .csv or .parquet"):
            db.export(tmp_path / "rows.XLSX")
    assert len(csv) == len(parquet) == 2
    assert csv["key"].tolist() == parquet["key"].tolist()


def test_the_report_writes_an_upper_case_export(initial_store, tmp_path, capsys):
    out = tmp_path / "rows.CSV"
    assert (
        main(["report", str(initial_store), "--out", str(tmp_path / "plots"), "--export", str(out)])
        == 0
    )
    assert sorted(pd.read_csv(out)["A"]) == [80, 90]
    capsys.readouterr()
    assert (
        main(["report", str(initial_store), "--out", str(tmp_path / "p"), "--export", "r.XLSX"])
        == 1
    )
    assert "--export r.XLSX: give a file ending in .csv, .parquet, .pq" in capsys.readouterr().err
