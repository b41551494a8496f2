"""Read ``map.toml``: the title, the languages and the styling of a map.

Every key has a default, so a data set without ``map.toml`` still makes a map.
Unknown keys are kept in :attr:`MapConfig.extra` (a later version may use them)
instead of being refused; keys of the wrong type are refused with a message that
names the key and says what to write instead.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from shipmap.contract import LANGUAGE, UNIT
from shipmap.errors import DataError, Problem
from shipmap.map.tiles import DEFAULT_BASEMAP, basemap_problem

__all__ = ["MapConfig", "read_config"]

_FILE = "map.toml"
_KNOWN = ("languages", "title", "subtitle", "width_by", "basemap", "renderer")
_RENDERERS = ("auto", "svg", "canvas")


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class MapConfig:
    """Settings of one map, read from ``map.toml``.

    Parameters
    ----------
    languages
        ISO 639-1 codes, one map per language, in order (default ``("en",)``).
    title, subtitle
        Text by language code. A plain string in ``map.toml`` applies to every
        language.
    width_by
        The shipment unit that sets the width of the leg lines (e.g. ``"troops"``),
        or ``None`` to let the map choose.
    basemap
        A tile provider name (default ``"OpenStreetMap"``), or ``"offline"`` for a
        map that needs no tile server.
    renderer
        How legs and places are drawn: ``"auto"`` (the default: SVG for a few
        hundred legs, one canvas beyond), ``"svg"`` or ``"canvas"``.
    extra
        Keys this version does not know, kept as read.
    """

    languages: tuple[str, ...] = ("en",)
    title: Mapping[str, str] = field(default_factory=_frozen)
    subtitle: Mapping[str, str] = field(default_factory=_frozen)
    width_by: str | None = None
    basemap: str = DEFAULT_BASEMAP
    renderer: str = "auto"
    extra: Mapping[str, Any] = field(default_factory=_frozen)

    def text(self, name: str, lang: str) -> str:
        """Return the ``title`` or ``subtitle`` in ``lang``.

        Falls back to English, then to any language given, then to ``""``, so a
        map in a language without its own title still shows one.

        Parameters
        ----------
        name
            ``"title"`` or ``"subtitle"``.
        lang
            ISO 639-1 code.
        """
        texts: Mapping[str, str] = getattr(self, name)
        for key in (lang, "en"):
            if texts.get(key):
                return texts[key]
        return next((t for t in texts.values() if t), "")


def read_config(path: Path | None) -> MapConfig:
    """Read ``map.toml`` into a :class:`MapConfig`.

    Parameters
    ----------
    path
        The ``map.toml`` file. ``None`` or a file that does not exist gives the
        defaults; the default title is made from the data set folder's name.

    Returns
    -------
    MapConfig

    Raises
    ------
    DataError
        Not valid TOML (``map.toml:LINE: ...``), text that is not UTF-8, or keys of
        the wrong type (``map.toml: key: ...``); every problem at once.
    """
    default_title = _title_from_folder(path.parent if path is not None else None)
    if path is None or not os.path.lexists(path):
        return _build({}, default_title)
    data = _read(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DataError(
            [
                Problem(
                    _FILE,
                    line,
                    None,
                    f"not UTF-8 text (byte 0x{data[e.start]:02X}): save the file as UTF-8",
                )
            ]
        ) from e
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DataError([_toml_problem(str(e), text)]) from e
    except RecursionError as e:
        raise DataError([_too_deep()]) from e
    if _depth(raw) > MAX_DEPTH:
        raise DataError([_too_deep()])
    return _build(raw, default_title)


#: Limits of map.toml: its size, and how deep tables and lists may nest.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 16


def _read(path: Path) -> bytes:
    """Read map.toml, refusing what is not a readable file of a sensible size."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except IsADirectoryError as e:
        raise DataError([Problem(_FILE, None, None, "this is a folder, not a file")]) from e
    except OSError as e:
        message = f"cannot read the file ({e.strerror or e})"
        raise DataError([Problem(_FILE, None, None, message)]) from e
    if len(data) > MAX_BYTES:
        message = f"the file is larger than {MAX_BYTES // 1024} KB: is this the right file?"
        raise DataError([Problem(_FILE, None, None, message)])
    return data


