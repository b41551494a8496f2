"""The errors a user can act on.

Every error shipmap raises on purpose derives from :class:`ShipmapError`; the CLI
catches that base class only, prints one line per problem and exits with status 1.
A bug still shows its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "AmbiguousPlaceError",
    "DataError",
    "PlaceNotFoundError",
    "Problem",
    "ShipmapError",
]


class ShipmapError(Exception):
    """Base class of every error a user can act on."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a data set, located as precisely as it can be.

    Parameters
    ----------
    file
        File name relative to the data set folder, e.g. ``legs.csv``.
    line
        1-based line number in that file (the header is line 1), or ``None``.
    column
        Column (or TOML key) the problem is in, or ``None``.
    message
        What is wrong, and the fix where there is one.
    row_group
        For a Parquet file: the row group (from 0) the row is in; ``line`` is
        then the row's position within that row group (from 0), as
        ``pyarrow.parquet.ParquetFile(file).read_row_group(row_group)`` numbers them.
    """

    file: str
    line: int | None
    column: str | None
    message: str
    row_group: int | None = None

    def __str__(self) -> str:
        if self.row_group is not None:
            where = f"{self.file}: row group {self.row_group}, row {self.line}"
        else:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.column:
            # A column name is the user's text: one that holds a line break or
            # another unprintable character is quoted, so a problem stays one line.
            column = self.column if self.column.isprintable() else repr(self.column)
            return f"{where}: {column}: {_one_line(self.message)}"
        return f"{where}: {_one_line(self.message)}"


def _one_line(text: str) -> str:
    return (
        text
        if "\n" not in text and "\r" not in text
        else text.replace("\r", " ").replace("\n", " ")
    )


class DataError(ShipmapError, ValueError):
    """A data set breaks the contract; carries every problem found in one pass."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(set(problems), key=_problem_order)
        super().__init__("\n".join(str(p) for p in self.problems))


def _problem_order(p: Problem) -> tuple[str, int, int, str, str]:
    return (p.file, p.row_group or 0, p.line or 0, p.column or "", p.message)


class PlaceNotFoundError(ShipmapError, LookupError):
    """A name that the gazetteer cannot place with certainty.

    ``candidates`` lists what was considered (for ambiguous names) and
    ``suggestions`` near spellings ("did you mean").
    """

    def __init__(
        self,
        message: str,
        *,
        name: str,
        candidates: Sequence[str] = (),
        suggestions: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.candidates = list(candidates)
        self.suggestions = list(suggestions)
        super().__init__(message)


class AmbiguousPlaceError(PlaceNotFoundError):
    """A name that matches several far-apart places, none of them dominant."""
