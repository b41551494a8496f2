"""A synthetic fleet whose calls, voyages and dark gaps are known by construction.

Each ship follows a plan: stay at a port (fixes every 10 minutes, speed ~0,
a few metres of jitter), sail to the next port (straight in latitude and
longitude, across the antimeridian the short way), perhaps silent for some hours
at sea. A call lasts from the first to the last fix of a stay; a gap from the
last fix before a silence to the first fix after it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

STEP = timedelta(minutes=10)
T0 = datetime(2024, 3, 1)

PORTS: dict[str, tuple[float, float]] = {
    "rajin": (42.2434, 130.3000),
    "vostochny": (42.7500, 133.0700),
    "dunai": (42.8870, 132.3380),
    "petropavlovsk": (53.0100, 158.6500),
    "adak": (51.8600, -176.6400),
    "dutch-harbor": (53.8900, -166.5400),
}


@dataclass
class Ship:
    mmsi: int
    names: list[tuple[datetime, str]]
    start: datetime
    #: ("stay", port, hours) or ("sail", next port, hours)
    plan: list[tuple[str, str, float]]
    #: (index of a sail in plan, hours after leaving, hours silent)
    silences: list[tuple[int, float, float]] = field(default_factory=list)


@dataclass
class Fleet:
    fixes: pd.DataFrame  # mmsi, time (datetime), lat, lon, sog, name
    calls: list[tuple[int, str, datetime, datetime]]
    voyages: list[tuple[int, str, str, datetime, datetime]]
    gaps: list[tuple[int, datetime, datetime]]


def fleet_ships() -> list[Ship]:
    """Three ships: one with a dark gap, one renamed mid-track, one across 180°."""
    return [
        Ship(
            273000001,
            [(T0, "ANGARA")],
            T0,
            [
                ("stay", "rajin", 30),
                ("sail", "vostochny", 20),
                ("stay", "vostochny", 40),
                ("sail", "rajin", 22),
                ("stay", "rajin", 12),
            ],
            silences=[(3, 6.0, 14.0)],
        ),
        Ship(
            273000002,
            [(T0, "MARIA"), (T0 + timedelta(days=4, hours=1), "MAIA-1")],
            T0 + timedelta(hours=5),
            [
                ("stay", "rajin", 10),
                ("sail", "dunai", 18),
                ("stay", "dunai", 50),
                ("sail", "rajin", 18),
                ("stay", "rajin", 8),
                ("sail", "vostochny", 21),
                ("stay", "vostochny", 6),
            ],
        ),
        Ship(
            273000003,
            [(T0, "LADY R")],
            T0,
            [
                ("stay", "petropavlovsk", 24),
                ("sail", "adak", 60),
                ("stay", "adak", 24),
                ("sail", "dutch-harbor", 40),
                ("stay", "dutch-harbor", 5),
            ],
            silences=[(1, 44.0, 14.0)],
        ),
    ]


def _between(a: tuple[float, float], b: tuple[float, float], f: float) -> tuple[float, float]:
    lat = a[0] + (b[0] - a[0]) * f
    dlon = (b[1] - a[1] + 540) % 360 - 180
    return lat, (a[1] + dlon * f + 540) % 360 - 180


def make_fleet(ships: list[Ship] | None = None, seed: int = 7) -> Fleet:
    """Generate the fixes of the ships and what a reader of them should find."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[int, datetime, float, float, float]] = []
    calls: list[tuple[int, str, datetime, datetime]] = []
    gaps: list[tuple[int, datetime, datetime]] = []
    for ship in ships or fleet_ships():
        t = ship.start
        here = PORTS[ship.plan[0][1]]
        for i, (what, port, hours) in enumerate(ship.plan):
            steps = round(hours * 6)
            if what == "stay":
                here = PORTS[port]
                times = [t + STEP * k for k in range(steps + 1)]
                for when in times:
                    rows.append(
                        (
                            ship.mmsi,
                            when,
                            here[0] + rng.normal(0, 2e-4),
                            here[1] + rng.normal(0, 2e-4),
                            round(abs(rng.normal(0, 0.05)), 1),
                        )
                    )
                calls.append((ship.mmsi, port, times[0], times[-1]))
                t = times[-1]
                continue
            there = PORTS[port]
            quiet = [(s0, s0 + d) for j, s0, d in ship.silences if j == i]
            kept = []
            for k in range(1, steps):
                if any(s0 < k / 6 < s1 for s0, s1 in quiet):
                    continue
                kept.append((t + STEP * k, *_between(here, there, k / steps)))
            for s0, s1 in quiet:
                before = max(w for w, _, _ in kept if (w - t) <= timedelta(hours=s0))
                after = min(w for w, _, _ in kept if (w - t) >= timedelta(hours=s1))
                gaps.append((ship.mmsi, before, after))
            rows += [(ship.mmsi, w, la, lo, 12.0) for w, la, lo in kept]
            t = t + STEP * steps
            here = there
    fixes = pd.DataFrame(rows, columns=["mmsi", "time", "lat", "lon", "sog"])
    fixes["name"] = ""
    for ship in ships or fleet_ships():
        for since, name in ship.names:
            fixes.loc[(fixes["mmsi"] == ship.mmsi) & (fixes["time"] >= since), "name"] = name
    voyages = []
    by_ship: dict[int, list[tuple[int, str, datetime, datetime]]] = {}
    for c in calls:
        by_ship.setdefault(c[0], []).append(c)
    for mmsi, mine in by_ship.items():
        for a, b in itertools.pairwise(mine):
            if a[1] != b[1]:
                voyages.append((mmsi, a[1], b[1], a[3], b[2]))
    return Fleet(fixes=fixes, calls=calls, voyages=voyages, gaps=gaps)


def iso(when: datetime) -> str:
    """ISO 8601 UTC as shipmap writes it."""
    return when.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ports_csv() -> str:
    """places.csv of a data set holding the fleet's ports."""
    lines = ["id,name,lat,lon,kind"]
    lines += [f"{pid},{pid.title()},{lat},{lon},port" for pid, (lat, lon) in PORTS.items()]
    return "\n".join(lines) + "\n"
