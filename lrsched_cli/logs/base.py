"""What every log reader shares: the `Log` it returns, the choice of the LR series, and a
streamed reader of CSV tables.

A log keeps the steps as logged: sparse (every k steps), possibly float32, possibly with
restarts (a resumed run logs steps it logged before). Every problem is a one-line `DataError`
naming the file (and the line where there is one).
"""
from __future__ import annotations

import csv
import os
import re
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..errors import DataError
from ..io._shared import _display, _quote, finite_number, stat_input

#: Log files larger than this are refused before reading (a 1,000,000-row CSV is about 40 MB).
MAX_LOG_BYTES = 1_000_000_000
#: Names of an LR series, lower case; a name that ends in one of these, after '/', ' - ' or
#: 'lr-', counts too ('train/learning_rate', 'run-3 - lr', 'lr-AdamW').
LR_NAMES = ("lr", "learning_rate", "learning-rate", "learningrate", "learning rate", "lr_0", "lr0")
STEP_NAMES = ("step", "global_step", "trainer/global_step", "_step", "iteration", "iter", "steps")
EPOCH_NAMES = ("epoch", "epochs")


@dataclass
class Log:
    """A logged learning rate: the steps and values as the file holds them, in file order."""

    name: str                 # the file, as shown in messages
    key: str                  # the series read (a column, a tag, a metric key)
    steps: Any                # int64 array, as logged
    values: Any               # float64 array (each value exactly as logged)
    epochs: Any = None        # float64 array where the file has an epoch, else None
    restarts: list[int] = field(default_factory=list)  # indices where the steps go back
    notes: list[str] = field(default_factory=list)     # what the reader decided, for stderr
    label: str = ""

    def __post_init__(self) -> None:
        import numpy as np

        if not self.label:
            self.label = f"{os.path.basename(self.name) or self.name}: {self.key}"
        if not self.restarts and len(self.steps) > 1:
            back = np.flatnonzero(np.diff(self.steps) <= 0)
            self.restarts = [int(i) + 1 for i in back]
            if self.restarts:
                first = self.restarts[0]
                self.notes.append(
                    f"{self.name}: the steps go back from {int(self.steps[first - 1])} to "
                    f"{int(self.steps[first])} (entry {first + 1}){_more(len(self.restarts) - 1)}: read as a "
                    "restart (a resumed run); the later values of a step replace the earlier ones")

    @property
    def float32(self) -> bool:
        """Every value is exactly a float32 (logged in single precision)."""
        import numpy as np

        return bool(np.array_equal(self.values.astype(np.float32).astype(np.float64), self.values))

    def latest(self) -> tuple[Any, Any]:
        """(steps, values) sorted by step, one value per step: where a resumed run logged a step
        again, its last value."""
        import numpy as np

        steps = self.steps[::-1]
        unique, first = np.unique(steps, return_index=True)  # first in reversed order = last logged
        return unique, self.values[::-1][first]


def _more(count: int) -> str:
    return f" and {count} more time{'s' if count != 1 else ''}" if count else ""


def make_log(name: str, key: str, steps: array, values: array, epochs: array | None = None,
             notes: list[str] | None = None) -> Log:
    import numpy as np

    if not len(values):
        raise DataError(f"{name}: the log has no {key!s} values")
    epoch_array = np.frombuffer(epochs, dtype=np.float64).copy() if epochs is not None and len(epochs) else None
    return Log(name, key, np.frombuffer(steps, dtype=np.int64).copy(),
               np.frombuffer(values, dtype=np.float64).copy(), epoch_array, notes=list(notes or []))


def is_lr_name(name: str) -> bool:
    low = name.strip().lower()
    if low in LR_NAMES:
        return True
    for tail in re.split(r"/| - |\blr-", low)[1:]:
        if tail in LR_NAMES:
            return True
    return low.startswith("lr-") or low.startswith("lr/") or low.endswith("/lr")


