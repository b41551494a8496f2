"""A reader tells a traced rail route from a guessed one, and sees OpenStreetMap credited."""

from pathlib import Path

import pytest
from builders import TINY, write_dataset

from shipmap.cli import main

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The tiny data set's Dunai → Tikhoretsk rail leg starts 41 km from any track.
    base = tmp_path_factory.mktemp("tiny")
    data = write_dataset(base / "data")
    assert main(["build", str(data), "-o", str(base / "out"), "-q"]) == 0
    return base / "out"


def test_schematic_stretch_is_styled_listed_and_explained(tiny_build, open_page):
    page = open_page(tiny_build / "map-en.html")
    # Drawn over its leg as a dotted dark line (on a white casing).
    assert page.locator('path.leaflet-interactive[stroke-dasharray="1 7"]').count() == 0
    assert page.locator('path[stroke="#222222"][stroke-dasharray="1 7"]').count() >= 1
    assert "schematic: route not known" in page.locator(".shipmap-legend").inner_text()
    page.evaluate(
        "() => window.shipmap.legs.find(l => l.id === 'rail_dunai_tikhoretsk').layer.openPopup()"
    )
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Traced along the OpenStreetMap rail network" in text
    assert "not a sourced route" in text
    assert "Schematic" in text
    assert "Dunai is 41 km from the nearest rail line" in text
    assert page.errors == []


def test_openstreetmap_is_credited_where_network_routes_are_drawn(tiny_build, open_page):
    page = open_page(tiny_build / "map-en.html")
    credit = page.locator(".leaflet-control-attribution").inner_text()
    assert "© OpenStreetMap" in credit
    link = page.locator(".leaflet-control-attribution a", has_text="OpenStreetMap").last
    assert link.get_attribute("href") == "https://www.openstreetmap.org/copyright"


def test_a_map_without_network_routes_has_no_such_credit_or_legend_entry(tmp_path, open_page):
    data = write_dataset(
        tmp_path / "data",
        {
            **TINY,
            "legs.csv": """\
                id,origin,destination,mode,via,label,label:fa,source,note
                sea_rajin_vostochny,rajin,vostochny,sea,,,,,
                air_rajin_kursk,rajin,kursk,air,,,,,
                """,
            "shipments.csv": """\
                id,leg,start,end,quantity,low,high,unit,basis,vessel,source,note
                a,sea_rajin_vostochny,2023-08,2025-03,15800,,,containers,total,,osc,
                """,
        },
    )
    out = tmp_path / "out"
    assert main(["build", str(data), "-o", str(out), "-q", "--basemap", "offline"]) == 0
    page = open_page(out / "map-en.html")
    assert "OpenStreetMap" not in page.locator(".leaflet-control-attribution").inner_text()
    assert "schematic" not in page.locator(".shipmap-legend").inner_text()
