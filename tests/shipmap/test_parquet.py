"""Shipments as Parquet: the same checks, the same one-line errors, the same maps as CSV."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from builders import TINY, write_dataset

from shipmap.cli import main
from shipmap.dataset import load_dataset
from shipmap.errors import DataError

# Rows with one problem each (and one good row between), as an analyst's export might have.
BAD_ROWS = """\
    id,leg,start,end,quantity,low,high,unit,basis,vessel,source,note
    a,sea_rajin_vostochny,2024-03-12,,300,,,containers,event,Lady R,osc,
    b,sea_rajin_vostochy,2024-03-12,,300,,,containers,event,,osc,
    c,sea_rajin_vostochny,2024-13-40,,300,,,containers,event,,osc,
    d,sea_rajin_vostochny,2024-03-12,2024-03-01,300,,,containers,event,,osc,
    e,sea_rajin_vostochny,2024-03-12,,-5,,,containers,event,,osc,
    f,sea_rajin_vostochny,2024-03-12,,300,400,,containers,event,,osc,
    g,sea_rajin_vostochny,2024-03-12,,300,,,Containers,event,,osc,
    h,sea_rajin_vostochny,2024-03-12,,300,,,containers,evnt,,osc,
    i,sea_rajin_vostochny,2024-03-12,,300,,,containers,event,,nyt,
    a,sea_rajin_vostochny,2024-03-13,,300,,,containers,event,,osc,
    """


def _as_parquet(folder: Path, *, row_group_size: int = 3, typed: bool = False) -> Path:
    """Replace the data set's shipments.csv by shipments.parquet of the same rows."""
    csv = folder / "shipments.csv"
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if typed:
        table = _typed(frame)
    pq.write_table(table, folder / "shipments.parquet", row_group_size=row_group_size)
    csv.unlink()
    return folder


def _typed(frame: pd.DataFrame) -> pa.Table:
    """Dates as dates and numbers as numbers, as a Parquet writer would store them."""
    columns = {}
    for name in frame.columns:
        text = frame[name]
        if name in ("quantity", "low", "high"):
            columns[name] = pa.array(pd.to_numeric(text.replace("", None)), pa.float64())
        elif name in ("start", "end"):
            days = pd.to_datetime(text.replace("", None), format="%Y-%m-%d")
            columns[name] = pa.array(days.dt.date, pa.date32())
        else:
            columns[name] = pa.array(text.tolist(), pa.string())
    return pa.table(columns)


def _problems(folder: Path) -> list[str]:
    with pytest.raises(DataError) as err:
        load_dataset(folder)
    return [str(p) for p in err.value.problems]


def _messages(lines: list[str]) -> list[str]:
    """The lines without their locations (file, line or row group and row)."""
    where = r"shipments\.(csv:\d+|parquet: row group \d+, row \d+): "
    first = r"\(first used (on line \d+|in shipments\.parquet, row group \d+, row \d+)\)"
    return sorted(re.sub(first, "(first used ...)", re.sub(where, "", s)) for s in lines)


def test_bad_parquet_rows_get_the_csv_messages_located_by_row_group_and_row(tmp_path: Path):
    csv_lines = _problems(write_dataset(tmp_path / "csv", **{"shipments.csv": BAD_ROWS}))
    parquet = _as_parquet(write_dataset(tmp_path / "pq", **{"shipments.csv": BAD_ROWS}))
    parquet_lines = _problems(parquet)
    assert len(csv_lines) == 9
    assert _messages(parquet_lines) == _messages(csv_lines)
    # Row b is the file's second row: row group 0, row 1 (as pyarrow counts them).
    assert (
        "shipments.parquet: row group 0, row 1: leg: unknown leg id 'sea_rajin_vostochy' "
        "(did you mean 'sea_rajin_vostochny'?)" in parquet_lines
    )
    assert (
        "shipments.parquet: row group 1, row 1: quantity: quantity -5 is negative: "
        "it must be 0 or more" in parquet_lines
    )
    # The repeated id names where it was first used, in the same terms.
    assert (
        "shipments.parquet: row group 3, row 0: id: duplicate id 'a' (first used in "
        "shipments.parquet, row group 0, row 0): ids must be unique" in parquet_lines
    )


