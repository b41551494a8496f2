r"""NMEA 0183 AIS sentences (``!AIVDM``) to position fixes and ship names.

Sentences are decoded by pyais. A fix needs a time, and a bare sentence carries
none (type 1-3 reports hold only the second of the minute), so each line's time
comes from the first of:

- its tag block's ``c:`` field (``\s:2573345,c:1573466502*08\!BSVDM,...``), in
  seconds or milliseconds since 1970;
- a timestamp written before the sentence (``2024-03-14T06:00:00Z !AIVDM,...``,
  ``1710396000 !AIVDM,...``);
- the receiver time after the checksum in the US Coast Guard's NAIS logs
  (``...*5C,r003669946,1325394060``);
- the Gatehouse ``$PGHP`` sentence just before it.

Lines that cannot be used are reported by line number with the reason: a bad
checksum, a truncated or garbled sentence, a part of a multi-sentence message
whose other parts are missing, a payload that does not decode, or no time.
Decoding is per line (pyais decodes one message at a time); everything after it
runs over whole columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyais.exceptions import InvalidNMEAMessageException, UnknownMessageException
from pyais.messages import AISSentence, GatehouseSentence, NMEAMessage, NMEASentenceFactory

__all__ = ["NmeaFile", "looks_like_nmea", "read_nmea"]

_SENTENCE = re.compile(rb"[!$][A-Za-z]{4,5},[^*\\]*\*[0-9A-Fa-f]{2}")
_TRUNCATED = re.compile(rb"[!$][A-Za-z]{4,5},")
_TAG = re.compile(rb"\\([^\\]*)\\")
_EPOCH = re.compile(rb"\d{9,13}(?:\.\d+)?")
_POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
_STATIC_TYPES = frozenset({5, 19, 24})
# Times before the first AIS transponders or well after now are read errors.
_EARLIEST = datetime(1995, 1, 1, tzinfo=UTC).timestamp()


@dataclass
class NmeaFile:
    """What one NMEA file holds: fixes, names, and the lines that could not be used."""

    fixes: pa.Table
    names: pa.Table
    problems: list[tuple[int, str]] = field(default_factory=list)
    sentences: int = 0


def looks_like_nmea(head: bytes) -> bool:
    """Tell whether the first bytes of a file are AIS NMEA sentences."""
    return bool(re.search(rb"[!$][A-Z]{2}VD[MO],", head))


def _epoch(raw: bytes) -> float | None:
    if not _EPOCH.fullmatch(raw):
        return None
    value = float(raw)
    return value / 1000 if value > 1e11 else value


def _prefix_time(prefix: bytes) -> float | None:
    text = prefix.strip().rstrip(b",;").strip()
    if not text:
        return None
    value = _epoch(text)
    if value is not None:
        return value
    try:
        stamp = datetime.fromisoformat(text.decode("ascii").replace("Z", "+00:00"))
    except (ValueError, UnicodeDecodeError):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def _tag_time(tag: bytes) -> float | None:
    for part in tag.split(b"*")[0].split(b","):
        if part.startswith(b"c:"):
            return _epoch(part[2:])
    return None


def _trailer_time(trailer: bytes) -> float | None:
    fields = trailer.strip().strip(b",").split(b",")
    for i, value in enumerate(fields[:-1]):
        if value.startswith(b"r"):
            return _epoch(fields[i + 1])
    return None


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            line = raw.strip()
            if line and not line.startswith(b"#"):
                yield number, line


def read_nmea(path: Path, *, now: float | None = None) -> NmeaFile:
    """Decode an NMEA file into fixes and names, keeping each line's number.

    Parameters
    ----------
    path
        The file.
    now
        Latest plausible time (seconds since 1970); later times are read errors.
        Defaults to the present.
    """
    latest = (now if now is not None else datetime.now(UTC).timestamp()) + 86400
    fixes: dict[str, list[Any]] = {k: [] for k in ("mmsi", "t", "lat", "lon", "sog", "cog", "line")}
    names: dict[str, list[Any]] = {k: [] for k in ("mmsi", "t", "name", "imo", "line")}
    problems: list[tuple[int, str]] = []
    pending: dict[tuple[Any, ...], list[tuple[int, AISSentence]]] = {}
    wrapper_time: float | None = None
    sentences = 0

    for number, line in _lines(path):
        match = _SENTENCE.search(line)
        if match is None:
            reason = (
                "truncated sentence (no *checksum at its end)"
                if _TRUNCATED.search(line)
                else "not an NMEA sentence"
            )
            problems.append((number, reason))
            continue
        prefix, trailer = line[: match.start()], line[match.end() :]
        tag = _TAG.search(prefix)
        when = None
        if tag:
            when = _tag_time(tag.group(1))
            prefix = prefix[: tag.start()]
        if when is None:
            when = _prefix_time(prefix)
        if when is None:
            when = _trailer_time(trailer)
        try:
            sentence = NMEASentenceFactory.produce(match.group(0))
        except UnknownMessageException:
            continue
        except (InvalidNMEAMessageException, ValueError, IndexError):
            problems.append((number, "garbled sentence"))
            continue
        if isinstance(sentence, GatehouseSentence):
            # Gatehouse wrappers carry the time of the sentence after them.
            wrapper_time = sentence.timestamp.replace(tzinfo=UTC).timestamp()
            continue
        if not isinstance(sentence, AISSentence):
            continue
        sentences += 1
        if not sentence.is_valid:
            problems.append((number, "bad checksum"))
            wrapper_time = None
            continue
        if when is None:
            when = wrapper_time
        wrapper_time = None
        message: AISSentence = sentence
        if sentence.frag_cnt > 1:
            key = (sentence.seq_id, sentence.channel, sentence.frag_cnt)
            if sentence.frag_num == 1:
                for first, _ in pending.pop(key, []):
                    problems.append((first, "multi-sentence message with parts missing"))
                pending[key] = [(number, sentence)]
                continue
            parts = pending.get(key)
            if not parts or len(parts) != sentence.frag_num - 1:
                problems.append((number, "multi-sentence message with parts missing"))
                pending.pop(key, None)
                continue
            parts.append((number, sentence))
            if len(parts) < sentence.frag_cnt:
                continue
            message = NMEAMessage.assemble_from_iterable([s for _, s in parts])
            number = parts[0][0]
            del pending[key]
        if not message.payload:
            problems.append((number, "empty payload"))
            continue
        try:
            decoded: Any = message.decode()
        except Exception:  # pyais raises many kinds for a bad payload
            problems.append((number, "payload does not decode"))
            continue
        kind = decoded.msg_type
        if kind in _POSITION_TYPES:
            if when is None:
                problems.append(
                    (number, "no time (no tag block c:, $PGHP, receiver time or leading timestamp)")
                )
                continue
            if not _EARLIEST <= when <= latest:
                problems.append((number, "time out of range"))
                continue
            sog = getattr(decoded, "speed", None)
            cog = getattr(decoded, "course", None)
            fixes["mmsi"].append(int(decoded.mmsi))
            fixes["t"].append(when)
            fixes["lat"].append(float(decoded.lat))
            fixes["lon"].append(float(decoded.lon))
            fixes["sog"].append(None if sog is None or sog >= 102.3 else float(sog))
            fixes["cog"].append(None if cog is None or cog >= 360 else float(cog))
            fixes["line"].append(number)
        if kind in _STATIC_TYPES:
            name = getattr(decoded, "shipname", None)
            if name and str(name).strip(" @"):
                imo = getattr(decoded, "imo", None)
                names["mmsi"].append(int(decoded.mmsi))
                names["t"].append(when)
                names["name"].append(str(name).strip(" @"))
                names["imo"].append(str(imo) if imo else None)
                names["line"].append(number)
    for parts in pending.values():
        problems.append((parts[0][0], "multi-sentence message with parts missing"))
    return NmeaFile(
        fixes=pa.table(
            {
                "mmsi": pa.array(fixes["mmsi"], pa.int64()),
                "t": pa.array(fixes["t"], pa.float64()),
                "lat": pa.array(fixes["lat"], pa.float64()),
                "lon": pa.array(fixes["lon"], pa.float64()),
                "sog": pa.array(fixes["sog"], pa.float64()),
                "cog": pa.array(fixes["cog"], pa.float64()),
                "line": pa.array(fixes["line"], pa.int64()),
            }
        ),
        names=pa.table(
            {
                "mmsi": pa.array(names["mmsi"], pa.int64()),
                "t": pa.array(names["t"], pa.float64()),
                "name": pa.array(names["name"], pa.string()),
                "imo": pa.array(names["imo"], pa.string()),
                "line": pa.array(names["line"], pa.int64()),
            }
        ),
        problems=sorted(problems),
        sentences=sentences,
    )
