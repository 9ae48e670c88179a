"""Framework schedulers as written, on the command line and in YAML; --to; compare --as."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app

runner = CliRunner()
FIXTURE = json.loads((Path(__file__).parent / "golden" / "frameworks_golden.json").read_text())
CASES = {case["id"]: case for case in FIXTURE["cases"]}


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def column(result, index=1):
    return np.array([float(line.split(",")[index]) for line in result.stdout.splitlines()[1:]])


@pytest.mark.parametrize("case_id", ["torch_onecycle_cos", "optax_warmup_cosine", "keras_cosine_warmup",
                                     "hf_cosine", "timm_cosine_warmup"])
def test_a_constructor_as_the_positional_schedule_reproduces_the_library(case_id):
    case = CASES.get(case_id) or pytest.skip(f"{case_id} not in the fixture")
    args = ["export", case["spec"], "--steps", case["steps"]]
    if case["base_lr"] is not None:
        args += ["--base-lr", case["base_lr"]]
    result = run(*args)
    assert result.exit_code == 0, result.output
    tol = case["tolerance"]
    np.testing.assert_allclose(column(result), case["values"], rtol=tol, atol=tol * max(map(abs, case["values"])))


def test_spec_and_yaml_accept_constructors(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("steps: 40\nbase_lr: 0.1\nschedules:\n"
                      "  - 'torch:StepLR(step_size=10, gamma=0.5)'\n"
                      "  - {from: 'optax:cosine_decay_schedule(init_value=0.1, decay_steps=20)', label: optax}\n")
    from_yaml = run("export", "--config", config)
    assert from_yaml.exit_code == 0, from_yaml.output
    assert from_yaml.stdout.splitlines()[0] == "epoch,torch:StepLR,optax"
    from_spec = run("export", "--spec", "torch:StepLR(step_size=10, gamma=0.5)", "--base-lr", "0.1", "-n", "40")
    assert np.array_equal(column(from_spec), column(from_yaml))
    assert column(from_yaml, 2)[20:].tolist() == [0.0] * 20  # optax clamps


@pytest.mark.parametrize("args,message", [
    (["export", "torch:StepLR(step_size=3)"], "needs base_lr"),
    (["export", "torch:StepLR(step_size=3)", "--base-lr", "-1"], "--base-lr must be a number > 0 (received '-1')"),
    (["export", "torch:StepLR(step_sise=3)", "--base-lr", "0.1"], "did you mean 'step_size'"),
    (["export", "torch:CosineLR(T_max=3)", "--base-lr", "0.1"], "did you mean 'CosineAnnealingLR'"),
    (["export", "torch:StepLR(step_size=__import__('os'))", "--base-lr", "0.1"], "step_size"),
])
def test_constructor_errors_are_one_line(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_yaml_from_rejects_unknown_keys(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("schedules:\n  - {from: 'torch:StepLR(step_size=3)', base_lr: 0.1, lable: x}\n")
    result = run("export", "--config", config)
    assert result.exit_code == 2
    assert "unknown key 'lable'; did you mean 'label'?" in result.stderr


@pytest.mark.parametrize("target,needle", [("torch", "lr_scheduler.StepLR"), ("hf", "def lrsched_values"),
                                           ("optax", "optax."), ("keras", "keras.")])
def test_export_to_prints_a_snippet(target, needle):
    result = run("export", "step", "--max-lr", "0.1", "--step-size", "10", "--to", target)
    assert result.exit_code == 0, result.output
    assert needle in result.stdout
    compile(result.stdout, "<snippet>", "exec")


def test_export_to_unknown_target():
    result = run("export", "step", "--max-lr", "0.1", "--step-size", "10", "--to", "jax")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "torch, hf, optax, keras" in result.stderr


def test_compare_as_shows_where_frameworks_disagree(tmp_path):
    out = tmp_path / "as.png"
    result = run("compare", "--as", "torch,optax,keras,hf,timm",
                 "cosine:max_lr=0.1,min_lr=0.001,warmup_steps=50,cycle_length=950", "--steps", "1100", "-o", out)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "hf:cosine_with_min_lr" in text and "identical" in text  # HF reads the intent exactly
    assert "decay_steps excludes the warmup" in text  # why keras differs
    assert "overlays the cosine's clock" in text  # why timm differs
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_compare_as_multistep_shows_the_boundary_conventions(tmp_path):
    result = run("compare", "--as", "torch,keras,timm,hf", "multistep:max_lr=0.1,milestones=[30,60]", "--terminal")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "change lands at boundary + 1" in text and "one step early" in text
    assert "(no equivalent)" in text


def test_compare_as_unknown_framework():
    result = run("compare", "--as", "torhc", "cosine:max_lr=0.1")
    assert result.exit_code == 2
    assert result.stderr == "error: --as: unknown framework 'torhc'; did you mean 'torch'? choose from torch, hf, optax, keras, timm\n"


@pytest.mark.parametrize("spec,rows", [
    ("torch:OneCycleLR(max_lr=0.1, total_steps=1000)", 1000),
    ("keras:CosineDecay(initial_learning_rate=0.1, decay_steps=300, warmup_target=0.2, warmup_steps=10)", 310),
    ("torch:SequentialLR(schedulers=[LinearLR(start_factor=0.01, total_iters=10), CosineAnnealingLR(T_max=90)], "
     "milestones=[10])", 100),
    ("torch:StepLR(step_size=30)", 100),  # names no length: the default 100
])
def test_without_steps_a_constructor_runs_over_the_length_it_names(spec, rows):
    result = run("export", spec, "--base-lr", "0.1")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == rows + 1


def test_compare_as_step_agrees_everywhere_it_exists():
    result = run("compare", "--as", "torch,optax,keras,timm", "step:max_lr=0.1,step_size=10,gamma=0.5", "-n", "40",
                 "--terminal")
    assert result.exit_code == 0, result.output
    assert " ".join(result.stdout.split()).count("identical") == 4


def test_compare_as_onecycle_shows_optax_boundaries():
    result = run("compare", "--as", "torch,optax", "onecycle:max_lr=0.1,total_steps=100", "--terminal")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "identical" in text and "int(pct_start * transition_steps), one step later" in text


def test_compare_as_refuses_other_intents():
    result = run("compare", "--as", "torch", "exponential:max_lr=0.1,gamma=0.9", "--terminal")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: compare --as takes a step, onecycle, cosine, multistep, polynomial")
