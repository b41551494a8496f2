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

With ``--parts`` it also measures, in this process and for the largest N, the
CPU time of each piece a build that checks every row cannot do without, next to
the floor: the floor's own query, the same query keyed by day as well (the time
control needs sums per day), DuckDB reading the 11 columns the contract checks,
reading the ids alone, the scan's ids-in-order check, ``load_dataset`` as a
whole, and the ways of fusing the scan's passes into fewer reads that were tried
(the rule checks as one more aggregate of the sums query; the first rows of
vessels and sources as ``GROUPING SETS`` of one query; all of them at once; one
group per leg, unit, basis, day, vessel and source list, at 10^7 rows only), a
pyarrow + NumPy sketch of the rules and day sums in one read, and the CPU of the
whole build at 10^3 rows (start-up, routes, two maps, exports).

Run from the project root (needs ``pip install duckdb distributed``)::

    python bench/bench_scale.py --work /tmp/shipmap-scale --cluster       # 10^7, 10^8
    python bench/bench_scale.py --work /tmp/shipmap-scale --sizes 10000000 --runs 1
    python bench/bench_scale.py --work /tmp/shipmap-scale --sizes 100000000 --runs 1 --parts
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
from typing import Any

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


#: The rule checks of the scan's first pass, as a per-row condition: no row may meet it.
BROKEN = (
    "quantity IS NULL OR NOT quantity >= 0 OR low < 0 OR high < 0 OR low > quantity "
    'OR high < quantity OR "end" < start OR NOT quantity - floor(quantity) = 0 '
    "OR NOT low - floor(low) = 0 OR NOT high - floor(high) = 0"
)
SUMS = (
    "count(*), sum(quantity), sum(coalesce(low, quantity)), sum(coalesce(high, quantity)), "
    'max(coalesce("end", start))'
)
RULES = (
    "count(*), count(quantity), min(quantity), min(low), min(high), max(low - quantity), "
    "min(high - quantity), max(quantity - floor(quantity)), max(low - floor(low)), "
    'max(high - floor(high)), sum(quantity) + sum(low) + sum(high), min("end" - start), '
    'min("end"), max("end")'
)


