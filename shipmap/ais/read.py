"""Read AIS files (NMEA, CSV, Parquet) into one table of fixes, in DuckDB.

Every file becomes rows of one shape — ``mmsi, t`` (seconds since 1970, UTC),
``lat, lon, sog, cog, name, imo`` and where it came from (``src``, ``line``) —
in a DuckDB database kept in a temporary folder, so files larger than memory
are read in bounded memory. A row that cannot be used is not dropped silently:
it carries the reason, and :class:`Reading` reports how many rows each reason
cost and the first lines of each, by file and line.

CSV line numbers count the header as line 1 and assume one row per line (a
quoted field that spans lines shifts the numbers after it). Parquet files have
no lines: their rows are numbered from 1.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from shipmap.ais.columns import ColumnMap, match_columns
from shipmap.ais.nmea import looks_like_nmea, read_nmea
from shipmap.errors import DataError, Problem

__all__ = ["AisFile", "Reading", "open_reading"]

#: How many lines of each reason are named one by one; the rest are counted.
EXAMPLES_PER_REASON = 5
_EARLIEST = datetime(1995, 1, 1, tzinfo=UTC).timestamp()
_SCHEMA = (
    "src INTEGER, line BIGINT, mmsi BIGINT, t DOUBLE, lat DOUBLE, lon DOUBLE, "
    "sog DOUBLE, cog DOUBLE, name VARCHAR, imo VARCHAR, reason VARCHAR"
)


@dataclass(frozen=True)
class AisFile:
    """One input file and what shipmap made of it."""

    path: Path
    kind: str  # "nmea", "csv" or "parquet"
    columns: ColumnMap | None = None


@dataclass
class Reading:
    """The fixes of every input file, in a DuckDB table ``raw``, and what was dropped."""

    con: duckdb.DuckDBPyConnection
    files: list[AisFile]
    dropped: dict[tuple[int, str], int] = field(default_factory=dict)
    examples: list[tuple[int, int, str]] = field(default_factory=list)
    rows: int = 0
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _csv: dict[int, tuple[Path, list[int]]] = field(default_factory=dict)
    _skips: dict[int, list[int]] = field(default_factory=dict)

    def line_of(self, src: int, row_line: int) -> int:
        """Return the line in its file of a CSV row numbered as if no line were skipped.

        DuckDB skips blank lines and malformed rows; a row's line number in the
        table counts only the rows read. Blank lines are looked for only when a
        line is to be named.
        """
        if src not in self._csv:
            return row_line
        if src not in self._skips:
            path, rejected = self._csv[src]
            self._skips[src] = sorted(rejected + _blank_lines(path))
        return _physical([row_line], self._skips[src])[row_line]

    def close(self) -> None:
        """Close the database and remove its temporary folder."""
        self.con.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    with path.open("rb") as fh:
        head = fh.read(65536)
    if head.startswith(b"PAR1"):
        return "parquet"
    if suffix in (".nmea", ".ais", ".nm4", ".txt", ".log") or looks_like_nmea(head):
        return "nmea" if looks_like_nmea(head) or suffix in (".nmea", ".ais", ".nm4") else "csv"
    return "csv"


def _delimiter(path: Path) -> str:
    with path.open("rb") as fh:
        first = fh.readline().decode("utf-8-sig", errors="replace")
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _time_sql(column: str, sql_type: str, time_format: str | None) -> str:
    col = _quote(column)
    if time_format:
        return f"epoch(try_strptime(CAST({col} AS VARCHAR), '{time_format.replace(chr(39), '')}'))"
    upper = sql_type.upper()
    if upper.startswith("TIMESTAMP") or upper == "DATE":
        return f"epoch({col})"
    if any(
        upper.startswith(n) for n in ("BIGINT", "INTEGER", "DOUBLE", "FLOAT", "DECIMAL", "HUGE")
    ):
        return f"CASE WHEN {col} > 1e11 THEN {col} / 1000.0 ELSE {col}::DOUBLE END"
    text = f"trim(CAST({col} AS VARCHAR))"
    return (
        "coalesce("
        f"epoch(try_cast({text} AS TIMESTAMPTZ)),"
        f"epoch(try_strptime({text}, '%d/%m/%Y %H:%M:%S')),"
        f"epoch(try_strptime({text}, '%d/%m/%Y %H:%M')),"
        f"CASE WHEN regexp_full_match({text}, '[0-9]{{12,13}}') THEN {text}::DOUBLE / 1000"
        f" WHEN regexp_full_match({text}, '[0-9]{{9,10}}(\\.[0-9]*)?') THEN {text}::DOUBLE END)"
    )


def _num(column: str | None) -> str:
    return "NULL::DOUBLE" if column is None else f"try_cast({_quote(column)} AS DOUBLE)"


def _text(column: str | None) -> str:
    if column is None:
        return "NULL::VARCHAR"
    return f"nullif(trim(CAST({_quote(column)} AS VARCHAR)), '')"


def _reason_sql(latest: float) -> str:
    return (
        "CASE WHEN mmsi IS NULL THEN 'MMSI missing or not a number' "
        "WHEN t IS NULL THEN 'time missing or not readable' "
        "WHEN lat IS NULL OR lon IS NULL THEN 'position missing or not a number' "
        "WHEN lat = 91 OR lon = 181 THEN 'position not available (AIS 91/181)' "
        "WHEN lat NOT BETWEEN -90 AND 90 OR lon NOT BETWEEN -180 AND 180 "
        "THEN 'impossible coordinates' "
        f"WHEN t < {_EARLIEST} OR t > {latest} THEN 'time out of range' END"
    )


def _table_select(
    source: str,
    columns: ColumnMap,
    types: Mapping[str, str],
    *,
    src: int,
    first_line: int,
    mmsi: int | None,
    time_format: str | None,
) -> str:
    mmsi_sql = (
        str(int(mmsi)) if mmsi is not None else f"try_cast({_quote(columns.mmsi or '')} AS BIGINT)"
    )
    return f"""
        SELECT {src} AS src, row_number() OVER () + {first_line - 1} AS line,
          {mmsi_sql} AS mmsi,
          {_time_sql(columns.time, types.get(columns.time, "VARCHAR"), time_format)} AS t,
          {_num(columns.lat)} AS lat, {_num(columns.lon)} AS lon,
          {_num(columns.sog)} AS sog, {_num(columns.cog)} AS cog,
          {_text(columns.name)} AS name, {_text(columns.imo)} AS imo
        FROM {source}
    """


def _blank_lines(path: Path) -> list[int]:
    """Return the numbers of the blank lines of a file (read in large blocks)."""
    blanks: list[int] = []
    line = 1
    tail = b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            data = tail + block
            cut = data.rfind(b"\n") + 1
            body, tail = data[:cut], data[cut:]
            if b"\n\n" in body or b"\n\r\n" in body or body.startswith((b"\n", b"\r\n")):
                for i, text in enumerate(body.split(b"\n")[:-1]):
                    if not text.strip(b"\r"):
                        blanks.append(line + i)
            line += body.count(b"\n")
    return blanks


def _physical(rows: Sequence[int], skipped: Sequence[int]) -> dict[int, int]:
    """Map the n-th data line (header = 1, skipped lines not counted) to its line number."""
    out: dict[int, int] = {}
    skips = sorted(skipped)
    for row in sorted(set(rows)):
        line, k = row, 0
        while k < len(skips) and skips[k] <= line:
            line += 1
            k += 1
        out[row] = line
    return out


def open_reading(
    paths: Sequence[Path],
    *,
    columns: Mapping[str, str] | None = None,
    mmsi: int | None = None,
    time_format: str | None = None,
    memory_limit: str = "1GB",
    now: float | None = None,
) -> Reading:
    """Read every file into a DuckDB table ``raw`` of fixes and ``names`` of ship names.

    Parameters
    ----------
    paths
        The AIS files, each NMEA, CSV or Parquet (told apart by their content).
    columns
        Field -> column name, for exports whose names shipmap does not recognise.
    mmsi
        One MMSI for every row (a single ship's track without an MMSI column).
    time_format
        A ``strptime`` format for the time column (``%d/%m/%Y %H:%M:%S``); by
        default ISO 8601, ``dd/mm/YYYY HH:MM:SS`` and seconds since 1970 are read.
    memory_limit
        DuckDB's memory limit; beyond it, work spills to the temporary folder.
    now
        Latest plausible time (seconds since 1970), by default the present.

    Raises
    ------
    DataError
        A file that cannot be read at all, or has no recognisable columns.
    """
    latest = (now if now is not None else datetime.now(UTC).timestamp()) + 86400
    tmp = tempfile.TemporaryDirectory(prefix="shipmap-ais-")
    con = duckdb.connect(str(Path(tmp.name) / "ais.duckdb"))
    con.execute(
        f"SET memory_limit='{memory_limit}'; SET temp_directory='{Path(tmp.name) / 'spill'}';"
        "SET TimeZone='UTC'; SET preserve_insertion_order=true;"
    )
    con.execute(f"CREATE TABLE raw ({_SCHEMA})")
    con.execute("CREATE TABLE names (mmsi BIGINT, t DOUBLE, name VARCHAR, imo VARCHAR)")
    reading = Reading(con=con, files=[], _tmp=tmp)
    problems: list[Problem] = []
    try:
        for src, path in enumerate(paths):
            if not path.is_file():
                problems.append(Problem(str(path), None, None, "no such file"))
                continue
            kind = _kind(path)
            if kind == "nmea":
                nmea = read_nmea(path, now=now)
                for line, reason in nmea.problems:
                    key = (src, reason)
                    reading.dropped[key] = reading.dropped.get(key, 0) + 1
                    if reading.dropped[key] <= EXAMPLES_PER_REASON:
                        reading.examples.append((src, line, reason))
                mmsi_sql = str(int(mmsi)) if mmsi is not None else "mmsi"
                con.register("nmea_fixes", nmea.fixes)
                con.register("nmea_names", nmea.names)
                con.execute(
                    f"INSERT INTO raw SELECT {src}, line, {mmsi_sql}, t, lat, lon, sog, cog, "
                    f"NULL, NULL, {_reason_sql(latest)} FROM nmea_fixes"
                )
                con.execute(f"INSERT INTO names SELECT {mmsi_sql}, t, name, imo FROM nmea_names")
                con.unregister("nmea_fixes")
                con.unregister("nmea_names")
                reading.files.append(AisFile(path, kind))
                continue
            if kind == "parquet":
                source = f"read_parquet('{_sql_path(path)}')"
                first_line = 1
            else:
                delim = _delimiter(path)
                source = (
                    f"read_csv('{_sql_path(path)}', header=true, all_varchar=true, "
                    f"delim='{delim}', quote='\"', store_rejects=true, "
                    "rejects_table='rejects', rejects_scan='rejects_scan', null_padding=false)"
                )
                first_line = 2
            try:
                described = con.execute(f"DESCRIBE SELECT * FROM {source} LIMIT 0").fetchall()
            except duckdb.Error as err:
                problems.append(
                    Problem(str(path), None, None, f"cannot be read: {_first_line(err)}")
                )
                continue
            header = [str(r[0]) for r in described]
            types = {str(r[0]): str(r[1]) for r in described}
            if header and header[0].startswith("\ufeff"):
                header[0] = header[0][1:]
            cmap, found = match_columns(header, given=columns, mmsi_given=mmsi is not None)
            if cmap is None:
                problems.extend(Problem(str(path), 1, None, msg) for msg in found)
                continue
            select = _table_select(
                source,
                cmap,
                types,
                src=src,
                first_line=first_line,
                mmsi=mmsi,
                time_format=time_format,
            )
            try:
                con.execute(
                    f"INSERT INTO raw SELECT *, {_reason_sql(latest)} AS reason FROM ({select})"
                )
            except duckdb.Error as err:
                problems.append(
                    Problem(str(path), None, None, f"cannot be read: {_first_line(err)}")
                )
                continue
            if kind == "csv":
                rejected = con.execute(
                    "SELECT line, min(error_type) FROM rejects GROUP BY line ORDER BY line"
                ).fetchall()
                reading._csv[src] = (path, [int(r[0]) for r in rejected])
                for line, error in rejected:
                    key = (src, f"malformed CSV row ({str(error).lower()})")
                    reading.dropped[key] = reading.dropped.get(key, 0) + 1
                    if reading.dropped[key] <= EXAMPLES_PER_REASON:
                        reading.examples.append((src, int(line), key[1]))
                con.execute("DROP TABLE IF EXISTS rejects; DROP TABLE IF EXISTS rejects_scan")
            if cmap.name is not None:
                # The first and last time each ship used each name, in one pass.
                con.execute(
                    "INSERT INTO names WITH g AS MATERIALIZED (SELECT mmsi, name, min(t) AS a, "
                    f"max(t) AS b, any_value(imo) AS imo FROM raw WHERE src = {src} "
                    "AND reason IS NULL AND name IS NOT NULL GROUP BY mmsi, name) "
                    "SELECT mmsi, a, name, imo FROM g UNION ALL SELECT mmsi, b, name, imo FROM g"
                )
            reading.files.append(AisFile(path, kind, cmap))
        if problems:
            raise DataError(problems)
        counted = con.execute(
            "SELECT src, reason, count(*) FROM raw WHERE reason IS NOT NULL GROUP BY ALL"
        ).fetchall()
        for src, reason, n in counted:
            reading.dropped[(int(src), str(reason))] = int(n)
        firsts = con.execute(
            "SELECT src, line, reason FROM raw WHERE reason IS NOT NULL "
            "QUALIFY row_number() OVER (PARTITION BY src, reason ORDER BY line) "
            f"<= {EXAMPLES_PER_REASON}"
        ).fetchall()
        for src, line, reason in firsts:
            reading.examples.append((int(src), reading.line_of(int(src), int(line)), str(reason)))
        reading.rows = int(con.execute("SELECT count(*) FROM raw").fetchall()[0][0])
    except BaseException:
        reading.close()
        raise
    reading.examples.sort()
    return reading


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
