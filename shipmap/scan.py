"""Parquet shipments checked and reduced by compiled scans (DuckDB), no row in Python.

The row-group engine of :mod:`shipmap.shipments` reads every checked column of
every row group into Arrow and NumPy. Here the embedded engine does the same
work in a few aggregate queries over all the files at once, in its own threads
and with bounded memory:

1. per (leg, unit, basis, start day) as the rows give them: the sums the map
   needs and the row count; before them, one pass without groups finds the
   extremes of every rule on numbers and dates (the smallest quantity, the
   largest ``low - quantity``, ...). Where the dates are stored as dates and no
   value comes from a folder's name, both come instead from one read of the row
   groups, checked and summed in NumPy over their dictionary codes
   (:func:`_read_row_groups`): the engine's hash table keyed by day costs about
   three times as much CPU;
2. per (leg, vessel) and (leg, source): the first row of each (in that same
   read of the row groups, where there is one);
3. the few rows that may be among each leg's latest events.

Distinct *values* (a few thousand) are then checked and stripped in Python by
the very helpers the row-group engine uses, so both read a cell the same way.
Ids are unique when each row group's ids increase and the row groups follow
one another in order (machine-made ids usually do); that is checked first, or
in the one read of the row groups.

The scan gives the same figures, to the byte, as the row-group engine, or gives
up (returns ``None``) and leaves the work to it:

- when any row breaks a rule: the row-group engine then finds and words every
  problem, naming file, row group and row, as before;
- when a sum could depend on the order its rows are added in: figures that are
  not whole numbers (or multiples of 1/1024), or whose total is too large to add
  up exactly in a float, are summed in the row-group engine's order;
- when the ids are not in increasing order (or have spaces at either end):
  the row-group engine compares their hashes in the same pass as the rest;
- when a column is stored in a type the scan does not read the same way
  (numbers as text, timestamps, decimals), or a path looks like a pattern.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shipmap.cache import cache_dir, ensure_cache_dir
from shipmap.contract import BASES, UNIT
from shipmap.shipments import (
    NEEDED_COLUMNS,
    PartSpec,
    Reduction,
    Rules,
    _coded,
    _daily,
    _days,
    _edge_space,
    _fold_daily,
    dictionary_codes,
    latest_days,
    pick_latest,
)

__all__ = ["scan_parquet"]

#: Memory the engine may use before it spills to its temporary folder.
MEMORY_LIMIT = "2GB"
#: Sums of whole numbers stay exact in a float below this.
_EXACT_WHOLE = 2.0**52
#: Figures that are multiples of 1/1024 (0.5, 0.25, 12.125 ...) stay exact below this.
_EXACT_FRACTION = 2.0**42

_TEXT = ("leg", "unit", "basis", "vessel", "source")
_NUMBERS = ("quantity", "low", "high")
_FIRST_DAY = np.datetime64("1678-01-01", "D")
_LAST_DAY = np.datetime64("2261-12-31", "D")
_FIRST_DAY_NUMBER = int((_FIRST_DAY - np.datetime64("1970-01-01", "D")).astype(int))
_LAST_DAY_NUMBER = int((_LAST_DAY - np.datetime64("1970-01-01", "D")).astype(int))
#: Days a key keeps apart: every day from the first to the last.
_DAYS = _LAST_DAY_NUMBER - _FIRST_DAY_NUMBER + 1


def scan_parquet(
    parts: list[PartSpec],
    files: list[tuple[Path, str]],
    rules: Rules,
    *,
    progress: Callable[[int], None] | None = None,
) -> Reduction | None:
    """Check and reduce Parquet shipments in compiled scans, or return ``None``.

    Parameters
    ----------
    parts
        Every row group, in order (:func:`shipmap.shipments.parquet_parts`).
    files
        Every file, in order, as ``(path, label)``.
    rules
        The ids that legs and sources may refer to.
    progress
        Called with the number of rows done when the scans are over.

    Returns
    -------
    Reduction or None
        The reduction the row-group engine would give for the same rows, or
        ``None`` when some row breaks a rule or the scan cannot promise the same
        bytes (see the module's docstring): then nothing was decided.
    """
    layout = _layout(files)
    # Ids first: out of order, they are checked by hash, which the row groups do
    # in the same pass as everything else (a second pass here would cost more).
    # The one read of the row groups checks them as it goes.
    if layout is None or not parts:
        return None
    if not _arrow_ready(layout) and not _ids_in_order(parts):
        return None
    try:
        import duckdb
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    offsets = _file_offsets(parts, len(files))
    # Spill files (only if the memory limit is reached) go to a private folder of
    # their own inside the cache (a system temporary folder when caches are off),
    # removed with everything in it when the scans are over.
    with tempfile.TemporaryDirectory(prefix="spill-", dir=_spill_folder()) as scratch:
        config: dict[str, str | bool | int | float | list[str]] = {
            "threads": os.cpu_count() or 1,
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": scratch,
            "preserve_insertion_order": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
        con = duckdb.connect(config=config)
        try:
            con.execute("SET enable_progress_bar = false")
            reduction = _scan(con, layout, offsets, rules, parts)
        except duckdb.InterruptException:
            raise KeyboardInterrupt from None
        except duckdb.Error:
            # A file the engine cannot read as pyarrow does, or no memory left even
            # with spilling: the row groups read it, one at a time, and say what is wrong.
            reduction = None
        finally:
            con.close()
    if reduction is None:
        return None
    if progress is not None:
        progress(reduction.rows)
    return reduction


def _spill_folder() -> Path | None:
    """Return the cache's folder for spill files (``None``: the system's temporary folder)."""
    folder = cache_dir("scan")
    if folder is None:
        return None
    try:
        return ensure_cache_dir(folder)
    except OSError:  # a cache that cannot be written only costs the choice of folder
        return None


# ---------------------------------------------------------------------------
# What the files hold


class _Layout:
    """The files as the queries see them: their paths, columns and types."""

    def __init__(
        self,
        paths: list[str],
        present: dict[str, pa.DataType],
        partitioned: dict[str, list[str]],
    ) -> None:
        self.paths = paths
        self.present = present  # needed column -> its type in the files that have it
        self.partitioned = partitioned  # needed column -> its value per file (hive folders)
        self.dated = pa.types.is_date32(present["start"]) if "start" in present else False
        if "end" in present and not pa.types.is_date32(present["end"]):
            self.dated = False
        self.many = len(paths) > 1

    def column(self, name: str) -> str:
        """Return the SQL expression of one needed column (NULL where no file has it)."""
        if name in _NUMBERS:
            return f'CAST("{name}" AS DOUBLE)' if name in self.present else "NULL::DOUBLE"
        if name in ("start", "end"):
            if name in self.present:
                return f'"{name}"'
            return "NULL::DATE" if self.dated else "NULL::VARCHAR"
        return f'"{name}"' if name in self.present else "NULL::VARCHAR"

    def source(self, *, rows: bool) -> str:
        """Return the rows: every needed column under its own name, the file (and row)."""
        listed = ", ".join("'" + p.replace("'", "''") + "'" for p in self.paths)
        names = [c for c in NEEDED_COLUMNS if c != "id"]
        columns = ", ".join(f'{self.column(c)} AS "{c}"' for c in names)
        file = "file_index" if self.many else "0"
        row = "file_row_number AS r, " if rows else ""
        return (
            f"(SELECT {file} AS f, {row}{columns} FROM read_parquet([{listed}], "
            f"file_row_number = {'true' if rows else 'false'}, union_by_name = true, "
            "hive_partitioning = false))"
        )


def _layout(files: list[tuple[Path, str]]) -> _Layout | None:
    """Read the files' schemas; ``None`` when the scan would not read them as the engine does."""
    import pyarrow.parquet as pq

    present: dict[str, pa.DataType] = {}
    per_file: list[dict[str, str]] = []
    paths = []
    for path, label in files:
        text = str(path)
        if any(ch in text for ch in "*?[]{}") or "://" in text:
            return None  # the engine would read it as a pattern or an address
        paths.append(text)
        schema = pq.read_schema(path)
        for name in NEEDED_COLUMNS:
            if name not in schema.names:
                continue
            kind = schema.field(name).type
            if pa.types.is_dictionary(kind):
                kind = kind.value_type
            if pa.types.is_large_string(kind):
                kind = pa.string()
            if name in present and present[name] != kind:
                return None  # one column, two types: the engine would pick one for both
            present[name] = kind
        per_file.append(
            {
                key: value
                for key, _, value in (
                    piece.partition("=") for piece in Path(label).parent.parts if "=" in piece
                )
                if key in NEEDED_COLUMNS
            }
        )
    for name, kind in present.items():
        if name == "id":
            continue
        if name in _NUMBERS:
            ok = pa.types.is_integer(kind) or pa.types.is_floating(kind)
        elif name in ("start", "end"):
            ok = pa.types.is_date32(kind) or pa.types.is_string(kind)
        else:
            ok = pa.types.is_string(kind)
        if not ok:
            return None
    partitioned: dict[str, list[str]] = {}
    for key in {k for found in per_file for k in found}:
        if key in present or key == "id" or not all(key in found for found in per_file):
            return None  # a value in both the path and the file, or in some paths only
        partitioned[key] = [found[key] for found in per_file]
    if any(name in partitioned for name in (*_NUMBERS, "start", "end")):
        return None
    return _Layout(paths, present, partitioned)


