"""Corridors on canvas maps: zoomed out, legs sharing a stretch are one line, figures summed."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from builders import write_dataset

from shipmap.cli import main

pytestmark = pytest.mark.browser

STEP = 5.0  # degrees of longitude between places on the equator
FAN = 12


def _legs() -> list[tuple[str, str, str, float, float, list[tuple[float, str]]]]:
    """(id, label, origin, lon0, lon1, [(quantity, unit)]) of every leg.

    A fan of flights along the equator, all from e00, the k-th one to e{k}: the
    stretch just east of e00 is shared by all of them; one flight back from e03
    to e00 shares it too (a corridor is the same either way); two flights far
    north (which also widen the map, so that it zooms out to a world view)
    share nothing with them.
    """
    legs = []
    for k in range(1, FAN + 1):
        figs = [(10.0 * k, "railcars")]
        if k in (5, 9):
            figs.append((4.0 + k, "containers"))
        legs.append((f"f{k:02d}", f"Fan {k}", "e00", 0.0, k * STEP, figs))
    legs.append(("b03", "Back 3", "e03", 3 * STEP, 0.0, [(7.0, "railcars")]))
    legs.append(("n01", "North 1", "q00", -40.0, 60.0, [(500.0, "railcars")]))
    legs.append(("n02", "North 2", "q00", -40.0, 60.0, [(300.0, "railcars")]))
    return legs


def _dataset(folder: Path) -> Path:
    places = ["id,name,lat,lon,kind"]
    places += [f"e{k:02d},Equator {k},0,{k * STEP},city" for k in range(FAN + 1)]
    places += ["q00,North 0,50,-40,city", "q01,North 1,50,60,city"]
    legs = ["id,origin,destination,mode,label"]
    ships = ["leg,start,end,quantity,unit,basis"]
    for leg, label, origin, _, lon1, figs in _legs():
        if origin == "e00":
            dest = f"e{round(lon1 / STEP):02d}"
        else:
            dest = "q01" if origin == "q00" else "e00"
        legs.append(f"{leg},{origin},{dest},air,{label}")
        ships += [f"{leg},2024-01,2024-06,{q},{unit},total" for q, unit in figs]
    files = {
        "places.csv": "\n".join(places) + "\n",
        "legs.csv": "\n".join(legs) + "\n",
        "shipments.csv": "\n".join(ships) + "\n",
        "sources.csv": None,
        "map.toml": textwrap.dedent(
            """\
            renderer = "canvas"
            width_by = "railcars"
            languages = ["en"]
            [title]
            en = "A fan of flights"
            """
        ),
    }
    return write_dataset(folder, files)


@pytest.fixture(scope="module")
def fan_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("fan")
    assert main(["build", str(_dataset(base / "data")), "-o", str(base / "out"), "-q"]) == 0
    return base / "out"


def _expected_at(lon: float) -> tuple[int, dict[str, float], str]:
    """Legs passing longitude ``lon`` on the equator: their count, sums per unit, largest."""
    through = [
        leg
        for leg in _legs()
        if leg[2] != "q00" and min(leg[3], leg[4]) < lon < max(leg[3], leg[4])
    ]
    sums: dict[str, float] = {}
    for leg in through:
        for q, unit in leg[5]:
            sums[unit] = sums.get(unit, 0.0) + q
    largest = max(through, key=lambda leg: leg[5][0][0])[1]
    return len(through), sums, largest


def _click(page, lat: float, lon: float, zoom: int) -> dict:
    """Centre the map on (lat, lon) at ``zoom``, wait for its picture, click there."""
    point = page.evaluate(
        """async ([lat, lon, zoom]) => {
            const map = window.shipmap.map(), r = window.shipmap.routes();
            map.closePopup();
            map.setView([lat, lon], zoom, {animate: false});
            await new Promise(res => setTimeout(res, 300));
            map.setView([lat, lon], zoom, {animate: false});
            await r.whenDrawn();
            return map.latLngToContainerPoint([lat, lon]);
        }""",
        [lat, lon, zoom],
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_timeout(100)
    return page.evaluate(
        """() => {
            const r = window.shipmap.routes();
            const pop = document.querySelector('.leaflet-popup-content');
            const texts = sel => pop ? [...pop.querySelectorAll(sel)].map(n => n.textContent) : [];
            return {corridors: r.drawnCorridors, band: r.corridorView,
                    title: pop ? pop.querySelector('h3').textContent : null,
                    sums: texts('.shipmap-corridor-sums li'),
                    top: texts('.shipmap-corridor-top li')};
        }"""
    )


def _thickness(page, lat: float, lon: float) -> int:
    """Pixels drawn in the canvas column through (lat, lon), within 30 px of it."""
    return page.evaluate(
        """([lat, lon]) => {
            const map = window.shipmap.map();
            const canvas = document.querySelector('.leaflet-overlay-pane canvas');
            const p = map.latLngToContainerPoint([lat, lon]);
            const box = map.getContainer().getBoundingClientRect();
            const c = canvas.getBoundingClientRect(), ratio = canvas.width / c.width;
            const x = Math.round((p.x + box.left - c.left) * ratio);
            const y = Math.round((p.y + box.top - c.top) * ratio);
            const column = canvas.getContext('2d')
                .getImageData(x, y - 30 * ratio, 1, 60 * ratio).data;
            let n = 0;
            for (let i = 3; i < column.length; i += 4) if (column[i] > 100) n++;
            return n / ratio;
        }""",
        [lat, lon],
    )


def test_zoomed_out_a_shared_stretch_is_one_corridor_with_the_summed_figures(fan_build, open_page):
    page = open_page(fan_build / "map-en.html")
    count, sums, largest = _expected_at(STEP / 2)
    assert count == FAN + 1  # the whole fan and the flight back
    seen = _click(page, 0.0, STEP / 2, 3)
    assert seen["band"] is not None and seen["corridors"] > 0
    assert seen["title"] == f"Corridor of {count} routes"
    shown = {}
    for text in seen["sums"]:
        number, unit = re.match(r"([\d,.]+) (\w+)", text).groups()
        shown[unit] = float(number.replace(",", ""))
    assert shown == sums  # the flights far north are not in it
    assert seen["top"][0] == f"{largest}: {10 * FAN} railcars"
    # Its line is wider than the far end of the fan, where one flight goes on alone.
    assert _thickness(page, 0.0, STEP / 2) > _thickness(page, 0.0, (FAN - 0.5) * STEP) + 2
    # A route of the list opens its own popup.
    page.locator(".shipmap-corridor-top button").first.click()
    page.wait_for_function(
        """t => [...document.querySelectorAll('.leaflet-popup-content h3')]
            .map(h => h.textContent).join('|') === t""",
        arg=largest,
    )
    # Where one flight goes on alone, a click opens that flight itself.
    alone = _click(page, 0.0, (FAN - 0.5) * STEP, 3)
    assert alone["title"] == f"Fan {FAN}"
    assert page.errors == []


def test_zooming_in_splits_the_corridor_into_its_legs(fan_build, open_page):
    page = open_page(fan_build / "map-en.html")
    seen = _click(page, 0.0, STEP / 2, 7)
    assert seen["band"] is None and seen["corridors"] == 0
    assert seen["title"] in {leg[1] for leg in _legs()}  # one route, not a corridor
    assert not seen["sums"]
    assert page.errors == []


def test_hidden_legs_leave_the_corridors_sum(fan_build, open_page):
    page = open_page(fan_build / "map-en.html")
    page.evaluate(
        """() => { const r = window.shipmap.routes(); r.setUnit(
            String(r.unitNames().indexOf('containers'))); }"""
    )
    seen = _click(page, 0.0, STEP / 2, 3)
    # Only the two flights with containers count, and both units of theirs are summed.
    legs = [leg for leg in _legs() if any(u == "containers" for _, u in leg[5])]
    assert seen["title"] == f"Corridor of {len(legs)} routes"
    want = {
        "railcars": sum(leg[5][0][0] for leg in legs),
        "containers": sum(leg[5][1][0] for leg in legs),
    }
    shown = {t.split(" ")[1]: float(t.split(" ")[0].replace(",", "")) for t in seen["sums"]}
    assert shown == want
    assert page.errors == []
