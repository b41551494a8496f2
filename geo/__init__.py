"""Where things are: places, the gazetteer and geocoding."""

from geo.errors import AmbiguousPlaceError, DataError, PlaceNotFoundError, Problem, ShipmapError

__all__ = [
    "AmbiguousPlaceError",
    "DataError",
    "PlaceNotFoundError",
    "Problem",
    "ShipmapError",
]
