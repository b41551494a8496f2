"""Draw sea-leg port pairs from the public port lists beside this file, by a fixed rule.

No pair is chosen by hand: for each region the issue names, ports are drawn at
random (seeded) from the ports the World Port Index places on that water;
river, canal and lake ports are drawn from all the regional ones and paired with
a port on the same first water body. ``--seed 15`` made ``pairs_dev.csv`` (looked
at while building the passage list), ``--seed 1015`` made ``pairs_heldout.csv``
(routed only for the scores).

    python bench/sea_pairs/make_pairs.py --seed 1015 > bench/sea_pairs/pairs_heldout.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

Port = dict[str, object]


def load_wpi() -> list[Port]:
    with open(HERE / "wpi_ports.csv", encoding="utf-8") as fh:
        return [
            {
                "name": r["Main Port Name"],
                "country": r["Country Code"],
                "water": r["World Water Body"],
                "harbor": r["Harbor Type"],
                "lat": float(r["Latitude"]),
                "lon": float(r["Longitude"]),
                "source": "WPI " + r["World Port Index Number"].split(".")[0],
            }
            for r in csv.DictReader(fh)
        ]


def load_caspian() -> list[Port]:
    with open(HERE / "caspian_unlocode.csv", encoding="utf-8") as fh:
        return [
            {
                "name": r["name"],
                "country": r["country"],
                "water": "Caspian Sea",
                "harbor": "",
                "lat": float(r["lat"]),
                "lon": float(r["lon"]),
                "source": r["source"],
            }
            for r in csv.DictReader(fh)
        ]


def pool(
    ports: list[Port], bodies: list[str], lon: tuple[float, float] | None = None
) -> list[Port]:
    sel = [p for p in ports if any(b in str(p["water"]) for b in bodies)]
    if lon:
        sel = [p for p in sel if lon[0] <= float(p["lon"]) <= lon[1]]  # type: ignore[arg-type]
    return sel


def km(a: Port, b: Port) -> float:
    la1, la2 = math.radians(float(a["lat"])), math.radians(float(b["lat"]))  # type: ignore[arg-type]
    dl = math.radians(float(b["lon"]) - float(a["lon"]))  # type: ignore[arg-type]
    c = math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(dl)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


def build(seed: int) -> list[tuple[str, Port, Port]]:
    wpi, casp = load_wpi(), load_caspian()
    rng = random.Random(seed)
    cats: list[tuple[str, int, list[Port], list[Port] | None]] = [
        ("sea-of-japan", 10, pool(wpi, ["Sea of Japan", "Tatar Strait"]), None),
        ("baltic", 10, pool(wpi, ["Baltic Sea"]), None),
        ("black-sea", 10, pool(wpi, ["Black Sea"]), None),
        ("caspian", 10, casp, None),
        ("mediterranean", 10, pool(wpi, ["Mediterranean Sea"]), None),
        ("persian-gulf", 8, pool(wpi, ["Persian Gulf"]), None),
        ("red-sea", 8, pool(wpi, ["Red Sea"]), None),
        (
            "suez",
            10,
            pool(wpi, ["Mediterranean Sea", "Black Sea"]),
            pool(
                wpi,
                [
                    "Red Sea",
                    "Persian Gulf",
                    "Arabian Sea",
                    "Gulf of Aden",
                    "Gulf of Oman",
                    "Bay of Bengal",
                    "Laccadive Sea",
                ],
            ),
        ),
        (
            "panama",
            8,
            pool(wpi, ["Caribbean Sea", "Gulf of Mexico"]),
            pool(wpi, ["North Pacific Ocean", "South Pacific Ocean"], lon=(-130, -70)),
        ),
        (
            "malacca",
            8,
            pool(wpi, ["Andaman Sea", "Bay of Bengal", "Laccadive Sea", "Arabian Sea"]),
            pool(wpi, ["South China Sea", "Gulf of Thailand", "East China Sea", "Java Sea"]),
        ),
        (
            "northern-sea-route",
            6,
            pool(wpi, ["Barents Sea", "White Sea", "Kara Sea"]),
            pool(
                wpi,
                ["Laptev Sea", "East Siberian Sea", "Chukchi Sea", "Bering Sea"],
                lon=(100, 180),
            )
            + pool(wpi, ["Chukchi Sea", "Bering Sea"], lon=(-180, -160)),
        ),
        (
            "antimeridian",
            8,
            pool(wpi, ["North Pacific Ocean"], lon=(120, 180)),
            pool(wpi, ["North Pacific Ocean"], lon=(-180, -115)),
        ),
    ]
    regional = {id(p) for _, _, a, b in cats for p in a + (b or [])}
    rivers = [
        p
        for p in wpi
        if id(p) in regional
        and (str(p["harbor"]).startswith("River") or p["harbor"] == "Canal or Lake")
    ]
    rows: list[tuple[str, Port, Port]] = []
    for cat, n, a, b in cats:
        got = 0
        while got < n:
            p, q = rng.choice(a), rng.choice(b if b else a)
            if p is q or km(p, q) < 5:
                continue
            rows.append((cat, p, q))
            got += 1
    got = 0
    while got < 14:
        p = rng.choice(rivers)
        first = str(p["water"]).split(";")[0].strip()
        same = [q for q in wpi if str(q["water"]).split(";")[0].strip() == first and q is not p]
        if not same:
            continue
        q = rng.choice(same)
        if km(p, q) < 5:
            continue
        rows.append(("river-port", p, q))
        got += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args()
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(
        [
            "category",
            "origin",
            "origin_lat",
            "origin_lon",
            "origin_source",
            "destination",
            "destination_lat",
            "destination_lon",
            "destination_source",
        ]
    )
    for cat, p, q in build(args.seed):
        w.writerow(
            [
                cat,
                f"{p['name']} ({p['country']})",
                p["lat"],
                p["lon"],
                p["source"],
                f"{q['name']} ({q['country']})",
                q["lat"],
                q["lon"],
                q["source"],
            ]
        )


if __name__ == "__main__":
    main()
