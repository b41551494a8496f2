"""Place a name on the evidence, and refuse when the evidence does not single one place out.

A wrong pin is worse than no pin: it puts a shipment in the wrong country on a
published map. So a name is placed only by an exact match of a folded spelling
(see :func:`shipmap.geo.normalize.fold`), and only when the evidence points to
one place by a clear margin. The evidence weighed for each candidate:

- the kind of name that matched: the place's main name, a variant spelling, a
  name in a script of its own country count fully; another Latin name (a
  translation, a historic name), a name in a foreign script and a machine
  romanization count less, and alone they place only a large city;
- its population (a country's capital counts three times);
- the feature class: when a port is asked for, only ports and places by a
  listed port are candidates, and ports count more;
- the country, when given;
- how close it lies to the other places of the same data set (``near``);
- the places the gazetteer may lack: a share of the evidence is kept for an
  unlisted namesake, so that a village that happens to be the only entry of its
  name is not taken for a place the gazetteer does not know.

Candidates closer than :data:`SAME_PLACE_KM` to each other are one place. The
heaviest place is taken when it holds :data:`SHARE` of the evidence and its own
name for it is strong enough; otherwise the name is refused and every candidate
place is listed once, with its country. Country and state names are never pins.
Codes (IATA, ICAO, UN/LOCODE) match only through :func:`geocode_code`. A near
spelling is offered as "did you mean", never taken.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from shipmap.geo.gazetteer import Candidate, Gazetteer
from shipmap.geo.index import (
    EVIDENCE_NAMES,
    FOREIGN,
    LATIN_OTHER,
    MAIN,
    NATIVE,
    ROMAN,
    TRANSLIT,
    VARIANT,
)
from shipmap.geo.regions import regions_named

from shipmap.errors import AmbiguousPlaceError, PlaceNotFoundError

__all__ = [
    "BATCH_COLUMNS",
    "Match",
    "default_gazetteer",
    "distance_km",
    "format_candidates",
    "geocode",
    "geocode_code",
    "geocode_rows",
    "match_to_json",
]

#: Candidates closer than this to each other are taken as one place.
SAME_PLACE_KM = 30.0
#: The share of the evidence the heaviest place must hold to be taken.
SHARE = 0.998
#: The weight kept for a namesake the gazetteer lacks, as a population: by name alone...
UNSEEN = 1000.0
#: ...within a given country...
UNSEEN_IN_COUNTRY = 30.0
#: ...and when the name is only one letter off the place's own name ("Paras" for Paris):
#: a place called exactly so is then likelier than the gazetteer's silence suggests.
UNSEEN_ONE_LETTER = 100_000.0
#: A population below this counts as this (GeoNames lists places down to 500 people).
POPULATION_FLOOR = 1000
#: A listed port counts as a town of at least this many people when a port is asked for.
PORT_FLOOR = 10_000
#: A country's capital counts this many times its population.
CAPITAL_FACTOR = 3.0
#: A port counts this many times more when a port is asked for.
PORT_FACTOR = 5.0
#: When a port is asked for, a place neither listed as a port nor by a port or a sea
#: coast counts this many times its weight: it is never pinned, but a river or lake
#: port the lists lack may be meant, so it still stands against the others.
INLAND_FACTOR = 0.01
#: How much a kind of name counts (main names, variants and local-script names fully).
EVIDENCE_FACTOR = {
    MAIN: 1.0,
    VARIANT: 1.0,
    LATIN_OTHER: 0.3,
    NATIVE: 1.0,
    FOREIGN: 0.5,
    ROMAN: 0.1,
    TRANSLIT: 0.5,
}
#: A place matched only by another Latin name is taken by name alone above this population...
OTHER_NAME_POPULATION = 100_000
#: ...by a foreign-script name, above this one...
FOREIGN_NAME_POPULATION = 1_000_000
#: ...and by a romanization within a given country, above this one.
FOREIGN_NAME_POPULATION_IN_COUNTRY = 20_000
#: Context: (distance to the nearest place of the data set in km, factor).
NEAR_FACTORS = ((500.0, 100.0), (2000.0, 10.0))
#: In "Name, Place", the name must lie this close to a place so called.
QUALIFIER_KM = 150.0
#: A town that shares a first-level division's name ("Jiangxi") is placed only when
#: it could be that division's seat: a capital, or one of the REGION_SEAT_RANK most
#: populous places of its own division. Else the name is refused as meaning the
#: division.
REGION_SEAT_RANK = 3
#: A country whose capital holds at least this share of its people is a city-state:
#: its name in any script may be pinned on the capital (Hong Kong, Singapore, Monaco).
CITY_STATE_SHARE = 0.5
#: When a port is asked for, the one town of the name in the country, not itself listed
#: as a port, is taken for it when a listed port lies this close to it (and no place
#: elsewhere carries the name): see :func:`_port_town`.
PORT_TOWN_KM = 5.0
#: Candidates spelled out in an error message (the exception carries them all).
_SHOWN_CANDIDATES = 5
#: Columns of ``shipmap geocode --file`` output.
BATCH_COLUMNS = (
    "name",
    "country",
    "lat",
    "lon",
    "status",
    "matched_name",
    "source",
    "candidates",
)
# A query in capitals of three letters or fewer ("UK", "HEL", "U.S.") is a code
# or an abbreviation, never a place name to look up.
_ABBREVIATION = re.compile(r"[A-Z]{1,3}|[A-Z](\.[A-Z])+\.?")
# Words a port list wraps a port's name in ("Kokura Ko", "Kemaman Harbor").
_PORT_WORDS = re.compile(
    r"\b(?:port of|harbou?r of|oil terminal|lng terminal|marine terminal|terminal|oil field|"
    r"bandar(?:[- ]e\b)?|puerto de|porto d[ei]|port d'|port|harbou?r|ko|marsa|mina|atoll|"
    r"anchorage|pier|wharf|jetty)(?:\b|(?<='))\.?",
    re.IGNORECASE,
)

# Words of a port list that name a terminal, which may lie far out from the town it
# is named after (offshore buoys, oil and gas terminals).
_TERMINAL_WORDS = re.compile(
    r"\b(?:terminal|offshore|oil ?field|buoy|platform|fpso|[sc]bm|spm)\b", re.IGNORECASE
)

#: Abbreviated words of place names, written out ("St Ignace" -> "Saint Ignace").
_ABBREVIATIONS = {"st": "Saint", "ste": "Sainte", "ft": "Fort", "mt": "Mount", "pt": "Port"}
# Two names joined by a hyphen, each of four letters or more ("Akita-Funakawa").
_JOINED_NAMES = re.compile(r"(?<=\w{4})-(?=\w{4})")
_ABBREVIATED_WORD = re.compile(r"\b(St|Ste|Ft|Mt|Pt)\b\.?\s*(?=\w)", re.IGNORECASE)


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
        the curated gazetteer, ``"GeoNames 538560"`` or ``"UN/LOCODE ..."`` for
        the world layer.
    kind
        ``port``, ``rail_station``, ``city``, ...
    geonameid
        GeoNames id when the coordinates are GeoNames', else ``None``.
    evidence
        The kind of name that matched: ``"main name"``, ``"variant spelling"``, ...
    """

    name: str
    lat: float
    lon: float
    country: str | None
    source: str
    kind: str = "other"
    geonameid: int | None = None
    evidence: str = "main name"


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
    kind: str | None = None,
    aliases: Sequence[str] = (),
    near: Sequence[tuple[float, float]] = (),
    gazetteer: Gazetteer | None = None,
    suggest: bool = True,
) -> Match:
    """Return where ``name`` is, trying its ``aliases`` when the name itself fails.

    Parameters
    ----------
    name
        A place name in any script (``"Najin"``, ``"Владивосток"``, ``"کورسک"``).
    country
        ISO 3166-1 alpha-2 code limiting the search.
    kind
        The kind of place meant; ``"port"`` limits the search to ports and
        places by a listed port, and prefers ports.
    aliases
        Other spellings of the same place, tried in order after ``name``. When
        ``name`` is ambiguous, an alias is taken only if it lands within
        :data:`SAME_PLACE_KM` of one of the name's candidates.
    near
        (lon, lat) of the other places of the same data set: candidates near
        them count more.
    gazetteer
        The gazetteer to search; default :func:`default_gazetteer`.
    suggest
        False skips the "did you mean" search (batch geocoding).

    Returns
    -------
    Match

    Raises
    ------
    AmbiguousPlaceError
        The evidence does not single out one place; ``candidates`` lists them.
    PlaceNotFoundError
        Nothing carries the name; ``suggestions`` lists near spellings.
    """
    gaz = gazetteer if gazetteer is not None else default_gazetteer()
    try:
        return _place(gaz, name, country, kind, near, suggest)
    except AmbiguousPlaceError as ambiguous:
        first: PlaceNotFoundError = ambiguous
    except PlaceNotFoundError as missing:
        first = missing
    suggestions = list(first.suggestions)
    for alias in aliases:
        if not alias.strip():
            continue
        if isinstance(first, AmbiguousPlaceError):
            # Two names of one place: keep the name's candidates the alias also names.
            settled = _settle(gaz, name, alias, country, kind)
            if settled is not None:
                return settled
            continue
        try:
            return _place(gaz, alias, country, kind, near, suggest)
        except PlaceNotFoundError as e:
            suggestions += [s for s in e.suggestions if s not in suggestions]
    if isinstance(first, AmbiguousPlaceError) or not aliases:
        raise first
    tried = ", ".join(quote(a) for a in aliases if a.strip())
    message = _not_found_message(name, country, suggestions, also=tried)
    raise PlaceNotFoundError(
        message, name=name, candidates=first.candidates, suggestions=suggestions
    ) from first


