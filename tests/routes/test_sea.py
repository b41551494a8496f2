"""Sea legs follow water: checked against an independent coastline (Natural Earth 10m)."""

import numpy as np
import pytest
import shapely
from pyproj import Geod
from seacheck import land_beyond_ends
from shipmap.routes.coastline import land_mask, land_polygons, wrap_lons
from shipmap.routes.geodesic import densify_line, length_km
from shipmap.routes.sea import sea_route

from shipmap.errors import ShipmapError

GEOD = Geod(ellps="WGS84")

RAJIN = (130.30, 42.2333)
DUNAI = (132.3375, 42.8803)
VOSTOCHNY = (133.05, 42.7333)
NAMPO = (125.4167, 38.7333)
AKTAU = (51.17, 43.65)
BAKU = (49.87, 40.37)
VLADIVOSTOK = (131.88, 43.12)
VANCOUVER = (-123.11, 49.29)


@pytest.fixture(scope="module")
def natural_earth_land():
    return land_polygons()


def points_on_land(line, start, end, land):
    """Return the densified points (every 250 m) beyond 5 km of both ends that lie on land."""
    coords = np.asarray(densify_line(line, spacing_km=0.25).coords)
    n = len(coords)
    d0 = GEOD.inv(np.full(n, start[0]), np.full(n, start[1]), coords[:, 0], coords[:, 1])[2]
    d1 = GEOD.inv(np.full(n, end[0]), np.full(n, end[1]), coords[:, 0], coords[:, 1])[2]
    inner = (d0 > 5000.0) & (d1 > 5000.0)
    on_land = shapely.contains_xy(land, wrap_lons(coords[:, 0]), coords[:, 1])
    return coords[inner & on_land]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("start", "end", "max_km"),
    [
        pytest.param(RAJIN, DUNAI, 240, id="short hop Rajin-Dunai"),
        pytest.param(RAJIN, VOSTOCHNY, 280, id="short hop Rajin-Vostochny"),
        pytest.param(NAMPO, RAJIN, 2000, id="around Korea Nampo-Rajin"),
        pytest.param(AKTAU, BAKU, 500, id="Caspian Aktau-Baku"),
        pytest.param(VLADIVOSTOK, VANCOUVER, 8600, id="Pacific Vladivostok-Vancouver"),
    ],
)
def test_sea_route_stays_on_water(start, end, max_km, natural_earth_land):
    line = sea_route(start, end)
    assert line.coords[0] == pytest.approx(start)
    assert line.coords[-1][1] == pytest.approx(end[1])
    assert (line.coords[-1][0] - end[0] + 180.0) % 360.0 - 180.0 == pytest.approx(0.0, abs=1e-9)
    assert points_on_land(line, start, end, natural_earth_land).tolist() == []
    # plausible: no detour beyond what the coast forces (searoute's own lengths:
    # Nampo-Rajin 1913 km, Vladivostok-Vancouver 8267 km, Aktau-Baku 468 km)
    straight = GEOD.inv(*start, *end)[2] / 1000.0
    assert straight <= length_km(line) < max_km


@pytest.mark.slow
def test_straight_line_rajin_dunai_does_cross_land(natural_earth_land):
    # the reason sea routing exists: the direct line cuts the Khasan coast
    straight = densify_line([RAJIN, DUNAI], spacing_km=1.0)
    assert len(points_on_land(straight, RAJIN, DUNAI, natural_earth_land)) > 0


@pytest.mark.slow
def test_sea_route_stays_off_the_detailed_coastline_too():
    line = sea_route(RAJIN, DUNAI)
    coords = np.asarray(densify_line(line, spacing_km=0.25).coords)
    n = len(coords)
    d0 = GEOD.inv(np.full(n, RAJIN[0]), np.full(n, RAJIN[1]), coords[:, 0], coords[:, 1])[2]
    d1 = GEOD.inv(np.full(n, DUNAI[0]), np.full(n, DUNAI[1]), coords[:, 0], coords[:, 1])[2]
    inner = (d0 > 5000.0) & (d1 > 5000.0)
    assert not land_mask().is_land(coords[inner, 0], coords[inner, 1]).any()


@pytest.mark.slow
def test_pacific_crossing_is_one_continuous_line():
    line = sea_route(VLADIVOSTOK, VANCOUVER)
    lons = np.asarray(line.coords)[:, 0]
    assert np.abs(np.diff(lons)).max() < 180.0
    assert lons.max() > 180.0  # drawn eastward across the antimeridian, unwrapped


@pytest.mark.slow
def test_point_far_from_the_sea_is_refused():
    with pytest.raises(ShipmapError, match="from the sea"):
        sea_route((37.62, 55.75), RAJIN)  # Moscow


NAKHODKA = (131.1333, 42.6167)
OSAKA = (135.45, 34.65)
KOCHI = (133.548, 33.5167)
TIANJIN = (119.0167, 39.2167)
KANMON_NARROWS = (130.95, 33.95)  # the strait is under 1 km wide here


@pytest.mark.slow
@pytest.mark.parametrize(
    ("start", "end", "max_km"),
    [
        # the maritime network's own routes measure 1447 km and 1713 km
        pytest.param(NAKHODKA, OSAKA, 1550, id="Kanmon and Seto Inland Sea Nakhodka-Osaka"),
        pytest.param(KOCHI, TIANJIN, 1850, id="Kanmon Kochi-Tianjin"),
    ],
)
def test_narrow_strait_is_threaded_on_water(start, end, max_km):
    # the clearance a route keeps from the shore closes the Kanmon Strait; the
    # route must still take it, on water, rather than fail or go round Kyushu
    line = sea_route(start, end)
    assert land_beyond_ends(line, start, end).tolist() == []
    coords = np.asarray(densify_line(line, spacing_km=0.25).coords)
    n = len(coords)
    to_narrows = GEOD.inv(
        coords[:, 0], coords[:, 1], np.full(n, KANMON_NARROWS[0]), np.full(n, KANMON_NARROWS[1])
    )[2]
    assert to_narrows.min() < 3000.0
    assert length_km(line) < max_km
