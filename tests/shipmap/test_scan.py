"""Parquet shipments read by compiled scans: the row-group engine's figures, to the byte.

Every test reads the same rows twice, ``engine="scan"`` (the default: compiled
scans, which hand over to the row groups when a row breaks a rule or a sum could
come out different) and ``engine="row groups"``, and compares what a user gets:
the figures behind the map to the byte, or the one-line errors word for word.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from builders import write_dataset

import shipmap.dataset as dataset
from shipmap.dataset import load_dataset
from shipmap.errors import DataError

LEGS = ("sea_rajin_vostochny", "sea_rajin_dunai", "rail_vostochny_kursk")
COLUMNS = (
    "id",
    "leg",
    "start",
    "end",
    "quantity",
    "low",
    "high",
    "unit",
    "basis",
    "vessel",
    "source",
    "note",
)


def _rows(n: int = 45, *, months: bool = False) -> list[dict[str, Any]]:
    """Good rows: three legs, days shared by several rows, ranges, totals, vessels, sources."""
    rows = []
    for i in range(n):
        leg = LEGS[i % 3]
        unit = "troops" if leg.startswith("rail") else "containers"
        day = date(2024, 1 + i % 6, 1 + (i * 7) % 5)
        start: Any = day
        end: Any = day + timedelta(days=i % 3) if i % 4 else None
        if months and i % 9 == 4:
            start, end = f"2024-{1 + i % 6:02d}", None
        rows.append(
            {
                "id": f"r{i:03d}",
                "leg": leg,
                "start": start,
                "end": end,
                "quantity": float(10 + i),
                "low": float(5 + i) if i % 5 == 0 else None,
                "high": float(20 + i) if i % 7 == 0 else None,
                "unit": unit,
                "basis": "total" if i % 11 == 0 else "event",
                "vessel": f"Ship {i % 4};Ship {i % 5}" if unit == "containers" and i % 3 else "",
                "source": "osc" if i % 2 else "osc;wh",
                "note": "",
            }
        )
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if not math.isnan(value) else "nan"
    return value.isoformat() if isinstance(value, date) else str(value)


def _table(rows: list[dict[str, Any]], *, dates: str, numbers: pa.DataType) -> pa.Table:
    """The rows as a Parquet writer stores them: numbers typed, dates typed or as text."""
    columns = {}
    for name in COLUMNS:
        values = [row[name] for row in rows]
        if name in ("quantity", "low", "high"):
            if pa.types.is_integer(numbers):
                values = [None if v is None else int(v) for v in values]
            columns[name] = pa.array(values, numbers)
        elif name in ("start", "end") and dates == "dated":
            columns[name] = pa.array(values, pa.date32())
        else:
            columns[name] = pa.array([_text(v) if name in ("start", "end") else v for v in values])
    return pa.table(columns)


def _write(
    folder: Path,
    rows: list[dict[str, Any]],
    *,
    dates: str = "dated",
    numbers: pa.DataType | None = None,
    row_group_size: int = 7,
) -> Path:
    write_dataset(folder)
    (folder / "shipments.csv").unlink()
    table = _table(rows, dates=dates, numbers=numbers or pa.float64())
    pq.write_table(table, folder / "shipments.parquet", row_group_size=row_group_size)
    return folder


def _write_csv(folder: Path, rows: list[dict[str, Any]]) -> Path:
    lines = [",".join(COLUMNS)]
    for row in rows:
        cells = [_text(row[name]) for name in COLUMNS]
        lines.append(",".join(f'"{c}"' if "," in c else c for c in cells))
    return write_dataset(folder, **{"shipments.csv": "\n".join(lines) + "\n"})


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each compiled scan did the work (True) or handed it over (False)."""
    done: list[bool] = []
    scan = dataset.scan_parquet

    def watched(*args: Any, **kwargs: Any) -> Any:
        result = scan(*args, **kwargs)
        done.append(result is not None)
        return result

    monkeypatch.setattr(dataset, "scan_parquet", watched)
    return done


