"""Navigable passages: canals, straits, ship channels and river approaches.

The land masks sea routing steers by are rasters of about 460 m: a canal, a
ship channel or a river is narrower than a cell and comes out as land, so a
route through the Suez Canal or up the Don to Rostov would be refused. The
passages a ship takes there are kept as data (``data/passages.json``: a line
for each, its name, its kind and its source) and serve sea routing in two ways:

- they are *carved* into the land mask (:func:`carved_pixels`): the cells they
  cross count as water, so that a line through them is not taken for land;
- they form a small network (:class:`PassageNetwork`) that a port up a river
  or on a canal is joined to, and that links waters the sea does not (the
  Caspian Sea reaches the Sea of Azov only by the Volga and the Don).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = [
    "CASPIAN_BOX",
    "Passage",
    "PassageNetwork",
    "basin_of",
    "carved_pixels",
    "find_passage",
    "load_passages",
    "passage_network",
    "passages_digest",
]

Point = tuple[float, float]

#: The Caspian Sea, the one large body of sea water with no sea link to the
#: ocean (lon0, lat0, lon1, lat1); its water is told apart from the ocean's by it.
CASPIAN_BOX = (46.5, 36.4, 55.5, 47.6)

#: Spacing of the points a passage is cut into, in km.
_STEP_KM = 0.5
#: Passage ends closer than this to another passage are joined to it, in km.
_JOIN_KM = 3.0
#: Pixels per degree of the land masks (see :mod:`shipmap.routes.coastline`).
_PX_PER_DEG = 240


@dataclass(frozen=True)
class Passage:
    """One navigable passage: a line from its seaward end, with where it comes from."""

    id: str
    name: str
    kind: str
    source: str
    line: tuple[Point, ...]
    sea_ends: str = "both"
    aliases: tuple[str, ...] = ()

    @property
    def is_route(self) -> bool:
        """True for a sea route named by waypoints (``via`` only; not carved, not joined)."""
        return self.kind == "route"

    @property
    def gates(self) -> tuple[Point, ...]:
        """The ends that open onto the sea."""
        return {
            "both": (self.line[0], self.line[-1]),
            "first": (self.line[0],),
            "none": (),
        }[self.sea_ends]


def _fold(text: str) -> str:
    """Fold case, accents, spaces and punctuation (``'Volga–Don'`` -> ``'volgadon'``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def _passages_text() -> str:
    ref = resources.files("shipmap.routes") / "data" / "passages.json"
    return ref.read_text(encoding="utf-8")


@functools.cache
def passages_digest() -> str:
    """Return a short digest of the passage list (part of the route cache's key)."""
    return hashlib.sha256(_passages_text().encode("utf-8")).hexdigest()[:12]


@functools.cache
def load_passages() -> tuple[Passage, ...]:
    """Return the passages shipped with shipmap (read once per process)."""
    doc = json.loads(_passages_text())
    out = []
    for item in doc["passages"]:
        line = tuple((float(x), float(y)) for x, y in item["line"])
        out.append(
            Passage(
                id=str(item["id"]),
                name=str(item["name"]),
                kind=str(item["kind"]),
                source=str(item["source"]),
                line=line,
                sea_ends=str(item.get("sea_ends", "both")),
                aliases=tuple(str(a) for a in item.get("aliases", ())),
            )
        )
    return tuple(out)


def find_passage(name: str) -> Passage | None:
    """Return the passage called ``name`` (its id, name or an alias, loosely), or None."""
    key = _fold(name)
    if not key:
        return None
    for passage in load_passages():
        if key in {_fold(passage.id), _fold(passage.name), *map(_fold, passage.aliases)}:
            return passage
    return None


def basin_of(point: Point) -> str:
    """Return which connected sea a water point lies in: ``"caspian"`` or ``"ocean"``."""
    lon0, lat0, lon1, lat1 = CASPIAN_BOX
    lon = (point[0] + 180.0) % 360.0 - 180.0
    return "caspian" if lon0 <= lon <= lon1 and lat0 <= point[1] <= lat1 else "ocean"


def _km(lons: np.ndarray, lats: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Equirectangular distances in km (good within a few hundred km)."""
    dlon = (np.asarray(lons) - lon0 + 180.0) % 360.0 - 180.0
    x = dlon * math.cos(math.radians(lat0)) * 111.32
    y = (np.asarray(lats) - lat0) * 111.2
    return np.asarray(np.hypot(x, y))


def _densify(line: Sequence[Point], step_km: float) -> np.ndarray:
    """Return the line's points with extra ones every ``step_km`` (straight in lon/lat)."""
    pts = [np.asarray(line[0], dtype=float)[None, :]]
    for a, b in itertools.pairwise(line):
        d = float(_km(np.array([b[0]]), np.array([b[1]]), a[0], a[1])[0])
        n = max(math.ceil(d / step_km), 1)
        t = np.arange(1, n + 1)[:, None] / n
        pts.append(np.asarray(a) * (1 - t) + np.asarray(b) * t)
    return np.concatenate(pts)


@functools.cache
def carved_pixels() -> np.ndarray:
    """Return the sorted keys of the land-mask pixels the passages make water.

    Each passage is cut into points a tenth of a pixel apart; the pixel of each
    point and its eight neighbours are carved (a channel about three cells wide).
    A key is ``column * rows + row`` in the masks' 15″ grid.
    """
    cols, rows = 360 * _PX_PER_DEG, 180 * _PX_PER_DEG
    keys = []
    for passage in load_passages():
        if passage.is_route:
            continue
        pts = _densify(passage.line, 0.05)
        px = np.floor(pts[:, 0] * _PX_PER_DEG + 0.5).astype(np.int64)
        py = np.floor(pts[:, 1] * _PX_PER_DEG + 0.5).astype(np.int64) + rows // 2
        for ox in (-1, 0, 1):
            for oy in (-1, 0, 1):
                keys.append(((px + ox) % cols) * rows + np.clip(py + oy, 0, rows - 1))
    if not keys:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(keys))


@dataclass(frozen=True)
class Access:
    """How a point reaches a gate of the passage network.

    ``path`` runs from the point's nearest passage point to the gate ``gate``
    (both included); ``km`` is its length.
    """

    gate: Point
    path: tuple[Point, ...]
    km: float
    passages: tuple[str, ...]


class PassageNetwork:
    """The passages as one graph: their points, joined where passages meet.

    A *gate* is a passage end that opens onto the sea (the land mask has open
    water there): where a route leaves the network for the sea.
    """

    def __init__(self, passages: Sequence[Passage]) -> None:
        from scipy.sparse import coo_matrix

        passages = [p for p in passages if not p.is_route]

        pts: list[np.ndarray] = []
        owner: list[np.ndarray] = []
        ends: list[tuple[int, int]] = []
        start = 0
        for i, passage in enumerate(passages):
            p = _densify(passage.line, _STEP_KM)
            pts.append(p)
            owner.append(np.full(len(p), i))
            ends.append((start, start + len(p) - 1))
            start += len(p)
        self.passages = tuple(passages)
        self.points = np.concatenate(pts) if pts else np.zeros((0, 2))
        self.owner = np.concatenate(owner) if owner else np.zeros(0, dtype=int)
        n = len(self.points)
        rows, cols, w = [], [], []
        for first, last in ends:
            idx = np.arange(first, last)
            d = _seg_km(self.points[idx], self.points[idx + 1])
            rows.append(idx)
            cols.append(idx + 1)
            w.append(d)
        # a passage end near another passage joins it at its nearest point
        for i, (first, last) in enumerate(ends):
            for e in (first, last):
                lon, lat = self.points[e]
                d = _km(self.points[:, 0], self.points[:, 1], lon, lat)
                d[self.owner == i] = np.inf
                j = int(np.argmin(d)) if n else -1
                if j >= 0 and d[j] <= _JOIN_KM:
                    rows.append(np.array([e]))
                    cols.append(np.array([j]))
                    w.append(np.array([max(float(d[j]), 1e-3)]))
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=int)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=int)
        ww = np.concatenate(w) if w else np.zeros(0)
        self.graph = coo_matrix(
            (np.concatenate([ww, ww]), (np.concatenate([r, c]), np.concatenate([c, r]))),
            shape=(n, n),
        ).tocsr()
        gates = {
            {"both": (first, last), "first": (first,), "none": ()}[p.sea_ends]
            for p, (first, last) in zip(passages, ends, strict=True)
        }
        self.gates = np.array(sorted({g for pair in gates for g in pair}), dtype=np.int64)

    def is_gate(self, point: Point) -> bool:
        """Return True if ``point`` is (within metres of) a gate of the network."""
        if not self.gates.size:
            return False
        d = _km(self.points[self.gates, 0], self.points[self.gates, 1], point[0], point[1])
        return bool(d.min() < 0.01)

    def nearest(self, point: Point) -> tuple[int, float]:
        """Return the index of the passage point nearest ``point`` and its distance in km."""
        d = _km(self.points[:, 0], self.points[:, 1], point[0], point[1])
        i = int(np.argmin(d))
        return i, float(d[i])

    def accesses(self, index: int) -> list[Access]:
        """Return, for each gate reachable from passage point ``index``, the way there."""
        from scipy.sparse.csgraph import dijkstra

        dist, pred = dijkstra(self.graph, indices=index, return_predecessors=True)
        out = []
        for g in self.gates.tolist():
            if not np.isfinite(dist[g]):
                continue
            chain = [g]
            while chain[-1] != index:
                chain.append(int(pred[chain[-1]]))
            chain.reverse()
            names = tuple(dict.fromkeys(self.passages[self.owner[k]].id for k in chain))
            path = self._simplify(chain)
            out.append(Access(path[-1], path, float(dist[g]), names))
        return out

    def inland(self, a: int, b: int) -> tuple[tuple[Point, ...], float] | None:
        """Return the way along passages from point ``a`` to point ``b``, or None."""
        from scipy.sparse.csgraph import dijkstra

        dist, pred = dijkstra(self.graph, indices=a, return_predecessors=True)
        if not np.isfinite(dist[b]):
            return None
        chain = [b]
        while chain[-1] != a:
            chain.append(int(pred[chain[-1]]))
        chain.reverse()
        return self._simplify(chain), float(dist[b])

    def _simplify(self, chain: list[int]) -> tuple[Point, ...]:
        """Return the points of a chain, dropping those that add nothing (< 20 m off)."""
        from shapely.geometry import LineString

        pts = self.points[chain]
        if len(pts) < 3:
            return tuple((float(x), float(y)) for x, y in pts)
        line = LineString(pts).simplify(0.0002, preserve_topology=False)
        return tuple((float(x), float(y)) for x, y in line.coords)


def _seg_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lat = np.radians((a[:, 1] + b[:, 1]) / 2.0)
    dlon = (b[:, 0] - a[:, 0] + 180.0) % 360.0 - 180.0
    return np.asarray(np.hypot(dlon * np.cos(lat) * 111.32, (b[:, 1] - a[:, 1]) * 111.2))


@functools.cache
def passage_network() -> PassageNetwork:
    """Return the network of the shipped passages (built once per process)."""
    return PassageNetwork(load_passages())