def _file_offsets(parts: list[PartSpec], n_files: int) -> np.ndarray:
    """Return the position of each file's first row among all rows."""
    offsets = np.zeros(n_files, dtype=np.int64)
    seen: dict[str, int] = {}
    for spec in parts:
        if spec.path not in seen:
            seen[spec.path] = len(seen)
            offsets[len(seen) - 1] = spec.first_row
    return offsets


# ---------------------------------------------------------------------------
# The scans


def _scan(
    con: Any, layout: _Layout, offsets: np.ndarray, rules: Rules, parts: list[PartSpec]
) -> Reduction | None:
    first_rows: dict[str, tuple[pa.Table, np.ndarray]] | None = None
    if _arrow_ready(layout):
        try:
            found_groups = _read_row_groups(parts)
        except (pa.ArrowException, OSError):
            # A row group pyarrow cannot read: the row groups engine says which.
            return None
        if found_groups is None:
            return None
        groups, first_rows = found_groups
    else:
        if not _rows_keep_the_rules(con, layout):
            return None
        src = layout.source(rows=False)
        end_key = "" if layout.dated else ', "end"'
        last = ', max(coalesce("end", start)) AS last' if layout.dated else ""
        groups = _query(
            con,
            f"SELECT f, leg, unit, basis, start{end_key}, count(*) AS n, sum(quantity) AS q_sum, "
            "sum(coalesce(low, quantity)) AS low_sum, sum(coalesce(high, quantity)) AS high_sum"
            f"{last} FROM {src} GROUP BY ALL",
        )
    groups = _fill_partitions(groups, layout)
    found = _check_groups(groups, layout, rules)
    if found is None:
        return None
    leg, unit, is_total, start, last_day = found
    rows = groups.column("n").to_numpy().astype(np.int64)

    def sums(name: str) -> np.ndarray:
        return _floats(groups, name)

    daily = _fold_daily(
        _daily(
            leg,
            unit,
            is_total,
            start,
            sums("q_sum"),
            sums("low_sum"),
            sums("high_sum"),
            last_day,
            rows,
        )
    )
    src = layout.source(rows=True)
    if first_rows is None:
        first_rows = _first_rows_queried(con, src, layout, offsets)
    firsts = _firsts(first_rows, rules)
    if firsts is None:
        return None
    firsts, unit_first = firsts
    event_rows = np.bincount(leg.codes[~is_total], rows[~is_total], minlength=len(leg.values))
    unit_rows = np.bincount(unit.codes, rows, minlength=len(unit.values))
    latest = _latest(con, src, layout, offsets, groups, daily, leg, is_total, start)
    return Reduction(
        rows=int(rows.sum()),
        daily=daily,
        firsts=firsts,
        latest=latest,
        events={leg.values[i]: int(c) for i, c in enumerate(event_rows) if c},
        units={unit.values[i]: int(c) for i, c in enumerate(unit_rows) if c},
        unit_first={u: unit_first[u] for i, u in enumerate(unit.values) if unit_rows[i]},
    )


