"""Write the two port lists ``make_pairs.py`` reads from the files fetched from their sources.

    python bench/sea_pairs/extract_sources.py --wpi PATH/UpdatedPub150.csv --unlocode DIR

``--unlocode`` is the folder holding ``AZ.csv``, ``IR.csv``, ``KZ.csv``, ``RU.csv``
and ``TM.csv`` from ``geoapify/un-locode`` (``src/data/``). Writes
``wpi_ports.csv`` and ``caspian_unlocode.csv`` beside this file (see README.md).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
WPI_COLUMNS = [
    "World Port Index Number",
    "Main Port Name",
    "Country Code",
    "World Water Body",
    "Harbor Type",
    "Latitude",
    "Longitude",
]
#: The box the Caspian ports were drawn from (lon0, lat0, lon1, lat1): the Caspian
#: Sea's, a little wider to the west.
CASPIAN_BOX = (46.0, 36.4, 55.5, 47.6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wpi", type=Path, required=True)
    parser.add_argument("--unlocode", type=Path, required=True)
    args = parser.parse_args()
    with (
        open(args.wpi, encoding="utf-8-sig") as src,
        open(HERE / "wpi_ports.csv", "w", encoding="utf-8", newline="") as dst,
    ):
        out = csv.DictWriter(dst, WPI_COLUMNS, extrasaction="ignore")
        out.writeheader()
        out.writerows(csv.DictReader(src))
    rows = []
    seen = set()
    for country in ("AZ", "IR", "KZ", "RU", "TM"):
        with open(args.unlocode / f"{country}.csv", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if not r["function"].startswith("1") or not r["lat"] or not r["lon"]:
                    continue
                lat, lon = float(r["lat"]), float(r["lon"])
                x0, y0, x1, y1 = CASPIAN_BOX
                if x0 <= lon <= x1 and y0 <= lat <= y1 and (lat, lon) not in seen:
                    seen.add((lat, lon))  # one entry per position (the first listed)
                    rows.append(
                        {
                            "source": f"UN/LOCODE {country} {r['location']}",
                            "name": r["nameWoDiacritics"] or r["name"],
                            "country": country,
                            "lat": r["lat"],
                            "lon": r["lon"],
                        }
                    )
    with open(HERE / "caspian_unlocode.csv", "w", encoding="utf-8", newline="") as dst:
        out = csv.DictWriter(dst, ["source", "name", "country", "lat", "lon"])
        out.writeheader()
        out.writerows(rows)


if __name__ == "__main__":
    main()
