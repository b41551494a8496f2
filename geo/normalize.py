"""Fold place names so that spellings a reader would call the same compare equal.

A gazetteer lookup must forgive what varies between sources without joining
names that differ: ``Ch'ŏngjin`` and ``Chongjin``, ``Rajin-Sŏnbong`` and
``rajin sonbong``, ``ولادی‌وستوک`` (with a zero-width non-joiner) and
``ولادیوستوک``, Arabic ``كورسك`` and Persian ``کورسک``. Scripts are kept as they
are: folding never transliterates, so ``Курск`` and ``Kursk`` stay different keys
and each must be listed as a spelling of the place.
"""

from __future__ import annotations

import unicodedata

__all__ = ["FOLD_VERSION", "fold", "script_of"]

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
