"""Everything a schedule sets beside its one LR: the other hyperparameters (SERIES in
core/registry.py: momentum, beta1, weight decay) and parameter groups.

A schedule's kind produces the series it declares (one-cycle's momentum); any schedule may also
carry the schedule-level parameters below, which are not parameters of its kind:

- `base_lrs: [0.1, 0.01]`: one parameter group per value, as torch's optimizer param_groups,
  each with its own lr. Group g is the same schedule with `max_lr = base_lrs[g]`; min_lr (and
  every other absolute rate but the warmup's start) is shared by the groups, as torch's `eta_min`
  is one number for all of them; `warmup_start_lr` scales with the group, as the start_factor of
  torch's LinearLR warmup does. Children of a composite that inherit max_lr follow the group.
- `layer_decay: 0.75` with `groups: 12`: layer-wise LR decay (BEiT, ViT/MAE fine-tuning): group g
  gets the whole curve times `layer_decay ** (groups - 1 - g)`, so the last group (the head) keeps
  the schedule and group 0 (the embeddings) is decayed most. This is timm's
  `param_groups_layer_decay` (`layer_scales = layer_decay ** (layer_max - i)`) and the
  `lr_scale` its schedulers multiply every value by, min_lr included; BEiT's
  `run_class_finetuning.py` uses the same `layer_decay ** (num_layers + 1 - i)` over
  num_layers + 2 groups.
- `weight_decay: {kind: cosine, max_lr: 0.05, min_lr: 0.005}`: a schedule of the weight decay,
  written as any schedule (its "lr" is the weight decay), evaluated over the same steps.

This module imports neither typer, rich nor matplotlib.
"""
from __future__ import annotations

from typing import Any, Mapping

from .._lazy import lazy_import
from ..errors import SpecError
from .registry import SERIES, Param, format_value

np = lazy_import("numpy")

#: Parameter groups a schedule may have: each is a column and a curve.
MAX_GROUPS = 256

SCHEDULE_PARAMS = (
    Param("base_lrs", "floats", "one parameter group per value, each the group's max_lr (torch's "
          "per-group lr); min_lr is shared, as torch's eta_min", default=None, gt=0),
    Param("layer_decay", "float", "layer-wise LR decay over `groups` groups: group g gets the "
          "schedule times layer_decay ** (groups - 1 - g) (BEiT, timm)", default=None, gt=0, le=1),
    Param("groups", "int", "number of parameter groups for layer_decay", default=None, ge=1,
          le=MAX_GROUPS),
    Param("weight_decay", "mapping", "a schedule of the weight decay, written as a schedule "
          "whose rate is the weight decay, e.g. {kind: cosine, max_lr: 0.05, min_lr: 0.005}",
          default=None),
)
SCHEDULE_PARAM_NAMES = tuple(p.name for p in SCHEDULE_PARAMS)


def take(values: dict, where: str, top: bool) -> dict[str, Any]:
    """Remove the schedule-level parameters from `values`, checked; only a whole schedule may
    have them (a phase or a factor runs on the schedule's groups)."""
    given = {p.name: p for p in SCHEDULE_PARAMS if p.name in values}
    if given and not top:
        raise SpecError(f"{where}: {', '.join(given)} applies to a whole schedule, not to a part of one")
    taken = {name: param.check(values.pop(name), where) for name, param in given.items()}
    taken = {name: value for name, value in taken.items() if value is not None}
    _check_groups(taken, where)
    return taken


def _check_groups(taken: dict, where: str) -> None:
    base_lrs = taken.get("base_lrs")
    if base_lrs is not None and not 1 <= len(base_lrs) <= MAX_GROUPS:
        raise SpecError(f"{where}: base_lrs must hold 1 to {MAX_GROUPS} values (received "
                        f"{format_value(base_lrs)})")
    if base_lrs is not None and ("layer_decay" in taken or "groups" in taken):
        raise SpecError(f"{where}: give either base_lrs or layer_decay with groups, not both")
    if ("layer_decay" in taken) != ("groups" in taken):
        missing = "groups" if "layer_decay" in taken else "layer_decay"
        raise SpecError(f"{where}: layer_decay and groups go together; {missing} is missing")


def attach(schedule: Any, raw: Mapping, taken: dict, horizon: int) -> None:
    """Build what the schedule-level parameters describe onto the built `schedule`: the weight
    decay's schedule and, for base_lrs, one schedule per group (checked now, evaluated later)."""
    from .engine import build

    schedule.series_params = dict(taken)
    if "weight_decay" in taken:
        where = f"{schedule.where}, weight_decay"
        child = build(taken["weight_decay"], horizon, where, inherit={})
        if child.kind.feedback:
            raise SpecError(f"{where}: {child.kind.name} depends on a metric; a weight decay needs "
                            "a schedule of the step")
        schedule.weight_decay = child
        schedule.series_params["weight_decay"] = child.to_mapping()
    if "base_lrs" not in taken:
        return
    if "max_lr" not in schedule.kind.param_names:
        raise SpecError(f"{schedule.where}: base_lrs sets each group's max_lr, which "
                        f"{schedule.kind.name} does not take")
    peak = schedule.params["max_lr"]
    raw = {key: value for key, value in raw.items() if key not in SCHEDULE_PARAM_NAMES}
    for g, lr in enumerate(taken["base_lrs"]):
        mapping = _regroup(raw, peak, lr, schedule.kind.compose)
        schedule.groups.append(build(mapping, horizon, f"{schedule.where}, group {g}"))


