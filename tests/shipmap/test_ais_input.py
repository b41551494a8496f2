"""What `shipmap ais` reads: NMEA (with its times), the columns of public exports, bad files."""

from __future__ import annotations

import csv
import re
from datetime import UTC
from functools import reduce
from pathlib import Path

import pandas as pd
import pyais
import pytest
from ais_fleet import iso, make_fleet, ports_csv
from pyais import encode_dict

from shipmap.ais import read_nmea
from shipmap.cli import main


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _dataset(root: Path) -> Path:
    ds = root / "ds"
    ds.mkdir()
    (ds / "places.csv").write_text(ports_csv(), encoding="utf-8")
    (ds / "legs.csv").write_text("id,origin,destination,mode\n", encoding="utf-8")
    return ds


def _tag(epoch: int) -> str:
    body = f"s:test,c:{epoch}"
    checksum = reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"\\{body}*{checksum:02X}\\"


def _fleet_nmea(path: Path) -> None:
    """The synthetic fleet as tag-blocked NMEA, names in type 5 messages."""
    fixes = make_fleet().fixes
    lines = []
    named: dict[int, str] = {}
    for row in fixes.itertuples():
        epoch = int(row.time.replace(tzinfo=UTC).timestamp())
        if named.get(row.mmsi) != row.name:
            named[row.mmsi] = row.name
            static = {"type": 5, "mmsi": row.mmsi, "shipname": row.name}
            for part in encode_dict(static, sentence_type="VDM", seq_id=1):
                lines.append(_tag(epoch) + part)
        report = {
            "type": 1,
            "mmsi": row.mmsi,
            "lat": row.lat,
            "lon": row.lon,
            "speed": row.sog,
            "course": 90,
        }
        lines.append(_tag(epoch) + encode_dict(report, sentence_type="VDM")[0])
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def test_nmea_with_tag_block_times_gives_the_same_calls_as_csv(tmp_path: Path) -> None:
    fleet = make_fleet()
    nmea = tmp_path / "fleet.nmea"
    _fleet_nmea(nmea)
    ds = _dataset(tmp_path)
    assert main(["ais", "--no-world-ports", str(nmea), "-o", str(ds), "-q"]) == 0
    got = sorted(
        (int(r["mmsi"]), r["port"], r["arrival"], r["departure"], r["vessel"])
        for r in _rows(ds / "calls.csv")
    )
    names = {r["mmsi"]: r["vessel"] for r in _rows(ds / "calls.csv")}
    assert names["273000003"] == "LADY R"
    assert [g[:4] for g in got] == sorted((m, p, iso(a), iso(d)) for m, p, a, d in fleet.calls)
    assert len(_rows(ds / "gaps.csv")) == len(fleet.gaps)


def _pyais_samples() -> list[str]:
    """The NMEA sentences pyais ships in its own package (docstrings and examples)."""
    found: set[str] = set()
    for module in Path(pyais.__file__).parent.glob("*.py"):
        found.update(re.findall(r"![A-Z]{2}VD[MO],[^\s\"'\\]*\*[0-9A-F]{2}", module.read_text()))
    return sorted(found)


def test_pyais_sample_sentences_decode_and_each_time_form_is_read(tmp_path: Path) -> None:
    samples = [s for s in _pyais_samples() if s.startswith("!AIVDM,1,1,")]
    assert samples, "pyais no longer ships a one-part sample sentence"
    sentence = samples[0]
    path = tmp_path / "times.nmea"
    path.write_text(
        "\n".join(
            [
                _tag(1710396000) + sentence,  # tag block c:
                "2024-03-14T06:10:00Z " + sentence,  # leading ISO 8601
                "1710397200 " + sentence,  # leading seconds since 1970
                sentence + ",r003669946,1710397800",  # NAIS receiver time
                "$PGHP,1,2024,3,14,6,40,0,0,338,2,,1,09*17",  # Gatehouse wrapper
                sentence,
                sentence,  # no time at all
            ]
        )
        + "\n"
    )
    result = read_nmea(path)
    times = result.fixes.column("t").to_pylist()
    assert times == [1710396000, 1710396600, 1710397200, 1710397800, 1710398400]
    assert result.problems == [
        (7, "no time (no tag block c:, $PGHP, receiver time or leading timestamp)")
    ]
    decoded = pyais.decode(sentence)
    assert result.fixes.column("mmsi")[0].as_py() == decoded.mmsi
    assert result.fixes.column("lat")[0].as_py() == pytest.approx(decoded.lat)


