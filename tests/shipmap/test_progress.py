"""Progress on a terminal, with rows per second; nothing otherwise; a light --help."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from builders import write_dataset

from shipmap.dataset import load_dataset
from shipmap.pipeline import Progress


def test_checking_parquet_rows_reports_rows_per_second_on_a_terminal(tmp_path, capsys):
    import pandas as pd

    folder = write_dataset(tmp_path)
    frame = pd.read_csv(folder / "shipments.csv", dtype=str, keep_default_na=False)
    (folder / "shipments.csv").unlink()
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False),
        folder / "shipments.parquet",
        row_group_size=2,
    )
    progress = Progress(enabled=True)
    progress.step("Reading", lambda: load_dataset(folder, progress=progress.rows))
    err = capsys.readouterr().err
    assert "rows/s" in err and "Reading" in err


def test_progress_stays_quiet_off_a_terminal(tmp_path, capsys):
    progress = Progress(enabled=False)
    progress.step("Reading", lambda: progress.rows(1_000_000))
    assert capsys.readouterr().err == ""


def test_the_command_line_answers_help_without_loading_the_data_libraries():
    code = (
        "import sys, shipmap.cli; "
        "print([m for m in ('pandas', 'numpy', 'pyarrow', 'geopandas', 'folium', "
        "'distributed') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["--help"], ["build", "--help"]])
def test_help_names_the_scheduler_and_events_options(argv, capsys):
    from shipmap.cli import main

    with pytest.raises(SystemExit):
        main(argv)
    out = capsys.readouterr().out
    assert "build" in out
    if argv[0] == "build":
        assert "--scheduler" in out and "--events" in out


def test_the_route_modules_load_scipy_only_when_a_route_is_worked_out():
    # A build whose routes all come from the cache never imports scipy.
    code = (
        "import sys, shipmap.pipeline, shipmap.routes.legs, shipmap.routes.network; "
        "print([m for m in ('scipy', 'searoute', 'networkx') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
