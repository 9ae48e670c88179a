"""The training run on the command line and in YAML: the derivation shown, flags beating the
run: block, one-line refusals naming the flag or key, the index units, the figure's axes."""
from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrsched_cli.app.settings import SETTINGS
from lrsched_cli.cli import app

runner = CliRunner()
ISSUE_RUN = ["--dataset-size", "52002", "--batch-size", "4", "--world-size", "4", "--grad-accum", "8",
             "--epochs", "3", "--warmup-ratio", "0.03"]


def invoke(*args):
    return runner.invoke(app, [*args])


def csv_rows(result):
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


def test_table_prints_the_issue_derivation():
    result = invoke("table", "cosine", "--max-lr", "0.1", *ISSUE_RUN)
    assert result.exit_code == 0, result.output
    for line in ("1221 updates = 3 epochs x 407 updates/epoch", "407 = ceil(3251 batches / 8 accumulation)",
                 "3251 = ceil(ceil(52002 / 4) / 4 devices)", "warmup 37 = ceil(0.03 x 1221)"):
        assert line in result.stdout
    assert "│ 1220 │" in result.stdout  # the last update; lengths default to the run's total


def test_export_says_the_run_on_stderr_and_keeps_stdout_data():
    result = invoke("export", "cosine", "--max-lr", "0.1", *ISSUE_RUN)
    rows = csv_rows(result)
    assert rows[0] == ["step", "cosine"] and len(rows) == 1222
    assert result.stderr.startswith("run: 1221 updates = 3 epochs x 407 updates/epoch; ")
    values = [float(r[1]) for r in rows[1:]]
    assert values[0] == 0.0 and values[37] == 0.1 and values[36] < 0.1  # warmup 37 from the ratio


