"""Fold place names so that spellings a reader would call the same compare equal.

A gazetteer lookup must forgive what varies between sources without joining
names that differ: ``Ch'ŏngjin`` and ``Chongjin``, ``Rajin-Sŏnbong`` and
``rajin sonbong``, ``ولادی‌وستوک`` (with a zero-width non-joiner) and
``ولادیوستوک``, Arabic ``كورسك`` and Persian ``کورسک``. Scripts are kept as they
are: folding never transliterates, so ``Курск`` and ``Kursk`` stay different keys
and each must be listed as a spelling of the place.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

__all__ = [
    "FOLD_VERSION",
    "fold",
    "latin_readings",
    "read_alike_keys",
    "romanizations",
    "script_of",
]

#: Bumped whenever :func:`fold` changes, so that cached indexes built with an
#: older fold are rebuilt rather than silently missing names.
FOLD_VERSION = 1

# Letters that have no Unicode decomposition but that sources write in several
# ways. Arabic-script variants fold to their Persian forms (ي → ی, ك → ک); the
# hamza-carrying forms already lose the hamza through NFKD.
_LETTERS = {
    # Arabic script
    "\u064a": "\u06cc",  # ARABIC LETTER YEH → FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA → FARSI YEH
    "\u06d2": "\u06cc",  # YEH BARREE (Urdu) → FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF → KEHEH
    "\u0629": "\u0647",  # TEH MARBUTA → HEH
    "\u06c1": "\u0647",  # HEH GOAL → HEH
    "\u06d5": "\u0647",  # AE (what NFKD leaves of HEH WITH YEH ABOVE) → HEH
    "\u0671": "\u0627",  # ALEF WASLA → ALEF
    # Latin letters without a decomposition
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "ı": "i",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
}

# Characters dropped outright although their category would keep them:
# tatweel (a letter-like stretching stroke) and the modifier letters that
# romanizations use as apostrophes (Ch'ŏngjin, Namp'o, Nuku'alofa).
_DROPPED = frozenset("\u0640\u02bb\u02bc\u02bd\u02b9\u02ba\u02be\u02bf\u02c8")

# Unicode categories that carry no letters: punctuation, symbols, separators,
# controls and format characters (ZWNJ, ZWJ, bidi marks, soft hyphen).
_DROPPED_CATEGORIES = frozenset("PSZC")


@functools.lru_cache(maxsize=1 << 16)
def fold(name: str) -> str:
    """Return the comparison key of a place name.

    The key is case-folded; accents and other combining marks (Latin
    diacritics, Arabic harakat, hamza, the Cyrillic breve and diaeresis) are
    removed after NFKD decomposition; punctuation, apostrophes, hyphens, spaces,
    tatweel and zero-width characters are removed; Arabic letter variants are
    mapped to their Persian forms; every decimal digit (Arabic-Indic, Persian)
    becomes its ASCII digit. Hangul syllables are recomposed (NFC), so Korean
    keys stay readable.

    Parameters
    ----------
    name
        A place name in any script.

    Returns
    -------
    str
        The key; ``""`` when the name holds no letter or digit.

    Examples
    --------
    >>> fold("Ch'ŏngjin") == fold("chongjin")
    True
    >>> fold("ولادی\u200cوستوک") == fold("ولادیوستوک")
    True
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", name.casefold()):
        if unicodedata.combining(ch) or ch in _DROPPED:
            continue
        category = unicodedata.category(ch)
        if category[0] in _DROPPED_CATEGORIES:
            continue
        if category == "Nd":
            out.append(str(unicodedata.decimal(ch)))
            continue
        out.append(_LETTERS.get(ch, ch))
    return unicodedata.normalize("NFC", "".join(out))


def script_of(name: str) -> str:
    """Return the script of the first letter of ``name``, as Unicode names it.

    ``"LATIN"``, ``"CYRILLIC"``, ``"ARABIC"``, ``"CJK"``, ``"HANGUL"``, ...: the
    first word of the letter's Unicode name; ``""`` when the name holds no letter.
    """
    for ch in name:
        if ch.isalpha():
            return unicodedata.name(ch, "").split(" ", 1)[0]
    return ""


# Scripts whose consonant letters carry a vowel ("a") unless a sign says otherwise.
# anyascii writes the bare consonant (तबरीज़ -> "tbriz"), so the vowel is put back.
_ABUGIDAS = frozenset(
    {
        "DEVANAGARI",
        "BENGALI",
        "GURMUKHI",
        "GUJARATI",
        "ORIYA",
        "TAMIL",
        "TELUGU",
        "KANNADA",
        "MALAYALAM",
        "SINHALA",
        "MYANMAR",
        "KHMER",
    }
)
# ...where a word's last consonant is read without it (बेलग्रेड: Belgred, not Belgreda).
_SILENT_FINAL_VOWEL = frozenset({"DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI"})
# Thai and Lao vowels written before the consonant they follow in speech (โจ: "cho").
_PREPOSED_VOWELS = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4")


