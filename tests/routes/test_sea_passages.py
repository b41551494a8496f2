"""Sea legs through canals and straits, up ship channels and into river ports.

Ports are World Port Index positions (NGA Pub 150), Astrakhan UN/LOCODE's.
Each leg is checked against the OSM land mask with the passages carved (a
line may cross land only within 5 km of its ends) and against the passage it
must take.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from scipy.spatial import cKDTree
from seacheck import land_beyond_ends
from shapely.geometry import Point
from shipmap.routes.geodesic import densify_line, length_km
from shipmap.routes.legs import build_legs
from shipmap.routes.sea import SeaRouteError, sea_route

from shipmap.errors import DataError

GEOD = Geod(ellps="WGS84")

PORT_SAID = (32.30, 31.2667)
SUEZ = (32.55, 29.9667)
CRISTOBAL = (-79.9167, 9.35)
BALBOA = (-79.5667, 8.95)
ASTRAKHAN = (48.0326, 46.3498)
AKTAU = (51.15, 43.65)
ROSTOV = (39.7167, 47.1667)
NOVOROSSIYSK = (37.7833, 44.7167)
ROTTERDAM = (4.4833, 51.9)
FELIXSTOWE = (1.3167, 51.95)
HAMBURG = (9.9333, 53.55)
TONGHAE = (129.15, 37.5333)
SAKAIMINATO = (133.2333, 35.5333)
KERCH = (36.4833, 45.35)
PATRAS = (21.7333, 38.25)
PIRAEUS = (23.6167, 37.9333)
GDANSK = (18.65, 54.40)
SKAGEN = (10.60, 57.75)
KABUL = (69.18, 34.53)
KAPPELN = (9.9333, 54.6667)
KARACHI = (66.9833, 24.8333)


def passes(line, point, within_km):
    coords = np.asarray(densify_line(line, spacing_km=0.25).coords)
    n = len(coords)
    d = GEOD.inv(coords[:, 0], coords[:, 1], np.full(n, point[0]), np.full(n, point[1]))[2]
    return d.min() < within_km * 1000.0


def widest_spur_km(line):
    """Return the longest stretch that leaves a point and comes back within 200 m of it."""
    c = np.radians(np.asarray(densify_line(line, spacing_km=0.1).coords))
    xyz = 6371.0 * np.column_stack(
        [np.cos(c[:, 1]) * np.cos(c[:, 0]), np.cos(c[:, 1]) * np.sin(c[:, 0]), np.sin(c[:, 1])]
    )
    along = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(xyz, axis=0), axis=1))]
    pairs = cKDTree(xyz).query_pairs(0.2, output_type="ndarray")
    return float(np.abs(along[pairs[:, 1]] - along[pairs[:, 0]]).max()) if len(pairs) else 0.0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("start", "end", "landmarks", "km"),
    [
        pytest.param(
            PORT_SAID, SUEZ, [(32.315, 30.85), (32.40, 30.35)], (150, 200), id="Suez Canal"
        ),
        pytest.param(CRISTOBAL, BALBOA, [(-79.66, 9.07)], (60, 100), id="Panama Canal"),
        pytest.param(
            ASTRAKHAN, AKTAU, [(47.53, 45.78)], (400, 700), id="Astrakhan by the Volga-Caspian"
        ),
        pytest.param(
            ROSTOV, NOVOROSSIYSK, [(39.43, 47.105), (36.52, 45.31)], (400, 650), id="Rostov-Kerch"
        ),
        pytest.param(ROTTERDAM, FELIXSTOWE, [(4.12, 51.98)], (200, 300), id="Rotterdam approach"),
        pytest.param(HAMBURG, FELIXSTOWE, [(9.70, 53.565)], (550, 750), id="Hamburg by the Elbe"),
    ],
)
def test_leg_takes_the_passage_and_stays_on_water(start, end, landmarks, km):
    line = sea_route(start, end)
    assert land_beyond_ends(line, start, end).tolist() == []
    for landmark in landmarks:
        assert passes(line, landmark, within_km=3.0), landmark
    assert km[0] < length_km(line) < km[1]
    assert widest_spur_km(line) < 2.0


@pytest.mark.slow
def test_no_spur_where_the_network_turned_back():
    # the line used to run 4 km out and back off Tonghae, 24 km off Kerch
    for start, end in [(TONGHAE, SAKAIMINATO), (KERCH, NOVOROSSIYSK)]:
        line = sea_route(start, end)
        assert widest_spur_km(line) < 2.0
        assert land_beyond_ends(line, start, end).tolist() == []


def frames(places, *legs):
    gdf = gpd.GeoDataFrame(
        {"id": list(places), "_line": list(range(2, len(places) + 2))},
        geometry=[Point(p) for p in places.values()],
        crs="EPSG:4326",
    )
    base = {"via": "", "label": "", "source": "", "note": "", "mode": "sea"}
    rows = [{**base, **leg, "_line": i + 2} for i, leg in enumerate(legs)]
    return pd.DataFrame.from_records(rows), gdf


@pytest.mark.slow
def test_sea_leg_via_a_named_passage_takes_it(tmp_path):
    legs, places = frames(
        {"rotterdam": ROTTERDAM, "gdansk": GDANSK},
        {"id": "round", "origin": "rotterdam", "destination": "gdansk"},
        {"id": "canal", "origin": "rotterdam", "destination": "gdansk", "via": "Kiel Canal"},
    )
    out = build_legs(legs, places, cache_dir=tmp_path)
    around, through = out.geometry
    assert passes(around, SKAGEN, within_km=40.0)  # round Denmark
    assert passes(through, (9.53, 54.21), within_km=0.5)  # through the Kiel Canal
    assert not passes(through, SKAGEN, within_km=100.0)
    assert length_km(through) < 0.85 * length_km(around)


def test_unknown_passage_in_via_is_an_unknown_place():
    legs, places = frames(
        {"patras": PATRAS, "piraeus": PIRAEUS},
        {"id": "x", "origin": "patras", "destination": "piraeus", "via": "atlantis-canal"},
    )
    with pytest.raises(DataError, match=r"legs\.csv:2: via: unknown or unplaced place"):
        build_legs(legs, places)


@pytest.mark.slow
def test_caspian_port_reaches_the_black_sea_by_the_volga_and_the_don():
    line = sea_route(AKTAU, NOVOROSSIYSK)
    for landmark in [(47.53, 45.78), (44.56, 48.51), (39.43, 47.105)]:  # Olya, Volgograd, Azov
        assert passes(line, landmark, within_km=3.0), landmark


@pytest.mark.slow
def test_place_in_a_landlocked_country_is_refused_by_name():
    legs, places = frames(
        {"karachi": KARACHI, "kabul": KABUL},
        {"id": "x", "origin": "karachi", "destination": "kabul"},
    )
    with pytest.raises(DataError) as info:
        build_legs(legs, places)
    assert str(info.value.problems[0]) == (
        "legs.csv:2: destination: cannot draw the sea leg: place 'kabul' (places.csv:3, "
        "lat, lon 34.5300, 69.1800) is more than 25 km from the sea and from every waterway "
        "shipmap knows (canals, ship channels, river approaches), and more than 5 km from "
        "every river it knows near the sea; check its coordinates, or draw the leg by rail "
        "or road"
    )


@pytest.mark.slow
def test_port_beyond_5_km_of_water_is_refused_not_drawn_across_land():
    # Kappeln's point lies on the Schlei, an inlet that neither coastline (nor
    # GSHHG's polygons) draws: the nearest water joined to the sea is the Baltic,
    # 5.3 km off; a line would cross 5.3 km of land, so the leg is refused
    with pytest.raises(SeaRouteError) as info:
        sea_route(KAPPELN, (10.8667, 54.0))  # to Neustadt in Holstein
    assert info.value.end == "origin"
    # to a tenth of a km below 10 km, so that 5.3 km does not read as "5 km"
    assert "is 5.3 km from the nearest water joined to the sea" in str(info.value)
    assert "no more than 5 km of land" in str(info.value)


def test_cernavoda_reaches_the_black_sea_by_the_danube_black_sea_canal():
    # Cernavodă, on the Danube, lies 60 km from the Black Sea over land: the
    # canal leads to Constanța Sud; it used to be refused as far from every waterway
    cernavoda, constanta = (28.05, 44.3333), (28.65, 44.1667)
    line = sea_route(cernavoda, constanta)
    assert land_beyond_ends(line, cernavoda, constanta).tolist() == []
    coords = np.asarray(densify_line(line, spacing_km=1.0).coords)
    medgidia = (28.2833, 44.25)
    d = GEOD.inv(np.full(len(coords), medgidia[0]), np.full(len(coords), medgidia[1]),
                 coords[:, 0], coords[:, 1])[2]  # fmt: skip
    assert d.min() < 3000.0
    assert 60.0 < length_km(line) < 90.0
