"""A build on a Dask cluster gives the same bytes as a build on this machine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from builders import write_dataset

from shipmap.cli import main

distributed = pytest.importorskip("distributed")


def _many_rows(folder: Path) -> Path:
    """Replace the shipments by three Parquet files of several row groups each.

    Fractional quantities make the sums depend on the order they are added in,
    so only a build that folds the same parts in the same order matches.
    """
    (folder / "shipments.csv").unlink()
    (folder / "shipments").mkdir()
    rng = np.random.default_rng(7)
    legs = ["sea_rajin_vostochny", "sea_rajin_dunai", "rail_vostochny_kursk"]
    units = ["containers", "troops"]
    for i in range(3):
        n = 500
        days = np.datetime64("2024-01-01") + rng.integers(0, 300, n).astype("timedelta64[D]")
        frame = pd.DataFrame(
            {
                "id": [f"r{i}-{k}" for k in range(n)],
                "leg": rng.choice(legs, n),
                "start": pd.Series(days).dt.strftime("%Y-%m-%d"),
                "quantity": rng.uniform(0.1, 99.9, n).round(3),
                "unit": rng.choice(units, n),
                "vessel": rng.choice(["Lady R", "Angara", ""], n),
                "source": "osc",
            }
        )
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False),
            folder / "shipments" / f"part-{i}.parquet",
            row_group_size=200,
        )
    return folder


def test_a_cluster_build_is_byte_identical_to_a_local_build(tmp_path: Path):
    data = _many_rows(write_dataset(tmp_path / "data", **{"map.toml": None}))
    assert main(["build", str(data), "-o", str(tmp_path / "local"), "-q"]) == 0
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        assert len(cluster.workers) == 2
        assert (
            main(
                [
                    "build",
                    str(data),
                    "-o",
                    str(tmp_path / "cluster"),
                    "-q",
                    "--scheduler",
                    cluster.scheduler_address,
                ]
            )
            == 0
        )
        # Every part ran on the cluster's workers.
        with distributed.Client(cluster) as client:
            done = client.run_on_scheduler(
                lambda dask_scheduler: sum(
                    1 for key in dask_scheduler.task_prefixes if "shipmap-part" in str(key)
                )
            )
        assert done >= 1
    local = sorted(p.name for p in (tmp_path / "local").iterdir())
    assert local == sorted(p.name for p in (tmp_path / "cluster").iterdir())
    for name in local:
        assert (tmp_path / "cluster" / name).read_bytes() == (
            tmp_path / "local" / name
        ).read_bytes(), name


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = _many_rows(write_dataset(tmp_path / "data"))
    status = main(
        ["build", str(data), "-o", str(tmp_path / "out"), "-q", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert status == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err[0]
    assert not (tmp_path / "out").exists()
