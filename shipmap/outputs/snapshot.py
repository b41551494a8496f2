"""Pictures of the maps: a PNG of each generated map, drawn by headless Chromium.

For print and social posts, where an interactive map cannot go. This needs a
Chromium (Debian's ``chromium``, or the one ``SHIPMAP_CHROMIUM`` names) and the
Playwright package; without them it says so in one line and writes nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from shipmap.errors import ShipmapError

__all__ = ["find_chromium", "snapshot_maps", "snapshot_name"]

_CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

# The map is ready to photograph once it is on its offline basemap or every
# tile in view has loaded.
_TILES_SETTLED = """() => {
  if (document.documentElement.dataset.shipmapBasemap === 'offline') return true;
  const tiles = [...document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile')];
  return tiles.length > 0 && tiles.every(t => t.classList.contains('leaflet-tile-loaded'));
}"""


def find_chromium() -> str | None:
    """Find a Chromium executable: ``SHIPMAP_CHROMIUM``, else one on the PATH, else None."""
    configured = os.environ.get("SHIPMAP_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def snapshot_name(map_file: Path) -> str:
    """Name of a map's picture: ``map-en.html`` → ``map-en.png``."""
    return map_file.with_suffix(".png").name


def snapshot_maps(
    maps: Sequence[Path],
    *,
    width: int = 1600,
    height: int = 1000,
    scale: float = 1.0,
    offline: bool = False,
    timeout_ms: int = 30_000,
) -> dict[str, bytes]:
    """Draw each map in headless Chromium and return its PNG by file name.

    Parameters
    ----------
    maps
        Generated map pages (``map-<lang>.html``).
    width, height
        The window size in CSS pixels.
    scale
        Device pixel ratio (2 gives a sharper picture, four times the pixels).
    offline
        Cut the network, so the map draws on its offline basemap.
    timeout_ms
        How long to wait for a map to draw.

    Raises
    ------
    ShipmapError
        When no Chromium or no Playwright is installed, or a map does not draw.
    """
    chromium = find_chromium()
    if chromium is None:
        raise ShipmapError(
            "no Chromium found to draw the pictures; install Debian's chromium "
            "or set SHIPMAP_CHROMIUM to a Chromium executable"
        )
    try:
        from playwright.sync_api import Error as BrowserError
        from playwright.sync_api import TimeoutError as BrowserTimeout
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ShipmapError(
            "drawing pictures needs the Playwright package: pip install 'shipmap[snapshot]'"
        ) from None
    pictures: dict[str, bytes] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=_CHROMIUM_ARGS)
            try:
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    device_scale_factor=scale,
                    offline=offline,
                )
                for path in maps:
                    page = context.new_page()
                    page.goto(path.resolve().as_uri())
                    page.wait_for_function(
                        "document.documentElement.dataset.shipmapReady === 'true'",
                        timeout=timeout_ms,
                    )
                    # A slow tile server: draw what has arrived.
                    with contextlib.suppress(BrowserTimeout):
                        page.wait_for_function(_TILES_SETTLED, timeout=timeout_ms)
                    page.wait_for_timeout(300)  # let the last tiles fade in
                    pictures[snapshot_name(path)] = page.screenshot(type="png")
                    page.close()
            finally:
                browser.close()
    except BrowserError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ShipmapError(f"Chromium could not draw the maps: {first}") from None
    return pictures
