"""DeepSpeed's `ds_config.json`: `scheduler` {type, params}, `optimizer.params.lr` and the batch keys.

Each scheduler is replayed from deepspeed/runtime/lr_schedules.py (DeepSpeed 0.19): the engine
calls `scheduler.step()` once per optimizer update, and the constructor sets the first rate, so
lr(t) is the rate after t updates with `last_batch_iteration = t - 1`. The formulas below keep the
library's order of operations (tests/golden/trainers_golden.json holds the library's own values).
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from .base import Content, Dialect, Reading, fail, formula, unsupported
from .fragments import as_json, proved

TYPES = ("WarmupLR", "WarmupDecayLR", "WarmupCosineLR", "OneCycle", "LRRangeTest")

#: Each type's constructor parameters and their defaults (None: required or taken from the optimizer).
PARAMS: dict[str, dict[str, Any]] = {
    "WarmupLR": {"warmup_min_lr": 0.0, "warmup_max_lr": None, "warmup_num_steps": 1000, "warmup_type": "log"},
    "WarmupDecayLR": {"total_num_steps": None, "warmup_min_lr": 0.0, "warmup_max_lr": 0.001,
                      "warmup_num_steps": 1000, "warmup_type": "log"},
    "WarmupCosineLR": {"total_num_steps": None, "warmup_min_ratio": 0.0, "warmup_num_steps": 1000,
                       "cos_min_ratio": 0.0001, "warmup_type": "log"},
    "OneCycle": {"cycle_min_lr": None, "cycle_max_lr": None, "decay_lr_rate": 0.0, "cycle_first_step_size": 2000,
                 "cycle_second_step_size": None, "cycle_first_stair_count": 0, "cycle_second_stair_count": None,
                 "decay_step_size": 0, "cycle_momentum": True, "cycle_min_mom": 0.8, "cycle_max_mom": 0.9,
                 "decay_mom_rate": 0.0},
    "LRRangeTest": {"lr_range_test_min_lr": 1e-3, "lr_range_test_step_size": 2000, "lr_range_test_step_rate": 1.0,
                    "lr_range_test_staircase": False},
}
COMMON = ("last_batch_iteration",)
#: The parameters DeepSpeed requires (or uses) as integers; the others are floats.
INTEGERS = ("warmup_num_steps", "total_num_steps", "cycle_first_stair_count", "cycle_second_stair_count",
            "lr_range_test_step_size")


def _detect(content: Content) -> str | None:
    data = content.mapping()
    if not isinstance(data, Mapping):
        return "not a JSON or YAML mapping"
    keys = ("train_batch_size", "train_micro_batch_size_per_gpu", "zero_optimization")
    scheduler = data.get("scheduler")
    if isinstance(scheduler, Mapping) and "type" in scheduler and "params" in scheduler:
        return None
    if any(key in data for key in keys):
        return None
    return "no 'scheduler' {type, params} and none of " + ", ".join(keys)


def _read(content: Content, overrides: Mapping[str, Any]) -> Reading:
    data = content.data()
    reading = Reading("deepspeed", content.name, {}, run={"unit": "step"})
    _batch(data, reading, content)
    lr = _number(content, _get(data, "optimizer", "params", "lr"), "optimizer.params.lr")
    reading.put("base_lr", lr, "optimizer.params.lr")
    if overrides.get("base_lr") is not None:
        lr = overrides["base_lr"]
    scheduler = data.get("scheduler")
    if scheduler is None:
        if lr is None:
            raise fail(content, "no 'scheduler' and no optimizer.params.lr: nothing says what the rate is")
        reading.notes.append("no 'scheduler': the rate stays at optimizer.params.lr (unless the training "
                             "script passes its own lr_scheduler to deepspeed.initialize)")
        reading.schedule = {"kind": "constant", "max_lr": float(lr), "label": "deepspeed:constant"}
        return reading
    if not isinstance(scheduler, Mapping):
        raise fail(content, "scheduler must be a mapping {type: ..., params: {...}}")
    kind = scheduler.get("type")
    if kind not in TYPES:
        raise unsupported(content, "scheduler.type", kind, TYPES)
    params = _params(content, kind, scheduler.get("params") or {})
    reading.schedule = BUILDERS[kind](content, params, lr, reading)
    return reading


def _get(data: Mapping, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def _number(content: Content, value: Any, key: str, kind: type = float) -> Any:
    if value is None:
        return None
    if value == "auto":
        raise fail(content, f"{key} is 'auto', a value the Hugging Face Trainer fills in when it starts "
                            "DeepSpeed; write the number (or read the Trainer's arguments as hf-args)")
    integral = isinstance(value, (int, float)) and float(value).is_integer()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not integral):
        expected = "an integer" if kind is int else "a number"
        raise fail(content, f"{key} must be {expected} (received {value!r})")
    return kind(value)


def _batch(data: Mapping, reading: Reading, content: Content) -> None:
    """DeepSpeed's batch triple: train_batch_size = micro x accumulation x data-parallel size."""
    micro = _number(content, data.get("train_micro_batch_size_per_gpu"), "train_micro_batch_size_per_gpu", int)
    accum = _number(content, data.get("gradient_accumulation_steps"), "gradient_accumulation_steps", int)
    total = _number(content, data.get("train_batch_size"), "train_batch_size", int)
    reading.put("batch_size", micro, "train_micro_batch_size_per_gpu")
    reading.put("grad_accum", accum, "gradient_accumulation_steps")
    if total is not None and micro and accum and total % (micro * accum) == 0:
        reading.put("world_size", total // (micro * accum),
                    "train_batch_size / (train_micro_batch_size_per_gpu x gradient_accumulation_steps)")


