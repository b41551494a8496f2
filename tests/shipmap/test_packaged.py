"""Data files read from installed packages: found, or a one-line error that says what to do."""

import pytest

from shipmap.errors import ShipmapError
from shipmap.packaged import installed_files


def test_a_shipped_file_is_found_without_importing_its_package():
    import sys

    sys.modules.pop("searoute", None)
    (path,) = installed_files("searoute", ["data/ports.geojson"], needed_by="the world index needs")
    assert path.is_file() and path.name == "ports.geojson"
    assert "searoute" not in sys.modules


@pytest.mark.parametrize(
    ("package", "names"),
    [("no_such_package_xyz", ["a.csv"]), ("searoute", ["data/ports.geojson", "missing.csv"])],
)
def test_a_missing_package_or_file_says_what_needs_it_and_to_reinstall(package, names):
    with pytest.raises(ShipmapError) as err:
        installed_files(package, names, needed_by="the world index needs")
    message = str(err.value)
    assert message.startswith("the world index needs ")
    assert names[-1] in message and package.replace("_", "-") in message
    assert message.endswith("reinstall shipmap") and "\n" not in message
