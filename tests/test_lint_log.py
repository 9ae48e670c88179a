"""`lrsched lint SCHEDULE --log FILE`: the plan-versus-log alignment (core/align.py) as lint
findings, the same lines plot, table, compare and check print; the run flags' help panel; the
zero-rate note of a schedule stepped once per epoch."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.align import CAUSES, align, horizon_replan
from lrsched_cli.core.engine import build, evaluate
from lrsched_cli.core.lint import CHECKS, LOG_FIXES, log_finding

LOGS = Path(__file__).parent / "fixtures" / "logs"
HF = "hf:cosine(num_warmup_steps=6, num_training_steps=60)"
HF_PLAN = [HF, "--base-lr", "0.01", "--steps", "60"]
PLAN = {"kind": "cosine", "max_lr": 0.1, "min_lr": 0.001, "warmup_steps": 10}
PLAN_FLAGS = ["cosine", "--max-lr", "0.1", "--min-lr", "0.001", "--warmup-steps", "10", "--steps", "200"]
#: A finding: `<level>: <schedule>: <what happens, at which step> (<the cause>); <the fix>`.
FINDING = re.compile(r"^(warning|note): (.+?): (the .+?) \((.+)\); (.+)$")


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def plan_values(steps=200, mapping=PLAN):
    return evaluate(build(mapping, steps), steps)


def write_log(tmp_path, name, steps, values):
    path = tmp_path / name
    path.write_text("step,lr\n" + "".join(f"{s},{float(v)!r}\n" for s, v in zip(steps, values)))
    return path


def log_lines(text):
    return [line for line in text.splitlines() if "the log " in line]


# -- the real runs' fixtures -------------------------------------------------------------------

def test_the_hugging_face_log_is_a_warning_with_its_cause_and_fix():
    """HF's Trainer reads the rate before scheduler.step(): the log is the plan shifted by one step."""
    result = run("lint", *HF_PLAN, "--log", LOGS / "hf_trainer_state.json")
    assert result.exit_code == 0, result.output
    (line,) = log_lines(result.stdout)
    level, schedule, what, cause, fix = FINDING.match(line).groups()
    assert (level, schedule) == ("warning", "hf:cosine")
    assert what.startswith("the log hf_trainer_state.json: learning_rate parts from the plan at step 3, most at "
                           "step 57: plan 7.59612e-05, log 0.000134776, a relative difference of 0.436 over 19 "
                           "logged steps, 1 more past the plan's end")
    assert cause.startswith("the log is the plan shifted by one step: the value logged at step s is the plan's "
                            "at s-1")
    assert fix.startswith("log after scheduler.step(), or read step s of the log as the plan's step s-1")


def test_strict_fails_on_a_log_that_parts_and_json_carries_it():
    strict = run("lint", *HF_PLAN, "--log", LOGS / "hf_trainer_state.json", "--strict")
    assert strict.exit_code == 1
    found = json.loads(run("lint", *HF_PLAN, "--log", LOGS / "hf_trainer_state.json", "--format", "json").stdout)
    logged = [f for f in found if f["check"] == "logged_rate"]
    assert len(logged) == 1 and logged[0]["level"] == "warning" and logged[0]["schedule"] == "hf:cosine"
    assert logged[0]["line"] in strict.stdout


def test_a_log_that_follows_the_plan_is_a_note_and_passes_strict():
    lightning = ("torch:SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), "
                 "CosineAnnealingLR(T_max=75)], milestones=[5])")
    result = run("lint", lightning, "--base-lr", "0.1", "--steps", "80", "--log", LOGS / "lightning_metrics.csv",
                 "--strict")
    assert result.exit_code == 0, result.output
    (line,) = log_lines(result.stdout)
    assert line.startswith("note: torch:SequentialLR: the log lightning_metrics.csv: lr-SGD follows the plan at "
                           "its 80 logged steps")
    assert line.endswith("; nothing to fix")


def test_the_torch_event_log_is_read_by_lint_too():
    pytest.importorskip("tensorboard")
    result = run("lint", "torch:PolynomialLR(total_iters=80, power=2.0)", "--base-lr", "0.05", "--steps", "100",
                 "--log", LOGS / "torch_run")
    assert result.exit_code == 0, result.output
    assert "follows the plan" in result.stdout


# -- each known cause, made to fire ----------------------------------------------------------

def test_a_scheduler_stepped_four_times_per_update(tmp_path):
    values = plan_values()
    steps = np.arange(50)
    log = write_log(tmp_path, "x4.csv", steps, values[steps * 4])
    result = run("lint", *PLAN_FLAGS, "--log", log, "--strict")
    assert result.exit_code == 1
    (line,) = log_lines(result.stdout)
    assert "(the log is the plan compressed 4 times: the scheduler stepped 4 times per update, as Accelerate " \
           "does on 4 processes); step the scheduler once per update, or multiply its lengths by 4 " \
           "(--scheduler-steps-per-update 4 draws the run as it went)" in line


