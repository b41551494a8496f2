"""Large, realistic data sets for the build benchmark.

A scaled data set is the default ``data/`` folder (places, legs, sources,
map.toml) with every place given coordinates, so the hand-written baseline can
draw it too, and a ``shipments.csv`` of exactly ``rows`` rows: the default
data set's own rows, then dated event rows as an analyst's waybill or port-call
log would give them. Everything is vectorised and seeded, so the same ``rows``
and ``seed`` always write the same bytes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["KURSK", "write_scaled_dataset", "write_scaled_parquet"]

#: Kursk, (lat, lon), GeoNames 538560: the one default place left to the geocoder.
KURSK = (51.7269, 36.1846)

#: Event dates are spread over the period the default data set covers.
FIRST_DAY = np.datetime64("2023-08-01")
LAST_DAY = np.datetime64("2025-03-31")

#: Ship names for sea legs: the default data set's, then more of the kind seen in
#: port-call logs, so a leg's vessel list grows with the data unless it is capped.
VESSELS = (
    "Angara",
    "Lady R",
    "Maria",
    "Maia-1",
    "Nikolay Vilkov",
    "Sparta IV",
    "Ursa Major",
    "Baltic Leader",
    "Pola Anna",
    "Zeya",
    "Amur",
    "Mikhail Lomonosov",
    "Sibir",
    "Primorye",
    "Nakhodka",
    "Posyet",
    "Kholmsk",
    "Slavyanka",
    "Okean",
    "Zolotoy Rog",
    "Vanino",
    "Korsakov",
    "Sakhalin-9",
    "Kamchatka",
    "Aleut",
    "Vostok-3",
    "Tumen",
    "Bira",
    "Khor",
    "Bikin",
    "Ussuri",
    "Iman",
    "Partizansk",
    "Artyom",
    "Arsenyev",
    "Dalnegorsk",
    "Lesozavodsk",
    "Spassk",
    "Dalnerechensk",
    "Kavalerovo",
)

#: Plausible units and magnitudes per mode: (unit, typical quantity, weight).
_UNITS_BY_MODE: dict[str, list[tuple[str, float, float]]] = {
    "sea": [
        ("containers", 120.0, 0.45),
        ("shipments", 1.0, 0.35),
        ("munitions", 30000.0, 0.1),
        ("troops", 400.0, 0.05),
        ("ships", 1.0, 0.05),
    ],
    "rail": [
        ("containers", 60.0, 0.4),
        ("railcars", 40.0, 0.35),
        ("troops", 300.0, 0.1),
        ("launchers", 6.0, 0.1),
        ("munitions", 20000.0, 0.05),
    ],
    "road": [("containers", 10.0, 1.0)],
    "air": [("troops", 150.0, 0.7), ("shipments", 1.0, 0.3)],
}

_CARGO = (
    "munitions",
    "military equipment and munitions",
    "artillery shells",
    "freight (contents not known)",
    "troops",
    "rocket launchers",
)


def _copy_frame(data: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("legs.csv", "sources.csv", "map.toml"):
        if (data / name).is_file():
            shutil.copyfile(data / name, out / name)
    places = pd.read_csv(data / "places.csv", dtype=str, keep_default_na=False)
    kursk = places["id"] == "kursk"
    places.loc[kursk & (places["lat"] == ""), "lat"] = f"{KURSK[0]}"
    places.loc[kursk & (places["lon"] == ""), "lon"] = f"{KURSK[1]}"
    missing = places.loc[(places["lat"] == "") | (places["lon"] == ""), "id"].tolist()
    if missing:
        raise ValueError(f"places without coordinates: {', '.join(missing)}")
    places.to_csv(out / "places.csv", index=False)


def write_scaled_dataset(data: Path, out: Path, *, rows: int, seed: int = 20250327) -> Path:
    """Write ``data`` with a ``shipments.csv`` of exactly ``rows`` rows into ``out``.

    Parameters
    ----------
    data
        The data set to scale (its places, legs, sources and map.toml are kept).
    out
        The folder to write; created if needed.
    rows
        Shipment rows in total, the data set's own rows included.
    seed
        Seed of the random generator; the same seed writes the same bytes.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    data, out = Path(data), Path(out)
    _copy_frame(data, out)
    own = pd.read_csv(data / "shipments.csv", dtype=str, keep_default_na=False)
    legs = pd.read_csv(data / "legs.csv", dtype=str, keep_default_na=False)
    sources = pd.read_csv(data / "sources.csv", dtype=str, keep_default_na=False)
    own = own.iloc[: max(rows, 0)]
    extra = max(rows - len(own), 0)
    rng = np.random.default_rng(seed)

    # Busier legs carry more rows: sea and rail routes far more than the air bridge.
    leg_weight = np.where(legs["mode"].isin(["sea", "rail"]), 1.0, 0.15)
    leg_weight = leg_weight * rng.uniform(0.5, 1.5, len(legs))
    leg_pos = rng.choice(len(legs), size=extra, p=leg_weight / leg_weight.sum())
    modes = legs["mode"].to_numpy()[leg_pos]

    unit = np.empty(extra, dtype=object)
    scale = np.empty(extra, dtype=float)
    for mode, choices in _UNITS_BY_MODE.items():
        where = np.flatnonzero(modes == mode)
        if not len(where):
            continue
        names = np.array([c[0] for c in choices], dtype=object)
        typical = np.array([c[1] for c in choices])
        weight = np.array([c[2] for c in choices])
        pick = rng.choice(len(choices), size=len(where), p=weight / weight.sum())
        unit[where] = names[pick]
        scale[where] = typical[pick]
    quantity = np.maximum(np.round(rng.lognormal(0.0, 0.6, extra) * scale), 1.0)

    span = int((LAST_DAY - FIRST_DAY).astype(int))
    start = FIRST_DAY + rng.integers(0, span + 1, extra).astype("timedelta64[D]")
    duration = rng.integers(0, 15, extra).astype("timedelta64[D]")
    end = np.minimum(start + duration, LAST_DAY)
    has_end = rng.random(extra) < 0.7
    start_text = np.datetime_as_string(start, unit="D").astype(object)
    end_text = np.where(has_end, np.datetime_as_string(end, unit="D").astype(object), "")
    # Some reports give only the month.
    month_only = rng.random(extra) < 0.05
    start_text = np.where(
        month_only, np.datetime_as_string(start, unit="M").astype(object), start_text
    )
    end_text = np.where(month_only, "", end_text)

    ranged = rng.random(extra) < 0.2
    low = np.where(ranged, np.floor(quantity * 0.8), np.nan)
    high = np.where(ranged, np.ceil(quantity * 1.3), np.nan)

    is_sea = modes == "sea"
    vessel = np.where(
        is_sea & (rng.random(extra) < 0.8),
        np.array(VESSELS, dtype=object)[rng.integers(0, len(VESSELS), extra)],
        "",
    )
    source_ids = sources["id"].to_numpy(dtype=object)
    first = source_ids[rng.integers(0, len(source_ids), extra)]
    second = source_ids[rng.integers(0, len(source_ids), extra)]
    two = (rng.random(extra) < 0.25) & (first != second)
    source = np.where(two, first + ";" + second, first)
    cargo = np.array(_CARGO, dtype=object)[rng.integers(0, len(_CARGO), extra)]
    note = np.where(rng.random(extra) < 0.02, "Seen on satellite images; count approximate.", "")
    ids = np.char.add("ev-", np.char.zfill(np.arange(1, extra + 1).astype(str), 7)).astype(object)

    def number(values: np.ndarray) -> np.ndarray:
        text = np.char.mod("%d", np.nan_to_num(values, nan=0)).astype(object)
        return np.where(np.isnan(values), "", text)

    generated = pd.DataFrame(
        {
            "id": ids,
            "leg": legs["id"].to_numpy(dtype=object)[leg_pos],
            "start": start_text,
            "end": end_text,
            "quantity": number(quantity),
            "low": number(low),
            "high": number(high),
            "unit": unit,
            "basis": "event",
            "cargo": cargo,
            "vessel": vessel,
            "source": source,
            "note": note,
        }
    )
    frame = pd.concat([own, generated[own.columns]], ignore_index=True)
    frame.to_csv(out / "shipments.csv", index=False)
    return out


