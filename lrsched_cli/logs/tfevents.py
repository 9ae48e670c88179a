"""TensorBoard event files (`events.out.tfevents.*`, or a run folder holding them), read with
TensorBoard's own event loader, an optional extra: `pip install 'lrsched[tensorboard]'`."""
from __future__ import annotations

import os
from array import array

from ..errors import DataError
from ..io._shared import _display
from .base import Log, choose_series, make_log

INSTALL = "pip install 'lrsched[tensorboard]'"


def is_event_file(path: str) -> bool:
    if os.path.isdir(path):
        return any("tfevents" in f for _, _, files in os.walk(path) for f in files)
    return "tfevents" in os.path.basename(str(path))


def read_events(path: str, column: str | None) -> Log:
    name = _display(path)
    try:
        from tensorboard.backend.event_processing import event_accumulator
    except ImportError:
        raise DataError(f"{name}: reading TensorBoard event files needs TensorBoard's event loader: "
                        f"{INSTALL}") from None
    if not os.path.exists(path):
        raise DataError(f"{name}: no such file")
    folder = path if os.path.isdir(path) else None
    if folder is not None and not any(f.startswith("events.out.tfevents") for f in os.listdir(folder)):
        runs = sorted({os.path.relpath(root, folder) for root, _, files in os.walk(folder)
                       if any("tfevents" in f for f in files)})
        raise DataError(f"{name}: holds the runs {', '.join(runs[:10])}; give one run's folder")
    loader = event_accumulator.EventAccumulator(path, size_guidance={event_accumulator.SCALARS: 0})
    try:
        loader.Reload()
    except Exception as exc:  # a damaged record: TensorBoard raises its own errors
        raise DataError(f"{name}: cannot read the events: {' '.join(str(exc).split()) or type(exc).__name__}") \
            from None
    tags = loader.Tags().get("scalars", [])
    if not tags:
        raise DataError(f"{name}: the log is empty (no scalars)")
    tag = choose_series(sorted(tags), column, name, "tag")
    steps, values = array("q"), array("d")
    for event in loader.Scalars(tag):
        steps.append(int(event.step))
        values.append(float(event.value))
    return make_log(name, tag, steps, values)
