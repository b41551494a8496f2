"""shipmap: place names, shipment figures and ship positions into sourced route maps.

The pipeline runs places → legs → flows → map → outputs. From a notebook::

    import shipmap
    ds = shipmap.load_dataset("data")          # read and check a data set
    shipmap.folium_map(ds, lang="en")          # the map, shown inline by Jupyter
    shipmap.build("data", "output")            # every map and export, written

The names below are imported on first use, so ``import shipmap`` (and the
``shipmap`` command's ``--help``) does not pay for GeoPandas or folium.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipmap.api import build, folium_map, load_dataset

__all__ = ["build", "folium_map", "load_dataset"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from shipmap import api

        return getattr(api, name)
    raise AttributeError(f"module 'shipmap' has no attribute {name!r}")