def _rows_keep_the_rules(con: Any, layout: _Layout) -> bool:
    """Whether every row keeps the rules on numbers and dates, and every sum will be exact.

    One pass without groups: the extremes of each rule's expression over all
    rows. ``x - floor(x)`` is 0 for a whole number, above 0 for a fraction and
    NaN for NaN or an infinity, so it also finds the numbers that are not finite.
    """
    src = layout.source(rows=False)
    dated = (
        ', min("end" - start) AS end_before, min("end") AS end_first, max("end") AS end_last'
        if layout.dated
        else ""
    )

    def fractions(scale: str) -> str:
        return ", ".join(f"max({c}{scale} - floor({c}{scale})) AS {c}_fraction" for c in _NUMBERS)

    found = _query(
        con,
        "SELECT count(*) AS n, count(quantity) AS n_given, min(quantity) AS quantity_min, "
        "min(low) AS low_min, min(high) AS high_min, max(low - quantity) AS low_over, "
        f"min(high - quantity) AS high_under, {fractions('')}, "
        "sum(quantity) + coalesce(sum(low), 0) + coalesce(sum(high), 0) AS total"
        f"{dated} FROM {src}",
    ).to_pylist()[0]
    if found["n_given"] < found["n"]:
        return False
    for name in ("quantity_min", "low_min", "high_min"):
        if found[name] is not None and not found[name] >= 0:
            return False
    if found["low_over"] is not None and not found["low_over"] <= 0:
        return False
    if found["high_under"] is not None and not found["high_under"] >= 0:
        return False
    if layout.dated:
        if found["end_before"] is not None and found["end_before"] < 0:
            return False
        first, last = found["end_first"], found["end_last"]
        if first is not None and not _FIRST_DAY <= np.datetime64(first, "D") <= _LAST_DAY:
            return False
        if last is not None and not _FIRST_DAY <= np.datetime64(last, "D") <= _LAST_DAY:
            return False
    fractions_found = [found[f"{c}_fraction"] for c in _NUMBERS]
    if any(f is not None and not math.isfinite(f) for f in fractions_found):
        return False  # NaN or an infinity
    # Every row's figures are >= 0 now, so no partial sum exceeds the total.
    total = float(found["total"] or 0.0)
    if all(f is None or f == 0 for f in fractions_found):
        return total < _EXACT_WHOLE
    scaled = _query(con, f"SELECT {fractions(' * 1024')} FROM {src}").to_pylist()[0]
    return all(f is None or f == 0 for f in scaled.values()) and total < _EXACT_FRACTION


