"""Which port a stop is at: the data set's ports first, then the gazetteer's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shipmap.ais.ports import PORT_COLUMNS, port_layers


def _ports(rows: list[tuple[str, float, float]], origin: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": i,
                "name": i.title(),
                "lat": la,
                "lon": lo,
                "country": "",
                "origin": origin,
                "note": "",
            }
            for i, la, lo in rows
        ],
        columns=list(PORT_COLUMNS),
    )


def test_the_data_sets_port_wins_within_the_radius_even_when_a_listed_one_is_closer() -> None:
    places = _ports([("rajin", 42.24, 130.30)], "data set").assign(kind="port")
    listed = _ports([("najin-locode", 42.25, 130.31), ("chongjin", 41.77, 129.82)], "gazetteer")
    index = port_layers(places, gazetteer_ports=listed)
    # A stop 0.3 km from the listed port and 1.2 km from the data set's.
    at = index.nearest([42.2495], [130.3065], radius_km=10)
    assert at["id"].tolist() == ["rajin"]
    # Beyond the data set's ports, the gazetteer's are used.
    at = index.nearest([41.771], [129.821], radius_km=10)
    assert at["id"].tolist() == ["chongjin"] and at["origin"].tolist() == ["gazetteer"]
    # Near nothing: no port.
    assert index.nearest([30.0], [150.0], radius_km=10)["id"].tolist() == [""]


def test_a_port_across_the_antimeridian_is_near() -> None:
    index = port_layers(None, gazetteer_ports=_ports([("east", 52.0, 179.99)], "gazetteer"))
    at = index.nearest([52.0], [-179.99], radius_km=5)
    assert at["id"].tolist() == ["east"]
    assert float(at["km"].iloc[0]) < 2
    assert np.asarray(index.any_within([52.0, 0.0], [-179.99, 0.0], 5)).tolist() == [True, False]
