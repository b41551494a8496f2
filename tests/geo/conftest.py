"""The world gazetteer, built once per test session into a private cache folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from shipmap.geo import Gazetteer


@pytest.fixture(scope="session")
def gazetteer_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the world index (built on first use, then reused)."""
    folder = tmp_path_factory.mktemp("gazetteer-cache")
    Gazetteer.load(cache_dir=folder)
    return folder


@pytest.fixture(scope="session")
def gaz(gazetteer_cache: Path) -> Gazetteer:
    """The full gazetteer: curated rows and the world index."""
    return Gazetteer.load(cache_dir=gazetteer_cache)
