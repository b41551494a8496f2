"""Outputs: the GeoJSON export, the index page, and the atomic write of a build.

A build is written into a temporary folder beside the output folder and swapped
in at the end, so a reader, a web server or an interrupted build never sees a
half-written output folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from shipmap.errors import ShipmapError
from shipmap.map.templates import TEMPLATES

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "GEOJSON_NAME",
    "MARKER_NAME",
    "MapPage",
    "add_outputs",
    "check_output_folder",
    "embed_snippet",
    "exchange_folders",
    "geojson_document",
    "index_html",
    "map_filename",
    "marker_text",
    "remove_stale",
    "write_outputs",
]

#: File name of the GeoJSON export in the output folder.
GEOJSON_NAME = "shipmap.geojson"


def map_filename(lang: str) -> str:
    """File name of the map in one language: ``map-en.html``."""
    return f"map-{lang}.html"


@dataclass(frozen=True)
class MapPage:
    """One generated map, as the index page lists it."""

    lang: str
    filename: str
    title: str
    language_name: str
    dir: str


def _clean(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return value


def _split_antimeridian(geom: shapely.Geometry) -> shapely.Geometry:
    try:
        from shipmap.routes.geodesic import split_antimeridian
    except ImportError:  # pragma: no cover - the geodesic module ships with shipmap
        return geom
    return split_antimeridian(geom)


def _features(frame: gpd.GeoDataFrame, layer: str, first: Sequence[str]) -> list[dict[str, Any]]:
    geometry = frame.geometry.name
    columns = [c for c in frame.columns if c != geometry and not str(c).startswith("_")]
    ordered = [c for c in first if c in columns] + sorted(c for c in columns if c not in first)
    features = []
    for row in frame.to_dict("records"):
        props: dict[str, Any] = {"layer": layer}
        for column in ordered:
            value = _clean(row[column])
            if value == "" and column not in first:
                value = None
            props[str(column)] = value
        geom = row[geometry]
        if layer == "leg":
            geom = _split_antimeridian(geom)
        rounded = shapely.transform(geom, lambda c: np.round(c, 5))
        features.append(
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(rounded)}
        )
    return features


def geojson_document(places: gpd.GeoDataFrame, legs: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the GeoJSON FeatureCollection of the contract: places, and legs with figures.

    Legs that cross the antimeridian are split there (RFC 7946, section 3.1.9);
    the maps draw them as one continuous line.
    """
    place_first = ["id", "name", "kind", "country", "lat", "lon", "coord_source"]
    leg_first = ["id", "origin", "destination", "mode", "length_km"]
    features = _features(places.sort_values("id"), "place", place_first)
    features += _features(legs.sort_values("id"), "leg", leg_first)
    return {"type": "FeatureCollection", "features": features}


def embed_snippet(url: str, *, title: str, ratio: str = "4 / 3") -> str:
    """HTML to embed a map in a web page: a responsive, lazily loaded iframe."""
    template = TEMPLATES.from_string(
        '<iframe src="{{ url }}" title="{{ title }}" loading="lazy" '
        'style="width: 100%; aspect-ratio: {{ ratio }}; border: 0;" '
        'allowfullscreen referrerpolicy="no-referrer"></iframe>'
    )
    return template.render(url=url, title=title, ratio=ratio)


def index_html(pages: Sequence[MapPage], *, title: str) -> str:
    """Return the index page: every map, with the snippet to embed it."""
    template = TEMPLATES.get_template("index.html.j2")
    items = [{"page": p, "snippet": embed_snippet(p.filename, title=p.title)} for p in pages]
    return template.render(title=title, items=items)


_RENAME_EXCHANGE = 2  # linux/fs.h


