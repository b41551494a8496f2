"""Place a name: exact spellings only, and only when the answer is clear.

A wrong pin is worse than no pin. So a name is placed only by an exact match of
a folded name or alias (see :func:`shipmap.geo.normalize.fold`); a near spelling is
offered as "did you mean", never taken. When the exact matches lie far apart,
one of them is taken only if it clearly dominates the others: the country's
capital (no less populous than its namesakes), or a place with at least ten
times the population of the next. Otherwise the name is refused and the
candidates are listed, so that the user can add a country or coordinates.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipmap.geo.gazetteer import Gazetteer, Place

from shipmap.errors import AmbiguousPlaceError, PlaceNotFoundError

__all__ = [
    "Match",
    "default_gazetteer",
    "format_candidates",
    "geocode",
    "match_to_json",
]

#: Exact matches closer than this to each other are taken as one place.
SAME_PLACE_KM = 50.0
#: A place with this many times the population of every far-away namesake wins.
DOMINANCE_RATIO = 10
#: Candidates spelled out in an error message (the exception carries them all).
_SHOWN_CANDIDATES = 5


@dataclass(frozen=True)
class Match:
    """Where a name was placed, and on whose authority.

    Parameters
    ----------
    name
        The gazetteer's name of the place (e.g. ``"Rajin (Najin) port"`` for "Najin").
    lat, lon
        WGS84 decimal degrees.
    country
        ISO 3166-1 alpha-2 code, or ``None`` for a place on a border.
    source
        Where the coordinates come from: ``"gazetteer: searoute port KPNJN"`` for
        the curated gazetteer, ``"GeoNames 538560"`` for the world layer.
    kind
        ``port``, ``rail_station``, ``city``, ...
    geonameid
        GeoNames id when the coordinates are GeoNames', else ``None``.
    """

    name: str
    lat: float
    lon: float
    country: str | None
    source: str
    kind: str = "other"
    geonameid: int | None = None


#: The loaded gazetteers by cache folder: a documented cache, filled on first use.
_loaded: dict[Path | None, Gazetteer] = {}
_loaded_lock = threading.Lock()


def default_gazetteer(cache_dir: Path | None = None) -> Gazetteer:
    """Return the shared gazetteer, loading it on first use (never at import).

    ``cache_dir`` is where its world index is kept (the application passes
    ``shipmap.cache.cache_dir("gazetteer")``); None builds it in memory.
    """
    with _loaded_lock:
        if cache_dir not in _loaded:
            _loaded[cache_dir] = Gazetteer.load(cache_dir=cache_dir)
        return _loaded[cache_dir]


def geocode(
    name: str,
    *,
    country: str | None = None,
    aliases: Sequence[str] = (),
    gazetteer: Gazetteer | None = None,
) -> Match:
    """Return where ``name`` is, trying its ``aliases`` when the name itself fails.

    Parameters
    ----------
    name
        A place name in any script (``"Najin"``, ``"Владивосток"``, ``"کورسک"``).
    country
        ISO 3166-1 alpha-2 code limiting the search.
    aliases
        Other spellings of the same place, tried in order after ``name``. When
        ``name`` is ambiguous, an alias is taken only if it lands within
        50 km of one of the name's candidates.
    gazetteer
        The gazetteer to search; default :func:`default_gazetteer`.

    Returns
    -------
    Match

    Raises
    ------
    AmbiguousPlaceError
        The name matches far-apart places and none dominates; ``candidates``
        lists them.
    PlaceNotFoundError
        Nothing carries the name; ``suggestions`` lists near spellings.
    """
    gaz = gazetteer if gazetteer is not None else default_gazetteer()
    try:
        return _place(gaz, name, country)
    except AmbiguousPlaceError as ambiguous:
        first: PlaceNotFoundError = ambiguous
    except PlaceNotFoundError as missing:
        first = missing
    suggestions = list(first.suggestions)
    for alias in aliases:
        if not alias.strip():
            continue
        try:
            match = _place(gaz, alias, country)
        except PlaceNotFoundError as e:
            suggestions += [s for s in e.suggestions if s not in suggestions]
            continue
        if not isinstance(first, AmbiguousPlaceError) or _near_any(
            match, gaz.find(name, country=country)
        ):
            return match
    if isinstance(first, AmbiguousPlaceError) or not aliases:
        raise first
    tried = ", ".join(repr(a) for a in aliases if a.strip())
    message = _not_found_message(name, country, suggestions, also=tried)
    raise PlaceNotFoundError(
        message, name=name, candidates=first.candidates, suggestions=suggestions
    ) from first


def match_to_json(m: Match) -> dict[str, Any]:
    """Return the match as ``shipmap geocode --json`` prints it.

    Exactly the keys ``name``, ``lat``, ``lon``, ``country`` and ``source``.
    """
    return {"name": m.name, "lat": m.lat, "lon": m.lon, "country": m.country, "source": m.source}


def format_candidates(err: PlaceNotFoundError) -> list[str]:
    """Return the lines to print under a geocoding error: candidates, then suggestions."""
    lines = [f"candidate: {c}" for c in err.candidates]
    lines += [f"did you mean: {s}" for s in err.suggestions]
    return lines


# --------------------------------------------------------------------------- internals


def _place(gaz: Gazetteer, name: str, country: str | None) -> Match:
    """Place one spelling, or raise the error that says why it cannot be placed."""
    if not name.strip():
        raise PlaceNotFoundError("empty place name — give a name", name=name)
    found = gaz.find(name, country=country)
    if not found:
        elsewhere = gaz.find(name) if country else []
        if country and elsewhere:
            labels = [p.label() for p in elsewhere]
            message = (
                f"no place named {name!r} in {country.upper()}"
                f" (found elsewhere: {_enumerate(labels)}) — check the country"
            )
            raise PlaceNotFoundError(message, name=name, candidates=labels)
        suggestions = gaz.suggest(name, country=country)
        raise PlaceNotFoundError(
            _not_found_message(name, country, suggestions), name=name, suggestions=suggestions
        )
    return _to_match(_choose(name, found, country))


def _choose(name: str, found: list[Place], country: str | None) -> Place:
    """Pick the place ``name`` means among exact matches, or refuse."""
    if len(found) == 1:
        return found[0]
    if _spread_km(found) <= SAME_PLACE_KM:
        # One place under several records (a port and its town): curated rows
        # come in file order, world rows are ranked by population.
        return found[0] if found[0].curated else max(found, key=_population)
    capitals = [p for p in found if p.capital]
    if len(capitals) == 1:
        capital = capitals[0]
        rivals = _far_from(capital, found)
        if all(_population(capital) >= _population(r) for r in rivals):
            return capital
    top = max(found, key=_population)
    rivals = _far_from(top, found)
    if _population(top) > 0 and all(
        _population(top) >= DOMINANCE_RATIO * _population(r) for r in rivals
    ):
        return top
    ranked = sorted(found, key=_population, reverse=True)
    labels = [p.label() for p in ranked]
    fix = "give lat and lon, or an alias" if country else "add a country"
    message = f"{name!r} is ambiguous: {_enumerate(labels)} — {fix}"
    raise AmbiguousPlaceError(message, name=name, candidates=labels)


def _to_match(place: Place) -> Match:
    return Match(
        name=place.name,
        lat=place.lat,
        lon=place.lon,
        country=place.country,
        source=f"gazetteer: {place.source}" if place.curated else place.source,
        kind=place.kind,
        geonameid=place.geonameid,
    )


def _not_found_message(
    name: str, country: str | None, suggestions: Sequence[str], *, also: str = ""
) -> str:
    where = f" in {country.upper()}" if country else ""
    nor = f" (nor {also})" if also else ""
    hint = ""
    if suggestions:
        hint = " (did you mean " + " or ".join(repr(s) for s in suggestions) + "?)"
    return f"no place named {name!r}{nor}{where}{hint}"


def _enumerate(labels: Sequence[str]) -> str:
    shown = "; ".join(labels[:_SHOWN_CANDIDATES])
    more = len(labels) - _SHOWN_CANDIDATES
    return f"{shown}; and {more} more" if more > 0 else shown


def _population(place: Place) -> int:
    return place.population or 0


@functools.cache
def _geod() -> Any:
    """Return the WGS84 ellipsoid, made on first use (pyproj is imported then)."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


def _km(a: Place | Match, b: Place | Match) -> float:
    _, _, metres = _geod().inv(a.lon, a.lat, b.lon, b.lat)
    return float(metres) / 1000.0


def _spread_km(places: Sequence[Place]) -> float:
    return max((_km(a, b) for i, a in enumerate(places) for b in places[i + 1 :]), default=0.0)


def _far_from(place: Place, places: Sequence[Place]) -> list[Place]:
    return [p for p in places if p is not place and _km(place, p) > SAME_PLACE_KM]


def _near_any(match: Match, places: Sequence[Place]) -> bool:
    """Whether ``match`` lies near one of ``places`` (the candidates of an ambiguous name)."""
    return any(_km(match, p) <= SAME_PLACE_KM for p in places)
