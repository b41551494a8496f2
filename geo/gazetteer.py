"""The gazetteer: every place shipmap can name, and the spellings it knows them by.

Two layers, looked up in this order:

1. the curated gazetteer shipped inside the package (``geo/data/gazetteer.csv``):
   the ports, rail crossings and military sites of the default data set, each
   with its transliterations, its Korean, Russian and Persian spellings and the
   source of its coordinates;
2. the world index (:mod:`shipmap.geo.index`): GeoNames places down to 500
   people with their alternate names, the ports listed in the searoute package
   (with their UN/LOCODEs) cross-checked against GeoNames, GeoNames' port
   features (through harborly), and the names of countries and US states.

The gazetteer answers "which places carry this spelling, and through what kind
of name?" (:meth:`Gazetteer.candidates`); deciding between them is
:mod:`shipmap.geo.geocode`'s job.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from shipmap.geo.index import (
    CODE,
    HARBOUR_FEATURES,
    KIND_CITY,
    KIND_NAMES,
    KIND_PORT,
    MAIN,
    ROMAN,
    TRANSLIT,
    VARIANT,
    WorldIndex,
    load_index,
)
from shipmap.geo.normalize import fold, latin_readings, read_alike_keys, script_of

__all__ = ["Candidate", "Gazetteer", "Place", "read_curated"]

_world_lock = threading.Lock()
_CURATED_RESOURCE = "data/gazetteer.csv"
#: A romanization (0-100) at least this close to a name of the given country may mean it...
_TRANSLIT_SIMILARITY = 75.0
#: ...when the next closest name is at least this much less close...
_TRANSLIT_MARGIN = 8.0
#: ...and it has at least this many letters.
_TRANSLIT_MIN_LENGTH = 4
#: Slices of a country's names longer than this are first narrowed by letter counts...
_PREFILTER_FROM = 256
#: ...a letter counted in the bin of its code point modulo this (see _letter_counts).
_BINS = 32
#: Scripts that write few vowels: their romanizations read shorter than the Latin names.
_ABJADS = frozenset({"ARABIC", "HEBREW", "SYRIAC"})
#: A romanization's consonants alone are compared only when there are at least this many.
_SKELETON_MIN_LENGTH = 4
#: Near spellings offered are at most this much (0-100) less alike than the best one.
_SUGGESTION_SPREAD = 5.0
_CURATED_COLUMNS = ("id", "name", "aliases", "country", "kind", "lat", "lon", "source")


@dataclass(frozen=True)
class Place:
    """One place of the gazetteer.

    Parameters
    ----------
    name
        Display name.
    lat, lon
        WGS84 decimal degrees (NaN for a country or region, which is never a pin).
    countries
        ISO 3166-1 alpha-2 codes; a border crossing has two.
    kind
        ``port``, ``rail_station``, ``border_crossing``, ``city``, ``country``, ``region``...
    source
        Where the coordinates come from, e.g. ``"searoute port KPNJN"``,
        ``"GeoNames 538560"`` or ``"UN/LOCODE IRBAZ, GeoNames 418606 at 2.1 km"``.
    curated
        True for rows of the curated gazetteer, which take precedence.
    population
        Inhabitants, when known; tells a dominant place from its namesakes.
    geonameid
        GeoNames id, when the coordinates are GeoNames'.
    capital
        True for a country's capital.
    admin1
        First-level region code (a US state's two letters, ...).
    id
        The curated row's id (``""`` for world places).
    spellings
        The curated row's name and aliases as written (empty for world places).
    near_port
        True for a place that lies by a listed port or on a sea coast (so it may be one).
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
    near_port: bool = False

    @property
    def country(self) -> str | None:
        """The place's country code, or ``None`` when it has none or several."""
        return self.countries[0] if len(self.countries) == 1 else None

    @property
    def is_area(self) -> bool:
        """True for a country or region: a name to refuse as a pin, with a reason."""
        return self.kind in ("country", "region")

    def label(self) -> str:
        """Say which place this is in a few words: name, state, country, position."""
        if self.kind == "country":
            return f"{self.name} (the country, {self.countries[0]})"
        if self.kind == "region":
            return f"{self.name} (a state of {'/'.join(self.countries)})"
        region = [self.admin1] if self.admin1.isalpha() else []
        region += ["/".join(self.countries)] if self.countries else []
        where = f"{self.name} ({', '.join(region)})" if region else self.name
        what = " port" if self.kind == "port" and "port" not in self.name.lower() else ""
        extra = f"; pop. {self.population:,}" if self.population else ""
        return f"{where}{what} at {self.lat:.4f}, {self.lon:.4f}{extra}"


@dataclass(frozen=True)
class Candidate:
    """A place a spelling may mean, and the kind of name that matched.

    ``evidence`` is one of the constants of :mod:`shipmap.geo.index` (``MAIN``,
    ``VARIANT``, ``LATIN_OTHER``, ``NATIVE``, ``FOREIGN``, ``ROMAN``,
    ``COUNTRY``, ``REGION``, ``CODE``, ``TRANSLIT``).
    """

    place: Place
    evidence: int


@dataclass(frozen=True)
class _CountryNames:
    """A country's folded main names, shortest first, and the places that bear each."""

    keys: list[str]
    sounds: list[str]  # each key with its sound-alike letters folded (see _sound)
    lengths: np.ndarray  # of each key
    key_of_place: np.ndarray  # the key (its position in ``keys``) of each of ``places``
    places: np.ndarray
    # the letter counts and lengths of ``keys`` and of ``sounds`` (see _letter_counts),
    # by ``id`` of the list, made on first use
    letters: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, compare=False)
    # the keys' consonant skeletons (see _skeleton), one a line, made on first use
    skeletons: list[str] = field(default_factory=list, compare=False)

    def with_skeleton(self, skeleton: str) -> list[int]:
        """Return the positions in ``keys`` of the keys whose consonant skeleton this is."""
        if not self.skeletons and self.keys:
            self.skeletons.append("\n" + _skeleton("\n".join(self.keys)) + "\n")
        text, line = self.skeletons[0] if self.skeletons else "", f"\n{skeleton}\n"
        out: list[int] = []
        at = text.find(line)
        while at >= 0:  # the key's position is the number of lines before it
            out.append(text.count("\n", 0, at))
            at = text.find(line, at + 1)
        return out


