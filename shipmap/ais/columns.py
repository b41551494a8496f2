"""Which column of an AIS export holds which field.

Public AIS exports name the same fields differently: ``BaseDateTime`` and
``LAT`` (US MarineCadastre), ``base_date_time`` and ``latitude`` (its 2024 files),
``# Timestamp`` and ``Latitude`` (Danish Maritime Authority), ``date_time_utc``
(Norwegian Coastal Administration), ``timestamp`` and ``lat`` (Global Fishing
Watch, many others). Names are compared folded: lower case, letters and digits
only, so ``# Timestamp``, ``time_stamp`` and ``TIMESTAMP`` are one name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["FIELDS", "KNOWN_NAMES", "ColumnMap", "fold_column", "match_columns"]

#: The fields shipmap reads from a table of positions, in order.
FIELDS = ("mmsi", "time", "lat", "lon", "sog", "cog", "name", "imo")

#: Folded column names recognised for each field, the likeliest first.
KNOWN_NAMES: Mapping[str, tuple[str, ...]] = {
    "mmsi": ("mmsi", "userid", "sourcemmsi", "vesselmmsi", "mmsinumber", "mmsino"),
    "time": (
        "basedatetime",
        "timestamp",
        "datetimeutc",
        "timestamputc",
        "datetime",
        "time",
        "msgtime",
        "postime",
        "tsposutc",
        "dtposutc",
        "receivedat",
        "t",
    ),
    "lat": ("lat", "latitude", "latdeg", "latitudedeg"),
    "lon": ("lon", "long", "longitude", "lng", "londeg", "longitudedeg"),
    "sog": ("sog", "speedoverground", "speed", "sogkn", "speedknots", "sogknots"),
    "cog": ("cog", "courseoverground", "course"),
    "name": ("vesselname", "shipname", "name", "vessel", "ship"),
    "imo": ("imo", "imonr", "imonumber", "imono", "imonum"),
}

_REQUIRED = ("mmsi", "time", "lat", "lon")


def fold_column(name: str) -> str:
    """Fold a column name for comparison: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class ColumnMap:
    """The column that holds each field (``None``: the file has none).

    ``mmsi`` may be absent when the caller gives one MMSI for the whole file
    (a single ship's track).
    """

    mmsi: str | None
    time: str
    lat: str
    lon: str
    sog: str | None = None
    cog: str | None = None
    name: str | None = None
    imo: str | None = None


def match_columns(
    header: Sequence[str],
    *,
    given: Mapping[str, str] | None = None,
    mmsi_given: bool = False,
) -> tuple[ColumnMap | None, list[str]]:
    """Find each field's column in ``header``.

    Parameters
    ----------
    header
        The file's column names as written.
    given
        Field -> column name chosen by the user (``--time-column BaseTime``);
        these win over the recognised names and must exist.
    mmsi_given
        True when the user gives one MMSI for the whole file, so no MMSI column
        is needed.

    Returns
    -------
    The column map (``None`` when a required field is missing) and the
    problems found, each a sentence naming the field and the columns seen.
    """
    given = dict(given or {})
    folded = {fold_column(c): c for c in reversed(header)}
    found: dict[str, str | None] = {}
    problems: list[str] = []
    used = {folded.get(fold_column(c), c) for c in given.values()}
    for field in FIELDS:
        if field in given:
            col = given[field]
            if col in header:
                found[field] = col
            elif fold_column(col) in folded:
                found[field] = folded[fold_column(col)]
            else:
                problems.append(f"no column {col!r} for {field} (columns: {', '.join(header)})")
                found[field] = None
            continue
        guess = next(
            (folded[n] for n in KNOWN_NAMES[field] if n in folded and folded[n] not in used), None
        )
        if guess is not None:
            used.add(guess)
        found[field] = guess
    if mmsi_given:
        found["mmsi"] = None
    for field in _REQUIRED:
        if found[field] is None and not (field == "mmsi" and mmsi_given) and field not in given:
            problems.append(
                f"no {field} column recognised (columns: {', '.join(header)}); "
                f"name it with --{field}-column"
                + (", or give --mmsi for a single ship's file" if field == "mmsi" else "")
            )
    if problems:
        return None, problems
    time, lat, lon = found["time"], found["lat"], found["lon"]
    assert time is not None and lat is not None and lon is not None
    return (
        ColumnMap(
            mmsi=found["mmsi"],
            time=time,
            lat=lat,
            lon=lon,
            sog=found["sog"],
            cog=found["cog"],
            name=found["name"],
            imo=found["imo"],
        ),
        [],
    )
