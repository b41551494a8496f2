"""Maps with many legs, drawn on one canvas, in a real headless Chromium with the network cut."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from builders import write_dataset
from pyproj import Geod

from shipmap.cli import main

pytestmark = pytest.mark.browser

ROWS, COLS = 20, 20
LAT0, LON0, STEP = 30.0, 0.0, 3.0
GEOD = Geod(ellps="WGS84")


def _grid_dataset(folder: Path) -> Path:
    """400 cities on a grid, 380 air legs each joining a city to its eastern neighbour.

    Legs lie 3 degrees apart, so a point on one is far from every other; every
    fifth leg has a dated movement by a named train, the others a reported total;
    the figures of the last column of legs are in containers, all others in railcars.
    """
    places = ["id,name,name:fa,lat,lon,kind"]
    for r in range(ROWS):
        for c in range(COLS):
            places.append(
                f"p{r:02d}{c:02d},City {r}-{c},شهر {r}-{c},{LAT0 + r * STEP},{c * STEP},city"
            )
    legs = ["id,origin,destination,mode,label"]
    ships = ["leg,start,end,quantity,unit,basis,vessel"]
    for r in range(ROWS):
        for c in range(COLS - 1):
            leg = f"r{r:02d}c{c:02d}"
            legs.append(f"{leg},p{r:02d}{c:02d},p{r:02d}{c + 1:02d},air,Line {r}-{c}")
            unit = "containers" if c == COLS - 2 else "railcars"
            if (r * COLS + c) % 5 == 0:
                month = 1 + (r + c) % 12
                train = "Polar Star" if r == 7 else f"Train {c}"
                ships.append(f"{leg},2024-{month:02d},,{10 + c},{unit},event,{train}")
            else:
                ships.append(f"{leg},2023-01,2024-12,{100 + r},{unit},total,")
    files = {
        "places.csv": "\n".join(places) + "\n",
        "legs.csv": "\n".join(legs) + "\n",
        "shipments.csv": "\n".join(ships) + "\n",
        "sources.csv": None,
        "map.toml": textwrap.dedent(
            """\
            languages = ["en", "fa"]
            [title]
            en = "Many legs"
            fa = "مسیرهای بسیار"
            """
        ),
    }
    return write_dataset(folder, files)


@pytest.fixture(scope="module")
def grid_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("grid")
    data = _grid_dataset(base / "data")
    assert main(["build", str(data), "-o", str(base / "out"), "-q"]) == 0
    return base / "out"


@pytest.fixture(scope="module")
def tiny_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny data set built twice: as SVG (its default) and on a canvas."""
    base = tmp_path_factory.mktemp("tinypair")
    svg = write_dataset(base / "svg")
    canvas = write_dataset(base / "canvas")
    toml = canvas / "map.toml"
    toml.write_text('renderer = "canvas"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    for data, out in ((svg, base / "out-svg"), (canvas, base / "out-canvas")):
        assert main(["build", str(data), "-o", str(out), "-q"]) == 0
    return base / "out-svg", base / "out-canvas"


def _midpoint(r: int, c: int) -> tuple[float, float]:
    """(lat, lon) half-way along leg r-c, a geodesic."""
    lat = LAT0 + r * STEP
    azimuth, _, length = GEOD.inv(c * STEP, lat, (c + 1) * STEP, lat)
    lon, mid_lat, _ = GEOD.fwd(c * STEP, lat, azimuth, length / 2)
    return mid_lat, lon


def _click_at(page, lat: float, lon: float, *, zoom: int = 6) -> None:
    """Click where (lat, lon) is on screen, centred at ``zoom``, once the view holds.

    The page may set its own view a moment after loading (a resize re-frames the
    story), so the view is asked for again until it stays put for a quarter second.
    """
    point = page.evaluate(
        """async ([lat, lon, zoom]) => {
            const map = window.shipmap.map();
            const sleep = ms => new Promise(res => setTimeout(res, ms));
            for (let i = 0; i < 10; i++) {
                map.setView([lat, lon], zoom, {animate: false});
                await sleep(250);
                const c = map.getCenter();
                if (map.getZoom() === zoom && Math.abs(c.lat - lat) < 1e-6
                    && Math.abs(c.lng - lon) < 1e-6) break;
            }
            return map.latLngToContainerPoint([lat, lon]);
        }""",
        [lat, lon, zoom],
    )
    page.mouse.click(point["x"], point["y"])


def _popup_title(page) -> str | None:
    """The title of the popup a reader sees; a closed one fading out (200 ms) is not seen."""
    return page.evaluate(
        """() => {
            const open = Array.from(document.querySelectorAll('.leaflet-popup'))
                .filter(p => p.style.opacity !== '0');
            const h3 = open.length ? open[0].querySelector('.leaflet-popup-content h3') : null;
            return h3 ? h3.innerText : null;
        }"""
    )


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_map_of_hundreds_of_legs_is_drawn_on_one_canvas(grid_build, open_page, lang):
    page = open_page(grid_build / f"map-{lang}.html")
    state = page.evaluate(
        """() => {
            const r = window.shipmap.routes();
            return {legs: r.legCount, places: r.placeCount, drawn: r.drawnLegs,
                    paths: document.querySelectorAll('.leaflet-overlay-pane path').length,
                    canvases: document.querySelectorAll('.leaflet-overlay-pane canvas').length,
                    labels: r.labelled};
        }"""
    )
    assert state["legs"] == ROWS * (COLS - 1) and state["places"] == ROWS * COLS
    assert state["drawn"] == ROWS * (COLS - 1)  # the whole grid is in view
    assert state["paths"] == 0 and state["canvases"] == 1
    # Labels: only those that fit at this zoom, more after zooming in.
    assert 0 < state["labels"] < ROWS * COLS
    more = page.evaluate(
        """async () => {
            const map = window.shipmap.map(), r = window.shipmap.routes();
            map.setView([45, 30], 7, {animate: false});
            await r.whenDrawn();
            return r.labelled;
        }"""
    )
    assert more > 0
    assert page.errors == []


#: Counts, from before the page's first script, each time the offline land is
#: drawn: its path put on the page, or its outline set again (a new view).
COUNT_LAND_DRAWS = """
window.__landDraws = 0;
new MutationObserver(function (records) {
  records.forEach(function (m) {
    var inLand = function (node) {
      return node.nodeName === "path" && node.closest && node.closest(".leaflet-shipmap-land-pane");
    };
    if (m.type === "attributes" && inLand(m.target)) window.__landDraws++;
    if (m.type === "childList") {
      m.addedNodes.forEach(function (n) { if (inLand(n)) window.__landDraws++; });
    }
  });
}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["d"] });
"""


def test_the_first_view_is_the_first_thing_drawn(grid_build, browser):
    """The land and the routes are drawn once, for the view the reader opens on.

    Neither is drawn first for another view (the whole world, or a glide into
    the basemap's extent) and then again: a reader would see the map jump, and
    a map of thousands of legs would take twice as long to appear.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 800}, offline=True)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.add_init_script(COUNT_LAND_DRAWS)
        page.goto((grid_build / "map-en.html").resolve().as_uri())
        page.wait_for_function("document.documentElement.dataset.shipmapReady === 'true'")
        drawn = page.evaluate(
            """() => ({
                land: window.__landDraws,
                routes: window.shipmap.routes()._jobId,
                paths: document.querySelectorAll('.leaflet-shipmap-land-pane path').length,
            })"""
        )
        assert drawn == {"land": 1, "routes": 1, "paths": 1}
        # The counts do count: a new view draws both again.
        again = page.evaluate(
            """async () => {
                const map = window.shipmap.map(), r = window.shipmap.routes();
                map.setZoom(map.getZoom() + 1, {animate: false});
                await r.whenDrawn();
                return {land: window.__landDraws, routes: r._jobId};
            }"""
        )
        assert again["land"] > 1 and again["routes"] > 1
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize(("r", "c"), [(3, 4), (7, 12), (15, 0)])
def test_clicking_a_leg_opens_the_popup_of_that_leg(grid_build, open_page, r, c):
    page = open_page(grid_build / "map-en.html")
    _click_at(page, *_midpoint(r, c))
    assert _popup_title(page) == f"Line {r}-{c}"
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "railcars" in text
    # Half-way between two rows of legs there is nothing to open.
    page.evaluate("() => { window.shipmap.map().closePopup(); }")
    _click_at(page, LAT0 + (r + 0.5) * STEP, (c + 0.5) * STEP)
    assert _popup_title(page) is None
    assert page.errors == []


def test_clicking_a_place_opens_its_popup(grid_build, open_page):
    page = open_page(grid_build / "map-en.html")
    _click_at(page, LAT0 + 5 * STEP, 6 * STEP)
    assert _popup_title(page) == "City 5-6"
    assert "Line 5-6" in page.locator(".leaflet-popup-content").inner_text()  # it left here


def test_the_time_control_fades_legs_not_yet_reported_on_the_canvas(grid_build, open_page):
    page = open_page(grid_build / "map-en.html")
    page.locator("#shipmap-time").fill("0")
    state = page.evaluate(
        """() => {
            const r = window.shipmap.routes();
            return {faded: r.faded.reduce((a, b) => a + b, 0),
                    status: document.getElementById('shipmap-time-status').textContent};
        }"""
    )
    # In the first month only the legs with a movement that month are shown.
    events = [(r, c) for r in range(ROWS) for c in range(COLS - 1) if (r * COLS + c) % 5 == 0]
    first = [rc for rc in events if 1 + sum(rc) % 12 == 1]
    totals = ROWS * (COLS - 1) - len(events)  # reported totals from 2023-01 stay shown
    assert state["faded"] == len(events) - len(first)
    assert state["status"].endswith(str(len(first) + totals))
    page.locator("#shipmap-time").fill(page.evaluate("document.getElementById('shipmap-time').max"))
    assert page.evaluate("window.shipmap.routes().faded.reduce((a, b) => a + b, 0)") == 0


def test_searching_finds_a_place_or_shows_a_ships_routes_alone(grid_build, open_page):
    page = open_page(grid_build / "map-en.html")
    box = page.locator("#shipmap-search")
    box.fill("city 12-3")
    box.press("Enter")
    assert _popup_title(page) == "City 12-3"
    # Only the routes that start or end there are left on the map.
    shown = page.evaluate("Array.from(window.shipmap.routes().only || [])")
    ids = page.evaluate("(ls) => ls.map(l => window.shipmap.legs[l].id)", shown)
    assert sorted(ids) == ["r12c02", "r12c03"]
    assert page.locator(".shipmap-search-status").inner_text() == "2 routes through City 12-3"
    box.fill("Polar Star")
    box.press("Enter")
    shown = page.evaluate("Array.from(window.shipmap.routes().only || [])")
    polar = [c for c in range(COLS - 1) if (7 * COLS + c) % 5 == 0]
    ids = page.evaluate("(ls) => ls.map(l => window.shipmap.legs[l].id)", shown)
    assert sorted(ids) == [f"r07c{c:02d}" for c in polar]
    assert (
        page.locator(".shipmap-search-status").inner_text() == f"{len(polar)} routes of Polar Star"
    )
    # Another ship's legs are not drawn and cannot be clicked.
    _click_at(page, *_midpoint(3, 4))
    assert _popup_title(page) is None
    page.locator(".shipmap-search button").click()
    assert page.evaluate("window.shipmap.routes().only") is None
    assert page.errors == []


def test_hiding_a_mode_in_the_layer_control_hides_its_legs(grid_build, open_page):
    page = open_page(grid_build / "map-en.html")
    page.locator(".leaflet-control-layers").hover()
    air = page.get_by_label("By air")
    air.click()  # a real mouse click: nothing lies over the opened control
    assert not air.is_checked()
    _click_at(page, *_midpoint(3, 4))
    assert _popup_title(page) is None
    assert (
        page.evaluate(
            "window.shipmap.routes().whenDrawn().then(() => window.shipmap.routes().drawnLegs)"
        )
        == 0
    )


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_canvas_popups_read_as_the_svg_maps_do(tiny_pair, open_page, lang):
    svg, canvas = tiny_pair
    texts = {}
    for name, out in (("svg", svg), ("canvas", canvas)):
        page = open_page(out / f"map-{lang}.html")
        assert page.evaluate("!!window.shipmap.routes()") == (name == "canvas")
        seen = {}
        for kind, ids in (("Leg", "legs"), ("Place", "places")):
            for item in page.evaluate(f"window.shipmap.{ids}.map(e => e.id)"):
                page.evaluate(f"(id) => window.shipmap.open{kind}(id)", item)
                seen[item] = page.locator(".leaflet-popup-content").inner_text()
                page.evaluate("() => { window.shipmap.map().closePopup(); }")
                page.wait_for_function("() => !document.querySelector('.leaflet-popup')")
        texts[name] = seen
        assert page.errors == []
    assert texts["svg"] == texts["canvas"]
    assert len(texts["svg"]) == 9


@pytest.mark.parametrize(
    ("lang", "width", "height"),
    [("en", 1280, 800), ("fa", 1280, 800), ("en", 700, 560), ("fa", 700, 560), ("en", 390, 740)],
)
def test_a_mouse_reaches_every_checkbox_of_the_opened_layer_control(
    grid_build, open_page, lang, width, height
):
    """On a desktop, in an article column and on a phone, LTR and RTL, the legend
    panel does not cover the opened layer control."""
    page = open_page(grid_build / f"map-{lang}.html", width=width, height=height)
    page.locator(".leaflet-control-layers").hover()
    page.wait_for_selector(".leaflet-control-layers-expanded")
    boxes = page.locator(".leaflet-control-layers-expanded input")
    assert boxes.count() >= 3  # two basemaps and the mode of the legs
    for n in range(boxes.count()):
        box = boxes.nth(n)
        on_top = box.evaluate(
            """(input) => {
                const r = input.getBoundingClientRect();
                const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                return hit === input || input.closest('label').contains(hit);
            }"""
        )
        assert on_top, f"checkbox {n} is covered"
    air = page.locator(".leaflet-control-layers-overlays input").last
    before = air.is_checked()
    air.click()
    assert air.is_checked() != before
    assert page.errors == []


_SCHEMATIC_PIXELS = """() => {
    // Sample the visible canvas along the first schematic stretch: its dots are dark,
    // its casing white.
    const r = window.shipmap.routes(), map = window.shipmap.map(), sch = r.schematic;
    const a = sch.start[0], e = sch.start[1] - 1;
    const p0 = map.latLngToContainerPoint(r._unproject(sch.X[a], sch.Y[a]));
    const p1 = map.latLngToContainerPoint(r._unproject(sch.X[e], sch.Y[e]));
    const canvas = r._container, box = canvas.getBoundingClientRect();
    const mapBox = map.getContainer().getBoundingClientRect();
    const ctx = canvas.getContext('2d');
    let dark = 0, white = 0;
    for (let i = 15; i <= 85; i++) {  // clear of the places at its ends
        const x = mapBox.left + p0.x + (p1.x - p0.x) * i / 100 - box.left;
        const y = mapBox.top + p0.y + (p1.y - p0.y) * i / 100 - box.top;
        const [R, G, B, A] = ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
        if (A > 200 && Math.max(R, G, B) < 90) dark++;
        if (A > 200 && Math.min(R, G, B) > 235) white++;
    }
    return {dark, white, stretches: sch.count, drawn: r.drawnSchematic};
}"""


def test_schematic_stretches_are_drawn_on_the_canvas_over_their_legs(tiny_pair, open_page):
    _, canvas = tiny_pair
    page = open_page(canvas / "map-en.html")
    assert page.locator(".leaflet-overlay-pane path").count() == 0  # no SVG overlay
    seen = page.evaluate(_SCHEMATIC_PIXELS)
    assert seen["stretches"] >= 1 and seen["drawn"] == seen["stretches"]
    assert seen["dark"] >= 5 and seen["white"] >= 5  # dotted dark line on a white casing
    # Hiding the mode hides its schematic stretches too.
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("By rail").click()
    page.evaluate("() => window.shipmap.routes().whenDrawn()")
    hidden = page.evaluate(_SCHEMATIC_PIXELS)
    assert hidden["drawn"] == 0 and hidden["dark"] == 0
    assert page.errors == []


def test_the_unit_filter_leaves_only_the_routes_with_figures_in_that_unit(grid_build, open_page):
    page = open_page(grid_build / "map-en.html")
    unit = page.locator("#shipmap-unit")
    assert unit.locator("option").all_inner_texts() == ["every unit", "railcars", "containers"]
    unit.select_option(label="containers")
    drawn = page.evaluate(
        "() => window.shipmap.routes().whenDrawn().then(() => window.shipmap.routes().drawnLegs)"
    )
    assert drawn == ROWS  # the last column of legs, all in view
    _click_at(page, *_midpoint(3, 4))  # a railcars route: not drawn, not clickable
    assert _popup_title(page) is None
    _click_at(page, *_midpoint(3, COLS - 2))
    assert _popup_title(page) == f"Line 3-{COLS - 2}"
    unit.select_option(label="every unit")
    drawn = page.evaluate(
        "() => window.shipmap.routes().whenDrawn().then(() => window.shipmap.routes().drawnLegs)"
    )
    assert drawn > ROWS
    assert page.errors == []
