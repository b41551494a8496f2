"""A map across the antimeridian: its places sit at the ends of its lines, in one unbroken view."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from builders import write_dataset

from shipmap.cli import main
from shipmap.dataset import load_dataset
from shipmap.map.basemap import basemap_extent
from shipmap.map.frame import frame_longitudes, longitude_window
from shipmap.pipeline import map_content

PACIFIC = {
    "places.csv": """\
        id,name,lat,lon,country,kind,source
        vladivostok,Vladivostok,43.1,131.9,RU,port,s
        anchorage,Anchorage,61.2,-149.9,US,city,s
        seattle,Seattle,47.6,-122.3,US,city,s
        """,
    "legs.csv": """\
        id,origin,destination,mode,source
        out,vladivostok,anchorage,air,s
        on,anchorage,seattle,air,s
        """,
    "shipments.csv": """\
        id,leg,start,end,quantity,unit,basis,source
        a,out,2024-01,2024-02,3,flights,total,s
        b,on,2024-01,2024-02,2,flights,total,s
        """,
    "sources.csv": """\
        id,publisher,title,date,url
        s,Test,Test,2024-01-01,https://example.org
        """,
}


@pytest.mark.parametrize(
    ("spans", "window"),
    [
        # a leg from Vladivostok runs on east past 180° to Los Angeles; Rotterdam
        # and Santos are reached the other way: the map runs from 228° W to 4° E
        ([(132, 242), (-118, -118), (4, 4), (-46, -46)], (-228.0, 4.0)),
        # the default map's kind: nothing near the antimeridian
        ([(36, 36), (130, 140)], (36.0, 140.0)),
        # one place just west of the antimeridian, the rest far east of 0°
        ([(-10, 170), (-175, -175)], (-10.0, 185.0)),
        ([(5, 5)], (5.0, 5.0)),
    ],
)
def test_the_window_is_the_shortest_stretch_holding_everything(spans, window):
    assert longitude_window(spans) == window


def test_no_window_when_nothing_is_drawn_or_everything_is():
    assert longitude_window([]) is None
    assert longitude_window([(-180, 180)]) is None


def test_places_are_moved_to_the_ends_of_the_lines_across_the_antimeridian(tmp_path):
    content = map_content(load_dataset(write_dataset(tmp_path / "d", PACIFIC)))
    line = content.flows.legs.set_index("id").geometry["out"]
    end_x = shapely.get_coordinates(line)[-1, 0]
    assert end_x > 180.0  # the air leg runs on east, unbroken

    shown = frame_longitudes(content)
    places = shown.places.set_index("id").geometry
    legs = shown.flows.legs.set_index("id").geometry
    # Anchorage's marker is where the line from Vladivostok ends, and where
    # the line on to Seattle starts; Seattle where that line ends.
    out = shapely.get_coordinates(legs["out"])
    on = shapely.get_coordinates(legs["on"])
    assert places["anchorage"].x == pytest.approx(out[-1, 0], abs=1e-6)
    assert places["anchorage"].x == pytest.approx(on[0, 0], abs=1e-6)
    assert places["seattle"].x == pytest.approx(on[-1, 0], abs=1e-6)
    assert places["vladivostok"].x == pytest.approx(out[0, 0], abs=1e-6)
    # one stretch of about 106°, not the 254° from Seattle west to Vladivostok
    xs = np.concatenate([out[:, 0], on[:, 0], [p.x for p in places]])
    assert xs.max() - xs.min() < 120.0
    # the basemap covers that stretch and stays within a turn of it
    x0, _, x1, _ = basemap_extent(shown.places, shown.flows.legs)
    assert x0 <= xs.min() and x1 >= xs.max()
    assert x1 - x0 <= 720.0
    # the content of the build itself is untouched
    assert content.places.set_index("id").geometry["anchorage"].x == pytest.approx(-149.9)


def test_a_map_that_does_not_cross_is_left_as_it_is(tmp_path):
    content = map_content(load_dataset(write_dataset(tmp_path / "d")))
    assert frame_longitudes(content) is content


def test_on_the_built_page_every_line_ends_at_a_marker_and_exports_keep_180(tmp_path):
    data = write_dataset(tmp_path / "d", PACIFIC)
    out = tmp_path / "out"
    assert main(["build", str(data), "-o", str(out)]) == 0
    page = (out / "map-en.html").read_text(encoding="utf-8")
    points = [
        tuple(json.loads(m))
        for m in re.findall(r'"coordinates": (\[[-0-9.]+, [-0-9.]+\]), "type": "Point"', page)
    ]
    lines = [
        json.loads(m)
        for m in re.findall(r'"coordinates": (\[\[[-0-9., \[\]]+\]\]), "type": "LineString"', page)
    ]
    assert len(points) == 3 and len(lines) == 2
    ends = {tuple(line[i]) for line in lines for i in (0, -1)}
    # every line starts and ends at a place's marker (before, the line from
    # Vladivostok ended a whole turn east of Anchorage's marker, in open sea)
    assert ends <= set(points)
    exported = json.loads((out / "shipmap.geojson").read_text(encoding="utf-8"))
    lons = [
        f["geometry"]["coordinates"][0]
        for f in exported["features"]
        if f["geometry"]["type"] == "Point"
    ]
    assert sorted(lons) == [-149.9, -122.3, 131.9]
