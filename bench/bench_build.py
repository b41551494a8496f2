"""Time ``shipmap build`` against a hand-written folium map, at 10^3 to 10^6 rows.

For each size N the benchmark writes the default data set with N shipment rows
(``bench/scaled_data.py``: every place given coordinates, dated event rows over
2023-08..2025-03, seeded), then runs, as fresh subprocesses so that import time
counts, alternating run by run:

- ``python -m shipmap.cli build DIR -o OUT -q`` (shipmap), with its own route
  cache, warmed by one untimed run first;
- ``python plain_folium.py DIR OUT.html`` (the baseline: pandas, GeoPandas and
  folium by hand, straight lines, no validation), after one untimed run too;
- ``python -c "import pandas; pandas.read_csv(..., engine='pyarrow')"`` (the
  floor: reading the same shipments.csv and nothing else).

It reports the median wall time of each, the ratios, the CPU time and peak
memory (RSS, from ``wait4``) of each child, and the size of each map at each N;
then the time from navigation to a drawn map (``data-shipmap-ready``) in
headless Chromium, offline, for the default data set's maps. It prints a table
and writes ``docs/benchmarks.md``.

Run from the project root::

    python bench/bench_build.py                  # 10^3, 10^5, 10^6 rows
    python bench/bench_build.py --sizes 1000 --runs 2 --no-report   # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Writes the data sets, in a subprocess: a child's peak RSS counts its parent's
#: memory at fork time, so this process must stay small (it imports no pandas).
GENERATOR = Path(__file__).resolve().parent / "scaled_data.py"

#: Where the project's sessions keep the baseline: next to the repository root.
DEFAULT_BASELINE = ROOT.parent / "shared" / "baseline" / "plain_folium.py"
DEFAULT_SIZES = (1_000, 100_000, 1_000_000)
MAPS = ("map-en.html", "map-fa.html")

# The goals, on the 2-core machine the benchmark is meant for.
GOAL_BASELINE_RATIO = 1.25
GOAL_READ_RATIO = 3.0
GOAL_PEAK_MB = 1500.0
GOAL_SIZE_GROWTH = 1.10
GOAL_DRAW_S = 1.0

#: docs/benchmarks.md keeps what follows this line when the benchmark rewrites it.
NOTES_MARKER = "<!-- notes: kept when the benchmark rewrites this file -->"

READ_SNIPPET = (
    "import sys, time, pandas; t = time.perf_counter(); "
    "pandas.read_csv(sys.argv[1], engine='pyarrow'); "
    "print(time.perf_counter() - t)"
)


@dataclass
class Run:
    """One subprocess: wall and CPU seconds, peak resident memory in MB."""

    wall: float
    cpu: float
    peak_mb: float
    stdout: str = ""


@dataclass
class Size:
    """Every measurement at one number of rows."""

    rows: int
    csv_mb: float
    shipmap: list[Run] = field(default_factory=list)
    baseline: list[Run] = field(default_factory=list)
    read: list[Run] = field(default_factory=list)
    html: dict[str, int] = field(default_factory=dict)  # map name -> bytes

    @staticmethod
    def median(runs: list[Run], attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs)

    def peak(self, runs: list[Run]) -> float:
        return max(r.peak_mb for r in runs)

    def read_in_process(self) -> float:
        return statistics.median(float(r.stdout.strip().splitlines()[-1]) for r in self.read)


def compile_bytecode() -> None:
    """Compile the project's modules once, as ``pip install`` does for an installed package.

    An editable install run with ``PYTHONDONTWRITEBYTECODE`` set (as some
    shared machines and containers do) would otherwise compile every module of
    shipmap again in every timed run (0.1 – 0.2 s of CPU), which no installed
    copy does.
    """
    folders = [str(ROOT / name) for name in ("shipmap", "geo", "routes")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True)


def run_measured(cmd: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` and reap it with ``wait4``: wall, user+system CPU, peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.read()[-2000:]}")
        return Run(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            peak_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            stdout=out.read(),
        )


def measure_size(
    rows: int,
    *,
    data: Path,
    work: Path,
    baseline: Path,
    runs: int,
    seed: int,
    env: dict[str, str],
) -> Size:
    """Write the data set of ``rows`` rows and time the three commands on it."""
    dataset = work / f"data-{rows}"
    subprocess.run(
        [sys.executable, str(GENERATOR), str(data), str(dataset), str(rows), "--seed", str(seed)],
        check=True,
    )
    csv = dataset / "shipments.csv"
    size = Size(rows=rows, csv_mb=csv.stat().st_size / 1e6)
    out = work / f"out-{rows}"
    base_html = work / f"baseline-{rows}.html"
    python = sys.executable
    shipmap_cmd = [python, "-m", "shipmap.cli", "build", str(dataset), "-o", str(out), "-q"]
    baseline_cmd = [python, str(baseline), str(dataset), str(base_html)]
    read_cmd = [python, "-c", READ_SNIPPET, str(csv)]
    # Untimed: fills the route cache and brings the files into the page cache.
    run_measured(shipmap_cmd, env=env)
    run_measured(baseline_cmd, env=env)
    for i in range(runs):
        print(f"  {rows:>9,} rows: run {i + 1} of {runs}", file=sys.stderr, flush=True)
        size.shipmap.append(run_measured(shipmap_cmd, env=env))
        size.baseline.append(run_measured(baseline_cmd, env=env))
        size.read.append(run_measured(read_cmd, env=env))
    for name in MAPS:
        size.html[name] = (out / name).stat().st_size
    size.html["baseline"] = base_html.stat().st_size
    return size


def time_to_draw(pages: list[Path], *, chromium: str, repeats: int) -> dict[str, float]:
    """Median seconds from navigation to ``data-shipmap-ready`` per page, offline."""
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
    ]
    results: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        try:
            for page_path in pages:
                times = []
                for _ in range(repeats + 1):  # the first load warms the browser
                    context = browser.new_context(
                        viewport={"width": 1280, "height": 800}, offline=True
                    )
                    page = context.new_page()
                    t0 = time.perf_counter()
                    page.goto(page_path.resolve().as_uri(), wait_until="commit")
                    page.wait_for_function(
                        "document.documentElement.dataset.shipmapReady === 'true'",
                        polling="raf",
                        timeout=30_000,
                    )
                    times.append(time.perf_counter() - t0)
                    context.close()
                results[str(page_path)] = statistics.median(times[1:])
        finally:
            browser.close()
    return results


def machine() -> str:
    """One line about the machine the figures come from."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024**2:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    versions = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pandas, pyarrow, folium; "
            "print(f'pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, "
            "folium {folium.__version__}')",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({model or platform.processor() or 'unknown CPU'}){memory}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"{versions}"
    )


