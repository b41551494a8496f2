"""Score the geocoder on the held-out evaluation set (bench/data/geocode-eval.csv).

Run from the repository root:

    .venv/bin/python bench/geocode_eval.py [--split dev|test|all] [--data FILE] [--markdown]

``--data`` names the full set (its rows from GPL-3.0 repositories are not kept
here: bench/data/README.md says how to rebuild it); the default is the part
kept in the repository, the CLDR rows and the World Port Index rows (public
domain), which are the full set's first rows, so the split is the same.

Every row is geocoded twice through the batch API (``geocode_rows``, what
``shipmap geocode --file`` runs): by name alone and with the row's country. A
port row is asked for as a port (``kind=port``), as a port list would be.
Outcomes: **correct** (placed within 25 km of the expected point), **wrong**
(placed farther), **ambiguous** (refused with candidates), **unknown** (no place
of that name). Wrong pins are counted against the names placed.

The split: rows 0, 2, 4, ... ("dev") were looked at while the rules were
written; rows 1, 3, 5, ... ("test") were not. See bench/data/README.md for
where each set comes from and its licence.
"""

from __future__ import annotations

import argparse
import collections
import csv
import math
import platform
import sys
import time
from pathlib import Path

from shipmap.geo.geocode import default_gazetteer, geocode_rows

from shipmap.cache import cache_dir

DATA = Path(__file__).parent / "data" / "geocode-eval.csv"
CORRECT_KM = 25.0
OUTCOMES = ("correct", "wrong", "ambiguous", "unknown")


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of 6,371 km (enough to compare with 25 km)."""
    p = math.pi / 180
    h = (
        math.sin((lat2 - lat1) * p / 2) ** 2
        + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2
    )
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def groups(row: dict[str, str]) -> list[str]:
    out = ["all", f"set {row['set']}", f"kind {row['kind']}"]
    if row["set"] == "cldr":
        out.append("cldr " + ("Latin" if row["script"] == "Latin" else "non-Latin"))
        out.append(f"cldr script {row['script']}")
    return out


def score(
    rows: list[dict[str, str]], with_country: bool
) -> tuple[dict[str, collections.Counter[str]], float]:
    queries = [
        {
            "name": r["name"],
            "country": r["country"] if with_country else "",
            "kind": "port" if r["kind"] == "port" else "",
        }
        for r in rows
    ]
    start = time.perf_counter()
    results = list(geocode_rows(queries, gazetteer=default_gazetteer(cache_dir("gazetteer"))))
    seconds = time.perf_counter() - start
    stats: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for row, out in zip(rows, results, strict=True):
        status = out["status"]
        if status == "placed":
            d = km(float(row["lat"]), float(row["lon"]), float(out["lat"]), float(out["lon"]))
            status = "correct" if d <= CORRECT_KM else "wrong"
        for g in groups(row):
            stats[g][status] += 1
    return stats, seconds


def table(stats: dict[str, collections.Counter[str]]) -> list[str]:
    lines = [
        "| group | names | placed | correct | wrong | wrong / placed | ambiguous | unknown |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    order = sorted(stats, key=lambda g: (g != "all", g.split()[0], -sum(stats[g].values()), g))
    for g in order:
        c = stats[g]
        n = sum(c.values())
        placed = c["correct"] + c["wrong"]
        rate = f"{100 * c['wrong'] / placed:.2f} %" if placed else "–"
        lines.append(
            f"| {g} | {n:,} | {placed:,} ({100 * placed / n:.1f} %) | {c['correct']:,} |"
            f" {c['wrong']:,} | {rate} | {c['ambiguous']:,} | {c['unknown']:,} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--data", type=Path, default=DATA, help="the evaluation CSV")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables only")
    args = parser.parse_args()
    with args.data.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if args.split != "all":
        rows = rows[0 if args.split == "dev" else 1 :: 2]
    start = time.perf_counter()
    default_gazetteer(cache_dir("gazetteer")).world  # noqa: B018 (load the world index now)
    load = time.perf_counter() - start
    print(f"{len(rows):,} names ({args.split}); gazetteer loaded in {load:.2f} s", file=sys.stderr)
    print(f"Python {platform.python_version()}, {platform.machine()}", file=sys.stderr)
    for with_country in (False, True):
        stats, seconds = score(rows, with_country)
        title = "with the country" if with_country else "by name alone"
        print(f"\n#### {title} ({len(rows):,} names geocoded in {seconds:.1f} s)\n")
        print("\n".join(table(stats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