def test_typed_parquet_columns_are_checked_as_numbers_and_dates(tmp_path: Path):
    rows = """\
        id,leg,start,end,quantity,low,high,unit,basis,vessel,source,note
        a,sea_rajin_vostochny,2024-03-12,,300,,,containers,event,Lady R,osc,
        e,sea_rajin_vostochny,2024-03-12,,-5,,,containers,event,,osc,
        d,sea_rajin_vostochny,2024-03-12,2024-03-01,300,,,containers,event,,osc,
        """
    folder = _as_parquet(write_dataset(tmp_path, **{"shipments.csv": rows}), typed=True)
    assert pq.read_schema(folder / "shipments.parquet").field("start").type == pa.date32()
    assert _problems(folder) == [
        "shipments.parquet: row group 0, row 1: quantity: quantity -5 is negative: "
        "it must be 0 or more",
        "shipments.parquet: row group 0, row 2: end: end 2024-03-01 is before start 2024-03-12",
    ]


def test_a_parquet_data_set_builds_the_same_outputs_as_its_csv(tmp_path: Path):
    csv = write_dataset(tmp_path / "csv")
    parquet = _as_parquet(write_dataset(tmp_path / "pq"), row_group_size=2)
    assert main(["build", str(csv), "-o", str(tmp_path / "out-csv"), "-q"]) == 0
    assert main(["build", str(parquet), "-o", str(tmp_path / "out-pq"), "-q"]) == 0
    for name in ("map-en.html", "map-fa.html", "flows.csv", "shipmap.geojson", "shipmap.gpkg"):
        assert (tmp_path / "out-pq" / name).read_bytes() == (
            tmp_path / "out-csv" / name
        ).read_bytes(), name


def test_a_folder_of_parquet_files_partitioned_by_unit_is_read_whole(tmp_path: Path):
    folder = write_dataset(tmp_path / "data")
    frame = pd.read_csv(
        io.StringIO(_dedent(TINY["shipments.csv"])), dtype=str, keep_default_na=False
    )
    (folder / "shipments.csv").unlink()
    for unit, rows in frame.groupby("unit"):
        part = folder / "shipments" / f"unit={unit}"
        part.mkdir(parents=True)
        pq.write_table(
            pa.Table.from_pandas(rows.drop(columns="unit"), preserve_index=False),
            part / "part-0.parquet",
        )
    ds = load_dataset(folder)
    assert ds.figures.rows == 6
    head = ds.figures.headlines.set_index(["leg", "unit"])
    assert head.loc[("sea_rajin_vostochny", "containers"), "quantity"] == 15800
    assert head.loc[("rail_vostochny_kursk", "troops"), "basis"] == "total"


def test_a_bad_row_in_the_second_file_of_a_folder_names_that_file(tmp_path: Path):
    folder = write_dataset(tmp_path / "data")
    frame = pd.read_csv(folder / "shipments.csv", dtype=str, keep_default_na=False)
    (folder / "shipments.csv").unlink()
    (folder / "shipments").mkdir()
    frame.loc[4, "quantity"] = "lots"
    for i, rows in enumerate((frame.iloc[:3], frame.iloc[3:])):
        pq.write_table(
            pa.Table.from_pandas(rows, preserve_index=False),
            folder / "shipments" / f"part-{i}.parquet",
        )
    assert _problems(folder) == [
        "shipments/part-1.parquet: row group 0, row 1: quantity: 'lots' is not a number"
    ]


def test_shipments_given_twice_are_refused(tmp_path: Path):
    folder = write_dataset(tmp_path)
    pq.write_table(pa.table({"leg": ["x"]}), folder / "shipments.parquet")
    assert _problems(folder) == [
        "shipments.parquet: shipments given twice (shipments.csv and shipments.parquet): keep one"
    ]


def test_a_parquet_file_without_a_required_column_says_which(tmp_path: Path):
    folder = _as_parquet(write_dataset(tmp_path))
    table = pq.read_table(folder / "shipments.parquet").drop_columns(["unit"])
    pq.write_table(table, folder / "shipments.parquet")
    assert _problems(folder) == [
        "shipments.parquet:1: unit: required column is missing; the header needs "
        "leg, start, quantity, unit"
    ]


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text)