def _query(con: Any, sql: str) -> pa.Table:
    """Run one query and return its result as an Arrow table."""
    relation = con.sql(sql)
    to_table = getattr(relation, "to_arrow_table", None)  # DuckDB 1.4 and later
    return to_table() if to_table is not None else relation.fetch_arrow_table()


def _fill_partitions(table: pa.Table, layout: _Layout) -> pa.Table:
    """Put the values that hive folders give (``unit=troops/``) where the rows have none."""
    if not layout.partitioned:
        return table
    files = table.column("f").to_numpy()
    for name, values in layout.partitioned.items():
        if name in table.column_names:
            column = pa.array(np.asarray(values, dtype=object)[files], pa.string())
            table = table.set_column(table.column_names.index(name), name, column)
    return table


def _check_groups(groups: pa.Table, layout: _Layout, rules: Rules) -> Any:
    """Check each distinct (leg, unit, basis, start, end); ``None`` when one breaks a rule."""
    leg = _coded(groups, "leg")
    unit = _coded(groups, "unit")
    basis = _coded(groups, "basis")
    start, start_last, start_given, start_bad = _days(groups, "start")
    bad = ~start_given | start_bad
    bad |= leg.mask(
        np.array([v == "" or (rules.legs is not None and v not in rules.legs) for v in leg.values])
    )
    bad |= unit.mask(np.array([not UNIT.fullmatch(v) for v in unit.values]))
    bad |= basis.mask(np.array([v not in ("", *BASES) for v in basis.values]))
    if layout.dated:
        last = _day_numbers(groups.column("last"), start_last)
    else:
        _, end_last, end_given, end_bad = _days(groups, "end")
        bad |= end_bad | (end_given & ~start_bad & (end_last < start))
        last = np.where(end_given, end_last, start_last)
    if bad.any():
        return None
    is_total = np.array([v == "total" for v in basis.values], dtype=bool)[basis.codes]
    return leg, unit, is_total, start, last.astype(np.int32)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name)
    return np.asarray(pc.fill_null(pc.cast(column, pa.float64()), np.nan).to_numpy(), dtype=float)


def _day(day: np.datetime64) -> int:
    return int((day - np.datetime64("1970-01-01", "D")).astype(int))


def _day_numbers(column: pa.ChunkedArray, otherwise: np.ndarray) -> np.ndarray:
    """Days since 1970 of a date column; ``otherwise`` where it is empty."""
    days = pc.cast(pc.cast(column, pa.date32()), pa.int32())
    given = days.is_valid().to_numpy(zero_copy_only=False)
    return np.where(given, pc.fill_null(days, 0).to_numpy(zero_copy_only=False), otherwise)


def _first_rows_queried(
    con: Any, src: str, layout: _Layout, offsets: np.ndarray
) -> dict[str, tuple[pa.Table, np.ndarray]]:
    """Query the first row of each (leg, vessel, unit) and (leg, source) of each file.

    ``{"vessel": (values, rows), "source": ...}``: a table of ``leg``, the cell
    (and ``unit``), and the position of its first row among all rows.
    """
    found = {}
    for name in ("vessel", "source"):
        if name == "source" and name not in layout.present and name not in layout.partitioned:
            continue
        also = ", unit" if name == "vessel" else ""
        table = _query(
            con, f"SELECT f, leg, {name}{also}, min(r) AS first_row FROM {src} GROUP BY ALL"
        )
        table = _fill_partitions(table, layout)
        rows = offsets[table.column("f").to_numpy()] + table.column("first_row").to_numpy()
        found[name] = (table, rows)
    return found


def _firsts(
    found: dict[str, tuple[pa.Table, np.ndarray]], rules: Rules
) -> tuple[pd.DataFrame, dict[str, int]] | None:
    """Each vessel and source cell of each leg with its first row, and each unit's first row.

    From the first row of each (leg, vessel, unit) and (leg, source) as the
    files give them (:func:`_first_rows_queried` or the one read of the row
    groups). ``None`` when a row names a source that ``sources.csv`` does not have.
    """
    frames = []
    unit_first: dict[str, int] = {}
    for name, (table, rows) in found.items():
        leg = _coded(table, "leg")
        cells = _coded(table, name)
        if name == "source" and rules.sources is not None:
            known = rules.sources
            unknown = np.array(
                [
                    any(s.strip() not in known for s in v.split(";") if s.strip())
                    for v in cells.values
                ],
                dtype=bool,
            )
            if unknown[cells.codes].any():
                return None
        frame = pd.DataFrame(
            {
                "column": name,
                "leg": np.asarray(leg.values, dtype=object)[leg.codes],
                "cell": np.asarray(cells.values, dtype=object)[cells.codes],
                "row": rows.astype(np.int64),
            }
        )
        if name == "vessel":
            unit = _coded(table, "unit")
            by_unit = pd.Series(frame["row"].to_numpy()).groupby(
                np.asarray(unit.values, dtype=object)[unit.codes]
            )
            unit_first = {str(k): int(v) for k, v in by_unit.min().items()}
        frame = frame[frame["cell"] != ""]
        frames.append(
            frame.groupby(["column", "leg", "cell"], as_index=False, sort=True)["row"].min()
        )
    return pd.concat(frames, ignore_index=True), unit_first


