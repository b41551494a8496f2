"""What a reader of the default map must see, checked on the CSV files in data/.

These tests pin the evidence behind the flagship map (the places it must show,
the figures the article reports, and the contract rule that a leg's headline is
never a sum nobody reported). Headlines are the ones shipmap itself works out.
"""

from __future__ import annotations

import csv
import functools
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from shipmap.routes.flows import headline_figures

from shipmap.dataset import load_dataset

DATA = Path(__file__).resolve().parents[2] / "data"
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}(-\d{2})?")
KINDS = {"port", "rail_station", "border_crossing", "depot", "city", "front", "airport", "other"}
MODES = {"sea", "rail", "road", "air"}


def read(name: str) -> pd.DataFrame:
    # Strict UTF-8: a file in another encoding fails here.
    text = (DATA / name).read_text(encoding="utf-8")
    assert text.strip(), f"{name} is empty"
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    return read("places.csv")


@pytest.fixture(scope="module")
def legs() -> pd.DataFrame:
    return read("legs.csv")


@pytest.fixture(scope="module")
def shipments() -> pd.DataFrame:
    frame = read("shipments.csv")
    frame["basis"] = frame["basis"].replace("", "event")
    for column in ("quantity", "low", "high"):
        frame[column + "_num"] = pd.to_numeric(frame[column].replace("", None))
    frame["low_num"] = frame["low_num"].fillna(frame["quantity_num"])
    frame["high_num"] = frame["high_num"].fillna(frame["quantity_num"])
    return frame


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return read("sources.csv")


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def headline(_: pd.DataFrame, leg: str, unit: str) -> tuple[float, float, float]:
    """(quantity, low, high) of a leg as the map shows it (the product's own rule)."""
    figures = _headlines()
    rows = figures[(figures["leg"] == leg) & (figures["unit"] == unit)]
    assert len(rows) == 1, f"no {unit} figure on leg {leg}"
    row = rows.iloc[0]
    return float(row["quantity"]), float(row["low"]), float(row["high"])


@functools.cache
def _headlines() -> pd.DataFrame:
    return headline_figures(load_dataset(DATA).shipments)


# --- places -----------------------------------------------------------------

REQUIRED_PLACES = {
    "rajin": "Rajin",
    "chongjin": "Chongjin",
    "tumangang": "Tumangang",
    "khasan": "Khasan",
    "friendship-bridge": "Friendship Bridge",
    "dunai": "Dunai",
    "vostochny": "Vostochny",
    "vladivostok": "Vladivostok",
    "tikhoretsk": "Tikhoretsk",
    "kursk": "Kursk",
    "pyongyang": "Pyongyang",
    "moscow": "Moscow",
}


def test_required_places_are_on_the_map(places: pd.DataFrame) -> None:
    by_id = places.set_index("id")
    for place_id, word in REQUIRED_PLACES.items():
        assert place_id in by_id.index, f"missing place {place_id}"
        assert word in by_id.loc[place_id, "name"]


def test_rajin_answers_to_its_other_names(places: pd.DataFrame) -> None:
    aliases = split(places.set_index("id").loc["rajin", "aliases"])
    for alias in ("Najin", "Rason", "Rasŏn", "나진", "라선"):
        assert alias in aliases


def test_kursk_is_left_to_the_geocoder(places: pd.DataFrame) -> None:
    kursk = places.set_index("id").loc["kursk"]
    assert kursk["lat"] == "" and kursk["lon"] == ""
    assert kursk["name"] == "Kursk"
    assert kursk["country"] == "RU"
    assert kursk["kind"] == "front"


def test_persian_names_follow_the_article(places: pd.DataFrame) -> None:
    fa = places.set_index("id")["name:fa"]
    assert fa["kursk"] == "کورسک"
    assert fa["vladivostok"] == "ولادیوستوک"
    assert fa["moscow"] == "مسکو"
    assert fa["pyongyang"] == "پیونگیانگ"
    # Careful Persian writes a zero-width non-joiner; readers may type either.
    assert "ولادی\u200cوستوک" in split(places.set_index("id").loc["vladivostok", "aliases"])


def test_place_ids_kinds_and_countries_are_valid(places: pd.DataFrame) -> None:
    assert places["id"].is_unique
    assert all(ID_PATTERN.fullmatch(value) for value in places["id"])
    assert set(places["kind"]) <= KINDS
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in places["country"] if c)


