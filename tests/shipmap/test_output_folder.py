"""The output folder is shipmap's alone, or it is refused.

A build replaces only the files its marker lists (each with its SHA-256); a
folder that holds anything else is refused in one line unless ``--force``, which
keeps the rest. The folder keeps its permissions, the data set being read is
never replaced, and what a killed build left beside the folder is removed.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import shipmap.outputs.write
from shipmap.errors import ShipmapError
from shipmap.outputs.write import (
    MARKER_NAME,
    add_outputs,
    marker_text,
    remove_stale,
    write_outputs,
)

FIRST = {"index.html": "<p>one</p>", "map-en.html": "<p>map one</p>", "shipmap.gpkg": b"\x00gpkg"}
SECOND = {"index.html": "<p>two</p>", "map-en.html": "<p>map two</p>", "flows.csv": "leg\n"}


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    write_outputs(out, FIRST)
    return out


def checkout(out: Path) -> dict[str, bytes]:
    """Turn a built folder into what a gh-pages publisher keeps: git, a CNAME, notes, 0700."""
    (out / ".git" / "objects").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (out / "CNAME").write_text("maps.example.org\n")
    (out / "NOTES.md").write_text("keep me\n")
    out.chmod(0o700)
    return files_of(out)


# --- what the marker records ------------------------------------------------------


def test_the_marker_lists_every_file_written_with_its_sha256(built):
    marker = json.loads((built / MARKER_NAME).read_text("utf-8"))
    assert marker["written_by"] == "shipmap build"
    assert sorted(marker["files"]) == sorted(FIRST)
    import hashlib

    assert marker["files"]["shipmap.gpkg"] == hashlib.sha256(b"\x00gpkg").hexdigest()
    assert (built / MARKER_NAME).read_text("utf-8") == marker_text(marker["files"])


def test_a_folder_of_shipmaps_own_files_is_replaced_whole(built):
    write_outputs(built, SECOND)
    assert sorted(files_of(built)) == sorted([*SECOND, MARKER_NAME])  # shipmap.gpkg: gone
    assert (built / "index.html").read_text() == "<p>two</p>"
    assert leftovers(built) == []


# --- finding 1: a rebuild deleted .git, CNAME and notes, and reset the mode ------------


def test_a_rebuild_refuses_a_checkout_in_one_line_and_changes_nothing(built):
    before = checkout(built)
    with pytest.raises(ShipmapError) as info:
        write_outputs(built, SECOND)
    message = str(info.value)
    assert "\n" not in message
    assert ".git/, CNAME, NOTES.md, which shipmap did not write" in message
    assert "--force" in message and "-o" in message
    assert files_of(built) == before
    assert mode(built) == 0o700
    assert leftovers(built) == []


def test_force_keeps_the_checkout_and_replaces_only_shipmaps_files(built):
    before = checkout(built)
    write_outputs(built, SECOND, force=True)
    after = files_of(built)
    for name in (".git/HEAD", "CNAME", "NOTES.md"):
        assert after[name] == before[name]
    assert after["index.html"] == b"<p>two</p>" and after["flows.csv"] == b"leg\n"
    assert "shipmap.gpkg" not in after  # shipmap's own, unchanged, not written again: removed
    assert mode(built) == 0o700
    marker = json.loads(after[MARKER_NAME])
    assert sorted(marker["files"]) == sorted(SECOND)  # the checkout's files stay not shipmap's
    with pytest.raises(ShipmapError, match="CNAME"):
        write_outputs(built, FIRST)  # still refused without --force
    write_outputs(built, FIRST, force=True)
    assert files_of(built)["index.html"] == b"<p>one</p>"
    assert leftovers(built) == []


def test_force_never_replaces_a_file_shipmap_did_not_write(built):
    (built / "flows.csv").write_text("my own flows\n")  # same name as an output
    with pytest.raises(ShipmapError, match=r"flows\.csv would be replaced, but shipmap did not"):
        write_outputs(built, SECOND, force=True)
    assert (built / "flows.csv").read_text() == "my own flows\n"
    assert (built / "index.html").read_text() == "<p>one</p>"


def test_a_file_of_shipmaps_changed_by_hand_is_refused_and_force_replaces_it(built):
    (built / "index.html").write_text("<p>edited by hand</p>")
    with pytest.raises(ShipmapError, match=r"index\.html was changed since shipmap wrote it"):
        write_outputs(built, SECOND)
    assert (built / "index.html").read_text() == "<p>edited by hand</p>"
    write_outputs(built, SECOND, force=True)
    assert (built / "index.html").read_text() == "<p>two</p>"


@pytest.mark.parametrize("folder_mode", [0o700, 0o750, 0o2775])
def test_a_rebuild_keeps_the_folders_permissions(built, folder_mode):
    built.chmod(folder_mode)
    write_outputs(built, SECOND)
    assert mode(built) == folder_mode


def test_a_new_folder_gets_the_users_usual_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        write_outputs(tmp_path / "new", FIRST)
    finally:
        os.umask(old)
    assert mode(tmp_path / "new") == 0o750


def test_a_folder_from_before_the_hashes_is_still_shipmaps(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    (out / MARKER_NAME).write_text("This folder is written by shipmap build.\n")
    for name, content in FIRST.items():
        (out / name).write_bytes(content.encode() if isinstance(content, str) else content)
    write_outputs(out, SECOND)
    assert (out / "index.html").read_text() == "<p>two</p>"
    (out / "CNAME").write_text("x\n")
    with pytest.raises(ShipmapError, match="CNAME"):
        write_outputs(out, FIRST)


def test_gitkeep_and_finder_files_are_kept_and_never_count_as_foreign(built):
    (built / ".gitkeep").write_text("")
    (built / ".DS_Store").write_bytes(b"\x00\x01")
    write_outputs(built, SECOND)
    assert (built / ".gitkeep").exists() and (built / ".DS_Store").read_bytes() == b"\x00\x01"


# --- the data set being read ---------------------------------------------------------


def test_the_data_set_inside_the_output_folder_is_never_replaced(built):
    data = built / "data"
    data.mkdir()
    (data / "places.csv").write_text("id,name\n")
    for force in (False, True):
        with pytest.raises(ShipmapError) as info:
            write_outputs(built, SECOND, force=force, protect=[data, data / "places.csv"])
        assert "holds the data set being read" in str(info.value)
        assert (data / "places.csv").read_text() == "id,name\n"


def test_the_output_folder_cannot_be_the_data_set(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "places.csv").write_text("id,name\n")
    with pytest.raises(ShipmapError, match="holds the data set being read"):
        write_outputs(data, FIRST, force=True, protect=[data])
    assert sorted(os.listdir(data)) == ["places.csv"]


def test_a_data_file_linked_from_inside_the_output_folder_is_protected(built, tmp_path):
    real = built / "places.csv"
    real.write_text("id,name\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "places.csv").symlink_to(real)
    with pytest.raises(ShipmapError, match="holds the data set being read"):
        write_outputs(built, SECOND, force=True, protect=[data, data / "places.csv"])
    assert real.read_text() == "id,name\n"


# --- finding 6: what killed builds left ---------------------------------------------

KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import shipmap.outputs.write as write

    calls = 0
    def dying_open(path, *args, **kwargs):
        global calls
        calls += 1
        if calls == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)
        return open(path, *args, **kwargs)

    write.open = dying_open
    write.write_outputs(Path(sys.argv[1]), {"index.html": "new", "map-en.html": "new"})
    """
)


