"""The classes of wrong pin the geocoder once made, each pinned with small cases.

Each test says what an analyst sees: either the right place, or a refusal that
lists the right place among the candidates. Never a pin in the wrong country.
"""

from __future__ import annotations

import pytest
from shipmap.geo import AmbiguousPlaceError, Gazetteer, Place, PlaceNotFoundError, geocode
from shipmap.geo.geocode import distance_km, geocode_code, quote


def refused_with(gaz: Gazetteer, name: str, meant: str, **kw: object) -> list[str]:
    with pytest.raises(PlaceNotFoundError) as e:
        geocode(name, gazetteer=gaz, **kw)  # type: ignore[arg-type]
    assert any(c.startswith(meant) for c in e.value.candidates), e.value.candidates
    return e.value.candidates


# --------------------------------------------------------------------------- main vs alternate


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("Odessa", "Odesa (UA)"),  # not only Odessa, Texas
        ("St. Petersburg", "Saint Petersburg (RU)"),  # not only Florida's
        ("Calcutta", "Kolkata (IN)"),  # not a South African village
        ("Viborg", "Vyborg (RU)"),  # not only Denmark's
    ],
)
def test_a_bigger_place_known_by_an_alternate_name_is_not_hidden(
    gaz: Gazetteer, name: str, meant: str
) -> None:
    refused_with(gaz, name, meant)


def test_the_country_settles_a_main_versus_alternate_name(gaz: Gazetteer) -> None:
    assert geocode("Odessa", country="UA", gazetteer=gaz).source == "GeoNames 698740"
    assert geocode("Calcutta", country="IN", gazetteer=gaz).name == "Kolkata"


def test_two_namesakes_within_the_given_country_are_refused(gaz: Gazetteer) -> None:
    candidates = refused_with(gaz, "Matamoros", "Heroica Matamoros (MX)", country="MX")
    assert any(c.startswith("Matamoros (MX)") for c in candidates)  # Coahuila's


# --------------------------------------------------------------------------- codes, countries


def test_an_airport_code_is_not_a_name(gaz: Gazetteer) -> None:
    # "HEL" is Helsinki's airport code: asked as a name, Hel is the town in Poland
    refused_with(gaz, "Hel", "Hel (PL)")
    # as Poland's port: the Polish town, or a refusal that names it; never Helsinki
    try:
        assert geocode("Hel", country="PL", kind="port", gazetteer=gaz).country == "PL"
    except AmbiguousPlaceError as e:
        assert e.candidates == ["Hel (PL) at 54.6038, 18.8035; pop. 4,136"]
    assert geocode_code("HEL", gazetteer=gaz).name == "Helsinki"
    assert geocode_code("ru vvo", gazetteer=gaz).name == "Vladivostok"


def test_codes_and_abbreviations_asked_as_names_are_refused(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceNotFoundError, match="looks like a code or an abbreviation"):
        geocode("UK", gazetteer=gaz)  # not Uk, a town in Russia
    with pytest.raises(PlaceNotFoundError, match="no place has the code"):
        geocode_code("QQQ", gazetteer=gaz)


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("Egypt", "EG"),
        ("Sudan", "SD"),
        ("Мексика", "MX"),
        ("Arab Republic of Egypt", "EG"),  # ISO 3166-1's official name
        ("مصر", "EG"),  # Arabic
    ],
)
def test_a_country_name_is_refused_as_a_country_not_pinned_on_a_town(
    gaz: Gazetteer, name: str, cc: str
) -> None:
    with pytest.raises(AmbiguousPlaceError, match=rf"names a country .*{cc}") as e:
        geocode(name, gazetteer=gaz)
    assert e.value.candidates[0].endswith(f"(the country, {cc})")


def test_a_city_state_is_placed_at_its_capital(gaz: Gazetteer) -> None:
    assert geocode("Singapore", gazetteer=gaz).country == "SG"


@pytest.mark.parametrize(
    ("name", "cc"),
    [("Сінгапур", "SG"), ("香港", "HK"), ("Монако", "MC"), ("Джибути", "DJ")],
)
def test_a_city_state_named_in_any_script_is_placed_at_its_capital(
    gaz: Gazetteer, name: str, cc: str
) -> None:
    # Most of its people live in its capital: the country is that city
    match = geocode(name, gazetteer=gaz)
    assert (match.country, match.kind) == (cc, "city")


