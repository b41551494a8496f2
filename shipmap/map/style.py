"""The map's look: colours and dashes by mode, markers by kind, widths by figure.

Shared by the map (:mod:`shipmap.map.render`) and its legend
(:mod:`shipmap.map.page`), so both draw from one table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = [
    "KIND_STYLE",
    "MODE_COLORS",
    "MODE_DASH",
    "NO_FIGURE_WIDTH",
    "UNIT_ORDER",
    "width_scale",
]

#: Line colours by mode (Okabe–Ito palette, safe for colour-blind readers).
MODE_COLORS: Mapping[str, str] = {
    "sea": "#0072B2",
    "rail": "#D55E00",
    "road": "#009E73",
    "air": "#CC79A7",
}
MODE_DASH: Mapping[str, str | None] = {"sea": None, "rail": "10 5", "road": "2 6", "air": "1 8"}

#: Marker fill and radius by place kind.
KIND_STYLE: Mapping[str, tuple[str, int]] = {
    "port": ("#56B4E9", 7),
    "rail_station": ("#E69F00", 6),
    "border_crossing": ("#F0E442", 7),
    "depot": ("#000000", 7),
    "city": ("#FFFFFF", 5),
    "front": ("#CC0000", 8),
    "airport": ("#CC79A7", 6),
    "other": ("#999999", 5),
}

#: The contract's units in the order a reader expects them.
UNIT_ORDER = (
    "shipments",
    "containers",
    "munitions",
    "missiles",
    "launchers",
    "tonnes",
    "troops",
    "casualties",
)

MIN_WIDTH = 2.0
MAX_WIDTH = 14.0
NO_FIGURE_WIDTH = 1.5


def width_scale(value: float, top: float) -> float:
    """Line width in pixels for a figure, on a square-root scale.

    A square root keeps the smallest legs readable next to the largest: a leg
    with a quarter of the top figure is drawn at half its extra width.
    """
    if not top or not math.isfinite(value) or value <= 0:
        return MIN_WIDTH
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * math.sqrt(min(value / top, 1.0))
