"""Navigable passages: the shipped list, its gates onto the sea, and carving."""

import numpy as np
import pytest
from shipmap.routes.coastline import land_mask
from shipmap.routes.passages import (
    basin_of,
    carved_pixels,
    find_passage,
    load_passages,
    passage_network,
)

#: Points on canals that the 15″ land mask fills as land: the Suez Canal south
#: of the Little Bitter Lake, the Culebra Cut, the Corinth Canal, the Kiel Canal.
CANALS = [(32.565, 30.02), (-79.66, 9.07), (22.98, 37.932), (9.53, 54.21)]


def test_every_passage_is_named_sourced_and_well_formed():
    passages = load_passages()
    ids = [p.id for p in passages]
    assert len(ids) == len(set(ids))
    for p in passages:
        assert p.name and p.source and p.kind in {"canal", "strait", "channel", "river", "route"}
        assert p.sea_ends in {"both", "first", "none"}
        lons, lats = np.array(p.line).T
        assert ((lons >= -180) & (lons <= 180) & (lats >= -90) & (lats <= 90)).all()


def test_the_passages_the_issue_names_are_there():
    for name in [
        "Suez Canal",
        "panama",
        "Corinth Canal",
        "Kiel Canal",
        "Bosphorus",
        "Dardanelles",
        "Kerch Strait",
        "Volga–Don Canal",
        "volga-caspian canal",
        "Houston Ship Channel",
        "Cape of Good Hope",
        "Northern Sea Route",
    ]:
        assert find_passage(name) is not None, name
    assert find_passage("Atlantis Canal") is None


def test_every_gate_opens_onto_the_sea_in_the_bare_coastline():
    # a route leaves a passage at its gates: they must be water before carving
    mask = land_mask()
    for p in load_passages():
        gates = np.array(p.gates)
        if len(gates):
            assert not mask.is_land(gates[:, 0], gates[:, 1], carve=False).any(), p.id


def test_carving_opens_the_canals():
    mask = land_mask()
    lon, lat = np.array(CANALS).T
    assert mask.is_land(lon, lat, carve=False).all()  # the raster closes the canals...
    assert not mask.is_land(lon, lat).any()  # ...and the passages open them
    assert mask.is_carved(lon, lat).all()
    assert carved_pixels().size > 1000


def test_the_caspian_is_a_sea_of_its_own():
    assert basin_of((51.17, 43.65)) == "caspian"  # Aktau
    assert basin_of((37.78, 44.72)) == "ocean"  # Novorossiysk
    assert basin_of((-170.0, 60.0)) == "ocean"


def test_rostov_reaches_the_caspian_only_by_the_volga_and_the_don():
    net = passage_network()
    rostov, _ = net.nearest((39.72, 47.22))
    gates = {a.passages[-1]: a for a in net.accesses(rostov)}
    assert "don" in gates
    caspian = gates["volga-caspian"]
    assert {"don", "tsimlyansk", "volga-don", "volga", "volga-caspian"} <= set(caspian.passages)
    assert 900 < caspian.km < 1300


@pytest.mark.parametrize("bad", ["", "   ", "zzz"])
def test_unknown_passage_names_find_nothing(bad):
    assert find_passage(bad) is None
