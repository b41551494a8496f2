"""The ``shipmap`` command: build, validate, route, geocode and embed.

Only this module and :mod:`shipmap.outputs.write` touch the disk. Errors a user can act
on (:class:`shipmap.errors.ShipmapError`) are printed one line per problem on stderr
with exit status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from shipmap.cache import cache_dir
from shipmap.errors import DataError, PlaceNotFoundError, Problem, ShipmapError
from shipmap.pipeline import Progress, build

if TYPE_CHECKING:
    pass

__all__ = ["main"]

T = TypeVar("T")


def _cmd_build(args: argparse.Namespace) -> int:
    progress = Progress(enabled=sys.stderr.isatty() and not args.quiet)
    dataset, output = Path(args.dataset), Path(args.output)

    def run() -> None:
        written = build(
            dataset,
            output,
            progress=progress,
            basemap=args.basemap,
            pictures=args.png,
            events=args.events,
            scheduler=args.scheduler or os.environ.get("SHIPMAP_SCHEDULER") or None,
            force=args.force,
        )
        if not args.quiet:
            print(f"{args.output}: wrote {', '.join(written)}", flush=True)

    if not args.watch:
        run()
        return 0
    from shipmap.watch import watch

    try:
        watch(dataset, rebuild=run)
    except KeyboardInterrupt:
        print("shipmap: stopped watching", file=sys.stderr)
    return 0


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from shipmap.outputs.snapshot import snapshot_maps
    from shipmap.outputs.write import add_outputs

    folder = Path(args.output)
    maps = sorted(folder.glob("map-*.html"))
    if not maps:
        raise ShipmapError(f"{folder}: no maps to draw; run `shipmap build` first")
    pictures = snapshot_maps(
        maps, width=args.width, height=args.height, scale=args.scale, offline=args.offline
    )
    add_outputs(folder, pictures)
    print(f"{folder}: wrote {', '.join(sorted(pictures))}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from shipmap.dataset import load_dataset
    from shipmap.geo.places import locate_places
    from shipmap.routes.legs import route_legs

    ds = load_dataset(Path(args.dataset))
    places = locate_places(ds.places, cache_dir=cache_dir("gazetteer"))
    # Route every leg as the build would, so that a data set called ok here builds.
    _, problems = route_legs(ds.legs, places, cache_dir=cache_dir("routes"), progress=_note(args))
    if problems:
        raise DataError(problems)
    print(
        f"{args.dataset}: ok ({len(ds.places)} places, {len(ds.legs)} legs, "
        f"{ds.figures.rows} shipment rows, {len(ds.sources)} sources)"
    )
    return 0


def _note(args: argparse.Namespace) -> Callable[[str], None] | None:
    """Progress notes on stderr while a network is prepared (a terminal only)."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return None
    return lambda text: print(f"shipmap: {text}…", file=sys.stderr, flush=True)


def _cmd_route(args: argparse.Namespace) -> int:
    from shipmap.dataset import load_dataset
    from shipmap.geo.places import locate_places
    from shipmap.routes.legs import route_legs

    ds = load_dataset(Path(args.dataset))
    places = locate_places(ds.places, cache_dir=cache_dir("gazetteer"))
    legs, problems = route_legs(
        ds.legs, places, cache_dir=cache_dir("routes"), progress=_note(args)
    )
    if args.output:
        _write_text(Path(args.output), _route_geojson(legs))
    if not args.quiet:
        for leg in legs.sort_values("id").to_dict("records"):
            line = f"{leg['id']}: {leg['mode']}, {leg['length_km']:,.0f} km, {leg['method']}"
            for s in leg["_stretches"]:
                line += f"\n  schematic {s['from']} → {s['to']}: {s['reason']}"
            print(line)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def _route_geojson(legs: Any) -> str:
    """Return the routed legs as a GeoJSON FeatureCollection (RFC 7946: split at ±180°)."""
    from shapely.geometry import mapping

    from shipmap.routes.geodesic import split_antimeridian

    features = []
    for leg in legs.sort_values("id").to_dict("records"):
        features.append(
            {
                "type": "Feature",
                "id": str(leg["id"]),
                "properties": {
                    "id": str(leg["id"]),
                    "mode": str(leg["mode"]),
                    "length_km": round(float(leg["length_km"]), 1),
                    "method": str(leg["method"]),
                    "schematic": [
                        {"from": s["from"], "to": s["to"], "reason": s["reason"]}
                        for s in leg["_stretches"]
                    ],
                },
                "geometry": mapping(split_antimeridian(leg["geometry"])),
            }
        )
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False) + "\n"


