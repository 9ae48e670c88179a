"""Build schedules from mappings (YAML or flags) and evaluate them: the heart of lrsched.

Time model: a schedule is a pure function lr(t) of the integer step t = 0, 1, 2, ...; lr(t) is
the learning rate after t calls of PyTorch's `scheduler.step()`, i.e. the rate used by update
t+1. A step is whatever the user steps on, an epoch or a batch. `evaluate` takes the whole range
at once and returns float64 values, vectorised and in closed form except for `plateau`.

A warmup prefix of W steps comes first; the schedule proper then runs on its own clock t - W,
so its durations exclude the warmup (as in PyTorch's SequentialLR). With `warmup_mode: overlay`
the clock runs from t = 0 instead and the warmup replaces the first W values (timm's default).

This module imports neither typer, rich nor matplotlib, and never prints.
"""
from __future__ import annotations

import math
import os
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping

from .._lazy import lazy_import
from ..errors import ExprError, SpecError, UsageError
from .kinds import (FRAMEWORK_BOUNDS, FRAMEWORK_CHECKS, REGISTRY, phase_marks,  # noqa: F401 - phase_marks: public
                    synthetic_loss)
from . import series
from .registry import HORIZON, Compose, Kind, did_you_mean, format_value, is_computed

np = lazy_import("numpy")

DEFAULT_STEPS = 100
MAX_MARKS = 1000
# "framework" marks a schedule translated from a framework's scheduler (frameworks.translate): it
# is built in framework mode, where the degenerate but legal inputs that framework computes (kinds.
# FRAMEWORK_BOUNDS, FRAMEWORK_CHECKS) pass lrsched's own stricter checks.
RESERVED_KEYS = ("kind", "label", "framework")
PHASE_KEYS = ("steps",)


@dataclass
class Schedule:
    """A checked schedule: its kind, every parameter resolved, and how to name it."""

    kind: Kind
    params: dict[str, Any]
    label: str
    where: str
    steps: int | None = None  # a sequence phase's length
    phases: list["Schedule"] = field(default_factory=list)  # a composite's children (phases, factors)
    metric: Any = None  # a feedback kind (plateau, greedy): the metric indexed by the run's global step
    framework: str | None = None  # built in framework mode (see RESERVED_KEYS)
    # Schedule-level parameters (core/series.py): parameter groups, a weight-decay schedule.
    series_params: dict[str, Any] = field(default_factory=dict)
    groups: list["Schedule"] = field(default_factory=list)  # one per base_lrs value
    weight_decay: "Schedule | None" = None

    def to_mapping(self) -> dict[str, Any]:
        """Kind and full parameters, as JSON/YAML would write them."""
        out: dict[str, Any] = {"kind": self.kind.name, "label": self.label}
        if self.framework:
            out["framework"] = self.framework
        if self.steps is not None:
            out["steps"] = self.steps
        out.update(self.params)
        out.update(self.series_params)
        return out

    def marks(self, horizon: int) -> list[int]:
        """Steps where something happens (end of warmup, phases, restarts, milestones): the first
        MAX_MARKS of them, since a plot cannot show more apart."""
        warmup = self.params["warmup_steps"]
        marks = [warmup] if warmup else []
        own = []
        compose = self.kind.compose
        if compose is not None and compose.marks is not None:
            own = compose.marks(self.phases, horizon)
        elif self.kind.marks is not None:
            own = self.kind.marks(self.params, horizon)
        shift = 0 if self.params["warmup_mode"] == "overlay" else warmup
        marks += [shift + m for m in own]
        return sorted({m for m in marks if 0 < m < horizon})[:MAX_MARKS]


# -- building ---------------------------------------------------------------------------------