def test_coordinates_are_valid_and_stated(places: pd.DataFrame) -> None:
    for row in places.itertuples():
        assert (row.lat == "") == (row.lon == ""), f"{row.id}: give both lat and lon or neither"
        if row.lat:
            assert -90 <= float(row.lat) <= 90, row.id
            assert -180 <= float(row.lon) <= 180, row.id
            assert "Coordinates:" in row.note, f"{row.id}: say where the coordinates come from"


def test_not_found_arsenals_stay_off_the_map(places: pd.DataFrame) -> None:
    text = " ".join(places["name"]) + " " + " ".join(places["aliases"])
    for name in ("Kotluban", "Krasny Bor"):
        assert name not in text


# --- legs -------------------------------------------------------------------


def test_legs_join_known_places(legs: pd.DataFrame, places: pd.DataFrame) -> None:
    known = set(places["id"])
    assert legs["id"].is_unique
    assert all(ID_PATTERN.fullmatch(value) for value in legs["id"])
    assert set(legs["mode"]) <= MODES
    for row in legs.itertuples():
        assert row.origin in known, f"{row.id}: origin {row.origin}"
        assert row.destination in known, f"{row.id}: destination {row.destination}"
        for via in split(row.via):
            assert via in known, f"{row.id}: via {via}"


def test_every_leg_is_labelled_in_english_and_persian(legs: pd.DataFrame) -> None:
    assert (legs["label"] != "").all()
    assert (legs["label:fa"] != "").all()


def test_the_routes_of_the_story_are_drawn(legs: pd.DataFrame) -> None:
    routes = {(r.origin, r.destination, r.mode): r for r in legs.itertuples()}
    assert ("rajin", "dunai", "sea") in routes
    assert ("rajin", "vostochny", "sea") in routes
    crossing = routes[("tumangang", "khasan", "rail")]
    assert split(crossing.via) == ["friendship-bridge"]
    assert ("dunai", "tikhoretsk", "rail") in routes
    to_kursk = [r for r in legs.itertuples() if r.destination == "kursk"]
    assert to_kursk, "no leg towards Kursk"


def test_unsourced_routes_say_they_are_not_sourced(legs: pd.DataFrame) -> None:
    # No source names the rail lines inside Russia: the line drawn is the shortest
    # rail path, and label and note say so.
    for row in legs.itertuples():
        if row.destination in {"tikhoretsk", "kursk"}:
            assert "not a sourced itinerary" in row.note.lower(), row.id
            assert "not sourced" in row.label.lower(), row.id


def test_khasan_is_not_on_the_dunai_route(legs: pd.DataFrame) -> None:
    for row in legs[legs["origin"] == "dunai"].itertuples():
        assert "khasan" not in split(row.via)


# --- shipments --------------------------------------------------------------


def test_shipment_rows_are_well_formed(shipments: pd.DataFrame, legs: pd.DataFrame) -> None:
    assert shipments["id"].is_unique
    assert all(ID_PATTERN.fullmatch(value) for value in shipments["id"])
    assert set(shipments["leg"]) <= set(legs["id"])
    assert set(shipments["basis"]) <= {"event", "total"}
    assert all(re.fullmatch(r"[a-z]+", unit) for unit in shipments["unit"])
    for row in shipments.itertuples():
        assert DATE_PATTERN.fullmatch(row.start), row.id
        if row.end:
            assert DATE_PATTERN.fullmatch(row.end), row.id
            assert row.end >= row.start, row.id
        assert row.quantity_num >= 0, row.id
        assert row.low_num <= row.quantity_num <= row.high_num, row.id
        assert row.source, f"{row.id}: every figure needs a source"
        assert row.note, f"{row.id}: every figure needs a note"
        assert row.cargo, f"{row.id}: every figure needs a cargo"


ARTICLE_FIGURES = [
    ("sea-rajin-vostochny", "shipments", 64),
    ("sea-rajin-vostochny", "containers", 15_800),
    ("rail-vladivostok-kursk", "troops", 11_000),
    ("rail-vladivostok-kursk", "casualties", 4_000),
    ("rail-vladivostok-kursk", "launchers", 220),
]


