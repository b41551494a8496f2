"""First-level subdivision names (ISO 3166-2 through pycountry)."""

from __future__ import annotations

from shipmap.geo.regions import regions_named


def test_a_province_is_found_without_its_generic_words() -> None:
    assert [r.code for r in regions_named("Jiangxi")] == ["CN-JX"]
    assert [r.code for r in regions_named("Asturias", "ES")] == ["ES-AS"]
    assert [r.code for r in regions_named("québec", "CA")] == ["CA-QC"]


def test_a_country_limits_the_provinces_and_a_town_is_no_province() -> None:
    assert regions_named("Jiangxi", "FR") == ()
    assert regions_named("Bedford") == ()