def _latest(
    con: Any,
    src: str,
    layout: _Layout,
    offsets: np.ndarray,
    groups: pa.Table,
    daily: pd.DataFrame,
    leg: Any,
    is_total: np.ndarray,
    start: np.ndarray,
) -> pd.DataFrame:
    """Each leg's latest event rows: read again, only those that start late enough."""
    events = daily[daily["basis"] == "event"]
    if events.empty:
        return pick_latest(pd.DataFrame(columns=["leg", "day", "row"]))
    from_day = latest_days(events)
    lowest = np.iinfo(np.int64).min
    threshold = np.array([from_day.get(v, lowest) for v in leg.values], dtype=np.int64)
    wanted = ~is_total & (start >= threshold[leg.codes])
    starts = pc.unique(groups.column("start").filter(pa.array(wanted))).to_pylist()
    columns = 'f, r, leg, start, "end", quantity, low, high, unit, vessel, basis'
    rows = _query(con, f"SELECT {columns} FROM {src} WHERE {_one_of('start', starts)}")
    rows = _fill_partitions(rows, layout)
    row_leg = _coded(rows, "leg")
    row_unit = _coded(rows, "unit")
    row_vessel = _coded(rows, "vessel")
    row_basis = _coded(rows, "basis")
    day, day_last, _, _ = _days(rows, "start")
    _, end_last, end_given, _ = _days(rows, "end")
    row_total = np.array([v == "total" for v in row_basis.values], dtype=bool)[row_basis.codes]
    row_threshold = np.array([from_day.get(v, lowest) for v in row_leg.values], dtype=np.int64)[
        row_leg.codes
    ]
    chosen = np.flatnonzero(~row_total & (day >= row_threshold))
    quantity = _floats(rows, "quantity")[chosen]
    low = _floats(rows, "low")[chosen]
    high = _floats(rows, "high")[chosen]
    position = offsets[rows.column("f").to_numpy()] + rows.column("r").to_numpy()
    frame = pd.DataFrame(
        {
            "leg": np.asarray(row_leg.values, dtype=object)[row_leg.codes[chosen]],
            "day": day[chosen],
            "row": position[chosen].astype(np.int64),
            "start": day[chosen],
            "end": np.where(end_given, end_last, day_last)[chosen],
            "quantity": quantity,
            "low": np.where(np.isnan(low), quantity, low),
            "high": np.where(np.isnan(high), quantity, high),
            "unit": np.asarray(row_unit.values, dtype=object)[row_unit.codes[chosen]],
            "vessel": np.asarray(row_vessel.values, dtype=object)[row_vessel.codes[chosen]],
        }
    )
    return pick_latest(frame)


def _one_of(name: str, values: list[Any]) -> str:
    """Return a condition the engine checks as it reads: ``name`` is one of ``values``."""
    literals = []
    for value in values:
        if isinstance(value, str):
            literals.append("'" + value.replace("'", "''") + "'")
        else:
            literals.append(f"DATE '{value.isoformat()}'")
    if not literals:
        return "false"
    condition = f'"{name}" IN ({", ".join(literals)})'
    if not isinstance(values[0], str):  # dates: a range the row groups' statistics can skip
        condition += f" AND \"{name}\" >= DATE '{min(values).isoformat()}'"
    return condition


# ---------------------------------------------------------------------------
# Rules, ids, day sums and first rows in one read of the row groups


def _arrow_ready(layout: _Layout) -> bool:
    """Whether the row groups give the rules and day sums here (dates as dates, no folders)."""
    return layout.dated and not layout.partitioned and "start" in layout.present


