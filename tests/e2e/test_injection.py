"""No text from a data set ever runs as script, in a real headless Chromium.

Every payload goes into every text column of every file of one data set (and
into map.toml's title, subtitle, summary and unknown keys); the maps and the
index are then opened, every popup and tooltip is opened and hovered, and the
page must show the payload as the characters it is, with no dialog, no script
error and ``window.__pwned`` never set. Payloads that validation refuses (a
``javascript:`` URL, a kind, a country, a unit) must give the validation error.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from shipmap.cli import main
from shipmap.dataset import split_list

pytestmark = pytest.mark.browser

#: Each payload sets ``window.__pwned`` to its own number if it ever runs.
PAYLOADS: dict[str, str] = {
    "img-onerror": '<img src=x onerror="window.__pwned=1">',
    "script": "<script>window.__pwned=2</script>",
    "close-script": "</script><script>window.__pwned=3</script>",
    "template-literal": "`${window.__pwned=4}` ${alert(4)}",
    "attr-double-quote": '" onmouseover="window.__pwned=5" autofocus '
    'onfocus="window.__pwned=5" x="',
    "attr-single-quote": "'><svg onload=window.__pwned=6>",
    "svg-onload": "<svg onload=window.__pwned=7>",
    "javascript-text": "javascript:window.__pwned=8",
    "template-injection": "{{ 7*7 }} {% if 1 %}x{% endif %} ${{7*7}}",
    "line-separator": "a\u2028window.__pwned=10\u2029b",
    "html-comment": "<!--<script>window.__pwned=11</script>-->",
    "template-syntax": "{% if %} {# {{ cycler.__init__.__globals__ }} {% endraw %}",
    "entity": "&lt;b&gt; &amp; &#x3C;img src=x onerror=window.__pwned=12&#x3E;",
    "iframe-srcdoc": '<iframe srcdoc="<script>parent.__pwned=13</script>"></iframe>',
}

#: Where each payload goes: (file, column) for every text column that takes free text.
SHOWN = [
    ("places.csv", "name"),
    ("places.csv", "name:fa"),
    ("places.csv", "note"),
    ("legs.csv", "label"),
    ("legs.csv", "label:fa"),
    ("legs.csv", "note"),
    ("shipments.csv", "vessel"),
    ("sources.csv", "publisher"),
    ("sources.csv", "title"),
    ("map.toml", "title"),
    ("map.toml", "subtitle"),
]
CARRIED = [  # accepted by validation, carried along but not shown on the map
    ("places.csv", "aliases"),
    ("places.csv", "source"),
    ("places.csv", "extra"),
    ("legs.csv", "source"),
    ("legs.csv", "extra"),
    ("shipments.csv", "cargo"),
    ("shipments.csv", "note"),
    ("shipments.csv", "id"),
    ("shipments.csv", "source"),
    ("shipments.csv", "extra"),
    ("sources.csv", "id"),
    ("sources.csv", "note"),
    ("sources.csv", "extra"),
    ("map.toml", "summary"),
    ("map.toml", "unknown key"),
]
LOCATIONS = SHOWN + CARRIED
PLACE_COLUMNS = [
    "id",
    "name",
    "name:fa",
    "lat",
    "lon",
    "country",
    "kind",
    "aliases",
    "source",
    "note",
    "extra",
]
LEG_COLUMNS = [
    "id",
    "origin",
    "destination",
    "mode",
    "via",
    "label",
    "label:fa",
    "source",
    "note",
    "extra",
]


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _toml_string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return f'"{escaped}"'


def payload_files(payload: str) -> dict[str, str]:
    """A small data set with ``payload`` in every text column of every file."""
    p = payload
    sid = p.replace(";", ",")  # a source id holds anything but the list separator
    alias = p.replace(";", ",")
    places = _csv(
        [
            "id",
            "name",
            "name:fa",
            "lat",
            "lon",
            "country",
            "kind",
            "aliases",
            "source",
            "note",
            "extra",
        ],
        [
            [
                "rajin",
                f"{p} R",
                f"{p} ر",
                "42.2333",
                "130.3",
                "KP",
                "port",
                alias,
                sid,
                f"{p} note",
                p,
            ],
            ["vostochny", f"{p} V", f"{p} و", "42.7333", "133.05", "RU", "port", "", "", "", p],
            ["dunai", f"{p} D", "", "42.8803", "132.3375", "RU", "rail_station", "", "", "", ""],
            [
                "kursk",
                f"{p} K",
                f"{p} ک",
                "51.7269",
                "36.1846",
                "RU",
                "front",
                "",
                sid,
                f"{p} n",
                "",
            ],
        ],
    )
    legs = _csv(
        [
            "id",
            "origin",
            "destination",
            "mode",
            "via",
            "label",
            "label:fa",
            "source",
            "note",
            "extra",
        ],
        [
            ["sea", "rajin", "vostochny", "sea", "", f"{p} L", f"{p} ل", sid, f"{p} leg note", p],
            ["rail", "vostochny", "kursk", "rail", "dunai", "", "", "", f"{p} rail note", ""],
        ],
    )
    shipments = _csv(
        [
            "id",
            "leg",
            "start",
            "end",
            "quantity",
            "low",
            "high",
            "unit",
            "basis",
            "cargo",
            "vessel",
            "source",
            "note",
            "extra",
        ],
        [
            [
                f"{p} 1",
                "sea",
                "2023-08",
                "2025-03",
                "15800",
                "",
                "",
                "containers",
                "total",
                p,
                "",
                sid,
                p,
                p,
            ],
            [
                f"{p} 2",
                "sea",
                "2024-03-12",
                "2024-03-14",
                "300",
                "",
                "",
                "containers",
                "event",
                p,
                f"{p} vessel",
                sid,
                p,
                "",
            ],
            [
                "",
                "rail",
                "2024-10",
                "2025-03",
                "11000",
                "10000",
                "12000",
                "troops",
                "total",
                "",
                f"{p} train",
                "",
                "",
                "",
            ],
        ],
    )
    sources = _csv(
        ["id", "publisher", "title", "date", "url", "note", "extra"],
        [[sid, f"{p} pub", f"{p} title", "2025-02-18", "https://example.org/a?b=1&c=2", p, p]],
    )
    toml = "\n".join(
        [
            'languages = ["en", "fa"]',
            'width_by = "containers"',
            f'summary = [{_toml_string(p)}, "containers", "troops"]',
            f"unknown = {_toml_string(p)}",
            f"[title]\nen = {_toml_string(p + ' map')}\nfa = {_toml_string(p + ' نقشه')}",
            f"[subtitle]\nen = {_toml_string(p + ' sub')}\nfa = {_toml_string(p + ' زیر')}",
            "",
        ]
    )
    assert tomllib.loads(toml)["title"]["en"] == p + " map"
    return {
        "places.csv": places,
        "legs.csv": legs,
        "shipments.csv": shipments,
        "sources.csv": sources,
        "map.toml": toml,
    }


def write_files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


@pytest.fixture(scope="module", params=sorted(PAYLOADS))
def payload_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The payload's name, its text and the folder its data set was built into."""
    base = tmp_path_factory.mktemp(request.param)
    data = write_files(base / "data", payload_files(PAYLOADS[request.param]))
    out = base / "out"
    assert main(["build", str(data), "-o", str(out), "-q"]) == 0
    return request.param, PAYLOADS[request.param], out