def test_a_country_named_in_another_script_is_not_pinned_on_its_capital(gaz: Gazetteer) -> None:
    # Панама (Russian) is also Panama City's name, but most Panamanians live elsewhere
    with pytest.raises(AmbiguousPlaceError, match="names a country"):
        geocode("Панама", gazetteer=gaz)


def test_a_country_is_not_pinned_on_its_capital_when_a_bigger_city_carries_the_name(
    gaz: Gazetteer,
) -> None:
    # "Salvador" is Brazil's Salvador at least as much as El Salvador's San Salvador
    with pytest.raises(AmbiguousPlaceError) as e:
        geocode("Salvador", gazetteer=gaz)
    assert any(c.startswith("Salvador (BR)") for c in e.value.candidates), e.value.candidates
    assert geocode("Luxembourg", gazetteer=gaz).country == "LU"


def test_a_us_state_is_not_a_town(gaz: Gazetteer) -> None:
    with pytest.raises(AmbiguousPlaceError, match="names a state"):
        geocode("California", gazetteer=gaz)


def test_a_translation_does_not_pin_a_city(gaz: Gazetteer) -> None:
    # "White House" is among Casablanca's alternate names: never enough alone
    candidates = refused_with(gaz, "White House", "White House (TN, US)")
    assert any(c.startswith("Casablanca (MA)") for c in candidates)


# --------------------------------------------------------------------------- scripts


def test_a_foreign_script_name_carried_only_by_a_small_namesake_is_refused(
    gaz: Gazetteer,
) -> None:
    # سول is Sewell, New Jersey in GeoNames; Persian writers mean Seoul (سئول)
    with pytest.raises(AmbiguousPlaceError, match="only as a foreign-script name"):
        geocode("سول", gazetteer=gaz)
    with pytest.raises(PlaceNotFoundError):
        geocode("سول", country="KR", gazetteer=gaz)
    assert geocode("سئول", gazetteer=gaz).country == "KR"


def test_a_large_city_named_in_a_foreign_script_is_placed(gaz: Gazetteer) -> None:
    assert geocode("Сеул", gazetteer=gaz).country == "KR"  # Russian for Seoul
    assert geocode("東京", gazetteer=gaz).country == "JP"


@pytest.mark.parametrize("name", ["奥克兰", "Кантон"])
def test_a_transliteration_shared_by_namesakes_is_refused(gaz: Gazetteer, name: str) -> None:
    # 奥克兰 is Oakland as well as Auckland; Кантон is Canton, Ohio as well as Guangzhou
    with pytest.raises(AmbiguousPlaceError):
        geocode(name, gazetteer=gaz)


@pytest.mark.parametrize(
    ("name", "country", "meant"),
    [
        ("Кишинів", "MD", "Chisinau"),  # Ukrainian: "Kyshyniv" is one of GeoNames' spellings
        ("Араґуаіна", "BR", "Araguaína"),  # Ukrainian: spells the town's own name
        ("سانتو دومینگو", "DO", "Santo Domingo"),  # Persian: spells the city's name
        (
            "新庫茲涅茨克",
            "RU",
            "Novokuznetsk",
        ),  # Traditional Chinese: reads like its Simplified name
        ("שטוקהולם", "SE", "Stockholm"),  # Hebrew: reads like the Hebrew name GeoNames gives
        ("កាត់ម៉ាន់ឌូ", "NP", "Kathmandu"),  # Khmer read by sound: "katmandu", a GeoNames spelling
    ],
)
def test_a_name_whose_romanization_spells_a_large_towns_name_is_placed_in_its_country(
    gaz: Gazetteer, name: str, country: str, meant: str
) -> None:
    # No place carries these spellings; read out in Latin letters they spell the
    # town's own name (or a romanization GeoNames lists for it)
    match = geocode(name, country=country, gazetteer=gaz)
    assert (match.name, match.evidence) == (meant, "transliteration")


@pytest.mark.parametrize(
    ("name", "country", "meant"),
    [
        ("ఎడ్మోంటన్", "CA", "Edmonton"),  # Telugu: its consonants carry their vowel
        ("ซาราทอฟ", "RU", "Saratov"),  # Thai
        ("バグダッド", "IQ", "Baghdad"),  # Japanese kana
        ("レイキャビク", "IS", "Reykjavík"),  # "reikiyabiku": near once y, j and i are one letter
        ("டமாஸ்கஸ்", "SY", "Damascus"),  # Tamil "tamaskas": near once c and k are one
    ],
)
def test_a_large_city_whose_romanization_is_near_its_name_is_placed_in_its_country(
    gaz: Gazetteer, name: str, country: str, meant: str
) -> None:
    match = geocode(name, country=country, gazetteer=gaz)
    assert (match.name, match.evidence) == (meant, "romanization")


