"""The basemap: tiles by name, and land and borders that draw with no network."""

import json
import struct
import zlib
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from builders import write_dataset
from shipmap.geo.countries import countries_source

from shipmap.cli import main
from shipmap.errors import ShipmapError
from shipmap.map.basemap import basemap_extent, land_geojson
from shipmap.map.tiles import tile_provider


def png(width: int, height: int) -> bytes:
    """A plain grey PNG: what a test serves in place of every tile."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xcc\xcc\xcc" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


TILE = png(256, 256)


def build(tmp_path: Path, *args: str, **files: str) -> Path:
    data = write_dataset(tmp_path / "data", **files)
    out = tmp_path / "out"
    assert main(["build", str(data), "-o", str(out), "-q", *args]) == 0
    return out


def test_the_land_ships_with_the_installed_packages():
    path = countries_source()
    assert path.name == "ne_10m_admin_0_countries_deu.zip" and path.is_file()
    assert "site-packages" in path.parts or "dist-packages" in path.parts


def test_the_extent_holds_every_leg_and_place_with_a_margin():
    places = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([130.3, 36.2], [42.2, 51.7]), crs="EPSG:4326"
    )
    legs = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(130.3, 42.2), (100, 58), (36.2, 51.7)])], crs="EPSG:4326"
    )
    x0, y0, x1, y1 = basemap_extent(places, legs)
    assert x0 < 36.2 - 10 and x1 > 130.3 + 10 and y0 < 42.2 - 10 and y1 > 58 + 10
    assert y0 >= -85 and y1 <= 85


def test_the_land_is_clipped_simplified_and_rounded():
    extent = (120.0, 30.0, 145.0, 50.0)
    doc = land_geojson(extent)
    (feature,) = doc["features"]
    shape = shapely.geometry.shape(feature["geometry"])
    assert shape.geom_type == "MultiPolygon"
    parts = shapely.get_parts(shape)  # one polygon per country piece; neighbours share edges
    assert len(parts) > 10 and all(shapely.is_valid(parts))
    geom = shapely.union_all(parts)
    x0, y0, x1, y1 = geom.bounds
    assert extent[0] <= x0 and y0 >= extent[1] and x1 <= extent[2] and y1 <= extent[3]
    # Korea, Japan and the Russian Far East are there, the Sea of Japan is not land.
    assert geom.contains(shapely.Point(127.0, 37.5))  # Seoul
    assert geom.contains(shapely.Point(139.7, 35.7))  # Tokyo
    assert geom.contains(shapely.Point(132.8, 44.6))  # Spassk-Dalny, Primorye
    assert not geom.contains(shapely.Point(135.0, 40.0))
    text = json.dumps(doc, separators=(",", ":"))
    assert len(text) < 120_000
    decimals = {
        len(t.split(".")[1])
        for t in text.replace("[", ",").replace("]", ",").split(",")
        if "." in t
    }
    assert max(decimals) <= 3


def test_land_across_the_antimeridian_keeps_going_east():
    doc = land_geojson((160.0, 50.0, 200.0, 72.0))
    shape = shapely.geometry.shape(doc["features"][0]["geometry"])
    geom = shapely.union_all(shapely.get_parts(shape))
    assert geom.bounds[2] > 185  # Chukotka, east of 180°, drawn at 180°+ longitudes
    assert geom.contains(shapely.Point(360 - 175.0, 65.0))


def test_tile_providers_by_name():
    assert tile_provider("offline") is None
    assert "openstreetmap.org" in tile_provider("OpenStreetMap").url
    assert "arcgisonline" in tile_provider("Esri.WorldGrayCanvas").url
    with pytest.raises(ShipmapError, match=r"unknown basemap 'Nowhere\.Tiles'"):
        tile_provider("Nowhere.Tiles")
    with pytest.raises(ShipmapError, match="API key"):
        tile_provider("Thunderforest.OpenCycleMap")


def test_the_command_line_basemap_overrides_map_toml(tmp_path):
    toml = 'languages = ["en"]\nbasemap = "offline"\n'
    out = build(tmp_path / "a", **{"map.toml": toml})
    html = (out / "map-en.html").read_text("utf-8")
    assert "L.tileLayer(" not in html and "Natural Earth" in html
    out = build(tmp_path / "b", "--basemap", "OpenTopoMap", **{"map.toml": toml})
    html = (out / "map-en.html").read_text("utf-8")
    assert "tile.opentopomap.org" in html and "tile.openstreetmap.org" not in html
    # The provider's attribution is HTML, carried as an escaped JavaScript string.
    assert "\\u003ca href=" in html and "\\u0026copy;" in html


def test_an_unknown_basemap_is_refused_in_one_line(tiny, tmp_path, capsys):
    assert main(["build", str(tiny), "-o", str(tmp_path / "out"), "--basemap", "Nope"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown basemap 'Nope'" in err
    assert not (tmp_path / "out").exists()


def test_the_offline_basemap_adds_little_to_a_page(tmp_path):
    with_tiles = build(tmp_path / "a", "--basemap", "OpenStreetMap")
    size = (with_tiles / "map-en.html").stat().st_size
    assert size < 1_500_000


# --- in Chromium, with the network cut --------------------------------------


def land_drawn(page) -> dict:
    return page.evaluate(
        """() => {
            const pane = document.querySelector('.leaflet-shipmap-land-pane');
            const paths = pane ? [...pane.querySelectorAll('path')] : [];
            const z = (sel) => Number(getComputedStyle(document.querySelector(sel)).zIndex);
            return {
                basemap: document.documentElement.dataset.shipmapBasemap,
                paths: paths.length,
                drawn: paths.filter(p => (p.getAttribute('d') || '').length > 200).length,
                fill: paths.length ? paths[0].getAttribute('fill') : null,
                landZ: pane ? Number(pane.style.zIndex) : null,
                tileZ: z('.leaflet-tile-pane'),
                overlayZ: z('.leaflet-overlay-pane'),
                tiles: document.querySelectorAll('.leaflet-tile-pane img').length,
                attribution: document.querySelector('.leaflet-control-attribution').innerText,
                checked: [...document.querySelectorAll('.leaflet-control-layers-base input')]
                    .map(i => [i.nextSibling.textContent.trim(), i.checked]),
            };
        }"""
    )


@pytest.mark.browser
def test_when_tiles_fail_the_map_shows_land_and_borders(tmp_path, open_page):
    out = build(tmp_path)
    page = open_page(out / "map-en.html")
    page.wait_for_function("document.documentElement.dataset.shipmapBasemap === 'offline'")
    state = land_drawn(page)
    assert state["paths"] >= 1 and state["drawn"] >= 1 and state["fill"] == "#f3f1ec"
    assert state["landZ"] < state["tileZ"] < state["overlayZ"]  # under tiles and legs
    assert state["tiles"] == 0
    assert dict(state["checked"]) == {"OpenStreetMap": False, "Offline basemap": True}
    assert "Natural Earth" in state["attribution"]
    assert page.errors == []


@pytest.mark.browser
def test_an_offline_map_asks_for_no_tiles(tmp_path, open_page):
    out = build(tmp_path, "--basemap", "offline")
    requests: list[str] = []
    page = open_page(out / "map-fa.html")
    page.on("request", lambda r: requests.append(r.url))
    page.evaluate("() => { const m = window.shipmap.legs[0].layer._map; m.zoomIn(); }")
    page.wait_for_timeout(300)
    state = land_drawn(page)
    assert state["basemap"] == "offline" and state["drawn"] >= 1
    assert [u for u in requests if u.startswith("http")] == []
    assert page.errors == []


@pytest.mark.browser
def test_when_tiles_load_they_cover_the_land(tmp_path, browser):
    out = build(tmp_path, "--basemap", "Esri.WorldGrayCanvas")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        # Every tile is answered here: nothing leaves the machine.
        context.route(
            "http*://**/*", lambda route: route.fulfill(body=TILE, content_type="image/png")
        )
        page = context.new_page()
        page.goto((out / "map-en.html").resolve().as_uri())
        page.wait_for_function("document.documentElement.dataset.shipmapReady === 'true'")
        page.wait_for_function("document.querySelectorAll('.leaflet-tile-loaded').length > 0")
        state = land_drawn(page)
        assert state["basemap"] == "tiles" and state["tiles"] > 0
        assert state["drawn"] >= 1  # still there, beneath
        # The provider's HTML credit reads as text: entities decoded, no markup shown.
        assert "Tiles © Esri — Esri, DeLorme, NAVTEQ" in state["attribution"]
        assert "&copy;" not in state["attribution"] and "<" not in state["attribution"]
        assert dict(state["checked"]) == {"Esri.WorldGrayCanvas": True, "Offline basemap": False}
    finally:
        context.close()


def test_the_land_is_kept_in_the_cache_folder_and_a_damaged_copy_is_redone(tmp_path, monkeypatch):
    import shipmap.map.basemap as basemap

    monkeypatch.setenv("SHIPMAP_CACHE", str(tmp_path))
    basemap._land_text.cache_clear()
    extent = (120.0, 30.0, 145.0, 50.0)
    fresh = land_geojson(extent)
    (kept,) = (tmp_path / "land").glob("*.json")
    assert json.loads(kept.read_text("utf-8").partition("\n")[2]) == fresh  # after its seal
    kept.write_text('{"type": "FeatureCollection", "feat', "utf-8")  # cut short
    basemap._land_text.cache_clear()
    assert land_geojson(extent) == fresh
    assert json.loads(kept.read_text("utf-8").partition("\n")[2]) == fresh
    basemap._land_text.cache_clear()
