"""`shipmap geocode`: one name, a code, or a CSV of names, as an analyst runs it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from shipmap.cli import main

NAMES = """name,country,kind
Odessa,UA,
Odessa,,
Egypt,,
Amirabad,IR,port
Qxzwv,,
"Astoria, Oregon",,
"""


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_csv_of_names_gives_one_row_per_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = tmp_path / "names.csv"
    names.write_text(NAMES, encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["geocode", "--file", str(names), "-o", str(out)]) == 0
    rows = read(out.read_text(encoding="utf-8"))
    assert list(rows[0]) == [
        "name",
        "country",
        "lat",
        "lon",
        "status",
        "matched_name",
        "source",
        "candidates",
    ]
    assert [r["name"] for r in rows] == [
        "Odessa",
        "Odessa",
        "Egypt",
        "Amirabad",
        "Qxzwv",
        "Astoria, Oregon",
    ]
    assert [r["status"] for r in rows] == [
        "placed",
        "ambiguous",
        "ambiguous",
        "placed",
        "unknown",
        "placed",
    ]
    odesa = rows[0]
    assert (odesa["matched_name"], odesa["source"]) == ("Odesa", "GeoNames 698740")
    assert abs(float(odesa["lat"]) - 46.48) < 0.01
    assert "Odesa (UA)" in rows[1]["candidates"] and "(TX, US)" in rows[1]["candidates"]
    assert rows[1]["lat"] == ""  # a refused name gets no point
    assert rows[3]["source"] == "GeoNames 13157242 (port)"
    assert "6 names: 3 placed, 2 ambiguous, 1 unknown" in capsys.readouterr().err


def test_without_an_output_file_the_rows_go_to_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = tmp_path / "names.csv"
    names.write_text("name\nVladivostok\n", encoding="utf-8")
    assert main(["geocode", "--file", str(names)]) == 0
    (row,) = read(capsys.readouterr().out)
    assert (row["status"], row["country"]) == ("placed", "RU")


def test_a_bad_names_file_is_one_line_with_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = tmp_path / "names.csv"
    names.write_text("place\nKursk\n", encoding="utf-8")
    assert main(["geocode", "--file", str(names)]) == 1
    assert capsys.readouterr().err.strip() == f"shipmap: {names}:1: no 'name' column (found: place)"
    names.write_text("name,country\nKursk,Russia\n", encoding="utf-8")
    assert main(["geocode", "--file", str(names), "-o", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err.strip()
    assert (
        err == f"{names}:2: country: 'Russia' is not an ISO 3166-1 alpha-2 code (e.g. RU, KP, IR)"
    )
    assert not (tmp_path / "out.csv").exists()  # nothing half-written


def test_a_refusal_prints_the_name_as_written_and_each_candidate_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = "ماخاچ\u200cقلعهٔ"
    assert main(["geocode", name]) == 1
    err = capsys.readouterr().err
    assert f"'{name}'" in err and "\\u200c" not in err and "Traceback" not in err
    assert main(["geocode", "Tripoli"]) == 1
    lines = capsys.readouterr().err.splitlines()
    candidates = [line for line in lines if line.strip().startswith("candidate:")]
    assert len(candidates) == len(set(candidates)) >= 2
    assert any("Tripoli (LB)" in line for line in candidates)


def test_codes_are_looked_up_only_as_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geocode", "HEL", "--code", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Helsinki"
    assert main(["geocode", "HEL"]) == 1
    assert "looks like a code" in capsys.readouterr().err