def _visible(text: str) -> str:
    """What ``textContent`` holds for ``text``: every character, as written."""
    return text


OPEN_EVERYTHING = """async () => {
    const texts = {popups: {}, tooltips: {}};
    const map = window.shipmap.legs.length ? window.shipmap.legs[0].layer._map
                                           : window.shipmap.places[0].layer._map;
    for (const group of [window.shipmap.legs, window.shipmap.places]) {
        for (const entry of group) {
            entry.layer.openPopup();
            const popup = entry.layer.getPopup();
            texts.popups[entry.id] = popup && popup.isOpen()
                ? popup.getElement().querySelector('.leaflet-popup-content').textContent : null;
            entry.layer.closePopup();
            entry.layer.openTooltip();
            const tip = entry.layer.getTooltip();
            texts.tooltips[entry.id] = tip ? tip.getElement().textContent : null;
        }
    }
    window.shipmap.setMonth(0);
    window.shipmap.setMonth(1e9);
    return texts;
}"""

HOVER_POINTS = """() => {
    const out = [];
    for (const group of [window.shipmap.legs, window.shipmap.places]) {
        for (const entry of group) {
            const map = entry.layer._map;
            let ll = entry.layer.getLatLng ? entry.layer.getLatLng() : null;
            if (!ll) {
                let lls = entry.layer.getLatLngs();
                if (lls.length && Array.isArray(lls[0])) lls = [].concat.apply([], lls);
                ll = lls[Math.floor(lls.length / 2)];
            }
            const p = map.latLngToContainerPoint(ll);
            const box = map.getContainer().getBoundingClientRect();
            out.push([box.left + p.x, box.top + p.y]);
        }
    }
    return out;
}"""


