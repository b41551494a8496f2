"""The shipmap command end to end, as a user runs it."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from builders import TINY, UNSAFE, write_dataset

from shipmap.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_build_writes_a_map_per_language_index_and_geojson(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(tiny), "-o", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"map-en.html", "map-fa.html", "index.html", "shipmap.geojson"} <= names
    assert str(out) in capsys.readouterr().out


def test_geojson_carries_places_and_legs_with_headline_figures(tiny, tmp_path):
    out = tmp_path / "out"
    main(["build", str(tiny), "-o", str(out), "-q"])
    doc = json.loads((out / "shipmap.geojson").read_text("utf-8"))
    assert doc["type"] == "FeatureCollection"
    places = {
        f["properties"]["id"]: f for f in doc["features"] if f["properties"]["layer"] == "place"
    }
    legs = {f["properties"]["id"]: f for f in doc["features"] if f["properties"]["layer"] == "leg"}
    assert set(places) == {"rajin", "dunai", "vostochny", "tikhoretsk", "kursk"}
    assert set(legs) == {
        "sea_rajin_dunai",
        "sea_rajin_vostochny",
        "rail_dunai_tikhoretsk",
        "rail_vostochny_kursk",
    }
    kursk = places["kursk"]
    assert kursk["properties"]["kind"] == "front" and kursk["properties"]["country"] == "RU"
    lon, lat = kursk["geometry"]["coordinates"]
    assert abs(lat - 51.73) < 0.1 and abs(lon - 36.19) < 0.1
    leg = legs["sea_rajin_vostochny"]["properties"]
    assert leg["containers"] == 15800 and leg["munitions"] == 4600000
    assert (leg["munitions_low"], leg["munitions_high"]) == (4200000, 5800000)
    assert leg["mode"] == "sea" and leg["origin"] == "rajin" and leg["length_km"] > 100
    troops = legs["rail_vostochny_kursk"]["properties"]
    assert troops["troops"] == 11000  # the reported total, not 11,000 + 3,000


def test_bad_data_gives_one_line_per_problem_exit_1_and_leaves_output_alone(tmp_path):
    out = tmp_path / "out"
    good = write_dataset(tmp_path / "good")
    assert main(["build", str(good), "-o", str(out), "-q"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = write_dataset(
        tmp_path / "bad",
        **{"legs.csv": TINY["legs.csv"].replace("rajin,vostochny,sea", "rajin,vostochy,sea")},
    )
    result = subprocess.run(
        [sys.executable, "-m", "shipmap.cli", "build", str(bad), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(
        r"legs\.csv:3: destination: .*'vostochy'.*did you mean 'vostochny'", result.stderr
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_validate_reports_ok_and_writes_nothing(tiny, capsys):
    before = sorted(p.name for p in tiny.iterdir())
    assert main(["validate", str(tiny)]) == 0
    assert "ok" in capsys.readouterr().out
    assert sorted(p.name for p in tiny.iterdir()) == before


def test_geocode_json_gives_the_contract_fields(capsys):
    assert main(["geocode", "کورسک", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert set(found) == {"name", "lat", "lon", "country", "source"}
    assert found["country"] == "RU" and abs(found["lat"] - 51.73) < 0.1


def test_geocode_refuses_what_it_cannot_place(capsys):
    assert main(["geocode", "Kursq"]) == 1
    err = capsys.readouterr().err
    assert "Kursk" in err and "Traceback" not in err


def test_embed_prints_a_responsive_titled_iframe(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    main(["build", str(tiny), "-o", str(out), "-q"])
    capsys.readouterr()
    assert main(["embed", str(out / "map-fa.html")]) == 0
    snippet = capsys.readouterr().out
    assert 'src="map-fa.html"' in snippet and 'title="نقشه آزمایشی"' in snippet
    assert 'loading="lazy"' in snippet and "width: 100%" in snippet


@pytest.mark.parametrize(
    "command", [[], ["build"], ["validate"], ["route"], ["geocode"], ["embed"]]
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: shipmap" in capsys.readouterr().out


def test_unsafe_text_in_data_never_becomes_markup(tmp_path):
    payload = UNSAFE.replace(",", " ").replace('"', "'")
    data = write_dataset(
        tmp_path / "data",
        **{
            "places.csv": TINY["places.csv"].replace("Loading port", payload),
            "sources.csv": TINY["sources.csv"].replace("Red Passage", payload),
        },
    )
    out = tmp_path / "out"
    assert main(["build", str(data), "-o", str(out), "-q"]) == 0
    for name in ("map-en.html", "map-fa.html", "index.html"):
        html = (out / name).read_text("utf-8")
        assert "<img src=x" not in html and "<svg onload" not in html
        assert html.count("</script>") == html.count("<script")
