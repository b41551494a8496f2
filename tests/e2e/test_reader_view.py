"""The map as its readers meet it: in an article column, on a phone, in Persian.

Each map is opened in headless Chromium inside an article page (the embed
snippet's iframe) at 375, 720 and 1280 px wide, and full window at phone and
desktop sizes, in English and Persian: the default map (committed in output/)
and a second data set with its own units, built here. What a reader would see
is measured once per page and checked by the tests below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import write_dataset

from shipmap.cli import main
from shipmap.outputs.write import embed_snippet

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

#: Drones and shells across the Caspian: other units, named in map.toml, a
#: Persian-first map; figures invented for the test (periods that do not overlap).
CASPIAN = {
    "places.csv": """\
        id,name,name:fa,lat,lon,country,kind,source,note
        amirabad,Amirabad port,بندر امیرآباد,36.8544,53.3722,IR,port,t,
        anzali,Bandar Anzali,بندر انزلی,37.4727,49.4622,IR,port,t,
        rasht,Rasht,رشت,37.27611,49.58862,IR,city,t,
        astrakhan,Astrakhan,آستراخان,46.34968,48.04076,RU,port,t,
        olya,Olya,اولیا,45.7781,47.5522,RU,port,t,
        makhachkala,Makhachkala,ماخاچ‌قلعه,42.97782,47.50027,RU,port,t,
        """,
    "legs.csv": """\
        id,origin,destination,mode,via,label,label:fa,source,note
        amirabad-olya,amirabad,olya,sea,,Amirabad → Olya,از امیرآباد به اولیا,t,
        amirabad-makhachkala,amirabad,makhachkala,sea,,Amirabad → Makhachkala,,t,
        anzali-makhachkala,anzali,makhachkala,sea,,Anzali → Makhachkala,از انزلی به ماخاچ‌قلعه,t,
        olya-astrakhan,olya,astrakhan,road,,Olya → Astrakhan,از اولیا به آستراخان,t,
        rasht-anzali,rasht,anzali,road,,Rasht → Anzali,از رشت به انزلی,t,
        """,
    "shipments.csv": """\
        id,leg,start,end,quantity,low,high,unit,basis,cargo,vessel,source,note
        d1,amirabad-olya,2023-01,2023-06,400,,,drones,total,drones,,t,
        d2,amirabad-makhachkala,2023-09,2023-12,200,,,drones,total,drones,,t,
        d3,anzali-makhachkala,2024-03,2024-05,160,,,drones,total,drones,,t,
        s1,anzali-makhachkala,2024-03,2024-05,320000,,,shells,total,shells,,t,
        s2,amirabad-makhachkala,2023-10,2023-12,100000,,,shells,total,shells,,t,
        e1,amirabad-olya,2023-02-10,,1,,,drones,event,drones,Ship A,t,
        e2,amirabad-olya,2023-05-02,,3,,,drones,event,drones,Ship B,t,
        e3,anzali-makhachkala,2024-04-20,,2,,,shells,event,shells,Ship C,t,
        """,
    "sources.csv": """\
        id,publisher,title,date,url
        t,Test data,Not a real report,2025-01-01,https://example.org/test
        """,
    "map.toml": """\
        languages = ["fa", "en"]
        width_by = "drones"
        basemap = "offline"
        [title]
        en = "Drones across the Caspian (test data)"
        fa = "پهپادها از راه دریای خزر (داده آزمایشی)"
        [units.drones]
        en = ["drone", "drones"]
        fa = "پهپاد"
        [units.shells]
        en = ["shell", "shells"]
        fa = "گلوله توپ"
        """,
}

HOST = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A news article</title>
<style>body {{ font-family: serif; margin: 0 auto; padding: 0 16px; max-width: 720px; }}</style>
</head><body><article><h1>Shipments</h1><p>A paragraph before the map.</p>
{snippet}
<p>A paragraph after it.</p></article></body></html>
"""

#: What a reader sees, measured in the map's own page: the share of the map
#: free of panels and controls, controls that overlap, legs with no pixel on
#: top, and each shown label's gap to its marker and what covers it.
MEASURE = (Path(__file__).parent / "reader_measure.js").read_text("utf-8")

