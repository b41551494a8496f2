"""The generated pages as files: self-contained, deterministic, in their language."""

import re
from importlib import resources

from shipmap.cli import main

LEAFLET_JS = resources.files("shipmap.map").joinpath("static", "leaflet.js").read_text("utf-8")


def build(tiny, out):
    assert main(["build", str(tiny), "-o", str(out), "-q"]) == 0
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def test_pages_load_nothing_from_the_network(tiny, tmp_path):
    files = build(tiny, tmp_path / "out")
    for name in ("map-en.html", "map-fa.html"):
        html = files[name].decode("utf-8")
        assert not re.search(r"<script[^>]+src=", html)
        assert not re.search(r"<link[^>]+stylesheet", html)
        # Leaflet itself travels inside the page, as vendored.
        assert LEAFLET_JS.strip() in html


def test_the_same_data_builds_to_the_same_bytes(tiny, tmp_path):
    assert build(tiny, tmp_path / "one") == build(tiny, tmp_path / "two")


def test_each_map_declares_its_language_direction_and_title(tiny, tmp_path):
    files = build(tiny, tmp_path / "out")
    fa = files["map-fa.html"].decode("utf-8")
    en = files["map-en.html"].decode("utf-8")
    assert '<html lang="fa" dir="rtl">' in fa and "<title>نقشه آزمایشی</title>" in fa
    assert '<html lang="en" dir="ltr">' in en and "<title>Test map</title>" in en


def test_index_lists_every_map_with_its_embed_snippet(tiny, tmp_path):
    index = build(tiny, tmp_path / "out")["index.html"].decode("utf-8")
    for name in ("map-en.html", "map-fa.html"):
        assert f'src="{name}"' in index
        assert (
            f"&lt;iframe src=&#34;{name}&#34;" in index
            or f"&lt;iframe src=&quot;{name}&quot;" in index
        )