class Gazetteer:
    """Places and the folded spellings that name them.

    Build one with :meth:`load` (curated rows plus the world index, cached on
    disk in the folder the caller names) or directly from a list of places
    (tests, small custom gazetteers).

    Parameters
    ----------
    curated
        Places that take precedence over the world layer for the names they carry.
    world
        The world index; ``None`` for none.
    """

    def __init__(
        self,
        curated: Sequence[Place] = (),
        *,
        world: WorldIndex | None = None,
        load_world: Callable[[], WorldIndex] | None = None,
    ) -> None:
        self._curated = list(curated)
        self._curated_keys: dict[str, list[int]] = {}
        for i, place in enumerate(self._curated):
            for spelling in (place.name, *place.spellings):
                key = fold(spelling)
                if key and i not in self._curated_keys.setdefault(key, []):
                    self._curated_keys[key].append(i)
        self._world_index = world
        self._floors: dict[int, dict[tuple[str, str], int]] = {}
        self._load_world = load_world
        self._places: dict[int, Place] = {}
        self._by_country: dict[str, _CountryNames] = {}
        self._ports_of: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def load(cls, *, cache_dir: Path | str | None = None, world: bool = True) -> Gazetteer:
        """Load the curated gazetteer and, unless told not to, the world index.

        Parameters
        ----------
        cache_dir
            Where the world index is kept (the application passes
            ``shipmap.cache.cache_dir("gazetteer")``); ``None`` builds it in
            memory. A folder that cannot be written only costs the build time.
        world
            False loads the curated gazetteer only.
        """
        curated = read_curated()
        folder = Path(cache_dir) if cache_dir else None
        if not world:
            return cls(curated)
        return cls(curated, load_world=lambda: load_index(folder))

    def __len__(self) -> int:
        return len(self._curated) + (len(self._world) if self._world else 0)

    @property
    def _world(self) -> WorldIndex | None:
        """The world index, loaded (or built) on first use: curated names never need it."""
        if self._world_index is None and self._load_world is not None:
            with _world_lock:
                if self._world_index is None:
                    self._world_index = self._load_world()
        return self._world_index

    def among_largest_of_admin1(self, place: Place, n: int) -> bool:
        """Return True when ``place`` is among the ``n`` most populous of its division.

        The division is GeoNames' first-level one (admin1 code); only GeoNames
        towns are ranked.
        A province's seat is nearly always among them; a village that merely
        shares a province's name is not.
        """
        world = self._world
        if world is None or not place.admin1 or not place.country or place.population is None:
            return False
        floors = self._admin1_floors(world, n)
        return place.population >= floors.get((place.country, place.admin1), 0)

    def listed_port_within(self, place: Place, km: float) -> bool:
        """Return True when a listed port of the place's country lies within ``km`` of it.

        Listed ports are the world index's ports (searoute's, confirmed by a
        GeoNames namesake, and GeoNames' own port features), whatever their names.
        """
        world = self._world
        if world is None or not place.country:
            return False
        cc = place.country
        if cc not in self._ports_of:
            rows = np.flatnonzero((world.kind == KIND_PORT) & (world.country == cc))
            self._ports_of[cc] = (world.lat[rows], world.lon[rows])
        lat, lon = self._ports_of[cc]
        if not len(lat):
            return False
        # Within a few km the equirectangular distance is exact enough.
        dy = (lat - place.lat) * 111.2
        dlon = (lon - place.lon + 180.0) % 360.0 - 180.0
        dx = dlon * 111.2 * math.cos(math.radians(place.lat))
        return bool(np.any(dx * dx + dy * dy <= km * km))

    def _admin1_floors(self, world: WorldIndex, n: int) -> dict[tuple[str, str], int]:
        """Map (country, admin1) to the population of its n-th most populous town."""
        cached = self._floors.get(n)
        if cached is None:
            cities = np.flatnonzero(world.kind == KIND_CITY)
            countries, country = np.unique(world.country[cities], return_inverse=True)
            admins, admin = np.unique(world.admin1[cities], return_inverse=True)
            groups, group = np.unique(
                country.astype("i8") * len(admins) + admin, return_inverse=True
            )
            population = world.population[cities]
            order = np.lexsort((-population, group))
            starts = np.searchsorted(group[order], np.arange(len(groups)))
            sizes = np.diff(np.append(starts, len(order)))
            floors = population[order][starts + np.minimum(sizes, n) - 1]
            cached = {
                (str(countries[g // len(admins)]), str(admins[g % len(admins)])): int(f)
                for g, f in zip(groups.tolist(), floors.tolist(), strict=True)
            }
            self._floors[n] = cached
        return cached

    @property
    def curated(self) -> list[Place]:
        """The curated places, in file order."""
        return list(self._curated)

    @property
    def world(self) -> WorldIndex | None:
        """The world index, or None."""
        return self._world

    def candidates(
        self, name: str, *, country: str | None = None, every_layer: bool = False
    ) -> list[Candidate]:
        """Return the places a spelling may mean, each with the kind of name that matched.

        Curated places carrying the spelling (within ``country``) hide the world
        layer, unless ``every_layer``: they are the data set's own gazetteer.
        Codes never match here: see :meth:`by_code`.
        """
        key = fold(name)
        if not key:
            return []
        cc = country.upper() if country else None
        curated = [
            Candidate(self._curated[i], MAIN)
            for i in self._curated_keys.get(key, ())
            if cc is None or cc in self._curated[i].countries
        ]
        if (curated and not every_layer) or self._world is None:
            return curated
        return curated + [
            Candidate(self.world_place(i), evidence)
            for i, evidence in self._world.lookup(key)
            if cc is None or str(self._world.country[i]) == cc
        ]

    def transliterated(self, name: str, *, country: str | None = None) -> list[Candidate]:
        """Return places one of whose Latin names a romanization of ``name`` spells.

        For a name in another script that no place carries. When the
        romanization spells a name of the place exactly (``Араґуаіна`` ->
        "Araguaina", ``Асуан`` -> Aswan's "Asuan", a romanization GeoNames
        lists), or reads like a name the place carries in the same script
        (伊爾庫次克, Traditional Chinese, like 伊尔库茨克 for Irkutsk), the
        evidence is ``TRANSLIT``: weaker than a name the place really carries,
        so a single town is placed on it only within a given country and when
        it is large. Within a given country, a near spelling
        of the romanization of a main name or variant also counts (``Хобарт`` ->
        "Khobart" ≈ Hobart) when it is clearly the nearest; its evidence is
        ``ROMAN``, weaker still.
        """
        world = self._world
        if world is None or script_of(name) in ("LATIN", ""):
            return []
        keys = [k for k in dict.fromkeys(fold(r) for r in latin_readings(name)) if k]
        if not keys:
            return []
        cc = country.upper() if country else None
        named: dict[int, int] = {}
        for key in keys + read_alike_keys(name):
            for i, evidence in world.lookup(key):
                if evidence != CODE and (cc is None or str(world.country[i]) == cc):
                    named[i] = min(evidence, named.get(i, evidence))
        # The strongest kind of name spelled decides, as it would for the spelling
        # itself; a country's or a region's name stays one (never a town's pin).
        main = [i for i, evidence in named.items() if evidence <= VARIANT]
        exact = [
            Candidate(self.world_place(i), evidence if evidence > ROMAN else TRANSLIT)
            for i, evidence in named.items()
            if not main or i in main or evidence > ROMAN
        ]
        if exact or cc is None:
            return exact
        names = self._country_keys(cc)
        # Letter for letter first; then with sound-alike letters folded, which
        # finds more but brings more names close, so only when the first finds none.
        for pool, fold_sound in ((names.keys, False), (names.sounds, True)):
            alike = self._nearest(
                names,
                pool,
                [_sound(k) if fold_sound else k for k in keys],
                longer=script_of(name) in _ABJADS,
            )
            if alike:
                found = names.places[np.isin(names.key_of_place, alike)]
                return [Candidate(self.world_place(i), ROMAN) for i in found.tolist()]
        # Last, the consonants alone: Arabic, Persian, Urdu and Hebrew write few
        # vowels, and romanizations of other scripts write them differently
        # (کوپن ہیگن reads "kwpn hygn", Copenhagen). Every name that reads the same counts.
        alike = sorted(
            {
                at
                for k in keys
                if len(skeleton := _skeleton(k)) >= _SKELETON_MIN_LENGTH
                for at in names.with_skeleton(skeleton)
            }
        )
        if alike:
            found = names.places[np.isin(names.key_of_place, alike)]
            return [Candidate(self.world_place(i), ROMAN) for i in found.tolist()]
        return []

    @staticmethod
    def _nearest(
        names: _CountryNames, pool: list[str], queries: list[str], *, longer: bool = False
    ) -> list[int]:
        """Return the positions of the clearly nearest name of ``pool`` (all that read the same)."""
        fuzz, process = _rapidfuzz()
        cutoff = _TRANSLIT_SIMILARITY - _TRANSLIT_MARGIN
        scores: dict[str, float] = {}  # names that read the same are one
        where: dict[str, set[int]] = {}
        for query in queries:
            if len(query) < _TRANSLIT_MIN_LENGTH:
                continue
            spread = max(1, len(query) // 4)
            lo = int(np.searchsorted(names.lengths, len(query) - spread, side="left"))
            # A script that leaves vowels out reads shorter than the Latin name.
            more = max(spread, len(query) // 2) if longer else spread
            hi = int(np.searchsorted(names.lengths, len(query) + more, side="right"))
            choices, positions = pool[lo:hi], None
            if hi - lo > _PREFILTER_FROM:
                # The ratio is 200 x (letters two names share in order) / (their
                # lengths' sum), so a name whose letters, merely counted, cannot
                # reach the cut-off is left out: the names left score the same,
                # in the same order, and the answer is unchanged.
                if id(pool) not in names.letters:
                    names.letters[id(pool)] = _letter_counts(pool)
                counts, lengths = names.letters[id(pool)]
                in_query = Counter(ord(ch) % _BINS for ch in query)
                bins = list(in_query)
                most = int(np.iinfo(counts.dtype).max)  # a count the bins cannot exceed
                wanted = np.array([min(in_query[b], most) for b in bins], dtype=counts.dtype)
                shared = np.minimum(counts[bins, lo:hi], wanted[:, None]).sum(0, dtype=np.int64)
                keep = 200.0 * shared >= cutoff * (len(query) + lengths[lo:hi]) - 1.0
                positions = lo + np.flatnonzero(keep)
                choices = [pool[i] for i in positions.tolist()]
            for name, score, at in process.extract(
                query, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5
            ):
                scores[name] = max(score, scores.get(name, 0.0))
                at = lo + at if positions is None else int(positions[at])
                where.setdefault(name, set()).add(at)
        best = sorted(scores.items(), key=lambda item: -item[1])
        if not best or best[0][1] < _TRANSLIT_SIMILARITY:
            return []
        if len(best) > 1 and best[1][1] > best[0][1] - _TRANSLIT_MARGIN:
            return []
        return sorted(where[best[0][0]])

    def _country_keys(self, cc: str) -> _CountryNames:
        """Return the folded main names of a country's places (for near romanizations)."""
        if cc not in self._by_country:
            world = self._world
            assert world is not None
            places = world.places_of_country(cc)
            places = places[world.kind[places] <= 1]  # towns, ports
            rows = world.main_key_rows(places)
            places, rows = places[rows >= 0], rows[rows >= 0]
            unique, place_key = np.unique(rows, return_inverse=True)
            texts = world.key_texts(unique)
            lengths = np.fromiter(map(len, texts), dtype="i8", count=len(texts))
            order = np.argsort(lengths, kind="stable")
            keys = [texts[i] for i in order.tolist()]
            self._by_country[cc] = _CountryNames(
                keys=keys,
                sounds=_sound("\n".join(keys)).split("\n") if keys else [],
                lengths=lengths[order],
                key_of_place=np.argsort(order)[place_key],
                places=places,
            )
        return self._by_country[cc]

    def by_code(self, code: str) -> list[Candidate]:
        """Return the places carrying an IATA, ICAO or UN/LOCODE code (case and spaces ignored)."""
        wanted = "".join(code.split()).upper()
        hits = [Candidate(p, CODE) for p in self._curated if _curated_code(p) == wanted]
        if self._world is not None:
            hits += [Candidate(self.world_place(i), CODE) for i in self._world.lookup_code(wanted)]
        return hits

    def world_place(self, i: int) -> Place:
        """Return place ``i`` of the world index."""
        place = self._places.get(i)
        if place is None:
            w = self._world
            assert w is not None
            kind = KIND_NAMES[int(w.kind[i])]
            gid = int(w.geonameid[i]) or None
            population = int(w.population[i]) or None
            if kind == "port" and gid:
                source = f"GeoNames {gid} ({HARBOUR_FEATURES.get(str(w.code[i]), 'port')})"
            elif kind == "port":
                check = float(w.check[i])
                agrees = (
                    f", named place {check:.1f} km away"
                    if not math.isnan(check)
                    else ", GeoNames places of the country nearby"
                )
                source = f"searoute port {w.code[i]}{agrees}"
                gid = None
            elif kind == "city":
                source = f"GeoNames {gid}"
            else:
                source = f"GeoNames {gid}" if gid else "CLDR country names"
            place = Place(
                name=w.name(i),
                lat=float(w.lat[i]),
                lon=float(w.lon[i]),
                countries=(str(w.country[i]),),
                kind=kind,
                source=source,
                population=population,
                geonameid=gid,
                capital=bool(w.capital[i]),
                admin1=str(w.admin1[i]),
                near_port=bool(w.near_port[i] or w.coastal[i]),
            )
            self._places[i] = place
        return place

    def suggest(
        self,
        name: str,
        *,
        country: str | None = None,
        near: Sequence[tuple[float, float]] = (),
        limit: int = 3,
    ) -> list[str]:
        """Return up to ``limit`` near spellings of ``name`` that the gazetteer knows.

        These are offered as "did you mean", never taken. Places whose name
        holds ``name`` as a word come first ("Anzali" → "Bandar-e Anzali"), then
        near spellings; within each, places near ``near`` (the data set's other
        places, as (lon, lat)) before the rest, then the more populous.
        """
        from rapidfuzz import fuzz, process

        key = fold(name)
        if not key:
            return []
        cc = country.upper() if country else None
        found: list[tuple[int, float, Place]] = []  # (rank, -score, place)
        if self._world is not None:
            for i in self._world.places_with_word(key):
                if cc is None or str(self._world.country[i]) == cc:
                    found.append((0, -100.0, self.world_place(i)))
        spread = max(1, len(key) // 4)
        pool: list[str] = [k for k in self._curated_keys if abs(len(k) - len(key)) <= spread]
        if self._world is not None:
            for n in range(len(key) - spread, len(key) + spread + 1):
                pool.extend(self._world.main_keys(n))
        world = self._world
        if world is not None:
            words: list[str] = []
            for n in range(len(key) - spread, len(key) + spread + 1):
                words.extend(world.word_keys(n))
            near_words = process.extract(key, words, scorer=fuzz.ratio, score_cutoff=80.0, limit=5)
            for word, score, _ in near_words:
                for i in world.places_with_word(word):
                    if cc is None or str(world.country[i]) == cc:
                        found.append((2, -float(score), self.world_place(i)))
        hits = process.extract(key, pool, scorer=fuzz.ratio, score_cutoff=80.0, limit=30)
        best = max((score for _, score, _ in hits), default=0.0)
        for k, score, _ in hits:
            if score < best - _SUGGESTION_SPREAD:
                continue
            for c in self.candidates(k, country=cc):
                if c.evidence == MAIN and not c.place.is_area:
                    found.append((1, -float(score), c.place))
        if near:
            found.sort(key=lambda f: (f[0], _near_rank(f[2], near), f[1], -(f[2].population or 0)))
        else:
            found.sort(key=lambda f: (f[0], f[1], -(f[2].population or 0)))
        out: list[str] = []
        for _, _, place in found:
            shown = _shown(place, name)
            if shown not in out:
                out.append(shown)
            if len(out) >= limit:
                break
        return out


# Letters that romanizations of one sound vary between: c, k and q; w and v; z
# and s; y, j and i; a silent or aspirating h ("Kh", "th", "sh").
_SOUND_ALIKE = str.maketrans(
    {"c": "k", "q": "k", "w": "v", "z": "s", "y": "i", "j": "i", "h": None}
)


def _letter_counts(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return how many letters of each text fall in each of ``_BINS`` bins, and each text's length.

    A letter's bin is its code point modulo ``_BINS``; the counts are an array
    of ``_BINS`` rows, one column a text. Two texts share (counting repeats) at
    most the sum over the bins of the smaller count.
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    of_text = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    counts = np.bincount(
        (points % _BINS).astype(np.int64) * len(texts) + of_text, minlength=_BINS * len(texts)
    ).reshape(_BINS, len(texts))
    dtype = np.uint8 if counts.size == 0 or counts.max() <= np.iinfo(np.uint8).max else np.uint32
    return counts.astype(dtype), lengths


def _sound(key: str) -> str:
    """Fold the letters of a folded name that romanizations of one sound vary between."""
    return key.replace("ph", "f").translate(_SOUND_ALIKE)


_CONSONANT_ALIKE = str.maketrans(
    {"p": "f", "b": "f", "c": "k", "q": "k", "z": "s", "x": "ks", **dict.fromkeys("aeiouywvh")}
)
_DOUBLED = re.compile(r"(.)\1+")


def _skeleton(key: str) -> str:
    """Return a folded name's consonants: vowels, w, v, y and h dropped, sound-alikes folded.

    Names in one consonant skeleton ("lnsk": الیانوسک, Ulyanovsk) may be one
    name written in two scripts; a key of fewer than :data:`_SKELETON_MIN_LENGTH`
    consonants says too little ("mdr": Madeira, Amadora).
    """
    return _DOUBLED.sub(r"\1", key.replace("ph", "f").translate(_CONSONANT_ALIKE))


@functools.cache
def _rapidfuzz() -> tuple[Any, Any]:
    """Return rapidfuzz's ``fuzz`` and ``process``, imported on first use."""
    from rapidfuzz import fuzz, process

    return fuzz, process


def _shown(place: Place, query: str) -> str:
    """Return the spelling to offer: a curated alias closest to what was typed, or the name."""
    if not place.curated:
        return place.name
    from rapidfuzz import fuzz

    key = fold(query)
    return max((place.name, *place.spellings), key=lambda s: fuzz.ratio(key, fold(s)))


def _near_rank(place: Place, near: Sequence[tuple[float, float]]) -> int:
    from shipmap.geo.geocode import distance_km

    d = min(distance_km(place.lat, place.lon, lat, lon) for lon, lat in near)
    return 0 if d <= 1000 else 1


def _curated_code(place: Place) -> str:
    words = place.source.split()
    return words[-1].upper() if len(words) >= 3 and words[1] == "port" else ""


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
        population = (row.get("population") or "").strip()
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
