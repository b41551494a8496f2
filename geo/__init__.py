"""Where things are: places, the gazetteer and geocoding.

``locate_places`` is imported on first use, so that geocoding a name (``shipmap
geocode``) does not pay for importing GeoPandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipmap.geo.gazetteer import Gazetteer, Place
from shipmap.geo.geocode import Match, default_gazetteer, format_candidates, geocode, match_to_json
from shipmap.geo.normalize import fold

from shipmap.errors import AmbiguousPlaceError, DataError, PlaceNotFoundError, Problem, ShipmapError

if TYPE_CHECKING:
    from shipmap.geo.places import locate_places

__all__ = [
    "AmbiguousPlaceError",
    "DataError",
    "Gazetteer",
    "Match",
    "Place",
    "PlaceNotFoundError",
    "Problem",
    "ShipmapError",
    "default_gazetteer",
    "fold",
    "format_candidates",
    "geocode",
    "locate_places",
    "match_to_json",
]


def __getattr__(name: str) -> Any:
    if name == "locate_places":
        from shipmap.geo.places import locate_places

        return locate_places
    raise AttributeError(f"module 'shipmap.geo' has no attribute {name!r}")
