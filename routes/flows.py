"""Flows: shipment figures joined to the legs they moved along.

A leg's *headline figure* for a unit is the sum of its ``total`` rows where it has
any, otherwise the sum of its ``event`` rows (DATA_CONTRACT.md). ``low`` and
``high`` sum the same way. Everything here is vectorised: the shipments frame may
hold millions of rows, and it is reduced to one row per (leg, unit) and one row
per (leg, unit, month) before any geometry is touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

__all__ = ["Flows", "headline_figures", "join_flows", "monthly_events"]

_FIGURE_COLUMNS = ["leg", "unit", "basis", "quantity", "low", "high", "start", "end"]


@dataclass(frozen=True)
class Flows:
    """The figures of a data set, reduced for the map.

    Attributes
    ----------
    legs
        The leg lines with, for each unit, its headline figure as ``<unit>``,
        ``<unit>_low`` and ``<unit>_high`` (NaN where the leg has none).
    headlines
        One row per (leg, unit): ``quantity``, ``low``, ``high``, ``start``,
        ``end``, ``basis`` (which rows made the figure) and ``rows``.
    months
        Event rows binned per (leg, unit, month): ``month`` (first day),
        ``quantity`` and ``rows``. This drives the time control.
    units
        Every unit with a figure, most frequent first.
    """

    legs: gpd.GeoDataFrame
    headlines: pd.DataFrame
    months: pd.DataFrame
    units: tuple[str, ...]


def headline_figures(shipments: pd.DataFrame) -> pd.DataFrame:
    """Reduce shipment rows to one headline figure per (leg, unit).

    Parameters
    ----------
    shipments
        Validated shipment rows (``leg``, ``unit``, ``basis``, ``quantity``,
        ``low``, ``high``, ``start``, ``end``).

    Returns
    -------
    pandas.DataFrame
        Columns ``leg``, ``unit``, ``basis``, ``quantity``, ``low``, ``high``,
        ``start``, ``end``, ``rows``; ``basis`` says whether the figure is the
        sum of reported totals or of observed events.
    """
    if shipments.empty:
        return pd.DataFrame(
            {
                "leg": pd.Series(dtype=str),
                "unit": pd.Series(dtype=str),
                "basis": pd.Series(dtype=str),
                "quantity": pd.Series(dtype=float),
                "low": pd.Series(dtype=float),
                "high": pd.Series(dtype=float),
                "start": pd.Series(dtype="datetime64[ns]"),
                "end": pd.Series(dtype="datetime64[ns]"),
                "rows": pd.Series(dtype=int),
            }
        )
    frame = shipments[_FIGURE_COLUMNS]
    grouped = (
        frame.groupby(["leg", "unit", "basis"], sort=True, observed=True)
        .agg(
            quantity=("quantity", "sum"),
            low=("low", "sum"),
            high=("high", "sum"),
            start=("start", "min"),
            end=("end", "max"),
            rows=("quantity", "size"),
        )
        .reset_index()
    )
    is_total = grouped["basis"] == "total"
    has_total = is_total.groupby([grouped["leg"], grouped["unit"]]).transform("any")
    keep = is_total | ~has_total
    return grouped[keep].reset_index(drop=True)


def monthly_events(shipments: pd.DataFrame) -> pd.DataFrame:
    """Bin event rows per (leg, unit, month of their start).

    Binning keeps the page's time data small whatever the number of rows.
    """
    events = shipments.loc[shipments["basis"] == "event", ["leg", "unit", "start", "quantity"]]
    if events.empty:
        return pd.DataFrame(
            {
                "leg": pd.Series(dtype=str),
                "unit": pd.Series(dtype=str),
                "month": pd.Series(dtype="datetime64[ns]"),
                "quantity": pd.Series(dtype=float),
                "rows": pd.Series(dtype=int),
            }
        )
    month = events["start"].dt.to_period("M").dt.to_timestamp()
    return (
        events.assign(month=month)
        .groupby(["leg", "unit", "month"], sort=True, observed=True)
        .agg(quantity=("quantity", "sum"), rows=("quantity", "size"))
        .reset_index()
    )


def join_flows(legs: gpd.GeoDataFrame, shipments: pd.DataFrame) -> Flows:
    """Join each leg's headline figures to its line.

    Parameters
    ----------
    legs
        Leg lines from :func:`routes.legs.build_legs` (column ``id``).
    shipments
        Validated shipment rows.

    Returns
    -------
    Flows
        The legs with one ``<unit>``, ``<unit>_low`` and ``<unit>_high``
        column per unit, plus the reduced figures behind them.
    """
    headlines = headline_figures(shipments)
    counts = shipments["unit"].value_counts(sort=False) if len(shipments) else pd.Series(dtype=int)
    units = (
        tuple(sorted(counts.index, key=lambda u: (-int(counts[u]), str(u)))) if len(counts) else ()
    )
    wide = headlines.pivot(index="leg", columns="unit", values=["quantity", "low", "high"])
    columns: dict[str, pd.Series] = {}
    for unit in units:
        if ("quantity", unit) not in wide.columns:
            continue
        columns[unit] = wide[("quantity", unit)]
        columns[f"{unit}_low"] = wide[("low", unit)]
        columns[f"{unit}_high"] = wide[("high", unit)]
    figures = pd.DataFrame(columns, index=wide.index)
    clashing = [c for c in figures.columns if c in legs.columns]
    joined = legs.drop(columns=clashing).merge(
        figures, how="left", left_on="id", right_index=True, sort=False
    )
    joined = gpd.GeoDataFrame(joined, geometry=legs.geometry.name, crs=legs.crs)
    return Flows(legs=joined, headlines=headlines, months=monthly_events(shipments), units=units)