def _write_text(path: Path, text: str) -> None:
    """Write a file all at once: a temporary file beside it takes its place."""
    import os
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise ShipmapError(f"{path}: cannot write ({err.strerror})") from err


def _cmd_geocode(args: argparse.Namespace) -> int:
    from shipmap.geo.geocode import (
        default_gazetteer,
        format_candidates,
        geocode,
        geocode_code,
        match_to_json,
    )

    if args.file:
        return _geocode_file(args)
    if not args.name:
        raise ShipmapError("geocode: give a NAME, --code CODE or --file NAMES.csv")
    gazetteer = default_gazetteer(cache_dir("gazetteer"))
    try:
        if args.code:
            match = geocode_code(args.name, gazetteer=gazetteer)
        else:
            match = geocode(args.name, country=args.country, kind=args.kind, gazetteer=gazetteer)
    except PlaceNotFoundError as err:
        print(f"shipmap geocode: {err}", file=sys.stderr)
        for line in format_candidates(err):
            print(f"  {line}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(match_to_json(match), ensure_ascii=False))
    else:
        country = f", {match.country}" if match.country else ""
        print(f"{match.name}{country}: {match.lat:.4f}, {match.lon:.4f} ({match.source})")
    return 0


def _geocode_file(args: argparse.Namespace) -> int:
    """Geocode every row of a CSV of names; write one row per input row."""
    import time

    from shipmap.geo.geocode import BATCH_COLUMNS, default_gazetteer, geocode_rows

    rows = _read_names(Path(args.file))
    gazetteer = default_gazetteer(cache_dir("gazetteer"))
    show = sys.stderr.isatty() and len(rows) >= 1000
    results: list[dict[str, str]] = []
    last = time.monotonic()
    for result in geocode_rows(rows, gazetteer=gazetteer):
        results.append(result)
        if show and time.monotonic() - last > 0.5:
            print(f"\rgeocoded {len(results):,} of {len(rows):,}", end="", file=sys.stderr)
            last = time.monotonic()
    if show:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    buffer = _csv_text(results, BATCH_COLUMNS)
    if args.output:
        _write_atomic(Path(args.output), buffer)
    else:
        sys.stdout.write(buffer)
    counts = {s: sum(r["status"] == s for r in results) for s in ("placed", "ambiguous", "unknown")}
    summary = ", ".join(f"{n:,} {s}" for s, n in counts.items())
    where = f" → {args.output}" if args.output else ""
    print(f"{args.file}: {len(results):,} names: {summary}{where}", file=sys.stderr)
    return 0


def _write_atomic(path: Path, text: str) -> None:
    """Write a file whole or not at all: a partial file never takes its name."""
    import os
    import tempfile

    if path.is_dir():
        raise ShipmapError(f"{path}: is a folder; give a file name for -o")
    if not path.parent.is_dir():
        raise ShipmapError(f"{path.parent}: no such folder")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_names(path: Path) -> list[dict[str, str]]:
    """Read NAMES.csv: a ``name`` column, optional ``country`` and ``kind``; check each row."""
    import csv
    import re

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise ShipmapError(f"{path}: no such file") from e
    except UnicodeDecodeError as e:
        raise ShipmapError(f"{path}: not UTF-8 text (byte {e.start}) — save it as UTF-8") from e
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in reader.fieldnames or ()]
    if "name" not in columns:
        raise ShipmapError(f"{path}:1: no 'name' column (found: {', '.join(columns) or 'nothing'})")
    problems: list[Problem] = []
    rows: list[dict[str, str]] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        country = row.get("country", "")
        if country and not re.fullmatch(r"[A-Za-z]{2}", country):
            message = f"{country!r} is not an ISO 3166-1 alpha-2 code (e.g. RU, KP, IR)"
            problems.append(Problem(str(path), line, "country", message))
        rows.append({"name": row.get("name", ""), "country": country, "kind": row.get("kind", "")})
    if problems:
        raise DataError(problems)
    return rows


