"""Whatever an analyst's spreadsheet writes, the loader answers with data or a DataError.

Hypothesis builds data sets from random text (unicode, quotes, commas, line
breaks), numbers, dates, raw bytes, missing and extra columns, broken quoting and
random ``map.toml`` files. ``load_dataset`` must return a Dataset or raise
DataError, never any other exception, and every problem must name its file.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipmap.contract import LEGS, PLACES, SHIPMENTS, SOURCES
from shipmap.dataset import Dataset, load_dataset
from shipmap.errors import DataError

# Every column of the contract, plus a language-tagged one for each file that has them.
COLUMNS = {
    spec.file: [*spec.known, *(f"{prefix}:fa" for prefix in spec.prefixes)]
    for spec in (PLACES, LEGS, SHIPMENTS, SOURCES)
}
REQUIRED = {
    "places.csv": ["id", "name"],
    "legs.csv": ["id", "origin", "destination", "mode"],
    "shipments.csv": ["leg", "start", "quantity", "unit"],
    "sources.csv": ["id", "publisher"],
}
IDS = ["rajin", "vostochny", "khasan", "r1", "nw", "rusi", "Rajin", "", "a;b", "x y"]

plausible = st.sampled_from(
    [
        *IDS,
        "sea",
        "rail",
        "air",
        "Sea",
        "train",
        "port",
        "depot",
        "harbour",
        "KP",
        "RU",
        "ru",
        "Russia",
        "42.25",
        "130.3",
        "-91",
        "181",
        "1e3",
        "nan",
        "inf",
        "1,200",
        "-5",
        "0",
        "300",
        "2023-09",
        "2023-09-15",
        "2023-02-30",
        "15/01/2024",
        "0024-01-01",
        "9999-12",
        "event",
        "total",
        "troops",
        "Troops",
        "ballistic missiles",
        "https://example.com/a",
        "javascript:alert(1)",
        "data:text/html,x",
        "http://",
        " padded ",
        "\u00a0nbsp",
    ]
)
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
cell = st.one_of(plausible, text, st.sampled_from(['"', '""', ",", "\n", "\r\n", "a\nb", ";"]))


@st.composite
def csv_file(draw: st.DrawFn, name: str) -> bytes | None:
    """One CSV file: a header (maybe missing columns, extra ones), rows, then damage."""
    kind = draw(st.sampled_from(["absent", "csv", "csv", "csv", "bytes", "empty"]))
    if kind == "absent":
        return None
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "empty":
        return b""
    known = COLUMNS[name]
    header = draw(st.lists(st.sampled_from(known), unique=True, max_size=len(known)))
    if draw(st.booleans()):
        header = list(dict.fromkeys(REQUIRED[name] + header))
    header += draw(
        st.lists(st.sampled_from(["extra", "Lat", "_line", "", "name:FA", "note"]), max_size=2)
    )
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), max_size=6))
    out = io.StringIO()
    if draw(st.booleans()):
        writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
        writer.writerow(header)
        for row in rows:
            if draw(st.booleans()):
                out.write("\n")  # a blank line
            writer.writerow(row)
    else:  # hand-typed: no quoting at all, so commas, quotes and newlines break rows
        out.write(",".join(header) + "\n")
        for row in rows:
            out.write(",".join(row) + "\n")
    data = out.getvalue().encode("utf-8")
    damage = draw(st.sampled_from(["none", "none", "bom", "latin1", "cut", "nul"]))
    if damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "latin1":
        data = data.replace(b"a", b"\xe4", 1)
    elif damage == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "nul":
        data = data.replace(b",", b"\x00", 1)
    return data


toml_file = st.one_of(
    st.none(),
    st.sampled_from(
        [
            'title = "Arms"\nlanguages = ["en", "fa"]\n',
            'title.fa = "سلاح"\nsubtitle = "x"\nwidth_by = "troops"\nbasemap = "offline"\n',
            "languages = 3\n",
            'languages = ["english"]\n',
            "title = Arms\n",
            "title = [1]\n",
            'basemap = "nowhere"\nwidth_by = "Troops"\nunknown_key = 1\n',
            "[[[",
        ]
    ).map(str.encode),
    st.binary(max_size=60),
)


@settings(
    # bounded so the suite runs in seconds; SHIPMAP_FUZZ_EXAMPLES=5000 for a long hunt
    max_examples=int(os.environ.get("SHIPMAP_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    places=csv_file("places.csv"),
    legs=csv_file("legs.csv"),
    shipments=csv_file("shipments.csv"),
    sources=csv_file("sources.csv"),
    config=toml_file,
)
def test_load_dataset_returns_data_or_data_error(
    places: bytes | None,
    legs: bytes | None,
    shipments: bytes | None,
    sources: bytes | None,
    config: bytes | None,
) -> None:
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        files = {
            "places.csv": places,
            "legs.csv": legs,
            "shipments.csv": shipments,
            "sources.csv": sources,
            "map.toml": config,
        }
        for name, data in files.items():
            if data is not None:
                (root / name).write_bytes(data)
        try:
            dataset = load_dataset(root)
        except DataError as e:
            assert e.problems, "a DataError must carry at least one problem"
            for problem in e.problems:
                assert problem.file in files or problem.file == str(root)
                assert "\n" not in str(problem).split(": ", 1)[0]
            return
        assert isinstance(dataset, Dataset)
        for frame in (dataset.places, dataset.legs, dataset.shipments, dataset.sources):
            assert frame["_line"].dtype == "int64"
            assert (frame["_line"] >= 2).all()
        assert str(dataset.shipments["start"].dtype) == "datetime64[ns]"
        assert not dataset.places["id"].isna().any()
        assert isinstance(dataset.places, pd.DataFrame)
    finally:
        shutil.rmtree(root)


# A bare carriage return is a line break to editors and spreadsheets; csv.writer
# would leave it unquoted, so the generated text has none (CRLF is in the samples).
free_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r"),
    max_size=20,
) | st.sampled_from(
    ['5" guns', "a,b", "two\nlines", "crlf\r\nin cell", '""', " ", "<script>x</script>"]
)


@settings(max_examples=int(os.environ.get("SHIPMAP_FUZZ_EXAMPLES", "60")), deadline=None)
@given(
    notes=st.lists(free_text, min_size=2, max_size=2),
    vessels=st.lists(free_text, min_size=1, max_size=30),
    blank_lines=st.lists(st.booleans(), min_size=30, max_size=30),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
def test_free_text_is_kept_and_lines_are_exact(
    notes: list[str], vessels: list[str], blank_lines: list[bool], newline: str, bom: bool
) -> None:
    """Valid data with awkward free text loads; text and line numbers come through."""

    def table(
        header: list[str], rows: list[list[str]], blanks: list[bool]
    ) -> tuple[bytes, list[int]]:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator=newline)
        writer.writerow(header)
        lines = []
        for row, blank in zip(rows, blanks, strict=False):
            if blank:
                out.write(newline)
            lines.append(out.getvalue().count("\n") + 1)
            writer.writerow(row)
        return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"), lines

    places, place_lines = table(
        ["id", "name", "lat", "lon", "note"],
        [
            ["rajin", "Rajin", "42.25", "130.3", notes[0]],
            ["khasan", "Khasan", "42.43", "130.64", notes[1]],
        ],
        blank_lines,
    )
    legs, _ = table(
        ["id", "origin", "destination", "mode"], [["r-k", "rajin", "khasan", "rail"]], [False]
    )
    shipments, shipment_lines = table(
        ["leg", "start", "quantity", "unit", "vessel"],
        [["r-k", "2024-01", str(i), "troops", v] for i, v in enumerate(vessels)],
        blank_lines,
    )
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        (root / "places.csv").write_bytes(places)
        (root / "legs.csv").write_bytes(legs)
        (root / "shipments.csv").write_bytes(shipments)
        data = load_dataset(root)
        data.shipments  # noqa: B018  (the rows are read on first use, while the files exist)
    finally:
        shutil.rmtree(root)

    def stripped(values: list[str]) -> list[str]:
        return list(pd.Series(values, dtype="str").str.strip())

    assert list(data.places["note"]) == stripped(notes)
    assert list(data.places["_line"]) == place_lines
    assert list(data.shipments["vessel"]) == stripped(vessels)
    assert list(data.shipments["_line"]) == shipment_lines
    assert list(data.shipments["quantity"]) == [float(i) for i in range(len(vessels))]
