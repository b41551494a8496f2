"""Read a data set folder and check it against the data contract.

This is the pipeline's first stage. Analysts edit the CSV files by hand, in
spreadsheets, under deadline, so every rule of the contract is checked in one
pass and every problem is reported with its file, line and column, and the fix
where there is one. A data set with any problem is refused as a whole.

``shipments.csv`` can hold millions of rows: it is read with the pyarrow CSV
engine and checked with vectorised pandas operations; Python only runs per row
to write the messages of the (few, and capped) bad rows.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shipmap.config import MapConfig, read_config
from shipmap.contract import (
    BASES,
    ID_PATTERN,
    KINDS,
    LANGUAGE,
    LINE,
    MODES,
    UNIT,
    split_list,
)
from shipmap.contract import LEGS as _LEGS
from shipmap.contract import PLACES as _PLACES
from shipmap.contract import SHIPMENTS as _SHIPMENTS
from shipmap.contract import SOURCES as _SOURCES
from shipmap.contract import Columns as _Spec
from shipmap.errors import DataError, Problem
from shipmap.scan import scan_parquet
from shipmap.shipments import (
    ROW,
    Figures,
    PartSpec,
    Reduction,
    Rules,
    blank_rows,
    csv_header_and_lines,
    frame_table,
    parquet_parts,
    read_csv_fast,
    reduce_part,
    reduce_parts,
    rows_with_ids,
)

__all__ = ["DATASET_FILES", "Dataset", "dataset_paths", "load_dataset", "split_list"]

#: At most this many problems of one kind in one column of one file are listed.
MAX_PROBLEMS = 20

#: Limits that a data set must keep to, checked before the work they would cost:
#: columns in one file's header, characters in one cell, different units in
#: shipments.csv (each gives every leg three columns, and a GeoPackage layer
#: holds at most 2,000).
MAX_COLUMNS = 500
MAX_CELL_CHARS = 100_000
MAX_UNITS = 200
#: Bytes of a header line (a header of MAX_COLUMNS long names fits easily).
_MAX_HEADER_BYTES = 64 * 1024

#: Names the outputs give columns of their own, and why: an extra column of
#: that name (in any case: a GeoPackage does not tell case apart) is refused,
#: and so is a unit whose columns (``<unit>``, ``<unit>_low``, ``<unit>_high``)
#: would take the name of a leg column.
RESERVED_COLUMNS: Mapping[str, str] = {
    "layer": "the GeoJSON's place/leg property",
    "coord_source": "where each place's coordinates came from",
    "length_km": "each leg's measured length",
    "geometry": "the geometry of the exports",
    "geom": "the GeoPackage's geometry column",
    "fid": "the GeoPackage's feature id",
}
#: Which of the reserved names each file's extra columns may not take.
_RESERVED_IN = {
    "places.csv": ("layer", "coord_source", "geometry", "geom", "fid"),
    "legs.csv": ("layer", "length_km", "geometry", "geom", "fid"),
    "shipments.csv": ("fid",),
}
#: The columns every leg has in the outputs besides those of legs.csv.
_LEG_OUTPUT_COLUMNS = ("layer", "length_km", "geometry", "geom", "fid")

# Two-letter codes that look like countries but are not ISO 3166-1 ones, with the fix.
_NOT_COUNTRIES = {"UK": "GB", "EL": "GR"}

#: The shipment rows may also be one Parquet file, or a folder of them.
_PARQUET = "shipments.parquet"
_PARQUET_FOLDER = "shipments"

#: The files (and the one folder) of a data set folder that a build reads.
DATASET_FILES = (
    *(s.file for s in (_PLACES, _LEGS, _SHIPMENTS, _SOURCES)),
    _PARQUET,
    _PARQUET_FOLDER,
    "map.toml",
)


def dataset_paths(root: Path) -> list[Path]:
    """Return the data set folder and every path in it that a build reads.

    The folder, its files (:data:`DATASET_FILES`), and each file inside a
    ``shipments/`` folder of Parquet files: what an output folder must never
    hold, whether directly or through a link.
    """
    paths = [root, *(root / name for name in DATASET_FILES)]
    folder = root / _PARQUET_FOLDER
    if folder.is_dir():
        paths.extend(sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()))
    return paths


@dataclass(frozen=True)
class Dataset:
    """A data set that keeps to the contract, as frames.

    Text columns hold ``str`` with ``""`` for "not given"; every frame has
    ``_line``, the CSV line each row came from (header = 1). ``places`` has float
    ``lat``/``lon`` (NaN: to be geocoded).

    The shipment rows, which may be far more than memory holds, are checked and
    reduced as they are read: ``figures`` is all the map and the exports need.
    ``shipments`` gives the rows themselves as a frame, read again on first use
    (``start``/``end`` as ``datetime64[ns]``, float ``quantity``/``low``/``high``);
    a notebook may want it, the pipeline does not.
    """

    root: Path
    places: pd.DataFrame
    legs: pd.DataFrame
    sources: pd.DataFrame
    figures: Figures
    config: MapConfig = field(default_factory=MapConfig)
    read_rows: Callable[[], pd.DataFrame] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def shipments(self) -> pd.DataFrame:
        """The checked shipment rows as one frame (read on first use)."""
        return self.read_rows() if self.read_rows is not None else _empty_frame(_SHIPMENTS)


# ---------------------------------------------------------------------------
# Problems


class _Problems:
    """Collects problems, keeping at most :data:`MAX_PROBLEMS` of each kind.

    A kind is (file, column, what is wrong); past the cap one summary line says how
    many more rows have the same problem, so a broken million-row file does not
    print a million lines.
    """

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self._counts: Counter[tuple[str, str | None, str]] = Counter()
        self._overflow_line: dict[tuple[str, str | None, str], int | None] = {}

    def add(
        self, file: str, line: int | None, column: str | None, message: str, *, kind: str = ""
    ) -> None:
        key = (file, column, kind or message)
        self._counts[key] += 1
        if self._counts[key] <= MAX_PROBLEMS:
            self.items.append(Problem(file, line, column, message))
        elif key not in self._overflow_line:
            self._overflow_line[key] = line

    def flag(
        self,
        table: _Table,
        mask: pd.Series | np.ndarray,
        column: str | None,
        kind: str,
        describe: Callable[[int], str],
    ) -> None:
        """Report every row where ``mask`` is true; ``describe(pos)`` words one."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(positions):
            return
        key = (table.file, column, kind)
        room = max(MAX_PROBLEMS - self._counts[key], 0)
        lines = table.frame[LINE].to_numpy()
        for pos in positions[:room]:
            self.items.append(Problem(table.file, int(lines[pos]), column, describe(int(pos))))
        if len(positions) > room and key not in self._overflow_line:
            self._overflow_line[key] = int(lines[positions[room]])
        self._counts[key] += len(positions)

    def result(self) -> list[Problem]:
        more = [
            Problem(
                file,
                line,
                column,
                f"... and {self._counts[(file, column, kind)] - MAX_PROBLEMS} more rows "
                f"with the same problem ({kind})",
            )
            for (file, column, kind), line in self._overflow_line.items()
        ]
        return self.items + more