def verdict(ok: bool | None) -> str:
    if ok is None:
        return "not measured"
    return "met" if ok else "MISSED"


def report(
    sizes: list[Size],
    draw: dict[str, float],
    *,
    command: str,
    loads: tuple[str, str],
    runs: dict[int, int],
    chromium: str = "/usr/bin/chromium",
) -> tuple[str, str]:
    """The results as a plain-text table and as a Markdown document."""
    first, last = sizes[0], sizes[-1]
    rows_md = []
    rows_txt = [
        f"{'rows':>10} {'csv MB':>7} {'shipmap s':>9} {'baseline s':>10} {'read s':>7} "
        f"{'ship/base':>9} {'ship/read':>9} {'ship CPU':>8} {'base CPU':>8} "
        f"{'ship MB':>8} {'base MB':>8} {'read MB':>8}"
    ]
    for s in sizes:
        ship, base, read = (
            s.median(s.shipmap, "wall"),
            s.median(s.baseline, "wall"),
            s.median(s.read, "wall"),
        )
        ship_cpu, base_cpu = s.median(s.shipmap, "cpu"), s.median(s.baseline, "cpu")
        rows_txt.append(
            f"{s.rows:>10,} {s.csv_mb:>7.1f} {ship:>9.2f} {base:>10.2f} {read:>7.2f} "
            f"{ship / base:>9.2f} {ship / read:>9.2f} {ship_cpu:>8.2f} {base_cpu:>8.2f} "
            f"{s.peak(s.shipmap):>8.0f} {s.peak(s.baseline):>8.0f} {s.peak(s.read):>8.0f}"
        )
        rows_md.append(
            f"| {s.rows:,} | {s.csv_mb:.1f} | {runs[s.rows]} | {ship:.2f} | {base:.2f} | "
            f"{read:.2f} ({s.read_in_process():.2f}) | **{ship / base:.2f}** | "
            f"**{ship / read:.2f}** | {ship_cpu:.2f} | {base_cpu:.2f} | "
            f"{s.peak(s.shipmap):.0f} | {s.peak(s.baseline):.0f} | {s.peak(s.read):.0f} |"
        )
    size_txt = [f"{'rows':>10} " + " ".join(f"{n:>14}" for n in (*MAPS, "baseline"))]
    size_md = []
    for s in sizes:
        cells = [f"{s.html[n]:>8,} ({s.html[n] / first.html[n]:.3f}×)" for n in (*MAPS, "baseline")]
        size_txt.append(f"{s.rows:>10,} " + " ".join(f"{c:>14}" for c in cells))
        size_md.append(f"| {s.rows:,} | " + " | ".join(c.strip() for c in cells) + " |")
    draw_txt = [f"{Path(p).name:>12}: {t:.3f} s" for p, t in draw.items()]

    ship, base, read = (
        last.median(last.shipmap, "wall"),
        last.median(last.baseline, "wall"),
        last.median(last.read, "wall"),
    )
    peak = max(s.peak(s.shipmap) for s in sizes)
    growth = max(last.html[n] / first.html[n] for n in MAPS)
    slowest_draw = max(draw.values()) if draw else float("nan")
    goals = [
        (
            f"at {last.rows:,} rows, within {GOAL_BASELINE_RATIO}× of the baseline's wall time",
            f"{ship / base:.2f}×",
            ship / base <= GOAL_BASELINE_RATIO,
        ),
        (
            f"at {last.rows:,} rows, within {GOAL_READ_RATIO:g}× of reading the CSV alone",
            f"{ship / read:.2f}×",
            ship / read <= GOAL_READ_RATIO,
        ),
        (f"peak memory under {GOAL_PEAK_MB:.0f} MB", f"{peak:.0f} MB", peak < GOAL_PEAK_MB),
        (
            f"each map at {last.rows:,} rows at most {GOAL_SIZE_GROWTH:.2f}× its size at "
            f"{first.rows:,}",
            f"{growth:.3f}×",
            growth <= GOAL_SIZE_GROWTH,
        ),
        (
            f"default map drawn in Chromium within {GOAL_DRAW_S:g} s of navigation",
            f"{slowest_draw:.3f} s" if draw else "not measured",
            slowest_draw <= GOAL_DRAW_S if draw else None,
        ),
    ]
    goals_txt = [f"  [{verdict(ok)}] {what}: {value}" for what, value, ok in goals]
    text = "\n".join(
        [
            "Build time (median wall seconds; CPU = user+system; MB = peak RSS)",
            *rows_txt,
            "",
            "HTML size in bytes (growth against the smallest N)",
            *size_txt,
            "",
            "Time to a drawn map in headless Chromium (median, offline)",
            *draw_txt,
            "",
            "Goals",
            *goals_txt,
        ]
    )
    columns = [
        "rows",
        "CSV MB",
        "runs",
        "shipmap s",
        "baseline s",
        "read s",
        "shipmap / baseline",
        "shipmap / read",
        "shipmap CPU s",
        "baseline CPU s",
        "shipmap MB",
        "baseline MB",
        "read MB",
    ]
    time_header = "| " + " | ".join(columns) + " |\n|" + " ---: |" * len(columns)
    md = f"""# Benchmarks

Generated by `bench/bench_build.py` on {dt.date.today().isoformat()}. Reproduce
from the project root (it takes a few minutes; the data sets are written to a
temporary folder):

```sh
{command}
```

Machine: {machine()}. The machine is shared with other work: load average
{loads[0]} before the run and {loads[1]} after it, so wall times are noisy;
the runs alternate between the three commands so that they share the noise,
and CPU times (user + system of the child) are given beside them.

## What is measured

For each N, the default data set (`data/`) with every place given coordinates
(Kursk: 51.7269, 36.1846) and a `shipments.csv` of exactly N rows: its own 19
rows, then event rows with dates spread over 2023-08..2025-03, the data set's
units and sources, and ships' names on sea legs (`bench/scaled_data.py`,
seeded). Each command runs as a fresh subprocess, so interpreter start-up and
imports count:

- **shipmap**: `python -m shipmap.cli build DIR -o OUT -q`: validation, routing,
  figures, two maps (en, fa), index, GeoJSON, `flows.csv` and `shipmap.gpkg`
  (`places`, `legs` and `months`; the rows themselves only with `--events`,
  not asked for here). The route and land caches
  are warm: one untimed build comes first (sea routing is benchmarked on its
  own in `bench/bench_routing.py`).
- **baseline**: `plain_folium.py DIR OUT.html` (`../shared/baseline/`): pandas,
  GeoPandas and folium by hand, straight lines, one map, no validation. One
  untimed run comes first too.
- **read**: `python -c "import pandas; pandas.read_csv(CSV, engine='pyarrow')"`,
  the floor; in brackets, the read alone inside that process.

Times are medians over the runs; MB is the largest peak RSS over the runs
(`ru_maxrss` from `wait4`, in units of 1024 KiB).

## Build time and memory

{time_header}
{chr(10).join(rows_md)}

## Page size

Bytes, and growth against N = {first.rows:,}. A leg's popup lists at most 8
events and 12 vessels, its sources come from `sources.csv`, and the time data is
one bin per (leg, unit, month), so a page grows with the legs, places, sources
and months of a data set, not with its rows.

| rows | {" | ".join(MAPS)} | baseline |
| ---: | ---: | ---: | ---: |
{chr(10).join(size_md)}

## Time to a drawn map

From `page.goto` to `document.documentElement.dataset.shipmapReady === 'true'`
in headless Chromium (`{chromium}` driven by Playwright), offline, 1280×800,
a fresh browser context per load; median of the loads after one warm-up load.

| page | seconds |
| --- | ---: |
{chr(10).join(f"| {Path(p).parent.name}/{Path(p).name} | {t:.3f} |" for p, t in draw.items())}

## Goals

| goal | measured | |
| --- | ---: | --- |
{chr(10).join(f"| {what} | {value} | {verdict(ok)} |" for what, value, ok in goals)}
"""
    return text, md


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=list(DEFAULT_SIZES),
        help="comma-separated row counts",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help="timed runs per size (default: 5, or 3 at 10^6 rows and more)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=DEFAULT_BASELINE,
        help=f"the hand-written folium script (default: {DEFAULT_BASELINE})",
    )
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="data set to scale")
    parser.add_argument("--seed", type=int, default=20250327)
    parser.add_argument(
        "--chromium",
        default=os.environ.get("SHIPMAP_CHROMIUM")
        or shutil.which("chromium")
        or "/usr/bin/chromium",
    )
    parser.add_argument("--draw-repeats", type=int, default=5)
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-report", action="store_true", help="print only")
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the data sets and outputs here and keep them"
    )
    args = parser.parse_args(argv)
    if not args.baseline.is_file():
        parser.error(f"baseline not found: {args.baseline} (give --baseline PATH)")

    loads = (" ".join(f"{x:.1f}" for x in os.getloadavg()), "")
    with tempfile.TemporaryDirectory(prefix="shipmap-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PYTHONPATH=str(ROOT), SHIPMAP_CACHE=str(work / "route-cache"))
        compile_bytecode()
        sizes: list[Size] = []
        runs: dict[int, int] = {}
        for rows in args.sizes:
            runs[rows] = args.runs or (3 if rows >= 1_000_000 else 5)
            sizes.append(
                measure_size(
                    rows,
                    data=args.data,
                    work=work,
                    baseline=args.baseline,
                    runs=runs[rows],
                    seed=args.seed,
                    env=env,
                )
            )
        default_out = work / "out-default"
        run_measured(
            [
                sys.executable,
                "-m",
                "shipmap.cli",
                "build",
                str(args.data),
                "-o",
                str(default_out),
                "-q",
            ],
            env=env,
        )
        pages = [default_out / name for name in MAPS]
        draw: dict[str, float] = {}
        if Path(args.chromium).is_file():
            draw = time_to_draw(pages, chromium=args.chromium, repeats=args.draw_repeats)
            draw = {f"data/{Path(p).name}": t for p, t in draw.items()}
        else:
            print(
                f"no Chromium at {args.chromium}: time to draw not measured (give --chromium PATH)",
                file=sys.stderr,
            )
    loads = (loads[0], " ".join(f"{x:.1f}" for x in os.getloadavg()))
    command = "python bench/bench_build.py" + (
        f" --sizes {','.join(map(str, args.sizes))}" if args.sizes != list(DEFAULT_SIZES) else ""
    )
    text, md = report(sizes, draw, command=command, loads=loads, runs=runs, chromium=args.chromium)
    print(text)
    if not args.no_report:
        # Hand-written notes below the marker survive a new run.
        notes = ""
        if args.report.is_file():
            old = args.report.read_text(encoding="utf-8")
            if NOTES_MARKER in old:
                notes = old[old.index(NOTES_MARKER) :]
        args.report.write_text(md + ("\n" + notes if notes else ""), encoding="utf-8")
        print(f"\nwrote {args.report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
