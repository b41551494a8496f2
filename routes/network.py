"""Rail and road legs along OpenStreetMap's railways and roads, offline.

The networks come from the ``scgraph-data`` package (world railways and world
highways, built from OpenStreetMap; ODbL). Its modules are plain Python literals
that import ``scgraph.core``, which newer scgraph releases no longer have, so they
are never imported: their text is read and parsed once into arrays, components
whose loose ends lie within :data:`JOIN_KM` of each other are joined, every node
is given its country (Natural Earth), and the result is kept in the cache folder
as an NPZ file (no pickles), checked before use. Nothing is downloaded.

A leg is routed stretch by stretch, from each stop to the next, by the shortest
path (Dijkstra, scipy) over the part of the network that lies in the countries of
the leg's places. A stretch is drawn as a schematic geodesic instead, and says
why, when the network does not join its stops there, when the path is more than
:data:`MAX_DETOUR` times the straight line, or when it still passes a country
none of the leg's places is in. A stop farther than :data:`SNAP_KM` from the
network reaches it by a schematic connector.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import io
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry
from shipmap.geo.countries import Countries, countries
from shipmap.routes.geodesic import DEFAULT_SPACING_KM, GEOD, unwrap_lons

from shipmap.cache import read_entry, write_entry
from shipmap.errors import ShipmapError
from shipmap.packaged import installed_files

if TYPE_CHECKING:  # scipy is imported where a network is built or searched: a build
    # whose routes all come from the cache never pays for it
    from scipy.sparse import csr_matrix
    from scipy.spatial import cKDTree

__all__ = [
    "JOIN_KM",
    "KINDS",
    "MAX_DETOUR",
    "ROUTING_VERSION",
    "SNAP_KM",
    "Network",
    "Piece",
    "Route",
    "load_network",
    "network_source",
    "network_version",
    "prepare_network",
    "route_stops",
    "stop_countries",
]

#: The network each mode routes on, by scgraph-data module.
KINDS = {"rail": "world_railways", "road": "world_highways"}
#: How messages speak of each network: (adjective, a line of it).
_WORDS = {"rail": ("rail", "rail line"), "road": ("road", "road")}

#: Loose ends of two components closer than this (km) are joined.
JOIN_KM = 5.0
#: A stop farther than this (km) from its nearest node reaches it by a schematic connector.
SNAP_KM = 10.0
#: A stop farther than this (km) from the network is not joined to it at all.
MAX_SNAP_KM = 150.0
#: A path longer than this many times the straight line (plus :data:`DETOUR_SLACK_KM`)
#: is not believed: the stretch is drawn schematic. Real lines do wind: the
#: Trans-Siberian round Lake Baikal (Irkutsk to Ulan-Ude) is 1.96 times the straight
#: line, and 1.6 marked a fifth of 100 random city pairs schematic (bench_network).
MAX_DETOUR = 2.0
DETOUR_SLACK_KM = 10.0
#: Length (km) a path may run in a country that none of the leg's places is in
#: before the stretch is drawn schematic: the 1:10m borders are drawn this far off.
BORDER_TOLERANCE_KM = 3.0

#: Changes whenever the prepared network would differ (format, joins, countries).
FORMAT_VERSION = "network-1"
#: Changes whenever routing would draw a different line; part of the leg cache key.
ROUTING_VERSION = f"{FORMAT_VERSION}/route-1"

_EARTH_KM = 6371.0088
#: Largest prepared network read back from the cache, in bytes (roads: about 16 MB).
_NPZ_MAX_BYTES = 200_000_000
#: Times a stretch is routed again around edges that cut across a foreign country.
_MAX_RETRIES = 4

Point = tuple[float, float]
Progress = Callable[[str], None]


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, eq=False)
class Network:
    """A routable network: nodes (lon, lat, country) and undirected edges (km).

    ``joined`` marks the edges added between components; ``codes`` names the
    country indices of ``country`` (-1: in no country, e.g. a quay offshore).
    """

    kind: str
    lon: np.ndarray
    lat: np.ndarray
    country: np.ndarray
    codes: tuple[str, ...]
    src: np.ndarray
    dst: np.ndarray
    km: np.ndarray
    joined: np.ndarray
    _masked: dict[frozenset[str], tuple[csr_matrix, np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False
    )

    @property
    def size(self) -> tuple[int, int]:
        """Number of nodes and of edges."""
        return len(self.lon), len(self.src)

    @functools.cached_property
    def _tree(self) -> cKDTree:
        from scipy.spatial import cKDTree

        return cKDTree(_unit(self.lon, self.lat))

    def restricted(self, allowed: frozenset[str]) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
        """Graph of the edges within ``allowed`` countries, its node mask and components."""
        if allowed not in self._masked:
            from scipy.sparse import csr_matrix
            from scipy.sparse.csgraph import connected_components

            idx = [i for i, c in enumerate(self.codes) if c in allowed]
            ok = np.isin(self.country, idx) | (self.country < 0)
            keep = ok[self.src] & ok[self.dst]
            s, d, w = self.src[keep], self.dst[keep], self.km[keep].astype(np.float64)
            n = len(self.lon)
            graph = csr_matrix((np.r_[w, w], (np.r_[s, d], np.r_[d, s])), shape=(n, n))
            _, labels = connected_components(graph, directed=False)
            self._masked[allowed] = (graph, ok, labels)
        return self._masked[allowed]

    def nearest(self, point: Point, ok: np.ndarray) -> tuple[int, float]:
        """Nearest node to ``point`` among those ``ok`` marks, and its distance in km."""
        target = _unit(np.array([point[0]]), np.array([point[1]]))[0]
        dist, idx = self._tree.query(target, k=32)
        for d, i in zip(np.atleast_1d(dist), np.atleast_1d(idx), strict=True):
            if i < len(ok) and ok[i]:
                return int(i), _chord_km(float(d))
        cand = np.flatnonzero(ok)
        if cand.size == 0:
            return -1, math.inf
        km = _haversine(point[0], point[1], self.lon[cand], self.lat[cand])
        j = int(np.argmin(km))
        return int(cand[j]), float(km[j])


@dataclass(frozen=True)
class Piece:
    """Part of a routed leg: traced along the network, or schematic (with the reason)."""

    coords: tuple[Point, ...]
    schematic: bool
    #: Length in km: along the network's edges where traced, else the geodesic.
    km: float
    reason: str = ""
    #: Names of the stops the piece lies between.
    stretch: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class Route:
    """A leg drawn along a network, piece by piece."""

    pieces: tuple[Piece, ...]

    @property
    def method(self) -> str:
        """``network`` when any of it is traced, else ``schematic``."""
        return "network" if any(not p.schematic for p in self.pieces) else "schematic"

    @property
    def schematic(self) -> tuple[Piece, ...]:
        """The schematic pieces."""
        return tuple(p for p in self.pieces if p.schematic)

    @property
    def length_km(self) -> float:
        """Length of the leg: network kilometres where traced, geodesic where schematic."""
        return float(sum(p.km for p in self.pieces))

    def lines(self) -> list[np.ndarray]:
        """Each piece as (lon, lat) vertices, densified, all unwrapped alike (continuous)."""
        coords = [np.asarray(p.coords, dtype=float) for p in self.pieces]
        flat = np.concatenate(coords)
        lons = unwrap_lons(flat[:, 0])
        out: list[np.ndarray] = []
        at = 0
        for part in coords:
            piece = np.c_[lons[at : at + len(part)], part[:, 1]]
            at += len(part)
            out.append(_densify(piece))
        return out

    def line(self) -> LineString:
        """Return the whole leg as one densified, continuous line (longitudes unwrapped)."""
        parts = self.lines()
        joined = np.concatenate([parts[0], *(p[1:] for p in parts[1:])])
        return LineString(joined if len(joined) > 1 else np.r_[joined, joined])

    def schematic_lines(self) -> MultiLineString | None:
        """Return the schematic pieces as one MultiLineString, unwrapped like :meth:`line`."""
        parts = [ln for ln, p in zip(self.lines(), self.pieces, strict=True) if p.schematic]
        return MultiLineString([ln for ln in parts if len(ln) > 1]) if parts else None

    def to_json(self) -> dict[str, Any]:
        """Plain data for a cache file."""
        return {
            "pieces": [
                {
                    "coords": [list(c) for c in p.coords],
                    "schematic": p.schematic,
                    "km": p.km,
                    "reason": p.reason,
                    "stretch": list(p.stretch),
                }
                for p in self.pieces
            ]
        }

    @classmethod
    def from_json(cls, data: Any) -> Route:
        """Read :meth:`to_json`'s data back; raises ValueError, KeyError or TypeError if damaged."""
        pieces = []
        for p in data["pieces"]:
            coords = tuple((float(x), float(y)) for x, y in p["coords"])
            a, b = (str(v) for v in p["stretch"])
            if len(coords) < 2 or not all(math.isfinite(v) for c in coords for v in c):
                raise ValueError("bad piece")
            pieces.append(
                Piece(coords, bool(p["schematic"]), float(p["km"]), str(p["reason"]), (a, b))
            )
        if not pieces:
            raise ValueError("no pieces")
        return cls(tuple(pieces))


