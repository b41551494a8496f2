"""Corridor tables: legs sharing a stretch share its edges; figures summed per edge."""

from __future__ import annotations

import numpy as np
import shapely
from varints import read_varints, unzigzag

from shipmap.map.corridors import CELL_PX, CORRIDOR_BANDS, corridor_tables


def _decode(band: dict) -> tuple[np.ndarray, np.ndarray, list[set[int]]]:
    """Node positions (units), edges (node pairs) and each leg's set of edges."""
    nodes = np.cumsum(unzigzag(read_varints(band["xy"])).reshape(-1, 2), axis=0) * band["grain"]
    ab = unzigzag(read_varints(band["ab"])).reshape(-1, 2)
    a = np.cumsum(ab[:, 0])
    edges = np.column_stack([a, a + ab[:, 1]])
    gaps, legs, at = read_varints(band["e"]), [], 0
    for n in band["n"]:
        legs.append(set(np.cumsum(gaps[at : at + n]).tolist()))
        at += n
    return nodes, edges, legs


def test_legs_along_the_same_stretch_share_its_edges_either_way_round():
    east = shapely.LineString([(0, 0), (30, 0)])
    longer = shapely.LineString([(0, 0), (60, 0)])
    back = shapely.LineString([(20, 0), (0, 0)])
    north = shapely.LineString([(0, 40), (30, 40)])
    tables = corridor_tables([east, longer, back, north], [0, 0, 0, 0], np.array([1, 2, 4, np.nan]))
    assert [b["zoom"] for b in tables["bands"]] == list(CORRIDOR_BANDS)
    for band in tables["bands"]:
        nodes, edges, legs = _decode(band)
        assert band["edges"] == len(edges)
        # The stretch 0–20° is passed by the first three legs; 30–60° by the second alone.
        assert legs[2] <= legs[0] <= legs[1]
        assert legs[2] and not legs[3] & (legs[0] | legs[1] | legs[2])
        # Sum over the shared stretch: 1 + 2 + 4; no figure for the northern leg.
        assert band["top"] == 7
        # Each node lies on the line it came from, within a cell.
        cell = CELL_PX * 2**22 / (256 * 2 ** band["zoom"])
        used = sorted({int(n) for e in legs[1] for n in edges[e]})
        equator = 2**21  # y of latitude 0 in units
        assert np.all(np.abs(nodes[used, 1] - equator) <= cell)


def test_legs_of_different_modes_do_not_merge():
    line = shapely.LineString([(0, 0), (30, 0)])
    tables = corridor_tables([line, line], [0, 1], np.array([1.0, 1.0]))
    for band in tables["bands"]:
        _, _, legs = _decode(band)
        assert legs[0] and not legs[0] & legs[1]
        assert band["top"] == 1


def test_no_legs_no_corridors():
    assert corridor_tables([], [], np.array([]))["bands"] == []
