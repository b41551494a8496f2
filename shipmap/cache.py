"""Where shipmap keeps its caches: the one place that decides.

Every cache (the gazetteer index, routed legs, clipped land, networks) lives in a
folder of its own under one root:

- ``$SHIPMAP_CACHE`` when that variable is set; set to the empty string, it turns
  every cache off;
- else ``$XDG_CACHE_HOME/shipmap``, else ``~/.cache/shipmap``.

Caches hold plain data only and are checked before use by the modules that read
them. This module decides paths, creates cache folders with the user's
private permissions (:func:`ensure_cache_dir`) and writes a cache file whole or
not at all (:func:`write_cache_file`); reading and checking is each cache's own.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = [
    "CACHE_VARIABLE",
    "cache_dir",
    "cache_root",
    "ensure_cache_dir",
    "write_cache_file",
]

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


def write_cache_file(path: Path, data: bytes) -> bool:
    """Write one cache file whole or not at all; return whether it was written.

    The data goes to a temporary file in the same folder (created private when
    missing) and is renamed into place, so a reader never sees half a file.
    Caching is an optimisation: a folder that cannot be written only costs time.
    """
    try:
        ensure_cache_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True