def build(mapping: Any, horizon: int = DEFAULT_STEPS, where: str = "schedule",
          inherit: Mapping[str, Any] | None = None, phase: bool = False,
          framework: str | None = None) -> Schedule:
    """Check a mapping such as `{kind: cosine, max_lr: 0.1}` and resolve every default.

    `horizon` is the number of steps the schedule will be evaluated on; lengths the user leaves
    out default to it (minus the warmup). Raises SpecError with a one-line message.
    """
    if not isinstance(mapping, Mapping):
        raise SpecError(f"{where}: a schedule must be a mapping with a 'kind' (received {format_value(mapping)})")
    if "kind" not in mapping:
        raise SpecError(f"{where}: missing 'kind'; see 'lrsched list'")
    if inherit is None:  # the whole schedule, not a part of one (parts inherit): bound it first
        _check_parts(mapping, where)
    try:
        kind = REGISTRY.get(mapping["kind"])
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None
    if where != kind.name and not where.endswith(f"({kind.name})"):
        where = f"{where} ({kind.name})"
    values = dict(inherit or {})
    values.update(mapping)
    taken = series.take(values, where, top=inherit is None)
    _reject_unknown(kind, values, where, phase)
    framework = framework or _framework_mode(values, where)

    params: dict[str, Any] = {}
    for param in kind.params:
        if param.name in values:
            checked = FRAMEWORK_BOUNDS.get((kind.name, param.name), param) if framework else param
            params[param.name] = checked.check(values[param.name], where)
        elif param.required:
            raise SpecError(f"{where}: missing required parameter {param.name} ({param.help})")
        else:
            params[param.name] = param.default
    if kind.extra_numeric:
        params.update(_extra_numbers(kind, values, where))

    steps = _phase_steps(values, where) if phase else None
    own_horizon = (steps if steps is not None else horizon) - params["warmup_steps"]
    if steps == 0:  # a zero-length phase is skipped, as in PyTorch; check it all the same
        own_horizon = max(own_horizon, 1)
    if own_horizon <= 0 and framework:  # a framework computes a run shorter than its warmup
        own_horizon = 1
    if own_horizon <= 0:
        raise SpecError(
            f"{where}: warmup_steps must be shorter than the "
            f"{'phase' if steps is not None else 'evaluated steps'} "
            f"(received warmup_steps={params['warmup_steps']}, steps={own_horizon + params['warmup_steps']})")
    if params["warmup_mode"] == "overlay":  # the schedule's clock runs through the warmup
        own_horizon += params["warmup_steps"]
    if params["warmup_shape"] == "exponential" and params["warmup_start_lr"] <= 0:
        raise SpecError(f"{where}: warmup_shape exponential needs warmup_start_lr > 0 "
                        f"(received warmup_start_lr={format_value(params['warmup_start_lr'])})")
    _fill_defaults(kind, params, own_horizon)
    check = FRAMEWORK_CHECKS.get(kind.name, kind.check) if framework else kind.check
    if check is not None:
        check(params, where)

    label = values.get("label", kind.name)
    if not isinstance(label, str) or not label.strip():
        raise SpecError(f"{where}: label must be non-empty text (received {format_value(label)})")
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in label):
        # A line break or escape code would split a CSV row or garble a table, a legend, a terminal.
        raise SpecError(f"{where}: label must be one line of text without control characters "
                        f"(received {format_value(label)})")
    schedule = Schedule(kind, params, label, where, steps=steps, framework=framework)
    if kind.compose is not None:
        schedule.phases = _build_children(kind.compose, params, own_horizon, where, framework)
    if kind.feedback:
        schedule.metric = _resolve_metric(params, horizon, where)
    if taken:
        series.attach(schedule, mapping, taken, horizon)
    return schedule


def _check_parts(mapping: Mapping, where: str) -> None:
    """Refuse a composite with too many parts or levels before building any (iteratively: the
    walk itself must not hit the recursion limit)."""
    stack, parts = [(mapping, 1)], -1  # the parts, not the composite itself
    while stack:
        node, depth = stack.pop()
        parts += 1
        if parts > MAX_PARTS:
            raise SpecError(f"{where}: more than {MAX_PARTS:,} schedules in one composite, the limit; use "
                            "fewer parts (one piecewise or multistep schedule holds many steps)")
        name = node.get("kind")
        compose = REGISTRY.get(name).compose if isinstance(name, str) and name in REGISTRY else None
        if compose is None:
            continue
        if depth > MAX_NESTING:
            raise SpecError(f"{where}: composites nested more than {MAX_NESTING} levels deep, the limit; "
                            "flatten them (a sequence of sequences is one sequence)")
        children = node.get(compose.param)
        if isinstance(children, (list, tuple)):
            stack.extend((child, depth + 1) for child in children if isinstance(child, Mapping))