def _densify(coords: np.ndarray, spacing_km: float = DEFAULT_SPACING_KM) -> np.ndarray:
    """Insert geodesic points where vertices lie farther apart than ``spacing_km``."""
    if len(coords) < 2:
        return coords
    _, _, dist = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    dist = np.asarray(dist) / 1000.0
    long_ones = np.flatnonzero(dist > spacing_km)
    if long_ones.size == 0:
        return coords
    parts: list[np.ndarray] = []
    start = 0
    for i in long_ones:
        parts.append(coords[start : i + 1])
        n = math.ceil(dist[i] / spacing_km) - 1
        (x0, y0), (x1, y1) = coords[i], coords[i + 1]
        mid = np.asarray(GEOD.npts(x0, y0, x1, y1, n), dtype=float).reshape(-1, 2)
        parts.append(mid)
        start = int(i) + 1
    parts.append(coords[start:])
    out = np.concatenate(parts)
    return np.column_stack([unwrap_lons(out[:, 0]), out[:, 1]])


# --------------------------------------------------------------------- preparing


def network_source(kind: str) -> Path:
    """Path of the scgraph-data module that holds the network of ``kind``.

    Raises
    ------
    ShipmapError
        When the package is not installed.
    """
    if kind not in KINDS:
        raise ShipmapError(f"no {kind!r} network; known: {', '.join(KINDS)}")
    needed_by = f"the {kind} network needs"
    return installed_files("scgraph_data", [f"{KINDS[kind]}.py"], needed_by=needed_by)[0]


