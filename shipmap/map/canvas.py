"""Maps with many legs: legs and places drawn on one canvas from compact tables.

Up to a few hundred legs a map draws every leg as an SVG path (sharp at any
zoom, each leg an element a browser test or a screen reader can find). Beyond
that, SVG paths, DOM arrow markers, label tooltips and per-leg popup JSON make
the page big and the browser slow, so the page carries instead:

- the lines, quantised and delta-encoded with a simplified copy per zoom band
  (:mod:`shipmap.map.compact`);
- per leg: mode, width, the months of its events and its popup, where the popup
  is a list of blocks whose texts are indices into one table of strings (a
  unit, a period, a source or a ship is written once however many legs share
  it);
- per place: position, kind, label, the zoom from which its label fits, popup;

- per schematic stretch of a rail or road leg (:mod:`shipmap.map.schematic`):
  its line, compact as the legs', and the leg it belongs to;

all of it deflated (zlib) and inflated in the page by fflate (vendored from npm):
the tables as JSON, followed by the lines' bytes (varints), which the JSON
points into as ``[offset, length]``.

``static/routecanvas.js`` draws them on one canvas, labels only the places whose
label fits at the current zoom, and finds the leg or place under the pointer
with an R-tree (Flatbush, vendored from npm) to open its popup.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import folium
import jinja2
import numpy as np
import shapely
from branca.element import Element

from shipmap.map.compact import encode_lines, encode_points
from shipmap.map.corridors import corridor_tables
from shipmap.map.page import _static, _VerbatimMacro, script_json
from shipmap.map.schematic import SCHEMATIC_CASING, SCHEMATIC_COLOR, SCHEMATIC_DASH
from shipmap.map.style import MIN_WIDTH, NO_FIGURE_WIDTH

if TYPE_CHECKING:
    from shipmap.config import MapConfig
    from shipmap.map.i18n import Language

__all__ = ["CANVAS_FROM_LEGS", "CANVAS_FROM_PLACES", "add_route_canvas", "use_canvas"]

#: With ``renderer = "auto"``, maps with at least this many legs (or places) use the canvas.
CANVAS_FROM_LEGS = 300
CANVAS_FROM_PLACES = 400
RENDERERS = ("auto", "svg", "canvas")
#: The tables are sent deflated (zlib), and inflated in the page by fflate (vendored
#: from npm): popups, labels and ids shrink to a fifth, the lines by a fifth.
_ZLIB_LEVEL = 6
#: A corridor carrying the largest sum is drawn this wide (a leg at most MAX_WIDTH).
CORRIDOR_MAX_WIDTH = 18.0


def use_canvas(config: MapConfig, *, legs: int, places: int) -> bool:
    """Tell whether a map is drawn on a canvas (many legs) or as SVG (a few)."""
    choice = getattr(config, "renderer", "auto")
    if choice == "svg":
        return False
    if choice == "canvas":
        return True
    return legs >= CANVAS_FROM_LEGS or places >= CANVAS_FROM_PLACES


class _Strings:
    """One table of the texts of a page; each text is sent once and referred to by index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.texts: list[str] = []

    def __call__(self, text: Any) -> int:
        key = "" if text is None else str(text)
        at = self.index.get(key)
        if at is None:
            at = self.index[key] = len(self.texts)
            self.texts.append(key)
        return at

    def deep(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [self.deep(v) for v in value]
        return self(value)


def _blocks(blocks: Sequence[Mapping[str, Any]], strings: _Strings) -> list[list[Any]]:
    """Popup blocks as ``[kind, payload, title?]`` with every text an index into ``strings``."""
    out: list[list[Any]] = []
    for block in blocks:
        kind = next(k for k in block if k != "title")
        item = [kind, strings.deep(block[kind])]
        if "title" in block:
            item.append(strings(block["title"]))
        out.append(item)
    return out


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _pack(data: Mapping[str, Any]) -> bytes:
    """Deflate ``data``: its JSON (length first), then every bytes value it held.

    A bytes value is replaced in the JSON by ``[offset, length]`` into the bytes
    after it: the lines travel as raw varints (base64 only once, around the
    whole), which deflate packs better and the page reads without decoding.
    """
    blobs: list[bytes] = []
    size = 0

    def lift(value: Any) -> Any:
        nonlocal size
        if isinstance(value, bytes):
            ref = [size, len(value)]
            blobs.append(value)
            size += len(value)
            return ref
        if isinstance(value, Mapping):
            return {k: lift(v) for k, v in value.items()}
        if isinstance(value, list) and value and isinstance(value[0], Mapping):
            return [lift(v) for v in value]
        return value

    text = json.dumps(lift(data), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    head = text.encode("utf-8")
    return zlib.compress(struct.pack("<I", len(head)) + head + b"".join(blobs), _ZLIB_LEVEL)


class RouteCanvas(_VerbatimMacro):
    """The page element that carries the compact tables and starts the canvas."""

    _template = jinja2.Template(
        """
        {% macro html(this, kwargs) -%}
        <script type="application/json" id="shipmap-routes">{{ this.data_json }}</script>
        {%- endmacro %}
        {% macro script(this, kwargs) %}
        window.shipmap.useCanvas({{ this._parent.get_name() }}, "shipmap-routes");
        {% endmacro %}
        """
    )

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "RouteCanvas"
        packed = base64.b64encode(_pack(data))
        self.data_json = script_json({"packed": packed.decode("ascii")})


class _ModeLayer(_VerbatimMacro):
    """Ties an (empty) layer of the layer control to one mode of the canvas."""

    _template = jinja2.Template(
        """
        {% macro script(this, kwargs) %}
        window.shipmap.modeLayer({{ this.mode_json }}, {{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, mode: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ModeLayer"
        self.mode_json = script_json(mode)


def add_route_canvas(
    m: folium.Map,
    leg_rows: Sequence[Mapping[str, Any]],
    place_items: Sequence[Mapping[str, Any]],
    *,
    modes: Sequence[str],
    lang: Language,
    mode_colors: Mapping[str, str],
    mode_dash: Mapping[str, str | None],
    kind_style: Mapping[str, tuple[str, int]],
    schematic: Sequence[tuple[str, shapely.LineString]] = (),
    width_unit: str | None = None,
) -> None:
    """Add legs and places to ``m`` as compact tables drawn on one canvas.

    ``schematic`` holds the schematic stretches of rail and road legs as (leg id,
    line): the canvas draws them over their legs as the SVG maps do. At low
    zoom the canvas draws corridors (:mod:`shipmap.map.corridors`), their widths
    by the sums of the legs' figures in ``width_unit``.
    """
    strings = _Strings()
    mode_of = {md: i for i, md in enumerate(modes)}
    kinds = list(dict.fromkeys([str(p["kind"]) for p in place_items]))
    kind_of = {k: i for i, k in enumerate(kinds)}
    # Months of events: per leg, [month index, rows] pairs, flattened with a count.
    months_n = [len(leg["event_months"]) for leg in leg_rows]
    months_flat = [v for leg in leg_rows for pair in leg["event_months"] for v in pair]
    geometry = encode_lines([leg["geometry"] for leg in leg_rows])
    leg_at = {str(leg["id"]): i for i, leg in enumerate(leg_rows)}
    stretches = [(leg_at[i], g) for i, g in schematic if i in leg_at]
    # For the filters: the places each leg touches (ends and stops) and its units.
    place_at = {str(p["id"]): i for i, p in enumerate(place_items)}
    units = list(dict.fromkeys(u for leg in leg_rows for u in leg.get("units", [])))
    unit_at = {u: i for i, u in enumerate(units)}
    # Each leg's figure per unit, flattened as (unit, value) pairs with a count.
    figures = [leg.get("figures", {}) for leg in leg_rows]
    width_values = np.array(
        [f.get(width_unit, np.nan) if width_unit else np.nan for f in figures], dtype=float
    )
    corridors = corridor_tables(
        [leg["geometry"] for leg in leg_rows],
        [mode_of[leg["mode"]] for leg in leg_rows],
        width_values,
    )
    lon = np.array([p["geometry"].x for p in place_items], dtype=float)
    lat = np.array([p["geometry"].y for p in place_items], dtype=float)
    data = {
        "legs": {
            "id": [leg["id"] for leg in leg_rows],
            "label": [strings(leg["label"]) for leg in leg_rows],
            "mode": [mode_of[leg["mode"]] for leg in leg_rows],
            "weight": [leg["weight"] for leg in leg_rows],
            "months_n": months_n,
            "months": months_flat,
            "start_month": [leg["start_month"] for leg in leg_rows],
            "vessels": [[strings(v) for v in leg["vessels"]] for leg in leg_rows],
            "places": [
                [place_at[p] for p in leg.get("places", []) if p in place_at] for leg in leg_rows
            ],
            "units": [[unit_at[u] for u in leg.get("units", [])] for leg in leg_rows],
            "unit_names": [lang.unit(u) for u in units],
            "fig_n": [len(f) for f in figures],
            "fig": [
                v for f in figures for u, q in f.items() if u in unit_at for v in (unit_at[u], q)
            ],
            "width_unit": unit_at.get(width_unit) if width_unit else None,
            "modes": [
                {"key": md, "color": mode_colors[md], "dash": mode_dash[md] or ""} for md in modes
            ],
        },
        "places": {
            "id": [p["id"] for p in place_items],
            "label": [strings(p["label"]) for p in place_items],
            "kind": [kind_of[str(p["kind"])] for p in place_items],
            "label_zoom": [p["label_zoom"] for p in place_items],
            "xy": encode_points(lon, lat),
            "kinds": [
                {
                    "key": k,
                    "fill": kind_style.get(k, kind_style["other"])[0],
                    "radius": kind_style.get(k, kind_style["other"])[1],
                }
                for k in kinds
            ],
        },
        "geometry": geometry,
        "corridors": {**corridors, "width": [MIN_WIDTH, CORRIDOR_MAX_WIDTH, NO_FIGURE_WIDTH]},
        "schematic": {
            "leg": [i for i, _ in stretches],
            "geometry": encode_lines([g for _, g in stretches]),
            "style": {
                "color": SCHEMATIC_COLOR,
                "dash": SCHEMATIC_DASH,
                "casing": SCHEMATIC_CASING,
            },
        },
        # Popups: JSON of their own, read by the page when the first one opens.
        "popups": _json_bytes(
            {
                "legs": [_blocks(leg["popup"], strings) for leg in leg_rows],
                "places": [_blocks(p["popup"], strings) for p in place_items],
            }
        ),
        "strings": strings.texts,
        "ui": {
            "search": lang.t("search"),
            "clear": lang.t("search_clear"),
            "not_found": lang.t("search_none"),
            "ship_routes": lang.t("search_ship"),
            "place_routes": lang.t("search_place"),
            "unit_filter": lang.t("unit_filter"),
            "unit_any": lang.t("unit_any"),
            "corridor": lang.t("corridor"),
            "corridor_sum": lang.t("corridor_sum"),
            "corridor_top": lang.t("corridor_top"),
            "corridor_zoom": lang.t("corridor_zoom"),
            "lang": lang.code,
        },
    }
    header = m.get_root().header  # type: ignore[attr-defined]
    for name in ("fflate.js", "flatbush.js", "routecanvas.js"):
        header.add_child(Element(f"<script>{_static(name)}</script>"), name=name.replace(".", "_"))
    RouteCanvas(data).add_to(m)
    for md in modes:
        group = folium.FeatureGroup(name=lang.t("mode." + md), overlay=True, control=True)
        _ModeLayer(md).add_to(group)
        group.add_to(m)
