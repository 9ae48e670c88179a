"""detectron2's YAML configs: the `SOLVER:` block, with `_BASE_` files followed relative to the file.

Replayed from detectron2/solver/build.py (`build_lr_scheduler`) and detectron2/solver/lr_scheduler.py
(`WarmupParamScheduler`, `LRMultiplier`) over fvcore's param schedulers
(fvcore/common/param_scheduler.py): lr(t) = BASE_LR x multiplier(t / MAX_ITER), the multiplier a
composite of the warmup (rescaled to its own [0, 1]) and the main schedule (on the run's clock,
or rescaled with RESCALE_INTERVAL), switching when t / MAX_ITER + 1e-6 passes the warmup
length. Values are decoded as yacs decodes them: a string that is a Python literal
(`STEPS: "(210000, 250000)"`, `BASE_LR: "1e-3"`) is that literal.
"""
from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any, Mapping

from .base import Content, Dialect, Reading, fail, formula, unsupported

NAMES = ("WarmupMultiStepLR", "WarmupCosineLR", "WarmupStepWithFixedGammaLR")
#: detectron2/config/defaults.py: the SOLVER keys this dialect reads, with their defaults.
DEFAULTS: dict[str, Any] = {
    "LR_SCHEDULER_NAME": "WarmupMultiStepLR", "MAX_ITER": 40000, "BASE_LR": 0.001, "BASE_LR_END": 0.0,
    "GAMMA": 0.1, "STEPS": (30000,), "NUM_DECAYS": 3, "WARMUP_FACTOR": 1.0 / 1000, "WARMUP_ITERS": 1000,
    "WARMUP_METHOD": "linear", "RESCALE_INTERVAL": False, "IMS_PER_BATCH": 16, "REFERENCE_WORLD_SIZE": 0,
}
EPSILON = 1e-6  # fvcore ParamScheduler.WHERE_EPSILON
MAX_BASES = 10


def _detect(content: Content) -> str | None:
    data = content.mapping()
    if isinstance(data, Mapping) and (isinstance(data.get("SOLVER"), Mapping) or "_BASE_" in data):
        return None
    return "no SOLVER: block or _BASE_"


def _load(content: Content, path: Path | None, data: Mapping, depth: int = 0) -> dict:
    """The config with its _BASE_ chain merged under it (the file's own keys win), as detectron2 merges."""
    merged: dict = {}
    base = data.get("_BASE_")
    if base is not None:
        if depth >= MAX_BASES:
            raise fail(content, f"_BASE_ files nest more than {MAX_BASES} deep")
        if path is None:
            raise fail(content, "_BASE_ needs the config's file, to find the base relative to it")
        base_path = path.parent / str(base)
        try:
            text = base_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(content, f"_BASE_ {base!r}: cannot read {base_path}: {exc.strerror or exc}") from None
        inner = Content(text, str(base_path), base_path)
        merged = _load(inner, base_path, inner.data(), depth + 1)
    for key, value in data.items():
        if key == "_BASE_":
            continue
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _decode(value: Any) -> Any:
    """yacs' _decode_cfg_value: a string holding a Python literal is that literal."""
    if not isinstance(value, str):
        return value
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return value


def _solver(content: Content) -> dict:
    config = _load(content, content.path, content.data())
    solver = config.get("SOLVER") or {}
    if not isinstance(solver, Mapping):
        raise fail(content, "SOLVER must be a mapping")
    values = dict(DEFAULTS)
    values.update((key, _decode(value)) for key, value in solver.items() if key in DEFAULTS)
    for key in ("MAX_ITER", "WARMUP_ITERS", "NUM_DECAYS", "REFERENCE_WORLD_SIZE"):
        if isinstance(values[key], bool) or not isinstance(values[key], int):
            raise fail(content, f"SOLVER.{key} must be an integer (received {values[key]!r})")
    for key in ("BASE_LR", "BASE_LR_END", "GAMMA", "WARMUP_FACTOR"):
        if isinstance(values[key], bool) or not isinstance(values[key], (int, float)):
            raise fail(content, f"SOLVER.{key} must be a number (received {values[key]!r})")
        values[key] = float(values[key])
    steps = values["STEPS"]
    steps = [steps] if isinstance(steps, int) else steps
    if not isinstance(steps, (list, tuple)) or not all(isinstance(s, int) for s in steps):
        raise fail(content, f"SOLVER.STEPS must be a list of integers (received {values['STEPS']!r})")
    values["STEPS"] = list(steps)
    if values["MAX_ITER"] < 1:
        raise fail(content, "SOLVER.MAX_ITER must be >= 1")
    return values


