"""Sea legs that follow water.

A sea leg starts from the maritime network's shortest route (coarse: in places it
cuts across headlands by several kilometres), then every stretch of it is checked
against the land mask every few hundred metres. Stretches on land are re-routed by
an A* search over a local water grid around them, and the whole line is pulled
taut again (each point joined to the furthest point it can see across water), so
there are no grid zig-zags and no pointless detours. Where the network has no
route at all (the Caspian Sea is not connected to the ocean) the same grid search
routes the whole leg.

Ports sit on the coastline's edge, and coastline data is coarser than a quay: a
port on land is joined to the nearest water within :data:`PORT_REACH_KM`. Ports
up an estuary or behind a barrage (Nampo) reach further, through water that a
second coastline (GSHHG) keeps open.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString
from shipmap.routes.coastline import LandMask, land_mask, wrap_lons
from shipmap.routes.geodesic import GEOD, densify_line, unwrap_lons
from shipmap.routes.passages import (
    PassageNetwork,
    basin_of,
    find_passage,
    load_passages,
    passage_network,
)
from shipmap.routes.rivers import river_network

from shipmap.errors import ShipmapError

__all__ = ["ALGORITHM_VERSION", "PORT_REACH_KM", "SeaRouteError", "sea_route"]

#: Changes whenever the routing would draw a different line; part of the cache key.
ALGORITHM_VERSION = "sea-11"

#: A port farther than this from water on the primary coastline may look further
#: (estuaries, barrages), up to :data:`_FAR_REACH_KM`.
PORT_REACH_KM = 5.0
_FAR_REACH_KM = 25.0
#: A place this close to a navigable passage may reach the sea along it, in km.
_ACCESS_KM = 5.0
#: A network route passing both ends of a through passage this closely takes it, in km.
_SPLICE_KM = 30.0
#: Two points of a line this close together, but far apart along it, mark a spur (km).
_SPUR_GAP_KM = 0.3
_SPUR_MIN_KM = 2.0
#: Plans whose estimated length is within this factor of the best one are all routed.
_CLOSE_PLANS = 1.25
#: Around such a port, water on either coastline counts as water.
_LOOSE_RADIUS_KM = 40.0
#: Spacing of the finest land checks along a line, in km (the mask has ~460 m cells).
_SAMPLE_KM = 0.06
#: Without a clearance, how far from land a sample counts as near it, in km.
_PROBE_KM = 1.0
#: Away from the ports, how far a line keeps off the primary coastline, in km.
_CLEARANCE_KM = 1.5
#: Within this distance of a port, no clearance is asked for.
_FREE_RADIUS_KM = 12.0
#: Most cells along the longer side of a search grid.
_GRID_CELLS = 160
#: Finest grid cell, in km (the mask's cells are about 0.46 km by 0.35 km at 40°).
_MIN_CELL_KM = 0.2
#: Most cells in one search grid.
_MAX_GRID_CELLS = 600_000
#: Spacing of the exact geodesic points between which line checks interpolate, in km.
_KNOT_KM = 10.0
#: Spacing of the first, coarse land checks along a line when a clearance is kept, in km.
_COARSE_KM = 0.7
_MAX_ROUNDS = 6
#: Furthest a line is pulled taut in one step, along the line, in km.
_TAUT_REACH_KM = 600.0
#: How far along narrow water (a river mouth, a harbour basin) a port is followed
#: to open water, on the mask's own cells, in km from the port.
_NARROW_WINDOW_KM = 40.0
#: Pixels per degree of the land mask (see :mod:`shipmap.routes.coastline`).
_MASK_PX_PER_DEG = 240
#: On the way from such a port to open water, a km over land cells costs as much
#: as this many km over water.
_LAND_PENALTY = 5.0
#: Where the network's route from a fjord or from behind islands cannot be
#: repaired, the leg sets out again from water this far off every shore (km),
#: found within this distance (km).
_OFFSHORE_KM = 3.0
_OFFSHORE_WINDOW_KM = 80.0
#: Where a river line ends, open water is looked for this far off, in km; and
#: water on either coastline as far as bench/make_river_lines.py looked when it
#: found that the river meets the sea (a river's mouth may stop short of it).
_RIVER_MOUTH_KM = 1.0
_RIVER_GAP_KM = 3.0
#: From a river's end, water on either coastline is followed this far, in km.
_ESTUARY_WINDOW_KM = 80.0
#: Cells per degree of the finer grid on which a port's narrow water, as either
#: coastline shows it, is followed (1/960°, about 116 m north–south: four by four
#: to one of the mask's cells); and how far from the port, in km.
_FINE_PX_PER_DEG = 960
_FINE_WINDOW_KM = 60.0
#: Within this distance of a port that the rasters leave with no way to the
#: sea, GSHHG's own polygons are asked for narrower water, in km.
_EXACT_KM = 20.0

Point = tuple[float, float]
LandFn = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: Side of the cells in which a narrow passage, once found, is let off the
#: clearance (1/64°, about 1.7 km by 1.3 km at 40°).
_RELAX_PER_DEG = 64


class _Water:
    """Land tests for one route.

    The primary mask, loosened near far-off ports (see :data:`_LOOSE_RADIUS_KM`)
    and, away from both ports, widened by a clearance: a ship keeps off the shore
    and does not thread a channel narrower than twice the clearance, except in the
    narrow passages :meth:`relax` was told of (straits the route has to take).
    """

    def __init__(
        self,
        mask: LandMask,
        loose: Sequence[Point],
        *,
        ends: Sequence[Point] = (),
        clearance_km: float = 0.0,
    ) -> None:
        self.mask = mask
        self.loose = list(loose)
        self.ends = list(ends)
        self.clearance_km = clearance_km
        self._relaxed = np.zeros(0, dtype=np.int64)
        #: Where a repair last found no way round the land (for the refusal).
        self.blocked: Point | None = None

    def strict(self) -> _Water:
        """Return the same tests without clearance (but the same ports)."""
        return _Water(self.mask, self.loose, ends=self.ends)

    def relax(self, lons: np.ndarray, lats: np.ndarray) -> None:
        """Let the points given, and their surroundings, off the clearance."""
        ix = np.floor(np.asarray(lons) * _RELAX_PER_DEG).astype(np.int64)
        iy = np.floor(np.asarray(lats) * _RELAX_PER_DEG).astype(np.int64)
        keys = [self._relaxed]
        for ox in (-1, 0, 1):
            for oy in (-1, 0, 1):
                keys.append(_relax_key(ix + ox, iy + oy))
        self._relaxed = np.unique(np.concatenate(keys))

    def land(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Return True for the points a ship may not be at."""
        return self._verdict(lons, lats)[0]

    def _verdict(
        self, lons: np.ndarray, lats: np.ndarray, probe_km: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (blocked, near land) for each point.

        "Near land" means primary-mask land within the clearance (or within
        ``probe_km`` when no clearance is kept), whatever the exemptions.
        """
        lons = np.asarray(lons, dtype=float).ravel()
        lats = np.asarray(lats, dtype=float).ravel()
        reach = self.clearance_km if self.clearance_km > 0 else probe_km
        near = self.mask.is_near_land(lons, lats, clearance_km=reach)
        if self.clearance_km > 0:
            land = near.copy()
            idx = np.flatnonzero(land)
            if idx.size:
                soft = idx[~self.mask.is_land(lons[idx], lats[idx])]
                if soft.size:
                    land[soft[self._exempt(lons[soft], lats[soft])]] = False
        else:
            land = near.copy()
            idx = np.flatnonzero(near)
            if idx.size:
                land[idx] = self.mask.is_land(lons[idx], lats[idx])
        for lon0, lat0 in self.loose:
            idx = np.flatnonzero(land)
            if not idx.size:
                break
            idx = idx[_approx_km(lons[idx], lats[idx], lon0, lat0) < _LOOSE_RADIUS_KM]
            if idx.size:
                land[idx] = self.mask.is_land_either(lons[idx], lats[idx])
        return land, near

    def clear_many(self, starts: Sequence[Point], ends: Sequence[Point]) -> np.ndarray:
        """Return, for each geodesic start→end, True if it stays on water.

        Lines are sampled every :data:`_COARSE_KM`; land swollen by the clearance
        (or by :data:`_PROBE_KM`) is wider than that, so a line that crosses land
        has a sample near it. Only the stretches around samples near land that
        were not found blocked (near a port, in a relaxed strait, by a narrow
        channel) are sampled again, every :data:`_SAMPLE_KM`.
        """
        if not len(starts):
            return np.zeros(0, dtype=bool)
        a, b = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
        lons, lats, seg = _sample_segments(a, b, _COARSE_KM)
        blocked, near = self._verdict(lons, lats, _PROBE_KM)
        bad = np.bincount(seg[blocked], minlength=len(a)) > 0
        unsure = np.flatnonzero(near & ~blocked & ~bad[seg])
        if unsure.size:
            k = np.unique(np.concatenate([unsure - 1, unsure]))
            k = k[(k >= 0) & (k + 1 < len(seg))]
            k = k[seg[k] == seg[k + 1]]
            m = math.ceil(_COARSE_KM / _SAMPLE_KM)
            f = np.arange(1, m) / m
            fine_lons = (lons[k, None] * (1.0 - f) + lons[k + 1, None] * f).ravel()
            fine_lats = (lats[k, None] * (1.0 - f) + lats[k + 1, None] * f).ravel()
            fine_seg = np.repeat(seg[k], m - 1)
            bad |= np.bincount(fine_seg[self.land(fine_lons, fine_lats)], minlength=len(a)) > 0
        return np.asarray(~bad)

    def _exempt(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Return True for the points no clearance is asked of (near a port, relaxed)."""
        free = np.zeros(len(lons), dtype=bool)
        for lon0, lat0 in self.ends:
            free |= _approx_km(lons, lats, lon0, lat0) <= _FREE_RADIUS_KM
        free |= self.mask.is_carved(lons, lats)
        if self._relaxed.size:
            ix = np.floor(wrap_lons(lons) * _RELAX_PER_DEG).astype(np.int64)
            iy = np.floor(lats * _RELAX_PER_DEG).astype(np.int64)
            keys = _relax_key(ix, iy)
            pos = np.minimum(np.searchsorted(self._relaxed, keys), self._relaxed.size - 1)
            free |= self._relaxed[pos] == keys
        return free


def _relax_key(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    cols = 360 * _RELAX_PER_DEG
    return np.asarray((ix % cols) * (180 * _RELAX_PER_DEG + 2) + iy)


def _approx_km(lons: np.ndarray, lats: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Return equirectangular distances in km (good enough within a few hundred km)."""
    dlon = (np.asarray(lons) - lon0 + 180.0) % 360.0 - 180.0
    x = dlon * math.cos(math.radians(lat0)) * 111.32
    y = (np.asarray(lats) - lat0) * 111.2
    return np.asarray(np.hypot(x, y))


def _grid_km(glon: np.ndarray, glat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Return :func:`_approx_km` over the grid of ``glon`` (columns) by ``glat`` (rows).

    The same values as on the grid's every point, worked out per column and per row.
    """
    dlon = (np.asarray(glon) - lon0 + 180.0) % 360.0 - 180.0
    x = dlon * math.cos(math.radians(lat0)) * 111.32
    y = (np.asarray(glat) - lat0) * 111.2
    return np.asarray(np.hypot(x[None, :], y[:, None]))


def _nearest_water(
    point: Point, land: LandFn, reach_km: float, step_km: float = 0.15
) -> Point | None:
    """Return the water point nearest to ``point`` within ``reach_km``, or None."""
    lon0, lat0 = point
    n = math.ceil(reach_km / step_km)
    offsets = np.arange(-n, n + 1) * step_km
    ky, kx = np.meshgrid(offsets, offsets, indexing="ij")
    dist = np.hypot(kx, ky).ravel()
    keep = dist <= reach_km
    order = np.argsort(dist[keep], kind="stable")
    kx, ky = kx.ravel()[keep][order], ky.ravel()[keep][order]
    lons = lon0 + kx / (111.32 * max(math.cos(math.radians(lat0)), 0.01))
    lats = np.clip(lat0 + ky / 111.2, -89.9, 89.9)
    # open water: the point and its neighbours half a kilometre away, so that a
    # port is not joined to a pocket of water cut off from the sea
    open_water = ~land(lons, lats)
    dlat = 0.5 / 111.2
    dlon = dlat / max(math.cos(math.radians(lat0)), 0.01)
    for ox, oy in ((dlon, 0.0), (-dlon, 0.0), (0.0, dlat), (0.0, -dlat)):
        idx = np.flatnonzero(open_water)
        if not idx.size:
            break
        open_water[idx] = ~land(lons[idx] + ox, np.clip(lats[idx] + oy, -89.9, 89.9))
    if not open_water.any():
        return None
    i = int(np.argmax(open_water))
    return float(lons[i]), float(lats[i])


def _sample_segments(
    starts: np.ndarray, ends: np.ndarray, spacing_km: float = _SAMPLE_KM
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return points every ``spacing_km`` along each geodesic start→end, ends included.

    All segments at once: exact geodesic points every :data:`_KNOT_KM` (forward
    geodesic problem, vectorised), linear interpolation between them (within a few
    metres of the geodesic). Returns longitudes (continuing each segment's start),
    latitudes, and the index of the segment each point belongs to.
    """
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)
    ends = np.asarray(ends, dtype=float).reshape(-1, 2)
    az, _, dist_m = GEOD.inv(starts[:, 0], starts[:, 1], ends[:, 0], ends[:, 1])
    dist_m = np.asarray(dist_m, dtype=float)
    az = np.asarray(az, dtype=float)
    n_knots = np.ceil(dist_m / (_KNOT_KM * 1000.0)).astype(np.int64) + 1
    n_samples = np.maximum(np.ceil(dist_m / (spacing_km * 1000.0)).astype(np.int64), 1) + 1
    # knots
    k_seg = np.repeat(np.arange(len(starts)), n_knots)
    k_first = np.cumsum(n_knots) - n_knots
    k_pos = np.arange(len(k_seg)) - k_first[k_seg]
    k_t = k_pos / np.maximum(n_knots[k_seg] - 1, 1)
    last = np.repeat(n_knots - 1, n_knots)
    k_lon = np.where(k_pos == last, ends[k_seg, 0], starts[k_seg, 0])
    k_lat = np.where(k_pos == last, ends[k_seg, 1], starts[k_seg, 1])
    inner = np.flatnonzero((k_pos > 0) & (k_pos < last))
    if inner.size:
        s_inner = k_seg[inner]
        lon, lat, _ = GEOD.fwd(
            starts[s_inner, 0], starts[s_inner, 1], az[s_inner], dist_m[s_inner] * k_t[inner]
        )
        k_lon[inner] = lon
        k_lat[inner] = lat
    k_lon = starts[k_seg, 0] + (k_lon - starts[k_seg, 0] + 180.0) % 360.0 - 180.0
    # samples between the knots
    seg = np.repeat(np.arange(len(starts)), n_samples)
    first = np.cumsum(n_samples) - n_samples
    t = (np.arange(len(seg)) - first[seg]) / (n_samples[seg] - 1)
    u = t * (n_knots[seg] - 1)
    j = np.minimum(np.floor(u).astype(np.int64), np.maximum(n_knots[seg] - 2, 0))
    f = u - j
    lo = k_first[seg] + j
    hi = np.minimum(lo + 1, k_first[seg] + n_knots[seg] - 1)
    lons = k_lon[lo] * (1.0 - f) + k_lon[hi] * f
    lats = k_lat[lo] * (1.0 - f) + k_lat[hi] * f
    return lons, lats, seg


def _clear_many(starts: Sequence[Point], ends: Sequence[Point], water: _Water) -> np.ndarray:
    """Return, for each geodesic start→end, True if it stays on water."""
    return water.clear_many(starts, ends)


def _clear(a: Point, b: Point, water: _Water) -> bool:
    """Return True if the geodesic a→b stays on water."""
    return bool(water.clear_many([a], [b])[0])


def _network_route(a: Point, b: Point) -> list[Point]:
    """Return the maritime network's route a→b (ends included), or [] if it has none."""
    import searoute

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            feature = searoute.searoute(list(a), list(b))
        coords = [(float(x), float(y)) for x, y in feature["geometry"]["coordinates"]]
    except Exception:  # the network library raises bare Exceptions
        return []
    if not coords:
        return []
    return [a, *coords, b]


def _unwrap(points: Sequence[Point]) -> list[Point]:
    lons = unwrap_lons(p[0] for p in points)
    return [(float(x), float(p[1])) for x, p in zip(lons, points, strict=True)]


def _grid_route(
    a: Point,
    b: Point,
    water: _Water,
    bbox: tuple[float, float, float, float],
    cell_km: float,
    *,
    native: bool = False,
) -> list[Point] | None:
    """Route over a lon/lat grid of water cells in ``bbox``; None if a, b do not connect.

    Cells are joined to their eight neighbours (no cutting a land corner); the
    shortest path is found by Dijkstra's algorithm on the component of water that
    holds both ends, after a connected-component labelling has ruled out grids
    where they are apart.
    """
    from scipy import ndimage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    lon0, lat0, lon1, lat1 = bbox
    lat0, lat1 = max(lat0, -85.0), min(lat1, 85.0)
    mid = math.radians((lat0 + lat1) / 2.0)
    dlat = cell_km / 111.2
    dlon = dlat / max(math.cos(mid), 0.05)
    if native:
        # one node per cell of the land mask, at its centre: a channel one cell
        # wide stays open, where a grid of another pitch may straddle it
        dlat = dlon = 1.0 / _MASK_PX_PER_DEG
        lon0 = math.floor(lon0 * _MASK_PX_PER_DEG) / _MASK_PX_PER_DEG
        lat0 = math.floor(lat0 * _MASK_PX_PER_DEG) / _MASK_PX_PER_DEG
    nx = max(math.ceil((lon1 - lon0) / dlon) + 1, 2)
    ny = max(math.ceil((lat1 - lat0) / dlat) + 1, 2)
    glon = lon0 + np.arange(nx) * dlon
    glat = lat0 + np.arange(ny) * dlat
    mx, my = np.meshgrid(glon, glat)
    wet = ~water.land(mx.ravel(), my.ravel()).reshape(ny, nx)
    labels, _ = ndimage.label(wet)

    def candidates(p: Point) -> list[int]:
        # water cells near p that p reaches in a straight line over water, nearest first
        cx, cy = (p[0] - lon0) / dlon, (p[1] - lat0) / dlat
        jj, ii = np.mgrid[
            math.floor(cy) - 3 : math.floor(cy) + 5, math.floor(cx) - 3 : math.floor(cx) + 5
        ]
        jj, ii = jj.ravel(), ii.ravel()
        inside = (ii >= 0) & (ii < nx) & (jj >= 0) & (jj < ny)
        jj, ii = jj[inside], ii[inside]
        keep = wet[jj, ii]
        jj, ii = jj[keep], ii[keep]
        order = np.argsort((ii - cx) ** 2 + (jj - cy) ** 2, kind="stable")
        jj, ii = jj[order], ii[order]
        targets = [(float(glon[i]), float(glat[j])) for i, j in zip(ii, jj, strict=True)]
        ok = _clear_many([p] * len(targets), targets, water)
        return [int(j * nx + i) for i, j, k in zip(ii, jj, ok, strict=True) if k]

    flat_labels = labels.ravel()
    goal_cells = candidates(b)
    goal_labels = {int(flat_labels[c]): c for c in reversed(goal_cells)}
    start = goal = None
    for c in candidates(a):
        if int(flat_labels[c]) in goal_labels:
            start, goal = c, goal_labels[int(flat_labels[c])]
            break
    if start is None or goal is None:
        return None
    comp = labels == labels.flat[start]
    dy_km = dlat * 111.2
    dx_km = dlon * 111.32 * np.cos(np.radians(glat))[:, None] * np.ones((1, nx))
    idx = np.arange(ny * nx).reshape(ny, nx)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    costs: list[np.ndarray] = []

    def join(
        src: tuple[slice, slice], dst: tuple[slice, slice], ok: np.ndarray, cost: np.ndarray
    ) -> None:
        rows.append(idx[src][ok])
        cols.append(idx[dst][ok])
        costs.append(cost[ok])

    # east, north, north-east, north-west (undirected)
    east = comp[:, :-1] & comp[:, 1:]
    join((slice(None), slice(None, -1)), (slice(None), slice(1, None)), east, dx_km[:, :-1])
    north = comp[:-1, :] & comp[1:, :]
    join(
        (slice(None, -1), slice(None)),
        (slice(1, None), slice(None)),
        north,
        np.full((ny - 1, nx), dy_km),
    )
    diag_cost = np.hypot(dx_km[:-1, :-1], dy_km)
    ne = comp[:-1, :-1] & comp[1:, 1:] & comp[:-1, 1:] & comp[1:, :-1]
    join((slice(None, -1), slice(None, -1)), (slice(1, None), slice(1, None)), ne, diag_cost)
    join((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1)), ne, diag_cost)
    src, dst, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(costs)
    graph = coo_matrix(
        (np.concatenate([w, w]), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
        shape=(ny * nx, ny * nx),
    ).tocsr()
    # explore no further than a generous multiple of the straight distance first
    straight_km = float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0
    for limit in (3.0 * straight_km + 20.0 * cell_km, np.inf):
        dist, pred = dijkstra(graph, indices=start, return_predecessors=True, limit=limit)
        if np.isfinite(dist[goal]):
            break
    else:
        return None
    cells = [goal]
    while cells[-1] != start:
        cells.append(int(pred[cells[-1]]))
    cells.reverse()
    pts = [(float(glon[cell % nx]), float(glat[cell // nx])) for cell in cells]
    return [a, *pts, b]  # a sees the first cell, b the last (see candidates)


def _search(
    a: Point, b: Point, water: _Water, context: Sequence[Point], *, fine: int = 0
) -> list[Point] | None:
    """Route a→b over water by grid search; None if no water joins them.

    Tries ever wider windows around ``context``; in each, ever finer grids (a
    coarse grid closes narrow channels) until a grid would exceed
    :data:`_MAX_GRID_CELLS`. Where the clearance closes every way within a window
    but the bare coastline leaves one open (a narrow strait), that way is taken
    and the strait is let off the clearance (:meth:`_Water.relax`).
    """
    lons = [p[0] for p in context] + [a[0], b[0]]
    lats = [p[1] for p in context] + [a[1], b[1]]
    span_km = max(
        float(GEOD.inv(min(lons), min(lats), max(lons), max(lats))[2]) / 1000.0,
        float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0,
        1.0,
    )
    margin_km = max(20.0, 0.35 * span_km)
    tests = [water, water.strict()] if water.clearance_km > 0 else [water]
    for _ in range(4):
        mlat = margin_km / 111.2
        mlon = margin_km / (111.32 * max(math.cos(math.radians(max(map(abs, lats)))), 0.05))
        bbox = (min(lons) - mlon, min(lats) - mlat, max(lons) + mlon, max(lats) + mlat)
        window_km = span_km + 2 * margin_km
        area_cells = (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) * 111.2 * 111.2
        area_cells *= max(math.cos(math.radians(max(map(abs, lats)))), 0.05)
        coarse = min(max(window_km / (_GRID_CELLS * 2**fine), _MIN_CELL_KM), 15.0)
        for test in tests:
            # finer grids open channels a coarse one closes; the clearance closes
            # them whatever the grid, so only the bare coastline is refined
            cell_km = coarse
            while True:
                path = _grid_route(a, b, test, bbox, cell_km)
                if path is not None:
                    if test is not water:
                        _relax_along(path, water)
                    return path
                finer = max(cell_km / 2.0, _MIN_CELL_KM)
                if (
                    test.clearance_km > 0
                    or finer >= cell_km
                    or area_cells / finer**2 > _MAX_GRID_CELLS
                ):
                    break
                cell_km = finer
        margin_km *= 2.0
    # last, the mask's own cells (bare coastline): a fjord or a sound between
    # skerries one or two cells wide, which grids of another pitch straddle
    margin_km = max(20.0, 0.35 * span_km)
    strict = tests[-1]
    for _ in range(3):
        mlat = margin_km / 111.2
        mlon = margin_km / (111.32 * max(math.cos(math.radians(max(map(abs, lats)))), 0.05))
        bbox = (min(lons) - mlon, min(lats) - mlat, max(lons) + mlon, max(lats) + mlat)
        if (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) * _MASK_PX_PER_DEG**2 > _MAX_GRID_CELLS:
            break
        path = _grid_route(a, b, strict, bbox, 0.0, native=True)
        if path is not None:
            if strict is not water:
                _relax_along(path, water)
            return path
        margin_km *= 2.0
    return None


def _relax_along(path: list[Point], water: _Water) -> None:
    """Let off the clearance wherever ``path`` (found on bare water) needs it."""
    pts = np.asarray(path)
    lons, lats, _ = _sample_segments(pts[:-1], pts[1:])
    blocked = water.land(lons, lats)
    if blocked.any():
        water.relax(lons[blocked], lats[blocked])


def _subdivide(points: list[Point]) -> list[Point]:
    """Insert vertices along long stretches so that pulling taut can cut corners."""
    pts = np.asarray(points, dtype=float)
    dists = np.asarray(GEOD.inv(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])[2])
    step_km = min(max(float(dists.sum()) / 1000.0 / 300.0, 2.0), 50.0)
    lons, lats, seg = _sample_segments(pts[:-1], pts[1:], step_km)
    first = np.r_[True, seg[1:] != seg[:-1]]
    keep = ~first
    keep[0] = True
    return _unwrap(list(zip(lons[keep].tolist(), lats[keep].tolist(), strict=True)))


def _pull_taut(points: list[Point], water: _Water) -> list[Point]:
    """Join each point to the furthest one ahead it can see across water.

    Gallops ahead (1, 2, 4, ... points and the furthest one within
    :data:`_TAUT_REACH_KM` along the line, all checked at once), then narrows
    down between the last point seen and the first one hidden, several
    candidates per batch. The reach keeps the checks near the line: a
    straight line between points thousands of kilometres apart would cross
    land anyway, and testing it costs more than all the rest.
    """
    pts = np.asarray(points, dtype=float)
    steps = np.asarray(GEOD.inv(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])[2]) / 1000.0
    along = np.r_[0.0, np.cumsum(steps)]
    out = [points[0]]
    i, n = 0, len(points)
    while i < n - 1:
        last = max(int(np.searchsorted(along, along[i] + _TAUT_REACH_KM, side="right")) - 1, i + 1)
        ahead = [j for j in (i + 2**k for k in range(n.bit_length())) if j < last] + [last]
        ok = _clear_many([points[i]] * len(ahead), [points[j] for j in ahead], water)
        if ok[-1]:
            out.append(points[last])
            i = last
            continue
        bad = int(np.argmin(ok))
        lo, hi = (ahead[bad - 1] if bad else i + 1), ahead[bad]
        while hi - lo > 1:
            cand = np.unique(np.linspace(lo, hi, min(hi - lo + 1, 26)).round().astype(int))
            cand = cand[1:-1].tolist()
            seen = _clear_many([points[i]] * len(cand), [points[j] for j in cand], water)
            if seen.any():
                k = int(np.flatnonzero(seen)[-1])
                lo, hi = cand[k], (cand[k + 1] if k + 1 < len(cand) else hi)
            else:
                hi = cand[0]
        out.append(points[lo])
        i = lo
    return out


def _bad_runs(points: list[Point], water: _Water) -> list[tuple[int, int]]:
    """Return (first, last) vertex indices of each run of stretches that touch land."""
    ok = _clear_many(points[:-1], points[1:], water)
    runs: list[tuple[int, int]] = []
    for k in np.flatnonzero(~ok).tolist():
        if runs and runs[-1][1] == k:
            runs[-1] = (runs[-1][0], k + 1)
        else:
            runs.append((k, k + 1))
    return runs


def _repair(points: list[Point], water: _Water, *, fine: int = 0) -> list[Point] | None:
    """Re-route every stretch of ``points`` that touches land; None if one cannot be."""
    land = water.land
    vertex_land = land(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    for first, last in reversed(_bad_runs(points, water)):
        while first > 0 and vertex_land[first]:
            first -= 1
        while last < len(points) - 1 and vertex_land[last]:
            last += 1
        detour = _search(points[first], points[last], water, points[first : last + 1], fine=fine)
        if detour is None:
            on_land = [
                p
                for p, k in zip(
                    points[first : last + 1], vertex_land[first : last + 1], strict=True
                )
                if k
            ]
            water.blocked = (on_land or points[first : last + 1])[len(on_land or [0]) // 2]
            return None
        points = points[:first] + _unwrap_from(points[first], detour) + points[last + 1 :]
    return _unwrap(points)


def _unwrap_from(anchor: Point, pts: list[Point]) -> list[Point]:
    shift = 360.0 * round((anchor[0] - pts[0][0]) / 360.0)
    return [(p[0] + shift, p[1]) for p in pts]


class SeaRouteError(ShipmapError):
    """A sea leg that cannot be drawn.

    ``end`` names the end at fault (``"origin"`` or ``"destination"``) when the
    fault is one end's place, else None; ``point`` is that place (lon, lat).
    """

    def __init__(
        self,
        message: str,
        *,
        end: str | None = None,
        point: Point | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.end = end
        self.point = point
        self.reason = reason or message


def _km_text(km: float) -> str:
    """Write a distance so that one just over a limit does not read as the limit."""
    return f"{km:.1f}" if km < 10 else f"{km:.0f}"


def _latlon(p: Point) -> str:
    """Write a point as ``shipmap geocode`` does: latitude first."""
    lon = (p[0] + 180.0) % 360.0 - 180.0
    return f"{p[1]:.4f}, {lon:.4f}"


@dataclass(frozen=True)
class _Entry:
    """One way for an end of a leg to reach the sea.

    ``path`` runs from the end's first point off the place (its nearest water,
    or its nearest passage point) to ``sea``, the point where the sea stretch
    begins; ``cost_km`` estimates the length from the place to ``sea``.
    """

    sea: Point
    path: tuple[Point, ...]
    cost_km: float
    loose: bool = False
    passages: tuple[str, ...] = ()
    link: tuple[Point, ...] = ()
    #: the way follows a river line (see :mod:`shipmap.routes.rivers`)
    rivers: bool = False


def _entries(place: Point, name: str, mask: LandMask, net: PassageNetwork) -> list[_Entry]:
    """Return the ways a place reaches the sea: its nearest water, and along passages."""
    out: list[_Entry] = []
    idx, dist = net.nearest(place) if len(net.points) else (-1, math.inf)
    on_river = dist <= _ACCESS_KM and net.passages[net.owner[idx]].sea_ends != "both"
    if not on_river:
        # a port up a river reaches the sea along it: the water nearest to it
        # may be a pocket of the river that the coastline data cuts off
        w = _nearest_water(place, _Water(mask, []).land, PORT_REACH_KM)
        if w is not None:
            out.append(_Entry(w, (w,), _gc_km(place, w)))
        else:
            # the water near the port is narrower than the open-water test asks
            # (a river mouth, a harbour basin): follow it, cell by cell, to open water
            narrow = _narrow_entry(place, mask)
            if narrow is not None:
                out.append(narrow)
    if dist <= _ACCESS_KM:
        for acc in net.accesses(idx):
            out.append(_Entry(acc.gate, acc.path, dist + acc.km, passages=acc.passages))
    if not out:
        # up a river that the coastline data draws as land: down the river's
        # own line (GSHHG's river network) to where it meets the sea
        river = _river_entry(place, mask)
        if river is not None:
            out.append(river)
    if not out:
        # up an estuary or behind a barrage: water the older coastline (GSHHG)
        # keeps open counts too, but the port's own stretch, a straight line
        # over land, may still be no longer than PORT_REACH_KM
        loose_land = _Water(mask, [place]).land
        w = _nearest_water(place, loose_land, PORT_REACH_KM)
        far: Point | None = None
        if w is not None:
            out.append(_Entry(w, (w,), _gc_km(place, w), loose=True))
        else:
            # water narrower than the mask's cells (a river, a creek, an estuary
            # GSHHG draws narrower than the cells): followed on finer cells
            fine, far = _fine_entry(place, mask)
            if fine is None:
                # water narrower than the rasters' cells, as GSHHG's polygons draw it
                fine, exact_far = _fine_entry(place, mask, exact=True)
                if exact_far is not None and (
                    far is None or _gc_km(place, exact_far) < _gc_km(place, far)
                ):
                    far = exact_far
            if fine is not None:
                out.append(fine)
        if not out:
            # the nearest water joined to open sea water within the fine search's
            # window, unless open water (joined further off, or not at all) is nearer
            water = "water joined to the sea that the coastline data shows"
            wide = _nearest_water(place, loose_land, _FAR_REACH_KM)
            if wide is not None and (far is None or _gc_km(place, wide) < _gc_km(place, far)):
                far, water = wide, "water the coastline data shows"
            if far is not None and _gc_km(place, far) > _FAR_REACH_KM:
                far = None
            if far is not None:
                reason = (
                    f"is {_km_text(_gc_km(place, far))} km from the nearest {water} (lat, "
                    f"lon {_latlon(far)}), and a line may cross no more "
                    f"than {PORT_REACH_KM:g} km of land to reach it; check its coordinates "
                    "(a port's point should lie by its quays), or draw that stretch by road"
                )
                raise SeaRouteError(
                    f"the {name} (lat, lon {_latlon(place)}) {reason}",
                    end=name if name in ("origin", "destination") else None,
                    point=place,
                    reason=reason,
                )
    if not out:
        reason = (
            f"is more than {_FAR_REACH_KM:g} km from the sea and from every waterway "
            "shipmap knows (canals, ship channels, river approaches), and more than "
            f"{PORT_REACH_KM:g} km from every river it knows near the sea; check its "
            "coordinates, or draw the leg by rail or road"
        )
        raise SeaRouteError(
            f"the {name} (lat, lon {_latlon(place)}) {reason}",
            end=name if name in ("origin", "destination") else None,
            point=place,
            reason=reason,
        )
    return out


def _river_entry(place: Point, mask: LandMask) -> _Entry | None:
    """Reach the sea from ``place`` down the nearest river line; None if none is near.

    The river line (:mod:`shipmap.routes.rivers`) must pass within
    :data:`PORT_REACH_KM` of the place. It ends where the river meets water on
    either coastline; from there the way goes on over water cells to open water
    (:func:`_estuary_way`).
    """
    way = river_network().way_to_sea(place, PORT_REACH_KM)
    if way is None:
        return None
    mouth = way.points[-1]
    cost = way.access_km + way.km
    w = _nearest_water(mouth, _Water(mask, []).land, _RIVER_MOUTH_KM)
    if w is not None:
        return _Entry(w, (*way.points, w), cost + _gc_km(mouth, w), rivers=True)
    out = _estuary_way(mouth, mask)
    if out is None:
        # the river narrows below the rasters' cells, or they break it into
        # pockets: its water as GSHHG's polygons draw it
        fine, _far = _fine_entry(mouth, mask, land_km=_RIVER_GAP_KM, exact=True)
        if fine is None:
            return None
        return _Entry(fine.sea, (*way.points, *fine.path), cost + fine.cost_km, rivers=True)
    return _Entry(out[-1], (*way.points, *out[1:]), cost + _path_km(out) / 1000.0, rivers=True)


def _estuary_way(point: Point, mask: LandMask) -> list[Point] | None:
    """Return a way over water cells from ``point`` to open water; None if none.

    Rivers end at GSHHG's shore; in an estuary OSM's coastline, which the
    routing keeps to, may draw land further out (it maps the Hooghly as a
    river, not as sea). Water on either coastline counts here, within
    :data:`_ESTUARY_WINDOW_KM`; the way ends at the nearest cell of open OSM
    water. Where the river narrows below the cells, the way may cross land
    cells, at :data:`_LAND_PENALTY` times the cost, but no more than
    :data:`_RIVER_GAP_KM` of land in all, the step from ``point`` included.
    The line is pulled taut over water on either coastline.
    """
    glon, glat, dist, wet = _mask_cells(point, _ESTUARY_WINDOW_KM, mask)
    mx, my = np.meshgrid(glon, glat)
    either = ~mask.is_land_either(mx.ravel(), my.ravel()).reshape(wet.shape)
    water = wet | either
    is_open = _open_cells(glon, glat, wet, mask)
    starts = np.flatnonzero((dist <= _RIVER_GAP_KM).ravel())
    if not is_open.any():
        return None
    penalty = np.where(water, 1.0, _LAND_PENALTY)
    # the step from the river's end to the first cell is over land: it costs as such
    way = _cell_way(
        glon,
        glat,
        np.ones(wet.shape, dtype=bool),
        penalty,
        starts,
        dist.ravel()[starts] * _LAND_PENALTY,
        is_open,
    )
    if way is None:
        return None
    cells = way[0]
    nx = len(glon)
    pts = [point, *((float(glon[c % nx]), float(glat[c // nx])) for c in cells)]
    dry = [not water.flat[c] for c in cells]
    steps = np.asarray([_gc_km(pts[k], pts[k + 1]) for k in range(len(pts) - 1)], dtype=float)
    # a step is on land for half its length at each dry end
    ends_dry = np.asarray([True, *dry], dtype=float)
    land_km = float(np.sum(steps * (ends_dry[:-1] + ends_dry[1:]) / 2.0))
    if land_km > _RIVER_GAP_KM:
        return None
    return _pull_taut(pts, _Water(mask, [point]))


def _mask_cells(
    place: Point, window_km: float, mask: LandMask
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the land mask's cells within ``window_km`` of ``place`` (a square).

    Returns the cell centres' longitudes (columns) and latitudes (rows), each
    cell's distance from ``place`` in km, and whether it is water.
    """
    lon0, lat0 = place
    coslat = max(math.cos(math.radians(lat0)), 0.05)
    ry = math.ceil(window_km / 111.2 * _MASK_PX_PER_DEG)
    rx = math.ceil(window_km / (111.32 * coslat) * _MASK_PX_PER_DEG)
    cx, cy = round(lon0 * _MASK_PX_PER_DEG), round(lat0 * _MASK_PX_PER_DEG)
    glon = (cx + np.arange(-rx, rx + 1)) / _MASK_PX_PER_DEG
    # longitudes within [-180, 180] (across the antimeridian, a window wraps)
    glon = np.where(glon > 180.0, glon - 360.0, np.where(glon < -180.0, glon + 360.0, glon))
    glat = np.clip((cy + np.arange(-ry, ry + 1)) / _MASK_PX_PER_DEG, -89.9, 89.9)
    mx, my = np.meshgrid(glon, glat)
    wet = ~_Water(mask, []).land(mx.ravel(), my.ravel()).reshape(mx.shape)
    return glon, glat, _grid_km(glon, glat, lon0, lat0), wet


def _cell_way(
    glon: np.ndarray,
    glat: np.ndarray,
    node: np.ndarray,
    cost_per_km: np.ndarray,
    starts: np.ndarray,
    start_costs: np.ndarray,
    goal: np.ndarray,
    *,
    px_per_deg: int = _MASK_PX_PER_DEG,
) -> tuple[list[int], float] | None:
    """Return the cheapest way over ``node`` cells from any start to any goal cell.

    Steps join a cell to its eight neighbours (the mask marks a cell as land if
    any land touches it, so two water cells that share a corner share water
    there too); a step costs its length times the dearer of its two cells'
    ``cost_per_km``; a start costs ``start_costs`` to enter. Cells are
    ``1 / px_per_deg`` degrees on a side. Returns the flat
    indices of the cells along the way and its cost, or None if no goal is reached.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    ny, nx = node.shape
    idx = np.arange(ny * nx).reshape(ny, nx)
    dy_km = 111.2 / px_per_deg
    dx_km = 111.32 / px_per_deg * np.cos(np.radians(glat))[:, None] * np.ones((1, nx))
    diag_km = np.hypot(dx_km[:-1, :-1], dy_km)
    every, head, tail = slice(None), slice(None, -1), slice(1, None)
    steps = (
        ((every, head), (every, tail), dx_km[:, :-1]),
        ((head, every), (tail, every), np.full((ny - 1, nx), dy_km)),
        ((head, head), (tail, tail), diag_km),
        ((head, tail), (tail, head), diag_km),
    )
    rows, cols, costs = [], [], []
    for src_sl, dst_sl, length in steps:
        ok = node[src_sl] & node[dst_sl]
        rows.append(idx[src_sl][ok])
        cols.append(idx[dst_sl][ok])
        costs.append((length * np.maximum(cost_per_km[src_sl], cost_per_km[dst_sl]))[ok])
    # one extra node, the way in, joined to each start
    entry = ny * nx
    rows.append(np.full(starts.size, entry))
    cols.append(starts)
    costs.append(np.maximum(start_costs, 1e-6))
    src, dst, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(costs)
    graph = coo_matrix(
        (np.concatenate([w, w]), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
        shape=(entry + 1, entry + 1),
    ).tocsr()
    found, pred = dijkstra(graph, indices=entry, return_predecessors=True)
    reach = np.where(goal.ravel(), found[:entry], np.inf)
    end = int(np.argmin(reach))
    if not np.isfinite(reach[end]):
        return None
    cells = [end]
    while pred[cells[-1]] != entry:
        cells.append(int(pred[cells[-1]]))
    cells.reverse()
    return cells, float(reach[end])


def _open_cells(glon: np.ndarray, glat: np.ndarray, wet: np.ndarray, mask: LandMask) -> np.ndarray:
    """Return the water cells that pass :func:`_nearest_water`'s open-water test."""
    mx, my = np.meshgrid(glon, glat)
    flat = wet.ravel().copy()
    land = _Water(mask, []).land
    dlat = 0.5 / 111.2
    dlon = dlat / max(math.cos(math.radians(float(np.mean(glat)))), 0.05)
    for ox, oy in ((dlon, 0.0), (-dlon, 0.0), (0.0, dlat), (0.0, -dlat)):
        idx = np.flatnonzero(flat)
        flat[idx] = ~land(mx.ravel()[idx] + ox, np.clip(my.ravel()[idx] + oy, -89.9, 89.9))
    return flat.reshape(wet.shape)


def _narrow_entry(place: Point, mask: LandMask) -> _Entry | None:
    """Reach open water from ``place`` along the mask's own cells; None if it cannot.

    The way runs from cell to cell to the nearest cell that passes
    :func:`_nearest_water`'s open-water test, within :data:`_NARROW_WINDOW_KM`.
    Beyond :data:`PORT_REACH_KM` of the port it keeps to water cells; within
    it, where a river or harbour basin is narrower than the cells, it may cross
    land cells, at a cost that makes it follow the water wherever the water goes.
    Water cut off from the sea is never reached.
    """
    glon, glat, dist, wet = _mask_cells(place, _NARROW_WINDOW_KM, mask)
    # a cell beyond the port's reach is entered only if it is water
    node = wet | (dist <= PORT_REACH_KM - 0.5)
    starts = np.flatnonzero((node & (dist <= 0.5)).ravel())
    is_open = _open_cells(glon, glat, wet, mask)
    if not starts.size or not is_open.any():
        return None
    penalty = np.where(wet, 1.0, _LAND_PENALTY)
    way = _cell_way(
        glon, glat, node, penalty, starts, dist.ravel()[starts] * penalty.ravel()[starts], is_open
    )
    if way is None:
        return None
    cells = way[0]
    nx = len(glon)
    # the port's own stretch: a straight line to the last land cell on the way
    # (within PORT_REACH_KM, as is all land the way crosses)
    dry = [k for k, c in enumerate(cells) if not wet.flat[c]]
    cells = cells[dry[-1] :] if dry else cells
    pts = [(float(glon[c % nx]), float(glat[c // nx])) for c in cells]
    if len(pts) > 2:
        pts = _pull_taut(pts, _Water(mask, []))
    cost = _gc_km(place, pts[0]) + (_path_km(pts) / 1000.0 if len(pts) > 1 else 0.0)
    return _Entry(pts[-1], tuple(pts), cost)


def _fine_entry(
    place: Point, mask: LandMask, *, land_km: float = PORT_REACH_KM - 0.1, exact: bool = False
) -> tuple[_Entry | None, Point | None]:
    """Reach open water from ``place`` over water narrower than the mask's cells.

    Where a river, a creek or an estuary is narrower than the land mask's
    cells, the mask's water breaks into pieces, or vanishes, though GSHHG's
    polygons, asked at finer points, still show it. The way runs over cells
    :data:`_FINE_PX_PER_DEG` to the degree on which water on either coastline
    counts as water, within :data:`_FINE_WINDOW_KM`, to the nearest cell of open
    OSM water (:func:`_nearest_water`'s test). As in :func:`_narrow_entry`,
    land cells may be crossed only within ``land_km`` of the port (by default
    :data:`PORT_REACH_KM` less a cell's diagonal), so that beyond that distance
    the way is on water that a coastline shows. With ``exact``, water that
    GSHHG's own polygons draw (:meth:`LandMask.is_land_exact`) counts too,
    within :data:`_EXACT_KM` of the port: water narrower than the rasters'
    cells, which they lose.

    Returns the entry (None if there is no such way) and the nearest cell of
    water joined to open water, which a refusal names (None if there is none
    in the window, or no water at all within the port's reach).
    """
    from scipy import ndimage

    lon0, lat0 = place
    coslat = max(math.cos(math.radians(lat0)), 0.05)
    ry = math.ceil(_FINE_WINDOW_KM / 111.2 * _FINE_PX_PER_DEG)
    rx = math.ceil(_FINE_WINDOW_KM / (111.32 * coslat) * _FINE_PX_PER_DEG)
    cx, cy = round(lon0 * _FINE_PX_PER_DEG), round(lat0 * _FINE_PX_PER_DEG)
    glon = wrap_lons((cx + np.arange(-rx, rx + 1)) / _FINE_PX_PER_DEG)
    glat = np.clip((cy + np.arange(-ry, ry + 1)) / _FINE_PX_PER_DEG, -89.9, 89.9)
    mx, my = np.meshgrid(glon, glat)
    dist = _grid_km(glon, glat, lon0, lat0)
    water = np.zeros(mx.shape, dtype=bool)
    # no water at all within the port's reach (or, with the polygons, within
    # the distance they are asked over): nothing to follow (the refusal then
    # names the nearest open water, found more cheaply)
    reach = dist <= (_EXACT_KM if exact else PORT_REACH_KM)
    water[reach] = ~mask.is_land_either(mx[reach], my[reach])
    if not water.any():
        return None, None
    rest = (dist <= _FINE_WINDOW_KM) & ~reach
    water[rest] = ~mask.is_land_either(mx[rest], my[rest])
    if exact:
        ask = reach & ~water
        water[ask] = ~mask.is_land_exact(mx[ask], my[ask])
    # open OSM water (the point and its neighbours 0.5 km off) ends the way
    is_open = np.zeros(mx.shape, dtype=bool)
    idx = np.flatnonzero(water)
    if idx.size:
        land = _Water(mask, []).land
        is_open.flat[idx] = ~land(mx.flat[idx], my.flat[idx])
        dlat = 0.5 / 111.2
        dlon = dlat / coslat
        for ox, oy in ((dlon, 0.0), (-dlon, 0.0), (0.0, dlat), (0.0, -dlat)):
            k = np.flatnonzero(is_open)
            is_open.flat[k] = ~land(mx.flat[k] + ox, np.clip(my.flat[k] + oy, -89.9, 89.9))
    if not is_open.any():
        return None, None
    eight = np.ones((3, 3), dtype=bool)
    # the water joined to open water, and its cell nearest to the port
    pieces, _count = ndimage.label(water, structure=eight)
    to_sea = np.isin(pieces, np.unique(pieces[is_open]))
    near = int(np.argmin(np.where(to_sea, dist, np.inf)))
    nearest = (float(mx.flat[near]), float(my.flat[near]))
    # land within the port's reach, less a cell's diagonal
    node = to_sea | (dist <= land_km)
    starts = node & (dist <= 0.5)
    # only what the port's cells join matters: one labelling pass finds it
    labels, _count = ndimage.label(node, structure=eight)
    joined = np.isin(labels, np.unique(labels[starts]))
    if not starts.any() or not (joined & is_open).any():
        return None, nearest
    # the open sea's inner cells are no use to the search: only its edge is kept
    inner = ndimage.binary_erosion(is_open, structure=eight)
    node = joined & ~inner
    penalty = np.where(water, 1.0, _LAND_PENALTY)
    first = np.flatnonzero((starts & node).ravel())
    way = _cell_way(
        glon,
        glat,
        node,
        penalty,
        first,
        dist.ravel()[first] * penalty.ravel()[first],
        is_open & node,
        px_per_deg=_FINE_PX_PER_DEG,
    )
    if way is None:
        return None, nearest
    cells = way[0]
    nx = len(glon)
    # the port's own stretch: a straight line to the last land cell on the way
    dry = [k for k, c in enumerate(cells) if not water.flat[c]]
    cells = cells[dry[-1] :] if dry else cells
    pts = [(float(glon[c % nx]), float(glat[c // nx])) for c in cells]
    # continuous with the port across the antimeridian
    pts = [(x + 360.0 * round((lon0 - x) / 360.0), y) for x, y in pts]
    if len(pts) > 2:
        # pulled taut over water on either coastline (every point of the way is)
        pts = _pull_taut(pts, _Water(mask, pts[:: max(1, len(pts) // 8)]))
    cost = _gc_km(place, pts[0]) + (_path_km(pts) / 1000.0 if len(pts) > 1 else 0.0)
    return _Entry(pts[-1], tuple(pts), cost), nearest


def _offshore(point: Point, mask: LandMask) -> list[Point] | None:
    """Return a way over water cells from ``point`` out to water clear of the coast.

    For a point at the head of a fjord or behind islands, the maritime network's
    nearest lane may lie beyond land (the other side of an island); from water
    :data:`_OFFSHORE_KM` off every shore, it does not. None if no such water
    lies within :data:`_OFFSHORE_WINDOW_KM`, or if ``point`` is already there.
    """
    glon, glat, dist, wet = _mask_cells(point, _OFFSHORE_WINDOW_KM, mask)
    mx, my = np.meshgrid(glon, glat)
    clear = wet.ravel().copy()
    idx = np.flatnonzero(clear)
    clear[idx] = ~mask.is_near_land(mx.ravel()[idx], my.ravel()[idx], clearance_km=_OFFSHORE_KM)
    starts = np.flatnonzero((wet & (dist <= 1.0)).ravel())
    if not starts.size or not clear.any() or clear[starts].any():
        return None
    way = _cell_way(
        glon, glat, wet, np.ones(wet.shape), starts, dist.ravel()[starts], clear.reshape(wet.shape)
    )
    if way is None:
        return None
    nx = len(glon)
    pts = [point, *((float(glon[c % nx]), float(glat[c // nx])) for c in way[0])]
    return _pull_taut(pts, _Water(mask, []))


def _gc_km(a: Point, b: Point) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0


def sea_route(
    start: tuple[float, float], end: tuple[float, float], *, through: Sequence[str] = ()
) -> LineString:
    """Return a line from ``start`` to ``end`` (lon, lat) that stays on water.

    Apart from the stretches joining each port to the nearest water (at most
    :data:`PORT_REACH_KM` on the primary coastline) or to the nearest navigable
    passage (at most :data:`_ACCESS_KM`), no point of the line lies on land: a
    port up a river or on a canal is reached along the passage (see
    :mod:`shipmap.routes.passages`). ``through`` names passages the leg must
    take, in order (``"suez"``, ``"cape-of-good-hope"``, ...). The line is
    densified for Web Mercator and continuous across the antimeridian
    (unwrapped longitudes).

    Raises
    ------
    SeaRouteError
        If a place is far from any water and waterway, if a passage named in
        ``through`` is unknown, or if no water connects the two places.
    """
    a0 = (float(start[0]), float(start[1]))
    b0 = (float(end[0]), float(end[1]))
    if through:
        return densify_line(_unwrap(_through(a0, b0, through)))
    return densify_line(_unwrap(_leg(a0, b0)))


def _through(a: Point, b: Point, names: Sequence[str]) -> list[Point]:
    """Route a→b through the named passages in order.

    A canal, strait or channel is entered at the end nearer the way in and
    followed to its other end; a named sea route (``kind: route``) is a chain
    of waypoints in open water, each reached by sea.
    """
    stops: list[Point] = [a]
    plan: list[tuple[Point, ...]] = []
    for k, name in enumerate(names):
        passage = find_passage(name)
        if passage is None:
            known = ", ".join(p.id for p in load_passages())
            raise SeaRouteError(f"unknown passage {name!r} in via; known passages: {known}")
        line = passage.line
        after = find_passage(names[k + 1]) if k + 1 < len(names) else None
        nxt = after.line[0] if after is not None else b
        forward = _gc_km(stops[-1], line[0]) + _gc_km(line[-1], nxt)
        if _gc_km(stops[-1], line[-1]) + _gc_km(line[0], nxt) < forward:
            line = tuple(reversed(line))
        if passage.is_route:
            plan.extend((p,) for p in line)
        else:
            plan.append(line)
        stops.append(line[-1])
    points: list[Point] = []
    here = a
    for k, lane in enumerate(plan):
        hop = _leg(here, lane[0], ends=("origin" if k == 0 else None, None))
        points += _unwrap_from(points[-1], hop[1:]) if points else hop
        if len(lane) > 1:
            points += _unwrap_from(points[-1], list(lane[1:]))
        here = lane[-1]
    hop = _leg(here, b, ends=(None, "destination"))
    points += _unwrap_from(points[-1], hop[1:])
    return _drop_spurs(points)


def _leg(
    a: Point, b: Point, *, ends: tuple[str | None, str | None] = ("origin", "destination")
) -> list[Point]:
    """Route place a to place b: into the sea (or a passage), across, and out again."""
    mask = land_mask()
    net = passage_network()
    ea = _entries(a, ends[0] or "waypoint", mask, net)
    eb = _entries(b, ends[1] or "waypoint", mask, net)
    plans: list[tuple[float, list[Point] | None, _Entry | None, _Entry | None]] = []
    ia, da = net.nearest(a) if len(net.points) else (-1, math.inf)
    ib, db = net.nearest(b) if len(net.points) else (-1, math.inf)
    if da <= _ACCESS_KM and db <= _ACCESS_KM:
        inland = net.inland(ia, ib)
        if inland is not None:
            plans.append((da + inland[1] + db, list(inland[0]), None, None))
    for x in ea:
        for y in eb:
            if basin_of(x.sea) != basin_of(y.sea):
                continue
            plans.append((x.cost_km + _gc_km(x.sea, y.sea) + y.cost_km, None, x, y))
    if not plans:
        plans = _linked_plans(ea, eb, net)
    if not plans:
        basins = {basin_of(x.sea) for x in ea}, {basin_of(y.sea) for y in eb}
        raise SeaRouteError(
            f"no water joins the origin (lat, lon {_latlon(a)}, {_waters(basins[0])}) "
            f"to the destination (lat, lon {_latlon(b)}, {_waters(basins[1])}), and no "
            "passage shipmap knows links them; check the coordinates, or split the leg "
            "and draw the stretch over land by rail or road"
        )
    plans.sort(key=lambda plan: plan[0])
    # estimates see no detours: of the plans close to the best, the shortest wins
    close = [plan for plan in plans[:4] if plan[0] <= _CLOSE_PLANS * plans[0][0]]
    blocked: list[Point] = []
    routed = [r for r in (_carry_out(a, b, plan, blocked) for plan in close[:2]) if r]
    if not routed:
        rest = plans[len(close[:2]) : 4]
        routed = [r for r in (_carry_out(a, b, plan, blocked) for plan in rest) if r]
    if routed:
        return min(routed, key=_path_km)
    where = f" near lat, lon {_latlon(blocked[0])}" if blocked else ""
    raise SeaRouteError(
        f"no sea route found from the origin (lat, lon {_latlon(a)}) to the destination "
        f"(lat, lon {_latlon(b)}): the coastline data closes the way{where} (a strait or "
        "channel narrower than its cells?); add a 'via' place in open water on the way, "
        "or name the passage in 'via'"
    )


def _path_km(points: list[Point]) -> float:
    pts = np.asarray(points, dtype=float)
    return float(np.sum(GEOD.inv(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])[2]))


def _carry_out(
    a: Point,
    b: Point,
    plan: tuple[float, list[Point] | None, _Entry | None, _Entry | None],
    blocked: list[Point],
) -> list[Point] | None:
    """Route one plan of :func:`_leg`; None if its sea stretch cannot be routed."""
    _cost, inland_path, x, y = plan
    if inland_path is not None:
        return _drop_spurs([a, *inland_path, b])
    assert x is not None and y is not None
    if x.link:
        # sea to a gate, along passages to another gate, sea again
        first = _sea_hop(x, _Entry(x.link[0], (x.link[0],), 0.0), blocked)
        second = _sea_hop(_Entry(x.link[-1], (x.link[-1],), 0.0), y, blocked)
        if first is None or second is None:
            return None
        hop = [*first, *x.link[1:-1], *second]
    else:
        found = _sea_hop(x, y, blocked)
        if found is None:
            return None
        hop = found
    path = [*x.path[:-1], *hop, *reversed(y.path[:-1])]
    return _drop_spurs(_unwrap([a, *path, b]))


def _linked_plans(
    ea: list[_Entry], eb: list[_Entry], net: PassageNetwork
) -> list[tuple[float, list[Point] | None, _Entry | None, _Entry | None]]:
    """Return plans that cross from one sea to another along passages (Caspian–Azov).

    Each plan's first entry carries ``link``: the way along passages from a gate
    on the first sea to a gate on the second.
    """
    plans: list[tuple[float, list[Point] | None, _Entry | None, _Entry | None]] = []
    gates: list[Point] = [(float(net.points[g, 0]), float(net.points[g, 1])) for g in net.gates]
    for x in ea:
        for g1 in [g for g in gates if basin_of(g) == basin_of(x.sea)]:
            i1, _ = net.nearest(g1)
            for y in eb:
                for g2 in [g for g in gates if basin_of(g) == basin_of(y.sea) != basin_of(g1)]:
                    i2, _ = net.nearest(g2)
                    link = net.inland(i1, i2)
                    if link is None:
                        continue
                    cost = x.cost_km + _gc_km(x.sea, g1) + link[1] + _gc_km(g2, y.sea) + y.cost_km
                    linked = _Entry(
                        x.sea, x.path, x.cost_km, x.loose, x.passages, link[0], rivers=x.rivers
                    )
                    plans.append((cost, None, linked, y))
    return plans


def _waters(basins: set[str]) -> str:
    return " or ".join(sorted("the Caspian Sea" if x == "caspian" else "the ocean" for x in basins))


def _sea_hop(x: _Entry, y: _Entry, blocked: list[Point] | None = None) -> list[Point] | None:
    """Route between the sea points of two entries, keeping off the coast where it can.

    When no route is found, the place where the last repair was stopped is
    added to ``blocked``.
    """
    mask = land_mask()
    loose = [e.path[0] for e in (x, y) if e.loose]
    a, b = x.sea, y.sea
    for clearance in (_CLEARANCE_KM, 0.0):
        water = _Water(mask, loose, ends=[a, b], clearance_km=clearance)
        path = _route_between(a, b, water)
        if path is not None:
            return path
    # from a fjord or from behind islands the network's nearest lane may be
    # beyond land: set out from open water off each end instead
    out_a, out_b = _offshore(a, mask), _offshore(b, mask)
    if out_a is not None or out_b is not None:
        way_a, way_b = out_a or [a], out_b or [b]
        for clearance in (_CLEARANCE_KM, 0.0):
            water = _Water(mask, loose, ends=[a, b], clearance_km=clearance)
            middle = _route_between(way_a[-1], way_b[-1], water)
            if middle is not None:
                return _unwrap([*way_a[:-1], *middle, *reversed(way_b[:-1])])
    if blocked is not None and water.blocked is not None:
        blocked.append(water.blocked)
    return None


def _route_between(a: Point, b: Point, water: _Water) -> list[Point] | None:
    """Route between two water points: the network's route repaired, else a grid search.

    The network's route goes through the canals it knows by a rough line: the
    passage's own line is put in its place (:func:`_splice`). The grid search
    over the whole leg is only for legs the network has no route for.
    """
    if GEOD.inv(a[0], a[1], b[0], b[1])[2] < 1.0 or _clear(a, b, water):
        return [a, b]
    network = _unwrap(_network_route(a, b))
    if len(network) >= 2:
        # the network knows the way: if its route cannot be repaired with this
        # water, a search over the whole leg would not do better, only slower
        return _route_along(_splice(network), water)
    direct = _search(a, _unwrap_from(a, [b])[0], water, [a])
    return _route_along(direct, water) if direct is not None else None


def _splice(points: list[Point]) -> list[Point]:
    """Put the through passages' own lines where ``points`` passes both their ends."""
    pts = np.asarray(points, dtype=float)
    for passage in load_passages():
        if passage.is_route or passage.sea_ends != "both":
            continue
        first, last = passage.line[0], passage.line[-1]
        i, di = _closest_vertex(pts, first)
        j, dj = _closest_vertex(pts, last)
        if di > _SPLICE_KM or dj > _SPLICE_KM or i == j:
            continue
        line = list(passage.line)
        if i > j:
            i, j = j, i
            line.reverse()
        inner = _unwrap_from(tuple(pts[i]), line)
        pts = np.asarray([*map(tuple, pts[: i + 1]), *inner, *map(tuple, pts[j:])], dtype=float)
    return [(float(x), float(y)) for x, y in pts]


def _closest_vertex(pts: np.ndarray, p: Point) -> tuple[int, float]:
    d = _approx_km(pts[:, 0], pts[:, 1], p[0], p[1])
    k = int(np.argmin(d))
    return k, float(d[k])


def _drop_spurs(points: list[Point]) -> list[Point]:
    """Cut out every stretch that goes out and comes back to where it left.

    A spur shows as two points of the line, far apart along it, that lie
    within :data:`_SPUR_GAP_KM` of each other: the stretch between them is
    replaced by the straight step joining them.
    """
    if len(points) < 3:
        return points
    from scipy.spatial import cKDTree

    pts = np.asarray(points, dtype=float)
    lons, lats, seg = _sample_segments(pts[:-1], pts[1:], 0.25)
    xyz = _xyz(lons, lats)
    steps = np.r_[0.0, np.linalg.norm(np.diff(xyz, axis=0), axis=1)]
    along = np.cumsum(steps)
    pairs = cKDTree(xyz).query_pairs(_SPUR_GAP_KM, output_type="ndarray")
    if not len(pairs):
        return points
    i, j = pairs.min(axis=1), pairs.max(axis=1)
    spur = along[j] - along[i] > _SPUR_MIN_KM
    if not spur.any():
        return points
    # the widest spurs first; each is replaced by the step between its two samples
    cuts: list[tuple[int, int, int, int]] = []
    i, j = i[spur], j[spur]
    width = along[j] - along[i]
    mask = land_mask()
    # which cut holds each vertex (-1: none), and the samples the cuts span
    held = np.full(len(points), -1, dtype=np.int64)
    spanned = np.zeros(len(lons), dtype=bool)
    for k in np.argsort(-width).tolist():
        ki, kj = int(i[k]), int(j[k])
        lo, hi = int(seg[ki]) + 1, int(seg[kj])  # vertices inside the spur
        # skip a spur that overlaps a cut's vertices or ends inside a cut
        if spanned[ki] or spanned[kj]:
            continue
        if lo <= hi and (held[lo : hi + 1] >= 0).any():
            continue
        if lo > hi and held[hi] >= 0 and held[hi] == held[lo]:
            continue
        # the step must not cross land (a spit a line went round), but near the
        # ends, where a port's own stretch may be on land, it may
        f = np.linspace(0.0, 1.0, 5)
        step_lons = lons[ki] * (1 - f) + lons[kj] * f
        step_lats = lats[ki] * (1 - f) + lats[kj] * f
        near_end = min(along[ki], along[-1] - along[kj]) < PORT_REACH_KM
        if not near_end and mask.is_land(step_lons, step_lats).any():
            continue
        cuts.append((lo, hi, ki, kj))
        held[lo : hi + 1] = len(cuts) - 1
        spanned[ki : kj + 1] = True
    out: list[Point] = []
    cuts.sort()
    v = 0
    for lo, hi, ki, kj in cuts:
        out.extend(points[v:lo])
        out.append((float(lons[ki]), float(lats[ki])))
        out.append((float(lons[kj]), float(lats[kj])))
        v = hi + 1
    out.extend(points[v:])
    return out


def _xyz(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Return points on a sphere of the Earth's radius, in km (chords ~ distances)."""
    lon, lat = np.radians(lons), np.radians(lats)
    r = 6371.0
    return np.column_stack(
        [r * np.cos(lat) * np.cos(lon), r * np.cos(lat) * np.sin(lon), r * np.sin(lat)]
    )


def _route_along(points: list[Point], water: _Water) -> list[Point] | None:
    """Repair and pull taut until the line is clear of land; None if it cannot be."""
    path = points
    pulled = False
    for round_no in range(_MAX_ROUNDS):
        if not _bad_runs(path, water):
            return path if pulled or len(path) <= 2 else _pull_taut(_subdivide(path), water)
        repaired = _repair(path, water, fine=min(round_no, 2))
        if repaired is None:
            return None
        path = _pull_taut(_subdivide(repaired), water)
        pulled = True
    return path if not _bad_runs(path, water) else None