def _suggest(value: str, choices: Iterable[str]) -> str | None:
    """Return the choice the user probably meant, or ``None``."""
    options = list(dict.fromkeys(choices))
    folded = {_fold(c): c for c in options}
    if _fold(value) in folded:
        return folded[_fold(value)]
    close = difflib.get_close_matches(value.lower(), options, n=1, cutoff=0.6)
    return close[0] if close else None


def _fold(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip().lower())


def _did_you_mean(value: str, choices: Iterable[str], otherwise: str) -> str:
    guess = _suggest(value, choices)
    return f"did you mean {guess!r}?" if guess is not None else otherwise


# ---------------------------------------------------------------------------
# Reading CSV files


@dataclass
class _Table:
    """One CSV file as read: every column text (stripped), plus ``_line``."""

    file: str
    frame: pd.DataFrame
    complete: bool = True  # False when part of the file could not be read
    present: bool = True  # False when the file does not exist
    missing: set[str] = field(default_factory=set)  # required columns not in the header

    def col(self, name: str) -> pd.Series:
        return self.frame[name]


def _decode(data: bytes, file: str, problems: _Problems) -> str | None:
    """Decode UTF-8 text; on a bad byte report its line and return ``None``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        line_start = data.rfind(b"\n", 0, e.start) + 1
        column = len(data[line_start : e.start].decode("utf-8", errors="replace")) + 1
        problems.add(
            file,
            line,
            None,
            f"not UTF-8 text (byte 0x{data[e.start]:02X} at character {column} of the line): "
            "save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')",
        )
        return None


def _read_table(root: Path, spec: _Spec, problems: _Problems, *, required: bool) -> _Table:
    path = root / spec.file
    data = _read_input(path, spec.file, problems)
    if data is None:
        if path.exists() or os.path.lexists(path):
            return _Table(spec.file, _empty_frame(spec), complete=False)
        if required:
            problems.add(
                spec.file,
                None,
                None,
                f"file not found in {root}: a data set needs {spec.file} "
                f"with the columns {', '.join(spec.required)}",
            )
        return _Table(spec.file, _empty_frame(spec), complete=not required, present=False)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or data.isspace():
        problems.add(
            spec.file,
            None,
            None,
            f"the file is empty: it needs a header row ({','.join(spec.required)}) "
            + ("and at least one row" if spec is _PLACES else "(or delete the file)"),
        )
        return _Table(spec.file, _empty_frame(spec), complete=False)
    if not _header_fits(data, spec, problems):
        return _Table(spec.file, _empty_frame(spec), complete=False)
    # The fast path checks UTF-8 itself; only a file it refuses is decoded here.
    table = _read_fast(data, spec) if spec is _SHIPMENTS else None
    if table is None:
        text = _decode(data, spec.file, problems)
        complete = text is not None
        if text is None:
            text = data.decode("utf-8", errors="replace")
        del data
        table = _read_exact(text, spec, problems)
        table.complete = table.complete and complete
    _check_header(table, spec, problems)
    return table


def _read_input(path: Path, file: str, problems: _Problems) -> bytes | None:
    """Read a data set file; None when it is absent, or cannot be read (then a problem says why)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if os.path.lexists(path):  # a link to nothing
            problems.add(file, None, None, "cannot read the file: it is a link to a missing file")
        return None
    except IsADirectoryError:
        problems.add(file, None, None, "this is a folder, not a file: put the CSV file here")
        return None
    except OSError as err:
        problems.add(file, None, None, f"cannot read the file ({err.strerror or err})")
        return None


def _header_fits(data: bytes, spec: _Spec, problems: _Problems) -> bool:
    """Check the header's length and width before anything is parsed."""
    end = data.find(b"\n", 0, _MAX_HEADER_BYTES + 1)
    if end < 0 and len(data) > _MAX_HEADER_BYTES:
        problems.add(
            spec.file,
            1,
            None,
            f"the header line is longer than {_MAX_HEADER_BYTES:,} bytes: is this the right file?",
        )
        return False
    header = data[: end if end >= 0 else len(data)].decode("utf-8", errors="replace")
    try:
        names = next(csv.reader([header.rstrip("\r")]), [])
    except csv.Error:
        return True  # the parser reports it with the rest of the file
    width = len(names)
    separator = _other_separator(names, spec)
    if separator is not None:
        problems.add(
            spec.file,
            1,
            None,
            f"the columns are separated by {separator}, not commas: save the file as "
            "comma-separated CSV (in a spreadsheet: 'CSV UTF-8 (Comma delimited)')",
        )
        return False
    if width > MAX_COLUMNS:
        problems.add(
            spec.file,
            1,
            None,
            f"the header has {width:,} columns; a data set file may have at most "
            f"{MAX_COLUMNS}: is this the right file?",
        )
        return False
    return True


def _too_long(length: int | None) -> str:
    size = f"{length:,}" if length is not None else f"more than {MAX_CELL_CHARS:,}"
    return (
        f"a cell has {size} characters; at most {MAX_CELL_CHARS:,} are allowed: "
        "is a closing quote missing?"
    )


def _other_separator(names: list[str], spec: _Spec) -> str | None:
    """Name the separator of a header written with semicolons or tabs instead of commas.

    Only when a required column is missing and the header, split at that
    separator, holds at least two of the file's columns: a comma-separated
    header whose note column holds a semicolon is not taken for one.
    """
    found = {n.strip() for n in names}
    if all(r in found for r in spec.required):
        return None
    for separator, what in ((";", "semicolons (;)"), ("\t", "tabs")):
        parts = {p.strip().strip('"').lower() for n in names for p in n.split(separator)}
        if any(separator in n for n in names) and len(parts & set(spec.known)) >= 2:
            return what
    return None


