"""MLflow metric files, `mlruns/<exp>/<run>/metrics/<key>`: one `timestamp value step` line per
logged value, read as a stream. The series is named after the file (the metric's key)."""
from __future__ import annotations

import os
from array import array

from ..errors import DataError
from ..io._shared import _display, finite_number
from .base import Log, head_text, make_log, open_text, step_number


def is_mlflow_metric(path: str) -> bool:
    lines = [line for line in head_text(path).splitlines() if line.strip()][:1]
    if not lines or "," in lines[0]:
        return False
    cells = lines[0].split()
    try:
        return len(cells) == 3 and float(cells[0]).is_integer() and [float(c) for c in cells] is not None
    except ValueError:
        return False


def read_mlflow_metric(path: str, column: str | None) -> Log:
    name = _display(path)
    key = os.path.basename(str(path).rstrip("/")) or "metric"
    if column is not None and column != key:
        raise DataError(f"{name}: an MLflow metric file holds one series, {key!r}; "
                        f"--log-column {column!r} names another (give the file of that metric)")
    steps, values = array("q"), array("d")
    with open_text(path, name) as fh:
        try:
            for line_number, line in enumerate(fh, 1):
                cells = line.split()
                if not cells:
                    continue
                if len(cells) != 3:
                    raise DataError(f"{name}: line {line_number}: expected 'timestamp value step', "
                                    f"found {len(cells)} field{'s' if len(cells) != 1 else ''}")
                values.append(finite_number(cells[1], name, line_number, "value"))
                steps.append(step_number(cells[2], name, line_number, "step"))
        except UnicodeDecodeError:
            raise DataError(f"{name}: not UTF-8 text") from None
    return make_log(name, key, steps, values)
