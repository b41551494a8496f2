"""Dark gaps on the map: where a ship's AIS went silent at sea.

A data set may hold ``gaps.csv`` (written by ``shipmap ais``; see docs/ais.md):
one row per gap with the ship, the start and end times (ISO 8601 UTC) and the
positions at both ends. Each gap is drawn as a dashed line that follows water
from the last position before the silence to the first one after it, with a
popup ("AIS off 36 h, 14 Mar 2024 – 16 Mar 2024, LADY R") and a legend entry.
Its text reaches the page as JSON and is set with ``textContent``.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import folium
import pandas as pd
import shapely
from folium.utilities import JsCode

from shipmap.errors import DataError, Problem, ShipmapError
from shipmap.map.i18n import Language

__all__ = ["GAPS_FILE", "GAP_COLOR", "GAP_DASH", "add_gaps", "read_gaps"]

GAPS_FILE = "gaps.csv"
#: Dark gaps: a dark grey, dashed, so they read as "no signal" beside the routes.
GAP_COLOR = "#444444"
GAP_DASH = "4 7"
_REQUIRED = ("start", "end", "start_lat", "start_lon", "end_lat", "end_lon")
_COLUMNS = ("vessel", "mmsi", *_REQUIRED, "hours", "source")


def read_gaps(root: Path) -> pd.DataFrame:
    """Read and check the data set's ``gaps.csv`` (an empty frame when there is none).

    Raises
    ------
    DataError
        Naming the line and column of every unreadable time or position.
    """
    path = Path(root) / GAPS_FILE
    if not path.is_file():
        return pd.DataFrame(columns=[*_COLUMNS, "_line"])
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    header = reader.fieldnames or []
    problems = [
        Problem(GAPS_FILE, 1, c, "missing column (see docs/ais.md)")
        for c in _REQUIRED
        if c not in header
    ]
    if problems:
        raise DataError(problems)
    rows = []
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values()):
            continue
        out: dict[str, Any] = {c: (row.get(c) or "").strip() for c in _COLUMNS}
        out["_line"] = line
        for c in ("start", "end"):
            stamp = pd.to_datetime(out[c], utc=True, errors="coerce")
            if pd.isna(stamp):
                problems.append(Problem(GAPS_FILE, line, c, f"{out[c]!r} is no ISO 8601 time"))
            out[c] = stamp
        for c, bound in (("start_lat", 90), ("start_lon", 180), ("end_lat", 90), ("end_lon", 180)):
            try:
                value = float(out[c])
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or abs(value) > bound:
                problems.append(
                    Problem(GAPS_FILE, line, c, f"{out[c]!r} is no degree within ±{bound}")
                )
            out[c] = value
        rows.append(out)
    if problems:
        raise DataError(problems)
    return pd.DataFrame(rows, columns=[*_COLUMNS, "_line"])


def _line(gap: dict[str, Any]) -> dict[str, Any]:
    from shipmap.routes.sea import sea_route

    start = (float(gap["start_lon"]), float(gap["start_lat"]))
    end = (float(gap["end_lon"]), float(gap["end_lat"]))
    try:
        geom = sea_route(start, end)
    except ShipmapError:
        # No water path found: a straight segment, still dashed, is the honest fallback.
        dlon = (end[0] - start[0] + 540) % 360 - 180
        geom = shapely.LineString([start, (start[0] + dlon, end[1])])
    coords = [[round(x, 5), round(y, 5)] for x, y in shapely.get_coordinates(geom)]
    return {"type": "LineString", "coordinates": coords}


def _popup(gap: dict[str, Any], lang: Language) -> tuple[str, list[dict[str, Any]]]:
    start, end = gap["start"], gap["end"]
    hours = (end - start).total_seconds() / 3600
    vessel = gap["vessel"] or (f"MMSI {gap['mmsi']}" if gap["mmsi"] else "")
    title = lang.t(
        "gap.title",
        hours=lang.number(hours),
        period=lang.period(start.date(), end.date()),
        vessel=vessel,
    )
    blocks: list[dict[str, Any]] = [{"h": title}]
    blocks.append({"row": [lang.t("gap.from"), start.strftime("%Y-%m-%d %H:%M UTC")]})
    blocks.append({"row": [lang.t("gap.to"), end.strftime("%Y-%m-%d %H:%M UTC")]})
    if gap["mmsi"]:
        blocks.append({"row": ["MMSI", str(gap["mmsi"])]})
    blocks.append({"p": lang.t("gap.note")})
    return title, blocks


def add_gaps(m: folium.Map, gaps: pd.DataFrame | None, *, lang: Language) -> bool:
    """Draw the dark gaps on ``m`` as one dashed layer; return whether there were any."""
    from shipmap.map.page import VerbatimGeoJson

    if gaps is None or gaps.empty:
        return False
    features = []
    for i, gap in enumerate(gaps.sort_values(["start", "_line"]).to_dict("records")):
        title, popup = _popup(gap, lang)
        features.append(
            {
                "type": "Feature",
                "id": f"gap-{i}",
                "geometry": _line(gap),
                "properties": {"label": title, "popup": popup},
            }
        )
    VerbatimGeoJson(
        {"type": "FeatureCollection", "features": features},
        name=lang.t("gap.legend"),
        style_function=lambda f: {
            "color": GAP_COLOR,
            "weight": 2.5,
            "opacity": 0.9,
            "dashArray": GAP_DASH,
            "lineCap": "butt",
        },
        highlight_function=lambda f: {"weight": 4},
        on_each_feature=JsCode("function (f, l) { window.shipmap.registerGap(f, l); }"),
    ).add_to(m)
    return True