def test_a_malformed_nmea_file_names_each_bad_line_and_uses_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nmea = tmp_path / "fleet.nmea"
    _fleet_nmea(nmea)
    lines = nmea.read_text().splitlines()
    good = lines[20]
    lines[20] = good[: len(good) // 2]  # truncated
    lines[30] = lines[30][:-2] + ("00" if not lines[30].endswith("00") else "11")  # checksum
    bad_position = encode_dict(
        {"type": 1, "mmsi": 273000001, "lat": 95, "lon": 20, "speed": 0}, sentence_type="VDM"
    )[0]
    lines[40] = _tag(1709251200) + bad_position  # latitude 95
    lines.insert(50, "garbage that is no sentence")
    nmea.write_text("\n".join(lines) + "\n")
    ds = _dataset(tmp_path)
    assert main(["ais", "--no-world-ports", str(nmea), "-o", str(ds)]) == 0
    out = capsys.readouterr()
    assert f"{nmea}:21: truncated sentence (no *checksum at its end) (dropped)" in out.err
    assert f"{nmea}:31: bad checksum (dropped)" in out.err
    assert f"{nmea}:41: impossible coordinates (dropped)" in out.err
    assert f"{nmea}:51: not an NMEA sentence (dropped)" in out.err
    assert f"{nmea}: 4 dropped" in out.out
    assert len(_rows(ds / "calls.csv")) == len(make_fleet().calls)


def test_a_file_without_any_time_is_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bare.nmea"
    path.write_text("\n".join(_pyais_samples()) + "\n")
    ds = _dataset(tmp_path)
    assert main(["ais", "--no-world-ports", str(path), "-o", str(ds)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: no usable position (" in err and "no time" in err
    assert "Traceback" not in err
    assert not (ds / "calls.csv").exists()


def _fleet_frame() -> pd.DataFrame:
    return make_fleet().fixes


def test_danish_maritime_authority_columns_and_day_first_dates(tmp_path: Path) -> None:
    fixes = _fleet_frame()
    path = tmp_path / "aisdk.csv"
    pd.DataFrame(
        {
            "# Timestamp": fixes["time"].dt.strftime("%d/%m/%Y %H:%M:%S"),
            "Type of mobile": "Class A",
            "MMSI": fixes["mmsi"],
            "Latitude": fixes["lat"].round(6),
            "Longitude": fixes["lon"].round(6),
            "Navigational status": "Unknown value",
            "SOG": fixes["sog"],
            "COG": 90.0,
            "Name": fixes["name"],
        }
    ).to_csv(path, index=False)
    ds = _dataset(tmp_path)
    assert main(["ais", "--no-world-ports", str(path), "-o", str(ds), "-q"]) == 0
    assert len(_rows(ds / "calls.csv")) == len(make_fleet().calls)
    assert {r["vessel"] for r in _rows(ds / "calls.csv")} >= {"ANGARA", "LADY R"}


def test_parquet_with_other_column_names_mapped_by_options(tmp_path: Path) -> None:
    fixes = _fleet_frame()
    path = tmp_path / "export.parquet"
    pd.DataFrame(
        {
            "ship": fixes["mmsi"],
            "when": fixes["time"],
            "northing": fixes["lat"],
            "easting": fixes["lon"],
            "knots": fixes["sog"],
        }
    ).to_parquet(path)
    ds = _dataset(tmp_path)
    args = ["ais", "--no-world-ports", str(path), "-o", str(ds), "-q", "--mmsi-column", "ship"]
    args += ["--time-column", "when", "--lat-column", "northing", "--lon-column", "easting"]
    args += ["--sog-column", "knots"]
    assert main(args) == 0
    assert len(_rows(ds / "calls.csv")) == len(make_fleet().calls)
    assert {r["vessel"] for r in _rows(ds / "calls.csv")} == {
        "MMSI 273000001",
        "MMSI 273000002",
        "MMSI 273000003",
    }


def test_one_ships_track_without_an_mmsi_column(tmp_path: Path) -> None:
    fixes = _fleet_frame()
    one = fixes[fixes["mmsi"] == 273000003]
    path = tmp_path / "track.csv"
    pd.DataFrame(
        {
            "lon": one["lon"],
            "lat": one["lat"],
            "timestamp": one["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "speed": one["sog"],
        }
    ).to_csv(path, index=False)
    ds = _dataset(tmp_path)
    assert (
        main(["ais", "--no-world-ports", str(path), "-o", str(ds), "-q", "--mmsi", "273000003"])
        == 0
    )
    assert [r["port"] for r in _rows(ds / "calls.csv")] == ["petropavlovsk", "adak", "dutch-harbor"]


def test_unrecognised_columns_are_refused_with_the_columns_seen_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("ship,when,northing,easting\n1,2024-01-01T00:00:00,1,2\n")
    assert main(["ais", "--no-world-ports", str(path), "-o", str(tmp_path / "ds")]) == 1
    err = capsys.readouterr().err
    assert f"{path}:1: no mmsi column recognised (columns: ship, when, northing, easting)" in err
    assert "--lat-column" in err
    assert not (tmp_path / "ds").exists()


def test_no_call_and_no_data_set_says_what_to_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixes = _fleet_frame()
    path = tmp_path / "far.csv"
    pd.DataFrame(
        {
            "MMSI": fixes["mmsi"],
            "BaseDateTime": fixes["time"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
            "LAT": fixes["lat"] - 30,  # the same tracks, 30 degrees south: open ocean
            "LON": fixes["lon"],
            "SOG": fixes["sog"],
        }
    ).to_csv(path, index=False)
    ds = tmp_path / "new"
    assert main(["ais", "--no-world-ports", str(path), "-o", str(ds)]) == 1
    err = capsys.readouterr().err
    assert "nothing written: no port call in" in err and "stops near no known port" in err
    assert "add the ports to DATASET/places.csv" in err
    assert not ds.exists()
