"""Ship positions (AIS) to shipments: port calls, voyages and dark gaps.

The stages, each usable on its own::

    read      AIS files (NMEA, CSV, Parquet) -> one DuckDB table of fixes   (read.py, nmea.py)
    track     sorted fixes -> cleaned tracks, stops and silences            (track.py)
    events    stops and silences + ports -> calls, voyages, dark gaps       (events.py, ports.py)
    write     events -> places, legs, shipments, sources, calls, gaps       (write.py)

:func:`ais_to_dataset` runs them all (``shipmap ais``); :func:`read_ais` stops
before writing. The rules and their defaults are in :class:`Thresholds` and
``docs/ais.md``.
"""

from __future__ import annotations

from shipmap.ais.convert import AisReport, ais_to_dataset, describe_source, read_ais
from shipmap.ais.events import Events, Names, find_events
from shipmap.ais.nmea import NmeaFile, read_nmea
from shipmap.ais.ports import PortIndex, port_layers
from shipmap.ais.read import Reading, open_reading
from shipmap.ais.track import Scan, Thresholds, scan_tracks
from shipmap.ais.write import CALLS_FILE, GAPS_FILE, AisSource, extend_dataset

__all__ = [
    "CALLS_FILE",
    "GAPS_FILE",
    "AisReport",
    "AisSource",
    "Events",
    "Names",
    "NmeaFile",
    "PortIndex",
    "Reading",
    "Scan",
    "Thresholds",
    "ais_to_dataset",
    "describe_source",
    "extend_dataset",
    "find_events",
    "open_reading",
    "port_layers",
    "read_ais",
    "read_nmea",
    "scan_tracks",
]
