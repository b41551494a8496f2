"""From AIS positions to a map a reader uses: `shipmap ais`, `shipmap build`, Chromium."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from ais_fleet import fleet_ships, make_fleet
from builders import write_dataset

from shipmap.cli import main

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ais_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny data set (Rajin, Dunai, Vostochny) extended with two ships' AIS, built."""
    base = tmp_path_factory.mktemp("ais")
    fixes = make_fleet(fleet_ships()[:2]).fixes
    ais = base / "positions.csv"
    pd.DataFrame(
        {
            "MMSI": fixes["mmsi"],
            "BaseDateTime": fixes["time"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
            "LAT": fixes["lat"].round(6),
            "LON": fixes["lon"].round(6),
            "SOG": fixes["sog"],
            "VesselName": fixes["name"],
        }
    ).to_csv(ais, index=False)
    data = write_dataset(base / "data")
    args = [
        "ais",
        "--no-world-ports",
        str(ais),
        "-o",
        str(data),
        "-q",
        "--publisher",
        "Test AIS feed",
    ]
    assert main(args) == 0
    assert main(["build", str(data), "-o", str(base / "out"), "-q"]) == 0
    return base


def _open_gap(page) -> str:
    page.evaluate(
        """() => {
            const gap = [...document.querySelectorAll('path.leaflet-interactive')]
                .find(p => p.getAttribute('stroke-dasharray') === '4 7');
            gap.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: 10, clientY: 10}));
        }"""
    )
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    return popup.inner_text()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_a_dark_gap_shows_as_a_dashed_line_with_its_popup(ais_build, open_page, size) -> None:
    page = open_page(ais_build / "out" / "map-en.html", width=size[0], height=size[1])
    text = _open_gap(page)
    assert "AIS off 14 h" in text and "ANGARA" in text
    assert "2024-03-05 00:00 UTC" in text and "MMSI" in text
    page.keyboard.press("Escape")
    legend = page.locator("#shipmap-legend")
    if legend.get_attribute("open") is None:  # folded on a phone: a reader taps it open
        page.locator("#shipmap-legend > summary").click()
    assert "AIS off at sea (dark gap)" in page.locator(".shipmap-legend").inner_text()
    assert page.errors == []


def test_the_persian_map_names_the_gap_in_persian(ais_build, open_page) -> None:
    page = open_page(ais_build / "out" / "map-fa.html")
    text = _open_gap(page)
    assert "AIS خاموش" in text
    assert "شکاف تاریک" in page.locator(".shipmap-legend").inner_text()


def test_voyages_join_the_hand_written_leg_and_cite_the_ais_source(ais_build, open_page) -> None:
    with (ais_build / "data" / "shipments.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["unit"] == "voyages"]
    assert {r["leg"] for r in rows} >= {"sea_rajin_vostochny", "sea_rajin_dunai"}
    page = open_page(ais_build / "out" / "map-en.html")
    page.evaluate(
        "() => window.shipmap.legs.find(l => l.id === 'sea_rajin_vostochny').layer.openPopup()"
    )
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "voyages" in text and "Test AIS feed" in text
