"""The ``shipmap`` command: build, validate, route, geocode and embed.

Only this module and :mod:`shipmap.outputs.write` touch the disk. Errors a user can act
on (:class:`shipmap.errors.ShipmapError`) are printed one line per problem on stderr
with exit status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from shipmap.cache import cache_dir
from shipmap.errors import DataError, PlaceNotFoundError, ShipmapError
from shipmap.pipeline import Progress, build

if TYPE_CHECKING:
    pass

__all__ = ["main"]

T = TypeVar("T")


def _cmd_build(args: argparse.Namespace) -> int:
    progress = Progress(enabled=sys.stderr.isatty() and not args.quiet)
    dataset, output = Path(args.dataset), Path(args.output)

    def run() -> None:
        written = build(dataset, output, progress=progress, basemap=args.basemap, pictures=args.png)
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

    folder = Path(args.output)
    maps = sorted(folder.glob("map-*.html"))
    if not maps:
        raise ShipmapError(f"{folder}: no maps to draw; run `shipmap build` first")
    pictures = snapshot_maps(
        maps, width=args.width, height=args.height, scale=args.scale, offline=args.offline
    )
    for name, data in sorted(pictures.items()):
        partial = folder / f".{name}.tmp"
        partial.write_bytes(data)
        partial.replace(folder / name)
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
        f"{len(ds.shipments)} shipment rows, {len(ds.sources)} sources)"
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
    from shipmap.geo.geocode import default_gazetteer, geocode, match_to_json

    try:
        gazetteer = default_gazetteer(cache_dir("gazetteer"))
        match = geocode(args.name, country=args.country, gazetteer=gazetteer)
    except PlaceNotFoundError as err:
        print(f"shipmap geocode: {err}", file=sys.stderr)
        for candidate in err.candidates:
            print(f"  candidate: {candidate}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(match_to_json(match), ensure_ascii=False))
    else:
        country = f", {match.country}" if match.country else ""
        print(f"{match.name}{country}: {match.lat:.4f}, {match.lon:.4f} ({match.source})")
    return 0


def _cmd_embed(args: argparse.Namespace) -> int:
    from shipmap.outputs.write import embed_snippet

    path = Path(args.map)
    if not path.is_file():
        raise ShipmapError(f"{path}: no such map; run `shipmap build` first")
    title = args.title or _page_title(path) or path.stem
    url = args.url or path.name
    print(embed_snippet(url, title=title))
    return 0


def _page_title(path: Path) -> str | None:
    import html
    import re

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
        "--png",
        action="store_true",
        help="also draw a PNG of each map (needs Chromium and Playwright)",
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
        description="Print where a name is. Only an exact name or alias places it; "
        "near spellings are suggested, never taken.",
    )
    p.add_argument("name", metavar="NAME", help="place name, in any script")
    p.add_argument("--country", metavar="CC", help="limit to an ISO 3166-1 alpha-2 country code")
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
    return parser


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``shipmap`` command line; return its exit status."""
    args = _parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
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
    except KeyboardInterrupt:
        print("shipmap: interrupted; the output folder is as it was", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
