"""Measure what a reader sees of a map's labels and panels, on held-out data.

Builds the maps of a data set (by default the GeoNames cities around the
Caspian in bench/labels/caspian-cities/, 54 places with Persian names, and the
project's default map), opens each in headless Chromium inside an article
iframe at 375, 720 and 1280 px and full window, in English and Persian, and
measures with the same script as the browser tests (tests/e2e/reader_measure.js):
the share of the map free of panels, overlapping controls, legs without a
visible pixel, and for every label shown its gap to its marker and whether
anything covers it.

Run from the repository root:

    .venv/bin/python bench/bench_labels.py [DATASET ...] [--output BUILT ...]

``--output`` measures maps already built (e.g. by an older version).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from shipmap.outputs.snapshot import find_chromium

ROOT = Path(__file__).resolve().parents[1]
MEASURE = (ROOT / "tests" / "e2e" / "reader_measure.js").read_text("utf-8")
SIZES = [(375, 600), (720, 540), (1280, 800)]
HOST = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Article</title>
<style>body {{ margin: 0 auto; padding: 0 16px; max-width: 720px; }}</style></head>
<body><article><h1>An article</h1><p>Text.</p>
<iframe src="{src}" title="Map" style="width: 100%; aspect-ratio: 4 / 3; border: 0;"></iframe>
</article></body></html>"""


def measure(browser, folder: Path, lang: str, width: int, height: int, where: str) -> dict:
    context = browser.new_context(viewport={"width": width, "height": height}, offline=True)
    try:
        page = context.new_page()
        if where == "article":
            host = folder / f"bench-article-{lang}.html"
            host.write_text(HOST.format(src=f"map-{lang}.html"), "utf-8")
            page.goto(host.as_uri())
            frame = page.locator("iframe").element_handle().content_frame()
        else:
            page.goto((folder / f"map-{lang}.html").as_uri())
            frame = page.main_frame
        frame.wait_for_function("document.documentElement.dataset.shipmapReady === 'true'")
        frame.wait_for_timeout(300)
        return frame.evaluate(MEASURE)
    finally:
        context.close()


def report(name: str, folder: Path, browser) -> list[str]:
    rows = []
    for lang in ("en", "fa"):
        for width, height in SIZES:
            for where in ("article", "window"):
                if not (folder / f"map-{lang}.html").exists():
                    continue
                m = measure(browser, folder, lang, width, height, where)
                labels = m["labels"]
                gaps = [lb["gap"] for lb in labels]
                far = sum(g > 16 for g in gaps)
                covered = sum(bool(lb["under"]) or not lb["inside"] for lb in labels)
                rows.append(
                    f"| {name} | {lang} | {width} {where} | {m['free']:.0%} | {len(m['overlaps'])} "
                    f"| {len(m['hidden'])} | {len(labels)} | "
                    f"{statistics.median(gaps) if gaps else 0:.0f} / {max(gaps, default=0):.0f} "
                    f"| {far} | {covered} |"
                )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "datasets",
        nargs="*",
        type=Path,
        default=[ROOT / "bench" / "labels" / "caspian-cities", ROOT / "data"],
    )
    parser.add_argument("--output", nargs="*", type=Path, default=[])
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found", file=sys.stderr)
        return 1
    lines = [
        "| data | lang | size | free of panels | overlaps | legs hidden | labels shown "
        "| gap median / max (px) | labels > 16 px away | labels covered or cut |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        folders = [(f.name, f.resolve()) for f in args.output]
        for data in args.datasets:
            out = Path(tmp) / data.name
            subprocess.run(
                [sys.executable, "-m", "shipmap.cli", "build", str(data), "-o", str(out), "-q"],
                check=True,
            )
            folders.append((data.name, out))
        for name, folder in folders:
            lines += report(name, folder, browser)
        browser.close()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