def test_the_yaml_run_block_and_flags_beating_it(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("run:\n  dataset_size: 1000\n  batch_size: 10\n  epochs: 2\nschedules:\n"
                    "  - {kind: cosine, max_lr: 0.1}\n")
    assert len(csv_rows(invoke("export", "--config", str(path)))) == 201
    assert len(csv_rows(invoke("export", "--config", str(path), "--batch-size", "30"))) == 69  # 2 x 34
    assert len(csv_rows(invoke("export", "--config", str(path), "--max-steps", "50"))) == 51


@pytest.mark.parametrize("text, words", [
    ("run:\n  epoch: 3\n", "c.yaml:2: run: unknown key 'epoch'; did you mean 'epochs'?"),
    ("run:\n  steps: 3\n", "run: unknown key 'steps'; steps is written at the top of the file, beside run:"),
    ("epochs: 3\n", "c.yaml:1: unknown key 'epochs'; epochs belongs in the run: block"),
    ("run: 3\n", "c.yaml:1: run must be a mapping"),
    ("run:\n  batch_size: 0\n", "c.yaml:2: run: batch_size must be an integer >= 1 (received 0)"),
    ("run:\n  warmup_ratio: 1.5\n", "run: warmup_ratio must be a number from 0 to below 1 (received 1.5)"),
    ("run:\n  accum_rule: round\n", "run: accum_rule must be one of: ceil, floor (received 'round')"),
    ("run:\n  steps_per_epoch: 10\n  epochs: 2\n  max_steps: 25\n",
     "c.yaml: run: max_steps and epochs disagree: 25 updates = max_steps but 20 updates = 2 epochs x 10 "
     "updates/epoch; give one (max_steps beats epochs in the Hugging Face Trainer)"),
])
def test_file_refusals_are_one_line_naming_the_key(tmp_path, text, words):
    path = tmp_path / "c.yaml"
    path.write_text(text + "schedules:\n  - {kind: cosine, max_lr: 0.1}\n")
    result = invoke("export", "--config", str(path))
    assert result.exit_code == 2, result.output
    assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("flags, words", [
    (["--batch-size", "0"], "--batch-size must be an integer >= 1 (received '0')"),
    (["--dataset-size", "-5"], "--dataset-size must be an integer >= 1 (received '-5')"),
    (["--epochs", "0"], "--epochs must be a number > 0 (received '0')"),
    (["--dataset-size", "100", "--epochs", "1"], "--dataset-size needs --batch-size"),
    (["--steps-per-epoch", "10", "--epochs", "2", "--max-steps", "25"], "--max-steps and --epochs disagree"),
    (["--max-steps", "10", "--warmup-ratio", "0.95"], "--warmup-ratio 0.95 makes a warmup of 10 updates, not "
                                                      "shorter than the run's 10"),
    (["--dataset-size", "10", "--batch-size", "64", "--drop-last", "--epochs", "1"], "every batch is dropped"),
    (["--max-steps", "10", "--unit", "step+epoch"], "--unit step+epoch needs the updates per epoch"),
    (["--tokens", "100", "--seq-len", "512", "--batch-size", "1"], "--tokens 100 makes 0 updates"),
])
def test_flag_refusals_are_one_line_naming_the_flag(flags, words):
    result = invoke("export", "cosine", "--max-lr", "0.1", *flags)
    assert result.exit_code == 2, result.output
    assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_a_batch_larger_than_the_dataset_is_a_note_not_an_error():
    result = invoke("export", "cosine", "--max-lr", "0.1", "--dataset-size", "10", "--batch-size", "64",
                    "--epochs", "3")
    assert len(csv_rows(result)) == 4
    assert "note: the batch (64 x 1 devices) is larger than the dataset (10 samples)" in result.stderr


def test_steps_given_beside_a_derived_total_from_the_same_place_must_agree():
    result = invoke("export", "cosine", "--max-lr", "0.1", "--max-steps", "50", "--steps", "40")
    assert result.exit_code == 2 and "--max-steps and --steps disagree" in result.stderr


def test_a_framework_scheduler_without_its_horizon_takes_the_run():
    rows = csv_rows(invoke("export", "hf:cosine", "--base-lr", "0.1", "--max-steps", "10", "--warmup-ratio", "0.2"))
    same = csv_rows(invoke("export", "hf:cosine(num_warmup_steps=2, num_training_steps=10)", "--base-lr", "0.1"))
    assert [r[1] for r in rows[1:]] == [r[1] for r in same[1:]] and len(rows) == 11
    without_run = invoke("export", "hf:cosine", "--base-lr", "0.1")
    assert without_run.exit_code == 2  # nothing says how long: the scheduler must


def test_units_index_per_update_per_epoch_or_both():
    base = ["export", "--spec", "step:max_lr=1,step_size=1,gamma=0.5,per=epoch", "--steps-per-epoch", "4",
            "--epochs", "3"]
    per_update = csv_rows(invoke(*base))
    assert per_update[0] == ["step", "step"] and len(per_update) == 13
    per_epoch = csv_rows(invoke(*base, "--unit", "epoch"))
    assert per_epoch == [["epoch", "step"], ["0", "1.0"], ["1", "0.5"], ["2", "0.25"]]
    both = csv_rows(invoke(*base, "--unit", "step+epoch"))
    assert both[0] == ["step", "epoch", "step"] and both[6][:2] == ["5", "1.25"]
    refused = invoke(*base, "--unit", "step+epoch", "--format", "json")
    assert refused.exit_code == 2 and "--unit step+epoch adds an epoch column" in refused.stderr


def test_k_scheduler_steps_per_update_end_the_schedule_early():
    rows = csv_rows(invoke("export", "--spec", "hf:linear", "--base-lr", "0.1", "--max-steps", "10",
                           "--scheduler-steps-per-update", "2"))
    values = [float(r[1]) for r in rows[1:]]
    assert values[5:] == [0.0] * 5 and values[4] > 0  # meant for 10 updates, over after 5


def test_drop_last_switch_and_accum_rule_floor():
    run = ["--dataset-size", "1050", "--batch-size", "10", "--grad-accum", "4", "--epochs", "1"]
    assert len(csv_rows(invoke("export", "constant", "--max-lr", "1", *run))) == 28  # ceil(105 / 4) = 27
    assert len(csv_rows(invoke("export", "constant", "--max-lr", "1", *run, "--accum-rule", "floor"))) == 27
    assert len(csv_rows(invoke("export", "constant", "--max-lr", "1", *run, "--drop-last",
                               "--dataset-size", "1049"))) == 27  # floor(1049 / 10) = 104, ceil(104 / 4)


def test_describe_run_documents_every_run_setting_and_rule():
    from lrsched_cli.core.geometry import RULES

    result = runner.invoke(app, ["describe", "run"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    for setting in SETTINGS:
        if setting.group == "run":
            assert setting.flag in result.stdout and setting.name in result.stdout
    for what, _ in RULES:
        assert what in result.stdout


def test_every_run_flag_is_on_every_evaluating_command():
    for command in ("plot", "table", "export", "compare"):
        args = [command, "--help"] if command == "compare" else [command, "cosine", "--help"]
        text = runner.invoke(app, args, env={"COLUMNS": "300"}).stdout
        for setting in SETTINGS:
            if setting.group == "run":
                assert setting.flag in text, (command, setting.flag)


def test_the_figure_has_epoch_and_token_axes_when_the_run_knows_them():
    from lrsched_cli.present.plot import RunAxes, Series, build_figure

    series = [Series("c", np.linspace(1, 0, 400))]
    fig = build_figure(series, unit=RunAxes("step", 40, 1024))
    labels = sorted(child.get_xlabel() for child in fig.axes[0].child_axes)
    assert labels == ["epoch", "tokens"]
    epoch_axis = next(c for c in fig.axes[0].child_axes if c.get_xlabel() == "epoch")
    assert epoch_axis.get_xlim() == pytest.approx((fig.axes[0].get_xlim()[0] / 40, fig.axes[0].get_xlim()[1] / 40))
    plain = build_figure(series, unit="step")
    assert plain.axes[0].child_axes == []


def test_plot_writes_a_figure_with_both_axes(tmp_path):
    out = tmp_path / "run.png"
    result = invoke("plot", "--spec", "cosine:max_lr=0.1,per=epoch,stepping=iteration", "--steps-per-epoch", "50",
                    "--epochs", "4", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0 and "run: 200 updates = 4 epochs x 50 updates/epoch" in result.stderr


@settings(max_examples=40, deadline=None)
@given(text=st.text(min_size=1, max_size=8))
def test_any_bad_count_text_is_a_one_line_usage_error(text):
    from lrsched_cli.app.settings import from_flag
    from lrsched_cli.errors import UsageError

    try:
        from_flag("steps_per_epoch", text)
        return  # a count after all ("7", "1e3")
    except UsageError:
        pass
    result = invoke("export", "cosine", "--max-lr", "0.1", "--steps-per-epoch", text, "--epochs", "1")
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_a_geometry_setting_that_changes_nothing_is_said():
    result = invoke("export", "cosine", "--max-lr", "0.1", "--drop-last", "--world-size", "8")
    assert result.exit_code == 0
    assert "note: --drop-last, --world-size changes nothing without --dataset-size, --tokens or --samples" \
        in result.stderr
