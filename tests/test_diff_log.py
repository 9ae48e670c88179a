"""`lrsched diff A --log FILE` and `lrsched diff A LOG`: a plan against a logged learning rate on the
log's steps (ranges, the largest relative difference, the cause with its fix), exit 1 when they
differ; two logs; the figure; exports and configs still read as before."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from lrsched_cli.app.diff import is_log_side, log_ranges
from lrsched_cli.cli import app
from lrsched_cli.core.engine import build, evaluate

LOGS = Path(__file__).parent / "fixtures" / "logs"
HF = "hf:cosine(num_warmup_steps=6, num_training_steps=60)"
LIGHTNING = ("torch:SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), "
             "CosineAnnealingLR(T_max=75)], milestones=[5])")
PLAN = "cosine:max_lr=0.1,min_lr=0.001,warmup_steps=10"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def plan_values(steps=200):
    return evaluate(build({"kind": "cosine", "max_lr": 0.1, "min_lr": 0.001, "warmup_steps": 10}, steps), steps)


def write_log(tmp_path, name, steps, values):
    path = tmp_path / name
    path.write_text("step,learning_rate\n" + "".join(f"{s},{float(v)!r}\n" for s, v in zip(steps, values)))
    return path


def test_the_hugging_face_log_differs_by_one_step_and_says_why():
    result = run("diff", HF, "--base-lr", "0.01", LOGS / "hf_trainer_state.json")
    assert result.exit_code == 1, result.output
    assert result.stdout == (
        "differ: hf:cosine vs hf_trainer_state.json: learning_rate: logged steps 3-60 differ (20 of 20); the "
        "largest relative difference 1 at step 60 (plan 0.0, log 8.459208643659122e-06); the log is the plan "
        "shifted by one step: the value logged at step s is the plan's at s-1, the rate update s used, read before "
        "scheduler.step() as Hugging Face's Trainer does; log after scheduler.step(), or read step s of the log as "
        "the plan's step s-1, as lrsched fit does\n")


def test_log_option_and_positional_log_say_the_same():
    positional = run("diff", HF, "--base-lr", "0.01", LOGS / "hf_trainer_state.json")
    option = run("diff", HF, "--base-lr", "0.01", "--log", LOGS / "hf_trainer_state.json")
    swapped = run("diff", LOGS / "hf_trainer_state.json", HF, "--base-lr", "0.01")
    assert positional.stdout == option.stdout == swapped.stdout
    assert positional.exit_code == option.exit_code == swapped.exit_code == 1


def test_a_log_that_follows_the_plan_is_the_same_and_exits_0():
    result = run("diff", LIGHTNING, "--base-lr", "0.1", LOGS / "lightning_metrics.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("same: torch:SequentialLR vs lightning_metrics.csv: lr-SGD: 80 logged steps "
                                    "equal within 1e-06, the largest relative difference ")


def test_the_log_says_how_long_the_plan_is(tmp_path):
    """Without --steps, the plan runs to the log's last step, so a plan left to the horizon takes it;
    a log that stops before the run's end tells the horizon that fits."""
    values = plan_values(120)
    steps = np.r_[0:120:4, 119]
    result = run("diff", PLAN, write_log(tmp_path, "run.csv", steps, values[steps]))
    assert result.exit_code == 0, result.output
    assert "31 logged steps equal" in result.stdout
    early = run("diff", PLAN, write_log(tmp_path, "early.csv", steps[:-1], values[steps[:-1]]))
    assert early.exit_code == 1
    assert "it matches the plan over 120 steps, not 117; build the run's scheduler for 117 steps, or plan 120 " \
           "(--steps 120)" in early.stdout


def test_a_compressed_log_gives_ranges_and_the_cause(tmp_path):
    values = plan_values()
    steps = np.arange(50)
    log = write_log(tmp_path, "x4.csv", steps, values[steps * 4])
    result = run("diff", PLAN, "--steps", "200", log)
    assert result.exit_code == 1
    line = result.stdout.strip()
    assert line.startswith("differ: cosine vs x4.csv: learning_rate: logged steps 1-49 differ (49 of 50)")
    assert "the log is the plan compressed 4 times" in line
    assert line.endswith("step the scheduler once per update, or multiply its lengths by 4 "
                         "(--scheduler-steps-per-update 4 draws the run as it went)")


def test_a_float32_log_is_the_same_and_says_so(tmp_path):
    values = plan_values()
    steps = np.arange(200)
    log = write_log(tmp_path, "f32.csv", steps, values.astype(np.float32).astype(np.float64))
    result = run("diff", PLAN, "--steps", "200", log)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("; float32 rounding only: the log holds the plan in single precision")


def test_rtol_sets_the_tolerance_and_atol_is_refused(tmp_path):
    values = plan_values()
    steps = np.arange(0, 200, 5)
    log = write_log(tmp_path, "near.csv", steps, values[steps] * (1 + 1e-4))
    assert run("diff", PLAN, "--steps", "200", log).exit_code == 1
    assert run("diff", PLAN, "--steps", "200", log, "--rtol", "1e-3").exit_code == 0
    refused = run("diff", PLAN, "--steps", "200", log, "--atol", "1e-3")
    assert refused.exit_code == 2 and "give --rtol" in refused.stderr


