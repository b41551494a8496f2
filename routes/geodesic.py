"""Geodesic lines: interpolation, densification, antimeridian handling and lengths.

Every line shipmap draws is made here, so that it looks right on a Web Mercator
map (a point every few tens of kilometres) and stays one continuous line where it
crosses the antimeridian: longitudes then run beyond ±180° ("unwrapped"), which is
how the map draws them. :func:`split_antimeridian` turns such a line into the
RFC 7946 form (pieces within ±180°) for GeoJSON export.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import numpy as np
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString

__all__ = [
    "GEOD",
    "densify_line",
    "geodesic_line",
    "length_km",
    "split_antimeridian",
    "unwrap_lons",
]

#: The ellipsoid every length and interpolation in shipmap uses.
GEOD = Geod(ellps="WGS84")

#: Default spacing of densified points, in km: smooth on a Web Mercator map.
DEFAULT_SPACING_KM = 30.0


def unwrap_lons(lons: Iterable[float]) -> np.ndarray:
    """Shift longitudes by multiples of 360° so no step between neighbours exceeds 180°.

    The first longitude stays as given; the others follow it continuously, so a
    line crossing the antimeridian gets longitudes beyond ±180°.
    """
    arr = np.asarray(list(lons), dtype=float)
    if arr.size == 0:
        return arr
    steps = np.diff(arr)
    steps = (steps + 180.0) % 360.0 - 180.0
    return np.concatenate([arr[:1], arr[0] + np.cumsum(steps)])


def _segment_points(
    a: tuple[float, float], b: tuple[float, float], spacing_km: float
) -> list[tuple[float, float]]:
    """Return the points strictly between ``a`` and ``b`` along the geodesic."""
    dist_m = GEOD.inv(a[0], a[1], b[0], b[1])[2]
    n = max(math.ceil(dist_m / (spacing_km * 1000.0)) - 1, 0)
    if n == 0:
        return []
    return [(float(x), float(y)) for x, y in GEOD.npts(a[0], a[1], b[0], b[1], n)]


def densify_line(
    points: Sequence[tuple[float, float]] | LineString,
    *,
    spacing_km: float = DEFAULT_SPACING_KM,
) -> LineString:
    """Densify a line so that each of its stretches follows the geodesic.

    Parameters
    ----------
    points
        (lon, lat) vertices, or a LineString; longitudes may be wrapped or unwrapped.
    spacing_km
        Largest distance between consecutive output points.

    Returns
    -------
    LineString
        The vertices with geodesic points inserted between them, with unwrapped
        longitudes (continuous across the antimeridian). Consecutive duplicate
        vertices are dropped.
    """
    coords = list(points.coords) if isinstance(points, LineString) else list(points)
    if len(coords) < 2:
        raise ValueError("a line needs at least two points")
    out: list[tuple[float, float]] = [(float(coords[0][0]), float(coords[0][1]))]
    for a, b in itertools.pairwise(coords):
        a2 = (float(a[0]), float(a[1]))
        b2 = (float(b[0]), float(b[1]))
        if GEOD.inv(a2[0], a2[1], b2[0], b2[1])[2] < 1e-3:
            continue
        out.extend(_segment_points(a2, b2, spacing_km))
        out.append(b2)
    if len(out) < 2:
        out.append(out[0])
    lons = unwrap_lons(p[0] for p in out)
    return LineString(np.column_stack([lons, [p[1] for p in out]]))


def geodesic_line(
    points: Sequence[tuple[float, float]],
    *,
    spacing_km: float = DEFAULT_SPACING_KM,
) -> LineString:
    """Return the geodesic line through ``points`` in order, densified and continuous.

    This is how rail and road legs (through their ``via`` places) and air legs
    (two points: a great-circle arc) are drawn.
    """
    return densify_line(list(points), spacing_km=spacing_km)


def length_km(line: LineString) -> float:
    """Return the geodesic length of ``line`` in kilometres (WGS84 ellipsoid).

    Works on unwrapped longitudes: each stretch is measured as the geodesic
    between its ends, which does not depend on the 360° shift.
    """
    coords = np.asarray(line.coords)
    if len(coords) < 2:
        return 0.0
    _, _, dists = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    return float(np.sum(dists) / 1000.0)


def split_antimeridian(line: LineString) -> LineString | MultiLineString:
    """Split an unwrapped line at ±180° for RFC 7946 GeoJSON export.

    Returns the line with longitudes brought into [-180, 180] when it does not
    cross the antimeridian, otherwise a MultiLineString whose pieces meet at
    ±180° (the latitude there interpolated linearly between the two neighbours).
    """
    coords = np.asarray(line.coords, dtype=float)
    lons = unwrap_lons(coords[:, 0])
    lats = coords[:, 1]
    # Shift the whole line so that it starts within [-180, 180).
    shift = -360.0 * math.floor((lons[0] + 180.0) / 360.0)
    lons = lons + shift
    pieces: list[list[tuple[float, float]]] = []
    offset = 0.0
    current: list[tuple[float, float]] = [(float(lons[0]), float(lats[0]))]
    for i in range(1, len(lons)):
        x0, y0 = lons[i - 1] + offset, lats[i - 1]
        x1, y1 = lons[i] + offset, lats[i]
        while x1 > 180.0 or x1 < -180.0:
            edge = 180.0 if x1 > 180.0 else -180.0
            t = (edge - x0) / (x1 - x0) if x1 != x0 else 0.0
            y_edge = float(y0 + t * (y1 - y0))
            current.append((edge, y_edge))
            pieces.append(current)
            jump = -360.0 if edge > 0 else 360.0
            offset += jump
            x0, x1 = edge + jump, x1 + jump
            y0 = y_edge
            current = [(x0, y_edge)]
        current.append((float(x1), float(y1)))
    pieces.append(current)
    pieces = [p for p in pieces if len(p) >= 2 and any(q != p[0] for q in p[1:])]
    if len(pieces) == 1:
        return LineString(pieces[0])
    return MultiLineString(pieces)
