"""Logged learning rates: one module per log format, one registry of them.

`read_log(path, column)` finds the format (`detect`, in registry order: the most specific
first) and returns a `Log` (steps as logged, float64 values, restarts flagged). Each format is
one `LogFormat` row below; `FORMATS` feeds the readers, the help text and the tests.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from ..errors import DataError, UsageError
from ..io._shared import _display
from .base import Log, is_lr_name  # noqa: F401 - public here
from . import csv_formats, hf, mlflow, tfevents


@dataclass(frozen=True)
class LogFormat:
    name: str
    what: str
    detect: Callable[[str], bool]
    read: Callable[[str, "str | None"], Log]


FORMATS = (
    LogFormat("tensorboard", "TensorBoard event files (events.out.tfevents.*, or a run folder)",
              tfevents.is_event_file, tfevents.read_events),
    LogFormat("hf", "Hugging Face trainer_state.json (log_history)", hf.is_trainer_state, hf.read_trainer_state),
    LogFormat("tensorboard-csv", "TensorBoard CSV export (Wall time,Step,Value)",
              csv_formats.is_tensorboard_csv, csv_formats.read_tensorboard_csv),
    LogFormat("wandb", "W&B CSV export (Step,<run> - <key>, with __MIN/__MAX)", csv_formats.is_wandb_csv,
              csv_formats.read_wandb_csv),
    LogFormat("lightning", "Lightning CSVLogger metrics.csv (lr-<Optimizer> columns)",
              csv_formats.is_lightning_csv, csv_formats.read_lightning_csv),
    LogFormat("mlflow", "MLflow metric file (timestamp value step lines)", mlflow.is_mlflow_metric,
              mlflow.read_mlflow_metric),
    LogFormat("csv", "any CSV with a step column and an LR column", csv_formats.is_any_csv,
              csv_formats.read_any_csv),
)
NAMES = tuple(f.name for f in FORMATS)


def detect(path: str) -> LogFormat:
    name = _display(path)
    if not isinstance(path, str) or not path.strip():
        raise UsageError(f"--log must be a file name (received {path!r})")
    if not os.path.exists(path):
        raise DataError(f"{name}: no such file")
    if not os.path.isdir(path) and os.path.getsize(path) == 0:
        raise DataError(f"{name}: the log is empty")
    for fmt in FORMATS:
        if fmt.detect(path):
            return fmt
    if os.path.isdir(path):
        raise DataError(f"{name}: a folder without TensorBoard event files")
    raise DataError(f"{name}: not a log lrsched reads; it reads: " + "; ".join(f.what for f in FORMATS))


def read_log(path: str, column: str | None = None) -> Log:
    """The logged learning rate of `path` (`column`: the series, where the file holds several)."""
    if column is not None and not column.strip():
        raise UsageError(f"--log-column must be a name (received {column!r})")
    return detect(path).read(path, column)
