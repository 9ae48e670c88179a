"""Differential test of the framework bridges: seeded random valid constructor calls for every
scheduler each framework's read table knows, evaluated by the installed library (the runners of
scripts/make_framework_golden.py) and by lrsched, compared at a relative 1e-9 (1e-6 where Keras
computes in float32).

lrsched either gives the library's values or refuses in one line, and it may refuse only a call
listed in LIMITS (a documented limit, with its reason). A call the library itself rejects must be
refused by lrsched too. Runs in the framework stage of CI (it needs torch, transformers, timm,
optax and keras); elsewhere it skips.
"""
from __future__ import annotations

import importlib.util
import os
import random
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from lrsched_cli.core import engine
from lrsched_cli.errors import SpecError
from lrsched_cli.frameworks import HF_TYPES, REGISTRY, translate

SEED = 20261202
PER_CONSTRUCTOR = 6  # cases per constructor and framework
RTOL = 1e-9

#: Calls lrsched refuses although the library computes them: (framework, pattern on the spec, reason).
#: A refusal not matched here fails the test.
LIMITS = [
    ("torch", r"ChainedScheduler\(\[.*(LambdaLR|CosineAnnealing|CyclicLR|OneCycleLR|SWALR|SequentialLR)",
     "not a product of factors in torch: the scheduler overwrites or shifts the others' factors"),
    ("torch", r"SequentialLR\(\[.*\bMultiplicativeLR", "after a milestone MultiplicativeLR continues from "
     "the previous scheduler's rate, not a schedule of t alone"),
    ("torch", r"SequentialLR\(\[.*\bSWALR", "SWALR counts its own steps: a milestone does not restart it"),
    ("torch", r"SequentialLR\(\[.+, (LinearLR|PolynomialLR)\(.*total_iters=0",
     "total_iters=0 after a milestone: torch's closed form divides by zero"),
]

# -- random valid constructor calls -----------------------------------------------------------


def _num(r: random.Random, low: float, high: float, digits: int = 4) -> float:
    return round(r.uniform(low, high), digits)


def _kw(**kwargs) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


LAMBDAS = ("lambda e: 0.95 ** e", "lambda e: 1 / (1 + 0.1 * e)", "lambda e: max(0.1, 1 - e / 30)",
           "lambda e: min(1.0, (e + 1) / 8)", "lambda e: 0.5 ** (e // 4)", "lambda e: exp(-0.05 * e)")
FACTORS = ("lambda e: 0.97", "lambda e: 0.9 if e % 3 == 0 else 1.0", "lambda e: 1.0 - 0.01 * (e % 5)")


def _milestones(r: random.Random, low: int = 0, high: int = 30, most: int = 4) -> list[int]:
    return sorted(r.randint(low, high) for _ in range(r.randint(1, most)))


def _any_order(r: random.Random, values: list) -> list:
    """Half the time shuffled: timm bisects an unsorted decay_t as given, and lrsched must too."""
    if r.random() < 0.5:
        values = values[:]
        r.shuffle(values)
    return values


def torch_step(r):
    return f"StepLR({_kw(step_size=r.randint(1, 10), gamma=r.choice([0.0, 0.1, 0.5, _num(r, 0.1, 1)]))})", 40


def torch_multistep(r):
    return f"MultiStepLR({_kw(milestones=_milestones(r), gamma=_num(r, 0.1, 0.9))})", 40


def torch_constant(r):
    return f"ConstantLR({_kw(factor=r.choice([1.0, _num(r, 0.05, 1)]), total_iters=r.randint(0, 10))})", 30


def torch_linear(r):
    kwargs = _kw(start_factor=_num(r, 0.01, 1), end_factor=r.choice([1.0, _num(r, 0, 1)]),
                 total_iters=r.randint(0, 12))
    return f"LinearLR({kwargs})", 30


def torch_exponential(r):
    return f"ExponentialLR({_kw(gamma=_num(r, 0.8, 1))})", 30


