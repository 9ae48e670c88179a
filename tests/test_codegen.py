"""Snippets that rebuild a schedule in PyTorch, Hugging Face, optax and Keras (lrsched_cli.frameworks.codegen).

Every kind's example and many variants must give, for every target, either a snippet that
compiles or a one-line CodegenError. The execution tests run a snippet's `lrsched_values(steps)`
in the real framework and compare it with `core.evaluate`; they are skipped where the framework
is not installed (torch and transformers in one environment, jax, optax and keras in another).
"""
from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import numpy as np
import pytest

from lrsched_cli.frameworks.codegen import MAX_EMBEDDED, TARGETS, CodegenError, snippet
from lrsched_cli.core.engine import Schedule, build, evaluate
from lrsched_cli.errors import UsageError
from lrsched_cli.core.kinds import REGISTRY, WARMUP_PARAMS, synthetic_loss
from lrsched_cli.core.pykind import allowed_imports
from lrsched_cli.core.registry import Kind, Param

ROOT = Path(__file__).resolve().parents[1]

STEPS = 120
METRIC = [round(float(v), 6) for v in synthetic_loss(STEPS, 3)]
ACCURACY = [round(0.9 - 0.6 * 0.97 ** i + 0.004 * (-1) ** i, 6) for i in range(STEPS)]

EXAMPLES = {f"example_{kind.name}": {"kind": kind.name, **kind.example} for kind in REGISTRY}