def geocode_code(code: str, *, gazetteer: Gazetteer | None = None) -> Match:
    """Return the place an IATA, ICAO or UN/LOCODE code names (``"HEL"``, ``"RU VVO"``).

    Raises
    ------
    AmbiguousPlaceError
        Far-apart places carry the code.
    PlaceNotFoundError
        No place carries it.
    """
    gaz = gazetteer if gazetteer is not None else default_gazetteer()
    found = gaz.by_code(code)
    if not found:
        raise PlaceNotFoundError(f"no place has the code {quote(code)}", name=code)
    clusters = _clusters(found, np.ones(len(found)))
    if len(clusters) > 1:
        labels = [found[c[0]].place.label() for c in clusters]
        message = f"the code {quote(code)} names several places: {_enumerate(labels)}"
        raise AmbiguousPlaceError(message, name=code, candidates=labels)
    members = [found[i] for i in clusters[0]]
    best = min(members, key=lambda c: (c.place.kind != "port", -(c.place.population or 0)))
    return _to_match(best)


def geocode_rows(
    rows: Iterable[Mapping[str, str]],
    *,
    gazetteer: Gazetteer | None = None,
) -> Iterator[dict[str, str]]:
    """Geocode a list of names; yield one output row (:data:`BATCH_COLUMNS`) per input row.

    Each input row has a ``name`` and may have ``country`` and ``kind``.
    ``status`` is ``placed``, ``ambiguous`` or ``unknown``; ``candidates``
    lists the places an ambiguous name may mean, separated by `` | ``.
    """
    gaz = gazetteer if gazetteer is not None else default_gazetteer()
    seen: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in rows:
        name = (row.get("name") or "").strip()
        country = (row.get("country") or "").strip()
        kind = (row.get("kind") or "").strip()
        key = (name, country.upper(), kind)
        if key not in seen:
            seen[key] = _batch_row(gaz, name, country, kind)
        yield dict(seen[key])


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


