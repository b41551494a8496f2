"""Exports for GIS tools and spreadsheets: a GeoPackage and a CSV of the flows.

Both are built in memory and handed to :func:`shipmap.outputs.write.write_outputs`, so
they are swapped into the output folder together with the maps. Both are
deterministic: the same data give the same bytes.

``shipmap.gpkg`` holds three layers in EPSG:4326:

- ``places``: one point per place, with its columns from ``places.csv`` and
  ``coord_source`` (where its coordinates came from);
- ``legs``: one MultiLineString per leg, split at the antimeridian as in the
  GeoJSON, with ``length_km`` and, per unit, its headline figure as ``<unit>``,
  ``<unit>_low`` and ``<unit>_high``;
- ``months``: the event rows of each leg and unit summed per month (``month``
  as ``YYYY-MM``, ``quantity``, ``rows``), **without geometry**: join it to
  ``legs`` on ``leg`` = ``id``; it is what the map's time control shows.

The rows themselves are written only on request (``shipmap build --events``),
as ``events.parquet``: a GeoPackage table of a million rows costs seconds of
GDAL inserts and ten times the bytes of the same rows in Parquet, which GIS
tools (QGIS, GDAL >= 3.5) and pandas read as they are.

Dates are ISO 8601 text (``YYYY-MM-DD``) in both files.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely

__all__ = [
    "EVENTS_NAME",
    "FLOWS_CSV_COLUMNS",
    "FLOWS_CSV_NAME",
    "GEOPACKAGE_NAME",
    "events_parquet",
    "flows_csv",
    "flows_table",
    "geopackage_bytes",
    "write_geopackage",
]

#: File names in the output folder.
GEOPACKAGE_NAME = "shipmap.gpkg"
FLOWS_CSV_NAME = "flows.csv"
EVENTS_NAME = "events.parquet"

#: Columns of ``flows.csv``, in order.
FLOWS_CSV_COLUMNS = (
    "leg",
    "origin",
    "destination",
    "mode",
    "unit",
    "quantity",
    "low",
    "high",
    "start",
    "end",
    "basis",
    "length_km",
)

# GeoPackages record when each table last changed; a fixed date keeps builds
# byte-identical.
_FIXED_DATE = "2000-01-01T00:00:00.000Z"


def _date(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    return str(pd.Timestamp(value).date().isoformat())


def _number(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(round(number, 6))


def flows_table(legs: gpd.GeoDataFrame, headlines: pd.DataFrame) -> pd.DataFrame:
    """Build one row per leg and unit: the leg's ends and mode with its headline figure.

    Parameters
    ----------
    legs
        The leg lines (``id``, ``origin``, ``destination``, ``mode``, ``length_km``).
    headlines
        One row per (leg, unit), as :attr:`shipmap.routes.flows.Flows.headlines`.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`FLOWS_CSV_COLUMNS`, as text, sorted by leg and unit.
    """
    ends = pd.DataFrame(legs.drop(columns=legs.geometry.name))[
        ["id", "origin", "destination", "mode", "length_km"]
    ].rename(columns={"id": "leg"})
    table = headlines.merge(ends, on="leg", how="left").sort_values(["leg", "unit"], kind="stable")
    out = pd.DataFrame(
        {
            "leg": table["leg"].astype(str),
            "origin": table["origin"].fillna("").astype(str),
            "destination": table["destination"].fillna("").astype(str),
            "mode": table["mode"].fillna("").astype(str),
            "unit": table["unit"].astype(str),
            "quantity": [_number(v) for v in table["quantity"]],
            "low": [_number(v) for v in table["low"]],
            "high": [_number(v) for v in table["high"]],
            "start": [_date(v) for v in table["start"]],
            "end": [_date(v) for v in table["end"]],
            "basis": table["basis"].astype(str),
            "length_km": [
                _number(round(float(v), 1)) if pd.notna(v) else "" for v in table["length_km"]
            ],
        },
        columns=list(FLOWS_CSV_COLUMNS),
    )
    return out.reset_index(drop=True)


def flows_csv(legs: gpd.GeoDataFrame, headlines: pd.DataFrame) -> str:
    """Write :func:`flows_table` as CSV text (UTF-8, newline line ends, minimal quoting)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FLOWS_CSV_COLUMNS)
    writer.writerows(flows_table(legs, headlines).itertuples(index=False, name=None))
    return buffer.getvalue()


