"""Every kind, driven by the registry: definitions, example values, exact closed forms, properties."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrsched_cli.core.engine import build, evaluate, evaluate_mapping
from lrsched_cli.errors import SpecError, UsageError
from lrsched_cli.core.kinds import FREQUENCIES, REGISTRY
from lrsched_cli.core.pykind import allowed_imports
from lrsched_cli.core.registry import REQUIRED

KINDS = list(REGISTRY)
IDS = [k.name for k in KINDS]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def allow_the_python_kind(monkeypatch):
    """These tests evaluate every kind; the python kind's example imports a file in configs/."""
    monkeypatch.chdir(ROOT)
    with allowed_imports():
        yield


def lr(mapping, steps=100):
    return evaluate_mapping(mapping, steps)


# -- the registry -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_every_kind_is_fully_documented(kind):
    assert kind.summary and kind.formula and kind.family
    assert kind.frequency in FREQUENCIES
    assert kind.quantity in {"constant", "exponential", "polynomial", "cosine", "linear", "cyclic", "custom"}
    assert kind.tips
    for param in kind.params:
        assert param.help, f"{kind.name}.{param.name} has no help"
        if param.type in {"float", "int"}:
            assert param.bounds_text(), f"{kind.name}.{param.name} has no bounds"
        if param.type == "choice":
            assert param.default in param.choices


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
@pytest.mark.parametrize("steps", [1, 2, 37, 100])
def test_example_evaluates_to_finite_float64_of_the_right_length(kind, steps):
    mapping = {"kind": kind.name, **kind.example}
    if steps <= mapping.get("warmup_steps", 0):
        mapping["warmup_steps"] = 0
    if kind.name == "wsd":
        mapping.pop("stable_steps", None)
        mapping["decay_steps"] = 1
    if kind.name == "onecycle" and steps < 5:
        pytest.skip("one-cycle needs a step per phase")
    values = lr(mapping, steps)
    assert values.dtype == np.float64
    assert values.shape == (steps,)
    assert np.all(np.isfinite(values))
    assert np.all(values >= 0)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_required_parameters_are_required(kind):
    for param in kind.params:
        if param.default is REQUIRED:
            mapping = {"kind": kind.name, **kind.example}
            mapping.pop(param.name)
            with pytest.raises(SpecError, match=f"missing required parameter {param.name}"):
                build(mapping, 100)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_unknown_parameter_is_refused_with_a_suggestion(kind):
    if kind.extra_numeric:
        mapping = {"kind": kind.name, **kind.example, "max-lr": 0.1}
        with pytest.raises(SpecError, match="unknown parameter 'max-lr'; did you mean 'max_lr'"):
            build(mapping, 100)
        return
    mapping = {"kind": kind.name, **kind.example, "max_lrr": 0.1}
    with pytest.raises(SpecError, match="unknown parameter 'max_lrr'; did you mean 'max_lr'"):
        build(mapping, 100)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "0.1", True, None])
def test_max_lr_must_be_a_finite_number(kind, bad):
    mapping = {"kind": kind.name, **kind.example, "max_lr": bad}
    with pytest.raises(SpecError, match=r"max_lr must be"):
        build(mapping, 100)


def test_unknown_kind_suggests_the_closest():
    with pytest.raises(SpecError) as info:
        build({"kind": "cosin", "max_lr": 0.1})
    assert str(info.value) == "schedule: unknown kind 'cosin'; did you mean 'cosine'? see 'lrsched list'"


def test_core_imports_neither_typer_nor_matplotlib():
    code = ("import sys, lrsched_cli.core.engine, lrsched_cli.io.config, lrsched_cli.io.output;"
            "lrsched_cli.core.engine.evaluate_mapping({'kind': 'cosine', 'max_lr': 0.1}, 10);"
            "bad = [m for m in ('typer', 'matplotlib', 'rich') if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- exact values from independent closed forms -----------------------------------------------

T = np.arange(200, dtype=np.float64)


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-13, atol=1e-16)


def test_constant():
    close(lr({"kind": "constant", "max_lr": 0.3}, 5), [0.3] * 5)


def test_step_changes_at_each_multiple():
    values = lr({"kind": "step", "max_lr": 1.0, "step_size": 3, "gamma": 0.5}, 10)
    close(values, [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125])


