"""Metric files (CSV, TSV or whitespace-separated) read as one float64 column.

Every problem is a one-line `DataError` naming the file and line:
``loss.csv: line 7: column 'loss': 'abc' is not a number``.
"""
from __future__ import annotations

import io
import os
import re
from array import array
from dataclasses import dataclass
from typing import Any, Iterator

from ..errors import DataError
from ._shared import _decode_utf8, _display, _one_line, _quote, _read_limited, finite_number

MAX_METRIC_BYTES = 100_000_000



def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _content_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(io.StringIO(text, newline="\n"), 1):  # lazily: no list of lines
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, line.rstrip("\n")


def _records(text: str, delimiter: str | None, name: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every row that is not blank or a comment, one at a time."""
    if delimiter is None:
        for number, line in _content_lines(text):
            yield number, line.split()
        return
    import csv

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            cells = [cell.strip() for cell in cells]
            if not any(cells) or cells[0].startswith("#"):
                continue
            yield reader.line_num, cells
    except csv.Error as exc:
        raise DataError(f"{name}: line {reader.line_num}: {_one_line(str(exc))}") from None


@dataclass
class _Table:
    """The shape of a metric file, found in one pass; `rows()` streams its data rows again, so
    reading a column holds its floats, never every row's cells (a 10 MB file took 2.1 GB)."""

    text: str
    name: str
    delimiter: str | None
    header: list[str] | None
    ncols: int
    count: int
    one_column: bool

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        records = _records(self.text, self.delimiter, self.name)
        if self.header is not None:
            next(records)
        if not self.one_column:
            yield from records
            return
        for number, cells in records:
            for cell in cells:
                yield number, [cell]


def _parse_table(text: str, name: str) -> _Table:
    """The optional header, the width and the number of data rows of `text`."""
    first = next(_content_lines(text), None)
    if first is None:
        raise DataError(f"{name}: file has no data (only comments)")
    delimiter = "," if "," in first[1] else "\t" if "\t" in first[1] else None
    records = _records(text, delimiter, name)
    head = next(records, None)
    if head is None:
        raise DataError(f"{name}: file has no data (only empty rows)")
    header = None if any(_is_number(cell) for cell in head[1]) else head[1]
    widths: set[int] = set() if header is not None else {len(head[1])}
    count = 0 if header is not None else 1
    for _, cells in records:
        widths.add(len(cells))
        count += 1
    one_column = False
    if delimiter is None:
        # Whitespace-separated text: a table if every row has the same width (>= 2) and there
        # are several rows, e.g. numpy.savetxt output; otherwise one column of numbers,
        # separated by any whitespace.
        is_table = (count >= 2 and len(widths) == 1 and min(widths) >= 2
                    and (header is None or len(header) == min(widths)))
        one_column = not is_table and (header is None or len(header) == 1)
    ncols = len(header) if header is not None else 1 if one_column else max(widths, default=0)
    return _Table(text, name, delimiter, header, ncols, count, one_column)


def _column_index(column: str | int | None, header: list[str] | None, ncols: int,
                  name: str) -> int:
    if column is None:
        if header is not None:
            return len(header) - 1
        if ncols == 1:
            return 0
        raise DataError(f"{name}: has {ncols} columns and no header row; "
                        f"choose a column by 0-based index (0-{ncols - 1})")
    if isinstance(column, str):
        wanted = column.strip()
        if header is not None and wanted in header:
            return header.index(wanted)
        if re.fullmatch(r"[-+]?[0-9]{1,18}", wanted):
            column = int(wanted)
        elif header is None:
            raise DataError(f"{name}: has no header row, so there is no column named "
                            f"{_quote(column)}; choose a column by 0-based index (0-{ncols - 1})")
        else:
            from ..core.registry import did_you_mean

            same_but_case = {h.lower(): h for h in header}.get(wanted.lower())
            hint = (f"; did you mean {_quote(same_but_case)}?" if same_but_case
                    else did_you_mean(wanted[:100], header))
            shown = ", ".join(_quote(h) for h in header[:20])
            if len(header) > 20:
                shown += f", ... ({len(header) - 20} more)"
            raise DataError(f"{name}: no column named {_quote(column)} (columns: {shown}){hint}")
    if isinstance(column, bool) or not isinstance(column, int):
        raise TypeError(f"column must be a name, an index or None, not {type(column).__name__}")
    if not -ncols <= column < ncols:
        raise DataError(f"{name}: column index {column} is out of range; the file has "
                        f"{ncols} column{'s' if ncols != 1 else ''} (0-{ncols - 1})")
    return column % ncols


def read_metric_column(path: str | os.PathLike[str], column: str | int | None = None, *,
                       skip_empty: bool = False, max_bytes: int = MAX_METRIC_BYTES) -> Any:
    """Read one numeric column of a CSV (or TSV / whitespace-separated) file as float64.

    * The header row is optional: the first row is a header if none of its cells is a number.
    * `column`: a header name, or a 0-based index (negative counts from the end; a string of
      digits that is not a header name is taken as an index). Default: the last column if
      there is a header, else the only column.
    * Blank lines and lines starting with `#` are ignored. A file without commas or tabs is
      whitespace-separated: a table if all rows have the same width, else one column.
    * Empty cells are an error unless `skip_empty` (then those rows are left out).
    Raises `DataError` (one line, naming the file) for anything unreadable or non-finite.
    """
    import numpy as np

    name = _display(path)
    data = _read_limited(path, name, limit=max_bytes, what="metric files", error=DataError)
    text = _decode_utf8(data, name, DataError)
    if not text.strip():
        raise DataError(f"{name}: file is empty")
    table = _parse_table(text, name)
    header = table.header
    if not table.count:
        raise DataError(f"{name}: no data rows after the header")
    index = _column_index(column, header, table.ncols, name)
    label = f"column {_quote(header[index])}" if header is not None else f"column {index}"

    values = array("d")
    for number, cells in table.rows():
        cell = cells[index].strip() if index < len(cells) else ""
        if not cell:
            if skip_empty:
                continue
            if index >= len(cells):
                raise DataError(f"{name}: line {number}: no value for {label} "
                                f"(the row has {len(cells)} field{'s' if len(cells) != 1 else ''})")
            raise DataError(f"{name}: line {number}: empty value in {label}")
        values.append(finite_number(cell, name, number, label))
    if not values:
        raise DataError(f"{name}: {label} has no values")
    return np.frombuffer(values, dtype=np.float64).copy()
