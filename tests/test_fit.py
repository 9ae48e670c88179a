"""`core.fit`: exact recovery of every closed-form family with and without warmup, logged every
step and every k steps, float64 and float32; ambiguity said; random schedules (hypothesis)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from lrsched_cli.core.align import relative
from lrsched_cli.core.engine import build, evaluate
from lrsched_cli.core.fit import FAMILIES, FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, fit

N = 1000
#: One schedule of each family fit() tries; the test below keeps this list equal to FAMILIES.
CASES = {
    "constant": {"max_lr": 0.01},
    "exponential": {"max_lr": 0.1, "gamma": 0.995},
    "step": {"max_lr": 0.1, "step_size": 30, "gamma": 0.5},
    "multistep": {"max_lr": 0.1, "milestones": [100, 250, 600], "gamma": 0.3},
    "linear": {"max_lr": 0.1, "start_factor": 1.0, "end_factor": 0.1, "total_iters": 400},
    "polynomial": {"max_lr": 0.1, "power": 2.0, "max_update": 700, "min_lr": 1e-4},
    "cosine": {"max_lr": 0.1, "min_lr": 0.001},
    "inverse_sqrt": {"max_lr": 0.01, "timescale": 40.0},
    "inverse_time": {"max_lr": 0.01, "decay_rate": 0.01},
}
WARMUPS = {"none": {}, "linear": {"warmup_steps": 20, "warmup_start_lr": 0.001},
           "from zero": {"warmup_steps": 50}}


def test_every_family_has_a_case():
    assert set(CASES) == set(FAMILIES)


def log_of(mapping, every=1, float32=False, steps=N):
    values = evaluate(build(mapping, steps), steps)
    at = np.arange(0, steps, every)
    if at[-1] != steps - 1:
        at = np.append(at, steps - 1)  # the last step is logged: it tells the horizon
    logged = values[at]
    return at, logged.astype(np.float32).astype(np.float64) if float32 else logged


def recovered(mapping, fitted, steps=N):
    return np.max(relative(evaluate(build(fitted, steps), steps), evaluate(build(mapping, steps), steps)))


@pytest.mark.parametrize("warmup", sorted(WARMUPS))
@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("every", [1, 7])
def test_exact_recovery_of_every_family(kind, warmup, every):
    mapping = {"kind": kind, **CASES[kind], **WARMUPS[warmup]}
    result = fit(log_of(mapping, every))
    assert result.exact, (result.best.mapping, result.best.error)
    assert result.best.error < FLOAT64_TOLERANCE
    best = result.best.mapping
    if every == 1:  # every step logged: the schedule itself, integer parameters exactly
        assert recovered(mapping, best) < 1e-9
        for name in ("warmup_steps", "step_size", "milestones", "total_iters", "max_update"):
            if name in mapping:
                assert best[name] == mapping[name], name


@pytest.mark.parametrize("kind", ["cosine", "polynomial", "step", "exponential"])
def test_float32_logs_are_recovered_to_single_precision(kind):
    mapping = {"kind": kind, **CASES[kind], "warmup_steps": 20}
    result = fit(log_of(mapping, float32=True))
    assert result.tolerance == FLOAT32_TOLERANCE
    assert result.exact and result.best.error < FLOAT32_TOLERANCE


def test_framework_dialects_are_named():
    hf = fit(log_of({"kind": "cosine", "max_lr": 0.1, "warmup_steps": 100}))
    assert hf.best.mapping["cycle_length"] == 900
    assert any("num_training_steps=1000" in n for n in hf.best.equivalents)
    timm = {"kind": "cosine", "max_lr": 0.1, "warmup_steps": 10, "warmup_start_lr": 1e-4,
            "warmup_mode": "overlay", "warmup_target": "max_lr"}
    result = fit(log_of(timm))
    assert result.exact and result.best.mapping["warmup_mode"] == "overlay"
    assert any(n.startswith("timm: CosineLRScheduler(t_initial=1000") for n in result.best.equivalents)


def test_a_warmup_from_above_zero_has_no_hugging_face_equivalent():
    """HF's warmup starts at 0: a fit whose warmup starts at 0.01 (torch's LinearLR(start_factor=0.1))
    must not name get_cosine_schedule_with_warmup."""
    result = fit(log_of({"kind": "cosine", "max_lr": 0.1, "warmup_steps": 5, "warmup_start_lr": 0.01,
                         "cycle_length": 75}))
    assert result.exact and result.best.mapping["warmup_start_lr"] == 0.01
    assert not any(n.startswith("Hugging Face") for n in result.best.equivalents)


def test_torch_cosine_rising_after_its_cycle():
    mapping = {"kind": "cosine", "max_lr": 0.1, "cycle_length": 300, "warmup_steps": 10}
    for every in (1, 7):
        result = fit(log_of(mapping, every))
        assert result.exact and result.best.mapping["cycle_length"] == 300


def test_a_sparse_log_that_leaves_a_step_size_open_says_so():
    mapping = {"kind": "step", "max_lr": 0.1, "step_size": 30, "gamma": 0.5}
    at = np.arange(0, 200, 20)
    values = evaluate(build(mapping, 200), 200)[at]
    result = fit((at, values))
    assert result.exact
    assert any("step_size is any of" in note or "milestone lies in" in note for note in result.ambiguous)


def test_same_schedule_written_twice_is_one_candidate():
    result = fit(log_of({"kind": "step", **CASES["step"]}))
    kinds = [c.kind for c in result.candidates if c.error <= result.tolerance]
    assert kinds == ["step"]  # multistep with evenly spaced milestones is the same schedule


def test_ambiguity_between_different_schedules_is_reported():
    # Two points cannot tell an exponential from an inverse-time decay.
    result = fit((np.array([0, 999]), np.array([0.1, 0.05])))
    assert len([c for c in result.candidates if c.error <= result.tolerance]) > 1
    assert result.ambiguous and "fit the log equally" in result.ambiguous[0]


def test_no_fit_shows_the_best_with_its_error_and_where():
    rng = np.random.default_rng(0)
    values = 0.1 * np.exp(rng.normal(0, 0.3, 200))
    result = fit((np.arange(200), values))
    assert not result.exact and result.best.error > 0.01 and result.best.worst_step is not None


def test_a_million_steps_fit_exactly():
    mapping = {"kind": "cosine", "max_lr": 3e-4, "min_lr": 3e-5, "warmup_steps": 2000}
    result = fit(log_of(mapping, steps=1_000_000))
    assert result.exact and result.best.mapping["cycle_length"] == 998_000


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def closed_forms(draw):
    kind = draw(st.sampled_from(["cosine", "step", "exponential", "polynomial", "inverse_sqrt", "linear"]))
    top = draw(st.sampled_from([1e-4, 3e-4, 1e-3, 0.01, 0.1, 1.0]))
    params = {"max_lr": top}
    if kind == "cosine":
        params.update(cycle_length=draw(st.integers(50, 600)), min_lr=top * draw(st.sampled_from([0, 0.01, 0.1])))
    elif kind == "step":
        params.update(step_size=draw(st.integers(5, 100)), gamma=draw(st.sampled_from([0.1, 0.5, 0.8])))
    elif kind == "exponential":
        params.update(gamma=draw(st.floats(0.99, 0.9999)))
    elif kind == "polynomial":
        params.update(max_update=draw(st.integers(100, 580)), power=draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])))
    elif kind == "inverse_sqrt":
        params.update(timescale=float(draw(st.integers(5, 500))))
    else:
        params.update(start_factor=1.0, end_factor=draw(st.sampled_from([0.0, 0.1, 0.5])),
                      total_iters=draw(st.integers(10, 580)))
    warmup = draw(st.sampled_from([0, 0, 5, 17, 40]))
    if warmup:
        params.update(warmup_steps=warmup, warmup_start_lr=top * draw(st.sampled_from([0, 0.01])))
    return {"kind": kind, **params}


def _known_gap(mapping: dict, every: int) -> bool:
    """A warmup from 0 in a log sparser than every step: the warmup's end is not read off the log
    (pinned by the xfail below until the fit is reworked)."""
    return every > 1 and mapping.get("warmup_steps", 0) > 0 and mapping.get("warmup_start_lr") == 0


@SETTINGS
@given(closed_forms(), st.sampled_from([1, 3]))
def test_random_closed_form_schedules_are_recovered(mapping, every):
    assume(not _known_gap(mapping, every))
    steps = 600
    result = fit(log_of(mapping, every, steps=steps))
    assert result.exact, (mapping, result.best.mapping, result.best.error)


@pytest.mark.xfail(strict=True, reason="known gap: a warmup from 0 in a log sparser than every step is not "
                   "recovered (a cosine is fitted as a longer one without its warmup, error 6.7%)")
@pytest.mark.parametrize("mapping", [
    {"kind": "cosine", "max_lr": 0.0001, "cycle_length": 582, "min_lr": 1.0000000000000002e-06,
     "warmup_steps": 40, "warmup_start_lr": 0.0},
    {"kind": "polynomial", "max_lr": 0.0001, "max_update": 558, "power": 0.5, "warmup_steps": 40,
     "warmup_start_lr": 0.0}])
def test_a_warmup_from_zero_logged_every_3_steps_is_recovered(mapping):
    assert _known_gap(mapping, 3) and fit(log_of(mapping, 3, steps=600)).exact