def _assert_same_figures(a: Any, b: Any) -> None:
    """The two readings give the same figures, float bytes included."""
    assert a.rows == b.rows
    for name in ("headlines", "months"):
        left, right = getattr(a, name), getattr(b, name)
        pd.testing.assert_frame_equal(left, right, check_exact=True)
        for column in left.columns:
            if left[column].dtype.kind == "f":
                assert left[column].to_numpy().tobytes() == right[column].to_numpy().tobytes()
    assert a.units == b.units
    assert a.details.keys() == b.details.keys()
    for leg, left in a.details.items():
        right = b.details[leg]
        assert left.get("vessels") == right.get("vessels"), leg
        assert left.get("sources") == right.get("sources"), leg
        (shown, count), (other, other_count) = left["events"], right["events"]
        assert count == other_count, leg
        assert [tuple(r) for r in shown] == [tuple(r) for r in other], leg


def _both(folder: Path) -> tuple[Any, Any]:
    return load_dataset(folder).figures, load_dataset(folder, engine="row groups").figures


@pytest.mark.parametrize(
    ("dates", "numbers"),
    [("dated", pa.float64()), ("text", pa.float64()), ("dated", pa.int64())],
)
def test_the_scan_gives_the_row_groups_figures_to_the_byte(
    tmp_path: Path, scans: list[bool], dates: str, numbers: pa.DataType
):
    folder = _write(tmp_path, _rows(months=dates == "text"), dates=dates, numbers=numbers)
    scanned, parts = _both(folder)
    assert scans == [True]  # the scan did the work, not the row groups
    _assert_same_figures(scanned, parts)
    # ... which are also the CSV file's figures
    csv = load_dataset(_write_csv(tmp_path / "csv", _rows(months=dates == "text"))).figures
    _assert_same_figures(scanned, csv)
    head = scanned.headlines.set_index(["leg", "unit"])
    assert head.loc[("sea_rajin_vostochny", "containers"), "basis"] == "total"
    events, count = scanned.details["sea_rajin_dunai"]["events"]
    assert len(events) == 8 < count


def test_cells_with_spaces_and_halves_are_read_alike(tmp_path: Path, scans: list[bool]):
    rows = _rows()
    for i, row in enumerate(rows):
        row["quantity"] += 0.5 if i % 2 else 0.25  # exact in a float, in any order
        row["unit"] = f" {row['unit']} "
        row["leg"] = f"{row['leg']}  " if i % 4 else row["leg"]
        row["vessel"] = f" {row['vessel']}" if row["vessel"] else row["vessel"]
    folder = _write(tmp_path, rows, row_group_size=5)
    scanned, parts = _both(folder)
    assert scans == [True]
    _assert_same_figures(scanned, parts)
    assert scanned.units == ("containers", "troops")


@pytest.mark.parametrize("dates", ["dated", "text"])
def test_vessels_and_sources_are_listed_in_the_order_of_their_first_rows(
    tmp_path: Path, scans: list[bool], dates: str
):
    # Two row groups; each has a cell more than once, and the second in another order.
    c, a, b, d = "Ship C", "Ship A", "Ship B", "Ship D"
    vessels = [c, a, b, f"{a};{b}", c, "", b, a, d, c, a, d]
    sources = ["wh", "osc", "wh", "osc;wh", "osc", "wh", "osc", "osc", "wh", "osc", "wh", "osc"]
    rows = _rows(len(vessels))
    for row, vessel, source in zip(rows, vessels, sources, strict=True):
        row.update(leg=LEGS[1], unit="containers", basis="event", high=None, low=None)
        row.update(vessel=vessel, source=source)
    scanned, parts = _both(_write(tmp_path, rows, dates=dates, row_group_size=6))
    assert scans == [True]
    _assert_same_figures(scanned, parts)
    assert scanned.details[LEGS[1]]["vessels"] == [c, a, b, d]
    assert scanned.details[LEGS[1]]["sources"] == ["wh", "osc"]


@pytest.mark.parametrize("ids", ["decreasing", "padded", "none"])
def test_ids_out_of_order_go_through_the_row_groups(tmp_path: Path, scans: list[bool], ids: str):
    rows = _rows()
    if ids == "decreasing":
        rows.reverse()
    for row in rows:
        row["id"] = {"padded": f" {row['id']}", "none": None}.get(ids, row["id"])
    scanned, parts = _both(_write(tmp_path, rows))
    assert scans == [ids == "none"]  # no ids at all: nothing to compare
    _assert_same_figures(scanned, parts)


