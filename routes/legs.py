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
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString
from shipmap.routes.geodesic import geodesic_line, length_km

from shipmap.cache import read_entry, write_entry
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


#: Largest route cache entry read, in bytes, and most points in one cached line.
_ENTRY_MAX_BYTES = 16 * 1024 * 1024
_ENTRY_MAX_POINTS = 200_000
#: How far a cached line's ends may lie from the places asked for, in degrees.
_END_TOLERANCE = 1e-4


def _read_cached(cache_dir: Path | None, key: str, start: Point, end: Point) -> LineString | None:
    """Return the cached line from ``start`` to ``end``, or None to route it afresh.

    An entry is used only when it keeps to its schema: ``{"coordinates": [[lon,
    lat], ...]}`` with 2 to :data:`_ENTRY_MAX_POINTS` finite points, latitudes
    within ±90, and its first and last points at ``start`` and ``end``.
    Anything else (damaged, truncated, planted, a FIFO) is routed again and the
    entry replaced.
    """
    data = read_entry(cache_dir, f"{key}.json", max_bytes=_ENTRY_MAX_BYTES)
    if data is None:
        return None
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return None
    coords = doc.get("coordinates") if isinstance(doc, dict) else None
    if not isinstance(coords, list) or not 2 <= len(coords) <= _ENTRY_MAX_POINTS:
        return None
    try:
        array = np.array(coords, dtype=float)
    except (ValueError, TypeError):
        return None
    if array.ndim != 2 or array.shape[1] != 2 or not np.isfinite(array).all():
        return None
    if any(isinstance(v, bool) or not isinstance(v, int | float) for pt in coords for v in pt):
        return None
    if (np.abs(array[:, 1]) > 90).any() or (np.abs(array[:, 0]) > 720).any():
        return None
    if not (_same_point(array[0], start) and _same_point(array[-1], end)):
        return None
    return LineString(array)


def _same_point(found: np.ndarray, wanted: Point) -> bool:
    """Whether two points are one (longitudes compared modulo 360: lines are unwrapped)."""
    dx = (float(found[0]) - wanted[0] + 180.0) % 360.0 - 180.0
    return abs(dx) <= _END_TOLERANCE and abs(float(found[1]) - wanted[1]) <= _END_TOLERANCE


def _write_cached(cache_dir: Path | None, key: str, line: LineString) -> None:
    payload = json.dumps({"coordinates": [list(c) for c in line.coords]})
    write_entry(cache_dir, f"{key}.json", payload.encode("utf-8"))


def _route_sea(start: Point, end: Point, *, through: Sequence[str] = ()) -> LineString:
    """Route a sea leg (imported lazily: the router pulls in the coastline)."""
    from shipmap.routes.sea import sea_route

    return sea_route(start, end, through=through)


def _sea_version() -> str:
    from shipmap.routes.passages import passages_digest
    from shipmap.routes.sea import ALGORITHM_VERSION

    # the passages are data the routing depends on: a changed list re-routes
    return f"{ALGORITHM_VERSION}-{passages_digest()}"


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
    place_lines: dict[str, int] = {}
    line_col = places["_line"] if "_line" in places.columns else [None] * len(places)
    for pid, geom, pline in zip(places["id"], places.geometry, line_col, strict=True):
        if geom is not None and not geom.is_empty:
            points[str(pid)] = (float(geom.x), float(geom.y))
        if pline is not None and not pd.isna(pline):
            place_lines[str(pid)] = int(pline)
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
        # on a sea leg, a via that is no place may name a passage ("suez")
        passages = {
            pid
            for col, pid in names
            if mode == "sea" and col == "via" and pid not in points and _is_passage(pid)
        }
        missing = [(col, pid) for col, pid in names if pid not in points and pid not in passages]
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
        stops = [(col, pid, points.get(pid)) for col, pid in names]
        try:
            line = _draw(mode, stops, cache)
        except _StopError as err:
            problems.append(Problem(file, line_no, err.column, err.describe(place_lines)))
            lines.append(None)
            continue
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


class _StopError(ShipmapError):
    """A sea stretch refused because of one of its places (a column of legs.csv)."""

    def __init__(self, column: str, pid: str, point: Point, reason: str) -> None:
        super().__init__(reason)
        self.column, self.pid, self.point, self.reason = column, pid, point, reason

    def describe(self, place_lines: dict[str, int]) -> str:
        where = f"places.csv:{place_lines[self.pid]}, " if self.pid in place_lines else ""
        lat, lon = self.point[1], (self.point[0] + 180.0) % 360.0 - 180.0
        return (
            f"cannot draw the sea leg: place {self.pid!r} ({where}lat, lon {lat:.4f}, "
            f"{lon:.4f}) {self.reason}"
        )


def _is_passage(name: str) -> bool:
    from shipmap.routes.passages import find_passage

    return find_passage(name) is not None


Stop = tuple[str, str, "Point | None"]


def _draw(mode: str, stops: list[Stop], cache: Path | None) -> LineString:
    if mode != "sea":
        coords = [p for _, _, p in stops if p is not None]
        return geodesic_line(coords) if len(coords) > 1 else geodesic_line([coords[0], coords[0]])
    # A sea leg with via places is routed stretch by stretch and joined; named
    # passages in via go to the stretch they fall in.
    parts: list[LineString] = []
    start = stops[0]
    through: list[str] = []
    for stop in stops[1:]:
        if stop[2] is None:
            through.append(stop[1])
            continue
        parts.append(_sea_stretch(start, stop, through, cache))
        start, through = stop, []
    if len(parts) == 1:
        return parts[0]
    joined: list[Point] = list(parts[0].coords)
    for part in parts[1:]:
        pc = list(part.coords)
        shift = 360.0 * round((joined[-1][0] - pc[0][0]) / 360.0)
        joined.extend((x + shift, y) for x, y in pc[1:])
    return LineString(joined)


def _sea_stretch(start: Stop, end: Stop, through: list[str], cache: Path | None) -> LineString:
    """Route one stretch, saying which place is at fault if one is."""
    from shipmap.routes.sea import SeaRouteError

    a, b = start[2], end[2]
    assert a is not None and b is not None
    try:
        return _cached_sea(a, b, cache, _route_sea, through=through)
    except SeaRouteError as err:
        if err.end is None:
            raise
        col, pid, point = start if err.end == "origin" else end
        assert point is not None
        raise _StopError(col, pid, point, err.reason) from err


def _cached_sea(
    start: Point,
    end: Point,
    cache: Path | None,
    route: Callable[..., LineString],
    *,
    through: Sequence[str] = (),
) -> LineString:
    version = _sea_version() + "".join(f"|{name}" for name in through)
    key = _cache_key("sea", [start, end], version)
    line = _read_cached(cache, key, start, end)
    if line is None:
        line = route(start, end, through=through) if through else route(start, end)
        _write_cached(cache, key, line)
    return line
