"""`check` and `diff`: schedules against a committed export, or against each other.

`read_export` reads what `export` writes (CSV with its index column, JSON with its schedules);
`differences` says where two series differ and by how much. numpy only, no printing.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .._lazy import lazy_import
from ..errors import DataError, UsageError

np = lazy_import("numpy")

EXPORT_SUFFIXES = (".csv", ".json")
MAX_RANGES = 5  # ranges of differing steps shown; the count says how many more


@dataclass
class Exported:
    """The series of an exported file: its unit (the index column's name), labels and values."""

    name: str
    unit: str
    labels: list[str]
    columns: list[Any]

    @property
    def steps(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def is_export(text: str) -> bool:
    return text.lower().endswith(EXPORT_SUFFIXES)


def read_export(path: str) -> Exported:
    """An export's series; DataError (one line) for a file that is not one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if path.lower().endswith(".json"):
        return _from_json(path, text)
    return _from_csv(path, text)


def _from_json(path: str, text: str) -> Exported:
    try:
        data = json.loads(text)
        schedules = data["schedules"]
        labels, columns = [], []
        for schedule in schedules:
            for label, values in _json_columns(schedule):
                labels.append(label)
                columns.append(np.asarray(values, dtype=np.float64))
        unit = str(data.get("unit", "step"))
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: not a file written by 'lrsched export --format json' ({_reason(exc)})") from None
    if not columns or len({c.size for c in columns}) != 1 or columns[0].ndim != 1:
        raise DataError(f"{path}: expected schedules with values of one length")
    return Exported(path, unit, labels, columns)


def _json_columns(schedule: dict) -> list[tuple[str, Any]]:
    """A JSON schedule's columns named as the CSV names them (io/output.py named_columns): its LR,
    or one `<label>[g]` per parameter group instead, then `<label>:<series>` for momentum and the
    like."""
    label = str(schedule["label"])
    groups = schedule.get("group_values") or []
    lrs = [(f"{label}[{g}]", values) for g, values in enumerate(groups)] or [(label, schedule["values"])]
    return lrs + [(f"{label}:{key}", values) for key, values in (schedule.get("series") or {}).items()]


def _from_csv(path: str, text: str) -> Exported:
    lines = text.splitlines()
    header = next(csv.reader(lines[:1]), [])
    if len(header) < 2:
        raise DataError(f"{path}: expected a header 'index,label,...' as 'lrsched export' writes")
    try:
        data = np.loadtxt(lines[1:], delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise DataError(f"{path}: not a file written by 'lrsched export' ({_reason(exc)})") from None
    if data.shape[0] == 0 or data.shape[1] != len(header):
        raise DataError(f"{path}: expected {len(header)} numbers on each row, as its header says")
    if not np.array_equal(data[:, 0], np.arange(data.shape[0])):
        raise DataError(f"{path}: the index column {header[0]!r} must count 0, 1, 2, ...")
    return Exported(path, header[0], header[1:], [data[:, i].copy() for i in range(1, len(header))])


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__


# -- pairing and comparing -----------------------------------------------------------------------

def pair(left: Sequence[str], right: Sequence[str], what: str) -> list[tuple[int, int]]:
    """Indices of matching series: one and one, or by label (all of the left must be found)."""
    if len(left) == 1 and len(right) == 1:
        return [(0, 0)]
    from ..core.registry import did_you_mean

    pairs = []
    for i, label in enumerate(left):
        if label not in right:
            hint = did_you_mean(label, right) or f"; it has: {', '.join(right)}"
            raise UsageError(f"{what} has no schedule labelled {label!r}{hint}")
        pairs.append((i, list(right).index(label)))
    return pairs


@dataclass
class Difference:
    """Where two series differ: `a` is the one evaluated (or the first), `b` the other."""

    steps: int  # compared: the shorter length
    lengths: tuple[int, int]
    count: int  # steps that differ
    first: int | None
    first_values: tuple[float, float] | None
    largest: float  # the largest absolute difference
    largest_at: int | None
    largest_relative: float
    relative_at: int | None
    ranges: list[tuple[int, int]]  # (first, last) step of each run of differing steps
    area: tuple[float, float]  # sum of each over the compared steps

    @property
    def equal(self) -> bool:
        return self.count == 0 and self.lengths[0] == self.lengths[1]


def differences(a: Any, b: Any, rtol: float = 0.0, atol: float = 0.0) -> Difference:
    """Compare a with b step by step: equal where |a - b| <= atol + rtol * |b| (exactly equal by
    default). Only the steps both have are compared; `lengths` tells when one is longer."""
    lengths = (int(a.size), int(b.size))
    n = min(lengths)
    a, b = a[:n], b[:n]
    with np.errstate(all="ignore"):
        gap = np.abs(a - b)
        differ = ~(gap <= atol + rtol * np.abs(b)) & ~((a == b) | (np.isnan(a) & np.isnan(b)))
        where = np.flatnonzero(differ)
        count = int(where.size)
        first = int(where[0]) if count else None
        largest_at = int(where[np.argmax(gap[where])]) if count else None
        scale = np.maximum(np.abs(a[where]), np.abs(b[where]))
        relative = np.where(scale > 0, gap[where] / np.where(scale > 0, scale, 1), 0.0)
        relative_at = int(where[np.argmax(relative)]) if count else None
        area = (float(np.add.reduce(a)), float(np.add.reduce(b)))
    return Difference(n, lengths, count, first, (float(a[first]), float(b[first])) if count else None,
                      float(gap[largest_at]) if count else 0.0, largest_at,
                      float(relative.max()) if count else 0.0, relative_at, _ranges(where), area)


def _ranges(where: Any) -> list[tuple[int, int]]:
    """Runs of consecutive steps, as (first, last)."""
    if where.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(where) != 1)
    starts = np.concatenate([[where[0]], where[breaks + 1]])
    ends = np.concatenate([where[breaks], [where[-1]]])
    return [(int(s), int(e)) for s, e in zip(starts, ends)]


def ranges_text(ranges: list[tuple[int, int]]) -> str:
    shown = ", ".join(f"{s}" if s == e else f"{s}-{e}" for s, e in ranges[:MAX_RANGES])
    more = len(ranges) - MAX_RANGES
    return shown + (f" and {more} more range{'s' if more > 1 else ''}" if more > 0 else "")


def number(value: float) -> str:
    """Full precision: a check that fails on the 17th digit must show it."""
    return repr(float(value)) if math.isfinite(value) else str(value)


def pair_sides(left: Exported, right: Exported) -> list[tuple[int, int]]:
    """The series of two sides to compare: one and one, by label when every label matches, else
    in order when both have as many."""
    if set(left.labels) <= set(right.labels) or len(left.labels) != len(right.labels):
        return pair(left.labels, right.labels, right.name)
    return list(zip(range(len(left.labels)), range(len(right.labels))))


# -- a logged learning rate as a side: lrsched diff A LOG, diff A --log LOG -----------------------

CONFIG_SUFFIXES = (".yaml", ".yml")


def is_log_side(text: str) -> bool:
    """Whether a diff side names a logged learning rate rather than a config, an export or a
    schedule: an existing file or folder that a log format of lrsched_cli.logs reads. A plain CSV
    is a log when its columns are named as learning rates ('step,lr'), or when its index does not
    start 0, 1 as an export's does (read from the file's head only: an export is read once)."""
    import os

    from ..errors import LrschedError
    from ..logs import detect, is_lr_name
    from ..logs.base import csv_header, head_text

    if text.lower().endswith(CONFIG_SUFFIXES) or not os.path.exists(text):
        return False
    try:
        fmt = detect(text)
    except LrschedError:
        return False
    if fmt.name != "csv":  # a dialect of its own: trainer_state.json, W&B, Lightning, events, ...
        return True
    if not text.lower().endswith(".csv"):
        return False
    if all(is_lr_name(label) for label in csv_header(text)[1:]):
        return True
    rows = head_text(text).splitlines()[1:3]
    index = [row.split(",", 1)[0].strip() for row in rows]
    return bool(index) and index not in (["0", "1"], ["0"])


def log_ranges(steps: Any, relative: Any, tolerance: float) -> list[tuple[int, int]]:
    """Runs of consecutive logged steps whose relative difference is beyond the tolerance, as
    (first step, last step)."""
    where = np.flatnonzero(relative > tolerance)
    return [(int(steps[s]), int(steps[e])) for s, e in _ranges(where)]


@dataclass
class LogPair:
    """Two logs on the steps both logged: `a` and `b` are their values there."""

    steps: Any
    a: Any
    b: Any
    relative: Any
    tolerance: float

    @property
    def ranges(self) -> list[tuple[int, int]]:
        return log_ranges(self.steps, self.relative, self.tolerance)

    @property
    def count(self) -> int:
        return int(np.count_nonzero(self.relative > self.tolerance))


def compare_logs(a: Any, b: Any, tolerance: float) -> LogPair:
    """Two logs (logs.Log) on the steps both logged, each step's latest value."""
    from ..core.align import relative

    a_steps, a_values = a.latest()
    b_steps, b_values = b.latest()
    steps, i, j = np.intersect1d(a_steps, b_steps, assume_unique=True, return_indices=True)
    return LogPair(steps, a_values[i], b_values[j], relative(a_values[i], b_values[j]), tolerance)
