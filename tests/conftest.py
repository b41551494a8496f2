"""Shared fixtures: tiny data sets, no network, and a real headless Chromium."""

from __future__ import annotations

import os
import socket
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from routes.snapshot import find_chromium

UNSAFE = (
    '<img src=x onerror="window.__pwned=1">`${window.__pwned=2}`'
    "</script><svg onload=window.__pwned=3>"
)

TINY = {
    "places.csv": """\
        id,name,name:fa,lat,lon,country,kind,aliases,source,note
        rajin,Rajin port,بندر راجین,42.2333,130.3,KP,port,Najin;Rason,osc,Loading port
        dunai,Dunai,دونای,42.8803,132.3375,RU,port,Dunay,,
        vostochny,Vostochny port,بندر واستوچنی,42.7333,133.05,RU,port,,,
        tikhoretsk,Tikhoretsk,تیخورتسک,45.8531,40.1187,RU,depot,,,
        kursk,Kursk,کورسک,,,RU,front,,,
        """,
    "legs.csv": """\
        id,origin,destination,mode,via,label,label:fa,source,note
        sea_rajin_dunai,rajin,dunai,sea,,,,,
        sea_rajin_vostochny,rajin,vostochny,sea,,Rajin to Vostochny,راجین به واستوچنی,,
        rail_dunai_tikhoretsk,dunai,tikhoretsk,rail,,,,,schematic
        rail_vostochny_kursk,vostochny,kursk,rail,,,,,
        """,
    "shipments.csv": """\
        id,leg,start,end,quantity,low,high,unit,basis,vessel,source,note
        a,sea_rajin_vostochny,2023-08,2025-03,15800,,,containers,total,,osc,
        b,sea_rajin_vostochny,2023-08,2025-03,4600000,4200000,5800000,munitions,total,,osc,
        c,sea_rajin_vostochny,2024-03-12,2024-03-14,300,,,containers,event,Lady R,osc,
        d,sea_rajin_dunai,2023-09-07,2023-10-01,1000,,,containers,total,Angara,wh,
        e,rail_vostochny_kursk,2024-10,2025-03,11000,,,troops,total,,osc,
        f,rail_vostochny_kursk,2025-01,2025-02,3000,,,troops,event,,osc,
        """,
    "sources.csv": """\
        id,publisher,title,date,url
        osc,Open Source Centre,Red Passage,2025-02-18,https://stories.opensourcecentre.org/red-passage
        wh,White House,Briefing,2023-10-13,https://www.whitehouse.gov/briefing-room/
        """,
    "map.toml": """\
        languages = ["en", "fa"]
        width_by = "containers"
        [title]
        en = "Test map"
        fa = "نقشه آزمایشی"
        """,
}


def write_dataset(folder: Path, files: dict[str, str] | None = None, **changes: str | None) -> Path:
    """Write a data set: the tiny one, with files replaced (or removed with None)."""
    folder.mkdir(parents=True, exist_ok=True)
    content: dict[str, str | None] = {**(files or TINY), **changes}
    for name, text in content.items():
        if text is not None:
            (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A small valid data set in a temporary folder."""
    return write_dataset(tmp_path / "data")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the network: only loopback and local sockets connect."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"network access blocked in tests: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test session routes into its own cache, never the user's."""
    cache = tmp_path_factory.getbasetemp() / "route-cache"
    monkeypatch.setenv("SHIPMAP_CACHE", str(cache))


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A real headless Chromium, driven by Playwright; skipped without one (never in CI)."""
    path = find_chromium()
    if path is None:
        message = "no Chromium found (install Debian's chromium or set SHIPMAP_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the browser tests")
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: object) -> Iterator[Callable[..., object]]:
    """Open a file in a fresh offline page; collects script errors and dialogs."""
    contexts = []

    def opener(path: Path, *, width: int = 1280, height: int = 800) -> object:
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, offline=True
        )
        contexts.append(context)
        page = context.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.dialogs = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(path.resolve().as_uri())
        page.wait_for_function("document.documentElement.dataset.shipmapReady === 'true'")
        return page

    yield opener
    for context in contexts:
        context.close()