def _read_row_groups(
    parts: list[PartSpec],
) -> tuple[pa.Table, dict[str, tuple[pa.Table, np.ndarray]]] | None:
    """Return the sums per (file, leg, unit, basis, start day) and the first rows.

    The table the engine's grouped query gives (``n``, ``q_sum``, ``low_sum``,
    ``high_sum``, ``last``) and what :func:`_first_rows_queried` gives, made in
    one read: each row group is checked and summed in NumPy over its dictionary
    codes, in threads, and the row groups' small results are added up here, in
    order. ``None`` when a row breaks a rule, when the ids do not increase from
    row to row and from row group to row group (as :func:`_ids_in_order`
    requires), or when a sum could depend on the order its rows are added in.
    Measured at 10^7 rows, the rules and sums cost about a third of the CPU of
    the engine's two passes (its hash table keyed by day is the dear part).
    """
    files = {path: i for i, path in enumerate(dict.fromkeys(spec.path for spec in parts))}
    workers = os.cpu_count() or 1
    merged = _Sums()
    previous: Any = None  # the last id so far
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[Any]] = deque()
        for spec in [*parts, None]:
            if spec is not None:
                pending.append(pool.submit(_part_sums, spec, files[spec.path]))
                if len(pending) <= workers:
                    continue
            while pending and (spec is None or len(pending) > workers):
                found = pending.popleft().result()
                ids = _NO_IDS if found is None else found.ids
                if ids is not _NO_IDS and (
                    ids is None or (previous is not None and not previous < ids[0])
                ):
                    found = None
                if found is None:
                    for future in pending:
                        future.cancel()
                    return None
                if ids is not _NO_IDS:
                    previous = ids[1]
                merged.add(found)
    sums = merged.table()
    return None if sums is None else (sums, merged.first_rows())


class _Sums:
    """Row groups' sums added up: one entry per (file, leg, unit, basis, day).

    And the first row of each (leg, vessel, unit) and (leg, source), the
    smallest position seen.
    """

    def __init__(self) -> None:
        self.firsts: dict[str, dict[tuple[Any, ...], int]] = {"vessel": {}, "source": {}}
        self.names: dict[tuple[Any, ...], int] = {}
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.key = np.zeros(0, np.int64)
        self.sums = np.zeros((4, 0))
        self.last = np.zeros(0, np.int32)
        self.fractions = False
        self.total = 0.0

    def add(self, found: _PartSums) -> None:
        for name, (cells, rows) in found.firsts.items():
            seen = self.firsts[name]
            for cell, row in zip(cells, rows.tolist(), strict=True):
                if row < seen.get(cell, row + 1):
                    seen[cell] = row
        ids = np.array([self.names.setdefault(k, len(self.names)) for k in found.names], np.int64)
        ids = ids[found.which] if len(ids) else np.zeros(0, np.int64)
        self.fractions |= found.fractions
        self.total += found.total
        self.pending.append((ids * _DAYS + found.days, found.sums, found.last))
        if sum(len(key) for key, _, _ in self.pending) > 1_000_000:
            self._fold()

    def _fold(self) -> None:
        if not self.pending:
            return
        key = np.concatenate([self.key, *(key for key, _, _ in self.pending)])
        sums = np.concatenate([self.sums, *(sums for _, sums, _ in self.pending)], axis=1)
        last = np.concatenate([self.last, *(last for _, _, last in self.pending)])
        self.pending = []
        self.key, at = np.unique(key, return_inverse=True)
        self.sums = np.stack([np.bincount(at, row, len(self.key)) for row in sums])
        self.last = np.full(len(self.key), np.iinfo(np.int32).min, np.int32)
        np.maximum.at(self.last, at, last)

    def first_rows(self) -> dict[str, tuple[pa.Table, np.ndarray]]:
        """Return the first rows, as :func:`_first_rows_queried` gives them."""
        out = {}
        for name, columns in (("vessel", ("leg", "vessel", "unit")), ("source", ("leg", "source"))):
            seen = self.firsts[name]
            if name == "source" and not seen:
                continue  # no row group has the column
            table = pa.table(
                {c: pa.array([k[i] for k in seen], pa.string()) for i, c in enumerate(columns)}
            )
            out[name] = (table, np.fromiter(seen.values(), np.int64, len(seen)))
        return out

    def table(self) -> pa.Table | None:
        self._fold()
        if self.total >= (_EXACT_FRACTION if self.fractions else _EXACT_WHOLE):
            return None
        which, day = np.divmod(self.key, _DAYS)
        names = list(self.names)
        rows = [names[i] for i in which.tolist()]
        return pa.table(
            {
                "f": pa.array([r[0] for r in rows], pa.int64()),
                "leg": pa.array([r[1] for r in rows], pa.string()),
                "unit": pa.array([r[2] for r in rows], pa.string()),
                "basis": pa.array([r[3] for r in rows], pa.string()),
                "start": pa.array((day + _FIRST_DAY_NUMBER).astype(np.int32)).cast(pa.date32()),
                "n": pa.array(self.sums[0].astype(np.int64)),
                "q_sum": pa.array(self.sums[1]),
                "low_sum": pa.array(self.sums[2]),
                "high_sum": pa.array(self.sums[3]),
                "last": pa.array(self.last).cast(pa.date32()),
            }
        )


class _PartSums:
    """One row group's sums, first rows and ids.

    The (file, leg, unit, basis) of each sum, as ``names[which]``, its day, its
    sums (rows, quantity, low, high) and its last day; the first row of each
    (leg, vessel, unit) and (leg, source) it has; its first and last id
    (``None``: they do not increase; ``_NO_IDS``: none given).
    """

    def __init__(
        self,
        names: list[tuple[Any, ...]],
        which: np.ndarray,
        days: np.ndarray,
        sums: np.ndarray,
        last: np.ndarray,
        fractions: bool,
        total: float,
        firsts: dict[str, tuple[list[tuple[Any, ...]], np.ndarray]],
        ids: Any,
    ) -> None:
        self.names, self.which, self.days, self.sums, self.last = names, which, days, sums, last
        self.fractions, self.total = fractions, total
        self.firsts, self.ids = firsts, ids


