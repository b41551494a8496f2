"""Compact leg geometry for maps with many legs.

A page with thousands of legs cannot carry them as GeoJSON: coordinates would
be most of its bytes, and the browser would project every vertex again at each
zoom. Here every line is projected once to Web Mercator, quantised to a grid of
2^22 units around the world (one unit is a pixel at zoom 14, under 10 m at the
equator, finer than the coastline a sea route is drawn on), simplified,
delta-encoded and written as variable-length integers (bytes, which the page
carries deflated beside its tables); the page decodes them into typed arrays and
draws them on a canvas.

Simplification is Douglas–Peucker in pixels: the full line keeps every vertex
that moves it by more than half a pixel at zoom :data:`FULL_ZOOM`, and each zoom
band keeps the vertices that matter at its deepest zoom (a subset of the full
line's, given as indices into it). A band's line is never more than half a
pixel from the full line at any zoom the band is drawn at, so a sea leg that
keeps to the water stays on it as far as a reader can see.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

__all__ = [
    "BANDS",
    "FULL_ZOOM",
    "QUANT_BITS",
    "encode_lines",
    "encode_points",
    "mercator_units",
    "varint_base64",
    "varint_bytes",
]

#: The world is 2**QUANT_BITS units wide (and high) in Web Mercator.
QUANT_BITS = 22
#: Deepest zoom at which the full line is within half a pixel of the drawn one.
FULL_ZOOM = 12
#: Deepest zoom of each simplified band; deeper zooms draw the full line.
BANDS = (3, 6, 9)
#: Leaflet's Web Mercator stops at this latitude.
_MAX_LAT = 85.0511287798


def mercator_units(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project (lon, lat) to integer Web Mercator units, x east and y south as Leaflet's pixels."""
    size = float(1 << QUANT_BITS)
    phi = np.radians(np.clip(np.asarray(lat, dtype=float), -_MAX_LAT, _MAX_LAT))
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * size
    y = (0.5 - np.log(np.tan(math.pi / 4 + phi / 2)) / (2 * math.pi)) * size
    return np.rint(x).astype(np.int64), np.rint(y).astype(np.int64)


def _tolerance(zoom: int) -> float:
    """Half a pixel at ``zoom``, in units."""
    return 0.5 * (1 << QUANT_BITS) / (256.0 * 2.0**zoom)


def varint_bytes(values: np.ndarray) -> bytes:
    """Encode non-negative integers as LEB128 variable-length bytes."""
    v = np.asarray(values, dtype=np.uint64)
    if not len(v):
        return b""
    nbytes = np.ones(len(v), dtype=np.int64)
    for k in range(1, 10):
        nbytes += v >= np.uint64(1 << (7 * k))
    starts = np.cumsum(nbytes) - nbytes
    out = np.zeros(int(nbytes.sum()), dtype=np.uint8)
    for k in range(int(nbytes.max())):
        m = nbytes > k
        byte = (v[m] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = (nbytes[m] > k + 1).astype(np.uint64) << np.uint64(7)
        out[starts[m] + k] = (byte | more).astype(np.uint8)
    return out.tobytes()


def varint_base64(values: np.ndarray) -> str:
    """Encode non-negative integers as LEB128 variable-length bytes, in base64."""
    return base64.b64encode(varint_bytes(values)).decode("ascii")


def _zigzag(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def encode_points(lon: np.ndarray, lat: np.ndarray) -> bytes:
    """Points as zigzag deltas of their Mercator units (x, y interleaved), as varints."""
    x, y = mercator_units(lon, lat)
    xy = np.column_stack([x, y]).ravel()
    return varint_bytes(_zigzag(np.diff(xy.reshape(-1, 2), axis=0, prepend=[[0, 0]]).ravel()))


def encode_lines(lines: Sequence[shapely.LineString]) -> dict[str, Any]:
    """Encode lines compactly: full lines as deltas, zoom bands as indices into them.

    Returns
    -------
    dict
        ``bits`` (the grid), ``bands`` (deepest zoom of each band), ``n`` (points
        of each full line), ``xy`` (base64 varints: zigzag deltas of x and y,
        interleaved, running on from line to line), and ``band`` (per band: the
        count of each line's points, and base64 varints of the gaps between the
        indices of the points kept, starting from each line's first point).
    """
    geoms = np.asarray(list(lines), dtype=object)
    if not len(geoms):
        return {"bits": QUANT_BITS, "bands": list(BANDS), "n": [], "xy": b"", "band": []}
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    x, y = mercator_units(coords[:, 0], coords[:, 1])
    # Drop repeated points (after quantising), but keep at least two per line.
    same = np.zeros(len(x), dtype=bool)
    same[1:] = (x[1:] == x[:-1]) & (y[1:] == y[:-1]) & (owner[1:] == owner[:-1])
    x, y, owner = x[~same], y[~same], owner[~same]
    counts = np.bincount(owner, minlength=len(geoms))
    lone = np.flatnonzero(counts < 2)
    if len(lone):  # a line of one point: draw it as a point repeated
        at = np.searchsorted(owner, lone)
        x, y, owner = np.insert(x, at, x[at]), np.insert(y, at, y[at]), np.insert(owner, at, lone)
    # Full lines: simplified at FULL_ZOOM; z carries each point's position.
    pos = np.arange(len(x), dtype=float)
    full, n = _simplify(x, y, pos, owner, _tolerance(FULL_ZOOM))
    keep = full.astype(np.int64)
    fx, fy, fowner = x[keep], y[keep], owner[keep]
    deltas = np.column_stack([np.diff(fx, prepend=0), np.diff(fy, prepend=0)]).ravel()
    # Bands: indices (within each full line) of the points each band keeps.
    first = np.cumsum(n) - n
    local = np.arange(len(fx)) - np.repeat(first, n)
    bands = []
    for zoom in BANDS:
        kept, per_line = _simplify(fx, fy, local.astype(float), fowner, _tolerance(zoom))
        kept_idx = kept.astype(np.int64)
        gaps = np.diff(kept_idx, prepend=0)
        gaps[np.cumsum(per_line) - per_line] = 0  # each line starts at its point 0
        bands.append({"n": per_line.tolist(), "i": varint_bytes(gaps.astype(np.uint64))})
    return {
        "bits": QUANT_BITS,
        "bands": list(BANDS),
        "n": n.tolist(),
        "xy": varint_bytes(_zigzag(deltas)),
        "band": bands,
    }


def _simplify(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, owner: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Douglas–Peucker per line: the z of the points kept, line after line, and their counts."""
    lines = shapely.linestrings(np.column_stack([x, y, z]).astype(float), indices=owner)
    simple = shapely.simplify(lines, tol, preserve_topology=False)
    counts = shapely.get_num_coordinates(simple).astype(np.int64)
    if np.any(counts < 2):  # never expected (the ends are always kept); fall back to the line
        bad = counts < 2
        simple[bad] = lines[bad]
        counts = shapely.get_num_coordinates(simple).astype(np.int64)
    return shapely.get_coordinates(simple, include_z=True)[:, 2], counts
