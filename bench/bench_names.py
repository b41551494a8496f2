"""Held-out names: every string of the Big List of Naughty Strings as a column and as a unit.

Run from the repository root:

    .venv/bin/python bench/bench_names.py ["unit"] ["column in legs.csv"] ...

For each of the 515 strings (bench/naughty_names/blns.json, MIT, Max Woolf,
github.com/minimaxir/big-list-of-naughty-strings) the small data set below gets
it as an extra column of places.csv, of legs.csv and of shipments.csv, and as a
unit. Each data set must either be refused with problems that are one line each
and name a file, or be accepted with every output intact: the GeoJSON's
``layer``, ``id``, ``origin``, ``destination``, ``mode`` and ``length_km``,
flows.csv's ends and modes, and the GeoPackage's legs as sent. Anything else
(a traceback, a problem over two lines, a changed column) is a failure.
Prints one table row per case; the numbers go into docs/benchmarks.md.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

import pyogrio
from shipmap.geo.places import locate_places
from shipmap.routes.flows import join_flows
from shipmap.routes.legs import build_legs

from shipmap.dataset import load_dataset
from shipmap.errors import DataError
from shipmap.outputs.exports import flows_table, geopackage_bytes
from shipmap.outputs.write import geojson_document

NAMES = json.loads((Path(__file__).parent / "naughty_names" / "blns.json").read_text("utf-8"))

PLACES = """\
id,name,lat,lon,country,kind
rajin,Rajin,42.2333,130.3,KP,port
dunai,Dunai,42.8803,132.3375,RU,port
tikhoretsk,Tikhoretsk,45.8531,40.1187,RU,depot
"""
LEGS = """\
id,origin,destination,mode
air_rajin_dunai,rajin,dunai,air
rail_dunai_tikhoretsk,dunai,tikhoretsk,rail
"""
SHIPMENTS = """\
leg,start,quantity,unit
air_rajin_dunai,2024-01,10,troops
rail_dunai_tikhoretsk,2024-02,20,troops
"""


def with_column(text: str, name: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*rows[0], name])
    writer.writerows([*row, f"v{i}"] for i, row in enumerate(rows[1:]))
    return out.getvalue()


def with_unit(text: str, unit: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    writer.writerows([*row[:3], unit] for row in rows[1:])
    return out.getvalue()


def check(files: dict[str, str]) -> str:
    """Return 'refused', 'accepted', or what went wrong."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, text in files.items():
            (root / name).write_text(text, "utf-8", newline="")
        try:
            ds = load_dataset(root)
        except DataError as err:
            for problem in err.problems:
                if "\n" in str(problem) or "\r" in str(problem):
                    return f"problem over several lines: {str(problem)!r}"
                if problem.file not in files:
                    return f"problem without its file: {problem}"
            return "refused"
        places = locate_places(ds.places)
        legs = build_legs(ds.legs, places)
        flows = join_flows(legs, ds.shipments)
        sent = {row["id"]: row for row in ds.legs.to_dict("records")}
        for feature in geojson_document(places, flows.legs)["features"]:
            props = feature["properties"]
            if props["layer"] == "leg":
                row = sent[props["id"]]
                if any(props[c] != row[c] for c in ("origin", "destination", "mode")):
                    return f"GeoJSON leg changed: {props}"
                if not 100 < props["length_km"] < 10_000:
                    return f"GeoJSON length_km changed: {props['length_km']!r}"
            elif props["layer"] != "place" or props.get("coord_source") != "data set":
                return f"GeoJSON place changed: {props}"
        for rec in flows_table(flows.legs, flows.headlines).to_dict("records"):
            row = sent[rec["leg"]]
            if (rec["origin"], rec["destination"], rec["mode"]) != (
                row["origin"],
                row["destination"],
                row["mode"],
            ):
                return f"flows.csv changed: {rec}"
        path = root / "out.gpkg"
        path.write_bytes(geopackage_bytes(places, flows.legs, ds.shipments))
        for rec in pyogrio.read_dataframe(path, layer="legs").to_dict("records"):
            row = sent[rec["id"]]
            if (rec["origin"], rec["mode"]) != (row["origin"], row["mode"]):
                return f"GeoPackage leg changed: {rec}"
        return "accepted"


CASES = {
    "column in places.csv": lambda n: {
        "places.csv": with_column(PLACES, n),
        "legs.csv": LEGS,
        "shipments.csv": SHIPMENTS,
    },
    "column in legs.csv": lambda n: {
        "places.csv": PLACES,
        "legs.csv": with_column(LEGS, n),
        "shipments.csv": SHIPMENTS,
    },
    "column in shipments.csv": lambda n: {
        "places.csv": PLACES,
        "legs.csv": LEGS,
        "shipments.csv": with_column(SHIPMENTS, n),
    },
    "unit": lambda n: {
        "places.csv": PLACES,
        "legs.csv": LEGS,
        "shipments.csv": with_unit(SHIPMENTS, n),
    },
}


def main() -> int:
    print(f"{len(NAMES)} strings from the Big List of Naughty Strings")
    print("| case | accepted | refused | failures | seconds |")
    print("| --- | ---: | ---: | ---: | ---: |")
    failures = []
    chosen = sys.argv[1:] or list(CASES)  # e.g. "unit" "column in legs.csv"
    for case, make in CASES.items():
        if case not in chosen:
            continue
        outcomes: Counter[str] = Counter()
        t0 = time.perf_counter()
        for name in NAMES:
            try:
                outcome = check(make(name))
            except Exception:
                outcome = "traceback: " + traceback.format_exc().strip().splitlines()[-1]
            if outcome not in ("accepted", "refused"):
                failures.append((case, name, outcome))
                outcome = "failure"
            outcomes[outcome] += 1
        seconds = time.perf_counter() - t0
        print(
            f"| {case} | {outcomes['accepted']} | {outcomes['refused']} | "
            f"{outcomes['failure']} | {seconds:.0f} |"
        )
    for case, name, outcome in failures[:30]:
        print(f"FAIL {case} {name!r}: {outcome}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
