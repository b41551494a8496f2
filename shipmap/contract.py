"""The data contract's vocabulary, written once.

Every module that reads, checks or draws a data set takes these names from here:
the modes of a leg, the kinds of a place, the bases of a figure, the patterns of
ids, units and language codes, and how a list cell is split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BASES",
    "ID_PATTERN",
    "KINDS",
    "LANGUAGE",
    "LEGS",
    "LINE",
    "MODES",
    "PLACES",
    "SHIPMENTS",
    "SOURCES",
    "UNIT",
    "Columns",
    "split_list",
]

#: How a leg travels.
MODES = ("sea", "rail", "road", "air")
#: What a place is.
KINDS = ("port", "rail_station", "border_crossing", "depot", "city", "front", "airport", "other")
#: Whether a shipment row is one dated movement or a reported total.
BASES = ("event", "total")
#: An id of a place, leg, shipment or source (as a regular expression's text).
ID_PATTERN = r"[a-z0-9][a-z0-9_-]*"
#: A two-letter language code (``name:fa``, ``[title] en = ...``).
LANGUAGE = re.compile(r"[a-z]{2}")
#: A unit name (``containers``, ``troops``).
UNIT = re.compile(r"[a-z][a-z0-9_]*")
#: The column that carries a row's line in its CSV file (header = 1).
LINE = "_line"


def split_list(cell: object) -> list[str]:
    """Split a ``;``-separated list cell (``aliases``, ``via``, ``source``, ``vessel``).

    Items are stripped and empty items dropped, so ``"a; b;;"`` is ``["a", "b"]``.
    """
    return [item.strip() for item in str(cell).split(";") if item.strip()]


@dataclass(frozen=True)
class Columns:
    """The columns of one CSV file of the contract."""

    file: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    prefixes: tuple[str, ...] = ()  # language-tagged columns, e.g. ``name:`` -> ``name:fa``

    @property
    def known(self) -> tuple[str, ...]:
        """Every column the contract names, required first."""
        return self.required + self.optional


PLACES = Columns(
    "places.csv",
    ("id", "name"),
    ("lat", "lon", "country", "kind", "aliases", "source", "note"),
    ("name",),
)
LEGS = Columns(
    "legs.csv",
    ("id", "origin", "destination", "mode"),
    ("via", "label", "source", "note"),
    ("label",),
)
SHIPMENTS = Columns(
    "shipments.csv",
    ("leg", "start", "quantity", "unit"),
    ("end", "low", "high", "basis", "cargo", "vessel", "source", "id", "note"),
)
SOURCES = Columns("sources.csv", ("id", "publisher"), ("title", "date", "url", "note"))