def _reject_unknown(kind: Kind, values: Mapping, where: str, phase: bool) -> None:
    known = set(kind.param_names) | set(RESERVED_KEYS) | (set(PHASE_KEYS) if phase else set())
    for key in values:
        if key in known:
            continue
        if kind.extra_numeric and isinstance(key, str) and key.isidentifier():
            continue
        hint = did_you_mean(key, known) or f"; {kind.name} takes: {', '.join(kind.param_names)}"
        raise SpecError(f"{where}: unknown parameter {format_value(key)}{hint}")


def _extra_numbers(kind: Kind, values: Mapping, where: str) -> dict[str, float]:
    extra = {}
    for key, value in values.items():
        if key in kind.param_names or key in RESERVED_KEYS or key in PHASE_KEYS:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SpecError(f"{where}: {key} must be a finite number to be used in the formula "
                            f"(received {format_value(value)})")
        extra[key] = float(value)
    return extra


def _phase_steps(values: Mapping, where: str) -> int | None:
    if "steps" not in values:
        return None
    steps = values["steps"]
    if isinstance(steps, bool) or not isinstance(steps, (int, float)) or not float(steps).is_integer() \
            or steps < 0:
        raise SpecError(f"{where}: steps must be an integer >= 0 (received {format_value(steps)})")
    return int(steps)


def _fill_defaults(kind: Kind, params: dict, own_horizon: int) -> None:
    if kind.fill is not None:
        kind.fill(params, own_horizon)
    for param in kind.params:
        if params.get(param.name) is HORIZON:
            params[param.name] = param.check(own_horizon, "")
        elif is_computed(params.get(param.name)):  # pragma: no cover - a kind forgot its fill hook
            raise RuntimeError(f"{kind.name}.{param.name} has no value")


def _framework_mode(values: Mapping, where: str) -> str | None:
    framework = values.get("framework")
    if framework is not None and not (isinstance(framework, str) and framework.strip()):
        raise SpecError(f"{where}: framework must be the name of a framework (received {format_value(framework)})")
    return framework


def _build_children(compose: Compose, params: dict, horizon: int, where: str,
                    framework: str | None = None) -> list[Schedule]:
    children, start = [], 0
    raw = params[compose.param]
    inherit = {name: params[name] for name in compose.inherit}
    for i, mapping in enumerate(raw):
        here = f"{where}, {compose.child} {i + 1}"
        if compose.split and i < len(raw) - 1 and "steps" not in mapping:
            raise SpecError(f"{here}: every {compose.child} but the last needs 'steps'")
        if _is_feedback(mapping):
            raise SpecError(f"{here}: {mapping['kind']} {compose.refusal}")
        room = max(horizon - start, 1) if compose.split else horizon
        child = build(mapping, room, here, inherit=inherit, phase=compose.split, framework=framework)
        children.append(child)
        start += child.steps or 0
    params[compose.param] = [child.to_mapping() for child in children]
    return children


def _is_feedback(mapping: Mapping) -> bool:
    name = mapping.get("kind")
    return isinstance(name, str) and name in REGISTRY and REGISTRY.get(name).feedback


def _resolve_metric(params: dict, horizon: int, where: str):
    if params["metric"] is not None and params["file"] is not None:
        raise SpecError(f"{where}: give either metric or file, not both")
    if params["column"] is not None and params["file"] is None:
        raise SpecError(f"{where}: column needs file")
    if params["metric"] is not None:
        return np.asarray(params["metric"], dtype=np.float64)
    if params["file"] is not None:
        from ..io.files import read_metric_column

        if not params["file"].strip():
            raise SpecError(f"{where}: file must be a file name (received {format_value(params['file'])})")

        column = params["column"]
        # an index is a few ASCII digits: int() of 5,000 digits (or of '²') would raise
        if column is not None and column.isascii() and column.isdigit() and len(column) <= 18:
            column = int(column)
        return read_metric_column(params["file"], column)
    check_steps(horizon)  # the synthetic curve is as long as the run: refuse before allocating it
    return synthetic_loss(horizon, params["seed"])


