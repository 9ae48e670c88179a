"""Exact renderings of evaluated schedules, one writer per format in `WRITERS` (CSV, JSON)."""
from __future__ import annotations

import csv
import functools
import io
import json
from typing import Any, Mapping, Sequence, TextIO

from ..core.engine import Schedule

CHUNK_ROWS = 65536


def write_csv(stream: TextIO, index_name: str, labels: Sequence[str], columns: Sequence[Any]) -> None:
    """Header, then one row per step: the index and each schedule's value.

    Floats are written as the shortest text that reads back to the same float64: by orjson
    when it is installed (the `fast` extra; several times faster), else by `repr`. The two
    read back to the same values; their text differs for small numbers only ("1e-05" and
    "2.5e-07" by repr are "0.00001" and "2.5e-7" by orjson).
    """
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([index_name, *labels])
    stream.write(header.getvalue())
    rows = len(columns[0]) if columns else 0
    orjson = _orjson()
    for start in range(0, rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, rows)
        chunk = [column[start:stop] for column in columns]
        if orjson is not None and _json_safe(chunk):
            stream.write(_orjson_rows(orjson, start, chunk))
        else:
            stream.write(_repr_rows(start, chunk))


def _repr_rows(start: int, chunk: list[Any]) -> str:
    """CSV lines for rows start, start + 1, ...: one "%r" format per row is the fastest
    pure-Python way (a third faster than joining repr texts)."""
    row = "%d" + ",%r" * len(chunk) + "\n"
    lists = [part.tolist() for part in chunk]
    return "".join(map(row.__mod__, zip(range(start, start + len(lists[0])), *lists)))


def _orjson_rows(orjson: Any, start: int, chunk: list[Any]) -> str:
    """The same lines through orjson: rows dumped as one JSON array of arrays, brackets cut."""
    lists = [part.tolist() for part in chunk]
    data = orjson.dumps(list(zip(range(start, start + len(lists[0])), *lists)))
    return data[2:-2].replace(b"],[", b"\n").decode("ascii") + "\n"


def _json_safe(chunk: list[Any]) -> bool:
    """Float columns without NaN or infinity (orjson would write those as null)."""
    import numpy as np

    return all(part.dtype.kind == "f" and bool(np.isfinite(part).all()) for part in chunk)


@functools.cache
def _orjson() -> Any:
    """The orjson module, or None when it is not installed (it is optional)."""
    try:
        import orjson
    except ImportError:
        return None
    return orjson


def named_columns(schedules: Sequence[Schedule], series: Sequence[Mapping[str, Any]]) -> tuple[list[str], list]:
    """Column names and values of every schedule's series (core.engine.evaluate_series): the LR
    as `<label>`, or one `<label>[g]` per parameter group instead, then `<label>:<name>` for
    each other series (momentum, beta1, weight_decay)."""
    names, columns = [], []
    for schedule, values in zip(schedules, series):
        drawn = lr_keys(values)
        for key in drawn:
            names.append(schedule.label + key[2:])
            columns.append(values[key])
        for key, column in values.items():
            if not key.startswith("lr"):
                names.append(f"{schedule.label}:{key}")
                columns.append(column)
    return names, columns


def lr_keys(values: Mapping[str, Any]) -> list[str]:
    """The keys of a schedule's learning rates: one per parameter group ("lr[g]"), else "lr"."""
    return [key for key in values if key.startswith("lr[")] or ["lr"]


def write_json(stream: TextIO, index_name: str, schedules: Sequence[Schedule],
               columns: Sequence[Any], series: Sequence[Mapping[str, Any]] | None = None) -> None:
    """The same data as the CSV plus each schedule's kind and full parameters; a schedule with
    other series or parameter groups has them under "series" and "group_values"."""
    document = {
        "generator": "lrsched",
        "unit": index_name,
        "steps": len(columns[0]) if columns else 0,
        "schedules": [
            {**schedule.to_mapping(), "values": column.tolist(), **_json_series(values)}
            for schedule, column, values in zip(schedules, columns, series or [{}] * len(columns))
        ],
    }
    json.dump(document, stream, indent=1, allow_nan=False)
    stream.write("\n")


def _json_series(values: Mapping[str, Any]) -> dict[str, Any]:
    others = {key: column.tolist() for key, column in values.items() if key != "lr" and not key.startswith("lr[")}
    groups = [column.tolist() for key, column in values.items() if key.startswith("lr[")]
    return {**({"series": others} if others else {}), **({"group_values": groups} if groups else {})}


def _csv(stream: TextIO, index_name: str, schedules: Sequence[Schedule], columns: Sequence[Any],
         series: Sequence[Mapping[str, Any]] | None = None) -> None:
    if series is not None:
        labels, columns = named_columns(schedules, series)
    else:
        labels = [s.label for s in schedules]
    write_csv(stream, index_name, labels, columns)


#: The writers by format; each takes (stream, index name, schedules, columns) and, optionally,
#: each schedule's series (what core.engine.evaluate_series returns).
WRITERS = {"csv": _csv, "json": write_json}
FORMATS = tuple(WRITERS)


def format_for(path: str, requested: str | None) -> str:
    """The output format: as requested, else from the file's suffix, else CSV."""
    if requested is not None:
        return requested
    return "json" if path.lower().endswith(".json") else "csv"