def test_a_folder_of_files_partitioned_by_unit_is_scanned_in_its_order(
    tmp_path: Path, scans: list[bool]
):
    folder = write_dataset(tmp_path)
    (folder / "shipments.csv").unlink()
    rows = _rows()
    for row in rows:  # ids in the order of the files: containers, then troops
        row["id"] = f"{row['unit']}-{row['id']}"
    table = _table(rows, dates="dated", numbers=pa.float64())
    for unit in ("containers", "troops"):
        part = folder / "shipments" / f"unit={unit}"
        part.mkdir(parents=True)
        rows = table.filter(pa.compute.equal(table.column("unit"), unit)).drop_columns(["unit"])
        pq.write_table(rows.slice(0, 6), part / "a.parquet", row_group_size=4)
        pq.write_table(rows.slice(6), part / "b.parquet", row_group_size=4)
    scanned, parts = _both(folder)
    assert scans == [True]
    _assert_same_figures(scanned, parts)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            {"quantity": 0.1, "low": None, "high": None},
            "tenths add up differently in another order",
        ),
        ({"quantity": 3e15, "low": None, "high": None}, "too large to add up exactly"),
    ],
)
def test_figures_the_scan_cannot_add_up_exactly_go_through_the_row_groups(
    tmp_path: Path, scans: list[bool], change: dict[str, Any], why: str
):
    rows = _rows()
    for i, row in enumerate(rows):
        for key, value in change.items():
            row[key] = value if value is None else value * (1 + i % 3)
    scanned, parts = _both(_write(tmp_path, rows))
    assert scans == [False], why
    _assert_same_figures(scanned, parts)


def _problems(folder: Path, **kwargs: Any) -> list[str]:
    with pytest.raises(DataError) as err:
        load_dataset(folder, **kwargs)
    return [str(p) for p in err.value.problems]


def _unlocated(lines: list[str]) -> list[str]:
    where = r"shipments\.(csv:\d+|parquet: row group \d+, row \d+): "
    first = r"\(first used (on line \d+|in shipments\.parquet, row group \d+, row \d+)\)"
    return sorted(re.sub(first, "(first used ...)", re.sub(where, "", s)) for s in lines)


NAN = float("nan")
INF = float("inf")

#: One bad row each: (what is wrong, the row's changes, the date columns it applies to).
BAD = [
    ("unknown leg", {"leg": "sea_rajin_vostochy"}, "both"),
    ("empty leg", {"leg": ""}, "both"),
    ("no start", {"start": None}, "both"),
    ("start too early", {"start": date(1500, 1, 1), "end": None}, "both"),
    ("end too late", {"end": date(2300, 1, 1)}, "both"),
    ("end before start", {"start": date(2024, 3, 12), "end": date(2024, 3, 1)}, "both"),
    ("start not a date", {"start": "2024-13-40"}, "text"),
    ("end not a date", {"end": "soon"}, "text"),
    ("month ends before start", {"start": "2024-03", "end": "2024-02-27"}, "text"),
    ("no quantity", {"quantity": None}, "both"),
    ("quantity NaN", {"quantity": NAN}, "both"),
    ("quantity infinite", {"quantity": INF}, "both"),
    ("quantity negative", {"quantity": -5.0}, "both"),
    ("low negative", {"low": -1.0}, "both"),
    ("high negative", {"high": -1.0, "quantity": 0.0, "low": None}, "both"),
    ("low NaN", {"low": NAN}, "both"),
    ("high NaN", {"high": NAN}, "both"),
    ("high infinite", {"high": INF}, "both"),
    ("low above quantity", {"low": 400.0, "quantity": 300.0}, "both"),
    ("high below quantity", {"high": 200.0, "quantity": 300.0}, "both"),
    ("unit not a lower-case word", {"unit": "Containers"}, "both"),
    ("basis misspelt", {"basis": "evnt"}, "both"),
    ("unknown source in a list", {"source": "osc;nyt"}, "both"),
    ("id of the row before", {"id": "r012"}, "both"),
    ("id used far away", {"id": "r040"}, "both"),
    ("id equal once stripped", {"id": " r002"}, "both"),
]