def torch_polynomial(r):
    return f"PolynomialLR({_kw(total_iters=r.randint(0, 20), power=_num(r, 0.5, 3))})", 30


def torch_cosine(r):
    return f"CosineAnnealingLR({_kw(T_max=r.randint(1, 20), eta_min=r.choice([0.0, _num(r, 0, 0.01, 5)]))})", 50


def torch_lambda(r):
    return f"LambdaLR(lr_lambda={r.choice(LAMBDAS)})", 30


def torch_multiplicative(r):
    return f"MultiplicativeLR(lr_lambda={r.choice(FACTORS)})", 30


def torch_plateau(r):
    kwargs = _kw(mode=r.choice(['min', 'max']), factor=_num(r, 0.1, 0.9), patience=r.randint(0, 5),
                 threshold=r.choice([1e-4, 0.01]), threshold_mode=r.choice(['rel', 'abs']),
                 cooldown=r.randint(0, 3), min_lr=r.choice([0.0, 0.001]))
    return f"ReduceLROnPlateau({kwargs})", 40


def torch_cyclic(r):
    base = _num(r, 0.0, 0.05)
    kwargs = dict(base_lr=base, max_lr=r.choice([_num(r, base, 0.2), _num(r, 0.0, base)]),
                  step_size_up=r.randint(1, 8), step_size_down=r.choice([None, r.randint(1, 8)]),
                  mode=r.choice(["triangular", "triangular2", "exp_range"]), gamma=_num(r, 0.9, 1))
    return f"CyclicLR({_kw(**kwargs)})", 40


def torch_warm_restarts(r):
    return f"CosineAnnealingWarmRestarts({_kw(T_0=r.randint(1, 8), T_mult=r.randint(1, 3), eta_min=0.001)})", 40


def torch_onecycle(r):
    total = r.randint(2, 40)
    kwargs = dict(max_lr=_num(r, 0.01, 1), total_steps=total, pct_start=r.choice([0.0, 0.3, _num(r, 0, 1, 2)]),
                  anneal_strategy=r.choice(["cos", "linear"]), div_factor=r.choice([25.0, _num(r, 2, 50)]),
                  final_div_factor=r.choice([1e4, _num(r, 2, 100)]), three_phase=r.random() < 0.3)
    return f"OneCycleLR({_kw(**kwargs)})", total + 1


def torch_swalr(r):
    kwargs = dict(swa_lr=_num(r, 0.001, 0.2), anneal_epochs=r.randint(0, 10),
                  anneal_strategy=r.choice(["cos", "linear"]))
    return f"SWALR({_kw(**kwargs)})", 20


SEQUENTIAL_POOL = (torch_step, torch_multistep, torch_constant, torch_linear, torch_exponential,
                   torch_polynomial, torch_cosine, torch_lambda, torch_cyclic, torch_warm_restarts)
CHAIN_POOL = (torch_step, torch_multistep, torch_constant, torch_linear, torch_exponential, torch_polynomial,
              torch_multiplicative)


def torch_sequential(r):
    children = [r.choice(SEQUENTIAL_POOL)(r)[0] for _ in range(r.randint(2, 3))]
    milestones = sorted(r.sample(range(1, 25), len(children) - 1))
    return f"SequentialLR(schedulers=[{', '.join(children)}], milestones={milestones!r})", 40


def torch_chained(r):
    children = [r.choice(CHAIN_POOL)(r)[0] for _ in range(r.randint(2, 3))]
    return f"ChainedScheduler([{', '.join(children)}])", 40


TORCH = {"LambdaLR": torch_lambda, "MultiplicativeLR": torch_multiplicative, "StepLR": torch_step,
         "MultiStepLR": torch_multistep, "ConstantLR": torch_constant, "LinearLR": torch_linear,
         "ExponentialLR": torch_exponential, "SequentialLR": torch_sequential, "PolynomialLR": torch_polynomial,
         "CosineAnnealingLR": torch_cosine, "ChainedScheduler": torch_chained,
         "ReduceLROnPlateau": torch_plateau, "CyclicLR": torch_cyclic,
         "CosineAnnealingWarmRestarts": torch_warm_restarts, "OneCycleLR": torch_onecycle, "SWALR": torch_swalr}


