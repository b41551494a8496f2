"""Corridors: at low zoom, legs that share a stretch are drawn as one line.

Thousands of sea legs follow the same few lanes; at a zoom that shows an ocean
their lines lie on top of each other and a reader sees one smear, its width
that of the widest leg. So for each zoom band of :data:`CORRIDOR_BANDS` the
legs are snapped to a grid of :data:`CELL_PX` pixels at that band's deepest
zoom (vertex clustering): each line is walked in steps of half a cell, every
cell it passes through becomes a node (of its mode: a sea lane is not merged
with a flight over it) placed at the mean of the points that fell in it, and
two cells passed one after the other become an edge. Legs that pass through
the same two cells share that edge, whichever way they travel.

The page draws every edge once, its width by the sum of the figures of the
legs through it that are shown (filters and the time control apply), and
opens, on a click, the summed figures and the largest legs of that stretch,
worked out from these tables when asked. From the zoom after the last band on,
it draws each leg.

The tables per band: the nodes' positions (zigzag deltas of Web Mercator
units, in the order the legs first reach them), the edges as pairs of nodes,
and per leg the sorted ids of the edges it passes (gaps between them, as
varints). Edges and nodes are numbered in the order the legs first pass them,
so that a leg's edges have nearby ids and the gaps stay small.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from shipmap.map.compact import QUANT_BITS, mercator_units, varint_bytes

__all__ = ["CELL_PX", "CORRIDOR_BANDS", "corridor_tables"]

#: Deepest zoom of each band drawn as corridors; deeper zooms draw every leg.
CORRIDOR_BANDS = (2, 4)
#: Grid cell side, in pixels at the band's deepest zoom.
CELL_PX = 8
#: Node positions are sent in steps of a cell divided by this.
GRAIN = 8


def _zigzag(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def _walk(
    x: np.ndarray, y: np.ndarray, owner: np.ndarray, step: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points along each line at most ``step`` apart (its vertices and points between)."""
    last = np.ones(len(x), dtype=bool)
    last[:-1] = owner[1:] != owner[:-1]
    nx = np.where(last, x, np.roll(x, -1))
    ny = np.where(last, y, np.roll(y, -1))
    length = np.hypot(nx - x, ny - y)
    k = np.where(last, 1, np.maximum(1, np.ceil(length / step))).astype(np.int64)
    at = np.repeat(np.arange(len(x)), k)
    j = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)
    t = j / k[at]
    return x[at] + t * (nx[at] - x[at]), y[at] + t * (ny[at] - y[at]), owner[at]


def _first_order(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ids for ``keys`` numbered in the order each key first occurs; and the unique keys."""
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[inverse.ravel()], uniq[order]


def _band(
    x: np.ndarray, y: np.ndarray, owner: np.ndarray, mode: np.ndarray, count: int, zoom: int
) -> dict[str, Any]:
    cell = CELL_PX * float(1 << QUANT_BITS) / (256.0 * 2.0**zoom)
    px, py, po = _walk(x, y, owner, cell / 2)
    cx = np.floor(px / cell).astype(np.int64) + (1 << 20)
    cy = np.floor(py / cell).astype(np.int64) + (1 << 20)
    key = (mode[po] << 42) | (cx << 21) | cy
    node, _ = _first_order(key)
    nodes = int(node.max()) + 1 if len(node) else 0
    # A node sits at the mean of the points that fell in its cell.
    n_pts = np.bincount(node, minlength=nodes)
    # Positions in eighths of a cell (a fraction of a pixel): nodes met one after
    # the other are neighbours, so their deltas fit a byte.
    grain = cell / GRAIN
    nx = np.rint(np.bincount(node, weights=px, minlength=nodes) / np.maximum(n_pts, 1) / grain)
    ny = np.rint(np.bincount(node, weights=py, minlength=nodes) / np.maximum(n_pts, 1) / grain)
    # Edges: one node to the next along a leg, either way round.
    step = (po[1:] == po[:-1]) & (node[1:] != node[:-1])
    a, b, leg = node[:-1][step], node[1:][step], po[1:][step]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    edge, pairs = _first_order(lo * max(nodes, 1) + hi)
    ea, eb = pairs // max(nodes, 1), pairs % max(nodes, 1)
    # Each leg's edges, once each, sorted.
    leg_edge = np.unique(leg * max(len(pairs), 1) + edge)
    lleg, ledge = leg_edge // max(len(pairs), 1), leg_edge % max(len(pairs), 1)
    per_leg = np.bincount(lleg, minlength=count).astype(np.int64)
    gaps = np.diff(ledge, prepend=0)
    starts = np.cumsum(per_leg) - per_leg
    gaps[starts[per_leg > 0]] = ledge[starts[per_leg > 0]]
    node_xy = np.column_stack([np.diff(nx, prepend=0), np.diff(ny, prepend=0)]).ravel()
    edge_ab = np.column_stack([np.diff(ea, prepend=0), eb - ea]).ravel()
    return {
        "zoom": zoom,
        "grain": grain,
        "nodes": nodes,
        "edges": len(pairs),
        "xy": varint_bytes(_zigzag(node_xy.astype(np.int64))),
        "ab": varint_bytes(_zigzag(edge_ab.astype(np.int64))),
        "n": per_leg.tolist(),
        "e": varint_bytes(gaps.astype(np.uint64)),
        "_edge_legs": (lleg, ledge),
    }


def corridor_tables(
    lines: Sequence[shapely.LineString],
    modes: Sequence[int],
    figures: np.ndarray,
) -> dict[str, Any]:
    """Work out the corridors of each zoom band, for legs ``lines`` of modes ``modes``.

    ``figures`` holds each leg's figure in the unit that sets line widths (NaN
    for none); each band gives ``top``, the largest sum over one edge, which
    the page's widths are scaled to.
    """
    geoms = np.asarray(list(lines), dtype=object)
    out: dict[str, Any] = {"cell": CELL_PX, "bits": QUANT_BITS, "bands": []}
    if not len(geoms):
        return out
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    x, y = mercator_units(coords[:, 0], coords[:, 1])
    mode = np.asarray(modes, dtype=np.int64)
    values = np.nan_to_num(np.asarray(figures, dtype=float), nan=0.0)
    for zoom in CORRIDOR_BANDS:
        band = _band(x.astype(float), y.astype(float), owner, mode, len(geoms), zoom)
        lleg, ledge = band.pop("_edge_legs")
        sums = np.bincount(ledge, weights=values[lleg], minlength=band["edges"])
        band["top"] = float(sums.max()) if len(sums) else 0.0
        out["bands"].append(band)
    return out
