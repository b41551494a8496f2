"""Compare the two ways Parquet shipments are read on one machine, figure by figure.

``load_dataset(engine="scan")`` (compiled scans) against
``load_dataset(engine="row groups")`` (each row group in Arrow and NumPy) on the
same data set: every figure the map and the exports use must be equal to the
byte. Prints the time and CPU of each and whether the scan did the work.

    python bench/compare_engines.py DATASET_FOLDER
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd


def figures(dataset: Path, engine: str) -> tuple[Any, float, float]:
    from shipmap.dataset import load_dataset

    t0, c0 = time.perf_counter(), time.process_time()
    ds = load_dataset(dataset, engine=engine)
    return ds.figures, time.perf_counter() - t0, time.process_time() - c0


def differences(a: Any, b: Any) -> list[str]:
    """What differs between two :class:`shipmap.shipments.Figures`, to the byte."""
    found = []
    if a.rows != b.rows:
        found.append(f"rows {a.rows} != {b.rows}")
    for name in ("headlines", "months"):
        left, right = getattr(a, name), getattr(b, name)
        try:
            pd.testing.assert_frame_equal(left, right, check_exact=True)
        except AssertionError as e:
            found.append(f"{name}: {e}")
        else:
            for column in left.columns:
                if left[column].dtype.kind == "f" and (
                    left[column].to_numpy().tobytes() != right[column].to_numpy().tobytes()
                ):
                    found.append(f"{name}.{column}: bytes differ")
    if a.units != b.units:
        found.append(f"units {a.units} != {b.units}")
    if a.details.keys() != b.details.keys():
        found.append("details: legs differ")
    for leg, left in a.details.items():
        right = b.details.get(leg, {})
        for key in ("vessels", "sources"):
            if left.get(key) != right.get(key):
                found.append(f"details[{leg}].{key} differ")
        if "events" in left or "events" in right:
            (lrows, lcount), (rrows, rcount) = left["events"], right["events"]
            if lcount != rcount or [tuple(r) for r in lrows] != [tuple(r) for r in rrows]:
                found.append(f"details[{leg}].events differ")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    args = parser.parse_args(argv)
    import shipmap.scan as scan

    used: list[bool] = []
    original = scan.scan_parquet

    def watched(*a: Any, **k: Any) -> Any:
        result = original(*a, **k)
        used.append(result is not None)
        return result

    scan.scan_parquet = watched  # type: ignore[assignment]
    import shipmap.dataset as dataset

    dataset.scan_parquet = watched  # type: ignore[assignment]
    scanned, scan_wall, scan_cpu = figures(args.dataset, "scan")
    parts, parts_wall, parts_cpu = figures(args.dataset, "row groups")
    print(
        f"scan: {scan_wall:.2f} s, {scan_cpu:.2f} CPU-s (did the work: {used == [True]}); "
        f"row groups: {parts_wall:.2f} s, {parts_cpu:.2f} CPU-s; rows {scanned.rows:,}"
    )
    found = differences(scanned, parts)
    for line in found:
        print("DIFFERS:", line)
    print("identical" if not found else f"{len(found)} differences")
    return 1 if found or used != [True] else 0


if __name__ == "__main__":
    sys.exit(main())
