"""Tried as an adversary would: each finding, reproduced through the command line.

A rebuild that destroyed a gh-pages checkout, a build that deleted the data set
it read, tracebacks from input the contract accepts or from files that cannot be
read, sums past a float, header and nesting bombs, a watch that died, a
``javascript:`` embed, and errors glued to the progress line. Each now gives one
line on stderr and exit status 1, or does what the user meant.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from builders import TINY, write_dataset

from shipmap.cli import main
from shipmap.watch import DataWatcher

# Rail and air only, every place with coordinates: a build needs no routing,
# no gazetteer and no tiles, and takes a moment.
FAST = {
    **TINY,
    "places.csv": TINY["places.csv"].replace(
        "kursk,Kursk,کورسک,,,", "kursk,Kursk,کورسک,51.73,36.19,"
    ),
    "legs.csv": TINY["legs.csv"].replace(",sea,", ",air,"),
    "map.toml": 'languages = ["en"]\nbasemap = "offline"\n',
}


def fast_data(folder: Path, **changes: str | None) -> Path:
    return write_dataset(folder, FAST, **changes)


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- 1. the output folder -------------------------------------------------------------


def test_a_gh_pages_checkout_is_refused_then_kept_with_force(tmp_path, capsys):
    data, out = fast_data(tmp_path / "data"), tmp_path / "out"
    assert run(capsys, "build", str(data), "-o", str(out), "-q")[0] == 0
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (out / "CNAME").write_text("maps.example.org\n")
    (out / "NOTES.md").write_text("publishing notes\n")
    out.chmod(0o700)
    before = files_of(out)

    status, stdout, err = run(capsys, "build", str(data), "-o", str(out), "-q")
    line = one_line(err)
    assert status == 1 and stdout == ""
    assert ".git/, CNAME, NOTES.md, which shipmap did not write" in line and "--force" in line
    assert files_of(out) == before

    (data / "map.toml").write_text('title = "Changed"\nbasemap = "offline"\n')
    assert run(capsys, "build", str(data), "-o", str(out), "-q", "--force")[0] == 0
    after = files_of(out)
    for name in (".git/HEAD", "CNAME", "NOTES.md"):
        assert after[name] == before[name]
    assert "Changed" in after["index.html"].decode()
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_a_build_never_deletes_the_data_set_it_reads(tmp_path, capsys):
    pub = tmp_path / "pub"
    assert run(capsys, "build", str(fast_data(tmp_path / "src")), "-o", str(pub), "-q")[0] == 0
    data = fast_data(pub / "data")  # a copy of the data set inside the built folder
    before = files_of(data)
    for extra in ([], ["--force"]):
        status, _, err = run(capsys, "build", str(data), "-o", str(pub), "-q", *extra)
        assert status == 1 and "holds the data set being read" in one_line(err)
        assert files_of(data) == before


# --- 3. input the contract accepts, and files that cannot be read ----------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"places.csv": FAST["places.csv"].replace("note\n", "note,fid\n", 1)},
            "places.csv:1: fid: 'fid' is a reserved name",
        ),
        (
            {"legs.csv": FAST["legs.csv"].replace("note\n", "note,FID\n", 1)},
            "legs.csv:1: FID: 'FID' is a reserved name",
        ),
        (
            {"legs.csv": FAST["legs.csv"].replace("note\n", "note,geom\n", 1)},
            "legs.csv:1: geom: 'geom' is a reserved name",
        ),
        (
            {"shipments.csv": FAST["shipments.csv"].replace(",troops,", ",geometry,")},
            "shipments.csv:6: unit: unit 'geometry' is a reserved name",
        ),
        (
            {"shipments.csv": FAST["shipments.csv"].replace(",troops,", ",mode,")},
            "shipments.csv:6: unit: unit 'mode' is a reserved name",
        ),
        (
            {
                "shipments.csv": FAST["shipments.csv"]
                + "g,sea_rajin_dunai,2024-01-01,,1e308,,,tonnes,event,,,\n"
                + "h,sea_rajin_dunai,2024-01-02,,1e308,,,tonnes,event,,,\n"
            },
            "shipments.csv:8: quantity: the tonnes of leg 'sea_rajin_dunai' add up to more "
            "than a number can hold (quantity, low, high of lines 8, 9)",
        ),
        (
            {"map.toml": "a = " + "[" * 10_000 + "]" * 10_000 + "\n"},
            "map.toml: tables or lists nested more than 16 deep",
        ),
        (
            {
                "shipments.csv": FAST["shipments.csv"]
                + "".join(f"u{i},sea_rajin_dunai,2024-01-01,,1,,,u{i},,,,\n" for i in range(1000))
            },
            "unit 'u197' is one unit too many: a data set may have at most 200 different units",
        ),
        (
            {"places.csv": ",".join(f"c{i}" for i in range(1000)) + "\n1\n"},
            "places.csv:1: the header has 1,000 columns; a data set file may have at most 500",
        ),
        (
            {"places.csv": ",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n"},
            "places.csv:1: the header line is longer than 65,536 bytes",
        ),
        (
            {"legs.csv": FAST["legs.csv"].replace(",,schematic", ",," + "x" * 120_000)},
            "legs.csv:4: note: a cell has 120,000 characters; at most 100,000 are allowed",
        ),
        (
            {"legs.csv": FAST["legs.csv"].replace(",,schematic", ",," + "x" * 200_000)},
            "legs.csv:4: a cell has more than 100,000 characters; at most 100,000 are allowed",
        ),
        (
            {"legs.csv": FAST["legs.csv"].replace(",", ";")},
            "legs.csv:1: the columns are separated by semicolons (;), not commas",
        ),
        (
            {"shipments.csv": FAST["shipments.csv"].replace(",", "\t")},
            "shipments.csv:1: the columns are separated by tabs, not commas",
        ),
    ],
    ids=[
        "fid",
        "FID",
        "geom",
        "unit-geometry",
        "unit-mode",
        "sum-overflow",
        "toml-depth",
        "1000-units",
        "wide-header",
        "million-columns",
        "long-cell",
        "huge-cell",
        "semicolons",
        "tabs",
    ],
)
def test_input_that_once_crashed_or_misled_gives_one_line(tmp_path, capsys, changes, expected):
    data, out = fast_data(tmp_path / "data", **changes), tmp_path / "out"
    status, stdout, err = run(capsys, "build", str(data), "-o", str(out), "-q")
    assert status == 1 and stdout == ""
    assert expected in one_line(err)
    assert not out.exists()


def _unreadable(path: Path, monkeypatch) -> None:
    """Make ``path`` unreadable: by its mode, or (as root, who reads anything) by the OS call."""
    if os.getuid() != 0:
        path.chmod(0)
        return
    import builtins

    real_builtin_open = builtins.open

    def denied_open(file, *args, **kwargs):
        if isinstance(file, str | os.PathLike) and Path(os.fsdecode(file)).name == path.name:
            raise PermissionError(13, "Permission denied", os.fsdecode(file))
        return real_builtin_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denied_open)
    import io as io_module

    monkeypatch.setattr(io_module, "open", denied_open)


@pytest.mark.parametrize("name", ["places.csv", "map.toml", "shipments.csv"])
def test_an_unreadable_input_file_is_one_line(tmp_path, capsys, monkeypatch, name):
    data = fast_data(tmp_path / "data")
    _unreadable(data / name, monkeypatch)
    status, _, err = run(capsys, "build", str(data), "-o", str(tmp_path / "out"), "-q")
    monkeypatch.undo()
    assert status == 1
    assert one_line(err) == f"{name}: cannot read the file (Permission denied)"


@pytest.mark.parametrize("name", ["places.csv", "legs.csv", "map.toml"])
def test_a_folder_or_a_dangling_link_where_a_file_should_be_is_one_line(tmp_path, capsys, name):
    data = fast_data(tmp_path / "data")
    (data / name).unlink()
    (data / name).mkdir()
    status, _, err = run(capsys, "build", str(data), "-o", str(tmp_path / "out"), "-q")
    assert status == 1 and one_line(err).startswith(f"{name}: this is a folder, not a file")
    (data / name).rmdir()
    (data / name).symlink_to(tmp_path / "gone.csv")
    status, _, err = run(capsys, "build", str(data), "-o", str(tmp_path / "out"), "-q")
    assert status == 1 and one_line(err).startswith(f"{name}: ")
    assert "missing file" in err or "No such file" in err


# --- watch survives every build error ---------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        PermissionError(13, "Permission denied", "data/places.csv"),
        IsADirectoryError(21, "Is a directory", "data/legs.csv"),
        RecursionError("maximum recursion depth exceeded"),
        MemoryError(),
        KeyError("a bug"),
    ],
)
def test_watch_survives_every_error_a_build_can_give(tiny, error):
    out = io.StringIO()
    calls = []

    def rebuild():
        calls.append(1)
        if len(calls) == 1:
            raise error

    watcher = DataWatcher(tiny, rebuild=rebuild, out=out)
    assert watcher.build() is False
    assert "build failed; the output folder is as it was; watching" in out.getvalue()
    if isinstance(error, OSError):
        assert f"{error.filename}: {error.strerror}" in out.getvalue()
    assert watcher.build() is True  # and the next build runs


def test_watch_is_stopped_by_ctrl_c_only(tiny):
    def rebuild():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        DataWatcher(tiny, rebuild=rebuild, out=io.StringIO()).build()


# --- 7. embed --url -------------------------------------------------------------------


@pytest.fixture(scope="module")
def a_map(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("embed")
    page = folder / "map-en.html"
    page.write_text("<html><head><title>A map</title></head></html>", "utf-8")
    return page


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.domain)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "file:///etc/passwd",
        "http:///no-host",
        "https://example.org/a map.html",
    ],
)
def test_embed_refuses_an_url_that_is_not_http_or_relative(a_map, capsys, url):
    status, stdout, err = run(capsys, "embed", str(a_map), "--url", url)
    assert status == 1 and stdout == ""
    assert "give an http:// or https:// address, or a path relative" in one_line(err)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/maps/map-en.html",
        "http://example.org/m",
        "maps/map-en.html",
        "//x.org/m",
    ],
)
def test_embed_takes_http_and_relative_urls(a_map, capsys, url):
    status, stdout, _ = run(capsys, "embed", str(a_map), "--url", url)
    assert status == 0 and f'src="{url}"' in stdout


# --- 8. terminal output -------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_error_starts_on_its_own_line_after_the_progress_line(tmp_path, monkeypatch):
    data = fast_data(
        tmp_path / "data", **{"legs.csv": FAST["legs.csv"].replace("rajin,dunai", "rajn,dunai")}
    )
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["build", str(data), "-o", str(tmp_path / "out")]) == 1
    shown = terminal.getvalue()
    assert "legs.csv:2: origin: unknown place id 'rajn'" in shown
    for line in shown.split("\n"):
        if "legs.csv:2:" in line:
            assert line.startswith("legs.csv:2:"), repr(line)  # not glued to "Reading …"


def test_a_killed_builds_leftovers_are_gone_after_the_next_cli_build(tmp_path, capsys):
    data, out = fast_data(tmp_path / "data"), tmp_path / "out"
    assert run(capsys, "build", str(data), "-o", str(out), "-q")[0] == 0
    stale = tmp_path / ".out.tmp-k9leftov"
    shutil.copytree(out, stale)  # what kill -9 leaves: the previous output, unlocked
    assert run(capsys, "build", str(data), "-o", str(out), "-q")[0] == 0
    assert not stale.exists()
