"""The map: flows and places rendered to one interactive folium map per language.

Legs go into one GeoJSON layer per mode and places into one layer, each with a
style function, so the page does not grow with one folium object per row. Every
text that comes from the data set travels as JSON and is put on the page with
``textContent`` by ``static/shipmap.js``, or through an autoescaping template;
nothing from the data is spliced into JavaScript source or raw HTML.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode

from shipmap.contract import split_list
from shipmap.geo.places import coordinate_credits
from shipmap.map.basemap import add_basemap, basemap_extent
from shipmap.map.canvas import add_route_canvas, use_canvas
from shipmap.map.content import MapContent, SharedWork
from shipmap.map.gaps import add_gaps
from shipmap.map.i18n import Language, language
from shipmap.map.labels import LabelPoints, place_labels
from shipmap.map.page import PagePanels, VerbatimGeoJson, add_credit
from shipmap.map.schematic import add_schematic_layer, route_rows, schematic_parts
from shipmap.map.style import (
    KIND_STYLE,
    MODE_COLORS,
    MODE_DASH,
    NO_FIGURE_WIDTH,
    UNIT_ORDER,
    width_scale,
)

if TYPE_CHECKING:
    from shipmap.routes.flows import Flows

__all__ = ["MapContent", "SharedWork", "render_map", "share_work"]


def share_work(content: MapContent) -> SharedWork:
    """Work out what the maps of every language of ``content`` share."""
    flows = content.flows
    # The time axis is continuous: a month without reports is shown, empty.
    months = (
        pd.date_range(flows.months["month"].min(), flows.months["month"].max(), freq="MS")
        if not flows.months.empty
        else pd.DatetimeIndex([])
    )
    legs = flows.legs
    place_rows = content.places.sort_values("id").reset_index(drop=True)
    degree = pd.concat([legs["origin"], legs["destination"]]).value_counts()
    importance = [
        float(degree.get(pid, 0)) * 10 + (3 if kind in ("port", "front", "depot") else 0)
        for pid, kind in zip(place_rows["id"], place_rows["kind"], strict=True)
    ]
    return SharedWork(
        months=months,
        details=flows.details,
        leg_figures=_leg_figures(flows.headlines, flows.months, months),
        label_points=LabelPoints.of(place_rows.geometry, importance),
    )


def _order_units(units: Sequence[str]) -> list[str]:
    rank = {u: i for i, u in enumerate(UNIT_ORDER)}
    return sorted(units, key=lambda u: (rank.get(u, len(rank)), u))


def choose_width_unit(flows: Flows, configured: str | None) -> str | None:
    """Choose the unit that sets line widths: the configured one, else the most covered."""
    if configured:
        return configured
    if not flows.units:
        return None
    covered = {u: int(flows.legs[u].notna().sum()) for u in flows.units if u in flows.legs}
    ordered = _order_units(list(covered))
    return max(ordered, key=lambda u: covered[u]) if ordered else None


def _text(row: Mapping[str, Any], column: str, lang: Language) -> str:
    localized = row.get(f"{column}:{lang.code}")
    if isinstance(localized, str) and localized:
        return localized
    value = row.get(column)
    return value if isinstance(value, str) else ""


def _source_links(ids: Sequence[str], sources: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    links: list[list[str]] = []
    for sid in ids:
        src = sources.get(sid)
        if src is None:
            links.append([sid, ""])
            continue
        parts = [str(src.get("publisher") or sid)]
        if src.get("title"):
            parts.append(str(src["title"]))
        if src.get("date"):
            parts.append(str(src["date"]))
        url = str(src.get("url") or "")
        links.append(
            [", ".join(parts), url if url.lower().startswith(("http://", "https://")) else ""]
        )
    return links


def _rounded(geom: shapely.Geometry) -> dict[str, Any]:
    mapped: dict[str, Any] = shapely.geometry.mapping(
        shapely.transform(geom, lambda c: np.round(c, 4))
    )
    return mapped


def _month_index(months: pd.DatetimeIndex, day: pd.Timestamp) -> int:
    return int(months.searchsorted(day.to_period("M").to_timestamp()))


def _leg_popup(
    leg: Mapping[str, Any],
    *,
    figures: Sequence[Any],
    details: Mapping[str, Any],
    places: Mapping[str, str],
    sources: Mapping[str, Mapping[str, Any]],
    lang: Language,
    fmt: _Formats,
) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"h": leg["_label"]}]
    blocks.append({"row": [lang.t("mode." + str(leg["mode"])), ""]})
    for fig in figures:
        basis = lang.t("reported_total") if fig.basis == "total" else lang.t("sum_of_events")
        blocks.append(
            {
                "fig": [
                    fmt.quantity(fig.quantity, fig.low, fig.high),
                    fmt.unit(str(fig.unit), fig.quantity),
                    fmt.period(fig.start, fig.end),
                    basis,
                ]
            }
        )
    via = split_list(str(leg.get("via") or ""))
    if via:
        blocks.append(
            {
                "row": [
                    lang.t("via"),
                    "، ".join(places.get(v, v) for v in via)
                    if lang.rtl
                    else ", ".join(places.get(v, v) for v in via),
                ]
            }
        )
    length = leg.get("length_km")
    if isinstance(length, float) and math.isfinite(length):
        blocks.append({"row": [lang.t("length"), lang.t("km", n=lang.number(round(length)))]})
    blocks.extend(route_rows(leg, places=places, lang=lang))
    if details.get("vessels"):
        blocks.append({"list": list(details["vessels"]), "title": lang.t("vessels")})
    if "events" in details:
        group, count = details["events"]
        # An event is [period, figure, unit, vessels]; the page writes
        # "period: figure unit (vessels)", so repeated parts are sent once.
        items: list[Any] = []
        for ev in group:
            vessel = ", ".join(split_list(str(getattr(ev, "vessel", "") or "")))
            items.append(
                [
                    fmt.period(ev.start, ev.end),
                    fmt.quantity(ev.quantity, ev.low, ev.high),
                    fmt.unit(str(ev.unit), ev.quantity),
                    vessel,
                ]
            )
        if count > len(items):
            items.append(lang.t("more_events", n=lang.number(count - len(items))))
        blocks.append({"list": items, "title": lang.t("events")})
    note = _text(leg, "note", lang)
    if note:
        blocks.append({"row": [lang.t("note"), note]})
    ids = list(dict.fromkeys(split_list(str(leg.get("source") or "")) + details.get("sources", [])))
    if ids:
        blocks.append({"links": _source_links(ids, sources), "title": lang.t("sources")})
    return blocks


def render_map(content: MapContent, *, lang: str, shared: SharedWork | None = None) -> folium.Map:
    """Render the map of a data set in one language.

    A map of a few hundred legs draws them as SVG paths; a bigger one (or one
    whose ``map.toml`` asks for ``renderer = "canvas"``) carries them as compact
    tables drawn on one canvas (:mod:`shipmap.map.canvas`).

    Parameters
    ----------
    content
        The located places, the flows and the sources of a data set.
    lang
        ISO 639-1 code of the map's language.
    shared
        What every language's map shares (:func:`share_work`); worked out here
        when not given. The pipeline works it out once for all languages.

    Returns
    -------
    folium.Map
        A map whose page (see :func:`shipmap.map.page.map_html`) is self-contained.
    """
    language_ = language(lang).with_units(content.config.units)
    config = content.config
    flows = content.flows
    legs = flows.legs
    places = content.places
    sources = (
        {str(r["id"]): r for r in content.sources.to_dict("records")}
        if not content.sources.empty
        else {}
    )
    place_names = {
        str(r["id"]): _text(r, "name", language_) or str(r["id"]) for r in places.to_dict("records")
    }

    width_unit = choose_width_unit(flows, config.width_by)
    top = float(legs[width_unit].max()) if width_unit and width_unit in legs else 0.0
    if not math.isfinite(top):
        top = 0.0

    shared = shared if shared is not None else share_work(content)
    months = shared.months
    headlines = flows.headlines
    details = shared.details
    leg_figures = shared.leg_figures

    arrow = "←" if language_.rtl else "→"
    legs = legs.assign(
        _label=[
            _text(r, "label", language_)
            or f"{place_names.get(r['origin'], r['origin'])} {arrow} "
            f"{place_names.get(r['destination'], r['destination'])}"
            for r in legs.drop(columns=legs.geometry.name).to_dict("records")
        ]
    )
    bounds = legs.total_bounds if len(legs) else places.total_bounds
    canvas = use_canvas(config, legs=len(legs), places=len(places))
    m = folium.Map(
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        zoom_control=("topright" if language_.rtl else "topleft"),
        world_copy_jump=False,
        zoom_snap=0.25,
        zoom_start=2,
    )
    m.default_js = []
    m.default_css = []
    # No view at creation: the page script sets the first one (shipmap.js), so
    # the basemap and the routes are drawn once, for the view the reader sees,
    # not first for folium's whole-world view and then again.
    m.location = None
    extent = basemap_extent(places, legs)
    add_basemap(m, name=config.basemap, extent=extent, lang=language_)
    fmt = _Formats(language_)

    # Legs, by mode (sea, rail, road, air), each mode by id.
    modes = [md for md in MODE_COLORS if md in set(legs["mode"])]
    rank = {md: i for i, md in enumerate(modes)}
    ordered = legs.assign(_mode_rank=legs["mode"].map(rank)).sort_values(
        ["_mode_rank", "id"], kind="stable"
    )
    leg_rows: list[dict[str, Any]] = []
    no_figures: tuple[list[Any], list[list[int]], int | None] = ([], [], None)
    for leg in ordered.drop(columns=["_mode_rank"]).to_dict("records"):
        leg_id = str(leg["id"])
        fig_rows, leg_months, start_month = leg_figures.get(leg_id, no_figures)
        value = leg.get(width_unit) if width_unit else None
        has_value = isinstance(value, float) and math.isfinite(value)
        # What a screen reader says of the leg: its label, mode and main figure.
        named = [f for f in fig_rows if str(f.unit) == width_unit] or list(fig_rows[:1])
        spoken = [str(leg["_label"]), language_.t("mode." + str(leg["mode"]))]
        if named:
            spoken.append(
                f"{fmt.quantity(named[0].quantity, named[0].low, named[0].high)} "
                f"{fmt.unit(str(named[0].unit), named[0].quantity)}"
            )
        leg_rows.append(
            {
                "id": leg_id,
                "label": str(leg["_label"]),
                "name": language_.t("list_sep").join(spoken),
                "mode": str(leg["mode"]),
                "geometry": leg["geometry"],
                "weight": (
                    round(width_scale(float(value), top), 2)
                    if has_value and value is not None
                    else NO_FIGURE_WIDTH
                ),
                "popup": _leg_popup(
                    leg,
                    figures=fig_rows,
                    details=details.get(leg_id, {}),
                    places=place_names,
                    sources=sources,
                    lang=language_,
                    fmt=fmt,
                ),
                "event_months": [list(pair) for pair in leg_months],
                "start_month": start_month,
                "vessels": details.get(leg_id, {}).get("vessels", []),
                "places": [
                    str(leg["origin"]),
                    str(leg["destination"]),
                    *split_list(str(leg.get("via") or "")),
                ],
                "units": list(dict.fromkeys(str(f.unit) for f in fig_rows)),
                "figures": {str(f.unit): float(f.quantity) for f in fig_rows},
            }
        )

    add_gaps(m, content.gaps, lang=language_)

    # Places.
    leg_labels = {str(k): v for k, v in zip(legs["id"], legs["_label"], strict=True)}
    arrived = _place_figures(legs, headlines, "destination", leg_labels, fmt)
    left = _place_figures(legs, headlines, "origin", leg_labels, fmt)
    place_rows = places.sort_values("id").reset_index(drop=True)
    labels = [place_names[str(r)] for r in place_rows["id"]]
    label_zooms = place_labels(shared.label_points, labels, rtl=language_.rtl)
    # The page places labels most important first: those shown from the
    # smallest zoom, then the rest.
    ranks = {
        i: n
        for n, i in enumerate(
            sorted(
                range(len(labels)),
                key=lambda i: (label_zooms[i] is None, label_zooms[i] or 0, labels[i]),
            )
        )
    }
    place_items: list[dict[str, Any]] = []
    for n, (r, label, lz) in enumerate(
        zip(place_rows.to_dict("records"), labels, label_zooms, strict=True)
    ):
        kind = str(r.get("kind") or "other")
        blocks: list[dict[str, Any]] = [{"h": label}]
        blocks.append({"row": [lang_kind(language_, kind), ""]})
        for title, figs in ((language_.t("arrived"), arrived), (language_.t("left"), left)):
            mine = figs.get(str(r["id"]))
            if mine:
                blocks.append({"list": mine, "title": title})
        note = _text(r, "note", language_)
        if note:
            blocks.append({"row": [language_.t("note"), note]})
        coord = str(r.get("coord_source") or "data set")
        blocks.append(
            {
                "row": [
                    language_.t("coordinates_from"),
                    language_.t("from_data_set") if coord == "data set" else coord,
                ]
            }
        )
        ids = split_list(str(r.get("source") or ""))
        if ids:
            blocks.append({"links": _source_links(ids, sources), "title": language_.t("sources")})
        place_items.append(
            {
                "id": str(r["id"]),
                "name": str(r.get("name") or ""),
                "label": label,
                "kind": kind,
                "label_zoom": lz,
                "label_rank": ranks[n],
                "name_a11y": language_.t("list_sep").join([label, lang_kind(language_, kind)]),
                "popup": blocks,
                "geometry": r["geometry"],
            }
        )

    if canvas:
        add_route_canvas(
            m,
            leg_rows,
            place_items,
            modes=modes,
            lang=language_,
            mode_colors=MODE_COLORS,
            mode_dash=MODE_DASH,
            kind_style=KIND_STYLE,
            schematic=schematic_parts(legs),
            width_unit=width_unit,
        )
    else:
        _add_svg_layers(m, leg_rows, place_items, modes=modes, lang=language_)
    add_schematic_layer(
        m, legs, weights={str(r["id"]): float(r["weight"]) for r in leg_rows}, draw=not canvas
    )
    _add_place_credit(m, place_rows)
    _add_river_credit(m, legs)

    folium.LayerControl(position="topleft" if language_.rtl else "topright", collapsed=True).add_to(
        m
    )
    PagePanels(
        bounds=[
            [round(float(bounds[1]), 4), round(float(bounds[0]), 4)],
            [round(float(bounds[3]), 4), round(float(bounds[2]), 4)],
        ]
        if np.all(np.isfinite(bounds))
        else None,
        content=content,
        labels=leg_labels,
        lang=language_,
        width_unit=width_unit,
        top=top,
        months=months,
        extent=extent,
        corridors=canvas,
    ).add_to(m)
    return m


def _add_svg_layers(
    m: folium.Map,
    leg_rows: Sequence[Mapping[str, Any]],
    place_items: Sequence[Mapping[str, Any]],
    *,
    modes: Sequence[str],
    lang: Language,
) -> None:
    """Draw legs and places as GeoJSON layers (SVG): one per mode, one for places."""
    for mode in modes:
        features = [
            {
                "type": "Feature",
                "id": leg["id"],
                "geometry": _rounded(leg["geometry"]),
                "properties": {
                    "id": leg["id"],
                    "label": leg["label"],
                    "mode": mode,
                    "color": MODE_COLORS[mode],
                    "weight": leg["weight"],
                    "name": leg["name"],
                    "popup": leg["popup"],
                    "event_months": leg["event_months"],
                    "start_month": leg["start_month"],
                },
            }
            for leg in leg_rows
            if leg["mode"] == mode
        ]
        weights = {str(f["id"]): f["properties"]["weight"] for f in features}
        dash = MODE_DASH[mode]
        VerbatimGeoJson(
            {"type": "FeatureCollection", "features": features},
            name=lang.t("mode." + mode),
            style_function=lambda f, _w=weights, _c=MODE_COLORS[mode], _d=dash: {
                "color": _c,
                "weight": _w.get(f["id"], NO_FIGURE_WIDTH),
                "opacity": 0.85,
                "dashArray": _d,
                "lineCap": "round",
            },
            highlight_function=lambda f: {"opacity": 1.0},
            on_each_feature=JsCode("function (f, l) { window.shipmap.registerLeg(f, l); }"),
            smooth_factor=0.5,
        ).add_to(m)

    features = []
    for p in place_items:
        fill, radius = KIND_STYLE.get(p["kind"], KIND_STYLE["other"])
        features.append(
            {
                "type": "Feature",
                "id": p["id"],
                "geometry": _rounded(p["geometry"]),
                "properties": {
                    "id": p["id"],
                    "name": p["name"],
                    "label": p["label"],
                    "kind": p["kind"],
                    "label_zoom": p["label_zoom"],
                    "label_rank": p["label_rank"],
                    "name_a11y": p["name_a11y"],
                    "popup": p["popup"],
                    "fill": fill,
                    "radius": radius,
                },
            }
        )
    styles = {str(f["id"]): (f["properties"]["fill"], f["properties"]["radius"]) for f in features}
    VerbatimGeoJson(
        {"type": "FeatureCollection", "features": features},
        name=lang.t("places"),
        marker=folium.CircleMarker(
            radius=6, weight=2, color="#222222", fill=True, fill_opacity=1.0
        ),
        style_function=lambda f, _s=styles: {
            "fillColor": _s[f["id"]][0],
            "radius": _s[f["id"]][1],
            "color": "#222222",
            "weight": 2,
            "fillOpacity": 1.0,
        },
        on_each_feature=JsCode("function (f, l) { window.shipmap.registerPlace(f, l); }"),
    ).add_to(m)


def _leg_figures(
    headlines: pd.DataFrame, month_bins: pd.DataFrame, months: pd.DatetimeIndex
) -> dict[str, tuple[list[Any], list[list[int]], int | None]]:
    """Per leg: its headline figures in the readers' unit order, events per month, first month.

    Worked out in a few passes over the whole frames (not one pandas call per
    leg), once for all the languages of a map.
    """
    out: dict[str, tuple[list[Any], list[list[int]], int | None]] = {}
    if headlines.empty:
        return out
    units = headlines["unit"].astype(str)
    unit_rank = {u: _order_units([u, *UNIT_ORDER]).index(u) for u in set(units)}
    figs = headlines.assign(_rank=units.map(unit_rank)).sort_values(
        ["leg", "_rank", "unit"], kind="stable"
    )
    per_leg_months: dict[str, list[list[int]]] = {}
    if not month_bins.empty and len(months):
        per_month = month_bins.groupby(["leg", "month"], sort=True)["rows"].sum()
        month_pos = months.searchsorted(per_month.index.get_level_values("month"))
        for (leg, _), pos, n in zip(per_month.index, month_pos, per_month.to_numpy(), strict=True):
            per_leg_months.setdefault(str(leg), []).append([int(pos), int(n)])
    first = figs.groupby("leg", sort=False)["start"].min()
    first_month = (
        dict(
            zip(
                first.index.astype(str),
                months.searchsorted(first.dt.to_period("M").dt.to_timestamp()).tolist(),
                strict=True,
            )
        )
        if len(months)
        else {}
    )
    rows: dict[str, list[Any]] = {}
    for fig in figs.itertuples(index=False):
        rows.setdefault(str(fig.leg), []).append(fig)
    for leg, fig_rows in rows.items():
        out[leg] = (fig_rows, per_leg_months.get(leg, []), first_month.get(leg))
    return out


class _Formats:
    """A language's figure and period texts, each worked out once per map."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self._quantity: dict[tuple[Any, ...], str] = {}
        self._period: dict[tuple[Any, ...], str] = {}
        self._unit: dict[tuple[str, float], str] = {}

    def quantity(self, q: float, low: float | None = None, high: float | None = None) -> str:
        key = (q, low, high)
        text = self._quantity.get(key)
        if text is None:
            text = self._quantity[key] = self.lang.quantity(q, low, high)
        return text

    def unit(self, unit: str, q: float) -> str:
        key = (unit, q)
        text = self._unit.get(key)
        if text is None:
            text = self._unit[key] = self.lang.unit(unit, q)
        return text

    def period(self, start: pd.Timestamp, end: pd.Timestamp) -> str:
        key = (start, end)
        text = self._period.get(key)
        if text is None:
            text = self._period[key] = self.lang.period(start.date(), end.date())
        return text


