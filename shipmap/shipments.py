"""Shipment rows at any size: checked and reduced column by column.

The map needs from the shipment rows only their reduction (:class:`Figures`):
one figure per (leg, unit), one bin per (leg, unit, month), each leg's vessels,
sources and latest events. A data set's rows come in *parts*, each one Arrow
table: a CSV file read whole, or one row group of a Parquet file. Each part is
checked and reduced on its own (:func:`reduce_part`), in NumPy over dictionary
codes, so that Python only runs per distinct value; the parts' reductions are
folded in order (:meth:`Reduction.add`). Every aggregate is a sum, count,
minimum or maximum folded in the parts' order, so the same parts give the same
bytes whether they are reduced here, in threads, or on the workers of a cluster.

Rows that break a rule are only *flagged* here, cheaply and generously; the
flagged rows (a few, capped) are worded afterwards by the same checks as a
small CSV file (:mod:`shipmap.dataset`), so a Parquet file and a CSV file get
the same one-line messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shipmap.contract import BASES, LINE, UNIT, split_list

#: The columns the map and the checks need; the rest of a file is not read.
NEEDED_COLUMNS = (
    "id",
    "leg",
    "start",
    "end",
    "quantity",
    "low",
    "high",
    "unit",
    "basis",
    "vessel",
    "source",
)
#: Columns read as dictionary codes: few distinct values, many rows.
CODED_COLUMNS = ("leg", "start", "end", "unit", "basis", "vessel", "source")
NUMBER_COLUMNS = ("quantity", "low", "high")

#: A popup lists a leg's latest events, at most this many.
LATEST_EVENTS = 8
#: ... and at most this many of its vessels.
LISTED_VESSELS = 12
#: Flagged rows kept for wording, in all; past it rows are only counted.
MAX_FLAGGED = 20_000
#: Parts whose small frames (daily sums, first rows, latest events) are folded in at once.
FOLD_EVERY = 16
#: The column of a flagged row that holds its position among all rows.
ROW = "_row"

_EPOCH = np.datetime64("1970-01-01", "D")
# The years a datetime64[ns] holds, as the checks of dataset.py allow them.
_FIRST_DAY = int((np.datetime64("1678-01-01", "D") - _EPOCH).astype(int))
_LAST_DAY = int((np.datetime64("2261-12-31", "D") - _EPOCH).astype(int))
_NO_DAY = np.iinfo(np.int32).min


@dataclass(frozen=True)
class Rules:
    """What a part's rows are checked against; small, sent to every worker.

    ``legs`` or ``sources`` is ``None`` when that file could not be read, so
    that one broken file does not bury its real problems under follow-on ones.
    """

    legs: frozenset[str] | None
    sources: frozenset[str] | None


@dataclass(frozen=True)
class Figures:
    """What the map and the exports need from the shipment rows.

    Attributes
    ----------
    rows
        Shipment rows read.
    headlines
        One row per (leg, unit), as :func:`shipmap.routes.flows.headline_figures`.
    months
        Event rows binned per (leg, unit, month), as
        :func:`shipmap.routes.flows.monthly_events`.
    units
        Every unit, most rows first.
    details
        Per leg: ``vessels``, ``sources`` and ``events`` (the latest event rows,
        oldest first, and the leg's number of event rows), for its popup.
    """

    rows: int
    headlines: pd.DataFrame
    months: pd.DataFrame
    units: tuple[str, ...]
    details: dict[str, dict[str, Any]]


# ---------------------------------------------------------------------------
# Columns as codes


@dataclass
class _Coded:
    """A text column as codes into ``values`` (stripped; ``""`` = not given)."""

    codes: np.ndarray  # int32, one per row
    values: list[str]

    def mask(self, bad_values: np.ndarray) -> np.ndarray | bool:
        bad_values = np.asarray(bad_values, dtype=bool)
        return bad_values[self.codes] if bad_values.any() else False


def _coded(table: pa.Table, name: str) -> _Coded:
    """Read ``name`` as codes, one distinct stripped value each; absent: all ``""``."""
    n = table.num_rows
    if name not in table.column_names:
        return _Coded(np.zeros(n, dtype=np.int32), [""])
    column = table.column(name)
    if not pa.types.is_dictionary(column.type):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            column = pc.cast(column, pa.string())
        column = pc.dictionary_encode(column)
    if not column.num_chunks:
        return _Coded(np.zeros(0, dtype=np.int32), [""])
    dictionary, raw = dictionary_codes(column)
    index: dict[str, int] = {}
    values: list[str] = []
    remap = np.empty(len(dictionary), dtype=np.int32)
    for i, value in enumerate(dictionary):
        text = "" if value is None else str(value).strip()
        code = index.get(text)
        if code is None:
            code = index[text] = len(values)
            values.append(text)
        remap[i] = code
    return _Coded(remap[raw], values)


def dictionary_codes(column: pa.ChunkedArray) -> tuple[list[Any], np.ndarray]:
    """Return a dictionary-coded column's values (``None`` last, for empty cells) and row codes."""
    if column.num_chunks > 1:
        column = column.unify_dictionaries()
    dictionary = [*column.chunk(0).dictionary.to_pylist(), None]
    pieces = []
    for chunk in column.chunks:
        indices = chunk.indices
        if indices.null_count:
            indices = pc.fill_null(indices, len(dictionary) - 1)
        pieces.append(indices.to_numpy(zero_copy_only=False))
    return dictionary, np.concatenate(pieces) if len(pieces) > 1 else pieces[0]


def _numbers(table: pa.Table, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``name`` as float (NaN where empty), where given, and where not a number."""
    n = table.num_rows
    if name not in table.column_names:
        nothing = np.zeros(n, dtype=bool)
        return np.full(n, np.nan), nothing, nothing
    column = table.column(name)
    if column.null_count == n:  # an optional column left empty throughout
        nothing = np.zeros(n, dtype=bool)
        return np.full(n, np.nan), nothing, nothing
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, column.type.value_type)
    if (
        pa.types.is_integer(column.type)
        or pa.types.is_floating(column.type)
        or (pa.types.is_decimal(column.type))
    ):
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        if not column.null_count:
            given = np.ones(n, dtype=bool)
            finite = np.isfinite(values)
            return values, given, ~finite if not finite.all() else np.zeros(n, dtype=bool)
        given = column.is_valid().to_numpy(zero_copy_only=False)
        values = np.where(given, values, np.nan)
        return values, given, given & ~np.isfinite(values)
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    given = pc.and_(text.is_valid(), pc.not_equal(text, "")).to_numpy(zero_copy_only=False)
    blank = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    try:
        values = pc.cast(blank, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        values = pd.to_numeric(
            pd.Series(blank.to_numpy(zero_copy_only=False)), errors="coerce"
        ).to_numpy(dtype=float)
    values = np.where(given, values, np.nan)
    return values, given, given & ~np.isfinite(values)


def _days(table: pa.Table, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``name`` as days since 1970: first day, last day, where given, where bad.

    Text is ``YYYY-MM-DD``, or ``YYYY-MM`` for a whole month (first and last day
    differ); a Parquet date or timestamp column is taken as it is (a timestamp's
    day). Days outside the years 1678 to 2261 are bad, as in a CSV file.
    """
    n = table.num_rows
    column = table.column(name) if name in table.column_names else None
    if column is not None and (pa.types.is_date(column.type) or pa.types.is_timestamp(column.type)):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            column = pc.cast(column, pa.timestamp(column.type.unit))
        days_arr = pc.cast(pc.cast(column, pa.date32(), safe=False), pa.int32())
        given = days_arr.is_valid().to_numpy(zero_copy_only=False)
        days = pc.fill_null(days_arr, 0).to_numpy(zero_copy_only=False)
        bad = given & ((days < _FIRST_DAY) | (days > _LAST_DAY))
        return days, days, given, bad
    coded = _coded(table, name) if column is not None else _Coded(np.zeros(n, np.int32), [""])
    text = pd.Series(coded.values, dtype="str")
    length = text.str.len()
    day = pd.to_datetime(text.where(length == 10), format="%Y-%m-%d", errors="coerce")
    month = pd.to_datetime(text.where(length == 7), format="%Y-%m", errors="coerce")
    parsed = day.where(day.notna(), month)
    first = np.zeros(len(text), dtype=np.int64)
    ok = parsed.notna().to_numpy()
    # To days straight from the parsed dates (never through nanoseconds, where a
    # year such as 1500 wraps round to one inside the range).
    first[ok] = (parsed[ok].to_numpy().astype("datetime64[D]") - _EPOCH).astype(np.int64)
    in_range = ok & (first >= _FIRST_DAY) & (first <= _LAST_DAY)
    first = np.where(in_range, first, 0).astype(np.int32)
    is_month = month.notna().to_numpy() & in_range
    last = np.where(is_month, _month_end(first), first).astype(np.int32)
    given = (text != "").to_numpy()
    bad = given & ~in_range
    codes = coded.codes
    return first[codes], last[codes], given[codes], bad[codes]


def _month_end(days: np.ndarray) -> np.ndarray:
    """Return the last day of each day's month."""
    months = (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]")
    return ((months + 1).astype("datetime64[D]") - _EPOCH).astype(np.int32) - 1


# ---------------------------------------------------------------------------
# One part


@dataclass
class Part:
    """The reduction of one part, folded with the others by :class:`Reduction`.

    Frames hold text keys, so parts with different dictionaries fold together.
    """

    rows: int
    daily: pd.DataFrame  # leg, unit, basis, day, quantity, low, high, end, rows
    firsts: pd.DataFrame  # column, leg, cell, row: a cell's first row on a leg
    latest: pd.DataFrame  # candidate events: leg, day, row + the popup's columns
    events: dict[str, int]  # event rows per leg
    units: dict[str, int]  # rows per unit
    unit_first: dict[str, int]  # each unit's first row (its position among all rows)
    flagged: pa.Table | None  # rows that break a rule (as read), with "_row"
    n_flagged: int
    id_hashes: np.ndarray | None = None  # uint64, sorted, when ids are checked across parts
    duplicate_ids: bool = False  # when ids were checked within the part


def reduce_part(
    table: pa.Table,
    *,
    first_row: int,
    rules: Rules,
    ids: str = "within",
    max_flagged: int = MAX_FLAGGED,
) -> Part:
    """Check and reduce one part's rows.

    Parameters
    ----------
    table
        The rows: the columns of :data:`NEEDED_COLUMNS` that the file has, as
        text or dictionary-coded text, or (Parquet) numbers and dates.
    first_row
        The position of the part's first row among all parts' rows.
    rules
        The ids that legs and sources may refer to.
    ids
        ``"within"``: ids must be unique within this part (the part is all the
        rows); ``"hash"``: return their hashes, checked across parts later.
    max_flagged
        At most this many rows that break a rule are returned.
    """
    n = table.num_rows
    position = np.arange(n, dtype=np.int64)
    leg = _coded(table, "leg")
    unit = _coded(table, "unit")
    basis = _coded(table, "basis")
    start, start_last, start_given, start_bad = _days(table, "start")
    _, end_last, end_given, end_bad = _days(table, "end")
    quantity, quantity_given, quantity_bad = _numbers(table, "quantity")
    low, _, low_bad = _numbers(table, "low")
    high, _, high_bad = _numbers(table, "high")

    bad = ~start_given | start_bad | end_bad | ~quantity_given | quantity_bad | low_bad | high_bad
    legs_bad = np.array(
        [v == "" or (rules.legs is not None and v not in rules.legs) for v in leg.values]
    )
    bad |= leg.mask(legs_bad)
    bad |= unit.mask(np.array([not UNIT.fullmatch(v) for v in unit.values]))
    bad |= basis.mask(np.array([v not in ("", *BASES) for v in basis.values]))
    with np.errstate(invalid="ignore"):
        bad |= (quantity < 0) | (low < 0) | (high < 0) | (low > quantity) | (high < quantity)
    bad |= end_given & ~end_bad & ~start_bad & (end_last < start)
    source = _coded(table, "source")
    vessel = _coded(table, "vessel")
    if rules.sources is not None:
        bad |= source.mask(
            np.array(
                [
                    any(s.strip() not in rules.sources for s in v.split(";") if s.strip())
                    for v in source.values
                ]
            )
        )
    id_hashes = None
    duplicate_ids = False
    if "id" in table.column_names:
        hashes, given_ids = _id_hashes(table.column("id"))
        if ids == "hash":
            # Sorted here, in the worker: the parts' sorted runs are merged at the end
            # (:meth:`Reduction.repeated_hashes`) far faster than one sort of them all.
            id_hashes = np.sort(hashes)
        else:
            repeated = _repeated(hashes)
            if len(repeated):
                # Flag every row of a repeated id, the first one too, so that the
                # wording can say where the id was first used.
                all_hashes = np.zeros(n, dtype=np.uint64)
                all_hashes[given_ids] = hashes
                bad |= given_ids & np.isin(all_hashes, repeated)
                duplicate_ids = True

    flagged_positions = np.flatnonzero(bad)
    flagged = None
    if len(flagged_positions):
        keep = flagged_positions[:max_flagged]
        flagged = table.take(pa.array(keep)).append_column(
            ROW, pa.array(keep + first_row, pa.int64())
        )

    good = ~bad
    if not good.all():
        keep_rows = np.flatnonzero(good)
        leg = _Coded(leg.codes[keep_rows], leg.values)
        unit = _Coded(unit.codes[keep_rows], unit.values)
        basis = _Coded(basis.codes[keep_rows], basis.values)
        source = _Coded(source.codes[keep_rows], source.values)
        vessel = _Coded(vessel.codes[keep_rows], vessel.values)
        start, start_last = start[keep_rows], start_last[keep_rows]
        end_last, end_given = end_last[keep_rows], end_given[keep_rows]
        quantity, low, high = quantity[keep_rows], low[keep_rows], high[keep_rows]
        position = position[keep_rows]
    low = np.where(np.isnan(low), quantity, low)
    high = np.where(np.isnan(high), quantity, high)
    last = np.where(end_given, end_last, start_last)
    is_total = np.array([v == "total" for v in basis.values])[basis.codes]

    daily = _daily(leg, unit, is_total, start, quantity, low, high, last)
    firsts = pd.concat(
        [
            _firsts("vessel", leg, vessel, position + first_row),
            _firsts("source", leg, source, position + first_row),
        ],
        ignore_index=True,
    )
    events = ~is_total
    event_counts = np.bincount(leg.codes[events], minlength=len(leg.values))
    latest = _latest(
        daily[daily["basis"] == "event"],
        leg,
        events,
        start,
        position + first_row,
        {
            "start": start,
            "end": np.where(end_given, end_last, start_last),
            "quantity": quantity,
            "low": low,
            "high": high,
        },
        unit,
        vessel,
    )
    unit_counts = np.bincount(unit.codes, minlength=len(unit.values))
    unit_first = np.full(len(unit.values), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(unit_first, unit.codes, position + first_row)
    return Part(
        rows=n,
        daily=daily,
        firsts=firsts,
        latest=latest,
        events={leg.values[i]: int(c) for i, c in enumerate(event_counts) if c},
        units={unit.values[i]: int(c) for i, c in enumerate(unit_counts) if c},
        unit_first={unit.values[i]: int(r) for i, r in enumerate(unit_first) if unit_counts[i]},
        flagged=flagged,
        n_flagged=len(flagged_positions),
        id_hashes=id_hashes,
        duplicate_ids=duplicate_ids,
    )


def _daily(
    leg: _Coded,
    unit: _Coded,
    is_total: np.ndarray,
    start: np.ndarray,
    quantity: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    last: np.ndarray,
    counts: np.ndarray | None = None,
) -> pd.DataFrame:
    """Sum the rows per (leg, unit, basis, start day): a few thousand rows.

    ``counts``, when given, says how many rows each entry stands for (entries
    that are already sums of rows, as the compiled scan gives them).
    """
    if not len(start):
        return _empty_daily()
    first_day = int(start.min())
    span = int(start.max()) - first_day + 1
    n_units = len(unit.values)
    key = leg.codes.astype(np.int64) * n_units + unit.codes
    key = (key * 2 + is_total) * span + (start - first_day)
    size = len(leg.values) * n_units * 2 * span
    if size <= 8 * len(key) + 1_000_000:
        rows = _count(key, counts, size)
        keys = np.flatnonzero(rows)
        codes = None
    else:  # dates over centuries: number the keys that occur
        codes, keys = pd.factorize(key, sort=True)
        key, size = codes, len(keys)
        rows = _count(key, counts, size)
    ends = np.full(size, np.iinfo(np.int32).min, dtype=np.int32)
    np.maximum.at(ends, key, last)
    taken = keys if codes is None else np.arange(size)

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(key, weights=weights, minlength=size)[taken]

    day = keys % span + first_day
    rest = keys // span
    return pd.DataFrame(
        {
            "leg": np.asarray(leg.values, dtype=object)[rest // 2 // n_units],
            "unit": np.asarray(unit.values, dtype=object)[rest // 2 % n_units],
            "basis": np.where(rest % 2 == 1, "total", "event").astype(object),
            "day": day.astype(np.int32),
            "quantity": total(quantity),
            "low": total(low),
            "high": total(high),
            "end": ends[taken],
            "rows": rows[taken].astype(np.int64),
        }
    )


def _count(key: np.ndarray, counts: np.ndarray | None, size: int) -> np.ndarray:
    if counts is None:
        return np.bincount(key, minlength=size)
    found = np.zeros(size, dtype=np.int64)
    np.add.at(found, key, counts.astype(np.int64))
    return found


def _empty_daily() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "leg": pd.Series(dtype=object),
            "unit": pd.Series(dtype=object),
            "basis": pd.Series(dtype=object),
            "day": pd.Series(dtype=np.int32),
            "quantity": pd.Series(dtype=float),
            "low": pd.Series(dtype=float),
            "high": pd.Series(dtype=float),
            "end": pd.Series(dtype=np.int32),
            "rows": pd.Series(dtype=np.int64),
        }
    )


def _firsts(name: str, leg: _Coded, cells: _Coded, rows: np.ndarray) -> pd.DataFrame:
    """Each non-empty cell of ``name`` on each leg, with the first row that has it."""
    width = len(cells.values)
    key = leg.codes.astype(np.int64) * width + cells.codes
    first = np.full(len(leg.values) * width, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, key, rows)
    empty = np.array([v == "" for v in cells.values])
    seen = np.flatnonzero((first != np.iinfo(np.int64).max) & ~np.tile(empty, len(leg.values)))
    return pd.DataFrame(
        {
            "column": name,
            "leg": np.asarray(leg.values, dtype=object)[seen // width],
            "cell": np.asarray(cells.values, dtype=object)[seen % width],
            "row": first[seen],
        }
    )


def _latest(
    daily_events: pd.DataFrame,
    leg: _Coded,
    events: np.ndarray,
    day: np.ndarray,
    rows: np.ndarray,
    numbers: dict[str, np.ndarray],
    unit: _Coded,
    vessel: _Coded,
) -> pd.DataFrame:
    """Keep the event rows that may be among their leg's latest: a few per leg.

    Keeps every row whose start is on or after the day from which its leg has
    :data:`LATEST_EVENTS` rows, so ties are kept and a later fold can choose.
    """
    if not daily_events.size:
        return _pick_latest(pd.DataFrame(columns=["leg", "day", "row"]))
    threshold = np.full(len(leg.values), np.iinfo(np.int32).min, dtype=np.int64)
    index = {v: i for i, v in enumerate(leg.values)}
    for name, first_day in latest_days(daily_events).items():
        threshold[index[name]] = first_day
    chosen = np.flatnonzero(events & (day >= threshold[leg.codes]))
    frame = pd.DataFrame(
        {
            "leg": np.asarray(leg.values, dtype=object)[leg.codes[chosen]],
            "day": day[chosen],
            "row": rows[chosen],
            **{k: v[chosen] for k, v in numbers.items()},
            "unit": np.asarray(unit.values, dtype=object)[unit.codes[chosen]],
            "vessel": np.asarray(vessel.values, dtype=object)[vessel.codes[chosen]],
        }
    )
    return _pick_latest(frame)


def latest_days(daily_events: pd.DataFrame) -> dict[str, int]:
    """For each leg with enough event rows, the latest day from which it has :data:`LATEST_EVENTS`.

    A leg's latest events start on or after that day; a leg not named has fewer
    event rows in all, and every one of them is among its latest.
    """
    per_day = daily_events.groupby(["leg", "day"], sort=True)["rows"].sum()
    at_or_after = per_day.iloc[::-1].groupby(level="leg", sort=False).cumsum()
    enough = at_or_after[at_or_after >= LATEST_EVENTS].reset_index()
    if not len(enough):
        return {}
    latest = enough.groupby("leg")["day"].max()
    return {str(k): int(v) for k, v in latest.items()}


def pick_latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep each leg's latest :data:`LATEST_EVENTS` rows, by start then row."""
    return _pick_latest(frame)


def _pick_latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep each leg's latest :data:`LATEST_EVENTS` rows, by start then row."""
    if frame.empty:
        return frame
    ordered = frame.sort_values(["leg", "day", "row"], kind="stable")
    return ordered.groupby("leg", sort=False).tail(LATEST_EVENTS).reset_index(drop=True)


def _id_hashes(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the given ids, and where ids are given (not empty).

    Equal ids have equal hashes; different ids almost never do, and a repeated
    hash is checked on the ids themselves before anything is reported. The
    bytes of each id are taken 8 at a time as words, in NumPy.
    """
    text = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(text.type):
        text = text.cast(text.type.value_type)
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        text = text.cast(pa.string())
    if text.null_count:
        text = pc.fill_null(text, "")
    if _edge_space(text):
        text = pc.utf8_trim_whitespace(text)
    n = len(text)
    offset_type = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(text.buffers()[1], dtype=offset_type)[text.offset : text.offset + n + 1]
    offsets = offsets.astype(np.int64)
    data = text.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    given = np.ones(n, dtype=bool)
    lengths = np.diff(offsets)
    given &= lengths > 0
    hashes = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    if not n:
        return hashes, given
    width = int(lengths.max())
    if int(lengths.min()) == width and width:
        # Ids of one length (machine-made ids usually are): one (rows, width) block.
        words_per_id = (width + 7) // 8
        block = np.zeros((n, words_per_id * 8), dtype=np.uint8)
        block[:, :width] = raw[offsets[0] : offsets[-1]].reshape(n, width)
        with np.errstate(over="ignore"):
            for word in block.view("<u8").T:
                part = (hashes ^ word) * np.uint64(0x100000001B3)
                hashes = part ^ (part >> np.uint64(29))
        return hashes, given
    # Every 8 bytes from each id's start as one little-endian word (an unaligned
    # view of the buffer, padded so the last word can be read), bytes past the id
    # masked off.
    padded = np.concatenate([raw[: offsets[-1]], np.zeros(8, np.uint8)])
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    starts = offsets[:-1]
    with np.errstate(over="ignore"):
        for j in range((int(lengths.max()) + 7) // 8):
            longer = lengths > 8 * j
            rows = slice(None) if longer.all() else np.flatnonzero(longer)
            left = lengths[rows] - 8 * j
            word = words[starts[rows] + 8 * j]
            short = np.flatnonzero(left < 8)
            if len(short):
                bits = left[short].astype(np.uint64) * np.uint64(8)
                word[short] &= (np.uint64(1) << bits) - np.uint64(1)
            part = (hashes[rows] ^ word) * np.uint64(0x100000001B3)
            hashes[rows] = part ^ (part >> np.uint64(29))
    return hashes[given], given


def _edge_space(text: pa.Array) -> bool:
    """Whether any value may start or end with white space (looks at two bytes each)."""
    n = len(text)
    if not n:
        return False
    offset_type = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets: np.ndarray = np.frombuffer(text.buffers()[1], dtype=offset_type)
    offsets = offsets[text.offset : text.offset + n + 1]
    data = text.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    if not filled.all():
        starts, ends = starts[filled], ends[filled]
    # A byte <= 32 (ASCII white space) or >= 0x80 (of a multi-byte character, which
    # may be a space): exactly the bytes b for which b - 33, wrapped round, is >= 95.
    for edge in (raw[starts], raw[ends - 1]):
        if ((edge - np.uint8(33)) >= np.uint8(0x80 - 33)).any():
            return True
    return False


def _repeated(hashes: np.ndarray) -> np.ndarray:
    """Return the hashes that occur more than once (usually none), sorted."""
    if len(hashes) < 2:
        return np.zeros(0, dtype=np.uint64)
    ordered = np.sort(hashes)
    same = ordered[1:] == ordered[:-1]
    return np.unique(ordered[1:][same]) if same.any() else np.zeros(0, dtype=np.uint64)


# ---------------------------------------------------------------------------
# Folding parts


@dataclass
class Reduction:
    """Parts folded in order; :meth:`figures` gives the result."""

    rows: int = 0
    daily: pd.DataFrame = field(default_factory=_empty_daily)
    firsts: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["column", "leg", "cell", "row"])
    )
    latest: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    unit_first: dict[str, int] = field(default_factory=dict)
    flagged: list[pa.Table] = field(default_factory=list)
    n_flagged: int = 0
    id_hashes: list[np.ndarray] = field(default_factory=list)
    duplicate_ids: bool = False
    # Parts' small frames not folded in yet: folded FOLD_EVERY parts at a time.
    _daily_parts: list[pd.DataFrame] = field(default_factory=list, repr=False)
    _firsts_parts: list[pd.DataFrame] = field(default_factory=list, repr=False)
    _latest_parts: list[pd.DataFrame] = field(default_factory=list, repr=False)

    def add(self, part: Part) -> None:
        """Fold one more part in; parts must come in their order."""
        self.rows += part.rows
        for pending, frame in (
            (self._daily_parts, part.daily),
            (self._firsts_parts, part.firsts),
            (self._latest_parts, part.latest),
        ):
            if not frame.empty:
                pending.append(frame)
        if len(self._daily_parts) >= FOLD_EVERY or len(self._latest_parts) >= FOLD_EVERY:
            self._fold()
        for k, v in part.events.items():
            self.events[k] = self.events.get(k, 0) + v
        for k, v in part.units.items():
            self.units[k] = self.units.get(k, 0) + v
        for k, v in part.unit_first.items():
            self.unit_first[k] = min(self.unit_first.get(k, v), v)
        if part.flagged is not None and self.n_flagged < MAX_FLAGGED:
            self.flagged.append(part.flagged.slice(0, MAX_FLAGGED - self.n_flagged))
        self.n_flagged += part.n_flagged
        if part.id_hashes is not None:
            self.id_hashes.append(part.id_hashes)
        self.duplicate_ids |= part.duplicate_ids

    def _fold(self) -> None:
        """Fold the parts added since the last fold into the running figures, in order."""
        if self._daily_parts:
            frames = [self.daily, *self._daily_parts] if not self.daily.empty else self._daily_parts
            self.daily = (
                frames[0] if len(frames) == 1 else _fold_daily(pd.concat(frames, ignore_index=True))
            )
            self._daily_parts = []
        if self._firsts_parts:
            frames = (
                [self.firsts, *self._firsts_parts] if not self.firsts.empty else self._firsts_parts
            )
            if len(frames) == 1:
                self.firsts = frames[0]  # one row per (column, leg, cell) already
            else:
                both = pd.concat(frames, ignore_index=True)
                self.firsts = both.groupby(["column", "leg", "cell"], as_index=False, sort=False)[
                    "row"
                ].min()
            self._firsts_parts = []
        if self._latest_parts:
            frames = (
                [self.latest, *self._latest_parts] if not self.latest.empty else self._latest_parts
            )
            self.latest = _pick_latest(pd.concat(frames, ignore_index=True))
            self._latest_parts = []

    def repeated_hashes(self, *, threads: int | None = None) -> np.ndarray:
        """Id hashes seen more than once across the parts (usually none), sorted.

        Each part's hashes come sorted. The range of hashes is cut into as many
        slices as there are threads; each slice gathers its piece of every run
        and a stable sort (timsort) merges the pieces, the slices in parallel.
        """
        import os
        from concurrent.futures import ThreadPoolExecutor

        runs, self.id_hashes = self.id_hashes, []
        if not runs:
            return np.zeros(0, dtype=np.uint64)
        slices = threads or min(os.cpu_count() or 1, 4)
        # Hashes spread evenly over the 64-bit range: equal ranges, equal slices.
        bounds = [np.uint64(i * (2**64 // slices)) for i in range(1, slices)]
        cuts = [[0, *np.searchsorted(run, bounds), len(run)] for run in runs]
        pieces = [
            np.concatenate([run[c[i] : c[i + 1]] for run, c in zip(runs, cuts, strict=True)])
            for i in range(slices)
        ]
        del runs, cuts

        def repeated(hashes: np.ndarray) -> np.ndarray:
            hashes.sort(kind="stable")
            same = hashes[1:] == hashes[:-1]
            return np.unique(hashes[1:][same]) if same.any() else np.zeros(0, np.uint64)

        with ThreadPoolExecutor(max_workers=slices) as pool:
            found = list(pool.map(repeated, pieces))
        return np.concatenate(found)

    def figures(self) -> Figures:
        """Return the folded figures, in the shapes the pipeline's stages take."""
        self._fold()
        return Figures(
            rows=self.rows,
            headlines=_headlines(self.daily),
            months=_months(self.daily),
            units=tuple(sorted(self.units, key=lambda u: (-self.units[u], u))),
            details=self._details(),
        )

    def _details(self) -> dict[str, dict[str, Any]]:
        details: dict[str, dict[str, Any]] = {}
        firsts = self.firsts.sort_values(["column", "leg", "row"], kind="stable")
        for (column, leg), group in firsts.groupby(["column", "leg"], sort=True):
            cells = group["cell"].tolist()
            if column == "vessel":
                names: dict[str, None] = {}
                for cell in cells:
                    names.update(dict.fromkeys(split_list(cell)))
                    if len(names) >= LISTED_VESSELS:
                        break
                details.setdefault(leg, {})["vessels"] = list(names)[:LISTED_VESSELS]
            else:
                ids = [s for cell in cells for s in split_list(cell)]
                details.setdefault(leg, {})["sources"] = list(dict.fromkeys(ids))
        if not self.latest.empty:
            latest = self.latest.sort_values(["leg", "day", "row"], kind="stable")
            shown = pd.DataFrame(
                {
                    "start": _timestamps(latest["start"].to_numpy()),
                    "end": _timestamps(latest["end"].to_numpy()),
                    "quantity": latest["quantity"].to_numpy(dtype=float),
                    "low": latest["low"].to_numpy(dtype=float),
                    "high": latest["high"].to_numpy(dtype=float),
                    "unit": latest["unit"].to_numpy(dtype=object),
                    "vessel": latest["vessel"].to_numpy(dtype=object),
                }
            )
            by_leg: dict[str, list[Any]] = {}
            for leg, row in zip(latest["leg"], shown.itertuples(index=False), strict=True):
                by_leg.setdefault(str(leg), []).append(row)
            for leg, rows in by_leg.items():
                details.setdefault(leg, {})["events"] = (rows, self.events.get(leg, len(rows)))
        return details


def _timestamps(days: np.ndarray) -> np.ndarray:
    return (days.astype(np.int64).astype("datetime64[D]")).astype("datetime64[ns]")


def _fold_daily(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby(["leg", "unit", "basis", "day"], sort=True, as_index=False).agg(
        quantity=("quantity", "sum"),
        low=("low", "sum"),
        high=("high", "sum"),
        end=("end", "max"),
        rows=("rows", "sum"),
    )


def _headlines(daily: pd.DataFrame) -> pd.DataFrame:
    from shipmap.routes.flows import headline_figures, sum_figures

    if daily.empty:
        return headline_figures(pd.DataFrame())
    out = sum_figures(daily, start="day", rows=("rows", "sum"))
    out["start"] = _timestamps(out["start"].to_numpy())
    out["end"] = _timestamps(out["end"].to_numpy())
    return out.astype({"leg": "str", "unit": "str", "basis": "str"})


def _months(daily: pd.DataFrame) -> pd.DataFrame:
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
    month = events["day"].to_numpy().astype("datetime64[D]").astype("datetime64[M]")
    binned = (
        events.assign(month=month.astype("datetime64[us]"))
        .groupby(["leg", "unit", "month"], sort=True)
        .agg(quantity=("quantity", "sum"), rows=("rows", "sum"))
        .reset_index()
    )
    return binned.astype({"leg": "str", "unit": "str"})


# ---------------------------------------------------------------------------
# Reading: a CSV file as one part, Parquet row groups as parts


def csv_header_and_lines(data: bytes) -> tuple[list[str], int] | None:
    """Return a CSV file's header names and its number of lines, for a fast reader.

    ``None`` when the header is one a fast reader may misread (quotes, not UTF-8,
    a name empty, repeated or starting with ``_``): the exact parser reads the
    file instead. Line breaks at the end of the file do not count.
    """
    first_break = data.find(b"\n")
    header = data[: first_break if first_break >= 0 else len(data)].rstrip(b"\r")
    if b'"' in header or not header.strip():
        return None
    try:
        names = [n.strip() for n in header.decode("utf-8").split(",")]
    except UnicodeDecodeError:
        return None
    if any(n == "" or n.startswith("_") for n in names) or len(set(names)) != len(names):
        return None
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    return names, data.count(b"\n", 0, end) + 1


def read_csv_fast(
    data: bytes, *, meanwhile: Callable[[], None] | None = None
) -> tuple[list[str], pa.Table] | None:
    """Read the needed columns of a CSV file's bytes with pyarrow's threaded reader.

    Returns the header's names and the rows (text columns dictionary-coded,
    numbers as float, plus ``_line``), or ``None`` when line numbers would be
    wrong, so that the exact parser reads the file instead. Row ``i`` is on line
    ``i + 2`` exactly when the header is the first line and every row is one
    line: no blank lines, no line breaks inside quoted cells.

    ``meanwhile``, when given, runs on this thread while pyarrow parses in its
    own threads (they release the GIL): at most once, and not at all when the
    header sends the file to the exact parser. Should it raise, the error is
    raised once the parse has ended.
    """
    import pyarrow.csv as pacsv

    found = csv_header_and_lines(data)
    if found is None:
        return None
    names, physical_lines = found
    wanted = [c for c in NEEDED_COLUMNS if c in names]
    coded = pa.dictionary(pa.int32(), pa.string())
    types = {c: coded if c in CODED_COLUMNS else pa.string() for c in wanted}
    read = pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True)
    parse = pacsv.ParseOptions(newlines_in_values=False)
    table = None
    for numbers in (pa.float64(), pa.string()):  # text only when some cell is not a number
        types.update({c: numbers for c in NUMBER_COLUMNS if c in wanted})
        convert = pacsv.ConvertOptions(
            include_columns=wanted,
            column_types=types,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[""],
        )

        def read_rows(convert: pacsv.ConvertOptions = convert) -> pa.Table:
            return pacsv.read_csv(
                pa.py_buffer(data), read_options=read, parse_options=parse, convert_options=convert
            )

        try:
            table = _parse_meanwhile(read_rows, meanwhile)
            break
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue
        finally:
            meanwhile = None
    if table is None or physical_lines != table.num_rows + 1:
        return None
    lines = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
    return names, table.combine_chunks().append_column(LINE, lines)


def _parse_meanwhile(
    parse: Callable[[], pa.Table], meanwhile: Callable[[], None] | None
) -> pa.Table:
    """Run ``parse`` (pyarrow, which releases the GIL) in a thread and ``meanwhile`` here."""
    if meanwhile is None:
        return parse()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        parsed = pool.submit(parse)
        meanwhile()  # should it fail, leaving the block waits for the parse, then raises
        return parsed.result()


def blank_rows(table: pa.Table, data: bytes) -> np.ndarray:
    """Positions of rows that are blank lines of cells (``,,,``), which a CSV may have.

    Looks only at rows whose needed cells are all empty, then at their lines.
    """
    empty = np.ones(table.num_rows, dtype=bool)
    for name in NEEDED_COLUMNS:
        if name not in table.column_names:
            continue
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            column = pc.cast(column, column.type.value_type)
        if pa.types.is_string(column.type):
            given = pc.not_equal(pc.utf8_trim_whitespace(column), "")
            empty &= ~pc.fill_null(given, False).to_numpy(zero_copy_only=False)
        else:
            empty &= ~column.is_valid().to_numpy(zero_copy_only=False)
        if not empty.any():
            return np.zeros(0, dtype=np.int64)
    candidates = np.flatnonzero(empty)
    lines = data.split(b"\n")
    return np.array([p for p in candidates if not lines[p + 1].strip(b", \t\r")], dtype=np.int64)


def frame_table(frame: pd.DataFrame) -> pa.Table:
    """Turn a frame of rows (text, or validated typed columns) into a part's table."""
    columns = {c: frame[c] for c in (*NEEDED_COLUMNS, LINE) if c in frame.columns}
    return pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)


@dataclass(frozen=True)
class PartSpec:
    """Where one part's rows are: a row group of a Parquet file.

    ``path`` is absolute, as the workers of a cluster on shared storage see it
    too; ``label`` is the file as a user names it, relative to the data set.
    """

    path: str
    label: str
    row_group: int
    first_row: int  # position of its first row among all rows
    rows: int
    partition: tuple[tuple[str, str], ...] = ()  # hive partition values: (("unit", "troops"),)


def parquet_parts(files: list[tuple[Path, str]]) -> list[PartSpec]:
    """One :class:`PartSpec` per row group of each ``(path, label)``, in order."""
    import pyarrow.parquet as pq

    parts = []
    first = 0
    for path, label in files:
        meta = pq.ParquetFile(path).metadata
        partition = tuple(
            (key, value)
            for key, _, value in (
                piece.partition("=") for piece in Path(label).parent.parts if "=" in piece
            )
        )
        for group in range(meta.num_row_groups):
            rows = meta.row_group(group).num_rows
            parts.append(PartSpec(str(path), label, group, first, rows, partition))
            first += rows
    return parts


def read_part(spec: PartSpec, columns: tuple[str, ...] = NEEDED_COLUMNS) -> pa.Table:
    """Read ``columns`` of one row group, text columns as dictionary codes."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(spec.path)
    names = file.schema_arrow.names
    wanted = [c for c in columns if c in names]
    coded = [c for c in wanted if c in CODED_COLUMNS]
    file = pq.ParquetFile(spec.path, read_dictionary=coded)
    table = file.read_row_group(spec.row_group, columns=wanted, use_threads=False)
    for key, value in spec.partition:
        if key in columns and key not in table.column_names:
            codes = pa.array(np.zeros(table.num_rows, np.int32))
            table = table.append_column(
                key, pa.DictionaryArray.from_arrays(codes, pa.array([value]))
            )
    return table


def check_part(spec: PartSpec, rules: Rules) -> Part:
    """Read, check and reduce one row group: the unit of work, here or on a worker."""
    return reduce_part(read_part(spec), first_row=spec.first_row, rules=rules, ids="hash")


def reduce_parts(
    parts: list[PartSpec],
    rules: Rules,
    *,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Reduction:
    """Check and reduce every part in threads, folding them in order.

    At most a few parts are in memory at once, whatever the number of rows.
    """
    import os
    from concurrent.futures import Future, ThreadPoolExecutor

    workers = threads or min(os.cpu_count() or 1, 4)
    reduction = Reduction()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[Part]] = []
        for spec in parts:
            pending.append(pool.submit(check_part, spec, rules))
            if len(pending) > workers:
                reduction.add(pending.pop(0).result())
                if progress is not None:
                    progress(reduction.rows)
        for future in pending:
            reduction.add(future.result())
            if progress is not None:
                progress(reduction.rows)
    return reduction


def rows_with_ids(parts: list[PartSpec], hashes: np.ndarray) -> pa.Table:
    """Read again the rows whose id hash is among ``hashes``, with ``_row``."""
    found = []
    for spec in parts:
        table = read_part(spec)
        if "id" not in table.column_names:
            continue
        part_hashes, given = _id_hashes(table.column("id"))
        every = np.zeros(table.num_rows, dtype=np.uint64)
        every[given] = part_hashes
        where = np.flatnonzero(given & np.isin(every, hashes))
        if len(where):
            found.append(
                table.take(pa.array(where)).append_column(
                    ROW, pa.array(where + spec.first_row, pa.int64())
                )
            )
    return pa.concat_tables(found, promote_options="permissive") if found else pa.table({})


def figures_of(shipments: pd.DataFrame) -> Figures:
    """Reduce a frame of validated shipment rows (as ``Dataset.shipments``)."""
    reduction = Reduction()
    part = reduce_part(frame_table(shipments), first_row=0, rules=Rules(None, None))
    reduction.add(part)
    return reduction.figures()
