"""Route real port pairs by sea and check every line against independent coastlines.

The pairs (``bench/sea_pairs/``, drawn by a fixed rule from the World Port Index
and UN/LOCODE, see its README) are routed one leg at a time, cold (a fresh
process, an empty route cache: the coastline is loaded on the way), then all
again from the cache. Each line is checked:

- *routed*, or the refusal's message;
- km on land beyond 5 km of either end in the OSM land mask the router steers
  by: bare (as OSM's coastline draws it), with the navigable passages carved (a
  canal is water), and *channel-aware*: also outside the river channels, taken
  as ``RIVER_BUFFER_KM`` either side of the river lines the router follows
  (GSHHG/WDBII, ``routes/data/river_lines.npz``) — the contract — and, of that,
  the km *dry on both coastlines* (neither OSM nor GSHHG has water there, in
  the 15″ rasters, and of that, in GSHHG's own polygons too: water narrower
  than a cell is water in the polygons);
- km on land beyond 5 km of the ends in Natural Earth 10m (an independent,
  coarser coastline), outside the passages' channels (which Natural Earth
  draws as land) and, apart, inside them;
- the widest spur: the longest stretch that leaves a point and comes back
  within 200 m of it;
- length against the great circle and against searoute's own line;
- whether both ends are seaports: water on either coastline (OSM or GSHHG)
  within ``SEAPORT_KM`` of the point, or a river line within
  ``RIVER_PORT_KM`` (an end further inland, such as a UN/LOCODE town point,
  is no port a sea leg can reach).

Run from the project root::

    python bench/bench_sea_pairs.py [--pairs bench/sea_pairs/pairs_heldout.csv] [--cli]

With ``--cli`` the pairs are written as a data set folder (places.csv, legs.csv)
and routed by one ``shipmap route DATASET -o legs.geojson`` run, as a user would
(cold: an empty SHIPMAP_CACHE; then again from that cache); the refusals are its
``legs.csv:LINE`` messages. Without it, each leg is routed and timed on its own
through the Python API (``build_legs``).
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point

ROOT = Path(__file__).resolve().parents[1]
GEOD = Geod(ellps="WGS84")
END_KM = 5.0
STEP_KM = 0.25
#: A sample this close to a river line is in the river's channel, km.
RIVER_BUFFER_KM = 0.5
#: A pair's end is a seaport if water (OSM or GSHHG) lies within SEAPORT_KM of
#: its point, or a river line the router knows within RIVER_PORT_KM.
SEAPORT_KM = 25.0
RIVER_PORT_KM = 5.0


def read_pairs(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def frames(pairs: list[dict[str, str]]) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    ids: dict[tuple[float, float], str] = {}
    rows = []
    for i, pair in enumerate(pairs):
        ends = []
        for side in ("origin", "destination"):
            pt = (float(pair[f"{side}_lon"]), float(pair[f"{side}_lat"]))
            ids.setdefault(pt, f"p{len(ids)}")
            ends.append(ids[pt])
        rows.append(
            {
                "id": f"leg{i}",
                "origin": ends[0],
                "destination": ends[1],
                "mode": "sea",
                "via": "",
                "label": "",
                "source": "",
                "note": "",
                "_line": i + 2,
            }
        )
    places = gpd.GeoDataFrame(
        {"id": list(ids.values()), "_line": range(2, len(ids) + 2)},
        geometry=[Point(p) for p in ids],
        crs="EPSG:4326",
    )
    return pd.DataFrame(rows), places


def route_all(pairs_path: Path, cache: Path, out: Path) -> None:
    """Route every pair (in this process), writing one GeoJSON line or refusal per leg."""
    from shipmap.routes.legs import build_legs

    from shipmap.errors import DataError

    legs, places = frames(read_pairs(pairs_path))
    records = []
    t_all = time.perf_counter()
    if out.name == "warm.csv":
        # from the cache, the legs the cold pass routed, in one call as a build does
        cold = pd.read_csv(out.with_name("cold.csv")).fillna("")
        routed = legs[(cold["error"] == "").to_numpy()]
        t0 = time.perf_counter()
        build_legs(routed, places, cache_dir=cache)
        seconds = time.perf_counter() - t0
        pd.DataFrame([{"legs": len(routed), "seconds": seconds}]).to_csv(out, index=False)
        print(f"{seconds:.2f}")
        return
    for k in range(len(legs)):
        one = legs.iloc[[k]]
        t0 = time.perf_counter()
        try:
            line = build_legs(one, places, cache_dir=cache).geometry.iloc[0]
            error = ""
        except DataError as err:
            line, error = None, "; ".join(p.message for p in err.problems)
        print(f"leg {k + 1}/{len(legs)}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        records.append(
            {
                "leg": k,
                "seconds": time.perf_counter() - t0,
                "error": error,
                "wkt": line.wkt if line is not None else "",
            }
        )
    pd.DataFrame(records).to_csv(out, index=False)
    print(f"{time.perf_counter() - t_all:.2f}")


def write_dataset(pairs: list[dict[str, str]], folder: Path) -> None:
    """Write the pairs as a data set folder: places.csv (ports) and legs.csv (sea legs)."""
    legs, places = frames(pairs)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "places.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "lat", "lon", "kind"])
        for pid, pt in zip(places["id"], places.geometry, strict=True):
            w.writerow([pid, pid, f"{pt.y:.6f}", f"{pt.x:.6f}", "port"])
    legs[["id", "origin", "destination", "mode"]].to_csv(folder / "legs.csv", index=False)


def run_cli(pairs_path: Path, cache: Path, out: Path) -> float:
    """Route every pair with one ``shipmap route`` run; write cold.csv's columns to ``out``.

    The legs are routed together, as a build would, so only the whole run is
    timed (its seconds are shared out evenly over the legs).
    """
    import json
    import os

    pairs = read_pairs(pairs_path)
    data = out.parent / "dataset"
    write_dataset(pairs, data)
    geojson = out.parent / "legs.geojson"
    env = {**os.environ, "SHIPMAP_CACHE": str(cache)}
    t0 = time.perf_counter()
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("shipmap")),
            "route",
            str(data),
            "-o",
            str(geojson),
            "-q",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        sys.exit(f"shipmap route failed: {done.stderr}")
    errors: dict[int, str] = {}
    for row in done.stderr.splitlines():
        if row.startswith("legs.csv:"):
            line_no, _, message = row[len("legs.csv:") :].partition(": ")
            errors[int(line_no) - 2] = message
    lines = {}
    for feature in json.loads(geojson.read_text(encoding="utf-8"))["features"]:
        lines[feature["id"]] = shapely.geometry.shape(feature["geometry"])
    records = []
    for k in range(len(pairs)):
        geom = lines.get(f"leg{k}")
        records.append(
            {
                "leg": k,
                "seconds": seconds / len(pairs),
                "error": errors.get(k, "" if geom is not None else "not in the output"),
                "wkt": joined(geom).wkt if geom is not None else "",
            }
        )
    pd.DataFrame(records).to_csv(out, index=False)
    return seconds


def joined(geom: shapely.Geometry) -> LineString:
    """Join a line split at ±180° (RFC 7946) back into one, longitudes unwrapped."""
    if geom.geom_type == "LineString":
        return geom
    coords: list[tuple[float, float]] = []
    for part in geom.geoms:
        for x, y in part.coords:
            if coords:
                x += round((coords[-1][0] - x) / 360.0) * 360.0
            if not coords or (x, y) != coords[-1]:
                coords.append((x, y))
    return LineString(coords)


def run_pass(pairs_path: Path, cache: Path, out: Path) -> float:
    """Route all pairs in a fresh process; return its wall time (imports included)."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--route-only", str(pairs_path), str(cache), str(out)],
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - t0


