"""Rail and road legs along OpenStreetMap's network: gaps, schematic stretches, the cache.

Most tests route on a small network written in the scgraph-data format (three
lines east of Moscow, with a 2 km gap and a 30 km gap), so they show exactly one
behaviour each; the real networks are exercised on the default map and in
tests/routes/test_legs.py.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shipmap.routes.network as network
from pyproj import Geod
from shapely.geometry import Point
from shipmap.geo.countries import countries
from shipmap.routes.legs import build_legs

from shipmap.cache import read_entry

GEOD = Geod(ellps="WGS84")
LAT = 55.0
ROOT = Path(__file__).resolve().parents[2]


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0


def _write_network(path: Path) -> None:
    """Three straight lines along 55°N: A (40.0–40.5°E), B from 2 km on, C from 30 km on."""
    lines = [
        np.arange(40.0, 40.5001, 0.05),
        np.arange(40.5 + 2.0 / 63.9, 41.0, 0.05),
        np.arange(41.0 + 30.0 / 63.9, 41.8, 0.05),
    ]
    nodes: list[tuple[float, float]] = []
    graph: list[dict[int, float]] = []
    for lons in lines:
        first = len(nodes)
        for i, lon in enumerate(lons):
            nodes.append((LAT, round(float(lon), 4)))
            graph.append({first + i: 0.0})
        for i in range(len(lons) - 1):
            a, b = first + i, first + i + 1
            km = round(_km((nodes[a][1], LAT), (nodes[b][1], LAT)), 3)
            graph[a][b] = km
            graph[b][a] = km
    text = "\nfrom scgraph.core import GeoGraph\n"
    text += "graph=" + repr(graph) + "\n"
    text += "nodes=" + repr([list(n) for n in nodes]) + "\n"
    text += "test_geograph = GeoGraph(graph=graph, nodes=nodes)\n"
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> network.Network:
    source = tmp_path / "toy_railways.py"
    _write_network(source)
    monkeypatch.setattr(network, "network_source", lambda kind: source)
    network._LOADED.clear()
    yield network.load_network("rail", cache_dir=tmp_path / "networks")
    network._LOADED.clear()


def route(net: network.Network, *lons: float, lat: float = LAT) -> network.Route:
    stops = [(lon, lat) for lon in lons]
    names = [f"s{i}" for i in range(len(stops))]
    return network.route_stops(net, stops, names, countries_allowed={"RU"})


def test_a_gap_of_two_km_is_bridged_and_the_route_is_traced(toy):
    r = route(toy, 40.1, 40.9)
    assert r.method == "network"
    assert r.schematic == ()
    assert r.length_km == pytest.approx(_km((40.1, LAT), (40.9, LAT)), rel=0.02)
    assert int(toy.joined.sum()) == 1


def test_a_gap_the_network_does_not_join_is_a_schematic_stretch_with_its_reason(toy):
    r = route(toy, 40.1, 41.6)
    assert r.method == "schematic"
    [piece] = r.schematic
    assert piece.stretch == ("s0", "s1")
    assert piece.reason == "no rail line joins s0 and s1 within Russia"
    # Drawn all the same, as the geodesic between the stops.
    line = r.line()
    assert line.coords[0] == pytest.approx((40.1, LAT))
    assert line.coords[-1] == pytest.approx((41.6, LAT), abs=1e-6)


def test_via_stations_split_a_leg_into_traced_and_schematic_stretches(toy):
    r = route(toy, 40.1, 40.9, 41.6)
    assert r.method == "network"
    assert [p.schematic for p in r.pieces] == [False, True]
    assert r.schematic[0].stretch == ("s1", "s2")
    assert r.schematic_lines() is not None


def test_a_station_far_from_the_track_reaches_it_by_a_marked_schematic_stretch(toy):
    # 0.3° north of the line: about 33 km away.
    far = network.route_stops(
        toy, [(40.1, LAT + 0.3), (40.4, LAT)], ["Far", "Near"], countries_allowed={"RU"}
    )
    assert far.method == "network"
    [piece] = far.schematic
    assert piece.reason == "Far is 33 km from the nearest rail line"
    assert far.pieces[0] is piece


def test_the_cache_is_plain_checked_npz_and_a_damaged_copy_is_prepared_again(
    toy, tmp_path, monkeypatch
):
    path = tmp_path / "networks" / "rail.npz"

    def stored():
        raw = read_entry(path.parent, path.name, max_bytes=10**8)
        assert raw is not None
        return np.load(io.BytesIO(raw), allow_pickle=False)  # no pickles inside

    with stored() as z:
        assert {"lon", "lat", "src", "dst", "km", "country", "stamp"} <= set(z.files)
    path.write_bytes(b"not an npz file")
    network._LOADED.clear()
    again = network.load_network("rail", cache_dir=tmp_path / "networks")
    assert again.size == toy.size
    with stored() as z:
        assert int(z["src"].max()) < len(z["lon"])


def test_a_build_without_rail_or_road_legs_never_loads_a_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a network was loaded")

    monkeypatch.setattr(network, "load_network", refuse)
    places = gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=[Point(125.75, 39.03), Point(131.88, 43.12)], crs=4326
    )
    legs = pd.DataFrame(
        [{"id": "air", "origin": "a", "destination": "b", "mode": "air", "via": "", "_line": 2}]
    )
    out = build_legs(legs, places)
    assert out["method"].tolist() == ["great_circle"]


def test_a_road_leg_follows_the_road_network():
    places = gpd.GeoDataFrame(
        {"id": ["moscow", "kursk"], "name": ["Moscow", "Kursk"], "country": ["RU", "RU"]},
        geometry=[Point(37.6178, 55.752), Point(36.1846, 51.7269)],
        crs=4326,
    )
    legs = pd.DataFrame(
        [{"id": "m4", "origin": "moscow", "destination": "kursk", "mode": "road", "via": ""}]
    )
    out = build_legs(legs, places)
    straight = _km((37.6178, 55.752), (36.1846, 51.7269))
    assert out["method"].iloc[0] == "network"
    assert straight < out["length_km"].iloc[0] < 1.4 * straight
    assert len(out.geometry.iloc[0].coords) > 20


# --- the default map (its committed GeoJSON: the e2e tests keep it equal to a build)


@pytest.fixture(scope="module")
def default_legs() -> dict[str, dict]:
    doc = json.loads((ROOT / "output" / "shipmap.geojson").read_text(encoding="utf-8"))
    return {
        f["properties"]["id"]: f for f in doc["features"] if f["properties"].get("layer") == "leg"
    }


def test_no_default_rail_leg_crosses_a_country_none_of_its_places_is_in(default_legs):
    places = pd.read_csv(ROOT / "data" / "places.csv", keep_default_na=False)
    legs = pd.read_csv(ROOT / "data" / "legs.csv", keep_default_na=False)
    declared = dict(zip(places["id"], places["country"], strict=True))
    world = countries()
    rail = legs[legs["mode"] == "rail"]
    assert len(rail) >= 3
    for leg in rail.itertuples():
        stops = [leg.origin, *[v for v in leg.via.split(";") if v], leg.destination]
        allowed = {declared[s] for s in stops if declared[s]}
        geom = shapely.geometry.shape(default_legs[leg.id]["geometry"])
        crossed = world.crossed(geom)
        # 3 km: how far the 1:10m borders may lie off the track at a border river.
        foreign = {c: km for c, km in crossed.items() if c not in allowed and km > 3.0}
        assert foreign == {}, (leg.id, foreign)


def test_far_east_to_tikhoretsk_measures_what_the_railway_does(default_legs):
    leg = default_legs["rail-vostochny-tikhoretsk"]["properties"]
    assert 9000 <= leg["length_km"] <= 10800
    assert leg["method"] == "network"
    dunai = default_legs["rail-dunai-tikhoretsk"]["properties"]
    assert "41 km from the nearest rail line" in dunai["schematic"]
