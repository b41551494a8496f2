"""places.csv rows become points: given coordinates kept, missing ones geocoded."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shipmap.geo import DataError, Gazetteer, locate_places

NAN = math.nan


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    """A places frame as the data set reader hands it over (header = line 1)."""
    base = {"id": "", "name": "", "aliases": "", "country": "", "kind": "", "lat": NAN, "lon": NAN}
    records = [{**base, **row, "_line": i} for i, row in enumerate(rows, start=2)]
    df = pd.DataFrame.from_records(records)
    df[["lat", "lon"]] = df[["lat", "lon"]].astype("float64")
    return df


def test_a_row_without_coordinates_is_placed_and_says_from_where(gaz: Gazetteer) -> None:
    places = frame(
        {"id": "vostochny", "name": "Vostochny", "lat": 42.73, "lon": 133.05, "note": "given"},
        {"id": "rajin", "name": "Rajin port", "aliases": "Najin;Rason", "country": "KP"},
    )
    out = locate_places(places, gazetteer=gaz)
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs == "EPSG:4326"
    assert list(out["id"]) == ["vostochny", "rajin"]
    assert {"note", "_line", "aliases", "coord_source"} <= set(out.columns)
    assert list(out["coord_source"]) == ["data set", "gazetteer: searoute port KPNJN"]
    assert out.loc[0, ["lat", "lon"]].tolist() == [42.73, 133.05]
    assert out.loc[1, ["lat", "lon"]].tolist() == pytest.approx([42.2333, 130.3])
    assert (out.geometry.x.tolist(), out.geometry.y.tolist()) == (
        out["lon"].tolist(),
        out["lat"].tolist(),
    )


def test_aliases_and_country_of_a_row_are_used(gaz: Gazetteer) -> None:
    out = locate_places(
        frame(
            {"id": "a", "name": "Rajin harbour", "aliases": " ; Najin"},
            {"id": "b", "name": "Moscow", "country": "US", "aliases": "Moscow, Idaho"},
            {"id": "c", "name": "ولادی\u200cوستوک"},
        ),
        gazetteer=gaz,
    )
    assert list(out["coord_source"]) == [
        "gazetteer: searoute port KPNJN",
        "GeoNames 5601538",  # Moscow, Idaho
        "gazetteer: searoute port RUVVO",
    ]


def test_every_unplaceable_row_is_reported_at_once(gaz: Gazetteer) -> None:
    places = frame(
        {"id": "ok", "name": "Kursk"},
        {"id": "typo", "name": "Kursq"},
        {"id": "twice", "name": "Springfield"},
        {"id": "half", "name": "Dunai", "lat": 42.9},
    )
    with pytest.raises(DataError) as e:
        locate_places(places, file="places.csv", gazetteer=gaz)
    problems = e.value.problems
    assert [(p.file, p.line, p.column) for p in problems] == [
        ("places.csv", 3, "name"),
        ("places.csv", 4, "name"),
        ("places.csv", 5, "lon"),
    ]
    text = str(e.value).splitlines()
    assert text[0] == (
        "places.csv:3: name: cannot place 'Kursq': no such place in the gazetteer"
        " (did you mean 'Kursk'?) — add lat and lon, or an alias"
    )
    assert text[1].startswith("places.csv:4: name: cannot place 'Springfield': several places")
    assert text[1].endswith("— add a country, or lat and lon")
    assert text[2] == "places.csv:5: lon: give both lat and lon, or neither to geocode the name"


def test_a_wrong_country_is_named_in_the_problem(gaz: Gazetteer) -> None:
    with pytest.raises(
        DataError,
        match=r"places\.csv:2: name: cannot place 'Najin': no such place in CN, only Rajin",
    ):
        locate_places(frame({"id": "x", "name": "Najin", "country": "CN"}), gazetteer=gaz)


def test_the_file_name_given_is_the_one_reported(gaz: Gazetteer) -> None:
    with pytest.raises(DataError, match=r"^my/places\.csv:2: name: cannot place 'Qxzwv'"):
        locate_places(frame({"id": "x", "name": "Qxzwv"}), file="my/places.csv", gazetteer=gaz)


def test_an_empty_frame_gives_an_empty_layer(gaz: Gazetteer) -> None:
    out = locate_places(frame({"id": "x", "name": "Kursk"}).iloc[0:0], gazetteer=gaz)
    assert len(out) == 0
    assert out.crs == "EPSG:4326"
    assert "coord_source" in out.columns


def test_a_geocoded_place_without_country_takes_the_country_it_was_found_in():
    import pandas as pd
    from shipmap.geo.places import locate_places

    frame = pd.DataFrame(
        {
            "id": ["kursk"],
            "name": ["Kursk"],
            "aliases": [""],
            "country": [""],
            "kind": ["front"],
            "lat": [float("nan")],
            "lon": [float("nan")],
            "_line": [2],
        }
    )
    placed = locate_places(frame)
    assert placed.loc[0, "country"] == "RU"


def test_the_sources_that_placed_a_row_are_named_for_the_maps_credits(gaz: Gazetteer) -> None:
    from shipmap.geo.places import coordinate_credits

    from shipmap.map.render import _add_place_credit

    places = frame(
        {"id": "rajin", "name": "Rajin port", "country": "KP"},  # curated: cites its own source
        {"id": "perm", "name": "Perm", "country": "RU"},  # GeoNames
        {"id": "fdh", "name": "Frederikshavn", "country": "DK", "kind": "port"},  # searoute
    )
    out = locate_places(places, gazetteer=gaz)
    assert coordinate_credits(out["coord_source"]) == ["GeoNames", "searoute"]
    assert coordinate_credits(out["coord_source"][:1]) == []
    import folium

    m = folium.Map()
    _add_place_credit(m, out)
    html = m.get_root().render()
    assert "https://www.geonames.org/" in html and "CC BY 4.0" in html
    assert "searoute-py" in html