def assert_nothing_ran(page) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []
    assert page.errors == []


def exercise(page) -> dict:
    """Open every popup and tooltip, hover every leg and place, move the time control."""
    texts = page.evaluate(OPEN_EVERYTHING)
    for x, y in page.evaluate(HOVER_POINTS):
        page.mouse.move(x, y)
        page.mouse.click(x, y)
    for selector in (
        "#shipmap-summary summary",
        "#shipmap-table summary",
        "#shipmap-legend summary",
    ):
        if page.locator(selector).count():
            page.locator(selector).click()
            page.locator(selector).click()
    return texts


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_payloads_show_as_text_and_never_run(payload_build, open_page, lang):
    name, p, out = payload_build
    page = open_page(out / f"map-{lang}.html")
    texts = exercise(page)
    assert_nothing_ran(page)

    fa = lang == "fa"
    # The reader sees every text as written, wherever it lands.
    assert page.title() == p + (" نقشه" if fa else " map")
    title = page.locator(".shipmap-title")
    assert title.locator("h1").text_content() == p + (" نقشه" if fa else " map")
    assert title.locator(".shipmap-subtitle").text_content() == p + (" زیر" if fa else " sub")
    label = p + (" ل" if fa else " L")
    summary = page.locator(".shipmap-figures").text_content()
    assert label in summary
    table = page.locator(".shipmap-table").text_content()
    assert label in table
    assert texts["tooltips"]["sea"] == label
    assert p + (" ر" if fa else " R") == texts["tooltips"]["rajin"]
    assert texts["tooltips"]["dunai"] == p + " D"  # no Persian name: the Latin one

    sea = texts["popups"]["sea"]
    for expected in (label, f"{p} leg note", f"{p} pub, {p} title"):
        assert expected in sea, (name, expected)
    # A vessel cell is a list (`;`-separated, as the data contract has lists): each
    # name in it shows as written.
    for vessel in split_list(f"{p} vessel"):
        assert vessel in sea, (name, vessel)
    rail = texts["popups"]["rail"]
    assert f"{p} rail note" in rail and f"{p} D" in rail
    assert all(v in rail for v in split_list(f"{p} train"))
    rajin = texts["popups"]["rajin"]
    assert f"{p} note" in rajin and f"{p} pub, {p} title" in rajin and label in rajin
    panels = page.locator(".shipmap-title").text_content() + sea + rail + rajin
    assert "49" not in panels  # no template ran: "{{ 7*7 }}" stays as written


def test_source_links_keep_their_url_and_show_their_text(payload_build, open_page):
    _, p, out = payload_build
    page = open_page(out / "map-en.html")
    page.evaluate("() => window.shipmap.legs.find(l => l.id === 'sea').layer.openPopup()")
    link = page.locator(".leaflet-popup-content a")
    assert link.count() == 1
    assert link.get_attribute("href") == "https://example.org/a?b=1&c=2"
    assert link.text_content() == f"{p} pub, {p} title, 2025-02-18"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert_nothing_ran(page)