@pytest.mark.parametrize(("leg", "unit", "figure"), ARTICLE_FIGURES)
def test_headline_is_the_figure_the_article_reports(
    shipments: pd.DataFrame, leg: str, unit: str, figure: int
) -> None:
    quantity, _, _ = headline(shipments, leg, unit)
    assert quantity == figure


def test_munitions_headline_is_the_reported_range(shipments: pd.DataFrame) -> None:
    quantity, low, high = headline(shipments, "sea-rajin-vostochny", "munitions")
    assert low == 4_200_000
    assert high == 5_800_000
    assert low < quantity < high


def test_reinforcements_are_a_dated_event_not_added(shipments: pd.DataFrame) -> None:
    rows = shipments[
        (shipments["leg"] == "rail-vladivostok-kursk") & (shipments["unit"] == "troops")
    ]
    extra = rows[rows["quantity_num"] == 3_000]
    assert len(extra) == 1
    assert extra.iloc[0]["basis"] == "event"
    assert extra.iloc[0]["start"] == "2025-01" and extra.iloc[0]["end"] == "2025-02"


def test_first_troop_contingent_lands_at_vladivostok(
    shipments: pd.DataFrame, legs: pd.DataFrame
) -> None:
    leg = legs.set_index("id").loc["sea-chongjin-vladivostok"]
    assert leg["destination"] == "vladivostok" and leg["mode"] == "sea"
    assert headline(shipments, "sea-chongjin-vladivostok", "troops")[0] == 1_500


def test_no_headline_is_a_sum_nobody_reported(shipments: pd.DataFrame) -> None:
    # Per leg and unit, the headline must be one reported figure: a single total
    # row, or (where there is no total) a single event row.
    for (leg, unit), rows in shipments.groupby(["leg", "unit"]):
        totals = rows[rows["basis"] == "total"]
        counted = totals if not totals.empty else rows
        assert len(counted) == 1, f"{leg}/{unit}: headline would add {len(counted)} rows"


def test_osc_totals_sit_on_one_sea_leg_only(shipments: pd.DataFrame) -> None:
    osc = shipments[shipments["source"].str.contains("osc-reuters-2025-04-15")]
    assert set(osc["leg"]) == {"sea-rajin-vostochny"}
    assert (osc["basis"] == "total").all()
    assert all("Dunai" in note for note in osc["note"])


def test_uncertain_items_say_so(shipments: pd.DataFrame) -> None:
    by_id = shipments.set_index("id")
    assert "Aug 2023" in by_id.loc["osc-shipments", "note"]
    assert "Sep 2023" in by_id.loc["osc-shipments", "note"]
    assert "Ambiguous" in by_id.loc["jcs-launchers", "note"]
    assert "midpoint" in by_id.loc["osc-munitions", "note"]


# --- sources ----------------------------------------------------------------


def test_every_source_id_used_exists(
    places: pd.DataFrame, legs: pd.DataFrame, shipments: pd.DataFrame, sources: pd.DataFrame
) -> None:
    known = set(sources["id"])
    for name, frame in (("places", places), ("legs", legs), ("shipments", shipments)):
        for cell in frame["source"]:
            for source_id in split(cell):
                assert source_id in known, f"{name}: unknown source {source_id}"


def test_sources_are_well_formed(sources: pd.DataFrame) -> None:
    assert sources["id"].is_unique
    assert all(ID_PATTERN.fullmatch(value) for value in sources["id"])
    assert (sources["publisher"] != "").all()
    for url in sources["url"]:
        if url:
            assert re.match(r"https?://", url), url
    for date in sources["date"]:
        if date:
            assert DATE_PATTERN.fullmatch(date), date


def test_csv_files_parse_as_rfc4180_with_even_rows() -> None:
    for name in ("places.csv", "legs.csv", "shipments.csv", "sources.csv"):
        with (DATA / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        widths = {len(row) for row in rows if row}
        assert len(widths) == 1, f"{name}: rows of different widths {widths}"


# --- map.toml ---------------------------------------------------------------


def test_map_settings_give_both_languages() -> None:
    config = tomllib.loads((DATA / "map.toml").read_text(encoding="utf-8"))
    assert config["languages"] == ["en", "fa"]
    assert config["width_by"] == "containers"
    assert config["title"]["fa"] == "حمایت نظامی کره شمالی از روسیه"
    assert config["title"]["en"]
    assert "Open Source Centre" in config["subtitle"]["en"]
    assert config["subtitle"]["fa"]
