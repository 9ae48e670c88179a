"""Regenerate tests/golden/frameworks_golden.json: framework scheduler specs evaluated by the real libraries.

Every case is a scheduler constructor written as text, the way lrsched accepts it::

    torch:OneCycleLR(max_lr=0.1, total_steps=100)
    hf:cosine(num_warmup_steps=10, num_training_steps=100)
    optax:warmup_cosine_decay_schedule(init_value=0.0, peak_value=1e-3, warmup_steps=10, decay_steps=100)
    keras:CosineDecay(initial_learning_rate=0.1, decay_steps=100, warmup_target=0.2, warmup_steps=10)
    timm:CosineLRScheduler(t_initial=100, warmup_t=5, warmup_lr_init=1e-5)

and ``values`` are what the real library computes for it. The spec string is the only
description of a case: this script parses it with ``ast`` (the grammar below) and builds the
real scheduler from it, so spec and values cannot drift apart. None of these libraries is a
dependency of lrsched; the test suite never imports them.

Regenerating (two interpreters: torch and jax do not share a virtual environment; about 1 GB of
CPU wheels for torch, 300 MB for jax)::

    python3 -m venv "$TORCH_VENV"
    "$TORCH_VENV"/bin/pip install torch==2.13.0
    "$TORCH_VENV"/bin/pip install --no-deps transformers==5.24.0 timm==1.0.31
    "$TORCH_VENV"/bin/pip install huggingface_hub tokenizers safetensors regex tqdm packaging \\
        filelock requests pyyaml
    python3 -m venv "$JAX_VENV"
    "$JAX_VENV"/bin/pip install jax==0.10.2 jaxlib==0.10.2 optax==0.2.8 keras==3.15.1 numpy

    "$TORCH_VENV"/bin/python scripts/make_framework_golden.py --part torch   # torch, hf, timm
    "$JAX_VENV"/bin/python scripts/make_framework_golden.py --part jax       # optax, keras
    python3 scripts/make_framework_golden.py --merge

``--part`` writes a partial JSON into the system temp directory (``-o`` to change it),
``--merge`` reads both partials and writes the fixture, cases sorted by id. Each part checks
the library versions it was written for and refuses to run with others. The output is
deterministic: running the three commands twice gives byte-identical JSON.

``--no-deps`` keeps pip from replacing torch; timm needs torchvision for its models, which
does not install with this torch, so only ``timm/scheduler`` is loaded (as the package
``timm.scheduler``, straight from the installed folder; ``timm/__init__`` is never run).

Spec grammar: ``FRAMEWORK:Name(args)`` with FRAMEWORK one of torch, hf, optax, keras, timm.
Arguments are literals (numbers, strings, bools, None, lists/tuples/dicts of literals, a
leading minus allowed), positional where the real signature allows, then keywords. The
optimizer argument of torch/hf/timm constructors is implicit. Nested constructors (inside
``schedulers=[...]`` of torch SequentialLR/ChainedScheduler and optax join_schedules) are
written without the prefix and belong to the same framework. torch LambdaLR/MultiplicativeLR
take a one-parameter lambda whose body uses only numbers, the parameter, + - * / // % **,
and the bare functions cos sin tan tanh exp log sqrt floor ceil (from math) and min max abs.
``hf:NAME(num_warmup_steps=W, num_training_steps=N, **kw)`` with NAME a SchedulerType value is
``transformers.get_scheduler(NAME, optimizer, num_warmup_steps=W, num_training_steps=N,
scheduler_specific_kwargs=kw)`` (either count may be left out); ``hf:get_...(...)`` calls that
function of ``transformers.optimization`` directly. ``torch:SWALR`` is
``torch.optim.swa_utils.SWALR``; every other torch name is from ``torch.optim.lr_scheduler``.

Time model: ``values[t]``, t = 0..steps-1, is the rate used by update t + 1.

* torch, hf: ``optimizer.param_groups[0]["lr"]`` after t calls of ``scheduler.step()``, with
  ``optimizer = SGD([p], lr=base_lr, momentum=0.9)`` and ``optimizer.step()`` before every
  ``scheduler.step()``. Metric-driven schedulers (ReduceLROnPlateau, hf reduce_lr_on_plateau
  and greedy) get ``scheduler.step(metric[t - 1])``: values[t] has seen metric[0..t-1].
* timm: values[0] is the rate right after construction (timm's train.py never calls
  ``step(0)`` when it starts at epoch 0), values[t] for t >= 1 is the rate after
  ``scheduler.step(t)`` (train.py calls ``step(epoch + 1, metric)`` at the end of each epoch;
  ``step_update`` when ``t_in_epochs=False``). PlateauLRScheduler gets ``step(t, metric[t - 1])``.
  Where ``step(0)`` would set something else than the constructor, the case's note says so.
* optax: ``float(schedule(t))`` with a Python int t, under ``jax_enable_x64`` (float64).
* keras 3 (jax backend): ``float(schedule(t))`` with a Python int t, under ``jax_enable_x64`` and
  ``floatx = float64``. Keras forces its cos/log results to float32 on the jax backend even then,
  so the cosine schedules are stored as keras computes them by default (float32, x64 off,
  floatx float32) with ``tolerance`` 1e-6; the note says so.

``metric`` (when not null) has steps - 1 entries. ``tolerance`` is meant as
``rtol = tolerance, atol = tolerance * max(abs(values))`` (the rule of tests/test_golden.py).
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import json
import math
import os
import random
import sys
import tempfile
import warnings
from pathlib import Path

GENERATOR = "scripts/make_framework_golden.py"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "tests" / "golden" / "frameworks_golden.json"
PARTS = ("torch", "jax")
FRAMEWORKS = {"torch": ("torch", "hf", "timm"), "jax": ("optax", "keras")}
EXPECTED_VERSIONS = {
    "torch": {"torch": "2.13.0", "transformers": "5.24.0", "timm": "1.0.31"},
    "jax": {"jax": "0.10.2", "jaxlib": "0.10.2", "optax": "0.2.8", "keras": "3.15.1"},
}
MAX_STEPS = 300
EXACT = 1e-12
FLOAT32 = 1e-6

CONVENTIONS = {
    "time_model": "values[t] (t = 0..steps-1) is the rate used by update t+1. torch/hf: the param group's lr "
                  "after t scheduler.step() calls (optimizer = SGD(lr=base_lr, momentum=0.9), optimizer.step() "
                  "before each). timm: values[0] is the lr right after construction, values[t>=1] the lr after "
                  "scheduler.step(t). optax/keras: float(schedule(t)) with a Python int t.",
    "metric": "metric-driven schedulers get step(metric[t-1]) (timm: step(t, metric[t-1])) before values[t] "
              "is read; metric has steps-1 entries",
    "base_lr": "the optimizer's lr (torch, hf, timm); null for optax and keras, which give absolute values",
    "tolerance": "compare with rtol=tolerance and atol=tolerance*max(abs(values))",
}

CASES: list[dict] = []


# -- spec strings -----------------------------------------------------------------------------

LAMBDA_FUNCS = {name: getattr(math, name) for name in
                ("cos", "sin", "tan", "tanh", "exp", "log", "sqrt", "floor", "ceil")}
LAMBDA_FUNCS.update(min=min, max=max, abs=abs)
_LAMBDA_NODES = (ast.Expression, ast.Lambda, ast.arguments, ast.arg, ast.BinOp, ast.UnaryOp, ast.Call,
                 ast.Name, ast.Load, ast.Constant, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
                 ast.Pow, ast.USub, ast.UAdd, ast.IfExp, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE,
                 ast.Gt, ast.GtE)


def parse_spec(spec: str) -> tuple[str, ast.Call]:
    framework, sep, text = spec.partition(":")
    if not sep or framework not in ("torch", "hf", "optax", "keras", "timm"):
        raise SystemExit(f"bad spec {spec!r}: expected FRAMEWORK:Name(args)")
    node = ast.parse(text.strip(), mode="eval").body
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise SystemExit(f"bad spec {spec!r}: expected a call Name(args)")
    return framework, node


def make_lambda(node: ast.Lambda):
    a = node.args
    if len(a.args) != 1 or a.posonlyargs or a.kwonlyargs or a.vararg or a.kwarg or a.defaults:
        raise SystemExit("a spec lambda takes exactly one parameter")
    param = a.args[0].arg
    for sub in ast.walk(node):
        if not isinstance(sub, _LAMBDA_NODES):
            raise SystemExit(f"not allowed in a spec lambda: {type(sub).__name__}")
        if isinstance(sub, ast.Name) and sub.id != param and sub.id not in LAMBDA_FUNCS:
            raise SystemExit(f"unknown name in a spec lambda: {sub.id}")
        if isinstance(sub, ast.Call) and (sub.keywords or not isinstance(sub.func, ast.Name)
                                          or sub.func.id not in LAMBDA_FUNCS):
            raise SystemExit("a spec lambda calls only the allowed math functions, positionally")
        if isinstance(sub, ast.Constant) and (isinstance(sub.value, bool)
                                              or not isinstance(sub.value, (int, float))):
            raise SystemExit("a spec lambda holds only numbers")
    code = compile(ast.Expression(node), "<spec lambda>", "eval")
    return eval(code, {"__builtins__": {}, **LAMBDA_FUNCS})  # noqa: S307 - checked above


def literal(node: ast.AST, nested):
    """The value of an argument node; `nested(call)` builds a nested constructor."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) \
            and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float)):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    if isinstance(node, ast.List):
        return [literal(e, nested) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(literal(e, nested) for e in node.elts)
    if isinstance(node, ast.Dict):
        return {literal(k, nested): literal(v, nested) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Lambda):
        return make_lambda(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return nested(node)
    raise SystemExit(f"not a literal in a spec: {ast.unparse(node)}")


def call_args(call: ast.Call, nested) -> tuple[list, dict]:
    """Positional and keyword arguments, evaluated left to right as Python would."""
    args = [literal(a, nested) for a in call.args]
    kwargs = {}
    for kw in call.keywords:
        if kw.arg is None or kw.arg in kwargs:
            raise SystemExit(f"bad keyword argument in {ast.unparse(call)}")
        kwargs[kw.arg] = literal(kw.value, nested)
    return args, kwargs


# -- the cases --------------------------------------------------------------------------------

def case(id: str, spec: str, steps: int, *, base_lr: float | None = None, metric: list[float] | None = None,
         note: str = "") -> None:
    framework = spec.partition(":")[0]
    if not id.startswith(("hf" if framework == "hf" else framework) + "_"):
        raise SystemExit(f"{id}: id must start with {framework}_")
    if any(c["id"] == id for c in CASES):
        raise SystemExit(f"duplicate case id {id}")
    if not 1 <= steps <= MAX_STEPS:
        raise SystemExit(f"{id}: keep cases short (steps <= {MAX_STEPS})")
    if (base_lr is None) != (framework in ("optax", "keras")):
        raise SystemExit(f"{id}: base_lr is given exactly for torch, hf and timm")
    if metric is not None and len(metric) != steps - 1:
        raise SystemExit(f"{id}: metric needs steps - 1 = {steps - 1} entries")
    CASES.append({"id": id, "spec": spec, "steps": steps, "base_lr": base_lr, "metric": metric, "note": note})


def metric_curve(kind: str, n: int, seed: int) -> list[float]:
    """A deterministic validation curve (rounded to 1e-6): 'loss' falls then plateaus twice,
    'accuracy' rises then plateaus twice."""
    rng = random.Random(seed)
    out = []
    for t in range(n):
        if kind == "loss":
            if t < 20:
                trend = 0.6 + 1.6 * math.exp(-t / 6.0)
            elif t < 45:
                trend = 0.6 + 1.6 * math.exp(-20 / 6.0)
            elif t < 60:
                trend = 0.6 + 1.6 * math.exp(-20 / 6.0) - 0.01 * (t - 44)
            else:
                trend = 0.6 + 1.6 * math.exp(-20 / 6.0) - 0.15
            out.append(round(trend + rng.uniform(-0.01, 0.01), 6))
        else:
            if t < 15:
                trend = 0.9 - 0.6 * math.exp(-t / 5.0)
            elif t < 40:
                trend = 0.9 - 0.6 * math.exp(-15 / 5.0)
            else:
                trend = 0.9 - 0.6 * math.exp(-15 / 5.0) + 0.02
            out.append(round(trend + rng.uniform(-0.004, 0.004), 6))
    return out


def torch_cases() -> None:
    # LambdaLR / MultiplicativeLR
    case("torch_lambda_exponential", "torch:LambdaLR(lr_lambda=lambda epoch: 0.95 ** epoch)", 60, base_lr=0.1)
    case("torch_lambda_warmup_min", "torch:LambdaLR(lr_lambda=lambda step: min(1.0, (step + 1) / 10))", 40,
         base_lr=0.05)
    case("torch_lambda_cosine", "torch:LambdaLR(lr_lambda=lambda t: 0.01 + 0.99 * 0.5 * "
         "(1 + cos(3.141592653589793 * min(t, 50) / 50)))", 70, base_lr=3e-4)
    case("torch_lambda_positional_rsqrt", "torch:LambdaLR(lambda epoch: 1 / sqrt(epoch + 1))", 50, base_lr=0.1)
    case("torch_lambda_exp_floor", "torch:LambdaLR(lr_lambda=lambda e: exp(-0.1 * (e // 5)) - e % 5 * 0.01)", 40,
         base_lr=0.2)
    case("torch_multiplicative_constant", "torch:MultiplicativeLR(lr_lambda=lambda epoch: 0.95)", 60, base_lr=0.1,
         note="factor lr_lambda(t) is applied at step t (t >= 1): lr(t) = lr(t-1) * lr_lambda(t)")
    case("torch_multiplicative_varying", "torch:MultiplicativeLR(lambda epoch: 1 - 0.01 * min(epoch, 10))", 40,
         base_lr=0.05)
    # StepLR / MultiStepLR
    case("torch_step_basic", "torch:StepLR(step_size=3, gamma=0.5)", 20, base_lr=0.1)
    case("torch_step_positional", "torch:StepLR(30, 0.1)", 100, base_lr=0.05)
    case("torch_step_default_gamma", "torch:StepLR(step_size=7)", 30, base_lr=3e-4)
    case("torch_multistep_basic", "torch:MultiStepLR(milestones=[10, 25, 40], gamma=0.2)", 60, base_lr=0.1)
    case("torch_multistep_repeated_positional", "torch:MultiStepLR([5, 12, 12, 20])", 30, base_lr=0.05,
         note="milestone 12 is repeated: the rate is multiplied by gamma**2 there")
    case("torch_multistep_unsorted", "torch:MultiStepLR(milestones=[20, 5], gamma=0.5)", 30, base_lr=0.1,
         note="milestones need not be sorted (torch counts them)")
    # ConstantLR / LinearLR
    case("torch_constant_defaults", "torch:ConstantLR()", 10, base_lr=0.1,
         note="defaults factor=1/3, total_iters=5")
    case("torch_constant_half", "torch:ConstantLR(factor=0.5, total_iters=4)", 10, base_lr=0.05)
    case("torch_linear_defaults", "torch:LinearLR()", 12, base_lr=0.05,
         note="defaults start_factor=1/3, end_factor=1.0, total_iters=5")
    case("torch_linear_decay", "torch:LinearLR(start_factor=1.0, end_factor=0.1, total_iters=20)", 30, base_lr=0.1)
    case("torch_linear_positional_to_zero", "torch:LinearLR(0.5, 0.0, 8)", 15, base_lr=3e-4)
    # ExponentialLR / PolynomialLR
    case("torch_exponential_basic", "torch:ExponentialLR(gamma=0.9)", 50, base_lr=0.1)
    case("torch_exponential_long_positional", "torch:ExponentialLR(0.99)", 300, base_lr=3e-4,
         note="torch multiplies recursively: lr(t) = lr(t-1) * gamma")
    case("torch_polynomial_defaults", "torch:PolynomialLR()", 10, base_lr=0.1,
         note="defaults total_iters=5, power=1.0")
    case("torch_polynomial_square", "torch:PolynomialLR(total_iters=40, power=2.0)", 50, base_lr=0.05)
    case("torch_polynomial_sqrt", "torch:PolynomialLR(total_iters=25, power=0.5)", 35, base_lr=3e-4)
    # CosineAnnealingLR
    case("torch_cosine_basic", "torch:CosineAnnealingLR(T_max=10)", 30, base_lr=0.1,
         note="past T_max torch's recursive form rises back to base_lr over the next T_max steps")
    case("torch_cosine_eta_min", "torch:CosineAnnealingLR(T_max=20, eta_min=0.001)", 60, base_lr=0.05)
    case("torch_cosine_positional", "torch:CosineAnnealingLR(50, 1e-5)", 150, base_lr=3e-4)
    case("torch_cosine_fractional", "torch:CosineAnnealingLR(T_max=7.5)", 25, base_lr=0.1)
    # CosineAnnealingWarmRestarts
    case("torch_warm_restarts_mult1", "torch:CosineAnnealingWarmRestarts(T_0=10)", 35, base_lr=0.1)
    case("torch_warm_restarts_mult2", "torch:CosineAnnealingWarmRestarts(T_0=5, T_mult=2, eta_min=0.001)", 80,
         base_lr=0.05)
    case("torch_warm_restarts_positional", "torch:CosineAnnealingWarmRestarts(3, 3, 1e-5)", 50, base_lr=3e-4)
    # CyclicLR (the optimizer's lr is replaced by base_lr)
    case("torch_cyclic_triangular", "torch:CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=5)", 40, base_lr=0.1,
         note="CyclicLR overwrites the optimizer's lr with its own base_lr; cycle_momentum=True (default) "
              "cycles SGD's momentum, which does not affect lr")
    case("torch_cyclic_triangular2", "torch:CyclicLR(base_lr=0.001, max_lr=0.05, step_size_up=4, "
         "mode='triangular2', cycle_momentum=False)", 40, base_lr=0.05)
    case("torch_cyclic_exp_range", "torch:CyclicLR(base_lr=1e-5, max_lr=3e-4, step_size_up=6, mode='exp_range', "
         "gamma=0.97, cycle_momentum=False)", 50, base_lr=3e-4)
    case("torch_cyclic_exp_range_scale_mode_ignored", "torch:CyclicLR(base_lr=0.001, max_lr=0.1, step_size_up=5, "
         "mode='exp_range', gamma=0.9, scale_mode='cycle', cycle_momentum=False)", 40, base_lr=0.1,
         note="without scale_fn torch ignores scale_mode: exp_range always scales by gamma**iteration")
    case("torch_cyclic_asymmetric", "torch:CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=7)",
         40, base_lr=0.1)
    case("torch_cyclic_fractional", "torch:CyclicLR(base_lr=0.002, max_lr=0.05, step_size_up=2.5, "
         "step_size_down=4.5, mode='triangular2', cycle_momentum=False)", 40, base_lr=0.05)
    # OneCycleLR (only t < total_steps: stepping further raises)
    case("torch_onecycle_cos", "torch:OneCycleLR(max_lr=0.1, total_steps=100)", 100, base_lr=0.1,
         note="the optimizer's lr is ignored: OneCycleLR starts at max_lr/div_factor")
    case("torch_onecycle_linear", "torch:OneCycleLR(max_lr=0.05, total_steps=60, pct_start=0.4, "
         "anneal_strategy='linear', cycle_momentum=False)", 60, base_lr=0.05)
    case("torch_onecycle_three_phase", "torch:OneCycleLR(max_lr=3e-4, total_steps=80, three_phase=True)", 80,
         base_lr=3e-4)
    case("torch_onecycle_epochs", "torch:OneCycleLR(max_lr=0.01, epochs=5, steps_per_epoch=20)", 100, base_lr=1.0,
         note="total_steps = epochs * steps_per_epoch = 100; the optimizer's lr (1.0) is ignored")
    case("torch_onecycle_divs", "torch:OneCycleLR(max_lr=0.05, total_steps=30, pct_start=0.25, div_factor=10.0, "
         "final_div_factor=100.0, cycle_momentum=False)", 30, base_lr=0.05)
    case("torch_onecycle_partial", "torch:OneCycleLR(max_lr=0.1, total_steps=200, pct_start=0.1)", 120,
         base_lr=0.1, note="only the first 120 of 200 steps")
    # ReduceLROnPlateau
    loss = metric_curve("loss", 99, seed=11)
    acc = metric_curve("accuracy", 79, seed=12)
    case("torch_plateau_defaults", "torch:ReduceLROnPlateau()", 100, base_lr=0.1, metric=loss,
         note="defaults mode='min', factor=0.1, patience=10, threshold=1e-4 rel")
    case("torch_plateau_patience", "torch:ReduceLROnPlateau(factor=0.5, patience=3)", 100, base_lr=0.05,
         metric=loss)
    case("torch_plateau_max_cooldown", "torch:ReduceLROnPlateau(mode='max', factor=0.5, patience=2, cooldown=3, "
         "threshold=0.001, threshold_mode='abs')", 80, base_lr=0.1, metric=acc)
    case("torch_plateau_min_lr", "torch:ReduceLROnPlateau(factor=0.2, patience=1, min_lr=0.001)", 100,
         base_lr=0.1, metric=loss)
    case("torch_plateau_eps", "torch:ReduceLROnPlateau(factor=0.5, patience=0, eps=0.01)", 40, base_lr=0.1,
         metric=[1.0] * 39, note="a flat metric: a cut smaller than eps is skipped, so the rate stops falling")
    # SequentialLR / ChainedScheduler with nested constructors
    case("torch_sequential_warmup_cosine", "torch:SequentialLR(schedulers=[LinearLR(start_factor=0.01, "
         "total_iters=10), CosineAnnealingLR(T_max=90)], milestones=[10])", 120, base_lr=0.1)
    case("torch_sequential_three", "torch:SequentialLR(schedulers=[LinearLR(start_factor=0.1, end_factor=1.0, "
         "total_iters=5), StepLR(step_size=10, gamma=0.5), ExponentialLR(gamma=0.95)], milestones=[5, 35])", 70,
         base_lr=0.05, note="each later scheduler restarts from base_lr at its milestone")
    case("torch_sequential_early_switch", "torch:SequentialLR(schedulers=[LinearLR(start_factor=0.1, "
         "total_iters=20), MultiStepLR(milestones=[5, 15], gamma=0.5)], milestones=[10])", 40, base_lr=0.1,
         note="the warmup is cut at 10 of its 20 steps")
    case("torch_sequential_constant_then_exponential", "torch:SequentialLR(schedulers=[ConstantLR(factor=0.1, "
         "total_iters=5), ExponentialLR(gamma=0.9)], milestones=[5])", 30, base_lr=0.1)
    case("torch_chained_constant_exponential", "torch:ChainedScheduler(schedulers=[ConstantLR(factor=0.5, "
         "total_iters=4), ExponentialLR(gamma=0.9)])", 30, base_lr=0.1,
         note="ChainedScheduler multiplies the schedulers' factors")
    case("torch_chained_positional_warmup_cosine", "torch:ChainedScheduler([LinearLR(start_factor=0.1, "
         "total_iters=10), CosineAnnealingLR(T_max=40, eta_min=0.001)])", 60, base_lr=0.05,
         note="every step both schedulers rescale the group's current lr (torch's recursive forms), and "
              "eta_min is not scaled by the warmup: this is not base_lr * linear(t) * cosine(t)")
    case("torch_chained_multistep_exponential", "torch:ChainedScheduler(schedulers=[MultiStepLR(milestones=[10, 20], "
         "gamma=0.5), ExponentialLR(gamma=0.97)])", 40, base_lr=0.1)
    case("torch_chained_with_sequential", "torch:ChainedScheduler(schedulers=[SequentialLR(schedulers="
         "[LinearLR(start_factor=0.2, total_iters=5), ExponentialLR(gamma=0.9)], milestones=[5]), "
         "ConstantLR(factor=0.5, total_iters=8)])", 30, base_lr=0.1,
         note="at its milestone (t=5) SequentialLR restarts ExponentialLR with step(0), whose closed form sets "
              "base_lr and drops ConstantLR's 0.5; ConstantLR still multiplies by 2 at t=8, so from t=8 the rate "
              "is twice base_lr * 0.9**(t-5)")
    # SWALR (torch.optim.swa_utils)
    case("torch_swalr_cos", "torch:SWALR(swa_lr=0.05, anneal_epochs=10)", 20, base_lr=0.1,
         note="torch.optim.swa_utils.SWALR")
    case("torch_swalr_linear", "torch:SWALR(swa_lr=0.01, anneal_epochs=5, anneal_strategy='linear')", 12,
         base_lr=0.1, note="torch.optim.swa_utils.SWALR")


def hf_cases() -> None:
    W, N = 10, 100
    case("hf_linear", f"hf:linear(num_warmup_steps={W}, num_training_steps={N})", N + 20, base_lr=0.1)
    case("hf_linear_no_warmup", "hf:linear(num_warmup_steps=0, num_training_steps=200)", 220, base_lr=3e-4)
    case("hf_cosine", f"hf:cosine(num_warmup_steps={W}, num_training_steps={N})", N + 20, base_lr=0.1,
         note="past num_training_steps the cosine rises again (no clamp)")
    case("hf_cosine_cycles", "hf:cosine(num_warmup_steps=6, num_training_steps=66, num_cycles=1.5)", 86,
         base_lr=0.05, note="1.5 cosine waves over the decay: 0 at num_training_steps, then rising again")
    case("hf_cosine_with_restarts", f"hf:cosine_with_restarts(num_warmup_steps={W}, num_training_steps={N}, "
         "num_cycles=3)", N + 20, base_lr=0.1)
    case("hf_cosine_with_restarts_default", "hf:cosine_with_restarts(num_warmup_steps=5, num_training_steps=85)",
         105, base_lr=0.05, note="num_cycles defaults to 1; 0 from num_training_steps on")
    case("hf_polynomial", f"hf:polynomial(num_warmup_steps={W}, num_training_steps={N}, lr_end=1e-7, power=2.0)",
         N + 20, base_lr=0.1)
    case("hf_polynomial_defaults", "hf:polynomial(num_warmup_steps=6, num_training_steps=66)", 86, base_lr=0.05,
         note="defaults lr_end=1e-7 (absolute), power=1.0; lr_init is the optimizer's lr")
    case("hf_constant", "hf:constant()", 20, base_lr=3e-4)
    case("hf_constant_ignores_warmup", f"hf:constant(num_warmup_steps={W}, num_training_steps={N})", 30,
         base_lr=0.1, note="get_scheduler('constant') ignores num_warmup_steps and num_training_steps")
    case("hf_constant_with_warmup", f"hf:constant_with_warmup(num_warmup_steps={W}, num_training_steps={N})", 40,
         base_lr=3e-4, note="num_training_steps is ignored")
    case("hf_inverse_sqrt", f"hf:inverse_sqrt(num_warmup_steps={W})", 120, base_lr=3e-4,
         note="timescale defaults to num_warmup_steps")
    case("hf_inverse_sqrt_timescale", f"hf:inverse_sqrt(num_warmup_steps={W}, timescale=50)", 150, base_lr=0.1)
    case("hf_inverse_sqrt_no_warmup", "hf:inverse_sqrt(num_warmup_steps=0)", 100, base_lr=0.05,
         note="no warmup: timescale falls back to 10000")
    case("hf_reduce_lr_on_plateau", "hf:reduce_lr_on_plateau(factor=0.5, patience=3)", 100, base_lr=0.05,
         metric=metric_curve("loss", 99, seed=21), note="torch ReduceLROnPlateau; metric as in torch")
    case("hf_reduce_lr_on_plateau_defaults", f"hf:reduce_lr_on_plateau(num_warmup_steps={W}, "
         f"num_training_steps={N})", 100, base_lr=0.1, metric=metric_curve("loss", 99, seed=22),
         note="get_scheduler ignores both step counts for reduce_lr_on_plateau (no warmup); torch defaults")
    case("hf_cosine_with_min_lr_rate", "hf:cosine_with_min_lr(num_warmup_steps=25, num_training_steps=200, "
         "min_lr_rate=0.1)", 220, base_lr=3e-4)
    case("hf_cosine_with_min_lr_absolute", f"hf:cosine_with_min_lr(num_warmup_steps={W}, num_training_steps={N}, "
         "min_lr=0.001)", N + 20, base_lr=0.01, note="min_lr_rate = min_lr / base_lr")
    case("hf_cosine_warmup_with_min_lr", f"hf:cosine_warmup_with_min_lr(num_warmup_steps={W}, "
         f"num_training_steps={N}, min_lr_rate=0.05)", N + 20, base_lr=0.1,
         note="warmup is (t + 1) / W and the decay progress is (t - W + 1) / (N - W): both one step ahead")
    case("hf_cosine_warmup_with_min_lr_warmup_rate", f"hf:cosine_warmup_with_min_lr(num_warmup_steps={W}, "
         f"num_training_steps={N}, min_lr=0.001, warmup_lr_rate=0.1)", N + 20, base_lr=0.01,
         note="with warmup_lr_rate the warmup is r + (1 - r) * t / (W - 1)")
    case("hf_wsd_linear", "hf:warmup_stable_decay(num_warmup_steps=10, num_stable_steps=40, num_decay_steps=30, "
         "warmup_type='linear', decay_type='linear')", 100, base_lr=0.1)
    case("hf_wsd_cosine_min_ratio", "hf:warmup_stable_decay(num_warmup_steps=10, num_training_steps=80, "
         "num_decay_steps=30, warmup_type='cosine', min_lr_ratio=0.1)", 100, base_lr=3e-4,
         note="num_stable_steps = num_training_steps - warmup - decay = 40; decay_type defaults to cosine")
    case("hf_wsd_1sqrt", "hf:warmup_stable_decay(num_warmup_steps=10, num_stable_steps=40, num_decay_steps=30, "
         "warmup_type='1-sqrt', decay_type='1-sqrt', min_lr_ratio=0.05)", 100, base_lr=0.05)
    case("hf_greedy", "hf:greedy(patience=3, factor=0.9, min_lr=0.0001, max_lr=0.05)", 100, base_lr=0.01,
         metric=metric_curve("loss", 99, seed=23),
         note="transformers GreedyLR: lr / factor after > patience improving steps, lr * factor after > patience "
              "bad steps, clamped to [min_lr, max_lr]")
    # the function-name form
    case("hf_fn_cosine", f"hf:get_cosine_schedule_with_warmup(num_warmup_steps={W}, num_training_steps={N})",
         N + 20, base_lr=0.1)
    case("hf_fn_linear_positional", "hf:get_linear_schedule_with_warmup(5, 50)", 70, base_lr=0.05)
    case("hf_fn_wsd", "hf:get_wsd_schedule(num_warmup_steps=5, num_decay_steps=20, num_stable_steps=25, "
         "decay_type='linear')", 60, base_lr=0.1)


def timm_cases() -> None:
    case("timm_cosine_warmup", "timm:CosineLRScheduler(t_initial=100, warmup_t=5, warmup_lr_init=1e-5)", 120,
         base_lr=0.1, note="warmup_prefix=False: the warmup overlays the first 5 steps of the cosine; "
                           "past t_initial (cycle_limit=1) the rate is lr_min")
    case("timm_cosine_warmup_prefix", "timm:CosineLRScheduler(t_initial=60, lr_min=1e-4, warmup_t=10, "
         "warmup_lr_init=1e-5, warmup_prefix=True)", 90, base_lr=0.05)
    case("timm_cosine_no_warmup", "timm:CosineLRScheduler(t_initial=40)", 50, base_lr=0.1)
    case("timm_cosine_cycles", "timm:CosineLRScheduler(t_initial=20, lr_min=0.001, cycle_limit=3, "
         "cycle_decay=0.5, warmup_t=3, warmup_lr_init=0.0001)", 80, base_lr=0.1)
    case("timm_cosine_cycle_mul", "timm:CosineLRScheduler(t_initial=10, cycle_mul=2.0, cycle_decay=0.8, "
         "cycle_limit=4, lr_min=1e-5)", 170, base_lr=0.05)
    case("timm_cosine_k_decay", "timm:CosineLRScheduler(t_initial=50, k_decay=2.0, lr_min=0.001, warmup_t=5, "
         "warmup_lr_init=0.001, warmup_prefix=True)", 70, base_lr=0.1)
    case("timm_step", "timm:StepLRScheduler(decay_t=10, decay_rate=0.5, warmup_t=3, warmup_lr_init=0.001)", 50,
         base_lr=0.1, note="warmup_prefix defaults to True for StepLRScheduler")
    case("timm_step_no_prefix", "timm:StepLRScheduler(decay_t=10, decay_rate=0.5, warmup_t=3, "
         "warmup_lr_init=0.001, warmup_prefix=False)", 50, base_lr=0.1)
    case("timm_step_fractional", "timm:StepLRScheduler(decay_t=2.5, decay_rate=0.8)", 30, base_lr=0.05)
    case("timm_multistep", "timm:MultiStepLRScheduler(decay_t=[10, 20, 30], decay_rate=0.5, warmup_t=3, "
         "warmup_lr_init=0.0001)", 50, base_lr=0.1,
         note="timm applies milestone m at t + 1 == m, i.e. one step earlier than torch's MultiStepLR")
    case("timm_multistep_no_warmup", "timm:MultiStepLRScheduler(decay_t=[1, 5, 12], decay_rate=0.1)", 20,
         base_lr=0.1)
    case("timm_poly", "timm:PolyLRScheduler(t_initial=50, power=2.0, lr_min=0.0001, warmup_t=5, "
         "warmup_lr_init=1e-5)", 70, base_lr=0.1)
    case("timm_poly_defaults_prefix", "timm:PolyLRScheduler(t_initial=40, warmup_t=4, warmup_lr_init=0.001, "
         "warmup_prefix=True)", 60, base_lr=0.05, note="power defaults to 0.5")
    case("timm_poly_cycles", "timm:PolyLRScheduler(t_initial=20, power=1.0, cycle_limit=2, cycle_decay=0.5, "
         "k_decay=0.5)", 50, base_lr=0.1)
    case("timm_tanh", "timm:TanhLRScheduler(t_initial=50)", 60, base_lr=0.1,
         note="lb=-7, ub=3 by default: the curve starts just below base_lr and ends just above lr_min")
    case("timm_tanh_warmup", "timm:TanhLRScheduler(t_initial=40, lr_min=0.001, warmup_t=5, warmup_lr_init=0.0001)",
         60, base_lr=0.05, note="warmup_prefix=False: the warmup ramps to the tanh value at t = warmup_t")
    case("timm_tanh_warmup_prefix_cycles", "timm:TanhLRScheduler(t_initial=20, lb=-6.0, ub=4.0, cycle_limit=2, "
         "cycle_mul=1.5, warmup_t=4, warmup_lr_init=0.001, warmup_prefix=True)", 60, base_lr=0.1)
    acc = metric_curve("accuracy", 79, seed=31)
    loss = metric_curve("loss", 99, seed=32)
    case("timm_plateau_defaults", "timm:PlateauLRScheduler()", 80, base_lr=0.1, metric=acc,
         note="mode defaults to 'max' (accuracy), decay_rate=0.1, patience_t=10; a torch ReduceLROnPlateau "
              "inside")
    case("timm_plateau_min_warmup", "timm:PlateauLRScheduler(decay_rate=0.5, patience_t=3, mode='min', "
         "warmup_t=5, warmup_lr_init=0.001)", 100, base_lr=0.05, metric=loss,
         note="during warmup (t <= warmup_t) the metric is not passed on: ReduceLROnPlateau first sees "
              "metric[warmup_t] at t = warmup_t + 1")
    case("timm_plateau_cooldown_min", "timm:PlateauLRScheduler(decay_rate=0.5, patience_t=2, cooldown_t=2, "
         "mode='min', lr_min=0.005, threshold=0.001)", 100, base_lr=0.05, metric=loss)
    case("timm_wsd", "timm:WSDLRScheduler(t_initial=60, decay_t=20, warmup_t=5, warmup_lr_init=1e-5)", 80,
         base_lr=0.1, note="decay_fn defaults to '1-sqrt'; total length warmup_t + t_initial")
    case("timm_wsd_cosine_min", "timm:WSDLRScheduler(t_initial=50, decay_t=15, lr_min=0.001, decay_fn='cosine')",
         60, base_lr=0.05)
    case("timm_wsd_rsqrt_linear", "timm:WSDLRScheduler(t_initial=60, decay_t=20, stable_fn='rsqrt', "
         "decay_fn='linear', warmup_t=10, warmup_lr_init=0.0001)", 80, base_lr=0.1)
    case("timm_wsd_exp", "timm:WSDLRScheduler(t_initial=40, decay_t=20, decay_fn='exp', decay_ratio=0.05, "
         "lr_min=0.0001)", 50, base_lr=0.1)


def optax_cases() -> None:
    case("optax_constant", "optax:constant_schedule(value=0.01)", 10)
    case("optax_polynomial", "optax:polynomial_schedule(init_value=0.1, end_value=0.001, power=2, "
         "transition_steps=50)", 70)
    case("optax_polynomial_begin", "optax:polynomial_schedule(init_value=1.0, end_value=0.01, power=0.5, "
         "transition_steps=40, transition_begin=10)", 70)
    case("optax_linear_positional", "optax:linear_schedule(0.0, 0.1, 30)", 40)
    case("optax_linear_begin", "optax:linear_schedule(init_value=0.1, end_value=0.001, transition_steps=50, "
         "transition_begin=20)", 90)
    case("optax_piecewise_constant", "optax:piecewise_constant_schedule(init_value=0.1, "
         "boundaries_and_scales={20: 0.5, 50: 0.1})", 70, note="a scale applies from its boundary on (t >= b)")
    case("optax_piecewise_constant_unsorted", "optax:piecewise_constant_schedule(init_value=0.01, "
         "boundaries_and_scales={30: 0.1, 0: 2.0, 10: 0.5})", 40, note="boundaries are sorted; 0 applies at once")
    case("optax_exponential", "optax:exponential_decay(init_value=0.1, transition_steps=10, decay_rate=0.9)", 60)
    case("optax_exponential_staircase", "optax:exponential_decay(init_value=0.1, transition_steps=7, "
         "decay_rate=0.5, staircase=True)", 50)
    case("optax_exponential_begin_end", "optax:exponential_decay(init_value=0.05, transition_steps=5, "
         "decay_rate=0.8, transition_begin=15, end_value=0.005)", 80, note="end_value is a lower bound here")
    case("optax_exponential_growth_end", "optax:exponential_decay(init_value=0.001, transition_steps=4, "
         "decay_rate=1.5, end_value=0.1)", 60, note="decay_rate > 1: end_value is an upper bound")
    case("optax_cosine_decay", "optax:cosine_decay_schedule(init_value=0.1, decay_steps=100)", 130)
    case("optax_cosine_decay_alpha", "optax:cosine_decay_schedule(init_value=0.1, decay_steps=100, alpha=0.1)", 130)
    case("optax_cosine_decay_exponent", "optax:cosine_decay_schedule(init_value=0.05, decay_steps=60, alpha=0.02, "
         "exponent=2.0)", 80)
    case("optax_warmup_cosine", "optax:warmup_cosine_decay_schedule(init_value=0.0, peak_value=1e-3, "
         "warmup_steps=10, decay_steps=100)", 130, note="decay_steps includes the warmup")
    case("optax_warmup_cosine_end_exponent", "optax:warmup_cosine_decay_schedule(init_value=1e-5, peak_value=0.1, "
         "warmup_steps=20, decay_steps=120, end_value=0.001, exponent=1.5)", 150)
    case("optax_warmup_exponential", "optax:warmup_exponential_decay_schedule(init_value=0.0, peak_value=0.1, "
         "warmup_steps=10, transition_steps=5, decay_rate=0.8)", 60)
    case("optax_warmup_exponential_staircase", "optax:warmup_exponential_decay_schedule(init_value=0.001, "
         "peak_value=0.05, warmup_steps=8, transition_steps=6, decay_rate=0.5, transition_begin=10, "
         "staircase=True, end_value=0.002)", 80, note="transition_begin counts from the end of the warmup")
    case("optax_warmup_constant", "optax:warmup_constant_schedule(init_value=0.0, peak_value=0.1, warmup_steps=10)",
         30)
    case("optax_piecewise_interpolate_linear", "optax:piecewise_interpolate_schedule('linear', 0.1, "
         "{10: 0.5, 30: 0.1})", 45, note="interpolates between the accumulated values 0.1, 0.05, 0.005")
    case("optax_piecewise_interpolate_cosine", "optax:piecewise_interpolate_schedule(interpolate_type='cosine', "
         "init_value=0.01, boundaries_and_scales={5: 10.0, 40: 0.01})", 55)
    case("optax_linear_onecycle", "optax:linear_onecycle_schedule(transition_steps=100, peak_value=0.1)", 120,
         note="boundaries int(0.3 * 100) = 30, int(0.85 * 100) = 85, 100")
    case("optax_linear_onecycle_custom", "optax:linear_onecycle_schedule(transition_steps=50, peak_value=0.01, "
         "pct_start=0.25, pct_final=0.7, div_factor=10.0, final_div_factor=100.0)", 60,
         note="boundaries int(12.5) = 12, int(35.0) = 35, 50")
    case("optax_cosine_onecycle", "optax:cosine_onecycle_schedule(transition_steps=100, peak_value=0.1)", 120,
         note="cosine interpolation between peak/25 at 0, peak at int(0.3 * 100) = 30 and "
              "peak/25/1e4 at 100, then held")
    case("optax_cosine_onecycle_custom", "optax:cosine_onecycle_schedule(transition_steps=45, peak_value=0.05, "
         "pct_start=0.33, div_factor=10.0, final_div_factor=50.0)", 60, note="boundary int(0.33 * 45) = 14")
    case("optax_join_warmup_cosine", "optax:join_schedules(schedules=[linear_schedule(init_value=0.0, "
         "end_value=0.1, transition_steps=10), cosine_decay_schedule(init_value=0.1, decay_steps=90)], "
         "boundaries=[10])", 120, note="each later schedule is called with t - boundary")
    case("optax_join_three", "optax:join_schedules(schedules=[constant_schedule(0.01), exponential_decay("
         "init_value=0.1, transition_steps=10, decay_rate=0.5), linear_schedule(init_value=0.02, end_value=0.0, "
         "transition_steps=20)], boundaries=[5, 45])", 80)
    case("optax_sgdr", "optax:sgdr_schedule(cosine_kwargs=[{'init_value': 0.0, 'peak_value': 0.1, "
         "'warmup_steps': 5, 'decay_steps': 30}, {'init_value': 0.01, 'peak_value': 0.05, 'warmup_steps': 5, "
         "'decay_steps': 50, 'end_value': 0.001}])", 100,
         note="each dict goes to warmup_cosine_decay_schedule; boundaries are the running sums of decay_steps")


def keras_cases() -> None:
    case("keras_exponential", "keras:ExponentialDecay(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.9)",
         60)
    case("keras_exponential_staircase", "keras:ExponentialDecay(initial_learning_rate=0.1, decay_steps=7, "
         "decay_rate=0.5, staircase=True)", 50)
    case("keras_piecewise_constant", "keras:PiecewiseConstantDecay(boundaries=[10, 30], "
         "values=[0.1, 0.01, 0.001])", 45,
         note="a value holds through its boundary: values[1] starts at step boundaries[0] + 1")
    case("keras_polynomial", "keras:PolynomialDecay(initial_learning_rate=0.1, decay_steps=50, "
         "end_learning_rate=0.001, power=2.0)", 70)
    case("keras_polynomial_defaults", "keras:PolynomialDecay(0.1, 40)", 50,
         note="defaults end_learning_rate=0.0001, power=1.0, cycle=False")
    case("keras_polynomial_cycle", "keras:PolynomialDecay(initial_learning_rate=0.1, decay_steps=20, "
         "end_learning_rate=0.01, power=0.5, cycle=True)", 90,
         note="cycle=True: decay_steps grows to decay_steps * ceil(t / decay_steps); t = 0 uses one period")
    case("keras_inverse_time", "keras:InverseTimeDecay(0.1, 10, 0.5)", 60)
    case("keras_inverse_time_staircase", "keras:InverseTimeDecay(initial_learning_rate=0.05, decay_steps=8, "
         "decay_rate=1.0, staircase=True)", 50)
    case("keras_cosine", "keras:CosineDecay(initial_learning_rate=0.1, decay_steps=100)", 120)
    case("keras_cosine_alpha", "keras:CosineDecay(initial_learning_rate=0.05, decay_steps=60, alpha=0.1)", 80)
    case("keras_cosine_warmup", "keras:CosineDecay(initial_learning_rate=0.1, decay_steps=100, warmup_target=0.2, "
         "warmup_steps=10)", 130, note="warmup from initial_learning_rate to warmup_target, then decay_steps of "
                                       "cosine from warmup_target (decay_steps excludes the warmup)")
    case("keras_cosine_warmup_from_zero", "keras:CosineDecay(initial_learning_rate=0.0, decay_steps=80, "
         "alpha=0.05, warmup_target=0.01, warmup_steps=20)", 120)
    case("keras_cosine_restarts", "keras:CosineDecayRestarts(initial_learning_rate=0.1, first_decay_steps=20)",
         100, note="defaults t_mul=2.0, m_mul=1.0, alpha=0.0")
    case("keras_cosine_restarts_custom", "keras:CosineDecayRestarts(initial_learning_rate=0.05, "
         "first_decay_steps=15, t_mul=1.0, m_mul=0.8, alpha=0.01)", 90)
    case("keras_cosine_restarts_growing", "keras:CosineDecayRestarts(initial_learning_rate=0.1, "
         "first_decay_steps=10, t_mul=1.5, m_mul=0.9, alpha=0.02)", 150)


# -- the torch part: torch, Hugging Face, timm ------------------------------------------------

def load_timm_scheduler():
    """timm.scheduler from the installed timm, without running timm/__init__ (it needs torchvision)."""
    found = importlib.util.find_spec("timm")  # locates the package, does not import it
    if found is None or not found.submodule_search_locations:
        raise SystemExit("timm is not installed (pip install --no-deps timm)")
    folder = Path(list(found.submodule_search_locations)[0]) / "scheduler"
    spec = importlib.util.spec_from_file_location("timm.scheduler", folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["timm.scheduler"] = module
    spec.loader.exec_module(module)
    return module


def timm_version() -> str:
    from importlib.metadata import version
    return version("timm")


def torch_part() -> tuple[dict, list[dict]]:
    versions, runners, libraries = torch_runners()
    return versions, run_cases(("torch", "hf", "timm"), runners, libraries)


def torch_runners() -> tuple[dict, dict, dict]:
    """The library versions, a runner per framework (torch, hf, timm) taking (call, case) and
    returning (values, notes), and each framework's library description."""
    import torch
    import transformers
    import transformers.optimization as hf_opt
    from torch.optim import SGD, lr_scheduler, swa_utils

    timm_sched = load_timm_scheduler()
    versions = {"torch": torch.__version__.split("+")[0], "transformers": transformers.__version__,
                "timm": timm_version()}
    hf_types = {t.value for t in hf_opt.SchedulerType}
    torch_names = {name for name in lr_scheduler.__all__ if name != "LRScheduler"}

    def lr_of(optimizer) -> float:
        value = optimizer.param_groups[0]["lr"]
        return float(value.item() if isinstance(value, torch.Tensor) else value)

    def new_optimizer(base_lr):
        return SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr, momentum=0.9)

    def build_torch(call, optimizer):
        name = call.func.id
        if name == "SWALR":
            cls = swa_utils.SWALR
        elif name in torch_names:
            cls = getattr(lr_scheduler, name)
        else:
            raise SystemExit(f"torch has no scheduler {name}")
        args, kwargs = call_args(call, lambda c: build_torch(c, optimizer))
        params = list(inspect.signature(cls.__init__).parameters)
        if params[1] == "optimizer":
            return cls(optimizer, *args, **kwargs)
        return cls(*args, optimizer=optimizer, **kwargs)  # ChainedScheduler(schedulers, optimizer=None)

    def build_hf(call, optimizer):
        name = call.func.id

        def no_nesting(c):
            raise SystemExit("hf specs take no nested constructors")

        args, kwargs = call_args(call, no_nesting)
        if name in hf_types:
            if args:
                raise SystemExit("hf:TYPE(...) takes keyword arguments only")
            warm = kwargs.pop("num_warmup_steps", None)
            total = kwargs.pop("num_training_steps", None)
            return hf_opt.get_scheduler(name, optimizer, num_warmup_steps=warm, num_training_steps=total,
                                        scheduler_specific_kwargs=kwargs or None)
        if name.startswith("get_") and "schedule" in name and name != "get_scheduler" \
                and callable(getattr(hf_opt, name, None)):
            return getattr(hf_opt, name)(optimizer, *args, **kwargs)
        raise SystemExit(f"transformers has no scheduler {name}")

    def build_timm(call, optimizer):
        name = call.func.id
        cls = getattr(timm_sched, name, None)
        if not (name.endswith("Scheduler") and inspect.isclass(cls)):
            raise SystemExit(f"timm has no scheduler {name}")

        def no_nesting(c):
            raise SystemExit("timm specs take no nested constructors")

        args, kwargs = call_args(call, no_nesting)
        return cls(optimizer, *args, **kwargs)

    def run_stepped(framework, call, c) -> tuple[list[float], list[str]]:
        optimizer = new_optimizer(c["base_lr"])
        build = build_torch if framework == "torch" else build_hf
        scheduler = build(call, optimizer)
        values = [lr_of(optimizer)]
        metric = c["metric"]
        for t in range(1, c["steps"]):
            optimizer.step()
            if metric is None:
                scheduler.step()
            else:
                scheduler.step(metric[t - 1])
            values.append(lr_of(optimizer))
        return values, []

    def run_timm(call, c) -> tuple[list[float], list[str]]:
        optimizer = new_optimizer(c["base_lr"])
        scheduler = build_timm(call, optimizer)
        step = scheduler.step if getattr(scheduler, "t_in_epochs", True) else scheduler.step_update
        values = [lr_of(optimizer)]
        metric = c["metric"]
        for t in range(1, c["steps"]):
            if metric is None:
                step(t)
            else:
                step(t, metric[t - 1])
            values.append(lr_of(optimizer))
        notes = []
        # what step(0) would set, on a fresh scheduler: the constructor's value is values[0]
        fresh = new_optimizer(c["base_lr"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            other = build_timm(call, fresh)
        (other.step if getattr(other, "t_in_epochs", True) else other.step_update)(0)
        if lr_of(fresh) != values[0]:
            notes.append(f"t=0: the constructor sets {values[0]!r} (stored) but step(0) would set {lr_of(fresh)!r}")
        return values, notes

    runners = {"torch": lambda call, c: run_stepped("torch", call, c),
               "hf": lambda call, c: run_stepped("hf", call, c),
               "timm": run_timm}
    libraries = {"torch": f"torch {versions['torch']} (real)",
                 "hf": f"transformers {versions['transformers']} (real, on torch {versions['torch']})",
                 "timm": f"timm {versions['timm']} (real; timm/scheduler loaded without timm/__init__)"}
    return versions, runners, libraries


# -- the jax part: optax, keras ---------------------------------------------------------------

def jax_part() -> tuple[dict, list[dict]]:
    versions, runners, libraries = jax_runners()
    return versions, run_cases(("optax", "keras"), runners, libraries)


def jax_runners() -> tuple[dict, dict, dict]:
    """As torch_runners, for optax and keras (runners return (values, notes[, tolerance])).
    Leaves jax_enable_x64 on and keras' floatx at float64."""
    os.environ["KERAS_BACKEND"] = "jax"
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jaxlib
    import keras
    import numpy as np
    import optax
    from keras.src.optimizers.schedules import learning_rate_schedule as keras_lrs

    if keras.backend.backend() != "jax":
        raise SystemExit("keras must run on the jax backend (KERAS_BACKEND=jax)")
    keras.config.set_floatx("float64")
    versions = {"jax": jax.__version__, "jaxlib": jaxlib.__version__, "optax": optax.__version__,
                "keras": keras.__version__}

    def build_optax(call):
        name = call.func.id
        fn = getattr(optax.schedules, name, None)
        if fn is None or name[0].isupper() or name.startswith("inject"):
            raise SystemExit(f"optax has no schedule {name}")
        args, kwargs = call_args(call, build_optax)
        return fn(*args, **kwargs)

    def build_keras(call):
        name = call.func.id
        cls = getattr(keras.optimizers.schedules, name, None)
        if not (inspect.isclass(cls) and issubclass(cls, keras.optimizers.schedules.LearningRateSchedule)) \
                or cls is keras.optimizers.schedules.LearningRateSchedule:
            raise SystemExit(f"keras has no schedule {name}")

        def no_nesting(c):
            raise SystemExit("keras specs take no nested constructors")

        args, kwargs = call_args(call, no_nesting)
        return cls(*args, **kwargs)

    def as_float(value, want_dtype: str | None) -> float:
        arr = np.asarray(value)
        if want_dtype is not None and arr.dtype != np.dtype(want_dtype) and not isinstance(value, float):
            raise SystemExit(f"expected a {want_dtype} result, got {arr.dtype}")
        return float(arr)

    def run_optax(call, c) -> tuple[list[float], list[str]]:
        schedule = build_optax(call)
        values = [as_float(schedule(t), "float64") for t in range(c["steps"])]
        # optax's optimizers count updates in an int32 array: some schedules then work in float32
        as_int32 = [float(np.asarray(schedule(jnp.asarray(t, dtype=jnp.int32)))) for t in range(c["steps"])]
        scale = max(abs(v) for v in values) or 1.0
        diff = max(abs(a - b) for a, b in zip(values, as_int32)) / scale
        notes = []
        if diff > 1e-12:
            notes.append(f"called with an int32 count (optax's own step counter) it computes in float32: "
                         f"up to {diff:.1e} of the peak off")
        return values, notes

    class Probe:
        """Stands in for keras.ops inside the schedules module: records non-integer float32 results."""

        def __init__(self, ops):
            self.ops, self.lossy = ops, set()

        def __getattr__(self, name):
            fn = getattr(self.ops, name)
            if not callable(fn):
                return fn

            def wrapped(*a, **k):
                out = fn(*a, **k)
                dtype = str(getattr(out, "dtype", ""))
                if dtype in ("float32", "float16", "bfloat16"):
                    if isinstance(out, jax.core.Tracer):  # inside ops.cond: judge by the op
                        if name not in ("floor", "ceil", "round"):
                            self.lossy.add(name)
                    else:
                        arr = np.asarray(out, dtype=np.float64)
                        if not np.all(arr == np.floor(arr)):
                            self.lossy.add(name)
                return out
            return wrapped

    def run_keras(call, c) -> tuple[list[float], list[str], float]:
        probe = Probe(keras_lrs.ops)
        keras_lrs.ops = probe
        try:
            schedule = build_keras(call)
            values = [as_float(schedule(t), None) for t in range(c["steps"])]
        finally:
            keras_lrs.ops = probe.ops
        if not probe.lossy:
            return values, [], EXACT
        # keras rounds to float32 inside: store what it computes by default (float32 throughout)
        jax.config.update("jax_enable_x64", False)
        keras.config.set_floatx("float32")
        try:
            schedule = build_keras(call)
            f32 = [as_float(schedule(t), "float32") for t in range(c["steps"])]
        finally:
            jax.config.update("jax_enable_x64", True)
            keras.config.set_floatx("float64")
        scale = max(abs(v) for v in values) or 1.0
        diff = max(abs(a - b) for a, b in zip(values, f32)) / scale
        if diff > FLOAT32:
            raise SystemExit(f"{c['id']}: float32 and float64 keras differ by {diff:.1e}")
        return f32, [f"keras computes in float32 (keras.ops.{', keras.ops.'.join(sorted(probe.lossy))} return "
                     "float32 on the jax backend even with floatx=float64 and jax_enable_x64): values are its "
                     "default float32 results"], FLOAT32

    runners = {"optax": run_optax, "keras": run_keras}
    libraries = {"optax": f"optax {versions['optax']} (real; jax {versions['jax']}, float64)",
                 "keras": f"keras {versions['keras']} (real; jax backend)"}
    return versions, runners, libraries


# -- common -----------------------------------------------------------------------------------

def run_cases(frameworks, runners, libraries) -> list[dict]:
    out = []
    for c in CASES:
        framework, call = parse_spec(c["spec"])
        if framework not in frameworks:
            continue
        tolerance = EXACT
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = runners[framework](call, c)
        values, notes = result[0], list(result[1])
        if len(result) > 2:
            tolerance = result[2]
        messages = []
        for w in caught:
            text = f"{w.category.__name__}: {str(w.message).splitlines()[0].split('. ')[0]}"
            if text not in messages:
                messages.append(text)
        for v in values:
            if not math.isfinite(v):
                raise SystemExit(f"{c['id']}: non-finite learning rate {v!r}")
        if len(values) != c["steps"]:
            raise SystemExit(f"{c['id']}: {len(values)} values for {c['steps']} steps")
        note = "; ".join(([c["note"]] if c["note"] else []) + notes
                         + (["warned: " + " | ".join(messages)] if messages else []))
        out.append({"id": c["id"], "spec": c["spec"], "library": libraries[framework], "steps": c["steps"],
                    "values": values, "base_lr": c["base_lr"], "metric": c["metric"], "tolerance": tolerance,
                    "note": note})
    return out


def all_cases() -> None:
    CASES.clear()
    torch_cases()
    hf_cases()
    timm_cases()
    optax_cases()
    keras_cases()


def partial_path(part: str) -> Path:
    return Path(tempfile.gettempdir()) / f"lrsched_frameworks_{part}.json"


def render(versions: dict, cases: list[dict]) -> str:
    """The fixture text: a header, then one case per line (stable, diff-friendly)."""
    head = (f'{{"generator": {json.dumps(GENERATOR)}, '
            f'"versions": {json.dumps(dict(sorted(versions.items())))}, '
            f'"conventions": {json.dumps(CONVENTIONS)}, "cases": [\n')
    body = ",\n".join(json.dumps(c, allow_nan=False) for c in sorted(cases, key=lambda c: c["id"]))
    return head + body + "\n]}\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--part", choices=PARTS, help="compute the cases of one interpreter's libraries")
    mode.add_argument("--merge", action="store_true", help="combine the two partial files into the fixture")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="output file (default: a temp file for --part, the fixture for --merge)")
    parser.add_argument("--inputs", type=Path, nargs=2, default=None, metavar=("TORCH", "JAX"),
                        help="partial files for --merge (default: those --part writes)")
    args = parser.parse_args(argv)

    all_cases()
    if args.part:
        versions, cases = torch_part() if args.part == "torch" else jax_part()
        expected = EXPECTED_VERSIONS[args.part]
        if versions != expected:
            print(f"make_framework_golden.py: needs {expected}, found {versions}", file=sys.stderr)
            return 1
        wanted = {c["id"] for c in CASES if parse_spec(c["spec"])[0] in FRAMEWORKS[args.part]}
        assert wanted == {c["id"] for c in cases}
        output = args.output or partial_path(args.part)
        write(output, json.dumps({"part": args.part, "versions": versions,
                                  "cases": sorted(cases, key=lambda c: c["id"])}, allow_nan=False) + "\n")
        print(f"wrote {len(cases)} {args.part} cases to {output}")
        return 0

    inputs = args.inputs or [partial_path(p) for p in PARTS]
    versions: dict = {}
    cases: list[dict] = []
    for part, path in zip(PARTS, inputs):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("part") != part:
            raise SystemExit(f"{path}: not the {part} part")
        versions.update(data["versions"])
        cases.extend(data["cases"])
    ids = [c["id"] for c in cases]
    if len(ids) != len(set(ids)) or set(ids) != {c["id"] for c in CASES}:
        raise SystemExit("the partial files do not hold exactly this script's cases: rerun both parts")
    text = render(versions, cases)
    json.loads(text)  # well-formed
    output = args.output or DEFAULT_OUTPUT
    write(output, text)
    counts = {}
    for c in cases:
        fw = c["spec"].partition(":")[0]
        counts[fw] = counts.get(fw, 0) + 1
    print(f"wrote {len(cases)} cases {counts} ({len(text)} bytes) to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