VARIANTS = {
    # warmup shapes in front of a cosine
    "warmup_linear_from_zero": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 100, "warmup_steps": 10},
    "warmup_linear_from_start": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 100, "min_lr": 0.001,
                                 "warmup_steps": 10, "warmup_start_lr": 0.01},
    "warmup_cosine": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 100, "warmup_steps": 10,
                      "warmup_shape": "cosine", "warmup_start_lr": 0.001},
    "warmup_1sqrt": {"kind": "step", "max_lr": 0.1, "step_size": 20, "gamma": 0.5, "warmup_steps": 8,
                     "warmup_shape": "1-sqrt"},
    "warmup_exponential": {"kind": "exponential", "max_lr": 0.1, "gamma": 0.98, "warmup_steps": 12,
                           "warmup_shape": "exponential", "warmup_start_lr": 0.001},
    "warmup_constant": {"kind": "multistep", "max_lr": 0.1, "milestones": [40, 80], "warmup_steps": 5,
                        "warmup_shape": "constant", "warmup_start_lr": 0.01},
    # cosine: past the end, floors, fractional lengths
    "cosine_hold": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 60, "min_lr": 0.002, "past_end": "hold"},
    "cosine_hold_warmup": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 60, "min_lr": 0.002,
                           "past_end": "hold", "warmup_steps": 10, "warmup_start_lr": 0.0},
    "cosine_continue_min": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 40, "min_lr": 0.005,
                            "warmup_steps": 6},
    "cosine_half_length": {"kind": "cosine", "max_lr": 0.05, "cycle_length": 7.5},
    "cosine_odd_length": {"kind": "cosine", "max_lr": 0.05, "cycle_length": 7.3, "past_end": "hold"},
    # restarts
    "restarts_mult1": {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 15, "min_lr": 0.001},
    "restarts_decay": {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 10, "cycle_mult": 2,
                       "cycle_decay": 0.7, "min_lr": 0.002},
    "restarts_fractional": {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 7.5,
                            "cycle_mult": 1.5, "cycle_decay": 0.9},
    "restarts_limit": {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 25, "cycle_limit": 3,
                       "warmup_steps": 10},
    "restarts_limit_mult": {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 10,
                            "cycle_mult": 2, "cycle_limit": 3, "min_lr": 0.001},
    "restarts_decay_no_floor": {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 20,
                                "cycle_decay": 0.5},
    # decays
    "multistep_repeated": {"kind": "multistep", "max_lr": 0.1, "milestones": [10, 30, 30, 70], "gamma": 0.5},
    "step_warmup_start": {"kind": "step", "max_lr": 0.1, "step_size": 25, "gamma": 0.5, "warmup_steps": 10,
                          "warmup_start_lr": 0.02},
    "exponential_every": {"kind": "exponential", "max_lr": 0.1, "gamma": 0.5, "decay_steps": 12.5},
    "exponential_staircase_floor": {"kind": "exponential", "max_lr": 0.1, "gamma": 0.8, "decay_steps": 10,
                                    "staircase": True, "end_lr": 0.02, "warmup_steps": 5,
                                    "warmup_start_lr": 0.01},
    "exponential_staircase": {"kind": "exponential", "max_lr": 0.1, "gamma": 0.8, "decay_steps": 10,
                              "staircase": True},
    "exponential_warmup_zero": {"kind": "exponential", "max_lr": 0.1, "gamma": 0.97, "warmup_steps": 10},
    "linear_to_zero": {"kind": "linear", "max_lr": 0.1, "start_factor": 1.0, "end_factor": 0.0,
                       "total_iters": 90, "warmup_steps": 10},
    "linear_rising": {"kind": "linear", "max_lr": 0.1, "start_factor": 0.25, "end_factor": 1.0,
                      "total_iters": 30},
    "polynomial_floor": {"kind": "polynomial", "max_lr": 0.1, "max_update": 80, "power": 2.0,
                         "min_lr": 0.001, "warmup_steps": 10},
    "polynomial_hf_linear": {"kind": "polynomial", "max_lr": 0.1, "max_update": 90, "warmup_steps": 10},
    "constant_warmup_zero": {"kind": "constant", "max_lr": 0.1, "warmup_steps": 10},
    "constant_warmup_start": {"kind": "constant", "max_lr": 0.1, "warmup_steps": 10, "warmup_start_lr": 0.05},
    # cycles
    "cyclic_exp_range": {"kind": "cyclic", "min_lr": 0.001, "max_lr": 0.1, "step_size_up": 10,
                         "step_size_down": 15, "mode": "exp_range", "gamma": 0.99},
    "cyclic_warmup": {"kind": "cyclic", "min_lr": 0.01, "max_lr": 0.1, "step_size_up": 10, "warmup_steps": 5},
    "onecycle_linear_three": {"kind": "onecycle", "max_lr": 0.1, "total_steps": 100,
                              "anneal_strategy": "linear", "three_phase": True},
    "onecycle_hold": {"kind": "onecycle", "max_lr": 0.1, "total_steps": 50, "pct_start": 0.25},
    # feedback
    "plateau_metric": {"kind": "plateau", "max_lr": 0.1, "factor": 0.5, "patience": 3, "metric": METRIC},
    "plateau_max_abs": {"kind": "plateau", "max_lr": 0.05, "mode": "max", "factor": 0.2, "patience": 2,
                        "threshold": 0.001, "threshold_mode": "abs", "cooldown": 3, "min_lr": 0.001,
                        "metric": ACCURACY},
    "plateau_warmup": {"kind": "plateau", "max_lr": 0.1, "factor": 0.5, "patience": 3, "metric": METRIC,
                       "warmup_steps": 10},
    "plateau_warmup_start": {"kind": "plateau", "max_lr": 0.1, "factor": 0.5, "patience": 3,
                             "metric": METRIC, "warmup_steps": 10, "warmup_start_lr": 0.01},
    # transformer schedules
    "inverse_sqrt_no_warmup": {"kind": "inverse_sqrt", "max_lr": 0.01},
    "inverse_sqrt_timescale": {"kind": "inverse_sqrt", "max_lr": 0.01, "warmup_steps": 10, "timescale": 50},
    "wsd_hf": {"kind": "wsd", "max_lr": 0.1, "warmup_steps": 10, "warmup_start_lr": 0.01, "min_lr": 0.01,
               "warmup_shape": "cosine", "stable_steps": 60, "decay_steps": 30, "decay_type": "cosine"},
    "wsd_linear_from_zero": {"kind": "wsd", "max_lr": 0.1, "warmup_steps": 10, "min_lr": 0.005,
                             "stable_steps": 50, "decay_steps": 40, "decay_type": "linear"},
    # composites
    "sequence_three": {"kind": "sequence", "max_lr": 0.05, "phases": [
        {"kind": "linear", "steps": 5, "start_factor": 0.1, "end_factor": 1.0, "total_iters": 5},
        {"kind": "step", "steps": 30, "step_size": 10, "gamma": 0.5},
        {"kind": "exponential", "gamma": 0.95}]},
    "sequence_mixed": {"kind": "sequence", "max_lr": 0.1, "warmup_steps": 5, "phases": [
        {"kind": "cyclic", "steps": 40, "min_lr": 0.01, "step_size_up": 10},
        {"kind": "constant", "steps": 0},
        {"kind": "cosine", "steps": 30, "max_lr": 0.05, "cycle_length": 30, "warmup_steps": 5},
        {"kind": "wsd", "stable_steps": 10, "decay_steps": 20, "min_lr": 0.001}]},
    "sequence_nested": {"kind": "sequence", "max_lr": 0.1, "phases": [
        {"kind": "sequence", "steps": 50, "phases": [
            {"kind": "constant", "steps": 10, "max_lr": 0.01},
            {"kind": "cosine_restarts", "cycle_length": 10, "cycle_mult": 2}]},
        {"kind": "polynomial", "max_update": 50, "power": 0.5, "min_lr": 0.001}]},
    "sequence_cyclic_first": {"kind": "sequence", "max_lr": 0.1, "phases": [
        {"kind": "cyclic", "steps": 40, "min_lr": 0.01, "step_size_up": 10},
        {"kind": "step", "step_size": 15, "gamma": 0.5}]},
    # written from the kind's own definition (its closed form): once tabulated
    "cosine_exponent": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 80, "min_lr": 0.001, "exponent": 2.0,
                        "past_end": "hold"},
    "tanh_cycles": {"kind": "tanh", "max_lr": 0.1, "cycle_length": 30, "min_lr": 0.001, "cycle_decay": 0.8,
                    "cycle_limit": 3, "warmup_steps": 5},
    "piecewise_linear": {"kind": "piecewise", "max_lr": 0.1, "knots": [0, 40, 40, 90], "factors": [0.1, 1.0, 0.5, 0.01],
                         "interpolation": "linear"},
    "piecewise_cosine_after": {"kind": "piecewise", "max_lr": 0.1, "knots": [-5, 30, 100], "factors": [1.0, 0.4, 0.02],
                               "interpolation": "cosine", "boundary": "after"},
    "inverse_time_staircase": {"kind": "inverse_time", "max_lr": 0.1, "decay_rate": 0.5, "decay_steps": 7,
                               "staircase": True},
    "polynomial_stretch": {"kind": "polynomial", "max_lr": 0.1, "max_update": 30, "power": 2.0, "min_lr": 0.001,
                           "past_end": "stretch"},
    "polynomial_cycles": {"kind": "polynomial", "max_lr": 0.1, "max_update": 25, "power": 0.5, "cycle_limit": 4,
                          "cycle_decay": 0.7, "k_decay": 1.5},
    "restarts_k_decay_amplitude": {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 20, "min_lr": 0.01,
                                   "k_decay": 2.0, "cycle_decay": 0.5, "cycle_decay_on": "amplitude"},
    "wsd_power_rsqrt": {"kind": "wsd", "max_lr": 0.1, "min_lr": 0.001, "stable_steps": 60, "decay_steps": 40,
                        "decay_type": "power", "decay_power": 2.0, "stable_shape": "rsqrt", "stable_timescale": 20},
    "wsd_exp": {"kind": "wsd", "max_lr": 0.1, "stable_steps": 50, "decay_steps": 50, "decay_type": "exp",
                "decay_ratio": 0.05},
    "warmup_to_max_lr": {"kind": "tanh", "max_lr": 0.1, "cycle_length": 100, "warmup_steps": 10,
                         "warmup_target": "max_lr"},
    "warmup_overlay": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 100, "warmup_steps": 10,
                       "warmup_mode": "overlay", "warmup_start_lr": 0.01},
    # formulas
    "expr_functions": {"kind": "expr", "max_lr": 0.1, "min_lr": 0.001, "period": 40.0,
                       "expr": "where(t < 10, max_lr * (t + 1) / 10, maximum(min_lr, max_lr * "
                               "(1 + cos(pi * mod(t, period) / period)) / 2))"},
    "expr_logic": {"kind": "expr", "max_lr": 0.1, "k": -0.5,
                   "expr": "max_lr * (0.5 if t > 50 and not t > 90 else 1) * (1 + (3 < t < 7)) "
                           "* clip(exp(k * floor(t / 30)), 0.1, 1) + 0.001 * sign(t - 60) ** 2"},
    "expr_constant": {"kind": "expr", "max_lr": 0.1, "expr": "max_lr / 2", "warmup_steps": 10},
    "expr_rsqrt": {"kind": "expr", "expr": "max_lr / sqrt(max(t, w))", "max_lr": 0.1, "w": 10.0},
    "expr_round_log": {"kind": "expr", "max_lr": 0.1,
                       "expr": "max_lr * log(e + round(t / 7)) / log(e + 17) + abs(sin(t)) * 1e-3"},
}

CASES = {**EXAMPLES, **VARIANTS}
IDS = sorted(CASES)


@pytest.fixture(autouse=True)
def allow_the_python_kind(monkeypatch):
    """Every kind's example is exported; the python kind's imports a file in configs/."""
    monkeypatch.chdir(ROOT)
    with allowed_imports():
        yield


def schedule_for(name: str, steps: int = STEPS) -> Schedule:
    return build(CASES[name], steps)


def run(source: str, steps: int) -> np.ndarray:
    namespace: dict = {"__name__": "lrsched_snippet"}
    exec(compile(source, "<snippet>", "exec"), namespace)  # noqa: S102 - our own generated code
    return np.asarray(namespace["lrsched_values"](steps), dtype=np.float64)


def assert_matches(actual: np.ndarray, expected: np.ndarray, rtol: float, source: str) -> None:
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=source)


# -- every case, every target: a snippet that compiles, or a one-line reason --------------------

@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", IDS)
def test_snippet_compiles_or_says_why(name, target):
    schedule = schedule_for(name)
    try:
        source = snippet(schedule, target, STEPS)
    except CodegenError as exc:
        message = str(exc)
        assert message and "\n" not in message
        assert message.startswith(f"{target}:")
        return
    compile(source, "<snippet>", "exec")
    assert "def lrsched_values(steps):" in source
    assert source == snippet(schedule_for(name), target, STEPS)  # deterministic text
    assert source.endswith("\n") and not source.endswith("\n\n")


#: Cases that no writer computes (a metric, a chain, user code): a table of values, with the reason.
TABULATED = {"example_greedy", "example_chain", "example_python"}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", IDS)
def test_every_case_is_written_as_code_not_a_table(name, target):
    try:
        source = snippet(schedule_for(name), target, STEPS)
    except CodegenError:
        return
    assert ("VALUES = [" in source) == (name in TABULATED), source


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("kind", list(REGISTRY), ids=lambda k: k.name)
def test_every_kind_is_written_for_a_long_run_or_refused_in_one_line(kind, target):
    """A table stops at MAX_EMBEDDED steps: a kind with a closed form must not need one."""
    steps = 20_000
    try:
        source = snippet(build({"kind": kind.name, **kind.example}, steps), target, steps)
    except CodegenError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"{target}:")
        return
    compile(source, "<snippet>", "exec")


def test_every_kind_in_the_registry_has_an_example_case():
    assert {f"example_{kind.name}" for kind in REGISTRY} <= set(CASES)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", IDS)
def test_snippets_follow_pep8(name, target):
    pycodestyle = pytest.importorskip("pycodestyle")
    try:
        source = snippet(schedule_for(name), target, STEPS)
    except CodegenError:
        return
    style = pycodestyle.StyleGuide(quiet=True, max_line_length=79)
    checker = pycodestyle.Checker(lines=source.splitlines(True), options=style.options)
    checker.report.start()
    errors = checker.check_all()
    if errors:
        checker = pycodestyle.Checker(lines=source.splitlines(True), show_source=True)
        checker.check_all()
    assert errors == 0, source


# -- what is native, what falls back, what is refused -------------------------------------------

@pytest.mark.parametrize("name, target, expected", [
    ("example_step", "torch", "lr_scheduler.StepLR("),
    ("example_multistep", "torch", "lr_scheduler.MultiStepLR("),
    ("example_cosine", "torch", "lr_scheduler.CosineAnnealingLR("),
    ("example_cosine_restarts", "torch", "lr_scheduler.CosineAnnealingWarmRestarts("),
    ("example_cyclic", "torch", "lr_scheduler.CyclicLR("),
    ("example_onecycle", "torch", "lr_scheduler.OneCycleLR("),
    ("example_plateau", "torch", "lr_scheduler.ReduceLROnPlateau("),
    ("example_sequence", "torch", "lr_scheduler.SequentialLR("),
    ("warmup_linear_from_start", "torch", "lr_scheduler.LinearLR("),
    ("constant_warmup_start", "torch", "return lr_scheduler.LinearLR("),
    ("cosine_hold", "torch", "lr_scheduler.LambdaLR("),
    ("example_expr", "torch", "0.1 * 0.95 ** t"),
    ("warmup_linear_from_zero", "hf", 'get_scheduler("cosine"'),
    ("cosine_continue_min", "hf", '"cosine_with_min_lr"'),
    ("cosine_half_length", "hf", '"num_cycles": 1.0'),
    ("restarts_limit", "hf", '"cosine_with_restarts"'),
    ("linear_to_zero", "hf", 'get_scheduler("linear"'),
    ("polynomial_floor", "hf", '"polynomial"'),
    ("constant_warmup_zero", "hf", '"constant_with_warmup"'),
    ("example_inverse_sqrt", "hf", '"inverse_sqrt"'),
    ("wsd_hf", "hf", '"warmup_stable_decay"'),
    ("example_plateau", "hf", '"reduce_lr_on_plateau"'),
    ("example_step", "hf", "no scheduler type"),
    ("cosine_hold", "optax", "optax.cosine_decay_schedule("),
    ("cosine_hold_warmup", "optax", "optax.warmup_cosine_decay_schedule("),
    ("example_cosine", "optax", "rises again"),
    ("example_multistep", "optax", "optax.piecewise_constant_schedule("),
    ("step_warmup_start", "optax", "optax.warmup_exponential_decay_schedule("),
    ("restarts_decay", "optax", "optax.sgdr_schedule("),
    ("example_sequence", "optax", "optax.join_schedules("),
    ("example_multistep", "keras", "boundaries=[29, 59, 79]"),
    ("cosine_hold_warmup", "keras", "warmup_target=0.1"),
    ("restarts_mult1", "keras", "CosineDecayRestarts("),
    ("example_cyclic", "keras", "class LrschedSchedule("),
])
def test_native_where_exact_else_a_function(name, target, expected):
    source = snippet(schedule_for(name), target, STEPS)
    flat = re.sub(r"([(\[{])\s+", r"\1", re.sub(r",\s+", ", ", source))  # calls on one line
    assert expected in flat


@pytest.mark.parametrize("target", ["optax", "keras"])
def test_plateau_is_refused_where_the_rule_differs(target):
    with pytest.raises(CodegenError, match=f"^{target}: plateau .*patience"):
        snippet(schedule_for("plateau_metric"), target, STEPS)


def test_codegen_error_is_a_usage_error():
    assert issubclass(CodegenError, UsageError)


def test_unknown_target_and_bad_steps():
    schedule = schedule_for("example_cosine")
    with pytest.raises(CodegenError, match="unknown target 'jax'; choose one of: torch, hf, optax, keras"):
        snippet(schedule, "jax", STEPS)
    for steps in (0, -3, 2.5, True):
        with pytest.raises(CodegenError, match="steps must be an integer >= 1"):
            snippet(schedule, "torch", steps)


def test_a_long_metric_is_not_embedded():
    steps = MAX_EMBEDDED + 2
    schedule = build({"kind": "plateau", "max_lr": 0.1}, steps)
    with pytest.raises(CodegenError, match=r"^torch: .*10,001 values.*synthetic_loss\(10002, 0\)"):
        snippet(schedule, "torch", steps)


def test_a_short_metric_is_refused():
    schedule = build({"kind": "plateau", "max_lr": 0.1, "metric": [1.0, 0.9, 0.8]}, 4)
    snippet(schedule, "torch", 4)
    with pytest.raises(CodegenError, match="has 3 values but 10 steps need 9"):
        snippet(schedule, "torch", 10)


def test_expr_function_without_a_translation_is_refused(monkeypatch):
    from lrsched_cli.frameworks import codegen

    monkeypatch.delitem(codegen._FUNCS, "tanh")
    schedule = build({"kind": "expr", "expr": "0.1 * (1 - tanh(t / 50))"}, STEPS)
    with pytest.raises(CodegenError, match=r"^optax: expr: cannot translate the function tanh\(\)"):
        snippet(schedule, "optax", STEPS)


def _custom_kind() -> Kind:
    def evaluate_sawtooth(t, p):
        return p["max_lr"] * (1.0 - np.mod(t, p["period"]) / p["period"])

    return Kind(name="sawtooth", summary="test", family="test", frequency="cyclic", quantity="linear",
                formula="max_lr * (1 - (t mod period) / period)",
                params=(Param("max_lr", "float", "peak", gt=0), Param("period", "int", "length", ge=1)) +
                WARMUP_PARAMS,
                evaluate=evaluate_sawtooth, example={"max_lr": 0.1, "period": 7})


def _schedule_of(kind: Kind, **params) -> Schedule:
    full = {p.name: p.default for p in kind.params}
    full.update(params)
    return Schedule(kind, full, kind.name, kind.name)


def _opaque_kind() -> Kind:
    """A kind whose definition indexes an array by t: it has no closed form to read."""
    def evaluate_halving(t, p):
        levels = np.asarray([p["max_lr"], p["max_lr"] / 2])
        return levels[(t >= 10).astype(int)]

    return Kind(name="halving", summary="test", family="test", frequency="fixed", quantity="constant",
                formula="max_lr, halved from t = 10", params=(Param("max_lr", "float", "peak", gt=0),) +
                WARMUP_PARAMS, evaluate=evaluate_halving, example={"max_lr": 0.1})


@pytest.mark.parametrize("target", TARGETS)
def test_a_kind_added_later_is_written_from_its_own_definition(target):
    schedule = _schedule_of(_custom_kind(), max_lr=0.1, period=7)
    source = snippet(schedule, target, 30)
    assert "period = 7" in source and "VALUES" not in source
    compile(source, "<snippet>", "exec")


@pytest.mark.parametrize("target", TARGETS)
def test_a_kind_without_a_closed_form_is_tabulated(target):
    schedule = _schedule_of(_opaque_kind(), max_lr=0.1)
    source = snippet(schedule, target, 30)
    assert "lrsched cannot write kind 'halving' as code" in source and "VALUES = [" in source
    compile(source, "<snippet>", "exec")
    with pytest.raises(CodegenError, match="too many to tabulate"):
        snippet(schedule, target, MAX_EMBEDDED + 1)