def _main(content: Content, s: dict, reading: Reading) -> tuple[str, Any]:
    """The main schedule's multiplier as text in `x` (its where), and as a Python function of where."""
    name, total = s["LR_SCHEDULER_NAME"], s["MAX_ITER"]
    if name == "WarmupCosineLR":
        end = s["BASE_LR_END"] / s["BASE_LR"]
        if not 0.0 <= end <= 1.0:
            raise fail(content, f"SOLVER.BASE_LR_END / BASE_LR must be in [0, 1] (received {end!r})")
        return (f"{end!r} + 0.5 * (1 - {end!r}) * (1 + cos(pi * (x)))",
                lambda x: end + 0.5 * (1 - end) * (1 + math.cos(math.pi * x)))
    if name == "WarmupMultiStepLR":
        steps = [x for x in s["STEPS"] if x <= total]
        if len(steps) != len(s["STEPS"]):
            reading.warnings.append("SOLVER.STEPS has values past MAX_ITER; detectron2 ignores them")
        if any(b <= a for a, b in zip([0] + steps, steps)) or (steps and steps[-1] >= total):
            raise fail(content, "SOLVER.STEPS must increase, start above 0 and stay below MAX_ITER (fvcore's rule)")
        values = [s["GAMMA"] ** k for k in range(len(steps) + 1)]
        # fvcore MultiStepParamScheduler: values[bisect_right(milestones, int((where + eps) * num_updates))]
        return _staircase(values, steps, f"floor(((x) + {EPSILON!r}) * {float(total)!r})"), \
            lambda x: values[sum(1 for m in steps if m <= int((x + EPSILON) * total))]
    if name == "WarmupStepWithFixedGammaLR":
        if s["NUM_DECAYS"] < 1:
            raise fail(content, "SOLVER.NUM_DECAYS must be >= 1")
        values = [1.0]
        for _ in range(s["NUM_DECAYS"]):
            values.append(values[-1] * s["GAMMA"])
        # fvcore StepParamScheduler: values[int((where + eps) * len(values))]; the last one held at the end
        bounds = list(range(1, len(values)))
        return _staircase(values, bounds, f"floor(((x) + {EPSILON!r}) * {float(len(values))!r})"), \
            lambda x: values[min(int((x + EPSILON) * len(values)), len(values) - 1)]
    raise unsupported(content, "SOLVER.LR_SCHEDULER_NAME", name, NAMES)


def _staircase(values: list[float], bounds: list[int], index: str) -> str:
    """values[k] where k counts the bounds <= index (bisect_right), as nested wheres."""
    text = repr(values[-1])
    for value, bound in reversed(list(zip(values, bounds))):
        text = f"where({index} < {bound}, {value!r}, {text})"
    return text


def _read(content: Content, overrides: Mapping[str, Any]) -> Reading:
    s = _solver(content)
    reading = Reading("detectron2", content.name, {}, run={"unit": "step"})
    reading.put("base_lr", s["BASE_LR"], "SOLVER.BASE_LR")
    reading.put("steps", s["MAX_ITER"], "SOLVER.MAX_ITER")
    if s["REFERENCE_WORLD_SIZE"]:
        reading.warnings.append("SOLVER.REFERENCE_WORLD_SIZE scales IMS_PER_BATCH, BASE_LR, MAX_ITER, STEPS and "
                                "WARMUP_ITERS to the number of devices; shown unscaled")
    main, main_of = _main(content, s, reading)
    total = s["MAX_ITER"]
    length = min(s["WARMUP_ITERS"] / total, 1.0)
    start_value = s["WARMUP_FACTOR"] * main_of(0.0)
    if s["WARMUP_METHOD"] == "constant":
        warm = "start_value"
    elif s["WARMUP_METHOD"] == "linear":
        warm = "end_value * ((t / T) / L) + start_value * (1 - (t / T) / L)"
    else:
        raise unsupported(content, "SOLVER.WARMUP_METHOD", s["WARMUP_METHOD"], ("linear", "constant"))
    rest = 1 - length  # CompositeParamScheduler's lengths [L, 1 - L]; its start is running_total - length
    where = f"(t / T - {(length + rest) - rest!r}) / {rest!r}" if s["RESCALE_INTERVAL"] else "t / T"
    expr = f"base * where(t / T + {EPSILON!r} <= L, {warm}, {main.replace('(x)', f'({where})')})"
    lr = overrides.get("base_lr") or s["BASE_LR"]
    reading.schedule = formula(expr, lr, f"detectron2:{s['LR_SCHEDULER_NAME']}", base=lr, T=total, L=length,
                               start_value=start_value, end_value=main_of(length))
    return reading


DIALECT = Dialect(
    name="detectron2",
    summary="detectron2 YAML SOLVER: WarmupMultiStepLR, WarmupCosineLR, WarmupStepWithFixedGammaLR",
    detect=_detect,
    read=_read,
    reads=("_BASE_", *(f"SOLVER.{key}" for key in DEFAULTS)),
    warns=("SOLVER.REFERENCE_WORLD_SIZE (auto-scaling to the number of devices)",),
    ignores=("MODEL, DATASETS, INPUT, TEST and the other SOLVER keys (MOMENTUM, WEIGHT_DECAY, CHECKPOINT_PERIOD)",),
)
