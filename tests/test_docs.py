"""The documentation builds with warnings as errors, and every example on its pages runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("builder", ["html", "doctest"])
def test_docs_build_without_warnings(builder, tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            builder,
            str(DOCS),
            str(tmp_path / builder),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    if builder == "doctest":
        report = (tmp_path / builder / "output.txt").read_text()
        assert "0 failures in tests" in report and " 0 tests" not in report, report[-2000:]