def romanizations(name: str) -> list[str]:
    """Return Latin-letter readings of a name written in another script.

    The first is ``anyascii``'s letter-for-letter reading; the second, when it
    differs, reads the consonants of Indic, Sinhala, Khmer and Myanmar script
    with the vowel they carry unless a sign removes it (జయపుర: "jypur", then
    "jayapura") and Thai and Lao vowels after the consonant they are written
    before. Neither is a pronunciation: they are keys to compare with a
    place's Latin names, as weak evidence.

    Examples
    --------
    >>> romanizations("జయపుర")
    ['jypur', 'jayapura']
    """
    return list(_readings(name))


@functools.lru_cache(maxsize=1 << 12)
def _readings(name: str) -> tuple[str, ...]:
    anyascii = _anyascii()
    plain = anyascii(name)
    if not any(ch in _PREPOSED_VOWELS or _script(ch) in _ABUGIDAS for ch in name):
        return (plain,)
    out: list[str] = []
    chars = list(name)
    i = 0
    while i < len(chars):
        ch = chars[i]
        if (
            ch in _PREPOSED_VOWELS
            and i + 1 < len(chars)
            and unicodedata.category(chars[i + 1]) == "Lo"
        ):
            out += [anyascii(chars[i + 1]), anyascii(ch)]
            i += 2
            continue
        out.append(anyascii(ch))
        script = _script(ch)
        if script in _ABUGIDAS and _is_consonant(ch):
            j = i + 1
            while j < len(chars) and unicodedata.name(chars[j], "").endswith("NUKTA"):
                j += 1
            after = chars[j] if j < len(chars) else ""
            if not (after and unicodedata.category(after) in ("Mn", "Mc")):
                final = not after.isalpha()
                if not (final and script in _SILENT_FINAL_VOWEL):
                    out.append("a")
        i += 1
    read = "".join(out)
    return (plain,) if read == plain else (plain, read)


# Burmese writes foreign names by sound: စ, ဆ are "s", ဇ is "z", ဘ and ဗ "b", the
# vowel signs ို and ော "o", and a medial ya after ဂ makes "j" (ဂျ). anyascii reads
# the letters by their Pali values ("c", "ch", "j", "bh", "iu").
_MYANMAR_SOUNDS = (
    ("\u102d\u102f", "o"),  # ို
    ("\u1031\u102c\u103a", "aw"),  # ော်
    ("\u1031\u102b\u103a", "aw"),  # ေါ်
    ("\u1031\u102c", "aw"),  # ော
    ("\u1031\u102b", "aw"),  # ေါ
    ("\u1002\u103b", "j"),  # ဂျ
    ("\u1000\u103b", "ky"),  # ကျ
    ("\u101b\u103e", "sh"),  # ရှ
    ("\u103d\u1014\u103a", "un"),  # ွန်
    ("\u103d\u1019\u103a", "um"),  # ွမ်
    ("\u103d\u1010\u103a", "ut"),  # ွတ်
)
_MYANMAR_LETTERS = {
    "\u1005": "s",  # စ
    "\u1006": "s",  # ဆ
    "\u1007": "z",  # ဇ
    "\u1008": "z",  # ဈ
    "\u1018": "b",  # ဘ
    "\u1017": "b",  # ဗ
    "\u101d": "w",  # ဝ
    "\u103d": "w",  # medial wa
    "\u1032": "e",  # ဲ
    "\u1036": "n",  # ံ
    "\u1009": "ny",  # ည
    "\u100a": "ny",  # ည
    "\u1021": "",  # အ, the vowel carrier
}


# Khmer writes the sounds its alphabet lacks with ហ (h) over a letter: ហ្គ "g",
# ហ្ស "z", ហ្វ "f"; ប៉ is "p". Its vowel signs ី, ូ read "i", "u" (anyascii: "ei", "ou"),
# and ់ shortens a vowel (anyascii: "a").
_KHMER_SOUNDS = (
    ("\u17a0\u17d2\u1782", "g"),  # ហ្គ
    ("\u17a0\u17d2\u179f", "z"),  # ហ្ស
    ("\u17a0\u17d2\u179c", "f"),  # ហ្វ
    ("\u1794\u17c9", "p"),  # ប៉
)
_KHMER_LETTERS = {
    "\u17b8": "i",  # ី
    "\u17b7": "i",  # ិ
    "\u17bc": "u",  # ូ
    "\u17bb": "u",  # ុ
    "\u17cb": "",  # ់
    "\u17cd": "",  # ៍
    "\u17c9": "",  # ៉
    "\u17ca": "",  # ៊
    "\u17a2": "",  # អ, the vowel carrier
}
_BY_SOUND = {
    "MYANMAR": (_MYANMAR_SOUNDS, _MYANMAR_LETTERS),
    "KHMER": (_KHMER_SOUNDS, _KHMER_LETTERS),
}