def _csv_text(rows: list[dict[str, str]], columns: Sequence[str]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _cmd_embed(args: argparse.Namespace) -> int:
    from shipmap.outputs.write import embed_snippet

    path = Path(args.map)
    if not path.is_file():
        raise ShipmapError(f"{path}: no such map; run `shipmap build` first")
    title = args.title or _page_title(path) or path.stem
    url = args.url or path.name
    if not _embeddable(url):
        raise ShipmapError(
            f"--url {url!r}: give an http:// or https:// address, or a path relative "
            "to the page that embeds the map (e.g. maps/map-en.html)"
        )
    print(embed_snippet(url, title=title))
    return 0


def _embeddable(url: str) -> bool:
    r"""Whether a URL may go into an iframe's ``src``: http(s), or relative.

    Anything with another scheme (``javascript:``, ``data:``, ``file:``) is
    refused, and so is any whitespace or control character, which browsers
    drop from a scheme (``java\tscript:``).
    """
    from urllib.parse import urlsplit

    if not url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme:
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    head = re.split(r"[/?#]", url, maxsplit=1)[0]
    return ":" not in head


def _cmd_ais(args: argparse.Namespace) -> int:
    from shipmap.ais import Thresholds, ais_to_dataset
    from shipmap.ais.convert import NothingToWriteError

    thresholds = Thresholds(
        slow_kn=args.slow,
        min_stay_h=args.min_stay,
        port_radius_km=args.port_radius,
        gap_h=args.gap,
        max_speed_kn=args.max_speed,
    )
    columns = {
        field: getattr(args, f"{field}_column")
        for field in ("mmsi", "time", "lat", "lon", "sog", "cog", "name", "imo")
        if getattr(args, f"{field}_column")
    }
    shown = sys.stderr.isatty() and not args.quiet

    def progress(stage: str, done: float) -> None:
        if shown:
            sys.stderr.write(f"\r\x1b[K  {stage} {min(done, 1.0):.0%}")
            sys.stderr.flush()

    try:
        report = ais_to_dataset(
            [Path(f) for f in args.files],
            Path(args.output),
            thresholds,
            source_id=args.source_id,
            publisher=args.publisher,
            title=args.title,
            url=args.url or "",
            columns=columns,
            mmsi=args.mmsi,
            time_format=args.time_format,
            world_ports=not args.no_world_ports,
            memory_limit=args.memory_limit,
            progress=progress,
        )
    except NothingToWriteError as err:
        if shown:
            sys.stderr.write("\r\x1b[K")
        for line in err.report.dropped_lines():
            print(line, file=sys.stderr)
        if not args.quiet:
            for line in err.report.summary():
                print(line)
        raise
    if shown:
        sys.stderr.write("\r\x1b[K")
    for line in report.dropped_lines():
        print(line, file=sys.stderr)
    if not args.quiet:
        for line in report.summary():
            print(line)
        written = ", ".join(f"{n} {name}" for name, n in report.written.items())
        print(
            f"{args.output}: wrote {written} (source {report.source.id if report.source else ''})"
        )
    return 0


def _page_title(path: Path) -> str | None:
    import html

    head = path.read_text("utf-8", errors="replace")[:4000]
    found = re.search(r"<title>(.*?)</title>", head, re.S)
    return html.unescape(found.group(1)).strip() if found else None


def _add_dataset_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dataset",
        nargs="?",
        default="data",
        metavar="DATASET",
        help="data set folder (default: ./data)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shipmap",
        description="Turn place names and shipment figures into sourced, interactive route maps.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "build",
        help="build the maps, index.html and GeoJSON of a data set",
        description="Read and validate a data set, place, route and render it, and write "
        "one map per language, index.html and the GeoJSON into OUTPUT.",
    )
    _add_dataset_argument(p)
    p.add_argument(
        "-o",
        "--output",
        default="output",
        metavar="OUTPUT",
        help="output folder (default: ./output)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.add_argument(
        "--basemap",
        metavar="NAME",
        help="tile provider, e.g. OpenStreetMap or OpenTopoMap, or 'offline' "
        "for no tile server (default: map.toml's basemap, else OpenStreetMap)",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        help="rebuild whenever a file of the data set changes (Ctrl-C stops)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write into an output folder that also holds files shipmap did not write "
        "(a git checkout, a CNAME): keep them and replace only shipmap's own files",
    )
    p.add_argument(
        "--png",
        action="store_true",
        help="also draw a PNG of each map (needs Chromium and Playwright)",
    )
    p.add_argument(
        "--events",
        action="store_true",
        help="also write every shipment row, checked and typed, as events.parquet",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="check and sum Parquet shipments on a Dask cluster, e.g. tcp://10.0.0.5:8786 "
        "(default: $SHIPMAP_SCHEDULER; none: on this machine)",
    )
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser(
        "snapshot",
        help="draw a PNG of each built map, for print and social posts",
        description="Open each map of OUTPUT in headless Chromium and save a PNG beside it "
        "(map-en.html → map-en.png). Needs Chromium (or SHIPMAP_CHROMIUM) and Playwright.",
    )
    p.add_argument(
        "output",
        nargs="?",
        default="output",
        metavar="OUTPUT",
        help="a built output folder (default: ./output)",
    )
    p.add_argument("--width", type=int, default=1600, help="window width in CSS pixels")
    p.add_argument("--height", type=int, default=1000, help="window height in CSS pixels")
    p.add_argument("--scale", type=float, default=1.0, help="device pixel ratio, e.g. 2")
    p.add_argument(
        "--offline",
        action="store_true",
        help="cut the network: draw on the offline basemap, without tiles",
    )
    p.set_defaults(func=_cmd_snapshot)

    p = sub.add_parser(
        "validate",
        help="check a data set and write nothing",
        description="Check a data set against the data contract, geocode its places "
        "without coordinates, and report every problem; writes nothing.",
    )
    _add_dataset_argument(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "route",
        help="draw every leg of a data set and say how each was drawn",
        description="Route every leg of a data set as a build would (sea legs on water, "
        "rail and road legs along OpenStreetMap's network, schematic where it has no "
        "believable route), print one line per leg and one per schematic stretch, and "
        "write the legs it could draw as GeoJSON with -o. Legs that cannot be drawn are "
        "reported as legs.csv:LINE: column: message; the exit status is then 1.",
    )
    _add_dataset_argument(p)
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the drawn legs as a GeoJSON FeatureCollection (id, mode, length_km, "
        "method, schematic)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only the problems")
    p.set_defaults(func=_cmd_route)

    p = sub.add_parser(
        "geocode",
        help="print where a place name is",
        description="Print where a name is, or refuse and list the candidates. Only an "
        "exact name or alias places it, and only when the evidence singles out one place; "
        "near spellings are suggested, never taken. With --file, geocode a CSV of names.",
    )
    p.add_argument("name", metavar="NAME", nargs="?", help="place name, in any script")
    p.add_argument("--country", metavar="CC", help="limit to an ISO 3166-1 alpha-2 country code")
    p.add_argument("--kind", metavar="KIND", help="the kind of place meant; 'port' looks for ports")
    p.add_argument(
        "--code",
        action="store_true",
        help="NAME is an IATA, ICAO or UN/LOCODE code (codes match only when asked for)",
    )
    p.add_argument(
        "--file",
        metavar="NAMES.csv",
        help="geocode every row of a CSV with a 'name' column (optional 'country', 'kind')",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT.csv",
        help="with --file: write the results here (default: standard output)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help='print {"name", "lat", "lon", "country", "source"} as JSON',
    )
    p.set_defaults(func=_cmd_geocode)

    p = sub.add_parser(
        "embed",
        help="print the HTML snippet that embeds a map in a web page",
        description="Print a responsive, lazily loaded iframe that embeds MAP.",
    )
    p.add_argument("map", metavar="MAP", help="a generated map, e.g. output/map-en.html")
    p.add_argument("--url", help="the URL the map will be served from (default: its file name)")
    p.add_argument("--title", help="iframe title for screen readers (default: the map's title)")
    p.set_defaults(func=_cmd_embed)

    p = sub.add_parser(
        "ais",
        help="turn AIS ship positions into voyages, port calls and dark gaps",
        description="Read AIS positions (NMEA sentences, or CSV / Parquet exports), find "
        "port calls, voyages between ports and dark gaps, and write or extend the data set "
        "DATASET: ports in places.csv, one sea leg per port pair, one shipments.csv row per "
        "voyage (unit 'voyages'), the AIS source in sources.csv, calls.csv and gaps.csv. "
        "Running the same files again replaces what they wrote. See docs/ais.md.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="AIS files: NMEA, CSV or Parquet")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DATASET",
        help="data set folder to write or extend",
    )
    rules = p.add_argument_group("rules (docs/ais.md)")
    rules.add_argument(
        "--slow",
        type=float,
        default=0.5,
        metavar="KN",
        help="a ship slower than this is stopped (default 0.5 kn)",
    )
    rules.add_argument(
        "--min-stay",
        type=float,
        default=2.0,
        metavar="HOURS",
        help="a stop this long near a port is a call (default 2 h)",
    )
    rules.add_argument(
        "--port-radius",
        type=float,
        default=10.0,
        metavar="KM",
        help="a stop this close to a port is at that port (default 10 km)",
    )
    rules.add_argument(
        "--gap",
        type=float,
        default=12.0,
        metavar="HOURS",
        help="silent longer than this at sea is a dark gap (default 12 h)",
    )
    rules.add_argument(
        "--max-speed",
        type=float,
        default=50.0,
        metavar="KN",
        help="faster is impossible: such fixes are dropped (default 50 kn)",
    )
    cols = p.add_argument_group(
        "columns", "for CSV / Parquet exports whose column names are not recognised"
    )
    for field, example in (
        ("mmsi", "MMSI"),
        ("time", "BaseDateTime"),
        ("lat", "LAT"),
        ("lon", "LON"),
        ("sog", "SOG"),
        ("cog", "COG"),
        ("name", "VesselName"),
        ("imo", "IMO"),
    ):
        cols.add_argument(f"--{field}-column", metavar="NAME", help=f"e.g. {example}")
    cols.add_argument(
        "--time-format",
        metavar="FMT",
        help="strptime format of the time column, e.g. '%%d/%%m/%%Y %%H:%%M:%%S'",
    )
    cols.add_argument(
        "--mmsi",
        type=int,
        metavar="N",
        help="one MMSI for every row (a single ship's file without an MMSI column)",
    )
    src = p.add_argument_group("source", "the sources.csv row that describes the files")
    src.add_argument("--source-id", metavar="ID", help="default: ais-<first file name>")
    src.add_argument("--publisher", metavar="TEXT", help="who published the positions")
    src.add_argument("--title", metavar="TEXT", help="default: AIS positions in <files>")
    src.add_argument("--url", metavar="URL", help="where the files come from")
    p.add_argument(
        "--no-world-ports",
        action="store_true",
        help="use only the data set's ports and the gazetteer's curated ones, not the "
        "listed ports of its world index (which is built on first use)",
    )
    p.add_argument(
        "--memory-limit",
        default="1GB",
        metavar="SIZE",
        help="DuckDB's memory limit; beyond it work spills to disk (default 1GB)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only dropped lines and errors")
    p.set_defaults(func=_cmd_ais)
    return parser


def _os_error(err: OSError) -> str:
    """One line for a file that cannot be read or written: which file, and why."""
    where = f"{err.filename}: " if err.filename else ""
    return f"{where}{err.strerror or err}"


def _one_line_warnings(
    shown: Callable[..., None],
) -> Callable[..., None]:
    """Show shipmap's own warnings as one line, like its errors; others as before."""
    from shipmap.cache import CacheWarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, CacheWarning):
            print(f"shipmap: warning: {message}", file=file or sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    return show


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``shipmap`` command line; return its exit status."""
    args = _parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    shown = warnings.showwarning
    warnings.showwarning = _one_line_warnings(shown)
    try:
        status: int = args.func(args)
        return status
    except DataError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return 1
    except ShipmapError as err:
        print(f"shipmap: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"shipmap: {_os_error(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("shipmap: interrupted; the output folder is as it was", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        warnings.showwarning = shown


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
