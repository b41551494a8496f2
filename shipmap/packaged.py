"""Data files that installed packages ship, found without importing those packages.

Several sources (searoute's port list, harborly's GeoNames rows, Natural Earth's
countries, scgraph-data's networks) are read as plain files: importing their
packages would load routing graphs or optional back ends a build does not need.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from shipmap.errors import ShipmapError

__all__ = ["installed_files"]


def installed_files(package: str, names: Sequence[str], *, needed_by: str) -> list[Path]:
    """Return the paths of ``names`` inside the installed import package ``package``.

    Raises
    ------
    ShipmapError
        When the package or one of the files is not installed; the message says
        what needs them (``needed_by``, e.g. "the world index needs").
    """
    spec = importlib.util.find_spec(package)
    for folder in list(spec.submodule_search_locations or []) if spec else []:
        paths = [Path(folder) / name for name in names]
        if all(path.is_file() for path in paths):
            return paths
    raise ShipmapError(
        f"{needed_by} {', '.join(names)} from the {package.replace('_', '-')} package;"
        " reinstall shipmap"
    )
