"""Latin-letter readings of names in other scripts, the keys weak matches are made on."""

from __future__ import annotations

import pytest
from shipmap.geo.normalize import romanizations


@pytest.mark.parametrize(
    ("name", "reading"),
    [
        ("జయపుర", "jayapura"),  # Telugu consonants carry "a" unless a sign says otherwise
        ("ఏథెన్స్", "ethens"),  # ...the virama removes it
        ("बेलग्रेड", "belagred"),  # Hindi: a word's last consonant is read bare
        ("โจฮันเนสเบอร์ก", "chohannesbeork"),  # Thai: โ is written before จ, read after it
    ],
)
def test_a_second_reading_puts_back_what_the_script_leaves_unwritten(
    name: str, reading: str
) -> None:
    assert romanizations(name)[-1] == reading


def test_a_script_read_letter_for_letter_has_one_reading() -> None:
    assert romanizations("Москва") == ["Moskva"]
    assert romanizations("東京") == ["DongJing"]
