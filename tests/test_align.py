"""Plan versus log: where they part and the known causes, each made to fire."""
from __future__ import annotations

import numpy as np
import pytest

from lrsched_cli.core.align import align, horizon_replan
from lrsched_cli.core.engine import build, evaluate
from lrsched_cli.core.lint import log_finding

PLAN = {"kind": "cosine", "max_lr": 0.1, "min_lr": 0.001, "warmup_steps": 20}
N = 1000


def plan(steps=N, mapping=PLAN):
    schedule = build(mapping, steps)
    return schedule, evaluate(schedule, steps)


def test_a_log_of_the_plan_agrees():
    _, values = plan()
    steps = np.arange(0, N, 10)
    result = align(values, (steps, values[steps]))
    assert not result.parted and result.worst == 0 and result.compared == 100 and result.cause is None
    assert log_finding("the log", result) == ("note", "the log the log follows the plan at its 100 logged steps, a "
                                              "relative difference of at most 0 (every logged value is the "
                                              "plan's); nothing to fix")


def test_float32_rounding_only():
    _, values = plan()
    steps = np.arange(N)
    result = align(values, (steps, values.astype(np.float32).astype(np.float64)))
    assert not result.parted and result.cause == "float32"
    assert 0 < result.worst <= 2.0 ** -24


def test_shifted_by_one_step_logged_after_scheduler_step():
    _, values = plan()
    steps = np.arange(0, N - 1, 5)
    result = align(values, (steps, values[steps + 1]))
    assert result.parted and result.first_step == 0 and result.cause == "shift"
    assert "shifted by one step" in result.diagnosis and "s+1" in result.diagnosis


def test_shifted_the_other_way():
    _, values = plan()
    steps = np.arange(1, N, 5)
    assert align(values, (steps, values[steps - 1])).cause == "shift"


@pytest.mark.parametrize("k", [2, 4, 8])
def test_compressed_k_times_when_the_scheduler_steps_k_times_per_update(k):
    _, values = plan()
    steps = np.arange(0, N // k)  # one log line per update, the scheduler stepped k times each
    result = align(values, (steps, values[steps * k]))
    assert result.cause == "compressed"
    assert f"compressed {k} times" in result.diagnosis and f"stepped {k} times per update" in result.diagnosis


def test_a_different_horizon_with_replan():
    schedule, values = plan()
    _, longer = plan(1300)
    steps = np.arange(0, N, 3)
    result = align(values, (steps, longer[steps]), replan=horizon_replan(schedule, N))
    assert result.cause == "horizon" and "over 1,300 steps, not 1,000" in result.diagnosis


def test_no_known_cause():
    _, values = plan()
    steps = np.arange(0, N, 3)
    result = align(values, (steps, values[steps] * 1.01))
    assert result.parted and result.cause is None
    assert "(no known cause fits" in log_finding("log", result)[1]
    assert result.worst == pytest.approx(0.01 / 1.01)


def test_first_step_beyond_the_tolerance_and_the_largest_difference():
    _, values = plan()
    steps = np.arange(N)
    logged = values.copy()
    logged[500:] *= 1.5
    logged[700] *= 2
    result = align(values, (steps, logged))
    assert result.first_step == 500 and result.worst_step == 700
    assert result.planned == values[700] and result.logged == logged[700]


def test_logged_steps_past_the_plan_are_counted_not_compared():
    _, values = plan(100, {"kind": "constant", "max_lr": 0.1})
    result = align(values, (np.arange(0, 200, 10), np.full(20, 0.1)))
    assert result.compared == 10 and result.beyond == 10 and not result.parted
    assert "10 logged steps, 10 more past the plan's end" in log_finding("log", result)[1]


def test_replan_needs_a_length_left_to_the_horizon():
    given = build({"kind": "cosine", "max_lr": 0.1, "cycle_length": 50}, 100)
    assert horizon_replan(given, 100) is None
