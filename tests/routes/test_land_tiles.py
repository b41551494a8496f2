"""The shipped summary of the land mask (all water, all land, mixed per half-degree tile).

Routing builds land tiles from it without asking the coastline cell by cell;
what it answers must be what the coastline answers.
"""

from importlib.metadata import version

import numpy as np
import pytest
import roaring_landmask as rl
from shipmap.routes.coastline import LandMask, _tile_summary


@pytest.fixture(scope="module")
def primary():
    return rl.RoaringMask.new(rl.LandmaskProvider.Osm)


def points(seed, n, box):
    rng = np.random.default_rng(seed)
    lon0, lat0, lon1, lat1 = box
    return rng.uniform(lon0, lon1, n), rng.uniform(lat0, lat1, n)


def test_summary_from_another_coastline_version_is_not_used():
    assert _tile_summary("0.0.0-not-this-one") is None


@pytest.mark.parametrize(
    "box",
    [
        pytest.param((-40.0, 20.0, -30.0, 30.0), id="open Atlantic"),
        pytest.param((60.0, 45.0, 70.0, 50.0), id="inside Kazakhstan"),
        pytest.param((9.0, 53.0, 13.0, 56.0), id="Danish straits and the Kiel Canal"),
        pytest.param((-127.0, 48.5, -123.0, 50.5), id="Vancouver Island fjords"),
    ],
)
def test_mask_with_the_summary_answers_as_the_coastline_does(primary, box):
    summary = _tile_summary(version("roaring-landmask"))
    if summary is None:
        pytest.skip("the shipped summary was read from another roaring-landmask version")
    fast = LandMask(primary, lambda: None, summary=summary)
    slow = LandMask(primary, lambda: None)
    lons, lats = points(15, 20_000, box)
    assert np.array_equal(fast.is_land(lons, lats), slow.is_land(lons, lats))
    for clearance in (1.0, 1.5):
        assert np.array_equal(
            fast.is_near_land(lons, lats, clearance_km=clearance),
            slow.is_near_land(lons, lats, clearance_km=clearance),
        )


def test_summary_states_hold_on_the_cells(primary):
    summary = _tile_summary(version("roaring-landmask"))
    if summary is None:
        pytest.skip("the shipped summary was read from another roaring-landmask version")
    rng = np.random.default_rng(1015)
    for state in (0, 1):
        tx, ty = np.nonzero(summary == state)
        pick = rng.choice(len(tx), 40, replace=False)
        for i in pick.tolist():
            # every fourth cell of the tile, at its centre
            px = tx[i] * 120 + np.arange(0, 120, 4)
            py = ty[i] * 120 + np.arange(0, 120, 4)
            gx, gy = np.meshgrid(px, py)
            lons = ((gx.ravel() / 240.0) + 180.0) % 360.0 - 180.0
            lats = np.clip((gy.ravel() - 180 * 120) / 240.0, -90.0, 90.0)
            land = np.asarray(primary.contains_many(lons, lats), dtype=bool)
            assert land.all() if state == 1 else not land.any(), (tx[i], ty[i])


def test_clearance_dilation_matches_scipy():
    """The clearance layer's dilation is scipy's binary dilation, only faster."""
    import math

    from scipy import ndimage
    from shipmap.routes.coastline import _dilate

    rng = np.random.default_rng(7)
    for _ in range(50):
        ny, nx = rng.integers(10, 140, 2)
        land = rng.random((ny, nx)) < rng.choice([0.002, 0.05, 0.5])
        ry, rx = rng.uniform(0.5, 8.0), rng.uniform(0.5, 30.0)
        oy, ox = np.mgrid[-math.ceil(ry) : math.ceil(ry) + 1, -math.ceil(rx) : math.ceil(rx) + 1]
        disk = (ox / rx) ** 2 + (oy / ry) ** 2 <= 1.0
        assert (_dilate(land, disk) == ndimage.binary_dilation(land, structure=disk)).all()


@pytest.mark.parametrize(
    "box",
    [
        pytest.param((9.0, 53.8, 10.2, 54.5), id="Kiel Canal"),
        pytest.param((32.0, 29.8, 32.7, 31.4), id="Suez Canal"),
    ],
)
def test_tiles_answer_as_the_coastline_with_the_passages_carved(primary, box):
    """A tile's cell is land where the coastline has land, unless a passage crosses it."""
    from shipmap.routes.coastline import _pixel_centres, _pixels

    mask = LandMask(primary, lambda: None)
    lons, lats = points(21, 20_000, box)
    x, y = _pixel_centres(*_pixels(lons, lats))
    bare = np.asarray(primary.contains_many(x, y), dtype=bool)
    carved = mask.is_carved(lons, lats)
    assert carved.any()
    assert np.array_equal(mask.is_land(lons, lats), bare & ~carved)


def test_block_of_tiles_is_the_lookup_over_its_grid():
    """Blocks read for the clearance layer, across the antimeridian and the poles too."""
    from shipmap.routes.coastline import _COLS, _ROWS, _TILE_PX, _Tiles

    def build(tx, ty):
        rng = np.random.default_rng(tx * 1000 + ty)
        r = rng.random()
        return r < 0.5 if r < 0.4 else rng.random((_TILE_PX, _TILE_PX)) < 0.5

    by_point, by_block = _Tiles(build), _Tiles(build)
    rng = np.random.default_rng(3)
    for k in range(120):
        tx = int(rng.integers(0, _COLS // _TILE_PX)) if k % 3 else int(rng.choice([0, 719]))
        ty = int(rng.integers(0, _ROWS // _TILE_PX)) if k % 4 else int(rng.choice([0, 359]))
        pad_x, pad_y = int(rng.integers(1, _TILE_PX + 1)), int(rng.integers(1, 20))
        cols = np.arange(tx * _TILE_PX - pad_x, (tx + 1) * _TILE_PX + pad_x) % _COLS
        rows = np.clip(np.arange(ty * _TILE_PX - pad_y, (ty + 1) * _TILE_PX + pad_y), 0, _ROWS - 1)
        gx, gy = np.meshgrid(cols, rows)
        want = by_point.lookup(gx.ravel(), gy.ravel()).reshape(gx.shape)
        assert np.array_equal(by_block.block(cols, rows), want), (tx, ty)