def exchange_folders(a: Path, b: Path) -> bool:
    """Swap two folders in one step, so that neither path is ever missing.

    Uses Linux's ``renameat2(RENAME_EXCHANGE)``. Returns ``False``, having
    changed nothing, where the system or the file system cannot do it.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    path, fd = ctypes.c_char_p, ctypes.c_int
    renameat2.argtypes = [fd, path, fd, path, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: not supported here
        return False
    raise OSError(errno, os.strerror(errno), str(b))


# --- The output folder --------------------------------------------------------
#
# A build owns the files it wrote, and only those: the marker file lists each
# with its SHA-256. A folder that holds anything else (a git checkout, a CNAME,
# notes, a data set) is refused unless the user adds ``--force``; then only
# shipmap's own files are replaced, one by one, and everything else is kept.

#: The file that records what shipmap wrote into an output folder.
MARKER_NAME = ".shipmap-output"
_MARKER_FORMAT = 2
_MARKER_MAX_BYTES = 4 * 1024 * 1024
#: Files that file managers and git put into any folder: kept across a rebuild,
#: never counted as someone else's content.
_NEUTRAL = frozenset({".gitkeep", ".DS_Store", "Thumbs.db", "desktop.ini"})
#: What the first marker format (plain text, no hashes) stood for.
_LEGACY_MARKER = "This folder is written by shipmap build."
_LEGACY_NAMES = re.compile(
    r"map-[a-z]{2}\.(?:html|png)|index\.html|shipmap\.(?:geojson|gpkg)|flows\.csv"
)
#: At most this many names in a refusal.
_NAMES_SHOWN = 4


@dataclass
class _Survey:
    """What an output folder holds, as far as shipmap is concerned."""

    exists: bool
    mode: int | None = None
    gid: int | None = None
    owned: dict[str, str] = field(default_factory=dict)  # unchanged files shipmap wrote: hash
    changed: list[str] = field(default_factory=list)  # files shipmap wrote, edited since
    foreign: list[str] = field(default_factory=list)  # entries shipmap did not write
    neutral: list[str] = field(default_factory=list)  # .gitkeep, .DS_Store, ...


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def marker_text(digests: Mapping[str, str]) -> str:
    """Return the marker of a folder holding ``digests`` (name → SHA-256), deterministic."""
    return (
        json.dumps(
            {
                "written_by": "shipmap build",
                "format": _MARKER_FORMAT,
                "note": "shipmap replaces or removes only the files listed here, "
                "and only while their content is unchanged",
                "files": dict(sorted(digests.items())),
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n"
    )


def _read_marker(folder: Path) -> dict[str, set[str]] | None:
    """Return the files a marker records, each with the hashes it may have; None without one.

    The first marker format recorded no names: it stands for the names a build
    writes. A marker that cannot be read records nothing.
    """
    path = folder / MARKER_NAME
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > _MARKER_MAX_BYTES:
        return {}
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if text.strip() == _LEGACY_MARKER:
        return {"": set()}  # every name a build writes, whatever its content
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    recorded: dict[str, set[str]] = {}
    if not isinstance(data, dict):
        return recorded
    for key in ("files", "pending"):
        files = data.get(key)
        if not isinstance(files, dict):
            continue
        for name, digest in files.items():
            if isinstance(name, str) and isinstance(digest, str) and _safe_name(name):
                recorded.setdefault(name, set()).add(digest)
    return recorded


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return all(p not in ("", ".", "..") for p in parts) and "\\" not in name and "\0" not in name


def _survey(folder: Path) -> _Survey:
    """Sort what ``folder`` holds into shipmap's own files and everything else."""
    try:
        st = folder.stat()
    except FileNotFoundError:
        return _Survey(exists=False)
    if not stat.S_ISDIR(st.st_mode):
        raise ShipmapError(f"{folder}: not a folder; give an output folder with -o")
    survey = _Survey(exists=True, mode=stat.S_IMODE(st.st_mode), gid=st.st_gid)
    recorded = _read_marker(folder) or {}
    legacy = "" in recorded

    def visit(directory: Path, prefix: str) -> None:
        with os.scandir(directory) as entries:
            listed = sorted(entries, key=lambda e: e.name)
        for entry in listed:
            name = prefix + entry.name
            if name == MARKER_NAME:
                continue
            if not prefix and entry.name in _NEUTRAL and entry.is_file(follow_symlinks=False):
                survey.neutral.append(name)
            elif entry.is_dir(follow_symlinks=False):
                if any(n.startswith(name + "/") for n in recorded) and os.listdir(entry.path):
                    visit(Path(entry.path), name + "/")
                else:
                    survey.foreign.append(name + "/")
            elif not entry.is_file(follow_symlinks=False):
                survey.foreign.append(name)
            elif legacy and not prefix and _LEGACY_NAMES.fullmatch(entry.name):
                survey.owned[name] = _file_digest(Path(entry.path))
            elif name in recorded:
                digest = _file_digest(Path(entry.path))
                if digest in recorded[name]:
                    survey.owned[name] = digest
                else:
                    survey.changed.append(name)
            else:
                survey.foreign.append(name)

    visit(folder, "")
    return survey


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    more = len(names) - _NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _refusal(folder: Path, survey: _Survey) -> str:
    parts = []
    if survey.foreign:
        parts.append(f"holds {_listing(survey.foreign)}, which shipmap did not write")
    if survey.changed:
        verb = "was" if len(survey.changed) == 1 else "were"
        parts.append(f"{_listing(survey.changed)} {verb} changed since shipmap wrote it")
    return (
        f"{folder}: {'; '.join(parts)}: build into a new or empty folder with -o, "
        "or add --force to keep them and replace only shipmap's own files"
    )