def test_index_shows_the_titles_and_its_maps_run_nothing(payload_build, open_page, browser):
    _, p, out = payload_build
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 2400})
    try:
        page = context.new_page()
        errors: list[str] = []
        dialogs: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        context.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((out / "index.html").resolve().as_uri())
        assert page.title() == p + " map"
        assert page.locator("h1").text_content() == p + " map"
        assert [a.text_content() for a in page.locator("h2 a").all()] == [p + " map", p + " نقشه"]
        frames = page.locator("iframe")
        assert frames.count() == 2
        assert [frames.nth(i).get_attribute("title") for i in range(2)] == [p + " map", p + " نقشه"]
        snippet = page.locator("#embed-en").text_content()
        assert snippet.startswith('<iframe src="map-en.html"') and "</iframe>" in snippet
        for i, lang in enumerate(("en", "fa")):
            frame = page.frame_locator("iframe").nth(i)
            frame.locator("html[data-shipmap-ready='true']").wait_for()
            child = next(f for f in page.frames if f.url.endswith(f"map-{lang}.html"))
            child.evaluate(OPEN_EVERYTHING)
            assert child.evaluate("typeof window.__pwned") == "undefined"
            assert child.locator("h1").text_content().startswith(p)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert errors == [] and dialogs == []
    finally:
        context.close()


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


@pytest.mark.parametrize("file", ["map-en.html", "map-fa.html", "index.html"])
def test_no_data_text_is_markup_or_script_source(payload_build, file):
    """No element or attribute comes from data, and no script holds data unescaped."""
    _, p, out = payload_build
    html = (out / file).read_text("utf-8")
    parser = _Scripts()
    parser.feed(html)
    tags = {tag for tag, _ in parser.tags}
    assert ("img" not in tags and "iframe" not in tags) or file == "index.html"
    assert all(
        "onerror" not in a and "onload" not in a and "onmouseover" not in a for _, a in parser.tags
    )
    assert not re.search(r"<(img|svg) [^>]*on(error|load)", html)
    # Every script is either installed code or JSON whose '<' are escapes:
    # a payload with '<' never appears as it is inside one.
    for _, text in parser.scripts:
        if "<" in p:
            assert p not in text
        assert "\u2028" not in text and "\u2029" not in text
        assert "<!--" not in text and "</script" not in text.lower()


BAD_URLS = [
    "javascript:window.__pwned=20",
    "JaVaScRiPt:window.__pwned=21",
    "  javascript:window.__pwned=22",
    "data:text/html,<script>window.__pwned=23</script>",
    "vbscript:msgbox(24)",
    "relative/page.html",
]


def test_the_page_links_only_http_urls_even_past_validation(tmp_path, open_page):
    """Both guards behind validation: the map's data and the page's script."""
    from shipmap.geo.places import locate_places
    from shipmap.routes.flows import join_flows
    from shipmap.routes.legs import build_legs

    from shipmap.dataset import load_dataset
    from shipmap.map.content import MapContent
    from shipmap.map.i18n import language
    from shipmap.map.page import map_html
    from shipmap.map.render import render_map

    files = payload_files("plain")
    files["sources.csv"] = _csv(
        ["id", "publisher", "url"],
        [["plain", "A publisher", "https://example.org/ok"]]
        + [[f"bad{i}", f"Bad {i}", ""] for i in range(len(BAD_URLS))],
    )
    files["legs.csv"] = _set_cell(
        files["legs.csv"], "source", ";".join(["plain", *(f"bad{i}" for i in range(len(BAD_URLS)))])
    )
    ds = load_dataset(write_files(tmp_path / "data", files))
    sources = ds.sources.copy()
    sources.loc[sources["id"] != "plain", "url"] = BAD_URLS  # past validation
    places = locate_places(ds.places)
    flows = join_flows(build_legs(ds.legs, places, cache_dir=None), ds.shipments)
    content = MapContent(places=places, flows=flows, sources=sources, config=ds.config)
    page_file = tmp_path / "map.html"
    page_file.write_text(
        map_html(render_map(content, lang="en"), lang=language("en"), title="t"), "utf-8"
    )
    html = page_file.read_text("utf-8")
    assert "https://example.org/ok" in html
    assert not any(u.strip().replace("<", "\\u003c") in html for u in BAD_URLS)  # data's guard
    page = open_page(page_file)
    # The page's own guard: links that reach the script unchecked are still text.
    page.evaluate(
        """(urls) => {
            const leg = window.shipmap.legs.find(l => l.id === 'sea');
            leg.props.popup.push({links: urls.map((u, i) => ['Injected ' + i, u]), title: 'x'});
            leg.layer.openPopup();
        }""",
        BAD_URLS,
    )
    popup = page.locator(".leaflet-popup-content")
    hrefs = [a.get_attribute("href") for a in popup.locator("a").all()]
    assert hrefs == ["https://example.org/ok"]
    text = popup.text_content()
    assert all(f"Bad {i}" in text and f"Injected {i}" in text for i in range(len(BAD_URLS)))
    for a in popup.locator("li").all():
        a.click()
    assert_nothing_ran(page)


