"""Retake the README's pictures of the committed maps, in headless Chromium, offline.

    python docs/make_screenshots.py            # writes docs/map-*.png and docs/embed-*.png

The maps are output/map-en.html and output/map-fa.html as `shipmap build` wrote
them; the embedded ones sit in an article column, through the snippet that
`shipmap embed` prints. Chromium is Debian's (/usr/bin/chromium).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from shipmap.outputs.write import embed_snippet

ROOT = Path(__file__).resolve().parent.parent
OUTPUT, DOCS = ROOT / "output", ROOT / "docs"

ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>An article</title>
<style>body {{ font-family: serif; margin: 0 auto; padding: 0 16px; max-width: 720px; }}
h1 {{ font-size: clamp(1.3em, 4vw, 1.6em); margin: 0.4em 0 0.2em; }}
p {{ margin: 0.3em 0 0.6em; }}</style>
</head><body><h1>North Korean munitions reach Russia by sea and rail</h1>
<p>An article column, with the map embedded by the snippet <code>shipmap embed</code> prints.</p>
{snippet}
<p>The article goes on.</p></body></html>
"""

FULL = (1600, 1000)
EMBEDDED = [(375, 420), (720, 680), (1280, 760)]


def _ready(frame) -> None:
    frame.wait_for_function("document.documentElement.dataset.shipmapReady === 'true'")


def main() -> None:
    """Write docs/map-{en,fa}.png and docs/embed-{en,fa}-{375,720,1280}.png."""
    with (
        sync_playwright() as p,
        tempfile.TemporaryDirectory() as tmp,
    ):
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for lang in ("en", "fa"):
            page_url = (OUTPUT / f"map-{lang}.html").as_uri()
            context = browser.new_context(
                viewport={"width": FULL[0], "height": FULL[1]}, offline=True
            )
            page = context.new_page()
            page.goto(page_url)
            _ready(page)
            page.wait_for_timeout(500)
            page.screenshot(path=DOCS / f"map-{lang}.png")
            context.close()
            article = Path(tmp) / f"article-{lang}.html"
            article.write_text(
                ARTICLE.format(snippet=embed_snippet(page_url, title="Map")), encoding="utf-8"
            )
            for width, height in EMBEDDED:
                context = browser.new_context(
                    viewport={"width": width, "height": height}, offline=True
                )
                page = context.new_page()
                page.goto(article.as_uri())
                frame = page.locator("iframe").element_handle().content_frame()
                _ready(frame)
                page.wait_for_timeout(500)
                page.screenshot(path=DOCS / f"embed-{lang}-{width}.png")
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