def _check_apart(folder: Path, protect: Sequence[Path]) -> None:
    for path in protect:
        try:
            real = Path(path).resolve()
        except OSError:
            continue
        if real == folder or folder in real.parents:
            raise ShipmapError(
                f"{folder}: the output folder holds the data set being read ({path}); "
                "a build would replace it: write the output elsewhere with -o"
            )


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_STALE_KINDS = ("tmp", "old")


def _stale_pattern(folder: Path) -> re.Pattern[str]:
    kinds = "|".join(_STALE_KINDS)
    return re.compile(rf"\.{re.escape(folder.name)}\.(?:{kinds})-[a-z0-9_]{{8}}")


def _lock(path: Path, *, wait: bool) -> int | None:
    """Lock a folder of a running build (released when the process ends, however it ends).

    Returns the descriptor that holds the lock, or None when another process
    holds it (or the folder cannot be opened).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locks, no clean-up
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd


def remove_stale(folder: Path, *, protect: Sequence[Path] = ()) -> list[str]:
    """Remove what killed builds left beside ``folder``; return the names removed.

    A build works in ``.<name>.tmp-XXXXXXXX`` (and, where folders cannot be
    exchanged, ``.<name>.old-XXXXXXXX``) beside the output folder, locked while
    it runs. One that is not locked belongs to a build that ended without
    cleaning up (``kill -9``, a power cut): only such folders, owned by this
    user and not links, are removed. A previous output left in an ``.old-``
    folder when the output folder itself is gone is put back instead.
    """
    parent = folder.parent
    pattern = _stale_pattern(folder)
    kept = {Path(p).resolve() for p in protect}
    removed: list[str] = []
    try:
        entries = sorted(os.scandir(parent), key=lambda e: e.name)
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        path = Path(entry.path)
        try:
            st = path.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or path.resolve() in kept:
            continue
        fd = _lock(path, wait=False)
        if fd is None:
            continue  # a build is running in it
        try:
            if ".old-" in entry.name and not os.path.lexists(folder):
                path.rename(folder)  # the previous output, left out by a killed swap
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(entry.name)
        finally:
            os.close(fd)
    return removed


def _output_path(folder: Path) -> Path:
    folder = Path(os.path.abspath(folder))
    return folder.resolve() if folder.is_symlink() else folder


def check_output_folder(folder: Path, *, force: bool = False, protect: Sequence[Path] = ()) -> None:
    """Refuse, before any work is done, an output folder that a build would refuse at the end.

    The same checks as :func:`write_outputs`: the data set is not inside it, and
    (unless ``force``) it holds nothing shipmap did not write.
    """
    folder = _output_path(folder)
    _check_apart(folder, protect)
    survey = _survey(folder)
    if (survey.foreign or survey.changed) and not force:
        raise ShipmapError(_refusal(folder, survey))


def write_outputs(
    folder: Path,
    files: Mapping[str, str | bytes],
    *,
    force: bool = False,
    protect: Sequence[Path] = (),
) -> None:
    """Write a build's files into ``folder``, which holds shipmap's files alone.

    In a folder that holds only what shipmap wrote (each file listed, with its
    SHA-256, in the folder's marker :data:`MARKER_NAME`), the files go into a
    temporary folder beside ``folder``, which then takes its place: on Linux in
    one step (:func:`exchange_folders`), elsewhere by two renames, between which
    ``folder`` is briefly absent (never half-written). The folder keeps its
    permissions. A failure or an interrupt at any point leaves ``folder`` as it
    was and no temporary folder behind.

    A folder that holds anything else (or a file of shipmap's that someone
    changed) is refused with one line naming it; with ``force`` its other
    content is kept and only shipmap's files are replaced, each in one step
    (see :func:`add_outputs`). Temporary folders of killed builds are removed
    first (:func:`remove_stale`); a folder among ``protect`` (the data set
    being read) is never written into or replaced.
    """
    folder = _output_path(folder)
    _check_apart(folder, protect)
    remove_stale(folder, protect=protect)
    survey = _survey(folder)
    if survey.foreign or survey.changed:
        if not force:
            raise ShipmapError(_refusal(folder, survey))
        _write_in_place(folder, files, survey, replace_all=True)
        return
    _write_swapped(folder, files, survey)


def add_outputs(folder: Path, files: Mapping[str, str | bytes]) -> None:
    """Add files (pictures of the maps) to a built output folder and record them as shipmap's.

    Each file is replaced in one step; the other files are left as they are.
    A file of the same name that shipmap did not write is refused, never replaced.
    """
    folder = _output_path(folder)
    remove_stale(folder)
    survey = _survey(folder)
    if not survey.exists or (_read_marker(folder) is None and not survey.owned):
        raise ShipmapError(f"{folder}: not a folder written by shipmap build; run it first")
    _write_in_place(folder, files, survey, replace_all=False)


def _new_staging(folder: Path) -> tuple[Path, int | None]:
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    except OSError as err:
        raise ShipmapError(f"{folder}: cannot write the output ({err.strerror})") from err
    return staging, _lock(staging, wait=True)


def _release(staging: Path, lock: int | None) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    if lock is not None:
        os.close(lock)


def _as_bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def _put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _cannot_write(folder: Path, err: OSError) -> ShipmapError:
    return ShipmapError(
        f"{folder}: cannot write the output ({err.strerror or err}); the output folder is as it was"
    )


def _write_swapped(folder: Path, files: Mapping[str, str | bytes], survey: _Survey) -> None:
    staging, lock = _new_staging(folder)
    old: Path | None = None
    swapped = False
    try:
        digests = {}
        for name, content in sorted(files.items()):
            data = _as_bytes(content)
            _put(staging / name, data)
            digests[name] = _digest(data)
        (staging / MARKER_NAME).write_text(marker_text(digests), "utf-8")
        for name in survey.neutral:
            shutil.copy2(folder / name, staging / name, follow_symlinks=False)
        mode = survey.mode if survey.mode is not None else 0o777 & ~_umask()
        if survey.gid is not None and survey.gid != staging.stat().st_gid:
            with contextlib.suppress(OSError):
                os.chown(staging, -1, survey.gid)
        staging.chmod(mode)
        if survey.exists and exchange_folders(staging, folder):
            swapped = True  # staging now holds the previous output
        else:
            if folder.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
                old.rmdir()
                folder.rename(old)
            staging.rename(folder)
            swapped = True
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    except BaseException as err:
        if not swapped and old is not None and old.exists() and not folder.exists():
            old.rename(folder)
        if old is not None and swapped:
            shutil.rmtree(old, ignore_errors=True)
        if isinstance(err, OSError):
            raise _cannot_write(folder, err) from err
        raise
    finally:
        _release(staging, lock)


def _write_in_place(
    folder: Path, files: Mapping[str, str | bytes], survey: _Survey, *, replace_all: bool
) -> None:
    """Replace shipmap's files in a folder that also holds others', one file at a time.

    Each file is written beside the folder, then renamed over its old version;
    the old versions are kept (as hard links) until the end, so that a failure
    or an interrupt puts every file back. While the files change, the marker
    accepts both their old and their new content, so even a build killed in
    the middle leaves a folder that the next build recognises as its own.
    """
    clash = sorted(
        n for n in files if n in survey.foreign or n + "/" in survey.foreign or n == MARKER_NAME
    )
    if clash:
        raise ShipmapError(
            f"{folder}: {_listing(clash)} would be replaced, but shipmap did not write "
            f"{'it' if len(clash) == 1 else 'them'}: move {'it' if len(clash) == 1 else 'them'} "
            "away, or build into another folder with -o"
        )
    staging, lock = _new_staging(folder)
    backup = staging / ".previous"
    done: list[tuple[Path, Path | None]] = []  # (path in folder, its old version or None)
    digests = {name: _digest(_as_bytes(content)) for name, content in files.items()}
    kept = {} if replace_all else {n: d for n, d in survey.owned.items() if n not in files}
    stale = [n for n in survey.owned if n not in files] if replace_all else []
    try:
        backup.mkdir()
        for name, content in sorted(files.items()):
            _put(staging / "new" / name, _as_bytes(content))
        pending = {"files": dict(survey.owned), "pending": digests}
        _put(staging / "marker", json.dumps(pending, indent=1, sort_keys=True).encode("utf-8"))
        _replace(folder, MARKER_NAME, staging / "marker", backup, done)
        for name in sorted(files):
            _replace(folder, name, staging / "new" / name, backup, done)
        for name in stale:
            moved = backup / name
            moved.parent.mkdir(parents=True, exist_ok=True)
            os.replace(folder / name, moved)
            done.append((folder / name, moved))
        _put(staging / "marker", marker_text({**kept, **digests}).encode("utf-8"))
        os.replace(staging / "marker", folder / MARKER_NAME)
    except BaseException as err:
        for target, saved in reversed(done):
            with contextlib.suppress(OSError):
                if saved is None:
                    target.unlink()
                else:
                    os.replace(saved, target)
        if isinstance(err, OSError):
            raise _cannot_write(folder, err) from err
        raise
    finally:
        _release(staging, lock)


def _replace(
    folder: Path, name: str, new: Path, backup: Path, done: list[tuple[Path, Path | None]]
) -> None:
    """Rename ``new`` over ``folder/name``, keeping the old version in ``backup``."""
    target = folder / name
    saved: Path | None = None
    if os.path.lexists(target):
        saved = backup / name
        saved.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(target, saved, follow_symlinks=False)
        except OSError:
            shutil.copy2(target, saved, follow_symlinks=False)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(new, target)
    done.append((target, saved))


def geojson_text(document: Mapping[str, Any]) -> str:
    """Serialise a GeoJSON document deterministically, one feature a line.

    Without indentation the file is a fraction of the size and written several
    times faster; one feature a line keeps it readable and diff-friendly.
    """
    head = {k: v for k, v in document.items() if k != "features"}
    features = document.get("features", [])
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    opening = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    body = ",\n".join(lines)
    sep = "," if head else ""
    return f'{opening}{sep}"features":[\n{body}\n]}}\n'.replace("[\n\n]", "[]")
