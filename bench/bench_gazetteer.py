"""Time the gazetteer: cold load, warm load, and lookups.

Run from the repository root:

    PYTHONPATH=. /work/venv/bin/python bench/bench_gazetteer.py

Goals: warm load < 0.5 s, 10,000 lookups < 1 s.
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from shipmap.geo import Gazetteer, PlaceNotFoundError, geocode

COMMAND = "PYTHONPATH=. /work/venv/bin/python bench/bench_gazetteer.py"

# Exact names a user of the default data set writes, in four scripts, plus
# world names with and without a country, and names that are refused as ambiguous.
FIELD = [
    ("Najin", None),
    ("Rason", None),
    ("Rajin", "KP"),
    ("Ch'ŏngjin", None),
    ("Tumangang", None),
    ("Khasan", None),
    ("Dunay", None),
    ("Vostochny", "RU"),
    ("Владивосток", None),
    ("ولادی\u200cوستوک", None),
    ("ولادیوستوک", None),
    ("كورسك", None),
    ("평양", None),
    ("Tikhoretsk", None),
    ("Moscow", None),
    ("Tianjin", None),
    ("London", None),
    ("Kyiv", None),
    ("Moscow", "US"),
    ("Kingston", "JM"),
    ("Springfield", None),  # refused: ambiguous
    ("Hyderabad", None),  # refused: ambiguous
]
TYPOS = ["Kursq", "Vladivostock", "Dunnay", "Tikhorestk", "Pyongyan", "کورسکک", "Springfeld"]


def timed(fn: object, *args: object, **kwargs: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)  # type: ignore[operator]
    return time.perf_counter() - start, result


def lookup_all(gaz: Gazetteer, queries: list[tuple[str, str | None]]) -> tuple[int, int]:
    placed = refused = 0
    for name, country in queries:
        try:
            geocode(name, country=country, gazetteer=gaz)
            placed += 1
        except PlaceNotFoundError:
            refused += 1
    return placed, refused


def main() -> None:
    print(f"python {sys.version.split()[0]} on {platform.machine()}, {platform.processor() or ''}")
    with tempfile.TemporaryDirectory() as tmp:
        colds = []
        for i in range(3):
            seconds, gaz = timed(Gazetteer.load, cache_dir=Path(tmp) / f"cold{i}")
            colds.append(seconds)
        warms = [timed(Gazetteer.load, cache_dir=Path(tmp) / "cold0")[0] for _ in range(5)]
        cache = next((Path(tmp) / "cold0").glob("world-*"))
        print(f"places: {len(gaz):,}; cache file {cache.name}, {cache.stat().st_size / 1e6:.1f} MB")
        print(
            f"cold load (no cache, builds and writes it): median {statistics.median(colds):.3f} s"
        )
        print(
            f"warm load (cache present):                  median {statistics.median(warms):.3f} s"
        )

    rng = random.Random(0)
    world = gaz._world
    assert world is not None
    sample = [(world.names[rng.randrange(len(world.names))], None) for _ in range(2_000)]
    queries = [FIELD[i % len(FIELD)] for i in range(8_000)] + sample
    rng.shuffle(queries)
    seconds, (placed, refused) = timed(lookup_all, gaz, queries)
    print(
        f"10,000 lookups (8,000 field/world names, 2,000 random GeoNames names): "
        f"{seconds:.3f} s ({placed:,} placed, {refused:,} refused as ambiguous or unknown)"
    )

    first, _ = timed(lookup_all, gaz, [(TYPOS[0], None)])
    typo_queries = [(TYPOS[i % len(TYPOS)], None) for i in range(200)]
    seconds, _ = timed(lookup_all, gaz, typo_queries)
    print(
        f"misspelled names (no match, 'did you mean' suggestions): first {first:.3f} s "
        f"(builds the suggestion index), then {seconds / len(typo_queries) * 1000:.1f} ms each"
    )
    print(f"reproduce: {COMMAND}")


if __name__ == "__main__":
    main()
