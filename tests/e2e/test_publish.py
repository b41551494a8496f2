"""Publishing: rebuilds byte for byte, the committed output, pictures and watch mode."""

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from builders import TINY, write_dataset

from shipmap.cli import main
from shipmap.watch import DataWatcher, changed_files, data_state, watch

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "output"
EXPECTED = {
    "flows.csv",
    "index.html",
    "map-en.html",
    "map-fa.html",
    "shipmap.geojson",
    "shipmap.gpkg",
    ".shipmap-output",
}


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fresh") / "output"
    assert main(["build", str(ROOT / "data"), "-o", str(out), "-q"]) == 0
    return out


def test_the_same_data_build_to_the_same_bytes(fresh, tmp_path):
    again = tmp_path / "again"
    assert main(["build", str(ROOT / "data"), "-o", str(again), "-q"]) == 0
    first, second = files_of(fresh), files_of(again)
    assert set(first) == EXPECTED
    differing = sorted(name for name in first if first[name] != second.get(name))
    assert differing == [], f"rebuilding gave different bytes in {differing}"


def test_the_committed_output_is_what_data_builds_to_now(fresh):
    assert (COMMITTED / ".shipmap-output").is_file(), "output/ is missing its marker file"
    committed, now = files_of(COMMITTED), files_of(fresh)
    stale = sorted(
        name for name in set(committed) | set(now) if committed.get(name) != now.get(name)
    )
    assert stale == [], (
        f"output/ is out of date ({', '.join(stale)} differ from a fresh build of data/): "
        "run `shipmap build` and commit output/"
    )


def test_a_map_needs_no_file_beside_it(fresh):
    # Everything a map shows is inlined: no script, style or image is fetched from
    # a relative path, so a map copied alone anywhere still works.
    html = (fresh / "map-en.html").read_text("utf-8")
    assert '<script src="' not in html and '<link rel="stylesheet"' not in html
    assert 'src="http' not in html.split("<body")[0]


def test_pictures_without_chromium_fail_in_one_line(tiny, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["build", str(tiny), "-o", str(out), "-q"]) == 0
    before = files_of(out)
    monkeypatch.delenv("SHIPMAP_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["snapshot", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no Chromium found" in err
    assert main(["build", str(tiny), "-o", str(out), "-q", "--png"]) == 1
    assert "no Chromium found" in capsys.readouterr().err
    assert files_of(out) == before


@pytest.mark.browser
def test_snapshot_draws_a_picture_of_each_map(tiny, tmp_path, browser):
    out = tmp_path / "out"
    assert main(["build", str(tiny), "-o", str(out), "-q"]) == 0
    # In its own process: this session's browser already runs Playwright here.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "shipmap.cli",
            "snapshot",
            str(out),
            "--offline",
            "--width",
            "800",
            "--height",
            "600",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for lang in ("en", "fa"):
        png = (out / f"map-{lang}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        assert (width, height) == (800, 600)
        assert len(png) > 20_000  # a drawn map, not a blank page


# --- watch mode -----------------------------------------------------------


def touch(path: Path, text: str, stamp: int) -> None:
    """Rewrite a file and give it a modification time of its own."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))


def test_changed_files_names_added_removed_and_modified():
    before = {"a.csv": (1, 1), "b.csv": (1, 1), "c.csv": (1, 1)}
    after = {"a.csv": (1, 1), "b.csv": (2, 5), "d.csv": (1, 1)}
    assert changed_files(before, after) == ["b.csv", "c.csv", "d.csv"]


def test_data_state_ignores_editor_files(tiny):
    (tiny / ".legs.csv.swp").write_text("x")
    (tiny / "legs.csv~").write_text("x")
    assert sorted(data_state(tiny)) == sorted(TINY)


def test_a_change_rebuilds_once_it_has_settled(tiny):
    builds = []
    watcher = DataWatcher(tiny, rebuild=lambda: builds.append(1))
    assert watcher.poll() is None and builds == []  # nothing changed
    touch(tiny / "legs.csv", TINY["legs.csv"] + "\n", 10**18)
    assert watcher.poll() is None and builds == []  # changing: wait a look
    assert watcher.poll() == ["legs.csv"] and builds == [1]
    assert watcher.poll() is None and builds == [1]  # built once


def test_a_failed_rebuild_prints_its_problems_and_keeps_watching(tmp_path, capsys):
    data = write_dataset(tmp_path / "data")
    out = tmp_path / "out"
    sleeps = iter(range(100))

    def step(_seconds: float) -> None:
        n = next(sleeps)
        if n == 0:  # a typo in a place id
            touch(data / "legs.csv", TINY["legs.csv"].replace("rajin,dunai", "rajn,dunai"), 10**18)
        elif n == 2:  # fixed
            fixed = TINY["legs.csv"].replace("Rajin to", "From Rajin to")
            touch(data / "legs.csv", fixed, 2 * 10**18)
        elif n == 4:
            raise KeyboardInterrupt

    from shipmap import watch as watch_module

    monkey = pytest.MonkeyPatch()
    monkey.setattr(watch_module.time, "sleep", step)
    try:
        status = main(["build", str(data), "-o", str(out), "-q", "--watch"])
    finally:
        monkey.undo()
    err = capsys.readouterr().err
    assert status == 0
    assert "legs.csv:2: origin: unknown place id 'rajn'" in err
    assert "stopped watching" in err
    assert "From Rajin to Vostochny" in (out / "map-en.html").read_text("utf-8")


def test_watch_stops_on_ctrl_c(tiny):
    builds = []

    def stop(_seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        watch(tiny, rebuild=lambda: builds.append(1), sleep=stop)
    assert builds == [1]  # the first build happens at once


def test_an_edit_inside_a_folder_of_parquet_shipments_rebuilds(tmp_path):
    data = write_dataset(tmp_path / "data")
    (data / "shipments.csv").unlink()
    part = data / "shipments" / "year=2024"
    part.mkdir(parents=True)
    touch(part / "part-0.parquet", "rows", 10**18)
    (part / ".part-1.parquet.crc").write_text("x")  # a writer's hidden file: not data
    assert "shipments/year=2024/part-0.parquet" in data_state(data)
    assert not any(".crc" in name for name in data_state(data))
    builds = []
    watcher = DataWatcher(data, rebuild=lambda: builds.append(1))
    touch(part / "part-0.parquet", "more rows", 2 * 10**18)
    assert watcher.poll() is None  # changing: wait a look
    assert watcher.poll() == ["shipments/year=2024/part-0.parquet"] and builds == [1]
    touch(part / "part-1.parquet", "new rows", 10**18)  # a new file in the folder
    watcher.poll()
    assert watcher.poll() == ["shipments/year=2024/part-1.parquet"] and builds == [1, 1]
