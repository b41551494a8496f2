import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString
from shipmap.routes.geodesic import (
    densify_line,
    geodesic_line,
    length_km,
    split_antimeridian,
    unwrap_lons,
)

GEOD = Geod(ellps="WGS84")


def test_unwrap_lons_keeps_steps_below_180():
    lons = unwrap_lons([170.0, 179.0, -179.0, -170.0])
    assert lons.tolist() == pytest.approx([170.0, 179.0, 181.0, 190.0])


def test_geodesic_line_follows_the_great_circle():
    line = geodesic_line([(131.88, 43.12), (-123.11, 49.29)])
    coords = np.asarray(line.coords)
    # every interior point lies on the geodesic: distances from both ends add up
    total = GEOD.inv(131.88, 43.12, -123.11, 49.29)[2]
    d0 = GEOD.inv(
        np.full(len(coords), 131.88), np.full(len(coords), 43.12), coords[:, 0], coords[:, 1]
    )[2]
    d1 = GEOD.inv(
        coords[:, 0], coords[:, 1], np.full(len(coords), -123.11), np.full(len(coords), 49.29)
    )[2]
    assert np.allclose(d0 + d1, total, atol=1.0)
    # the arc bends north of both ends, as a great circle across the Pacific does
    assert coords[:, 1].max() > 52.0


def test_line_across_the_antimeridian_is_continuous():
    line = geodesic_line([(131.88, 43.12), (-123.11, 49.29)])
    lons = np.asarray(line.coords)[:, 0]
    assert np.abs(np.diff(lons)).max() < 180.0
    assert lons[-1] == pytest.approx(-123.11 + 360.0)


def test_densified_points_are_close_enough_for_web_mercator():
    line = densify_line([(0.0, 0.0), (10.0, 10.0)], spacing_km=30.0)
    coords = np.asarray(line.coords)
    steps = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])[2]
    assert steps.max() <= 30_000.0 + 1.0
    assert len(coords) > 40


def test_length_matches_pyproj_geod_on_unwrapped_lines():
    line = geodesic_line([(131.88, 43.12), (-123.11, 49.29)])
    expected = GEOD.inv(131.88, 43.12, -123.11, 49.29)[2] / 1000.0
    assert length_km(line) == pytest.approx(expected, rel=1e-6)
    rail = geodesic_line([(130.6081, 42.4214), (130.6449, 42.4301), (131.9573, 43.8047)])
    expected = (
        GEOD.inv(130.6081, 42.4214, 130.6449, 42.4301)[2]
        + GEOD.inv(130.6449, 42.4301, 131.9573, 43.8047)[2]
    ) / 1000.0
    assert length_km(rail) == pytest.approx(expected, rel=1e-6)


def test_split_antimeridian_gives_pieces_within_180():
    line = geodesic_line([(131.88, 43.12), (-123.11, 49.29)])
    split = split_antimeridian(line)
    assert isinstance(split, MultiLineString)
    assert len(split.geoms) == 2
    for piece in split.geoms:
        lons = np.asarray(piece.coords)[:, 0]
        assert lons.min() >= -180.0 and lons.max() <= 180.0
    first, second = split.geoms
    assert first.coords[-1][0] == 180.0 and second.coords[0][0] == -180.0
    assert first.coords[-1][1] == pytest.approx(second.coords[0][1])
    assert length_km(split.geoms[0]) + length_km(split.geoms[1]) == pytest.approx(
        length_km(line), rel=1e-4
    )


def test_split_antimeridian_leaves_other_lines_whole():
    line = LineString([(10.0, 0.0), (20.0, 5.0)])
    assert split_antimeridian(line).equals(line)
    shifted = LineString([(370.0, 0.0), (380.0, 5.0)])
    assert split_antimeridian(shifted).equals(line)