def lang_kind(lang: Language, kind: str) -> str:
    """Display name of a place kind."""
    return lang.t("kind." + kind)


def _place_figures(
    legs: gpd.GeoDataFrame,
    headlines: pd.DataFrame,
    end: str,
    leg_labels: Mapping[str, str],
    fmt: _Formats,
) -> dict[str, list[list[str]]]:
    """Per place, the headline figures of the legs that arrive at (or leave) it.

    Figures are listed per leg, never summed across legs: two reports on two
    legs do not add up to a figure anybody reported.
    """
    out: dict[str, list[list[str]]] = {}
    if headlines.empty:
        return out
    ends = dict(zip(legs["id"].astype(str), legs[end].astype(str), strict=True))
    rank = {u: i for i, u in enumerate(UNIT_ORDER)}
    rows = sorted(
        headlines.itertuples(index=False),
        key=lambda f: (str(f.leg), rank.get(str(f.unit), len(rank)), str(f.unit)),
    )
    for fig in rows:
        place = ends.get(str(fig.leg))
        if place is None:
            continue
        # [route, figure, unit]: the page writes "route: figure unit".
        out.setdefault(place, []).append(
            [
                leg_labels.get(str(fig.leg), str(fig.leg)),
                fmt.quantity(fig.quantity, fig.low, fig.high),
                fmt.unit(str(fig.unit), fig.quantity),
            ]
        )
    return out