def _public(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the pipeline's private columns (``_line`` and the like)."""
    return frame[[c for c in frame.columns if not str(c).startswith("_")]]


def _split_legs(legs: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from shipmap.routes.geodesic import split_antimeridian

    name = legs.geometry.name
    geoms = [
        shapely.transform(split_antimeridian(g), lambda c: np.round(c, 6)) if g is not None else g
        for g in legs.geometry
    ]
    multi = [
        g if g is None or g.geom_type == "MultiLineString" else shapely.MultiLineString([g])
        for g in geoms
    ]
    out = legs.copy()
    out[name] = gpd.GeoSeries(multi, index=legs.index, crs="EPSG:4326")
    return out


@contextmanager
def _fixed_date() -> Iterator[None]:
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _FIXED_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def _months_table(months: pd.DataFrame) -> pa.Table:
    """Give the time series per (leg, unit, month), the month as ISO text."""
    frame = months.sort_values(["leg", "unit", "month"], kind="stable").reset_index(drop=True)
    month = frame["month"].to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    return pa.table(
        {
            "leg": pa.array(frame["leg"].astype(str).tolist(), pa.string()),
            "unit": pa.array(frame["unit"].astype(str).tolist(), pa.string()),
            "month": pa.array(np.datetime_as_string(month, unit="M").tolist(), pa.string()),
            "quantity": pa.array(frame["quantity"].to_numpy(dtype=float), pa.float64()),
            "rows": pa.array(frame["rows"].to_numpy(dtype=np.int64), pa.int64()),
        }
    )


def write_geopackage(
    path: Path, places: gpd.GeoDataFrame, legs: gpd.GeoDataFrame, months: pd.DataFrame
) -> None:
    """Write the ``places``, ``legs`` and ``months`` layers to a new GeoPackage at ``path``.

    Its modification dates are fixed, so that the same data give the same bytes.

    Parameters
    ----------
    path
        Where to write; the file must not exist yet.
    places
        The located places (points, EPSG:4326).
    legs
        The leg lines with their headline figures (``Flows.legs``).
    months
        The event rows binned per leg, unit and month (``Flows.months``).
    """
    place_layer = _public(places.sort_values("id", kind="stable")).reset_index(drop=True)
    place_layer = place_layer.set_crs("EPSG:4326", allow_override=True)
    leg_layer = _split_legs(_public(legs.sort_values("id", kind="stable")).reset_index(drop=True))
    leg_layer = leg_layer.set_crs("EPSG:4326", allow_override=True)
    with _fixed_date():
        pyogrio.write_dataframe(place_layer, path, layer="places", driver="GPKG")
        pyogrio.write_dataframe(
            leg_layer, path, layer="legs", driver="GPKG", append=False, promote_to_multi=True
        )
        # One Arrow batch: GDAL commits once per batch, and the file's header
        # counts commits, so the same data give the same bytes.
        pyogrio.raw.write_arrow(_months_table(months), path, layer="months", driver="GPKG")


def geopackage_bytes(
    places: gpd.GeoDataFrame, legs: gpd.GeoDataFrame, months: pd.DataFrame
) -> bytes:
    """Write the GeoPackage of :func:`write_geopackage` and return its bytes.

    The file is written in a temporary folder and read back, so that it can go
    into an output folder atomically with the rest of a build.
    """
    with tempfile.TemporaryDirectory(prefix="shipmap-gpkg-") as tmp:
        path = Path(tmp) / GEOPACKAGE_NAME
        write_geopackage(path, places, legs, months)
        return path.read_bytes()


def events_parquet(shipments: pd.DataFrame) -> bytes:
    """Every checked shipment row as Parquet: the row-level export, written on request.

    Columns as in the data set, typed: ``start``/``end`` as dates, ``quantity``,
    ``low``/``high`` (filled from ``quantity``) as float, ``basis`` filled.
    """
    import pyarrow.parquet as pq

    frame = _public(shipments).reset_index(drop=True)
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            columns[name] = pa.array(days, pa.date32())
        elif pd.api.types.is_float_dtype(values):
            columns[name] = pa.array(values.to_numpy(dtype=float), pa.float64(), from_pandas=True)
        else:
            columns[name] = pa.array(values.astype(str).tolist(), pa.string())
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink, compression="zstd", row_group_size=1_000_000)
    data: bytes = sink.getvalue().to_pybytes()
    return data