def _event_rows(
    legs: pd.DataFrame, sources: pd.DataFrame, n: int, rng: np.random.Generator, first_id: int
) -> pa.Table:
    """Make ``n`` event rows as an Arrow table with Parquet's types: dates as dates, numbers."""
    import pyarrow as pa

    leg_weight = np.where(legs["mode"].isin(["sea", "rail"]), 1.0, 0.15)
    leg_weight = leg_weight * np.random.default_rng(0).uniform(0.5, 1.5, len(legs))
    leg_pos = rng.choice(len(legs), size=n, p=leg_weight / leg_weight.sum())
    modes = legs["mode"].to_numpy()[leg_pos]
    unit = np.empty(n, dtype=object)
    scale = np.empty(n, dtype=float)
    for mode, choices in _UNITS_BY_MODE.items():
        where = np.flatnonzero(modes == mode)
        if not len(where):
            continue
        names = np.array([c[0] for c in choices], dtype=object)
        typical = np.array([c[1] for c in choices])
        weight = np.array([c[2] for c in choices])
        pick = rng.choice(len(choices), size=len(where), p=weight / weight.sum())
        unit[where] = names[pick]
        scale[where] = typical[pick]
    quantity = np.maximum(np.round(rng.lognormal(0.0, 0.6, n) * scale), 1.0)
    span = int((LAST_DAY - FIRST_DAY).astype(int))
    start = FIRST_DAY + rng.integers(0, span + 1, n).astype("timedelta64[D]")
    end = np.minimum(start + rng.integers(0, 15, n).astype("timedelta64[D]"), LAST_DAY)
    has_end = rng.random(n) < 0.7
    ranged = rng.random(n) < 0.2
    low = np.where(ranged, np.floor(quantity * 0.8), np.nan)
    high = np.where(ranged, np.ceil(quantity * 1.3), np.nan)
    vessel = np.where(
        (modes == "sea") & (rng.random(n) < 0.8),
        np.array(VESSELS, dtype=object)[rng.integers(0, len(VESSELS), n)],
        "",
    )
    ids = sources["id"].to_numpy(dtype=object)
    first = ids[rng.integers(0, len(ids), n)]
    second = ids[rng.integers(0, len(ids), n)]
    two = (rng.random(n) < 0.25) & (first != second)
    cargo = np.array(_CARGO, dtype=object)[rng.integers(0, len(_CARGO), n)]
    note = np.where(rng.random(n) < 0.02, "Seen on satellite images; count approximate.", "")
    row_ids = np.char.add("ev-", np.char.zfill(np.arange(first_id, first_id + n).astype(str), 9))
    return pa.table(
        {
            "id": pa.array(row_ids),
            "leg": pa.array(legs["id"].to_numpy(dtype=object)[leg_pos]),
            "start": pa.array(start, pa.date32()),
            "end": pa.array(np.where(has_end, end, np.datetime64("NaT")), pa.date32()),
            "quantity": pa.array(quantity),
            "low": pa.array(low, from_pandas=True),
            "high": pa.array(high, from_pandas=True),
            "unit": pa.array(unit),
            "basis": pa.array(np.full(n, "event", dtype=object)),
            "cargo": pa.array(cargo),
            "vessel": pa.array(vessel),
            "source": pa.array(np.where(two, first + ";" + second, first)),
            "note": pa.array(note),
        }
    )