# -- evaluating -------------------------------------------------------------------------------

def evaluate(schedule: Schedule, steps: int) -> Any:
    """lr(t) for t = 0 .. steps-1 as a float64 numpy array, every value finite.

    Parameters that pass their checks can still overflow together (exponential with gamma 10
    over 1000 steps reaches inf): such a schedule is refused, naming the first bad step.
    """
    check_run([schedule], steps)
    with np.errstate(all="ignore"):  # overflow is reported below, not as a RuntimeWarning
        values = _evaluate(schedule, steps)
    check_finite(schedule, values)
    return values


def evaluate_series(schedule: Schedule, steps: int) -> dict[str, Any]:
    """Every hyperparameter the schedule sets, step by step: {"lr": evaluate(...)} first, then
    the series its kind and its parameters produce in SERIES order ("momentum" or "beta1",
    "weight_decay"), then one "lr[g]" per parameter group (core/series.py)."""
    check_steps(steps, series.column_count(schedule))
    lr = evaluate(schedule, steps)
    out = {"lr": lr}
    out.update(series.kind_series(schedule, steps))
    if schedule.weight_decay is not None:
        out["weight_decay"] = evaluate(schedule.weight_decay, steps)
    for g, values in enumerate(series.group_values(schedule, lr, steps)):
        out[f"lr[{g}]"] = values
    return out


def check_finite(schedule: Schedule, values: Any) -> None:
    """Raise SpecError naming the schedule and the first step whose value is inf or nan."""
    with np.errstate(all="ignore"):
        if math.isfinite(np.add.reduce(values, dtype=np.float64)):  # fast path: one pass, no copy
            return
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size == 0:  # only the sum overflowed
        return
    step = int(bad[0])
    raise SpecError(f"{schedule.where}: the learning rate is {values[step]} at step {step}, not a finite "
                    "number; choose parameters that keep it finite")


def _evaluate(schedule: Schedule, steps: int) -> Any:
    params = schedule.params
    warmup = params["warmup_steps"]
    if warmup == 0:
        return _own_values(schedule, steps, offset=0)
    rest = max(steps - warmup, 0)
    count = _own_count(params, steps)
    if params["warmup_mode"] == "overlay":  # the clock runs through the warmup: drop its first values
        own = _own_values(schedule, count, offset=0)[warmup:]
    else:
        own = _own_values(schedule, count, offset=warmup)
    target = params["max_lr"] if params["warmup_target"] == "max_lr" else own[0]
    t = np.arange(min(warmup, steps), dtype=np.float64)
    return np.concatenate([_warmup(t, warmup, params, target), own[:rest]])


def _own_count(params: dict, steps: int) -> int:
    """Steps of the schedule's own clock that `steps` in all need (a warmup rising to the
    schedule's value needs its first value even when the warmup fills the steps)."""
    warmup = params["warmup_steps"]
    rest = max(steps - warmup, 0)
    if not rest and params["warmup_target"] == "schedule":
        rest = 1
    return warmup + rest if params["warmup_mode"] == "overlay" else rest


def _own_values(schedule: Schedule, count: int, offset: int) -> Any:
    compose = schedule.kind.compose
    if compose is not None:
        pieces = ((child, _evaluate(child, length))
                  for child, length in zip(schedule.phases, _child_lengths(schedule, count)) if length > 0)
        return compose.combine(schedule.params, count, pieces)
    params = schedule.params
    if schedule.metric is not None:
        params = dict(params, _metric=_metric_window(schedule, count, offset))
    t = np.arange(count, dtype=np.float64)
    try:
        values = schedule.kind.evaluate(t, params)
    except (SpecError, ExprError) as exc:  # a kind refusing to evaluate, e.g. too many restarts
        raise type(exc)(f"{schedule.where}: {str(exc).removeprefix('expr: ')}") from None
    return np.asarray(values, dtype=np.float64)


