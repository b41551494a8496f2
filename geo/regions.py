"""First-level subdivisions (provinces, states, regions) by name, from ISO 3166-2.

A name that is also a province's ("Jiangxi", "Quebec", "Rio Grande do Sul")
may mean the province rather than a town that carries it. The geocoder uses
:func:`regions_named` to refuse such a name when the town it would pin could
not be that province's seat (see ``_refuse_region_namesake`` in
``geo/geocode.py``).

The names come from the installed ``pycountry`` package (its copy of the
Debian iso-codes ISO 3166-2 list, LGPL-2.1), read once and kept in memory.
Names are matched by :func:`shipmap.geo.normalize.fold` key after the generic
words a list adds ("Sheng", "oblast'", "Province", "Comunidad de") are taken
off, so "Jiangxi Sheng" is found as "Jiangxi" and "Madrid, Comunidad de" as
"Madrid".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .normalize import fold

# Words ISO 3166-2 lists put around a subdivision's own name (several languages).
_GENERIC = re.compile(
    r"\b(sheng|shi|zizhiqu|zhuangzu|huizu|weiwu'?er|tebie xingzhengqu|"
    r"oblast'?|kray|krai|respublika|avtonomnyy okrug|avtonomnaya|"
    r"province|provincia|prov[ií]ncia|region|región|região|state|estado|"
    r"territory|department|departamento|département|district|governorate|"
    r"comunidad de|comunidad foral de|principado de|region de|región de|"
    r"autonomous|municipality|county|ken|to|fu|do)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Region:
    """A first-level subdivision: its ISO 3166-2 code, name as listed, and type."""

    code: str
    name: str
    type: str

    @property
    def country(self) -> str:
        """The ISO 3166-1 alpha-2 code of the country the subdivision is in."""
        return self.code.split("-", 1)[0]

    def label(self) -> str:
        """Return the subdivision as a refusal lists it: "Jiangxi Sheng (CN, province)"."""
        return f"{self.name} ({self.country}, {self.type.lower()})"


def _keys(name: str) -> set[str]:
    """Comparison keys of a listed subdivision name: as listed and without generic words."""
    out = {fold(name)}
    head = name.split(",", 1)[0]  # "Asturias, Principado de"
    head = re.sub(r"\([^)]*\)", " ", head)  # "Ilocos (Region I)"
    for part in (head, *head.split(" - "), *head.split("/")):
        bare = _GENERIC.sub(" ", part)
        key = fold(bare)
        if len(key) >= 4:
            out.add(key)
    out.discard("")
    return out


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, tuple[Region, ...]]:
    import pycountry  # a declared dependency: a missing one is an install error, not a quiet rule

    table: dict[str, list[Region]] = {}
    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None):
            continue  # first level only
        region = Region(code=sub.code, name=sub.name, type=sub.type)
        for key in _keys(sub.name):
            table.setdefault(key, []).append(region)
    return {k: tuple(v) for k, v in table.items()}


def regions_named(name: str, country: str | None = None) -> tuple[Region, ...]:
    """Return the first-level subdivisions that carry ``name``, in ``country`` if given.

    >>> [r.code for r in regions_named("Jiangxi")]
    ['CN-JX']
    >>> regions_named("Jiangxi", "FR")
    ()
    """
    found = _table().get(fold(name), ())
    if country:
        found = tuple(r for r in found if r.country == country.upper())
    return found