def test_two_logs_are_compared_on_the_steps_both_logged(tmp_path):
    values = plan_values()
    a = write_log(tmp_path, "a.csv", np.arange(0, 200, 2), values[0:200:2])
    b = write_log(tmp_path, "b.csv", np.arange(0, 200, 3), values[0:200:3])
    same = run("diff", a, b)
    assert same.exit_code == 0 and same.stdout == ("same: a.csv: learning_rate vs b.csv: learning_rate: 34 steps "
                                                   "logged in both, equal within 1e-06\n")
    changed = values.copy()
    changed[60:90] *= 2
    c = write_log(tmp_path, "c.csv", np.arange(0, 200, 3), changed[0:200:3])
    differ = run("diff", a, c)
    assert differ.exit_code == 1
    assert differ.stdout.startswith("differ: a.csv: learning_rate vs c.csv: learning_rate: steps 60-84 differ (5 of "
                                    "34 logged in both); the largest relative difference 0.5 at step 60")


def test_a_log_alone_is_refused_and_so_are_three_sides(tmp_path):
    one = run("diff", LOGS / "hf_trainer_state.json")
    assert one.exit_code == 2 and "a second log" in one.stderr
    none = run("diff", PLAN)
    assert none.exit_code == 2 and "or --log FILE" in none.stderr
    three = run("diff", PLAN, PLAN, "--log", LOGS / "hf_trainer_state.json")
    assert three.exit_code == 2 and "not both" in three.stderr


def test_the_figure_draws_the_plan_the_markers_and_the_differences(tmp_path):
    out = tmp_path / "hf.png"
    result = run("diff", HF, "--base-lr", "0.01", LOGS / "hf_trainer_state.json", "-o", out)
    assert result.exit_code == 1 and f"wrote {out}" in result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
    svg = tmp_path / "two.svg"
    assert run("diff", LOGS / "lightning_metrics.csv", LOGS / "hf_trainer_state.json", "-o", svg).exit_code == 1
    assert "<svg" in svg.read_text()


def test_the_figure_is_not_written_over_a_log(tmp_path):
    log = write_log(tmp_path, "run.csv", [0, 1, 2], [0.1, 0.1, 0.1])
    result = run("diff", "constant:max_lr=0.1", "--log", log, "-o", log)
    assert result.exit_code == 2
    result = run("diff", "constant:max_lr=0.1", "--log", log, "-o", tmp_path / "x.txt")
    assert result.exit_code == 2 and not (tmp_path / "x.txt").exists()


# -- what a side is: logs are found, exports and configs stay what they were -------------------

def test_exports_and_configs_are_not_logs(tmp_path):
    csv, json = tmp_path / "d.csv", tmp_path / "d.json"
    assert run("export", "--config", "configs/decays.yaml", "-o", csv).exit_code == 0
    assert run("export", "--config", "configs/decays.yaml", "-o", json).exit_code == 0
    one = tmp_path / "one.csv"
    assert run("export", "cosine", "--max-lr", "0.1", "--steps", "5", "--unit", "step", "-o", one).exit_code == 0
    for path in (csv, json, one, Path("configs/decays.yaml")):
        assert not is_log_side(str(path)), path
    for other in (csv, json):
        result = run("diff", "configs/decays.yaml", other)
        assert result.exit_code == 0 and result.stdout.startswith("same: "), result.output


def test_logs_of_each_format_are_logs(tmp_path):
    every_step = write_log(tmp_path, "dense.csv", range(5), [0.1] * 5)  # reads as an export too: 'learning_rate'
    for path in (LOGS / "hf_trainer_state.json", LOGS / "lightning_metrics.csv", LOGS / "torch_run", every_step):
        assert is_log_side(str(path)), path
    assert not is_log_side("cosine:max_lr=0.1") and not is_log_side(str(tmp_path / "missing.csv"))


@settings(max_examples=60, deadline=None)
@given(differs=st.lists(st.booleans(), min_size=1, max_size=40), every=st.integers(1, 5))
def test_log_ranges_are_the_runs_of_differing_logged_steps(differs, every):
    steps = np.arange(len(differs)) * every
    relative = np.where(differs, 1.0, 0.0)
    ranges = log_ranges(steps, relative, 0.5)
    covered = {int(s) for first, last in ranges for s in steps if first <= s <= last}
    assert covered == {int(s) for s, d in zip(steps, differs) if d}
    assert all(b[0] - a[1] > every for a, b in zip(ranges, ranges[1:]))  # runs are maximal


@pytest.mark.parametrize("shift", [1, -1])
def test_random_shifts_reach_diff_as_the_cause(tmp_path, shift):
    values = plan_values()
    steps = np.arange(1, 198, 3)
    result = run("diff", PLAN, "--steps", "200", write_log(tmp_path, "s.csv", steps, values[steps + shift]))
    assert result.exit_code == 1
    assert f"the value logged at step s is the plan's at s{shift:+d}" in result.stdout


def test_a_bad_dpi_is_refused_before_anything_is_printed(tmp_path):
    result = run("diff", HF, "--base-lr", "0.01", LOGS / "hf_trainer_state.json", "-o", tmp_path / "x.png",
                 "--dpi", "5")
    assert result.exit_code == 2 and result.stdout == "" and not (tmp_path / "x.png").exists()
    assert result.stderr == "error: --dpi must be an integer from 10 to 1000 (received '5')\n"