def _metric_window(schedule: Schedule, count: int, offset: int) -> Any:
    metric = schedule.metric
    needed = offset + count - 1
    if count > 1 and metric.size < needed:
        source = schedule.params.get("file")
        source = f" (from {source})" if source else ""
        raise SpecError(f"{schedule.where}: the metric has {metric.size} values{source} but {offset + count} "
                        f"steps need {needed}, as lr(t) uses metric[0..t-1]; give more values or evaluate "
                        f"at most {metric.size + 1} steps")
    return metric[offset:offset + max(count - 1, 0)]


def _child_lengths(schedule: Schedule, count: int) -> list[int]:
    """Steps each child of a composite is evaluated on: its phase (the last takes the rest), or all."""
    children = schedule.phases
    if not schedule.kind.compose.split:
        return [count] * len(children)
    lengths, start = [], 0
    for i, child in enumerate(children):
        last = i == len(children) - 1
        length = max(count - start if last else min(child.steps, count - start), 0)
        lengths.append(length)
        start += length
    return lengths


def _warmup(t: Any, length: int, params: dict, target: float) -> Any:
    start, shape = params["warmup_start_lr"], params["warmup_shape"]
    p = t / length
    if shape == "linear":
        return start + (target - start) * p
    if shape == "cosine":
        return start + (target - start) * (1.0 - np.cos(math.pi * p)) / 2.0
    if shape == "1-sqrt":
        return start + (target - start) * (1.0 - np.sqrt(1.0 - p))
    if shape == "exponential":
        return start * (target / start) ** p
    return np.full(t.shape, start, dtype=np.float64)


# -- limits -----------------------------------------------------------------------------------

MAX_BYTES_FRACTION = 0.5


def memory_needed(steps: int, columns: int = 1) -> int:
    """Bytes to hold `columns` float64 series plus evaluation temporaries (about 4 arrays each)."""
    return steps * 8 * (columns + 4)


def available_memory() -> int:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 << 30


def check_steps(steps: Any, columns: int = 1) -> int:
    """Refuse a step count that is not a positive integer or would not fit in memory."""
    _check_count(steps)
    need = memory_needed(steps, columns)
    limit = int(available_memory() * MAX_BYTES_FRACTION)
    if need > limit:
        raise UsageError(f"steps={steps} would need about {_human(need)} of memory; "
                         f"{_human(limit)} is available")
    return steps


def _check_count(steps: Any) -> None:
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise UsageError(f"steps must be an integer >= 1 (received {format_value(steps)})")


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1000
    return f"{size:.1f} PB"  # pragma: no cover


#: Values the kinds inside one schedule may compute in all, beyond twice its steps (about 10 ns
#: each): a chain of F factors computes F values per step, so F x steps is bounded, not steps alone.
MAX_VALUES = 200_000_000
#: Schedules inside one composite (children, grandchildren, ...) and levels of nested composites:
#: building walks every one, and YAML aliases can repeat a list exponentially.
MAX_PARTS = 10_000
MAX_NESTING = 32
_WARMUP_ARRAYS = 4  # the warmup's clock and its formula's temporaries
_OVERHEAD = 1 << 16  # bytes of small objects (parameters, lists, scalars) each kind's evaluation makes


@dataclass(frozen=True)
class Cost:
    """What evaluating takes, estimated before doing it."""

    bytes: int  # peak memory, the results included: an upper bound
    values: int  # values the kinds compute, a composite's parts included: the time grows with it
    arrays: float  # bytes as float64 arrays of the evaluated length (for messages)


def cost(schedule: Schedule, steps: int) -> Cost:
    """The cost of `evaluate(schedule, steps)`, computed from the built schedule alone."""
    params = schedule.params
    warmup = params["warmup_steps"]
    if not warmup:
        size, values = _own_cost(schedule, steps)
    else:
        size, values = _own_cost(schedule, _own_count(params, steps))
        shown = min(warmup, steps)
        size += 8 * (_WARMUP_ARRAYS * shown + steps)  # the warmup, then the concatenated result
        values += shown
    return Cost(size, values, size / (8 * steps))


