"""Tracks: clean fixes, and find stops and silences, one pass over sorted columns.

DuckDB sorts every usable fix by ship and time (out of core when the fixes do
not fit in memory) and hands them over in batches of whole tracks; each batch is
worked on as numpy columns, so no step loops over fixes in Python:

- **duplicates**: a second fix of the same ship at the same second is dropped;
- **jumps**: a fix that implies more than ``max_speed_kn`` both from the fix
  before and to the fix after is dropped (twice over, so a pair of bad fixes
  goes too). Speeds are taken over at least a minute, so the jitter of fixes
  seconds apart is no jump;
- **stops**: a run of fixes slower than ``slow_kn`` (the reported speed over
  ground, or the speed between fixes where none is reported), none farther
  than ``port_radius_km`` from the one before, lasting at least ``min_stay_h``;
- **silences**: two fixes of one ship more than ``gap_h`` apart whose distance
  the ship could have covered at ``max_speed_kn``.

Whether a stop is a port call and a silence a dark gap depends on where the
ports are: see :mod:`shipmap.ais.events`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

__all__ = ["EARTH_KM", "KNOT_KMH", "Scan", "Thresholds", "haversine_km", "scan_tracks"]

EARTH_KM = 6371.0088
KNOT_KMH = 1.852
_MIN_DT = 60.0

Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class Thresholds:
    """The rules that turn fixes into calls, voyages and gaps (see docs/ais.md).

    Parameters
    ----------
    slow_kn
        A ship slower than this is stopped (knots).
    min_stay_h
        A stop this long or longer near a port is a call (hours).
    port_radius_km
        A stop within this distance of a port is at that port (km).
    gap_h
        A ship silent longer than this at sea has a dark gap (hours).
    max_speed_kn
        Faster than this is impossible: a fix implying it is dropped, and a
        silence implying it is no gap (knots).
    """

    slow_kn: float = 0.5
    min_stay_h: float = 2.0
    port_radius_km: float = 10.0
    gap_h: float = 12.0
    max_speed_kn: float = 50.0


@dataclass
class Scan:
    """What a pass over the tracks found.

    ``stops`` and ``silences`` hold plain columns (numpy arrays) ready for
    pandas; ``dropped`` counts the fixes dropped per reason and ``examples``
    names the first of them as ``(src, line, reason)``.
    """

    stops: dict[str, list[np.ndarray]] = field(default_factory=dict)
    silences: dict[str, list[np.ndarray]] = field(default_factory=dict)
    dropped: dict[tuple[int, str], int] = field(default_factory=dict)
    examples: list[tuple[int, int, str]] = field(default_factory=list)
    fixes: int = 0
    vessels: int = 0
    first: float | None = None
    last: float | None = None

    def table(self, which: str) -> dict[str, np.ndarray]:
        """Return ``"stops"`` or ``"silences"`` as one array per column."""
        parts = self.stops if which == "stops" else self.silences
        return {k: np.concatenate(v) if v else np.array([]) for k, v in parts.items()}


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km (spherical; right across the antimeridian)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def _whole_tracks(batches: Iterable[pa.RecordBatch]) -> Iterator[Columns]:
    """Regroup sorted batches so that no ship's track is split between two."""
    carry: Columns | None = None
    for batch in batches:
        cols = {
            name: batch.column(i).to_numpy(zero_copy_only=False)
            for i, name in enumerate(batch.schema.names)
        }
        if carry is not None:
            cols = {k: np.concatenate([carry[k], v]) for k, v in cols.items()}
        mmsi = cols["mmsi"]
        if len(mmsi) == 0:
            continue
        cut = int(np.searchsorted(mmsi, mmsi[-1], side="left"))
        carry = {k: v[cut:] for k, v in cols.items()}
        if cut:
            yield {k: v[:cut] for k, v in cols.items()}
    if carry is not None and len(carry["mmsi"]):
        yield carry


class _Dropper:
    def __init__(self, scan: Scan, examples: int) -> None:
        self.scan = scan
        self.per_reason = examples

    def __call__(self, mask: np.ndarray, cols: Columns, reason: str) -> Columns:
        if not mask.any():
            return cols
        idx = np.flatnonzero(mask)
        for src in np.unique(cols["src"][idx]):
            mine = idx[cols["src"][idx] == src]
            key = (int(src), reason)
            before = self.scan.dropped.get(key, 0)
            self.scan.dropped[key] = before + len(mine)
            room = max(self.per_reason - before, 0)
            self.scan.examples += [(int(src), int(cols["line"][i]), reason) for i in mine[:room]]
        keep = ~mask
        return {k: v[keep] for k, v in cols.items()}


def _append(parts: dict[str, list[np.ndarray]], **columns: np.ndarray) -> None:
    for key, value in columns.items():
        parts.setdefault(key, []).append(value)