CASES = [
    (what, change, dates)
    for what, change, applies in BAD
    for dates in ("dated", "text")
    if applies in ("both", dates)
]


@pytest.mark.parametrize(("what", "change", "dates"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_every_kind_of_bad_row_gets_the_row_groups_and_the_csv_errors(
    tmp_path: Path, scans: list[bool], what: str, change: dict[str, Any], dates: str
):
    rows = _rows()
    rows[13].update(change)  # row group 1, row 6: the last row of a row group
    folder = _write(tmp_path / "pq", rows, dates=dates)
    scanned = _problems(folder)
    assert scans == [False], f"the scan took a data set with a bad row ({what})"
    assert scanned == _problems(folder, engine="row groups")
    assert any("row group 1, row 6" in line for line in scanned), scanned
    csv = _problems(_write_csv(tmp_path / "csv", rows))
    assert _unlocated(scanned) == _unlocated(csv)


def test_an_id_repeated_on_the_edge_of_two_row_groups_is_found(tmp_path: Path, scans: list[bool]):
    rows = _rows()
    rows[7]["id"] = rows[6]["id"]  # last row of group 0, first of group 1: ids still in order
    folder = _write(tmp_path, rows)
    assert _problems(folder) == [
        "shipments.parquet: row group 1, row 0: id: duplicate id 'r006' (first used in "
        "shipments.parquet, row group 0, row 6): ids must be unique"
    ]
    assert scans == [False]


def test_numbers_stored_as_text_are_left_to_the_row_groups(tmp_path: Path, scans: list[bool]):
    folder = _write(tmp_path, _rows())
    table = pq.read_table(folder / "shipments.parquet")
    quantity = pa.array([_text(v) for v in table.column("quantity").to_pylist()])
    table = table.set_column(table.column_names.index("quantity"), "quantity", quantity)
    pq.write_table(table, folder / "shipments.parquet")
    scanned, parts = _both(folder)
    assert scans == [False]
    _assert_same_figures(scanned, parts)
    assert np.isclose(scanned.headlines["quantity"].sum(), parts.headlines["quantity"].sum())


def test_the_scan_leaves_nothing_behind_in_the_cache_or_beside_the_data(
    tmp_path: Path, scans: list[bool], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SHIPMAP_CACHE", str(tmp_path / "cache"))
    folder = _write(tmp_path / "data", _rows())
    before = sorted(p.name for p in folder.iterdir())
    load_dataset(folder)
    assert scans == [True]
    assert sorted(p.name for p in folder.iterdir()) == before
    # its spill folder is private to this user, and empty once the scans are over
    spill = tmp_path / "cache" / "scan"
    assert list(spill.iterdir()) == []
    assert spill.stat().st_mode & 0o077 == 0


def test_a_file_the_engine_cannot_read_is_left_to_the_row_groups(
    tmp_path: Path, scans: list[bool], monkeypatch: pytest.MonkeyPatch
):
    import duckdb

    import shipmap.scan as scan

    def unreadable(con: Any, sql: str) -> Any:
        raise duckdb.IOException("cannot read this file")

    monkeypatch.setattr(scan, "_query", unreadable)
    folder = _write(tmp_path, _rows())
    scanned, parts = _both(folder)
    assert scans == [False]
    _assert_same_figures(scanned, parts)


def test_a_row_group_the_one_read_cannot_read_is_left_to_the_row_groups(
    tmp_path: Path, scans: list[bool], monkeypatch: pytest.MonkeyPatch
):
    import shipmap.scan as scan

    def unreadable(*args: Any) -> Any:
        raise pa.ArrowInvalid("cannot read this row group")

    monkeypatch.setattr(scan, "_part_sums", unreadable)
    folder = _write(tmp_path, _rows())
    scanned, parts = _both(folder)
    assert scans == [False]
    _assert_same_figures(scanned, parts)
