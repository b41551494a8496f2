"""Write what AIS showed into a data set of the contract, new or existing.

- ``places.csv``: each port a voyage or call uses that the data set lacks
  (kind ``port``; its note says which list it came from);
- ``legs.csv``: one ``sea`` leg per ordered pair of ports, reusing a sea leg
  the data set already has between the same two places;
- ``shipments.csv``: one ``event`` row per voyage, ``quantity`` 1, ``unit``
  ``voyages``, dates from the calls, the ship's name(s) in ``vessel``;
- ``sources.csv``: one row describing the AIS files and the rules applied;
- ``calls.csv`` and ``gaps.csv``: every call and dark gap, times in ISO 8601 UTC.

Every row written carries the AIS source's id, so running the same files again
replaces those rows instead of adding them twice; rows from other sources are
kept as they are. Nothing is replaced until the whole new data set has passed
the contract's checks, and each file is swapped in whole.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shipmap.ais.events import Events
from shipmap.ais.ports import slug
from shipmap.ais.track import EARTH_KM
from shipmap.dataset import load_dataset

__all__ = ["CALLS_FILE", "GAPS_FILE", "AisSource", "extend_dataset", "iso_utc"]

CALLS_FILE = "calls.csv"
GAPS_FILE = "gaps.csv"
_CALL_HEADER = ("vessel", "mmsi", "port", "arrival", "departure", "lat", "lon", "hours", "source")
_GAP_HEADER = (
    "vessel",
    "mmsi",
    "start",
    "end",
    "hours",
    "start_lat",
    "start_lon",
    "end_lat",
    "end_lon",
    "km",
    "source",
)
_CONTRACT_HEADERS = {
    "places.csv": ("id", "name", "lat", "lon", "country", "kind", "aliases", "source", "note"),
    "legs.csv": ("id", "origin", "destination", "mode", "via", "label", "source", "note"),
    "shipments.csv": (
        "leg",
        "start",
        "end",
        "quantity",
        "unit",
        "basis",
        "cargo",
        "vessel",
        "source",
        "id",
        "note",
    ),
    "sources.csv": ("id", "publisher", "title", "date", "url", "note"),
}


@dataclass(frozen=True)
class AisSource:
    """The ``sources.csv`` row that describes the AIS files."""

    id: str
    publisher: str
    title: str
    date: str = ""
    url: str = ""
    note: str = ""


def iso_utc(seconds: float) -> str:
    """Seconds since 1970 as ISO 8601 UTC to the second (``2024-03-14T06:00:00Z``)."""
    stamp = datetime.fromtimestamp(round(float(seconds)), tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(float(seconds), tz=UTC).strftime("%Y%m%d%H%M")


def _day(seconds: float) -> str:
    return datetime.fromtimestamp(float(seconds), tz=UTC).strftime("%Y-%m-%d")


def _read(path: Path, header: Sequence[str]) -> tuple[list[str], list[dict[str, str]]]:
    if not path.is_file():
        return list(header), []
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    columns = list(reader.fieldnames or header)
    rows = [
        {k: (v or "") for k, v in row.items() if k is not None}
        for row in reader
        if any(row.values())
    ]
    return columns, rows


def _render(columns: Sequence[str], rows: Sequence[Mapping[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue()


def _with(columns: list[str], wanted: Sequence[str]) -> list[str]:
    return columns + [c for c in wanted if c not in columns]


def _fmt(value: float, digits: int = 6) -> str:
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    import math

    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _place_ids(
    events: Events, places: list[dict[str, str]], radius_km: float
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Map each port of the events to a place id, adding the ports the data set lacks."""
    known = {row["id"]: row for row in places}
    mapping: dict[str, str] = {}
    added: list[dict[str, str]] = []
    for port in events.ports.to_dict("records"):
        pid = str(port["id"])
        if port["origin"] == "data set":
            mapping[pid] = pid
            continue
        here = (float(port["lat"]), float(port["lon"]))
        base = slug(pid)
        candidate, n = base, 1
        while candidate in known:
            row = known[candidate]
            try:
                there = (float(row.get("lat") or "nan"), float(row.get("lon") or "nan"))
            except ValueError:
                there = (float("nan"), float("nan"))
            if there == there and _km(here, there) <= radius_km:
                break  # the data set already has this place under this id
            n += 1
            candidate = f"{base}-port" if n == 2 else f"{base}-port-{n - 1}"
        mapping[pid] = candidate
        if candidate not in known:
            row = {
                "id": candidate,
                "name": str(port["name"]),
                "lat": _fmt(here[0]),
                "lon": _fmt(here[1]),
                "country": str(port.get("country") or ""),
                "kind": "port",
                "note": str(port.get("note") or ""),
            }
            known[candidate] = row
            added.append(row)
    return mapping, added


