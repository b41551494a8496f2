"""Caches are data, not code: private folders, sealed entries, checked before use.

Another user of the machine must not be able to make a build run code or draw
a false map by writing into a shared cache folder; a damaged, planted or
special file (FIFO, link) is passed over without blocking and rebuilt.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from shipmap.cache import CacheWarning, cache_dir, read_entry, write_entry

LIMIT = 1 << 20


@contextmanager
def no_hang(seconds: int = 10) -> Iterator[None]:
    """Fail, rather than hang the suite, if the block blocks (on a FIFO)."""

    def fail(signum: int, frame: object) -> None:
        raise AssertionError(f"blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_entries_round_trip_in_private_folders_and_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIPMAP_CACHE", str(tmp_path / "cache"))
    folder = cache_dir("routes")
    assert folder == tmp_path / "cache" / "routes"
    write_entry(folder, "a.json", b'{"x": 1}')
    assert read_entry(folder, "a.json", max_bytes=LIMIT) == b'{"x": 1}'
    assert mode(tmp_path / "cache") == 0o700 and mode(folder) == 0o700
    assert mode(folder / "a.json") == 0o600


def test_an_empty_shipmap_cache_turns_caches_off(monkeypatch):
    monkeypatch.setenv("SHIPMAP_CACHE", "")
    assert cache_dir("routes") is None and cache_dir("land") is None
    write_entry(None, "a.json", b"x")
    assert read_entry(None, "a.json", max_bytes=LIMIT) is None


def test_a_file_put_there_by_hand_is_not_read(tmp_path):
    write_entry(tmp_path, "a.json", b'{"x": 1}')
    (tmp_path / "b.json").write_text('{"x": 2}')  # planted: no seal
    assert read_entry(tmp_path, "b.json", max_bytes=LIMIT) is None
    sealed = (tmp_path / "a.json").read_bytes()
    (tmp_path / "a.json").write_bytes(sealed.replace(b'"x": 1', b'"x": 9'))  # changed
    assert read_entry(tmp_path, "a.json", max_bytes=LIMIT) is None


def test_an_entry_moved_to_another_name_or_folder_is_not_read(tmp_path):
    write_entry(tmp_path / "one", "a.json", b"A")
    write_entry(tmp_path / "two", "b.json", b"B")
    (tmp_path / "one" / "c.json").write_bytes((tmp_path / "one" / "a.json").read_bytes())
    (tmp_path / "two" / "a.json").write_bytes((tmp_path / "one" / "a.json").read_bytes())
    assert read_entry(tmp_path / "one", "c.json", max_bytes=LIMIT) is None
    assert read_entry(tmp_path / "two", "a.json", max_bytes=LIMIT) is None


def test_a_fifo_at_an_entrys_path_is_refused_without_blocking_and_replaced(tmp_path):
    write_entry(tmp_path, "seed.json", b"x")
    os.mkfifo(tmp_path / "a.json")
    with no_hang():
        assert read_entry(tmp_path, "a.json", max_bytes=LIMIT) is None
        write_entry(tmp_path, "a.json", b"fresh")
        assert read_entry(tmp_path, "a.json", max_bytes=LIMIT) == b"fresh"


def test_links_and_folders_are_refused(tmp_path):
    write_entry(tmp_path / "c", "real.json", b"real")
    outside = tmp_path / "outside.json"
    outside.write_bytes((tmp_path / "c" / "real.json").read_bytes())
    (tmp_path / "c" / "link.json").symlink_to(outside)
    (tmp_path / "c" / "inner.json").symlink_to(tmp_path / "c" / "real.json")
    (tmp_path / "c" / "dir.json").mkdir()
    for name in ("link.json", "inner.json", "dir.json"):
        assert read_entry(tmp_path / "c", name, max_bytes=LIMIT) is None


def test_an_entry_over_its_size_limit_is_refused(tmp_path):
    write_entry(tmp_path, "big.json", b"x" * 2000)
    assert read_entry(tmp_path, "big.json", max_bytes=1999) is None
    assert read_entry(tmp_path, "big.json", max_bytes=2000) == b"x" * 2000


def test_a_cache_folder_others_can_write_into_is_not_used(tmp_path):
    shared = tmp_path / "shared"
    write_entry(shared, "a.json", b"mine")
    shared.chmod(0o777)  # as /tmp/shipmap made by someone careless, or someone else
    with pytest.warns(CacheWarning, match="can be written by other users"):
        assert read_entry(shared, "a.json", max_bytes=LIMIT) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CacheWarning)
        write_entry(shared, "b.json", b"x")
    assert not (shared / "b.json").exists()


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a folder to another user")
def test_a_cache_folder_of_another_user_is_not_used(tmp_path):
    theirs = tmp_path / "theirs"
    write_entry(theirs, "a.json", b"planted")
    os.chown(theirs, 65534, 65534)
    with pytest.warns(CacheWarning, match="belongs to another user"):
        assert read_entry(theirs, "a.json", max_bytes=LIMIT) is None


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a file to another user")
def test_an_entry_of_another_user_is_not_read(tmp_path):
    write_entry(tmp_path, "a.json", b"x")
    os.chown(tmp_path / "a.json", 65534, 65534)
    assert read_entry(tmp_path, "a.json", max_bytes=LIMIT) is None


# --- the clipped land ------------------------------------------------------------------


@pytest.fixture
def land_cache(tmp_path, monkeypatch):
    import shipmap.map.basemap as basemap

    monkeypatch.setenv("SHIPMAP_CACHE", str(tmp_path / "shipmap"))
    basemap._land_text.cache_clear()
    yield tmp_path / "shipmap" / "land"
    basemap._land_text.cache_clear()


EXTENT = (125.0, 38.0, 140.0, 48.0)


def test_the_land_is_kept_under_the_cache_folder_not_beside_it(land_cache, tmp_path):
    from shipmap.map.basemap import land_geojson

    land_geojson(EXTENT)
    assert len(list(land_cache.glob("*.json"))) == 1
    assert not (tmp_path / "land").exists()
    assert mode(land_cache) == 0o700


def plant(land_cache: Path, change) -> None:
    """Rewrite the cached land as someone holding the folder's key would: sealed."""
    (path,) = land_cache.glob("*.json")
    doc = json.loads(read_entry(land_cache, path.name, max_bytes=1 << 26))
    change(doc)
    write_entry(land_cache, path.name, json.dumps(doc).encode())