def _as_folder(folder: Path) -> Path:
    """Replace the data set's shipments.csv by a folder shipments/ of two Parquet files."""
    frame = pd.read_csv(folder / "shipments.csv", dtype=str, keep_default_na=False)
    (folder / "shipments.csv").unlink()
    (folder / "shipments").mkdir()
    for i, rows in enumerate((frame.iloc[:3], frame.iloc[3:])):
        pq.write_table(
            pa.Table.from_pandas(rows, preserve_index=False),
            folder / "shipments" / f"part-{i}.parquet",
        )
    return folder


@pytest.mark.parametrize("linked", ["shipments.parquet", "shipments", "shipments/part-1.parquet"])
def test_parquet_shipments_linked_from_inside_the_output_folder_are_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], linked: str
):
    data = write_dataset(tmp_path / "data")
    data = _as_parquet(data) if linked == "shipments.parquet" else _as_folder(data)
    out = tmp_path / "out"
    assert main(["build", str(data), "-o", str(out), "-q"]) == 0
    # the shipments (file, folder, or one file of the folder) move into the built folder
    moved = out / "kept" / Path(linked).name
    moved.parent.mkdir()
    (data / linked).rename(moved)
    (data / linked).symlink_to(moved)
    before = {p.name: p.read_bytes() for p in [moved, *moved.rglob("*")] if p.is_file()}
    for extra in ([], ["--force"]):
        capsys.readouterr()
        assert main(["build", str(data), "-o", str(out), "-q", *extra]) == 1
        assert "holds the data set being read" in capsys.readouterr().err
        assert {p.name: p.read_bytes() for p in [moved, *moved.rglob("*")] if p.is_file()} == (
            before
        )


def test_many_row_groups_give_the_figures_of_one_csv_file(tmp_path: Path):
    # 60 rows in 60 row groups: more parts than are folded in at once.
    lines = ["id,leg,start,end,quantity,low,high,unit,basis,vessel,source,note"]
    legs = ("sea_rajin_vostochny", "sea_rajin_dunai", "rail_vostochny_kursk")
    for i in range(60):
        unit = "troops" if legs[i % 3].startswith("rail") else "containers"
        vessel = f"Ship {i % 7}" if unit == "containers" else ""
        day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        lines.append(f"r{i},{legs[i % 3]},{day},,{10 + i},,,{unit},event,{vessel},osc,")
    rows = "\n".join(lines) + "\n"
    csv = load_dataset(write_dataset(tmp_path / "csv", **{"shipments.csv": rows})).figures
    folder = _as_parquet(write_dataset(tmp_path / "pq", **{"shipments.csv": rows}))
    pq.write_table(
        pq.read_table(folder / "shipments.parquet"), folder / "shipments.parquet", row_group_size=1
    )
    assert pq.ParquetFile(folder / "shipments.parquet").metadata.num_row_groups == 60
    parquet = load_dataset(folder).figures
    assert parquet.rows == csv.rows == 60
    pd.testing.assert_frame_equal(parquet.headlines, csv.headlines)
    pd.testing.assert_frame_equal(parquet.months, csv.months)
    assert parquet.details.keys() == csv.details.keys()
    for leg, details in csv.details.items():
        assert parquet.details[leg].get("vessels") == details.get("vessels"), leg
        assert parquet.details[leg].get("sources") == details.get("sources"), leg
        shown, count = details["events"]
        assert parquet.details[leg]["events"][1] == count
        assert [tuple(r) for r in parquet.details[leg]["events"][0]] == [tuple(r) for r in shown]


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_an_id_repeated_in_any_two_row_groups_is_found_whatever_its_hash(threads: int):
    # Ids are compared through 64-bit hashes, merged in slices of the hash range:
    # a repeat at either end of the range or on a slice's edge is found all the same.
    import numpy as np

    from shipmap.shipments import Reduction

    edges = [0, 2**63 - 1, 2**63, 2**64 // 3, 2**64 - 1]
    rng = np.random.default_rng(7)
    runs = [rng.integers(1, 2**64 - 2, 1000, dtype=np.uint64) for _ in range(4)]
    runs[1] = np.concatenate([runs[1], np.array(edges, dtype=np.uint64)])
    runs[3] = np.concatenate([runs[3], np.array(edges, dtype=np.uint64), runs[0][:2]])
    reduction = Reduction(id_hashes=[np.sort(run) for run in runs])
    found = reduction.repeated_hashes(threads=threads)
    assert found.tolist() == sorted([*edges, *runs[0][:2].tolist()])
    assert Reduction(id_hashes=[np.sort(run) for run in runs[:1]]).repeated_hashes().size == 0
