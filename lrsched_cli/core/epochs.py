"""Schedules whose lengths count epochs, stepped per iteration: every length times the updates per
epoch, as mmengine's `convert_to_iter_based` and timm's `t_in_epochs=False` do.

A parameter counts time or it does not; `TIME_PARAMS` and `UNTIMED_PARAMS` between them name every
parameter of every kind (tests/test_run_epochs.py fails for one in neither), so a new kind's
lengths cannot be forgotten. No numpy: this rewrites mappings before they are built.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..errors import SpecError
from .registry import format_value, is_computed

#: Parameters that count steps (or, with `per: epoch`, epochs): scaled by the updates per epoch.
TIME_PARAMS = frozenset({
    "warmup_steps", "step_size", "milestones", "knots", "decay_steps", "total_iters", "max_update",
    "cycle_length", "step_size_up", "step_size_down", "total_steps", "timescale", "stable_steps",
    "stable_timescale",
})
#: Every other parameter: rates, factors, shapes, choices, and the feedback kinds' counters (those
#: kinds are refused below: their metric arrives once per step).
UNTIMED_PARAMS = frozenset({
    "anneal_strategy", "base_momentum", "boundary", "column", "cooldown", "cycle_decay", "cycle_decay_on", "cycle_limit",
    "cycle_momentum",
    "cycle_mult", "decay_power", "decay_rate", "decay_ratio", "decay_type", "div_factor", "end_factor", "end_lr",
    "eps", "exponent", "expr", "factor", "factors", "file", "final_div_factor", "gamma", "increase_cooldown",
    "interpolation", "k_decay", "lb", "max_lr", "max_momentum", "metric", "min_lr", "mode",
    "momentum_expr", "momentum_field", "options", "past_end",
    "patience", "pct_start", "phases", "power", "product", "reset_start", "schedules", "seed", "smooth",
    "stable_power", "stable_shape", "staircase", "start_factor", "start_lr", "target", "three_phase",
    "threshold", "threshold_mode", "ub", "warmup_mode", "warmup_shape", "warmup_start_lr", "warmup_target",
    "window_size",
})
#: Kinds whose time is inside code or feedback, which no factor can rescale.
UNSCALABLE = {"expr": "its formula counts t itself", "python": "its code counts t itself",
              "plateau": "its metric arrives once per step", "greedy": "its metric arrives once per step"}


def scale_lengths(mapping: Mapping[str, Any], factor: int, where: str) -> dict[str, Any]:
    """`mapping` with every length (given, or a numeric default) times `factor`; a composite's
    phases and factors too. Lengths left to the horizon follow it, already counted in updates."""
    from .kinds import REGISTRY

    name = mapping.get("kind")
    if not isinstance(name, str) or name not in REGISTRY:
        return dict(mapping)  # building it will name the problem
    if name in UNSCALABLE:
        raise SpecError(f"{where}: stepping: iteration cannot rescale {name} ({UNSCALABLE[name]}); "
                        "use stepping: epoch, or write it per: step")
    kind = REGISTRY.get(name)
    out = dict(mapping)
    for param in kind.params:
        if param.name not in TIME_PARAMS:
            continue
        value = out.get(param.name, param.default)
        if value is None or is_computed(value) or not _is_number(value, param.type):
            continue
        out[param.name] = _times(value, factor)
    if "steps" in out and _is_number(out["steps"], "int"):  # a phase's length
        out["steps"] = out["steps"] * factor
    compose = kind.compose
    if compose is not None and isinstance(out.get(compose.param), list):
        out[compose.param] = [scale_lengths(child, factor, f"{where}, {compose.child} {i + 1}")
                              if isinstance(child, Mapping) else child
                              for i, child in enumerate(out[compose.param])]
    return out


def _is_number(value: Any, kind: str) -> bool:
    if kind in ("ints", "floats"):
        return isinstance(value, (list, tuple)) and all(_is_number(v, "int") for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _times(value: Any, factor: int) -> Any:
    if isinstance(value, (list, tuple)):
        return [_times(v, factor) for v in value]
    return value * factor


def warmup_from_epochs(value: Any, per_epoch: int, where: str) -> tuple[int, str]:
    """warmup_epochs E to updates: floor(E x updates per epoch), mmengine's int(); the working."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
        raise SpecError(f"{where}: warmup_epochs must be a number >= 0 (received {format_value(value)})")
    steps = int(value * per_epoch)
    return steps, f"warmup {steps} = floor({value:g} epochs x {per_epoch} updates/epoch)"