def _params(content: Content, kind: str, given: Any) -> dict[str, Any]:
    """The constructor's arguments: DeepSpeed passes `params` as keywords, so an unknown key fails there too."""
    from ..core.registry import did_you_mean

    if not isinstance(given, Mapping):
        raise fail(content, "scheduler.params must be a mapping")
    table = PARAMS[kind]
    params = dict(table)
    for key, value in given.items():
        if key in COMMON:
            continue
        if key not in table:
            raise fail(content, f"scheduler.params: {kind} takes no {key!r}{did_you_mean(key, table)}; "
                                f"it takes: {', '.join(table)}")
        if value == "auto":
            _number(content, value, f"scheduler.params.{key}")
        params[key] = value
    for key, value in params.items():
        if isinstance(table[key], bool) or key == "warmup_type":
            continue
        if value is not None:
            kind_of = int if key in INTEGERS else float
            params[key] = _number(content, value, f"scheduler.params.{key}", kind_of)
    return params


def _warmup_steps(content: Content, p: dict) -> int:
    steps = p["warmup_num_steps"]
    if steps <= 0:
        raise fail(content, f"scheduler.params.warmup_num_steps must be a positive integer (received {steps})")
    return max(2, steps)  # DeepSpeed: self.warmup_num_steps = max(2, warmup_num_steps)


def _warmup_gamma(content: Content, p: dict, reading: Reading) -> str:
    """WarmupLR._get_gamma during the warmup, in t (last_batch_iteration + 1)."""
    kind = p["warmup_type"]
    if kind not in ("log", "linear"):
        reading.warnings.append(f"warmup_type {kind!r} is unknown to DeepSpeed, which falls back to log")
        kind = "log"
    return "inv_log * log(t)" if kind == "log" else "(t - 1) / W"


def _warmup_lr(content: Content, p: dict, lr: Any, reading: Reading, decay: str | None) -> dict:
    """WarmupLR and WarmupDecayLR: min_lr + delta_lr * gamma, gamma the warmup then `decay` (or 1.0)."""
    top = p["warmup_max_lr"] if p["warmup_max_lr"] is not None else lr
    if top is None:
        raise fail(content, "WarmupLR needs scheduler.params.warmup_max_lr or optimizer.params.lr")
    low, steps = p["warmup_min_lr"], _warmup_steps(content, p)
    gamma = f"where(t - 1 < W, {_warmup_gamma(content, p, reading)}, {decay or '1.0'})"
    # the constructor sets min_lr (last_batch_iteration = -1); each step then uses gamma
    return formula(f"where(t < 1, low, low + delta * {gamma})", max(top, low) or 1.0, "deepspeed:" +
                   ("WarmupDecayLR" if decay else "WarmupLR"), low=low, delta=top - low, W=steps,
                   inv_log=1.0 / math.log(steps))


def _warmup(content: Content, p: dict, lr: Any, reading: Reading) -> dict:
    steps = _warmup_steps(content, p)
    reading.notes.append(f"WarmupLR says nothing of the run's length: shown over {2 * steps} steps "
                         "(twice the warmup) unless --steps says otherwise")
    reading.put("steps", 2 * steps, "2 x warmup_num_steps")
    return _warmup_lr(content, p, lr, reading, None)


def _total(content: Content, p: dict, reading: Reading) -> int:
    total = p["total_num_steps"]
    if total is None:
        raise fail(content, "scheduler.params.total_num_steps is required by this scheduler")
    reading.put("steps", total, "scheduler.params.total_num_steps")
    return total


def _warmup_decay(content: Content, p: dict, lr: Any, reading: Reading) -> dict:
    total, steps = _total(content, p, reading), _warmup_steps(content, p)
    mapping = _warmup_lr(content, p, lr, reading, "maximum(0.0, (T - (t - 1)) / span)")
    mapping.update(T=float(total), span=max(1.0, float(total - steps)))
    return mapping


