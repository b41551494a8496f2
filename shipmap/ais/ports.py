"""The ports a stop can be a call at, and the nearest one to a point.

Ports are looked up in layers, and a nearer layer wins within the radius even
when a farther layer has a closer point:

1. the data set's own places of kind ``port`` (an analyst's berth beats any list);
2. the gazetteer's ports: its curated places of kind ``port`` and the ports of
   its world index (searoute's list checked against GeoNames, GeoNames' harbours),
   so that a first run on a new sea finds the ports without any set-up.

A stop near none of them is not a call; it is reported with its position, so
the analyst can add the port to ``places.csv`` and run again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from shipmap.ais.track import EARTH_KM

__all__ = ["PORT_COLUMNS", "PortIndex", "port_layers", "slug"]

#: Columns of a ports frame.
PORT_COLUMNS = ("id", "name", "lat", "lon", "country", "origin", "note")


def slug(text: str) -> str:
    """Turn a name into an id of the contract (``[a-z0-9][a-z0-9_-]*``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return out or "port"


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


@dataclass
class PortIndex:
    """Ports in layers, searchable for the nearest one within a radius."""

    layers: list[pd.DataFrame]

    def __post_init__(self) -> None:
        self._trees = [
            cKDTree(_unit(layer["lat"].to_numpy(float), layer["lon"].to_numpy(float)))
            if len(layer)
            else None
            for layer in self.layers
        ]

    def nearest(
        self, lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray, radius_km: float
    ) -> pd.DataFrame:
        """Return, for each point, the port it is at (or empty values where none).

        The frame has the port columns and ``km``, the distance to the port.
        """
        lat_a = np.asarray(lat, dtype=float)
        lon_a = np.asarray(lon, dtype=float)
        out = pd.DataFrame({c: pd.Series([""] * len(lat_a), dtype=object) for c in PORT_COLUMNS})
        out["lat"] = np.nan
        out["lon"] = np.nan
        out["km"] = np.nan
        if len(lat_a) == 0:
            return out
        todo = np.ones(len(lat_a), bool)
        points = _unit(lat_a, lon_a)
        for layer, tree in zip(self.layers, self._trees, strict=True):
            if tree is None or not todo.any():
                continue
            idx = np.flatnonzero(todo)
            chord, hit = tree.query(points[idx])
            km = 2 * EARTH_KM * np.arcsin(np.clip(np.asarray(chord) / 2, 0.0, 1.0))
            ok = km <= radius_km
            for col in PORT_COLUMNS:
                out.loc[idx[ok], col] = layer[col].to_numpy()[np.asarray(hit)[ok]]
            out.loc[idx[ok], "km"] = km[ok]
            todo[idx[ok]] = False
        return out

    def any_within(
        self, lat: Sequence[float] | np.ndarray, lon: Sequence[float] | np.ndarray, radius_km: float
    ) -> np.ndarray:
        """Tell, for each point, whether any port of any layer is within the radius."""
        return np.asarray(self.nearest(lat, lon, radius_km)["id"] != "")


def port_layers(
    places: pd.DataFrame | None,
    *,
    gazetteer_ports: pd.DataFrame | None = None,
) -> PortIndex:
    """Assemble the port layers.

    Parameters
    ----------
    places
        The data set's located places (``id, name, lat, lon, kind``...), or None.
    gazetteer_ports
        The gazetteer's ports, in the port columns.
    """
    layers = []
    if places is not None and len(places):
        ports = places[places["kind"].astype(str) == "port"]
        ports = ports[
            np.isfinite(ports["lat"].astype(float)) & np.isfinite(ports["lon"].astype(float))
        ]
        layers.append(
            pd.DataFrame(
                {
                    "id": ports["id"].astype(str).to_numpy(),
                    "name": ports["name"].astype(str).to_numpy(),
                    "lat": ports["lat"].astype(float).to_numpy(),
                    "lon": ports["lon"].astype(float).to_numpy(),
                    "country": ports.get("country", pd.Series([""] * len(ports)))
                    .astype(str)
                    .to_numpy(),
                    "origin": "data set",
                    "note": "",
                }
            )
        )
    if gazetteer_ports is not None and len(gazetteer_ports):
        layers.append(gazetteer_ports.loc[:, list(PORT_COLUMNS)])
    return PortIndex(layers)