# ---------------------------------------------------------------------------
# What validation refuses


JS_URLS = [
    "javascript:window.__pwned=1",
    "JaVaScRiPt:window.__pwned=1",
    "  javascript:window.__pwned=1",
    "\tjavascript:window.__pwned=1",
    "java\tscript:window.__pwned=1",
    "data:text/html,<script>window.__pwned=1</script>",
    "vbscript:msgbox(1)",
    "/relative/path",
    "//example.org/no-scheme",
    "example.org/page",
    "https://",
    "http:/example.org",
    "https://exa mple.org/",
    "ftp://example.org/file",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", JS_URLS)
def test_a_source_url_that_is_not_http_is_refused(url, tmp_path, capsys):
    files = payload_files("plain")
    files["sources.csv"] = _csv(["id", "publisher", "url"], [["plain", "A publisher", url]])
    data = write_files(tmp_path / "data", files)
    out = tmp_path / "out"
    assert main(["build", str(data), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"^sources\.csv:2: url: .*is not a web address", err, re.M), err
    assert "Traceback" not in err
    assert not out.exists()


REFUSED = [
    ("places.csv", "kind", r"^places\.csv:2: kind: "),
    ("places.csv", "country", r"^places\.csv:2: country: .*not an ISO 3166-1"),
    ("places.csv", "lat", r"^places\.csv:2: lat: "),
    ("legs.csv", "mode", r"^legs\.csv:2: mode: "),
    ("shipments.csv", "unit", r"^shipments\.csv:2: unit: .*not a lower-case word"),
    ("shipments.csv", "start", r"^shipments\.csv:2: start: "),
    ("shipments.csv", "quantity", r"^shipments\.csv:2: quantity: "),
    ("shipments.csv", "basis", r"^shipments\.csv:2: basis: "),
    ("sources.csv", "date", r"^sources\.csv:2: date: "),
    ("sources.csv", "url", r"^sources\.csv:2: url: .*not a web address"),
    ("map.toml", "width_by", r"^map\.toml: width_by: .*not a unit"),
    ("map.toml", "languages", r"^map\.toml: languages: .*not an ISO 639-1"),
]


def _set_cell(text: str, column: str, value: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
@pytest.mark.parametrize(("file", "column", "message"), REFUSED)
def test_payloads_in_checked_columns_give_the_validation_error(
    payload, file, column, message, tmp_path, capsys
):
    p = PAYLOADS[payload]
    files = payload_files("plain")
    if file == "map.toml":
        value = _toml_string(p) if column == "width_by" else f"[{_toml_string(p)}]"
        files[file] = re.sub(
            rf"^{column} = .*$", lambda _: f"{column} = {value}", files[file], flags=re.M
        )
    else:
        files[file] = _set_cell(files[file], column, p)
    data = write_files(tmp_path / "data", files)
    out = tmp_path / "out"
    assert main(["build", str(data), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert re.search(message, err, re.M), err
    assert "Traceback" not in err
    assert not out.exists()
