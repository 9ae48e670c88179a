"""Training configs as users have them (lrsched_cli.trainers): every dialect's reading proved
against the values the real trainers compute (tests/golden/trainers_golden.json, made by
scripts/make_trainer_golden.py), detection and its refusals, and the command line end to end."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrsched_cli import trainers
from lrsched_cli.cli import app
from lrsched_cli.core.engine import build, evaluate
from lrsched_cli.errors import SpecError, UsageError
from lrsched_cli.trainers.base import Content, parse_flags

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "golden" / "trainers_golden.json"
CASES = json.loads(FIXTURE.read_text())["cases"]
RTOL = 1e-12


def _script():
    spec = importlib.util.spec_from_file_location("make_trainer_golden", ROOT / "scripts" / "make_trainer_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def content_of(case: dict) -> Content:
    path = Path(case["id"] + case["suffix"]) if case["suffix"] else None
    return Content(case["text"], case["id"], path)


def values_of(reading: trainers.Reading, steps: int) -> np.ndarray:
    return evaluate(build(reading.schedule, steps), steps)


def assert_close(actual, expected, context: str) -> None:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, context
    bad = np.flatnonzero(~np.isclose(actual, expected, rtol=RTOL, atol=1e-300))
    assert bad.size == 0, f"{context}: step {bad[0]}: lrsched {actual[bad[0]]!r}, trainer {expected[bad[0]]!r}"


# -- golden values from the real trainers ---------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_reading_matches_the_real_trainer(case):
    reading = trainers.DIALECTS[case["dialect"]].read(content_of(case), case.get("overrides", {}))
    assert_close(values_of(reading, case["steps"]), case["values"], case["id"])


def test_every_dialect_with_a_golden_runner_has_cases():
    dialects = {case["dialect"] for case in CASES}
    assert dialects == set(_script().RUNNERS)


@pytest.mark.parametrize("dialect", sorted({c["dialect"] for c in CASES}))
def test_fixture_matches_the_installed_trainer(dialect):
    """In the framework stage the fixture is recomputed by the real library (it must be installed there)."""
    module = {"deepspeed": "deepspeed.runtime.lr_schedules",
              "megatron": "megatron.core.optimizer_param_scheduler", "hf-args": "transformers",
              "timm-args": "torch", "torchvision": "torch", "detectron2": "fvcore.common.param_scheduler"}[dialect]
    pytest.importorskip(module)
    if dialect == "timm-args" and importlib.util.find_spec("timm") is None:  # timm/__init__ needs torchvision
        pytest.skip("could not import timm")
    script = _script()
    for case in (c for c in CASES if c["dialect"] == dialect):
        if "overrides" in case:  # a run that needs the geometry (the command line's --dataset-size, ...)
            real = script.geometry_values(dialect, case["text"], case["steps"], case["overrides"])
        else:
            real = script.real_values(dialect, case["text"], case["steps"])
        assert_close(real, case["values"], case["id"])


MEGATRON_STYLES = st.sampled_from(["constant", "linear", "cosine", "inverse-square-root", "WSD"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(style=MEGATRON_STYLES, wsd_style=st.sampled_from(["exponential", "linear", "cosine", "minus_sqrt"]),
       warmup=st.integers(0, 30), decay=st.integers(31, 200), extra=st.integers(0, 50), batch=st.integers(1, 64),
       lr=st.floats(1e-5, 1.0), low_ratio=st.floats(0, 1), fraction=st.none() | st.floats(0.0, 0.1))
def test_megatron_random_flags_match_megatron_core(style, wsd_style, warmup, decay, extra, batch, lr, low_ratio,
                                                   fraction):
    pytest.importorskip("megatron.core.optimizer_param_scheduler")
    warm = f"--lr-warmup-fraction {fraction!r}" if fraction is not None else f"--lr-warmup-iters {warmup}"
    text = (f"--lr {lr!r} --min-lr {lr * low_ratio!r} --lr-decay-style {style} {warm} --train-iters {decay + extra} "
            f"--lr-decay-iters {decay} --global-batch-size {batch} --lr-wsd-decay-iters {decay // 3 + 1} "
            f"--lr-wsd-decay-style {wsd_style}")
    steps = decay + extra + 5
    reading = trainers.DIALECTS["megatron"].read(Content(text, "megatron"), {})
    assert_close(values_of(reading, steps), _script().run_megatron(text, steps), text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["WarmupLR", "WarmupDecayLR", "WarmupCosineLR"]), warmup=st.integers(1, 40),
       total=st.integers(1, 120), kind_of_warmup=st.sampled_from(["log", "linear"]), low=st.floats(0, 1e-4),
       high=st.floats(2e-4, 1.0), ratio=st.floats(0, 0.5))
def test_deepspeed_random_warmups_match_deepspeed(kind, warmup, total, kind_of_warmup, low, high, ratio):
    pytest.importorskip("deepspeed.runtime.lr_schedules")
    params = {"warmup_num_steps": warmup, "warmup_type": kind_of_warmup}
    if kind != "WarmupLR":
        params["total_num_steps"] = total
    if kind == "WarmupCosineLR":
        params.update(warmup_min_ratio=ratio, cos_min_ratio=ratio / 2)
    else:
        params.update(warmup_min_lr=low, warmup_max_lr=high)
    text = json.dumps({"optimizer": {"params": {"lr": high}}, "scheduler": {"type": kind, "params": params}})
    reading = trainers.DIALECTS["deepspeed"].read(Content(text, "ds", Path("ds.json")), {})
    assert_close(values_of(reading, total + 50), _script().run_deepspeed(text, total + 50), text)


# -- the registry --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", trainers.dialect_names())
def test_every_dialect_describes_itself_and_refuses_foreign_content(name):
    dialect = trainers.DIALECTS[name]
    assert dialect.reads and dialect.summary and dialect.name == name
    assert isinstance(dialect.detect(Content("just some words\n", "notes.txt", Path("notes.txt"))), str)


def test_detection_error_lists_every_dialect_and_why(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"model": "resnet50"}')
    with pytest.raises(SpecError) as info:
        trainers.read(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: not a training config lrsched knows; tried ")
    for name in trainers.dialect_names():
        assert f"{name} (" in message
    assert "--dialect NAME" in message


def test_unknown_dialect_suggests_the_closest():
    with pytest.raises(UsageError, match=r"unknown dialect 'deepspeedd'; did you mean 'deepspeed'\?; known: "):
        trainers.get("deepspeedd")


def test_unsupported_scheduler_type_names_the_supported_ones(tmp_path):
    path = tmp_path / "ds.json"
    path.write_text(json.dumps({"scheduler": {"type": "WarmupCosine", "params": {}}}))
    with pytest.raises(SpecError) as info:
        trainers.read(str(path))
    assert str(info.value) == (f"{path}: unsupported scheduler.type 'WarmupCosine'; did you mean 'WarmupCosineLR'?; "
                               "supported: WarmupLR, WarmupDecayLR, WarmupCosineLR, OneCycle, LRRangeTest")


def test_unknown_scheduler_parameter_is_refused_as_deepspeed_would(tmp_path):
    path = tmp_path / "ds.json"
    path.write_text(json.dumps({"scheduler": {"type": "WarmupLR", "params": {"warmup_num_step": 10}}}))
    with pytest.raises(SpecError, match="WarmupLR takes no 'warmup_num_step'; did you mean 'warmup_num_steps'"):
        trainers.read(str(path))


def test_malformed_json_gives_the_file_and_line(tmp_path):
    path = tmp_path / "ds_config.json"
    path.write_text('{\n  "train_batch_size": 32,\n  "scheduler": {"type": "WarmupLR",,}\n}\n')
    with pytest.raises(SpecError, match=rf"^{path}:3: not valid JSON: "):
        trainers.read(str(path))


def test_deepspeed_auto_values_are_named(tmp_path):
    path = tmp_path / "ds.json"
    path.write_text(json.dumps({"train_batch_size": "auto", "scheduler": {"type": "WarmupLR", "params": {}}}))
    with pytest.raises(SpecError, match="train_batch_size is 'auto', a value the Hugging Face Trainer fills in"):
        trainers.read(str(path))


def test_deepspeed_run_numbers_say_where_they_came_from():
    text = json.dumps({"train_batch_size": 256, "train_micro_batch_size_per_gpu": 8, "gradient_accumulation_steps": 4,
                       "optimizer": {"params": {"lr": 3e-4}},
                       "scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": 500}}})
    reading = trainers.DIALECTS["deepspeed"].read(Content(text, "ds.json", Path("ds.json")), {})
    assert reading.run == {"unit": "step", "batch_size": 8, "grad_accum": 4, "world_size": 8, "base_lr": 3e-4,
                           "steps": 500}
    assert reading.origins["world_size"].startswith("train_batch_size / (")
    assert reading.messages()[0].startswith("ds.json: read as deepspeed: batch_size 8 from train_micro_batch_size")


def test_one_cycle_momentum_is_modelled_not_warned():
    text = json.dumps({"scheduler": {"type": "OneCycle", "params": {"cycle_min_lr": 1e-4, "cycle_max_lr": 1e-3}}})
    reading = trainers.DIALECTS["deepspeed"].read(Content(text, "ds.json", Path("ds.json")), {})
    assert not reading.warnings and reading.schedule["momentum_field"] == "beta1"
    assert any("beta1" in note for note in reading.notes)


def test_command_line_base_lr_beats_the_files():
    params = {"total_num_steps": 10, "warmup_num_steps": 2}
    scheduler = {"type": "WarmupCosineLR", "params": params}
    text = json.dumps({"optimizer": {"params": {"lr": 1e-3}}, "scheduler": scheduler})
    reading = trainers.DIALECTS["deepspeed"].read(Content(text, "ds.json", Path("ds.json")), {"base_lr": 0.5})
    assert values_of(reading, 10).max() == pytest.approx(0.5)


# -- flags and shell scripts ---------------------------------------------------------------------

def test_shell_script_continuations_variables_and_flag_strings():
    script = ('#!/bin/bash\nLR=6e-4  # peak\nGPT_ARGS="--lr-decay-style cosine \\\n    --train-iters 500"\n'
              'torchrun --nproc_per_node 8 pretrain_gpt.py $GPT_ARGS \\\n  --lr $LR \\\n  --min-lr=6e-5 --fp16\n')
    flags = parse_flags(script, "train.sh")
    assert flags["--lr"] == ["6e-4"] and flags["--min-lr"] == ["6e-5"] and flags["--fp16"] == []
    assert flags["--lr-decay-style"] == ["cosine"] and flags["--train-iters"] == ["500"]


def test_an_unassigned_shell_variable_is_named():
    with pytest.raises(SpecError, match=r"^megatron: --lr is '\$PEAK', a shell variable the text does not assign"):
        trainers.read("megatron:--lr $PEAK --train-iters 10")


@given(st.lists(st.sampled_from(["--lr", "--train-iters", "--lr-decay-style", "1", "-1", ".5", "cosine", "x=1",
                                 "\\\n", "#", "'", "$A"]), max_size=12))
def test_flag_parsing_never_crashes(words):
    try:
        parse_flags(" ".join(words), "t")
    except SpecError as exc:
        assert str(exc).startswith("t: cannot split the command line")


def test_megatron_needs_a_run_length():
    with pytest.raises(SpecError, match="give --train-iters or --train-samples"):
        trainers.read("megatron:--lr 1e-3")


def test_megatron_rampup_is_a_warning():
    reading = trainers.read("megatron:--lr 1e-3 --train-iters 100 --global-batch-size 64 --rampup-batch-size 16 16 "
                            "1000")
    assert any("--rampup-batch-size" in w for w in reading.warnings)


# -- the command line ----------------------------------------------------------------------------

runner = CliRunner()
DS = {"optimizer": {"params": {"lr": 3e-4}},
      "scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": 40, "warmup_num_steps": 5,
                                                        "warmup_max_lr": 3e-4}}}


def _invoke(*args: str):
    return runner.invoke(app, list(args))


def test_cli_export_of_a_deepspeed_file(tmp_path):
    path = tmp_path / "ds_config.json"
    path.write_text(json.dumps(DS))
    result = _invoke("export", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "step,deepspeed:WarmupDecayLR" and len(lines) == 41
    assert "read as deepspeed" in result.stderr and "steps 40 from scheduler.params.total_num_steps" in result.stderr


def test_cli_steps_and_base_lr_from_the_command_line_win(tmp_path):
    path = tmp_path / "ds_config.json"
    path.write_text(json.dumps(DS))
    result = _invoke("export", "--steps", "7", str(path))
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 8


def test_cli_prefixed_flags_and_spec_and_config(tmp_path):
    text = "megatron:--lr 6e-4 --min-lr 6e-5 --lr-decay-style cosine --lr-warmup-iters 20 --train-iters 200"
    result = _invoke("export", text)
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 201
    path = tmp_path / "ds.json"
    path.write_text(json.dumps(DS))
    both = _invoke("export", "--steps", "50", "--spec", text, "--spec", str(path))
    assert both.exit_code == 0 and both.stdout.splitlines()[0] == "epoch,megatron:cosine,deepspeed:WarmupDecayLR"
    assert _invoke("export", "--config", str(path)).stdout == _invoke("export", str(path)).stdout


def test_cli_yaml_from_a_training_config_relative_to_the_yaml(tmp_path):
    (tmp_path / "ds.json").write_text(json.dumps(DS))
    (tmp_path / "runs.yaml").write_text("steps: 40\nschedules:\n  - {from: ds.json, label: ds}\n"
                                        "  - \"megatron:--lr 3e-4 --train-iters 40\"\n")
    result = _invoke("export", "--config", str(tmp_path / "runs.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "epoch,ds,megatron:linear"


def test_cli_bad_inputs_are_one_line_and_write_nothing(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"model": "x"}')
    out = tmp_path / "lr.csv"
    result = _invoke("export", str(path), "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr.count("\n") == 1 and "tried deepspeed (" in result.stderr
    forced = _invoke("export", str(path), "--dialect", "megatronn")
    assert forced.exit_code == 2 and "did you mean 'megatron'" in forced.stderr
    kind = _invoke("export", "--dialect", "megatron", "cosine", "--max-lr", "0.1")
    assert kind.exit_code == 2 and "--dialect names the dialect of a training config" in kind.stderr


def test_cli_list_dialects_comes_from_the_registry():
    result = _invoke("list", "--dialects")
    assert result.exit_code == 0
    for dialect in trainers.DIALECTS.values():
        assert dialect.name in result.stdout


# -- the gallery's training configs --------------------------------------------------------------

# mmengine's epoch-based configs need the dataset size: tests/test_trainers_mmengine.py renders them with it
TRAINER_CONFIGS = sorted(p for p in (ROOT / "configs" / "trainers").iterdir() if not p.name.startswith("mmengine_"))
EXPECTED_DIALECTS = {"ds_": "deepspeed", "pretrain_gpt": "megatron", "hf_": "hf-args", "trl_": "hf-args",
                     "timm_": "timm-args", "torchvision_": "torchvision", "detectron2_": "detectron2"}


@pytest.mark.parametrize("path", TRAINER_CONFIGS, ids=lambda p: p.name)
def test_every_gallery_config_is_detected_and_renders(path, tmp_path):
    dialect = next(d for prefix, d in EXPECTED_DIALECTS.items() if path.name.startswith(prefix))
    reading = trainers.read(str(path))
    assert reading.dialect == dialect and reading.run["steps"] >= 1
    result = _invoke("plot", str(path), "-o", str(tmp_path / "lr.svg"))
    assert result.exit_code == 0, result.output
    assert f"read as {dialect}" in result.stderr


def test_detectron2_base_files_merge_under_the_file():
    reading = trainers.read(str(ROOT / "configs" / "trainers" / "detectron2_mask_rcnn_3x.yaml"))
    assert reading.run["base_lr"] == 0.02 and reading.run["steps"] == 270000  # BASE_LR from the base file
    values = values_of(reading, 270000)
    assert values[209999] == pytest.approx(0.02) and values[210000] == pytest.approx(0.002)  # STEPS as a string
    assert values[0] == pytest.approx(0.02 / 1000)  # the default linear warmup from WARMUP_FACTOR


def test_detectron2_missing_base_is_named(tmp_path):
    path = tmp_path / "child.yaml"
    path.write_text('_BASE_: "nowhere.yaml"\nSOLVER:\n  MAX_ITER: 10\n')
    with pytest.raises(SpecError, match=r"_BASE_ 'nowhere.yaml': cannot read .*nowhere.yaml"):
        trainers.read(str(path))


def test_megatron_script_reads_assignments_and_flag_variables():
    reading = trainers.read(str(ROOT / "configs" / "trainers" / "pretrain_gpt_wsd.sh"))
    assert reading.run["steps"] == 48828125 // 1024 and reading.run["samples"] == 48828125
    assert reading.schedule["G"] == 1024.0 and reading.schedule["label"] == "megatron:WSD"


def test_timm_numbers_written_as_text_are_read_as_argparse_reads_them():
    text = "sched: step\nepochs: '10'\nlr: '1e-2'\ndecay_epochs: 3\nwarmup_epochs: 0\nmin_lr: 1e-6\n"
    reading = trainers.DIALECTS["timm-args"].read(Content(text, "args.yaml", Path("args.yaml")), {})
    assert reading.run["base_lr"] == 0.01 and reading.run["steps"] == 10


def test_hf_5x_rejects_nothing_it_reads_and_4x_ratio_is_noted():
    reading = trainers.read(str(ROOT / "configs" / "trainers" / "hf_training_args.json"))
    assert any("4.x" in note for note in reading.notes)
    values = values_of(reading, 1800)
    assert values[53] < values[54] == pytest.approx(2e-5)  # the warmup ends at ceil(1800 x 0.03) = 54


# -- hostile content: every failure is one LrschedError, never a crash ----------------------------

KEYS = ["scheduler", "optimizer", "train_batch_size", "train_micro_batch_size_per_gpu", "learning_rate",
        "lr_scheduler_type", "warmup_steps", "warmup_ratio", "max_steps", "lr_scheduler_kwargs", "sched", "epochs",
        "lr", "min_lr", "warmup_epochs", "decay_milestones", "SOLVER", "_BASE_"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(["cosine", "auto", "1e-3", "(1, 2)", "WarmupLR", "linear", "", "x"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["type", "params", "lr", "total_num_steps", "warmup_num_steps", "cycle_min_lr", "cycle_max_lr",
                     "BASE_LR", "MAX_ITER", "STEPS", "LR_SCHEDULER_NAME", "min_lr_rate"]), inner, max_size=4),
    max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5), suffix=st.sampled_from([".json", ".yaml"]))
def test_hostile_configs_are_refused_in_one_line(data, suffix):
    from lrsched_cli.errors import LrschedError

    text = json.dumps(data)
    try:
        reading = trainers.read_content(Content(text, "c" + suffix, Path("c" + suffix)))
        values_of(reading, min(int(reading.run.get("steps", 100)), 300))
    except LrschedError as exc:
        assert "\n" not in str(exc) and str(exc)


FLAG_WORDS = st.sampled_from(["--lr", "--min-lr", "--train-iters", "--train-samples", "--lr-decay-style",
                              "--lr-decay-iters", "--lr-warmup-iters", "--lr-warmup-fraction", "--global-batch-size",
                              "--lr-wsd-decay-iters",
                              "--lr-scheduler", "--lr-warmup-epochs", "--epochs", "--lr-steps", "--lr-gamma",
                              "0", "1", "-1", "1e-3", "0.5", "100", "cosine", "WSD", "steplr", "multisteplr", "x"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(FLAG_WORDS, max_size=14), dialect=st.sampled_from(["megatron", "torchvision"]))
def test_hostile_flags_are_refused_in_one_line(words, dialect):
    from lrsched_cli.errors import LrschedError

    try:
        reading = trainers.read(f"{dialect}:{' '.join(words)}")
        values_of(reading, min(int(reading.run.get("steps", 100)), 300))
    except LrschedError as exc:
        assert "\n" not in str(exc) and str(exc)


@pytest.mark.parametrize("name", trainers.dialect_names())
def test_cli_describe_a_dialect(name):
    result = _invoke("describe", name)
    assert result.exit_code == 0 and name in result.stdout
    assert all(other not in result.stdout.split() for other in trainers.dialect_names() if other != name)


def test_cli_a_run_value_breaking_its_rule_names_the_key():
    result = _invoke("export", "torchvision:--epochs 0 --lr 0.1")
    assert result.exit_code == 2
    assert "error: torchvision: steps must be an integer >= 1 (received 0 from --epochs)" in result.stderr