def _part_sums(spec: PartSpec, f: int) -> _PartSums | None:
    """Check one row group's rows and sum them per (leg, unit, basis, day); ``None``: a rule broken.

    The rules of :func:`_rows_keep_the_rules`, row by row: a quantity on every
    row, numbers finite and not below 0, ``low <= quantity <= high``, a start on
    every row and ``start <= end``, days in the years a CSV file may give, and
    figures that are whole numbers or multiples of 1/1024.
    """
    import pyarrow.parquet as pq

    file = pq.ParquetFile(spec.path)
    present = file.schema_arrow.names
    wanted = ("id", "leg", "unit", "basis", "start", "end", *_NUMBERS, "vessel", "source")
    columns = [c for c in wanted if c in present]
    if "start" not in columns or "quantity" not in columns:
        return None
    text = [c for c in (*_TEXT,) if c in columns]
    file = pq.ParquetFile(spec.path, read_dictionary=text)
    table = file.read_row_group(spec.row_group, columns=columns, use_threads=False)
    n = table.num_rows
    ids = _id_range(table.column("id").combine_chunks() if "id" in columns else None)
    if ids is None:
        return None
    if not n:
        none = np.zeros(0, np.int64)
        return _PartSums(
            [], none, none, np.zeros((4, 0)), none.astype(np.int32), False, 0.0, {}, ids
        )
    start = table.column("start")
    if start.null_count:
        return None
    day = start.combine_chunks().cast(pa.int32()).to_numpy(zero_copy_only=False)
    first, last_day = int(day.min()), int(day.max())
    if first < _FIRST_DAY_NUMBER or last_day > _LAST_DAY_NUMBER:
        return None
    numbers: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    fractions = False
    total = 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        for name in _NUMBERS:
            if name not in columns:
                continue
            column = pc.cast(table.column(name).combine_chunks(), pa.float64(), safe=False)
            if column.null_count == n:
                continue
            given = None
            if column.null_count:
                if name == "quantity":
                    return None
                given = column.is_valid().to_numpy(zero_copy_only=False)
                column = pc.fill_null(column, 0.0)
            values = column.to_numpy(zero_copy_only=False)
            # Finite and not below 0 (a NaN fails both comparisons), whole or in 1/1024s.
            if not (values.min() >= 0 and values.max() < math.inf):
                return None
            if not np.array_equal(np.floor(values), values):
                scaled = values * 1024
                if not np.array_equal(np.floor(scaled), scaled):
                    return None
                fractions = True
            total += float(values.sum())
            numbers[name] = (values, given)
    if "quantity" not in numbers:
        return None
    quantity = numbers["quantity"][0]
    low, high = quantity, quantity
    if "low" in numbers:
        values, given = numbers["low"]
        low = values if given is None else np.where(given, values, quantity)
        if (low > quantity).any():
            return None
    if "high" in numbers:
        values, given = numbers["high"]
        high = values if given is None else np.where(given, values, quantity)
        if (high < quantity).any():
            return None
    last = day
    if "end" in columns:
        ends = table.column("end").combine_chunks().cast(pa.int32())
        if ends.null_count < n:
            given_end = ends.is_valid().to_numpy(zero_copy_only=False)
            end = pc.fill_null(ends, 0).to_numpy(zero_copy_only=False)
            if ((end < day) & given_end).any() or end.max() > _LAST_DAY_NUMBER:
                return None
            last = np.where(given_end, end, day)
    coded: dict[str, tuple[list[Any], np.ndarray]] = {}
    for name in _TEXT:
        if name in table.column_names:
            coded[name] = dictionary_codes(table.column(name))
        elif name != "source":  # an absent source column gives no first rows at all
            coded[name] = ([None], np.zeros(n, np.int32))
    values_of = [coded[name][0] for name in ("leg", "unit", "basis")]
    key, triples = _combined_key([coded[name] for name in ("leg", "unit", "basis")], n)
    span = last_day - first + 1
    if triples * span >= 2**31:
        key = key.astype(np.int64)
    key = key * span + (day - first)
    size = int(key.max()) + 1
    keys = None
    if size > 8 * n + 1_000_000:  # many names and days: number the keys that occur
        keys, key = np.unique(key, return_inverse=True)
        size = len(keys)
    rows = np.bincount(key, minlength=size)
    taken = np.flatnonzero(rows)
    added = [np.bincount(key, x, size)[taken] for x in (quantity, low, high)]
    sums = np.stack([rows[taken].astype(float), *added])
    ends_of = np.full(size, np.iinfo(np.int32).min, np.int32)
    np.maximum.at(ends_of, key, last.astype(np.int32))
    found = taken if keys is None else keys[taken]
    triple, days = np.divmod(found, span)
    triples, which = np.unique(triple, return_inverse=True)  # the few (leg, unit, basis) seen
    rest, basis = np.divmod(triples, len(values_of[2]))
    leg, unit = np.divmod(rest, len(values_of[1]))
    names = [
        (f, values_of[0][i], values_of[1][j], values_of[2][k])
        for i, j, k in zip(leg.tolist(), unit.tolist(), basis.tolist(), strict=True)
    ]
    days = days + (first - _FIRST_DAY_NUMBER)
    position = np.arange(n, dtype=np.int64)
    firsts = {
        name: _first_of_each([coded[c] for c in combined], position, spec.first_row)
        for name, combined in (("vessel", ("leg", "vessel", "unit")), ("source", ("leg", "source")))
        if all(c in coded for c in combined)
    }
    return _PartSums(names, which, days, sums, ends_of[taken], fractions, total, firsts, ids)


