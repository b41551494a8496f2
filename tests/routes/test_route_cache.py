"""The route cache draws no false route: a bad entry is routed again, never trusted.

A poisoned entry once drew Rajin → Vostochny via Moscow (12,952 km, exit 0); a
NaN gave a traceback; a FIFO hung the build. Each is reproduced here, with a
stand-in router that counts its calls, so no coastline is loaded.
"""

from __future__ import annotations

import json
import os
import signal
import warnings

import geopandas as gpd
import pandas as pd
import pytest
import shipmap.routes.legs
from shapely.geometry import LineString, Point
from shipmap.routes.legs import _cache_key, _sea_version, build_legs

from shipmap.cache import CacheWarning, read_entry, write_entry

RAJIN, VOSTOCHNY, MOSCOW = (130.3, 42.2333), (133.05, 42.7333), (37.62, 55.75)


@pytest.fixture
def places():
    return gpd.GeoDataFrame(
        {"id": ["rajin", "vostochny"]},
        geometry=[Point(RAJIN), Point(VOSTOCHNY)],
        crs="EPSG:4326",
    )


LEGS = pd.DataFrame.from_records(
    [{"id": "sea", "origin": "rajin", "destination": "vostochny", "mode": "sea", "via": ""}]
).assign(_line=2)


@pytest.fixture
def router(monkeypatch):
    """A stand-in sea router along the coast, which counts its calls."""
    calls = []

    def route(start, end):
        calls.append((start, end))
        mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 - 0.3)
        return LineString([start, mid, end])

    monkeypatch.setattr(shipmap.routes.legs, "_route_sea", route)
    return calls


def entry_name() -> str:
    return f"{_cache_key('sea', [RAJIN, VOSTOCHNY], _sea_version())}.json"


def drawn(places, cache) -> LineString:
    return build_legs(LEGS, places, cache_dir=cache).geometry.iloc[0]


def test_a_good_entry_is_used(places, router, tmp_path):
    first = drawn(places, tmp_path)
    second = drawn(places, tmp_path)
    assert len(router) == 1 and second.equals(first)


def test_a_planted_detour_via_moscow_is_routed_again(places, router, tmp_path):
    drawn(places, tmp_path)
    poisoned = json.dumps({"coordinates": [list(RAJIN), list(MOSCOW), list(VOSTOCHNY)]})
    (tmp_path / entry_name()).write_text(poisoned)  # by hand: not sealed by shipmap
    line = drawn(places, tmp_path)
    assert len(router) == 2
    assert MOSCOW not in list(line.coords)
    assert read_entry(tmp_path, entry_name(), max_bytes=1 << 20) is not None  # replaced


@pytest.mark.parametrize(
    "coordinates",
    [
        [list(MOSCOW), list(VOSTOCHNY)],  # wrong start
        [list(RAJIN), list(MOSCOW)],  # wrong end
        [list(RAJIN), [float("nan"), 42.0], list(VOSTOCHNY)],
        [list(RAJIN), [131.0, float("inf")], list(VOSTOCHNY)],
        [list(RAJIN), [131.0, 95.0], list(VOSTOCHNY)],
        [list(RAJIN), ["131", 42.0], list(VOSTOCHNY)],
        [list(RAJIN), [True, 42.0], list(VOSTOCHNY)],
        [list(RAJIN), [131.0, 42.0, 0.0], list(VOSTOCHNY)],
        [list(RAJIN)],
        [list(RAJIN)] * 200_001 + [list(VOSTOCHNY)],
        "not a list",
    ],
    ids=[
        "start",
        "end",
        "nan",
        "inf",
        "latitude",
        "text",
        "bool",
        "3d",
        "one-point",
        "too-many",
        "text-coords",
    ],
)
def test_an_entry_that_breaks_its_schema_is_routed_again(places, router, tmp_path, coordinates):
    """Even sealed (as if written by shipmap itself), a bad entry is not trusted."""
    text = json.dumps({"coordinates": coordinates}, allow_nan=True)
    write_entry(tmp_path, entry_name(), text.encode())
    line = drawn(places, tmp_path)
    assert len(router) == 1
    coords = list(line.coords)
    assert coords[0] == RAJIN and coords[-1] == VOSTOCHNY


@pytest.mark.parametrize("payload", [b"", b"{", b"[1, 2]", b'{"coordinates": null}', b"\xff\xfe"])
def test_a_damaged_entry_is_routed_again(places, router, tmp_path, payload):
    write_entry(tmp_path, entry_name(), payload)
    drawn(places, tmp_path)
    assert len(router) == 1


def test_a_fifo_at_the_entrys_path_does_not_hang_the_build(places, router, tmp_path):
    write_entry(tmp_path, "seed.json", b"x")  # the folder and its key
    os.mkfifo(tmp_path / entry_name())

    def hung(signum, frame):
        raise AssertionError("the build blocked on a FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        drawn(places, tmp_path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert len(router) == 1
    assert (tmp_path / entry_name()).is_file()  # the FIFO was replaced by the route


def test_a_shared_cache_folder_is_not_trusted(places, router, tmp_path):
    """Someone else wrote into a world-writable cache folder: nothing of it is used."""
    shared = tmp_path / "shared"
    drawn(places, shared)
    poisoned = json.dumps({"coordinates": [list(RAJIN), list(MOSCOW), list(VOSTOCHNY)]})
    write_entry(shared, entry_name(), poisoned.encode())  # even with a valid seal
    shared.chmod(0o777)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CacheWarning)
        line = drawn(places, shared)
    assert MOSCOW not in list(line.coords)
    assert len(router) == 2
