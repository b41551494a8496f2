"""How many World Port Index ports reach the sea at all: the first step of a sea leg.

Draws a seeded sample of ports from ``bench/sea_pairs/wpi_ports.csv`` that are in
neither pair set (so that rules worked out on it leave the held-out pairs
alone), asks the router for each port's ways to the sea (its entries: nearest
water, narrow water, passages, rivers, finer cells) and prints how many are
reached, by which way, and every refusal's reason::

    python bench/bench_sea_entries.py --seed 7 --river 250 --other 150

``--river`` ports are drawn from the harbour types "River (...)", ``--other``
from the rest. Only the port's own end is routed, not a leg.
"""

from __future__ import annotations

import argparse
import collections
import csv
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent / "sea_pairs"


def main() -> None:
    import random

    from shipmap.routes import sea
    from shipmap.routes.coastline import land_mask
    from shipmap.routes.passages import passage_network

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--river", type=int, default=250)
    parser.add_argument("--other", type=int, default=150)
    args = parser.parse_args()
    used = set()
    for name in ("pairs_dev.csv", "pairs_heldout.csv"):
        with open(HERE / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                used |= {row["origin_source"], row["destination_source"]}
    with open(HERE / "wpi_ports.csv", encoding="utf-8") as fh:
        ports = [
            r
            for r in csv.DictReader(fh)
            if "WPI " + r["World Port Index Number"].split(".")[0] not in used
        ]
    rng = random.Random(args.seed)
    river = [p for p in ports if p["Harbor Type"].startswith("River")]
    other = [p for p in ports if not p["Harbor Type"].startswith("River")]
    sample = rng.sample(river, args.river) + rng.sample(other, args.other)
    mask, net = land_mask(), passage_network()
    counts: collections.Counter[str] = collections.Counter()
    refused = []
    t0 = time.process_time()
    for p in sample:
        place = (float(p["Longitude"]), float(p["Latitude"]))
        try:
            entries = sea._entries(place, "port", mask, net)
        except sea.SeaRouteError as err:
            counts["refused"] += 1
            refused.append(f"{p['Main Port Name']} ({p['Country Code']}): {err.reason}")
            continue
        kinds = {
            "river" if e.rivers else "passage" if e.passages else "loose" if e.loose else "water"
            for e in entries
        }
        counts["reached: " + " + ".join(sorted(kinds))] += 1
    print(f"{len(sample)} ports (seed {args.seed}), {time.process_time() - t0:.1f} s CPU")
    for key, n in counts.most_common():
        print(f"{n:5d}  {key}")
    for line in refused:
        print("refused:", line)


if __name__ == "__main__":
    main()
