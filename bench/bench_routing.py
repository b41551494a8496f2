"""Time sea routing for 100 legs between real ports: cold, then from the cache.

Goals: under 10 s cold (including loading the coastline), under 0.5 s cached.
Run from the project root: ``python bench/bench_routing.py [--legs 100] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipmap.routes.coastline import land_mask
from shipmap.routes.legs import build_legs
from shipmap.routes.sea import PORT_REACH_KM, _nearest_water, _Water

from shipmap.errors import DataError

#: East Asian seas: Yellow Sea, Korea Strait, Sea of Japan, Peter the Great Gulf.
REGION = (119.0, 33.0, 142.0, 46.0)


def load_ports(region: tuple[float, float, float, float]) -> list[tuple[str, float, float]]:
    ref = resources.files("searoute") / "data" / "ports.geojson"
    data = json.loads(ref.read_text(encoding="utf-8"))
    lon0, lat0, lon1, lat1 = region
    ports = []
    for feat in data["features"]:
        x, y = feat["geometry"]["coordinates"]
        if lon0 <= x <= lon1 and lat0 <= y <= lat1:
            ports.append((feat["properties"]["port"].lower(), float(x), float(y)))
    # keep sea ports: the list also holds inland terminals (Harbin, Shenyang, ...)
    water = _Water(land_mask(), [])
    ports = [p for p in ports if _nearest_water((p[1], p[2]), water.land, PORT_REACH_KM)]
    land_mask.cache_clear()  # the cold run below loads the coastline itself
    return sorted(set(ports))


def make_frames(n_legs: int, seed: int) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    ports = load_ports(REGION)
    rng = random.Random(seed)
    rows = []
    for i in range(n_legs):
        a, b = rng.sample(ports, 2)
        rows.append(
            {
                "id": f"leg{i}",
                "origin": a[0],
                "destination": b[0],
                "mode": "sea",
                "via": "",
                "label": "",
                "source": "",
                "note": "",
                "_line": i + 2,
            }
        )
    places = gpd.GeoDataFrame(
        {"id": [p[0] for p in ports]}, geometry=[Point(p[1], p[2]) for p in ports], crs="EPSG:4326"
    )
    return pd.DataFrame(rows), places


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--legs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    legs, places = make_frames(args.legs, args.seed)
    print(f"{len(legs)} sea legs between {len(places)} ports in {REGION}")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        t0 = time.perf_counter()
        try:
            cold = build_legs(legs, places, cache_dir=cache)
        except DataError as err:
            print(f"{len(err.problems)} legs could not be routed:\n{err}")
            bad = {p.line for p in err.problems}
            legs = legs[~legs["_line"].isin(bad)]
            cold = build_legs(legs, places, cache_dir=cache)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = build_legs(legs, places, cache_dir=cache)
        t_warm = time.perf_counter() - t0
    assert warm.geometry.geom_equals_exact(cold.geometry, tolerance=1e-9).all()
    km = cold["length_km"]
    print(f"lengths: median {km.median():.0f} km, max {km.max():.0f} km")
    print(f"cold   {t_cold:6.2f} s  (goal < 10 s, includes loading the coastline)")
    print(f"cached {t_warm:6.2f} s  (goal < 0.5 s)")


if __name__ == "__main__":
    main()