def scan_tracks(
    batches: Iterable[pa.RecordBatch],
    thresholds: Thresholds,
    *,
    examples: int = 5,
    progress: Callable[[int], None] | None = None,
) -> Scan:
    """Clean the fixes and find stops and silences.

    Parameters
    ----------
    batches
        Record batches with columns ``mmsi, t, lat, lon, sog, src, line``,
        sorted by ``mmsi, t, src, line`` (``t`` in seconds since 1970, ``sog``
        NaN where not reported).
    thresholds
        The rules (see :class:`Thresholds`).
    examples
        How many dropped fixes per file and reason to name by line.
    progress
        Called with the number of fixes handled so far.
    """
    scan = Scan()
    drop = _Dropper(scan, examples)
    vmax = thresholds.max_speed_kn * KNOT_KMH / 3600.0  # km per second
    done = 0
    for cols in _whole_tracks(batches):
        done += len(cols["mmsi"])
        cols["sog"] = np.asarray(cols["sog"], dtype=float)
        mmsi = cols["mmsi"]
        dup = np.zeros(len(mmsi), bool)
        dup[1:] = (mmsi[1:] == mmsi[:-1]) & (cols["t"][1:] == cols["t"][:-1])
        cols = drop(dup, cols, "duplicate")
        for _ in range(2):
            m, t, lat, lon = cols["mmsi"], cols["t"], cols["lat"], cols["lon"]
            same = m[1:] == m[:-1]
            speed = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:]) / np.maximum(
                t[1:] - t[:-1], _MIN_DT
            )
            fast = same & (speed > vmax)
            has_in = np.concatenate([[False], same])
            has_out = np.concatenate([same, [False]])
            fast_in = np.concatenate([[False], fast])
            fast_out = np.concatenate([fast, [False]])
            jump = (has_in | has_out) & (fast_in | ~has_in) & (fast_out | ~has_out)
            if not jump.any():
                break
            cols = drop(jump, cols, "impossible speed")
        _stops_and_silences(scan, cols, thresholds, vmax)
        if progress is not None:
            progress(done)
    return scan


def _stops_and_silences(scan: Scan, cols: Columns, th: Thresholds, vmax: float) -> None:
    m, t, lat, lon, sog = cols["mmsi"], cols["t"], cols["lat"], cols["lon"], cols["sog"]
    n = len(m)
    if n == 0:
        return
    scan.fixes += n
    scan.vessels += int(1 + np.count_nonzero(m[1:] != m[:-1]))
    lo_t, hi_t = float(t.min()), float(t.max())
    scan.first = lo_t if scan.first is None else min(scan.first, lo_t)
    scan.last = hi_t if scan.last is None else max(scan.last, hi_t)

    same = np.concatenate([[False], m[1:] == m[:-1]])
    d_prev = np.concatenate([[np.inf], haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])])
    dt_prev = np.concatenate([[np.inf], (t[1:] - t[:-1]).astype(float)])
    d_prev[~same] = np.inf
    dt_prev[~same] = np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        moved_kn = d_prev / np.maximum(dt_prev, _MIN_DT) * 3600.0 / KNOT_KMH
    speed = np.where(np.isnan(sog), moved_kn, sog)
    slow = speed < th.slow_kn
    prev_slow = np.concatenate([[False], slow[:-1]])
    starts = ~(slow & prev_slow & same & (d_prev <= th.port_radius_km))
    run = np.cumsum(starts)

    sl = np.flatnonzero(slow)
    if len(sl):
        r = run[sl]
        bounds = np.flatnonzero(np.concatenate([[True], r[1:] != r[:-1]]))
        times = t[sl]
        arrival = times[bounds]
        departure = np.maximum.reduceat(times, bounds)
        la, lo = np.radians(lat[sl]), np.radians(lon[sl])
        x = np.add.reduceat(np.cos(la) * np.cos(lo), bounds)
        y = np.add.reduceat(np.cos(la) * np.sin(lo), bounds)
        z = np.add.reduceat(np.sin(la), bounds)
        count = np.diff(np.append(bounds, len(sl)))
        keep = (departure - arrival) >= th.min_stay_h * 3600.0
        _append(
            scan.stops,
            mmsi=m[sl][bounds][keep],
            arrival=arrival[keep].astype(float),
            departure=departure[keep].astype(float),
            lat=np.degrees(np.arctan2(z, np.hypot(x, y)))[keep],
            lon=np.degrees(np.arctan2(y, x))[keep],
            fixes=count[keep],
        )

    with np.errstate(divide="ignore", invalid="ignore"):
        quiet = same & (dt_prev > th.gap_h * 3600.0) & (d_prev / dt_prev <= vmax)
    i = np.flatnonzero(quiet)
    if len(i):
        _append(
            scan.silences,
            mmsi=m[i],
            start=t[i - 1].astype(float),
            end=t[i].astype(float),
            start_lat=lat[i - 1],
            start_lon=lon[i - 1],
            end_lat=lat[i],
            end_lon=lon[i],
            km=d_prev[i],
        )