def _read_exact(text: str, spec: _Spec, problems: _Problems) -> _Table:
    r"""Parse with the csv module, keeping each record's first physical line.

    A line ends at ``\n`` (so CRLF files count like LF files, and a carriage
    return inside a quoted cell is not a line); a file that uses bare carriage
    returns throughout (old Mac spreadsheets) is read as if it used ``\n``.
    """
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    reader = csv.reader(_lines(text), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    complete = True
    previous = 0
    try:
        for record in reader:
            first, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank line, or a row of empty cells from a spreadsheet
            if header is None:
                header = record
                continue
            rows.append(record)
            lines.append(first)
    except csv.Error as e:
        complete = False
        reason = str(e)
        if "new-line character" in reason:
            reason = "a line break inside a cell"
        if "field larger than field limit" in reason:
            problems.add(spec.file, previous + 1, None, _too_long(None))
        else:
            problems.add(
                spec.file,
                previous + 1,
                None,
                f"cannot read this row as CSV ({reason}): put text with commas, quotes or line "
                'breaks in double quotes, and write a quote inside it as two ("")',
            )
    if header is None:
        return _Table(spec.file, _empty_frame(spec), complete=False)
    names = [name.strip() for name in header]
    width = len(names)
    for record, line in zip(rows, lines, strict=True):
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            problems.add(
                spec.file,
                line,
                None,
                f"this row has {len(record)} cells but the header has {width}: "
                "put text that holds a comma in double quotes",
                kind="too many cells",
            )
        if record and max(map(len, record)) > MAX_CELL_CHARS:
            i = next(i for i, cell in enumerate(record) if len(cell) > MAX_CELL_CHARS)
            problems.add(
                spec.file,
                line,
                names[i] if i < width and names[i] else None,
                _too_long(len(record[i])),
                kind="cell too long",
            )
    columns: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        values = [r[i] if i < len(r) else "" for r in rows]
        if name == "":
            if any(v.strip() for v in values):
                problems.add(
                    spec.file, 1, None, f"column {i + 1} has values but no name in the header"
                )
            continue
        if name in columns:
            problems.add(spec.file, 1, name, "this column appears twice in the header: keep one")
            continue
        if name.startswith("_"):
            problems.add(
                spec.file, 1, name, "column names starting with '_' are reserved: rename it"
            )
            continue
        columns[name] = values
    frame = pd.DataFrame({name: pd.Series(v, dtype="str") for name, v in columns.items()})
    frame = frame.apply(lambda s: s.str.strip()) if len(frame.columns) else frame
    frame.index = pd.RangeIndex(len(rows))
    frame[LINE] = np.asarray(lines, dtype=np.int64)
    return _Table(spec.file, frame, complete=complete)


def _lines(text: str) -> Iterator[str]:
    r"""Yield the lines of ``text``, each with its ``\n``; only ``\n`` ends a line."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _read_fast(data: bytes, spec: _Spec) -> _Table | None:
    """Read with the pyarrow engine; ``None`` when line numbers would be wrong.

    Row ``i`` is then on line ``i + 2``. That holds exactly when the header is the
    first line and the file has one line per row: no blank lines and no line
    breaks inside quoted cells. Anything else goes to the exact parser.
    """
    found = csv_header_and_lines(data)
    if found is None:
        return None
    names, physical_lines = found
    try:
        frame = pd.read_csv(io.BytesIO(data), engine="pyarrow", dtype="str", keep_default_na=False)
    except (ValueError, pd.errors.ParserError):
        return None
    if physical_lines != len(frame) + 1 or len(frame.columns) != len(names):
        return None
    frame.columns = names
    if len(data) > MAX_CELL_CHARS and any(_longest(frame[n]) > MAX_CELL_CHARS for n in names):
        return None  # the exact parser names the cell
    for name in names:
        if _has_edge_space(frame[name]):
            frame[name] = frame[name].str.strip()
    frame[LINE] = np.arange(2, len(frame) + 2, dtype=np.int64)
    if len(frame) and len(names):
        blank = np.ones(len(frame), dtype=bool)
        for name in names:
            blank &= (frame[name] == "").to_numpy()
            if not blank.any():
                break  # usually after the first column: no row is blank
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
    return _Table(spec.file, frame)


def _longest(values: pd.Series) -> int:
    """Return the length of the longest cell, in characters."""
    longest = pc.max(pc.utf8_length(pa.array(values.array))).as_py()
    return int(longest or 0)


def _has_edge_space(values: pd.Series) -> bool:
    """Whether any cell starts or ends with whitespace.

    Checked with pyarrow, without building a new column: in a machine-written
    file most columns have none, and replacing every column of a million-row
    frame costs more than reading it.
    """
    text = pa.array(values.array)  # as stored (large_string chunks): no copy
    trimmed = pc.utf8_trim_whitespace(text)
    before = pc.sum(pc.binary_length(text)).as_py() or 0
    after = pc.sum(pc.binary_length(trimmed)).as_py() or 0
    return bool(before != after)


def _check_header(table: _Table, spec: _Spec, problems: _Problems) -> None:
    """Check the column names, then add absent optional columns as ``""``."""
    frame = table.frame
    names = [n for n in frame.columns if n != LINE]
    lower = {n.lower(): n for n in names}
    for name in names:
        if name not in spec.known and name.lower() in spec.optional and name.lower() not in names:
            problems.add(
                spec.file, 1, name, f"write the column name in lower case: {name.lower()!r}"
            )
            frame = frame.rename(columns={name: name.lower()})
        elif ":" in name:
            prefix, _, lang = name.partition(":")
            if prefix.lower() in spec.prefixes and not (
                prefix in spec.prefixes and LANGUAGE.fullmatch(lang)
            ):
                problems.add(
                    spec.file,
                    1,
                    name,
                    "the language must be a two-letter lower-case ISO 639-1 code, "
                    f"e.g. '{prefix.lower()}:fa'",
                )
    for name in spec.required:
        if name not in frame.columns:
            found = lower.get(name)
            hint = (
                f" (found {found!r}: write it in lower case)"
                if found
                else f"; the header needs {', '.join(spec.required)}"
            )
            problems.add(spec.file, 1, name, f"required column is missing{hint}")
            table.complete = False
            table.missing.add(name)
    for name in spec.known:
        if name not in frame.columns:
            frame[name] = pd.Series("", index=frame.index, dtype="str")
    table.frame = frame[[n for n in frame.columns if n != LINE] + [LINE]]


def _empty_frame(spec: _Spec) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series([], dtype="str") for name in spec.known})
    frame[LINE] = pd.Series([], dtype=np.int64)
    return frame


# ---------------------------------------------------------------------------
# Checks shared by the files


def _require(table: _Table, column: str, problems: _Problems, what: str) -> pd.Series:
    """Flag empty cells in a required column; return the mask of given cells."""
    given = table.col(column) != ""
    if column not in table.missing:
        problems.flag(table, ~given, column, "empty", lambda _: f"empty: {what}")
    return given


def _check_ids(table: _Table, problems: _Problems, *, pattern: str | None, what: str) -> None:
    ids = table.col("id")
    given = _require(table, "id", problems, f"every {what} needs an id")
    if pattern is not None:
        bad = given & ~ids.str.fullmatch(pattern)
        problems.flag(
            table,
            bad,
            "id",
            "invalid id",
            lambda p: (
                f"id {ids.iat[p]!r} is not valid: use lower-case letters, digits, '_' "
                f"and '-', starting with a letter or digit (e.g. {_slug(ids.iat[p])!r})"
            ),
        )
    else:
        bad = given & ids.str.contains(";", regex=False)
        problems.flag(
            table, bad, "id", "invalid id", lambda p: f"id {ids.iat[p]!r} must not contain ';'"
        )
    _flag_duplicate_ids(table, problems, ids, given)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "_", text.strip().lower()).strip("_-")
    return slug or "place_1"


def _check_choice(
    table: _Table,
    column: str,
    choices: tuple[str, ...],
    problems: _Problems,
    *,
    what: str,
) -> None:
    values = table.col(column)
    bad = (values != "") & ~values.isin(choices)
    listed = ", ".join(choices)
    problems.flag(
        table,
        bad,
        column,
        f"unknown {what}",
        lambda p: (
            f"unknown {what} {values.iat[p]!r} "
            f"({_did_you_mean(values.iat[p], choices, f'use one of: {listed}')})"
        ),
    )


def _is_passage(name: str) -> bool:
    """Return True if ``name`` names a navigable passage a sea leg may take (``via``)."""
    from shipmap.routes.passages import find_passage

    return find_passage(name) is not None


def _check_refs(
    table: _Table,
    column: str,
    target: _Table,
    problems: _Problems,
    *,
    what: str,
    many: bool,
    also: Callable[[str], bool] | None = None,
) -> None:
    """Flag ids in ``column`` (one, or a ``;`` list) that ``target`` does not hold.

    ``also`` may accept further values (the names of navigable passages in ``via``).

    Skipped when ``target`` could not be read completely (or is a required file
    that is missing or has no rows), so one broken file does not bury its real
    problems under follow-on "unknown id" lines.
    """
    if not target.complete:
        return
    known = set(target.col("id"))
    values = table.col(column)
    if many:
        cells = values[values != ""].unique()
        bad_cells = {
            c: [i for i in split_list(c) if i not in known and not (also and also(i))]
            for c in cells
        }
        bad_cells = {c: ids for c, ids in bad_cells.items() if ids}
        bad = values.isin(list(bad_cells))
    else:
        bad = (values != "") & ~values.isin(known)
        bad_cells = {}
    if not bad.any():
        return
    if target.present:
        otherwise = f"not in {target.file}"
        choices = sorted(known)
    else:
        otherwise = f"there is no {target.file}: add it with this id"
        choices = []

    def describe(pos: int) -> str:
        unknown = bad_cells.get(values.iat[pos], [values.iat[pos]])
        return "; ".join(
            f"unknown {what} id {u!r} ({_did_you_mean(u, choices, otherwise)})" for u in unknown
        )

    problems.flag(table, bad, column, f"unknown {what} id", describe)


def _numbers(
    table: _Table, column: str, problems: _Problems, *, what: str = "a number"
) -> pd.Series:
    """Return ``column`` as float (NaN where empty); flag cells that are not numbers."""
    values = table.col(column)
    given = values != ""
    if not given.any():
        return pd.Series(np.nan, index=values.index, dtype="float64")
    numbers = _to_float(values, given)
    bad = given & ~np.isfinite(numbers)

    def describe(pos: int) -> str:
        value = values.iat[pos]
        hint = ""
        if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", value):
            hint = f" (write it without thousands separators: {value.replace(',', '')})"
        elif re.fullmatch(r"[-+]?\d+,\d+", value):
            hint = f" (write decimals with a point: {value.replace(',', '.')})"
        return f"{value!r} is not {what}{hint}"

    problems.flag(table, bad, column, "not a number", describe)
    return numbers.where(~bad)


def _to_float(values: pd.Series, given: pd.Series) -> pd.Series:
    """Convert text to float, NaN where empty or not a number.

    Tries pyarrow's cast first (a clean column of a million rows converts in a few
    milliseconds) and only falls back to the slower, forgiving conversion when
    some cell is not a number.
    """
    try:
        text = pa.array(values.array, type=pa.string())
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        floats = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(floats, index=values.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pd.to_numeric(values.where(given), errors="coerce").astype("float64")


def _dates(
    table: _Table, column: str, problems: _Problems, *, month_end: bool
) -> tuple[pd.Series, pd.Series]:
    """Return ``column`` as ``datetime64[ns]`` (NaT where empty); flag bad dates.

    ``YYYY-MM`` stands for a whole month: its first day, or with ``month_end`` its
    last day. The second item marks the cells given as a month.
    """
    values = table.col(column)
    # Dates repeat a lot: parse each distinct text once, then spread by row.
    codes, distinct = pd.factorize(values)
    text = pd.Series(distinct, dtype="str")
    length = text.str.len()
    day = pd.to_datetime(text.where(length == 10), format="%Y-%m-%d", errors="coerce")
    month = pd.to_datetime(text.where(length == 7), format="%Y-%m", errors="coerce")
    if month_end:
        month = month + pd.offsets.MonthEnd(0)
    parsed = day.where(day.notna(), month)
    years = parsed.dt.year
    range_u = (parsed.notna() & ((years < 1678) | (years > 2261))).to_numpy()
    dates = pd.Series(parsed.to_numpy()[codes], index=values.index)
    is_month = pd.Series(month.notna().to_numpy()[codes], index=values.index)
    out_of_range = pd.Series(range_u[codes], index=values.index)
    bad = ((values != "") & dates.isna()) | out_of_range
    problems.flag(
        table,
        bad,
        column,
        "not a date",
        lambda p: (
            f"{values.iat[p]!r} is not a date: use YYYY-MM-DD, or YYYY-MM for a whole month"
            if not out_of_range.iat[p]
            else f"{values.iat[p]!r} is outside the years 1678 to 2261: a typo?"
        ),
    )
    return dates.where(~bad).astype("datetime64[ns]"), is_month & ~bad


def _fmt(number: float) -> str:
    return f"{number:g}"


# ---------------------------------------------------------------------------
# The files


def _check_places(table: _Table, problems: _Problems) -> None:
    frame = table.frame
    _check_ids(table, problems, pattern=ID_PATTERN, what="place")
    _require(table, "name", problems, "every place needs a name (in Latin script)")
    lat = _numbers(table, "lat", problems)
    lon = _numbers(table, "lon", problems)
    lat_text, lon_text = table.col("lat"), table.col("lon")
    lat_given, lon_given = lat_text != "", lon_text != ""
    bad_lat = lat.abs() > 90
    bad_lon = lon.abs() > 180
    swapped = bad_lat & (lat.abs() <= 180) & (lon.abs() <= 90)
    problems.flag(
        table,
        bad_lat,
        "lat",
        "latitude out of range",
        lambda p: (
            f"latitude {_fmt(lat.iat[p])} is out of range (-90 to 90)"
            + (": are lat and lon swapped?" if swapped.iat[p] else "")
        ),
    )
    problems.flag(
        table,
        bad_lon,
        "lon",
        "longitude out of range",
        lambda p: f"longitude {_fmt(lon.iat[p])} is out of range (-180 to 180)",
    )
    problems.flag(
        table,
        lat_given & ~lon_given,
        "lon",
        "latitude without longitude",
        lambda _: (
            "latitude given without longitude: give both, or leave both empty to geocode the place"
        ),
    )
    problems.flag(
        table,
        lon_given & ~lat_given,
        "lat",
        "longitude without latitude",
        lambda _: (
            "longitude given without latitude: give both, or leave both empty to geocode the place"
        ),
    )
    frame["lat"] = lat.where(~bad_lat)
    frame["lon"] = lon.where(~bad_lon)
    country = table.col("country")
    valid = _country_codes()
    bad = (country != "") & ~country.isin(valid)

    def describe_country(pos: int) -> str:
        code = country.iat[pos]
        guess = _NOT_COUNTRIES.get(code.upper()) or (
            code.upper() if code.upper() in valid else None
        )
        hint = f"did you mean {guess!r}?" if guess else "two upper-case letters, e.g. 'RU'"
        return f"{code!r} is not an ISO 3166-1 alpha-2 country code ({hint})"

    problems.flag(table, bad, "country", "invalid country code", describe_country)
    _check_choice(table, "kind", KINDS, problems, what="kind")
    frame["kind"] = table.col("kind").mask(table.col("kind") == "", "other")


def _country_codes() -> frozenset[str]:
    from babel import Locale

    codes = [str(c) for c in Locale("en").territories]
    return frozenset(
        c for c in codes if len(c) == 2 and c.isalpha() and c not in {"ZZ", "EU", "EZ", "UN", "QO"}
    )


def _check_legs(table: _Table, places: _Table, problems: _Problems) -> None:
    _check_ids(table, problems, pattern=ID_PATTERN, what="leg")
    origin = table.col("origin")
    destination = table.col("destination")
    _require(table, "origin", problems, "every leg needs an origin place id")
    _require(table, "destination", problems, "every leg needs a destination place id")
    _require(table, "mode", problems, f"every leg needs a mode ({', '.join(MODES)})")
    _check_choice(table, "mode", MODES, problems, what="mode")
    for column in ("origin", "destination"):
        _check_refs(table, column, places, problems, what="place", many=False)
    _check_refs(table, "via", places, problems, what="place", many=True, also=_is_passage)
    loop = (origin != "") & (origin == destination) & (table.col("via") == "")
    problems.flag(
        table,
        loop,
        "destination",
        "leg to itself",
        lambda p: (
            f"the leg goes from {origin.iat[p]!r} to itself: give another destination, "
            "or the places it passes in 'via'"
        ),
    )


def _check_shipments(table: _Table, legs: _Table, problems: _Problems) -> None:
    frame = table.frame
    _require(table, "leg", problems, "every shipment needs a leg id")
    _check_refs(table, "leg", legs, problems, what="leg", many=False)
    start_given = _require(table, "start", problems, "every shipment needs a start date")
    start, start_is_month = _dates(table, "start", problems, month_end=False)
    end, _ = _dates(table, "end", problems, month_end=True)
    end_given = table.col("end") != ""
    start_last_day = start
    if start_is_month.any():
        start_last_day = start.where(~start_is_month, start + pd.offsets.MonthEnd(0))
    end = end.where(end_given, start_last_day)
    before = end < start
    problems.flag(
        table,
        before & end_given,
        "end",
        "end before start",
        lambda p: f"end {table.col('end').iat[p]} is before start {table.col('start').iat[p]}",
    )
    frame["start"] = start
    frame["end"] = end.where(start_given)

    quantity_given = _require(table, "quantity", problems, "every shipment needs a quantity")
    quantity = _numbers(table, "quantity", problems)
    low = _numbers(table, "low", problems)
    high = _numbers(table, "high", problems)
    for column, values in (("quantity", quantity), ("low", low), ("high", high)):
        problems.flag(table, values < 0, column, "negative", _negative(column, values))
    problems.flag(
        table,
        (low > quantity) & (quantity >= 0),
        "low",
        "low above quantity",
        lambda p: (
            f"low {_fmt(low.iat[p])} is more than quantity {_fmt(quantity.iat[p])}: "
            "the range must hold the estimate (low <= quantity <= high)"
        ),
    )
    problems.flag(
        table,
        (high < quantity) & (quantity >= 0),
        "high",
        "high below quantity",
        lambda p: (
            f"high {_fmt(high.iat[p])} is less than quantity {_fmt(quantity.iat[p])}: "
            "the range must hold the estimate (low <= quantity <= high)"
        ),
    )
    if not quantity_given.all():
        quantity = quantity.where(quantity_given)
    frame["quantity"] = quantity
    frame["low"] = low.fillna(quantity)
    frame["high"] = high.fillna(quantity)

    unit = table.col("unit")
    _require(table, "unit", problems, "every shipment needs a unit (e.g. troops, missiles)")
    # Units repeat: check each distinct one, then spread by row.
    good_units = [u for u in unit.unique() if isinstance(u, str) and UNIT.fullmatch(u)]
    bad_unit = (unit != "") & ~unit.isin(good_units)

    def describe_unit(pos: int) -> str:
        value = unit.iat[pos]
        guess = re.sub(r"[\s-]+", "_", value.strip().lower())
        hint = f"did you mean {guess!r}?" if UNIT.fullmatch(guess) else "e.g. 'troops'"
        return f"unit {value!r} is not a lower-case word ({hint})"

    problems.flag(table, bad_unit, "unit", "invalid unit", describe_unit)
    basis = table.col("basis")
    bad_basis = (basis != "") & ~basis.isin(BASES)
    problems.flag(
        table,
        bad_basis,
        "basis",
        "invalid basis",
        lambda p: (
            f"basis {basis.iat[p]!r} must be 'event' or 'total' "
            f"({_did_you_mean(basis.iat[p], BASES, 'or leave it empty for event')})"
        ),
    )
    frame["basis"] = basis.mask(basis == "", "event")
    ids = table.col("id")
    if (ids != "").any():
        _check_ids_unique(table, problems)


def _negative(column: str, values: pd.Series) -> Callable[[int], str]:
    def describe(pos: int) -> str:
        return f"{column} {_fmt(values.iat[pos])} is negative: it must be 0 or more"

    return describe


def _check_ids_unique(table: _Table, problems: _Problems) -> None:
    ids = table.col("id")
    given = ids != ""
    # Counting distinct ids (one hash pass) is far cheaper than marking duplicates,
    # and a file with none (the usual case) needs no more.
    distinct = int(pc.count_distinct(pa.array(ids.array), mode="only_valid").as_py())
    n_given = int(given.sum())
    if distinct - (1 if n_given < len(ids) else 0) == n_given:
        return
    _flag_duplicate_ids(table, problems, ids, given)


def _flag_duplicate_ids(
    table: _Table, problems: _Problems, ids: pd.Series, given: pd.Series
) -> None:
    """Flag every repeated id with the line that first used it."""
    duplicate = given & ids.duplicated()
    if not duplicate.any():
        return
    first_line = dict(
        zip(ids[given & ~duplicate], table.col(LINE)[given & ~duplicate], strict=True)
    )
    problems.flag(
        table,
        duplicate,
        "id",
        "duplicate id",
        lambda p: (
            f"duplicate id {ids.iat[p]!r} (first used on line {first_line[ids.iat[p]]}): "
            "ids must be unique"
        ),
    )


def _check_sources(table: _Table, problems: _Problems) -> None:
    _check_ids(table, problems, pattern=None, what="source")
    _require(table, "publisher", problems, "every source needs a publisher (e.g. Newsweek, RUSI)")
    _dates(table, "date", problems, month_end=False)
    urls = table.col("url")
    given = urls != ""
    if given.any():
        bad = given & ~urls.map(_is_web_url, na_action="ignore").astype(bool)
        problems.flag(
            table,
            bad,
            "url",
            "invalid url",
            lambda p: (
                f"{urls.iat[p]!r} is not a web address: it must start with http:// or "
                "https:// and name a host"
            ),
        )


def _is_web_url(url: str) -> bool:
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _check_sources_used(tables: Mapping[str, _Table], sources: _Table, problems: _Problems) -> None:
    for table in tables.values():
        if "source" in table.frame.columns:
            _check_refs(table, "source", sources, problems, what="source", many=True)


def _check_reserved_columns(table: _Table, problems: _Problems) -> None:
    """Refuse extra columns that would take a name the outputs use, or differ only in case."""
    file = _SHIPMENTS.file if table.file.endswith(".parquet") else table.file
    reserved = _RESERVED_IN.get(file, ())
    seen: dict[str, str] = {}
    for name in table.frame.columns:
        if name == LINE or name in table.missing:
            continue  # a missing required column is reported as such
        folded = name.casefold()
        if folded in reserved:
            problems.add(
                table.file,
                1,
                name,
                f"{name!r} is a reserved name: the outputs use the column {folded!r} for "
                f"{RESERVED_COLUMNS[folded]}; rename this column (e.g. 'source_{folded}')",
            )
        elif folded in seen:
            problems.add(
                table.file,
                1,
                name,
                f"{name!r} and {seen[folded]!r} differ only in case, which a GeoPackage "
                "cannot tell apart: rename or remove one",
            )
        seen.setdefault(folded, name)


def _check_units(shipments: _Table, legs: _Table, problems: _Problems) -> None:
    """Refuse too many units, and units whose columns would take another column's name.

    Each unit gives every leg the columns ``<unit>``, ``<unit>_low`` and
    ``<unit>_high`` in the GeoJSON, the GeoPackage and the map; none may be a
    column of legs.csv, a column the outputs add (:data:`RESERVED_COLUMNS`), or
    a column of another unit.
    """
    if "unit" in shipments.missing or shipments.frame.empty:
        return
    unit = shipments.col("unit")
    codes, distinct = pd.factorize(unit)
    _, first = np.unique(codes[codes >= 0], return_index=True)
    positions = np.flatnonzero(codes >= 0)[first]
    lines = shipments.col(LINE).to_numpy()
    found = sorted(
        (int(lines[pos]), str(distinct[codes[pos]]))
        for pos in positions
        if UNIT.fullmatch(str(distinct[codes[pos]]))
    )
    if len(found) > MAX_UNITS:
        line, name = found[MAX_UNITS]
        problems.add(
            shipments.file,
            line,
            "unit",
            f"unit {name!r} is one unit too many: a data set may have at most {MAX_UNITS} "
            "different units (does the unit column hold another column's values?)",
        )
        return
    taken: dict[str, str] = {}
    for name in legs.frame.columns:
        if name != LINE:
            taken.setdefault(name.casefold(), f"legs.csv has a column {name!r}")
    for name in _LEG_OUTPUT_COLUMNS:
        taken.setdefault(name, f"the outputs use {name!r} for {RESERVED_COLUMNS[name]}")
    given: dict[str, str] = {}
    for line, name in found:
        columns = (
            (name, "its figure"),
            (f"{name}_low", "its low estimate"),
            (f"{name}_high", "its high estimate"),
        )
        for column, what in columns:
            key = column.casefold()
            if key in taken:
                problems.add(
                    shipments.file,
                    line,
                    "unit",
                    f"unit {name!r} is a reserved name: each leg gets a column {column!r} for "
                    f"{what}, but {taken[key]}; rename the unit",
                )
                break
            if key in given:
                problems.add(
                    shipments.file,
                    line,
                    "unit",
                    f"unit {name!r} collides with unit {given[key]!r}: both would give each leg "
                    f"a column {column!r}; rename one of them",
                )
                break
        else:
            for column, _ in columns:
                given[column.casefold()] = name


def _check_width_by(config: MapConfig, units_seen: set[str] | None, problems: _Problems) -> None:
    if config.width_by is None or units_seen is None:
        return
    units = sorted(units_seen - {""})
    if config.width_by not in units:
        hint = _did_you_mean(
            config.width_by, units, f"units in shipments.csv: {', '.join(units) or 'none'}"
        )
        problems.add(
            "map.toml", None, "width_by", f"no shipment has the unit {config.width_by!r} ({hint})"
        )


# ---------------------------------------------------------------------------
# Shipment rows: a CSV file, a Parquet file or a folder of them, of any size

#: Stands for "the shipment row at this position among all rows" until located.
_ROWS_FILE = "\0shipments"


@dataclass
class _Rows:
    """The shipment rows as checked: their figures, and how to name a row."""

    figures: Figures
    units: set[str] | None  # every unit seen; None when the rows were not all read
    read_frame: Callable[[], pd.DataFrame]
    parts: list[PartSpec] = field(default_factory=list)

    def locate(self, problem: Problem) -> Problem:
        """Name a Parquet row by its file, row group and row."""
        if problem.file != _ROWS_FILE:
            return problem
        if problem.line is None or not self.parts:
            return replace(problem, file=_PARQUET_FOLDER)
        spec = self._part(problem.line)
        message = re.sub(
            r"first used on line (\d+)",
            lambda m: f"first used in {self._where(int(m[1]))}",
            problem.message,
        )
        return Problem(
            spec.label, problem.line - spec.first_row, problem.column, message, spec.row_group
        )

    def _part(self, row: int) -> PartSpec:
        starts = [p.first_row for p in self.parts]
        return self.parts[max(int(np.searchsorted(starts, row, side="right")) - 1, 0)]

    def _where(self, row: int) -> str:
        spec = self._part(row)
        return f"{spec.label}, row group {spec.row_group}, row {row - spec.first_row}"


def _no_rows(units: set[str] | None) -> _Rows:
    return _Rows(Reduction().figures(), units, _typed_empty_shipments)


def _typed_empty_shipments() -> pd.DataFrame:
    table = _Table(_SHIPMENTS.file, _empty_frame(_SHIPMENTS))
    _check_shipments(table, _unread(_LEGS), _Problems())
    return table.frame


def _header_table(file: str, names: list[str]) -> _Table:
    """Make a table of no rows with these columns, for checking a header."""
    frame = pd.DataFrame({n: pd.Series(dtype="str") for n in names})
    frame[LINE] = pd.Series(dtype=np.int64)
    return _Table(file, frame)


def _unread(spec: _Spec) -> _Table:
    return _Table(spec.file, _empty_frame(spec), complete=False)


def _check_shipment_rows(
    root: Path,
    legs: _Table,
    sources: _Table,
    problems: _Problems,
    *,
    scheduler: str | None,
    progress: Callable[[int], None] | None,
    engine: str = "scan",
    meanwhile: Callable[[], None] | None = None,
) -> _Rows:
    """Read, check and reduce the shipment rows, wherever they are."""
    given = [
        path
        for path in (root / _SHIPMENTS.file, root / _PARQUET, root / _PARQUET_FOLDER)
        if path.exists()
    ]
    if not given:
        return _no_rows(set())
    if len(given) > 1:
        names = " and ".join(p.name for p in given)
        problems.add(given[1].name, None, None, f"shipments given twice ({names}): keep one")
        return _no_rows(None)
    rules = Rules(
        legs=frozenset(legs.col("id")) if legs.complete else None,
        sources=frozenset(sources.col("id")) if sources.complete else None,
    )
    if given[0].name == _SHIPMENTS.file:
        return _csv_rows(root, rules, legs, sources, problems, meanwhile=meanwhile)
    return _parquet_rows(
        root,
        given[0],
        rules,
        legs,
        sources,
        problems,
        scheduler=scheduler,
        progress=progress,
        engine=engine,
    )


def _csv_rows(
    root: Path,
    rules: Rules,
    legs: _Table,
    sources: _Table,
    problems: _Problems,
    *,
    meanwhile: Callable[[], None] | None = None,
) -> _Rows:
    """Check and reduce ``shipments.csv``: one part, read by pyarrow (or line by line)."""
    data = _read_input(root / _SHIPMENTS.file, _SHIPMENTS.file, problems)
    if data is None:
        return _no_rows(None)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or data.isspace():
        problems.add(
            _SHIPMENTS.file,
            None,
            None,
            f"the file is empty: it needs a header row ({','.join(_SHIPMENTS.required)}) "
            "(or delete the file)",
        )
        return _no_rows(None)
    if not _header_fits(data, _SHIPMENTS, problems):
        return _no_rows(None)
    fast = read_csv_fast(data, meanwhile=meanwhile) if not _has_long_line(data) else None
    if fast is not None:
        names, rows = fast
        header = _header_table(_SHIPMENTS.file, names)
        _check_header(header, _SHIPMENTS, problems)
        blank = blank_rows(rows, data)
        if len(blank):
            keep = np.ones(rows.num_rows, dtype=bool)
            keep[blank] = False
            rows = rows.filter(pa.array(keep))
    else:
        text = _decode(data, _SHIPMENTS.file, problems)
        complete = text is not None
        header = _read_exact(
            text if text is not None else data.decode("utf-8", errors="replace"),
            _SHIPMENTS,
            problems,
        )
        header.complete = header.complete and complete
        _check_header(header, _SHIPMENTS, problems)
        rows = frame_table(header.frame)
    del data
    _check_reserved_columns(header, problems)
    read_frame = partial(_csv_frame, root)
    if header.missing:
        return _Rows(Reduction().figures(), None, read_frame)  # the header says it all
    reduction = Reduction()
    reduction.add(reduce_part(rows, first_row=0, rules=rules))
    units = _word_flagged(reduction, _SHIPMENTS.file, legs, sources, problems)
    lines = rows.column(LINE).to_numpy()
    _check_unit_names(reduction, _SHIPMENTS.file, lambda row: int(lines[row]), legs, problems)
    figures = reduction.figures()
    _check_sums(figures, _SHIPMENTS.file, rows, problems)
    return _Rows(figures, units if header.complete else None, read_frame)


def _has_long_line(data: bytes) -> bool:
    """Whether some line is longer than a cell may be (then the exact parser names it)."""
    if len(data) <= MAX_CELL_CHARS:
        return False
    # A line longer than 2B bytes holds a whole block [kB, (k+1)B) without a line
    # break: looking for a break in each block (memchr, no copies) rules the long
    # line out in one quick pass; only a block without one needs the exact count.
    block = MAX_CELL_CHARS // 2
    if all(data.find(b"\n", i, i + block) >= 0 for i in range(0, len(data) - block, block)):
        return False
    breaks = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    edges = np.concatenate([[-1], breaks, [len(data)]])
    return bool(np.diff(edges).max() > MAX_CELL_CHARS)


def _check_unit_names(
    reduction: Reduction,
    file: str,
    line_of: Callable[[int], int],
    legs: _Table,
    problems: _Problems,
) -> None:
    """Check the units (how many, and the column names they give) by their first rows."""
    first = sorted((line_of(row), unit) for unit, row in reduction.unit_first.items())
    frame = pd.DataFrame(
        {
            "unit": pd.Series([u for _, u in first], dtype="str"),
            LINE: np.array([line for line, _ in first], dtype=np.int64),
        }
    )
    _check_units(_Table(file, frame), legs, problems)


def _check_sums(figures: Figures, file: str, rows: pa.Table | None, problems: _Problems) -> None:
    """Refuse figures whose sum is more than a float can hold, naming their lines."""
    bad: dict[tuple[str, str], list[str]] = {}
    for frame, columns in (
        (figures.headlines, ("quantity", "low", "high")),
        (figures.months, ("quantity",)),
    ):
        for column in columns:
            overflow = np.isinf(frame[column].to_numpy(dtype=float))
            for leg, unit in zip(frame["leg"][overflow], frame["unit"][overflow], strict=True):
                found = bad.setdefault((str(leg), str(unit)), [])
                if column not in found:
                    found.append(column)
    for (leg, unit), found_columns in sorted(bad.items()):
        ordered = sorted(found_columns, key=("quantity", "low", "high").index)
        lines: list[int] = []
        if rows is not None:
            legs_text = pc.cast(rows.column("leg"), pa.string())
            units_text = pc.cast(rows.column("unit"), pa.string())
            mask = pc.and_(
                pc.equal(pc.utf8_trim_whitespace(legs_text), leg),
                pc.equal(pc.utf8_trim_whitespace(units_text), unit),
            )
            lines = sorted(int(n) for n in pc.filter(rows.column(LINE), mask).to_pylist())
        shown = ", ".join(str(n) for n in lines[:10])
        more = f" and {len(lines) - 10} more" if len(lines) > 10 else ""
        where = f" of lines {shown}{more}" if lines else ""
        problems.add(
            file,
            lines[0] if lines else None,
            ordered[0],
            f"the {unit} of leg {leg!r} add up to more than a number can hold "
            f"({', '.join(ordered)}{where}): check these figures for a typo",
        )


def _csv_frame(root: Path) -> pd.DataFrame:
    """Read the checked shipment rows again, refusing a file that vanished or changed since."""
    problems = _Problems()
    table = _read_table(root, _SHIPMENTS, problems, required=True)
    _check_shipments(table, _unread(_LEGS), problems)
    if problems.items:
        raise DataError(problems.result())
    return table.frame


def _parquet_rows(
    root: Path,
    given: Path,
    rules: Rules,
    legs: _Table,
    sources: _Table,
    problems: _Problems,
    *,
    scheduler: str | None,
    progress: Callable[[int], None] | None,
    engine: str,
) -> _Rows:
    """Check and reduce Parquet shipments: compiled scans, or row groups here or on a cluster."""
    import pyarrow.parquet as pq

    if given.is_dir():
        files = sorted(
            (path, path.relative_to(root).as_posix())
            for path in given.rglob("*.parquet")
            if path.is_file()
            and not any(p.startswith((".", "_")) for p in path.relative_to(given).parts)
        )
        if not files:
            problems.add(
                _PARQUET_FOLDER,
                None,
                None,
                "the folder holds no .parquet files: put the shipment rows in it as Parquet, "
                "or give shipments.csv instead",
            )
            return _no_rows(None)
    else:
        files = [(given, given.name)]
    readable = True
    for path, label in files:
        try:
            names = list(pq.read_schema(path).names)
        except (pa.ArrowException, OSError) as e:
            problems.add(label, None, None, f"cannot read this file as Parquet ({e})")
            readable = False
            continue
        names += [
            key for key, _, _ in (p.partition("=") for p in Path(label).parent.parts if "=" in p)
        ]
        header = _header_table(label, names)
        _check_header(header, replace(_SHIPMENTS, file=label), problems)
        _check_reserved_columns(header, problems)
        readable = readable and not header.missing
    if not readable:
        return _no_rows(None)
    parts = parquet_parts(files)
    scanned = None
    if scheduler is not None:
        from shipmap.cluster import reduce_on_cluster

        reduction = reduce_on_cluster(parts, rules, scheduler, progress=progress)
    else:
        # Compiled scans first; any bad row (or a sum they cannot promise to the
        # byte) sends the rows through the row-group engine, which words the problems.
        scanned = scan_parquet(parts, files, rules, progress=progress) if engine == "scan" else None
        reduction = scanned or reduce_parts(parts, rules, progress=progress)
    repeated = reduction.repeated_hashes() if scanned is None else np.zeros(0, np.uint64)
    if len(repeated):
        reduction.flagged.append(rows_with_ids(parts, repeated))
    units = _word_flagged(reduction, _ROWS_FILE, legs, sources, problems)
    _check_unit_names(reduction, _ROWS_FILE, int, legs, problems)
    figures = reduction.figures()
    _check_sums(figures, _ROWS_FILE, None, problems)
    return _Rows(figures, units, partial(_parquet_frame, parts), parts)


def _parquet_frame(parts: list[PartSpec]) -> pd.DataFrame:
    from shipmap.shipments import read_part

    columns = (*_SHIPMENTS.known,)
    tables = [
        read_part(spec, columns).append_column(
            ROW, pa.array(np.arange(spec.rows, dtype=np.int64) + spec.first_row)
        )
        for spec in parts
    ]
    frame = _text_frame(pa.concat_tables(tables, promote_options="permissive"), line=ROW)
    for name in _SHIPMENTS.known:
        if name not in frame.columns:
            frame[name] = pd.Series("", index=frame.index, dtype="str")
    table = _Table(_PARQUET_FOLDER, frame)
    _check_shipments(table, _unread(_LEGS), _Problems())
    return table.frame


def _word_flagged(
    reduction: Reduction, file: str, legs: _Table, sources: _Table, problems: _Problems
) -> set[str]:
    """Word the problems of the rows the reduction flagged; return every unit seen."""
    units = set(reduction.units)
    if not reduction.flagged:
        return units
    flagged = pa.concat_tables(reduction.flagged, promote_options="permissive")
    line = LINE if LINE in flagged.column_names else ROW
    frame = _text_frame(flagged, line=line).drop_duplicates(LINE).reset_index(drop=True)
    for name in _SHIPMENTS.known:
        if name not in frame.columns:
            frame[name] = pd.Series("", index=frame.index, dtype="str")
    units |= set(frame["unit"])
    table = _Table(file, frame)
    _check_shipments(table, legs, problems)
    _check_refs(table, "source", sources, problems, what="source", many=True)
    if reduction.n_flagged > len(frame):
        problems.add(
            file,
            None,
            None,
            f"... and {reduction.n_flagged - len(frame):,} more rows that break a rule "
            "(only the first rows were looked at closely)",
        )
    return units


def _text_frame(table: pa.Table, *, line: str) -> pd.DataFrame:
    """Rows as read (text, numbers or dates) as stripped text, as a CSV file gives them."""
    out: dict[str, pd.Series] = {}
    for name in table.column_names:
        if name in (LINE, ROW):
            continue
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            column = pc.cast(column, column.type.value_type)
        if pa.types.is_timestamp(column.type):
            column = pc.cast(column, pa.date32(), safe=False)
        if not pa.types.is_string(column.type):
            column = pc.cast(column, pa.string())
        text = pc.utf8_trim_whitespace(pc.fill_null(column, ""))
        out[name] = pd.Series(text.to_pylist(), dtype="str")
    frame = pd.DataFrame(out)
    frame[LINE] = table.column(line).to_numpy()
    return frame


# ---------------------------------------------------------------------------
# Entry point


def load_dataset(
    root: Path,
    *,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = "scan",
    meanwhile: Callable[[], None] | None = None,
) -> Dataset:
    """Read the data set in ``root`` and check every rule of the data contract.

    Parameters
    ----------
    root
        The data set folder: ``places.csv`` and ``legs.csv``, and optionally
        the shipments (``shipments.csv``, ``shipments.parquet`` or a folder
        ``shipments/`` of Parquet files), ``sources.csv`` and ``map.toml``.
    scheduler
        The address of a Dask scheduler: Parquet shipments are then checked and
        reduced on its workers, which must see the files at the same paths.
    progress
        Called with the number of shipment rows done so far, now and then.
    engine
        How Parquet shipments are read on this machine: ``"scan"`` (compiled
        scans of the embedded engine, which hand over to the row groups when a
        row breaks a rule) or ``"row groups"`` (each row group in Arrow and
        NumPy, as on a cluster). Both give the same figures, to the byte.
    meanwhile
        Work for this thread while pyarrow parses ``shipments.csv`` in threads
        of its own (a build imports the modules of its later stages then). It
        runs at most once, and not at all when no fast parse happens.

    Returns
    -------
    Dataset
        The frames (see ``docs/architecture.md``, "Frames between stages") and the
        map's configuration. Missing optional files give empty frames with the
        contract's columns.

    Raises
    ------
    DataError
        With every problem found, each naming the file, line and column.
    """
    root = Path(root)
    problems = _Problems()
    if not root.is_dir():
        raise DataError([Problem(str(root), None, None, "not a folder: give a data set folder")])
    places = _read_table(root, _PLACES, problems, required=True)
    legs = _read_table(root, _LEGS, problems, required=True)
    sources = _read_table(root, _SOURCES, problems, required=False)
    if places.present and places.complete and places.frame.empty:
        problems.add("places.csv", None, None, "no places: add at least one row under the header")
        places.complete = False

    _check_places(places, problems)
    _check_legs(legs, places, problems)
    _check_sources(sources, problems)
    _check_sources_used({"places": places, "legs": legs}, sources, problems)
    for table in (places, legs):
        _check_reserved_columns(table, problems)
    rows = _check_shipment_rows(
        root,
        legs,
        sources,
        problems,
        scheduler=scheduler,
        progress=progress,
        engine=engine,
        meanwhile=meanwhile,
    )
    config = MapConfig()
    try:
        config = read_config(root / "map.toml")
    except DataError as e:
        for p in e.problems:
            problems.add(p.file, p.line, p.column, p.message)
    _check_width_by(config, rows.units, problems)

    found = [rows.locate(p) for p in problems.result()]
    if found:
        raise DataError(found)
    return Dataset(
        root=root,
        places=places.frame,
        legs=legs.frame,
        sources=sources.frame,
        figures=rows.figures,
        config=config,
        read_rows=rows.read_frame,
    )