#: Credit for the world index's sources, as their licences ask, when a place on
#: the map was located through them (GeoNames: CC BY 4.0; searoute: Apache-2.0).
PLACE_ATTRIBUTION = {
    "GeoNames": '<a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)',
    "searoute": '<a href="https://github.com/genthalili/searoute-py">searoute</a> ports',
}


def _add_river_credit(m: folium.Map, legs: pd.DataFrame) -> None:
    """Credit GSHHG's rivers (LGPL-3.0) on a map with a sea leg drawn along them."""
    sea = legs[legs["mode"] == "sea"] if "mode" in legs.columns else legs.iloc[:0]
    if sea.empty:
        return
    from shipmap.routes.rivers import RIVERS_ATTRIBUTION, follows_rivers

    if follows_rivers([g for g in sea.geometry if g is not None]):
        add_credit(m, "rivers-credit", RIVERS_ATTRIBUTION)


def _add_place_credit(m: folium.Map, places: pd.DataFrame) -> None:
    """Credit the gazetteer's sources that located any place (a layer with no features)."""
    if "coord_source" not in places.columns:
        return
    credits = coordinate_credits(places["coord_source"].astype(str))
    if credits:
        add_credit(m, "places-credit", ", ".join(PLACE_ATTRIBUTION[c] for c in credits))
