"""Megatron-LM's command-line flags (a launch command, a shell script, or `megatron:--lr ...`).

Replayed from megatron/core/optimizer_param_scheduler.py (`OptimizerParamScheduler.get_lr`) and
megatron/training/training.py (`get_optimizer_param_scheduler`): the scheduler counts samples.
Each iteration calls `step(increment=global batch size)` and the constructor calls `step(0)`, so
after t iterations num_steps = t x G. With --train-iters the warmup and decay lengths are
iterations x G; with --train-samples they are samples. The formulas keep the library's order of
operations (tests/golden/trainers_golden.json holds megatron-core's own values).
"""
from __future__ import annotations

from typing import Any, Mapping

from .base import Content, Dialect, Flags, Reading, fail, formula
from .fragments import flag_text, proved

STYLES = ("constant", "linear", "cosine", "inverse-square-root", "WSD")
WSD_STYLES = ("exponential", "linear", "cosine", "minus_sqrt")
MARKERS = ("--lr-decay-style", "--train-iters", "--train-samples", "--lr-warmup-iters", "--lr-warmup-fraction",
           "--lr-decay-iters", "--global-batch-size", "--micro-batch-size", "--min-lr")

#: The decay coefficient of each style (and of each WSD decay style), from get_lr.
COEFFICIENTS = {
    "linear": "1.0 - {r}",
    "cosine": "0.5 * (cos(pi * {r}) + 1.0)",
    "exponential": "(2.0 * 0.5 ** {r}) - 1.0",
    "minus_sqrt": "1.0 - sqrt({r})",
}


def _detect(content: Content) -> str | None:
    flags = content.flags()
    if any(marker in flags for marker in MARKERS):
        return None
    return "no Megatron flag such as " + ", ".join(MARKERS[:3])


def _read(content: Content, overrides: Mapping[str, Any]) -> Reading:
    f = Flags(content, "megatron")
    reading = Reading("megatron", content.name, {}, run={"unit": "step"})
    lr = f.number("--lr")
    reading.put("base_lr", lr, "--lr")
    lr = overrides.get("base_lr") or lr
    if lr is None:
        raise fail(content, "--lr is required (Megatron has no default learning rate)")
    style = f.text("--lr-decay-style", "linear", STYLES)
    low, init = f.number("--min-lr", 0.0), f.number("--lr-warmup-init", 0.0)
    if not 0.0 <= low <= lr or init > lr:
        raise fail(content, f"Megatron requires 0 <= --min-lr <= --lr and --lr-warmup-init <= --lr "
                            f"(received --lr {lr}, --min-lr {low}, --lr-warmup-init {init})")
    batch = _global_batch(f, reading, content)
    warmup, decay, wsd = _lengths(f, reading, content, batch)
    if not 0 <= warmup < decay:
        raise fail(content, f"Megatron requires the warmup ({warmup:g} samples) to be shorter than the decay "
                            f"({decay:g} samples)")
    expr = _decay(style, f, content, wsd)
    if style != "constant":
        expr = f"where(t * G > D, min_lr, {expr})"
    if warmup > 0:
        expr = f"where(t * G <= W, init_lr + (max_lr - init_lr) * (t * G) / W, {expr})"
    reading.schedule = formula(expr, lr, f"megatron:{style}", min_lr=low, init_lr=init, G=batch, W=warmup,
                               D=decay, S=decay - (wsd or 0), WD=wsd or 1)
    segments = _rampup(f, reading, content, batch)
    if segments:
        reading.schedule = _ramped(reading.schedule, segments)
    return reading


def _global_batch(f: Flags, reading: Reading, content: Content) -> int:
    """G, the samples per iteration: --global-batch-size, else micro x data-parallel size (unknown here)."""
    batch = f.number("--global-batch-size", kind=int)
    micro = f.number("--micro-batch-size", kind=int)
    reading.put("batch_size", micro, "--micro-batch-size")
    if batch is not None:
        if batch < 1:
            raise fail(content, f"--global-batch-size must be >= 1 (received {batch})")
        return batch
    if f.given("--train-samples"):
        raise fail(content, "--train-samples counts samples, so the global batch size is needed: give "
                            "--global-batch-size")
    # With --train-iters every length is a multiple of G, so G cancels out of every ratio exactly.
    reading.notes.append("no --global-batch-size: lengths in iterations do not depend on it")
    return 1


