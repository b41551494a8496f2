"""Benchmark `shipmap ais` on 10^7 AIS fixes: time and peak memory, against the floor.

    .venv/bin/python bench/bench_ais.py               # 10^7 fixes, Parquet and CSV
    .venv/bin/python bench/bench_ais.py --fixes 1e6   # smaller

A fleet of 1,000 ships shuttling between 300 ports (10-minute reports, a
20-hour silence per ship) is written to a temporary folder as Parquet and as
CSV. Each measurement runs in a fresh process, which reports its own wall time,
CPU time and peak resident memory:

- ``floor``: DuckDB reads the file, sorts it by ship and time and hands the
  sorted rows to Python as Arrow batches: the steps no pipeline of this kind
  can skip (a bare ``count(*)`` would let DuckDB drop the sort);
- ``shipmap ais``: read, check, sort, clean, find stops, calls, voyages and
  gaps (:func:`shipmap.ais.read_ais`, everything but writing CSV files).

The goal (issue: "10^7 fixes in under a minute and under 2 GB") is printed
beside each result. Times depend on what else runs on the machine: the CPU time
is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_PORTS = 300
N_SHIPS = 1000


def _ports() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.uniform(-60, 65, N_PORTS), rng.uniform(-180, 180, N_PORTS)


def generate(folder: Path, n_fixes: int) -> None:
    """Write fixes.parquet and fixes.csv with n_fixes rows (MarineCadastre columns)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(2)
    plat, plon = _ports()
    per_ship = n_fixes // N_SHIPS
    t0 = int(np.datetime64("2024-01-01T00:00:00", "s").astype("int64"))
    pq_writer = None
    csv_writer = None
    for s in range(N_SHIPS):
        n = per_ship + 120  # 120 fixes are cut out as a silence below
        lat, lon, sog = np.empty(n), np.empty(n), np.empty(n)
        i, p = 0, int(rng.integers(N_PORTS))
        while i < n:
            k = min(int(rng.integers(24, 72)), n - i)
            lat[i : i + k] = plat[p] + rng.normal(0, 2e-4, k)
            lon[i : i + k] = plon[p] + rng.normal(0, 2e-4, k)
            sog[i : i + k] = 0.1
            i += k
            dlon = (plon - plon[p] + 540) % 360 - 180
            near = np.hypot(plat - plat[p], dlon * np.cos(np.radians(plat[p])))
            q = int(rng.choice(np.argsort(near)[1:6]))
            km = 111.2 * np.hypot(plat[q] - plat[p], dlon[q] * np.cos(np.radians(plat[p])))
            k = min(max(int(km / (12 * 1.852) * 6), 6), n - i)
            f = np.arange(1, k + 1) / (k + 1)
            lat[i : i + k] = plat[p] + (plat[q] - plat[p]) * f
            lon[i : i + k] = (plon[p] + dlon[q] * f + 540) % 360 - 180
            sog[i : i + k] = 12.0
            i += k
            p = q
        t = t0 + np.arange(n) * 600 + rng.integers(0, 30, n)
        keep = np.ones(n, bool)
        g = int(rng.integers(1000, n - 1000))
        keep[g : g + 120] = False
        table = pa.table(
            {
                "MMSI": pa.array(np.full(int(keep.sum()), 200_000_000 + s), pa.int64()),
                "BaseDateTime": pa.array(t[keep].astype("datetime64[s]")),
                "LAT": lat[keep].round(6),
                "LON": lon[keep].round(6),
                "SOG": sog[keep],
                "COG": np.full(int(keep.sum()), 90.0),
                "VesselName": pa.array([f"SHIP {s}"] * int(keep.sum())),
            }
        )
        if pq_writer is None:
            pq_writer = pq.ParquetWriter(folder / "fixes.parquet", table.schema, compression="zstd")
            csv_writer = pcsv.CSVWriter(folder / "fixes.csv", table.schema)
        pq_writer.write_table(table)
        assert csv_writer is not None
        csv_writer.write_table(table)
    assert pq_writer is not None and csv_writer is not None
    pq_writer.close()
    csv_writer.close()


def _measure(what: str, path: Path) -> dict[str, float | int | str]:
    start, cpu0 = time.perf_counter(), time.process_time()
    if what == "floor":
        import duckdb

        con = duckdb.connect()
        con.execute("SET memory_limit='1GB'")
        source = (
            f"read_parquet('{path}')"
            if path.suffix == ".parquet"
            else f"read_csv('{path}', header=true)"
        )
        ordered = con.sql(
            f"SELECT MMSI, epoch(BaseDateTime) AS t, LAT, LON, SOG FROM {source} ORDER BY MMSI, t"
        )
        rows = sum(batch.num_rows for batch in ordered.to_arrow_reader(500_000))
        result: dict[str, float | int | str] = {"rows": int(rows)}
    else:
        import pandas as pd

        from shipmap.ais import Thresholds, read_ais

        plat, plon = _ports()
        places = pd.DataFrame(
            {
                "id": [f"p{i}" for i in range(N_PORTS)],
                "name": [f"Port {i}" for i in range(N_PORTS)],
                "lat": plat,
                "lon": plon,
                "kind": "port",
                "country": "",
            }
        )
        report = read_ais([path], Thresholds(), places=places, world_ports=False)
        result = {
            "rows": report.rows,
            "fixes": report.scan.fixes,
            "calls": len(report.events.calls),
            "voyages": len(report.events.voyages),
            "gaps": len(report.events.gaps),
        }
    result["wall_s"] = round(time.perf_counter() - start, 2)
    result["cpu_s"] = round(time.process_time() - cpu0, 2)
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixes", type=float, default=1e7)
    parser.add_argument("--measure", nargs=2, metavar=("WHAT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(args.measure[0], Path(args.measure[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-ais-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        generate(folder, int(args.fixes))
        sizes = {p.name: p.stat().st_size // 2**20 for p in folder.iterdir()}
        print(f"generated {int(args.fixes):,} fixes in {time.perf_counter() - t:.0f} s: {sizes} MB")
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for name in ("fixes.parquet", "fixes.csv"):
            results = {}
            for what in ("floor", "ais"):
                out = subprocess.run(
                    [sys.executable, __file__, "--measure", what, str(folder / name)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                results[what] = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"{name} {what:5s} {results[what]}")
            ratio = float(results["ais"]["wall_s"]) / max(float(results["floor"]["wall_s"]), 1e-9)
            ok_t = float(results["ais"]["wall_s"]) < 60
            ok_m = float(results["ais"]["peak_mb"]) < 2048
            print(
                f"{name}: shipmap ais / floor = {ratio:.1f}x wall; "
                f"under a minute: {'yes' if ok_t else 'NO'}; under 2 GB: {'yes' if ok_m else 'NO'}"
            )


if __name__ == "__main__":
    main()