def quote(name: str) -> str:
    """Quote a name as written: scripts, accents and joiners kept, control characters shown."""
    shown = "".join(ch if unicodedata.category(ch) != "Cc" else f"\\x{ord(ch):02x}" for ch in name)
    return f"'{shown}'"


def distance_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Return the geodesic distance in km on the WGS84 ellipsoid; numbers or numpy arrays."""
    _, _, metres = _geod().inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres) / 1000.0 if isinstance(metres, np.ndarray) else metres / 1000.0


@functools.cache
def _geod() -> Any:
    """Return the WGS84 ellipsoid, made on first use (pyproj is imported then)."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


# --------------------------------------------------------------------------- internals


def _batch_row(gaz: Gazetteer, name: str, country: str, kind: str) -> dict[str, str]:
    out = dict.fromkeys(BATCH_COLUMNS, "")
    out["name"], out["country"] = name, country
    try:
        m = geocode(name, country=country or None, kind=kind or None, gazetteer=gaz, suggest=False)
    except AmbiguousPlaceError as e:
        out["status"] = "ambiguous"
        out["candidates"] = " | ".join(e.candidates)
        return out
    except PlaceNotFoundError as e:
        out["status"] = "unknown"
        out["candidates"] = " | ".join(e.candidates)
        return out
    out.update(
        status="placed",
        country=m.country or country,
        lat=f"{m.lat:.5f}",
        lon=f"{m.lon:.5f}",
        matched_name=m.name,
        source=m.source,
    )
    return out