def test_multistep_repeated_milestones_compound():
    values = lr({"kind": "multistep", "max_lr": 1.0, "milestones": [2, 2, 4], "gamma": 0.1}, 6)
    close(values, [1, 1, 0.01, 0.01, 0.001, 0.001])


def test_exponential():
    close(lr({"kind": "exponential", "max_lr": 0.1, "gamma": 0.9}, 200), 0.1 * 0.9 ** T)


def test_linear_holds_end_factor():
    values = lr({"kind": "linear", "max_lr": 2.0, "start_factor": 0.25, "end_factor": 1.0, "total_iters": 4}, 7)
    close(values, [0.5, 0.875, 1.25, 1.625, 2.0, 2.0, 2.0])


def test_polynomial_with_floor_holds_after_max_update():
    values = lr({"kind": "polynomial", "max_lr": 1.0, "max_update": 10, "power": 2.0, "min_lr": 0.1}, 15)
    t = np.minimum(np.arange(15), 10)
    close(values, 0.1 + 0.9 * (1 - t / 10) ** 2)
    assert values[10] == 0.1 and values[14] == 0.1


def test_cosine_continues_like_pytorch_and_holds_on_request():
    values = lr({"kind": "cosine", "max_lr": 1.0, "cycle_length": 50, "min_lr": 0.0}, 200)
    close(values, (1 + np.cos(np.pi * T / 50)) / 2)
    assert values[50] == pytest.approx(0.0, abs=1e-16) and values[100] == pytest.approx(1.0)
    held = lr({"kind": "cosine", "max_lr": 1.0, "cycle_length": 50, "past_end": "hold"}, 200)
    assert np.all(held[50:] == held[50])


def test_cosine_cycle_length_defaults_to_the_horizon_minus_warmup():
    values = lr({"kind": "cosine", "max_lr": 1.0, "warmup_steps": 10}, 110)
    close(values[10:], (1 + np.cos(np.pi * np.arange(100) / 100)) / 2)


def test_cosine_restarts_with_growing_cycles():
    values = lr({"kind": "cosine_restarts", "max_lr": 1.0, "cycle_length": 3, "cycle_mult": 2}, 21)
    expected = []
    for length in (3, 6, 12):
        expected += [(1 + math.cos(math.pi * i / length)) / 2 for i in range(length)]
    close(values, expected)


@pytest.mark.parametrize("mult", [2.0, 3.0, 1.5, 10.0])
def test_restart_boundaries_land_exactly(mult):
    values = lr({"kind": "cosine_restarts", "max_lr": 1.0, "cycle_length": 4, "cycle_mult": mult}, 2000)
    start, length = 0.0, 4.0
    while start < 2000:
        if start.is_integer():
            assert values[int(start)] == 1.0, (start, values[int(start) - 1:int(start) + 2])
        start += length
        length *= mult


def test_cosine_restarts_decay_and_limit():
    values = lr({"kind": "cosine_restarts", "max_lr": 1.0, "cycle_length": 5, "cycle_decay": 0.5,
                 "cycle_limit": 2, "min_lr": 0.01}, 15)
    assert values[0] == 1.0 and values[5] == 0.5
    assert np.all(values[10:] == 0.01)


def test_cyclic_triangular2_halves_the_amplitude():
    values = lr({"kind": "cyclic", "min_lr": 0.0, "max_lr": 1.0, "step_size_up": 2, "mode": "triangular2"}, 9)
    close(values, [0, 0.5, 1, 0.5, 0, 0.25, 0.5, 0.25, 0])


def test_onecycle_endpoints_and_hold():
    values = lr({"kind": "onecycle", "max_lr": 1.0, "total_steps": 100}, 120)
    assert values[0] == pytest.approx(1 / 25)
    assert values.max() == 1.0 and np.argmax(values) == 29
    assert values[99] == pytest.approx(1 / 25 / 1e4)
    assert np.all(values[99:] == values[99])