def extend_dataset(
    root: Path,
    events: Events,
    source: AisSource,
    *,
    radius_km: float,
    title: str | None = None,
) -> dict[str, int]:
    """Write the events into the data set at ``root`` (created when missing).

    Returns the number of rows written per file. Raises
    :class:`shipmap.errors.DataError` when the result would break the contract
    (the data set is then left as it was).
    """
    root = Path(root)
    files = {name: _read(root / name, header) for name, header in _CONTRACT_HEADERS.items()}
    places_cols, places = files["places.csv"]
    legs_cols, legs = files["legs.csv"]
    ship_cols, shipments = files["shipments.csv"]
    src_cols, sources = files["sources.csv"]

    mapping, new_places = _place_ids(events, places, radius_km)
    places = places + new_places
    places_cols = _with(places_cols, ("id", "name", "lat", "lon", "country", "kind", "note"))

    def pid(port: str) -> str:
        return mapping.get(port, port)

    voyages = events.voyages.assign(
        origin=events.voyages["origin"].map(pid), destination=events.voyages["destination"].map(pid)
    )
    leg_of: dict[tuple[str, str], str] = {}
    for row in legs:
        if row.get("mode") == "sea" and not row.get("via"):
            leg_of.setdefault((row["origin"], row["destination"]), row["id"])
    taken = {row["id"] for row in legs}
    new_legs = []
    for o, d in sorted(set(zip(voyages["origin"], voyages["destination"], strict=True))):
        if (o, d) in leg_of:
            continue
        base = f"{o}-{d}"
        lid, n = base, 1
        while lid in taken:
            n += 1
            lid = f"{base}-{n}"
        taken.add(lid)
        leg_of[(o, d)] = lid
        new_legs.append(
            {
                "id": lid,
                "origin": o,
                "destination": d,
                "mode": "sea",
                "source": source.id,
                "note": "voyages found in AIS positions",
            }
        )
    legs = legs + new_legs
    legs_cols = _with(legs_cols, ("id", "origin", "destination", "mode", "source", "note"))

    shipments = [r for r in shipments if r.get("source") != source.id]
    new_ship = []
    for v in voyages.sort_values(["departure", "mmsi"]).to_dict("records"):
        new_ship.append(
            {
                "leg": leg_of[(v["origin"], v["destination"])],
                "start": _day(v["departure"]),
                "end": _day(v["arrival"]),
                "quantity": "1",
                "unit": "voyages",
                "basis": "event",
                "vessel": v["vessel"],
                "source": source.id,
                "id": f"{source.id}-{int(v['mmsi'])}-{_stamp(v['departure'])}",
                "note": (
                    f"MMSI {int(v['mmsi'])}: left {v['origin']} {iso_utc(v['departure'])}, "
                    f"reached {v['destination']} {iso_utc(v['arrival'])} (AIS)"
                ),
            }
        )
    shipments = shipments + new_ship
    ship_cols = _with(
        ship_cols,
        ("leg", "start", "end", "quantity", "unit", "basis", "vessel", "source", "id", "note"),
    )

    sources = [r for r in sources if r.get("id") != source.id] + [
        {
            "id": source.id,
            "publisher": source.publisher,
            "title": source.title,
            "date": source.date,
            "url": source.url,
            "note": source.note,
        }
    ]
    src_cols = _with(src_cols, ("id", "publisher", "title", "date", "url", "note"))

    call_cols, calls = _read(root / CALLS_FILE, _CALL_HEADER)
    calls = [r for r in calls if r.get("source") != source.id]
    for c in events.calls.sort_values(["mmsi", "arrival"]).to_dict("records"):
        calls.append(
            {
                "vessel": c["vessel"],
                "mmsi": str(int(c["mmsi"])),
                "port": pid(str(c["port"])),
                "arrival": iso_utc(c["arrival"]),
                "departure": iso_utc(c["departure"]),
                "lat": _fmt(c["lat"], 5),
                "lon": _fmt(c["lon"], 5),
                "hours": _fmt((float(c["departure"]) - float(c["arrival"])) / 3600, 1),
                "source": source.id,
            }
        )
    gap_cols, gaps = _read(root / GAPS_FILE, _GAP_HEADER)
    gaps = [r for r in gaps if r.get("source") != source.id]
    for g in events.gaps.sort_values(["mmsi", "start"]).to_dict("records"):
        gaps.append(
            {
                "vessel": g["vessel"],
                "mmsi": str(int(g["mmsi"])),
                "start": iso_utc(g["start"]),
                "end": iso_utc(g["end"]),
                "hours": _fmt(g["hours"], 1),
                "start_lat": _fmt(g["start_lat"], 5),
                "start_lon": _fmt(g["start_lon"], 5),
                "end_lat": _fmt(g["end_lat"], 5),
                "end_lon": _fmt(g["end_lon"], 5),
                "km": _fmt(g["km"], 1),
                "source": source.id,
            }
        )

    texts = {
        "places.csv": _render(places_cols, places),
        "legs.csv": _render(legs_cols, legs),
        "shipments.csv": _render(ship_cols, shipments),
        "sources.csv": _render(src_cols, sources),
        CALLS_FILE: _render(_with(call_cols, _CALL_HEADER), calls),
        GAPS_FILE: _render(_with(gap_cols, _GAP_HEADER), gaps),
    }
    if not (root / "map.toml").exists() and title:
        texts["map.toml"] = f"title = {_toml_string(title)}\n"
    _swap_in(root, texts)
    return {
        "places.csv": len(new_places),
        "legs.csv": len(new_legs),
        "shipments.csv": len(new_ship),
        CALLS_FILE: len(events.calls),
        GAPS_FILE: len(events.gaps),
    }


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _swap_in(root: Path, texts: Mapping[str, str]) -> None:
    """Check the new data set in a scratch copy, then replace each file whole."""
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".shipmap-ais-", dir=root.parent) as scratch:
        staged = Path(scratch) / "dataset"
        if root.is_dir():
            shutil.copytree(root, staged)
        else:
            staged.mkdir()
        for name, text in texts.items():
            (staged / name).write_text(text, encoding="utf-8")
        load_dataset(staged)  # raises DataError: nothing in root is touched
        root.mkdir(parents=True, exist_ok=True)
        for name in texts:
            partial = root / f".{name}.partial"
            shutil.copyfile(staged / name, partial)
            os.replace(partial, root / name)