def test_text_in_the_land_cache_never_reaches_a_template_or_the_page(land_cache):
    import shipmap.map.basemap as basemap
    from shipmap.map.basemap import land_geojson

    fresh = land_geojson(EXTENT)
    basemap._land_text.cache_clear()

    def inject(doc):
        doc["features"][0]["properties"] = {"x": "{{ 7*7 }}", "y": "{% print(1) %}"}

    plant(land_cache, inject)
    assert land_geojson(EXTENT) == fresh  # redone: the schema has no properties


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["features"][0]["geometry"]["coordinates"][0][0][0].__setitem__(0, "130"),
        lambda d: d["features"][0]["geometry"]["coordinates"][0][0][0].__setitem__(1, True),
        lambda d: d["features"][0]["geometry"]["coordinates"][0][0].__setitem__(0, [[1, 2]]),
        lambda d: d["features"][0]["geometry"].__setitem__("type", "Point"),
        lambda d: d["features"].append(d["features"][0]),
        lambda d: d.__setitem__("script", "alert(1)"),
    ],
)
def test_land_that_breaks_its_schema_is_clipped_afresh(land_cache, damage):
    import shipmap.map.basemap as basemap
    from shipmap.map.basemap import land_geojson

    fresh = land_geojson(EXTENT)
    basemap._land_text.cache_clear()
    plant(land_cache, damage)
    assert land_geojson(EXTENT) == fresh


def test_a_non_finite_land_coordinate_is_clipped_afresh(land_cache):
    import shipmap.map.basemap as basemap
    from shipmap.map.basemap import land_geojson

    fresh = land_geojson(EXTENT)
    basemap._land_text.cache_clear()
    (path,) = land_cache.glob("*.json")
    text = read_entry(land_cache, path.name, max_bytes=1 << 26).decode()
    first = json.loads(text)["features"][0]["geometry"]["coordinates"][0][0][0][0]
    write_entry(land_cache, path.name, text.replace(json.dumps(first), "NaN", 1).encode())
    assert land_geojson(EXTENT) == fresh


def test_a_map_drawn_from_injected_land_shows_no_evaluated_template(land_cache, tmp_path):
    import folium

    import shipmap.map.basemap as basemap
    from shipmap.map.basemap import add_basemap, land_geojson
    from shipmap.map.i18n import language

    land_geojson(EXTENT)
    basemap._land_text.cache_clear()

    def inject(doc):
        doc["features"][0]["properties"] = {"x": "{{ 7*7 }}ZZ"}

    plant(land_cache, inject)
    m = folium.Map(tiles=None)
    add_basemap(m, name="offline", extent=EXTENT, lang=language("en"))
    html = m.get_root().render()
    assert "ZZ" not in html  # neither "{{ 7*7 }}ZZ" nor "49ZZ": the text never got in