def test_plateau_cuts_after_patience_plus_one_bad_steps():
    metric = [1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    values = lr({"kind": "plateau", "max_lr": 1.0, "patience": 2, "factor": 0.5, "metric": metric}, 8)
    # bad steps are metric[2], [3], [4]: the third one (seen by lr(5)) triggers the cut
    close(values, [1, 1, 1, 1, 1, 0.5, 0.5, 0.5])


def test_plateau_default_metric_is_deterministic():
    a = lr({"kind": "plateau", "max_lr": 1.0, "patience": 3}, 300)
    b = lr({"kind": "plateau", "max_lr": 1.0, "patience": 3}, 300)
    c = lr({"kind": "plateau", "max_lr": 1.0, "patience": 3, "seed": 1}, 300)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a[-1] < a[0]


def test_inverse_sqrt_timescale_defaults_to_warmup():
    values = lr({"kind": "inverse_sqrt", "max_lr": 1.0, "warmup_steps": 4}, 20)
    close(values[:4], np.arange(4) / 4)
    close(values[4:], np.sqrt(4 / (np.arange(16) + 4)))


def test_wsd_phases():
    values = lr({"kind": "wsd", "max_lr": 1.0, "stable_steps": 3, "decay_steps": 4, "decay_type": "linear",
                 "min_lr": 0.2}, 10)
    close(values, [1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2])


def test_sequence_phases_restart_their_clocks_and_skip_zero_length():
    values = lr({"kind": "sequence", "max_lr": 1.0, "phases": [
        {"kind": "linear", "steps": 2, "start_factor": 0.5, "total_iters": 2},
        {"kind": "step", "steps": 0, "step_size": 1},
        {"kind": "exponential", "gamma": 0.5, "max_lr": 2.0}]}, 5)
    close(values, [0.5, 0.75, 2.0, 1.0, 0.5])


def test_expr_with_extra_keys():
    values = lr({"kind": "expr", "expr": "max_lr * gamma**t", "max_lr": 0.1, "gamma": 0.9}, 200)
    close(values, 0.1 * 0.9 ** T)


@pytest.mark.parametrize("shape,expected", [
    ("linear", lambda p: p),
    ("cosine", lambda p: (1 - np.cos(np.pi * p)) / 2),
    ("1-sqrt", lambda p: 1 - np.sqrt(1 - p)),
    ("constant", lambda p: 0 * p),
])
def test_warmup_shapes(shape, expected):
    values = lr({"kind": "constant", "max_lr": 1.0, "warmup_steps": 8, "warmup_shape": shape}, 12)
    close(values[:8], expected(np.arange(8) / 8))
    assert np.all(values[8:] == 1.0)


def test_exponential_warmup_needs_a_positive_start():
    values = lr({"kind": "constant", "max_lr": 1.0, "warmup_steps": 4, "warmup_shape": "exponential",
                 "warmup_start_lr": 0.01}, 6)
    close(values[:4], 0.01 * 100 ** (np.arange(4) / 4))
    with pytest.raises(SpecError, match="warmup_start_lr > 0"):
        build({"kind": "constant", "max_lr": 1.0, "warmup_steps": 4, "warmup_shape": "exponential"})


# -- rejected inputs --------------------------------------------------------------------------

@pytest.mark.parametrize("mapping,message", [
    ({"kind": "step", "max_lr": 0.1, "step_size": 0}, "step_size must be >= 1 (received 0)"),
    ({"kind": "step", "max_lr": 0.1, "step_size": 2.5}, "step_size must be an integer (received 2.5)"),
    ({"kind": "step", "max_lr": 0.1, "step_size": 2, "gamma": 0}, "gamma must be > 0 (received 0)"),
    ({"kind": "multistep", "max_lr": 0.1, "milestones": [1.5]}, "must be a list of integers (received 1.5)"),
    ({"kind": "multistep", "max_lr": 0.1, "milestones": 3}, "milestones must be a list (received 3)"),
    ({"kind": "plateau", "max_lr": 0.1, "factor": 1.0}, "factor must be in (0, 1) (received 1.0)"),
    ({"kind": "cosine", "max_lr": 0.1, "min_lr": 0.2}, "min_lr must not exceed max_lr"),
    ({"kind": "cosine", "max_lr": 0.1, "cycle_length": 0}, "cycle_length must be > 0 (received 0)"),
    ({"kind": "cosine", "max_lr": 0.1, "warmup_steps": 100}, "warmup_steps must be shorter"),
    ({"kind": "onecycle", "max_lr": 0.1, "total_steps": 10, "pct_start": 0.05}, "every phase needs"),
    ({"kind": "wsd", "max_lr": 0.1, "decay_steps": 200}, "decay_steps must fit"),
    ({"kind": "sequence", "max_lr": 0.1, "phases": [{"kind": "cosine"}, {"kind": "constant"}]},
     "every phase but the last needs 'steps'"),
    ({"kind": "sequence", "max_lr": 0.1, "phases": [{"kind": "plateau"}]}, "plateau cannot be a phase"),
    ({"kind": "cosine", "max_lr": 0.1, "past_end": "clamp"}, "past_end must be one of: continue, hold"),
])
def test_invalid_parameters_name_the_rule_and_value(mapping, message):
    with pytest.raises(SpecError) as info:
        build(mapping, 100)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("steps", [0, -1, 2.5, True])
def test_bad_step_counts(steps):
    with pytest.raises(UsageError):
        evaluate(build({"kind": "constant", "max_lr": 1.0}), steps)


# -- properties -------------------------------------------------------------------------------

lrs = st.floats(min_value=1e-6, max_value=10.0)
fractions = st.floats(min_value=0.0, max_value=1.0)


@settings(max_examples=60, deadline=None)
@given(max_lr=lrs, floor=fractions, length=st.floats(min_value=0.5, max_value=500), steps=st.integers(1, 600))
def test_cosine_hold_is_monotone_and_bounded(max_lr, floor, length, steps):
    min_lr = max_lr * floor
    values = lr({"kind": "cosine", "max_lr": max_lr, "min_lr": min_lr, "cycle_length": length,
                 "past_end": "hold"}, steps)
    assert np.all(np.diff(values) <= 1e-15 * max_lr)
    assert np.all(values <= max_lr * (1 + 1e-15)) and np.all(values >= min_lr * (1 - 1e-15))


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from([k for k in KINDS if k.monotone == "decreasing" and k.name != "plateau"]),
       steps=st.integers(1, 400), max_lr=lrs)
