"""torchvision's reference training scripts, by their flags (`torchvision:--lr 0.5 ...` or a launch line).

references/classification/train.py: a main scheduler (steplr, cosineannealinglr with
T_max = epochs - warmup, exponentiallr), behind a LinearLR or ConstantLR warmup of
--lr-warmup-epochs joined by SequentialLR, stepped once per epoch. references/detection/train.py:
multisteplr (--lr-steps) or cosineannealinglr (T_max = epochs), per epoch, and engine.py adds a
per-iteration warmup inside epoch 0 (a warning: it needs the data loader's length).
references/segmentation/train.py steps PolynomialLR(power=0.9) per iteration over iterations per
epoch x (epochs - warmup epochs), behind a per-iteration warmup of warmup epochs x iterations per
epoch; the iterations per epoch come from --steps-per-epoch or --dataset-size (the run geometry).
The schedule is read through lrsched's `torch:` framework, exact to torch.
"""
from __future__ import annotations

from typing import Any, Mapping

from .base import Content, Dialect, Flags, Reading, dropping_loader_batches, fail, translated, unsupported
from .fragments import flag_text, proved

SCHEDULERS = ("steplr", "cosineannealinglr", "exponentiallr", "multisteplr", "polynomial")
MARKERS = ("--lr-scheduler", "--lr-warmup-epochs", "--lr-step-size", "--lr-steps", "--lr-warmup-method")
#: Each reference's defaults: --lr, --epochs, --lr-scheduler, --lr-warmup-method.
REFERENCES = {
    "classification": (0.1, 90, "steplr", "constant"),
    "detection": (0.02, 26, "multisteplr", "linear"),
    "segmentation": (0.01, 30, "polynomial", "linear"),
}


def _detect(content: Content) -> str | None:
    flags = content.flags()
    if any(marker in flags for marker in MARKERS):
        return None
    return "no torchvision reference flag such as " + ", ".join(MARKERS[:3])


def _reference(f: Flags) -> str:
    """Which reference script the flags are for (their defaults differ)."""
    scheduler = f.text("--lr-scheduler", "", lower=True)
    if scheduler == "polynomial":
        return "segmentation"
    if scheduler == "multisteplr" or f.given("--lr-steps"):
        return "detection"
    return "classification"


def _read(content: Content, overrides: Mapping[str, Any]) -> Reading:
    f = Flags(content, "torchvision")
    reference = _reference(f)
    default_lr, default_epochs, default_scheduler, default_method = REFERENCES[reference]
    reading = Reading("torchvision", content.name, {}, run={"unit": "epoch"})
    lr, epochs = f.number("--lr", default_lr), f.number("--epochs", default_epochs, int)
    reading.put("base_lr", lr, "--lr" if f.given("--lr") else f"the {reference} reference's default --lr")
    reading.put("epochs", epochs, "--epochs" if f.given("--epochs") else f"the {reference} reference's default")
    reading.put("steps", epochs, "--epochs")
    reading.put("batch_size", f.number("--batch-size", kind=int), "--batch-size")
    scheduler = f.text("--lr-scheduler", default_scheduler, lower=True)
    if scheduler not in SCHEDULERS:
        raise unsupported(content, "--lr-scheduler", scheduler, SCHEDULERS)
    warmup = f.number("--lr-warmup-epochs", 0, int)
    if reference == "segmentation":
        per_iter = _iterations_per_epoch(f, content, overrides, reading)
        if epochs - warmup < 1:
            raise fail(content, f"--epochs ({epochs}) must exceed --lr-warmup-epochs ({warmup}) for the polynomial")
        # PolynomialLR(total_iters=iters_per_epoch * (epochs - lr_warmup_epochs), power=0.9), stepped per iteration
        main, warmup = f"PolynomialLR(total_iters={per_iter * (epochs - warmup)}, power=0.9)", warmup * per_iter
        reading.run["unit"] = "step"
        reading.put("steps", per_iter * epochs, "--epochs x iterations per epoch (the reference steps per iteration)")
    else:
        main = _main(f, scheduler, epochs, warmup, reference, content)
    if reference == "detection":
        reading.warnings.append("the detection reference's engine.py also warms up per iteration inside epoch 0 "
                                "(LinearLR from 1/1000 over min(1000, len(data_loader) - 1) iterations); not shown")
    text = f"torch:{main}"
    if warmup > 0:
        method = f.text("--lr-warmup-method", default_method, ("linear", "constant"), lower=True)
        decay = f.number("--lr-warmup-decay", 0.01)
        first = (f"LinearLR(start_factor={decay!r}, total_iters={warmup})" if method == "linear"
                 else f"ConstantLR(factor={decay!r}, total_iters={warmup})")
        text = f"torch:SequentialLR(schedulers=[{first}, {main}], milestones=[{warmup}])"
    reading.schedule = translated(content, text, overrides.get("base_lr") or lr, "the reference")
    reading.schedule["label"] = f"torchvision:{scheduler}"
    return reading


