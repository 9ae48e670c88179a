"""Regenerate tests/golden/torch_golden.json: learning rates computed by the real PyTorch.

This script is only how the golden fixture is (re)generated; torch is NOT a dependency of
lrsched and the test suite never imports it. To regenerate (about 1 GB of CPU wheel):

    pip install torch==2.13.0 && python scripts/make_golden.py

(use a separate virtual environment so torch stays out of the project's). The output is
deterministic: running the script twice gives byte-identical JSON.

Time model: lr(t), t = 0..steps-1, is ``optimizer.param_groups[0]["lr"]`` after t calls of
``scheduler.step()`` (t = 0 is right after the scheduler is constructed). The optimizer is
``SGD([Parameter(zeros(1))], lr=max_lr, momentum=0.9)`` and ``optimizer.step()`` is called
before every ``scheduler.step()``, as PyTorch asks. ReduceLROnPlateau gets
``scheduler.step(metric[t - 1])`` before lr(t) is read, so lr(t) has seen metric[0..t-1].

Every case carries ``spec``, the lrsched schedule (a YAML-like mapping) that must reproduce
``values``. Hugging Face schedules are not imported (transformers is not needed): their
lambdas are transcribed from huggingface/transformers, src/transformers/optimization.py
(``_get_*_lr_lambda`` and ``_get_wsd_scheduler_lambda``), and run through torch's LambdaLR,
which is exactly what transformers does.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import warnings
from pathlib import Path

import torch
from torch.optim import SGD
from torch.optim.lr_scheduler import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)

TORCH_VERSION = "2.13.0"
GENERATOR = "scripts/make_golden.py"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "torch_golden.json"

CASES: list[dict] = []


# -- running a scheduler ----------------------------------------------------------------------

def _current_lr(optimizer) -> float:
    value = optimizer.param_groups[0]["lr"]
    return float(value.item() if isinstance(value, torch.Tensor) else value)


def run(make, max_lr: float, steps: int, metric: list[float] | None = None) -> tuple[list[float], list[str]]:
    """lr(0..steps-1) of the scheduler `make(optimizer)`, and the warnings torch emitted."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = SGD([param], lr=max_lr, momentum=0.9)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scheduler = make(optimizer)
        values = [_current_lr(optimizer)]
        for t in range(1, steps):
            optimizer.step()
            if metric is None:
                scheduler.step()
            else:
                scheduler.step(metric[t - 1])
            values.append(_current_lr(optimizer))
    messages = []
    for w in caught:
        text = f"{w.category.__name__}: {str(w.message).splitlines()[0]}"
        if text not in messages:
            messages.append(text)
    for v in values:
        if not math.isfinite(v):
            raise SystemExit(f"non-finite learning rate {v!r}")
    return values, messages


def case(id: str, source: str, spec: dict, steps: int, make, *, metric=None, note: str | None = None):
    if any(c["id"] == id for c in CASES):
        raise SystemExit(f"duplicate case id {id}")
    if steps > 400:
        raise SystemExit(f"{id}: keep cases short (steps <= 400)")
    values, messages = run(make, spec.get("max_lr", 1.0), steps, metric)
    entry = {"id": id, "source": source, "spec": spec, "steps": steps, "values": values}
    notes = [note] if note else []
    if messages:
        notes.append("torch warned: " + " | ".join(messages))
    if notes:
        entry["note"] = " ".join(notes)
    CASES.append(entry)


def lam(fn):
    """A LambdaLR factory for `case`."""
    return lambda opt: LambdaLR(opt, fn)


def warmup_then(W: int, start_lr: float, max_lr: float, make_main):
    """lrsched's linear warmup prefix, in torch: SequentialLR(LinearLR, main, milestones=[W])."""
    def make(opt):
        warm = LinearLR(opt, start_factor=start_lr / max_lr, end_factor=1.0, total_iters=W)
        main = make_main(opt)
        return SequentialLR(opt, [warm, main], milestones=[W])
    return make


# -- deterministic metric curves for ReduceLROnPlateau ----------------------------------------

def noisy_loss(n: int, seed: int) -> list[float]:
    """A validation loss: fast early progress, then plateaus with small noise (rounded to 1e-6)."""
    rng = random.Random(seed)
    out = []
    for t in range(n):
        if t < 25:
            trend = 0.6 + 1.6 * math.exp(-t / 8.0)
        elif t < 55:
            trend = 0.6 + 1.6 * math.exp(-25 / 8.0)          # plateau
        elif t < 70:
            trend = 0.6 + 1.6 * math.exp(-25 / 8.0) - 0.012 * (t - 54)  # a second descent
        else:
            trend = 0.6 + 1.6 * math.exp(-25 / 8.0) - 0.012 * 15        # final plateau
        out.append(round(trend + rng.uniform(-0.01, 0.01), 6))
    return out


