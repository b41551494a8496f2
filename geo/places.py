"""Turn the rows of places.csv into points, geocoding those without coordinates."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shipmap.geo.gazetteer import Gazetteer
from shipmap.geo.geocode import default_gazetteer, geocode, quote

from shipmap.contract import split_list
from shipmap.errors import AmbiguousPlaceError, DataError, PlaceNotFoundError, Problem

__all__ = ["DATA_SET_SOURCE", "coordinate_credits", "locate_places"]

#: ``coord_source`` of a row whose coordinates were given in the data set.
DATA_SET_SOURCE = "data set"
#: The world index's sources whose licences ask for credit, by how a
#: ``coord_source`` from each begins (see :class:`shipmap.geo.gazetteer.Gazetteer`).
_CREDITED = (("GeoNames ", "GeoNames"), ("searoute port ", "searoute"))


def coordinate_credits(sources: Iterable[str]) -> list[str]:
    """Name the world-index sources that placed any of these points ("GeoNames", "searoute").

    ``sources`` are ``coord_source`` values; curated and given coordinates
    cite their own sources and need no credit here.
    """
    seen = {credit for s in sources for prefix, credit in _CREDITED if str(s).startswith(prefix)}
    return [credit for _, credit in _CREDITED if credit in seen]


def locate_places(
    places: pd.DataFrame,
    *,
    file: str = "places.csv",
    gazetteer: Gazetteer | None = None,
    cache_dir: Path | None = None,
) -> gpd.GeoDataFrame:
    """Give every place a point, geocoding the rows that lack coordinates.

    Parameters
    ----------
    places
        The validated places frame: text columns as ``str`` (``""`` for not
        given), ``lat``/``lon`` as float (NaN where the name is to be geocoded),
        ``_line`` the CSV line of each row (header = 1), ``aliases`` the raw
        ``;``-separated string.
    file
        File name used in error messages.
    gazetteer
        The gazetteer to search; default the shared one, loaded only when a row
        needs geocoding.
    cache_dir
        Where the shared gazetteer keeps its index (None: built in memory).

    Returns
    -------
    geopandas.GeoDataFrame
        Every input column, ``lat``/``lon`` filled, ``coord_source`` (``"data
        set"`` or where the geocoder found the coordinates) and Point geometry in
        EPSG:4326; an empty ``country`` takes the geocoded place's country.

    Raises
    ------
    DataError
        Listing every row that cannot be placed, each with its line and the fix.
    """
    out = places.copy()
    for column in ("lat", "lon"):
        out[column] = pd.to_numeric(out[column], errors="coerce") if column in out else math.nan
    lats = out["lat"].tolist()
    lons = out["lon"].tolist()
    records = out.to_dict("records")
    sources: list[str] = [""] * len(records)
    problems: dict[int, Problem] = {}
    pending: list[int] = []
    for i, row in enumerate(records):
        lat, lon = lats[i], lons[i]
        if not (math.isnan(lat) or math.isnan(lon)):
            sources[i] = DATA_SET_SOURCE
        elif math.isnan(lat) != math.isnan(lon):
            column = "lat" if math.isnan(lat) else "lon"
            message = "give both lat and lon, or neither to geocode the name"
            problems[i] = Problem(file, _line(row), column, message)
        else:
            pending.append(i)
    # Two passes: the places the data set gives (and those placed at once) are
    # the context that may settle a name with namesakes far away.
    for attempt in (1, 2):
        near = [(lons[i], lats[i]) for i, s in enumerate(sources) if s]
        retry: list[int] = []
        for i in pending:
            row = records[i]
            name = _text(row.get("name"))
            country = _text(row.get("country")) or None
            kind = _text(row.get("kind")) or None
            aliases = split_list(_text(row.get("aliases")))
            try:
                if gazetteer is None:
                    gazetteer = default_gazetteer(cache_dir)
                match = geocode(
                    name,
                    country=country,
                    kind=kind,
                    aliases=aliases,
                    near=near,
                    gazetteer=gazetteer,
                )
            except AmbiguousPlaceError as e:
                if attempt == 1:
                    retry.append(i)
                else:
                    problems[i] = Problem(file, _line(row), "name", _cannot_place(name, country, e))
                continue
            except PlaceNotFoundError as e:
                problems[i] = Problem(file, _line(row), "name", _cannot_place(name, country, e))
                continue
            lats[i], lons[i] = match.lat, match.lon
            sources[i] = match.source
            if not country and match.country and "country" in out:
                out.at[out.index[i], "country"] = match.country
        pending = retry
        if not pending:
            break
    if problems:
        raise DataError([problems[i] for i in sorted(problems)])
    out["lat"] = pd.Series(lats, index=out.index, dtype="float64")
    out["lon"] = pd.Series(lons, index=out.index, dtype="float64")
    out["coord_source"] = pd.Series(sources, index=out.index, dtype="str")
    geometry = gpd.points_from_xy(out["lon"], out["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326")


def _cannot_place(name: str, country: str | None, err: PlaceNotFoundError) -> str:
    """Say why a row's name cannot be placed and what to do about it."""
    if not name.strip():
        return "cannot place a row without a name — add a name, or lat and lon"
    shown = "; ".join(err.candidates[:3]) + ("; …" if len(err.candidates) > 3 else "")
    fix = "add lat and lon, or an alias" if country else "add a country, or lat and lon"
    if isinstance(err, AmbiguousPlaceError):
        if len(err.candidates) == 1 or " names a " in str(err):
            return f"cannot place {quote(name)}: {str(err).split(' — ')[0]} — {fix}"
        return f"cannot place {quote(name)}: several places carry this name ({shown}) — {fix}"
    if err.candidates and country and str(err).startswith("no place named"):
        return (
            f"cannot place {quote(name)}: no such place in {country}, only {shown}"
            " — check the country, or add lat and lon"
        )
    if err.candidates:  # a port asked for, only inland places found
        return f"cannot place {quote(name)}: {str(err).split(' — ')[0]} — add lat and lon"
    where = f" in {country}" if country else ""
    hint = ""
    if err.suggestions:
        hint = " (did you mean " + " or ".join(quote(s) for s in err.suggestions) + "?)"
    return (
        f"cannot place {quote(name)}: no such place{where} in the gazetteer{hint}"
        " — add lat and lon, or an alias"
    )


def _line(row: dict[str, object]) -> int | None:
    value = row.get("_line")
    if isinstance(value, numbers.Real) and not math.isnan(number := float(value)):
        return int(number)
    return None


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()
