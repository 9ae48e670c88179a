"""Closed forms read from the kinds' own numpy definitions (lrsched_cli.frameworks.closed_form).

Code generation writes a kind from the same function that evaluates it, run on a symbolic t, so a
formula lives once. These tests check that the reading is exact, that a kind's tuned `evaluate`
equals its `closed_form` where it has both, and that every kind is either read, written by hand,
or refused with a reason.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrsched_cli.core.engine import build
from lrsched_cli.core.kinds import REGISTRY
from lrsched_cli.core.pykind import allowed_imports
from lrsched_cli.frameworks.closed_form import Sym, TraceError, trace
from lrsched_cli.frameworks.codegen import _HAND_WRITTEN, closed_form

STEPS = 300
#: Kinds that cannot have a closed form in t: they follow a metric, compose other schedules or
#: run user code.
NOT_CLOSED = {"plateau", "greedy", "sequence", "chain", "python"}

VARIANTS = [
    {"kind": "onecycle", "max_lr": 0.1, "total_steps": 200},
    {"kind": "onecycle", "max_lr": 0.1, "total_steps": 150, "three_phase": True},
    {"kind": "onecycle", "max_lr": 0.1, "total_steps": 120, "anneal_strategy": "linear", "pct_start": 0.25},
    {"kind": "onecycle", "max_lr": 0.1, "total_steps": 120, "anneal_strategy": "linear", "three_phase": True},
    {"kind": "piecewise", "max_lr": 0.1, "knots": [0, 50, 100], "factors": [1, 0.5, 0.1]},
    {"kind": "piecewise", "max_lr": 0.1, "knots": [-5, 50, 50, 120], "factors": [1, 0.3, 0.6, 0.01],
     "interpolation": "linear"},
    {"kind": "piecewise", "max_lr": 0.1, "knots": [0, 30, 60, 90, 150], "factors": [0.1, 1, 0.5, 0.2, 0.0],
     "interpolation": "cosine", "boundary": "after"},
    {"kind": "piecewise", "max_lr": 0.1, "knots": [10], "factors": [0.5], "interpolation": "linear"},
]
TUNED = [{"kind": kind.name, **kind.example} for kind in REGISTRY if kind.closed_form] + VARIANTS


@pytest.mark.parametrize("mapping", TUNED, ids=lambda m: f"{m['kind']}-{len(m)}")
def test_a_tuned_definition_equals_its_closed_form(mapping):
    schedule = build(mapping, STEPS)
    t = np.arange(STEPS, dtype=np.float64)
    with np.errstate(all="ignore"):
        tuned = schedule.kind.evaluate(t, schedule.params)
        shared = np.broadcast_to(schedule.kind.closed_form(t, schedule.params), t.shape)
    assert np.array_equal(tuned, shared)


@pytest.mark.parametrize("kind", list(REGISTRY), ids=lambda k: k.name)
def test_every_kind_is_read_written_by_hand_or_not_a_closed_form(kind):
    with allowed_imports():
        schedule = build({"kind": kind.name, **kind.example}, STEPS)
        try:
            form = closed_form(schedule, STEPS)
        except TraceError:
            assert kind.name in set(_HAND_WRITTEN) | NOT_CLOSED | {"expr"}
            return
    assert kind.name not in NOT_CLOSED - {"python"}  # a user's definition may well be one
    assert form.formula is not None


def test_parameters_stay_named_and_branches_on_them_are_taken():
    def cyclic_like(t, p):
        scale = 1.0 if p["mode"] == "flat" else p["gamma"] ** t
        return p["max_lr"] * np.cos(math.pi * t / p["period"]) * scale

    form = trace(cyclic_like, {"max_lr": 0.1, "period": 7, "gamma": 0.9, "mode": "flat"})
    assert form.constants == {"max_lr": 0.1, "period": 7}
    text = __import__("ast").unparse(form.formula)
    assert "cos(pi * t / period)" in text and "gamma" not in text


@pytest.mark.parametrize("definition, why", [
    (lambda t, p: t if t > 3 else 0 * t, "branches on"),
    (lambda t, p: np.asarray([1.0, 2.0])[(t > 3).astype(int)], "cannot run on a symbol"),
    (lambda t, p: np.full(t.size, 1.0), "horizon"),
    (lambda t, p: t[::-1], "indexes t"),
])
def test_a_definition_that_is_not_a_closed_form_is_refused(definition, why):
    with pytest.raises(TraceError, match=why):
        trace(definition, {})


def test_a_symbol_never_pretends_to_be_a_number():
    t = Sym(__import__("ast").Name("t"))
    for convert in (float, int, bool):
        with pytest.raises(TraceError):
            convert(t)


@settings(max_examples=60, deadline=None)
@given(up=st.integers(1, 40), down=st.integers(1, 40), mode=st.sampled_from(["triangular", "triangular2",
                                                                            "exp_range"]),
       gamma=st.floats(0.9, 1.0), decay=st.sampled_from(["cosine", "linear", "1-sqrt", "power", "exp"]),
       decay_steps=st.integers(1, 100))
def test_cyclic_and_wsd_are_always_read_exactly(up, down, mode, gamma, decay, decay_steps):
    cyclic = build({"kind": "cyclic", "min_lr": 0.001, "max_lr": 0.1, "step_size_up": up,
                    "step_size_down": down, "mode": mode, "gamma": gamma}, STEPS)
    wsd = build({"kind": "wsd", "max_lr": 0.1, "min_lr": 0.001, "decay_steps": decay_steps,
                 "decay_type": decay}, STEPS)
    for schedule in (cyclic, wsd):
        closed_form(schedule, STEPS)  # raises TraceError if the formula read differs from the values
