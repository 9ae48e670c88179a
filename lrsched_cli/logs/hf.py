"""Hugging Face `trainer_state.json`: `log_history` entries with `learning_rate` and `step`
(and `epoch`); evaluation entries, which have no learning rate, are skipped."""
from __future__ import annotations

import json
import os
from array import array

from ..errors import DataError
from ..io._shared import _display, _quote
from .base import Log, check_size, choose_series, head_text, make_log

MAX_JSON_BYTES = 200_000_000


def is_trainer_state(path: str) -> bool:
    return str(path).endswith(".json") and '"log_history"' in head_text(path, 1 << 16) or \
        os.path.basename(str(path)) == "trainer_state.json"


def read_trainer_state(path: str, column: str | None) -> Log:
    name = _display(path)
    check_size(path, name)
    if os.path.getsize(path) > MAX_JSON_BYTES:
        raise DataError(f"{name}: more than {MAX_JSON_BYTES:,} bytes, too large for a trainer_state.json")
    try:
        with open(path, encoding="utf-8") as fh:
            state = json.load(fh)
    except json.JSONDecodeError as exc:
        raise DataError(f"{name}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise DataError(f"{name}: not UTF-8 text") from None
    history = state.get("log_history") if isinstance(state, dict) else None
    if not isinstance(history, list):
        raise DataError(f"{name}: no 'log_history' list (not a Hugging Face trainer_state.json)")
    keys = sorted({k for entry in history if isinstance(entry, dict) for k in entry})
    if not keys:
        raise DataError(f"{name}: the log is empty ('log_history' has no entries)")
    key = choose_series([k for k in keys if k not in ("step", "epoch")] if column is None else keys, column,
                        name, "key")
    steps, values, epochs = array("q"), array("d"), array("d")
    for i, entry in enumerate(history):
        if not isinstance(entry, dict) or key not in entry:
            continue
        value, step = entry[key], entry.get("step")
        where = f"{name}: log_history[{i}]"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
                or value in (float("inf"), float("-inf")):
            raise DataError(f"{where}: {key} {_quote(str(value))} is not a finite number")
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise DataError(f"{where}: step {_quote(str(step))} is not a step (an integer >= 0)")
        values.append(float(value))
        steps.append(step)
        if isinstance(entry.get("epoch"), (int, float)):
            epochs.append(float(entry["epoch"]))
    return make_log(name, key, steps, values, epochs if len(epochs) == len(values) else None)
