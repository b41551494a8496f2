"""The library API: what ``import shipmap`` offers a notebook or a script."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shipmap.dataset import Dataset
from shipmap.dataset import load_dataset as _load_dataset
from shipmap.pipeline import build as _build

if TYPE_CHECKING:
    import folium

__all__ = ["build", "folium_map", "load_dataset"]


def load_dataset(folder: str | Path) -> Dataset:
    """Read a data set folder and check it against the data contract.

    Raises :class:`shipmap.errors.DataError` listing every problem, each with its
    file, line and column.
    """
    return _load_dataset(Path(folder))


def build(dataset: str | Path = "data", output: str | Path = "output") -> list[str]:
    """Build every map and export of ``dataset`` into ``output``; return the file names."""
    return _build(Path(dataset), Path(output))


def folium_map(dataset: Dataset | str | Path, *, lang: str | None = None) -> folium.Map:
    """Return the map of one language as a :class:`folium.Map` (Jupyter shows it inline).

    ``dataset`` is a folder or a loaded :class:`~shipmap.dataset.Dataset`; ``lang``
    defaults to the data set's first language.
    """
    from shipmap.map.frame import frame_longitudes
    from shipmap.map.render import render_map
    from shipmap.pipeline import map_content

    ds = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    content = map_content(ds)
    return render_map(frame_longitudes(content), lang=lang or ds.config.languages[0])
