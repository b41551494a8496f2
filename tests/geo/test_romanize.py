"""Latin-letter readings of names in other scripts, the keys weak matches are made on."""

from __future__ import annotations

import pytest
from shipmap.geo import Gazetteer, geocode
from shipmap.geo.normalize import latin_readings, read_alike_keys, romanizations


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


def test_traditional_and_simplified_chinese_spellings_read_alike() -> None:
    # Irkutsk: 伊爾庫次克 (Taiwan) and 伊尔库茨克 (mainland) share no character but read alike
    assert read_alike_keys("伊爾庫次克") == read_alike_keys("伊尔库茨克") == ["CJK:yierkucike"]
    assert read_alike_keys("Irkutsk") == []  # Latin names meet by their folded spelling


def test_burmese_khmer_and_tamil_are_also_read_by_sound() -> None:
    # Burmese spells foreign names by sound: စ is "s", ို is "o", ဂျ is "j"
    assert latin_readings("ဟာမိုစ်စီလို")[-1] == "hamossilo"  # Hermosillo
    assert latin_readings("ဂျေရုဆလင်")[-1] == "jerusalan"  # Jerusalem
    # Khmer writes g, z and f with ហ over a letter: អៅហ្គាឌូហ្គូ is Ouagadougou
    assert latin_readings("អៅហ្គាឌូហ្គូ")[-1] == "augadugu"
    assert latin_readings("ហ្វីលីពីន")[-1] == "filipin"
    # Tamil writes k/g, t/d, p/b with one letter: voiced between vowels; ச is "s"
    assert latin_readings("அடிலெய்டு")[-1] == "adileytu"  # Adelaide
    assert latin_readings("மேசியோ")[-1] == "mesiyo"  # Maceió
    # the letter-for-letter readings come first, and other scripts have no third one
    assert latin_readings("ဟာမိုစ်စီလို")[0] == "hamiucciliu"
    assert latin_readings("జయపుర") == romanizations("జయపుర")


def test_a_burmese_name_is_placed_on_its_reading_by_sound(gaz: Gazetteer) -> None:
    m = geocode("ဂျေရုဆလင်", country="IL", gazetteer=gaz)  # Jerusalem
    assert (m.name, m.evidence) == ("Jerusalem", "romanization")


def test_near_romanization_is_the_same_with_and_without_narrowing_by_letter_counts(monkeypatch):
    """Narrowing a country's names by their letter counts never changes the nearest name found."""
    import random

    import numpy as np
    from shipmap.geo import gazetteer as gz

    rng = random.Random(13)
    letters = "aaeeiioouubcdfghjklmnprstvyzéø"
    keys = sorted(
        {"".join(rng.choice(letters) for _ in range(rng.randint(4, 12))) for _ in range(3000)},
        key=len,
    )
    names = gz._CountryNames(
        keys=keys,
        sounds=[gz._sound(k) for k in keys],
        lengths=np.array([len(k) for k in keys]),
        key_of_place=np.arange(len(keys)),
        places=np.arange(len(keys)),
    )
    # Queries one or two letters away from a name, and unrelated ones.
    queries = []
    for key in rng.sample(keys, 300):
        at = rng.randrange(len(key))
        queries.append(key[:at] + rng.choice(letters) + key[at + 1 :])
        queries.append(key[:at] + key[at + 1 :] + rng.choice(letters))
    queries += ["".join(rng.choice(letters) for _ in range(8)) for _ in range(100)]
    found = []
    for narrow_from in (10**9, 0):
        monkeypatch.setattr(gz, "_PREFILTER_FROM", narrow_from)
        names.letters.clear()
        found.append(
            [
                gz.Gazetteer._nearest(names, names.keys, [q], longer=i % 2 == 0)
                for i, q in enumerate(queries)
            ]
        )
    assert found[0] == found[1]
    assert sum(bool(f) for f in found[0]) > 100  # most near spellings find their name
