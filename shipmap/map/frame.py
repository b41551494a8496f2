"""Where a map's longitudes run: one unbroken stretch, across the antimeridian if need be.

Sea legs are drawn unbroken from their origin, so a leg from Vladivostok to
Los Angeles runs on past 180° E to about 242° E, where Los Angeles' marker (at
118° W) is not. Before the map is drawn, every place, leg and dark gap is moved
by whole turns (±360°) into one stretch of longitude: the shortest that holds
them all, found as the complement of the widest stretch of the globe that
nothing on the map touches. A map whose content already lies within ±180° with
its gap across the antimeridian is left as it is.

Only the map is moved: the exports keep the coordinates of the build.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import shapely

from shipmap.map.content import MapContent

__all__ = ["frame_longitudes", "longitude_window"]


def longitude_window(spans: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Return the shortest stretch of longitude ``(west, east)`` that holds every span.

    Each span is ``(west, east)`` in degrees with ``east - west`` under 360 (a
    point is a span of width 0); spans may run past ±180. The stretch is given
    with its middle as close to 0° as the turn allows, so it stays inside ±360°.
    Returns None when there is no span, or when the spans cover the whole globe.
    """
    if not spans:
        return None
    starts = np.array([(w + 180.0) % 360.0 - 180.0 for w, _ in spans])
    widths = np.array([max(0.0, e - w) for w, e in spans])
    if float(widths.max()) >= 360.0:
        return None
    order = np.argsort(starts, kind="stable")
    starts, widths = starts[order], widths[order]
    # Sweep twice round the globe; a gap counts only on the second turn, where
    # every span of the first (including one across the seam) has been seen.
    n = len(starts)
    best_gap, best_east_end = -1.0, 0.0
    reach = float(starts[0] + widths[0])
    for k in range(1, 2 * n):
        start = float(starts[k % n]) + (360.0 if k >= n else 0.0)
        if k >= n and start - reach > best_gap:
            best_gap, best_east_end = start - reach, start
        reach = max(reach, start + float(widths[k % n]))
    if best_gap <= 0.0:
        return None
    west = (best_east_end + 180.0) % 360.0 - 180.0
    east = west + 360.0 - best_gap
    middle = (west + east) / 2.0
    turn = 360.0 * math.floor((middle + 180.0) / 360.0)
    return west - turn, east - turn


def _turns(west: np.ndarray, window_west: float) -> np.ndarray:
    """Whole turns (in degrees) that bring each span's west end into the window."""
    return 360.0 * np.ceil((window_west - 1e-9 - west) / 360.0)


def frame_longitudes(content: MapContent) -> MapContent:
    """Move a map's places, legs and gaps by whole turns into one unbroken stretch.

    Returns ``content`` itself when nothing has to move (every map whose
    content lies within ±180° and does not cross the antimeridian).
    """
    places = content.places
    legs = content.flows.legs
    place_x = shapely.get_x(places.geometry.values) if len(places) else np.zeros(0)
    leg_bounds = shapely.bounds(legs.geometry.values) if len(legs) else np.zeros((0, 4))
    spans = [(float(x), float(x)) for x in place_x if math.isfinite(x)]
    spans += [(float(b[0]), float(b[2])) for b in leg_bounds if math.isfinite(b[0])]
    gaps = content.gaps
    if gaps is not None and len(gaps):
        for a, b in zip(gaps["start_lon"], gaps["end_lon"], strict=True):
            d = (float(b) - float(a) + 540.0) % 360.0 - 180.0
            spans.append((float(a), float(a) + d) if d >= 0 else (float(a) + d, float(a)))
    window = longitude_window(spans)
    if window is None:
        return content
    west = window[0]
    place_shift = _turns(place_x, west)
    leg_shift = _turns(leg_bounds[:, 0], west)
    gap_shift = None
    if gaps is not None and len(gaps):
        a = gaps["start_lon"].astype(float).to_numpy()
        b = gaps["end_lon"].astype(float).to_numpy()
        d = (b - a + 540.0) % 360.0 - 180.0
        gap_shift = _turns(np.minimum(a, a + d), west)
    moved = [s for s in (place_shift, leg_shift, gap_shift) if s is not None and s.any()]
    if not moved:
        return content
    new_places = places.copy()
    new_places.geometry = _translated(places.geometry.values, place_shift)
    for column in ("lon",):
        if column in new_places:
            new_places[column] = new_places[column].astype(float) + place_shift
    new_legs = legs.copy()
    new_legs.geometry = _translated(legs.geometry.values, leg_shift)
    new_gaps = gaps
    if gaps is not None and gap_shift is not None:
        new_gaps = gaps.copy()
        for column in ("start_lon", "end_lon"):
            new_gaps[column] = gaps[column].astype(float) + gap_shift
    flows = dataclasses.replace(content.flows, legs=new_legs)
    return dataclasses.replace(content, places=new_places, flows=flows, gaps=new_gaps)


def _translated(geometries: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Each geometry moved east by its own number of degrees."""
    out = np.array(geometries, dtype=object)
    for i in np.flatnonzero(shift):
        out[i] = shapely.transform(
            geometries[i], lambda xy, s=float(shift[i]): xy + np.array([s, 0.0])
        )
    return out