def _place(
    gaz: Gazetteer,
    name: str,
    country: str | None,
    kind: str | None,
    near: Sequence[tuple[float, float]],
    suggest: bool,
) -> Match:
    """Place one spelling, or raise the error that says why it cannot be placed."""
    if not name.strip():
        raise PlaceNotFoundError("empty place name — give a name", name=name)
    spellings = _spellings(name)
    found: list[Candidate] = []
    for i, spelling in enumerate(spellings):
        found = [
            _as_asked(c, kind)
            for c in gaz.candidates(spelling, country=country)
            if _askable(c, kind)
        ]
        if i > 0:  # a part of the name: its own name or a variant only
            found = [c for c in found if c.evidence <= VARIANT]
        if found:
            break
    if found and not any(c.place.curated for c in found) and _ABBREVIATION.fullmatch(name.strip()):
        message = (
            f"{quote(name)} looks like a code or an abbreviation — write the place's name,"
            " or look a code up with `shipmap geocode --code`"
        )
        raise PlaceNotFoundError(message, name=name)
    if not found and "," in name:
        return _place_qualified(gaz, name, country, kind, near)
    if not found:
        found = gaz.transliterated(name, country=country)
    if not found:
        elsewhere = gaz.candidates(name) if country else []
        if country and elsewhere:
            labels = _labels(elsewhere)
            message = (
                f"no place named {quote(name)} in {country.upper()}"
                f" (found elsewhere: {_enumerate(labels)}) — check the country"
            )
            raise PlaceNotFoundError(message, name=name, candidates=labels)
        suggestions = gaz.suggest(name, country=country, near=near) if suggest else []
        raise PlaceNotFoundError(
            _not_found_message(name, country, suggestions), name=name, suggestions=suggestions
        )
    try:
        chosen = _choose(name, found, country, kind, near)
    except AmbiguousPlaceError:
        town = _port_town(gaz, spelling, found, country, kind)
        if town is None:
            raise
        chosen = town
    _refuse_region_namesake(gaz, name, chosen, country, kind, found)
    return _to_match(chosen)


def _place_qualified(
    gaz: Gazetteer,
    name: str,
    country: str | None,
    kind: str | None,
    near: Sequence[tuple[float, float]],
) -> Match:
    """Place "Name, Qualifier": a country, a US state, or a place the name lies near."""
    head, tail = (part.strip() for part in name.rsplit(",", 1))
    found = gaz.candidates(head, country=country, every_layer=True) if head else []
    if not found:
        raise PlaceNotFoundError(f"no place named {quote(head or name)}{_in(country)}", name=name)
    qualifiers = [c for c in gaz.candidates(tail) if c.evidence <= NATIVE or c.place.is_area]
    countries = {c.place.countries[0] for c in qualifiers if c.place.kind == "country"}
    states = {c.place.admin1 for c in qualifiers if c.place.kind == "region"}
    if countries:
        if country and country.upper() not in countries:
            raise PlaceNotFoundError(
                f"{quote(name)}: {quote(tail)} is not in {country.upper()} — check the country",
                name=name,
            )
        kept = [c for c in found if set(c.place.countries) & countries]
        country = country or (next(iter(countries)) if len(countries) == 1 else None)
    elif states:
        kept = [c for c in found if "US" in c.place.countries and c.place.admin1 in states]
        country = country or "US"
        if kept:
            return _to_match(_choose(name, kept, country, kind, near, region=True))
    else:
        anchors = [c.place for c in qualifiers if not c.place.is_area]
        kept = [
            c
            for c in found
            if not c.place.is_area
            and any(
                distance_km(c.place.lat, c.place.lon, a.lat, a.lon) <= QUALIFIER_KM for a in anchors
            )
        ]
    if not kept:
        message = f"no place named {quote(head)} in or near {quote(tail)}{_in(country)}"
        raise PlaceNotFoundError(message, name=name, candidates=_labels(found))
    return _to_match(_choose(name, kept, country, kind, near))


