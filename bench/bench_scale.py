"""Time ``shipmap build`` on 10^7 and 10^8 Parquet rows against DuckDB's bare GROUP BY.

For each N the benchmark writes (once, kept in ``--work``) the default data set
with a ``shipments.parquet`` of N event rows (``bench/scaled_data.py --parquet``:
streamed in row groups of 10^6 rows, dates as Parquet dates, seeded), then runs,
as fresh subprocesses so that start-up counts, alternating run by run:

- ``python -m shipmap.cli build DIR -o OUT -q``: every check of the data contract
  on every row (ids unique, legs and sources known, dates, ranges), the
  reduction to figures, months, vessels, sources and latest events, two maps,
  the GeoJSON, ``flows.csv`` and the GeoPackage;
- the floor: DuckDB (``duckdb`` from PyPI) running
  ``SELECT leg, unit, basis, sum(quantity), count(*) FROM read_parquet(FILE)
  GROUP BY ALL`` over the same file, with all its threads; no checks.

It reports median wall times, CPU (user + system) and peak RSS of each child
(``wait4``), the ratio, and the size of each map against the same data set at
10^3 rows. With ``--cluster`` it also starts a Dask ``LocalCluster`` of two
workers (one thread each) and builds the smallest N on it with ``--scheduler``,
then compares every output file with the local build's, byte for byte.

Run from the project root (needs ``pip install duckdb distributed``)::

    python bench/bench_scale.py --work /tmp/shipmap-scale --cluster       # 10^7, 10^8
    python bench/bench_scale.py --work /tmp/shipmap-scale --sizes 10000000 --runs 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = Path(__file__).resolve().parent / "scaled_data.py"
MAPS = ("map-en.html", "map-fa.html")
GOAL_FLOOR_RATIO = 3.0
GOAL_PEAK_MB = 4000.0

FLOOR_SNIPPET = (
    "import sys, time, duckdb; t = time.perf_counter(); "
    'duckdb.sql("SELECT leg, unit, basis, sum(quantity), count(*) '
    'FROM read_parquet(\'" + sys.argv[1] + "\') GROUP BY ALL").fetchall(); '
    "print(time.perf_counter() - t)"
)


@dataclass
class Run:
    """One subprocess: wall and CPU seconds, peak resident memory in MB."""

    wall: float
    cpu: float
    peak_mb: float
    stdout: str = ""


def run_measured(cmd: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` and reap it with ``wait4``: wall, user+system CPU, peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({code}):\n{err.read()[-2000:]}")
        return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read())


def dataset(work: Path, rows: int, *, parquet: bool = True) -> Path:
    """The data set of ``rows`` rows in ``work``, written once."""
    folder = work / f"data-{rows}{'-parquet' if parquet else ''}"
    marker = folder / ".complete"
    if not marker.exists():
        cmd = [sys.executable, str(GENERATOR), str(ROOT / "data"), str(folder), str(rows)]
        subprocess.run([*cmd, "--parquet"] if parquet else cmd, check=True)
        marker.write_text("")
    return folder


def build_cmd(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "shipmap.cli", "build", str(data), "-o", str(out), "-q", *extra]


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the data sets")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000_000, 100_000_000])
    parser.add_argument("--runs", type=int, default=2, help="timed runs per size")
    parser.add_argument("--cluster", action="store_true", help="also build on a LocalCluster")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SHIPMAP_CACHE": str(args.work / "cache")}
    # As an installed package has them: see bench_build.compile_bytecode.
    folders = [str(ROOT / name) for name in ("shipmap", "geo", "routes")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True)
    print(f"load average before: {load()}", flush=True)

    # 10^3 rows: fills the route cache, and gives the page sizes to compare with.
    small = dataset(args.work, 1_000)
    run_measured(build_cmd(small, args.work / "out-1000"), env=env)
    sizes_small = {m: (args.work / "out-1000" / m).stat().st_size for m in MAPS}

    lines = [
        "| rows | Parquet MB | runs | shipmap s | DuckDB GROUP BY s | shipmap / DuckDB | "
        "shipmap CPU s | DuckDB CPU s | shipmap peak MB | DuckDB peak MB | "
        "map-en.html vs 10^3 | map-fa.html vs 10^3 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for rows in args.sizes:
        data = dataset(args.work, rows)
        parquet = data / "shipments.parquet"
        out = args.work / f"out-{rows}"
        ship: list[Run] = []
        floor: list[Run] = []
        for i in range(args.runs):
            print(f"  {rows:,} rows: run {i + 1} of {args.runs}", file=sys.stderr, flush=True)
            ship.append(run_measured(build_cmd(data, out), env=env))
            floor.append(run_measured([sys.executable, "-c", FLOOR_SNIPPET, str(parquet)], env=env))
        s_wall = statistics.median(r.wall for r in ship)
        f_wall = statistics.median(r.wall for r in floor)
        growth = [(out / m).stat().st_size / sizes_small[m] for m in MAPS]
        lines.append(
            f"| {rows:,} | {parquet.stat().st_size / 1e6:,.0f} | {args.runs} | {s_wall:.1f} | "
            f"{f_wall:.1f} | **{s_wall / f_wall:.2f}** | "
            f"{statistics.median(r.cpu for r in ship):.1f} | "
            f"{statistics.median(r.cpu for r in floor):.1f} | "
            f"{max(r.peak_mb for r in ship):,.0f} | {max(r.peak_mb for r in floor):,.0f} | "
            f"{growth[0]:.3f}× | {growth[1]:.3f}× |"
        )
        print(lines[-1], flush=True)
    print(f"load average after: {load()}", flush=True)

    if args.cluster:
        from distributed import LocalCluster

        rows = min(args.sizes)
        data = dataset(args.work, rows)
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            out = args.work / f"out-{rows}-cluster"
            run = run_measured(
                build_cmd(data, out, "--scheduler", cluster.scheduler_address), env=env
            )
        local = args.work / f"out-{rows}"
        names = sorted(p.name for p in local.iterdir())
        same = names == sorted(p.name for p in out.iterdir()) and all(
            (local / n).read_bytes() == (out / n).read_bytes() for n in names
        )
        print(
            f"LocalCluster (2 workers x 1 thread), {rows:,} rows: build {run.wall:.1f} s "
            f"(client CPU {run.cpu:.1f} s, client peak {run.peak_mb:,.0f} MB); "
            f"outputs {'byte-identical to' if same else 'DIFFERENT from'} the local build "
            f"({', '.join(names)})",
            flush=True,
        )
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()
