"""map.toml: defaults, both ways to give a title, and located errors."""

# Pinned messages are long on purpose: they are what the user reads.
# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

import pytest

from shipmap.config import MapConfig, read_config
from shipmap.errors import DataError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_defaults_with_a_title_from_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "nk-russia_2024"
    folder.mkdir()
    config = read_config(folder / "map.toml")
    assert config.languages == ("en",)
    assert config.basemap == "OpenStreetMap"
    assert config.width_by is None
    assert config.text("title", "en") == "Nk russia 2024"
    assert config.text("subtitle", "en") == ""
    assert read_config(None) == MapConfig(title={"en": "Shipment routes"})


def test_plain_title_applies_to_every_language(tmp_path: Path) -> None:
    config = read_config(write(tmp_path, 'languages = ["en", "fa"]\ntitle = "Arms"\n'))
    assert config.text("title", "fa") == "Arms" and config.text("title", "en") == "Arms"


def test_title_by_language_falls_back_to_english_then_any(tmp_path: Path) -> None:
    text = 'languages = ["en", "fa", "ru"]\n[title]\nen = "Arms"\nfa = "سلاح"\n[subtitle]\nko = "무기"\n'
    config = read_config(write(tmp_path, text))
    assert config.text("title", "fa") == "سلاح"
    assert config.text("title", "ru") == "Arms"
    assert config.text("subtitle", "en") == "무기"


def test_all_keys_and_unknown_keys_are_kept(tmp_path: Path) -> None:
    text = 'width_by = "troops"\nbasemap = "offline"\ncolour = "red"\n[legend]\nshow = true\n'
    config = read_config(write(tmp_path, text))
    assert config.width_by == "troops"
    assert config.basemap == "offline"
    assert dict(config.extra) == {"colour": "red", "legend": {"show": True}}


def test_known_tile_provider_is_accepted(tmp_path: Path) -> None:
    assert read_config(write(tmp_path, 'basemap = "OpenTopoMap"\n')).basemap == "OpenTopoMap"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'languages = ["en"]\ntitle = Arms\n',
            'map.toml:2: not valid TOML: invalid value at column 9 (text needs double quotes, e.g. title = "Arms to Russia")',
        ),
        (
            'title = "Arms"\ntitle = "Again"\n',
            "map.toml:2: not valid TOML: cannot overwrite a value at column 16",
        ),
        ('title = "Arms', "map.toml:1: not valid TOML: unterminated string at the end of the file"),
        (
            "languages = 3\n",
            'map.toml: languages: must be a list of language codes, e.g. languages = ["en", "fa"]',
        ),
        (
            'languages = ["en", "EN"]\n',
            "map.toml: languages: 'EN' is not an ISO 639-1 code (two lower-case letters, e.g. 'fa')",
        ),
        ('languages = ["en", "en"]\n', "map.toml: languages: a language is listed twice"),
        (
            "subtitle = 1\n",
            'map.toml: subtitle: must be text (e.g. subtitle = "...") or a table of texts by language (e.g. subtitle.fa = "...")',
        ),
        (
            '[title]\nfarsi = "x"\n',
            "map.toml: title: 'farsi' is not an ISO 639-1 language code (two lower-case letters)",
        ),
        (
            'width_by = "Troops"\n',
            "map.toml: width_by: 'Troops' is not a unit: give a lower-case word such as \"troops\"",
        ),
        (
            'basemap = "Stamen Tonerr"\n',
            "map.toml: basemap: unknown basemap 'Stamen Tonerr' (did you mean 'Stadia.StamenToner'?)",
        ),
        (
            'basemap = "CartoDB positron"\n',
            "map.toml: basemap: basemap 'CartoDB positron' needs an API key, which a published "
            'map would give away; choose a provider without one, e.g. "OpenStreetMap", or "offline"',
        ),
        (
            "basemap = 3\n",
            'map.toml: basemap: must be a tile provider name (e.g. "OpenStreetMap") or "offline"',
        ),
    ],
)
def test_bad_map_toml_is_refused_with_a_located_message(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(DataError) as caught:
        read_config(write(tmp_path, text))
    assert [str(p) for p in caught.value.problems] == [expected]


def test_several_bad_keys_are_reported_together(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_config(write(tmp_path, 'languages = 3\nwidth_by = 4\nbasemap = ""\n'))
    assert [p.column for p in caught.value.problems] == ["basemap", "languages", "width_by"]


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "map.toml"
    path.write_bytes(b'languages = ["en"]\ntitle = "Caf\xe9"\n')
    with pytest.raises(DataError, match=r"^map\.toml:2: not UTF-8 text \(byte 0xE9\)"):
        read_config(path)


def test_a_data_set_names_its_units_per_language_with_plural_forms(tmp_path):
    from shipmap.map.i18n import language

    path = tmp_path / "map.toml"
    path.write_text(
        '[units.drones]\nen = ["drone", "drones"]\nfa = "پهپاد"\n'
        'ru = ["дрон", "дрона", "дронов", "дрона"]\n',
        "utf-8",
    )
    config = read_config(path)
    assert dict(config.units["drones"]["en"]) == {"one": "drone", "other": "drones"}
    en = language("en").with_units(config.units)
    assert en.unit("drones", 1) == "drone" and en.unit("drones", 760) == "drones"
    ru = language("ru").with_units(config.units)
    assert [ru.unit("drones", n) for n in (1, 3, 5, 1.5)] == ["дрон", "дрона", "дронов", "дрона"]
    fa = language("fa").with_units(config.units)
    assert fa.unit("drones", 1) == fa.unit("drones", 320) == "پهپاد"
    assert "units" not in config.extra


def test_unit_names_with_the_wrong_number_of_plural_forms_are_refused(tmp_path):
    path = tmp_path / "map.toml"
    path.write_text('[units.drones]\nen = ["drone", "drones", "droness"]\nXX = "d"\n', "utf-8")
    with pytest.raises(DataError) as info:
        read_config(path)
    text = str(info.value)
    assert "units.drones.en: gives 3 forms, but 'en' has 2 plural forms (one, other)" in text
    assert "units.drones.XX" in text
