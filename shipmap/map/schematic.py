"""How the map tells a traced route from a guessed one.

Rail and road legs follow OpenStreetMap's network where it has a believable route;
elsewhere a stretch is a straight (geodesic) line, "schematic". On the map such a
stretch is drawn over its leg as a dotted dark line on a white casing, listed in
the legend ("schematic: route not known") and named in the leg's popup, so a
reader can tell the two apart without opening anything. Maps that draw network
routes credit OpenStreetMap in the attribution control.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import folium
import pandas as pd
import shapely

from shipmap.map.i18n import Language
from shipmap.map.page import VerbatimGeoJson, add_credit

__all__ = [
    "NETWORK_ATTRIBUTION",
    "SCHEMATIC_CASING",
    "SCHEMATIC_COLOR",
    "SCHEMATIC_DASH",
    "add_schematic_layer",
    "has_schematic",
    "network_attribution",
    "route_rows",
    "schematic_parts",
]

#: The credit OpenStreetMap's licence (ODbL) asks for, on maps drawing its network,
#: in the short form its attribution guidelines allow where room is tight: on a
#: phone the credits share the bottom edge with the scale.
NETWORK_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
#: Style of a schematic stretch: a dotted dark line on a white casing.
SCHEMATIC_COLOR = "#222222"
SCHEMATIC_DASH = "1 7"
SCHEMATIC_CASING = "#ffffff"
_NETWORK_MODES = ("rail", "road")


def _stretches(leg: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = leg.get("_stretches")
    return list(value) if isinstance(value, list) else []


def has_schematic(legs: pd.DataFrame) -> bool:
    """Whether any leg has a schematic stretch (then the legend lists the style)."""
    if "_schematic" not in legs.columns:
        return False
    return any(g is not None and not g.is_empty for g in legs["_schematic"])


def network_attribution(legs: pd.DataFrame) -> str | None:
    """Credit OpenStreetMap when any of ``legs`` is traced on its network (else None)."""
    if "method" not in legs.columns:
        return None
    traced = legs["mode"].isin(_NETWORK_MODES) & (legs["method"] == "network")
    return NETWORK_ATTRIBUTION if bool(traced.any()) else None


def route_rows(
    leg: Mapping[str, Any], *, places: Mapping[str, str], lang: Language
) -> list[dict[str, Any]]:
    """Popup rows saying how a rail or road leg's line was drawn, and where it is schematic."""
    mode = str(leg.get("mode", ""))
    method = str(leg.get("method") or "")
    if mode not in _NETWORK_MODES or not method:
        return []
    rows: list[dict[str, Any]] = []
    if method == "network":
        rows.append({"row": [lang.t("line_drawn"), lang.t("traced_" + mode)]})
    else:
        rows.append({"row": [lang.t("line_drawn"), lang.t("schematic_line")]})
    arrow = "←" if lang.rtl else "→"
    items = []
    for s in _stretches(leg):
        text = f"{places.get(s['from'], s['from'])} {arrow} {places.get(s['to'], s['to'])}"
        if lang.code == "en":  # the reasons are worded in English only
            text += f": {s['reason']}"
        items.append(text)
    if items and method == "network":
        rows.append({"list": items, "title": lang.t("schematic_stretches")})
    return rows


def schematic_parts(legs: pd.DataFrame) -> list[tuple[str, shapely.LineString]]:
    """Every schematic stretch as (leg id, line), by leg id: what a canvas map draws."""
    if not has_schematic(legs):
        return []
    out: list[tuple[str, shapely.LineString]] = []
    for leg_id, geom in sorted(
        ((str(i), g) for i, g in zip(legs["id"], legs["_schematic"], strict=True)),
        key=lambda item: item[0],
    ):
        if geom is None or geom.is_empty:
            continue
        for part in shapely.get_parts(geom):
            if isinstance(part, shapely.LineString) and not part.is_empty:
                out.append((leg_id, part))
    return out


def add_schematic_layer(
    m: folium.Map, legs: pd.DataFrame, *, weights: Mapping[str, float], draw: bool = True
) -> None:
    """Draw every schematic stretch over its leg (white casing, dotted dark line).

    Also credits OpenStreetMap in the attribution control when any leg is traced
    on its network (a layer with no features carries the credit, so that it shows
    however the legs themselves are drawn, as SVG or on a canvas). With ``draw``
    false only the credit is added: a canvas map draws the stretches itself
    (:func:`schematic_parts`).
    """
    credit = network_attribution(legs)
    if credit is not None:
        add_credit(m, "network-credit", credit)
    if not draw or not has_schematic(legs):
        return
    features = []
    for leg_id, geom in sorted(
        (str(i), g) for i, g in zip(legs["id"], legs["_schematic"], strict=True)
    ):
        if geom is None or geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "id": leg_id,
                "geometry": shapely.geometry.mapping(shapely.set_precision(geom, 1e-4)),
                "properties": {},
            }
        )
    data = {"type": "FeatureCollection", "features": features}
    for casing in (True, False):
        VerbatimGeoJson(
            data,
            name="schematic-casing" if casing else "schematic",
            control=False,
            interactive=False,  # a click reaches the leg underneath and its popup
            style_function=lambda f, _c=casing: (
                {
                    "color": SCHEMATIC_CASING,
                    "weight": _casing_width(weights.get(f["id"], 2.0)),
                    "opacity": 0.95,
                    "lineCap": "butt",
                }
                if _c
                else {
                    "color": SCHEMATIC_COLOR,
                    "weight": 3,
                    "opacity": 1.0,
                    "dashArray": SCHEMATIC_DASH,
                    "lineCap": "round",
                }
            ),
            smooth_factor=0.5,
        ).add_to(m)


def _casing_width(weight: float) -> float:
    return round(max(float(weight), 3.0) + 2.0, 2) if math.isfinite(weight) else 5.0
