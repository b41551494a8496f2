"""Ports on water narrower than the coastline data's open-water test, and fjord heads.

Ports are World Port Index positions (NGA Pub 150). Each line may cross land
only within 5 km of its ends, in the OSM land mask the router steers by.
"""

import numpy as np
import pytest
from pyproj import Geod
from seacheck import land_beyond_ends
from shipmap.routes.coastline import land_mask
from shipmap.routes.geodesic import densify_line
from shipmap.routes.sea import sea_route

GEOD = Geod(ellps="WGS84")

TURKU = (22.2333, 60.45)
LIEPAJA = (21.0, 56.5167)
UWAJIMA = (132.5667, 33.2167)
YANAI = (132.15, 33.95)
GOLD_RIVER = (-126.1167, 49.6833)
TAHSIS = (-126.6667, 49.9167)
ASTORIA = (-123.8333, 46.1833)
VERKEBACK = (16.5333, 57.7333)
STOCKA = (17.35, 61.9)
PEDREGAL = (-82.4333, 8.35)
PUERTO_ARMUELLES = (-82.85, 8.2667)
PORI = (21.8, 61.4833)


def first_km_on_land(line, start):
    """Return how far from ``start`` the line's last point on land within 5 km lies."""
    coords = np.asarray(densify_line(line, spacing_km=0.05).coords)
    n = len(coords)
    d = GEOD.inv(np.full(n, start[0]), np.full(n, start[1]), coords[:, 0], coords[:, 1])[2]
    near = d <= 5000.0
    land = near & land_mask().is_land(coords[:, 0], coords[:, 1])
    return float(d[land].max() / 1000.0) if land.any() else 0.0


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # the Aura's mouth and the archipelago channels are narrower than the
        # half-kilometre open-water test: the port used to be refused as "5 km
        # from the nearest water"
        pytest.param(TURKU, LIEPAJA, id="Turku, up the archipelago"),
        pytest.param(UWAJIMA, YANAI, id="Uwajima, a harbour basin"),
    ],
)
def test_port_on_narrow_water_is_reached_along_it(start, end):
    line = sea_route(start, end)
    assert land_beyond_ends(line, start, end).tolist() == []
    assert first_km_on_land(line, start) < 5.0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("start", "end"),
    [
        # the maritime network's nearest lane to these fjord heads is in
        # Johnstone Strait, beyond Vancouver Island: the legs used to be refused
        pytest.param(GOLD_RIVER, ASTORIA, id="Gold River, Muchalat Inlet"),
        pytest.param(TAHSIS, ASTORIA, id="Tahsis, Tahsis Inlet"),
        # sounds between skerries one or two cells of the mask wide
        pytest.param(VERKEBACK, STOCKA, id="Verkeback to Stocka, skerry coast"),
    ],
)
def test_fjord_head_and_skerry_coast_legs_stay_on_water(start, end):
    line = sea_route(start, end)
    assert land_beyond_ends(line, start, end).tolist() == []


def test_kaliningrad_is_reached_up_the_pregolya():
    # the coastline data shows the river through the city in pieces (it narrows
    # below the mask's cells); the port was refused as "6 km from water"
    kaliningrad, jussaro = (20.4833, 54.7), (23.55, 59.85)
    line = sea_route(jussaro, kaliningrad)
    assert land_beyond_ends(line, jussaro, kaliningrad).tolist() == []
    coords = np.asarray(densify_line(line, spacing_km=0.25).coords)
    n = len(coords)
    river = GEOD.inv(coords[:, 0], coords[:, 1], np.full(n, 20.4333), np.full(n, 54.6917))[2]
    assert river.min() < 1000.0


def test_port_on_a_creek_the_cells_lose_is_reached_along_it():
    # Pedregal lies up a creek of the Gulf of Chiriqui narrower than the mask's
    # cells: no cell near it is water, but GSHHG, asked on cells four times
    # finer, shows the creek. The port used to be refused as "5.9 km from the
    # nearest water"; now the line follows the creek
    line = sea_route(PEDREGAL, PUERTO_ARMUELLES)
    assert first_km_on_land(line, PEDREGAL) < 5.0
    # beyond 5 km of the ends the line is on water one of the coastlines shows
    off = land_beyond_ends(line, PEDREGAL, PUERTO_ARMUELLES)
    assert off[land_mask().is_land_either(off[:, 0], off[:, 1])].tolist() == []


@pytest.mark.slow
def test_port_on_a_river_the_rasters_lose_is_reached_along_its_polygons():
    # Pori lies on the Kokemäenjoki, 10 km from any water the coastline rasters
    # show: the river is narrower than their cells, which count as land if any
    # land touches them. GSHHG's own polygons draw the river; the port used to
    # be refused as "10 km from the nearest water"
    line = sea_route(PORI, TURKU)
    assert first_km_on_land(line, PORI) < 5.0
    # beyond 5 km of the ends the line is on water GSHHG's polygons draw
    off = land_beyond_ends(line, PORI, TURKU)
    assert off[land_mask().is_land_exact(off[:, 0], off[:, 1])].tolist() == []