def _own_cost(schedule: Schedule, count: int) -> tuple[int, int]:
    if schedule.kind.compose is None:
        arrays = 1 + schedule.kind.working_arrays(schedule.params)  # 1: the clock t
        return int(8 * count * arrays) + _OVERHEAD, count
    size = values = 0
    for child, length in zip(schedule.phases, _child_lengths(schedule, count)):
        if length > 0:
            part = cost(child, length)
            size, values = max(size, part.bytes), values + part.values
    return size + 16 * count, values  # beside the largest child: what is combined so far, the result


def run_cost(schedules: list[Schedule], steps: int) -> Cost:
    """The cost of evaluating `schedules` one after another and keeping every result."""
    costs = [cost(s, steps) for s in schedules]
    held = 8 * steps * len(costs)
    size = held + max((c.bytes - 8 * steps for c in costs), default=0)
    return Cost(size, sum(c.values for c in costs), size / (8 * steps))


def check_run(schedules: list[Schedule], steps: int) -> None:
    """Refuse, before anything is allocated, a run whose schedules would not fit in memory together
    or whose composites would compute too many values. Raises UsageError naming the limit."""
    _check_count(steps)
    for schedule in schedules:
        _check_values(schedule, cost(schedule, steps), steps)
    need = run_cost(schedules, steps)
    limit = int(available_memory() * MAX_BYTES_FRACTION)
    if need.bytes > limit:
        count = len(schedules)
        what = f"{schedules[0].where}: {steps:,} steps" if count == 1 else f"{count:,} schedules x {steps:,} steps"
        raise UsageError(f"{what} would need about {_human(need.bytes)} of memory ({need.arrays:,.0f} arrays "
                         f"of the steps at once); {_human(limit)} is available: use fewer steps"
                         f"{' or fewer schedules' if count > 1 else ' or a smaller schedule'}")


def _check_values(schedule: Schedule, need: Cost, steps: int) -> None:
    if need.values <= max(MAX_VALUES, 2 * steps):
        return
    compose = schedule.kind.compose
    parts = f"{compose.child}s" if compose is not None else "parts"
    raise UsageError(f"{schedule.where}: its {parts} would compute {need.values:,} values for {steps:,} "
                     f"steps, more than the limit of {MAX_VALUES:,} (a few seconds); use fewer {parts} "
                     f"or fewer steps")


def natural_steps(mapping: Mapping[str, Any]) -> int | None:
    """The run a schedule itself describes (warmup included), where it names one, else None.

    Used when a framework's scheduler is given without --steps: `OneCycleLR(total_steps=1000)`
    should be shown over its 1,000 steps, not the default 100.
    """
    if not isinstance(mapping, Mapping):
        return None
    name = mapping.get("kind")
    if not isinstance(name, str) or name not in REGISTRY:
        return None
    kind = REGISTRY.get(name)
    warmup = mapping.get("warmup_steps", 0)
    warmup = warmup if isinstance(warmup, int) else 0
    if mapping.get("warmup_mode") == "overlay":  # the warmup replaces the first steps: no longer run
        warmup = 0  # (timm's get_cycle_length adds warmup_t only with warmup_prefix=True)
    if kind.compose is not None:
        children = mapping.get(kind.compose.param)
        if not kind.compose.split or not isinstance(children, list) or not children:
            return None
        done = sum(p.get("steps", 0) for p in children[:-1] if isinstance(p, Mapping)
                   and isinstance(p.get("steps", 0), int))
        last = natural_steps(children[-1])
        return warmup + done + last if last else None
    lengths = [math.ceil(mapping[p.name]) for p in kind.params
               if p.role == "length" and _is_length(mapping.get(p.name))]
    return warmup + sum(lengths) if lengths else None


def _is_length(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e9


def evaluate_mapping(mapping: Mapping[str, Any], steps: int = DEFAULT_STEPS) -> Any:
    """Build and evaluate one schedule mapping in one call (the Python API)."""
    return evaluate(build(mapping, steps), steps)
