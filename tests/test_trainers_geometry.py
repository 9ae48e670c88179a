"""Training configs whose length the trainer counts from the run geometry: Hugging Face with
max_steps < 0, timm's sched_on_updates, torchvision's segmentation polynomial. Their values against
the real libraries are golden cases (tests/golden/trainers_golden.json, with `overrides`); here the
command line end to end and the refusals that name the flag to give."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lrsched_cli import trainers
from lrsched_cli.cli import app
from lrsched_cli.errors import SpecError
from lrsched_cli.trainers.base import Content
from test_trainers import CASES

HF = {"learning_rate": 2e-5, "lr_scheduler_type": "cosine", "num_train_epochs": 2.5, "max_steps": -1,
      "per_device_train_batch_size": 7, "gradient_accumulation_steps": 5}
TIMM = "sched: cosine\nepochs: 6\nlr: 0.1\nwarmup_epochs: 2\nsched_on_updates: true\nbatch_size: 32\n"
SEGMENTATION = "torchvision:--lr 0.02 --lr-scheduler polynomial --epochs 5 --lr-warmup-epochs 1 --batch-size 4"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def files(tmp_path):
    hf, timm = tmp_path / "args.json", tmp_path / "args.yaml"
    hf.write_text(json.dumps(HF))
    timm.write_text(TIMM)
    return {"hf": hf, "timm": timm, "segmentation": SEGMENTATION}


@pytest.mark.parametrize("source", ["hf", "timm", "segmentation"])
def test_without_the_dataset_the_refusal_names_the_flags(files, source):
    result = run("export", files[source])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert "give --dataset-size" in result.stderr and "--steps-per-epoch" in result.stderr


@pytest.mark.parametrize("source,flags,steps", [
    ("hf", ["--dataset-size", 1000, "--world-size", 3], 25),  # ceil(2.5 x ceil(ceil(ceil(1000/7)/3)/5))
    ("hf", ["--dataset-size", 1000, "--world-size", 3, "--grad-accum", 1], 120),  # the command line beats the file
    ("timm", ["--dataset-size", 1000, "--world-size", 2], 6 * 15),  # ceil(1000/2) // 32 = 15 updates per epoch
    ("timm", ["--steps-per-epoch", 7], 6 * 7),
    ("segmentation", ["--dataset-size", 101, "--world-size", 2], 5 * 12),  # ceil(101/2) // 4 = 12 iterations
])
def test_the_geometry_gives_the_run_its_trainer_counts(files, source, flags, steps):
    result = run("export", files[source], *flags)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == steps + 1  # a header, then a row per update


def test_hf_max_steps_zero_is_not_an_epoch_run(tmp_path):
    path = tmp_path / "args.json"
    path.write_text(json.dumps({**HF, "max_steps": 0}))
    with pytest.raises(SpecError, match="max_steps is 0: the Trainer derives the run from num_train_epochs only"):
        trainers.read(str(path), overrides={"dataset_size": 100})


def test_timm_refuses_an_epoch_without_a_full_batch():
    content = Content(TIMM, "args.yaml")
    with pytest.raises(SpecError, match="loader drops the partial batch, so an epoch has no update"):
        trainers.DIALECTS["timm-args"].read(content, {"dataset_size": 40, "world_size": 2})


def test_every_geometry_case_is_golden():
    """The three runs that needed the geometry each have golden cases from the real library."""
    with_geometry = {case["dialect"] for case in CASES if "overrides" in case}
    assert with_geometry >= {"hf-args", "timm-args", "torchvision"}


RAMPUP = [case for case in CASES if case["dialect"] == "megatron" and "overrides" in case]


@pytest.mark.parametrize("case", RAMPUP, ids=[c["id"] for c in RAMPUP])
def test_megatron_rampup_runs_as_many_iterations_as_update_train_iters(case):
    pytest.importorskip("megatron.core.num_microbatches_calculator")
    from test_trainers import _script

    reading = trainers.DIALECTS["megatron"].read(Content(case["text"], case["id"]), {})
    assert reading.run["steps"] == _script().megatron_train_iters(case["text"]) and not reading.warnings


def test_megatron_rampup_with_iterations_is_a_warning_that_says_what_is_not_modelled():
    text = "--lr 1e-3 --train-iters 100 --global-batch-size 64 --rampup-batch-size 16 16 1000"
    reading = trainers.DIALECTS["megatron"].read(Content(text, "megatron"), {})
    assert len(reading.warnings) == 1 and "assumes G samples per iteration" in reading.warnings[0]


@pytest.mark.parametrize("ramp", ["16 16", "16 10 1000", "64 16 1000", "0 16 1000"])
def test_megatron_refuses_a_rampup_megatron_refuses(ramp):
    text = f"--lr 1e-3 --train-samples 5000 --global-batch-size 64 --rampup-batch-size {ramp}"
    with pytest.raises(SpecError, match="--rampup-batch-size"):
        trainers.DIALECTS["megatron"].read(Content(text, "megatron"), {})