def _too_deep() -> Problem:
    return Problem(
        _FILE,
        None,
        None,
        f"tables or lists nested more than {MAX_DEPTH} deep: is this the right file?",
    )


def _depth(value: object) -> int:
    """How deep tables and lists nest in a parsed TOML value (without recursion)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = list(item)
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _title_from_folder(folder: Path | None) -> str:
    name = folder.resolve().name if folder is not None else ""
    name = re.sub(r"[-_\s]+", " ", name).strip()
    return name[:1].upper() + name[1:] if name else "Shipment routes"


def _toml_problem(message: str, text: str) -> Problem:
    """Turn tomllib's ``... (at line L, column C)`` into a located problem."""
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if m:
        what = message[: m.start()]
        line: int | None = int(m.group(1))
        where = f" at column {m.group(2)}"
    else:
        what = re.sub(r"\s*\(at end of document\)$", "", message)
        line = text.count("\n") + 1 if message.endswith("(at end of document)") else None
        where = " at the end of the file" if line is not None else ""
    hint = ""
    if what.startswith("Invalid value"):
        hint = ' (text needs double quotes, e.g. title = "Arms to Russia")'
    return Problem(_FILE, line, None, f"not valid TOML: {what[:1].lower()}{what[1:]}{where}{hint}")


def _build(raw: Mapping[str, Any], default_title: str) -> MapConfig:
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(_FILE, None, key, message))

    languages: tuple[str, ...] = ("en",)
    if "languages" in raw:
        value = raw["languages"]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            bad("languages", 'must be a list of language codes, e.g. languages = ["en", "fa"]')
        else:
            wrong = [v for v in value if not LANGUAGE.fullmatch(v)]
            if wrong:
                bad(
                    "languages",
                    f"{wrong[0]!r} is not an ISO 639-1 code (two lower-case letters, e.g. 'fa')",
                )
            elif len(set(value)) != len(value):
                bad("languages", "a language is listed twice")
            else:
                languages = tuple(value)

    texts: dict[str, Mapping[str, str]] = {}
    for key in ("title", "subtitle"):
        default = {lang: default_title for lang in languages} if key == "title" else {}
        value = raw.get(key)
        if value is None:
            texts[key] = _frozen(default)
        elif isinstance(value, str):
            texts[key] = _frozen({lang: value for lang in languages})
        elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            wrong = [k for k in value if not LANGUAGE.fullmatch(k)]
            if wrong:
                bad(key, f"{wrong[0]!r} is not an ISO 639-1 language code (two lower-case letters)")
            texts[key] = _frozen(value)
        else:
            bad(
                key,
                f'must be text (e.g. {key} = "...") or a table of texts by language '
                f'(e.g. {key}.fa = "...")',
            )
            texts[key] = _frozen(default)

    width_by: str | None = None
    if "width_by" in raw:
        value = raw["width_by"]
        if not isinstance(value, str) or not UNIT.fullmatch(value):
            bad("width_by", f'{value!r} is not a unit: give a lower-case word such as "troops"')
        else:
            width_by = value

    basemap = DEFAULT_BASEMAP
    if "basemap" in raw:
        value = raw["basemap"]
        message = basemap_problem(value)
        if message:
            bad("basemap", message)
        else:
            basemap = value

    renderer = "auto"
    if "renderer" in raw:
        value = raw["renderer"]
        if value not in _RENDERERS:
            bad(
                "renderer",
                f'{value!r} is not a renderer: use "auto" (the default: SVG for a few '
                'hundred legs, a canvas beyond), "svg" or "canvas"',
            )
        else:
            renderer = value

    if problems:
        raise DataError(problems)
    return MapConfig(
        languages=languages,
        title=texts["title"],
        subtitle=texts["subtitle"],
        width_by=width_by,
        basemap=basemap,
        renderer=renderer,
        extra=_frozen({k: v for k, v in raw.items() if k not in _KNOWN}),
    )
