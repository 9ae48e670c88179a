"""Hugging Face `TrainingArguments` as JSON or YAML (the keys of `to_json_string()`, and the YAML
files of TRL/axolotl-style launchers).

The Trainer builds `get_scheduler(lr_scheduler_type, optimizer, num_warmup_steps=
args.get_warmup_steps(N), num_training_steps=N, scheduler_specific_kwargs=lr_scheduler_kwargs)`
(transformers/trainer.py, training_args.py) with N = max_steps when it is positive; the result is
read through lrsched's `hf:` framework, whose translations are proved against transformers.
`get_warmup_steps` (5.x): `int(warmup_steps)` if warmup_steps >= 1, else `ceil(N * warmup_steps)`;
a 4.x file may carry `warmup_ratio` (5.x rejects it): `warmup_steps` if > 0, else
`ceil(N * warmup_ratio)`. With max_steps <= 0 the Trainer runs ceil(num_train_epochs x updates per epoch),
which needs the dataset size (--dataset-size, and --world-size for several devices).
"""
from __future__ import annotations

import json
import math
from typing import Any, Mapping

from .base import Content, Dialect, Reading, fail, translated, unsupported
from .fragments import as_json, proved, refused

#: TrainingArguments' own keys (with their defaults in transformers 5.x), and the launcher spellings.
DEFAULTS = {"learning_rate": 5e-5, "lr_scheduler_type": "linear", "lr_scheduler_kwargs": None, "warmup_steps": 0,
            "num_train_epochs": 3.0, "max_steps": -1, "per_device_train_batch_size": 8,
            "gradient_accumulation_steps": 1, "warmup_ratio": 0.0}
ALIASES = {"lr_scheduler": "lr_scheduler_type", "num_epochs": "num_train_epochs",
           "micro_batch_size": "per_device_train_batch_size"}
MARKERS = ("lr_scheduler_type", "lr_scheduler", "per_device_train_batch_size", "num_train_epochs", "output_dir",
           "micro_batch_size")


def _detect(content: Content) -> str | None:
    data = content.mapping()
    if not isinstance(data, Mapping):
        return "not a JSON or YAML mapping"
    if "learning_rate" in data or any(key in data for key in MARKERS[:3]):
        return None
    return "no learning_rate, lr_scheduler_type or per_device_train_batch_size"


def _value(content: Content, data: Mapping, key: str, kind: type) -> Any:
    """A key as the argument parser reads it: numbers written as text ("5e-5") are numbers."""
    for spelling in (key, *(alias for alias, name in ALIASES.items() if name == key)):
        if spelling in data:
            value = data[spelling]
            break
    else:
        return DEFAULTS[key]
    if value is None:
        return DEFAULTS[key]
    if kind is str:
        if not isinstance(value, str):
            raise fail(content, f"{key} must be text (received {value!r})")
        return value
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        raise fail(content, f"{key} must be a number (received {value!r})") from None
    if kind is int and not number.is_integer():
        raise fail(content, f"{key} must be an integer (received {value!r})")
    return int(number) if kind is int else number


def _kwargs(content: Content, value: Any) -> dict:
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):  # the command line passes it as a JSON string
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise fail(content, f"lr_scheduler_kwargs must be a JSON mapping (received {value!r})") from None
    if not isinstance(value, Mapping):
        raise fail(content, "lr_scheduler_kwargs must be a mapping")
    return dict(value)


def _read(content: Content, overrides: Mapping[str, Any]) -> Reading:
    from ..frameworks import HF_TYPES

    data = content.data()
    reading = Reading("hf-args", content.name, {}, run={"unit": "step"})
    lr = _value(content, data, "learning_rate", float)
    reading.put("base_lr", lr, "learning_rate" if "learning_rate" in data else "the default learning_rate")
    kind = _value(content, data, "lr_scheduler_type", str)
    if kind not in HF_TYPES:
        raise unsupported(content, "lr_scheduler_type", kind, tuple(HF_TYPES))
    reading.put("batch_size", _value(content, data, "per_device_train_batch_size", int), "per_device_train_batch_size")
    reading.put("grad_accum", _value(content, data, "gradient_accumulation_steps", int), "gradient_accumulation_steps")
    total = _total(content, data, reading, overrides)
    warmup = _warmup(content, data, reading, total)
    arguments = [f"num_warmup_steps={warmup}", f"num_training_steps={total}"]
    arguments += [f"{key}={value!r}" for key, value in _kwargs(content, data.get("lr_scheduler_kwargs")).items()]
    text = f"hf:{kind}({', '.join(arguments)})"
    mapping = translated(content, text, overrides.get("base_lr") or lr, "the Trainer")
    mapping["label"] = f"hf-args:{kind}"
    reading.schedule = mapping
    return reading


def _total(content: Content, data: Mapping, reading: Reading, overrides: Mapping[str, Any]) -> int:
    steps = _value(content, data, "max_steps", int)
    if steps > 0:
        reading.put("max_steps", steps, "max_steps")
        reading.put("steps", steps, "max_steps")
        return steps
    if steps == 0:  # set_initial_training_values counts from the epochs only when max_steps < 0
        raise fail(content, "max_steps is 0: the Trainer derives the run from num_train_epochs only when max_steps "
                            "is negative (-1, its default); set max_steps, or -1 to train by epochs")
    return _total_from_epochs(content, data, reading, overrides, steps)


