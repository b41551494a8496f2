"""`shipmap ais` on a synthetic fleet: every call, voyage and gap found, nothing extra."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from ais_fleet import iso, make_fleet, ports_csv

from shipmap.cli import main
from shipmap.dataset import load_dataset


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write_fleet_csv(path: Path, fixes: pd.DataFrame) -> None:
    """The fleet as a MarineCadastre-style export (its column names)."""
    pd.DataFrame(
        {
            "MMSI": fixes["mmsi"],
            "BaseDateTime": fixes["time"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
            "LAT": fixes["lat"].round(6),
            "LON": fixes["lon"].round(6),
            "SOG": fixes["sog"],
            "VesselName": fixes["name"],
        }
    ).to_csv(path, index=False)


@pytest.fixture(scope="module")
def fleet_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    root = tmp_path_factory.mktemp("fleet")
    fleet = make_fleet()
    ais = root / "fleet.csv"
    _write_fleet_csv(ais, fleet.fixes)
    ds = root / "ds"
    ds.mkdir()
    (ds / "places.csv").write_text(ports_csv(), encoding="utf-8")
    (ds / "legs.csv").write_text("id,origin,destination,mode\n", encoding="utf-8")
    assert main(["ais", "--no-world-ports", str(ais), "-o", str(ds), "-q"]) == 0
    return ais, ds, fleet


def test_every_call_is_found_with_its_times_and_nothing_else(fleet_run) -> None:
    _, ds, fleet = fleet_run
    got = sorted(
        (int(r["mmsi"]), r["port"], r["arrival"], r["departure"]) for r in _rows(ds / "calls.csv")
    )
    want = sorted((m, p, iso(a), iso(d)) for m, p, a, d in fleet.calls)
    assert got == want


def test_every_voyage_is_one_shipment_row_on_one_leg_per_port_pair(fleet_run) -> None:
    _, ds, fleet = fleet_run
    legs = {r["id"]: (r["origin"], r["destination"]) for r in _rows(ds / "legs.csv")}
    assert sorted(legs.values()) == sorted({(o, d) for _, o, d, _, _ in fleet.voyages})
    assert all(r["mode"] == "sea" for r in _rows(ds / "legs.csv"))
    rows = _rows(ds / "shipments.csv")
    got = sorted((r["note"].split(":")[0], *legs[r["leg"]], r["start"], r["end"]) for r in rows)
    want = sorted(
        (f"MMSI {m}", o, d, dep.strftime("%Y-%m-%d"), arr.strftime("%Y-%m-%d"))
        for m, o, d, dep, arr in fleet.voyages
    )
    assert got == want
    assert {(r["unit"], r["quantity"], r["basis"]) for r in rows} == {("voyages", "1", "event")}


def test_every_dark_gap_is_found_including_across_the_antimeridian(fleet_run) -> None:
    _, ds, fleet = fleet_run
    gaps = _rows(ds / "gaps.csv")
    got = sorted((int(r["mmsi"]), r["start"], r["end"]) for r in gaps)
    assert got == sorted((m, iso(a), iso(b)) for m, a, b in fleet.gaps)
    lady_r = next(r for r in gaps if r["vessel"] == "LADY R")
    assert float(lady_r["hours"]) == pytest.approx(14.0)
    # Silent from west of the antimeridian to east of it.
    assert float(lady_r["start_lon"]) > 170 and float(lady_r["end_lon"]) < -170


def test_a_renamed_ship_keeps_one_track_and_each_name_where_it_was_used(fleet_run) -> None:
    _, ds, _ = fleet_run
    calls = [r for r in _rows(ds / "calls.csv") if r["mmsi"] == "273000002"]
    assert [r["vessel"] for r in calls] == ["MARIA", "MARIA", "MAIA-1", "MAIA-1"]
    voyages = [
        (r["note"].split("left ")[1].split(" ")[0], r["vessel"])
        for r in sorted(_rows(ds / "shipments.csv"), key=lambda r: r["id"])
        if r["note"].startswith("MMSI 273000002")
    ]
    # Renamed at sea between Dunai and Rajin: that voyage carries both names.
    assert voyages == [("rajin", "MARIA"), ("dunai", "MARIA;MAIA-1"), ("rajin", "MAIA-1")]


def test_the_result_is_a_valid_data_set_whose_source_names_the_file(fleet_run) -> None:
    _ais, ds, _ = fleet_run
    loaded = load_dataset(ds)
    sources = loaded.sources.set_index("id")
    assert list(sources.index) == ["ais-fleet"]
    assert "fleet.csv" in sources.loc["ais-fleet", "note"]
    assert set(loaded.shipments["source"]) == {"ais-fleet"}
    assert {r["source"] for r in _rows(ds / "calls.csv")} == {"ais-fleet"}


def test_running_the_same_file_again_replaces_its_rows(fleet_run, tmp_path: Path) -> None:
    ais, ds, _ = fleet_run
    before = {name: (ds / name).read_text() for name in ("shipments.csv", "calls.csv", "gaps.csv")}
    assert main(["ais", "--no-world-ports", str(ais), "-o", str(ds), "-q"]) == 0
    after = {name: (ds / name).read_text() for name in before}
    assert after == before


def test_an_existing_sea_leg_and_other_sources_are_kept(tmp_path: Path) -> None:
    fleet = make_fleet()
    ais = tmp_path / "fleet.csv"
    _write_fleet_csv(ais, fleet.fixes)
    ds = tmp_path / "ds"
    ds.mkdir()
    (ds / "places.csv").write_text(ports_csv(), encoding="utf-8")
    (ds / "legs.csv").write_text(
        "id,origin,destination,mode\nsea_rv,rajin,vostochny,sea\n", encoding="utf-8"
    )
    (ds / "shipments.csv").write_text(
        "leg,start,quantity,unit,source\nsea_rv,2023-09,300,containers,rusi\n", encoding="utf-8"
    )
    (ds / "sources.csv").write_text("id,publisher\nrusi,RUSI\n", encoding="utf-8")
    assert (
        main(["ais", "--no-world-ports", str(ais), "-o", str(ds), "-q", "--source-id", "ais-test"])
        == 0
    )
    rows = _rows(ds / "shipments.csv")
    assert rows[0]["unit"] == "containers" and rows[0]["source"] == "rusi"
    ours = [r for r in rows if r["source"] == "ais-test"]
    assert sum(r["leg"] == "sea_rv" for r in ours) == 2  # Rajin → Vostochny, twice
    assert [r["id"] for r in _rows(ds / "legs.csv")].count("sea_rv") == 1
    assert {r["id"] for r in _rows(ds / "sources.csv")} == {"rusi", "ais-test"}


def test_noise_is_dropped_and_counted_by_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = make_fleet()
    ais = tmp_path / "noisy.csv"
    _write_fleet_csv(ais, fleet.fixes)
    lines = ais.read_text().splitlines()
    # line 11: a repeated fix; line 40: a jump of 5 degrees; line 60: latitude 123;
    # line 80: no time; a line cut short; then a blank line near the top moves all down one.
    lines.insert(10, lines[9])
    cells = lines[39].split(",")
    cells[2] = str(float(cells[2]) + 5)
    lines[39] = ",".join(cells)
    cells = lines[59].split(",")
    cells[2] = "123"
    lines[59] = ",".join(cells)
    cells = lines[79].split(",")
    cells[1] = "yesterday"
    lines[79] = ",".join(cells)
    lines.insert(100, lines[100][:12])
    lines.insert(3, "")  # a blank line: every line below moves down one
    ais.write_text("\n".join(lines) + "\n")
    ds = tmp_path / "ds"
    ds.mkdir()
    (ds / "places.csv").write_text(ports_csv(), encoding="utf-8")
    (ds / "legs.csv").write_text("id,origin,destination,mode\n", encoding="utf-8")
    assert main(["ais", "--no-world-ports", str(ais), "-o", str(ds)]) == 0
    out = capsys.readouterr()
    assert f"{ais}:12: duplicate (dropped)" in out.err
    assert f"{ais}:41: impossible speed (dropped)" in out.err
    assert f"{ais}:61: impossible coordinates (dropped)" in out.err
    assert f"{ais}:81: time missing or not readable (dropped)" in out.err
    assert f"{ais}:102: malformed CSV row" in out.err
    assert f"{ais}: 5 dropped" in out.out
    # The valid fixes still give every call and gap.
    got = sorted((int(r["mmsi"]), r["port"], r["arrival"]) for r in _rows(ds / "calls.csv"))
    assert got == sorted((m, p, iso(a)) for m, p, a, _ in fleet.calls)
    assert len(_rows(ds / "gaps.csv")) == len(fleet.gaps)