def noisy_accuracy(n: int, seed: int) -> list[float]:
    """A validation accuracy (mode max): rises, plateaus, rises a little, plateaus."""
    rng = random.Random(seed)
    out = []
    for t in range(n):
        if t < 20:
            trend = 0.9 - 0.6 * math.exp(-t / 6.0)
        elif t < 45:
            trend = 0.9 - 0.6 * math.exp(-20 / 6.0)
        else:
            trend = 0.9 - 0.6 * math.exp(-20 / 6.0) + 0.02
        out.append(round(trend + rng.uniform(-0.005, 0.005), 6))
    return out


# -- the cases --------------------------------------------------------------------------------

def torch_cases() -> None:
    # constant
    case("constant_basic", "torch.optim.lr_scheduler.LambdaLR(lr_lambda=lambda t: 1)",
         {"kind": "constant", "max_lr": 3e-4}, 20, lam(lambda t: 1))

    # step
    case("step_basic", "torch.optim.lr_scheduler.StepLR(step_size=3, gamma=0.5)",
         {"kind": "step", "max_lr": 0.1, "step_size": 3, "gamma": 0.5}, 20,
         lambda o: StepLR(o, step_size=3, gamma=0.5))
    case("step_default_gamma", "torch.optim.lr_scheduler.StepLR(step_size=30)",
         {"kind": "step", "max_lr": 0.05, "step_size": 30}, 100,
         lambda o: StepLR(o, step_size=30))
    case("step_every_step", "torch.optim.lr_scheduler.StepLR(step_size=1, gamma=0.9)",
         {"kind": "step", "max_lr": 3e-4, "step_size": 1, "gamma": 0.9}, 60,
         lambda o: StepLR(o, step_size=1, gamma=0.9))

    # multistep
    case("multistep_basic", "torch.optim.lr_scheduler.MultiStepLR(milestones=[10, 25, 40], gamma=0.2)",
         {"kind": "multistep", "max_lr": 0.1, "milestones": [10, 25, 40], "gamma": 0.2}, 60,
         lambda o: MultiStepLR(o, milestones=[10, 25, 40], gamma=0.2))
    case("multistep_repeated", "torch.optim.lr_scheduler.MultiStepLR(milestones=[5, 12, 12, 20])",
         {"kind": "multistep", "max_lr": 0.05, "milestones": [5, 12, 12, 20]}, 30,
         lambda o: MultiStepLR(o, milestones=[5, 12, 12, 20]),
         note="milestone 12 is repeated: the rate is multiplied by gamma**2 there")

    # exponential
    case("exponential_basic", "torch.optim.lr_scheduler.ExponentialLR(gamma=0.9)",
         {"kind": "exponential", "max_lr": 0.1, "gamma": 0.9}, 50,
         lambda o: ExponentialLR(o, gamma=0.9))
    case("exponential_long", "torch.optim.lr_scheduler.ExponentialLR(gamma=0.99)",
         {"kind": "exponential", "max_lr": 3e-4, "gamma": 0.99}, 300,
         lambda o: ExponentialLR(o, gamma=0.99),
         note="torch multiplies recursively: lr(t) = lr(t-1) * gamma")

    # linear
    case("linear_defaults", "torch.optim.lr_scheduler.LinearLR()",
         {"kind": "linear", "max_lr": 0.05}, 12, lambda o: LinearLR(o))
    case("linear_decay", "torch.optim.lr_scheduler.LinearLR(start_factor=1.0, end_factor=0.1, total_iters=20)",
         {"kind": "linear", "max_lr": 0.1, "start_factor": 1.0, "end_factor": 0.1, "total_iters": 20}, 30,
         lambda o: LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=20))
    case("linear_to_zero", "torch.optim.lr_scheduler.LinearLR(start_factor=0.5, end_factor=0.0, total_iters=8)",
         {"kind": "linear", "max_lr": 3e-4, "start_factor": 0.5, "end_factor": 0.0, "total_iters": 8}, 15,
         lambda o: LinearLR(o, start_factor=0.5, end_factor=0.0, total_iters=8))

    # polynomial
    case("polynomial_linear", "torch.optim.lr_scheduler.PolynomialLR(total_iters=20, power=1.0)",
         {"kind": "polynomial", "max_lr": 0.1, "max_update": 20, "power": 1.0}, 30,
         lambda o: PolynomialLR(o, total_iters=20, power=1.0))
    case("polynomial_square", "torch.optim.lr_scheduler.PolynomialLR(total_iters=40, power=2.0)",
         {"kind": "polynomial", "max_lr": 0.05, "max_update": 40, "power": 2.0}, 50,
         lambda o: PolynomialLR(o, total_iters=40, power=2.0))
    case("polynomial_sqrt", "torch.optim.lr_scheduler.PolynomialLR(total_iters=25, power=0.5)",
         {"kind": "polynomial", "max_lr": 3e-4, "max_update": 25, "power": 0.5}, 35,
         lambda o: PolynomialLR(o, total_iters=25, power=0.5))

    # cosine
    case("cosine_basic", "torch.optim.lr_scheduler.CosineAnnealingLR(T_max=10)",
         {"kind": "cosine", "max_lr": 0.1, "cycle_length": 10}, 30,
         lambda o: CosineAnnealingLR(o, T_max=10))
    case("cosine_eta_min", "torch.optim.lr_scheduler.CosineAnnealingLR(T_max=20, eta_min=0.001)",
         {"kind": "cosine", "max_lr": 0.05, "cycle_length": 20, "min_lr": 0.001}, 60,
         lambda o: CosineAnnealingLR(o, T_max=20, eta_min=0.001))
    case("cosine_long", "torch.optim.lr_scheduler.CosineAnnealingLR(T_max=50, eta_min=1e-5)",
         {"kind": "cosine", "max_lr": 3e-4, "cycle_length": 50, "min_lr": 1e-5}, 150,
         lambda o: CosineAnnealingLR(o, T_max=50, eta_min=1e-5),
         note="torch's recursive form: past T_max the rate rises back to max_lr over the next T_max steps")
    case("cosine_fractional", "torch.optim.lr_scheduler.CosineAnnealingLR(T_max=7.5)",
         {"kind": "cosine", "max_lr": 0.1, "cycle_length": 7.5}, 25,
         lambda o: CosineAnnealingLR(o, T_max=7.5),
         note="torch accepts a float T_max; its restart branch ((t - 1 - T_max) % (2 * T_max) == 0) "
              "never fires, so every step uses the ratio form")

    # cosine with warm restarts
    case("cosine_restarts_mult1", "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(T_0=10, T_mult=1)",
         {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 10, "cycle_mult": 1}, 35,
         lambda o: CosineAnnealingWarmRestarts(o, T_0=10, T_mult=1))
    case("cosine_restarts_mult2", "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(T_0=5, T_mult=2, eta_min=0.001)",
         {"kind": "cosine_restarts", "max_lr": 0.05, "cycle_length": 5, "cycle_mult": 2, "min_lr": 0.001}, 80,
         lambda o: CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001))
    case("cosine_restarts_mult3", "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(T_0=3, T_mult=3, eta_min=1e-5)",
         {"kind": "cosine_restarts", "max_lr": 3e-4, "cycle_length": 3, "cycle_mult": 3, "min_lr": 1e-5}, 50,
         lambda o: CosineAnnealingWarmRestarts(o, T_0=3, T_mult=3, eta_min=1e-5))

    # cyclic (CyclicLR sets the optimizer's lr to base_lr)
    def cyclic(min_lr, max_lr, up, down, mode, gamma):
        return lambda o: CyclicLR(o, base_lr=min_lr, max_lr=max_lr, step_size_up=up, step_size_down=down,
                                  mode=mode, gamma=gamma, cycle_momentum=False)

    case("cyclic_triangular", "torch.optim.lr_scheduler.CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=5, "
         "mode='triangular', cycle_momentum=False)",
         {"kind": "cyclic", "min_lr": 0.001, "max_lr": 0.1, "step_size_up": 5, "mode": "triangular"}, 40,
         cyclic(0.001, 0.1, 5, None, "triangular", 1.0))
    case("cyclic_triangular2", "torch.optim.lr_scheduler.CyclicLR(base_lr=0.001, max_lr=0.05, step_size_up=4, "
         "mode='triangular2', cycle_momentum=False)",
         {"kind": "cyclic", "min_lr": 0.001, "max_lr": 0.05, "step_size_up": 4, "mode": "triangular2"}, 40,
         cyclic(0.001, 0.05, 4, None, "triangular2", 1.0))
    case("cyclic_exp_range", "torch.optim.lr_scheduler.CyclicLR(base_lr=1e-5, max_lr=3e-4, step_size_up=6, "
         "mode='exp_range', gamma=0.97, cycle_momentum=False)",
         {"kind": "cyclic", "min_lr": 1e-5, "max_lr": 3e-4, "step_size_up": 6, "mode": "exp_range",
          "gamma": 0.97}, 50,
         cyclic(1e-5, 3e-4, 6, None, "exp_range", 0.97))
    case("cyclic_asymmetric", "torch.optim.lr_scheduler.CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=3, "
         "step_size_down=7, mode='triangular', cycle_momentum=False)",
         {"kind": "cyclic", "min_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 7,
          "mode": "triangular"}, 40,
         cyclic(0.01, 0.1, 3, 7, "triangular", 1.0))
    case("cyclic_fractional", "torch.optim.lr_scheduler.CyclicLR(base_lr=0.002, max_lr=0.05, step_size_up=2.5, "
         "step_size_down=4.5, mode='triangular2', cycle_momentum=False)",
         {"kind": "cyclic", "min_lr": 0.002, "max_lr": 0.05, "step_size_up": 2.5, "step_size_down": 4.5,
          "mode": "triangular2"}, 40,
         cyclic(0.002, 0.05, 2.5, 4.5, "triangular2", 1.0),
         note="fractional step sizes: torch converts them to float and the peaks fall between steps")

    # one cycle (only t = 0..total_steps-1)
    def onecycle(max_lr, total, **kw):
        return lambda o: OneCycleLR(o, max_lr=max_lr, total_steps=total, cycle_momentum=False, **kw)

    case("onecycle_cos", "torch.optim.lr_scheduler.OneCycleLR(max_lr=0.1, total_steps=100, cycle_momentum=False)",
         {"kind": "onecycle", "max_lr": 0.1, "total_steps": 100}, 100, onecycle(0.1, 100))
    case("onecycle_linear", "torch.optim.lr_scheduler.OneCycleLR(max_lr=0.05, total_steps=60, pct_start=0.4, "
         "anneal_strategy='linear', cycle_momentum=False)",
         {"kind": "onecycle", "max_lr": 0.05, "total_steps": 60, "pct_start": 0.4, "anneal_strategy": "linear"},
         60, onecycle(0.05, 60, pct_start=0.4, anneal_strategy="linear"))
    case("onecycle_three_phase", "torch.optim.lr_scheduler.OneCycleLR(max_lr=3e-4, total_steps=80, "
         "three_phase=True, cycle_momentum=False)",
         {"kind": "onecycle", "max_lr": 3e-4, "total_steps": 80, "three_phase": True}, 80,
         onecycle(3e-4, 80, three_phase=True))
    case("onecycle_small", "torch.optim.lr_scheduler.OneCycleLR(max_lr=0.1, total_steps=10, cycle_momentum=False)",
         {"kind": "onecycle", "max_lr": 0.1, "total_steps": 10}, 10, onecycle(0.1, 10))
    case("onecycle_fractional_phase", "torch.optim.lr_scheduler.OneCycleLR(max_lr=0.05, total_steps=30, "
         "pct_start=0.25, div_factor=10.0, final_div_factor=100.0, cycle_momentum=False)",
         {"kind": "onecycle", "max_lr": 0.05, "total_steps": 30, "pct_start": 0.25, "div_factor": 10.0,
          "final_div_factor": 100.0}, 30,
         onecycle(0.05, 30, pct_start=0.25, div_factor=10.0, final_div_factor=100.0),
         note="pct_start * total_steps = 7.5: the peak phase ends at the non-integer step 6.5")

    # reduce on plateau
    def plateau(**kw):
        return lambda o: ReduceLROnPlateau(o, **kw)

    loss = noisy_loss(120, seed=1)
    case("plateau_loss", "torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', factor=0.5, patience=5)",
         {"kind": "plateau", "max_lr": 0.1, "mode": "min", "factor": 0.5, "patience": 5, "metric": loss},
         120, plateau(mode="min", factor=0.5, patience=5), metric=loss)
    acc = noisy_accuracy(80, seed=2)
    case("plateau_max", "torch.optim.lr_scheduler.ReduceLROnPlateau(mode='max', factor=0.2, patience=3)",
         {"kind": "plateau", "max_lr": 0.05, "mode": "max", "factor": 0.2, "patience": 3, "metric": acc},
         80, plateau(mode="max", factor=0.2, patience=3), metric=acc)
    loss = noisy_loss(100, seed=3)
    case("plateau_abs", "torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', factor=0.5, patience=4, "
         "threshold=0.01, threshold_mode='abs')",
         {"kind": "plateau", "max_lr": 0.1, "factor": 0.5, "patience": 4, "threshold": 0.01,
          "threshold_mode": "abs", "metric": loss},
         100, plateau(factor=0.5, patience=4, threshold=0.01, threshold_mode="abs"), metric=loss)
    loss = noisy_loss(100, seed=4)
    case("plateau_cooldown", "torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', factor=0.5, patience=2, "
         "cooldown=4)",
         {"kind": "plateau", "max_lr": 3e-4, "factor": 0.5, "patience": 2, "cooldown": 4, "metric": loss},
         100, plateau(factor=0.5, patience=2, cooldown=4), metric=loss)
    flat = [round(1.0 + 0.001 * ((7 * t) % 5), 6) for t in range(60)]
    case("plateau_min_lr", "torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', factor=0.1, patience=3, "
         "min_lr=0.0003)",
         {"kind": "plateau", "max_lr": 0.1, "factor": 0.1, "patience": 3, "min_lr": 0.0003, "metric": flat},
         60, plateau(factor=0.1, patience=3, min_lr=0.0003), metric=flat,
         note="a flat metric: the rate is cut to 0.01, 0.001, then floored at min_lr and held")
    loss = noisy_loss(60, seed=5)
    case("plateau_patience0", "torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', factor=0.8, patience=0)",
         {"kind": "plateau", "max_lr": 0.05, "factor": 0.8, "patience": 0, "metric": loss},
         60, plateau(factor=0.8, patience=0), metric=loss)
    case("plateau_eps", "torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', factor=0.5, patience=1, eps=0.001)",
         {"kind": "plateau", "max_lr": 0.01, "factor": 0.5, "patience": 1, "eps": 0.001, "metric": flat[:30]},
         30, plateau(factor=0.5, patience=1, eps=0.001), metric=flat[:30],
         note="cuts smaller than eps are skipped: the rate stops at 0.00125")

    # sequence
    case("sequence_warmup_cosine", "torch.optim.lr_scheduler.SequentialLR(schedulers=[LinearLR(start_factor=0.01, "
         "end_factor=1.0, total_iters=10), CosineAnnealingLR(T_max=90)], milestones=[10])",
         {"kind": "sequence", "max_lr": 0.1, "phases": [
             {"kind": "linear", "steps": 10, "start_factor": 0.01, "end_factor": 1.0, "total_iters": 10},
             {"kind": "cosine", "cycle_length": 90}]}, 120,
         lambda o: SequentialLR(o, [LinearLR(o, start_factor=0.01, end_factor=1.0, total_iters=10),
                                    CosineAnnealingLR(o, T_max=90)], milestones=[10]))
    case("sequence_three_phases", "torch.optim.lr_scheduler.SequentialLR(schedulers=[LinearLR(start_factor=0.1, "
         "end_factor=1.0, total_iters=5), StepLR(step_size=10, gamma=0.5), ExponentialLR(gamma=0.95)], "
         "milestones=[5, 35])",
         {"kind": "sequence", "max_lr": 0.05, "phases": [
             {"kind": "linear", "steps": 5, "start_factor": 0.1, "end_factor": 1.0, "total_iters": 5},
             {"kind": "step", "steps": 30, "step_size": 10, "gamma": 0.5},
             {"kind": "exponential", "gamma": 0.95}]}, 70,
         lambda o: SequentialLR(o, [LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5),
                                    StepLR(o, step_size=10, gamma=0.5),
                                    ExponentialLR(o, gamma=0.95)], milestones=[5, 35]),
         note="each phase restarts from max_lr (torch steps the next scheduler with its closed form at 0)")
    case("sequence_cosine_then_linear", "torch.optim.lr_scheduler.SequentialLR(schedulers=[CosineAnnealingLR(T_max=20, "
         "eta_min=1e-5), CosineAnnealingLR(T_max=20, eta_min=1e-5), LinearLR(start_factor=0.5, end_factor=0.01, "
         "total_iters=15)], milestones=[20, 40])",
         {"kind": "sequence", "max_lr": 3e-4, "phases": [
             {"kind": "cosine", "steps": 20, "cycle_length": 20, "min_lr": 1e-5},
             {"kind": "cosine", "steps": 20, "cycle_length": 20, "min_lr": 1e-5},
             {"kind": "linear", "start_factor": 0.5, "end_factor": 0.01, "total_iters": 15}]}, 70,
         lambda o: SequentialLR(o, [CosineAnnealingLR(o, T_max=20, eta_min=1e-5),
                                    CosineAnnealingLR(o, T_max=20, eta_min=1e-5),
                                    LinearLR(o, start_factor=0.5, end_factor=0.01, total_iters=15)],
                                milestones=[20, 40]))

    # expr
    case("expr_exponential", "torch.optim.lr_scheduler.LambdaLR(lr_lambda=lambda t: 0.95**t)",
         {"kind": "expr", "expr": "max_lr * gamma**t", "max_lr": 0.1, "gamma": 0.95}, 60,
         lam(lambda t: 0.95 ** t))
    case("expr_cosine", "torch.optim.lr_scheduler.LambdaLR(lr_lambda=lambda t: (min_lr + (max_lr - min_lr) * "
         "(1 + cos(pi * t / 50)) / 2) / max_lr) with max_lr=0.05, min_lr=0.0005",
         {"kind": "expr", "expr": "min_lr + (max_lr - min_lr) * (1 + cos(pi * t / 50)) / 2",
          "max_lr": 0.05, "min_lr": 0.0005}, 120,
         lam(lambda t: (0.0005 + (0.05 - 0.0005) * (1 + math.cos(math.pi * t / 50)) / 2) / 0.05))

    # warmup prefix
    case("warmup_cosine", "torch.optim.lr_scheduler.SequentialLR(schedulers=[LinearLR(start_factor=0.01, "
         "end_factor=1.0, total_iters=5), CosineAnnealingLR(T_max=45)], milestones=[5])",
         {"kind": "cosine", "max_lr": 0.1, "cycle_length": 45, "warmup_steps": 5, "warmup_start_lr": 0.001}, 100,
         warmup_then(5, 0.001, 0.1, lambda o: CosineAnnealingLR(o, T_max=45)))
    case("warmup_step", "torch.optim.lr_scheduler.SequentialLR(schedulers=[LinearLR(start_factor=0.2, "
         "end_factor=1.0, total_iters=8), StepLR(step_size=10, gamma=0.5)], milestones=[8])",
         {"kind": "step", "max_lr": 0.05, "step_size": 10, "gamma": 0.5, "warmup_steps": 8,
          "warmup_start_lr": 0.01}, 50,
         warmup_then(8, 0.01, 0.05, lambda o: StepLR(o, step_size=10, gamma=0.5)))
    case("warmup_polynomial", "torch.optim.lr_scheduler.SequentialLR(schedulers=[LinearLR(start_factor=0.1, "
         "end_factor=1.0, total_iters=10), PolynomialLR(total_iters=30, power=2.0)], milestones=[10])",
         {"kind": "polynomial", "max_lr": 3e-4, "max_update": 30, "power": 2.0, "warmup_steps": 10,
          "warmup_start_lr": 3e-5}, 50,
         warmup_then(10, 3e-5, 3e-4, lambda o: PolynomialLR(o, total_iters=30, power=2.0)))


