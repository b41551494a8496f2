"""A map embedded in someone else's page, on a phone and on a desktop, offline."""

import shutil
from pathlib import Path

import pytest

from shipmap.outputs.write import embed_snippet

pytestmark = pytest.mark.browser

HOST = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A news article</title>
<style>body {{ font-family: serif; margin: 0 auto; padding: 0 16px; max-width: 720px; }}</style>
</head><body>
<article><h1>Munitions by sea and rail</h1>
<p>A paragraph of the article before the map.</p>
{snippet}
<p>A paragraph after it.</p></article>
</body></html>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, tiny_built: Path) -> Path:
    """A web site folder: an article that embeds the built maps."""
    base = tmp_path_factory.mktemp("site")
    shutil.copytree(tiny_built, base / "maps")
    for lang in ("en", "fa"):
        snippet = embed_snippet(f"maps/map-{lang}.html", title="Test map")
        (base / f"article-{lang}.html").write_text(HOST.format(snippet=snippet), "utf-8")
    return base


def open_offline(browser, path: Path, width: int):
    context = browser.new_context(viewport={"width": width, "height": 800}, offline=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    return context, page


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("lang", ["en", "fa"])
def test_an_embedded_map_draws_and_fits_the_article(site, browser, width, lang):
    context, page = open_offline(browser, site / f"article-{lang}.html", width)
    try:
        iframe = page.locator("iframe")
        iframe.scroll_into_view_if_needed()
        frame = iframe.element_handle().content_frame()
        frame.wait_for_function("document.documentElement.dataset.shipmapReady === 'true'")
        drawn = frame.evaluate(
            "() => window.shipmap.legs.filter(l => l.layer._map && l.layer._path).length"
        )
        assert drawn == 4
        box = iframe.bounding_box()
        article = page.evaluate("document.querySelector('article').getBoundingClientRect().width")
        assert abs(box["width"] - article) < 1  # full width of the column
        assert abs(box["height"] - box["width"] * 3 / 4) < 2  # 4:3
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        inner = frame.evaluate("document.documentElement.scrollWidth")
        assert inner <= box["width"] + 1
        assert page.errors == []
    finally:
        context.close()


def boxes(page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries(
            [...document.querySelectorAll('.shipmap-panel, .leaflet-control')]
              .filter(e => e.offsetParent !== null)
              .map(e => { const r = e.getBoundingClientRect();
                          return [e.className.split(' ').slice(0, 2).join('.'),
                                  [r.left, r.top, r.right, r.bottom]]; }))"""
    )


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_map_page_fits_a_phone(site, open_page, lang):
    page = open_page(site / "maps" / f"map-{lang}.html", width=375, height=667)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    found = boxes(page)
    assert {"shipmap-panel.shipmap-title", "shipmap-panel.shipmap-legend"} <= set(found)
    for name, (left, top, right, bottom) in found.items():
        assert left >= 0 and top >= 0 and right <= 375 and bottom <= 667, name
    names = sorted(found)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            la, ta, ra, ba = found[a]
            lb, tb, rb, bb = found[b]
            overlap = la < rb - 1 and lb < ra - 1 and ta < bb - 1 and tb < ba - 1
            assert not overlap, f"{a} and {b} overlap on a phone"


def test_the_index_page_fits_a_phone(site, browser):
    context, page = open_offline(browser, site / "maps" / "index.html", 375)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        snippet = page.locator("#embed-en").inner_text()
        assert snippet.startswith('<iframe src="map-en.html"') and 'loading="lazy"' in snippet
    finally:
        context.close()