def _spellings(name: str) -> list[str]:
    """List the name, then the parts a list may wrap it in: "A (B)", "A / B", port words.

    Abbreviated first words are written out ("St Nazaire"); a name of two
    hyphen-joined names ("Mishima-Kawanoe Ko", "Kavonisi-Kissamos") is tried
    whole first, then each name on its own.
    """
    whole = name.strip()
    out = [whole]
    expanded = _expand_abbreviations(whole)
    if expanded not in out:
        out.append(expanded)
    inner = re.findall(r"\(([^)]+)\)", expanded)
    outer = re.sub(r"\([^)]*\)", " ", expanded)
    joined: list[str] = []
    for part in [outer, *inner]:
        for piece in re.split(r"\s+[-/]\s+|\s*/\s*", part):
            piece = piece.strip(" -")
            if piece and piece not in out:
                out.append(piece)
            halves = _JOINED_NAMES.split(piece)
            if len(halves) == 2:
                joined += [h for h in halves if h not in joined]
    for part in list(out):
        bare = _strip_port_words(part)
        if len(bare) >= 3 and bare not in out:
            out.append(bare)
    for part in joined:
        for piece in (part, _strip_port_words(part)):
            if len(piece) >= 3 and piece not in out:
                out.append(piece)
    return out


def _strip_port_words(name: str) -> str:
    return re.sub(r"\s+", " ", _PORT_WORDS.sub(" ", name)).strip(" -")


def _expand_abbreviations(name: str) -> str:
    """Write out the abbreviated first words of a name ("St Nazaire", "Ft Pierce")."""
    return _ABBREVIATED_WORD.sub(lambda m: _ABBREVIATIONS[m.group(1).casefold()] + " ", name)


def _choose(
    name: str,
    found: list[Candidate],
    country: str | None,
    kind: str | None,
    near: Sequence[tuple[float, float]],
    *,
    region: bool = False,
) -> Candidate:
    """Pick the place ``name`` means among the candidates, or refuse.

    ``region``: the candidates lie in the region the user named (a US state):
    an unlisted namesake there is unlikely enough not to be counted.
    """
    areas = [c for c in found if c.place.is_area]
    if areas:
        return _choose_area(name, found, areas)
    if kind == "port":
        ports = [c for c in found if _port_like(c)]
        if not ports:
            labels = _labels(found)
            message = (
                f"no port named {quote(name)}{_in(country)}; places of that name lie inland:"
                f" {_enumerate(labels)} — give lat and lon"
            )
            raise PlaceNotFoundError(message, name=name, candidates=labels)
    weights = np.array([_weight(c, kind) for c in found])
    if near:
        weights *= _near_factors(found, near)
    clusters = _clusters(found, weights)
    totals = np.array([weights[c].max() for c in clusters])
    top = [found[i] for i in clusters[0]]
    curated = any(c.place.curated for c in found)
    unseen = 0.0 if curated else (UNSEEN_IN_COUNTRY if country else UNSEEN)
    if region:
        unseen = 0.0
    if not curated and not country and _one_letter_off(name, top):
        unseen = max(unseen, UNSEEN_ONE_LETTER)
    share = totals[0] / (totals.sum() + unseen)
    port_fits = kind != "port" or _port_fits(name, top, len(clusters))
    if share >= SHARE and any(_strong(c, bool(country)) for c in top) and port_fits:
        return _pin(top, kind)
    labels = _labels([_pin([found[i] for i in c], kind) for c in clusters])
    fix = "give lat and lon, or an alias" if country else "add a country"
    if len(clusters) == 1 and not port_fits and _TERMINAL_WORDS.search(name):
        message = (
            f"{quote(name)} names a terminal, and only a town of that name is known"
            f" ({labels[0]}): a terminal may lie far from its town — give lat and lon"
        )
    elif len(clusters) == 1 and not any(_strong(c, bool(country)) for c in top):
        evidence = EVIDENCE_NAMES[min(c.evidence for c in top)]
        message = (
            f"{quote(name)} matches only {labels[0]}, and only as a {evidence}:"
            f" too little to place it — {fix}"
        )
    elif len(clusters) == 1:
        message = (
            f"{quote(name)} matches only {labels[0]}: not enough to rule out a place"
            f" of that name missing from the gazetteer — {fix}"
        )
    else:
        message = f"{quote(name)} is ambiguous: {_enumerate(labels)} — {fix}"
    raise AmbiguousPlaceError(message, name=name, candidates=labels)