def _counts(r, need_total: bool = True) -> dict:
    warmup = r.choice([0, 1, r.randint(0, 15)])
    total = r.choice([warmup + r.randint(1, 40), r.randint(1, 40)]) if need_total else None
    return {"num_warmup_steps": warmup, **({"num_training_steps": total} if need_total else {})}


def _hf_extra(r, name: str) -> dict:
    if name == "cosine":
        return {"num_cycles": r.choice([0.5, _num(r, 0.2, 2, 2)])}
    if name == "cosine_with_restarts":
        return {"num_cycles": r.randint(1, 4)}
    if name == "polynomial":
        return {"lr_end": r.choice([1e-7, 0.001]), "power": _num(r, 0.5, 3)}
    if name == "inverse_sqrt":
        return {"timescale": r.choice([None, r.randint(1, 30)])}
    if name in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        extra = {"num_cycles": r.choice([0.5, _num(r, 0.2, 2, 2)])}
        extra.update({"min_lr": 0.001} if r.random() < 0.5 else {"min_lr_rate": _num(r, 0, 0.5)})
        if name == "cosine_warmup_with_min_lr" and r.random() < 0.5:
            extra["warmup_lr_rate"] = _num(r, 0, 0.9)
        return extra
    if name == "warmup_stable_decay":
        return {"num_decay_steps": r.randint(1, 15), "num_stable_steps": r.randint(0, 15),
                "warmup_type": r.choice(["linear", "cosine", "1-sqrt"]),
                "decay_type": r.choice(["linear", "cosine", "1-sqrt"]), "min_lr_ratio": r.choice([0.0, 0.1]),
                "num_cycles": r.choice([0.5, _num(r, 0.2, 2, 2)])}
    if name in ("reduce_lr_on_plateau",):
        return {"factor": _num(r, 0.1, 0.9), "patience": r.randint(0, 5), "mode": r.choice(["min", "max"])}
    if name == "greedy":
        return {"factor": _num(r, 0.5, 0.99), "patience": r.randint(1, 5), "min_lr": 0.001, "max_lr": 0.5,
                "window_size": r.randint(2, 10), "smooth": r.random() < 0.5, "reset_start": r.randint(5, 30)}
    return {}


def hf_type(name: str):
    function, needs, passes = HF_TYPES[name]

    def generate(r):
        kwargs = _counts(r, "N" in needs) if needs else {}
        if passes:
            kwargs.update(_hf_extra(r, name))
        return f"{name}({_kw(**kwargs)})", 50
    return generate


def hf_function(name: str):
    typed = next(t for t, (function, _, _) in HF_TYPES.items() if function == name)
    table = REGISTRY["hf"].constructors[name]

    def generate(r):
        spec, steps = hf_type(typed)(r)
        call = spec.partition("(")[2].rstrip(")")
        names = {a.name for a in table.args}
        kept = [part for part in re.split(r", (?=\w+=)", call) if part and part.partition("=")[0] in names]
        return f"{name}({', '.join(kept)})", steps
    return generate


def optax_polynomial(r):
    kwargs = dict(init_value=_num(r, 0, 0.1), end_value=r.choice([_num(r, -0.01, 0.1), 0.0]),
                  power=r.choice([1.0, _num(r, 0.5, 3)]), transition_steps=r.randint(0, 25),
                  transition_begin=r.randint(0, 10))
    return f"polynomial_schedule({_kw(**kwargs)})", 40


def optax_linear(r):
    kwargs = dict(init_value=_num(r, 0, 0.1), end_value=_num(r, -0.01, 0.1), transition_steps=r.randint(0, 25),
                  transition_begin=r.randint(0, 10))
    return f"linear_schedule({_kw(**kwargs)})", 40