def _total_from_epochs(content: Content, data: Mapping, reading: Reading, overrides: Mapping[str, Any],
                       steps: int) -> int:
    """max_steps < 0: the Trainer's own count, ceil(num_train_epochs x updates per epoch), the updates
    per epoch from the dataset as Accelerate shards it (core/geometry.py has the Trainer's rule).
    The command line's geometry beats the file's batch and accumulation; 4.x (warmup_ratio) floors
    the accumulation."""
    from ..core.geometry import GeometryError, derive

    epochs = _value(content, data, "num_train_epochs", float)
    given = {key: overrides.get(key) for key in ("dataset_size", "steps_per_epoch", "world_size", "accum_rule")}
    if given["dataset_size"] is None and given["steps_per_epoch"] is None:
        raise fail(content, f"max_steps is {steps}, so the Trainer runs num_train_epochs ({epochs:g}) x the updates "
                            "per epoch, which need the dataset: give --dataset-size (the training samples; "
                            "--world-size for several devices), or --steps-per-epoch, or set max_steps")
    given["batch_size"] = overrides.get("batch_size") or _value(content, data, "per_device_train_batch_size", int)
    given["grad_accum"] = overrides.get("grad_accum") or _value(content, data, "gradient_accumulation_steps", int)
    given["drop_last"] = overrides.get("drop_last") or bool(data.get("dataloader_drop_last", False))
    if given["accum_rule"] is None and "warmup_ratio" in data:
        given["accum_rule"] = "floor"  # transformers 4.x: len(dataloader) // gradient_accumulation_steps
    try:
        run = derive({**given, "epochs": epochs}, name=lambda key: _SPELLINGS.get(key, f"--{key.replace('_', '-')}"))
    except GeometryError as exc:
        raise fail(content, str(exc)) from None
    reading.put("epochs", epochs, "num_train_epochs")
    reading.put("steps", run.total, f"num_train_epochs x updates per epoch, as the Trainer counts them "
                                    f"({'; '.join(run.lines)})")
    reading.notes.extend(run.notes)
    return run.total


#: The file's spelling of the geometry it holds, for the geometry's messages.
_SPELLINGS = {"epochs": "num_train_epochs", "batch_size": "per_device_train_batch_size",
              "grad_accum": "gradient_accumulation_steps", "drop_last": "dataloader_drop_last"}


def _warmup(content: Content, data: Mapping, reading: Reading, total: int) -> int:
    steps = _value(content, data, "warmup_steps", float)
    if "warmup_ratio" in data:  # transformers 4.x: warmup_steps wins when positive
        ratio = _value(content, data, "warmup_ratio", float) or 0.0
        reading.notes.append("warmup_ratio is a transformers 4.x key (5.x rejects it): read as 4.x does, "
                             "warmup_steps if > 0, else ceil(max_steps x warmup_ratio)")
        if steps > 0:
            return int(steps)
        reading.put("warmup_ratio", ratio, "warmup_ratio")
        return math.ceil(total * ratio)
    if steps < 0:
        raise fail(content, f"warmup_steps must be >= 0 (received {steps!r})")
    if steps >= 1:
        return int(steps)
    if steps > 0:
        reading.put("warmup_ratio", steps, "warmup_steps (a float below 1 is a ratio)")
    return math.ceil(total * steps)


# -- writing (export --to hf-args) ------------------------------------------------------------

HOLDS = ("what transformers' get_scheduler types compute (constant, linear, cosine, cosine_with_min_lr, "
         "cosine_with_restarts, polynomial, inverse_sqrt, warmup_stable_decay) after a linear warmup from 0, "
         "with the decay ending at max_steps")


def _write(schedule: Any, steps: int) -> str:
    """TrainingArguments keys that make the Trainer build `schedule` for a run of `steps` updates:
    the Trainer passes max_steps as num_training_steps, so the schedule must end where the run does."""
    from ..frameworks.hf import _hf_native

    native = _hf_native(schedule)
    if native is None:
        return proved(DIALECT, [], schedule, steps, HOLDS)
    kind, warmup, total, kwargs = native
    if total is not None and total != steps:
        raise refused("hf-args", f"the Trainer passes max_steps as the scheduler's num_training_steps, so the "
                                 f"run ends where the {kind} schedule does (at {total} steps, not {steps}); "
                                 f"export with --steps {total}")
    args: dict[str, Any] = {"learning_rate": float(schedule.params["max_lr"]), "lr_scheduler_type": kind,
                            "warmup_steps": warmup, "max_steps": steps}
    if kwargs:
        args["lr_scheduler_kwargs"] = kwargs
    return proved(DIALECT, [as_json(args)], schedule, steps, HOLDS)


DIALECT = Dialect(
    name="hf-args",
    summary="Hugging Face TrainingArguments as JSON or YAML (also TRL/axolotl launcher files)",
    detect=_detect,
    read=_read,
    reads=("learning_rate", "lr_scheduler_type (lr_scheduler)", "lr_scheduler_kwargs",
           "warmup_steps (a float below 1 is a ratio)", "warmup_ratio (4.x)", "max_steps",
           "num_train_epochs (num_epochs)", "per_device_train_batch_size (micro_batch_size)",
           "gradient_accumulation_steps", "dataloader_drop_last"),
    ignores=("every other TrainingArguments key (output_dir, logging, saving, evaluation, optimizer betas)",),
    write=_write,
)
