"""Reading and checking a data set folder: what an analyst sees for each mistake."""

# Pinned messages are long on purpose: they are what the user reads.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shipmap.dataset import MAX_PROBLEMS, Dataset, load_dataset, split_list
from shipmap.errors import DataError

BASE: dict[str, str] = {
    "places.csv": (
        "id,name,name:fa,lat,lon,country,kind,aliases,source,note\n"
        "rajin,Rajin,راجین,42.25,130.30,KP,port,Najin;Rason,nw,\n"
        "vostochny,Vostochny,,42.75,133.07,RU,port,,,\n"
        "tumangang,Tumangang,,42.42,130.60,KP,border_crossing,,,\n"
        "khasan,Khasan,,42.43,130.64,RU,border_crossing,,,\n"
        "tikhoretsk,Tikhoretsk,,,,RU,depot,,,\n"
    ),
    "legs.csv": (
        "id,origin,destination,mode,via,label,source\n"
        "rajin-vostochny,rajin,vostochny,sea,,,nw\n"
        "tumangang-khasan,tumangang,khasan,rail,,,rusi\n"
        "khasan-tikhoretsk,khasan,tikhoretsk,rail,,,\n"
    ),
    "shipments.csv": (
        "leg,start,end,quantity,low,high,unit,basis,cargo,vessel,source\n"
        "rajin-vostochny,2023-09,,300,,,containers,,munitions,Angara,nw\n"
        "rajin-vostochny,2023-10-05,2023-10-07,2,1,3,shipments,total,,,nw;rusi\n"
        "tumangang-khasan,2024-01-15,,40,30,50,containers,event,,,rusi\n"
    ),
    "sources.csv": (
        "id,publisher,title,date,url\n"
        "nw,Newsweek,Ships carry munitions,2024-01-02,https://www.newsweek.com/a\n"
        "rusi,RUSI,,2023-12,\n"
    ),
    "map.toml": 'title = "Arms to Russia"\nlanguages = ["en", "fa"]\n',
}


def write(root: Path, files: dict[str, str | bytes | None]) -> Path:
    for name, content in files.items():
        if content is None:
            continue
        path = root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
    return root


def build(tmp_path: Path, change: Callable[[dict[str, str | bytes | None]], None]) -> Path:
    files: dict[str, str | bytes | None] = dict(BASE)
    change(files)
    return write(tmp_path, files)


def edit(file: str, old: str, new: str) -> Callable[[dict[str, str | bytes | None]], None]:
    """Replace ``old`` by ``new`` (once, and it must be there) in ``file``."""

    def change(files: dict[str, str | bytes | None]) -> None:
        text = files[file]
        assert isinstance(text, str) and old in text, (file, old)
        files[file] = text.replace(old, new, 1)

    return change


def put(file: str, content: str | bytes | None) -> Callable[[dict[str, str | bytes | None]], None]:
    def change(files: dict[str, str | bytes | None]) -> None:
        files[file] = content

    return change