def _scales(r) -> dict:
    return {r.randint(0, 30): _num(r, 0.1, 2) for _ in range(r.randint(1, 3))}


def optax_exponential(r):
    kwargs = dict(init_value=_num(r, 0.01, 0.1), transition_steps=r.choice([r.randint(1, 10), _num(r, 0.5, 8, 2)]),
                  decay_rate=_num(r, 0.5, 1.2), transition_begin=r.randint(0, 10), staircase=r.random() < 0.5,
                  end_value=r.choice([None, 0.02, 0.08]))
    return f"exponential_decay({_kw(**kwargs)})", 40


def optax_cosine(r):
    kwargs = dict(init_value=_num(r, 0.01, 0.1), decay_steps=r.randint(1, 30), alpha=r.choice([0.0, _num(r, 0, 0.5)]),
                  exponent=r.choice([1.0, _num(r, 0.5, 3)]))
    return f"cosine_decay_schedule({_kw(**kwargs)})", 40


def optax_warmup_cosine(r):
    warm = r.randint(0, 10)
    kwargs = dict(init_value=r.choice([0.0, _num(r, 0, 0.01)]), peak_value=_num(r, 0.01, 0.1), warmup_steps=warm,
                  decay_steps=warm + r.randint(1, 30), end_value=r.choice([0.0, 0.001]),
                  exponent=r.choice([1.0, 2.0]))
    return f"warmup_cosine_decay_schedule({_kw(**kwargs)})", 45


def optax_warmup_exponential(r):
    kwargs = dict(init_value=r.choice([0.0, _num(r, 0, 0.01)]), peak_value=_num(r, 0.01, 0.1),
                  warmup_steps=r.randint(0, 10), transition_steps=r.randint(1, 8), decay_rate=_num(r, 0.5, 0.99),
                  transition_begin=r.randint(0, 5), staircase=r.random() < 0.5, end_value=r.choice([None, 0.005]))
    return f"warmup_exponential_decay_schedule({_kw(**kwargs)})", 40


def optax_warmup_constant(r):
    kwargs = dict(init_value=r.choice([0.0, _num(r, 0, 0.01)]), peak_value=_num(r, 0.01, 0.1),
                  warmup_steps=r.randint(0, 10))
    return f"warmup_constant_schedule({_kw(**kwargs)})", 20


def optax_piecewise_interpolate(r):
    kwargs = dict(interpolate_type=r.choice(["linear", "cosine"]), init_value=_num(r, 0.01, 0.1),
                  boundaries_and_scales=_scales(r))
    return f"piecewise_interpolate_schedule({_kw(**kwargs)})", 40


def optax_onecycle(linear: bool):
    def generate(r):
        kwargs = dict(transition_steps=r.randint(5, 40), peak_value=_num(r, 0.01, 0.1), pct_start=_num(r, 0.1, 0.5, 2))
        if linear:
            kwargs["pct_final"] = _num(r, 0.6, 0.95, 2)
        kwargs.update(div_factor=r.choice([25.0, 10.0]), final_div_factor=r.choice([1e4, 100.0]))
        return f"{'linear' if linear else 'cosine'}_onecycle_schedule({_kw(**kwargs)})", 50
    return generate


JOIN_POOL = (lambda r: (f"constant_schedule({_num(r, 0.01, 0.1)!r})", 0), optax_linear, optax_cosine,
             optax_exponential, optax_warmup_cosine)


def optax_join(r):
    children = [r.choice(JOIN_POOL)(r)[0] for _ in range(r.randint(2, 3))]
    boundaries = sorted(r.sample(range(1, 25), len(children) - 1))
    return f"join_schedules(schedules=[{', '.join(children)}], boundaries={boundaries!r})", 40


def optax_sgdr(r):
    cycles = []
    for _ in range(r.randint(1, 3)):
        warm = r.randint(0, 4)
        cycles.append({"init_value": 0.0, "peak_value": _num(r, 0.01, 0.1), "warmup_steps": warm,
                       "decay_steps": warm + r.randint(1, 12)})
    return f"sgdr_schedule({cycles!r})", 40


