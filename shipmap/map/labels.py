"""Place labels: the zoom from which each label fits beside its marker.

Labels are placed greedily, most important place first (the most legs, then
ports, fronts and depots), at the smallest zoom where the label's box overlaps
no label or marker placed before it. Each zoom keeps a grid of the boxes
placed there, so a label is checked only against its neighbours: the work grows
with the number of places, not with its square, and the projection and the
order of importance are worked out once for every language of a map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["LABEL_ZOOMS", "LabelPoints", "place_labels"]

#: Zooms at which labels are placed.
LABEL_ZOOMS = range(2, 13)
#: Side of a grid cell, in pixels.
_CELL = 256.0

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class LabelPoints:
    """Places in Web Mercator (fractions of the world, x east, y south) and their importance."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    importance: tuple[float, ...]

    @classmethod
    def of(cls, points: Sequence[shapely.Point], importance: Sequence[float]) -> LabelPoints:
        """Project points (lon, lat) for label placement."""
        geoms = np.asarray(list(points), dtype=object)
        lon = np.radians(shapely.get_x(geoms).astype(float)) if len(geoms) else np.zeros(0)
        lat = (
            np.radians(np.clip(shapely.get_y(geoms).astype(float), -85, 85))
            if len(geoms)
            else np.zeros(0)
        )
        x0 = (lon + math.pi) / (2 * math.pi)
        y0 = (1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / math.pi) / 2
        return cls(tuple(x0.tolist()), tuple(y0.tolist()), tuple(float(v) for v in importance))


def place_labels(
    points: LabelPoints, labels: Sequence[str], *, rtl: bool = False
) -> list[int | None]:
    """Return, for each place, the smallest zoom at which its label fits (None: never).

    A label sits beside its marker, to the right (to the left in right-to-left
    languages); its width is estimated from its length.
    """
    xs, ys, importance = points.x, points.y, points.importance

    def label_box(x: float, y: float, text: str) -> Box:
        width = 10 + 7.5 * len(text)
        return (x - width, y - 9, x - 6, y + 9) if rtl else (x + 6, y - 9, x + width, y + 9)

    def cells(box: Box) -> list[tuple[int, int]]:
        c0, c1 = int(box[0] // _CELL), int(box[2] // _CELL)
        r0, r1 = int(box[1] // _CELL), int(box[3] // _CELL)
        return [(c, r) for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)]

    # Per zoom, the label and marker boxes of the labels shown there, by grid cell.
    grids: dict[int, dict[tuple[int, int], list[Box]]] = {z: {} for z in LABEL_ZOOMS}
    order = sorted(range(len(labels)), key=lambda i: (-importance[i], labels[i]))
    zooms: list[int | None] = [None] * len(labels)
    for i in order:
        for z in LABEL_ZOOMS:
            size = 256 * 2**z
            box = label_box(xs[i] * size, ys[i] * size, labels[i])
            grid = grids[z]
            if not any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                for cell in cells(box)
                for b in grid.get(cell, ())
            ):
                zooms[i] = z
                break
        placed = zooms[i]
        if placed is None:
            continue
        for z in range(placed, LABEL_ZOOMS.stop):  # shown from its zoom on
            size = 256 * 2**z
            x, y = xs[i] * size, ys[i] * size
            for b in (label_box(x, y, labels[i]), (x - 8, y - 8, x + 8, y + 8)):
                for cell in cells(b):
                    grids[z].setdefault(cell, []).append(b)
    return zooms
