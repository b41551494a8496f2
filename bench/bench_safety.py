"""What the safety checks cost: cached land and routes read back, an output folder surveyed.

Run from the repository root:

    .venv/bin/python bench/bench_safety.py

Each check is timed against the floor it adds to: reading the same bytes and
parsing them with ``json.loads`` alone (what the caches did before), and, for
the output folder, a rebuild's write of the same files. Best of 5.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ["SHIPMAP_CACHE"] = tempfile.mkdtemp(prefix="shipmap-bench-")

from shipmap.cache import cache_dir, read_entry
from shipmap.map import basemap
from shipmap.outputs import write

ROOT = Path(__file__).resolve().parents[1]


def best(fn, n: int = 5) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def land(extent: tuple[float, float, float, float], label: str) -> None:
    basemap._land_text.cache_clear()
    basemap.land_geojson(extent)  # clipped and cached
    folder = cache_dir("land")
    assert folder is not None
    (path,) = [
        p
        for p in folder.glob("*.json")
        if p.stat().st_mtime == max(q.stat().st_mtime for q in folder.glob("*.json"))
    ]
    size = path.stat().st_size

    def checked() -> None:
        data = read_entry(folder, path.name, max_bytes=basemap._LAND_MAX_BYTES)
        assert data is not None and basemap._checked_land(data) is not None

    def floor() -> None:
        json.loads(path.read_bytes().partition(b"\n")[2])

    a, b = best(checked), best(floor)
    print(
        f"| land, {label} ({size / 1e6:.1f} MB) | {a * 1000:.0f} ms"
        f" | {b * 1000:.0f} ms | {a / b:.1f}x |"
    )


def survey() -> None:
    out = ROOT / "output"
    files = {
        p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != ".shipmap-output"
    }
    size = sum(len(v) for v in files.values())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "out"
        write.write_outputs(folder, files)
        a = best(lambda: write._survey(folder))
        b = best(lambda: write.write_outputs(folder, files))
    print(
        f"| output folder survey ({len(files)} files, {size / 1e6:.1f} MB) | {a * 1000:.0f} ms | "
        f"{b * 1000:.0f} ms (the whole write) | {a / b:.2f}x |"
    )


def main() -> None:
    print(
        f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores (shared)"
    )
    print("| check | with the check | floor | ratio |")
    print("| --- | ---: | ---: | ---: |")
    land((120.0, 30.0, 145.0, 50.0), "the default map's extent")
    land((-180.0, -85.0, 180.0, 85.0), "the whole world")
    survey()


if __name__ == "__main__":
    main()
