"""Maps of 10 to 50,000 legs: page size, time to a drawn map, and zooming and panning.

For each size N the benchmark writes a data set of N legs between real ports
and cities (``bench/many_legs.py``: sea legs along stretches that shipmap's own
sea router drew, from the route cache; rail, road and air legs between GeoNames
cities), builds it with ``shipmap build`` in a fresh subprocess (timed), and
opens the English map in headless Chromium, offline, at 1280×800. It reports:

- the page's size;
- the time from navigation to a drawn map (the page sets ``data-shipmap-ready``
  once it has drawn: a canvas map draws a view over a few tasks; two animation
  frames more are waited for);
- the longest main-thread task while loading (Long Tasks API);
- for a zoom in by two levels, a pan by (300, 200) pixels and a zoom out by two
  levels: the time until the map has settled and drawn (for a canvas map, until
  the picture of the new view is shown), and the longest main-thread task
  meanwhile.

Maps up to ``--svg-up-to`` legs are built a second time with ``renderer =
"svg"`` (every leg an SVG path, as all maps were drawn before), so the two
renderers are compared in one run, on the same machine and data. With
``--against REV`` every map is also built by the code of git revision REV (an
older shipmap, unpacked from git into a temporary folder), and the two pages
are opened in turn, ``--rounds`` times each, so that old and new are measured
side by side under the same load; each row then gives the median of its
rounds. ``--keep DIR`` keeps the data sets and maps in DIR; ``--kept`` opens
the maps an earlier run kept there again, without writing or building anything
(a measurement rerun on the same pages, under another load). The results
go into their own section of ``docs/benchmarks.md`` (between markers, kept
when ``bench_build.py`` rewrites the rest).

The first run routes the pool of port-to-port stretches into the route cache
(``SHIPMAP_CACHE``, which must be set; several minutes, once).

Run from the project root::

    SHIPMAP_CACHE=~/.cache/shipmap-bench python bench/bench_large_maps.py
    SHIPMAP_CACHE=... python bench/bench_large_maps.py --sizes 1000 10000 --no-report
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

DEFAULT_SIZES = (10, 100, 1_000, 10_000, 50_000)
START = "<!-- large-maps: written by bench/bench_large_maps.py -->"
END = "<!-- large-maps: end -->"

# The goals of a map of 10,000 legs and about 2,000 places.
GOAL_BYTES = 8_000_000
GOAL_DRAWN_S = 2.0
GOAL_TASK_S = 0.2

INIT = """
window.__longtasks = [];
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) { window.__longtasks.push([e.startTime, e.duration]); });
  }).observe({ type: "longtask", buffered: true });
} catch (e) {}
"""

ACTION = """async (kind) => {
  const map = window.shipmap.map();
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const t0 = performance.now();
  const done = new Promise(r => map.once('moveend', r));
  if (kind === 'zoom in') map.setZoom(map.getZoom() + 2);
  else if (kind === 'zoom out') map.setZoom(map.getZoom() - 2);
  else map.panBy([300, 200]);
  await done;
  const routes = window.shipmap.routes && window.shipmap.routes();
  if (routes && routes.whenDrawn) await routes.whenDrawn();  // a canvas map draws in slices
  await frames();
  const t1 = performance.now();
  await new Promise(r => setTimeout(r, 300));
  const worst = window.__longtasks.filter(t => t[0] + t[1] >= t0)
    .reduce((m, t) => Math.max(m, t[1]), 0);
  return { seconds: (t1 - t0) / 1000, longest: worst / 1000 };
}"""

ACTIONS = ("zoom in", "pan", "zoom out")


def measure_page(path: Path, *, chromium: str) -> dict[str, float]:
    """Open a map in headless Chromium, offline, and time it (see the module's docstring)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, float] = {"bytes": float(path.stat().st_size)}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 800}, offline=True)
        page = context.new_page()
        page.add_init_script(INIT)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t0 = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="commit", timeout=900_000)
        page.wait_for_selector("html[data-shipmap-ready]", state="attached", timeout=900_000)
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        out["drawn"] = time.perf_counter() - t0
        out["load task"] = page.evaluate(
            "() => window.__longtasks.reduce((m, t) => Math.max(m, t[1]), 0) / 1000"
        )
        for kind in ACTIONS:
            r = page.evaluate(ACTION, kind)
            out[kind] = r["seconds"]
            out[f"{kind} task"] = r["longest"]
        out["errors"] = float(len(errors))
        browser.close()
    return out


