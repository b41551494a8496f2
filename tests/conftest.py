"""Shared fixtures: tiny data sets, no network, and a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from builders import write_dataset

from shipmap.outputs.snapshot import find_chromium

_USER_CACHE = pytest.StashKey[list[tuple[str, int]]]()
_TEST_CACHE = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outputs of the tiny data set, built once per session: read them, do not change them."""
    from shipmap.cli import main

    base = tmp_path_factory.mktemp("tiny-built")
    data = write_dataset(base / "data")
    assert main(["build", str(data), "-o", str(base / "out"), "-q"]) == 0
    return base / "out"


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


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shipmap"


def _state(folder: Path) -> list[tuple[str, int]]:
    """What a folder holds: every path under it with its modification time."""
    if not folder.exists():
        return []
    return sorted((str(p), p.stat().st_mtime_ns) for p in folder.rglob("*"))


def pytest_configure(config: pytest.Config) -> None:
    """Point every cache at a private folder before any fixture or test runs."""
    config.stash[_USER_CACHE] = _state(_user_cache())
    folder = Path(tempfile.mkdtemp(prefix="shipmap-test-cache-"))
    config.stash[_TEST_CACHE] = folder
    os.environ["SHIPMAP_CACHE"] = str(folder)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if anything wrote into the user's own cache."""
    config = session.config
    if _USER_CACHE in config.stash and _state(_user_cache()) != config.stash[_USER_CACHE]:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(
            f"\nFAILED: {_user_cache()} changed while the suite ran: a test wrote into "
            "the user's cache (or another program did at the same time)"
        )
    if _TEST_CACHE in config.stash:
        shutil.rmtree(config.stash[_TEST_CACHE], ignore_errors=True)


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