# -- Hugging Face schedules -------------------------------------------------------------------
# Transcribed from huggingface/transformers, src/transformers/optimization.py; each returns the
# factor that LambdaLR multiplies the optimizer's initial lr by.

def hf_linear(W, N):
    def f(step):
        if step < W:
            return float(step) / float(max(1, W))
        return max(0.0, float(N - step) / float(max(1, N - W)))
    return f


def hf_cosine(W, N, num_cycles=0.5, min_lr_rate=0.0):
    def f(step):
        if step < W:
            return float(step) / float(max(1, W))
        progress = float(step - W) / float(max(1, N - W))
        factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        factor = factor * (1 - min_lr_rate) + min_lr_rate
        return max(0, factor)
    return f


def hf_hard_restarts(W, N, num_cycles=1):
    def f(step):
        if step < W:
            return float(step) / float(max(1, W))
        progress = float(step - W) / float(max(1, N - W))
        if progress >= 1.0:
            return 0.0
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))
    return f


def hf_polynomial(W, N, lr_init, lr_end=1e-7, power=1.0):
    def f(step):
        if step < W:
            return float(step) / float(max(1, W))
        elif step > N:
            return lr_end / lr_init
        lr_range = lr_init - lr_end
        decay_steps = N - W
        pct_remaining = 1 - (step - W) / decay_steps
        decay = lr_range * pct_remaining ** power + lr_end
        return decay / lr_init
    return f