def _warmup_cosine(content: Content, p: dict, lr: Any, reading: Reading) -> dict:
    if lr is None:
        raise fail(content, "WarmupCosineLR scales the optimizer's lr: give optimizer.params.lr (or --base-lr)")
    total, steps = _total(content, p, reading), _warmup_steps(content, p)
    warm = f"low_ratio + {_warmup_gamma(content, p, reading)} * warm_delta"
    cosine = "maximum(0.0, cos_min + cos_delta * ((1 + cos(pi * minimum(1.0, (t - W) / span))) / 2))"
    # before the first step the scheduler sets 0.0 (get_lr with last_batch_iteration = -1)
    expr = f"where(t < 1, 0.0, base * where(t - 1 < W, {warm}, {cosine}))"
    return formula(expr, lr, "deepspeed:WarmupCosineLR", base=lr, W=steps, inv_log=1.0 / math.log(steps),
                   low_ratio=p["warmup_min_ratio"], warm_delta=1.0 - p["warmup_min_ratio"],
                   cos_min=p["cos_min_ratio"], cos_delta=1.0 - p["cos_min_ratio"],
                   span=float(max(1, total - steps)))


def _stairs(count: int, shape: str) -> str:
    """OneCycle._get_scale_factor: the smooth factor, or its staircase of `count` steps."""
    if count <= 0:
        return shape
    return (f"floor(where(mod(t, total) <= first, mod(t, total) * {count}.0 / first, "
            f"(total - mod(t, total)) * {count}.0 / second)) / {count}.0")


def _one_cycle(content: Content, p: dict, lr: Any, reading: Reading) -> dict:
    low, high = p["cycle_min_lr"], p["cycle_max_lr"]
    if low is None or high is None:
        raise fail(content, "OneCycle needs scheduler.params.cycle_min_lr and cycle_max_lr")
    first = float(p["cycle_first_step_size"])
    second = float(p["cycle_second_step_size"]) if p["cycle_second_step_size"] is not None else first
    if first <= 0 or second < 0:
        raise fail(content, "OneCycle needs cycle_first_step_size > 0 and cycle_second_step_size >= 0")
    total = first + second
    stairs_up = p["cycle_first_stair_count"]
    stairs_down = stairs_up if p["cycle_second_stair_count"] is None else p["cycle_second_stair_count"]
    x = "(1.0 + t / total - floor(1 + t / total))"
    factor = (f"where({x} <= ratio, {_stairs(stairs_up, f'{x} / ratio')}, "
              f"{_stairs(stairs_down, f'({x} - 1) / (ratio - 1)')})")
    skip = math.isclose(p["decay_step_size"], 0) or math.isclose(p["decay_lr_rate"], 0)
    decay = "low" if skip else "low / (1 + rate * ((t - total) / decay_size))"
    expr = f"where(t - 1 < total, low + (high - low) * {factor}, {decay})"
    reading.put("steps", math.ceil(total) + 1, "cycle_first_step_size + cycle_second_step_size + 1")
    mapping = formula(expr, max(high, low), "deepspeed:OneCycle", low=low, high=high, total=total, first=first,
                      second=second, ratio=first / total, rate=p["decay_lr_rate"],
                      decay_size=float(p["decay_step_size"]) or 1.0)
    if p["cycle_momentum"]:
        _momentum_cycle(mapping, p, factor, reading)
    return mapping


def _momentum_cycle(mapping: dict, p: dict, factor: str, reading: Reading) -> None:
    """OneCycle's momentum (Adam's betas[0]): the constructor sets cycle_min_mom; during the cycle
    cycle_max_mom - (cycle_max_mom - cycle_min_mom) x the LR's scale factor; after it cycle_max_mom,
    or cycle_max_mom x (1 + decay_mom_rate x decay steps / decay_step_size) when both are nonzero."""
    skip = math.isclose(p["decay_step_size"], 0) or math.isclose(p["decay_mom_rate"], 0)
    decay = "max_mom" if skip else "max_mom * (1 + mom_rate * ((t - total) / decay_size))"
    mapping["momentum_expr"] = (f"where(t < 1, min_mom, where(t - 1 < total, max_mom - (max_mom - min_mom) * "
                                f"{factor}, {decay}))")
    mapping["momentum_field"] = "beta1"
    mapping.update(min_mom=float(p["cycle_min_mom"]), max_mom=float(p["cycle_max_mom"]),
                   mom_rate=float(p["decay_mom_rate"]))
    reading.notes.append("OneCycle cycles Adam's beta1 (shown) when the optimizer has betas, and sets beta2 to "
                         "0.99 with it; with an optimizer without betas (SGD) DeepSpeed turns the cycle off")


