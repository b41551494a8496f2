"""What the contract asks of a sea leg: no land beyond the first and last 5 km."""

from __future__ import annotations

import numpy as np
from pyproj import Geod
from shipmap.routes.coastline import land_mask
from shipmap.routes.geodesic import densify_line

GEOD = Geod(ellps="WGS84")


def land_beyond_ends(line, start, end) -> np.ndarray:
    """Return the points (every 250 m) more than 5 km from both ends that are land."""
    coords = np.asarray(densify_line(line, spacing_km=0.25).coords)
    n = len(coords)
    d0 = GEOD.inv(np.full(n, start[0]), np.full(n, start[1]), coords[:, 0], coords[:, 1])[2]
    d1 = GEOD.inv(np.full(n, end[0]), np.full(n, end[1]), coords[:, 0], coords[:, 1])[2]
    inner = (d0 > 5000.0) & (d1 > 5000.0)
    return coords[inner & land_mask().is_land(coords[:, 0], coords[:, 1])]