def _port_town(
    gaz: Gazetteer, spelling: str, found: list[Candidate], country: str | None, kind: str | None
) -> Candidate | None:
    """Return the town a port list means when the share rule refused it, or None.

    A port list names many small harbour towns (Kotor, Gávrio, Searsport) too
    small to outweigh the share kept for a namesake the gazetteer lacks. When a
    port is asked for in a given country, the town is still taken when all of
    this holds: it is the one place of the name there, called by its own name;
    a listed port (of whatever name) lies within :data:`PORT_TOWN_KM` of it, so
    it is a port town; and no place anywhere else carries the name, so there
    is no namesake a port could be named after either.
    """
    if kind != "port" or not country or any(c.place.is_area for c in found):
        return None
    places = _clusters(found, np.array([_weight(c, kind) for c in found]))
    if len(places) != 1:
        return None
    town = _pin(found, kind)
    if town.evidence != MAIN or town.place.kind == "port" or not town.place.near_port:
        return None
    if not gaz.listed_port_within(town.place, PORT_TOWN_KM):
        return None
    elsewhere = [
        c
        for c in gaz.candidates(spelling)
        if not c.place.is_area
        and c.evidence <= VARIANT
        and distance_km(c.place.lat, c.place.lon, town.place.lat, town.place.lon) > SAME_PLACE_KM
    ]
    return None if elsewhere else town


def _refuse_region_namesake(
    gaz: Gazetteer,
    name: str,
    chosen: Candidate,
    country: str | None,
    kind: str | None,
    found: list[Candidate],
) -> None:
    """Refuse a name that is also a province's when the town it would pin is not its seat.

    "Jiangxi" names a Chinese province; the town of that name in Gansu is not
    what a list means, nor is Rio Grande (another name of which is "Rio Grande
    do Sul") the state. A town that could be the province's seat is still
    placed: a capital, or one of the :data:`REGION_SEAT_RANK` most populous
    places of its own first-level division ("Tehran", "Quebec", "Pailin"); so
    are curated rows and ports asked for as ports.
    """
    place = chosen.place
    if place.curated or (kind == "port" and place.kind == "port"):
        return
    if place.capital:
        return
    regions = regions_named(name, country)
    if not regions or gaz.among_largest_of_admin1(place, REGION_SEAT_RANK):
        return
    labels = [r.label() for r in regions] + _labels(found)
    fix = "name a city in it, or give lat and lon"
    if not country:
        fix = "add a country, " + fix
    message = (
        f"{quote(name)} names {_enumerate([r.label() for r in regions])}; the town it would be"
        f" pinned to, {place.label()}, is not that division's seat — {fix}"
    )
    raise AmbiguousPlaceError(message, name=name, candidates=labels)


def _choose_area(name: str, found: list[Candidate], areas: list[Candidate]) -> Candidate:
    """Pin a country's name on its capital when the capital carries it; else refuse."""
    for area in areas:
        # A city-state (most of its people live in its capital) is that city: its
        # capital's names in any script name it. Else only the capital's own Latin
        # names do.
        city_state = any(
            c.place.capital
            and c.place.countries == area.place.countries
            and (c.place.population or 0) >= CITY_STATE_SHARE * (area.place.population or 0)
            for c in found
        )
        own = FOREIGN if city_state else VARIANT
        capital = [
            c
            for c in found
            if c.place.capital and c.evidence <= own and c.place.countries == area.place.countries
        ]
        if capital and area.place.kind == "country":
            # Singapore, Djibouti, Luxembourg, 香港. Not when a bigger town
            # elsewhere carries the name as well ("Salvador" is Brazil's
            # Salvador as much as El Salvador's San Salvador).
            elsewhere = [
                c
                for c in found
                if not c.place.is_area
                and c.evidence <= own
                and c.place.countries != area.place.countries
            ]
            if all(_weight(c, None) < _weight(capital[0], None) for c in elsewhere):
                return capital[0]
    what = "a country" if areas[0].place.kind == "country" else "a state"
    labels = _labels(areas + [c for c in found if not c.place.is_area])
    message = (
        f"{quote(name)} names {what} ({areas[0].place.label()}), not a place on the map"
        " — name a city or port in it, or give lat and lon"
    )
    raise AmbiguousPlaceError(message, name=name, candidates=labels)


