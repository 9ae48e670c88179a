"""Logs written by real runs (scripts/make_log_fixtures.py: a Hugging Face Trainer, a Lightning
run with LearningRateMonitor + CSVLogger, a PyTorch loop with SummaryWriter), each with a known
schedule: read, aligned with lrsched's reading of the framework's scheduler, and fitted."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from lrsched_cli.core.align import align, relative
from lrsched_cli.core.engine import build, evaluate
from lrsched_cli.core.fit import fit
from lrsched_cli.io.config import from_framework
from lrsched_cli.logs import detect, read_log

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "logs")
with open(os.path.join(HERE, "known.json")) as fh:
    KNOWN = json.load(fh)
FORMATS = {"hf_trainer_state.json": "hf", "lightning_metrics.csv": "lightning", "torch_run": "tensorboard"}
#: How each tool logs: Hugging Face logs after the update (lr(s-1) at step s), the others lr(s).
LOGGED_AFTER = {"hf_trainer_state.json": True, "lightning_metrics.csv": False, "torch_run": False}


def load(name):
    if FORMATS[name] == "tensorboard":
        pytest.importorskip("tensorboard")
    return read_log(os.path.join(HERE, name))


def test_every_fixture_is_known():
    assert set(KNOWN) == set(FORMATS) == set(LOGGED_AFTER)


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_the_known_schedule_is_lrscheds_reading_of_the_framework(name):
    case = KNOWN[name]
    mapping = from_framework(case["spec"], case["base_lr"], name)
    steps = case["steps"]
    ours = evaluate(build(mapping, steps), steps)
    known = evaluate(build(case["schedule"], steps), steps)
    assert np.max(relative(ours, known)) < 1e-12


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_the_real_log_matches_the_plan_or_is_diagnosed(name):
    assert detect(os.path.join(HERE, name)).name == FORMATS[name]
    log = load(name)
    case = KNOWN[name]
    plan = evaluate(build(case["schedule"], case["steps"] + 1), case["steps"] + 1)
    result = align(plan, log)
    if LOGGED_AFTER[name]:
        assert result.cause == "shift" and "s-1" in result.diagnosis
    else:
        assert not result.parted, result


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_fit_recovers_the_schedule_of_each_real_run(name):
    log = load(name)
    case = KNOWN[name]
    result = fit(log)
    assert result.exact, (result.best.mapping, result.best.error)
    best = result.best
    assert bool(best.offset) == LOGGED_AFTER[name]
    steps = case["steps"]
    fitted = evaluate(build(best.mapping, steps), steps)
    known = evaluate(build(case["schedule"], steps), steps)
    assert np.max(relative(fitted, known)) < (1e-6 if log.float32 else 1e-9)
    for name_, value in case["schedule"].items():
        if isinstance(value, int) and name_ != "kind":
            assert best.mapping[name_] == value, name_