def _range_test(content: Content, p: dict, lr: Any, reading: Reading) -> dict:
    size = p["lr_range_test_step_size"]
    if size <= 0:
        raise fail(content, f"lr_range_test_step_size must be a positive integer (received {size})")
    interval = "floor(t / size)" if p["lr_range_test_staircase"] else "t / size"
    reading.notes.append("LRRangeTest grows without end: shown over --steps (100 by default)")
    low = p["lr_range_test_min_lr"]
    return formula(f"low * (1 + rate * {interval})", low, "deepspeed:LRRangeTest", low=low, size=size,
                   rate=p["lr_range_test_step_rate"])


BUILDERS = {"WarmupLR": _warmup, "WarmupDecayLR": _warmup_decay, "WarmupCosineLR": _warmup_cosine,
            "OneCycle": _one_cycle, "LRRangeTest": _range_test}

# -- writing (export --to deepspeed) ----------------------------------------------------------

HOLDS = ("a constant (no scheduler); WarmupLR and WarmupDecayLR with a linear warmup, which hold their start "
         "rate for two steps (step() first computes gamma 0), so in lrsched terms a sequence of a 1-step "
         "constant at the start rate and then constant or polynomial (power 1, min_lr = the start rate) with "
         "that linear warmup; and OneCycle's triangle without momentum (polynomial power 1 warming up "
         "linearly from min_lr, or cyclic triangular for one cycle)")


def _after_hold(schedule: Any) -> tuple[float | None, Any]:
    """(the held rate, the rest) for a sequence whose first phase holds one rate for one step."""
    phases = schedule.phases if schedule.kind.name == "sequence" else []
    if len(phases) == 2 and phases[0].kind.name == "constant" and phases[0].steps == 1:
        return phases[0].params["max_lr"], phases[1]
    return None, schedule


def _one_cycle_of(low: float, high: float, up: float, down: float) -> dict[str, Any]:
    return {"type": "OneCycle", "params": {"cycle_min_lr": low, "cycle_max_lr": high, "cycle_first_step_size": up,
                                           "cycle_second_step_size": down, "cycle_momentum": False}}


def _schedulers(rest: Any, hold: float | None) -> list[dict[str, Any]]:
    """The DeepSpeed schedulers that may compute `rest` (after `hold`, when there is one)."""
    p, name = rest.params, rest.kind.name
    warmup, start = p["warmup_steps"], p["warmup_start_lr"]
    linear = {"warmup_num_steps": warmup, "warmup_type": "linear"}
    found = []
    if name == "constant" and warmup:
        found.append({"type": "WarmupLR", "params": {"warmup_min_lr": start, "warmup_max_lr": p["max_lr"], **linear}})
    if name == "polynomial" and p["power"] == 1.0 and warmup:
        found.append({"type": "WarmupDecayLR", "params": {
            "total_num_steps": warmup + p["max_update"], "warmup_min_lr": start, "warmup_max_lr": p["max_lr"],
            **linear}})
        if hold is None:
            found.append(_one_cycle_of(p["min_lr"], p["max_lr"], float(warmup), float(p["max_update"])))
    if name == "cosine" and warmup and float(p["cycle_length"]).is_integer():
        found.append({"type": "WarmupCosineLR", "params": {
            "total_num_steps": warmup + int(p["cycle_length"]), "warmup_min_ratio": start / p["max_lr"],
            "cos_min_ratio": p["min_lr"] / p["max_lr"], **linear}})
    if name == "cyclic" and p["mode"] == "triangular" and hold is None:
        up = p["step_size_up"]
        found.append(_one_cycle_of(p["min_lr"], p["max_lr"], up, p["step_size_down"] or up))
    return found


def _write(schedule: Any, steps: int) -> str:
    """A ds_config.json fragment (scheduler and optimizer.params.lr) for a run of `steps` updates."""
    hold, rest = _after_hold(schedule)
    lr = {"optimizer": {"params": {"lr": float(rest.params["max_lr"])}}}
    plain = rest is schedule and rest.kind.name == "constant" and not rest.params["warmup_steps"]
    candidates = [lr] if plain else []
    candidates += [{**lr, "scheduler": scheduler} for scheduler in _schedulers(rest, hold)]
    return proved(DIALECT, [as_json(c) for c in candidates], schedule, steps, HOLDS)


DIALECT = Dialect(
    name="deepspeed",
    summary="DeepSpeed ds_config.json (scheduler WarmupLR, WarmupDecayLR, WarmupCosineLR, OneCycle, LRRangeTest)",
    detect=_detect,
    read=_read,
    reads=("scheduler.type", "scheduler.params.*", "optimizer.params.lr", "train_batch_size",
           "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"),
    ignores=("optimizer.type", "optimizer.params (other than lr)", "zero_optimization", "fp16", "bf16",
             "gradient_clipping", "steps_per_print", "wall_clock_breakdown"),
    write=_write,
)
