"""timm's `args.yaml`, the arguments its train.py writes beside every run (and reads back with
`--config`: the file's values become the parser's defaults, so argparse converts each one with
its type, and a YAML `min_lr: 1e-6`, a string to PyYAML, is a float to timm).

train.py sets the lr from `lr_base` when `lr` is None (the global batch over `lr_base_size`,
linear or, for ada*/lamb optimizers or `lr_base_scale: sqrt`, its square root), then
`create_scheduler_v2(**scheduler_kwargs(args))` (timm/scheduler/scheduler_factory.py) builds the
scheduler, stepped at each epoch's end; the schedule is read through lrsched's `timm:` framework,
whose translations are proved against timm. With `sched_on_updates` every length is scaled by the
updates per epoch (from --steps-per-epoch, or --dataset-size as train.py's loader counts it) and
the scheduler is stepped per update (`step_update`, t in updates).
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from .base import Content, Dialect, Reading, dropping_loader_batches, fail, translated, unsupported

#: train.py's defaults (timm 1.0) and the argparse type of each key it reads.
DEFAULTS: dict[str, Any] = {
    "sched": "cosine", "epochs": 300, "lr": None, "lr_base": 0.1, "lr_base_size": 256, "lr_base_scale": "",
    "opt": "sgd", "batch_size": 128, "grad_accum_steps": 1, "warmup_epochs": 5, "warmup_lr": 1e-5, "min_lr": 0.0,
    "decay_epochs": 90.0, "decay_milestones": [90, 180, 270], "decay_rate": 0.1, "cooldown_epochs": 0,
    "patience_epochs": 10, "sched_on_updates": False, "warmup_prefix": False, "lr_cycle_mul": 1.0,
    "lr_cycle_decay": 0.5, "lr_cycle_limit": 1, "lr_k_decay": 1.0, "lr_noise": None,
}
FLOATS = ("lr", "lr_base", "warmup_lr", "min_lr", "decay_epochs", "decay_rate", "lr_cycle_mul", "lr_cycle_decay",
          "lr_k_decay")
INTS = ("epochs", "lr_base_size", "batch_size", "grad_accum_steps", "warmup_epochs", "cooldown_epochs",
        "patience_epochs", "lr_cycle_limit")
SCHEDS = ("cosine", "tanh", "step", "constant", "multistep", "poly", "plateau")


def _detect(content: Content) -> str | None:
    data = content.mapping()
    if not isinstance(data, Mapping):
        return "not a JSON or YAML mapping"
    if "sched" in data and ("epochs" in data or "warmup_epochs" in data):
        return None
    return "no 'sched' with 'epochs'"


def _args(content: Content, data: Mapping) -> dict[str, Any]:
    """The keys as train.py's argparse holds them (a string default is converted by the flag's type)."""
    args = dict(DEFAULTS)
    for key in DEFAULTS:
        if key not in data or data[key] is None:
            continue
        value = data[key]
        try:
            if key in FLOATS:
                value = float(value)
            elif key in INTS:
                value = _integer(value)
            elif key == "decay_milestones":
                value = [_integer(v) for v in (value if isinstance(value, list) else str(value).split())]
        except (TypeError, ValueError):
            kind = "a number" if key in FLOATS else "an integer" if key in INTS else "a list of integers"
            raise fail(content, f"{key} must be {kind} (received {value!r})") from None
        args[key] = value
    return args


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str):
        return int(value)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError
    return int(value)


def _base_lr(a: dict, reading: Reading, overrides: Mapping[str, Any]) -> float:
    """train.py: args.lr, else lr_base scaled by the global batch (batch x world size x accumulation)."""
    if overrides.get("base_lr"):
        return overrides["base_lr"]
    if a["lr"] is not None:
        reading.put("base_lr", a["lr"], "lr")
        return a["lr"]
    world = overrides.get("world_size") or 1
    if not overrides.get("world_size"):
        reading.notes.append("lr is unset, so train.py scales lr_base by the global batch, which needs the "
                             "number of devices (args.yaml does not record it): 1 assumed")
    ratio = a["batch_size"] * world * a["grad_accum_steps"] / a["lr_base_size"]
    scale = a["lr_base_scale"] or ("sqrt" if any(o in a["opt"].lower() for o in ("ada", "lamb")) else "linear")
    if scale == "sqrt":
        ratio = ratio ** 0.5
    lr = a["lr_base"] * ratio
    reading.put("base_lr", lr, f"lr_base x (batch_size x world_size x grad_accum_steps / lr_base_size), {scale}")
    return lr


def _read(content: Content, overrides: Mapping[str, Any]) -> Reading:
    a = _args(content, content.data())
    reading = Reading("timm-args", content.name, {}, run={"unit": "epoch"})
    reading.put("batch_size", a["batch_size"], "batch_size")
    reading.put("grad_accum", a["grad_accum_steps"], "grad_accum_steps")
    if a["sched"] not in SCHEDS:
        raise unsupported(content, "sched", a["sched"], SCHEDS)
    if a["lr_noise"] is not None:
        reading.warnings.append(f"lr_noise {a['lr_noise']} adds random noise to the rate; lrsched shows it without")
    if a["sched"] == "plateau":
        raise fail(content, "sched: plateau follows the eval metric, which args.yaml does not hold; plot it with "
                            "'timm:PlateauLRScheduler(...)' and a metric")
    lr = _base_lr(a, reading, overrides)
    per_epoch = _updates_per_epoch(content, a, overrides, reading) if a["sched_on_updates"] else 1
    text, length = _scheduler(_per_update(a, per_epoch))
    mapping = translated(content, text, lr, "train.py")
    mapping["label"] = f"timm-args:{a['sched']}"
    reading.schedule = mapping
    counted = "with warmup prefix, cycles and cooldown, as create_scheduler_v2 counts"
    if per_epoch == 1 and not a["sched_on_updates"]:
        reading.put("epochs", length, f"epochs ({counted})")
        reading.put("steps", length, "the epochs train.py runs")
        return reading
    # create_scheduler_v2 returns num_epochs = the schedule's length in updates // updates per epoch
    epochs = length // per_epoch
    reading.run["unit"] = "step"
    reading.put("epochs", epochs, f"epochs ({counted}, in updates, // updates per epoch)")
    reading.put("steps", epochs * per_epoch, "the epochs train.py runs x updates per epoch (sched_on_updates)")
    return reading


def _updates_per_epoch(content: Content, a: dict, overrides: Mapping[str, Any], reading: Reading) -> int:
    """train.py's updates_per_epoch = ceil(len(loader_train) / grad_accum_steps); the training loader
    drops its last partial batch (create_loader's drop_last=is_training)."""
    batch = overrides.get("batch_size") or a["batch_size"]
    batches = dropping_loader_batches(content, overrides, batch, "sched_on_updates: true steps the schedule per "
                                      "update, which needs the updates per epoch")
    if batches is None:
        reading.put("steps_per_epoch", overrides["steps_per_epoch"], "--steps-per-epoch")
        return overrides["steps_per_epoch"]
    accum = overrides.get("grad_accum") or a["grad_accum_steps"]
    reading.put("drop_last", True, "train.py's loader (drop_last for training)")
    per_epoch = -(-batches // accum)
    reading.put("steps_per_epoch", per_epoch, f"ceil({batches} batches / {accum} accumulation), as train.py counts "
                                              "over its loader (drop_last, each device ceil(N / devices) samples)")
    return per_epoch


def _per_update(a: dict, per_epoch: int) -> dict:
    """create_scheduler_v2 with step_on_epochs=False: every length in epochs times the updates per epoch."""
    if per_epoch == 1:
        return a
    scaled = dict(a)
    for key in ("epochs", "warmup_epochs", "cooldown_epochs"):
        scaled[key] = a[key] * per_epoch
    scaled["decay_epochs"] = a["decay_epochs"] * per_epoch
    scaled["decay_milestones"] = [m * per_epoch for m in a["decay_milestones"]]
    return scaled


def _scheduler(a: dict) -> tuple[str, int]:
    """create_scheduler_v2 with step_on_epochs=True: the timm constructor and the epochs it returns."""
    warm = (f"warmup_t={a['warmup_epochs']}, warmup_lr_init={a['warmup_lr']!r}, "
            f"warmup_prefix={a['warmup_prefix']}")
    cycles = f"cycle_mul={a['lr_cycle_mul']!r}, cycle_decay={a['lr_cycle_decay']!r}, cycle_limit={a['lr_cycle_limit']}"
    sched, epochs = a["sched"], a["epochs"]
    table = {
        "cosine": f"CosineLRScheduler(t_initial={epochs}, lr_min={a['min_lr']!r}, {cycles}, {warm}, "
                  f"k_decay={a['lr_k_decay']!r})",
        "tanh": f"TanhLRScheduler(t_initial={epochs}, lr_min={a['min_lr']!r}, {cycles}, {warm})",
        "step": f"StepLRScheduler(decay_t={a['decay_epochs']!r}, decay_rate={a['decay_rate']!r}, {warm})",
        "constant": f"StepLRScheduler(decay_t=1, decay_rate=1.0, {warm})",
        "multistep": f"MultiStepLRScheduler(decay_t={a['decay_milestones']}, decay_rate={a['decay_rate']!r}, {warm})",
        "poly": f"PolyLRScheduler(power={a['decay_rate']!r}, t_initial={epochs}, lr_min={a['min_lr']!r}, "
                f"k_decay={a['lr_k_decay']!r}, {cycles}, {warm})",
    }
    if sched in ("cosine", "tanh", "poly"):  # get_cycle_length() + cooldown
        limit, mul = max(1, a["lr_cycle_limit"]), a["lr_cycle_mul"]
        length = epochs * limit if mul == 1 else int(math.floor(-epochs * (mul ** limit - 1) / (1 - mul)))
        total = length + (a["warmup_epochs"] if a["warmup_prefix"] else 0) + a["cooldown_epochs"]
    else:
        total = epochs + (a["warmup_epochs"] if a["warmup_prefix"] else 0)
    return f"timm:{table[sched]}", total


DIALECT = Dialect(
    name="timm-args",
    summary="timm train.py's args.yaml (sched cosine, tanh, step, constant, multistep, poly), per epoch or "
            "per update (sched_on_updates, with the run geometry)",
    detect=_detect,
    read=_read,
    reads=tuple(DEFAULTS),
    warns=("lr_noise",),
    ignores=("model, data, augmentation, optimizer (other than opt for the lr_base scaling), EMA and eval keys",),
)
