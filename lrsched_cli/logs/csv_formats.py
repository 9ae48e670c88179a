"""The CSV dialects of logged learning rates: TensorBoard's export, W&B's export, Lightning's
CSVLogger and any CSV with a step column and an LR column. Each is a `LogFormat` of the registry
in `lrsched_cli.logs`; all stream the file row by row (base.read_csv_series)."""
from __future__ import annotations

import os

from ..io._shared import _display
from .base import EPOCH_NAMES, STEP_NAMES, Log, choose_series, csv_header, find_column, need_step_column, \
    read_csv_series

TENSORBOARD_HEADER = ["Wall time", "Step", "Value"]
WANDB_STEPS = ("Step", "trainer/global_step", "_step", "global_step")
WANDB_EXTRAS = ("__MIN", "__MAX")


def is_tensorboard_csv(path: str) -> bool:
    return csv_header(path) == TENSORBOARD_HEADER


def read_tensorboard_csv(path: str, column: str | None) -> Log:
    """`Wall time,Step,Value`: the Value column is the series (named after the file)."""
    log = read_csv_series(path, value=lambda header: choose_series(header[2:], column or "Value", _display(path)),
                          step=lambda header: 1)
    log.key = os.path.splitext(os.path.basename(path))[0] or "Value"
    log.label = log.key
    return log


def is_wandb_csv(path: str) -> bool:
    header = csv_header(path)
    return bool(header) and header[0] in WANDB_STEPS and any(" - " in h for h in header[1:])


def read_wandb_csv(path: str, column: str | None) -> Log:
    """`Step,<run> - <key>,<run> - <key>__MIN,<run> - <key>__MAX`: the __MIN/__MAX columns are
    W&B's sampling bounds, not series."""
    name = _display(path)

    def value(header: list[str]) -> str:
        names = [h for h in header[1:] if not h.endswith(WANDB_EXTRAS)]
        if column is not None and column not in names:  # '--log-column learning_rate' for 'run - learning_rate'
            tails = [h for h in names if h.partition(" - ")[2] == column]
            if len(tails) == 1:
                return tails[0]
        return choose_series(names, column, name)

    return read_csv_series(path, value=value, step=lambda header: 0, skip_blank=True)


def is_lightning_csv(path: str) -> bool:
    header = csv_header(path)
    return "step" in header and any(h.startswith("lr-") for h in header)


def read_lightning_csv(path: str, column: str | None) -> Log:
    """CSVLogger's metrics.csv: `lr-<Optimizer>` columns (one per parameter group:
    `lr-SGD/pg1`), a row per logging call, so the LR cell is empty on rows of other metrics."""
    name = _display(path)

    def value(header: list[str]) -> str:
        names = [h for h in header if h.startswith("lr-")]
        return choose_series(names if column is None else header, column, name)

    return read_csv_series(path, value=value, step=lambda header: header.index("step"),
                           epoch=lambda header: find_column(header, EPOCH_NAMES), skip_blank=True)


def is_any_csv(path: str) -> bool:
    return len(csv_header(path)) >= 2


def read_any_csv(path: str, column: str | None) -> Log:
    """A step column (step, global_step, iteration, ...) and an LR column (by name, or
    --log-column); rows whose LR cell is empty are skipped."""
    name = _display(path)

    def value(header: list[str]) -> str:
        skip = {h for h in header if h.strip().lower() in STEP_NAMES + EPOCH_NAMES}
        return choose_series([h for h in header if h not in skip] if column is None else header, column, name)

    return read_csv_series(path, value=value, step=lambda header: need_step_column(header, name),
                           epoch=lambda header: find_column(header, EPOCH_NAMES), skip_blank=True)