@pytest.mark.parametrize("when", [1, 2])
def test_kill_9_mid_write_leaves_the_output_and_the_next_build_clears_the_rest(built, when):
    before = files_of(built)
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(built), str(when)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert files_of(built) == before  # the output folder is as it was
    assert leftovers(built), "the killed build left nothing behind to clean"
    write_outputs(built, SECOND)
    assert leftovers(built) == []
    assert (built / "index.html").read_text() == "<p>two</p>"


def test_a_running_builds_folder_and_look_alikes_are_left_alone(built):
    import fcntl

    running = built.parent / ".out.tmp-running1"
    running.mkdir()
    (running / "index.html").write_text("being written")
    fd = os.open(running, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # what a running build holds
    elsewhere = built.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").write_text("x")
    link = built.parent / ".out.tmp-linkedxx"
    link.symlink_to(elsewhere)
    other_name = built.parent / ".out.tmp-toolong-name"
    other_name.mkdir()
    stale = built.parent / ".out.tmp-stale123"
    stale.mkdir()
    (stale / "index.html").write_text("left by kill -9")
    try:
        assert remove_stale(built) == [".out.tmp-stale123"]
    finally:
        os.close(fd)
    assert (running / "index.html").exists()
    assert (elsewhere / "keep").exists() and link.is_symlink()
    assert other_name.exists()


def test_a_previous_output_left_mid_swap_is_put_back(tmp_path):
    out = tmp_path / "out"
    old = tmp_path / ".out.old-abcd1234"
    write_outputs(old, FIRST)  # as if renamed away by a swap that was then killed
    (tmp_path / ".old.tmp-xxxxxxxx").mkdir()  # another folder's: not touched
    remove_stale(out)
    assert (out / "index.html").read_text() == "<p>one</p>"
    assert not old.exists() and (tmp_path / ".old.tmp-xxxxxxxx").exists()


# --- interrupted in place --------------------------------------------------------------


def test_an_interrupt_while_replacing_in_place_puts_every_file_back(built, monkeypatch):
    before = checkout(built)
    real_replace = os.replace
    calls = []

    def replace(src, dst, *args, **kwargs):
        calls.append(dst)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(shipmap.outputs.write.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(built, SECOND, force=True)
    monkeypatch.undo()
    assert files_of(built) == before
    assert leftovers(built) == []


# --- pictures added later (shipmap snapshot) ---------------------------------------------


def test_pictures_added_later_are_recorded_and_a_rebuild_accepts_them(built):
    add_outputs(built, {"map-en.png": b"\x89PNG"})
    marker = json.loads((built / MARKER_NAME).read_text("utf-8"))
    assert sorted(marker["files"]) == sorted([*FIRST, "map-en.png"])
    write_outputs(built, SECOND)  # not refused: the picture is shipmap's
    assert not (built / "map-en.png").exists()


def test_a_picture_never_replaces_a_file_shipmap_did_not_write(built):
    (built / "map-en.png").write_bytes(b"my own picture")
    with pytest.raises(ShipmapError, match="shipmap did not write it"):
        add_outputs(built, {"map-en.png": b"\x89PNG"})
    assert (built / "map-en.png").read_bytes() == b"my own picture"


def test_pictures_need_a_built_folder(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("x")
    with pytest.raises(ShipmapError, match="not a folder written by shipmap build"):
        add_outputs(folder, {"map-en.png": b"\x89PNG"})