SIZES = [(375, 600), (720, 540), (1280, 800)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An article site embedding the default map (as committed) and the Caspian one."""
    base = tmp_path_factory.mktemp("reader")
    data = write_dataset(base / "caspian-data", CASPIAN)
    assert main(["build", str(data), "-o", str(base / "caspian"), "-q"]) == 0
    default = base / "default"
    default.mkdir()
    for lang in ("en", "fa"):
        (default / f"map-{lang}.html").write_bytes(
            (ROOT / "output" / f"map-{lang}.html").read_bytes()
        )
    for folder in (default, base / "caspian"):
        for lang in ("en", "fa"):
            snippet = embed_snippet(f"map-{lang}.html", title="Map")
            (folder / f"article-{lang}.html").write_text(HOST.format(snippet=snippet), "utf-8")
    return base


@pytest.fixture(scope="module")
def seen(site: Path, browser) -> dict:
    """Measurements of every map, language and size, in an article and full window."""
    out = {}
    for case in CASES:
        data, lang, width, where = case.values
        height = dict(SIZES)[width]
        context = browser.new_context(viewport={"width": width, "height": height}, offline=True)
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            if where == "article":
                page.goto((site / data / f"article-{lang}.html").as_uri())
                page.locator("iframe").scroll_into_view_if_needed()
                frame = page.locator("iframe").element_handle().content_frame()
            else:
                page.goto((site / data / f"map-{lang}.html").as_uri())
                frame = page.main_frame
            frame.wait_for_function("document.documentElement.dataset.shipmapReady === 'true'")
            result = frame.evaluate(MEASURE)
            result["errors"] = errors
            out[(data, lang, width, where)] = result
        finally:
            context.close()
    return out


CASES = [
    pytest.param(data, lang, width, where, id=f"{data}-{lang}-{width}-{where}")
    for data in ("default", "caspian")
    for lang in ("en", "fa")
    for width, _ in SIZES
    for where in ("article", "window")
    if where == "article" or (data == "default" and width != 720)
]


@pytest.mark.parametrize(("data", "lang", "width", "where"), CASES)
def test_the_routes_are_what_the_reader_sees_first(seen, data, lang, width, where):
    m = seen[(data, lang, width, where)]
    assert m["free"] >= 0.65, f"panels and controls cover {1 - m['free']:.0%} of the map"
    assert m["overlaps"] == [], "controls overlap"
    assert m["hidden"] == [], "legs with no visible pixel"
    assert m["errors"] == []


@pytest.mark.parametrize(("data", "lang", "width", "where"), CASES)
def test_every_label_sits_by_its_own_marker_uncovered(seen, data, lang, width, where):
    labels = seen[(data, lang, width, where)]["labels"]
    assert len(labels) >= 3, "too few places named"
    for label in labels:
        assert label["gap"] <= 16, f"{label['id']} is {label['gap']:.0f} px from its marker"
        assert label["under"] == [], f"{label['id']} is covered by {label['under']}"
        assert label["inside"], f"{label['id']} is cut by the map's edge"


def open_map(browser, path: Path, width: int = 1280, height: int = 800):
    context = browser.new_context(viewport={"width": width, "height": height}, offline=True)
    page = context.new_page()
    page.goto(path.resolve().as_uri())
    page.wait_for_function("document.documentElement.dataset.shipmapReady === 'true'")
    return context, page


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_every_place_and_leg_is_reached_by_tab_after_the_panels(site, browser, lang):
    context, page = open_map(browser, site / "default" / f"map-{lang}.html")
    try:
        stops = []
        for _ in range(60):
            page.keyboard.press("Tab")
            stops.append(
                page.evaluate(
                    """() => { const e = document.activeElement;
                    return [e.tagName.toLowerCase(),
                            e.getAttribute('aria-label') || e.textContent.trim()]; }"""
                )
            )
        names = [name for tag, name in stops if tag == "path"]
        places = page.evaluate("() => window.shipmap.places.map(p => p.id)")
        legs = page.evaluate("() => window.shipmap.legs.map(l => l.id)")
        assert len(set(names)) == len(places) + len(legs) == 23
        rajin = "Rajin (Najin) port, Port" if lang == "en" else "بندر راجین، بندر"
        assert rajin in names
        sea = [
            n
            for n in names
            if n.startswith("Rajin → Vostochny" if lang == "en" else "از راجین به بندر وستوچنی")
        ]
        assert sea and ("15,800 containers" in sea[0] or "۱۵٬۸۰۰ کانتینر" in sea[0])
        first_path = next(i for i, (tag, _) in enumerate(stops) if tag == "path")
        assert {"summary", "button", "input"} <= {tag for tag, _ in stops[:first_path]}
        # Enter on a focused leg opens its popup; the focus ring is the line's own glow.
        page.keyboard.press("Shift+Tab")
        while page.evaluate("document.activeElement.tagName.toLowerCase()") != "path":
            page.keyboard.press("Tab")
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "none"
        assert "drop-shadow" in page.evaluate("getComputedStyle(document.activeElement).filter")
        page.keyboard.press("Enter")
        assert page.locator(".leaflet-popup-content").count() == 1
    finally:
        context.close()


def test_on_a_phone_the_key_figures_open_as_a_sheet_and_close_again(site, browser):
    from playwright.sync_api import expect

    context, page = open_map(browser, site / "default" / "map-en.html", 375, 600)
    try:
        assert page.evaluate("document.documentElement.classList.contains('shipmap-compact')")
        figures = page.locator("#shipmap-summary > .shipmap-sheet-body")
        legend = page.locator("#shipmap-legend > .shipmap-sheet-body")
        expect(figures).to_be_hidden()
        page.locator("#shipmap-summary > summary").click()
        expect(figures).to_be_visible()
        box = figures.bounding_box()
        assert box["width"] == 375 and abs(box["y"] + box["height"] - 600) < 1  # a bottom sheet
        page.locator("#shipmap-legend > summary").click()  # one sheet at a time
        expect(legend).to_be_visible()
        expect(figures).to_be_hidden()
        page.keyboard.press("Escape")
        expect(legend).to_be_hidden()
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_data_sets_own_units_show_in_its_languages_with_plurals(site, browser, lang):
    context, page = open_map(browser, site / "caspian" / f"map-{lang}.html")
    try:
        legend = page.locator(".shipmap-legend").inner_text()
        figures = page.locator(".shipmap-figures").inner_text()
        page.evaluate(
            "() => window.shipmap.legs.find(l => l.id === 'amirabad-olya').layer.openPopup()"
        )
        popup = page.locator(".leaflet-popup-content").inner_text()
        if lang == "en":
            assert "Line width: drones" in legend and "400 drones" in legend
            assert "400 drones" in popup and "1 drone (Ship A)" in popup and "3 drones" in popup
            assert "shells" in figures
        else:
            assert "ضخامت خط: پهپاد" in legend and "۴۰۰ پهپاد" in legend
            assert "۴۰۰ پهپاد" in popup and "۱ پهپاد" in popup
            assert "گلوله توپ" in figures
            assert "drone" not in legend + popup + figures and "shell" not in figures
    finally:
        context.close()


def test_key_figures_say_whether_they_are_one_route_or_a_total(site, browser):
    context, page = open_map(browser, site / "caspian" / "map-en.html")
    try:
        items = page.locator(".shipmap-figures li").all_inner_texts()
        drones = next(i for i in items if i.split("\n")[0].endswith("drones"))
        assert drones.startswith("760 drones") and "Total of 3 routes" in drones
    finally:
        context.close()
    context, page = open_map(browser, site / "default" / "map-en.html")
    try:
        items = page.locator(".shipmap-figures li").all_inner_texts()
        containers = next(i for i in items if i.split("\n")[0].endswith("containers"))
        # Three routes report containers in overlapping periods: the largest, not a sum.
        assert containers.startswith("15,800 containers") and "Largest of 3 routes" in containers
        munitions = next(i for i in items if i.split("\n")[0].endswith("munitions"))
        assert "One route:" in munitions
    finally:
        context.close()


def test_the_time_axis_shows_empty_months_and_fades_legs_without_figures(site, browser):
    context, page = open_map(browser, site / "default" / "map-en.html")
    try:
        heights = [
            float(h)
            for h in page.eval_on_selector_all(
                ".shipmap-chart rect", "rs => rs.map(r => r.getAttribute('height'))"
            )
        ]
        # Reported movements start from Aug 2023 to Jan 2025: 18 months, the
        # months without a report among them, drawn empty.
        assert len(heights) == 18 and heights.count(0.0) >= 5
        assert page.locator("#shipmap-time").get_attribute("max") == "18"
        page.evaluate("() => window.shipmap.setMonth(0)")
        opacity = (
            "() => window.shipmap.legs.find(l => l.id === 'air-pyongyang-vladivostok')"
            ".layer.options.opacity"
        )
        assert page.evaluate(opacity) < 0.5  # a leg with no figure at all fades too
        page.evaluate("() => window.shipmap.setMonth(18)")
        assert page.evaluate(opacity) > 0.5
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_time_runs_the_same_way_on_the_slider_as_on_the_chart(site, browser, lang):
    context, page = open_map(browser, site / "default" / f"map-{lang}.html")
    try:
        chart = page.evaluate(
            """() => { const t = [...document.querySelectorAll('.shipmap-chart text')];
                return t.map(n => n.getBoundingClientRect().x); }"""
        )
        assert chart[0] < chart[1]  # the first month's label is left of the last one's
        slider = page.locator("#shipmap-time")
        last = int(slider.get_attribute("max") or 0)

        def click_end(side: str) -> int:
            box = slider.bounding_box()  # the panel may reflow once a month is chosen
            assert box is not None
            x = box["x"] + 4 if side == "left" else box["x"] + box["width"] - 4
            page.mouse.click(x, box["y"] + box["height"] / 2)
            return int(slider.input_value())

        left, right = click_end("left"), click_end("right")
        assert (left, right) == (0, last)  # earliest on the left, as on the chart
        # The scale bar reads "100 km", number first, in either direction.
        order = page.evaluate(
            """() => { const line = document.querySelector('.leaflet-control-scale-line');
                const text = line.firstChild, s = text.textContent, r = document.createRange();
                const at = (i, j) => { r.setStart(text, i); r.setEnd(text, j);
                                       return r.getBoundingClientRect().x; };
                const space = s.indexOf(' ');
                return [at(0, space), at(space + 1, s.length)]; }"""
        )
        assert order[0] < order[1]
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_offline_basemap_names_countries_and_shows_no_cut_edge(site, browser, lang):
    context, page = open_map(browser, site / "caspian" / f"map-{lang}.html", 720, 540)
    try:
        page.evaluate(
            "() => { const m = window.shipmap.legs[0].layer._map; m.setZoom(0, {animate: false}); }"
        )
        state = page.evaluate(
            """() => { const m = window.shipmap.legs[0].layer._map;
                const config = document.getElementById('shipmap-config').textContent;
                const land = L.latLngBounds(JSON.parse(config).extent);
                const a = m.latLngToContainerPoint(land.getNorthWest());
                const b = m.latLngToContainerPoint(land.getSouthEast());
                const size = m.getSize();  // the land reaches every edge (to within a pixel)
                const names = [...document.querySelectorAll('.shipmap-name')];
                return {inside: a.x <= 1 && a.y <= 1 && b.x >= size.x - 1 && b.y >= size.y - 1,
                        zoom: m.getZoom(), names: names.map(n => n.textContent)}; }"""
        )
        assert state["inside"], "the view reaches past the offline land's edge"
        assert state["zoom"] > 0
        # Countries named in the map's language, even at the widest zoom.
        assert len(state["names"]) >= 3
        expected = {
            "Turkey",
            "Georgia",
            "Azerbaijan",
            "Iran",
            "Russia",
            "Kazakhstan",
            "Turkmenistan",
        }
        if lang == "fa":
            expected = {
                "ترکیه",
                "گرجستان",
                "جمهوری آذربایجان",
                "ایران",
                "روسیه",
                "قزاقستان",
                "ترکمنستان",
            }
        assert len(set(state["names"]) & expected) >= 3
    finally:
        context.close()