OPTAX = {"constant_schedule": lambda r: (f"constant_schedule(value={_num(r, 0.001, 0.1)!r})", 5),
         "polynomial_schedule": optax_polynomial, "linear_schedule": optax_linear,
         "piecewise_constant_schedule": lambda r: (
             f"piecewise_constant_schedule({_num(r, 0.01, 0.1)!r}, {_scales(r)!r})", 40),
         "exponential_decay": optax_exponential, "cosine_decay_schedule": optax_cosine,
         "warmup_cosine_decay_schedule": optax_warmup_cosine,
         "warmup_exponential_decay_schedule": optax_warmup_exponential,
         "warmup_constant_schedule": optax_warmup_constant,
         "piecewise_interpolate_schedule": optax_piecewise_interpolate,
         "linear_onecycle_schedule": optax_onecycle(True), "cosine_onecycle_schedule": optax_onecycle(False),
         "join_schedules": optax_join, "sgdr_schedule": optax_sgdr}


def keras_piecewise(r):
    boundaries = sorted(r.sample(range(0, 30), r.randint(1, 3)))
    values = [_num(r, 0.001, 0.1) for _ in range(len(boundaries) + 1)]
    return f"PiecewiseConstantDecay({_kw(boundaries=boundaries, values=values)})", 40


KERAS = {
    "ExponentialDecay": lambda r: (f"ExponentialDecay({_kw(initial_learning_rate=_num(r, 0.01, 0.1), decay_steps=r.randint(1, 10), decay_rate=_num(r, 0.5, 0.99), staircase=r.random() < 0.5)})", 40),  # noqa: E501
    "PiecewiseConstantDecay": keras_piecewise,
    "PolynomialDecay": lambda r: (f"PolynomialDecay({_kw(initial_learning_rate=_num(r, 0.01, 0.1), decay_steps=r.randint(1, 20), end_learning_rate=r.choice([1e-4, 0.0]), power=r.choice([1.0, _num(r, 0.5, 3)]), cycle=r.random() < 0.4)})", 40),  # noqa: E501
    "InverseTimeDecay": lambda r: (f"InverseTimeDecay({_kw(initial_learning_rate=_num(r, 0.01, 0.1), decay_steps=r.randint(1, 10), decay_rate=_num(r, 0.1, 2), staircase=r.random() < 0.5)})", 40),  # noqa: E501
    "CosineDecay": lambda r: (f"CosineDecay({_kw(initial_learning_rate=_num(r, 0.0, 0.1), decay_steps=r.randint(1, 30), alpha=r.choice([0.0, 0.1]), warmup_target=r.choice([None, _num(r, 0.1, 0.2)]), warmup_steps=r.randint(0, 10))})", 45),  # noqa: E501
    "CosineDecayRestarts": lambda r: (f"CosineDecayRestarts({_kw(initial_learning_rate=_num(r, 0.01, 0.1), first_decay_steps=r.randint(1, 10), t_mul=r.choice([1.0, 2.0, 1.5]), m_mul=r.choice([1.0, 0.8]), alpha=r.choice([0.0, 0.1]))})", 45),  # noqa: E501
}


def _timm_warmup(r, prefix: bool = True) -> dict:
    warm = r.choice([0, 0, r.randint(1, 6)])
    out = {"warmup_t": warm, "warmup_lr_init": r.choice([0.0, 1e-4])}
    if prefix:
        out["warmup_prefix"] = r.random() < 0.5
    return out


def _timm_cycles(r) -> dict:
    return {"cycle_mul": r.choice([1.0, 2.0]), "cycle_decay": r.choice([1.0, 0.5]), "cycle_limit": r.randint(0, 3)}