@pytest.mark.parametrize(
    ("name", "country", "meant"),
    [
        ("کوپن ہیگن", "DK", "Copenhagen"),  # Urdu: "kwpn hygn", the consonants of Copenhagen
        ("ایڈمونٹن", "CA", "Edmonton"),  # Urdu
        ("הליפקס", "CA", "Halifax"),  # Hebrew: "hlyfks"
        ("بودغوريكا", "ME", "Podgorica"),  # Arabic writes p as b: "bwdghwryk"
    ],
)
def test_a_name_written_without_its_vowels_is_placed_on_its_consonants(
    gaz: Gazetteer, name: str, country: str, meant: str
) -> None:
    match = geocode(name, country=country, gazetteer=gaz)
    assert (match.name, match.evidence) == (meant, "romanization")


@pytest.mark.parametrize(
    ("name", "country", "meant"),
    [
        # Urdu reads "kgly" and "tipe": four letters against the six of Kigali, Taipei
        ("کگالی", "RW", "Kigali"),
        ("تائپے", "TW", "Taipei"),
    ],
)
def test_a_name_in_a_script_without_vowels_is_compared_with_longer_names(
    gaz: Gazetteer, name: str, country: str, meant: str
) -> None:
    match = geocode(name, country=country, gazetteer=gaz)
    assert (match.name, match.evidence) == (meant, "romanization")


def test_consonants_shared_by_several_towns_or_too_few_are_not_a_pin(gaz: Gazetteer) -> None:
    # الیانوسک (Ulyanovsk) reads "lynwsk", consonants "lnsk": Lensk's too
    with pytest.raises(AmbiguousPlaceError) as e:
        geocode("الیانوسک", country="RU", gazetteer=gaz)
    assert e.value.candidates[0].startswith("Ulyanovsk (RU)")
    assert any(c.startswith("Lensk (RU)") for c in e.value.candidates)
    # מדיירה (Madeira) reads "mdyyrh": three consonants, like Amadora's, say too little
    with pytest.raises(PlaceNotFoundError) as not_found:
        geocode("מדיירה", country="PT", gazetteer=gaz)
    assert not any("Amadora" in c for c in not_found.value.candidates)


def test_a_near_romanization_of_a_small_towns_name_is_not_a_pin(gaz: Gazetteer) -> None:
    # Адак (Adak, Alaska) reads "Adak", near "Ada": several small towns, none pinned
    with pytest.raises(AmbiguousPlaceError) as e:
        geocode("Адак", country="US", gazetteer=gaz)
    assert all(c.startswith("Ada (") for c in e.value.candidates)


def test_a_romanization_alone_is_not_enough_without_a_country(gaz: Gazetteer) -> None:
    with pytest.raises(AmbiguousPlaceError, match="only as a transliteration") as e:
        geocode("Кишинів", gazetteer=gaz)
    assert e.value.candidates[0].startswith("Chisinau (MD)")


def test_a_romanization_that_spells_a_countrys_name_is_not_pinned_on_a_town(
    gaz: Gazetteer,
) -> None:
    # "Kuveit": a name of the country, not of its capital's pin
    with pytest.raises(AmbiguousPlaceError, match="names a country"):
        geocode("Кувейтъ", country="KW", gazetteer=gaz)


# --------------------------------------------------------------------------- missing places


def test_a_state_qualifier_narrows_the_search(gaz: Gazetteer) -> None:
    astoria = geocode("Astoria, Oregon", gazetteer=gaz)
    assert (astoria.country, round(astoria.lat)) == ("US", 46)  # not Astoria, Queens
    # Whittier, Alaska (272 people) is not in the gazetteer: not California's
    with pytest.raises(PlaceNotFoundError, match="in or near 'Alaska'") as e:
        geocode("Whittier, Alaska", gazetteer=gaz)
    assert not isinstance(e.value, AmbiguousPlaceError)


def test_a_country_qualifier_is_a_country(gaz: Gazetteer) -> None:
    assert geocode("Lagos, Portugal", gazetteer=gaz).country == "PT"
    with pytest.raises(PlaceNotFoundError, match="no place named 'Lagos' in RU"):
        geocode("Lagos, Portugal", country="RU", gazetteer=gaz)


