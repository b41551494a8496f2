"""``shipmap ais``: AIS files in, a data set of voyages, calls and dark gaps out."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from shipmap.ais.events import Events, Names, find_events
from shipmap.ais.ports import PORT_COLUMNS, port_layers, slug
from shipmap.ais.read import Reading, open_reading
from shipmap.ais.track import Scan, Thresholds, scan_tracks
from shipmap.ais.write import AisSource, extend_dataset, iso_utc
from shipmap.errors import DataError, Problem, ShipmapError

__all__ = ["AisReport", "NothingToWriteError", "ais_to_dataset", "describe_source", "read_ais"]

_BATCH = 500_000


@dataclass
class AisReport:
    """What a run read, dropped, found and wrote."""

    files: list[Path]
    rows: int
    scan: Scan
    events: Events
    dropped: dict[tuple[int, str], int] = field(default_factory=dict)
    examples: list[tuple[int, int, str]] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)
    source: AisSource | None = None

    def dropped_lines(self) -> list[str]:
        """One line per example of a dropped row: ``file:line: reason (dropped)``."""
        return [
            f"{self.files[src]}:{line}: {reason} (dropped)" for src, line, reason in self.examples
        ]

    def summary(self) -> list[str]:
        """Per file: rows dropped by reason; then what was found."""
        out = []
        for src, path in enumerate(self.files):
            mine = {r: n for (s, r), n in self.dropped.items() if s == src}
            if mine:
                total = sum(mine.values())
                parts = ", ".join(
                    f"{n:,} {r}" for r, n in sorted(mine.items(), key=lambda x: -x[1])
                )
                out.append(f"{path}: {total:,} dropped ({parts})")
        s, e = self.scan, self.events
        span = (
            f" from {iso_utc(s.first)} to {iso_utc(s.last)}"
            if s.first is not None and s.last
            else ""
        )
        out.append(f"{s.fixes:,} fixes used of {s.vessels:,} ships{span}")
        out.append(
            f"{len(e.calls):,} port calls, {len(e.voyages):,} voyages, {len(e.gaps):,} dark gaps"
        )
        for stop in e.lone_stops.head(10).to_dict("records"):
            out.append(
                f"stop near no known port: MMSI {int(stop['mmsi'])} at "
                f"{stop['lat']:.4f}, {stop['lon']:.4f} from {iso_utc(stop['arrival'])} to "
                f"{iso_utc(stop['departure'])} (add the port to places.csv to count it)"
            )
        if len(e.lone_stops) > 10:
            out.append(f"... and {len(e.lone_stops) - 10} more stops near no known port")
        return out


class NothingToWriteError(ShipmapError):
    """No call was found and the data set has no places: there is nothing to write.

    ``report`` holds what was read, so the command can still show it.
    """

    def __init__(self, report: AisReport, message: str) -> None:
        self.report = report
        super().__init__(message)


def _merge_counts(
    a: Mapping[tuple[int, str], int], b: Mapping[tuple[int, str], int]
) -> dict[tuple[int, str], int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def _gazetteer_ports(world: bool) -> pd.DataFrame:
    """Return the gazetteer's ports: curated ones, then its world index's listed ports."""
    from shipmap.cache import cache_dir
    from shipmap.geo import Gazetteer, default_gazetteer

    gaz = default_gazetteer(cache_dir("gazetteer")) if world else Gazetteer.load(world=False)
    rows = [
        {
            "id": p.id or slug(p.name),
            "name": p.name,
            "lat": p.lat,
            "lon": p.lon,
            "country": p.country or "",
            "origin": "gazetteer",
            "note": f"coordinates: {p.source}" if p.source else "",
        }
        for p in gaz.curated
        if p.kind == "port"
    ]
    curated = pd.DataFrame(rows, columns=list(PORT_COLUMNS))
    index = gaz.world if world else None
    if index is None:
        return curated
    from shipmap.geo.index import KIND_NAMES

    ports = np.flatnonzero(np.asarray(index.kind) == KIND_NAMES.index("port"))
    names = [index.name(int(i)) for i in ports]
    listed = pd.DataFrame(
        {
            "id": [slug(n) for n in names],
            "name": names,
            "lat": np.asarray(index.lat, dtype=float)[ports],
            "lon": np.asarray(index.lon, dtype=float)[ports],
            "country": [str(c) for c in np.asarray(index.country)[ports]],
            "origin": "gazetteer",
            "note": [
                "port of the gazetteer ("
                + (
                    f"GeoNames {int(index.geonameid[int(i)])}"
                    if int(index.geonameid[int(i)])
                    else f"searoute port {index.code[int(i)]}"
                )
                + ")"
                for i in ports
            ],
        }
    )
    return pd.concat([curated, listed], ignore_index=True)


def _dataset_places(root: Path) -> pd.DataFrame | None:
    if not (root / "places.csv").is_file():
        return None
    from shipmap.cache import cache_dir
    from shipmap.dataset import load_dataset
    from shipmap.geo.places import locate_places

    ds = load_dataset(root)
    if ds.places.empty:
        return None
    places = ds.places
    ports = places[places["kind"] == "port"]
    if ports[["lat", "lon"]].isna().any(axis=None):
        located = locate_places(ports, cache_dir=cache_dir("gazetteer"))
        return pd.DataFrame(located.drop(columns="geometry"))
    return ports


def read_ais(
    paths: Sequence[Path],
    thresholds: Thresholds,
    *,
    places: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    mmsi: int | None = None,
    time_format: str | None = None,
    world_ports: bool = True,
    memory_limit: str = "1GB",
    progress: Callable[[str, float], None] | None = None,
) -> AisReport:
    """Read AIS files and find their calls, voyages and gaps (writes nothing).

    ``places`` are the data set's located places (its ports come first).
    ``progress`` is called with a stage name and the fraction done.
    """
    say = progress or (lambda stage, done: None)
    say("reading", 0.0)
    with open_reading(
        paths, columns=columns, mmsi=mmsi, time_format=time_format, memory_limit=memory_limit
    ) as reading:
        usable = _usable(reading)
        if usable == 0:
            raise DataError(_nothing_usable(reading))
        ordered = reading.con.sql(
            "SELECT mmsi, t, lat, lon, "
            "CASE WHEN sog >= 0 AND sog < 102.2 THEN sog END AS sog, src, line "
            "FROM raw WHERE reason IS NULL ORDER BY mmsi, t, src, line"
        )
        # DuckDB 2 names it to_arrow_reader; 1.x fetch_record_batch.
        batches = getattr(ordered, "to_arrow_reader", None) or ordered.fetch_record_batch
        stream = batches(_BATCH)
        scan = scan_tracks(
            stream, thresholds, progress=lambda n: say("scanning tracks", n / usable)
        )
        names = Names(reading.con.execute("SELECT mmsi, t, name FROM names").fetchall())
        scan.examples = [(src, reading.line_of(src, line), why) for src, line, why in scan.examples]
        files = [f.path for f in reading.files]
        dropped, examples, rows = dict(reading.dropped), list(reading.examples), reading.rows
    say("finding calls, voyages and gaps", 1.0)
    ports = port_layers(places, gazetteer_ports=_gazetteer_ports(world_ports))
    events = find_events(scan, names, ports, thresholds)
    return AisReport(
        files=files,
        rows=rows,
        scan=scan,
        events=events,
        dropped=_merge_counts(dropped, scan.dropped),
        examples=sorted(examples + scan.examples),
    )


def _usable(reading: Reading) -> int:
    row = reading.con.execute("SELECT count(*) FROM raw WHERE reason IS NULL").fetchall()[0]
    return int(row[0]) if row else 0


def _nothing_usable(reading: Reading) -> list[Problem]:
    problems = []
    for src, f in enumerate(reading.files):
        mine = {r: n for (s, r), n in reading.dropped.items() if s == src}
        if mine:
            parts = ", ".join(f"{n:,} {r}" for r, n in sorted(mine.items(), key=lambda x: -x[1]))
            problems.append(Problem(str(f.path), None, None, f"no usable position ({parts})"))
        else:
            problems.append(Problem(str(f.path), None, None, "no position reports"))
    return problems


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()[:12]


def describe_source(
    report: AisReport,
    thresholds: Thresholds,
    *,
    source_id: str | None = None,
    publisher: str | None = None,
    title: str | None = None,
    url: str = "",
) -> AisSource:
    """Describe these AIS files and these rules as a ``sources.csv`` row."""
    names = [p.name for p in report.files]
    sid = source_id or "ais-" + slug(Path(names[0]).stem)[:40]
    s = report.scan
    span = ""
    if s.first is not None and s.last is not None:
        span = f" from {iso_utc(s.first)} to {iso_utc(s.last)}"
    th = thresholds
    note = (
        f"AIS positions: {'; '.join(f'{p.name} (sha256 {_digest(p)})' for p in report.files)}. "
        f"{s.fixes:,} fixes of {s.vessels:,} ships{span}. "
        f"Calls: stops under {th.slow_kn:g} kn for {th.min_stay_h:g} h or more within "
        f"{th.port_radius_km:g} km of a port; dark gaps: silences over {th.gap_h:g} h "
        f"with both ends away from ports; fixes implying over {th.max_speed_kn:g} kn dropped. "
        "Made by shipmap ais."
    )
    date = datetime.fromtimestamp(s.last, tz=UTC).strftime("%Y-%m-%d") if s.last is not None else ""
    return AisSource(
        id=sid,
        publisher=publisher or "AIS position reports",
        title=title or f"AIS positions in {', '.join(names)}",
        date=date,
        url=url,
        note=note,
    )


def ais_to_dataset(
    paths: Sequence[Path],
    dataset: Path,
    thresholds: Thresholds,
    *,
    source_id: str | None = None,
    publisher: str | None = None,
    title: str | None = None,
    url: str = "",
    columns: Mapping[str, str] | None = None,
    mmsi: int | None = None,
    time_format: str | None = None,
    world_ports: bool = True,
    memory_limit: str = "1GB",
    progress: Callable[[str, float], None] | None = None,
) -> AisReport:
    """Read AIS files and write (or extend) the data set at ``dataset``."""
    places = _dataset_places(dataset)
    report = read_ais(
        paths,
        thresholds,
        places=places,
        columns=columns,
        mmsi=mmsi,
        time_format=time_format,
        world_ports=world_ports,
        memory_limit=memory_limit,
        progress=progress,
    )
    if places is None and report.events.calls.empty:
        stops = len(report.events.lone_stops)
        raise NothingToWriteError(
            report,
            f"{dataset}: nothing written: no port call in {report.scan.fixes:,} fixes of "
            f"{report.scan.vessels:,} ships ({stops:,} stops near no known port); "
            "a data set needs places: add the ports to DATASET/places.csv (kind port) "
            "and run again, or widen --port-radius / shorten --min-stay",
        )
    source = describe_source(
        report, thresholds, source_id=source_id, publisher=publisher, title=title, url=url
    )
    report.source = source
    report.written = extend_dataset(
        dataset,
        report.events,
        source,
        radius_km=thresholds.port_radius_km,
        title=f"Voyages from AIS: {', '.join(p.name for p in report.files)}",
    )
    return report
