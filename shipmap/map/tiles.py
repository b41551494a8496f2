"""Tile providers: the one check of a basemap name, for map.toml and ``--basemap`` alike.

Light on purpose: reading a data set's map.toml checks its basemap without
importing folium or GeoPandas.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from shipmap.errors import ShipmapError

if TYPE_CHECKING:
    import xyzservices

__all__ = ["DEFAULT_BASEMAP", "OFFLINE", "basemap_problem", "tile_provider"]

#: The basemap name that draws no tiles: land and borders travel inside the page.
OFFLINE = "offline"
#: The tiles a map shows when map.toml names none.
DEFAULT_BASEMAP = "OpenStreetMap"
#: Group names that xyzservices does not resolve by themselves.
_GROUP_DEFAULTS = {"openstreetmap": "OpenStreetMap.Mapnik"}


def basemap_problem(value: object) -> str | None:
    """Say what is wrong with a basemap name, or return ``None`` when it is known."""
    if not isinstance(value, str) or not value.strip():
        return f'must be a tile provider name (e.g. "{DEFAULT_BASEMAP}") or "{OFFLINE}"'
    if value.lower() in (OFFLINE, DEFAULT_BASEMAP.lower()):
        return None
    import xyzservices.providers as tiles

    try:
        provider = tiles.query_name(value)
    except ValueError:
        names = [OFFLINE, DEFAULT_BASEMAP, *tiles.flatten()]
        close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f'use "{DEFAULT_BASEMAP}" or "{OFFLINE}"'
        return f"unknown basemap {value!r} ({hint})"
    if provider.requires_token():
        return (
            f"basemap {value!r} needs an API key, which a published map would give away; "
            f'choose a provider without one, e.g. "{DEFAULT_BASEMAP}", or "{OFFLINE}"'
        )
    return None


def tile_provider(name: str) -> xyzservices.TileProvider | None:
    """Look up the tile provider called ``name`` (xyzservices names); None for ``offline``.

    Raises
    ------
    ShipmapError
        When the name is unknown or the provider needs an API key.
    """
    problem = basemap_problem(name)
    if problem:
        raise ShipmapError(problem)
    if name.lower() == OFFLINE:
        return None
    import xyzservices.providers as providers

    return providers.query_name(_GROUP_DEFAULTS.get(name.lower(), name))
