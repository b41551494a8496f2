"""Rebuild a data set's maps whenever one of its files changes.

A plain polling loop over the data set's files (their size and modification
time): no extra dependency, and the same behaviour on every file system,
including network shares and containers' bind mounts where change
notifications do not arrive. A change is built once the folder has looked the
same for one poll, so an editor's save in several steps builds once. A build
that fails prints its problems and the watch goes on.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from shipmap.dataset import DATASET_FILES
from shipmap.errors import DataError, ShipmapError

__all__ = ["DataWatcher", "changed_files", "data_state", "watch"]

#: A file's (size, modification time in ns).
FileStamp = tuple[int, int]


def _ignored(name: str) -> bool:
    return name.startswith((".", "~", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))


def data_state(dataset: Path) -> dict[str, FileStamp]:
    """Return the size and modification time of each file in a data set folder.

    Files inside a ``shipments/`` folder of Parquet files count too, named by
    their path in the data set (``shipments/year=2024/part-0.parquet``).
    Hidden files and folders and editors' backup and swap files are left out;
    a missing folder has no files.
    """
    state: dict[str, FileStamp] = {}
    if not dataset.is_dir():
        return state
    _add_files(dataset, "", state, depth=0)
    return dict(sorted(state.items()))


def _add_files(folder: Path, prefix: str, state: dict[str, FileStamp], *, depth: int) -> None:
    try:
        paths = sorted(folder.iterdir())
    except OSError:  # removed or unreadable while we looked
        return
    for path in paths:
        if _ignored(path.name):
            continue
        name = prefix + path.name
        try:
            if path.is_dir():
                if (depth > 0 or path.name in DATASET_FILES) and depth < _MAX_DEPTH:
                    _add_files(path, name + "/", state, depth=depth + 1)
                continue
            if not path.is_file():
                continue
            stat = path.stat()
        except OSError:  # removed while we looked
            continue
        state[name] = (stat.st_size, stat.st_mtime_ns)


#: Partition folders nest a few deep (``shipments/year=2024/month=05/``); a
#: link that loops stops here.
_MAX_DEPTH = 8


def changed_files(before: Mapping[str, FileStamp], after: Mapping[str, FileStamp]) -> list[str]:
    """List the files added, removed or modified between two states, sorted by name."""
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


class DataWatcher:
    """Rebuild when a data set changes; one :meth:`poll` per look at the folder.

    Parameters
    ----------
    dataset
        The data set folder.
    rebuild
        Builds the maps; whatever it raises (but an interrupt) is printed and
        the watch goes on: a :class:`shipmap.errors.ShipmapError` or an
        ``OSError`` as one line, anything else (a bug) with its traceback.
    out
        Where messages go (default: standard error).
    """

    def __init__(
        self, dataset: Path, *, rebuild: Callable[[], object], out: TextIO | None = None
    ) -> None:
        self.dataset = dataset
        self.rebuild = rebuild
        self.out = out
        self._seen = data_state(dataset)
        self._built = dict(self._seen)

    def _print(self, text: str) -> None:
        print(text, file=self.out or sys.stderr, flush=True)

    def build(self) -> bool:
        """Build now; print the problems and return False when the build fails."""
        try:
            self.rebuild()
        except DataError as err:
            for problem in err.problems:
                self._print(str(problem))
            self._print("shipmap: build failed; the output folder is as it was; watching")
            return False
        except ShipmapError as err:
            self._print(f"shipmap: {err}")
            self._print("shipmap: build failed; the output folder is as it was; watching")
            return False
        except OSError as err:
            where = f"{err.filename}: " if err.filename else ""
            self._print(f"shipmap: {where}{err.strerror or err}")
            self._print("shipmap: build failed; the output folder is as it was; watching")
            return False
        except Exception:  # a bug: show it, and keep watching
            self._print(traceback.format_exc().rstrip())
            self._print("shipmap: build failed; the output folder is as it was; watching")
            return False
        return True

    def poll(self) -> list[str] | None:
        """Look at the data set once; rebuild when it changed and has settled.

        Returns the names of the changed files when a build ran (whether it
        succeeded or not), otherwise None.
        """
        state = data_state(self.dataset)
        if state != self._seen:
            self._seen = state  # still changing: build when it holds still
            return None
        if state == self._built:
            return None
        names = changed_files(self._built, state)
        self._built = dict(state)
        self._print(f"shipmap: {', '.join(names)} changed; rebuilding")
        self.build()
        return names


def watch(
    dataset: Path,
    *,
    rebuild: Callable[[], object],
    interval: float = 0.5,
    sleep: Callable[[float], None] | None = None,
    out: TextIO | None = None,
) -> None:
    """Build once, then rebuild whenever the data set changes, until interrupted.

    Ctrl-C (``KeyboardInterrupt``) ends the watch; it propagates to the caller
    so that the command line can say so and exit cleanly. ``sleep`` waits
    between looks (default :func:`time.sleep`).
    """
    pause = sleep or time.sleep
    watcher = DataWatcher(dataset, rebuild=rebuild, out=out)
    watcher.build()
    watcher._print(f"shipmap: watching {dataset} for changes (Ctrl-C to stop)")
    while True:
        pause(interval)
        watcher.poll()
