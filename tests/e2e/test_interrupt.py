"""A failed or interrupted build leaves the output folder exactly as it was.

Each test builds once, takes the output folder's bytes, then breaks a second
build of other data at a chosen point: a crash or a full disk while the files
are written (in-process), or SIGTERM / SIGINT delivered to a real
``python -m shipmap.cli build`` process. The process sends the signal to itself
from a wrapped file operation, so the point of interruption is exact and no
test waits on a clock.
"""

from __future__ import annotations

import errno
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from builders import TINY, write_dataset

import shipmap.outputs.write
from shipmap.cli import main
from shipmap.outputs.write import exchange_folders, write_outputs

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "shipmap: interrupted; the output folder is as it was\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Temporary folders a build left beside ``folder``."""
    return sorted(
        p.name
        for p in folder.parent.iterdir()
        if p.name.startswith((f".{folder.name}.tmp-", f".{folder.name}.old-"))
    )


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A finished build, its bytes, and a changed data set to build over it."""
    out = tmp_path / "out"
    assert main(["build", str(write_dataset(tmp_path / "first")), "-o", str(out), "-q"]) == 0
    changed = write_dataset(
        tmp_path / "second",
        **{"map.toml": TINY["map.toml"].replace("Test map", "Changed map")},
    )
    before = snapshot(out)
    assert len(before) >= 5  # four outputs and the marker
    return out, changed, before


def _failing_open(after: int, error: BaseException):
    """An ``open`` that raises ``error`` when asked for file number ``after + 1``."""
    calls = []

    def fake(path, *args, **kwargs):
        calls.append(path)
        if len(calls) > after:
            raise error
        return open(path, *args, **kwargs)

    return fake


def test_a_crash_mid_write_leaves_the_output_as_it_was(built, monkeypatch):
    out, changed, before = built
    crash = _failing_open(2, RuntimeError("crash"))
    monkeypatch.setattr(shipmap.outputs.write, "open", crash, raising=False)
    with pytest.raises(RuntimeError, match="crash"):
        main(["build", str(changed), "-o", str(out), "-q"])
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_full_disk_mid_write_is_one_line_and_the_output_as_it_was(built, monkeypatch, capsys):
    out, changed, before = built
    full = OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(shipmap.outputs.write, "open", _failing_open(2, full), raising=False)
    assert main(["build", str(changed), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert "the output folder is as it was" in err and "Traceback" not in err
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_ctrl_c_mid_write_in_process_gives_130_and_the_output_as_it_was(built, monkeypatch, capsys):
    out, changed, before = built
    interrupt = _failing_open(1, KeyboardInterrupt())
    monkeypatch.setattr(shipmap.outputs.write, "open", interrupt, raising=False)
    assert main(["build", str(changed), "-o", str(out), "-q"]) == 130
    assert capsys.readouterr().err == MESSAGE
    assert snapshot(out) == before
    assert leftovers(out) == []


# A real build process that sends itself a signal at an exact point.
WRAPPER = textwrap.dedent(
    """
    import os, signal, sys
    import shipmap.dataset, shipmap.outputs.write
    from shipmap.cli import main

    signum = getattr(signal, sys.argv[1])
    # As from a terminal: a shell that starts the tests in the background has
    # them (and so this child) ignore SIGINT, and Python then leaves it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    where = sys.argv[2]
    calls = 0

    def hit():
        os.kill(os.getpid(), signum)

    def counting_open(path, *args, **kwargs):
        global calls
        calls += 1
        if where == "writing" and calls == 2:
            hit()
        return open(path, *args, **kwargs)

    shipmap.outputs.write.open = counting_open
    if where == "reading":
        real_load = shipmap.dataset.load_dataset
        def load(root, **options):
            hit()
            return real_load(root, **options)
        shipmap.dataset.load_dataset = load
    if where == "swapping":
        real_exchange = shipmap.outputs.write.exchange_folders
        def exchange(a, b):
            hit()
            return real_exchange(a, b)
        shipmap.outputs.write.exchange_folders = exchange
    sys.exit(main(sys.argv[3:]))
    """
)


def run_build(signame: str, where: str, data: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WRAPPER, signame, where, "build", str(data), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**_env(), "PYTHONPATH": str(ROOT)},
        timeout=300,
    )


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("where", ["reading", "writing", "swapping"])
def test_a_signal_leaves_the_output_as_it_was(built, signame, where):
    out, changed, before = built
    result = run_build(signame, where, changed, out)
    assert result.returncode == 130, result.stderr
    assert result.stderr == MESSAGE
    assert result.stdout == ""
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_the_same_wrapper_without_a_signal_builds(built):
    """The wrapper itself changes nothing: with no signal the build goes through."""
    out, changed, before = built
    result = run_build("SIGUSR2", "nowhere", changed, out)  # never sent
    assert result.returncode == 0, result.stderr
    after = snapshot(out)
    assert after != before and "Changed map" in after["index.html"].decode()
    assert leftovers(out) == []


def test_a_signal_before_the_output_exists_leaves_no_folder(tmp_path):
    out = tmp_path / "new"
    result = run_build("SIGTERM", "writing", write_dataset(tmp_path / "data"), out)
    assert result.returncode == 130 and result.stderr == MESSAGE
    assert not out.exists()
    assert leftovers(out) == []


# The swap itself


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "new.txt").write_text("new")
    (b / "old.txt").write_text("old")
    if not exchange_folders(a, b):
        pytest.skip("this system cannot exchange two folders in one step")
    assert [p.name for p in b.iterdir()] == ["new.txt"]
    assert [p.name for p in a.iterdir()] == ["old.txt"]


def test_an_update_never_leaves_the_folder_missing(built, monkeypatch):
    """Where folders can be exchanged, the output folder exists at every rename."""
    out, changed, _ = built
    if not exchange_folders(out, out):
        pytest.skip("this system cannot exchange two folders in one step")
    seen = []
    real_rename = Path.rename

    def rename(self, target):
        seen.append(out.exists())
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    assert main(["build", str(changed), "-o", str(out), "-q"]) == 0
    assert seen == []  # no rename at all: one exchange
    assert "Changed map" in (out / "index.html").read_text("utf-8")
    assert leftovers(out) == []


def test_without_exchange_two_renames_still_swap_cleanly(built, monkeypatch):
    out, changed, _ = built
    monkeypatch.setattr(shipmap.outputs.write, "exchange_folders", lambda a, b: False)
    assert main(["build", str(changed), "-o", str(out), "-q"]) == 0
    assert "Changed map" in (out / "index.html").read_text("utf-8")
    assert leftovers(out) == []


def test_without_exchange_a_failed_second_rename_puts_the_old_folder_back(built, monkeypatch):
    out, changed, before = built
    monkeypatch.setattr(shipmap.outputs.write, "exchange_folders", lambda a, b: False)
    real_rename = Path.rename
    failed = []

    def rename(self, target):
        if Path(target) == out.resolve() and not failed:
            failed.append(self)  # the new build's folder, not yet in place
            raise KeyboardInterrupt
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    assert main(["build", str(changed), "-o", str(out), "-q"]) == 130
    monkeypatch.setattr(Path, "rename", real_rename)
    assert failed and failed[0].name.startswith(".out.tmp-")
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_write_outputs_refuses_a_folder_it_did_not_write(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(shipmap.outputs.write.ShipmapError, match="did not write"):
        write_outputs(folder, {"index.html": "x"})
    assert snapshot(folder) == {"notes.txt": b"keep me"}
    assert leftovers(folder) == []
