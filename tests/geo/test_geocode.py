"""What a user sees when shipmap places a name, or refuses to."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from shipmap.geo import (
    AmbiguousPlaceError,
    Gazetteer,
    Match,
    Place,
    PlaceNotFoundError,
    fold,
    format_candidates,
    geocode,
    match_to_json,
)
from shipmap.geo.gazetteer import read_curated

ROOT = Path(__file__).resolve().parents[2]
# the module, not the function of the same name that `geo` exports
geocode_module = importlib.import_module("shipmap.geo.geocode")


def place(name: str, lat: float, lon: float, cc: str, pop: int, **kw: object) -> Place:
    return Place(name, lat, lon, (cc,), "city", f"test {name}", population=pop, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- fold


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ch'ŏngjin", "Chongjin"),
        ("Namp’o", "NAMPO"),
        ("Rajin-Sŏnbong", "rajin sonbong"),
        ("Hamhŭng", "Hamhung"),
        ("São Tomé", "Sao Tome"),
        ("ولادی\u200cوستوک", "ولادیوستوک"),  # zero-width non-joiner
        ("مـسـکو", "مسکو"),  # tatweel
        ("كورسك", "کورسک"),  # Arabic kaf → Persian keheh
        ("پيونگيانگ", "پیونگیانگ"),  # Arabic yeh → Farsi yeh
        ("مُسکو", "مسکو"),  # harakat
        ("آبادان", "ابادان"),  # alef with madda
        ("ناحیة", "ناحیه"),  # teh marbuta
        ("۱۲۳", "123"),  # Persian digits
        ("١٢٣", "123"),  # Arabic-Indic digits
        ("Ёлкино", "Елкино"),
    ],
)
def test_fold_joins_spellings_of_one_name(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_keeps_scripts_and_different_names_apart() -> None:
    assert fold("평양") == "평양"
    assert fold("Курск") == "курск"
    assert fold("Najin") != fold("Tianjin")
    assert fold("Khasan") != fold("Hassan")
    assert fold("...") == ""


# --------------------------------------------------------------------------- the field's places


@pytest.mark.parametrize(
    ("query", "name", "lat", "lon", "source"),
    [
        ("Najin", "Rajin (Najin) port", 42.2333, 130.3000, "gazetteer: searoute port KPNJN"),
        ("Rajin", "Rajin (Najin) port", 42.2333, 130.3000, "gazetteer: searoute port KPNJN"),
        ("Rason", "Rajin (Najin) port", 42.2333, 130.3000, "gazetteer: searoute port KPNJN"),
        ("나진", "Rajin (Najin) port", 42.2333, 130.3000, "gazetteer: searoute port KPNJN"),
        ("Ch'ŏngjin", "Chongjin port", 41.7667, 129.8167, "gazetteer: searoute port KPCHO"),
        ("Namp'o", "Nampo", 38.7333, 125.4167, "gazetteer: searoute port KPNAM"),
        ("Hamhŭng", "Hamhung", 39.9183, 127.5364, "gazetteer: GeoNames 1877449"),
        ("평양", "Pyongyang", 39.0339, 125.7543, "gazetteer: GeoNames 1871859"),
        ("پیونگیانگ", "Pyongyang", 39.0339, 125.7543, "gazetteer: GeoNames 1871859"),
        ("Tumangang", "Tumangang station", 42.4214, 130.6081, "gazetteer: Wikipedia"),
        ("Khasan", "Khasan station", 42.4301, 130.6449, "gazetteer: Wikipedia (pl)"),
        ("Hasan", "Khasan station", 42.4301, 130.6449, "gazetteer: Wikipedia (pl)"),
        ("Chasan", "Khasan station", 42.4301, 130.6449, "gazetteer: Wikipedia (pl)"),
        ("Хасан", "Khasan station", 42.4301, 130.6449, "gazetteer: Wikipedia (pl)"),
        (
            "Friendship Bridge",
            "Korea–Russia Friendship Bridge",
            42.4152,
            130.6411,
            "gazetteer: Wikipedia",
        ),
        ("Dunai", "Dunai naval facility", 42.8803, 132.3375, "gazetteer: Wikipedia"),
        ("Dunay", "Dunai naval facility", 42.8803, 132.3375, "gazetteer: Wikipedia"),
        ("Fokino", "Fokino", 42.9710, 132.4104, "gazetteer: GeoNames 2015310"),
        ("Vostochny", "Vostochny port", 42.7333, 133.0500, "gazetteer: searoute port RUVYP"),
        ("Vladivostok", "Vladivostok", 43.1167, 131.8833, "gazetteer: searoute port RUVVO"),
        ("Владивосток", "Vladivostok", 43.1167, 131.8833, "gazetteer: searoute port RUVVO"),
        ("ولادیوستوک", "Vladivostok", 43.1167, 131.8833, "gazetteer: searoute port RUVVO"),
        ("ولادی\u200cوستوک", "Vladivostok", 43.1167, 131.8833, "gazetteer: searoute port RUVVO"),
        ("ولاديوستوك", "Vladivostok", 43.1167, 131.8833, "gazetteer: searoute port RUVVO"),
        ("Ussuriysk", "Ussuriysk", 43.8047, 131.9573, "gazetteer: GeoNames 2014006"),
        ("Tikhoretsk", "Tikhoretsk", 45.8531, 40.1187, "gazetteer: GeoNames 483029"),
        ("Mozdok", "Mozdok", 43.7398, 44.6516, "gazetteer: GeoNames 524736"),
        ("Yegorlykskaya", "Yegorlykskaya", 46.5659, 40.6571, "gazetteer: GeoNames 468307"),
        ("Kursk", "Kursk", 51.7269, 36.1846, "gazetteer: GeoNames 538560"),
        ("Курск", "Kursk", 51.7269, 36.1846, "gazetteer: GeoNames 538560"),
        ("کورسک", "Kursk", 51.7269, 36.1846, "gazetteer: GeoNames 538560"),
        ("كورسك", "Kursk", 51.7269, 36.1846, "gazetteer: GeoNames 538560"),
        ("Sudzha", "Sudzha", 51.1914, 35.2706, "gazetteer: Wikipedia"),
        ("Moscow", "Moscow", 55.7520, 37.6178, "gazetteer: GeoNames 524901"),
        ("مسکو", "Moscow", 55.7520, 37.6178, "gazetteer: GeoNames 524901"),
    ],
)
def test_places_of_the_field_land_on_their_sourced_coordinates(
    gaz: Gazetteer, query: str, name: str, lat: float, lon: float, source: str
) -> None:
    m = geocode(query, gazetteer=gaz)
    assert m.name == name
    assert (m.lat, m.lon) == pytest.approx((lat, lon), abs=1e-4)
    assert m.source.startswith(source)


def test_a_substring_search_would_confuse_these_names(gaz: Gazetteer) -> None:
    najin, tianjin = geocode("Najin", gazetteer=gaz), geocode("Tianjin", gazetteer=gaz)
    assert (najin.country, tianjin.country) == ("KP", "CN")
    assert tianjin.source == "GeoNames 1792947"
    assert geocode("Khasan", gazetteer=gaz).country == "RU"
    assert geocode("Hasan", gazetteer=gaz).country == "RU"
    assert geocode("Hassan", country="IN", gazetteer=gaz).country == "IN"  # Hassan, Karnataka


def test_curated_places_take_precedence_over_the_world_layer(gaz: Gazetteer) -> None:
    # Without the curated row, GeoNames offers Hassan (India) and Kazan for "Khasan".
    world_only = Gazetteer(world=gaz.world)
    with pytest.raises(AmbiguousPlaceError, match=r"Hassan \(IN\)"):
        geocode("Khasan", gazetteer=world_only)
    assert geocode("Khasan", gazetteer=gaz).name == "Khasan station"


def test_a_border_crossing_belongs_to_both_countries(gaz: Gazetteer) -> None:
    bridge = geocode("Мост Дружбы", gazetteer=gaz)
    assert bridge.country is None
    assert geocode("Friendship Bridge", country="RU", gazetteer=gaz) == bridge
    assert geocode("Friendship Bridge", country="kp", gazetteer=gaz) == bridge


def test_every_curated_row_names_its_source() -> None:
    rows = read_curated()
    assert len({p.id for p in rows}) == len(rows)
    for p in rows:
        assert p.source.split()[0] in {"searoute", "GeoNames", "Wikipedia"}, p.id
        assert p.countries and all(len(c) == 2 for c in p.countries), p.id


def test_no_curated_spelling_names_two_far_apart_places(gaz: Gazetteer) -> None:
    # every spelling of every curated row places that row (or one within 50 km)
    for row in read_curated():
        for spelling in (row.name, *row.spellings):
            m = geocode(spelling, gazetteer=gaz)
            assert abs(m.lat - row.lat) < 0.5 and abs(m.lon - row.lon) < 0.5, (row.id, spelling)


def test_the_curated_gazetteer_is_package_data_not_a_working_directory_file(
    tmp_path: Path,
) -> None:
    code = "from shipmap.geo import Gazetteer; print(len(Gazetteer.load(world=False)))"
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(read_curated()) > 15


# --------------------------------------------------------------------------- the world layer


def test_world_places_carry_their_geonames_id(gaz: Gazetteer) -> None:
    m = geocode("Kyiv", gazetteer=gaz)
    assert (m.country, m.source, m.geonameid) == ("UA", "GeoNames 703448", 703448)
    # the Persian article writes کییف; GeoNames has it with a zero-width non-joiner
    persian = geocode("کییف", gazetteer=gaz)
    assert (persian.source, persian.evidence) == (m.source, "foreign-script name")


def test_country_limits_the_search(gaz: Gazetteer) -> None:
    assert geocode("Moscow", gazetteer=gaz).country == "RU"
    # Within the US, Moscow (Idaho) is not the only one: a state settles it
    with pytest.raises(AmbiguousPlaceError, match=r"Moscow \(ID, US\)"):
        geocode("Moscow", country="US", gazetteer=gaz)
    idaho = geocode("Moscow, Idaho", gazetteer=gaz)
    assert (idaho.country, idaho.source) == ("US", "GeoNames 5601538")


def test_a_name_outside_the_given_country_says_where_it_is(gaz: Gazetteer) -> None:
    with pytest.raises(
        PlaceNotFoundError,
        match=r"no place named 'Najin' in CN \(found elsewhere: Rajin \(Najin\) port \(KP\)",
    ) as e:
        geocode("Najin", country="CN", gazetteer=gaz)
    assert not isinstance(e.value, AmbiguousPlaceError)


# --------------------------------------------------------------------------- ambiguity


def test_springfield_is_ambiguous_even_within_the_us(gaz: Gazetteer) -> None:
    with pytest.raises(
        AmbiguousPlaceError, match=r"^'Springfield' is ambiguous: .* — add a country$"
    ) as e:
        geocode("Springfield", gazetteer=gaz)
    assert any("(MO, US)" in c for c in e.value.candidates)
    assert any("(IL, US)" in c for c in e.value.candidates)
    assert e.value.name == "Springfield"
    with pytest.raises(AmbiguousPlaceError, match=r"— give lat and lon, or an alias$"):
        geocode("Springfield", country="US", gazetteer=gaz)


def test_kingston_needs_a_country(gaz: Gazetteer) -> None:
    # Jamaica's capital is 7 times the size of Kingston, Ontario: no clear winner.
    with pytest.raises(AmbiguousPlaceError) as e:
        geocode("Kingston", gazetteer=gaz)
    assert {c.split(" at ")[0] for c in e.value.candidates} >= {"Kingston (JM)", "Kingston (CA)"}
    assert geocode("Kingston", country="JM", gazetteer=gaz).source == "GeoNames 3489854"
    # Canada has two Kingstons (Ontario, Nova Scotia): the country is not enough
    with pytest.raises(AmbiguousPlaceError, match="give lat and lon, or an alias"):
        geocode("Kingston", country="CA", gazetteer=gaz)


def test_a_clearly_dominant_namesake_wins(gaz: Gazetteer) -> None:
    assert geocode("Moscow", gazetteer=gaz).country == "RU"  # a capital, 400 times Idaho's
    assert geocode("Tokyo", gazetteer=gaz).country == "JP"


@pytest.mark.parametrize(
    ("name", "meant", "country"),
    [
        ("London", "London (CA)", "CA"),  # Ontario: 422,000 people
        ("Paris", "Paris (TX, US)", None),  # and within the US, Tennessee's, Kentucky's...
        ("Lagos", "Lagos (PT)", "PT"),  # a port of the Algarve; Lagos, Nigeria is 460 times larger
        ("Perth", "Perth (SCT, GB)", "GB"),
        ("Tripoli", "Tripoli (LB)", "LB"),  # Lebanon's port
    ],
)
def test_a_large_place_does_not_hide_a_real_namesake(
    gaz: Gazetteer, name: str, meant: str, country: str | None
) -> None:
    with pytest.raises(AmbiguousPlaceError, match=r"is ambiguous: .* — add a country$") as e:
        geocode(name, gazetteer=gaz)
    assert any(c.startswith(meant) for c in e.value.candidates), e.value.candidates
    if country:
        assert geocode(name, country=country, gazetteer=gaz).country == country


def test_a_small_capital_does_not_beat_a_larger_namesake(gaz: Gazetteer) -> None:
    with pytest.raises(AmbiguousPlaceError):
        geocode("Victoria", gazetteer=gaz)  # Seychelles' capital vs. Victoria, BC and Hong Kong
    with pytest.raises(AmbiguousPlaceError):
        geocode("Hyderabad", gazetteer=gaz)  # India's is 3.6 times Pakistan's


def test_dominance_rules_on_a_tiny_gazetteer() -> None:
    # the larger place must hold 99.8 % of the evidence: 500 times its namesakes
    big, small = place("Big", 0, 0, "AA", 2_000_000), place("Big", 10, 10, "BB", 1_000)
    assert geocode("Big", gazetteer=Gazetteer([big, small])).country == "AA"
    ten_times = place("Big", 10, 10, "BB", 100_000)
    with pytest.raises(AmbiguousPlaceError):
        geocode("Big", gazetteer=Gazetteer([big, ten_times]))
    # a capital counts three times its size
    capital = place("Big", 20, 20, "CC", 1_000_000, capital=True)  # 3,000,000 > 2,000,000
    with pytest.raises(AmbiguousPlaceError):
        geocode("Big", gazetteer=Gazetteer([big, capital]))
    tiny_capital = place("Big", 20, 20, "CC", 1_000, capital=True)
    assert geocode("Big", gazetteer=Gazetteer([big, tiny_capital])).country == "AA"
    # two records of one town 10 km apart are one place, not an ambiguity
    twin = place("Big", 0.09, 0, "AA", 500)
    assert geocode("Big", gazetteer=Gazetteer([twin, big])).lat == 0  # the larger record


# --------------------------------------------------------------------------- misspellings


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("Kursq", "Kursk"), ("Vladivostock", "Vladivostok"), ("Dunnay", "Dunay"), ("کورسکک", "کورسک")],
)
def test_a_near_spelling_is_suggested_never_taken(gaz: Gazetteer, typo: str, meant: str) -> None:
    with pytest.raises(
        PlaceNotFoundError, match=rf"^no place named '{typo}' \(did you mean '{meant}'"
    ) as e:
        geocode(typo, gazetteer=gaz)
    assert not isinstance(e.value, AmbiguousPlaceError)
    assert e.value.suggestions[0] == meant
    assert f"did you mean: {meant}" in format_candidates(e.value)


def test_suggestions_stay_in_the_given_country(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceNotFoundError) as e:
        geocode("Springfeld", country="US", gazetteer=gaz)
    assert e.value.suggestions[0] == "Springfield"
    with pytest.raises(PlaceNotFoundError, match=r"^no place named 'Springfeld' in KP$"):
        geocode("Springfeld", country="KP", gazetteer=gaz)


def test_an_unknown_name_without_near_spellings(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceNotFoundError, match=r"^no place named 'Qxzwv'$"):
        geocode("Qxzwv", gazetteer=gaz)
    with pytest.raises(PlaceNotFoundError, match="empty place name"):
        geocode("  ", gazetteer=gaz)


# --------------------------------------------------------------------------- aliases


def test_aliases_are_tried_after_the_name(gaz: Gazetteer) -> None:
    m = geocode("Rajin harbour area", aliases=["", "Najin"], gazetteer=gaz)
    assert m.source == "gazetteer: searoute port KPNJN"
    with pytest.raises(PlaceNotFoundError, match=r"no place named 'Kursq' \(nor 'Kurskk'\)"):
        geocode("Kursq", aliases=["Kurskk"], gazetteer=gaz)


def test_an_alias_may_settle_an_ambiguous_name_only_nearby(gaz: Gazetteer) -> None:
    # Portmore lies next to Kingston, Jamaica: the alias says which Kingston is meant
    assert geocode("Kingston", aliases=["Portmore"], gazetteer=gaz).country == "JM"
    # an alias on another continent does not make "Springfield" mean North Korea
    with pytest.raises(AmbiguousPlaceError):
        geocode("Springfield", aliases=["Najin"], gazetteer=gaz)


# --------------------------------------------------------------------------- output


def test_match_to_json_has_exactly_the_contract_keys(gaz: Gazetteer) -> None:
    out = match_to_json(geocode("Najin", gazetteer=gaz))
    assert out == {
        "name": "Rajin (Najin) port",
        "lat": 42.2333,
        "lon": 130.3,
        "country": "KP",
        "source": "gazetteer: searoute port KPNJN",
    }
    json.dumps(out)


def test_format_candidates_lists_what_was_considered(gaz: Gazetteer) -> None:
    with pytest.raises(AmbiguousPlaceError) as e:
        geocode("Portland", gazetteer=gaz)
    lines = format_candidates(e.value)
    assert len(lines) == len(e.value.candidates) >= 2
    assert lines[0].startswith("candidate: Portland (OR, US) at 45.5234, -122.6762")


# --------------------------------------------------------------------------- loading and cache


def test_the_world_index_is_plain_arrays_checked_before_use(
    gazetteer_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = importlib.import_module("shipmap.geo.index")
    cached = index.load_index(gazetteer_cache)
    (folder,) = (p for p in gazetteer_cache.glob("world-index-v*") if p.is_dir())
    files = sorted(p.suffix for p in folder.iterdir())
    assert set(files) == {".json", ".npy"}  # no pickle anywhere
    built: list[int] = []

    def counting_build() -> dict[str, object]:
        built.append(1)
        return dict(cached.arrays)

    monkeypatch.setattr(index, "build_index", counting_build)
    cache = tmp_path / "cache"
    index.load_index(cache)
    assert built == [1]
    # reused as it is
    gaz = Gazetteer.load(cache_dir=cache)
    assert geocode("Tianjin", gazetteer=gaz).country == "CN"
    assert built == [1]
    (mine,) = (p for p in cache.glob("world-index-v*") if p.is_dir())
    # a damaged column is noticed, and the index rebuilt and rewritten
    np.save(mine / "post_place.npy", np.full(10, 10**8, dtype="i4"))
    assert len(index.load_index(cache)) > 200_000
    assert built == [1, 1]
    assert np.load(mine / "post_place.npy").max() < len(cached)
    # a well-formed column planted in its place is not trusted either
    lat = np.load(mine / "lat.npy")
    np.save(mine / "lat.npy", np.zeros_like(lat))
    assert index.load_index(cache).lat[0] == lat[0]
    assert built == [1, 1, 1]
    # nor is a whole index copied in from elsewhere, seal and all
    other = tmp_path / "other"
    shutil.copytree(cache, other)
    (other / "world-index-v1").mkdir()  # an index of an older format is removed
    index.load_index(other)
    assert built == [1, 1, 1, 1]
    assert sorted(p.name for p in other.glob("world-index-v*")) == [mine.name, f"{mine.name}.seal"]


def test_an_unwritable_cache_folder_only_costs_time(
    tmp_path: Path, gazetteer_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    index = importlib.import_module("shipmap.geo.index")
    cached = index.load_index(gazetteer_cache)
    monkeypatch.setattr(index, "build_index", lambda: cached.arrays)
    gaz = Gazetteer.load(cache_dir=blocker / "cache")  # cannot create a folder under a file
    assert geocode("Tianjin", gazetteer=gaz).country == "CN"


def test_the_default_gazetteer_loads_on_first_use_into_the_folder_given(
    gazetteer_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(geocode_module, "_loaded", {})
    m = geocode("Tianjin", gazetteer=geocode_module.default_gazetteer(gazetteer_cache))
    assert isinstance(m, Match) and m.country == "CN"
    assert geocode_module._loaded[gazetteer_cache].world is not None


def test_importing_geo_loads_no_gazetteer() -> None:
    code = "import sys, shipmap.geo; print(sys.modules['shipmap.geo.geocode']._loaded == {})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "True", done.stderr
