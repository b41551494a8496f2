"""The map's language: interface strings, numbers, dates and direction.

Strings live in ``shipmap/map/strings/<lang>.toml``; numbers and dates follow CLDR
through Babel, written in the locale's own digits (Persian: ۰۱۲۳۴۵۶۷۸۹). Adding a
language means adding a strings file, not code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

__all__ = ["Language", "available_languages", "language", "plural_categories"]

#: CLDR plural categories, in the order forms are listed (``["drone", "drones"]``).
_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


def plural_categories(code: str) -> tuple[str, ...]:
    """Return the CLDR plural categories of a language, in CLDR order, ``other`` last.

    English has ``("one", "other")``, Russian ``("one", "few", "many", "other")``,
    Korean ``("other",)``: a unit named with a list gives one form per category.
    """
    try:
        tags = Locale.parse(code).plural_form.tags
    except (UnknownLocaleError, ValueError):
        tags = frozenset({"one"})
    return tuple(c for c in _CATEGORIES if c in tags or c == "other")


#: Digits of the CLDR numbering systems that locales default to.
_DIGITS = {
    "latn": "0123456789",
    "arab": "٠١٢٣٤٥٦٧٨٩",
    "arabext": "۰۱۲۳۴۵۶۷۸۹",
    "deva": "०१२३४५६७८९",
    "beng": "০১২৩৪৫৬৭৮৯",
    "mymr": "၀၁၂၃၄၅၆၇၈၉",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
}


@cache
def _strings(lang: str) -> dict[str, Any]:
    try:
        text = resources.files("shipmap.map").joinpath("strings", f"{lang}.toml").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return tomllib.loads(text)


def available_languages() -> list[str]:
    """Return the codes of the languages that have interface strings."""
    folder = resources.files("shipmap.map").joinpath("strings")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


@dataclass(frozen=True)
class Language:
    """Everything language-dependent that the map needs, for one language."""

    code: str
    locale: Locale
    strings: dict[str, Any] = field(repr=False)
    #: A data set's own unit names (map.toml ``[units]``): unit -> category -> text.
    units: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False, compare=False)

    def with_units(self, units: Mapping[str, Mapping[str, Mapping[str, str]]]) -> Language:
        """Return this language with a data set's unit names (``map.toml``'s ``[units]``)."""
        mine = {u: forms[self.code] for u, forms in units.items() if self.code in forms}
        return dataclasses.replace(self, units=mine)

    def plural_forms(self, key: str) -> dict[str, str]:
        """Return the forms of a string by CLDR plural category (``{"one": ..., "other": ...}``).

        A strings file gives a plain string (the same for every count) or a table
        by category; missing categories take ``other``.
        """
        node = self.strings.get(key)
        if node is None:
            node = _strings("en").get(key)
        if isinstance(node, dict):
            other = str(node.get("other") or next(iter(node.values()), key))
            return {c: str(node.get(c) or other) for c in plural_categories(self.code)}
        text = str(node) if node is not None else key
        return {c: text for c in plural_categories(self.code)}

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return self.locale.character_order == "right-to-left"

    @property
    def dir(self) -> str:
        """The HTML ``dir`` attribute value."""
        return "rtl" if self.rtl else "ltr"

    def t(self, key: str, /, **values: str) -> str:
        """Return the interface string ``key`` (``"mode.sea"`` for tables)."""
        node: Any = self.strings
        fallback: Any = _strings("en")
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
            fallback = fallback.get(part) if isinstance(fallback, dict) else None
        text = node if isinstance(node, str) else fallback
        if not isinstance(text, str):
            text = key.rsplit(".", 1)[-1].replace("_", " ")
        return text.format(**values) if values else text

    def unit(self, unit: str, value: float | None = None) -> str:
        """Return the display name of a unit (the unit itself when unknown).

        With a ``value``, the CLDR plural category of the language picks a form
        from the ``unit_<category>`` table where the strings file has one
        (``1 shipment``, ``2 shipments``).
        """
        category = (
            self.locale.plural_form(abs(value))
            if value is not None and math.isfinite(value)
            else "other"
        )
        own = self.units.get(unit)
        if own:
            return own.get(category) or own.get("other") or unit
        if value is not None and math.isfinite(value):
            form = self.strings.get(f"unit_{category}", {}).get(unit)
            if isinstance(form, str):
                return form
        known = self.strings.get("unit", {}).get(unit) or _strings("en").get("unit", {}).get(unit)
        return str(known) if known else unit

    def digits(self, text: str) -> str:
        """Write Latin digits in the locale's own digits."""
        system = self.locale.default_numbering_system or "latn"
        digits = _DIGITS.get(system, _DIGITS["latn"])
        return text.translate(str.maketrans(_DIGITS["latn"], digits)) if system != "latn" else text

    def number(self, value: float, *, decimals: int = 0) -> str:
        """Format a number with the locale's separators and digits."""
        pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
        text = format_decimal(value, format=pattern, locale=self.locale, numbering_system="default")
        return self.digits(text)

    def quantity(self, value: float, low: float | None = None, high: float | None = None) -> str:
        """Format a figure with its range: ``4.2–5.8 million``, ``about 11,000``.

        Values of a million and more are written in millions with one decimal,
        so that ranges read at a glance.
        """
        has_range = (
            low is not None
            and high is not None
            and not (math.isnan(low) or math.isnan(high))
            and (low != value or high != value)
        )
        top = max(value, high) if has_range and high is not None else value
        if top >= 1_000_000:
            scale = 1_000_000.0

            def fmt(v: float) -> str:
                return self.number(v / scale, decimals=1)

        else:

            def fmt(v: float) -> str:
                return self.number(v, decimals=0 if float(v).is_integer() else 1)

        if has_range and low is not None and high is not None:
            text = self.t("range", low=fmt(low), high=fmt(high))
        else:
            text = fmt(value)
        return self.t("million", n=text) if top >= 1_000_000 else text

    def month(self, day: dt.date) -> str:
        """Format a month: ``Aug 2023``."""
        return self.digits(format_date(day, "MMM y", locale=self.locale))

    def date(self, day: dt.date) -> str:
        """Format a day: ``12 Mar 2024``."""
        return self.digits(format_date(day, "d MMM y", locale=self.locale))

    def period(self, start: dt.date, end: dt.date) -> str:
        """Format a period: a day, a month, or ``Aug 2023 – Mar 2025``."""
        if start == end:
            return self.date(start)
        month_start = start.day == 1
        month_end = (end + dt.timedelta(days=1)).day == 1
        if month_start and month_end:
            if (start.year, start.month) == (end.year, end.month):
                return self.month(start)
            return f"{self.month(start)} – {self.month(end)}"
        return f"{self.date(start)} – {self.date(end)}"


@cache
def language(code: str) -> Language:
    """Return the :class:`Language` for an ISO 639-1 code.

    Unknown codes fall back to English conventions with the code's own strings
    where a strings file exists.
    """
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en")
    return Language(code=code, locale=locale, strings=_strings(code) or _strings("en"))
