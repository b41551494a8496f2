"""Cold sea routing of a pair set in one process, with this tree's land mask or an older one.

Routes the first N pairs of a set (``bench/sea_pairs/``) one leg after another
from an empty route cache, the coastline loaded on the way, and prints the time
(wall, and the CPU time of the process: steadier on a shared machine), the load
average and a digest of the lines drawn (equal digests: the same lines).
With ``--coastline FILE`` the land mask comes from that copy of
``routes/coastline.py`` instead, all else equal; run both alternately::

    git show 2085c16:routes/coastline.py > /tmp/coastline_before.py
    for i in 1 2 3; do
        python bench/bench_sea_cold.py bench/sea_pairs/pairs_heldout.csv 100
        python bench/bench_sea_cold.py bench/sea_pairs/pairs_heldout.csv 100 \\
            --coastline /tmp/coastline_before.py
    done
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_sea_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pairs", type=Path)
    parser.add_argument("count", type=int, nargs="?")
    parser.add_argument("--coastline", type=Path, help="an older routes/coastline.py")
    args = parser.parse_args()
    t0 = time.perf_counter()
    import shipmap.routes.coastline as coastline
    import shipmap.routes.sea as sea
    from shipmap.routes.legs import build_legs

    from shipmap.errors import DataError

    if args.coastline:
        spec = importlib.util.spec_from_file_location("coastline_before", args.coastline)
        assert spec is not None and spec.loader is not None
        before = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(before)
        sea.land_mask = coastline.land_mask = before.land_mask  # type: ignore[assignment]
    legs, places = bench_sea_pairs.frames(bench_sea_pairs.read_pairs(args.pairs))
    count = args.count or len(legs)
    lines = []
    with tempfile.TemporaryDirectory() as cache:
        t1 = time.perf_counter()
        c1 = time.process_time()
        for k in range(count):
            try:
                line = build_legs(legs.iloc[[k]], places, cache_dir=Path(cache)).geometry.iloc[0]
                lines.append(line.wkt)
            except DataError:
                lines.append("refused")
        t2 = time.perf_counter()
        c2 = time.process_time()
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]
    print(
        f"{'before' if args.coastline else 'this tree'}: {count} legs, "
        f"{sum(x != 'refused' for x in lines)} routed, {t2 - t1:.1f} s "
        f"(CPU {c2 - c1:.1f} s; process {t2 - t0:.1f} s), "
        f"load {os.getloadavg()[0]:.1f}, lines {digest}"
    )


if __name__ == "__main__":
    main()
