"""Ports up rivers that the coastline data draws as land, reached down the river.

The OSM coastline stops short of Izmail (on the Danube's Kiliya arm) and of
Kolkata (on the Hooghly): both used to be refused as tens of kilometres from
the sea. The river lines come from GSHHG's WDBII network
(``routes/data/river_lines.npz``). Ports are World Port Index positions.
The Danube–Black Sea Canal (a passage) is tested with the other passages.
"""

import numpy as np
import pytest
from pyproj import Geod
from shipmap.routes.coastline import land_mask
from shipmap.routes.geodesic import densify_line
from shipmap.routes.rivers import RIVERS_CREDIT, RiverNetwork, river_network
from shipmap.routes.sea import SeaRouteError, sea_route

GEOD = Geod(ellps="WGS84")

IZMAIL = (28.8333, 45.35)
CONSTANTA = (28.65, 44.1667)
KOLKATA = (88.3167, 22.55)
CHENNAI = (80.3, 13.1)
KABUL = (69.18, 34.53)
MORGAN_CITY = (-91.2167, 29.7)
GALVESTON = (-94.7833, 29.3167)
ROUEN = (1.0667, 49.45)
LE_HAVRE = (0.1167, 49.4833)


def land_stretches(line, start, end):
    """Return the samples (every 250 m) on OSM land more than 5 km from both ends,
    and which of them lie within 0.5 km of a river line."""
    coords = np.asarray(densify_line(line, spacing_km=0.25).coords)
    n = len(coords)
    d0 = GEOD.inv(np.full(n, start[0]), np.full(n, start[1]), coords[:, 0], coords[:, 1])[2]
    d1 = GEOD.inv(np.full(n, end[0]), np.full(n, end[1]), coords[:, 0], coords[:, 1])[2]
    inner = (d0 > 5000.0) & (d1 > 5000.0)
    on_land = coords[inner & land_mask().is_land(coords[:, 0], coords[:, 1])]
    in_river = river_network().is_near(on_land[:, 0], on_land[:, 1], 0.5)
    return on_land, in_river


@pytest.mark.parametrize(
    ("start", "end", "river_km"),
    [
        pytest.param(IZMAIL, CONSTANTA, 60.0, id="Izmail, down the Danube"),
        pytest.param(KOLKATA, CHENNAI, 40.0, id="Kolkata, down the Hooghly"),
        # the Atchafalaya narrows below the cells on its way out to the bay
        pytest.param(MORGAN_CITY, GALVESTON, 5.0, id="Morgan City, down the Atchafalaya"),
    ],
)
def test_river_port_is_reached_down_its_river(start, end, river_km):
    line = sea_route(start, end)
    on_land, in_river = land_stretches(line, start, end)
    # the line runs tens of km down the river, which the coastline draws as land...
    assert in_river.sum() * 0.25 > river_km
    # ...and follows the river's line there: off it, only the few km where the
    # river's line stops short of the water (a delta's last arm, an estuary that
    # only GSHHG draws as water) — no straight cut across the land
    off = on_land[~in_river]
    off_dry = off[land_mask().is_land_either(off[:, 0], off[:, 1])]
    assert len(off_dry) * 0.25 <= 3.0


@pytest.mark.slow
def test_river_port_whose_river_the_cells_break_is_reached_along_it():
    # below Tancarville the Seine is narrower than the coastline rasters' cells:
    # they show it as pockets cut off from the sea, and GSHHG's river line ends
    # before it reaches them. GSHHG's own polygons draw the river whole; Rouen
    # used to be refused as "more than 25 km from the sea"
    line = sea_route(ROUEN, LE_HAVRE)
    on_land, in_river = land_stretches(line, ROUEN, LE_HAVRE)
    assert in_river.sum() * 0.25 > 60.0
    # off the river's line, the line runs down the river GSHHG's polygons draw:
    # dry there only for the step from the river line's end to that water
    off = on_land[~in_river]
    assert len(off) * 0.25 > 20.0
    off_dry = off[land_mask().is_land_exact(off[:, 0], off[:, 1])]
    assert len(off_dry) * 0.25 <= 1.0
    coords = np.asarray(densify_line(line, spacing_km=0.25).coords)
    n = len(coords)
    tancarville = GEOD.inv(coords[:, 0], coords[:, 1], np.full(n, 0.4667), np.full(n, 49.4733))[2]
    assert tancarville.min() < 1000.0


def test_inland_point_is_still_refused():
    with pytest.raises(SeaRouteError, match="more than 25 km from the sea"):
        sea_route(KABUL, CHENNAI)


def test_river_data_is_sourced_and_leads_to_the_sea():
    net = river_network()
    assert "GSHHG" in net.source and "LGPL" in net.source and "sha256" in net.source
    assert "GSHHG" in RIVERS_CREDIT
    assert len(net) > 10_000
    # every point's way down ends at a point that meets the sea (no loops)
    rng = np.random.default_rng(0)
    for i in rng.choice(len(net), 50, replace=False).tolist():
        seen = 0
        while net.down[i] >= 0:
            i = int(net.down[i])
            seen += 1
            assert seen <= len(net)
        assert net.km[i] < 0.01


def test_way_to_sea_follows_the_line_from_the_nearest_point():
    # a river running east along the equator, meeting the sea at lon 1
    lons = np.array([0.0, 0.5, 1.0])
    lats = np.zeros(3)
    net = RiverNetwork(lons, lats, np.array([1, 2, -1]), np.array([111.3, 55.7, 0.0]), "test")
    way = net.way_to_sea((0.25, 0.01), reach_km=5.0)
    assert way is not None
    assert way.points[0] == pytest.approx((0.25, 0.0), abs=1e-6)
    assert way.points[1:] == ((0.5, 0.0), (1.0, 0.0))
    assert way.access_km == pytest.approx(1.11, abs=0.01)
    assert way.km == pytest.approx(83.5, rel=0.01)
    assert net.way_to_sea((0.25, 0.1), reach_km=5.0) is None
    assert net.is_near(np.array([0.7, 0.7]), np.array([0.001, 0.02]), 0.5).tolist() == [True, False]


def test_a_map_with_a_leg_down_a_river_credits_gshhg():
    import folium
    import geopandas as gpd
    from shipmap.routes.rivers import follows_rivers

    from shipmap.map.render import _add_river_credit

    down_river = sea_route(IZMAIL, CONSTANTA)
    at_sea = sea_route(CONSTANTA, (28.0, 43.2))
    assert follows_rivers(down_river) and not follows_rivers(at_sea)

    def credits(lines):
        legs = gpd.GeoDataFrame({"mode": ["sea"] * len(lines)}, geometry=lines, crs="EPSG:4326")
        m = folium.Map()
        _add_river_credit(m, legs)
        return m.get_root().render()

    assert "GSHHG" in credits([at_sea, down_river]) and "LGPL-3.0" in credits([down_river])
    assert "GSHHG" not in credits([at_sea])