def choose_series(names: list[str], wanted: str | None, name: str, what: str = "column") -> str:
    """The LR series among `names`: `wanted` (exactly, or without regard to case), else the one
    whose name says learning rate. Refuses, listing what there is, when none or several do."""
    from ..core.registry import did_you_mean

    shown = ", ".join(_quote(n) for n in names[:20]) + (f", ... ({len(names) - 20} more)" if len(names) > 20 else "")
    if wanted is not None:
        if wanted in names:
            return wanted
        same = [n for n in names if n.lower() == wanted.lower()]
        if len(same) == 1:
            return same[0]
        hint = did_you_mean(wanted[:100], names)
        raise DataError(f"{name}: no {what} named {_quote(wanted)} ({what}s: {shown}){hint}")
    found = [n for n in names if is_lr_name(n)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise DataError(f"{name}: no learning-rate {what} ({what}s: {shown}); choose one with --log-column NAME")
    listed = ", ".join(_quote(n) for n in found[:10])
    raise DataError(f"{name}: several learning-rate {what}s ({listed}); choose one with --log-column NAME")


def check_size(path: str | os.PathLike[str], name: str) -> None:
    st = stat_input(path, name, DataError)
    if st.st_size > MAX_LOG_BYTES:
        raise DataError(f"{name}: {st.st_size:,} bytes, more than the {MAX_LOG_BYTES:,} a log may have")
    if st.st_size == 0:
        raise DataError(f"{name}: the log is empty")


def open_text(path: str | os.PathLike[str], name: str) -> Any:
    check_size(path, name)
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(f"{name}: cannot read: {exc.strerror or exc}") from None


def head_text(path: str | os.PathLike[str], size: int = 4096) -> str:
    """The first bytes of a file as text (for detection); '' when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return fh.read(size).decode("utf-8-sig", errors="replace")
    except OSError:
        return ""


def csv_header(path: str | os.PathLike[str]) -> list[str]:
    """The first row of a CSV, or [] (for detection)."""
    first = head_text(path).splitlines()[:1]
    if not first or "," not in first[0]:
        return []
    return [cell.strip() for cell in next(csv.reader(first))]


def step_number(cell: str, name: str, line: int, column: str) -> int:
    value = finite_number(cell, name, line, column)
    if not value.is_integer() or value < 0:
        raise DataError(f"{name}: line {line}: {column}: {_quote(cell)} is not a step (an integer >= 0)")
    return int(value)


def find_column(header: list[str], names: tuple[str, ...]) -> int | None:
    low = [h.strip().lower() for h in header]
    for wanted in names:
        if wanted in low:
            return low.index(wanted)
    return None


def read_csv_series(path: str | os.PathLike[str], *, value: Callable[[list[str]], str],
                    step: Callable[[list[str]], int | None], epoch: int | None | Callable = None,
                    skip_blank: bool = False) -> Log:
    """Stream a CSV with a header: the LR column `value(header)` against the step column
    `step(header)` (None: the row number from 0). Rows with the LR cell empty are skipped when
    `skip_blank` (Lightning writes one row per logged metric)."""
    name = _display(path)
    with open_text(path, name) as fh:
        reader = csv.reader(fh)
        rows = _rows(reader, name)
        header = next(rows, None)
        if header is None:
            raise DataError(f"{name}: the log is empty")
        header = [cell.strip() for cell in header[1]]
        key = value(header)
        v_index, s_index = header.index(key), step(header)
        e_index = epoch(header) if callable(epoch) else epoch
        steps, values, epochs = array("q"), array("d"), array("d")
        step_label = _quote(header[s_index]) if s_index is not None else ""
        for line, cells in rows:
            cell = cells[v_index].strip() if v_index < len(cells) else ""
            if not cell:
                if skip_blank:
                    continue
                raise DataError(f"{name}: line {line}: no value in column {_quote(key)}")
            values.append(finite_number(cell, name, line, f"column {_quote(key)}"))
            if s_index is None:
                steps.append(len(steps))
            else:
                text = cells[s_index].strip() if s_index < len(cells) else ""
                if not text:
                    raise DataError(f"{name}: line {line}: no step in column {step_label}")
                steps.append(step_number(text, name, line, f"column {step_label}"))
            if e_index is not None and e_index < len(cells) and cells[e_index].strip():
                epochs.append(finite_number(cells[e_index].strip(), name, line, f"column {_quote(header[e_index])}"))
        if len(epochs) != len(values):
            epochs = None
        if not len(values):
            raise DataError(f"{name}: column {_quote(key)} has no values (the log is empty)")
        return make_log(name, key, steps, values, epochs)


def _rows(reader: Any, name: str) -> Iterator[tuple[int, list[str]]]:
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            yield reader.line_num, cells
    except csv.Error as exc:
        raise DataError(f"{name}: line {reader.line_num}: {' '.join(str(exc).split())}") from None
    except UnicodeDecodeError:
        raise DataError(f"{name}: not UTF-8 text") from None


def need_step_column(header: list[str], name: str) -> int:
    index = find_column(header, STEP_NAMES)
    if index is None:
        shown = ", ".join(_quote(h) for h in header[:20])
        raise DataError(f"{name}: no step column (columns: {shown}); name it 'step'")
    return index