def _weight(c: Candidate, kind: str | None) -> float:
    p = c.place
    port = kind == "port" and p.kind == "port"
    floor = PORT_FLOOR if port else POPULATION_FLOOR
    weight = max(p.population or 0, floor) * EVIDENCE_FACTOR.get(c.evidence, 1.0)
    if p.capital:
        weight *= CAPITAL_FACTOR
    if port:
        weight *= PORT_FACTOR
    elif kind == "port" and not _port_like(c):
        weight *= INLAND_FACTOR
    return float(weight)


def _askable(c: Candidate, kind: str | None) -> bool:
    """Whether a candidate may be meant: GeoNames' harbours and marinas only when a port is."""
    p = c.place
    return kind == "port" or p.kind != "port" or p.curated or p.geonameid is None


def _as_asked(c: Candidate, kind: str | None) -> Candidate:
    """Return the candidate with the evidence its name gives for what was asked.

    When a port is asked for, a port list's own name for a port is a name the
    port goes by today, whatever the town beside it calls itself: "Inkoo" is
    the list's (and the Finnish) name of the port of Ingå, where GeoNames gives
    it only as another name of the town. It counts as a variant then; asked as
    a town, it stays the town's other name ("Calcutta").
    """
    p = c.place
    if (
        kind == "port"
        and p.kind == "port"
        and p.geonameid is None
        and not p.curated
        and c.evidence == LATIN_OTHER
    ):
        return Candidate(p, VARIANT)
    return c


def _port_like(c: Candidate) -> bool:
    """Whether a candidate can be the port asked for: listed, curated, or by a port or a coast."""
    return bool(c.place.kind == "port" or c.place.near_port or c.place.curated)


def _port_fits(name: str, top: Sequence[Candidate], n_places: int) -> bool:
    """Whether the heaviest place can be the port asked for.

    A listed (or curated) port can. A town by a port or a coast that the port
    lists do not name a port can only when it is the one place of the name
    (``n_places`` counts the places of the name that are candidates, inland ones
    too): else the port meant may be a small namesake the lists lack (Davenport,
    California, against Davenport, Iowa). And a terminal ("Al Rayyan Terminal")
    is never pinned on a town: oil and gas terminals may lie tens of km out.
    """
    if any(c.place.kind == "port" or c.place.curated for c in top):
        return True
    if not any(_port_like(c) for c in top):
        return False
    return n_places == 1 and not _TERMINAL_WORDS.search(name)


def _strong(c: Candidate, with_country: bool) -> bool:
    """Whether the kind of name that matched is enough to place it."""
    if c.place.curated or c.evidence in (MAIN, VARIANT, NATIVE):
        return True
    population = c.place.population or 0
    if c.evidence == LATIN_OTHER:
        return population >= OTHER_NAME_POPULATION
    if with_country:  # a foreign-script name GeoNames gives the place, in the country given
        return c.evidence == FOREIGN or population >= FOREIGN_NAME_POPULATION_IN_COUNTRY
    return c.evidence == FOREIGN and population >= FOREIGN_NAME_POPULATION


def _one_letter_off(name: str, members: Sequence[Candidate]) -> bool:
    """Whether the name reaches this place only through a spelling one letter off its own name."""
    from rapidfuzz.distance import DamerauLevenshtein
    from shipmap.geo.normalize import fold

    if any(c.evidence == MAIN for c in members):
        return False
    key = fold(name)
    return any(
        c.evidence == VARIANT and DamerauLevenshtein.distance(key, fold(c.place.name)) == 1
        for c in members
    )