def _regroup(mapping: Mapping, peak: float, lr: float, compose: Any) -> dict:
    """`mapping` for the group whose max_lr is `lr` instead of `peak`: max_lr becomes lr, a
    warmup's start and the max_lr a composite's child writes scale with it (a translated
    SequentialLR writes the optimizer's lr into every child); min_lr stays shared."""
    from .kinds import REGISTRY

    out = dict(mapping)
    ratio = lr / peak
    own = out.get("max_lr", peak)
    out["max_lr"] = lr if own == peak else own * ratio
    if "warmup_start_lr" in out:
        out["warmup_start_lr"] = out["warmup_start_lr"] * ratio
    children = out.get(compose.param) if compose is not None else None
    if isinstance(children, (list, tuple)):
        regrouped = []
        for child in children:
            name = child.get("kind") if isinstance(child, Mapping) else None
            if not isinstance(name, str) or name not in REGISTRY:
                regrouped.append(child)  # build() names the mistake
                continue
            regrouped.append(_regroup(child, peak, lr, REGISTRY.get(name).compose))
        out[compose.param] = regrouped
    return out


def group_count(schedule: Any) -> int:
    """How many parameter groups the schedule has (0: one, the schedule itself)."""
    params = getattr(schedule, "series_params", {})
    if "base_lrs" in params:
        return len(params["base_lrs"])
    return params.get("groups", 0)


def column_count(schedule: Any) -> int:
    """Series `evaluate_series` returns for the schedule, at most (for the memory check)."""
    weight = 1 if getattr(schedule, "weight_decay", None) is not None else 0
    own = len(SERIES) if schedule.kind.compose is not None else len(schedule.kind.series)  # at most
    return 1 + own + weight + group_count(schedule)


def group_values(schedule: Any, lr: Any, steps: int) -> list[Any]:
    """Each group's LR over the steps; [] for a schedule without groups."""
    from .engine import evaluate

    params = schedule.series_params
    if "base_lrs" in params:
        return [evaluate(group, steps) for group in schedule.groups]
    if "layer_decay" in params:
        count, decay = params["groups"], params["layer_decay"]
        return [lr * decay ** (count - 1 - g) for g in range(count)]
    return []


def kind_series(schedule: Any, steps: int) -> dict[str, Any]:
    """The series the schedule's kind sets beside the LR, on the run's steps.

    During a warmup prefix the kind's clock has not started: its first value holds, as when torch
    builds OneCycleLR (which sets momentum at once) and a warmup scheduler runs before it.
    """
    from .engine import _own_count

    kind, params = schedule.kind, schedule.params
    if kind.series_values is None and kind.compose is None:
        return {}
    warmup = params["warmup_steps"]
    count = max(_own_count(params, steps), 1) if warmup else steps
    if kind.compose is not None:
        own = _composite_series(schedule, count)
    else:
        own = kind.series_values(np.arange(count, dtype=np.float64), params)
    out = {}
    for name in SERIES:  # in the table's order
        if name not in own:
            continue
        values = np.asarray(own[name], dtype=np.float64)
        if warmup and params["warmup_mode"] == "prefix":
            values = np.concatenate([np.full(min(warmup, steps), values[0]), values])
        out[name] = values[:steps]
    return out


def _composite_series(schedule: Any, count: int) -> dict[str, Any]:
    """The series of a composite's children, as torch leaves them in the optimizer.

    Every child scheduler is built first, and each that cycles momentum sets it when built, so
    the last of them sets it before any step. SequentialLR (a split composite) then steps one
    child at a time: a child that cycles momentum sets it on its own clock, the others leave it
    as it was. ChainedScheduler steps every child at every step: the last that sets it wins.
    """
    from .engine import _child_lengths

    lengths = _child_lengths(schedule, count)
    parts = [kind_series(child, max(length, 1)) for child, length in zip(schedule.phases, lengths)]
    out = {}
    for name in SERIES:
        makers = [part for part in parts if name in part]
        if not makers:
            continue
        if not schedule.kind.compose.split:
            out[name] = makers[-1][name][:count]
            continue
        values, start, value = np.empty(count, dtype=np.float64), 0, makers[-1][name][0]
        for part, length in zip(parts, lengths):
            if name in part and length:
                values[start:start + length] = part[name][:length]
                value = part[name][length - 1]
            else:
                values[start:start + length] = value
            start += length
        out[name] = values
    return out
