"""Summarise the OSM land mask by half-degree tile: all water, all land, or mixed.

Sea routing copies the land mask into numpy tiles of half a degree as lines reach
them (``shipmap.routes.coastline``); on a first run most of its time goes into
tiles of open ocean or of solid land, where every one of the 14,400 cells is
the same. This script asks roaring-landmask for every cell of the world once
(a few minutes) and writes ``routes/data/land_tiles.npz``: one state per tile
(0 all water, 1 all land, 2 mixed) and the roaring-landmask version it was read
from (the router ignores the file under another version).

Run from the project root::

    python bench/make_land_tiles.py
"""

from __future__ import annotations

import importlib.metadata
import sys
import time
from pathlib import Path

import numpy as np
import roaring_landmask as rl

ROOT = Path(__file__).resolve().parents[1]
PX_PER_DEG = 240
TILE_PX = 120
COLS, ROWS = 360 * PX_PER_DEG, 180 * PX_PER_DEG


def main() -> None:
    mask = rl.RoaringMask.new(rl.LandmaskProvider.Osm)
    n_tx, n_ty = COLS // TILE_PX, ROWS // TILE_PX
    states = np.zeros((n_tx, n_ty), dtype=np.uint8)
    cols = np.arange(COLS)
    # pixel centres, as shipmap.routes.coastline computes them
    lons = np.ascontiguousarray((cols / PX_PER_DEG + 180.0) % 360.0 - 180.0)
    t0 = time.perf_counter()
    for ty in range(n_ty):
        rows = np.arange(ty * TILE_PX, (ty + 1) * TILE_PX)
        lats = np.clip((rows - ROWS // 2) / PX_PER_DEG, -90.0, 90.0)
        land = np.empty((TILE_PX, COLS), dtype=bool)
        for k, lat in enumerate(lats):
            land[k] = mask.contains_many(lons, np.full(COLS, lat))
        per_tile = land.reshape(TILE_PX, n_tx, TILE_PX).sum(axis=(0, 2))
        states[:, ty] = np.where(per_tile == 0, 0, np.where(per_tile == TILE_PX**2, 1, 2))
        if ty % 20 == 0:
            print(f"row {ty}/{n_ty}  {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    out = ROOT / "routes" / "data" / "land_tiles.npz"
    np.savez_compressed(
        out,
        states=states,
        source=np.array(f"roaring-landmask {importlib.metadata.version('roaring-landmask')} osm"),
    )
    counts = np.bincount(states.ravel(), minlength=3)
    print(f"{out}: water {counts[0]}, land {counts[1]}, mixed {counts[2]} tiles")


if __name__ == "__main__":
    main()
