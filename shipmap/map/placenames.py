"""Names on the offline basemap: countries, in the map's language.

Natural Earth's countries (the shapefile the offline land comes from) carry each
country's name in 36 languages (``NAME_FA``, ``NAME_KO``, ...), a point where its
label belongs (``LABEL_X``, ``LABEL_Y``) and the zoom from which a cartographer
would show it (``MIN_LABEL``). A country whose label point lies outside the
map's area (Russia's is in Siberia) is named at a point inside its part of the
area instead. The map draws the names beneath its routes and labels and drops
any that would collide with them (``static/shipmap.js``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pyogrio
import shapely

from shipmap.geo.countries import countries_source
from shipmap.map.basemap import Extent

__all__ = ["country_names"]

_MIN_SHARE = 0.01  # a country named must cover this share of the map's area


def _windows(extent: Extent) -> list[tuple[Extent, float]]:
    x0, y0, x1, y1 = extent
    out: list[tuple[Extent, float]] = []
    for shift in (-360.0, 0.0, 360.0):
        a, b = max(x0 - shift, -180.0), min(x1 - shift, 180.0)
        if a < b:
            out.append(((a, y0, b, y1), shift))
    return out


@cache
def _countries_in(
    extent: Extent,
) -> tuple[tuple[float, float, float, tuple[tuple[str, str], ...]], ...]:
    """Countries to name in an extent: label point, min zoom and names by language.

    Reading the attributes alone is quick; geometries are read only for the few
    countries whose label point lies near the extent but outside it.
    """
    source = countries_source()
    fields = pyogrio.read_info(source, encoding="utf-8")["fields"]
    languages = [
        f for f in fields if f.startswith("NAME_") and f[5:].isalpha() and len(f) in (7, 8)
    ]
    frame = pyogrio.read_dataframe(
        source,
        columns=["LABEL_X", "LABEL_Y", "MIN_LABEL", *languages],
        read_geometry=False,
        encoding="utf-8",
    )
    rows = frame.to_dict("records")
    x0, y0, x1, y1 = extent
    area = max((x1 - x0) * (y1 - y0), 1e-9)
    grow_x, grow_y = 20.0 + (x1 - x0) / 2, 20.0 + (y1 - y0) / 2
    out: list[tuple[float, float, float, tuple[tuple[str, str], ...]]] = []
    near: list[tuple[int, float]] = []
    for fid, row in enumerate(rows):
        lon, lat = float(row["LABEL_X"]), float(row["LABEL_Y"])
        for shift in (0.0, 360.0, -360.0):
            if x0 <= lon + shift <= x1 and y0 <= lat <= y1:
                out.append((round(lon + shift, 3), round(lat, 3), *_names(row, languages)))
                break
            if x0 - grow_x <= lon + shift <= x1 + grow_x and y0 - grow_y <= lat <= y1 + grow_y:
                near.append((fid, shift))
                break
    if near:
        shapes = pyogrio.read_dataframe(source, columns=[], fids=[f for f, _ in near])
        for (fid, shift), geom in zip(near, shapes.geometry.to_numpy(), strict=True):
            part = shapely.clip_by_rect(geom, x0 - shift, y0, x1 - shift, y1)
            if shapely.is_empty(part) or not shapely.area(part) / area >= _MIN_SHARE:
                continue
            point = shapely.point_on_surface(part)
            out.append(
                (
                    round(float(point.x) + shift, 3),
                    round(float(point.y), 3),
                    *_names(rows[fid], languages),
                )
            )
    return tuple(out)


def _names(row: dict[str, Any], languages: list[str]) -> tuple[float, tuple[tuple[str, str], ...]]:
    names = tuple(
        (f[5:].lower(), str(row[f]).strip())
        for f in languages
        if isinstance(row[f], str) and row[f].strip()
    )
    return float(row["MIN_LABEL"]), names


def country_names(extent: Extent, lang: str) -> list[list[Any]]:
    """Country names inside an extent: ``[lon, lat, name, min_zoom]`` each.

    The name is the one in ``lang`` where Natural Earth has it, else English.
    Longitudes follow the extent past ±180 for maps across the antimeridian.
    """
    x0, y0, x1, y1 = (float(v) for v in extent)
    out: list[list[Any]] = []
    for lon, lat, zoom, names in _countries_in((x0, y0, x1, y1)):
        by_lang = dict(names)
        name = by_lang.get(lang) or by_lang.get("en")
        if name:
            out.append([lon, lat, name, zoom])
    out.sort(key=lambda r: (r[3], -r[1], r[2]))
    return out