def latin_readings(name: str) -> list[str]:
    """Return :func:`romanizations` and, for Burmese, Khmer and Tamil, a reading by sound.

    Burmese and Khmer spell foreign names by how they sound (ဟာမိုစ်စီလို,
    Hermosillo; អៅហ្គាឌូហ្គូ, Ouagadougou), so their letter-for-letter
    romanizations ("hamiucciliu", "'auhkadouhkou") are far from the Latin
    names; the readings by sound ("hamossilo", "augadugu") are nearer. Tamil
    writes k and g (t and d, p and b) with one letter: the reading by sound
    voices a single one between vowels. Like the romanizations, keys to
    compare with Latin names, never names.
    """
    out = romanizations(name)
    script = script_of(name)
    sound = ""
    if script in _BY_SOUND:
        sound = _by_sound(name, script)
    elif script == "TAMIL":
        sound = _tamil_by_sound(out[-1])
    if sound and sound not in out:
        out.append(sound)
    return out


# Tamil writes k/g, t/d, p/b and c/s/j with one letter each: a single k, t, p
# between vowels or after a nasal is voiced (அடிலெய்டு, Adelaide: "atileytu"
# reads "adileytu"), ச is "s" (மேசியோ, Maceió), ஃப is "f" (anyascii: "kp").
_TAMIL_VOICED = re.compile(r"(?<=[aeiou]|[nm])([ktp])(?![ktp])")
_TAMIL_VOICE = {"k": "g", "t": "d", "p": "b"}


def _tamil_by_sound(reading: str) -> str:
    reading = reading.replace("kp", "f").replace("c", "s")
    return _TAMIL_VOICED.sub(lambda m: _TAMIL_VOICE[m.group(1)], reading)


@functools.lru_cache(maxsize=1 << 12)
def _by_sound(name: str, script: str) -> str:
    anyascii = _anyascii()
    sounds, letters = _BY_SOUND[script]
    for written, sound in sounds:
        name = name.replace(written, f"\x00{sound}\x00")
    out: list[str] = []
    chars = list(name)
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch == "\x00":
            j = chars.index("\x00", i + 1)
            out.append("".join(chars[i + 1 : j]))
            i = j + 1
            continue
        out.append(letters.get(ch, anyascii(ch)))
        if script == "MYANMAR" and _script(ch) == "MYANMAR" and _is_consonant(ch):
            after = chars[i + 1] if i + 1 < len(chars) else ""
            # the inherent vowel, unless a sign (or a sound written as a whole) follows
            if not (after and (after == "\x00" or unicodedata.category(after) in ("Mn", "Mc"))):
                out.append("a")
        i += 1
    return "".join(out)


@functools.cache
def _anyascii() -> Callable[[str], str]:
    """Return anyascii's function, imported on first use (names in Latin never need it)."""
    from anyascii import anyascii

    return anyascii


def _script(ch: str) -> str:
    """Return the first word of a character's Unicode name ("TELUGU", "LATIN")."""
    return unicodedata.name(ch, "").split(" ", 1)[0]


def _is_consonant(ch: str) -> bool:
    """Whether an abugida letter is a consonant (its Unicode name ends in "A": KA, GHA)."""
    words = unicodedata.name(ch, "").split()
    if "LETTER" not in words or "VOCALIC" in words or "INDEPENDENT" in words:
        return False
    last = words[-1]
    return len(last) >= 2 and last.endswith("A") and last != "AA"


def read_alike_keys(name: str) -> list[str]:
    """Return keys on which two spellings of a name in one script that read alike meet.

    Each key is the script and a folded romanization (``"CJK:yierkucike"`` for
    both 伊爾庫次克 and 伊尔库茨克, Traditional and Simplified Chinese; Arabic
    spellings with and without long vowels likewise). The ``:`` never occurs
    in a :func:`fold` key, so these keys never meet a name. Empty for Latin.
    """
    script = script_of(name)
    if script in ("LATIN", ""):
        return []
    keys = dict.fromkeys(f"{script}:{fold(r)}" for r in romanizations(name))
    return [k for k in keys if not k.endswith(":")]
