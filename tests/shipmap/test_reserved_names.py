"""Names that collide: units and extra columns that would take an output column's name.

Each unit gives every leg the columns ``<unit>``, ``<unit>_low`` and
``<unit>_high``; the outputs add ``layer``, ``length_km``, ``coord_source``,
``geometry``/``geom`` and ``fid``. A unit or an extra column that would take one
of those names is refused with one line naming the file, line, column and the
name; whatever is accepted reaches every output with the contract's own columns
intact. The fuzz run at the end draws column and unit names at random.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from builders import TINY, write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shipmap.geo.places import locate_places
from shipmap.routes.flows import join_flows
from shipmap.routes.legs import build_legs

from shipmap.dataset import MAX_UNITS, RESERVED_COLUMNS, load_dataset
from shipmap.errors import DataError
from shipmap.outputs.exports import flows_table, geopackage_bytes
from shipmap.outputs.write import geojson_document


def problems_of(root: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load_dataset(root)
    return [str(p) for p in info.value.problems]


def with_unit(tmp_path: Path, unit: str) -> Path:
    """The tiny data set with its troops rows counted in ``unit``."""
    shipments = TINY["shipments.csv"].replace(",troops,", f",{unit},")
    return write_dataset(tmp_path / "data", **{"shipments.csv": shipments})


def with_extra_column(tmp_path: Path, file: str, name: str) -> Path:
    text = TINY[file]
    header, _, rest = text.partition("\n")
    rows = [row + ",x" if row.strip() else row for row in rest.split("\n")]
    return write_dataset(tmp_path / "data", **{file: f"{header},{name}\n" + "\n".join(rows)})


# --- units ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "column", "why"),
    [
        ("mode", "mode", "legs.csv has a column 'mode'"),
        ("origin", "origin", "legs.csv has a column 'origin'"),
        ("destination", "destination", "legs.csv has a column 'destination'"),
        ("id", "id", "legs.csv has a column 'id'"),
        ("length_km", "length_km", "each leg's measured length"),
        ("geometry", "geometry", "the geometry of the exports"),
        ("fid", "fid", "the GeoPackage's feature id"),
        ("layer", "layer", "the GeoJSON's place/leg property"),
        ("length", "length_km", None),  # length_low / length_high are free: no clash
    ],
)
def test_a_unit_named_like_a_leg_column_is_refused_with_file_line_and_name(
    tmp_path, unit, column, why
):
    root = with_unit(tmp_path, unit)
    if why is None:
        load_dataset(root)  # 'length' gives length, length_low, length_high: all free
        return
    (problem,) = problems_of(root)
    assert problem.startswith(f"shipments.csv:6: unit: unit {unit!r} is a reserved name")
    assert f"a column {column!r}" in problem and why in problem


def test_a_unit_and_its_low_estimate_as_another_unit_are_refused(tmp_path):
    shipments = TINY["shipments.csv"].replace(
        "f,rail_vostochny_kursk,2025-01,2025-02,3000,,,troops,",
        "f,rail_vostochny_kursk,2025-01,2025-02,3000,,,troops_low,",
    )
    root = write_dataset(tmp_path / "data", **{"shipments.csv": shipments})
    assert problems_of(root) == [
        "shipments.csv:7: unit: unit 'troops_low' collides with unit 'troops': both would "
        "give each leg a column 'troops_low'; rename one of them"
    ]


def test_a_unit_that_matches_an_extra_leg_column_is_refused(tmp_path):
    legs = TINY["legs.csv"].replace("note\n", "note,Troops_high\n", 1)
    root = write_dataset(tmp_path / "data", **{"legs.csv": legs})
    (problem,) = problems_of(root)
    assert problem.startswith("shipments.csv:6: unit: unit 'troops' is a reserved name")
    assert "'troops_high'" in problem and "legs.csv has a column 'Troops_high'" in problem


def test_more_units_than_the_limit_fail_at_once(tmp_path):
    rows = "".join(
        f"r{i},sea_rajin_dunai,2024-01-01,,1,,,u{i},event,,,\n" for i in range(MAX_UNITS + 5)
    )
    root = write_dataset(tmp_path / "data", **{"shipments.csv": TINY["shipments.csv"] + rows})
    (problem,) = problems_of(root)
    # The tiny data set has 3 units on lines 2 to 7; u0 is the 4th, on line 8.
    first_too_many = 8 + MAX_UNITS - 3
    assert problem.startswith(
        f"shipments.csv:{first_too_many}: unit: unit 'u{MAX_UNITS - 3}' is one unit too many"
    )
    assert f"at most {MAX_UNITS} different units" in problem


# --- extra columns --------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("places.csv", "fid"),
        ("places.csv", "FID"),
        ("places.csv", "geom"),
        ("places.csv", "geometry"),
        ("places.csv", "coord_source"),
        ("places.csv", "Layer"),
        ("legs.csv", "fid"),
        ("legs.csv", "geom"),
        ("legs.csv", "layer"),
        ("legs.csv", "length_km"),
        ("legs.csv", "GEOMETRY"),
        ("shipments.csv", "Fid"),
    ],
)
def test_an_extra_column_with_a_reserved_name_is_refused(tmp_path, file, name):
    root = with_extra_column(tmp_path, file, name)
    (problem,) = problems_of(root)
    folded = name.casefold()
    assert problem == (
        f"{file}:1: {name}: {name!r} is a reserved name: the outputs use the column "
        f"{folded!r} for {RESERVED_COLUMNS[folded]}; rename this column (e.g. 'source_{folded}')"
    )


def test_two_columns_that_differ_only_in_case_are_refused(tmp_path):
    root = with_extra_column(tmp_path, "places.csv", "ID")
    assert problems_of(root) == [
        "places.csv:1: ID: 'ID' and 'id' differ only in case, which a GeoPackage cannot "
        "tell apart: rename or remove one"
    ]


def test_a_problem_with_a_column_name_that_holds_a_line_break_is_one_line(tmp_path):
    header, _, rest = TINY["places.csv"].partition("\n")
    places = f'{header},"a\nb","a\nb"\n' + rest  # one column twice, its name over two lines
    root = write_dataset(tmp_path / "data", **{"places.csv": places})
    (problem,) = problems_of(root)
    assert "\n" not in problem
    assert problem.startswith("places.csv:1: 'a\\nb': this column appears twice")


def test_extra_columns_that_are_free_reach_the_outputs(tmp_path):
    root = with_extra_column(tmp_path, "legs.csv", "operator")
    ds = load_dataset(root)
    assert list(ds.legs["operator"]) == ["x"] * 4


# --- the fuzz run ----------------------------------------------------------------

#: Names people and tools give columns, the outputs' own names, and near misses.
NAMES = [
    *RESERVED_COLUMNS,
    *(n.upper() for n in RESERVED_COLUMNS),
    "id",
    "ID",
    "Id",
    "name",
    "Name",
    "mode",
    "origin",
    "destination",
    "via",
    "label",
    "note",
    "source",
    "unit",
    "quantity",
    "troops",
    "troops_low",
    "troops_high",
    "lat",
    "LON",
    "name:fa",
    "label:xx",
    "x_low",
    "OBJECTID",
    "ogc_fid",
    "wkt",
    "the geom",
]
UNIT_NAMES = [
    *RESERVED_COLUMNS,
    "id",
    "mode",
    "origin",
    "destination",
    "label",
    "via",
    "note",
    "source",
    "troops",
    "troops_low",
    "troops_high",
    "x",
    "x_low",
    "x_low_high",
    "operator",
]
column_name = st.one_of(
    st.sampled_from(NAMES),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12),
)
unit_name = st.one_of(
    st.sampled_from(UNIT_NAMES), st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
)


def _with_columns(text: str, names: list[str]) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*rows[0], *names])
    for i, row in enumerate(rows[1:]):
        writer.writerow([*row, *(f"v{i}{j}" for j in range(len(names)))])
    return out.getvalue()


# Rail and air only: drawn as geodesics in a blink, no routing, no cache.
FUZZ_LEGS = """\
id,origin,destination,mode,via,label,label:fa,source,note
rail_rajin_dunai,rajin,dunai,rail,,,,,
air_rajin_vostochny,rajin,vostochny,air,,,,,
rail_dunai_tikhoretsk,dunai,tikhoretsk,rail,,,,,
"""
FUZZ_PLACES = TINY["places.csv"].replace("kursk,Kursk,کورسک,,,", "kursk,Kursk,کورسک,51.73,36.19,")


@settings(
    max_examples=int(os.environ.get("SHIPMAP_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    place_columns=st.lists(column_name, max_size=3),
    leg_columns=st.lists(column_name, max_size=3),
    shipment_columns=st.lists(column_name, max_size=2),
    units=st.lists(unit_name, min_size=1, max_size=4),
)
def test_any_column_or_unit_name_is_refused_in_one_line_or_kept_apart_in_every_output(
    place_columns, leg_columns, shipment_columns, units
):
    shipments = ["leg,start,quantity,low,high,unit"]
    for i, unit in enumerate(units):
        leg = ("rail_rajin_dunai", "air_rajin_vostochny", "rail_dunai_tikhoretsk")[i % 3]
        shipments.append(f"{leg},2024-0{i % 9 + 1},{i + 1},{i},{i + 2},{unit}")
    files = {
        "places.csv": _with_columns(FUZZ_PLACES, place_columns),
        "legs.csv": _with_columns(FUZZ_LEGS, leg_columns),
        "shipments.csv": _with_columns("\n".join(shipments) + "\n", shipment_columns),
        "sources.csv": TINY["sources.csv"],
        "map.toml": None,
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = write_dataset(Path(tmp) / "data", files)
        try:
            ds = load_dataset(root)
            ds.shipments  # noqa: B018  (the rows are read on first use, while the files exist)
        except DataError as err:
            for problem in err.problems:
                assert "\n" not in str(problem) and "\r" not in str(problem)  # one line
                assert problem.file in ("places.csv", "legs.csv", "shipments.csv")
            return
    places = locate_places(ds.places)
    legs = build_legs(ds.legs, places)
    flows = join_flows(legs, ds.figures)  # as the pipeline does: the rows' reduction
    sent = {row["id"]: row for row in ds.legs.to_dict("records")}

    doc = geojson_document(places, flows.legs)
    for feature in doc["features"]:
        props = feature["properties"]
        if props["layer"] == "place":
            assert props["coord_source"] == "data set"
            continue
        assert props["layer"] == "leg"
        row = sent[props["id"]]
        for column in ("origin", "destination", "mode"):
            assert props[column] == row[column]
        assert 100 < props["length_km"] < 10_000
        for column in leg_columns:
            assert props[column.strip()] == row[column.strip()]

    table = flows_table(flows.legs, flows.headlines)
    for rec in table.to_dict("records"):
        row = sent[rec["leg"]]
        assert (rec["origin"], rec["destination"], rec["mode"]) == (
            row["origin"],
            row["destination"],
            row["mode"],
        )
    expected = ds.shipments.groupby(["leg", "unit"])["quantity"].sum()
    got = flows.headlines.set_index(["leg", "unit"])["quantity"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        path.write_bytes(geopackage_bytes(places, flows.legs, flows.months))
        gpkg_legs = pyogrio.read_dataframe(path, layer="legs")
        for rec in gpkg_legs.to_dict("records"):
            row = sent[rec["id"]]
            assert (rec["origin"], rec["mode"]) == (row["origin"], row["mode"])
        for unit in set(units):
            leg_units = json.dumps(sorted(gpkg_legs.columns))
            assert unit in gpkg_legs.columns, leg_units