def build(data: Path, out: Path, *, code: Path = ROOT) -> float:
    """Build ``data`` into ``out`` in a fresh process, by the code in ``code``; its wall time."""
    env = dict(os.environ)
    if code != ROOT:  # an older shipmap first on the path, before the installed one
        env["PYTHONPATH"] = os.pathsep.join([str(code), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    command = ["shipmap.cli", "build", str(data.resolve()), "-o", str(out.resolve()), "-q"]
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", *command],
        check=True,
        cwd=code,
        env=env,
    )
    return time.perf_counter() - t0


def unpack_revision(rev: str, folder: Path) -> Path:
    """The package of git revision ``rev``, laid out as installed, in ``folder`` (``--against``).

    ``geo/`` and ``routes/`` are the subpackages ``shipmap.geo`` and
    ``shipmap.routes`` (pyproject's package-dir), so they go inside ``shipmap/``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", rev, "shipmap", "geo", "routes"],
        check=True,
        cwd=ROOT,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    for sub in ("geo", "routes"):
        (folder / sub).rename(folder / "shipmap" / sub)
    return folder


def count_rows(data: Path) -> dict[str, int]:
    """Legs, places and shipment rows of a data set already written (``--kept``)."""

    def rows(name: str) -> int:
        with (data / name).open(encoding="utf-8") as f:
            return sum(1 for _ in f) - 1

    return {"legs": rows("legs.csv"), "places": rows("places.csv"), "rows": rows("shipments.csv")}


def median_page(pages: list[dict[str, float]]) -> dict[str, float]:
    """Each measure's median over rounds."""
    return {k: statistics.median(p[k] for p in pages) for k in pages[0]}


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def table(rows: list[dict[str, object]]) -> str:
    """Markdown table of the results."""
    head = (
        "| legs | places | renderer | code | build | page | drawn | longest task (load) "
        "| zoom in | pan | zoom out | longest task (zoom/pan) |\n"
        "| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
    )
    lines = []
    for r in rows:
        m = r["page"]
        assert isinstance(m, dict)
        moving = max(m[f"{k} task"] for k in ACTIONS)
        lines.append(
            f"| {r['legs']:,} | {r['places']:,} | {r['renderer']} | {r.get('code', 'this')} "
            + (f"| {r['build']:.1f} s " if r["build"] is not None else "| kept ")
            + f"| {_mb(m['bytes'])} | {m['drawn']:.2f} s | {m['load task']:.2f} s "
            f"| {m['zoom in']:.2f} s | {m['pan']:.2f} s | {m['zoom out']:.2f} s "
            f"| {moving:.2f} s |"
        )
    return head + "\n".join(lines) + "\n"


def write_report(report: Path, text: str) -> None:
    """Put ``text`` between this benchmark's markers in ``report`` (appended the first time)."""
    old = report.read_text(encoding="utf-8") if report.is_file() else "# Benchmarks\n"
    section = f"{START}\n{text.rstrip()}\n{END}"
    if START in old and END in old:
        new = old[: old.index(START)] + section + old[old.index(END) + len(END) :]
    else:
        new = old.rstrip() + "\n\n" + section + "\n"
    report.write_text(new, encoding="utf-8")


def measure_built(
    built: list[tuple[str, Path, float | None]],
    counts: dict[str, int],
    args: argparse.Namespace,
) -> list[dict[str, object]]:
    """Open each built map ``args.rounds`` times, in turn; a row for each (medians)."""
    pages: dict[str, list[dict[str, float]]] = {label: [] for label, _, _ in built}
    for _ in range(args.rounds):  # in turn, so that all see the same load
        for label, out, _ in built:
            pages[label].append(measure_page(out / "map-en.html", chromium=args.chromium))
    rows: list[dict[str, object]] = []
    for label, out, seconds in built:
        html = (out / "map-en.html").read_text(encoding="utf-8")
        drawn_as = "canvas" if 'id="shipmap-routes"' in html else "svg"
        row = {
            "legs": counts["legs"],
            "places": counts["places"],
            "rows": counts["rows"],
            "renderer": drawn_as,
            "code": label,
            "build": seconds,
            "page": median_page(pages[label]),
            "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--svg-up-to", type=int, default=1_000)
    parser.add_argument(
        "--chromium", default=os.environ.get("SHIPMAP_CHROMIUM", "/usr/bin/chromium")
    )
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the data sets and maps in this folder")
    parser.add_argument("--against", help="also build every map with this git revision's code")
    parser.add_argument("--rounds", type=int, default=1, help="times each page is opened")
    parser.add_argument(
        "--kept", action="store_true", help="open the maps kept in --keep again, build nothing"
    )
    args = parser.parse_args()
    if args.kept and not args.keep:
        sys.exit("bench_large_maps: --kept opens the maps in the --keep folder: name it")
    if not args.kept and not os.environ.get("SHIPMAP_CACHE"):
        sys.exit("bench_large_maps: set SHIPMAP_CACHE to a route cache folder (kept between runs)")

    from many_legs import write_many_legs

    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="shipmap-large-") as tmp:
        base = args.keep or Path(tmp)
        codes = [("this", ROOT)]
        if args.against and not args.kept:
            old = unpack_revision(args.against, Path(tmp) / "against")
            codes.append((args.against[:12], old))
        for n in args.sizes:
            data = base / f"legs-{n}"
            if args.kept:
                counts = count_rows(data)
                kept = sorted(base.glob(f"out-{n}-*/map-en.html"))
                if not kept:
                    sys.exit(f"bench_large_maps: no map of {n} legs kept in {base}")
                for renderer in sorted({page.parent.name.split("-")[2] for page in kept}):
                    outs = [
                        page.parent for page in kept if page.parent.name.split("-")[2] == renderer
                    ]
                    # "this" first, as a run that builds them lists them
                    outs.sort(key=lambda o: (o.name.split("-", 3)[3] != "this", o.name))
                    built = [(o.name.split("-", 3)[3], o, None) for o in outs]
                    rows.extend(measure_built(built, counts, args))
                continue
            counts = write_many_legs(data, legs=n)
            renderers = ["auto", "svg"] if n <= args.svg_up_to else ["auto"]
            for renderer in renderers:
                if renderer == "svg":
                    toml = data / "map.toml"
                    toml.write_text('renderer = "svg"\n' + toml.read_text(encoding="utf-8"))
                built: list[tuple[str, Path, float | None]] = []
                for label, code in codes:
                    out = base / f"out-{n}-{renderer}-{label}"
                    built.append((label, out, build(data, out, code=code)))
                rows.extend(measure_built(built, counts, args))
    text = table(rows)
    print(text)
    if args.no_report:
        return
    ten = [
        r
        for r in rows
        if r["legs"] == 10_000 and r["renderer"] == "canvas" and r.get("code") == "this"
    ]
    goals = ""
    if ten:
        m = ten[0]["page"]
        assert isinstance(m, dict)
        moving = max(m[f"{k} task"] for k in ACTIONS)
        goals = (
            f"\nGoals at 10,000 legs: page under {GOAL_BYTES / 1e6:.0f} MB: "
            f"{'met' if m['bytes'] < GOAL_BYTES else 'missed'} ({_mb(m['bytes'])}); drawn in "
            f"under {GOAL_DRAWN_S:.0f} s: {'met' if m['drawn'] < GOAL_DRAWN_S else 'missed'} "
            f"({m['drawn']:.2f} s); no task over {GOAL_TASK_S * 1000:.0f} ms while zooming "
            f"or panning: {'met' if moving <= GOAL_TASK_S else 'missed'} "
            f"({moving * 1000:.0f} ms).\n"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    write_report(
        args.report,
        "## Large maps: 10 to 50,000 legs\n\n"
        f"`bench/bench_large_maps.py`, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {load:.1f} at the end; Chromium headless, offline, "
        "1280×800. Data: real ports (searoute's port list, Apache-2.0) and GeoNames cities "
        "(CC BY 4.0), see `bench/many_legs.py`.\n\n" + text + goals,
    )


if __name__ == "__main__":
    main()
