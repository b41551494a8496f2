"""The generated maps in a real headless Chromium with the network cut."""

from pathlib import Path

import pandas as pd
import pytest
from builders import TINY, UNSAFE, write_dataset

from shipmap.cli import main

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("default") / "output"
    assert main(["build", str(ROOT / "data"), "-o", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("tiny")
    data = write_dataset(base / "data")
    assert main(["build", str(data), "-o", str(base / "out"), "-q"]) == 0
    return base / "out"


def drawn(page) -> dict:
    return page.evaluate(
        """() => ({
            legs: window.shipmap.legs.filter(l => l.layer._map && l.layer._path).map(l => l.id),
            places: window.shipmap.places.filter(p => p.layer._map).map(p => p.id),
        })"""
    )


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_default_map_draws_every_leg_and_place_offline(default_build, open_page, lang):
    page = open_page(default_build / f"map-{lang}.html")
    legs = pd.read_csv(ROOT / "data" / "legs.csv")
    places = pd.read_csv(ROOT / "data" / "places.csv")
    shown = drawn(page)
    assert sorted(shown["legs"]) == sorted(legs["id"])
    assert sorted(shown["places"]) == sorted(places["id"])
    assert page.errors == []


def test_a_leg_popup_shows_its_figure_and_source(tiny_build, open_page):
    page = open_page(tiny_build / "map-en.html")
    page.evaluate(
        "() => window.shipmap.legs.find(l => l.id === 'sea_rajin_vostochny').layer.openPopup()"
    )
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Rajin to Vostochny" in text
    assert "4.2–5.8 million" in text and "munitions" in text and "Aug 2023 – Mar 2025" in text
    assert "15,800" in text and "containers" in text
    link = popup.locator("a", has_text="Open Source Centre")
    assert link.get_attribute("href") == "https://stories.opensourcecentre.org/red-passage"


def test_a_place_popup_says_where_its_coordinates_came_from(tiny_build, open_page):
    page = open_page(tiny_build / "map-en.html")
    page.evaluate("() => window.shipmap.places.find(p => p.id === 'kursk').layer.openPopup()")
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "Kursk" in text and "Coordinates from" in text
    assert "data set" not in text.split("Coordinates from")[1].splitlines()[0]


def test_the_legend_names_the_width_unit(tiny_build, open_page):
    page = open_page(tiny_build / "map-en.html")
    legend = page.locator(".shipmap-legend").inner_text()
    assert "Line width: containers" in legend and "15,800 containers" in legend


def test_persian_map_is_right_to_left_with_persian_digits(tiny_build, open_page):
    page = open_page(tiny_build / "map-fa.html")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.shipmap-legend')).direction")
        == "rtl"
    )
    legend = page.locator(".shipmap-legend").inner_text()
    assert "۱۵٬۸۰۰ کانتینر" in legend
    summary = page.locator(".shipmap-title").inner_text()
    assert "نقشه آزمایشی" in summary and not any(c in summary for c in "0123456789")


def test_moving_the_time_control_changes_what_is_drawn(tiny_build, open_page):
    page = open_page(tiny_build / "map-en.html")

    def opacity(leg_id: str) -> float:
        return page.evaluate(
            f"() => window.shipmap.legs.find(l => l.id === '{leg_id}').layer.options.opacity"
        )

    slider = page.locator("#shipmap-time")
    slider.focus()
    page.keyboard.press("Home")
    assert page.locator("#shipmap-time-value").inner_text() == "Mar 2024"
    assert opacity("sea_rajin_vostochny") > 0.5  # its event of March 2024 is reported
    assert opacity("rail_vostochny_kursk") < 0.5  # troops only from 2025
    tip = page.evaluate(
        "() => window.shipmap.legs.find(l => l.id === 'sea_rajin_vostochny').tip.textContent"
    )
    assert tip == "Rajin to Vostochny — 1 reported movement by Mar 2024"
    page.keyboard.press("End")
    assert opacity("rail_vostochny_kursk") > 0.5


def test_unsafe_text_shows_as_text_and_runs_nothing(tmp_path, open_page):
    payload = UNSAFE.replace(",", " ").replace('"', "'")
    data = write_dataset(
        tmp_path / "data",
        **{
            "places.csv": TINY["places.csv"].replace("Loading port", payload),
            "legs.csv": TINY["legs.csv"].replace("Rajin to Vostochny", payload),
            "sources.csv": TINY["sources.csv"].replace("Red Passage", payload),
        },
    )
    out = tmp_path / "out"
    assert main(["build", str(data), "-o", str(out), "-q"]) == 0
    page = open_page(out / "map-en.html")
    page.evaluate(
        "() => window.shipmap.legs.find(l => l.id === 'sea_rajin_vostochny').layer.openPopup()"
    )
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "<img src=x onerror=" in text
    page.evaluate("() => window.shipmap.places.find(p => p.id === 'rajin').layer.openPopup()")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned === undefined")
    assert page.dialogs == [] and page.errors == []


OTHER = {
    "places.csv": """\
        id,name,lat,lon,country,kind
        aktau,Aktau,43.65,51.17,KZ,port
        baku,Baku,40.37,49.87,AZ,port
        tbilisi,Tbilisi,41.7151,44.8271,GE,city
        """,
    "legs.csv": """\
        id,origin,destination,mode,via,label
        caspian,aktau,baku,sea,,
        road-west,baku,tbilisi,road,,
        """,
    "shipments.csv": """\
        leg,start,end,quantity,unit,basis,source
        caspian,2024-01-05,,1200,tonnes,event,a
        caspian,2024-02-11,,800,tonnes,event,a
        road-west,2024-03,,40,trucks,total,a
        """,
    "sources.csv": """\
        id,publisher,url
        a,Example Monitor,https://example.org/report
        """,
}


def test_a_data_set_with_other_units_and_places_renders_as_well(tmp_path, open_page):
    data = write_dataset(tmp_path / "data", OTHER)
    out = tmp_path / "out"
    assert main(["build", str(data), "-o", str(out), "-q"]) == 0
    assert {p.name for p in out.iterdir()} >= {"map-en.html", "index.html"}
    page = open_page(out / "map-en.html")
    shown = drawn(page)
    assert sorted(shown["legs"]) == ["caspian", "road-west"]
    assert sorted(shown["places"]) == ["aktau", "baku", "tbilisi"]
    legend = page.locator(".shipmap-legend").inner_text()
    assert "Line width: tonnes" in legend and "2,000 tonnes" in legend
    page.evaluate("() => window.shipmap.legs.find(l => l.id === 'road-west').layer.openPopup()")
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "40 trucks" in text and "Example Monitor" in text
    assert page.errors == []


def test_detail_and_all_routes_buttons_move_the_view(default_build, open_page):
    page = open_page(default_build / "map-en.html")
    page.wait_for_function("document.documentElement.dataset.shipmapBasemap === 'offline'")

    def in_view(place_id: str) -> bool:
        return page.evaluate(
            f"""() => {{
                const p = window.shipmap.places.find(p => p.id === '{place_id}').layer;
                return p._map.getBounds().contains(p.getLatLng());
            }}"""
        )

    # The story's dense cluster would be a knot of a few pixels beside the long
    # legs: the first view frames it, the long legs leave the frame.
    zoom = "() => window.shipmap.legs[0].layer._map.getZoom()"
    start = page.evaluate(zoom)
    assert all(in_view(p) for p in ("rajin", "dunai", "vostochny", "khasan"))
    assert not in_view("kursk")
    page.get_by_role("button", name="All routes").click()
    page.wait_for_function(f"({zoom})() < {start - 2}")
    page.wait_for_timeout(400)  # let the zoom animation end
    assert in_view("kursk") and in_view("vostochny")
    page.get_by_role("button", name="Zoom to detail").click()
    page.wait_for_function(f"({zoom})() >= {start}")
    page.wait_for_timeout(400)
    assert all(in_view(p) for p in ("rajin", "dunai", "vostochny", "khasan"))
    assert not in_view("kursk")
