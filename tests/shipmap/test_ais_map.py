"""Dark gaps on the map: a dashed line on water, a popup, a legend entry; bad rows refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import shapely
from builders import UNSAFE, write_dataset

from shipmap.api import folium_map
from shipmap.errors import DataError
from shipmap.map.gaps import GAP_DASH, read_gaps
from shipmap.map.i18n import language
from shipmap.map.page import map_html

GAPS = """\
vessel,mmsi,start,end,hours,start_lat,start_lon,end_lat,end_lon,km,source
LADY R,273000003,2024-03-14T06:00:00Z,2024-03-15T18:00:00Z,36,41.9,131.4,42.5,132.6,120,
"""


def _gap_features(html: str) -> list[dict]:
    decoder = json.JSONDecoder()
    features = []
    for found in re.finditer(r"geo_json_\w+_add\(", html):
        try:
            data, _ = decoder.raw_decode(html, found.end())
        except json.JSONDecodeError:
            continue
        features += [f for f in data["features"] if str(f.get("id", "")).startswith("gap-")]
    return features


def test_a_gap_is_drawn_dashed_on_water_with_its_popup_and_legend(tmp_path: Path) -> None:
    ds = write_dataset(tmp_path / "ds", **{"gaps.csv": GAPS, "map.toml": None})
    html = map_html(folium_map(ds, lang="en"), lang=language("en"), title="t")
    assert "AIS off at sea (dark gap)" in html  # legend
    assert GAP_DASH in html
    features = _gap_features(html)
    assert len(features) == 1
    props = features[0]["properties"]
    assert props["label"] == "AIS off 36 h, 14 Mar 2024 \u2013 15 Mar 2024, LADY R"
    assert ["MMSI", "273000003"] in [b.get("row") for b in props["popup"]]
    line = shapely.geometry.shape(features[0]["geometry"])
    assert line.coords[0] == pytest.approx((131.4, 41.9), abs=0.2)
    assert line.coords[-1] == pytest.approx((132.6, 42.5), abs=0.2)


def test_a_map_without_gaps_has_no_gap_legend(tiny: Path) -> None:
    html = map_html(folium_map(tiny, lang="en"), lang=language("en"), title="t")
    assert "AIS off at sea" not in html
    assert not _gap_features(html)


def test_a_vessel_name_from_the_data_never_becomes_markup(tmp_path: Path) -> None:
    gaps = GAPS.replace("LADY R", '"' + UNSAFE.replace('"', '""') + '"')
    ds = write_dataset(tmp_path / "ds", **{"gaps.csv": gaps, "map.toml": None})
    html = map_html(folium_map(ds, lang="en"), lang=language("en"), title="t")
    assert "<img src=x" not in html and "<svg onload" not in html


def test_a_bad_gap_row_is_refused_with_line_and_column(tmp_path: Path) -> None:
    bad = GAPS + "X,1,yesterday,2024-03-15T18:00:00Z,1,95,1,1,1,1,\n"
    ds = write_dataset(tmp_path / "ds", **{"gaps.csv": bad})
    with pytest.raises(DataError) as err:
        read_gaps(ds)
    text = str(err.value)
    assert "gaps.csv:3: start: 'yesterday' is no ISO 8601 time" in text
    assert "gaps.csv:3: start_lat: '95' is no degree within ±90" in text
