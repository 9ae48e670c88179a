"""All file input and output, by job: `yamlfile` (configs), `metrics` (metric CSVs), `atomic`
(writes that never leave a half-written file). This module keeps the names importable from one
place; every failure is a one-line `LrschedError` subclass naming the file.
"""
from __future__ import annotations

from ._shared import _decode_utf8, _display, _human_size, _one_line, _quote, _read_limited, _reason
from .atomic import atomic_write, atomic_writer
from .metrics import MAX_METRIC_BYTES, read_metric_column
from .yamlfile import (MAX_CONFIG_BYTES, MAX_YAML_ALIASES, MAX_YAML_DEPTH, MAX_YAML_NODES, LineDict,
                       LineList, line_of, load_yaml, loads_yaml)

__all__ = [
    "LineDict",
    "LineList",
    "line_of",
    "load_yaml",
    "loads_yaml",
    "read_metric_column",
    "atomic_write",
    "atomic_writer",
    "MAX_CONFIG_BYTES",
    "MAX_METRIC_BYTES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_NODES",
    "MAX_YAML_DEPTH",
]