def numpy_rules_and_sums(parquet: Path) -> tuple[bool, int, float]:
    """The scan's rules and day sums in pyarrow and NumPy, row group by row group, 2 threads.

    A sketch to time against DuckDB's two queries, for this generator's files only
    (dates as dates, numbers as doubles, text dictionary-coded); returns whether
    every row keeps the rules, the number of (leg, unit, basis, day) groups and the
    sum of the quantities (to compare with DuckDB's).
    """
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    no_day = np.iinfo(np.int32).min
    meta = pq.ParquetFile(parquet).metadata
    where = meta.schema.to_arrow_schema().get_field_index("start")
    stats = [meta.row_group(g).column(where).statistics for g in range(meta.num_row_groups)]
    first = min(s.min for s in stats).toordinal() - 719163  # days since 1970
    span = max(s.max for s in stats).toordinal() - 719163 - first + 1

    def one(group: int) -> tuple[bool, Any]:
        file = pq.ParquetFile(parquet, read_dictionary=["leg", "unit", "basis"])
        columns = ["leg", "unit", "basis", "start", "end", "quantity", "low", "high"]
        table = file.read_row_group(group, columns=columns, use_threads=False)
        start = table.column("start").chunk(0)
        quantity = table.column("quantity").chunk(0)
        if start.null_count or quantity.null_count:
            return False, ([], np.zeros(0, np.int64), np.zeros((5, 0)))
        day = start.cast(pa.int32()).to_numpy()
        end = pc.fill_null(table.column("end").chunk(0).cast(pa.int32()), no_day).to_numpy()
        q = quantity.to_numpy()
        low = table.column("low").chunk(0).to_numpy(zero_copy_only=False)
        high = table.column("high").chunk(0).to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            ok = bool(q.min() >= 0) and not (low > q).any() and not (high < q).any()
            ok = ok and not np.nanmin(low, initial=0) < 0
            ok = ok and not ((end < day) & (end != no_day)).any()
            ok = ok and all(not np.nanmax(x - np.floor(x), initial=0) for x in (q, low, high))
        key = np.zeros(len(q), np.int64)
        values = []
        for name in ("leg", "unit", "basis"):
            column = table.column(name).chunk(0)
            values.append([str(v).strip() for v in column.dictionary.to_pylist()])
            key = key * len(values[-1]) + column.indices.to_numpy()
        key = key * span + (day - first)
        size = int(key.max()) + 1
        last = np.full(size, no_day, np.int32)
        np.maximum.at(last, key, np.maximum(end, day))
        sums = [np.bincount(key, minlength=size)] + [
            np.bincount(key, np.where(np.isnan(x), q, x), size) for x in (q, low, high)
        ]
        taken = np.flatnonzero(sums[0])
        rest, days = np.divmod(taken, span)
        rest, b = np.divmod(rest, len(values[2]))
        leg, unit = np.divmod(rest, len(values[1]))
        triples = [
            (values[0][i], values[1][j], values[2][k])
            for i, j, k in zip(leg.tolist(), unit.tolist(), b.tolist(), strict=True)
        ]
        return ok, (triples, days, np.stack([*(s[taken] for s in sums), last[taken]]))

    with ThreadPoolExecutor(max_workers=2) as pool:
        found = list(pool.map(one, range(meta.num_row_groups)))
    index: dict[tuple[str, str, str], int] = {}
    total = np.zeros((5, 0))
    for _, (triples, days, block) in found:
        at = np.array([index.setdefault(t, len(index)) for t in triples], np.int64) * span + days
        if total.shape[1] < len(index) * span:
            total = np.pad(total, ((0, 0), (0, len(index) * span - total.shape[1])))
        np.add.at(total[:4], (slice(None), at), block[:4])
        np.maximum.at(total[4], at, block[4])
    return all(ok for ok, _ in found), int(np.count_nonzero(total[0])), float(total[1].sum())


def pq_rows(parquet: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(parquet).metadata.num_rows)