def _source_stamp(kind: str) -> str:
    path = network_source(kind)
    try:
        version = importlib.metadata.version("scgraph_data")
    except importlib.metadata.PackageNotFoundError:
        version = "?"
    return f"{FORMAT_VERSION};scgraph-data {version};{path.stat().st_size}"


def _parse(text: bytes, source: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parse a scgraph-data module: ``graph=[{j: km, ...}, ...]`` and ``nodes=[[lat, lon], ...]``.

    Returns the nodes' longitudes and latitudes and the undirected edges (i < j).
    """
    try:
        g0 = text.index(b"graph=")
        n0 = text.index(b"nodes=")
        graph = text[g0 + 6 : text.index(b"\n", g0)]
        nodes = text[n0 + 6 : text.index(b"\n", n0)]
        latlon = _numbers(nodes).reshape(-1, 2)
        raw = np.frombuffer(graph, dtype=np.uint8)
        opens = np.flatnonzero(raw == ord("{"))
        colons = np.flatnonzero(raw == ord(":"))
        numbers = _numbers(graph)
    except ValueError as err:
        raise ShipmapError(f"cannot read the network in {source}: {err}") from err
    n = len(latlon)
    if numbers.size != 2 * colons.size or opens.size != n:
        raise ShipmapError(f"cannot read the network in {source}: unexpected layout")
    src = np.searchsorted(opens, colons, side="right") - 1
    dst = numbers[0::2].astype(np.int64)
    km = numbers[1::2]
    keep = (src < dst) & (dst < n) & np.isfinite(km) & (km >= 0)
    src, dst, km = src[keep], dst[keep], km[keep]
    # One edge per pair of nodes, the shortest.
    order = np.lexsort((km, dst, src))
    src, dst, km = src[order], dst[order], km[order]
    first = np.r_[True, (np.diff(src) != 0) | (np.diff(dst) != 0)]
    return latlon[:, 1].copy(), latlon[:, 0].copy(), np.c_[src[first], dst[first]], km[first]


def _numbers(literal: bytes) -> np.ndarray:
    """Every number in a Python list or dict literal, in order (pandas' C parser: fast)."""
    import pandas as pd

    lines = literal.translate(bytes.maketrans(b"{}:,[] ", b"\n" * 7))
    frame = pd.read_csv(
        io.BytesIO(lines), header=None, names=["v"], dtype=np.float64, skip_blank_lines=True
    )
    return np.asarray(frame["v"].to_numpy(), dtype=np.float64)


def _join(
    lon: np.ndarray, lat: np.ndarray, edges: np.ndarray, km: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Edges joining each loose end to the nearest node of another component within JOIN_KM."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(lon)
    graph = csr_matrix((km, (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    degree = np.bincount(edges.ravel(), minlength=n)
    ends = np.flatnonzero(degree <= 1)
    tree = cKDTree(_unit(lon, lat))
    _, idx = tree.query(_unit(lon[ends], lat[ends]), k=16, distance_upper_bound=JOIN_KM / _EARTH_KM)
    other = (idx < n) & (labels[np.minimum(idx, n - 1)] != labels[ends][:, None])
    has = other.any(axis=1)
    pick = idx[has, np.argmax(other[has], axis=1)]
    a = ends[has]
    pairs = np.sort(np.c_[a, pick], axis=1)
    pairs = np.unique(pairs, axis=0)
    lengths = _haversine(lon[pairs[:, 0]], lat[pairs[:, 0]], lon[pairs[:, 1]], lat[pairs[:, 1]])
    return pairs, lengths


def prepare_network(kind: str, *, progress: Progress | None = None) -> Network:
    """Read, join and locate the network of ``kind`` from the installed package (no cache)."""
    say = progress or (lambda _msg: None)
    source = network_source(kind)
    say(f"reading the OpenStreetMap {kind} network")
    lon, lat, edges, km = _parse(source.read_bytes(), str(source))
    say(f"joining the {kind} network's loose ends")
    joins, join_km = _join(lon, lat, edges, km)
    say("locating its nodes in countries")
    world = countries()
    return Network(
        kind=kind,
        lon=lon.astype(np.float32).astype(np.float64),
        lat=lat.astype(np.float32).astype(np.float64),
        country=world.index_at(lon, lat),
        codes=world.codes,
        src=np.r_[edges[:, 0], joins[:, 0]].astype(np.int32),
        dst=np.r_[edges[:, 1], joins[:, 1]].astype(np.int32),
        km=np.r_[km, join_km].astype(np.float32),
        joined=np.r_[np.zeros(len(km), bool), np.ones(len(join_km), bool)],
    )


# ------------------------------------------------------------------------- cache


def _cache_file(folder: Path, kind: str) -> Path:
    return folder / f"{kind}.npz"


def _save(network: Network, path: Path, stamp: str) -> None:
    buffer = io.BytesIO()
    np.savez(
        buffer,
        stamp=np.array(stamp),
        lon=network.lon.astype(np.float32),
        lat=network.lat.astype(np.float32),
        country=network.country.astype(np.int16),
        codes=np.array(network.codes, dtype="<U8"),
        src=network.src,
        dst=network.dst,
        km=network.km,
        joined=network.joined,
    )
    write_entry(path.parent, path.name, buffer.getvalue())  # a failed write costs time only


def _load(path: Path, kind: str, stamp: str) -> Network | None:
    """Read the cached network; None when it is missing, stale or damaged."""
    raw = read_entry(path.parent, path.name, max_bytes=_NPZ_MAX_BYTES)
    if raw is None:
        return None
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            if str(z["stamp"]) != stamp:
                return None
            lon = z["lon"].astype(np.float64)
            lat = z["lat"].astype(np.float64)
            country = z["country"]
            codes = tuple(str(c) for c in z["codes"])
            src, dst, km, joined = z["src"], z["dst"], z["km"], z["joined"]
    except (OSError, KeyError, ValueError, EOFError):
        return None
    n, m = len(lon), len(src)
    ok = (
        n > 0
        and len(lat) == n
        and len(country) == n
        and len(dst) == m
        and len(km) == m
        and len(joined) == m
        and src.dtype == np.int32
        and dst.dtype == np.int32
        and country.dtype == np.int16
        and joined.dtype == np.bool_
        and bool(np.all((src >= 0) & (src < n) & (dst >= 0) & (dst < n)))
        and bool(np.all(np.isfinite(km) & (km >= 0)))
        and bool(np.all((country >= -1) & (country < len(codes))))
        and bool(np.all(np.abs(lat) <= 90) & np.all(np.abs(lon) <= 180))
    )
    if not ok:
        return None
    return Network(kind, lon, lat, country, codes, src, dst, km, joined)


#: The in-process cache of networks already loaded, by kind, cache folder and
#: source stamp: one of each kind at most (documented module state).
_LOADED: dict[tuple[str, Path | None, str], Network] = {}


def load_network(kind: str, *, cache_dir: Path | None, progress: Progress | None = None) -> Network:
    """Return the network of ``kind``: from the cache when it holds a good copy, else prepared.

    Parameters
    ----------
    kind
        ``rail`` or ``road``.
    cache_dir
        Folder of the network cache (``shipmap.cache.cache_dir("networks")``); None
        prepares the network afresh in every process.
    progress
        Told what is being done when the network has to be prepared.
    """
    stamp = _source_stamp(kind)
    key = (kind, cache_dir, stamp)
    if key not in _LOADED:
        path = _cache_file(cache_dir, kind) if cache_dir is not None else None
        network = _load(path, kind, stamp) if path is not None else None
        if network is None:
            network = prepare_network(kind, progress=progress)
            if path is not None:
                _save(network, path, stamp)
        for old in [k for k in _LOADED if k[0] == kind]:
            del _LOADED[old]  # one network of each kind at most
        _LOADED[key] = network
    return _LOADED[key]


# ----------------------------------------------------------------------- routing


def network_version(kind: str) -> str:
    """Return what a routed leg depends on besides its stops: the routing and the data."""
    return f"{ROUTING_VERSION};{_source_stamp(kind)}"


def stop_countries(point: Point) -> set[str]:
    """Codes of the country a stop is in (off a coast: the nearest within 20 km)."""
    return {str(c) for c in countries().codes_at(point[0], point[1])}


def _unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _chord_km(chord: float) -> float:
    return 2.0 * _EARTH_KM * math.asin(min(chord / 2.0, 1.0))


def _haversine(
    lon1: float | np.ndarray,
    lat1: float | np.ndarray,
    lon2: np.ndarray | float,
    lat2: np.ndarray | float,
) -> np.ndarray:
    lo1, la1, lo2, la2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return np.asarray(2.0 * _EARTH_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0))), dtype=float)


def _km(a: Point, b: Point) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0


def _path_km(coords: Sequence[Point]) -> float:
    return sum(_km(a, b) for a, b in itertools.pairwise(coords))


def route_stops(
    network: Network,
    stops: Sequence[Point],
    names: Sequence[str],
    *,
    countries_allowed: set[str] | frozenset[str],
    world: Countries | None = None,
) -> Route:
    """Route through ``stops`` in order along ``network``.

    Parameters
    ----------
    network
        The rail or road network.
    stops
        (lon, lat) of the origin, the via places and the destination.
    names
        Their names, used in the reasons given for schematic pieces.
    countries_allowed
        Codes of the countries the leg's places are in: the path keeps to them.
    world
        Country borders (Natural Earth) for the final check; loaded when omitted.
    """
    world = world or countries()
    allowed = frozenset(countries_allowed)
    pieces: list[Piece] = []
    for (a, b), stretch in zip(itertools.pairwise(stops), itertools.pairwise(names), strict=True):
        pieces.extend(_route_stretch(network, a, b, stretch, allowed, world))
    return Route(tuple(_merge(pieces)))


def _merge(pieces: list[Piece]) -> list[Piece]:
    """Join neighbouring traced pieces into one."""
    out: list[Piece] = []
    for p in pieces:
        if out and not p.schematic and not out[-1].schematic:
            last = out[-1]
            stretch = (last.stretch[0], p.stretch[1])
            out[-1] = Piece(last.coords + p.coords[1:], False, last.km + p.km, "", stretch)
        else:
            out.append(p)
    return out


def _route_stretch(
    network: Network,
    a: Point,
    b: Point,
    stretch: tuple[str, str],
    allowed: frozenset[str],
    world: Countries,
) -> list[Piece]:
    """Pieces from stop ``a`` to stop ``b``: traced where the network allows, else schematic."""
    from scipy.sparse.csgraph import dijkstra

    adjective, word = _WORDS.get(network.kind, (network.kind, network.kind))
    name_a, name_b = stretch
    straight = _km(a, b)

    def schematic(reason: str) -> list[Piece]:
        return [Piece((a, b), True, straight, reason, stretch)]

    graph, ok, labels = network.restricted(allowed)
    ia, da = network.nearest(a, ok)
    ib, db = network.nearest(b, ok)
    for name, d in ((name_a, da), (name_b, db)):
        if d > MAX_SNAP_KM:
            return schematic(f"{name} is more than {MAX_SNAP_KM:.0f} km from any {word}")
    where = _within(allowed, world)
    if labels[ia] != labels[ib]:
        return schematic(f"no {word} joins {name_a} and {name_b}{where}")
    limit = MAX_DETOUR * straight + DETOUR_SLACK_KM
    foreign: list[str] = []
    for _ in range(_MAX_RETRIES):
        dist, pred = dijkstra(
            graph, directed=False, indices=ia, return_predecessors=True, limit=limit
        )
        total = da + float(dist[ib]) + db
        if not math.isfinite(total) or total > limit:
            if foreign:
                break  # the detours that avoid the foreign country are too long
            return schematic(
                f"the shortest {adjective} path{where} is more than {MAX_DETOUR:g} times "
                f"the straight line ({straight:,.0f} km)"
            )
        path = [ib]
        while path[-1] != ia:
            path.append(int(pred[path[-1]]))
        path.reverse()
        # A long, simplified edge between two nodes of the leg's countries may
        # still cut across another: leave such edges out and route again.
        bad, foreign = _foreign_edges(network, path, allowed, world)
        if not foreign or not bad:
            break
        graph = _without(graph, bad)
    if foreign:
        names = ", ".join(world.name_of(c) for c in foreign)
        return schematic(
            f"the shortest {adjective} path passes {names}, where none of the leg's places is"
        )
    nodes = tuple((float(network.lon[i]), float(network.lat[i])) for i in path)
    pieces: list[Piece] = []
    traced: list[Point] = list(nodes)
    km = float(dist[ib])
    if da > SNAP_KM:
        reason = f"{name_a} is {da:,.0f} km from the nearest {word}"
        pieces.append(Piece((a, nodes[0]), True, da, reason, stretch))
    else:
        traced.insert(0, a)
        km += da
    last: list[Piece] = []
    if db > SNAP_KM:
        reason = f"{name_b} is {db:,.0f} km from the nearest {word}"
        last.append(Piece((nodes[-1], b), True, db, reason, stretch))
    else:
        traced.append(b)
        km += db
    if len(traced) > 1:
        pieces.append(Piece(tuple(traced), False, km, "", stretch))
    pieces.extend(last)
    return [p for p in pieces if len(p.coords) > 1]


def _foreign_edges(
    network: Network, path: list[int], allowed: frozenset[str], world: Countries
) -> tuple[list[tuple[int, int]], list[str]]:
    """Edges of ``path`` that run more than the tolerance through a foreign country.

    Returns those edges and the codes of the countries the whole path passes for
    more than the tolerance.
    """
    if len(path) < 2:
        return [], []
    idx = np.asarray(path)
    segments = shapely.linestrings(
        np.stack(
            [
                np.c_[network.lon[idx[:-1]], network.lat[idx[:-1]]],
                np.c_[network.lon[idx[1:]], network.lat[idx[1:]]],
            ],
            axis=1,
        )
    )
    seg_i, geom_i = world.tree.query(segments)  # bounding boxes only: cheap
    foreign = np.array([world.codes[int(g)] not in allowed for g in geom_i], dtype=bool)
    seg_i, geom_i = seg_i[foreign], geom_i[foreign]
    for g in np.unique(geom_i):
        shapely.prepare(world.geometries[int(g)])
    hits = shapely.intersects(world.geometries[geom_i], segments[seg_i])  # prepared first
    per_country: dict[str, float] = {}
    bad: list[tuple[int, int]] = []
    for s, g in zip(seg_i[hits], geom_i[hits], strict=True):
        code = world.codes[int(g)]
        km = _line_km(shapely.intersection(segments[s], world.geometries[int(g)]))
        per_country[code] = per_country.get(code, 0.0) + km
        if km > BORDER_TOLERANCE_KM:
            bad.append((int(idx[s]), int(idx[s + 1])))
    return bad, sorted(c for c, km in per_country.items() if km > BORDER_TOLERANCE_KM)


def _line_km(geom: BaseGeometry) -> float:
    """Geodesic length in km of the lines in ``geom``."""
    return sum(
        _path_km(list(part.coords))
        for part in getattr(geom, "geoms", [geom])
        if part.geom_type == "LineString" and not part.is_empty
    )


def _without(graph: csr_matrix, edges: list[tuple[int, int]]) -> csr_matrix:
    """Return a copy of ``graph`` without ``edges`` (both directions)."""
    out = graph.copy()
    for i, j in edges:
        for u, v in ((i, j), (j, i)):
            lo, hi = out.indptr[u], out.indptr[u + 1]
            hit = np.flatnonzero(out.indices[lo:hi] == v)
            out.data[lo + hit] = np.inf
    return out


def _within(allowed: frozenset[str], world: Countries) -> str:
    names = sorted(str(world.name_of(c)) for c in allowed)
    if not names:
        return ""
    return " within " + (
        names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    )