def _iterations_per_epoch(f: Flags, content: Content, overrides: Mapping[str, Any], reading: Reading) -> int:
    """len(data_loader) of the segmentation reference, a DataLoader(drop_last=True)."""
    batch = overrides.get("batch_size") or f.number("--batch-size", 8, int)
    iterations = dropping_loader_batches(content, overrides, batch, "--lr-scheduler polynomial (the segmentation "
                                         "reference) steps per iteration over iters_per_epoch x (epochs - warmup "
                                         "epochs)")
    if iterations is None:
        reading.put("steps_per_epoch", overrides["steps_per_epoch"], "--steps-per-epoch")
        return overrides["steps_per_epoch"]
    reading.put("batch_size", batch, "--batch-size" if f.given("--batch-size") else "the reference's default")
    reading.put("drop_last", True, "the reference's DataLoader(drop_last=True)")
    reading.put("steps_per_epoch", iterations, "len(data_loader): drop_last, each device ceil(N / devices) samples")
    return iterations


def _main(f: Flags, scheduler: str, epochs: int, warmup: int, reference: str, content: Content) -> str:
    gamma = f.number("--lr-gamma", 0.1)
    if scheduler == "steplr":
        return f"StepLR(step_size={f.number('--lr-step-size', 30, int)}, gamma={gamma!r})"
    if scheduler == "exponentiallr":
        return f"ExponentialLR(gamma={gamma!r})"
    if scheduler == "multisteplr":
        return f"MultiStepLR(milestones={f.numbers('--lr-steps', [16, 22])}, gamma={gamma!r})"
    if reference == "detection":  # T_max = epochs, no eta_min flag
        return f"CosineAnnealingLR(T_max={epochs})"
    if epochs - warmup < 1:
        raise fail(content, f"--epochs ({epochs}) must exceed --lr-warmup-epochs ({warmup}) for cosineannealinglr")
    return f"CosineAnnealingLR(T_max={epochs - warmup}, eta_min={f.number('--lr-min', 0.0)!r})"


# -- writing (export --to torchvision) ----------------------------------------------------------

HOLDS = ("the classification reference's per-epoch schedules: step, cosine (cycle_length = the epochs after "
         "the warmup, no exponent) or exponential, behind a linear or constant warmup of whole epochs that starts "
         "at a fraction of --lr (--lr-warmup-decay)")


def _main_flags(schedule: Any) -> dict[str, Any] | None:
    p, name = schedule.params, schedule.kind.name
    if name == "step":
        return {"--lr-scheduler": "steplr", "--lr-step-size": p["step_size"], "--lr-gamma": p["gamma"]}
    if name == "cosine":
        return {"--lr-scheduler": "cosineannealinglr", "--lr-min": p["min_lr"] or None}
    if name == "exponential":
        return {"--lr-scheduler": "exponentiallr", "--lr-gamma": p["gamma"]}
    return None


def _write(schedule: Any, steps: int) -> str:
    """The classification reference's flags for `schedule` over `steps` epochs."""
    p = schedule.params
    main = _main_flags(schedule)
    candidates = []
    if main is not None:
        flags = {"--lr": p["max_lr"], **main, "--epochs": steps}
        warmup = p["warmup_steps"]
        if warmup:
            shape = {"linear": "linear", "constant": "constant"}.get(p["warmup_shape"], "linear")
            flags.update({"--lr-warmup-epochs": warmup, "--lr-warmup-method": shape,
                          "--lr-warmup-decay": p["warmup_start_lr"] / p["max_lr"]})
        candidates.append(flag_text(flags))
    return proved(DIALECT, candidates, schedule, steps, HOLDS)


DIALECT = Dialect(
    name="torchvision",
    summary="torchvision reference flags (classification and detection per epoch; segmentation per iteration)",
    detect=_detect,
    read=_read,
    reads=("--lr", "--epochs", "--lr-scheduler", "--lr-step-size", "--lr-steps", "--lr-gamma", "--lr-min",
           "--lr-warmup-epochs", "--lr-warmup-method", "--lr-warmup-decay", "--batch-size"),
    warns=("the detection reference's per-iteration warmup in epoch 0",),
    ignores=("every other flag (model, data, augmentation, optimizer, EMA)",),
    prefix=True,
    write=_write,
)
