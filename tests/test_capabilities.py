"""The engine asks kinds for capabilities (compose, feedback, length roles), never for names.

A toy composite and a toy kind with a length-role parameter are registered for one test and
removed after: build, evaluate, marks and natural_steps handle them with no engine change.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from lrsched_cli.core import engine
from lrsched_cli.core.engine import build, evaluate, natural_steps
from lrsched_cli.core.kinds import REGISTRY, WARMUP_PARAMS
from lrsched_cli.core.registry import Compose, Kind, Param
from lrsched_cli.errors import SpecError

ENGINE = Path(engine.__file__)


def _ramp(t, p):
    return p["max_lr"] * np.minimum(t / p["span"], 1.0)


def _maximum(p, count, pieces):
    values = np.zeros(count)
    for _, piece in pieces:
        np.maximum(values, piece, out=values)
    return values


def _toy(name, **fields):
    base = dict(name=name, summary="toy", family="toy", frequency="continuous", quantity="custom",
                formula="toy", example={}, evaluate=None)
    base.update(fields)
    params = base.pop("params")
    return Kind(params=params + WARMUP_PARAMS, **base)


MAX_LR = Param("max_lr", "float", "peak", default=1.0, gt=0)
RAMP = _toy("toy_ramp", evaluate=_ramp, marks=lambda p, horizon: [p["span"]],
            params=(MAX_LR, Param("span", "int", "steps of the rise", ge=1, role="length"),
                    Param("tail", "int", "steps after the rise", default=0, ge=0, role="length")))
BEST = _toy("toy_best", params=(MAX_LR, Param("parts", "phases", "schedules on one clock")),
            compose=Compose("parts", "part", split=False, combine=_maximum, refusal="cannot be a part"))
def _after(p, count, pieces):
    return np.concatenate([piece[::-1] for _, piece in pieces])  # each leg reversed: not a sequence


AFTER = _toy("toy_after", params=(MAX_LR, Param("legs", "phases", "schedules one after another")),
             compose=Compose("legs", "leg", split=True, combine=_after, refusal="cannot be a leg",
                             marks=lambda legs, horizon: [legs[0].steps]))


@pytest.fixture
def toys():
    for kind in (RAMP, BEST, AFTER):
        REGISTRY.add(kind)
    yield
    for kind in (RAMP, BEST, AFTER):
        REGISTRY.remove(kind.name)


def test_a_kind_with_length_roles_is_built_evaluated_marked_and_measured(toys):
    mapping = {"kind": "toy_ramp", "max_lr": 0.5, "span": 4, "tail": 3, "warmup_steps": 2}
    assert natural_steps(mapping) == 2 + 4 + 3
    schedule = build(mapping, 10)
    values = evaluate(schedule, 10)
    np.testing.assert_array_equal(values[2:], 0.5 * np.minimum(np.arange(8) / 4, 1.0))
    assert schedule.marks(10) == [2, 6]  # warmup end, then the kind's own mark on its shifted clock


def test_a_composite_kind_builds_and_evaluates_its_children(toys):
    mapping = {"kind": "toy_best", "max_lr": 1.0, "parts": [
        {"kind": "toy_ramp", "span": 10}, {"kind": "constant", "max_lr": 0.3}]}
    schedule = build(mapping, 20)
    assert [child.kind.name for child in schedule.phases] == ["toy_ramp", "constant"]
    assert schedule.params["parts"][1]["max_lr"] == 0.3 and schedule.params["parts"][0]["max_lr"] == 1.0
    np.testing.assert_array_equal(evaluate(schedule, 20), np.maximum(np.minimum(np.arange(20) / 10, 1), 0.3))
    assert natural_steps(mapping) is None  # children on one clock: no length of its own
    with pytest.raises(SpecError, match=r"toy_best\), part 1: plateau cannot be a part$"):
        build({"kind": "toy_best", "parts": [{"kind": "plateau"}]}, 20)


def test_a_split_composite_gives_each_child_its_steps(toys):
    mapping = {"kind": "toy_after", "legs": [{"kind": "toy_ramp", "span": 3, "steps": 3},
                                             {"kind": "toy_ramp", "span": 5, "max_lr": 2.0}]}
    assert natural_steps(mapping) == 3 + 5
    schedule = build(mapping, 8)
    np.testing.assert_array_equal(evaluate(schedule, 8), [2 / 3, 1 / 3, 0, 1.6, 1.2, 0.8, 0.4, 0])
    assert schedule.marks(8) == [3]
    with pytest.raises(SpecError, match=r"leg 1: every leg but the last needs 'steps'$"):
        build({"kind": "toy_after", "legs": [{"kind": "constant"}, {"kind": "constant"}]}, 8)


def test_the_registry_refuses_a_kind_that_cannot_be_evaluated():
    with pytest.raises(ValueError, match="exactly one of evaluate and compose"):
        REGISTRY.add(_toy("toy_nothing", params=(MAX_LR,)))
    with pytest.raises(ValueError, match="not a list of schedules"):
        REGISTRY.add(_toy("toy_bad", params=(MAX_LR,), compose=Compose("max_lr", "x", False, _maximum, "")))
    with pytest.raises(ValueError, match="unknown parameter role"):
        Param("x", "int", "x", role="duration")
    assert "toy_nothing" not in REGISTRY and "toy_bad" not in REGISTRY


def test_the_engine_names_no_kind():
    """Every kind-specific rule lives on the kind: engine.py has no string that is a kind's name,
    apart from the warmup shapes it owns (a linear or cosine warmup is not the kind)."""
    strings = {node.value for node in ast.walk(ast.parse(ENGINE.read_text()))
               if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    shapes = {choice for param in WARMUP_PARAMS for choice in param.choices}
    assert strings & set(REGISTRY.names()) <= shapes
    assert {"sequence", "chain", "wsd", "total_steps", "cycle_length", "decay_steps"}.isdisjoint(strings)


# -- registry-driven: every built-in kind -------------------------------------------------------

LENGTHS = {kind.name: [p for p in kind.params if p.role == "length"] for kind in REGISTRY}


@pytest.mark.parametrize("kind", [k for k in REGISTRY if LENGTHS[k.name]], ids=lambda k: k.name)
def test_the_natural_run_of_every_kind_is_its_warmup_plus_its_lengths(kind):
    mapping = {"kind": kind.name, **kind.example, "warmup_steps": 7}
    for i, param in enumerate(LENGTHS[kind.name]):
        mapping[param.name] = 11 + i
    expected = 7 + sum(11 + i for i in range(len(LENGTHS[kind.name])))
    assert natural_steps(mapping) == expected
    values = evaluate(build(mapping, expected), expected)  # the run it names is one it accepts
    assert values.shape == (expected,)


@pytest.mark.parametrize("kind", [k for k in REGISTRY if not LENGTHS[k.name] and k.compose is None],
                         ids=lambda k: k.name)
def test_a_kind_without_lengths_names_no_run(kind):
    assert natural_steps({"kind": kind.name, **kind.example}) is None


@pytest.mark.parametrize("kind", [k for k in REGISTRY if k.compose is not None], ids=lambda k: k.name)
def test_every_composite_refuses_every_feedback_child(kind):
    for feedback in [k for k in REGISTRY if k.feedback]:
        mapping = {"kind": kind.name, **kind.example}
        mapping[kind.compose.param] = [{"kind": feedback.name, "steps": 5}, {"kind": "constant"}]
        message = f"{kind.compose.child} 1: {feedback.name} {kind.compose.refusal}"
        with pytest.raises(SpecError, match=re.escape(message) + "$"):
            build(mapping, 20)
