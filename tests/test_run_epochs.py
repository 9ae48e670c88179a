"""Schedules defined in epochs: held within the epoch when stepped once per epoch, lengths scaled
when stepped per iteration, and a scheduler stepped K times per update. Checked against real
PyTorch loops (framework venv) that record the LR of every iteration, and Accelerate's own
AcceleratedScheduler; the rest runs everywhere."""
from __future__ import annotations

import csv
import io
import types

import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.epochs import TIME_PARAMS, UNSCALABLE, UNTIMED_PARAMS, scale_lengths
from lrsched_cli.core.kinds import REGISTRY

runner = CliRunner()


def export(tmp_path, entries, *flags):
    path = tmp_path / "run.yaml"
    path.write_text("base_lr: 0.1\nschedules:\n" + "".join(f"  - {e}\n" for e in entries))
    result = runner.invoke(app, ["export", "--config", str(path), *flags])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    return rows[0], [[float(v) for v in row[1:]] for row in rows[1:]], result.stderr


def all_params():
    return {p.name for kind in REGISTRY for p in kind.params}


def test_every_parameter_of_every_kind_counts_time_or_does_not():
    """A new kind's length cannot be forgotten by stepping: iteration: it must be classified."""
    names = all_params()
    assert names == TIME_PARAMS | UNTIMED_PARAMS, names ^ (TIME_PARAMS | UNTIMED_PARAMS)
    assert not TIME_PARAMS & UNTIMED_PARAMS


def test_scaling_multiplies_lengths_given_and_numeric_defaults_and_phases():
    scaled = scale_lengths({"kind": "exponential", "max_lr": 0.1, "gamma": 0.5}, 10, "s")
    assert scaled["decay_steps"] == 10.0  # the default 1 (per epoch) becomes 10 iterations
    scaled = scale_lengths({"kind": "multistep", "max_lr": 1, "milestones": [3, 6], "warmup_steps": 1}, 4, "s")
    assert scaled["milestones"] == [12, 24] and scaled["warmup_steps"] == 4
    scaled = scale_lengths({"kind": "sequence", "max_lr": 1, "phases": [
        {"kind": "linear", "steps": 2, "start_factor": 0.1, "total_iters": 2}, {"kind": "cosine"}]}, 5, "s")
    assert scaled["phases"][0]["steps"] == 10 and scaled["phases"][0]["total_iters"] == 10
    assert "cycle_length" not in scaled["phases"][1]  # left to the horizon, already in updates


@pytest.mark.parametrize("kind", sorted(UNSCALABLE))
def test_kinds_whose_time_is_code_or_feedback_are_refused_per_iteration(kind):
    from lrsched_cli.errors import SpecError

    with pytest.raises(SpecError, match="stepping: iteration cannot rescale"):
        scale_lengths({"kind": kind}, 3, "s")


def test_stepped_per_epoch_the_value_holds_within_the_epoch(tmp_path):
    _, rows, _ = export(tmp_path, ["{kind: step, max_lr: 0.1, step_size: 2, gamma: 0.5, per: epoch}"],
                        "--steps-per-epoch", "3", "--epochs", "5")
    assert [r[0] for r in rows] == [0.1] * 6 + [0.05] * 6 + [0.025] * 3


def test_a_fractional_last_epoch_is_cut_at_the_run_total(tmp_path):
    _, rows, stderr = export(tmp_path, ["{kind: cosine, max_lr: 0.1, per: epoch}"],
                             "--dataset-size", "100", "--batch-size", "16", "--epochs", "1.5")
    assert len(rows) == 11  # ceil(1.5 x ceil(100 / 16) = 7)
    assert "11 updates = ceil(1.5 epochs x 7 updates/epoch); 7 updates/epoch = ceil(100 / 16)" in stderr
    assert rows[6][0] != rows[7][0] and rows[7][0] == rows[10][0]  # epoch 1, cut at update 11


def test_warmup_epochs_per_iteration_is_floor_of_epochs_times_updates(tmp_path):
    _, rows, stderr = export(tmp_path, ["{kind: cosine, max_lr: 0.1, per: epoch, stepping: iteration, "
                                        "warmup_epochs: 1.5, label: c}"], "--steps-per-epoch", "3", "--epochs", "4")
    assert "c: warmup 4 = floor(1.5 epochs x 3 updates/epoch)" in stderr
    assert rows[4][0] == 0.1 and rows[3][0] < 0.1


