"""What goes on a map: the content of every language's map, and the work they share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    from shipmap.config import MapConfig
    from shipmap.map.labels import LabelPoints
    from shipmap.routes.flows import Flows

__all__ = ["MapContent", "SharedWork"]


@dataclass(frozen=True)
class MapContent:
    """Everything that goes on a map, shared by all of its languages."""

    places: gpd.GeoDataFrame
    flows: Flows
    sources: pd.DataFrame
    config: MapConfig
    #: Dark gaps from ``gaps.csv`` (see :func:`shipmap.map.gaps.read_gaps`), if any.
    gaps: pd.DataFrame | None = None


@dataclass(frozen=True)
class SharedWork:
    """What a map needs that does not depend on its language, worked out once.

    ``months`` are the months with reported movements; ``details`` a leg's popup
    details (vessels, latest movements, sources); ``leg_figures`` a leg's
    headline rows in reading order, its movements per month (as month indexes)
    and the month of its first figure; ``label_points`` the places (by id)
    projected for label placement, with their importance.
    """

    months: pd.DatetimeIndex
    details: Mapping[str, dict[str, Any]]
    leg_figures: Mapping[str, tuple[list[Any], list[list[int]], int | None]]
    label_points: LabelPoints