def hf_constant_warmup(W):
    def f(step):
        if step < W:
            return float(step) / float(max(1.0, W))
        return 1.0
    return f


def hf_inverse_sqrt(W, timescale=None):
    if timescale is None:
        timescale = W or 10_000

    def f(step):
        if step < W:
            return float(step) / float(max(1, W))
        shift = timescale - W
        return 1.0 / math.sqrt((step + shift) / timescale)
    return f


def hf_wsd(W, D, S, warmup_type="linear", decay_type="cosine", min_lr_ratio=0.0, num_cycles=0.5):
    def f(step):
        if step < W:
            progress = float(step) / float(max(1, W))
            if warmup_type == "linear":
                factor = progress
            elif warmup_type == "cosine":
                factor = 0.5 * (1.0 - math.cos(math.pi * progress))
            elif warmup_type == "1-sqrt":
                factor = 1.0 - math.sqrt(1.0 - progress)
            factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
            return max(0.0, factor)
        if step < W + S:
            return 1.0
        if step < W + S + D:
            progress = float(step - W - S) / float(max(1, D))
            if decay_type == "linear":
                factor = 1.0 - progress
            elif decay_type == "cosine":
                factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
            elif decay_type == "1-sqrt":
                factor = 1.0 - math.sqrt(progress)
            factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
            return max(0.0, factor)
        return min_lr_ratio
    return f