def test_decreasing_kinds_never_increase(kind, steps, max_lr):
    mapping = {"kind": kind.name, **kind.example, "max_lr": max_lr, "warmup_steps": 0}
    if "min_lr" in mapping:
        mapping["min_lr"] = 0.0
    if kind.name == "wsd":
        mapping.pop("stable_steps")
        mapping["decay_steps"] = max(1, steps // 5)
    values = lr(mapping, steps)
    assert np.all(np.diff(values) <= 1e-15 * max_lr)
    assert values[0] == pytest.approx(max_lr)


@settings(max_examples=40, deadline=None)
@given(up=st.floats(0.5, 50), down=st.one_of(st.none(), st.floats(0.5, 50)),
       mode=st.sampled_from(["triangular", "triangular2", "exp_range"]), gamma=st.floats(0.9, 1.0),
       steps=st.integers(1, 300))
def test_cyclic_stays_between_its_bounds(up, down, mode, gamma, steps):
    values = lr({"kind": "cyclic", "min_lr": 0.01, "max_lr": 0.1, "step_size_up": up,
                 "step_size_down": down, "mode": mode, "gamma": gamma}, steps)
    assert np.all(values >= 0.01 - 1e-15) and np.all(values <= 0.1 + 1e-15)


@settings(max_examples=60, deadline=None)
@given(value=st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.just(math.inf)),
       kind=st.sampled_from(["step", "exponential", "cosine", "polynomial"]))
def test_non_positive_or_non_finite_lrs_are_rejected(value, kind):
    mapping = {"kind": kind, **REGISTRY.get(kind).example, "max_lr": value}
    with pytest.raises(SpecError):
        build(mapping, 50)


def test_cyclic_with_a_vanishing_down_length_computes_torchs_branch_without_a_warning():
    """step_size_down of the smallest float makes the up ratio 1: torch takes x / ratio there,
    and the other branch (a division by 0) must not raise under -W error."""
    import warnings

    from lrsched_cli.core.engine import build, evaluate

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = evaluate(build({"kind": "cyclic", "min_lr": 0.0, "max_lr": 1.0, "step_size_up": 10,
                                 "step_size_down": 5e-324}, 25), 25)
    assert np.allclose(values[:10], np.arange(10) / 10, rtol=1e-12, atol=0)
    assert values[10] == 0.0 and values[15] == 0.5  # a cycle of 10 steps: it rises again at once
