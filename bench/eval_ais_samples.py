"""Run `shipmap ais` on public AIS samples and print what it read and found.

    .venv/bin/python bench/eval_ais_samples.py FILE [FILE ...] [-- shipmap ais options]

Each file is read on its own into a fresh data set in a temporary folder; the
summary lines (rows dropped by reason, fixes, calls, voyages, gaps, stops near
no known port) and every call are printed, so a person can judge whether the
calls are at ports they would name. The samples themselves are not kept in the
repository: docs/benchmarks.md ("AIS: public samples") says where each one comes
from and under which licence, and what this script printed for it.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from shipmap.cli import main as shipmap


def main(argv: list[str]) -> int:
    if "--" in argv:
        cut = argv.index("--")
        files, options = argv[:cut], argv[cut + 1 :]
    else:
        files, options = argv, []
    for name in files:
        with tempfile.TemporaryDirectory(prefix="eval-ais-") as tmp:
            ds = Path(tmp) / "ds"
            start = time.perf_counter()
            print(f"== {name}")
            status = shipmap(["ais", name, "-o", str(ds), *options])
            print(f"   exit {status} in {time.perf_counter() - start:.1f} s")
            calls = ds / "calls.csv"
            if calls.is_file():
                with calls.open(encoding="utf-8") as fh:
                    for row in csv.DictReader(fh):
                        print(
                            f"   call: {row['vessel']} at {row['port']} "
                            f"{row['arrival']} – {row['departure']}"
                        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