@pytest.mark.parametrize(
    ("name", "country", "region", "town"),
    [
        ("Jiangxi", "CN", "Jiangxi Sheng (CN, province)", "Jiangxi (CN)"),  # a town in Gansu
        ("Rio Grande do Sul", "BR", "Rio Grande do Sul (BR, state)", "Rio Grande (BR)"),
    ],
)
def test_a_province_is_not_pinned_on_a_town_that_is_not_its_seat(
    gaz: Gazetteer, name: str, country: str, region: str, town: str
) -> None:
    # The analyst is told the name is a province's and sees the town it would have been
    with pytest.raises(AmbiguousPlaceError, match="not that division's seat") as e:
        geocode(name, country=country, gazetteer=gaz)
    assert e.value.candidates[0] == region
    assert any(c.startswith(town) for c in e.value.candidates), e.value.candidates


@pytest.mark.parametrize(
    ("name", "country", "lat", "lon"),
    [
        ("Tehran", "IR", 35.69, 51.42),  # a capital
        ("Quebec", "CA", 46.81, -71.21),  # its province's seat
        ("Pailin", "KH", 12.85, 102.61),  # a small province's largest town
    ],
)
def test_a_town_that_is_its_provinces_seat_is_placed(
    gaz: Gazetteer, name: str, country: str, lat: float, lon: float
) -> None:
    m = geocode(name, country=country, gazetteer=gaz)
    assert distance_km(m.lat, m.lon, lat, lon) < 25


def test_a_village_alone_in_its_country_is_not_taken_for_certain(gaz: Gazetteer) -> None:
    # Lone entries this small may share their name with a place GeoNames lacks
    with pytest.raises(AmbiguousPlaceError, match="missing from the gazetteer"):
        geocode("Hel", country="PL", gazetteer=gaz)
    assert geocode("Tikhoretsk", country="RU", gazetteer=gaz).country == "RU"


# --------------------------------------------------------------------------- misspellings


@pytest.mark.parametrize(("typo", "meant"), [("Paras", "Paris (FR)"), ("Meca", "Makkah (SA)")])
def test_a_spelling_one_letter_off_a_big_city_is_not_taken(
    gaz: Gazetteer, typo: str, meant: str
) -> None:
    refused_with(gaz, typo, meant)


# --------------------------------------------------------------------------- ports


@pytest.mark.parametrize("name", ["Amirabad", "Bandar Amirabad", "Bandar-e Amirabad"])
def test_a_port_no_town_is_named_after_is_found_among_geonames_harbours(
    gaz: Gazetteer, name: str
) -> None:
    # Iran's Caspian port: GeoNames lists it as a port feature, not a town
    m = geocode(name, country="IR", kind="port", gazetteer=gaz)
    assert (m.country, m.kind, m.source) == ("IR", "port", "GeoNames 13157242 (port)")
    assert distance_km(m.lat, m.lon, 36.85, 53.37) < 5


def test_a_harbour_is_not_a_candidate_unless_a_port_is_asked_for(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceNotFoundError) as e:
        geocode("Amirabad Port", country="IR", gazetteer=gaz)
    assert not any("53.3654" in c for c in e.value.candidates)


def test_a_listed_port_that_geonames_confirms_is_found(gaz: Gazetteer) -> None:
    m = geocode("Frederikshavn", country="DK", kind="port", gazetteer=gaz)
    assert m.kind == "port" and m.source.startswith("searoute port DKFDH, named place")


def test_a_port_named_by_an_old_name_is_found_under_the_towns_name(gaz: Gazetteer) -> None:
    # the port list says "Calcutta": as strong as GeoNames' old name, listed as Kolkata
    m = geocode("Calcutta", country="IN", kind="port", gazetteer=gaz)
    assert (m.name, m.kind) == ("Calcutta", "port")
    candidates = refused_with(gaz, "Calcutta", "Kolkata (IN)")
    assert not any(c.startswith("Calcutta (IN)") for c in candidates)


def test_a_port_lists_own_name_places_the_port_the_town_knows_by_another_name(
    gaz: Gazetteer,
) -> None:
    # GeoNames calls the town Ingå and gives "Inkoo" only as another name; the
    # port list calls its port Inkoo: asked for as a port, that is its name
    m = geocode("Inkoo", country="FI", kind="port", gazetteer=gaz)
    assert (m.kind, m.source[:19]) == ("port", "searoute port FIINK")
    assert m.evidence == "variant spelling"
    # asked for as a town, the town's other name is still too little for a pin
    with pytest.raises(AmbiguousPlaceError, match="only as a other name"):
        geocode("Inkoo", country="FI", gazetteer=gaz)


