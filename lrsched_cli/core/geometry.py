"""The arithmetic of a training run: samples, batches, devices and accumulation to optimizer updates.

Pure integer arithmetic (no numpy), each rule as a trainer computes it, each result with the line
that shows its working ("407 = ceil(3251 batches / 8 accumulation)"):

- batches per device and epoch: ceil(ceil(N / B) / G), the last partial batch counted, as the
  PyTorch DataLoader and Accelerate's BatchSamplerShard (even_batches) count; with drop_last
  floor(floor(N / B) / G). N samples, B the batch per device, G devices.
- updates per epoch: ceil(batches / A), the last partial accumulation counted (Hugging Face
  Trainer 5.x `set_initial_training_values`, Lightning `estimated_stepping_batches`); the
  accum_rule "floor" is Hugging Face 4.x (batches // A), both at least 1.
- total updates: max_steps as given (it beats epochs, as in the Hugging Face Trainer), else
  ceil(E x updates per epoch), E possibly fractional (Hugging Face `max_steps =
  math.ceil(num_train_epochs * num_update_steps_per_epoch)`); tokens or samples: floor(T / (B x
  G x A x L)) and floor(S / (B x G x A)), the last partial update not run (Megatron-LM
  `train_samples // global_batch_size`, OLMo `tokens_remaining // tokens_per_batch`).
- warmup: ceil(r x total updates) (Hugging Face `get_warmup_steps`).

Errors are `GeometryError` with one line; `name(key)` spells a setting as its source knows it
(`--batch-size` on the command line, `batch_size` in a file).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

ACCUM_RULES = {
    "ceil": "the last partial accumulation counts (Hugging Face Trainer 5.x, Lightning)",
    "floor": "the last partial accumulation is dropped (Hugging Face Trainer 4.x)",
}
#: Every rule, as `lrsched describe run` and the README state them.
RULES = (
    ("batches per device and epoch", "ceil(ceil(N / B) / G): the last partial batch counts (PyTorch DataLoader, "
     "Accelerate's sharded batches); with drop_last floor(floor(N / B) / G)"),
    ("updates per epoch", "ceil(batches / A): the last partial accumulation counts (Hugging Face Trainer 5.x, "
     "Lightning); accum_rule floor: batches // A (Hugging Face Trainer 4.x); at least 1"),
    ("total updates from epochs", "ceil(E x updates per epoch); E may be fractional (Hugging Face Trainer)"),
    ("max_steps", "the total updates as given; it beats epochs (Hugging Face Trainer); given in one place "
     "with epochs, the two must agree"),
    ("tokens, samples", "floor(T / (B x G x A x L)), floor(S / (B x G x A)): a last partial update is not run "
     "(Megatron-LM train_samples, OLMo tokens)"),
    ("warmup_ratio", "warmup = ceil(r x total updates) (Hugging Face get_warmup_steps), given to every "
     "schedule that states no warmup"),
    ("warmup_epochs", "warmup = floor(E x updates per epoch) (mmengine's int()); stepped per epoch, E epochs"),
    ("precedence", "the command line, then the file's run: block; among max_steps, tokens, samples, epochs and "
     "steps of one source the first fixes the total and the others must agree"),
    ("a batch larger than the dataset", "one batch per epoch (a note, as the trainers); with drop_last none: "
     "refused"),
    ("scheduler_steps_per_update K", "update u sees the schedule after K x u calls: Accelerate steps a "
     "prepared scheduler once per process, so a schedule meant for N updates ends after N / K"),
)
#: The settings that fix the number of updates, the first winning among those of one source.
TOTALS = ("max_steps", "tokens", "samples", "epochs", "steps")


class GeometryError(ValueError):
    """A run that cannot be computed; the message is one line, naming the setting and the rule."""


@dataclass(frozen=True)
class Geometry:
    """What a run's numbers come to, and how."""

    updates_per_epoch: int | None = None
    total: int | None = None  # optimizer updates; None when nothing but `steps` says it
    warmup: int | None = None  # from warmup_ratio
    samples_per_update: int | None = None  # the global batch B x G x A
    tokens_per_update: int | None = None  # the global batch x seq_len
    lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    derived: bool = False  # the total comes from the geometry, not from `steps` as given