def test_a_float32_log_is_a_note_not_a_warning(tmp_path):
    values = plan_values()
    steps = np.arange(200)
    log = write_log(tmp_path, "f32.csv", steps, values.astype(np.float32).astype(np.float64))
    result = run("lint", *PLAN_FLAGS, "--log", log, "--strict")
    assert result.exit_code == 0, result.output
    (line,) = log_lines(result.stdout)
    assert line.startswith("note: cosine: the log f32.csv: lr follows the plan at its 200 logged steps")
    assert "(float32 rounding only: the log holds the plan in single precision); nothing to fix" in line


def test_a_log_of_another_horizon_names_the_horizon_that_fits(tmp_path):
    longer = plan_values(260)
    steps = np.arange(0, 200, 2)
    log = write_log(tmp_path, "h.csv", steps, longer[steps])
    result = run("lint", *PLAN_FLAGS, "--log", log)
    (line,) = log_lines(result.stdout)
    assert "(the log is the plan of a different horizon: it matches the plan over 260 steps, not 200); build the " \
           "run's scheduler for 200 steps, or plan 260 (--steps 260) to see the run as it went" in line


def test_a_log_shifted_the_other_way(tmp_path):
    values = plan_values()
    steps = np.arange(0, 199, 3)
    result = run("lint", *PLAN_FLAGS, "--log", write_log(tmp_path, "s.csv", steps, values[steps + 1]))
    (line,) = log_lines(result.stdout)
    assert "the value logged at step s is the plan's at s+1, logged after scheduler.step()); log before " \
           "scheduler.step(), or read step s of the log as the plan's step s+1" in line


def test_no_known_cause_points_to_fit(tmp_path):
    values = plan_values()
    steps = np.arange(0, 200, 4)
    result = run("lint", *PLAN_FLAGS, "--log", write_log(tmp_path, "odd.csv", steps, values[steps] * 1.01))
    (line,) = log_lines(result.stdout)
    assert "(no known cause fits: not a shift by one step, a compression, another horizon or float32 rounding); " \
           "compare the run's scheduler arguments with the plan's, or run lrsched fit LOG" in line


def test_a_log_with_no_step_inside_the_plan(tmp_path):
    log = write_log(tmp_path, "late.csv", [500, 600], [0.1, 0.1])
    result = run("lint", *PLAN_FLAGS, "--log", log, "--strict")
    assert result.exit_code == 1
    (line,) = log_lines(result.stdout)
    assert line.startswith("warning: cosine: the log late.csv: lr has no step inside the plan's 200 steps: it "
                           "logs steps 500 to 600")
    assert line.endswith("plan the run's steps, --steps 601, or check the log's step column")


# -- the registry: every cause of align.py is a finding with a fix ---------------------------

def _alignment_of(cause):
    """A real alignment whose cause is `cause` (None: no known cause fits)."""
    schedule = build(PLAN, 400)
    values = evaluate(schedule, 400)
    steps = np.arange(0, 399, 3)
    logged = {"shift": values[steps + 1], None: values[steps] * 1.02,
              "float32": values[steps].astype(np.float32).astype(np.float64)}
    if cause == "compressed":
        steps = np.arange(100)
        return align(values, (steps, values[steps * 3]))
    if cause == "horizon":
        longer = evaluate(build(PLAN, 500), 500)
        return align(values, (steps, longer[steps]), replan=horizon_replan(schedule, 400))
    return align(values, (steps, logged[cause]))


def test_every_cause_has_a_fix_and_nothing_else_does():
    assert set(LOG_FIXES) == set(CAUSES) | {None, "agree"}
    assert "logged_rate" in CHECKS


@pytest.mark.parametrize("cause", [*CAUSES, None])
def test_every_cause_becomes_a_finding_with_a_cause_and_a_fix(cause):
    alignment = _alignment_of(cause)
    assert alignment.cause == cause
    level, message = log_finding("run.csv: lr", alignment)
    assert level == ("note" if cause == "float32" else "warning")
    _, _, what, said, fix = FINDING.match(f"{level}: s: {message}").groups()
    assert what.startswith("the log run.csv: lr ") and said and fix
    if cause is not None:
        assert said == alignment.diagnosis


def test_lint_list_lists_the_log_check():
    result = run("lint", "--list", "--format", "json")
    docs = {row["check"]: row["doc"] for row in json.loads(result.stdout)}
    assert "logged learning rate (--log)" in docs["logged_rate"]


