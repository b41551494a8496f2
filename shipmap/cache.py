"""Where shipmap keeps its caches: the one place that decides.

Every cache (the gazetteer index, routed legs, clipped land, networks) lives in a
folder of its own under one root:

- ``$SHIPMAP_CACHE`` when that variable is set; set to the empty string, it turns
  every cache off;
- else ``$XDG_CACHE_HOME/shipmap``, else ``~/.cache/shipmap``.

Caches hold plain data only. :func:`read_entry` and :func:`write_entry` are the
one way in and out of a cache folder: a folder is used only when it is this
user's and no one else can write into it (created readable by the user alone),
an entry only when it is a regular file of this user's, within its reader's size
limit, and sealed with the folder's own key (so a file planted or changed by
anything but shipmap is not read back). What passes is still only bytes: each
reader parses it and checks it against its schema before use.

The gazetteer's index is a folder of memory-mapped columns, written whole or
not at all; an entry of its own (``world-index-vN.seal``) vouches for it
(see :mod:`shipmap.geo.index`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
import warnings
from pathlib import Path

__all__ = [
    "CACHE_VARIABLE",
    "CacheWarning",
    "cache_dir",
    "cache_root",
    "ensure_cache_dir",
    "read_entry",
    "write_cache_file",
    "write_entry",
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


# ---------------------------------------------------------------------------
# Reading and writing entries
#
# A cache folder is used only when it is this user's own and no one else can
# write into it; an entry only when it is a regular file of this user's, not a
# link, and not larger than its reader allows. Everything is opened relative
# to the folder's descriptor, without following links and without blocking
# (a FIFO planted at an entry's path is refused, not waited on). What passes
# is still only bytes: each reader parses it and checks it against its schema.


def _open_folder(folder: Path, *, create: bool) -> int | None:
    """Open a cache folder that only this user can write into; None when it is not one."""
    if create:
        try:
            root = cache_root()
            if root is not None and folder.parent == root and not root.exists():
                ensure_cache_dir(root)
            ensure_cache_dir(folder)
        except OSError:
            return None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    info = os.fstat(fd)
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        os.close(fd)
        _warn_untrusted(folder, info)
        return None
    return fd


_warned: set[str] = set()


def _warn_untrusted(folder: Path, info: os.stat_result) -> None:
    key = str(folder)
    if key in _warned:
        return
    _warned.add(key)
    why = (
        "belongs to another user" if info.st_uid != os.getuid() else "can be written by other users"
    )
    warnings.warn(
        f"the cache folder {folder} {why}: not using it "
        f"(set {CACHE_VARIABLE} to a folder of your own)",
        CacheWarning,
        stacklevel=3,
    )


class CacheWarning(UserWarning):
    """A cache folder is not safe to use; the build goes on without it."""


#: Each cache folder's own secret (``.key``, readable by this user alone): every entry
#: carries an HMAC of its name and content under it, so that only entries this
#: user's shipmap wrote into this folder are read back.
_KEY_NAME = ".key"
_KEY_BYTES = 32
_SEAL = b"shipmap-cache-1 "
_SEAL_LENGTH = len(_SEAL) + 64 + 1  # the tag, a SHA-256 HMAC in hex, a newline


def _folder_key(dir_fd: int, *, create: bool) -> bytes | None:
    key = _read_regular(dir_fd, _KEY_NAME, max_bytes=_KEY_BYTES)
    if key is not None and len(key) == _KEY_BYTES:
        return key
    if key is not None or not create:
        return None
    fresh = secrets.token_bytes(_KEY_BYTES)
    try:
        fd = os.open(
            _KEY_NAME,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o600,
            dir_fd=dir_fd,
        )
    except FileExistsError:  # another build made it first
        key = _read_regular(dir_fd, _KEY_NAME, max_bytes=_KEY_BYTES)
        return key if key is not None and len(key) == _KEY_BYTES else None
    except OSError:
        return None
    try:
        os.write(fd, fresh)
    finally:
        os.close(fd)
    return fresh


def _tag(key: bytes, name: str, payload: bytes) -> bytes:
    mac = hmac.new(key, name.encode("utf-8") + b"\n", hashlib.sha256)
    mac.update(payload)
    return _SEAL + mac.hexdigest().encode("ascii") + b"\n"


def _read_regular(dir_fd: int, name: str, *, max_bytes: int) -> bytes | None:
    """Read a regular file of this user's in an open folder, without blocking; None otherwise."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        before = os.lstat(name, dir_fd=dir_fd)
        if not stat.S_ISREG(before.st_mode):
            return None
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or (info.st_dev, info.st_ino) != (before.st_dev, before.st_ino)
            or info.st_uid != os.getuid()
            or info.st_size > max_bytes
        ):
            return None
        chunks = []
        size = 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > max_bytes:
                return None  # grew while being read
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_entry(folder: Path | None, name: str, *, max_bytes: int) -> bytes | None:
    """Return the bytes of one cache entry, or None when there is no usable one.

    None also when the folder is not this user's alone; when the entry is not a
    regular file owned by this user (a link, a FIFO, a device, a folder), or is
    larger than ``max_bytes``; and when its seal does not match (it was not
    written by :func:`write_entry` into this folder, or was changed since).
    """
    if folder is None:
        return None
    dir_fd = _open_folder(folder, create=False)
    if dir_fd is None:
        return None
    try:
        key = _folder_key(dir_fd, create=False)
        if key is None:
            return None
        sealed = _read_regular(dir_fd, name, max_bytes=max_bytes + _SEAL_LENGTH)
    finally:
        os.close(dir_fd)
    if sealed is None:
        return None
    tag, payload = sealed[:_SEAL_LENGTH], sealed[_SEAL_LENGTH:]
    if not hmac.compare_digest(tag, _tag(key, name, payload)):
        return None  # not written by shipmap into this folder, or changed since
    return payload


def write_entry(folder: Path | None, name: str, data: bytes) -> None:
    """Store one cache entry, readable by this user alone, replacing any old one in one step.

    Caching is an optimisation: a folder that cannot be written, or is not
    this user's alone, is silently skipped.
    """
    if folder is None:
        return
    dir_fd = _open_folder(folder, create=True)
    if dir_fd is None:
        return
    tmp = f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        key = _folder_key(dir_fd, create=True)
        if key is None:
            return
        data = _tag(key, name, data) + data
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o600,
            dir_fd=dir_fd,
        )
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)
