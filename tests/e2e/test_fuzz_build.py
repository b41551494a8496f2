"""Fuzz the whole build: any data set gives maps, or problem lines; never a traceback.

Hypothesis writes data sets that mostly pass validation (random text, with
HTML and script fragments, in every text column; random numbers, dates, extra
and missing columns) and runs ``shipmap build -q`` in-process. The build must
exit 0 having written every file, or exit 1 with one problem line per line on
stderr; any other exception fails the test.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shipmap.cli import main
from shipmap.contract import SHIPMENTS

FRAGMENTS = [
    "<script>window.__pwned=1</script>",
    "</script>",
    "<!--",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "'><svg onload=alert(1)>",
    "`${alert(1)}`",
    "{{ 7*191919 }}",  # a template engine would print 1343433
    "{% if %}",
    "{#",
    "javascript:alert(1)",
    "\u2028",
    "\u202e",
    "&amp;",
    ";",
    ",",
    '"',
    "\n",
    "\r\n",
    "\t",
    "\\",
    "%s",
    "{legs}",
    "\ufeff",
    "\x00",
]
# Points that make legs of every mode quickly (a sea pair that routes offline).
POINTS = [
    ("42.2333", "130.3"),
    ("42.7333", "133.05"),
    ("42.8803", "132.3375"),
    ("45.8531", "40.1187"),
    ("51.7269", "36.1846"),
    ("-33.9", "18.4"),
    ("64.1", "-21.9"),
    ("0", "179.9"),
    ("0", "-179.9"),
]
KNOWN_NAMES = ["Kursk", "Vladivostok", "Tikhoretsk", "Moscow", "Pyongyang"]
UNITS = ["containers", "munitions", "troops", "tonnes", "shipments", "trucks", "x1"]
# Each problem line: "file:line: column: message", "file: column: message" or "shipmap: ...".
PROBLEM = re.compile(r"^(shipmap: .+|[^\s:][^:]*?(:\d+)?: .+)$")

text = st.one_of(
    st.text(max_size=12),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=4).map("".join),
)
word = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=6)


def _csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    out = io.StringIO()
    # RFC 4180 line ends, so that a carriage return inside a cell is quoted too.
    writer = csv.DictWriter(out, columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _toml(value: str) -> str:
    # A JSON string is a TOML basic string, once DEL is escaped as well.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


@st.composite
def datasets(draw: st.DrawFn) -> dict[str, str]:
    n_places = draw(st.integers(2, 5))
    places = []
    for i in range(n_places):
        geocoded = draw(st.integers(0, 9)) == 0
        lat, lon = ("", "") if geocoded else draw(st.sampled_from(POINTS))
        places.append(
            {
                "id": f"p{i}",
                "name": draw(st.sampled_from(KNOWN_NAMES)) if geocoded else draw(text) or "x",
                "name:fa": draw(text),
                "lat": lat,
                "lon": lon,
                "country": draw(st.sampled_from(["", "RU", "KP", "IR"])) if not geocoded else "",
                "kind": draw(st.sampled_from(["", "port", "depot", "front", "city", "other"])),
                "aliases": draw(text),
                "source": "",
                "note": draw(text),
                "extra": draw(text),
            }
        )
    source_id = text.map(lambda s: "s" + s.replace(";", ""))
    source_ids = draw(st.lists(source_id, max_size=2, unique_by=lambda s: s.strip()))
    sources = [
        {
            "id": sid,
            "publisher": draw(text) or "P",
            "title": draw(text),
            "date": draw(st.sampled_from(["", "2024-01-02", "2024-02"])),
            "url": draw(st.sampled_from(["", "https://example.org/a?b=<c>&d='e'", "http://x.org"])),
            "note": draw(text),
        }
        for sid in source_ids
    ]
    cite = st.sampled_from(["", *source_ids]) if source_ids else st.just("")
    for place in places:
        place["source"] = draw(cite)

    legs = []
    for i in range(draw(st.integers(1, 4))):
        a, b = draw(st.lists(st.integers(0, n_places - 1), min_size=2, max_size=2, unique=True))
        mode = draw(st.sampled_from(["rail", "road", "air", "sea"]))
        via = f"p{(a + 1) % n_places}"
        if mode == "sea":  # a pair that routes on water offline, and fast
            places[a].update(lat="42.2333", lon="130.3", name=places[a]["name"] or "x")
            places[b].update(lat="42.7333", lon="133.05")
        legs.append(
            {
                "id": f"l{i}",
                "origin": f"p{a}",
                "destination": f"p{b}",
                "mode": mode,
                "via": "" if mode == "sea" else draw(st.sampled_from(["", via])),
                "label": draw(text),
                "label:fa": draw(text),
                "source": draw(cite),
                "note": draw(text),
                "extra": draw(text),
            }
        )
    shipments = []
    for _ in range(draw(st.integers(0, 5))):
        year, month = draw(st.integers(2020, 2026)), draw(st.integers(1, 12))
        start = draw(st.sampled_from([f"{year}-{month:02d}", f"{year}-{month:02d}-1{month % 9}"]))
        quantity = draw(st.one_of(st.integers(0, 10**7), st.floats(0, 1e9, allow_nan=False)))
        shipments.append(
            {
                "id": draw(text),
                "leg": draw(st.sampled_from([leg["id"] for leg in legs])),
                "start": start,
                "end": draw(st.sampled_from(["", f"{year + 1}-01"])),
                "quantity": str(quantity),
                "low": draw(st.sampled_from(["", "0"])),
                "high": "",
                "unit": draw(st.sampled_from(UNITS)),
                "basis": draw(st.sampled_from(["", "event", "total"])),
                "cargo": draw(text),
                "vessel": draw(text),
                "source": draw(cite),
                "note": draw(text),
                "extra": draw(text),
            }
        )

    place_cols = list(places[0])
    leg_cols = list(legs[0])
    ship_cols = [*SHIPMENTS.known, "extra"]  # every column of the contract, and one more
    # Sometimes leave a column out: optional ones pass, required ones are refused.
    droppable = ["", "", "", "", "note", "extra", "kind", "name", "unit", "via"]
    dropped = draw(st.sampled_from(droppable))
    place_cols = [c for c in place_cols if c != dropped]
    leg_cols = [c for c in leg_cols if c != dropped]
    ship_cols = [c for c in ship_cols if c != dropped]
    if draw(st.booleans()):
        place_cols.reverse()

    languages = draw(st.sampled_from([["en"], ["en", "fa"], ["fa"]]))
    units_used = sorted({s["unit"] for s in shipments})
    toml = [
        f"languages = {json.dumps(languages)}",
        f"title = {_toml(draw(text))}",
        f"[subtitle]\nen = {_toml(draw(text))}\nfa = {_toml(draw(text))}",
    ]
    if units_used and draw(st.booleans()):
        toml.insert(0, f"width_by = {_toml(draw(st.sampled_from(units_used)))}")
    if draw(st.booleans()):
        toml.insert(0, f'summary = [{_toml(draw(text))}, "troops"]')
        toml.insert(0, f"{draw(word).lower()}x = {_toml(draw(text))}")
    files = {
        "places.csv": _csv(places, place_cols),
        "legs.csv": _csv(legs, leg_cols),
        "map.toml": "\n".join(toml) + "\n",
    }
    if shipments or draw(st.booleans()):
        files["shipments.csv"] = _csv(shipments, ship_cols)
    if sources:
        files["sources.csv"] = _csv(sources, ["id", "publisher", "title", "date", "url", "note"])
    return files


def _languages(files: dict[str, str]) -> list[str]:
    found = re.search(r"^languages = (.*)$", files["map.toml"], re.M)
    return json.loads(found.group(1)) if found else ["en"]


@settings(
    max_examples=int(os.environ.get("SHIPMAP_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(files=datasets())
def test_a_build_writes_every_file_or_reports_problems(files):
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        for name, content in files.items():
            (data / name).write_text(content, encoding="utf-8", newline="")
        out = Path(tmp) / "out"
        err, std = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
            status = main(["build", str(data), "-o", str(out), "-q"])
        stderr = err.getvalue()
        event(f"exit {status}")
        if status == 1:
            event(re.sub(r"^[^:]*:(\d+:)? (\w+):.*", r"refused: \2", stderr.splitlines()[0]))
        assert "Traceback" not in stderr
        assert std.getvalue() == ""
        if status == 0:
            names = {p.name for p in out.iterdir()}
            expected = {f"map-{lang}.html" for lang in _languages(files)}
            assert expected | {"index.html", "shipmap.geojson"} <= names
            json.loads((out / "shipmap.geojson").read_text("utf-8"))
            for name in expected | {"index.html"}:
                html = (out / name).read_text("utf-8")
                assert "<img" not in html and "<svg onload" not in html
                assert html.count("<script") == html.count("</script>")
                assert "1343433" not in html  # no text from the data ran as a template
        else:
            assert status == 1, stderr
            assert not out.exists()
            lines = stderr.splitlines()
            assert lines, "exit 1 without a problem line"
            for line in lines:
                assert PROBLEM.match(line), line
