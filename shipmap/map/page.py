"""The page around a map: panels, inlined assets, and deterministic HTML.

The panels (title, key figures, legend, time control and the figures as a table)
are written through an autoescaping template, so text from a data set is always
text. The page carries every script and style it needs, read from files that are
installed with shipmap, so it opens from ``file://`` with no network.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import folium
import jinja2
import markupsafe
import pandas as pd
from branca.element import Element, Figure, MacroElement

from shipmap.map.placenames import country_names
from shipmap.map.style import KIND_STYLE, MODE_COLORS, MODE_DASH, UNIT_ORDER, width_scale
from shipmap.map.templates import TEMPLATES

if TYPE_CHECKING:
    from shipmap.map.content import MapContent
    from shipmap.map.i18n import Language

__all__ = [
    "TABLE_MAX_ROWS",
    "PagePanels",
    "VerbatimGeoJson",
    "add_credit",
    "map_html",
    "script_json",
]

#: The panels' table of figures lists at most this many rows (the largest of each unit).
TABLE_MAX_ROWS = 500


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as escapes so that no text (``</script>``,
    ``<!--``) can end the element, and U+2028/U+2029 so that old parsers agree.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@cache
def _static(name: str) -> str:
    return resources.files("shipmap.map").joinpath("static", name).read_text("utf-8")


@cache
def _static_bytes(name: str) -> bytes:
    return resources.files("shipmap.map").joinpath("static", name).read_bytes()


@cache
def _leaflet_css() -> str:
    css = _static("leaflet.css")

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode(_static_bytes(match.group(1))).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([a-z0-9-]+\.png)\)", inline, css)


class _Verbatim(Element):
    """Rendered text that goes on the page as it is, never parsed as a template."""

    _template = jinja2.Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class _VerbatimMacro(MacroElement):
    """A macro element whose rendered parts are put on the page as they are.

    branca compiles each rendered part of a macro element into a new template
    and renders that again, so text from a data set such as ``{{ 7*7 }}`` would
    be evaluated (and ``{% ... %}`` could run code or break the build). This
    class adds the parts as plain text instead.
    """

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        figure = self.get_root()
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = module.get(part)
            if macro is not None:
                getattr(figure, part).add_child(
                    _Verbatim(str(macro(self, kwargs))), name=self.get_name()
                )
        for element in self._children.values():
            element.render(**kwargs)


class VerbatimGeoJson(folium.GeoJson, _VerbatimMacro):
    """A GeoJSON layer whose data (text from a data set) is never parsed as a template."""


def add_credit(m: folium.Map, name: str, attribution: str) -> None:
    """Credit a source in the map's attribution control: a layer with no features.

    The credit shows however the legs themselves are drawn (SVG or a canvas).
    """
    VerbatimGeoJson(
        {"type": "FeatureCollection", "features": []},
        name=name,
        control=False,
        interactive=False,
        attribution=attribution,
    ).add_to(m)


class PagePanels(_VerbatimMacro):
    """Title, key figures, legend, time control and table of a map."""

    _template = jinja2.Template(
        """
        {% macro html(this, kwargs) %}{{ this.panels_html }}{% endmacro %}
        {% macro script(this, kwargs) %}
        window.shipmap.init({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        bounds: list[list[float]] | None,
        content: MapContent,
        labels: Mapping[str, str],
        lang: Language,
        width_unit: str | None,
        top: float,
        months: pd.DatetimeIndex,
        extent: tuple[float, float, float, float] | None = None,
        corridors: bool = False,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PagePanels"
        self.lang = lang
        self.panels_html = _panels(
            content,
            bounds=bounds,
            labels=labels,
            lang=lang,
            width_unit=width_unit,
            top=top,
            months=months,
            extent=extent,
            corridors=corridors,
        )


def _nice_steps(top: float) -> list[float]:
    """Legend values: the top figure and two rounder, smaller ones."""
    if top <= 0:
        return []
    steps = [top]
    for frac in (0.25, 0.04):
        v = top * frac
        magnitude = 10 ** max(len(str(int(v))) - 1, 0)
        nice = round(v / magnitude) * magnitude
        if nice > 0 and nice not in steps:
            steps.append(float(nice))
    return steps


def _panels(
    content: MapContent,
    *,
    bounds: list[list[float]] | None,
    labels: Mapping[str, str],
    lang: Language,
    width_unit: str | None,
    top: float,
    months: pd.DatetimeIndex,
    extent: tuple[float, float, float, float] | None = None,
    corridors: bool = False,
) -> str:
    config = content.config
    flows = content.flows
    legs = flows.legs
    headlines = flows.headlines

    # Key figures, per unit (the units listed in map.toml's `summary`, in that
    # order, or all of them). Each says what it is: one route's reported figure,
    # the largest of several routes' figures, or a total over routes, offered
    # only where the routes' periods do not overlap (so that no shipment is
    # counted twice).
    chosen = summary_units(config)
    rank = {u: i for i, u in enumerate(chosen or UNIT_ORDER)}
    figures = []
    if not headlines.empty:
        units = [u for u in dict.fromkeys(headlines["unit"]) if not chosen or u in chosen]
        units.sort(key=lambda u: (rank.get(u, len(rank)), u))
        for unit in units:
            rows = headlines[headlines["unit"] == unit].sort_values("quantity", ascending=False)
            figures.append(_key_figure(rows, labels=labels, lang=lang))
    # Chart: reported movements per month.
    chart = None
    if not flows.months.empty and len(months):
        per_month = flows.months.groupby("month")["rows"].sum().reindex(months, fill_value=0)
        peak = max(int(per_month.max()), 1)
        width, height = 300, 54
        bar = width / len(per_month)
        bars = [
            {
                "x": round(i * bar, 2),
                "w": round(max(bar - 1, 0.5), 2),
                "h": round(height * int(n) / peak, 2),
                "title": f"{lang.month(d.date())}: {lang.number(int(n))}",
            }
            for i, (d, n) in enumerate(per_month.items())
        ]
        chart = {
            "width": width,
            "height": height,
            "bars": bars,
            "first": lang.month(months[0].date()),
            "last": lang.month(months[-1].date()),
        }

    # Legend.
    modes = [m for m in MODE_COLORS if m in set(legs["mode"])]
    mode_items = [
        {"label": lang.t("mode." + m), "color": MODE_COLORS[m], "dash": MODE_DASH[m] or ""}
        for m in modes
    ]
    from shipmap.map.schematic import SCHEMATIC_COLOR, SCHEMATIC_DASH, has_schematic

    if has_schematic(legs):
        mode_items.append(
            {"label": lang.t("schematic_legend"), "color": SCHEMATIC_COLOR, "dash": SCHEMATIC_DASH}
        )
    if content.gaps is not None and not content.gaps.empty:
        from shipmap.map.gaps import GAP_COLOR, GAP_DASH

        mode_items.append({"label": lang.t("gap.legend"), "color": GAP_COLOR, "dash": GAP_DASH})
    width_items = [
        {
            "label": lang.quantity(v),
            "unit": lang.unit(width_unit, v) if width_unit else "",
            "width": round(width_scale(v, top), 1),
        }
        for v in _nice_steps(top)
    ]
    kinds = sorted(
        set(content.places["kind"].replace("", "other")),
        key=lambda k: list(KIND_STYLE).index(k) if k in KIND_STYLE else 99,
    )
    kind_items = [
        {
            "label": lang.t("kind." + k),
            "fill": KIND_STYLE.get(k, KIND_STYLE["other"])[0],
            "radius": KIND_STYLE.get(k, KIND_STYLE["other"])[1],
        }
        for k in kinds
    ]

    # The figures as a table, for screen readers and for anyone who prefers one.
    table = []
    table_note = ""
    if not headlines.empty:
        ordered = headlines.assign(_r=headlines["unit"].map(lambda u: rank.get(u, len(rank))))
        if len(ordered) > TABLE_MAX_ROWS:
            # Thousands of routes: the largest figures of each unit, in turn, up to
            # the limit (a page of tens of thousands of rows is no table to read);
            # flows.csv beside the map has every one.
            place = ordered.groupby("unit")["quantity"].rank(method="first", ascending=False)
            ordered = ordered.assign(_place=place).sort_values(["_place", "_r", "unit"])
            ordered = ordered.head(TABLE_MAX_ROWS)
            table_note = lang.t(
                "table_largest",
                shown=lang.number(len(ordered)),
                total=lang.number(len(headlines)),
            )
        for fig in ordered.sort_values(["leg", "_r", "unit"]).itertuples(index=False):
            table.append(
                {
                    "route": labels.get(str(fig.leg), str(fig.leg)),
                    "figure": (
                        f"{lang.quantity(fig.quantity, fig.low, fig.high)} "
                        f"{lang.unit(str(fig.unit), fig.quantity)}"
                    ),
                    "period": lang.period(fig.start.date(), fig.end.date()),
                }
            )

    month_labels = [lang.month(d.date()) for d in months]
    page_config = {
        "months": [{"label": label} for label in month_labels],
        "strings": {
            "play": lang.t("play"),
            "pause": lang.t("pause"),
            "show_all": lang.t("show_all"),
            "status": lang.t("routes") + ": {legs}",
            "movements": lang.plural_forms("movements_by"),
            "basemap": lang.t("basemap"),
        },
        "lang": lang.code,
        "digits_chars": lang.digits("0123456789"),
        "bounds": bounds,
        # The offline basemap's area (the reader cannot pan or zoom out past
        # it, so its edge never shows) and the country names drawn on it.
        "extent": [[extent[1], extent[0]], [extent[3], extent[2]]] if extent else None,
        "names": country_names(extent, lang.code) if extent else [],
    }
    template = TEMPLATES.get_template("panels.html.j2")
    return template.render(
        lang=lang,
        title=config.text("title", lang.code),
        subtitle=config.text("subtitle", lang.code),
        figures=figures,
        chart=chart,
        mode_items=mode_items,
        width_unit=lang.unit(width_unit) if width_unit else None,
        width_items=width_items,
        kind_items=kind_items,
        table=table,
        table_note=table_note,
        months=month_labels,
        corridor_note=lang.t("corridor_legend") if corridors else "",
        config_json=script_json(page_config),
    )


def _disjoint(rows: pd.DataFrame) -> bool:
    """Whether the periods of several figures follow one another without overlapping."""
    spans = sorted(zip(rows["start"], rows["end"], strict=True))
    return all(later[0] > earlier[1] for earlier, later in itertools.pairwise(spans))


def _key_figure(rows: pd.DataFrame, *, labels: Mapping[str, str], lang: Language) -> dict[str, str]:
    """One key figure: a route's figure, or a total where the routes' periods do not overlap."""
    n = len(rows)
    top = rows.iloc[0]
    unit = str(top["unit"])
    if n > 1 and _disjoint(rows):
        quantity = float(rows["quantity"].sum())
        low = rows["low"].fillna(rows["quantity"]).sum() if rows["low"].notna().any() else None
        high = rows["high"].fillna(rows["quantity"]).sum() if rows["high"].notna().any() else None
        return {
            "value": lang.quantity(quantity, low, high),
            "unit": lang.unit(unit, quantity),
            "what": lang.t("total_routes", n=lang.number(n)),
            "period": lang.period(rows["start"].min().date(), rows["end"].max().date()),
            "route": "; ".join(labels.get(str(leg), str(leg)) for leg in rows["leg"]),
        }
    low = None if pd.isna(top["low"]) else float(top["low"])
    high = None if pd.isna(top["high"]) else float(top["high"])
    return {
        "value": lang.quantity(float(top["quantity"]), low, high),
        "unit": lang.unit(unit, float(top["quantity"])),
        "what": lang.t("one_route") if n == 1 else lang.t("largest_route", n=lang.number(n)),
        "period": lang.period(top["start"].date(), top["end"].date()),
        "route": labels.get(str(top["leg"]), str(top["leg"])),
    }


def summary_units(config: Any) -> list[str]:
    """Return the units that map.toml's ``summary`` key lists, or none."""
    value = getattr(config, "extra", {}).get("summary")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return []


def _deterministic_ids(root: Figure) -> None:
    """Replace folium's random element ids with ids numbered in tree order."""
    counter = 0

    def walk(element: Element) -> None:
        nonlocal counter
        element._id = f"{counter:08x}"
        counter += 1
        for child in list(element._children.values()):
            walk(child)

    walk(root)


def map_html(m: folium.Map, *, lang: Language, title: str) -> str:
    """Return the map's self-contained page as a string.

    Leaflet and the page's own script and styles are inlined from installed
    package data; element ids are deterministic, so the same data gives the
    same bytes.
    """
    figure = m.get_root()
    assert isinstance(figure, Figure)
    figure.header.add_child(
        Element('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        name="viewport",
    )
    figure.header.add_child(Element(f"<style>{_leaflet_css()}</style>"), name="leaflet_css")
    figure.header.add_child(Element(f"<style>{_static('shipmap.css')}</style>"), name="shipmap_css")
    figure.header.add_child(Element(f"<script>{_static('leaflet.js')}</script>"), name="leaflet_js")
    figure.header.add_child(Element(f"<script>{_static('shipmap.js')}</script>"), name="shipmap_js")
    _deterministic_ids(figure)
    html: str = figure.render()
    html = html.replace("<html>", f'<html lang="{lang.code}" dir="{lang.dir}">', 1)
    escaped = markupsafe.escape(title)
    return html.replace(
        "<head>", f'<head>\n    <meta charset="utf-8">\n    <title>{escaped}</title>', 1
    )
