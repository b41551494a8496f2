"""Flows: shipment figures joined to the legs they moved along.

The shipment rows arrive already reduced (:class:`shipmap.shipments.Figures`);
:func:`headline_figures` and :func:`monthly_events` reduce a frame of rows
the same way. A leg's *headline figure* for a unit is the sum of its ``total`` rows where it has
any, otherwise the sum of its ``event`` rows (the data contract,
docs/data-contract.md). ``low`` and ``high`` sum the same way. Everything here
is vectorised: the shipments frame may hold millions of rows, and it is reduced
to one row per (leg, unit) and one row per (leg, unit, month) before any geometry
is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from shipmap.contract import LINE
from shipmap.errors import DataError, Problem

if TYPE_CHECKING:
    from shipmap.shipments import Figures

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
    details
        Per leg, what its popup lists: ``vessels``, ``sources``, and ``events``
        (its latest event rows, oldest first, and its number of event rows).
    """

    legs: gpd.GeoDataFrame
    headlines: pd.DataFrame
    months: pd.DataFrame
    units: tuple[str, ...]
    details: Mapping[str, dict[str, Any]] = field(default_factory=dict)


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
    figures = sum_figures(_coded(shipments), start="start", rows=("quantity", "size"))
    return _as_text(figures, ["leg", "unit", "basis"])


def sum_figures(frame: pd.DataFrame, *, start: str, rows: tuple[str, str]) -> pd.DataFrame:
    """Sum the figures per (leg, unit, basis) and keep one basis per (leg, unit).

    The reported totals of a (leg, unit) are its figure where it has any;
    otherwise the sum of its observed events is.

    Parameters
    ----------
    frame
        Rows with ``leg``, ``unit``, ``basis``, ``quantity``, ``low``,
        ``high``, ``end`` and the column named by ``start``.
    start
        The column whose minimum is the figure's ``start``.
    rows
        The column and aggregation that count the rows behind a figure:
        ``("quantity", "size")`` for shipment rows, ``("rows", "sum")`` for
        rows already reduced.

    Returns
    -------
    pandas.DataFrame
        Columns ``leg``, ``unit``, ``basis``, ``quantity``, ``low``, ``high``,
        ``start``, ``end``, ``rows``, sorted by (leg, unit, basis).
    """
    grouped = (
        frame.groupby(["leg", "unit", "basis"], sort=True, observed=True)
        .agg(
            quantity=("quantity", "sum"),
            low=("low", "sum"),
            high=("high", "sum"),
            start=(start, "min"),
            end=("end", "max"),
            rows=rows,
        )
        .reset_index()
    )
    is_total = grouped["basis"] == "total"
    has_total = is_total.groupby([grouped["leg"], grouped["unit"]]).transform("any")
    return grouped[is_total | ~has_total].reset_index(drop=True)


def monthly_events(shipments: pd.DataFrame) -> pd.DataFrame:
    """Bin event rows per (leg, unit, month of their start).

    Binning keeps the page's time data small whatever the number of rows.
    """
    frame = _coded(shipments)
    # Reduce to one row per (leg, unit, basis, day) first: hashing dates is cheap,
    # and the event rows are then picked and binned from a few thousand rows.
    daily = (
        frame.groupby(["leg", "unit", "basis", "start"], sort=False, observed=True)
        .agg(quantity=("quantity", "sum"), rows=("quantity", "size"))
        .reset_index()
    )
    events = daily[daily["basis"] == "event"]
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
    # The first day of the month, in numpy (NaT stays NaT).
    month = events["start"].to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    binned = (
        events.assign(month=month.astype("datetime64[us]"))
        .groupby(["leg", "unit", "month"], sort=True, observed=True)
        .agg(quantity=("quantity", "sum"), rows=("rows", "sum"))
        .reset_index()
    )
    return _as_text(binned, ["leg", "unit"])


def _coded(shipments: pd.DataFrame) -> pd.DataFrame:
    """Return the figure columns, with ``leg``, ``unit`` and ``basis`` as categories.

    Each text column is hashed once here instead of once per grouping: on a
    million rows that is most of the cost of reducing them.
    """
    frame = shipments[[c for c in _FIGURE_COLUMNS if c in shipments.columns]]
    coded = {
        c: frame[c].astype("category")
        for c in ("leg", "unit", "basis")
        if c in frame.columns and not isinstance(frame[c].dtype, pd.CategoricalDtype)
    }
    return frame.assign(**coded) if coded else frame