@pytest.mark.parametrize(
    ("name", "country", "lat", "lon"),
    [
        ("Akita-Funakawa Ko", "JP", 39.75, 140.05),  # two names of one port, joined
        ("Kavonisi-Kissamos", "GR", 35.52, 23.64),
    ],
)
def test_a_port_named_by_two_joined_names_is_found_by_either(
    gaz: Gazetteer, name: str, country: str, lat: float, lon: float
) -> None:
    m = geocode(name, country=country, kind="port", gazetteer=gaz)
    assert m.country == country and distance_km(m.lat, m.lon, lat, lon) < 10


def test_an_abbreviated_saint_or_fort_is_written_out(gaz: Gazetteer) -> None:
    assert geocode("Ft Pierce", country="US", gazetteer=gaz).name == "Fort Pierce"
    # written out, "St Nazaire" is as ambiguous as "Saint-Nazaire" in France
    with pytest.raises(AmbiguousPlaceError) as e:
        geocode("St Nazaire", country="FR", kind="port", gazetteer=gaz)
    assert e.value.candidates[0].startswith("Saint-Nazaire (FR) at 47.27")


def test_a_port_missing_from_the_lists_is_not_pinned_on_an_inland_namesake(
    gaz: Gazetteer,
) -> None:
    # Whittier, Alaska is in no list the index is built from; California's is inland
    with pytest.raises(PlaceNotFoundError, match="no port named 'Whittier' in US") as e:
        geocode("Whittier", country="US", kind="port", gazetteer=gaz)
    assert len(e.value.candidates) == len(set(e.value.candidates))  # each place once


def test_a_port_wrapped_in_port_words_is_found(gaz: Gazetteer) -> None:
    assert geocode("Port of Rotterdam", country="NL", kind="port", gazetteer=gaz).country == "NL"


def test_a_port_is_not_pinned_inland(gaz: Gazetteer) -> None:
    # Minturn, Colorado is the only Minturn in GeoNames; the port of Minturn is in Maine
    with pytest.raises(PlaceNotFoundError):
        geocode("Minturn", country="US", kind="port", gazetteer=gaz)
    with pytest.raises(PlaceNotFoundError, match="no port named 'Tikhoretsk'"):
        geocode(
            "Tikhoretsk",
            country="RU",
            kind="port",
            gazetteer=Gazetteer(gaz.curated[:0], world=gaz.world),
        )


def test_anzali_is_found_and_suggested(gaz: Gazetteer) -> None:
    m = geocode("Anzali", country="IR", kind="port", gazetteer=gaz)
    assert m.country == "IR"
    assert distance_km(m.lat, m.lon, 37.4724, 49.4623) < 5
    with pytest.raises(PlaceNotFoundError) as e:
        geocode("Anzalli", country="IR", gazetteer=gaz)
    assert e.value.suggestions[0].startswith("Bandar-e Anzal")


def test_a_port_town_with_namesakes_is_not_taken_for_a_small_port_the_lists_lack(
    gaz: Gazetteer,
) -> None:
    # The port of Davenport, California is in no list; Davenport, Iowa is a river
    # town the lists do not name a port, and Florida's and Washington's stand too
    candidates = refused_with(gaz, "Davenport", "Davenport (IA, US)", country="US", kind="port")
    assert any(c.startswith("Davenport (FL, US)") for c in candidates)
    # Thanh Hoa, the small port by Ho Chi Minh City, is not Thanh Hóa city 1,000 km north
    refused_with(gaz, "Thanh Hoa", "Thanh Hóa (VN)", kind="port")
    refused_with(gaz, "Thanh Hoa", "Thanh Hóa (VN)", country="VN", kind="port")


def test_a_terminal_is_not_pinned_on_the_town_it_is_named_after(gaz: Gazetteer) -> None:
    # the Al Rayyan oil terminal lies offshore, 150 km north of the town Ar Rayyān
    with pytest.raises(AmbiguousPlaceError, match="names a terminal") as e:
        geocode("Al Rayyan Terminal", country="QA", kind="port", gazetteer=gaz)
    assert e.value.candidates[0].startswith("Ar Rayyān (QA)")
    # a terminal GeoNames lists as a port is still found
    m = geocode("Supsa Marine Terminal", country="GE", kind="port", gazetteer=gaz)
    assert m.kind == "port" and m.country == "GE"