# -- random shifts and compressions are diagnosed ------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.integers(60, 600), warmup=st.integers(0, 30), every=st.integers(1, 6),
       how=st.sampled_from(["+1", "-1", "x2", "x3", "x4", "x7"]), min_ratio=st.sampled_from([0.0, 0.01, 0.1]))
def test_random_shifts_and_compressions_are_diagnosed(steps, warmup, every, how, min_ratio):
    mapping = {"kind": "cosine", "max_lr": 0.1, "min_lr": 0.1 * min_ratio, "warmup_steps": warmup,
               "warmup_start_lr": 0.001}
    values = evaluate(build(mapping, steps), steps)
    if how in ("+1", "-1"):
        shift = int(how)
        at = np.arange(max(0, -shift), steps - max(0, shift), every)
        result = align(values, (at, values[at + shift]))
        expected, detail = "shift", shift
    else:
        k = int(how[1:])
        at = np.arange(0, -(-steps // k), every)
        if at.size < 3:
            return
        result = align(values, (at, values[at * k]))
        expected, detail = "compressed", k
    assert (result.cause, result.detail) == (expected, detail)
    level, message = log_finding("log", result)
    assert level == "warning" and result.diagnosis in message


# -- one wording: plot, table, compare and check print lint's lines ------------------------

def test_table_plot_and_check_print_the_lint_line(tmp_path):
    lint = log_lines(run("lint", *HF_PLAN, "--log", LOGS / "hf_trainer_state.json").stdout)
    table = run("table", *HF_PLAN, "--log", LOGS / "hf_trainer_state.json")
    plot = run("plot", *HF_PLAN, "--log", LOGS / "hf_trainer_state.json", "-o", tmp_path / "p.png")
    check = run("check", *HF_PLAN, "--log", LOGS / "hf_trainer_state.json")
    assert log_lines(table.stderr) == lint and log_lines(plot.stderr) == lint
    assert log_lines(check.stdout) == lint and check.exit_code == 1


def test_check_log_passes_a_float32_log_with_its_note(tmp_path):
    values = plan_values()
    steps = np.arange(0, 200, 7)
    log = write_log(tmp_path, "f32.csv", steps, values[steps].astype(np.float32).astype(np.float64))
    result = run("check", *PLAN_FLAGS, "--log", log)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("note: cosine: the log f32.csv: lr follows the plan")


def test_compare_names_each_schedule(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("steps: 60\nschedules:\n  - {from: 'hf:cosine(num_warmup_steps=6, num_training_steps=60)', "
                      "base_lr: 0.01, label: hf}\n  - {kind: constant, max_lr: 0.01, label: flat}\n")
    result = run("compare", config, "--log", LOGS / "hf_trainer_state.json", "-o", tmp_path / "c.png")
    assert result.exit_code == 0, result.output
    schedules = [FINDING.match(line).group(2) for line in log_lines(result.stderr)]
    assert schedules == ["hf", "flat"]


# -- issue 9's gaps: the run flags' help panel, the per-epoch zero-rate note --------------

RUN_FLAGS = ("--dataset-size", "--batch-size", "--world-size", "--grad-accum", "--epochs", "--max-steps",
             "--tokens", "--seq-len")


@pytest.mark.parametrize("command", [["plot", "cosine"], ["plot"], ["table", "cosine"], ["export", "step"],
                                     ["compare"], ["lint", "cosine"], ["check"], ["diff"],
                                     ["lint", "torch:StepLR(step_size=3)"]])
def test_the_run_flags_have_their_own_help_panel(command):
    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    head, sep, panel = result.stdout.partition("\nTraining run (lrsched describe run):\n")
    assert sep, result.stdout
    for flag in RUN_FLAGS:
        assert f"  {flag} " in panel and f"  {flag} " not in head, flag
    assert "--steps INT" in head.partition("\nOptions:\n")[2]  # --steps stays among the options


def test_the_zero_rate_note_of_a_schedule_stepped_per_epoch_counts_updates(tmp_path):
    config = tmp_path / "e.yaml"
    config.write_text("run: {steps_per_epoch: 10, epochs: 5}\nschedules:\n"
                      "  - {kind: cosine, label: c, max_lr: 0.1, per: epoch, warmup_epochs: 2}\n"
                      "  - {kind: cosine, label: i, max_lr: 0.1, per: epoch, stepping: iteration, "
                      "warmup_epochs: 2}\n")
    result = run("lint", "--config", config)
    notes = [line for line in result.stdout.splitlines() if "the rate is 0" in line]
    assert notes[0].startswith("note: c: the rate is 0 in epoch 0, so 10 updates change nothing (")
    assert notes[1].startswith("note: i: the rate is 0 at step 0, so update 1 changes nothing (")
