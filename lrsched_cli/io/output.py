"""Exact renderings of evaluated schedules, one writer per format in `WRITERS` (CSV, JSON)."""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Sequence, TextIO

from ..core.engine import Schedule

CHUNK_ROWS = 65536


def write_csv(stream: TextIO, index_name: str, labels: Sequence[str], columns: Sequence[Any]) -> None:
    """Header, then one row per step: the index and each schedule's value.

    Floats are written with `repr`, the shortest text that reads back to the same float64.
    """
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([index_name, *labels])
    stream.write(header.getvalue())
    rows = len(columns[0]) if columns else 0
    for start in range(0, rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, rows)
        index = map(str, range(start, stop))
        texts = [map(repr, column[start:stop].tolist()) for column in columns]
        stream.write("\n".join(map(",".join, zip(index, *texts))))
        stream.write("\n")


def write_json(stream: TextIO, index_name: str, schedules: Sequence[Schedule],
               columns: Sequence[Any]) -> None:
    """The same data as the CSV plus each schedule's kind and full parameters."""
    document = {
        "generator": "lrsched",
        "unit": index_name,
        "steps": len(columns[0]) if columns else 0,
        "schedules": [
            {**schedule.to_mapping(), "values": column.tolist()}
            for schedule, column in zip(schedules, columns)
        ],
    }
    json.dump(document, stream, indent=1, allow_nan=False)
    stream.write("\n")


def _csv(stream: TextIO, index_name: str, schedules: Sequence[Schedule], columns: Sequence[Any]) -> None:
    write_csv(stream, index_name, [s.label for s in schedules], columns)


#: The writers by format; each takes (stream, index name, schedules, columns).
WRITERS = {"csv": _csv, "json": write_json}
FORMATS = tuple(WRITERS)


def format_for(path: str, requested: str | None) -> str:
    """The output format: as requested, else from the file's suffix, else CSV."""
    if requested is not None:
        return requested
    return "json" if path.lower().endswith(".json") else "csv"
