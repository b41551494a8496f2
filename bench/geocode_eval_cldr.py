"""CLDR exemplar city names (via Babel) with tz database coordinates (zone.tab)."""

import csv
import sys
import unicodedata
from importlib import resources

from babel import Locale

LOCALES = [
    "en",
    "fr",
    "de",
    "es",
    "pl",
    "tr",
    "vi",
    "ru",
    "uk",
    "bg",
    "sr",
    "el",
    "hy",
    "ka",
    "ar",
    "fa",
    "ur",
    "he",
    "hi",
    "bn",
    "ta",
    "th",
    "ja",
    "zh",
    "zh_Hant",
    "ko",
    "am",
    "km",
    "my",
    "mn",
    "kk",
    "te",
    "si",
]


def coord(s):
    # +DDMM[SS] or +DDDMM[SS]
    sign = -1 if s[0] == "-" else 1
    s = s[1:]
    dl = 2 if len(s) in (4, 6) else 3
    d, m, sec = int(s[:dl]), int(s[dl : dl + 2]), int(s[dl + 2 :] or 0)
    return sign * (d + m / 60 + sec / 3600)


def split(c):
    i = max(c.rfind("+"), c.rfind("-"))
    return coord(c[:i]), coord(c[i:])


zones = {}
text = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text()
for line in text.splitlines():
    if line.startswith("#") or not line.strip():
        continue
    cc, c, tz = line.split("\t")[:3]
    if tz.startswith("Antarctica/") or tz.startswith("Etc/"):
        continue
    lat, lon = split(c)
    zones[tz] = (cc, lat, lon)


def script(name):
    for ch in name:
        if ch.isalpha():
            n = unicodedata.name(ch, "")
            first = n.split(" ")[0]
            if first == "CJK":
                return "Han"
            return {
                "LATIN": "Latin",
                "CYRILLIC": "Cyrillic",
                "ARABIC": "Arabic",
                "HEBREW": "Hebrew",
                "GREEK": "Greek",
                "ARMENIAN": "Armenian",
                "GEORGIAN": "Georgian",
                "DEVANAGARI": "Devanagari",
                "BENGALI": "Bengali",
                "TAMIL": "Tamil",
                "THAI": "Thai",
                "HIRAGANA": "Japanese",
                "KATAKANA": "Japanese",
                "HANGUL": "Hangul",
                "ETHIOPIC": "Ethiopic",
                "KHMER": "Khmer",
                "MYANMAR": "Myanmar",
                "TELUGU": "Telugu",
                "SINHALA": "Sinhala",
            }.get(first, first.title())
    return "?"


rows = []
for loc in LOCALES:
    tzs = Locale.parse(loc).time_zones
    for tz, (cc, lat, lon) in zones.items():
        data = tzs.get(tz)
        city = data.get("city") if data else None
        if not city:
            if loc != "en":
                continue
            city = tz.rsplit("/", 1)[-1].replace("_", " ")
        rows.append(
            {
                "set": "cldr",
                "name": city,
                "country": cc,
                "kind": "city",
                "script": script(city),
                "lang": loc,
                "lat": f"{lat:.5f}",
                "lon": f"{lon:.5f}",
                "ref": tz,
            }
        )
# de-duplicate identical (name, country) rows: one row per spelling
seen, out = set(), []
for r in rows:
    k = (r["name"], r["ref"])
    if k not in seen:
        seen.add(k)
        out.append(r)
w = csv.DictWriter(sys.stdout, fieldnames=list(out[0]))
w.writeheader()
w.writerows(out)
print(len(out), file=sys.stderr)