def number(value: Any) -> str:
    """A count or a ratio as a person writes it: 3, 2.5, 0.03."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def batches_per_device(samples: int, batch: int, devices: int = 1, drop_last: bool = False) -> tuple[int, str]:
    """Batches each device sees in one epoch, and the working."""
    if drop_last:
        value = samples // batch // devices
        inner = f"floor({samples} / {batch})"
        text = f"floor({inner} / {devices} devices)" if devices > 1 else inner
    else:
        value = -(-(-(-samples // batch)) // devices)
        inner = f"ceil({samples} / {batch})"
        text = f"ceil({inner} / {devices} devices)" if devices > 1 else inner
    return value, f"{value} = {text}"


def updates_from_batches(batches: int, accum: int = 1, rule: str = "ceil") -> tuple[int, str | None]:
    """Optimizer updates per epoch from the batches of one device; at least 1, as the trainers."""
    if accum == 1:
        return max(batches, 1), None
    exact = -(-batches // accum) if rule == "ceil" else batches // accum
    value = max(exact, 1)
    text = f"{value} = {rule}({batches} batches / {accum} accumulation)"
    return value, text + (" (at least 1)" if exact != value else "")


def updates_from_epochs(epochs: float, per_epoch: int) -> tuple[int, str]:
    product = epochs * per_epoch
    whole = isinstance(epochs, int) or float(epochs).is_integer()
    value = int(product) if whole else math.ceil(product)
    text = f"{number(epochs)} epochs x {per_epoch} updates/epoch"
    return value, f"{value} updates = {text if whole else f'ceil({text})'}"


def updates_from_amount(amount: float, per_update: int, what: str) -> tuple[int, str]:
    """Tokens or samples to updates: floor, the last partial update is not run."""
    value = int(amount // per_update)
    return value, f"{value} updates = floor({number(amount)} {what} / {per_update} {what}/update)"


def warmup_from_ratio(ratio: float, total: int) -> tuple[int, str]:
    value = math.ceil(ratio * total)
    return value, f"warmup {value} = ceil({number(ratio)} x {total})"


def derive(values: Mapping[str, Any], ranks: Mapping[str, int] | None = None,
           name: Callable[[str], str] = str) -> Geometry:
    """The run's geometry from its settings (absent or None: not given).

    `ranks` orders the sources (0 the command line, 1 the file; absent: a default): among the
    settings that fix the total, the best-ranked source wins; two of one source must agree.
    """
    get = {key: value for key, value in values.items() if value is not None}
    ranks = ranks or {}
    lines: list[str] = []
    notes: list[str] = []
    per_epoch = _per_epoch(get, ranks, name, lines, notes)
    if "dataset_size" not in get and "tokens" not in get and "samples" not in get:
        unused = [key for key, default in (("drop_last", False), ("world_size", 1), ("grad_accum", 1))
                  if get.get(key, default) != default]
        if unused:  # said, not refused: the settings may come from a shared file
            notes.append(f"{', '.join(name(key) for key in unused)} changes nothing without "
                         f"{name('dataset_size')}, {name('tokens')} or {name('samples')}")
    batch = _global_batch(get, name, lines)
    candidates = _totals(get, per_epoch, batch, name)
    total, chosen = _choose(candidates, ranks, name)
    if chosen not in (None, "steps"):
        lines[:0] = [line for line in candidates[chosen][1] if line]
    warmup = None
    if "warmup_ratio" in get:
        if total is None:
            raise GeometryError(f"{name('warmup_ratio')} needs the run's total updates: give "
                                f"{name('max_steps')}, or {name('epochs')} with the updates per epoch")
        warmup, line = warmup_from_ratio(get["warmup_ratio"], total)
        if warmup >= total:
            raise GeometryError(f"{name('warmup_ratio')} {number(get['warmup_ratio'])} makes a warmup of "
                                f"{warmup} updates, not shorter than the run's {total}")
        lines.append(line)
    if per_epoch is not None and get.get("grad_accum", 1) > 1:
        lines.append(f"accumulation rule {get.get('accum_rule', 'ceil')}: "
                     f"{ACCUM_RULES[get.get('accum_rule', 'ceil')]}")
    tokens = batch * get["seq_len"] if batch is not None and "seq_len" in get else None
    return Geometry(per_epoch, total, warmup, batch, tokens, tuple(lines), tuple(notes),
                    derived=chosen not in (None, "steps"))


def _per_epoch(get: Mapping[str, Any], ranks: Mapping[str, int], name: Callable[[str], str],
               lines: list[str], notes: list[str]) -> int | None:
    """Updates per epoch: given (steps_per_epoch) or from the dataset; both given must agree."""
    from_data = None
    if "dataset_size" in get:
        if "batch_size" not in get:
            raise GeometryError(f"{name('dataset_size')} needs {name('batch_size')} (samples per device "
                                "and batch) to count the updates per epoch")
        n, b, g = get["dataset_size"], get["batch_size"], get.get("world_size", 1)
        drop = bool(get.get("drop_last", False))
        batches, batch_line = batches_per_device(n, b, g, drop)
        if batches == 0:
            raise GeometryError(f"{name('batch_size')} {b} x {g} devices is more than {name('dataset_size')} "
                                f"{n} with {name('drop_last')}: every batch is dropped, 0 updates per epoch")
        if b * g > n:
            notes.append(f"the batch ({b} x {g} devices) is larger than the dataset ({n} samples): one "
                         "batch per epoch, as the trainers do")
        from_data, accum_line = updates_from_batches(batches, get.get("grad_accum", 1), get.get("accum_rule", "ceil"))
        if get.get("grad_accum", 1) > batches:
            notes.append(f"{name('grad_accum')} {get['grad_accum']} is more than the {batches} batches of an "
                         f"epoch: {from_data} update per epoch")
        lines.extend(line for line in (accum_line, batch_line) if line)
        if accum_line is None:
            lines[-1] = f"{from_data} updates/epoch = {batch_line.partition(' = ')[2]}"
    given = get.get("steps_per_epoch")
    if given is not None and from_data is not None:
        if ranks.get("steps_per_epoch", 2) == ranks.get("dataset_size", 2) and given != from_data:
            raise GeometryError(f"{name('steps_per_epoch')} {given} and {name('dataset_size')} {get['dataset_size']} "
                                f"disagree: the dataset makes {from_data} updates per epoch; give one")
        if ranks.get("steps_per_epoch", 2) > ranks.get("dataset_size", 2):
            return from_data
        lines.clear()
    return given if given is not None else from_data


def _global_batch(get: Mapping[str, Any], name: Callable[[str], str], lines: list[str]) -> int | None:
    if "batch_size" not in get:
        for key in ("tokens", "samples", "seq_len"):
            if key in get:
                raise GeometryError(f"{name(key)} needs {name('batch_size')} (with {name('world_size')} and "
                                    f"{name('grad_accum')}) to count samples per update")
        return None
    b, g, a = get["batch_size"], get.get("world_size", 1), get.get("grad_accum", 1)
    value = b * g * a
    if ("tokens" in get or "samples" in get) and (g > 1 or a > 1):
        lines.append(f"{value} samples/update = {b} x {g} devices x {a} accumulation")
    return value


def _totals(get: Mapping[str, Any], per_epoch: int | None, batch: int | None,
            name: Callable[[str], str]) -> dict[str, tuple[int, list[str]]]:
    """Each setting that fixes the total, with its value and working."""
    found: dict[str, tuple[int, list[str]]] = {}
    if "max_steps" in get:
        found["max_steps"] = get["max_steps"], [f"{get['max_steps']} updates = {name('max_steps')}"]
    if "tokens" in get:
        if "seq_len" not in get:
            raise GeometryError(f"{name('tokens')} needs {name('seq_len')} (tokens per sample) to count updates")
        per_update = batch * get["seq_len"]
        lines = [f"{per_update} tokens/update = {batch} samples/update x {get['seq_len']} tokens/sample"]
        value, line = updates_from_amount(get["tokens"], per_update, "tokens")
        found["tokens"] = value, [line, *lines]
    if "samples" in get:
        value, line = updates_from_amount(get["samples"], batch, "samples")
        found["samples"] = value, [line]
    if "epochs" in get:
        if per_epoch is None:
            raise GeometryError(f"{name('epochs')} needs the updates per epoch: give {name('dataset_size')} "
                                f"and {name('batch_size')}, or {name('steps_per_epoch')}")
        value, line = updates_from_epochs(get["epochs"], per_epoch)
        found["epochs"] = value, [line]
    if "steps" in get:  # the evaluated steps, when a source gave them: said directly, no working
        found["steps"] = get["steps"], [f"{get['steps']} updates = {name('steps')}"]
    for key, (value, _) in found.items():
        if value < 1:
            raise GeometryError(f"{name(key)} {number(get[key])} makes 0 updates; the run needs at least one")
    return found


def _choose(candidates: Mapping[str, tuple[int, list[str]]], ranks: Mapping[str, int],
            name: Callable[[str], str]) -> tuple[int | None, str | None]:
    """The total of the best-ranked source; its other settings must agree with it."""
    if not candidates:
        return None, None
    order = sorted(candidates, key=lambda key: (ranks.get(key, 2), TOTALS.index(key)))
    chosen = order[0]
    total = candidates[chosen][0]
    for other in order[1:]:
        if ranks.get(other, 2) == ranks.get(chosen, 2) and candidates[other][0] != total:
            rule = " (max_steps beats epochs in the Hugging Face Trainer)" if other == "epochs" else ""
            raise GeometryError(f"{name(chosen)} and {name(other)} disagree: {candidates[chosen][1][0]} but "
                                f"{candidates[other][1][0]}; give one{rule}")
    return total, chosen