def _lengths(f: Flags, reading: Reading, content: Content, batch: int) -> tuple[float, float, float | None]:
    """The warmup, decay and WSD-decay lengths in samples, as get_optimizer_param_scheduler sets them."""
    iters, samples = f.number("--train-iters", kind=int), f.number("--train-samples", kind=int)
    fraction = f.number("--lr-warmup-fraction")
    if fraction is not None and (f.given("--lr-warmup-iters") or f.given("--lr-warmup-samples")):
        raise fail(content, "Megatron takes one of --lr-warmup-fraction and --lr-warmup-iters/--lr-warmup-samples")
    if iters:
        if f.given("--lr-warmup-samples") or f.given("--lr-decay-samples"):
            raise fail(content, "with --train-iters, give the warmup and decay in iterations (--lr-warmup-iters, "
                                "--lr-decay-iters), as Megatron requires")
        reading.put("steps", iters, "--train-iters")
        decay = f.number("--lr-decay-iters", iters, int) * batch
        wsd = f.number("--lr-wsd-decay-iters", kind=int)
        wsd = wsd * batch if wsd is not None else None
        warmup = fraction * decay if fraction is not None else f.number("--lr-warmup-iters", 0, int) * batch
    elif samples:
        if f.given("--lr-warmup-iters") or f.given("--lr-decay-iters"):
            raise fail(content, "with --train-samples, give the warmup and decay in samples (--lr-warmup-samples, "
                                "--lr-decay-samples), as Megatron requires")
        reading.put("samples", samples, "--train-samples")
        reading.put("steps", samples // batch, "--train-samples // --global-batch-size")
        decay = f.number("--lr-decay-samples", samples, int)
        wsd = f.number("--lr-wsd-decay-samples", kind=int)
        warmup = fraction * decay if fraction is not None else f.number("--lr-warmup-samples", 0, int)
    else:
        raise fail(content, "give --train-iters or --train-samples (Megatron needs one of them)")
    if decay <= 0:
        raise fail(content, "the decay length must be > 0")
    return float(warmup), float(decay), (float(wsd) if wsd is not None else None)


def _decay(style: str, f: Flags, content: Content, wsd: float | None) -> str:
    if style == "constant":
        return "max_lr"
    if style == "inverse-square-root":
        # warmup_steps = max(W, 1), num_steps = max(n, 1); lr = max(min_lr, max_lr * W**0.5 / n**0.5)
        return "maximum(min_lr, max_lr * maximum(W, 1) ** 0.5 / (maximum(t * G, 1) ** 0.5))"
    ratio = "((t * G - W) / (D - W))"
    if style != "WSD":
        return f"min_lr + ({COEFFICIENTS[style].format(r=ratio)}) * (max_lr - min_lr)"
    if wsd is None:
        raise fail(content, "--lr-decay-style WSD needs --lr-wsd-decay-iters (or --lr-wsd-decay-samples)")
    decay_style = f.text("--lr-wsd-decay-style", "exponential", WSD_STYLES)
    coeff = COEFFICIENTS[decay_style].format(r="((t * G - S) / WD)")
    return f"where(t * G <= S, min_lr + 1.0 * (max_lr - min_lr), min_lr + ({coeff}) * (max_lr - min_lr))"


def _rampup(f: Flags, reading: Reading, content: Content, batch: int) -> list[tuple[int, int, int]]:
    """--rampup-batch-size START INCREMENT SAMPLES with --train-samples: the iterations' batch sizes as
    megatron/core/num_microbatches_calculator.py sets them (RampupBatchsizeNumMicroBatchesCalculator:
    START + int(consumed / (SAMPLES / increments)) x INCREMENT while consumed <= SAMPLES, then G), as
    (first iteration, samples consumed before it, batch) per run of equal batches; the run length as
    training.py's update_train_iters counts it. Each iteration steps the scheduler by its batch."""
    ramp = f.numbers("--rampup-batch-size", kind=int)
    if ramp is None:
        return []
    if not f.given("--train-samples"):
        reading.warnings.append("--rampup-batch-size grows the batch during the ramp-up; with --train-iters "
                                "lrsched assumes G samples per iteration throughout (Megatron ramps up "
                                "sample-based runs: give --train-samples to have it modelled)")
        return []
    if len(ramp) != 3:
        raise fail(content, f"--rampup-batch-size takes three values, start batch, increment and ramp-up samples "
                            f"(received {len(ramp)})")
    start, step, samples = ramp
    increments, rest = divmod(batch - start, step) if step > 0 else (0, 1)
    if start < 1 or step < 1 or samples < 0 or increments < 1 or rest:
        raise fail(content, f"--rampup-batch-size {start} {step} {samples}: Megatron needs 0 < start < "
                            f"--global-batch-size ({batch}), their difference a multiple of the increment, and "
                            "ramp-up samples >= 0")
    if f.given("--decrease-batch-size-if-needed"):
        reading.warnings.append("--decrease-batch-size-if-needed rounds each ramp-up batch down to a multiple of "
                                "micro batch x data-parallel size, which lrsched does not know: the batches are "
                                "shown unrounded")
    per_increment = samples / increments
    segments, consumed, iteration = [], 0, 0
    while consumed <= samples:
        size = start + int(consumed / per_increment) * step
        if not segments or segments[-1][2] != size:
            segments.append((iteration, consumed, size))
        consumed, iteration = consumed + size, iteration + 1
    if segments[-1][2] != batch:
        segments.append((iteration, consumed, batch))
    total = reading.run["samples"]
    reading.put("steps", iteration + max(total - consumed, 0) // batch,
                "the ramp-up's iterations + (--train-samples - their samples) // --global-batch-size")
    return segments


def _ramped(mapping: dict, segments: list[tuple[int, int, int]]) -> dict:
    """The formula in consumed samples, as a sequence of one phase per batch size: phase k counts
    samples consumed_k + t x batch_k on its own clock t."""
    ramped = mapping["expr"].replace("t * G", "(c0 + t * G)")
    phases = []
    for k, (first, consumed, size) in enumerate(segments):
        phase = {**mapping, "expr": ramped, "G": float(size), "c0": float(consumed)}
        phase.pop("label")
        if k + 1 < len(segments):
            phase["steps"] = segments[k + 1][0] - first
        phases.append(phase)
    return {"kind": "sequence", "max_lr": mapping["max_lr"], "phases": phases, "label": mapping["label"]}


# -- writing (export --to megatron) ----------------------------------------------------------

HOLDS = ("a linear warmup (from --lr-warmup-init) to --lr, then constant, linear (polynomial power 1 or linear "
         "from factor 1), cosine (integer cycle, exponent 1), inverse_sqrt (timescale = warmup) or wsd (linear, "
         "cosine or 1-sqrt decay), holding --min-lr after the decay")
#: The order a written fragment gives its flags in.
ORDER = ("--lr", "--min-lr", "--lr-decay-style", "--lr-wsd-decay-style", "--lr-warmup-iters", "--lr-warmup-init",
         "--lr-decay-iters", "--lr-wsd-decay-iters", "--train-iters")
#: lrsched's wsd decay_type -> --lr-wsd-decay-style.
WSD_DECAYS = {"linear": "linear", "cosine": "cosine", "1-sqrt": "minus_sqrt"}


def _decay_flags(schedule: Any, warmup: int) -> dict[str, Any] | None:
    """--lr-decay-style and the lengths for the schedule's kind, in iterations; None when none fits."""
    p, name = schedule.params, schedule.kind.name
    if name == "constant":
        return {"--lr-decay-style": "constant"}
    if name == "polynomial" and p["power"] == 1.0:
        return {"--min-lr": p["min_lr"], "--lr-decay-style": "linear", "--lr-decay-iters": warmup + p["max_update"]}
    if name == "linear" and p["start_factor"] == 1.0:
        return {"--min-lr": p["max_lr"] * p["end_factor"], "--lr-decay-style": "linear",
                "--lr-decay-iters": warmup + p["total_iters"]}
    if name == "cosine" and float(p["cycle_length"]).is_integer():
        return {"--min-lr": p["min_lr"], "--lr-decay-style": "cosine",
                "--lr-decay-iters": warmup + int(p["cycle_length"])}
    if name == "inverse_sqrt":
        return {"--lr-decay-style": "inverse-square-root"}
    if name == "wsd" and p["decay_type"] in WSD_DECAYS:
        return {"--min-lr": p["min_lr"], "--lr-decay-style": "WSD", "--lr-wsd-decay-style": WSD_DECAYS[p["decay_type"]],
                "--lr-wsd-decay-iters": p["decay_steps"],
                "--lr-decay-iters": warmup + p["stable_steps"] + p["decay_steps"]}
    return None


def _write(schedule: Any, steps: int) -> str:
    """The flags that make Megatron's OptimizerParamScheduler run `schedule` over `steps` iterations."""
    p = schedule.params
    warmup = p["warmup_steps"]
    decay = _decay_flags(schedule, warmup)
    candidates = []
    if decay is not None:
        flags = {"--lr": p["max_lr"], **decay, "--lr-warmup-iters": warmup or None,
                 "--lr-warmup-init": p["warmup_start_lr"] if warmup and p["warmup_start_lr"] else None,
                 "--train-iters": steps}
        candidates.append(flag_text({name: flags.get(name) for name in ORDER}))
    return proved(DIALECT, candidates, schedule, steps, HOLDS)


DIALECT = Dialect(
    name="megatron",
    summary="Megatron-LM flags: --lr-decay-style constant, linear, cosine, inverse-square-root, WSD",
    detect=_detect,
    read=_read,
    reads=("--lr", "--min-lr", "--lr-warmup-init", "--lr-decay-style", "--lr-wsd-decay-style", "--lr-warmup-iters",
           "--lr-warmup-fraction", "--lr-warmup-samples", "--lr-decay-iters", "--lr-decay-samples",
           "--lr-wsd-decay-iters", "--lr-wsd-decay-samples", "--train-iters", "--train-samples",
           "--global-batch-size", "--micro-batch-size", "--rampup-batch-size (with --train-samples)"),
    warns=("--rampup-batch-size with --train-iters", "--decrease-batch-size-if-needed"),
    ignores=("every other flag (model, parallelism, data, checkpointing)",),
    prefix=True,
    write=_write,
)
