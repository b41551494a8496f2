"""The autoescaping templates of the pages shipmap writes (``shipmap/map/static/*.j2``)."""

from __future__ import annotations

import jinja2

__all__ = ["TEMPLATES"]

#: Every template of ``shipmap/map/static``; text put into them is always escaped.
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("shipmap.map", "static"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
