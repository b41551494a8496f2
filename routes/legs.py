"""Leg geometry: one line per leg, drawn where ships and trains can actually go.

- ``sea``: follows water (:func:`shipmap.routes.sea.sea_route`);
- ``rail``, ``road``: through the ``via`` places in order, each stretch a geodesic;
- ``air``: a great-circle arc.

Sea routing is the slow part, so its result is cached on disk by its inputs (the
mode, the rounded coordinates and the routing algorithm's version): a rebuild with
unchanged legs does no routing, and the coastline is not even loaded.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString
from shipmap.routes.geodesic import geodesic_line, length_km

from shipmap.cache import write_cache_file
from shipmap.contract import MODES, split_list
from shipmap.errors import DataError, Problem, ShipmapError

__all__ = ["MODES", "build_legs"]

#: The modes a leg may have.

#: Decimals kept of each coordinate in a cache key (about 1 m).
_KEY_DECIMALS = 5

Point = tuple[float, float]


def _cache_key(mode: str, points: Sequence[Point], version: str) -> str:
    rounded = [[round(float(x), _KEY_DECIMALS), round(float(y), _KEY_DECIMALS)] for x, y in points]
    blob = json.dumps({"mode": mode, "points": rounded, "version": version}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _read_cached(cache_dir: Path | None, key: str) -> LineString | None:
    if cache_dir is None:
        return None
    try:
        data = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        line = LineString(data["coordinates"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a missing or damaged entry is simply routed again
    return line if len(line.coords) >= 2 else None


def _write_cached(cache_dir: Path | None, key: str, line: LineString) -> None:
    if cache_dir is None:
        return
    payload = json.dumps({"coordinates": [list(c) for c in line.coords]})
    write_cache_file(cache_dir / f"{key}.json", payload.encode("utf-8"))


def _route_sea(start: Point, end: Point) -> LineString:
    """Route a sea leg (imported lazily: the router pulls in the coastline)."""
    from shipmap.routes.sea import sea_route

    return sea_route(start, end)


def _sea_version() -> str:
    from shipmap.routes.sea import ALGORITHM_VERSION

    return str(ALGORITHM_VERSION)


def build_legs(
    legs: pd.DataFrame,
    places: gpd.GeoDataFrame,
    *,
    cache_dir: Path | None = None,
    file: str = "legs.csv",
) -> gpd.GeoDataFrame:
    """Draw every leg as a line and measure it.

    Parameters
    ----------
    legs
        The legs frame (columns ``id``, ``origin``, ``destination``, ``mode``,
        ``via`` as a raw ``;``-separated string, ``_line``, and any others).
    places
        Located places: column ``id`` and Point geometry in EPSG:4326.
    cache_dir
        Folder for cached sea routes; ``None`` keeps no cache on disk.
    file
        Name of the legs file, used in the problems reported.

    Returns
    -------
    geopandas.GeoDataFrame
        Every input column, a LineString per leg (continuous across the
        antimeridian, longitudes unwrapped) and ``length_km`` (geodesic), EPSG:4326.

    Raises
    ------
    DataError
        Listing every leg that could not be drawn, by file, line and column.
    """
    points: dict[str, Point] = {}
    for pid, geom in zip(places["id"], places.geometry, strict=True):
        if geom is not None and not geom.is_empty:
            points[str(pid)] = (float(geom.x), float(geom.y))
    cache = Path(cache_dir) if cache_dir is not None else None

    problems: list[Problem] = []
    lines: list[LineString | None] = []
    for rec in legs.to_dict("records"):
        line_no = int(rec.get("_line") or 0) or None
        mode = str(rec.get("mode", "")).strip()
        names = [
            ("origin", str(rec.get("origin", "")).strip()),
            *(("via", v) for v in split_list(str(rec.get("via", "")))),
            ("destination", str(rec.get("destination", "")).strip()),
        ]
        missing = [(col, pid) for col, pid in names if pid not in points]
        for col, pid in missing:
            problems.append(
                Problem(
                    file, line_no, col, f"unknown or unplaced place {pid!r}; cannot draw the leg"
                )
            )
        if mode not in MODES:
            problems.append(
                Problem(file, line_no, "mode", f"unknown mode {mode!r}; use {'/'.join(MODES)}")
            )
        if missing or mode not in MODES:
            lines.append(None)
            continue
        coords = [points[pid] for _, pid in names]
        try:
            line = _draw(mode, coords, cache)
        except ShipmapError as err:
            problems.append(Problem(file, line_no, "mode", f"cannot draw the {mode} leg: {err}"))
            lines.append(None)
            continue
        lines.append(line)

    if problems:
        raise DataError(problems)
    out = gpd.GeoDataFrame(legs.copy(), geometry=lines, crs="EPSG:4326")
    out["length_km"] = np.array([length_km(ln) for ln in lines], dtype=float)
    return out


def _draw(mode: str, coords: list[Point], cache: Path | None) -> LineString:
    if mode != "sea":
        return geodesic_line(coords) if len(coords) > 1 else geodesic_line([coords[0], coords[0]])
    # A sea leg with via places is routed stretch by stretch and joined.
    parts: list[LineString] = []
    for start, end in itertools.pairwise(coords):
        parts.append(_cached_sea(start, end, cache, _route_sea))
    if len(parts) == 1:
        return parts[0]
    joined: list[Point] = list(parts[0].coords)
    for part in parts[1:]:
        pc = list(part.coords)
        shift = 360.0 * round((joined[-1][0] - pc[0][0]) / 360.0)
        joined.extend((x + shift, y) for x, y in pc[1:])
    return LineString(joined)


def _cached_sea(
    start: Point, end: Point, cache: Path | None, route: Callable[[Point, Point], LineString]
) -> LineString:
    key = _cache_key("sea", [start, end], _sea_version())
    line = _read_cached(cache, key)
    if line is None:
        line = route(start, end)
        _write_cached(cache, key, line)
    return line