HF = "transformers.optimization."


def hf_cases() -> None:
    W, N, lr = 10, 100, 0.1
    case("hf_linear_warmup", f"{HF}get_linear_schedule_with_warmup(num_warmup_steps={W}, num_training_steps={N}) "
         "via LambdaLR", {"kind": "polynomial", "max_lr": lr, "max_update": N - W, "power": 1.0, "warmup_steps": W},
         N + 20, lam(hf_linear(W, N)))
    W2, N2, lr2 = 25, 200, 3e-4
    case("hf_linear_warmup_long", f"{HF}get_linear_schedule_with_warmup(num_warmup_steps={W2}, "
         f"num_training_steps={N2}) via LambdaLR",
         {"kind": "polynomial", "max_lr": lr2, "max_update": N2 - W2, "power": 1.0, "warmup_steps": W2},
         N2 + 20, lam(hf_linear(W2, N2)))

    case("hf_cosine_warmup", f"{HF}get_cosine_schedule_with_warmup(num_warmup_steps={W}, num_training_steps={N}) "
         "via LambdaLR", {"kind": "cosine", "max_lr": lr, "cycle_length": (N - W) / (2 * 0.5), "warmup_steps": W},
         N + 20, lam(hf_cosine(W, N)))
    W3, N3, lr3 = 6, 66, 0.05
    case("hf_cosine_1_5_cycles", f"{HF}get_cosine_schedule_with_warmup(num_warmup_steps={W3}, "
         f"num_training_steps={N3}, num_cycles=1.5) via LambdaLR",
         {"kind": "cosine", "max_lr": lr3, "cycle_length": (N3 - W3) / (2 * 1.5), "warmup_steps": W3},
         N3 + 20, lam(hf_cosine(W3, N3, num_cycles=1.5)))
    case("hf_cosine_min_lr", f"{HF}get_cosine_with_min_lr_schedule_with_warmup(num_warmup_steps={W2}, "
         f"num_training_steps={N2}, min_lr_rate=0.1) via LambdaLR",
         {"kind": "cosine", "max_lr": lr2, "cycle_length": (N2 - W2) / (2 * 0.5), "min_lr": 0.1 * lr2,
          "warmup_steps": W2},
         N2 + 20, lam(hf_cosine(W2, N2, min_lr_rate=0.1)))

    case("hf_cosine_hard_restarts", f"{HF}get_cosine_with_hard_restarts_schedule_with_warmup(num_warmup_steps={W}, "
         f"num_training_steps={N}, num_cycles=3) via LambdaLR",
         {"kind": "cosine_restarts", "max_lr": lr, "cycle_length": (N - W) / 3, "cycle_limit": 3,
          "warmup_steps": W},
         N + 20, lam(hf_hard_restarts(W, N, num_cycles=3)))
    W4, N4, lr4 = 5, 85, 0.05
    case("hf_cosine_hard_restarts_4", f"{HF}get_cosine_with_hard_restarts_schedule_with_warmup(num_warmup_steps={W4}, "
         f"num_training_steps={N4}, num_cycles=4) via LambdaLR",
         {"kind": "cosine_restarts", "max_lr": lr4, "cycle_length": (N4 - W4) / 4, "cycle_limit": 4,
          "warmup_steps": W4},
         N4 + 20, lam(hf_hard_restarts(W4, N4, num_cycles=4)))

    case("hf_polynomial_warmup", f"{HF}get_polynomial_decay_schedule_with_warmup(num_warmup_steps={W}, "
         f"num_training_steps={N}, lr_end=1e-7, power=2.0) via LambdaLR",
         {"kind": "polynomial", "max_lr": lr, "max_update": N - W, "power": 2.0, "min_lr": 1e-7, "warmup_steps": W},
         N + 20, lam(hf_polynomial(W, N, lr, lr_end=1e-7, power=2.0)))
    case("hf_polynomial_warmup_linear", f"{HF}get_polynomial_decay_schedule_with_warmup(num_warmup_steps={W3}, "
         f"num_training_steps={N3}, lr_end=0.001, power=1.0) via LambdaLR",
         {"kind": "polynomial", "max_lr": lr3, "max_update": N3 - W3, "power": 1.0, "min_lr": 0.001,
          "warmup_steps": W3},
         N3 + 20, lam(hf_polynomial(W3, N3, lr3, lr_end=0.001, power=1.0)))

    case("hf_constant_warmup", f"{HF}get_constant_schedule_with_warmup(num_warmup_steps={W}) via LambdaLR",
         {"kind": "constant", "max_lr": lr2, "warmup_steps": W}, 40, lam(hf_constant_warmup(W)))

    case("hf_inverse_sqrt", f"{HF}get_inverse_sqrt_schedule(num_warmup_steps={W}) via LambdaLR",
         {"kind": "inverse_sqrt", "max_lr": lr2, "warmup_steps": W}, 120, lam(hf_inverse_sqrt(W)),
         note="timescale defaults to num_warmup_steps")
    case("hf_inverse_sqrt_timescale", f"{HF}get_inverse_sqrt_schedule(num_warmup_steps={W}, timescale=50) via LambdaLR",
         {"kind": "inverse_sqrt", "max_lr": lr, "warmup_steps": W, "timescale": 50}, 150,
         lam(hf_inverse_sqrt(W, timescale=50)))
    case("hf_inverse_sqrt_no_warmup", f"{HF}get_inverse_sqrt_schedule(num_warmup_steps=0) via LambdaLR",
         {"kind": "inverse_sqrt", "max_lr": lr3}, 100, lam(hf_inverse_sqrt(0)),
         note="no warmup: timescale falls back to 10000")

    for decay_type, warmup_type, m, lr_w in (("linear", "linear", 0.0, 0.1),
                                            ("cosine", "cosine", 0.1, 3e-4),
                                            ("1-sqrt", "1-sqrt", 0.05, 0.05),
                                            ("1-sqrt", "linear", 0.0, 3e-4)):
        Ww, S, D = 10, 40, 30
        tag = f"hf_wsd_{decay_type.replace('-', '')}_{warmup_type.replace('-', '')}"
        case(tag, f"{HF}get_wsd_schedule(num_warmup_steps={Ww}, num_decay_steps={D}, num_stable_steps={S}, "
             f"warmup_type='{warmup_type}', decay_type='{decay_type}', min_lr_ratio={m}) via LambdaLR",
             {"kind": "wsd", "max_lr": lr_w, "stable_steps": S, "decay_steps": D, "decay_type": decay_type,
              "min_lr": m * lr_w, "warmup_steps": Ww, "warmup_shape": warmup_type, "warmup_start_lr": m * lr_w},
             Ww + S + D + 20, lam(hf_wsd(Ww, D, S, warmup_type, decay_type, m)))


# -- output -----------------------------------------------------------------------------------

def render(cases: list[dict], torch_version: str) -> str:
    """The fixture text: a header, then one case per line (stable, diff-friendly)."""
    head = (f'{{"generator": {json.dumps(GENERATOR)}, "torch_version": {json.dumps(torch_version)}, '
            '"cases": [\n')
    body = ",\n".join(json.dumps(c, allow_nan=False) for c in cases)
    return head + body + "\n]}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where to write the fixture (default: tests/golden/torch_golden.json)")
    args = parser.parse_args(argv)

    version = torch.__version__.split("+")[0]
    if version != TORCH_VERSION:
        print(f"make_golden.py: needs torch=={TORCH_VERSION}, found {torch.__version__}", file=sys.stderr)
        return 1

    CASES.clear()
    torch_cases()
    hf_cases()
    text = render(CASES, version)
    json.loads(text)  # well-formed
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.output)
    print(f"wrote {len(CASES)} cases ({len(text)} bytes) to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
