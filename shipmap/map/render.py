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
from shipmap.map.basemap import add_basemap, basemap_extent
from shipmap.map.content import MapContent, SharedWork
from shipmap.map.i18n import Language, language
from shipmap.map.page import PagePanels, VerbatimGeoJson
from shipmap.map.schematic import add_schematic_layer, network_attribution, route_rows
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

_POPUP_EVENTS = 8
_POPUP_VESSELS = 12
#: The columns of an event a popup shows.
_EVENT_COLUMNS = ("start", "end", "quantity", "low", "high", "unit", "vessel")


def share_work(content: MapContent) -> SharedWork:
    """Work out what the maps of every language of ``content`` share."""
    flows = content.flows
    months = (
        pd.DatetimeIndex(sorted(set(flows.months["month"])))
        if not flows.months.empty
        else pd.DatetimeIndex([])
    )
    month_bins = (
        {str(k): g for k, g in flows.months.groupby("leg", sort=False)}
        if not flows.months.empty
        else {}
    )
    leg_figures: dict[str, tuple[list[Any], list[list[int]], int | None]] = {}
    for leg_id, figs in flows.headlines.groupby("leg", sort=False):
        ranked = figs.assign(
            _rank=figs["unit"].map(lambda u: _order_units([u, *UNIT_ORDER]).index(u))
        ).sort_values(["_rank", "unit"])
        leg_figures[str(leg_id)] = (
            list(ranked.itertuples(index=False)),
            [],
            _month_index(months, ranked["start"].min()) if len(ranked) and len(months) else None,
        )
    for leg_id, bins in month_bins.items():
        per_month = bins.groupby("month")["rows"].sum()
        rows, _, start = leg_figures.get(leg_id, ([], [], None))
        leg_figures[leg_id] = (
            rows,
            [[_month_index(months, d), int(n)] for d, n in per_month.items()],
            start,
        )
    return SharedWork(
        months=months, details=_leg_details(content.shipments), leg_figures=leg_figures
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


def _leg_details(shipments: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Vessels, sources and the latest dated events per leg, without row loops.

    Works on integer codes (one factorisation of each column), so a million rows
    cost a few numpy passes; only the few rows shown are taken from the frame.
    """
    details: dict[str, dict[str, Any]] = {}
    if shipments.empty:
        return details
    leg_codes, leg_names = pd.factorize(shipments["leg"])
    n_legs = len(leg_names)

    def first_pairs(column: str) -> list[tuple[str, list[str]]]:
        # Per leg, the distinct non-empty values of ``column`` in order of first appearance.
        codes, names = pd.factorize(shipments[column])
        width = max(len(names), 1)
        empty = np.asarray(names == "", dtype=bool)
        keep = codes >= 0
        keep[keep] = ~empty[codes[keep]]
        pair = leg_codes[keep].astype(np.int64) * width + codes[keep]
        out: dict[int, list[str]] = {}
        text = [str(n) for n in names]
        # factorize lists distinct values in order of first appearance, by hashing.
        for p in pd.factorize(pair)[1].tolist():
            out.setdefault(p // width, []).append(text[p % width])
        return [(str(leg_names[k]), v) for k, v in out.items()]

    if "vessel" in shipments:
        for leg, cells in first_pairs("vessel"):
            names: dict[str, None] = {}
            for cell in cells:  # a cell may list several vessels
                names.update(dict.fromkeys(split_list(cell)))
                if len(names) >= _POPUP_VESSELS:
                    break
            details.setdefault(leg, {})["vessels"] = list(names)[:_POPUP_VESSELS]
    if "source" in shipments:
        split: dict[str, list[str]] = {}
        for leg, cells in first_pairs("source"):
            for cell in cells:
                if cell not in split:
                    split[cell] = split_list(cell)
            ids = [s for cell in cells for s in split[cell]]
            details.setdefault(leg, {})["sources"] = list(dict.fromkeys(ids))
    positions = np.flatnonzero((shipments["basis"] == "event").to_numpy(dtype=bool))
    if len(positions):
        legs_ev = leg_codes[positions]
        counts = np.bincount(legs_ev, minlength=n_legs)
        start = shipments["start"].to_numpy(dtype="datetime64[ns]")[positions].view(np.int64)
        start = np.where(start == np.iinfo(np.int64).min, np.iinfo(np.int64).max, start)
        # Only rows among the latest few of their leg are shown: pick those (with
        # ties), and sort just them, by leg, then start, then row.
        candidates = _latest_candidates(legs_ev, start, _POPUP_EVENTS, n_legs=n_legs)
        order = candidates[np.lexsort((start[candidates], legs_ev[candidates]))]
        per_leg = np.bincount(legs_ev[order], minlength=n_legs)
        ends = np.cumsum(per_leg)
        latest = np.concatenate(
            [order[e - min(n, _POPUP_EVENTS) : e] for e, n in zip(ends, per_leg, strict=True) if n]
        )
        chosen = positions[latest]
        columns = [c for c in _EVENT_COLUMNS if c in shipments]
        rows = shipments[columns].iloc[chosen]
        events: dict[int, list[Any]] = {}
        for code, row in zip(leg_codes[chosen].tolist(), rows.itertuples(index=False), strict=True):
            events.setdefault(code, []).append(row)
        for code, group in events.items():
            details.setdefault(str(leg_names[code]), {})["events"] = (group, int(counts[code]))
    return details


def _latest_candidates(
    legs: np.ndarray, start: np.ndarray, keep: int, *, n_legs: int
) -> np.ndarray:
    """Positions of the rows whose start is among the ``keep`` latest of their leg.

    Rows that tie with the last of them are included, so a stable sort of just
    these rows puts the same rows last as a sort of them all.
    """
    sizes = pd.DataFrame({"leg": legs, "start": start}).groupby(["leg", "start"], sort=True).size()
    at_or_after = sizes.iloc[::-1].groupby(level="leg").cumsum()
    enough = at_or_after[at_or_after >= keep].reset_index()
    threshold = np.full(n_legs, np.iinfo(np.int64).min, dtype=np.int64)
    if len(enough):
        latest = enough.groupby("leg")["start"].max()
        threshold[latest.index.to_numpy()] = latest.to_numpy()
    return np.flatnonzero(start >= threshold[legs])


def _leg_popup(
    leg: Mapping[str, Any],
    *,
    figures: Sequence[Any],
    details: Mapping[str, Any],
    places: Mapping[str, str],
    sources: Mapping[str, Mapping[str, Any]],
    lang: Language,
) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"h": leg["_label"]}]
    blocks.append({"row": [lang.t("mode." + str(leg["mode"])), ""]})
    for fig in figures:
        basis = lang.t("reported_total") if fig.basis == "total" else lang.t("sum_of_events")
        blocks.append(
            {
                "fig": [
                    lang.quantity(fig.quantity, fig.low, fig.high),
                    lang.unit(str(fig.unit), fig.quantity),
                    lang.period(fig.start.date(), fig.end.date()),
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
        items = []
        for ev in group:
            text = f"{lang.period(ev.start.date(), ev.end.date())}: "
            figure = lang.quantity(ev.quantity, ev.low, ev.high)
            text += f"{figure} {lang.unit(str(ev.unit), ev.quantity)}"
            vessel = ", ".join(split_list(str(getattr(ev, "vessel", "") or "")))
            if vessel:
                text += f" ({vessel})"
            items.append(text)
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


def _label_zooms(
    places: gpd.GeoDataFrame,
    labels: Sequence[str],
    importance: Sequence[float],
    *,
    rtl: bool = False,
) -> list[int | None]:
    """Find the smallest zoom at which each place's label fits without overlaps.

    Labels are placed greedily, most important place first; a label sits beside
    its marker (to the right, or to the left in right-to-left languages).
    """

    def label_box(x: float, y: float, text: str) -> tuple[float, float, float, float]:
        width = 10 + 7.5 * len(text)
        return (x - width, y - 9, x - 6, y + 9) if rtl else (x + 6, y - 9, x + width, y + 9)

    lon = np.radians(places.geometry.x.to_numpy())
    lat = np.radians(np.clip(places.geometry.y.to_numpy(), -85, 85))
    x0 = (lon + math.pi) / (2 * math.pi)
    y0 = (1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / math.pi) / 2
    order = sorted(range(len(labels)), key=lambda i: (-importance[i], labels[i]))
    zooms: list[int | None] = [None] * len(labels)
    placed: list[int] = []
    for i in order:
        for z in range(2, 13):
            size = 256 * 2**z
            x, y = x0[i] * size, y0[i] * size
            box = label_box(x, y, labels[i])
            clash = False
            for j in placed:
                zj = zooms[j]
                if zj is None or zj > z:
                    continue
                xj, yj = x0[j] * size, y0[j] * size
                other = label_box(xj, yj, labels[j])
                marker = (xj - 8, yj - 8, xj + 8, yj + 8)
                for b in (other, marker):
                    if box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]:
                        clash = True
                        break
                if clash:
                    break
            if not clash:
                zooms[i] = z
                placed.append(i)
                break
    return zooms


def render_map(content: MapContent, *, lang: str, shared: SharedWork | None = None) -> folium.Map:
    """Render the map of a data set in one language.

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
    language_ = language(lang)
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
    add_basemap(m, name=config.basemap, extent=basemap_extent(places, legs), lang=language_)

    # Legs: one GeoJSON layer per mode.
    leg_weights: dict[str, float] = {}
    for mode in [md for md in MODE_COLORS if md in set(legs["mode"])]:
        features: list[dict[str, Any]] = []
        for leg in legs[legs["mode"] == mode].sort_values("id").to_dict("records"):
            leg_id = str(leg["id"])
            label = str(leg["_label"])
            fig_rows, leg_months, start_month = shared.leg_figures.get(leg_id, ([], [], None))
            event_months = [list(pair) for pair in leg_months]
            value = leg.get(width_unit) if width_unit else None
            has_value = isinstance(value, float) and math.isfinite(value)
            features.append(
                {
                    "type": "Feature",
                    "id": leg_id,
                    "geometry": _rounded(leg["geometry"]),
                    "properties": {
                        "id": leg_id,
                        "label": label,
                        "mode": mode,
                        "color": MODE_COLORS[mode],
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
                        ),
                        "event_months": event_months,
                        "start_month": start_month,
                    },
                }
            )
        weights = {str(f["id"]): f["properties"]["weight"] for f in features}
        leg_weights.update(weights)
        dash = MODE_DASH[mode]
        VerbatimGeoJson(
            {"type": "FeatureCollection", "features": features},
            name=language_.t("mode." + mode),
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
            attribution=network_attribution(legs[legs["mode"] == mode]),
        ).add_to(m)
    add_schematic_layer(m, legs, weights=leg_weights)

    # Places: one layer, markers styled by kind.
    leg_labels = {str(k): v for k, v in zip(legs["id"], legs["_label"], strict=True)}
    arrived = _place_figures(legs, headlines, "destination", leg_labels, language_)
    left = _place_figures(legs, headlines, "origin", leg_labels, language_)
    degree = pd.concat([legs["origin"], legs["destination"]]).value_counts()
    place_rows = places.sort_values("id").reset_index(drop=True)
    labels = [place_names[str(r)] for r in place_rows["id"]]
    importance = [
        float(degree.get(r["id"], 0)) * 10 + (3 if r["kind"] in ("port", "front", "depot") else 0)
        for r in place_rows.to_dict("records")
    ]
    label_zooms = _label_zooms(place_rows, labels, importance, rtl=language_.rtl)
    features = []
    for r, label, lz in zip(place_rows.to_dict("records"), labels, label_zooms, strict=True):
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
        fill, radius = KIND_STYLE.get(kind, KIND_STYLE["other"])
        features.append(
            {
                "type": "Feature",
                "id": str(r["id"]),
                "geometry": _rounded(r["geometry"]),
                "properties": {
                    "id": str(r["id"]),
                    "name": str(r.get("name") or ""),
                    "label": label,
                    "kind": kind,
                    "label_zoom": lz,
                    "popup": blocks,
                    "fill": fill,
                    "radius": radius,
                },
            }
        )
    styles = {str(f["id"]): (f["properties"]["fill"], f["properties"]["radius"]) for f in features}
    VerbatimGeoJson(
        {"type": "FeatureCollection", "features": features},
        name=language_.t("places"),
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
    ).add_to(m)
    return m


def lang_kind(lang: Language, kind: str) -> str:
    """Display name of a place kind."""
    return lang.t("kind." + kind)


def _place_figures(
    legs: gpd.GeoDataFrame,
    headlines: pd.DataFrame,
    end: str,
    leg_labels: Mapping[str, str],
    lang: Language,
) -> dict[str, list[str]]:
    """Per place, the headline figures of the legs that arrive at (or leave) it.

    Figures are listed per leg, never summed across legs: two reports on two
    legs do not add up to a figure anybody reported.
    """
    out: dict[str, list[str]] = {}
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
        text = (
            f"{leg_labels.get(str(fig.leg), str(fig.leg))}: "
            f"{lang.quantity(fig.quantity, fig.low, fig.high)} "
            f"{lang.unit(str(fig.unit), fig.quantity)}"
        )
        out.setdefault(place, []).append(text)
    return out
