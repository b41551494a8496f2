"""Time `shipmap geocode` warm: one name, and a file of 10,000 names.

Run from the repository root:

    .venv/bin/python bench/geocode_speed.py

Each command runs as a fresh subprocess (interpreter start-up and imports
count), with the gazetteer's world index already built in the cache folder
(one untimed run first). The floor is `python -c "import shipmap.geo.geocode"`
in the same way. Goals: one name under 0.5 s, 10,000 names under 2 s.
"""

from __future__ import annotations

import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).parent / "data" / "geocode-eval.csv"
RUNS = 5


def timed(args: list[str]) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=False, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    shipmap = str(Path(sys.executable).with_name("shipmap"))
    with tempfile.TemporaryDirectory() as tmp:
        names = Path(tmp) / "names.csv"
        with DATA.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))[:10_000]
        with names.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["name", "country", "kind"])
            for r in rows:
                w.writerow([r["name"], r["country"], "port" if r["kind"] == "port" else ""])
        commands = {
            "floor: import": [sys.executable, "-c", "import shipmap.geo.geocode"],
            "geocode Kursk --country RU": [shipmap, "geocode", "Kursk", "--country", "RU"],
            "geocode Odessa --country UA": [shipmap, "geocode", "Odessa", "--country", "UA"],
            "geocode --file (10,000 names)": [
                shipmap,
                "geocode",
                "--file",
                str(names),
                "-o",
                str(Path(tmp) / "out.csv"),
            ],
        }
        for args in commands.values():  # warm: build the index, fill the page cache
            subprocess.run(args, check=False, capture_output=True)
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
        for _ in range(RUNS):
            for label, args in commands.items():
                times[label].append(timed(args))
    load = os.getloadavg()
    print(f"median of {RUNS} runs; load average {load[0]:.1f}; Python {sys.version.split()[0]}\n")
    print("| command | wall s | CPU s | wall / floor |")
    print("| --- | ---: | ---: | ---: |")
    floor = statistics.median(w for w, _ in times["floor: import"])
    for label, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"| `{label}` | {wall:.2f} | {cpu:.2f} | {wall / floor:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
