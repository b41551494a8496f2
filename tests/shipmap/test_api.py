"""The library API a notebook uses: import shipmap, load, draw, build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import folium

import shipmap


def test_the_public_api_is_declared() -> None:
    assert sorted(shipmap.__all__) == ["build", "folium_map", "load_dataset"]
    for name in shipmap.__all__:
        assert getattr(shipmap, name).__doc__


def test_importing_shipmap_imports_no_geopandas_or_folium() -> None:
    code = "import sys, shipmap; print('geopandas' in sys.modules, 'folium' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False"], done.stderr


def test_a_notebook_gets_the_map_of_one_language(tiny: Path) -> None:
    ds = shipmap.load_dataset(tiny)
    m = shipmap.folium_map(ds, lang="fa")
    assert isinstance(m, folium.Map)
    html = m.get_root().render()
    assert "بندر راجین" in html  # the Persian name of a place from the data set
    assert isinstance(shipmap.folium_map(tiny), folium.Map)  # a folder, first language


def test_build_writes_the_outputs(tiny: Path, tmp_path: Path) -> None:
    written = shipmap.build(tiny, tmp_path / "out")
    assert {"map-en.html", "map-fa.html", "index.html"} <= set(written)
    assert (tmp_path / "out" / "map-fa.html").is_file()
