"""Where shipmap keeps its caches: the one place that decides.

Every cache (the gazetteer index, routed legs, clipped land, networks) lives in a
folder of its own under one root:

- ``$SHIPMAP_CACHE`` when that variable is set; set to the empty string, it turns
  every cache off;
- else ``$XDG_CACHE_HOME/shipmap``, else ``~/.cache/shipmap``.

Caches hold plain data only and are checked before use by the modules that read
them. This module only decides paths; it touches the disk only in
:func:`ensure_cache_dir`, which creates a folder with the user's private
permissions.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_VARIABLE", "cache_dir", "cache_root", "ensure_cache_dir"]

#: The environment variable that moves (or, when empty, turns off) every cache.
CACHE_VARIABLE = "SHIPMAP_CACHE"


def cache_root() -> Path | None:
    """Return the folder that holds every cache, or None when caching is off."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shipmap"


def cache_dir(kind: str) -> Path | None:
    """Return the folder of one cache (``"routes"``, ``"gazetteer"``, ``"land"``, ...).

    None when caching is off (``SHIPMAP_CACHE=``).
    """
    root = cache_root()
    return None if root is None else root / kind


def ensure_cache_dir(folder: Path) -> Path:
    """Create ``folder`` (and missing parents) readable by the user alone; return it."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder
