"""`lrsched check` (a schedule against a committed export) and `lrsched diff` (two schedules),
and `compare --diff`."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrsched_cli.app.diff import differences, ranges_text, read_export
from lrsched_cli.cli import app
from lrsched_cli.core.engine import evaluate_mapping

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_gallery_config_round_trips_through_export_and_check(tmp_path, path, fmt):
    exported = tmp_path / f"values.{fmt}"
    assert run("export", "--config", path, "-o", exported, "--no-lint").exit_code == 0
    result = run("check", "--config", path, "--against", exported)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(read_export(str(exported)).labels) and all(line.startswith("same: ") for line in lines)


def test_check_reports_the_first_difference_the_largest_and_the_count(tmp_path):
    exported = tmp_path / "cosine.csv"
    run("export", "cosine", "--max-lr", "0.1", "--cycle-length", "100", "--steps", "100", "-o", exported)
    result = run("check", "cosine", "--max-lr", "0.1", "--cycle-length", "90", "--steps", "100", "--against", exported)
    assert result.exit_code == 1
    new = evaluate_mapping({"kind": "cosine", "max_lr": 0.1, "cycle_length": 90}, 100)
    old = evaluate_mapping({"kind": "cosine", "max_lr": 0.1, "cycle_length": 100}, 100)
    gap = np.abs(new - old)
    assert result.stdout == (f"differs: cosine: 99 of 100 epochs differ; the first at epoch 1: {float(new[1])!r} here, "
                             f"{float(old[1])!r} in {exported}; the largest difference {float(gap.max())!r} at epoch "
                             f"{int(gap.argmax())}\n")
    assert run("check", "cosine", "--max-lr", "0.1", "--cycle-length", "90", "--against", exported,
               "--atol", "0.02").exit_code == 0
    assert run("check", "cosine", "--max-lr", "0.1", "--cycle-length", "90", "--against", exported,
               "--rtol", "0.5").exit_code == 1  # the end: 0 against 2.4e-4


def test_check_by_label_among_several_schedules(tmp_path):
    exported = tmp_path / "decays.json"
    run("export", "--config", ROOT / "configs/decays.yaml", "-o", exported, "--no-lint")
    assert run("check", "--spec", "cosine:max_lr=0.1", "--spec", "step:max_lr=0.1,step_size=30,gamma=0.1,"
               "label='step (30, 0.1)'", "--against", exported).exit_code == 0
    result = run("check", "cosine", "--max-lr", "0.1", "--label", "cosin", "--against", exported)
    assert result.exit_code == 2 and "has no schedule labelled 'cosin'; did you mean" in result.stderr


def test_check_a_run_of_another_length(tmp_path):
    exported = tmp_path / "c.csv"
    run("export", "cosine", "--max-lr", "0.1", "-o", exported)
    result = run("check", "cosine", "--max-lr", "0.1", "--steps", "120", "--against", exported)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"differs: cosine: the schedule has 120 epochs, {exported} 100")


@pytest.mark.parametrize("content, message", [
    ("", "expected a header"),
    ("epoch,cosine\n0,0.1\n2,0.05\n", "must count 0, 1, 2"),
    ("epoch,cosine\n0,0.1,3\n", "expected 2 numbers"),
    ("epoch,cosine\n0,abc\n", "not a file written by 'lrsched export'"),
])
def test_check_refuses_a_file_that_is_not_an_export(tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = run("check", "cosine", "--max-lr", "0.1", "--against", bad)
    assert result.exit_code == 1 and message in result.stderr and result.stderr.count("\n") == 1


def test_check_usage_errors():
    assert run("check", "cosine", "--max-lr", "0.1").exit_code == 2
    result = run("check", "cosine", "--max-lr", "0.1", "--against", "x.csv", "--rtol", "-1")
    assert result.exit_code == 2 and "--rtol must be a number >= 0" in result.stderr
    missing = run("check", "cosine", "--max-lr", "0.1", "--against", "nowhere.csv")
    assert missing.exit_code == 1 and "nowhere.csv: cannot read" in missing.stderr


# -- diff -------------------------------------------------------------------------------------------

HOLD = "cosine:max_lr=0.1,cycle_length=90,past_end=hold"
CONTINUE = "cosine:max_lr=0.1,cycle_length=90"


def test_diff_names_the_ranges_the_largest_relative_difference_and_the_area():
    result = run("diff", CONTINUE, HOLD)
    assert result.exit_code == 1
    a = evaluate_mapping({"kind": "cosine", "max_lr": 0.1, "cycle_length": 90}, 100)
    b = evaluate_mapping({"kind": "cosine", "max_lr": 0.1, "cycle_length": 90, "past_end": "hold"}, 100)
    assert result.stdout.startswith("differ: cosine: epochs 91-99 differ (9 of 100); the largest relative "
                                    "difference 1 at epoch 91; the area ")
    assert f"{float(a.sum())!r} vs {float(b.sum())!r}" in result.stdout
    same = run("diff", CONTINUE, "torch:CosineAnnealingLR(T_max=90)", "--base-lr", "0.1", "--steps", "100")
    assert same.exit_code == 0 and same.stdout == "same: cosine vs torch:CosineAnnealingLR: 100 epochs equal\n"


def test_diff_a_config_against_its_export_and_two_exports(tmp_path):
    config = ROOT / "configs/step.yaml"
    old, new = tmp_path / "old.csv", tmp_path / "new.json"
    run("export", "--config", config, "-o", old, "--no-lint")
    run("export", "--config", config, "--steps", "120", "-o", new, "--no-lint")
    result = run("diff", config, old)
    assert result.exit_code == 0 and result.stdout.count("same: ") == 2
    result = run("diff", old, new)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == ("differ: step_size 30, gamma 0.1: 100 epochs vs 120; compared over "
                                             "the first 100")


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_diff_draws_both_curves_over_their_difference(tmp_path, suffix):
    figure = tmp_path / f"diff{suffix}"
    result = run("diff", CONTINUE, HOLD, "-o", figure)
    assert result.exit_code == 1 and result.stderr == f"wrote {figure}\n"
    head = figure.read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in figure.read_bytes()[:400]


def test_diff_refuses_a_bad_image_before_computing():
    result = run("diff", CONTINUE, HOLD, "-o", "x.gif")
    assert result.exit_code == 2 and result.stdout == ""


def test_compare_diff_adds_the_difference_panel(tmp_path):
    figure = tmp_path / "c.png"
    result = run("compare", ROOT / "configs/cosine_annealing.yaml", "--diff", "-o", figure, "--no-lint")
    assert result.exit_code == 0 and figure.read_bytes().startswith(b"\x89PNG")
    refused = run("compare", ROOT / "configs/cosine_annealing.yaml", "--diff", "--terminal")
    assert refused.exit_code == 2 and "drop --terminal" in refused.stderr
    one = tmp_path / "one.yaml"
    one.write_text("schedules: [{kind: cosine, max_lr: 0.1}]\n")
    assert "at least two schedules" in run("compare", one, "--diff", "-o", figure).stderr


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=60))
def test_difference_ranges_match_a_plain_loop(mask):
    a = np.zeros(len(mask))
    b = np.where(mask, 1.0, 0.0)
    found = differences(a, b)
    runs, start = [], None
    for i, m in enumerate(mask + [False]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            runs.append((start, i - 1))
            start = None
    assert found.ranges == runs and found.count == sum(mask)
    assert found.first == (runs[0][0] if runs else None)
    assert ranges_text(runs).count(",") == max(min(len(runs), 5) - 1, 0)
