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

import heapq
import itertools
import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np
from shapely.geometry import LineString

from geo.errors import ShipmapError
from routes.coastline import LandMask, land_mask
from routes.geodesic import GEOD, densify_line, unwrap_lons

__all__ = ["ALGORITHM_VERSION", "PORT_REACH_KM", "sea_route"]

#: Changes whenever the routing would draw a different line; part of the cache key.
ALGORITHM_VERSION = "sea-3"

#: A port farther than this from water on the primary coastline may look further
#: (estuaries, barrages), up to :data:`_FAR_REACH_KM`.
PORT_REACH_KM = 5.0
_FAR_REACH_KM = 25.0
#: Around such a port, water on either coastline counts as water.
_LOOSE_RADIUS_KM = 40.0
#: Spacing of the land checks along a line, in km (the mask has ~460 m cells).
_SAMPLE_KM = 0.3
#: Away from the ports, how far a line keeps off the primary coastline, in km.
_CLEARANCE_KM = 1.5
#: Within this distance of a port, no clearance is asked for.
_FREE_RADIUS_KM = 12.0
#: Most cells along the longer side of a search grid.
_GRID_CELLS = 160
_MAX_ROUNDS = 6

Point = tuple[float, float]
LandFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


class _Water:
    """Land tests for one route.

    The primary mask, loosened near far-off ports (see :data:`_LOOSE_RADIUS_KM`)
    and, away from both ports, widened by a clearance: a ship keeps off the shore
    and does not thread a channel narrower than twice the clearance.
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

    def land(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        lons = np.asarray(lons, dtype=float).ravel()
        lats = np.asarray(lats, dtype=float).ravel()
        land = self.mask.is_land(lons, lats)
        if self.clearance_km > 0:
            away = ~land
            for lon0, lat0 in self.ends:
                away &= _approx_km(lons, lats, lon0, lat0) > _FREE_RADIUS_KM
            idx = np.flatnonzero(away)
            if idx.size:
                dy = self.clearance_km / 111.2
                dx = dy / np.maximum(np.cos(np.radians(lats[idx])), 0.05)
                x, y = lons[idx], lats[idx]
                for ox, oy in ((dx, 0.0), (-dx, 0.0), (0.0, dy), (0.0, -dy)):
                    land[idx] |= self.mask.is_land(x + ox, np.clip(y + oy, -89.9, 89.9))
        for lon0, lat0 in self.loose:
            near = _approx_km(lons, lats, lon0, lat0) < _LOOSE_RADIUS_KM
            idx = np.flatnonzero(near & land)
            if idx.size:
                land[idx] = self.mask.is_land_either(lons[idx], lats[idx])
        return land


def _approx_km(lons: np.ndarray, lats: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Return equirectangular distances in km (good enough within a few hundred km)."""
    dlon = (np.asarray(lons) - lon0 + 180.0) % 360.0 - 180.0
    x = dlon * math.cos(math.radians(lat0)) * 111.32
    y = (np.asarray(lats) - lat0) * 111.2
    return np.asarray(np.hypot(x, y))


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


def _samples(a: Point, b: Point, spacing_km: float = _SAMPLE_KM) -> tuple[np.ndarray, np.ndarray]:
    """Return points every ``spacing_km`` along the geodesic a→b, ends included."""
    dist_m = GEOD.inv(a[0], a[1], b[0], b[1])[2]
    n = max(math.ceil(dist_m / (spacing_km * 1000.0)) - 1, 0)
    if n:
        mid = np.asarray(GEOD.npts(a[0], a[1], b[0], b[1], n))
        lons = np.concatenate([[a[0]], mid[:, 0], [b[0]]])
        lats = np.concatenate([[a[1]], mid[:, 1], [b[1]]])
    else:
        lons, lats = np.array([a[0], b[0]]), np.array([a[1], b[1]])
    return lons, lats