def test_per_epoch_without_updates_per_epoch_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("schedules:\n  - {kind: cosine, max_lr: 0.1, per: epoch}\n")
    result = runner.invoke(app, ["export", "--config", str(path), "--max-steps", "100"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "per: epoch needs the updates per epoch" in result.stderr


@pytest.mark.parametrize("entry, words", [
    ("{kind: cosine, max_lr: 0.1, per: epochs}", "per must be one of: step, epoch (received 'epochs'); did you mean"),
    ("{kind: cosine, max_lr: 0.1, stepping: iteration}", "stepping applies to a schedule per: epoch"),
    ("{kind: cosine, max_lr: 0.1, warmup_steps: 2, warmup_epochs: 1}", "warmup_steps or warmup_epochs, not both"),
    ("{kind: cosine, max_lr: 0.1, per: epoch, warmup_epochs: 0.5}", "whole number of epochs"),
    ("{kind: cosine, max_lr: 1, branches: [4]}", "branches applies to a wsd schedule"),
    ("{kind: wsd, max_lr: 1, decay_steps: 5, branches: 40}", "branches must be a list of steps >= 1"),
    ("{kind: wsd, max_lr: 1, decay_steps: 1, warmup_steps: 5, branches: [5]}", "branches must start after the warmup"),
])
def test_bad_entry_keys_are_one_line_errors(tmp_path, entry, words):
    path = tmp_path / "c.yaml"
    path.write_text(f"schedules:\n  - {entry}\n")
    result = runner.invoke(app, ["export", "--config", str(path), "--steps-per-epoch", "4", "--epochs", "3"])
    assert result.exit_code == 2 and words in result.stderr and result.stderr.count("\n") == 1


# -- against real PyTorch loops -----------------------------------------------------------

EPOCH_SCHEDULERS = [
    ("StepLR(step_size=2, gamma=0.5)", lambda opt, torch: torch.optim.lr_scheduler.StepLR(opt, 2, 0.5)),
    ("CosineAnnealingLR(T_max=5, eta_min=0.001)",
     lambda opt, torch: torch.optim.lr_scheduler.CosineAnnealingLR(opt, 5, 0.001)),
    ("MultiStepLR(milestones=[2, 4], gamma=0.1)",
     lambda opt, torch: torch.optim.lr_scheduler.MultiStepLR(opt, [2, 4], 0.1)),
    ("ExponentialLR(gamma=0.8)", lambda opt, torch: torch.optim.lr_scheduler.ExponentialLR(opt, 0.8)),
    ("LinearLR(start_factor=0.1, total_iters=3)",
     lambda opt, torch: torch.optim.lr_scheduler.LinearLR(opt, 0.1, total_iters=3)),
]


def torch_loop(make, epochs, per_epoch, *, per_iteration=False, total=None):
    """The LR of every iteration of a real loop; the scheduler steps at the end of each epoch
    (PyTorch's default) or after every iteration."""
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = make(opt, torch)
    seen = []
    for _ in range(epochs):
        for _ in range(per_epoch):
            if total is not None and len(seen) == total:
                return seen
            seen.append(opt.param_groups[0]["lr"])
            opt.step()
            if per_iteration:
                sched.step()
        if not per_iteration:
            sched.step()
    return seen


@pytest.mark.parametrize("text, make", EPOCH_SCHEDULERS)
def test_stepped_once_per_epoch_matches_a_real_loop_every_iteration(tmp_path, text, make):
    expected = torch_loop(make, epochs=7, per_epoch=4, total=26)  # 6.5 epochs
    _, rows, _ = export(tmp_path, [f'{{from: "torch:{text}", per: epoch}}'], "--steps-per-epoch", "4",
                        "--epochs", "6.5")
    assert [r[0] for r in rows] == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("text, iteration_make", [
    ("StepLR(step_size=2, gamma=0.5)", lambda opt, torch: torch.optim.lr_scheduler.StepLR(opt, 2 * 3, 0.5)),
    ("CosineAnnealingLR(T_max=5, eta_min=0.001)",
     lambda opt, torch: torch.optim.lr_scheduler.CosineAnnealingLR(opt, 5 * 3, 0.001)),
    ("MultiStepLR(milestones=[2, 4], gamma=0.1)",
     lambda opt, torch: torch.optim.lr_scheduler.MultiStepLR(opt, [6, 12], 0.1)),
    # mmengine's convert_to_iter_based: an epoch's gamma spread over its iterations
    ("ExponentialLR(gamma=0.8)", lambda opt, torch: torch.optim.lr_scheduler.ExponentialLR(opt, 0.8 ** (1 / 3))),
])
def test_stepped_per_iteration_matches_the_iteration_based_scheduler(tmp_path, text, iteration_make):
    expected = torch_loop(iteration_make, epochs=6, per_epoch=3, per_iteration=True)
    _, rows, _ = export(tmp_path, [f'{{from: "torch:{text}", per: epoch, stepping: iteration}}'],
                        "--steps-per-epoch", "3", "--epochs", "6")
    assert [r[0] for r in rows] == pytest.approx(expected, rel=1e-12, abs=1e-15)


# -- scheduler steps per update: Accelerate's AcceleratedScheduler ------------------------------

def accelerate_loop(make, processes, updates):
    """Accelerate's own AcceleratedScheduler.step, with the process count it reads patched in."""
    torch = pytest.importorskip("torch")
    scheduler_module = pytest.importorskip("accelerate.scheduler")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    wrapped = scheduler_module.AcceleratedScheduler(make(opt, torch), [types.SimpleNamespace(step_was_skipped=False)],
                                                    step_with_optimizer=True, split_batches=False)
    state = types.SimpleNamespace(num_processes=processes)
    original = scheduler_module.AcceleratorState
    scheduler_module.AcceleratorState = lambda: state
    try:
        seen = []
        for _ in range(updates):
            seen.append(opt.param_groups[0]["lr"])
            opt.step()
            wrapped.step()
    finally:
        scheduler_module.AcceleratorState = original
    return seen


@pytest.mark.parametrize("text, make", [
    ("get_linear_schedule_with_warmup(num_warmup_steps=3)", None),
    ("OneCycleLR(max_lr=0.1, total_steps=20)", lambda opt, torch: torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, 20)),
    ("CosineAnnealingLR(T_max=20)", lambda opt, torch: torch.optim.lr_scheduler.CosineAnnealingLR(opt, 20)),
])
def test_k_scheduler_steps_per_update_match_accelerate(tmp_path, text, make):
    if make is None:
        transformers = pytest.importorskip("transformers")

        def make(opt, torch):
            return transformers.get_linear_schedule_with_warmup(opt, 3, 20)
        spec = f"hf:{text}"
    else:
        spec = f"torch:{text}"
    expected = accelerate_loop(make, processes=4, updates=20)
    _, rows, _ = export(tmp_path, [f'"{spec}"'], "--max-steps", "20", "--scheduler-steps-per-update", "4")
    assert [r[0] for r in rows] == pytest.approx(expected, rel=1e-12, abs=1e-15)