def problems_of(root: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_dataset(root)
    return [str(p) for p in caught.value.problems]


P, L, S, R, M = "places.csv", "legs.csv", "shipments.csv", "sources.csv", "map.toml"
RAJIN = "rajin,Rajin,راجین,42.25,130.30,KP,port,Najin;Rason,nw,\n"
TIKH = "tikhoretsk,Tikhoretsk,,,,RU,depot,,,\n"
SHIP1 = "rajin-vostochny,2023-09,,300,,,containers,,munitions,Angara,nw\n"
SHIP3 = "tumangang-khasan,2024-01-15,,40,30,50,containers,event,,,rusi\n"

# (case id, change to the valid base, the exact problem line the user must see)
BROKEN = [
    (
        "no-places",
        put(P, None),
        "places.csv: file not found in {root}: a data set needs places.csv with the columns id, name",
    ),
    (
        "no-legs",
        put(L, None),
        "legs.csv: file not found in {root}: a data set needs legs.csv with the columns id, origin, destination, mode",
    ),
    (
        "empty-places",
        put(P, ""),
        "places.csv: the file is empty: it needs a header row (id,name) and at least one row",
    ),
    (
        "places-header-only",
        put(P, "id,name,lat,lon\n"),
        "places.csv: no places: add at least one row under the header",
    ),
    (
        "empty-shipments",
        put(S, ""),
        "shipments.csv: the file is empty: it needs a header row (leg,start,quantity,unit) (or delete the file)",
    ),
    (
        "missing-name-column",
        edit(P, "id,name,name:fa", "id,nom,name:fa"),
        "places.csv:1: name: required column is missing; the header needs id, name",
    ),
    (
        "capitalised-required-column",
        edit(P, "id,name,name:fa", "id,Name,name:fa"),
        "places.csv:1: name: required column is missing (found 'Name': write it in lower case)",
    ),
    (
        "capitalised-optional-column",
        edit(P, ",lat,lon,", ",Lat,lon,"),
        "places.csv:1: Lat: write the column name in lower case: 'lat'",
    ),
    (
        "bad-language-column",
        edit(P, "name:fa", "name:FA"),
        "places.csv:1: name:FA: the language must be a two-letter lower-case ISO 639-1 code, e.g. 'name:fa'",
    ),
    (
        "reserved-column",
        edit(L, ",label,source", ",_line,source"),
        "legs.csv:1: _line: column names starting with '_' are reserved: rename it",
    ),
    (
        "duplicate-column",
        edit(L, ",label,source", ",note,note"),
        "legs.csv:1: note: this column appears twice in the header: keep one",
    ),
    (
        "duplicate-place-id",
        edit(P, TIKH, TIKH + "rajin,Rajin again,,,,,,,,\n"),
        "places.csv:7: id: duplicate id 'rajin' (first used on line 2): ids must be unique",
    ),
    (
        "invalid-place-id",
        edit(P, TIKH, TIKH + "Rajin Port,Rajin port,,,,,,,,\n"),
        "places.csv:7: id: id 'Rajin Port' is not valid: use lower-case letters, digits, '_' and '-', starting with a letter or digit (e.g. 'rajin_port')",
    ),
    (
        "empty-place-id",
        edit(P, TIKH, TIKH + ",Somewhere,,,,,,,,\n"),
        "places.csv:7: id: empty: every place needs an id",
    ),
    (
        "empty-place-name",
        edit(P, "tikhoretsk,Tikhoretsk,", "tikhoretsk,,"),
        "places.csv:6: name: empty: every place needs a name (in Latin script)",
    ),
    (
        "decimal-comma",
        edit(P, "42.25,", '"42,25",'),
        "places.csv:2: lat: '42,25' is not a number (write decimals with a point: 42.25)",
    ),
    (
        "not-a-number",
        edit(P, "42.75,133.07", "42.75N,133.07"),
        "places.csv:3: lat: '42.75N' is not a number",
    ),
    (
        "latitude-range",
        edit(P, "42.75,133.07", "142.75,133.07"),
        "places.csv:3: lat: latitude 142.75 is out of range (-90 to 90)",
    ),
    (
        "swapped-lat-lon",
        edit(P, "42.25,130.30", "130.30,42.25"),
        "places.csv:2: lat: latitude 130.3 is out of range (-90 to 90): are lat and lon swapped?",
    ),
    (
        "longitude-range",
        edit(P, "42.42,130.60", "42.42,230.60"),
        "places.csv:4: lon: longitude 230.6 is out of range (-180 to 180)",
    ),
    (
        "latitude-without-longitude",
        edit(P, "Tikhoretsk,,,,", "Tikhoretsk,,45.85,,"),
        "places.csv:6: lon: latitude given without longitude: give both, or leave both empty to geocode the place",
    ),
    (
        "longitude-without-latitude",
        edit(P, "Tikhoretsk,,,,", "Tikhoretsk,,,40.12,"),
        "places.csv:6: lat: longitude given without latitude: give both, or leave both empty to geocode the place",
    ),
    (
        "country-name",
        edit(P, "133.07,RU", "133.07,Russia"),
        "places.csv:3: country: 'Russia' is not an ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. 'RU')",
    ),
    (
        "country-lower-case",
        edit(P, "133.07,RU", "133.07,ru"),
        "places.csv:3: country: 'ru' is not an ISO 3166-1 alpha-2 country code (did you mean 'RU'?)",
    ),
    (
        "country-uk",
        edit(P, "133.07,RU", "133.07,UK"),
        "places.csv:3: country: 'UK' is not an ISO 3166-1 alpha-2 country code (did you mean 'GB'?)",
    ),
    (
        "unknown-kind-case",
        edit(P, "133.07,RU,port", "133.07,RU,Port"),
        "places.csv:3: kind: unknown kind 'Port' (did you mean 'port'?)",
    ),
    (
        "unknown-kind",
        edit(P, "133.07,RU,port", "133.07,RU,harbour"),
        "places.csv:3: kind: unknown kind 'harbour' (use one of: port, rail_station, border_crossing, depot, city, front, airport, other)",
    ),
    (
        "unknown-destination",
        edit(L, "rajin,vostochny,sea", "rajin,vostochy,sea"),
        "legs.csv:2: destination: unknown place id 'vostochy' (did you mean 'vostochny'?)",
    ),
    (
        "unknown-origin",
        edit(L, "khasan,tikhoretsk", "moscow,tikhoretsk"),
        "legs.csv:4: origin: unknown place id 'moscow' (not in places.csv)",
    ),
    (
        "unknown-via",
        edit(L, "tikhoretsk,rail,,", "tikhoretsk,rail,rostov,"),
        "legs.csv:4: via: unknown place id 'rostov' (not in places.csv)",
    ),
    (
        "empty-origin",
        edit(L, "khasan,tikhoretsk", ",tikhoretsk"),
        "legs.csv:4: origin: empty: every leg needs an origin place id",
    ),
    (
        "unknown-mode",
        edit(L, "khasan,tikhoretsk,rail", "khasan,tikhoretsk,train"),
        "legs.csv:4: mode: unknown mode 'train' (did you mean 'rail'?)",
    ),
    (
        "mode-case",
        edit(L, "rajin,vostochny,sea", "rajin,vostochny,Sea"),
        "legs.csv:2: mode: unknown mode 'Sea' (did you mean 'sea'?)",
    ),
    (
        "empty-mode",
        edit(L, "khasan,tikhoretsk,rail", "khasan,tikhoretsk,"),
        "legs.csv:4: mode: empty: every leg needs a mode (sea, rail, road, air)",
    ),
    (
        "leg-to-itself",
        edit(L, "khasan,tikhoretsk,rail", "khasan,khasan,rail"),
        "legs.csv:4: destination: the leg goes from 'khasan' to itself: give another destination, or the places it passes in 'via'",
    ),
    (
        "invalid-leg-id",
        edit(L, "khasan-tikhoretsk,", "Khasan to Tikhoretsk,"),
        "legs.csv:4: id: id 'Khasan to Tikhoretsk' is not valid: use lower-case letters, digits, '_' and '-', starting with a letter or digit (e.g. 'khasan_to_tikhoretsk')",
    ),
    (
        "duplicate-leg-id",
        edit(L, "khasan-tikhoretsk,", "rajin-vostochny,"),
        "legs.csv:4: id: duplicate id 'rajin-vostochny' (first used on line 2): ids must be unique",
    ),
    (
        "unknown-leg",
        edit(S, "tumangang-khasan,2024", "tumangang-hasan,2024"),
        "shipments.csv:4: leg: unknown leg id 'tumangang-hasan' (did you mean 'tumangang-khasan'?)",
    ),
    (
        "empty-leg",
        edit(S, "tumangang-khasan,2024", ",2024"),
        "shipments.csv:4: leg: empty: every shipment needs a leg id",
    ),
    (
        "start-not-a-date",
        edit(S, "2024-01-15", "15/01/2024"),
        "shipments.csv:4: start: '15/01/2024' is not a date: use YYYY-MM-DD, or YYYY-MM for a whole month",
    ),
    (
        "month-13",
        edit(S, "2024-01-15", "2024-13-15"),
        "shipments.csv:4: start: '2024-13-15' is not a date: use YYYY-MM-DD, or YYYY-MM for a whole month",
    ),
    (
        "empty-start",
        edit(S, "rajin-vostochny,2023-09,", "rajin-vostochny,,"),
        "shipments.csv:2: start: empty: every shipment needs a start date",
    ),
    (
        "end-not-a-date",
        edit(S, "2023-10-07", "2023-10-32"),
        "shipments.csv:3: end: '2023-10-32' is not a date: use YYYY-MM-DD, or YYYY-MM for a whole month",
    ),
    (
        "end-before-start",
        edit(S, "2023-10-05,2023-10-07", "2023-10-05,2023-10-01"),
        "shipments.csv:3: end: end 2023-10-01 is before start 2023-10-05",
    ),
    (
        "month-end-before-start",
        edit(S, "2023-10-05,2023-10-07", "2023-10-05,2023-09"),
        "shipments.csv:3: end: end 2023-09 is before start 2023-10-05",
    ),
    (
        "quantity-not-a-number",
        edit(S, ",300,", ",many,"),
        "shipments.csv:2: quantity: 'many' is not a number",
    ),
    (
        "quantity-thousands",
        edit(S, ",300,", ',"1,200",'),
        "shipments.csv:2: quantity: '1,200' is not a number (write it without thousands separators: 1200)",
    ),
    (
        "quantity-empty",
        edit(S, ",300,", ",,"),
        "shipments.csv:2: quantity: empty: every shipment needs a quantity",
    ),
    (
        "quantity-negative",
        edit(S, ",40,30,50,", ",-40,30,50,"),
        "shipments.csv:4: quantity: quantity -40 is negative: it must be 0 or more",
    ),
    (
        "low-above-quantity",
        edit(S, ",40,30,50,", ",40,45,50,"),
        "shipments.csv:4: low: low 45 is more than quantity 40: the range must hold the estimate (low <= quantity <= high)",
    ),
    (
        "high-below-quantity",
        edit(S, ",40,30,50,", ",40,30,35,"),
        "shipments.csv:4: high: high 35 is less than quantity 40: the range must hold the estimate (low <= quantity <= high)",
    ),
    (
        "unit-capitalised",
        edit(S, "50,containers", "50,Containers"),
        "shipments.csv:4: unit: unit 'Containers' is not a lower-case word (did you mean 'containers'?)",
    ),
    (
        "unit-two-words",
        edit(S, "50,containers", "50,ballistic missiles"),
        "shipments.csv:4: unit: unit 'ballistic missiles' is not a lower-case word (did you mean 'ballistic_missiles'?)",
    ),
    (
        "unit-empty",
        edit(S, "50,containers", "50,"),
        "shipments.csv:4: unit: empty: every shipment needs a unit (e.g. troops, missiles)",
    ),
    (
        "basis-unknown",
        edit(S, "shipments,total", "shipments,totals"),
        "shipments.csv:3: basis: basis 'totals' must be 'event' or 'total' (did you mean 'total'?)",
    ),
    (
        "missing-unit-column",
        put(S, "leg,start,quantity\nrajin-vostochny,2023-09,3\n"),
        "shipments.csv:1: unit: required column is missing; the header needs leg, start, quantity, unit",
    ),
    (
        "unknown-source",
        edit(S, "nw;rusi", "nw;rsui"),
        "shipments.csv:3: source: unknown source id 'rsui' (did you mean 'rusi'?)",
    ),
    (
        "unknown-place-source",
        edit(P, "Najin;Rason,nw,", "Najin;Rason,newsweek,"),
        "places.csv:2: source: unknown source id 'newsweek' (not in sources.csv)",
    ),
    (
        "source-without-sources-file",
        put(R, None),
        (
            "legs.csv:2: source: unknown source id 'nw' (there is no sources.csv: add it with this id)",
            "legs.csv:3: source: unknown source id 'rusi' (there is no sources.csv: add it with this id)",
            "places.csv:2: source: unknown source id 'nw' (there is no sources.csv: add it with this id)",
            "shipments.csv:2: source: unknown source id 'nw' (there is no sources.csv: add it with this id)",
            "shipments.csv:3: source: unknown source id 'nw' (there is no sources.csv: add it with this id); unknown source id 'rusi' (there is no sources.csv: add it with this id)",
            "shipments.csv:4: source: unknown source id 'rusi' (there is no sources.csv: add it with this id)",
        ),
    ),
    (
        "duplicate-source-id",
        edit(R, "rusi,RUSI,,2023-12,\n", "rusi,RUSI,,2023-12,\nnw,Newsweek,,,\n"),
        "sources.csv:4: id: duplicate id 'nw' (first used on line 2): ids must be unique",
    ),
    (
        "empty-publisher",
        edit(R, "rusi,RUSI", "rusi,"),
        "sources.csv:3: publisher: empty: every source needs a publisher (e.g. Newsweek, RUSI)",
    ),
    (
        "source-date",
        edit(R, "2023-12", "December 2023"),
        "sources.csv:3: date: 'December 2023' is not a date: use YYYY-MM-DD, or YYYY-MM for a whole month",
    ),
    (
        "javascript-url",
        edit(R, "https://www.newsweek.com/a", "javascript:alert(1)"),
        "sources.csv:2: url: 'javascript:alert(1)' is not a web address: it must start with http:// or https:// and name a host",
    ),
    (
        "relative-url",
        edit(R, "https://www.newsweek.com/a", "www.newsweek.com/a"),
        "sources.csv:2: url: 'www.newsweek.com/a' is not a web address: it must start with http:// or https:// and name a host",
    ),
    (
        "data-url",
        edit(R, "https://www.newsweek.com/a", '"data:text/html,<b>x</b>"'),
        "sources.csv:2: url: 'data:text/html,<b>x</b>' is not a web address: it must start with http:// or https:// and name a host",
    ),
    (
        "not-utf8",
        put(P, BASE[P].replace("Vostochny,", "Vost\u00f6chny,").encode("latin-1", "replace")),
        "places.csv:3: not UTF-8 text (byte 0xF6 at character 15 of the line): save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')",
    ),
    (
        "unquoted-comma",
        edit(P, "Najin;Rason,nw,\n", "Najin;Rason,nw,Port, ice-free\n"),
        "places.csv:2: this row has 11 cells but the header has 10: put text that holds a comma in double quotes",
    ),
    (
        "stray-quote",
        edit(P, "rajin,Rajin,", 'rajin,"Rajin"x,'),
        "places.csv:2: cannot read this row as CSV (',' expected after '\"'): put text with commas, quotes or line breaks in double quotes, and write a quote inside it as two (\"\")",
    ),
    (
        "unclosed-quote",
        edit(P, "Najin;Rason,nw,\n", 'Najin;Rason,nw,"ice-free\n'),
        'places.csv:2: cannot read this row as CSV (unexpected end of data): put text with commas, quotes or line breaks in double quotes, and write a quote inside it as two ("")',
    ),
    (
        "toml-unquoted",
        put(M, 'languages = ["en"]\ntitle = Arms to Russia\n'),
        'map.toml:2: not valid TOML: invalid value at column 9 (text needs double quotes, e.g. title = "Arms to Russia")',
    ),
    (
        "toml-languages-type",
        put(M, "languages = 3\n"),
        'map.toml: languages: must be a list of language codes, e.g. languages = ["en", "fa"]',
    ),
    (
        "toml-language-code",
        put(M, 'languages = ["en", "farsi"]\n'),
        "map.toml: languages: 'farsi' is not an ISO 639-1 code (two lower-case letters, e.g. 'fa')",
    ),
    (
        "toml-title-type",
        put(M, "title = 3\n"),
        'map.toml: title: must be text (e.g. title = "...") or a table of texts by language (e.g. title.fa = "...")',
    ),
    (
        "toml-width-by",
        put(M, 'width_by = "container"\n'),
        "map.toml: width_by: no shipment has the unit 'container' (did you mean 'containers'?)",
    ),
    (
        "toml-basemap",
        put(M, 'basemap = "OpenStreetMapp"\n'),
        "map.toml: basemap: unknown basemap 'OpenStreetMapp' (did you mean 'OpenStreetMap'?)",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_broken_data_set_is_refused_with_the_exact_problem(
    tmp_path: Path,
    change: Callable[[dict[str, str | bytes | None]], None],
    expected: str | tuple[str, ...],
) -> None:
    root = build(tmp_path, change)
    wanted = [expected] if isinstance(expected, str) else list(expected)
    assert problems_of(root) == [w.format(root=root) for w in wanted]


def test_base_data_set_loads(tmp_path: Path) -> None:
    data = load_dataset(write(tmp_path, dict(BASE)))
    assert isinstance(data, Dataset)
    assert data.root == tmp_path
    assert data.config.languages == ("en", "fa")
    assert data.config.text("title", "fa") == "Arms to Russia"


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = dict(BASE)
    for change in (
        edit(P, "42.75,133.07", "142.75,133.07"),
        edit(L, "rajin,vostochny,sea", "rajin,vostochy,sea"),
        edit(S, ",300,", ",many,"),
        edit(R, "https://www.newsweek.com/a", "javascript:alert(1)"),
        put(M, "languages = 3\n"),
    ):
        change(files)
    found = problems_of(write(tmp_path, files))
    assert [p.split(":")[0] for p in found] == [
        "legs.csv",
        "map.toml",
        "places.csv",
        "shipments.csv",
        "sources.csv",
    ]
    assert (
        "legs.csv:2: destination: unknown place id 'vostochy' (did you mean 'vostochny'?)" in found
    )


def test_many_bad_rows_are_capped_with_a_count(tmp_path: Path) -> None:
    rows = "".join(
        "rajin-vostochny,2023-09,,lots,,,containers,,,,\n" for _ in range(MAX_PROBLEMS + 30)
    )
    header = BASE[S].splitlines()[0]
    root = write(tmp_path, {**BASE, S: header + "\n" + rows})
    found = problems_of(root)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[0] == "shipments.csv:2: quantity: 'lots' is not a number"
    assert found[-1] == (
        f"shipments.csv:{MAX_PROBLEMS + 2}: quantity: ... and 30 more rows with the same problem "
        "(not a number)"
    )


def test_byte_order_mark_and_crlf_are_accepted(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        name: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
        for name, text in BASE.items()
        if name.endswith(".csv")
    }
    data = load_dataset(write(tmp_path, files))
    assert list(data.places["id"])[:2] == ["rajin", "vostochny"]
    assert "id" in data.places.columns  # not "\ufeffid"
    assert list(data.shipments["_line"]) == [2, 3, 4]
    assert data.shipments["source"].iloc[1] == "nw;rusi"  # no stray "\r"


def test_text_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = dict(BASE)
    files[S] = BASE[S].replace("Angara", "Ang\u00e4ra").encode("cp1252")
    assert problems_of(write(tmp_path, files)) == [
        "shipments.csv:2: not UTF-8 text (byte 0xE4 at character 57 of the line): save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')"
    ]


def test_frames_have_documented_dtypes_and_lines(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = dict(BASE)
    # a blank line, a quoted note over two lines, a row of empty cells, an extra column
    files[P] = BASE[P].replace(
        "vostochny,Vostochny,,42.75,133.07,RU,port,,,\n",
        '\nvostochny,Vostochny,,42.75,133.07,RU,port,,,"ice-free,\nall year"\n,,,,,,,,,\n',
    )
    files[S] = BASE[S].replace("source\n", "source,seen_by\n", 1) + "\n\n"
    files[S] = files[S].replace("Angara,nw\n", 'Angara,nw,"satellite\n\nimagery"\n')
    data = load_dataset(write(tmp_path, files))
    places, legs, shipments, sources = data.places, data.legs, data.shipments, data.sources
    assert list(places["_line"]) == [2, 4, 7, 8, 9]
    assert places["note"].iloc[1] == "ice-free,\nall year"
    assert places["lat"].dtype == np.float64 and places["lon"].dtype == np.float64
    assert np.isnan(places["lat"].iloc[-1])  # tikhoretsk: to be geocoded
    assert places["name:fa"].iloc[0] == "راجین" and places["name:fa"].iloc[1] == ""
    assert places["kind"].tolist() == [
        "port",
        "port",
        "border_crossing",
        "border_crossing",
        "depot",
    ]
    for frame in (places, legs, shipments, sources):
        assert frame["_line"].dtype == np.int64
        text = frame.select_dtypes(exclude=["number", "datetime"])
        assert not text.isna().any().any()  # "" for not given, never NaN
        assert all(pd.api.types.is_string_dtype(text[c]) for c in text.columns)
    assert list(legs["_line"]) == [2, 3, 4]
    assert list(legs["note"]) == ["", "", ""]  # optional column absent from the file
    assert list(shipments["_line"]) == [2, 5, 6]
    assert shipments["seen_by"].tolist() == ["satellite\n\nimagery", "", ""]
    assert (
        shipments["start"].dtype == "datetime64[ns]" and shipments["end"].dtype == "datetime64[ns]"
    )
    assert shipments["start"].tolist() == [
        pd.Timestamp("2023-09-01"),
        pd.Timestamp("2023-10-05"),
        pd.Timestamp("2024-01-15"),
    ]
    assert shipments["end"].tolist() == [
        pd.Timestamp("2023-09-30"),
        pd.Timestamp("2023-10-07"),
        pd.Timestamp("2024-01-15"),
    ]
    assert shipments["quantity"].tolist() == [300.0, 2.0, 40.0]
    assert shipments["low"].tolist() == [300.0, 1.0, 30.0]
    assert shipments["high"].tolist() == [300.0, 3.0, 50.0]
    assert shipments["basis"].tolist() == ["event", "total", "event"]
    assert list(sources["_line"]) == [2, 3]


def test_month_end_is_the_last_day_of_that_month(tmp_path: Path) -> None:
    files = {
        **BASE,
        S: "leg,start,end,quantity,unit\nrajin-vostochny,2024-01-20,2024-02,1,troops\n",
    }
    shipments = load_dataset(write(tmp_path, files)).shipments
    assert shipments["end"].iloc[0] == pd.Timestamp("2024-02-29")


def test_optional_files_missing_give_empty_frames(tmp_path: Path) -> None:
    files = {P: BASE[P], L: BASE[L].replace(",nw\n", ",\n").replace(",rusi\n", ",\n")}
    files[P] = files[P].replace(",nw,", ",,")
    data = load_dataset(write(tmp_path, files))
    assert data.shipments.empty and data.sources.empty
    for column in ("leg", "start", "end", "quantity", "low", "high", "unit", "basis", "_line"):
        assert column in data.shipments.columns
    assert data.shipments["start"].dtype == "datetime64[ns]"
    assert data.shipments["quantity"].dtype == np.float64
    assert {"id", "publisher", "url", "_line"} <= set(data.sources.columns)
    assert data.config.title == {
        "en": tmp_path.name[:1].upper() + tmp_path.name[1:].replace("_", " ")
    }


def test_split_list() -> None:
    assert split_list(" Najin; Rason;;나진 ;") == ["Najin", "Rason", "나진"]
    assert split_list("") == []


def test_a_clean_shipments_file_takes_the_fast_path() -> None:
    """A large clean file must not fall back to the slow row-by-row parser."""
    from shipmap.dataset import _SHIPMENTS, _read_fast

    clean = BASE[S].encode()
    table = _read_fast(clean, _SHIPMENTS)
    assert table is not None and list(table.frame["_line"]) == [2, 3, 4]
    quoted_line_break = BASE[S].replace("Angara", '"Ang\nara"').encode()
    assert _read_fast(quoted_line_break, _SHIPMENTS) is None  # lines would shift: exact parser
    assert _read_fast(BASE[S].replace("\n", "\n\n", 2).encode(), _SHIPMENTS) is None


def test_work_done_while_the_shipments_are_parsed_changes_nothing(tmp_path: Path) -> None:
    """``meanwhile`` runs once during the fast parse; its error reaches the caller."""
    root = write(tmp_path, dict(BASE))
    calls: list[str] = []
    alone = load_dataset(root)
    beside = load_dataset(root, meanwhile=lambda: calls.append("imported"))
    assert calls == ["imported"]
    assert alone.figures.headlines.equals(beside.figures.headlines)
    assert alone.figures.months.equals(beside.figures.months)

    def broken() -> None:
        raise ImportError("no module named 'folium'")

    with pytest.raises(ImportError, match="folium"):
        load_dataset(root, meanwhile=broken)
    # A header the fast reader leaves to the exact parser: nothing runs meanwhile.
    files: dict[str, str | bytes | None] = dict(BASE)
    files[S] = '"leg"' + BASE[S][len("leg") :]
    calls.clear()
    (tmp_path / "quoted").mkdir()
    load_dataset(write(tmp_path / "quoted", files), meanwhile=lambda: calls.append("imported"))
    assert calls == []


def test_a_sea_leg_may_name_a_passage_in_via(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = dict(BASE)
    edit(L, "rajin,vostochny,sea,,", "rajin,vostochny,sea,Suez Canal;cape-of-good-hope,")(files)
    data = load_dataset(write(tmp_path, files))
    assert data.legs.loc[0, "via"] == "Suez Canal;cape-of-good-hope"
    edit(L, "Suez Canal;", "Atlantis Canal;")(files)
    with pytest.raises(DataError, match=r"legs\.csv:2: via: unknown place id 'Atlantis Canal'"):
        load_dataset(write(tmp_path, files))