@pytest.mark.parametrize(
    ("name", "country", "lat", "lon"),
    [
        ("Sausalito", "US", 37.86, -122.49),
        ("Gavrio", "GR", 37.88, 24.74),
        ("Argostolion", "GR", 38.18, 20.49),
    ],
)
def test_a_lone_port_town_by_a_listed_port_is_taken_when_a_port_is_asked_for(
    gaz: Gazetteer, name: str, country: str, lat: float, lon: float
) -> None:
    # small towns, the only places of their names anywhere, with a listed port
    # beside them: asked for as ports, they are the ports meant
    m = geocode(name, country=country, kind="port", gazetteer=gaz)
    assert m.country == country and distance_km(m.lat, m.lon, lat, lon) < 5
    # asked for as towns, a namesake the gazetteer lacks still cannot be ruled out
    with pytest.raises(AmbiguousPlaceError, match="not enough to rule out"):
        geocode(name, country=country, gazetteer=gaz)


def test_a_lone_port_town_is_not_taken_when_its_name_is_found_elsewhere(gaz: Gazetteer) -> None:
    # Rockland, British Columbia lies by a listed port, but Rocklands elsewhere say
    # the name is common: the port meant (Rockland, Ontario) may be another one
    refused_with(gaz, "Rockland", "Rockland (CA)", country="CA", kind="port")


# --------------------------------------------------------------------------- a port list's data


def test_a_port_list_row_is_trusted_only_where_geonames_agrees() -> None:
    from shipmap.geo import index

    b = index._Builder()
    town = b.add_place("Alpha", 10.0, 10.0, "AA", population=5000)
    b.add_key("alpha", town, index.MAIN)
    b.add_place("Beta", 20.0, 20.0, "AA", population=800)
    b.add_key("beta", town + 1, index.MAIN)
    rows = [
        {"locode": "AAALP", "name": "Alpha", "country": "AA", "lat": "10.05", "lon": "10.05"},
        # the only Beta of the country lies 150 km away: the list's point is wrong
        {"locode": "AABET", "name": "Beta", "country": "AA", "lat": "21.0", "lon": "20.5"},
        # no town of that name, but a GeoNames harbour of it 3 km away: kept
        {"locode": "AAGAM", "name": "Gamma", "country": "AA", "lat": "30.02", "lon": "30.02"},
        # no namesake at all, though towns of the country lie near: nothing confirms it
        {"locode": "AADEL", "name": "Delta", "country": "AA", "lat": "20.1", "lon": "20.1"},
    ]
    harbour = b.add_place("Gamma Harbour", 30.0, 30.0, "AA", kind=index.KIND_PORT, code="HBR")
    b.add_key("gamma", harbour, index.VARIANT)
    index._add_ports(b, 2, rows)
    kept = {b.code[i]: b.check[i] for i in range(3, len(b.names))}
    assert set(kept) == {"AAALP", "AAGAM"}
    assert 6 < kept["AAALP"] < 8  # km from the named town
    assert 2 < kept["AAGAM"] < 4


# --------------------------------------------------------------------------- context


def test_the_other_places_of_the_data_set_settle_a_name() -> None:
    near_a = Place("Twin", 10.0, 10.0, ("AA",), "city", "test a", curated=True, population=50_000)
    near_b = Place("Twin", -30.0, 100.0, ("BB",), "city", "test b", curated=True, population=5_000)
    gaz = Gazetteer([near_a, near_b])
    with pytest.raises(AmbiguousPlaceError):
        geocode("Twin", gazetteer=gaz)
    assert geocode("Twin", near=[(10.5, 10.2)], gazetteer=gaz).country == "AA"


# --------------------------------------------------------------------------- messages


def test_a_name_is_printed_as_written() -> None:
    name = "ماخاچ\u200cقلعه"
    assert quote(name) == f"'{name}'"  # the zero-width non-joiner stays, unescaped
    assert quote("a\nb") == "'a\\x0ab'"  # a control character is shown, not obeyed


def test_a_refusal_lists_each_place_once(gaz: Gazetteer) -> None:
    with pytest.raises(AmbiguousPlaceError) as e:
        geocode("Springfield", gazetteer=gaz)
    assert len(e.value.candidates) == len(set(e.value.candidates)) > 1
    assert str(e.value).count("Springfield (MO, US)") == 1
