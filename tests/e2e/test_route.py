"""`shipmap route` and `shipmap validate`: every leg routed as a build would, problems by line."""

from __future__ import annotations

import json
from pathlib import Path

from builders import write_dataset

from shipmap.cli import main

PLACES = """\
    id,name,lat,lon,country,kind
    pyongyang,Pyongyang,39.0339,125.7543,KP,city
    rajin,Rajin port,42.2333,130.3,KP,port
    tumangang,Tumangang station,42.4214,130.6081,KP,rail_station
    khasan,Khasan station,42.4301,130.6449,RU,rail_station
    ussuriysk,Ussuriysk,43.8047,131.9573,RU,city
    kursk,Kursk,51.7269,36.1846,RU,front
    """


def _dataset(tmp_path: Path, legs: str) -> Path:
    return write_dataset(
        tmp_path / "data",
        {"places.csv": PLACES, "legs.csv": legs},
    )


def test_route_writes_every_drawable_leg_and_names_the_line_of_the_others(tmp_path, capsys):
    data = _dataset(
        tmp_path,
        """\
        id,origin,destination,mode,via
        border,tumangang,ussuriysk,rail,khasan
        inland,kursk,rajin,sea,
        """,
    )
    out = tmp_path / "legs.geojson"
    assert main(["route", str(data), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    # The leg that cannot be drawn: one contract-style line, naming file, line and column.
    problems = captured.err.strip().splitlines()
    assert len(problems) == 1
    assert problems[0].startswith("legs.csv:3: origin: cannot draw the sea leg: place 'kursk'")
    # The leg that can be drawn is written all the same, along the track.
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    [feature] = doc["features"]
    props = feature["properties"]
    assert props["id"] == "border"
    assert props["mode"] == "rail"
    assert props["method"] == "network"
    assert props["schematic"] == []
    assert 150 < props["length_km"] < 300
    assert len(feature["geometry"]["coordinates"]) > 20
    assert "border: rail" in captured.out


def test_validate_routes_every_leg_so_that_ok_means_it_builds(tmp_path, capsys):
    data = _dataset(
        tmp_path,
        """\
        id,origin,destination,mode,via
        inland,kursk,rajin,sea,
        """,
    )
    assert main(["validate", str(data)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("legs.csv:2: origin: cannot draw the sea leg: place 'kursk'")
    assert "ok" not in err


def test_route_says_which_stretch_is_schematic_and_why(tmp_path, capsys):
    # North Korea's east-coast line has a gap in the OpenStreetMap data; the
    # shortest rail path would run through China, where neither place is.
    data = _dataset(
        tmp_path,
        """\
        id,origin,destination,mode,via
        east,pyongyang,rajin,rail,
        """,
    )
    out = tmp_path / "legs.geojson"
    assert main(["route", str(data), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "east: rail" in text
    assert "schematic pyongyang → rajin: no rail line joins Pyongyang and Rajin port" in text
    [feature] = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert feature["properties"]["method"] == "schematic"
    [stretch] = feature["properties"]["schematic"]
    assert (stretch["from"], stretch["to"]) == ("pyongyang", "rajin")
    assert "within North Korea" in stretch["reason"]
    # Drawn straight, inside North Korea: not through China.
    from shapely.geometry import shape
    from shipmap.geo.countries import countries

    crossed = countries().crossed(shape(feature["geometry"]))
    assert set(crossed) == {"KP"}