TIMM = {
    "CosineLRScheduler": lambda r: (f"CosineLRScheduler({_kw(t_initial=r.randint(1, 15), lr_min=r.choice([0.0, 1e-3]), **_timm_cycles(r), **_timm_warmup(r), k_decay=r.choice([1.0, 0.5]))})", 40),  # noqa: E501
    "TanhLRScheduler": lambda r: (f"TanhLRScheduler({_kw(t_initial=r.randint(1, 15), lr_min=r.choice([0.0, 1e-3]), **_timm_cycles(r), **_timm_warmup(r))})", 40),  # noqa: E501
    "PolyLRScheduler": lambda r: (f"PolyLRScheduler({_kw(t_initial=r.randint(1, 15), power=_num(r, 0.5, 2), lr_min=r.choice([0.0, 1e-3]), **_timm_cycles(r), **_timm_warmup(r), k_decay=r.choice([1.0, 0.5]))})", 40),  # noqa: E501
    "StepLRScheduler": lambda r: (f"StepLRScheduler({_kw(decay_t=r.choice([r.randint(1, 8), _num(r, 0.5, 5, 1)]), decay_rate=_num(r, 0.1, 0.9), **_timm_warmup(r))})", 40),  # noqa: E501
    "MultiStepLRScheduler": lambda r: (f"MultiStepLRScheduler({_kw(decay_t=_any_order(r, _milestones(r, 1, 25)), decay_rate=_num(r, 0.1, 0.9), **_timm_warmup(r))})", 40),  # noqa: E501
    "PlateauLRScheduler": lambda r: (f"PlateauLRScheduler({_kw(decay_rate=_num(r, 0.1, 0.9), patience_t=r.randint(0, 5), mode=r.choice(['min', 'max']), **_timm_warmup(r, prefix=False))})", 40),  # noqa: E501
    "WSDLRScheduler": lambda r: (f"WSDLRScheduler({_kw(t_initial=r.randint(5, 30), decay_t=r.randint(1, 5), decay_fn=r.choice(['linear', '1-sqrt', 'cosine', 'power', 'exp']), stable_fn=r.choice(['constant', 'rsqrt', 'power']), stable_timescale=r.choice([None, 5.0]), **_timm_warmup(r, prefix=False))})", 40),  # noqa: E501
}

GENERATORS = {"torch": TORCH, "hf": {**{name: hf_type(name) for name in HF_TYPES},
                                     **{fn: hf_function(fn) for fn, _, _ in HF_TYPES.values()}},
              "optax": OPTAX, "keras": KERAS, "timm": TIMM}
METRIC_DRIVEN = ("ReduceLROnPlateau", "reduce_lr_on_plateau", "get_reduce_on_plateau_schedule", "greedy",
                 "get_greedy_schedule", "PlateauLRScheduler")


def cases() -> list[dict]:
    out = []
    for framework in REGISTRY:
        for name in sorted(GENERATORS.get(framework, {})):
            r = random.Random(f"{SEED}:{framework}:{name}")
            for i in range(PER_CONSTRUCTOR):
                spec, steps = GENERATORS[framework][name](r)
                steps = r.randint(1, steps) if r.random() < 0.2 else steps
                base_lr = None if framework in ("optax", "keras") else r.choice([0.1, 0.01, 1.0])
                metric = ([round(2 * 0.9 ** t + r.uniform(-0.05, 0.05), 4) for t in range(steps - 1)]
                          if name in METRIC_DRIVEN else None)
                out.append({"id": f"{framework}:{name}:{i}", "spec": f"{framework}:{spec}", "steps": steps,
                            "base_lr": base_lr, "metric": metric})
    return out


CASES = cases()


def test_every_constructor_of_every_read_table_has_a_generator():
    for framework, fw in REGISTRY.items():
        if framework in GENERATORS:  # a framework registered by a test (the toy) has no library
            assert sorted(GENERATORS[framework]) == sorted(fw.constructors), framework


