"""`lrsched check SCHEDULE --log FILE`: a logged learning rate aligned with the plan; exit 1 where
they part, with the known cause, from the fixtures of real runs (scripts/make_log_fixtures.py)."""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from lrsched_cli.cli import app

LOGS = Path(__file__).parent / "fixtures" / "logs"
HF = "hf:cosine(num_warmup_steps=6, num_training_steps=60)"
LIGHTNING = ("torch:SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), "
             "CosineAnnealingLR(T_max=75)], milestones=[5])")


def check(*args):
    return CliRunner().invoke(app, ["check", *map(str, args)])


def test_a_log_that_follows_the_plan_passes():
    result = check(LIGHTNING, "--base-lr", "0.1", "--steps", "80", "--log", LOGS / "lightning_metrics.csv")
    assert result.exit_code == 0, result.output
    assert "the log lightning_metrics.csv: lr-SGD follows the plan at its 80 logged steps" in result.stdout


def test_the_hugging_face_log_parts_by_one_step_and_says_why():
    """HF's Trainer logs the rate after the update: the log is the plan shifted by one step."""
    result = check(HF, "--base-lr", "0.01", "--steps", "60", "--log", LOGS / "hf_trainer_state.json")
    assert result.exit_code == 1
    assert "parts from the plan at step 3" in result.stdout
    assert "the log is the plan shifted by one step" in result.stdout


def test_a_log_and_an_export_together_are_refused():
    result = check("cosine", "--max-lr", "0.1", "--log", LOGS / "lightning_metrics.csv", "--against", "x.csv")
    assert result.exit_code == 2
    assert "give either --against FILE" in result.stderr


def test_neither_a_log_nor_an_export_says_both_ways():
    result = check("cosine", "--max-lr", "0.1")
    assert result.exit_code == 2
    assert "--against FILE.csv" in result.stderr and "--log FILE" in result.stderr