def _near_factors(found: list[Candidate], near: Sequence[tuple[float, float]]) -> np.ndarray:
    lat = np.array([c.place.lat for c in found])
    lon = np.array([c.place.lon for c in found])
    nearest = np.full(len(found), np.inf)
    for plon, plat in near:
        d = distance_km(lat, lon, np.full(len(found), plat), np.full(len(found), plon))
        nearest = np.minimum(nearest, d)
    factors = np.ones(len(found))
    for km, factor in reversed(NEAR_FACTORS):
        factors[nearest <= km] = factor
    return factors


def _clusters(found: Sequence[Candidate], weights: np.ndarray) -> list[list[int]]:
    """Group candidates closer than SAME_PLACE_KM, heaviest group first (greedy, by weight)."""
    if len(found) == 1:
        return [[0]]
    lat = np.array([c.place.lat for c in found])
    lon = np.array([c.place.lon for c in found])
    order = np.argsort(-weights, kind="stable")
    free = np.ones(len(found), dtype=bool)
    clusters: list[list[int]] = []
    for i in order:
        if not free[i]:
            continue
        d = distance_km(np.full(len(found), lat[i]), np.full(len(found), lon[i]), lat, lon)
        members = np.flatnonzero(free & (np.asarray(d) <= SAME_PLACE_KM))
        members = np.union1d(members, [i]).astype(int)
        free[members] = False
        ranked = sorted(members.tolist(), key=lambda m: -weights[m])
        clusters.append(ranked)
    return clusters


def _pin(members: list[Candidate], kind: str | None) -> Candidate:
    """Return the record to pin among the records of one place.

    Curated rows first (in file order); a port when a port is asked for; else
    the best-named, most populous record.
    """
    curated = [c for c in members if c.place.curated]
    if curated:
        return curated[0]
    if kind == "port":
        for fits in (lambda c: c.place.kind == "port", _port_like):
            chosen = [c for c in members if fits(c)]
            if chosen:
                members = chosen
                break
    return min(members, key=lambda c: (c.evidence, -(c.place.population or 0), c.place.kind))


def _labels(found: Sequence[Candidate]) -> list[str]:
    """One label per place, most populous first, each once."""
    ranked = sorted(found, key=lambda c: -(c.place.population or 0))
    out: list[str] = []
    for c in ranked:
        label = c.place.label()
        if label not in out:
            out.append(label)
    return out


def _to_match(c: Candidate) -> Match:
    place = c.place
    return Match(
        name=place.name,
        lat=place.lat,
        lon=place.lon,
        country=place.country,
        source=f"gazetteer: {place.source}" if place.curated else place.source,
        kind=place.kind,
        geonameid=place.geonameid,
        evidence=EVIDENCE_NAMES[c.evidence],
    )


def _in(country: str | None) -> str:
    return f" in {country.upper()}" if country else ""


def _not_found_message(
    name: str, country: str | None, suggestions: Sequence[str], *, also: str = ""
) -> str:
    nor = f" (nor {also})" if also else ""
    hint = ""
    if suggestions:
        hint = " (did you mean " + " or ".join(quote(s) for s in suggestions) + "?)"
    return f"no place named {quote(name)}{nor}{_in(country)}{hint}"


def _enumerate(labels: Sequence[str]) -> str:
    shown = "; ".join(labels[:_SHOWN_CANDIDATES])
    more = len(labels) - _SHOWN_CANDIDATES
    return f"{shown}; and {more} more" if more > 0 else shown


def _settle(
    gaz: Gazetteer, name: str, alias: str, country: str | None, kind: str | None
) -> Match | None:
    """Return the one candidate of an ambiguous name that the alias also names, if any."""
    anchors = [
        (c.place.lat, c.place.lon)
        for c in gaz.candidates(alias, country=country)
        if not c.place.is_area
    ]
    if not anchors:
        try:  # "Moscow, Idaho": an alias that places on its own
            m = _place(gaz, alias, country, kind, (), suggest=False)
            anchors = [(m.lat, m.lon)]
        except PlaceNotFoundError:
            return None
    found = [
        c
        for c in gaz.candidates(name, country=country)
        if not c.place.is_area
        and any(
            distance_km(c.place.lat, c.place.lon, lat, lon) <= SAME_PLACE_KM for lat, lon in anchors
        )
    ]
    if not found:
        return None
    clusters = _clusters(found, np.array([_weight(c, kind) for c in found]))
    if len(clusters) != 1:
        return None
    return _to_match(_pin([found[i] for i in clusters[0]], kind))
