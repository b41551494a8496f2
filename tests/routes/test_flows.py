import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString
from shipmap.routes.flows import headline_figures, join_flows, monthly_events


def shipments(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["leg", "unit", "basis", "quantity", "low", "high", "start", "end"]
    )
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    return frame


def legs(*ids: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": list(ids), "mode": ["sea"] * len(ids)},
        geometry=[LineString([(0, 0), (1, 1)])] * len(ids),
        crs=4326,
    )


def test_totals_make_the_headline_and_events_do_not_add_to_them():
    rows = shipments(
        ("a", "troops", "total", 11000, 10000, 12000, "2024-10-01", "2025-03-31"),
        ("a", "troops", "event", 3000, 3000, 3000, "2025-01-01", "2025-02-28"),
    )
    figure = headline_figures(rows).set_index("unit").loc["troops"]
    assert (figure["quantity"], figure["low"], figure["high"]) == (11000, 10000, 12000)
    assert figure["basis"] == "total"


def test_events_sum_where_a_leg_has_no_total():
    rows = shipments(
        ("a", "containers", "event", 300, 300, 300, "2023-09-07", "2023-09-08"),
        ("a", "containers", "event", 200, 150, 250, "2023-10-01", "2023-10-01"),
    )
    figure = headline_figures(rows).iloc[0]
    assert (figure["quantity"], figure["low"], figure["high"]) == (500, 450, 550)
    assert figure["basis"] == "event"
    assert figure["start"] == pd.Timestamp("2023-09-07")
    assert figure["end"] == pd.Timestamp("2023-10-01")


def test_join_puts_each_unit_on_its_leg_and_leaves_others_empty():
    rows = shipments(
        ("a", "containers", "total", 15800, 15800, 15800, "2023-08-01", "2025-03-31"),
        ("b", "troops", "total", 11000, 11000, 11000, "2024-10-01", "2025-03-31"),
    )
    flows = join_flows(legs("a", "b", "c"), rows)
    table = flows.legs.set_index("id")
    assert table.loc["a", "containers"] == 15800
    assert table.loc["b", "troops"] == 11000
    assert pd.isna(table.loc["c", "containers"]) and pd.isna(table.loc["a", "troops"])
    assert {"containers_low", "containers_high", "troops_low", "troops_high"} <= set(table.columns)
    assert isinstance(flows.legs, gpd.GeoDataFrame) and flows.legs.crs == "EPSG:4326"


def test_events_are_binned_per_leg_and_month():
    rows = shipments(
        ("a", "shipments", "event", 1, 1, 1, "2024-03-12", "2024-03-14"),
        ("a", "shipments", "event", 1, 1, 1, "2024-03-20", "2024-03-21"),
        ("a", "shipments", "event", 1, 1, 1, "2024-04-02", "2024-04-03"),
        ("a", "shipments", "total", 64, 64, 64, "2023-08-01", "2025-03-31"),
    )
    months = monthly_events(rows)
    assert list(months["month"].dt.strftime("%Y-%m")) == ["2024-03", "2024-04"]
    assert list(months["rows"]) == [2, 1]


@pytest.mark.parametrize("frame", [shipments()])
def test_no_shipments_gives_legs_without_figures(frame):
    flows = join_flows(legs("a"), frame)
    assert flows.units == () and len(flows.legs) == 1 and flows.headlines.empty
