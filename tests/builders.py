"""Data sets for tests: the tiny valid one, a hostile string, and a writer."""

from __future__ import annotations

import textwrap
from pathlib import Path

UNSAFE = (
    '<img src=x onerror="window.__pwned=1">`${window.__pwned=2}`'
    "</script><svg onload=window.__pwned=3>"
)

TINY = {
    "places.csv": """\
        id,name,name:fa,lat,lon,country,kind,aliases,source,note
        rajin,Rajin port,بندر راجین,42.2333,130.3,KP,port,Najin;Rason,osc,Loading port
        dunai,Dunai,دونای,42.8803,132.3375,RU,port,Dunay,,
        vostochny,Vostochny port,بندر واستوچنی,42.7333,133.05,RU,port,,,
        tikhoretsk,Tikhoretsk,تیخورتسک,45.8531,40.1187,RU,depot,,,
        kursk,Kursk,کورسک,,,RU,front,,,
        """,
    "legs.csv": """\
        id,origin,destination,mode,via,label,label:fa,source,note
        sea_rajin_dunai,rajin,dunai,sea,,,,,
        sea_rajin_vostochny,rajin,vostochny,sea,,Rajin to Vostochny,راجین به واستوچنی,,
        rail_dunai_tikhoretsk,dunai,tikhoretsk,rail,,,,,schematic
        rail_vostochny_kursk,vostochny,kursk,rail,,,,,
        """,
    "shipments.csv": """\
        id,leg,start,end,quantity,low,high,unit,basis,vessel,source,note
        a,sea_rajin_vostochny,2023-08,2025-03,15800,,,containers,total,,osc,
        b,sea_rajin_vostochny,2023-08,2025-03,4600000,4200000,5800000,munitions,total,,osc,
        c,sea_rajin_vostochny,2024-03-12,2024-03-14,300,,,containers,event,Lady R,osc,
        d,sea_rajin_dunai,2023-09-07,2023-10-01,1000,,,containers,total,Angara,wh,
        e,rail_vostochny_kursk,2024-10,2025-03,11000,,,troops,total,,osc,
        f,rail_vostochny_kursk,2025-01,2025-02,3000,,,troops,event,,osc,
        """,
    "sources.csv": """\
        id,publisher,title,date,url
        osc,Open Source Centre,Red Passage,2025-02-18,https://stories.opensourcecentre.org/red-passage
        wh,White House,Briefing,2023-10-13,https://www.whitehouse.gov/briefing-room/
        """,
    "map.toml": """\
        languages = ["en", "fa"]
        width_by = "containers"
        [title]
        en = "Test map"
        fa = "نقشه آزمایشی"
        """,
}


def write_dataset(folder: Path, files: dict[str, str] | None = None, **changes: str | None) -> Path:
    """Write a data set: the tiny one, with files replaced (or removed with None)."""
    folder.mkdir(parents=True, exist_ok=True)
    content: dict[str, str | None] = {**(files or TINY), **changes}
    for name, text in content.items():
        if text is not None:
            (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder
