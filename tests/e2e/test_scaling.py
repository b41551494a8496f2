"""A page does not grow with the rows of a data set, and a build shows its progress.

An analyst's file may hold millions of rows (rail waybills, port-call logs); the
map must stay the same size whatever their number: popups list a bounded number
of events and vessels, and the time data is binned by month. Timings live in
``bench/bench_build.py``, never here.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shipmap.cli import main

PLACES = """\
id,name,name:fa,lat,lon,country,kind
rajin,Rajin port,بندر راجین,42.2333,130.3,KP,port
tumangang,Tumangang station,ایستگاه تومانگانگ,42.4214,130.6081,KP,rail_station
khasan,Khasan station,ایستگاه خاسان,42.4301,130.6449,RU,rail_station
vladivostok,Vladivostok,ولادیوستوک,43.1167,131.8833,RU,port
tikhoretsk,Tikhoretsk,تیخورتسک,45.8531,40.1187,RU,depot
kursk,Kursk,کورسک,51.7269,36.1846,RU,front
pyongyang,Pyongyang,پیونگیانگ,39.0339,125.7543,KP,city
"""

LEGS = """\
id,origin,destination,mode,via,label
rail-tumangang-khasan,tumangang,khasan,rail,,
rail-khasan-tikhoretsk,khasan,tikhoretsk,rail,vladivostok,
rail-vladivostok-kursk,vladivostok,kursk,rail,,Vladivostok to Kursk
air-pyongyang-vladivostok,pyongyang,vladivostok,air,,
"""

SOURCES = """\
id,publisher,title,date,url
osc,Open Source Centre,Red Passage,2025-02-18,https://stories.opensourcecentre.org/red-passage
csis,CSIS Beyond Parallel,Rail traffic,2023-10,https://beyondparallel.csis.org/
jcs,Joint Chiefs of Staff,Troops,2025-03-27,https://example.org/jcs
"""

MAP = """\
languages = ["en", "fa"]
width_by = "containers"
[title]
en = "Scaling test"
fa = "آزمون مقیاس"
"""


def write_rows(folder: Path, rows: int, *, seed: int = 7) -> Path:
    """A data set whose shipments.csv has ``rows`` rows of every kind a map shows.

    Each row has its own vessel name, so a leg's vessel list would grow with
    the rows if it were not capped; dates span 20 months, so the time data is
    bounded by months, not rows.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("places.csv", PLACES),
        ("legs.csv", LEGS),
        ("sources.csv", SOURCES),
        ("map.toml", MAP),
    ):
        (folder / name).write_text(text, encoding="utf-8")
    rng = np.random.default_rng(seed)
    legs = np.array(
        [
            "rail-tumangang-khasan",
            "rail-khasan-tikhoretsk",
            "rail-vladivostok-kursk",
            "air-pyongyang-vladivostok",
        ]
    )
    units = np.array(["containers", "railcars", "troops"])
    start = np.datetime64("2023-08-01") + rng.integers(0, 600, rows).astype("timedelta64[D]")
    sources = np.array(["osc", "csis", "jcs", "osc;csis"])
    frame = pd.DataFrame(
        {
            "id": [f"row-{i}" for i in range(rows)],
            "leg": legs[rng.integers(0, len(legs), rows)],
            "start": np.datetime_as_string(start, unit="D"),
            "end": "",
            "quantity": rng.integers(1, 500, rows),
            "unit": units[rng.integers(0, len(units), rows)],
            "basis": "event",
            "vessel": [f"Vessel {i}" for i in range(rows)],
            "source": sources[rng.integers(0, len(sources), rows)],
            "note": "",
        }
    )
    # Reported totals sit beside the events, as in real data sets.
    frame.loc[:3, "basis"] = "total"
    frame.loc[:3, "leg"] = legs
    frame.loc[:3, "unit"] = "containers"
    frame.to_csv(folder / "shipments.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The same data set with 100 and with 20,000 shipment rows, each built."""
    root = tmp_path_factory.mktemp("scaling")
    outputs = {}
    for rows in (100, 20_000):
        data = write_rows(root / f"data-{rows}", rows)
        out = root / f"out-{rows}"
        assert main(["build", str(data), "-o", str(out), "-q"]) == 0
        outputs[rows] = out
    return outputs


@pytest.mark.parametrize("name", ["map-en.html", "map-fa.html", "shipmap.geojson"])
def test_output_does_not_grow_with_rows(built: dict[int, Path], name: str) -> None:
    small = (built[100] / name).stat().st_size
    large = (built[20_000] / name).stat().st_size
    assert large <= 1.10 * small, f"{name}: {large:,} bytes at 20,000 rows, {small:,} at 100"


def test_popups_list_a_bounded_number_of_vessels_and_events(built: dict[int, Path]) -> None:
    page = (built[20_000] / "map-en.html").read_text(encoding="utf-8")
    vessels = set(re.findall(r"Vessel \d+", page))
    # At most 12 vessels per leg in its vessel list, and 8 events per leg (each
    # may name its vessel): 4 legs.
    assert 0 < len(vessels) <= 4 * (12 + 8)
    assert "more" in page  # "… and N more" closes each long event list


def test_build_is_quiet_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_rows(tmp_path / "data", 50)
    assert main(["build", str(data), "-o", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "wrote" in captured.out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_build_shows_its_stages_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write_rows(tmp_path / "data", 50)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["build", str(data), "-o", str(tmp_path / "out")]) == 0
    shown = terminal.getvalue()
    for stage in (
        "Reading",
        "Drawing legs",
        "Joining figures",
        "Rendering map-en.html",
        "Rendering map-fa.html",
        "Writing",
    ):
        assert stage in shown
    assert re.search(r"Reading .* \(\d+\.\d s\)\n", shown)


def test_quiet_build_shows_nothing_even_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_rows(tmp_path / "data", 50)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["build", str(data), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert terminal.getvalue() == ""
    assert capsys.readouterr().out == ""