# -- the libraries ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def runners():
    for module in ("torch", "transformers", "optax", "jax", "keras"):
        pytest.importorskip(module)
    if importlib.util.find_spec("timm") is None:
        pytest.importorskip("timm")
    os.environ.setdefault("KERAS_BACKEND", "jax")
    path = Path(__file__).resolve().parent.parent / "scripts" / "make_framework_golden.py"
    spec = importlib.util.spec_from_file_location("make_framework_golden", path)
    golden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(golden)
    import jax
    import keras

    x64, floatx = jax.config.jax_enable_x64, keras.config.floatx()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, torch_runners, _ = golden.torch_runners()
        _, jax_runners, _ = golden.jax_runners()
    yield golden, {**torch_runners, **jax_runners}
    jax.config.update("jax_enable_x64", x64)  # as the other tests expect them
    keras.config.set_floatx(floatx)


def _limit(spec: str) -> str | None:
    framework = spec.partition(":")[0]
    return next((reason for fw, pattern, reason in LIMITS if fw == framework and re.search(pattern, spec)), None)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_lrsched_computes_what_the_library_computes(case, runners):
    golden, run = runners
    framework, call = golden.parse_spec(case["spec"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run[framework](call, case)
    except (ValueError, TypeError, ZeroDivisionError, AssertionError) as exc:  # the library refuses the call
        with pytest.raises(SpecError) as info:
            engine.evaluate(engine.build(translate(case["spec"], base_lr=case["base_lr"], metric=case["metric"]),
                                         case["steps"]), case["steps"])
        assert "\n" not in str(info.value), f"library: {exc}"
        return
    truth = np.asarray(result[0], dtype=np.float64)
    rtol = result[2] if len(result) > 2 and result[2] > RTOL else RTOL
    try:
        mapping = translate(case["spec"], base_lr=case["base_lr"], metric=case["metric"])
        ours = engine.evaluate(engine.build(mapping, case["steps"]), case["steps"])
    except SpecError as exc:
        reason = _limit(case["spec"])
        assert reason is not None, f"refused but the library computes it: {exc}"
        assert "\n" not in str(exc)
        return
    np.testing.assert_allclose(ours, truth, rtol=rtol, atol=rtol * (np.abs(truth).max() or 1.0),
                               err_msg=case["spec"])


# -- the read tables against the installed signatures -----------------------------------------

def _real(golden, framework: str, name: str):
    """The installed library's class or function of a read-table entry (None: an alias)."""
    if framework == "torch":
        from torch.optim import lr_scheduler, swa_utils
        return swa_utils.SWALR if name == "SWALR" else getattr(lr_scheduler, name)
    if framework == "hf":
        import transformers.optimization as hf
        return getattr(hf, name, None)  # the get_scheduler names are checked through their functions
    if framework == "timm":
        import sys
        module = sys.modules.get("timm.scheduler") or golden.load_timm_scheduler()
        return getattr(module, name)
    if framework == "optax":
        import optax
        return getattr(optax.schedules, name)
    import keras
    return getattr(keras.optimizers.schedules, name)


def test_every_read_table_has_the_installed_signature(runners):
    """Names, order and defaults of every constructor's arguments (after the optimizer), so that
    positional arguments are read as the library reads them (timm 1.0.31 dropped `verbose`)."""
    import inspect

    golden, _ = runners
    for framework in GENERATORS:
        for name, ctor in REGISTRY[framework].constructors.items():
            real = _real(golden, framework, name)
            if real is None:
                continue
            params = [p for p in inspect.signature(real).parameters.values()
                      if p.name not in ("self", "optimizer") and p.kind is not p.VAR_KEYWORD]
            if not params and name.startswith("get_"):  # get_*(optimizer, **kwargs): forwarded as keywords
                assert ctor.keyword_only, name
                continue
            assert [a.name for a in ctor.args] == [p.name for p in params], f"{framework}:{name}"
            for arg, param in zip(ctor.args, params):
                if param.default is not param.empty and arg.name != "name":  # keras' name: a label
                    assert arg.default == param.default, f"{framework}:{name} {arg.name}"