def ends_mask(coords: np.ndarray, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
    n = len(coords)
    d0 = GEOD.inv(np.full(n, a[0]), np.full(n, a[1]), coords[:, 0], coords[:, 1])[2]
    d1 = GEOD.inv(np.full(n, b[0]), np.full(n, b[1]), coords[:, 0], coords[:, 1])[2]
    return (d0 > END_KM * 1000) & (d1 > END_KM * 1000)


def widest_spur_km(coords: np.ndarray) -> float:
    c = np.radians(coords)
    xyz = 6371.0 * np.column_stack(
        [np.cos(c[:, 1]) * np.cos(c[:, 0]), np.cos(c[:, 1]) * np.sin(c[:, 0]), np.sin(c[:, 1])]
    )
    along = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(xyz, axis=0), axis=1))]
    pairs = cKDTree(xyz).query_pairs(0.2, output_type="ndarray")
    return float(np.abs(along[pairs[:, 1]] - along[pairs[:, 0]]).max()) if len(pairs) else 0.0


def searoute_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    import searoute

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(searoute.searoute(list(a), list(b))["properties"]["length"])
    except Exception:
        return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=Path, default=ROOT / "bench/sea_pairs/pairs_heldout.csv")
    parser.add_argument("--csv", type=Path, help="write one row per leg here")
    parser.add_argument(
        "--cli",
        action="store_true",
        help="route all pairs with one `shipmap route` run (a data set folder) instead of "
        "the Python API one leg at a time",
    )
    parser.add_argument("--route-only", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.route_only:
        route_all(*(Path(p) for p in args.route_only))
        return

    from shipmap.routes.coastline import land_mask, land_polygons, wrap_lons
    from shipmap.routes.geodesic import densify_line, length_km
    from shipmap.routes.passages import load_passages
    from shipmap.routes.rivers import river_network

    pairs = read_pairs(args.pairs)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        cold_out, warm_out = Path(tmp) / "cold.csv", Path(tmp) / "warm.csv"
        if args.cli:
            t_cold = run_cli(args.pairs, cache, cold_out)
            t_warm = run_cli(args.pairs, cache, warm_out)
            cold = pd.read_csv(cold_out).fillna("")
            n_warm = int((pd.read_csv(warm_out).fillna("")["error"] == "").sum())
            warm = pd.DataFrame([{"legs": n_warm, "seconds": t_warm}])
        else:
            t_cold = run_pass(args.pairs, cache, cold_out)
            t_warm = run_pass(args.pairs, cache, warm_out)
            cold, warm = pd.read_csv(cold_out).fillna(""), pd.read_csv(warm_out).fillna("")

    ne_land = land_polygons()
    mask = land_mask()
    channels = shapely.union_all(
        [LineString(p.line).buffer(0.02) for p in load_passages() if not p.is_route]
    )
    shapely.prepare(channels)

    def is_seaport(pt: tuple[float, float]) -> bool:
        """Water on either coastline within 25 km, or a river line within 5 km."""
        r = np.linspace(0.0, SEAPORT_KM, 101)[1:]
        a = np.linspace(0.0, 2 * np.pi, 72, endpoint=False)
        rr, aa = np.meshgrid(r, a)
        lon = pt[0] + (rr * np.cos(aa)).ravel() / (111.32 * max(np.cos(np.radians(pt[1])), 0.05))
        lat = np.clip(pt[1] + (rr * np.sin(aa)).ravel() / 111.2, -89.9, 89.9)
        if not mask.is_land_either(wrap_lons(lon), lat).all():
            return True
        return river_network().way_to_sea(pt, RIVER_PORT_KM) is not None

    rows = []
    for pair, rec in zip(pairs, cold.to_dict("records"), strict=True):
        a = (float(pair["origin_lon"]), float(pair["origin_lat"]))
        b = (float(pair["destination_lon"]), float(pair["destination_lat"]))
        row = {
            "category": pair["category"],
            "origin": pair["origin"],
            "destination": pair["destination"],
            "seconds": rec["seconds"],
            "error": rec["error"],
            "seaports": is_seaport((float(pair["origin_lon"]), float(pair["origin_lat"])))
            and is_seaport((float(pair["destination_lon"]), float(pair["destination_lat"]))),
        }
        if rec["wkt"]:
            line = shapely.from_wkt(rec["wkt"])
            coords = np.asarray(densify_line(line, spacing_km=STEP_KM).coords)
            inner = ends_mask(coords, a, b)
            lons, lats = wrap_lons(coords[:, 0]), coords[:, 1]
            on_ne = shapely.contains_xy(ne_land, lons, lats)
            on_osm = inner & mask.is_land(coords[:, 0], lats)
            on_bare = inner & mask.is_land(lons, lats, carve=False)
            in_river = np.zeros(len(coords), dtype=bool)
            k = np.flatnonzero(on_bare | (inner & on_ne))
            in_river[k] = river_network().is_near(lons[k], lats[k], RIVER_BUFFER_KM)
            in_channel = shapely.contains_xy(channels, lons, lats) | in_river
            row.update(
                km=length_km(line),
                great_circle_km=GEOD.inv(*a, *b)[2] / 1000.0,
                searoute_km=searoute_km(a, b),
                osm_bare_land_km=float(on_bare.sum() * STEP_KM),
                osm_land_km=float(on_osm.sum() * STEP_KM),
                osm_land_outside_channels_km=float((on_osm & ~in_river).sum() * STEP_KM),
                # of which dry on both coastlines (neither OSM nor GSHHG has water)
                dry_outside_channels_km=float(
                    (on_osm & ~in_river & mask.is_land_either(coords[:, 0], lats)).sum() * STEP_KM
                ),
                # and of that, dry in GSHHG's own polygons too (water narrower
                # than the rasters' cells is water there)
                dry_polygons_km=float(
                    (on_osm & ~in_river & mask.is_land_exact(coords[:, 0], lats)).sum() * STEP_KM
                ),
                # of which GSHHG has water: estuaries and basins behind a barrage
                osm_land_gshhg_water_km=float(
                    (on_osm & ~mask.is_land_either(coords[:, 0], lats)).sum() * STEP_KM
                ),
                ne_land_km=float((inner & on_ne & ~in_channel).sum() * STEP_KM),
                ne_land_in_channels_km=float((inner & on_ne & in_channel).sum() * STEP_KM),
                spur_km=widest_spur_km(np.asarray(densify_line(line, spacing_km=0.1).coords)),
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    if args.csv:
        table.to_csv(args.csv, index=False)
    ok = table[table["error"] == ""]
    shown = args.pairs.resolve()
    shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    print(f"pairs: {shown}  ({len(table)} legs)")
    print(
        "\n| category | legs | routed | km on OSM land beyond 5 km of the ends: bare / "
        "passages carved (of which GSHHG water) / outside passages and river channels "
        "(of which dry on both coastlines: rasters / also in GSHHG's polygons) | "
        "on Natural Earth land, outside / inside channels | widest spur | "
        "length / great circle | length / searoute |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for cat, grp in [*table.groupby("category", sort=False), ("all", table)]:
        r = grp[grp["error"] == ""]
        print(
            f"| {cat} | {len(grp)} | {len(r)} | {r['osm_bare_land_km'].sum():.2f} / "
            f"{r['osm_land_km'].sum():.2f} ({r['osm_land_gshhg_water_km'].sum():.2f}) / "
            f"{r['osm_land_outside_channels_km'].sum():.2f} "
            f"({r['dry_outside_channels_km'].sum():.2f} / {r['dry_polygons_km'].sum():.2f}) | "
            f"{r['ne_land_km'].sum():.2f} / {r['ne_land_in_channels_km'].sum():.1f} | "
            f"{r['spur_km'].max() if len(r) else float('nan'):.2f} km | "
            f"{(r['km'] / r['great_circle_km']).median():.2f} | "
            f"{(r['km'] / r['searoute_km']).median():.2f} |"
        )
    print(f"\nrouted {len(ok)} of {len(table)} ({100.0 * len(ok) / len(table):.1f} %)")
    both = table[table["seaports"]]
    n_ok = int((both["error"] == "").sum())
    print(
        f"of the {len(both)} pairs whose both ends are seaports (water on either coastline "
        f"within {SEAPORT_KM:g} km, or a river line within {RIVER_PORT_KM:g} km): routed "
        f"{n_ok} ({100.0 * n_ok / max(len(both), 1):.1f} %)"
    )
    if args.cli:
        print(
            f"`shipmap route`, whole process (imports, place lookup, routing, GeoJSON): "
            f"cold {t_cold:.2f} s, from the cache {t_warm:.2f} s "
            f"({int(warm['legs'].sum())} routed legs)"
        )
    else:
        print(
            f"cold   {cold['seconds'].sum():6.2f} s  (empty cache, coastline loaded; goal < 20 s)"
        )
        print(
            f"cached {warm['seconds'].sum():6.2f} s  (the {int(warm['legs'].sum())} routed "
            "legs from the cache in one call; goal < 0.5 s)"
        )
        print(f"whole processes, imports included: cold {t_cold:.2f} s, cached {t_warm:.2f} s")
        slow = table.nlargest(5, "seconds")
        print(
            "slowest legs: "
            + "; ".join(
                f"{r.origin} → {r.destination} {r.seconds:.1f} s" for r in slow.itertuples()
            )
        )
    for r in table[table["error"] != ""].itertuples():
        print(f"refused: {r.category}: {r.origin} → {r.destination}: {r.error}")
    for r in ok[(ok["osm_land_km"] > 0) | (ok["spur_km"] >= 2.0)].itertuples():
        print(
            f"flagged: {r.origin} → {r.destination}: {r.osm_land_km:.2f} km on OSM land "
            f"({r.osm_land_outside_channels_km:.2f} outside river channels, "
            f"{r.dry_outside_channels_km:.2f} dry on both coastlines' rasters, "
            f"{r.dry_polygons_km:.2f} in GSHHG's polygons too), "
            f"spur {r.spur_km:.1f} km"
        )


if __name__ == "__main__":
    main()
