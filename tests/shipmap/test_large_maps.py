"""Maps with many legs: compact geometry, label placement, the renderer setting, GeoJSON."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import shapely
from builders import write_dataset
from varints import read_varints, unzigzag

from shipmap.cli import main
from shipmap.config import read_config
from shipmap.errors import DataError
from shipmap.map import page
from shipmap.map.canvas import use_canvas
from shipmap.map.compact import BANDS, FULL_ZOOM, QUANT_BITS, encode_lines, mercator_units
from shipmap.map.labels import LabelPoints, place_labels
from shipmap.outputs.write import geojson_text


def _decode(encoded: dict) -> tuple[list[np.ndarray], list[list[list[int]]]]:
    deltas = unzigzag(read_varints(encoded["xy"])).reshape(-1, 2)
    points = np.cumsum(deltas, axis=0)
    ends = np.cumsum(encoded["n"])
    lines = np.split(points, ends[:-1])
    bands = []
    for band in encoded["band"]:
        gaps = read_varints(band["i"])
        per_line, at = [], 0
        for n in band["n"]:
            per_line.append(np.cumsum(gaps[at : at + n]).tolist())
            at += n
        bands.append(per_line)
    return lines, bands


def _reference_labels(points: LabelPoints, labels: list[str], rtl: bool) -> list[int | None]:
    """The placement compared pair by pair (quadratic), as shipmap did before the grid."""

    def box(x: float, y: float, text: str) -> tuple[float, float, float, float]:
        w = 10 + 7.5 * len(text)
        return (x - w, y - 9, x - 6, y + 9) if rtl else (x + 6, y - 9, x + w, y + 9)

    order = sorted(range(len(labels)), key=lambda i: (-points.importance[i], labels[i]))
    zooms: list[int | None] = [None] * len(labels)
    placed: list[int] = []
    for i in order:
        for z in range(2, 13):
            size = 256 * 2**z
            mine = box(points.x[i] * size, points.y[i] * size, labels[i])
            clash = False
            for j in placed:
                zj = zooms[j]
                if zj is None or zj > z:
                    continue
                xj, yj = points.x[j] * size, points.y[j] * size
                for b in (box(xj, yj, labels[j]), (xj - 8, yj - 8, xj + 8, yj + 8)):
                    if mine[0] < b[2] and b[0] < mine[2] and mine[1] < b[3] and b[1] < mine[3]:
                        clash = True
                if clash:
                    break
            if not clash:
                zooms[i] = z
                placed.append(i)
                break
    return zooms


def test_lines_come_back_from_the_page_encoding_within_a_fraction_of_a_pixel() -> None:
    lines = [
        shapely.LineString([(130.3, 42.23), (131.0, 42.5), (132.3, 42.88), (133.05, 42.73)]),
        # across the antimeridian, longitudes unwrapped as legs are
        shapely.LineString([(170.0, 50.0), (180.0, 51.0), (190.0, 52.0)]),
        shapely.LineString([(10.0, 10.0), (10.0, 10.0)]),  # one point, given twice
        shapely.LineString([(0, 0), *[(i / 10, math.sin(i / 10)) for i in range(1, 300)]]),
    ]
    encoded = encode_lines(lines)
    decoded, bands = _decode(encoded)
    assert len(decoded) == len(lines)
    half_pixel = 0.5 * 2**QUANT_BITS / (256 * 2**FULL_ZOOM)
    for line, got in zip(lines, decoded, strict=True):
        x, y = mercator_units(*np.array(line.coords).T)
        assert (got[0] == [x[0], y[0]]).all() and (got[-1] == [x[-1], y[-1]]).all()
        # every input point lies within half a pixel (at FULL_ZOOM) of the decoded line
        drawn = shapely.LineString(got) if len(got) > 1 else shapely.Point(got[0])
        far = max(drawn.distance(shapely.Point(px, py)) for px, py in zip(x, y, strict=True))
        assert far <= half_pixel + 1
    assert len(decoded[2]) == 2
    for zoom, per_line in zip(BANDS, bands, strict=True):
        tol = 0.5 * 2**QUANT_BITS / (256 * 2**zoom)
        for got, idx in zip(decoded, per_line, strict=True):
            assert idx[0] == 0 and idx[-1] == len(got) - 1 and idx == sorted(set(idx))
            band = shapely.LineString(got[idx])
            assert max(band.distance(shapely.Point(p)) for p in got) <= tol + 1
    # the wavy line keeps fewer points in coarser bands
    assert len(bands[0][3]) < len(bands[-1][3]) <= len(decoded[3])


def test_label_zooms_from_the_grid_match_the_pairwise_placement() -> None:
    rng = np.random.default_rng(18)
    n = 400
    lon = np.concatenate([rng.uniform(-180, 180, n // 2), rng.normal(130, 2, n // 2)])
    lat = np.concatenate([rng.uniform(-70, 75, n // 2), rng.normal(42, 1.5, n // 2)])
    points = LabelPoints.of(shapely.points(lon, lat), rng.integers(0, 4, n).tolist())
    labels = [f"Place {i}" + "x" * int(rng.integers(0, 18)) for i in range(n)]
    for rtl in (False, True):
        got = place_labels(points, labels, rtl=rtl)
        assert got == _reference_labels(points, labels, rtl)
        assert any(z is None or z > 2 for z in got)  # crowded places wait for a deeper zoom


def test_a_map_of_many_legs_is_drawn_on_a_canvas_unless_map_toml_says_otherwise(tmp_path) -> None:
    def config(text: str):
        (tmp_path / "map.toml").write_text(text, encoding="utf-8")
        return read_config(tmp_path / "map.toml")

    auto = config("")
    assert not use_canvas(auto, legs=10, places=15)
    assert use_canvas(auto, legs=5000, places=900)
    assert use_canvas(config('renderer = "canvas"'), legs=3, places=4)
    assert not use_canvas(config('renderer = "svg"'), legs=5000, places=900)
    with pytest.raises(DataError, match=r"map.toml.*renderer.*'webgl' is not a renderer"):
        config('renderer = "webgl"')


def test_the_geojson_export_is_one_feature_a_line_without_indentation() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Владивосток"}, "geometry": None},
            {"type": "Feature", "properties": {"name": "b"}, "geometry": None},
        ],
    }
    text = geojson_text(doc)
    assert json.loads(text) == doc
    assert "Владивосток" in text and "\n " not in text
    assert len(text.splitlines()) == 4
    assert json.loads(geojson_text({"type": "FeatureCollection", "features": []}))["features"] == []


def test_a_map_of_thousands_of_figures_lists_the_largest_of_each_unit(tmp_path, monkeypatch):
    """The panels' table keeps to a readable size and says where the rest are."""
    monkeypatch.setattr(page, "TABLE_MAX_ROWS", 3)
    data = write_dataset(tmp_path / "data")
    assert main(["build", str(data), "-o", str(tmp_path / "out"), "-q"]) == 0
    html = (tmp_path / "out" / "map-en.html").read_text(encoding="utf-8")
    table = html[html.index('<table class="shipmap-table">') : html.index("</table>")]
    rows = re.findall(r"<tr><td dir=\"auto\">(.*?)</td><td>(.*?)</td>", table)
    figures = sorted(f for _, f in rows)
    # The largest figure of each of the three units, and none of the smaller ones.
    assert len(rows) == 3
    assert figures == ["11,000 troops", "15,800 containers", "4.2–5.8 million munitions"]
    assert re.search(r"The 3 largest of \d+ figures, by unit; flows.csv", table)
