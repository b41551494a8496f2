"""build_legs: one line per leg, drawn by mode, measured, cached, and errors by line."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shipmap.routes.legs
from pyproj import Geod
from shapely.geometry import LineString, Point
from shipmap.routes.legs import build_legs

from shipmap.errors import DataError

GEOD = Geod(ellps="WGS84")

PLACES = {
    "rajin": (130.30, 42.2333),
    "dunai": (132.3375, 42.8803),
    "tumangang": (130.6081, 42.4214),
    "khasan": (130.6449, 42.4301),
    "ussuriysk": (131.9573, 43.8047),
    "pyongyang": (125.7543, 39.0339),
    "vladivostok": (131.8833, 43.1167),
    "vancouver": (-123.11, 49.29),
    "moscow": (37.62, 55.75),
}


@pytest.fixture
def places():
    return gpd.GeoDataFrame(
        {"id": list(PLACES)}, geometry=[Point(p) for p in PLACES.values()], crs="EPSG:4326"
    )


def legs_frame(*rows):
    base = {"via": "", "label": "", "source": "", "note": "", "vessel_class": ""}
    records = [{**base, **row, "_line": i + 2} for i, row in enumerate(rows)]
    return pd.DataFrame.from_records(records)


def fake_sea_route(start, end):
    """A stand-in router: a two-point line, so these tests need no coastline."""
    return LineString([start, ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 - 0.5), end])


def test_rail_leg_runs_along_the_track_through_via_places_in_order(places):
    legs = legs_frame(
        {
            "id": "rail",
            "origin": "tumangang",
            "destination": "ussuriysk",
            "mode": "rail",
            "via": "khasan",
        },
    )
    out = build_legs(legs, places)
    coords = np.asarray(out.geometry.iloc[0].coords)
    khasan = np.flatnonzero(np.all(np.isclose(coords, PLACES["khasan"]), axis=1))
    assert coords[0] == pytest.approx(PLACES["tumangang"])
    assert coords[-1] == pytest.approx(PLACES["ussuriysk"])
    assert len(khasan) == 1 and 0 < khasan[0] < len(coords) - 1
    straight = (
        GEOD.inv(*PLACES["tumangang"], *PLACES["khasan"])[2]
        + GEOD.inv(*PLACES["khasan"], *PLACES["ussuriysk"])[2]
    ) / 1000.0
    # Along the track (Khasan - Baranovsky - Ussuriysk), not the straight lines.
    assert straight < out["length_km"].iloc[0] < 1.6 * straight
    assert out["method"].iloc[0] == "network"
    assert out["schematic"].iloc[0] == ""
    assert len(coords) > 20


def test_via_order_changes_the_line(places):
    legs = legs_frame(
        {
            "id": "a",
            "origin": "rajin",
            "destination": "ussuriysk",
            "mode": "road",
            "via": "tumangang;khasan",
        },
        {
            "id": "b",
            "origin": "rajin",
            "destination": "ussuriysk",
            "mode": "road",
            "via": "khasan;tumangang",
        },
    )
    out = build_legs(legs, places)
    assert out["length_km"].iloc[1] > out["length_km"].iloc[0]


def test_air_leg_is_a_great_circle_arc(places):
    legs = legs_frame(
        {"id": "air", "origin": "pyongyang", "destination": "vladivostok", "mode": "air"},
    )
    out = build_legs(legs, places)
    line = out.geometry.iloc[0]
    coords = np.asarray(line.coords)
    a, b = PLACES["pyongyang"], PLACES["vladivostok"]
    total = GEOD.inv(*a, *b)[2]
    n = len(coords)
    d0 = GEOD.inv(np.full(n, a[0]), np.full(n, a[1]), coords[:, 0], coords[:, 1])[2]
    d1 = GEOD.inv(coords[:, 0], coords[:, 1], np.full(n, b[0]), np.full(n, b[1]))[2]
    assert n > 2
    assert np.allclose(d0 + d1, total, atol=1.0)
    assert out["length_km"].iloc[0] == pytest.approx(total / 1000.0, rel=1e-6)


def test_output_keeps_every_column_and_is_wgs84(places, monkeypatch):
    monkeypatch.setattr(shipmap.routes.legs, "_route_sea", fake_sea_route)
    legs = legs_frame(
        {
            "id": "sea",
            "origin": "rajin",
            "destination": "dunai",
            "mode": "sea",
            "label": "Rajin → Dunai",
            "vessel_class": "Ro-Ro",
        },
    )
    out = build_legs(legs, places)
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs.to_epsg() == 4326
    assert set(legs.columns) <= set(out.columns)
    assert out["vessel_class"].iloc[0] == "Ro-Ro"
    assert out["_line"].iloc[0] == 2
    assert out["length_km"].dtype == float


def test_air_leg_across_the_antimeridian_is_continuous(places):
    legs = legs_frame(
        {"id": "air", "origin": "vladivostok", "destination": "vancouver", "mode": "air"},
    )
    out = build_legs(legs, places)
    lons = np.asarray(out.geometry.iloc[0].coords)[:, 0]
    assert np.abs(np.diff(lons)).max() < 180.0
    assert lons.max() > 180.0


def test_cached_sea_route_is_not_routed_again(places, tmp_path, monkeypatch):
    calls = []

    def counting_router(start, end):
        calls.append((start, end))
        return fake_sea_route(start, end)

    monkeypatch.setattr(shipmap.routes.legs, "_route_sea", counting_router)
    legs = legs_frame({"id": "sea", "origin": "rajin", "destination": "dunai", "mode": "sea"})
    first = build_legs(legs, places, cache_dir=tmp_path / "cache")
    assert len(calls) == 1

    def failing_router(start, end):
        raise AssertionError("routed again despite the cache")

    monkeypatch.setattr(shipmap.routes.legs, "_route_sea", failing_router)
    second = build_legs(legs, places, cache_dir=tmp_path / "cache")
    assert second.geometry.iloc[0].equals(first.geometry.iloc[0])
    assert second["length_km"].iloc[0] == first["length_km"].iloc[0]


def test_moved_port_is_routed_again(places, tmp_path, monkeypatch):
    calls = []

    def counting_router(start, end):
        calls.append((start, end))
        return fake_sea_route(start, end)

    monkeypatch.setattr(shipmap.routes.legs, "_route_sea", counting_router)
    legs = legs_frame({"id": "sea", "origin": "rajin", "destination": "dunai", "mode": "sea"})
    build_legs(legs, places, cache_dir=tmp_path)
    moved = places.copy()
    moved.loc[moved["id"] == "dunai", "geometry"] = Point(132.34, 42.88)
    build_legs(legs, moved, cache_dir=tmp_path)
    assert len(calls) == 2


def test_without_cache_dir_nothing_is_written(places, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(shipmap.routes.legs, "_route_sea", fake_sea_route)
    legs = legs_frame({"id": "sea", "origin": "rajin", "destination": "dunai", "mode": "sea"})
    build_legs(legs, places)
    assert list(tmp_path.iterdir()) == []


def test_problems_name_the_legs_csv_line(places):
    legs = legs_frame(
        {"id": "ok", "origin": "tumangang", "destination": "khasan", "mode": "rail"},
        {"id": "bad", "origin": "rajin", "destination": "vostochy", "mode": "sea"},
        {"id": "ship", "origin": "rajin", "destination": "dunai", "mode": "boat"},
    )
    with pytest.raises(DataError) as info:
        build_legs(legs, places, file="legs.csv")
    text = str(info.value)
    assert "legs.csv:3: destination: unknown or unplaced place 'vostochy'" in text
    assert "legs.csv:4: mode: unknown mode 'boat'" in text
    assert len(info.value.problems) == 2


@pytest.mark.slow
def test_unroutable_sea_leg_is_a_data_error(places, tmp_path):
    legs = legs_frame(
        {"id": "inland", "origin": "moscow", "destination": "rajin", "mode": "sea"},
    )
    with pytest.raises(
        DataError,
        match=r"legs\.csv:2: origin: cannot draw the sea leg: place 'moscow' "
        r"\(lat, lon 55\.7500, 37\.6200\) is more than 25 km from the sea",
    ):
        build_legs(legs, places, cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_real_sea_leg_goes_around_the_khasan_coast(places, tmp_path):
    legs = legs_frame({"id": "sea", "origin": "rajin", "destination": "dunai", "mode": "sea"})
    out = build_legs(legs, places, cache_dir=tmp_path)
    straight = GEOD.inv(*PLACES["rajin"], *PLACES["dunai"])[2] / 1000.0
    assert straight < out["length_km"].iloc[0] < 1.5 * straight
    assert len(list(tmp_path.glob("*.json"))) == 1
