"""Outputs: the GeoJSON export, the index page, and the atomic write of a build.

A build is written into a temporary folder beside the output folder and swapped
in at the end, so a reader, a web server or an interrupted build never sees a
half-written output folder.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from shipmap.errors import ShipmapError
from shipmap.map.templates import TEMPLATES

__all__ = [
    "GEOJSON_NAME",
    "MapPage",
    "embed_snippet",
    "exchange_folders",
    "geojson_document",
    "index_html",
    "map_filename",
    "write_outputs",
]

#: File name of the GeoJSON export in the output folder.
GEOJSON_NAME = "shipmap.geojson"
_MARKER = ".shipmap-output"


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


def _is_shipmap_output(folder: Path) -> bool:
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    entries = [p for p in folder.iterdir() if p.name not in {".gitkeep", ".DS_Store"}]
    return not entries or (folder / _MARKER).exists()


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


def write_outputs(folder: Path, files: Mapping[str, str | bytes]) -> None:
    """Write a build's files so that ``folder`` changes all at once or not at all.

    The files go into a temporary folder beside ``folder``, which then takes
    its place: on Linux in one step (:func:`exchange_folders`), elsewhere by two
    renames, between which ``folder`` is briefly absent (never half-written).
    A failure or an interrupt at any point leaves ``folder`` as it was and no
    temporary folder behind. A folder that holds files shipmap did not write
    is refused, never overwritten.
    """
    folder = folder.resolve()
    if not _is_shipmap_output(folder):
        raise ShipmapError(
            f"{folder}: the output folder holds files shipmap did not write; "
            "choose an empty or new folder with -o"
        )
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    except OSError as err:
        raise ShipmapError(f"{folder}: cannot write the output ({err.strerror})") from err
    old: Path | None = None
    swapped = False
    try:
        for name, content in sorted(files.items()):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        (staging / _MARKER).write_text("This folder is written by shipmap build.\n", "utf-8")
        (staging / ".gitkeep").touch() if (folder / ".gitkeep").exists() else None
        staging.chmod(0o755)
        if folder.exists() and exchange_folders(staging, folder):
            swapped = True  # staging now holds the previous output
            shutil.rmtree(staging, ignore_errors=True)
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
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and swapped:
            shutil.rmtree(old, ignore_errors=True)
        if isinstance(err, OSError):
            raise ShipmapError(
                f"{folder}: cannot write the output ({err.strerror or err}); "
                "the output folder is as it was"
            ) from err
        raise


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