def parts(data: Path, small_cpu: float) -> list[str]:
    """CPU seconds of each piece of a checked build against the floor (see the docstring)."""
    import duckdb

    from shipmap.dataset import load_dataset
    from shipmap.scan import _ids_in_order
    from shipmap.shipments import parquet_parts

    parquet = data / "shipments.parquet"
    rows = f"read_parquet('{parquet}')"
    numbered = f"read_parquet('{parquet}', file_row_number = true)"
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    con.execute("SET enable_progress_bar = false")
    read = (
        'sum(strlen(id)), sum(strlen(leg)), max(start + 1), max("end" + 1), sum(quantity), '
        "sum(low), sum(high), sum(strlen(unit)), sum(strlen(basis)), sum(strlen(vessel)), "
        "sum(strlen(source))"
    )
    queries = {
        "the floor: `SELECT leg, unit, basis, sum(quantity), count(*) ... GROUP BY ALL`": (
            f"SELECT leg, unit, basis, sum(quantity), count(*) FROM {rows} GROUP BY ALL"
        ),
        "the floor keyed by day too (`GROUP BY leg, unit, basis, start`)": (
            f"SELECT leg, unit, basis, start, sum(quantity), count(*) FROM {rows} GROUP BY ALL"
        ),
        "reading the 11 columns the contract checks (`sum(strlen(id))`, `sum(quantity)`, ...)": (
            f"SELECT {read} FROM {rows}"
        ),
        "reading the ids alone (`sum(strlen(id))`)": f"SELECT sum(strlen(id)) FROM {rows}",
        "scan: rules on numbers and dates (one pass, no groups)": f"SELECT {RULES} FROM {rows}",
        "scan: sums per leg, unit, basis and day": (
            f"SELECT leg, unit, basis, start, {SUMS} FROM {rows} GROUP BY ALL"
        ),
        "fused: sums and rules in one query (rules as `max(CASE WHEN broken ...)`)": (
            f"SELECT leg, unit, basis, start, {SUMS}, "
            f"max(CASE WHEN {BROKEN} THEN 1 ELSE 0 END) FROM {rows} GROUP BY ALL"
        ),
        "scan: first rows of (leg, vessel, unit)": (
            f"SELECT leg, vessel, unit, min(file_row_number) FROM {numbered} GROUP BY ALL"
        ),
        "scan: first rows of (leg, source)": (
            f"SELECT leg, source, min(file_row_number) FROM {numbered} GROUP BY ALL"
        ),
        "fused: both first rows as `GROUPING SETS` of one query": (
            f"SELECT leg, vessel, unit, source, min(file_row_number) FROM {numbered} "
            "GROUP BY GROUPING SETS ((leg, vessel, unit), (leg, source))"
        ),
        "fused: sums, rules and first rows as `GROUPING SETS` of one query": (
            f"SELECT leg, unit, basis, start, vessel, source, {SUMS}, "
            f"max(CASE WHEN {BROKEN} THEN 1 ELSE 0 END), min(file_row_number) FROM {numbered} "
            "GROUP BY GROUPING SETS ((leg, unit, basis, start), (leg, vessel, unit), (leg, source))"
        ),
        "fused at the finest grain: groups of (leg, unit, basis, day, vessel, source)": (
            f"SELECT count(*) FROM (SELECT leg, unit, basis, start, vessel, source, {SUMS} "
            f"FROM {rows} GROUP BY ALL)"
        ),
    }
    found: dict[str, tuple[float, str]] = {}
    big = pq_rows(parquet) > 20_000_000
    for what, sql in queries.items():
        if big and what.startswith(("fused at the finest", "fused: sums, rules and first")):
            continue  # minutes and gigabytes at 10^8 rows: measured at 10^7
        c0 = time.process_time()
        result = con.sql(sql).fetchall()
        shown = f"{result[0][0]:,} groups" if "finest" in what else f"{len(result):,} rows"
        if what.startswith("scan: sums"):
            shown += f", quantities {sum(r[5] for r in result):,.0f}"
        found[what] = (time.process_time() - c0, shown)
        print(f"  {what}: {found[what][0]:.2f} s ({shown})", file=sys.stderr, flush=True)
    con.close()
    c0 = time.process_time()
    kept, groups, total = numpy_rules_and_sums(parquet)
    found["pyarrow + NumPy: the same rules and day sums in one read (a sketch)"] = (
        time.process_time() - c0,
        f"rules kept: {kept}; {groups:,} groups, quantities {total:,.0f}",
    )
    c0 = time.process_time()
    in_order = _ids_in_order(parquet_parts([(parquet, parquet.name)]))
    found["the scan's ids-in-order check (pyarrow, each row group's ids)"] = (
        time.process_time() - c0,
        f"in order: {in_order}",
    )
    c0 = time.process_time()
    load_dataset(data)
    found["`load_dataset` (compiled scans), in all"] = (time.process_time() - c0, "")
    found["the whole build of the 10^3-row data set (a subprocess)"] = (small_cpu, "")
    floor = next(iter(found.values()))[0]
    lines = [
        f"load average {load()}",
        "| piece | CPU s | × the floor | |",
        "| --- | ---: | ---: | --- |",
    ]
    for what, (cpu, shown) in found.items():
        lines.append(f"| {what} | {cpu:.2f} | {cpu / floor:.2f} | {shown} |")
    return lines


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the data sets")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000_000, 100_000_000])
    parser.add_argument("--runs", type=int, default=2, help="timed runs per size")
    parser.add_argument("--cluster", action="store_true", help="also build on a LocalCluster")
    parser.add_argument(
        "--parts", action="store_true", help="also time the pieces of a build at the largest N"
    )
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
    small_cpu = run_measured(build_cmd(small, args.work / "out-1000"), env=env).cpu
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
    if args.parts:
        os.environ["SHIPMAP_CACHE"] = env["SHIPMAP_CACHE"]
        print("\n".join(parts(dataset(args.work, max(args.sizes)), small_cpu)), flush=True)

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
