"""From stops and silences to port calls, voyages and dark gaps.

- A **call** is a stop (see :mod:`shipmap.ais.track`) within ``port_radius_km``
  of a port. Two calls of one ship at the same port are one call when the ship
  was away for less than ``min_stay_h`` (a shift between berths).
- A **voyage** runs from one call of a ship to its next call at another port;
  a ship that leaves and comes back to the same port made no voyage between
  ports (its calls stay in ``calls.csv``).
- A **dark gap** is a silence whose two ends are both farther than
  ``port_radius_km`` from every port: a ship that goes quiet in port is not dark.

The ship is its MMSI. Its name is the one it broadcast at the time: a call
carries the name at its arrival, a gap the name at its start, and a voyage
every name broadcast between departure and arrival (``MARIA;MAIA-1`` when the
ship was renamed at sea).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shipmap.ais.ports import PortIndex
from shipmap.ais.track import Scan, Thresholds

__all__ = ["CALL_COLUMNS", "GAP_COLUMNS", "Events", "Names", "find_events"]

CALL_COLUMNS = (
    "mmsi",
    "vessel",
    "port",
    "port_name",
    "arrival",
    "departure",
    "lat",
    "lon",
    "fixes",
)
GAP_COLUMNS = (
    "mmsi",
    "vessel",
    "start",
    "end",
    "hours",
    "start_lat",
    "start_lon",
    "end_lat",
    "end_lon",
    "km",
)
VOYAGE_COLUMNS = ("mmsi", "vessel", "origin", "destination", "departure", "arrival")


class Names:
    """The names each MMSI broadcast, and when."""

    def __init__(self, rows: Iterable[tuple[int, float | None, str]]) -> None:
        by_ship: dict[int, list[tuple[float, str]]] = {}
        for mmsi, when, name in rows:
            clean = " ".join(str(name).replace("@", " ").split())
            if clean:
                t = float(when) if when is not None and np.isfinite(when) else float("-inf")
                by_ship.setdefault(int(mmsi), []).append((t, clean))
        self._ships = {m: sorted(v) for m, v in by_ship.items()}
        self._times = {m: [t for t, _ in v] for m, v in self._ships.items()}

    def at(self, mmsi: int, when: float) -> str:
        """Return the name broadcast last at or before ``when`` (else the first one after)."""
        names = self._ships.get(int(mmsi))
        if not names:
            return f"MMSI {int(mmsi)}"
        i = bisect.bisect_right(self._times[int(mmsi)], when)
        return names[i - 1][1] if i else names[0][1]

    def during(self, mmsi: int, start: float, end: float) -> list[str]:
        """Return every name in use from ``start`` to ``end``, in the order first used."""
        first = self.at(mmsi, start)
        out = [first]
        names = self._ships.get(int(mmsi), [])
        times = self._times.get(int(mmsi), [])
        lo, hi = bisect.bisect_right(times, start), bisect.bisect_right(times, end)
        for _, name in names[lo:hi]:
            if name not in out:
                out.append(name)
        return out


@dataclass
class Events:
    """Calls, voyages and gaps, and the stops that were near no port."""

    calls: pd.DataFrame
    voyages: pd.DataFrame
    gaps: pd.DataFrame
    lone_stops: pd.DataFrame
    ports: pd.DataFrame


def _merge_calls(calls: pd.DataFrame, min_stay_s: float) -> pd.DataFrame:
    if calls.empty:
        return calls
    calls = calls.sort_values(["mmsi", "arrival"]).reset_index(drop=True)
    same_ship = calls["mmsi"].eq(calls["mmsi"].shift())
    same_port = calls["port"].eq(calls["port"].shift())
    short = (calls["arrival"] - calls["departure"].shift()) < min_stay_s
    group = (~(same_ship & same_port & short)).cumsum()
    merged = calls.groupby(group, sort=False).agg(
        mmsi=("mmsi", "first"),
        port=("port", "first"),
        arrival=("arrival", "min"),
        departure=("departure", "max"),
        lat=("lat", "first"),
        lon=("lon", "first"),
        fixes=("fixes", "sum"),
    )
    return merged.reset_index(drop=True)


def find_events(scan: Scan, names: Names, ports: PortIndex, th: Thresholds) -> Events:
    """Turn a scan's stops and silences into calls, voyages and gaps."""
    stops = pd.DataFrame(scan.table("stops"))
    if stops.empty:
        stops = pd.DataFrame(columns=["mmsi", "arrival", "departure", "lat", "lon", "fixes"])
    at = ports.nearest(
        stops["lat"].to_numpy(float), stops["lon"].to_numpy(float), th.port_radius_km
    )
    stops = stops.reset_index(drop=True)
    found = at["id"].to_numpy() != ""
    lone = stops[~found].reset_index(drop=True)
    calls = stops[found].reset_index(drop=True).assign(port=at["id"].to_numpy()[found])
    port_rows = at[found].drop(columns=["km"]).drop_duplicates("id").reset_index(drop=True)
    calls = _merge_calls(calls, th.min_stay_h * 3600.0)
    port_names = dict(zip(port_rows["id"], port_rows["name"], strict=True))
    calls["vessel"] = [names.at(m, a) for m, a in zip(calls["mmsi"], calls["arrival"], strict=True)]
    calls["port_name"] = calls["port"].map(port_names)
    calls = calls.loc[:, list(CALL_COLUMNS)] if len(calls) else pd.DataFrame(columns=CALL_COLUMNS)

    voyages = []
    for mmsi, ship in calls.groupby("mmsi", sort=True):
        rows = ship.sort_values("arrival").to_dict("records")
        for a, b in itertools.pairwise(rows):
            if a["port"] == b["port"]:
                continue
            voyages.append(
                {
                    "mmsi": int(mmsi),
                    "vessel": ";".join(names.during(int(mmsi), a["departure"], b["arrival"])),
                    "origin": a["port"],
                    "destination": b["port"],
                    "departure": a["departure"],
                    "arrival": b["arrival"],
                }
            )

    silences = pd.DataFrame(scan.table("silences"))
    if silences.empty:
        silences = pd.DataFrame(columns=[c for c in GAP_COLUMNS if c not in ("vessel", "hours")])
    near_a = ports.any_within(silences["start_lat"], silences["start_lon"], th.port_radius_km)
    near_b = ports.any_within(silences["end_lat"], silences["end_lon"], th.port_radius_km)
    gaps = silences[~near_a & ~near_b].reset_index(drop=True)
    gaps["hours"] = (gaps["end"].astype(float) - gaps["start"].astype(float)) / 3600.0
    gaps["vessel"] = [names.at(m, s) for m, s in zip(gaps["mmsi"], gaps["start"], strict=True)]
    gaps = gaps.loc[:, list(GAP_COLUMNS)] if len(gaps) else pd.DataFrame(columns=GAP_COLUMNS)
    return Events(
        calls=calls,
        voyages=pd.DataFrame(voyages, columns=list(VOYAGE_COLUMNS)),
        gaps=gaps,
        lone_stops=lone,
        ports=port_rows,
    )
