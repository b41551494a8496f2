"""The ``shipmap`` command: build, validate, geocode and embed.

Only this module and :mod:`routes.outputs` touch the disk. Errors a user can act
on (:class:`geo.errors.ShipmapError`) are printed one line per problem on stderr
with exit status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TypeVar

from geo.errors import DataError, PlaceNotFoundError, ShipmapError

if TYPE_CHECKING:
    import geopandas as gpd

    from routes.dataset import Dataset
    from routes.flows import Flows

__all__ = ["build", "main"]

T = TypeVar("T")


class Progress:
    """Stage-by-stage progress on a terminal; silent when stderr is not one."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.perf_counter()

    def step(self, text: str, action: Callable[[], T]) -> T:
        """Run one stage, showing its name and, when done, its time."""
        if not self.enabled:
            return action()
        sys.stderr.write(f"\r\x1b[K  {text}…")
        sys.stderr.flush()
        t0 = time.perf_counter()
        result = action()
        sys.stderr.write(f"\r\x1b[K  {text} ({time.perf_counter() - t0:.1f} s)\n")
        sys.stderr.flush()
        return result


def _cache_dir() -> Path | None:
    configured = os.environ.get("SHIPMAP_CACHE")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shipmap" / "routes"


def build(
    dataset: Path,
    output: Path,
    *,
    progress: Progress | None = None,
    basemap: str | None = None,
    pictures: bool = False,
) -> list[str]:
    """Run the whole pipeline on a data set and write its outputs.

    ``basemap`` overrides map.toml's (a tile provider name or ``"offline"``);
    ``pictures`` adds a PNG of each map, drawn by headless Chromium.
    Returns the names of the files written into ``output``.
    """
    import dataclasses

    from routes.basemap import tile_provider
    from routes.dataset import load_dataset

    progress = progress or Progress(enabled=False)
    ds = progress.step(f"Reading {dataset}", lambda: load_dataset(dataset))
    if basemap is not None:
        ds = dataclasses.replace(ds, config=dataclasses.replace(ds.config, basemap=basemap))
    tile_provider(ds.config.basemap)  # an unknown name fails before any work

    from geo.places import locate_places

    places = progress.step("Placing places", lambda: locate_places(ds.places))

    from routes.legs import build_legs

    legs = progress.step(
        "Drawing legs", lambda: build_legs(ds.legs, places, cache_dir=_cache_dir())
    )

    from routes.flows import join_flows

    flows = progress.step("Joining figures", lambda: join_flows(legs, ds.shipments))

    return _finish(ds, places, flows, output, progress=progress, pictures=pictures)


def _finish(
    ds: Dataset,
    places: gpd.GeoDataFrame,
    flows: Flows,
    output: Path,
    *,
    progress: Progress,
    pictures: bool,
) -> list[str]:
    """Render the maps, index and exports of a joined data set and write them."""
    from routes.i18n import language
    from routes.outputs import (
        GEOJSON_NAME,
        MapPage,
        geojson_document,
        geojson_text,
        index_html,
        map_filename,
        write_outputs,
    )
    from routes.page import map_html
    from routes.render import MapContent, render_map

    content = MapContent(
        places=places, flows=flows, shipments=ds.shipments, sources=ds.sources, config=ds.config
    )
    files: dict[str, str | bytes] = {}
    pages = []
    for lang in ds.config.languages:
        lang_ = language(lang)
        title = ds.config.text("title", lang)

        def render(lang: str = lang, title: str = title) -> str:
            return map_html(render_map(content, lang=lang), lang=language(lang), title=title)

        name = map_filename(lang)
        files[name] = progress.step(f"Rendering {name}", render)
        pages.append(
            MapPage(
                lang=lang,
                filename=name,
                title=title,
                language_name=lang_.t("language_name"),
                dir=lang_.dir,
            )
        )
    files["index.html"] = index_html(pages, title=ds.config.text("title", ds.config.languages[0]))
    files[GEOJSON_NAME] = geojson_text(geojson_document(places, flows.legs))

    from routes.exports import FLOWS_CSV_NAME, GEOPACKAGE_NAME, flows_csv, geopackage_bytes

    files[FLOWS_CSV_NAME] = flows_csv(flows.legs, flows.headlines)
    files[GEOPACKAGE_NAME] = progress.step(
        f"Writing {GEOPACKAGE_NAME}",
        lambda: geopackage_bytes(places, flows.legs, ds.shipments),
    )
    if pictures:
        files.update(progress.step("Drawing pictures", lambda: _pictures(files)))
    progress.step(f"Writing {output}", lambda: write_outputs(output, files))
    return sorted(files)


def _pictures(files: dict[str, str | bytes]) -> dict[str, bytes]:
    """PNGs of the maps among a build's files, drawn from a scratch copy."""
    import tempfile

    from routes.snapshot import snapshot_maps

    with tempfile.TemporaryDirectory(prefix="shipmap-pictures-") as tmp:
        maps = []
        for name, content in sorted(files.items()):
            if name.startswith("map-") and name.endswith(".html"):
                path = Path(tmp) / name
                path.write_text(str(content), "utf-8")
                maps.append(path)
        return snapshot_maps(maps)


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
    from routes.watch import watch

    try:
        watch(dataset, rebuild=run)
    except KeyboardInterrupt:
        print("shipmap: stopped watching", file=sys.stderr)
    return 0


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from routes.snapshot import snapshot_maps

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
    from geo.places import locate_places
    from routes.dataset import load_dataset

    ds = load_dataset(Path(args.dataset))
    locate_places(ds.places)
    print(
        f"{args.dataset}: ok ({len(ds.places)} places, {len(ds.legs)} legs, "
        f"{len(ds.shipments)} shipment rows, {len(ds.sources)} sources)"
    )
    return 0


def _cmd_geocode(args: argparse.Namespace) -> int:
    from geo.geocode import geocode, match_to_json

    try:
        match = geocode(args.name, country=args.country)
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
    from routes.outputs import embed_snippet

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