def test_a_parameter_added_later_turns_the_native_class_off():
    cosine = REGISTRY.get("cosine")
    extra = Param("k_decay", "float", "time warp", default=1.0, gt=0)

    def warped(t, p):  # timm's k-decay: the cosine of t**k / T**k
        return cosine.evaluate(t ** p["k_decay"] / p["cycle_length"] ** (p["k_decay"] - 1.0), p)

    kind = dataclasses.replace(cosine, params=cosine.params + (extra,), evaluate=warped)
    plain = _schedule_of(kind, max_lr=0.1, cycle_length=50.0, k_decay=1.0)
    assert "CosineAnnealingLR(" in snippet(plain, "torch", 30)
    source = snippet(_schedule_of(kind, max_lr=0.1, cycle_length=50.0, k_decay=2.0), "torch", 30)
    assert "CosineAnnealingLR(" not in source and "VALUES" not in source
    assert "k_decay = 2.0" in source and "t**k_decay" in source.replace(" ** ", "**")


# -- execution in the real frameworks -----------------------------------------------------------

def _expected(name: str, steps: int = STEPS) -> np.ndarray:
    return evaluate(schedule_for(name, steps), steps)


def _exported(name: str, target: str, steps: int = STEPS) -> str | None:
    try:
        return snippet(schedule_for(name, steps), target, steps)
    except CodegenError:
        return None


@pytest.mark.parametrize("name", IDS)
def test_torch_snippet_gives_lrscheds_values(name):
    pytest.importorskip("torch")
    source = _exported(name, "torch")
    assert source is not None, "every schedule can be exported to PyTorch"
    assert_matches(run(source, STEPS), _expected(name), 1e-12, source)


@pytest.mark.parametrize("name", IDS)
def test_hf_snippet_gives_lrscheds_values(name):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    source = _exported(name, "hf")
    assert source is not None
    assert_matches(run(source, STEPS), _expected(name), 1e-12, source)


@pytest.mark.parametrize("name", IDS)
def test_optax_snippet_gives_lrscheds_values(name):
    pytest.importorskip("optax")
    source = _exported(name, "optax")
    if source is None:
        pytest.skip("refused (tested above)")
    assert_matches(run(source, STEPS), _expected(name), 1e-12, source)


def _keras():
    if "KERAS_BACKEND" not in os.environ:
        pytest.importorskip("jax")
        os.environ["KERAS_BACKEND"] = "jax"
    return pytest.importorskip("keras")


@pytest.mark.parametrize("name", IDS)
def test_keras_snippet_gives_lrscheds_values(name):
    _keras()
    source = _exported(name, "keras")
    if source is None:
        pytest.skip("refused (tested above)")
    # Keras computes in float32.
    assert_matches(run(source, STEPS), _expected(name), 1e-6, source)


@pytest.mark.parametrize("target", TARGETS)
def test_tabulated_snippet_runs(target):
    if target in ("torch", "hf"):
        pytest.importorskip("torch")
    elif target == "optax":
        pytest.importorskip("jax")
    else:
        _keras()
    schedule = _schedule_of(_opaque_kind(), max_lr=0.1)
    values = run(snippet(schedule, target, 30), 40)
    expected = evaluate(schedule, 30)
    assert_matches(values[:30], expected, 1e-6 if target == "keras" else 1e-12, "")
    assert np.all(values[30:] == values[29])


def test_keras_schedule_round_trips_its_config():
    keras = _keras()
    namespace: dict = {}
    exec(compile(snippet(schedule_for("example_cyclic"), "keras", STEPS), "<snippet>", "exec"), namespace)
    schedule = namespace["schedule"]
    again = type(schedule).from_config(schedule.get_config())
    assert float(again(17)) == float(schedule(17))
    assert isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule)
