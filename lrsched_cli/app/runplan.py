"""How each schedule meets the run: what its lengths count, how often it is stepped, its warmup.

A schedule says `per: step` (the default: its lengths count optimizer updates) or `per: epoch`.
Per epoch it is stepped `stepping: epoch` (once per epoch, PyTorch's default loop: the value holds
within the epoch) or `stepping: iteration` (every length times the updates per epoch, as
mmengine's convert_to_iter_based and timm's t_in_epochs=False). `warmup_epochs` states a warmup
in epochs. The run's warmup_ratio gives a warmup to the schedules that state none, and a
framework scheduler written without its horizon (`hf:cosine`) gets the run's. With
scheduler_steps_per_update K (Accelerate steps the scheduler once per process) update u sees the
schedule at K x u, so it ends K times early, as it really does.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import SpecError
from .settings import DEFAULT, RunSettings

PER = ("step", "epoch")
STEPPING = ("epoch", "iteration")
RUN_KEYS = ("per", "stepping", "warmup_epochs", "steps", "branches")
DECAY_FROM = "_decay_from"  # a WSD branch: the step its decay starts at (set by expand_branches)
#: Framework arguments the run fills when the scheduler leaves them out (the Hugging Face Trainer
#: passes num_training_steps and get_warmup_steps(); torch's OneCycleLR needs a total).
HORIZON_ARGUMENTS = ("num_training_steps", "num_warmup_steps", "total_steps")


@dataclass(frozen=True)
class Plan:
    """`calls` scheduler calls are evaluated; each holds for `hold` updates (an epoch's, or 1)."""

    calls: int
    hold: int = 1
    note: str | None = None  # the working of a derived warmup
    length: int | None = None  # updates of this schedule's own run (`steps:` on it), else the run's


def prepare(mapping: Any, run: RunSettings, where: str) -> tuple[Any, int, Plan]:
    """The mapping to build (its run keys taken out and applied), the horizon to build it on,
    and how its values become one per update."""
    if not isinstance(mapping, Mapping):
        return mapping, run.steps, Plan(run.steps)
    mapping = dict(mapping)
    own = mapping.pop("steps", None)
    if own is not None and (isinstance(own, bool) or not isinstance(own, int) or own < 1):
        raise SpecError(f"{where}: steps (this schedule's own run) must be an integer >= 1 (received {own!r})")
    total = own or run.steps
    per = _choice(mapping.pop("per", "step"), "per", PER, where)
    stepping = mapping.pop("stepping", None)
    if stepping is not None and per != "epoch":
        raise SpecError(f"{where}: stepping applies to a schedule per: epoch (received per: {per})")
    stepping = _choice(stepping or "epoch", "stepping", STEPPING, where)
    warmup_epochs = mapping.pop("warmup_epochs", None)
    upe = run.updates_per_epoch
    if (per == "epoch" or warmup_epochs is not None) and upe is None:
        said = "per: epoch" if per == "epoch" else "warmup_epochs"
        raise SpecError(f"{where}: {said} needs the updates per epoch: give --dataset-size and --batch-size, "
                        "or --steps-per-epoch (run: in a file)")
    if warmup_epochs is not None and "warmup_steps" in mapping:
        raise SpecError(f"{where}: give warmup_steps or warmup_epochs, not both")
    note = None
    if per == "epoch" and stepping == "epoch":
        if warmup_epochs is not None:
            if not isinstance(warmup_epochs, int) or isinstance(warmup_epochs, bool) or warmup_epochs < 0:
                raise SpecError(f"{where}: warmup_epochs must be a whole number of epochs when the schedule is "
                                f"stepped once per epoch (received {warmup_epochs!r})")
            mapping["warmup_steps"] = warmup_epochs
        epochs = -(-total // upe)
        return _branch(mapping, where), epochs, Plan(epochs, hold=upe, length=own)
    if per == "epoch":
        from ..core.epochs import scale_lengths

        mapping = scale_lengths(mapping, upe, where)
    if warmup_epochs is not None:
        from ..core.epochs import warmup_from_epochs

        mapping["warmup_steps"], note = warmup_from_epochs(warmup_epochs, upe, where)
    elif run.warmup and "warmup_steps" not in mapping:
        mapping["warmup_steps"] = run.warmup
    if per == "epoch" and DECAY_FROM in mapping:
        mapping[DECAY_FROM] *= upe
    return _branch(mapping, where), total, Plan(total, note=note, length=own)


def expand_branches(items: list) -> list:
    """A wsd schedule with `branches: [40000, 60000]` and, after it, one copy per branch whose
    decay starts at that step (the cooldown run from that checkpoint), labelled so; each branch's
    run ends with its decay."""
    out = []
    for item in items:
        if not isinstance(item, Mapping) or "branches" not in item:
            out.append(item)
            continue
        branches = item["branches"]
        where = f"schedule {len(out) + 1}"
        if item.get("kind") != "wsd":
            raise SpecError(f"{where}: branches applies to a wsd schedule (received kind {item.get('kind')!r})")
        if not isinstance(branches, list) or not branches or not all(
                isinstance(b, int) and not isinstance(b, bool) and b >= 1 for b in branches):
            raise SpecError(f"{where} (wsd): branches must be a list of steps >= 1 where a cooldown starts "
                            f"(received {branches!r})")
        base = {key: value for key, value in item.items() if key != "branches"}
        out.append(base)
        label = base.get("label", "wsd")
        decay = base.get("decay_steps")
        ends = isinstance(decay, int) and not isinstance(decay, bool) and "steps" not in base
        for b in branches:
            out.append({**base, DECAY_FROM: b, "label": f"{label} (decay from {b})",
                        **({"steps": b + decay} if ends else {})})
    return out


def _branch(mapping: dict, where: str) -> dict:
    """A WSD branch: its stable phase ends at the branch step (its warmup now known)."""
    start = mapping.pop(DECAY_FROM, None)
    if start is None:
        return mapping
    warmup = mapping.get("warmup_steps", 0)
    if start <= warmup:
        raise SpecError(f"{where} (wsd): branches must start after the warmup (received {start} <= "
                        f"warmup_steps {warmup})")
    mapping["stable_steps"] = start - warmup
    return mapping


def _choice(value: Any, key: str, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        from ..core.registry import did_you_mean, format_value

        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        raise SpecError(f"{where}: {key} must be one of: {', '.join(choices)} (received {format_value(value)}){hint}")
    return value


def fill_horizon(item: Any, run: RunSettings) -> Any:
    """A framework scheduler written without its horizon (`hf:cosine`, `hf:linear(num_warmup_steps=50)`)
    with the run's: num_training_steps, num_warmup_steps (the warmup ratio's, else 0), total_steps."""
    if isinstance(item, Mapping) and isinstance(item.get("from"), str):
        return {**item, "from": fill_horizon(item["from"], run)}
    if not isinstance(item, str) or run.sources.get("steps", DEFAULT) == DEFAULT:
        return item  # no run said how long it is: the scheduler must
    from ..frameworks import REGISTRY, is_framework_spec

    if not is_framework_spec(item):
        return item
    prefix, _, body = item.partition(":")
    try:
        tree = ast.parse(body.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return item  # translate names the problem
    call = tree if isinstance(tree, ast.Call) else ast.Call(tree, [], []) if isinstance(tree, ast.Name) else None
    if call is None or not isinstance(call.func, ast.Name):
        return item
    ctor = REGISTRY[prefix.strip()].constructors.get(call.func.id)
    if ctor is None or call.args and len(call.args) >= len(ctor.args):
        return item
    given = {k.arg for k in call.keywords} | {a.name for a in ctor.args[:len(call.args)]}
    if {"epochs", "steps_per_epoch"} <= given:  # OneCycleLR's other way to state its horizon
        given.add("total_steps")
    values = {"num_training_steps": run.steps, "num_warmup_steps": run.warmup or 0, "total_steps": run.steps}
    names = {a.name for a in ctor.args}
    added = [ast.keyword(name, ast.Constant(values[name])) for name in HORIZON_ARGUMENTS
             if name in names and name not in given]
    if not added and call is tree:
        return item
    call.keywords = [*call.keywords, *added]
    return f"{prefix}:{ast.unparse(call)}"


def evaluate_plan(schedule: Any, plan: Plan, run: RunSettings) -> dict[str, Any]:
    """One value per update of every series of the schedule (core.engine.evaluate_series): the
    scheduler's value after K x c calls for call c, held for `hold`."""
    import numpy as np

    from ..core.engine import evaluate_series

    k = run.scheduler_steps_per_update
    if k == 1:
        series = evaluate_series(schedule, plan.calls)
    else:
        index = np.arange(plan.calls, dtype=np.int64) * k
        cap = _last_call(schedule)
        if cap is not None:
            index = np.minimum(index, cap)
        series = {key: values[index] for key, values in evaluate_series(schedule, int(index[-1]) + 1).items()}
        if cap is not None:
            series["lr"][index == cap] = _onecycle_at(schedule, cap)
    length = plan.length or run.steps
    if plan.hold > 1:
        return {key: np.repeat(values, plan.hold)[:length] for key, values in series.items()}
    return {key: values[:length] for key, values in series.items()}


def _last_call(schedule: Any) -> int | None:
    """Accelerate stops stepping a scheduler with total_steps (OneCycleLR) at its end."""
    if schedule.kind.name != "onecycle" or schedule.params["warmup_steps"]:
        return None
    return schedule.params["total_steps"]


def _onecycle_at(schedule: Any, step: int) -> float:
    """OneCycleLR's value at step total_steps, the step Accelerate's last call reaches: torch does
    not raise there but extends its last phase, which the onecycle kind computes with
    past_end=extrapolate (lrsched's own onecycle holds its final value from total_steps - 1)."""
    from ..core.engine import build, evaluate

    as_torch = build({**schedule.to_mapping(), "past_end": "extrapolate"}, step + 1, schedule.where)
    return float(evaluate(as_torch, step + 1)[step])


def plan_marks(marks: list[int], plan: Plan, run: RunSettings) -> list[int]:
    """A schedule's marks (in its own calls) as updates."""
    k = run.scheduler_steps_per_update
    moved = [-(-m // k) * plan.hold for m in marks]
    return sorted({m for m in moved if 0 < m < run.steps})
