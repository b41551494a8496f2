"""The GeoPackage and the flows CSV a build writes, read back as a user would."""

import csv
import io
from pathlib import Path

import pyogrio
import pytest

from shipmap.outputs.exports import FLOWS_CSV_COLUMNS


@pytest.fixture(scope="module")
def built(tiny_built: Path) -> Path:
    return tiny_built


def test_the_geopackage_has_places_legs_and_months_in_wgs84(built):
    path = built / "shipmap.gpkg"
    layers = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert layers == {"places": "Point", "legs": "MultiLineString", "months": None}
    places = pyogrio.read_dataframe(path, layer="places")
    legs = pyogrio.read_dataframe(path, layer="legs")
    months = pyogrio.read_dataframe(path, layer="months", read_geometry=False)
    assert len(places) == 5 and len(legs) == 4
    assert places.crs.to_epsg() == 4326 and legs.crs.to_epsg() == 4326
    assert sorted(places["id"]) == ["dunai", "kursk", "rajin", "tikhoretsk", "vostochny"]
    kursk = places.set_index("id").loc["kursk"]
    assert kursk["coord_source"] != "data set"  # geocoded, and says so
    assert 36 < kursk.geometry.x < 37 and 51 < kursk.geometry.y < 52
    leg = legs.set_index("id").loc["sea_rajin_vostochny"]
    assert leg["containers"] == 15800 and leg["munitions_low"] == 4_200_000
    assert leg["length_km"] > 100
    assert "_line" not in places.columns
    # The time series a GIS user joins to the legs: event rows per leg, unit and month.
    assert list(months.columns) == ["leg", "unit", "month", "quantity", "rows"]
    march = months[(months["leg"] == "sea_rajin_vostochny") & (months["month"] == "2024-03")]
    assert len(march) >= 1 and march["rows"].sum() >= 1
    assert not (built / "events.parquet").exists()  # rows only on request


def test_events_parquet_holds_every_row_typed_when_asked_for(built, tmp_path):
    import pyarrow.parquet as pq

    from shipmap.cli import main

    data = built.parent / "data"
    assert main(["build", str(data), "-o", str(tmp_path / "out"), "-q", "--events"]) == 0
    events = pq.read_table(tmp_path / "out" / "events.parquet").to_pandas()
    assert len(events) == 6 and "_line" not in events.columns
    event = events.set_index("id").loc["c"]
    assert event["leg"] == "sea_rajin_vostochny" and event["vessel"] == "Lady R"
    assert str(event["start"]) == "2024-03-12" and event["basis"] == "event"
    assert event["quantity"] == float(event["quantity"])


def test_the_flows_csv_has_one_row_per_leg_and_unit(built):
    rows = list(csv.DictReader(io.StringIO((built / "flows.csv").read_text("utf-8"))))
    assert tuple(rows[0]) == FLOWS_CSV_COLUMNS
    keys = [(r["leg"], r["unit"]) for r in rows]
    assert keys == [
        ("rail_vostochny_kursk", "troops"),
        ("sea_rajin_dunai", "containers"),
        ("sea_rajin_vostochny", "containers"),
        ("sea_rajin_vostochny", "munitions"),
    ]
    munitions = rows[3]
    assert munitions["origin"] == "rajin" and munitions["destination"] == "vostochny"
    assert munitions["mode"] == "sea" and munitions["basis"] == "total"
    assert (munitions["quantity"], munitions["low"], munitions["high"]) == (
        "4600000",
        "4200000",
        "5800000",
    )
    assert (munitions["start"], munitions["end"]) == ("2023-08-01", "2025-03-31")
    assert float(munitions["length_km"]) > 100
    # A reported total is shown as reported, not added to the event on the same leg.
    containers = rows[2]
    assert containers["quantity"] == "15800" and containers["basis"] == "total"


def test_writing_a_geopackage_leaves_the_date_setting_as_it_was(built):
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None