def _as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` with its category ``columns`` back as text (they are few rows now)."""
    return frame.assign(
        **{
            c: frame[c].astype("str")
            for c in columns
            if isinstance(frame[c].dtype, pd.CategoricalDtype)
        }
    )


def join_flows(legs: gpd.GeoDataFrame, shipments: pd.DataFrame | Figures) -> Flows:
    """Join each leg's headline figures to its line.

    Parameters
    ----------
    legs
        Leg lines from :func:`shipmap.routes.legs.build_legs` (column ``id``).
    shipments
        The figures of the shipment rows (``Dataset.figures``), or the validated
        rows themselves (``Dataset.shipments``), which are reduced first.

    Returns
    -------
    Flows
        The legs with one ``<unit>``, ``<unit>_low`` and ``<unit>_high``
        column per unit, plus the reduced figures behind them.
    """
    from shipmap.shipments import Figures, figures_of

    if isinstance(shipments, Figures):
        figures = shipments  # checked when the data set was read
    else:
        figures = figures_of(shipments)
        _check_finite(figures.headlines, figures.months, shipments)
    headlines = figures.headlines
    units = figures.units
    wide = headlines.pivot(index="leg", columns="unit", values=["quantity", "low", "high"])
    columns: dict[str, pd.Series] = {}
    for unit in units:
        if ("quantity", unit) not in wide.columns:
            continue
        columns[unit] = wide[("quantity", unit)]
        columns[f"{unit}_low"] = wide[("low", unit)]
        columns[f"{unit}_high"] = wide[("high", unit)]
    frame = pd.DataFrame(columns, index=wide.index)
    clashing = [c for c in frame.columns if c in legs.columns]
    joined = legs.drop(columns=clashing).merge(
        frame, how="left", left_on="id", right_index=True, sort=False
    )
    joined = gpd.GeoDataFrame(joined, geometry=legs.geometry.name, crs=legs.crs)
    return Flows(
        legs=joined,
        headlines=headlines,
        months=figures.months,
        units=units,
        details=figures.details,
    )


#: Lines listed in a problem about a sum.
_LINES_SHOWN = 10


def _check_finite(headlines: pd.DataFrame, months: pd.DataFrame, shipments: pd.DataFrame) -> None:
    """Refuse figures whose sum is more than a float can hold, naming their rows.

    Each row's figures are finite (the data set's checks see to that), but a
    leg's rows may add up past 1.8e308, which would show as "∞" on the map.
    """
    bad: set[tuple[str, str, str]] = set()
    for frame, columns in ((headlines, ("quantity", "low", "high")), (months, ("quantity",))):
        for column in columns:
            values = frame[column].to_numpy(dtype=float)
            overflow = np.isinf(values)
            if overflow.any():
                for leg, unit in zip(frame["leg"][overflow], frame["unit"][overflow], strict=True):
                    bad.add((str(leg), str(unit), column))
    if not bad:
        return
    problems = []
    leg_col, unit_col = shipments["leg"].astype(str), shipments["unit"].astype(str)
    for leg, unit in sorted({(leg, unit) for leg, unit, _ in bad}):
        overflowing = [c for c in ("quantity", "low", "high") if (leg, unit, c) in bad]
        rows = shipments[(leg_col == leg) & (unit_col == unit)]
        lines = sorted(int(n) for n in rows[LINE]) if LINE in rows else []
        shown = ", ".join(str(n) for n in lines[:_LINES_SHOWN])
        more = f" and {len(lines) - _LINES_SHOWN} more" if len(lines) > _LINES_SHOWN else ""
        problems.append(
            Problem(
                "shipments.csv",
                lines[0] if lines else None,
                overflowing[0],
                f"the {unit} of leg {leg!r} add up to more than a number can hold "
                f"({', '.join(overflowing)} of lines {shown}{more}): "
                "check these figures for a typo",
            )
        )
    raise DataError(problems)