def write_scaled_parquet(
    data: Path, out: Path, *, rows: int, seed: int = 20250327, chunk: int = 1_000_000
) -> Path:
    """Write ``data`` with a ``shipments.parquet`` of ``rows`` event rows into ``out``.

    Written a row group of ``chunk`` rows at a time, so memory stays bounded
    (about 1 GB) whatever ``rows`` is; 10^8 rows make a file of about 700 MB.
    Dates are Parquet dates, numbers doubles, text dictionary-coded by the writer.
    """
    import pyarrow.parquet as pq

    data, out = Path(data), Path(out)
    _copy_frame(data, out)
    legs = pd.read_csv(data / "legs.csv", dtype=str, keep_default_na=False)
    sources = pd.read_csv(data / "sources.csv", dtype=str, keep_default_na=False)
    writer = None
    done = 0
    try:
        for i in range(0, (rows + chunk - 1) // chunk):
            n = min(chunk, rows - done)
            table = _event_rows(legs, sources, n, np.random.default_rng([seed, i]), done + 1)
            if writer is None:
                path = out / "shipments.parquet"
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=chunk)
            done += n
    finally:
        if writer is not None:
            writer.close()
    return out


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="the data set to scale, e.g. data")
    parser.add_argument("out", type=Path, help="the folder to write")
    parser.add_argument("rows", type=int, help="shipment rows in total")
    parser.add_argument("--seed", type=int, default=20250327)
    parser.add_argument(
        "--parquet",
        action="store_true",
        help="write shipments.parquet of event rows, streamed in row groups of 10^6 rows",
    )
    args = parser.parse_args()
    if args.parquet:
        write_scaled_parquet(args.data, args.out, rows=args.rows, seed=args.seed)
    else:
        write_scaled_dataset(args.data, args.out, rows=args.rows, seed=args.seed)