def _clear(a: Point, b: Point, land: LandFn) -> bool:
    """Return True if the geodesic a→b stays on water."""
    lons, lats = _samples(a, b)
    return not bool(land(lons, lats).any())


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
    a: Point, b: Point, land: LandFn, bbox: tuple[float, float, float, float], cell_km: float
) -> list[Point] | None:
    """Route by A* over a lon/lat grid of water cells in ``bbox``; None if a, b do not connect."""
    lon0, lat0, lon1, lat1 = bbox
    lat0, lat1 = max(lat0, -85.0), min(lat1, 85.0)
    mid = math.radians((lat0 + lat1) / 2.0)
    dlat = cell_km / 111.2
    dlon = dlat / max(math.cos(mid), 0.05)
    nx = max(math.ceil((lon1 - lon0) / dlon) + 1, 2)
    ny = max(math.ceil((lat1 - lat0) / dlat) + 1, 2)
    glon = lon0 + np.arange(nx) * dlon
    glat = lat0 + np.arange(ny) * dlat
    mx, my = np.meshgrid(glon, glat)
    water = ~land(mx.ravel(), my.ravel())

    def cell_of(p: Point) -> int | None:
        # the nearest water cell that p can reach in a straight line over water
        cx = (p[0] - lon0) / dlon
        cy = (p[1] - lat0) / dlat
        found = []
        for j in range(math.floor(cy) - 3, math.floor(cy) + 5):
            for i in range(math.floor(cx) - 3, math.floor(cx) + 5):
                if 0 <= i < nx and 0 <= j < ny and water[j * nx + i]:
                    found.append(((i - cx) ** 2 + (j - cy) ** 2, j * nx + i))
        for _, c in sorted(found):
            if _clear(p, (float(glon[c % nx]), float(glat[c // nx])), land):
                return c
        return None

    start, goal = cell_of(a), cell_of(b)
    if start is None or goal is None:
        return None
    ok = water.tolist()
    coslat = np.cos(np.radians(glat)).tolist()
    dy_km = dlat * 111.2
    dx_row = [dlon * 111.32 * c for c in coslat]
    hx = dlon * 111.32 * min(coslat[0], coslat[-1])
    gx, gy = goal % nx, goal // nx

    def heuristic(i: int, j: int) -> float:
        return math.hypot((i - gx) * hx, (j - gy) * dy_km)

    best = {start: 0.0}
    came: dict[int, int] = {}
    heap = [(heuristic(start % nx, start // nx), 0.0, start)]
    moves = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]
    while heap:
        _, g, cur = heapq.heappop(heap)
        if cur == goal:
            break
        if g > best.get(cur, math.inf):
            continue
        ci, cj = cur % nx, cur // nx
        for di, dj in moves:
            ni, nj = ci + di, cj + dj
            if not (0 <= ni < nx and 0 <= nj < ny):
                continue
            nxt = nj * nx + ni
            if not ok[nxt]:
                continue
            if di and dj and not (ok[cj * nx + ni] and ok[nj * nx + ci]):
                continue  # no cutting a land corner
            step_x = dx_row[cj] * di
            step = math.hypot(step_x, dy_km * dj)
            ng = g + step
            if ng < best.get(nxt, math.inf):
                best[nxt] = ng
                came[nxt] = cur
                heapq.heappush(heap, (ng + heuristic(ni, nj), ng, nxt))
    else:
        return None
    cells = [goal]
    while cells[-1] != start:
        cells.append(came[cells[-1]])
    cells.reverse()
    pts = [(float(glon[c % nx]), float(glat[c // nx])) for c in cells]
    return [a, *pts[1:-1], b] if len(pts) > 2 else [a, b]


def _search(
    a: Point, b: Point, land: LandFn, context: Sequence[Point], *, fine: int = 0
) -> list[Point] | None:
    """Route a→b over water by grid search, widening the window when it fails."""
    lons = [p[0] for p in context] + [a[0], b[0]]
    lats = [p[1] for p in context] + [a[1], b[1]]
    span_km = max(
        float(GEOD.inv(min(lons), min(lats), max(lons), max(lats))[2]) / 1000.0,
        float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0,
        1.0,
    )
    margin_km = max(20.0, 0.35 * span_km)
    for _ in range(4):
        mlat = margin_km / 111.2
        mlon = margin_km / (111.32 * max(math.cos(math.radians(max(map(abs, lats)))), 0.05))
        bbox = (min(lons) - mlon, min(lats) - mlat, max(lons) + mlon, max(lats) + mlat)
        window_km = span_km + 2 * margin_km
        cell_km = min(max(window_km / (_GRID_CELLS * 2**fine), 0.2), 15.0)
        path = _grid_route(a, b, land, bbox, cell_km)
        if path is not None:
            return path
        margin_km *= 2.0
    return None


def _subdivide(points: list[Point]) -> list[Point]:
    """Insert vertices along long stretches so that pulling taut can cut corners."""
    total = sum(GEOD.inv(p[0], p[1], q[0], q[1])[2] for p, q in itertools.pairwise(points)) / 1000.0
    step_km = min(max(total / 300.0, 2.0), 50.0)
    out = [points[0]]
    for p, q in itertools.pairwise(points):
        dist_km = GEOD.inv(p[0], p[1], q[0], q[1])[2] / 1000.0
        n = math.ceil(dist_km / step_km) - 1
        if n > 0:
            out.extend((float(x), float(y)) for x, y in GEOD.npts(p[0], p[1], q[0], q[1], n))
        out.append(q)
    return _unwrap(out)


def _pull_taut(points: list[Point], land: LandFn) -> list[Point]:
    """Join each point to the furthest one ahead it can see across water."""
    out = [points[0]]
    i, n = 0, len(points)
    while i < n - 1:
        if _clear(points[i], points[-1], land):
            out.append(points[-1])
            break
        good, step = i + 1, 1
        while i + step * 2 < n - 1 and _clear(points[i], points[i + step * 2], land):
            step *= 2
            good = i + step
        lo, hi = good, min(i + step * 2, n - 1)
        while hi - lo > 1:
            m = (lo + hi) // 2
            if _clear(points[i], points[m], land):
                lo = m
            else:
                hi = m
        out.append(points[lo])
        i = lo
    return out


def _bad_runs(points: list[Point], land: LandFn) -> list[tuple[int, int]]:
    """Return (first, last) vertex indices of each run of stretches that touch land."""
    runs: list[tuple[int, int]] = []
    for k in range(len(points) - 1):
        if not _clear(points[k], points[k + 1], land):
            if runs and runs[-1][1] == k:
                runs[-1] = (runs[-1][0], k + 1)
            else:
                runs.append((k, k + 1))
    return runs


def _repair(points: list[Point], land: LandFn, *, fine: int = 0) -> list[Point] | None:
    """Re-route every stretch of ``points`` that touches land; None if one cannot be."""
    vertex_land = land(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    for first, last in reversed(_bad_runs(points, land)):
        while first > 0 and vertex_land[first]:
            first -= 1
        while last < len(points) - 1 and vertex_land[last]:
            last += 1
        detour = _search(points[first], points[last], land, points[first : last + 1], fine=fine)
        if detour is None:
            return None
        points = points[:first] + _unwrap_from(points[first], detour) + points[last + 1 :]
    return _unwrap(points)


def _unwrap_from(anchor: Point, pts: list[Point]) -> list[Point]:
    shift = 360.0 * round((anchor[0] - pts[0][0]) / 360.0)
    return [(p[0] + shift, p[1]) for p in pts]


def sea_route(start: tuple[float, float], end: tuple[float, float]) -> LineString:
    """Return a line from ``start`` to ``end`` (lon, lat) that stays on water.

    Apart from the stretches joining each port to the nearest water (at most
    :data:`PORT_REACH_KM` on the primary coastline), no point of the line lies on
    land. The line is densified for Web Mercator and continuous across the
    antimeridian (unwrapped longitudes).

    Raises
    ------
    ShipmapError
        If a port is far from any water, or no water connects the two ports.
    """
    mask = land_mask()
    strict = _Water(mask, [])
    ends: list[Point] = []
    loose: list[Point] = []
    for name, p in (("start", start), ("end", end)):
        q = (float(p[0]), float(p[1]))
        w = _nearest_water(q, strict.land, PORT_REACH_KM)
        if w is None:
            w = _nearest_water(q, _Water(mask, [q]).land, _FAR_REACH_KM)
            if w is None:
                raise ShipmapError(
                    f"the {name} point ({q[0]:.4f}, {q[1]:.4f}) is more than "
                    f"{_FAR_REACH_KM:g} km from the sea; check its coordinates"
                )
            loose.append(q)
        ends.append(w)
    a, b = ends
    path = None
    for clearance in (_CLEARANCE_KM, 0.0):
        water = _Water(mask, loose, ends=[a, b], clearance_km=clearance)
        path = _route_between(a, b, water.land)
        if path is not None:
            break
    if path is None:
        raise ShipmapError(
            f"no sea route found from ({start[0]:.4f}, {start[1]:.4f}) to "
            f"({end[0]:.4f}, {end[1]:.4f}): no water connects them"
        )
    full = [(float(start[0]), float(start[1])), *path, (float(end[0]), float(end[1]))]
    return densify_line(_unwrap(full))


def _route_between(a: Point, b: Point, land: LandFn) -> list[Point] | None:
    """Route between two water points: the network's route repaired, else a grid search."""
    if GEOD.inv(a[0], a[1], b[0], b[1])[2] < 1.0 or _clear(a, b, land):
        return [a, b]
    network = _unwrap(_network_route(a, b))
    if len(network) >= 2:
        path = _route_along(network, land)
        if path is not None:
            return path
    direct = _search(a, _unwrap_from(a, [b])[0], land, [a])
    return _route_along(direct, land) if direct is not None else None


def _route_along(points: list[Point], land: LandFn) -> list[Point] | None:
    """Repair and pull taut until the line is clear of land; None if it cannot be."""
    path: list[Point] | None = points
    for round_no in range(_MAX_ROUNDS):
        assert path is not None
        if not _bad_runs(path, land):
            return _pull_taut(_subdivide(path), land) if len(path) > 2 else path
        path = _repair(path, land, fine=min(round_no, 2))
        if path is None:
            return None
        path = _pull_taut(_subdivide(path), land)
    return path if path is not None and not _bad_runs(path, land) else None