def _combined_key(columns: list[tuple[list[Any], np.ndarray]], n: int) -> tuple[np.ndarray, int]:
    """One number per row for its combination of the columns' codes, and how many there can be.

    ``columns`` are ``(dictionary, codes)`` pairs. In 32 bits where they fit:
    half the memory to go through of 64.
    """
    size = 1
    for dictionary, _ in columns:
        size *= len(dictionary)
    key = np.zeros(n, np.int32 if size < 2**31 else np.int64)
    for dictionary, codes in columns:
        key *= len(dictionary)
        key += codes
    return key, size


def _first_of_each(
    columns: list[tuple[list[Any], np.ndarray]], position: np.ndarray, first_row: int
) -> tuple[list[tuple[Any, ...]], np.ndarray]:
    """Each combination of the columns' values that occurs, and the position of its first row.

    ``columns`` are ``(dictionary, codes)`` pairs, ``position`` is ``0, 1, ...``
    for each row; positions count from ``first_row``, the row group's first row
    among all rows.
    """
    n = len(position)
    key, size = _combined_key(columns, n)
    keys = None
    if size > 8 * n + 1_000_000:  # many values: number the combinations that occur
        keys, key = np.unique(key, return_inverse=True)
        size = len(keys)
    first = np.full(size, n, np.int64)
    np.minimum.at(first, key, position)
    seen = np.flatnonzero(first < n)
    combos = seen if keys is None else keys[seen]
    picked: list[list[Any]] = []
    for dictionary, _ in reversed(columns):
        combos, code = np.divmod(combos, len(dictionary))
        picked.append([dictionary[i] for i in code.tolist()])
    return list(zip(*reversed(picked), strict=True)), first[seen] + first_row


# ---------------------------------------------------------------------------
# Ids


def _ids_in_order(parts: list[PartSpec]) -> bool:
    """Whether every id is larger than the one before it, all row groups in turn.

    Such ids are unique (machine-made ids usually come so). Row groups are read
    a few at a time and the first one out of order ends the search.
    """
    workers = os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[Any]] = deque()
        previous: Any = None
        for spec in [*parts, None]:
            if spec is not None:
                pending.append(pool.submit(_increasing_ids, spec))
                if len(pending) <= workers:
                    continue
            while pending and (spec is None or len(pending) > workers):
                found = pending.popleft().result()
                if found is _NO_IDS:
                    continue
                if found is None or (previous is not None and not previous < found[0]):
                    for future in pending:
                        future.cancel()
                    return False
                previous = found[1]
    return True


_NO_IDS: Any = object()


def _id_column(spec: PartSpec) -> pa.Array | None:
    import pyarrow.parquet as pq

    file = pq.ParquetFile(spec.path)
    if "id" not in file.schema_arrow.names:
        return None
    column = file.read_row_group(spec.row_group, columns=["id"], use_threads=False).column(0)
    return column.combine_chunks()


def _increasing_ids(spec: PartSpec) -> Any:
    """Return a row group's first and last id if its ids increase, else ``None``."""
    return _id_range(_id_column(spec))


def _id_range(ids: pa.Array | None) -> Any:
    """Return the first and last of ids that increase; ``None`` if they do not.

    ``_NO_IDS`` when no id is given (no column, no rows, or a column left empty).
    """
    if ids is None or not len(ids):
        return _NO_IDS
    if pa.types.is_dictionary(ids.type):
        ids = ids.cast(ids.type.value_type)
    if ids.null_count == len(ids):
        return _NO_IDS  # a column left empty: no id given
    if ids.null_count:
        return None
    if pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type):
        if _edge_space(ids):
            return None  # ids are compared stripped: " a" and "a" are one id
    elif not pa.types.is_integer(ids.type):
        return None
    if len(ids) > 1 and not pc.all(pc.greater(ids.slice(1), ids.slice(0, len(ids) - 1))).as_py():
        return None
    first, last = ids[0].as_py(), ids[len(ids) - 1].as_py()
    return (first, last)
