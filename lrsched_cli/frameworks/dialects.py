"""One intent, written the way each framework's users write it, and where the results disagree.

An intent is an lrsched schedule (say a cosine from 0.1 to 0.001 over 1,000 steps with a 50-step
warmup). For each framework we write the constructor a practitioner would write with the same
numbers, taking the framework's own meaning of each argument, evaluate it with that framework's
semantics (`frameworks.translate`), and compare with the intent step by step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..core.engine import Schedule
from ..errors import UsageError

DIALECTS = ("torch", "optax", "keras", "hf", "timm")


@dataclass(frozen=True)
class Rendering:
    framework: str
    spec: str  # the constructor, as `frameworks.translate` reads it
    base_lr: float | None
    conventions: tuple[str, ...]  # the conventions of this framework that shape the curve


def _num(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else repr(int(x)) if abs(x) < 1e15 else repr(float(x))


def _cosine(p: dict, horizon: int) -> dict[str, Rendering]:
    peak, floor, warm = p["max_lr"], p["min_lr"], p["warmup_steps"]
    total = warm + int(round(p["cycle_length"]))  # the intent's run length, warmup included
    start = p["warmup_start_lr"]
    torch_start = max(start / peak, 1e-8)
    return {
        "torch": Rendering(
            "torch",
            f"torch:SequentialLR(schedulers=[LinearLR(start_factor={_num(torch_start)}, end_factor=1.0, "
            f"total_iters={warm}), CosineAnnealingLR(T_max={total - warm}, eta_min={_num(floor)})], "
            f"milestones=[{warm}])" if warm else
            f"torch:CosineAnnealingLR(T_max={total}, eta_min={_num(floor)})",
            peak,
            ("LinearLR cannot start at 0: start_factor must be > 0",
             "CosineAnnealingLR rises again after T_max (no clamp)")),
        "optax": Rendering(
            "optax",
            f"optax:warmup_cosine_decay_schedule(init_value={_num(start)}, peak_value={_num(peak)}, "
            f"warmup_steps={warm}, decay_steps={total}, end_value={_num(floor)})",
            None,
            ("decay_steps includes the warmup", "clamps at end_value after decay_steps")),
        "keras": Rendering(
            "keras",
            f"keras:CosineDecay(initial_learning_rate={_num(start)}, decay_steps={total}, "
            f"alpha={_num(floor / peak)}, warmup_target={_num(peak)}, warmup_steps={warm})",
            None,
            ("decay_steps excludes the warmup: the same number N ends the cosine at W + N",
             "alpha is a fraction of warmup_target; clamps after the end",
             "computes the cosine in float32")),
        "hf": Rendering(
            "hf",
            f"hf:cosine_with_min_lr(num_warmup_steps={warm}, num_training_steps={total}, "
            f"min_lr={_num(floor)})",
            peak,
            ("the warmup always starts at 0 (warmup_start_lr is ignored)",
             "num_training_steps includes the warmup", "past the end the cosine rises again")),
        "timm": Rendering(
            "timm",
            f"timm:CosineLRScheduler(t_initial={total}, lr_min={_num(floor)}, warmup_t={warm}, "
            f"warmup_lr_init={_num(start)})",
            peak,
            ("warmup_prefix=False (default): the warmup overlays the cosine's clock, so the rate "
             "never reaches the peak and jumps down at the end of the warmup",
             "holds lr_min after t_initial (cycle_limit=1)")),
    }


def _multistep(p: dict, horizon: int) -> dict[str, Rendering]:
    peak, gamma, milestones = p["max_lr"], p["gamma"], sorted(p["milestones"])
    listed = ", ".join(str(m) for m in milestones)
    values = ", ".join(_num(peak * gamma ** i) for i in range(len(milestones) + 1))
    scales = ", ".join(f"{m}: {_num(gamma)}" for m in milestones)
    return {
        "torch": Rendering("torch", f"torch:MultiStepLR(milestones=[{listed}], gamma={_num(gamma)})", peak,
                           ("the new rate applies at t == milestone",)),
        "optax": Rendering("optax", f"optax:piecewise_constant_schedule(init_value={_num(peak)}, "
                           f"boundaries_and_scales={{{scales}}})", None,
                           ("a scale applies from t >= boundary (as PyTorch)",)),
        "keras": Rendering("keras", f"keras:PiecewiseConstantDecay(boundaries=[{listed}], values=[{values}])",
                           None, ("a value holds through its boundary: the change lands at boundary + 1",)),
        "hf": Rendering("hf", "", None, ("Hugging Face has no step or multistep schedule type",)),
        "timm": Rendering("timm", f"timm:MultiStepLRScheduler(decay_t=[{listed}], decay_rate={_num(gamma)})",
                          peak, ("bisect_right(decay_t, t + 1): each decay lands one step early",)),
    }


def _linear_decay(p: dict, horizon: int) -> dict[str, Rendering]:
    if p["power"] != 1.0:
        raise UsageError("compare --as handles polynomial decay with power 1 (linear decay)")
    peak, floor, warm = p["max_lr"], p["min_lr"], p["warmup_steps"]
    total = warm + p["max_update"]
    return {
        "torch": Rendering("torch", f"torch:SequentialLR(schedulers=[LinearLR(start_factor=1e-08, "
                           f"total_iters={warm}), LinearLR(start_factor=1.0, end_factor={_num(floor / peak)}, "
                           f"total_iters={total - warm})], milestones=[{warm}])" if warm else
                           f"torch:LinearLR(start_factor=1.0, end_factor={_num(floor / peak)}, "
                           f"total_iters={total})", peak,
                           ("LinearLR cannot start at 0: start_factor must be > 0",)),
        "optax": Rendering("optax", f"optax:join_schedules(schedules=[linear_schedule(init_value=0.0, "
                           f"end_value={_num(peak)}, transition_steps={warm}), linear_schedule(init_value="
                           f"{_num(peak)}, end_value={_num(floor)}, transition_steps={total - warm})], "
                           f"boundaries=[{warm}])", None, ("each piece runs on its own clock",)),
        "keras": Rendering("keras", f"keras:PolynomialDecay(initial_learning_rate={_num(peak)}, "
                           f"decay_steps={total}, end_learning_rate={_num(floor)}, power=1.0)", None,
                           ("no warmup argument: the decay starts at t = 0",)),
        "hf": Rendering("hf", f"hf:polynomial(num_warmup_steps={warm}, num_training_steps={total}, "
                        f"lr_end={_num(floor)}, power=1.0)" if floor else
                        f"hf:linear(num_warmup_steps={warm}, num_training_steps={total})", peak,
                        ("num_training_steps includes the warmup",)),
        "timm": Rendering("timm", f"timm:PolyLRScheduler(t_initial={total}, power=1.0, lr_min={_num(floor)}, "
                          f"warmup_t={warm})", peak,
                          ("warmup_prefix=False (default): the warmup overlays the decay's clock",)),
    }


def _step(p: dict, horizon: int) -> dict[str, Rendering]:
    peak, size, gamma = p["max_lr"], p["step_size"], p["gamma"]
    return {
        "torch": Rendering("torch", f"torch:StepLR(step_size={size}, gamma={_num(gamma)})", peak,
                           ("the new rate applies at t == step_size",)),
        "optax": Rendering("optax", f"optax:exponential_decay(init_value={_num(peak)}, transition_steps={size}, "
                           f"decay_rate={_num(gamma)}, staircase=True)", None,
                           ("staircase floors count / transition_steps, as PyTorch",)),
        "keras": Rendering("keras", f"keras:ExponentialDecay(initial_learning_rate={_num(peak)}, "
                           f"decay_steps={size}, decay_rate={_num(gamma)}, staircase=True)", None,
                           ("staircase floors step / decay_steps, as PyTorch",)),
        "hf": Rendering("hf", "", None, ("Hugging Face has no step schedule type",)),
        "timm": Rendering("timm", f"timm:StepLRScheduler(decay_t={size}, decay_rate={_num(gamma)})", peak,
                          ("t // decay_t, as PyTorch",)),
    }


def _onecycle(p: dict, horizon: int) -> dict[str, Rendering]:
    if p["three_phase"] or p["anneal_strategy"] != "cos":
        raise UsageError("compare --as handles the default one-cycle (cos, two phases)")
    peak, total, pct = p["max_lr"], p["total_steps"], p["pct_start"]
    div, final = p["div_factor"], p["final_div_factor"]
    none = ("no one-cycle schedule",)
    return {
        "torch": Rendering("torch", f"torch:OneCycleLR(max_lr={_num(peak)}, total_steps={total}, "
                           f"pct_start={_num(pct)}, div_factor={_num(div)}, final_div_factor={_num(final)})",
                           peak, ("the peak lands at pct_start * total_steps - 1",
                                  "raises after total_steps (lrsched holds the last value)")),
        "optax": Rendering("optax", f"optax:cosine_onecycle_schedule(transition_steps={total}, "
                           f"peak_value={_num(peak)}, pct_start={_num(pct)}, div_factor={_num(div)}, "
                           f"final_div_factor={_num(final)})", None,
                           ("the peak lands at int(pct_start * transition_steps), one step later",
                            "the end value is reached at transition_steps, not transition_steps - 1")),
        "keras": Rendering("keras", "", None, none),
        "hf": Rendering("hf", "", None, none),
        "timm": Rendering("timm", "", None, none),
    }


RENDERERS: dict[str, Callable[[dict, int], dict[str, Rendering]]] = {
    "step": _step,
    "onecycle": _onecycle,
    "cosine": _cosine,
    "multistep": _multistep,
    "polynomial": _linear_decay,
}


def renderings(intent: Schedule, frameworks: list[str], horizon: int) -> list[Rendering]:
    render = RENDERERS.get(intent.kind.name)
    if render is None:
        raise UsageError(f"compare --as takes a {', '.join(RENDERERS)} schedule as the intent "
                         f"(received {intent.kind.name})")
    table = render(intent.params, horizon)
    return [table[f] for f in frameworks]


@dataclass(frozen=True)
class Difference:
    framework: str
    spec: str
    max_abs: float
    max_at: int | None
    first_at: int | None
    final: float | None
    conventions: tuple[str, ...]


def differences(intent_values: Any, values: Any, rendering: Rendering, rtol: float = 1e-9) -> Difference:
    import numpy as np

    gap = np.abs(values - intent_values)
    differs = np.flatnonzero(gap > rtol * np.abs(intent_values).max())
    worst = int(np.argmax(gap)) if differs.size else None
    return Difference(rendering.framework, rendering.spec, float(gap.max()), worst,
                      int(differs[0]) if differs.size else None, float(values[-1]), rendering.conventions)


def parse_frameworks(text: str) -> list[str]:
    from ..core.registry import did_you_mean

    names = [x.strip() for x in text.split(",") if x.strip()]
    for name in names:
        if name not in DIALECTS:
            raise UsageError(f"--as: unknown framework {name!r}{did_you_mean(name, DIALECTS) or ';'} "
                             f"choose from {', '.join(DIALECTS)}")
    if not names:
        raise UsageError(f"--as needs frameworks, e.g. --as {','.join(DIALECTS)}")
    return names
