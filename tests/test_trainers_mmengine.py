"""The mmengine dialect (lrsched_cli.trainers.mmengine): configs read with ast and merged with their
_base_ files, proved against the real mmengine's schedulers (the `mmengine` cases of
tests/golden/trainers_golden.json, made by scripts/make_trainer_golden.py), its refusals, its
writer read back, and the gallery's configs end to end."""
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
from lrsched_cli.errors import SpecError
from lrsched_cli.frameworks.codegen import CodegenError

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests" / "golden" / "trainers_golden.json").read_text())["mmengine"]
RTOL = 1e-12
DIALECT = trainers.get("mmengine")


def _script():
    spec = importlib.util.spec_from_file_location("make_trainer_golden", ROOT / "scripts" / "make_trainer_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mmengine():
    """The golden script, with the real mmengine (in the framework stage a missing one fails: conftest.py)."""
    pytest.importorskip("mmengine.optim.scheduler")
    pytest.importorskip("torch")
    return _script()


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder / next(iter(files))


def _values(path: Path, steps: int, per_epoch: int | None = None) -> np.ndarray:
    reading = trainers.read(str(path), overrides={"steps_per_epoch": per_epoch} if per_epoch else {})
    return evaluate(build(reading.schedule, steps), steps)


def assert_close(actual, expected, context: str) -> None:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, context
    bad = np.flatnonzero(~np.isclose(actual, expected, rtol=RTOL, atol=1e-300))
    assert bad.size == 0, f"{context}: step {bad[0]}: lrsched {actual[bad[0]]!r}, mmengine {expected[bad[0]]!r}"


def _config(schedulers: str, loop: str = "dict(type='IterBasedTrainLoop', max_iters=100)", lr: float = 0.1) -> str:
    return (f"optim_wrapper = dict(optimizer=dict(type='SGD', lr={lr!r}))\nparam_scheduler = {schedulers}\n"
            f"train_cfg = {loop}\n")


# -- golden values from the real mmengine -------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_reading_matches_the_real_mmengine(case, tmp_path):
    path = _write(tmp_path, case["files"])
    assert_close(_values(path, case["steps"], case["per_epoch"]), case["values"], case["id"])


def test_fixture_matches_the_installed_mmengine():
    script = _mmengine()
    for case in CASES:
        assert_close(script.run_mmengine(case["files"], case["per_epoch"], case["steps"]), case["values"], case["id"])


def test_the_golden_cases_cover_every_scheduler_type():
    text = "".join(text for case in CASES for text in case["files"].values())
    from lrsched_cli.trainers.mmengine import PARAMS

    assert all(kind in text for kind in PARAMS)
    assert "_base_" in text and "_delete_" in text and "convert_to_iter_based" in text and "eta_min_ratio" in text


MULTIPLYING = st.one_of(
    st.builds(lambda f, e: f"dict(type='LinearLR', start_factor={f!r}, by_epoch=False, end={e})",
              st.sampled_from([0.001, 0.1, 0.5]), st.integers(1, 40)),
    st.builds(lambda f, b, e: f"dict(type='ConstantLR', factor={f!r}, by_epoch=False, begin={b}, end={b + e})",
              st.sampled_from([0.25, 0.5]), st.integers(0, 30), st.integers(1, 30)),
    st.builds(lambda s, g, e: f"dict(type='StepLR', step_size={s}, gamma={g!r}, end={e})",
              st.integers(1, 4), st.sampled_from([0.5, 0.9]), st.integers(1, 12)),
    st.builds(lambda m, g: f"dict(type='MultiStepLR', milestones={sorted(m)}, gamma={g!r})",
              st.lists(st.integers(0, 11), max_size=3), st.sampled_from([0.1, 0.5])),
    st.builds(lambda g, b: f"dict(type='ExponentialLR', gamma={g!r}, by_epoch=False, begin={b})",
              st.sampled_from([0.97, 0.99]), st.integers(0, 11)),
    st.builds(lambda b, c: f"dict(type='CosineAnnealingLR', by_epoch=True, begin={b}, convert_to_iter_based={c})",
              st.integers(0, 5), st.booleans()),
    st.builds(lambda p, b: f"dict(type='PolyLR', power={p!r}, by_epoch=False, begin={b})",
              st.sampled_from([1.0, 2.0]), st.integers(0, 11)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(MULTIPLYING, min_size=1, max_size=4), st.integers(1, 9))
def test_random_scheduler_lists_match_the_real_mmengine(tmp_path, schedulers, per_epoch):
    """Any list of the multiplying schedulers, on both clocks, all active at once."""
    script = _mmengine()
    files = {"random.py": _config(f"[{', '.join(schedulers)}]", "dict(type='EpochBasedTrainLoop', max_epochs=12)")}
    steps = 12 * per_epoch
    expected = script.run_mmengine(files, per_epoch, steps)
    assert_close(_values(_write(tmp_path, files), steps, per_epoch), expected, str(schedulers))


# -- reading configs: ast, names, arithmetic, _base_ -------------------------------------------

def test_names_arithmetic_and_base_names(tmp_path):
    files = {"main.py": "_base_ = 'base.py'\nlr = base_lr * 2 ** -1 + 0 // 3 % 2\nwarm = dict(**common, end=iters)\n"
                        "optim_wrapper = dict(optimizer=dict(lr=lr))\nparam_scheduler = [warm]\n",
             "base.py": "base_lr = 0.4\niters = 10\ncommon = dict(type='LinearLR', by_epoch=False, start_factor=0.5)\n"
                        "optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=9.0))\n"
                        "train_cfg = dict(type='IterBasedTrainLoop', max_iters=tuple([20])[0])\n"}
    with pytest.raises(SpecError, match=r"base.py:5: a subscript"):
        trainers.read(str(_write(tmp_path, files)))
    files["base.py"] = files["base.py"].replace("tuple([20])[0]", "int(20)")
    with pytest.raises(SpecError, match=r"base.py:5: a call of int is not read"):
        trainers.read(str(_write(tmp_path, files)))
    files["base.py"] = files["base.py"].replace("int(20)", "2 * iters")
    reading = trainers.read(str(_write(tmp_path, files)))
    assert reading.run["base_lr"] == 0.2 and reading.run["max_steps"] == 20
    values = evaluate(build(reading.schedule, 20), 20)
    assert values[0] == pytest.approx(0.1) and values[9] == pytest.approx(0.2) and values[19] == pytest.approx(0.2)


@pytest.mark.parametrize("line, message", [
    ("lr = float('0.1')", r":2: a call of float is not read"),
    ("import numpy as np\nlr = np.pi", r":3: an attribute \(np.pi\) is not read"),
    ("from math import pi\nlr = pi", r":3: 'pi' is imported; lrsched imports nothing"),
    ("lr = [x for x in (1, 2)]", r":2: a comprehension"),
    ("lr = undefined_name", r":2: 'undefined_name' is not assigned above"),
    ("lr = 'a' - 1", r":2: cannot compute 'a' - 1"),
    ("lr = 10 ** 10 ** 10", r":2: .* is too large a number"),
    ("if True:\n    lr = 1", r":2: a if statement is not read"),
    ("lr = (", r":2: not valid Python"),
])
def test_anything_but_data_names_the_line(tmp_path, line, message):
    path = tmp_path / "bad.py"
    path.write_text("optim_wrapper = dict(optimizer=dict(lr=0.1))\n" + line + "\n")
    with pytest.raises(SpecError, match=message):
        trainers.read(str(path))


def test_a_missing_base_file_is_named(tmp_path):
    path = tmp_path / "main.py"
    path.write_text("_base_ = ['../_base_/schedules/schedule_1x.py']\noptim_wrapper = dict(optimizer=dict(lr=0.1))\n")
    with pytest.raises(SpecError, match=r"main.py: _base_ '../_base_/schedules/schedule_1x.py': cannot read"):
        trainers.read(str(path))


def test_a_base_cycle_is_named(tmp_path):
    _write(tmp_path, {"a.py": "_base_ = 'b.py'\nparam_scheduler = []\n", "b.py": "_base_ = ['a.py']\nx = 1\n"})
    with pytest.raises(SpecError, match=r"makes a cycle: a.py -> b.py -> a.py"):
        trainers.read(str(tmp_path / "a.py"))


def test_two_bases_setting_one_key_are_refused_as_mmengine_does(tmp_path):
    _write(tmp_path, {"a.py": "_base_ = ['b.py', 'c.py']\n", "b.py": "lr = 1\n", "c.py": "lr = 2\n"})
    with pytest.raises(SpecError, match=r"_base_ files both set lr"):
        trainers.read(str(tmp_path / "a.py"), dialect="mmengine")


def test_delete_replaces_the_base_dict(tmp_path):
    from lrsched_cli.trainers.base import Content
    from lrsched_cli.trainers.mmengine import load

    _write(tmp_path, {"b.py": "o = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9), clip=1)\n",
                      "a.py": "_base_ = 'b.py'\no = dict(optimizer=dict(_delete_=True, type='AdamW', lr=0.001))\n"})
    path = tmp_path / "a.py"
    merged = load(Content(path.read_text(), str(path), path))
    assert merged["o"] == {"optimizer": {"type": "AdamW", "lr": 0.001}, "clip": 1}


# -- bad schedulers ----------------------------------------------------------------------------

def test_an_unknown_scheduler_type_names_the_supported_ones(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(_config("[dict(type='CosineAnealingLR', by_epoch=False)]"))
    with pytest.raises(SpecError, match=r"unsupported param_scheduler\[0\].type 'CosineAnealingLR'.*"
                                        r"did you mean 'CosineAnnealingLR'.*supported: ConstantLR, LinearLR"):
        trainers.read(str(path))


def test_an_unknown_parameter_is_refused_with_the_closest(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(_config("dict(type='LinearLR', start_factr=0.1, by_epoch=False)"))
    with pytest.raises(SpecError, match=r"LinearLR takes no 'start_factr'.*did you mean 'start_factor'"):
        trainers.read(str(path))


def test_a_per_iteration_scheduler_needs_the_iterations_per_epoch(tmp_path):
    path = tmp_path / "cls.py"
    path.write_text(_config("dict(type='CosineAnnealingLR', by_epoch=True, convert_to_iter_based=True)",
                            "dict(type='EpochBasedTrainLoop', max_epochs=100)"))
    with pytest.raises(SpecError, match=r"needs the iterations per epoch: give --steps-per-epoch N, or "
                                        r"--dataset-size N"):
        trainers.read(str(path))
    reading = trainers.read(str(path), overrides={"dataset_size": 1000, "batch_size": 32, "world_size": 4})
    assert reading.run["steps_per_epoch"] == 8  # ceil(1000 / (32 x 4))


def test_by_epoch_under_an_iteration_loop_is_refused(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(_config("dict(type='StepLR', step_size=3)"))
    with pytest.raises(SpecError, match=r"by_epoch defaults to True\) under an IterBasedTrainLoop"):
        trainers.read(str(path))


def test_a_floor_scheduler_overlapping_another_is_refused(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(_config("[dict(type='LinearLR', start_factor=0.1, by_epoch=False, end=30), "
                            "dict(type='CosineAnnealingLR', eta_min=0.001, by_epoch=False)]"))
    with pytest.raises(SpecError, match=r"both change the lr at step 1"):
        trainers.read(str(path))


def test_momentum_schedulers_are_warnings(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(_config("[dict(type='CosineAnnealingMomentum', by_epoch=False), "
                            "dict(type='ExponentialLR', gamma=0.9, by_epoch=False)]"))
    reading = trainers.read(str(path))
    assert any("CosineAnnealingMomentum" in w for w in reading.warnings)


# -- the writer --------------------------------------------------------------------------------

WRITABLE = [
    ({"kind": "constant", "max_lr": 0.1}, 50),
    ({"kind": "step", "max_lr": 0.1, "step_size": 7, "gamma": 0.5}, 50),
    ({"kind": "multistep", "max_lr": 0.2, "milestones": [10, 30, 30], "gamma": 0.1}, 50),
    ({"kind": "exponential", "max_lr": 0.1, "gamma": 0.95}, 50),
    ({"kind": "linear", "max_lr": 0.1, "start_factor": 0.1, "end_factor": 0.9, "total_iters": 20}, 50),
    ({"kind": "polynomial", "max_lr": 0.1, "max_update": 40, "power": 2.0, "min_lr": 0.001}, 50),
    ({"kind": "polynomial", "max_lr": 0.1, "max_update": 60, "power": 1.0}, 50),
    ({"kind": "cosine", "max_lr": 0.1, "cycle_length": 50, "min_lr": 1e-4}, 50),
    ({"kind": "cosine", "max_lr": 0.1, "min_lr": 1e-5, "warmup_steps": 10, "warmup_start_lr": 1e-4}, 60),
    ({"kind": "cosine", "max_lr": 0.1, "warmup_steps": 10, "warmup_start_lr": 0.001}, 60),
    ({"kind": "onecycle", "max_lr": 0.1, "total_steps": 50, "pct_start": 0.25, "cycle_momentum": False}, 50),
    ({"kind": "onecycle", "max_lr": 0.1, "total_steps": 40, "anneal_strategy": "linear", "three_phase": True,
      "cycle_momentum": False}, 40),
]


def _written(mapping: dict, steps: int, tmp_path: Path) -> tuple[Path, np.ndarray]:
    schedule = build(mapping, steps)
    path = tmp_path / "written.py"
    path.write_text(DIALECT.write(schedule, steps))
    return path, evaluate(schedule, steps)


@pytest.mark.parametrize("mapping, steps", WRITABLE, ids=lambda v: str(v)[:40])
def test_every_written_fragment_reads_back_to_the_schedule(mapping, steps, tmp_path):
    path, expected = _written(mapping, steps, tmp_path)
    reading = trainers.read(str(path))
    assert reading.dialect == "mmengine" and reading.run["max_steps"] == steps
    assert_close(evaluate(build(reading.schedule, steps), steps), expected, path.read_text())


@pytest.mark.parametrize("mapping, steps", WRITABLE, ids=lambda v: str(v)[:40])
def test_every_written_fragment_runs_in_the_real_mmengine(mapping, steps, tmp_path):
    script = _mmengine()
    path, expected = _written(mapping, steps, tmp_path)
    assert_close(script.run_mmengine({"w.py": path.read_text()}, None, steps), expected, path.read_text())


@pytest.mark.parametrize("mapping, reason", [
    ({"kind": "tanh", "max_lr": 0.1}, r"mmengine has no scheduler for tanh"),
    ({"kind": "cosine", "max_lr": 0.1, "warmup_steps": 5, "warmup_shape": "cosine"}, r"warmup_shape cosine"),
    ({"kind": "step", "max_lr": 0.1, "step_size": 5, "warmup_steps": 5}, r"a warmup before step"),
    ({"kind": "cosine", "max_lr": 0.1, "warmup_steps": 5}, r"a warmup from 0"),
    ({"kind": "cosine", "max_lr": 0.1, "cycle_length": 20, "past_end": "hold"}, r"past_end='hold'"),
    ({"kind": "linear", "max_lr": 0.1, "start_factor": 0.0}, r"start_factor above 0"),
    ({"kind": "onecycle", "max_lr": 0.1, "total_steps": 50}, r"^mmengine: .*cycle_momentum=false; it holds "),
])
def test_what_mmengine_cannot_hold_is_refused_in_one_line(mapping, reason):
    with pytest.raises(CodegenError, match=reason):
        DIALECT.write(build(mapping, 50), 50)


# -- the gallery configs and the command line ----------------------------------------------------

GALLERY = sorted((ROOT / "configs" / "trainers").glob("mmengine_*.py"))
RUNS = {"mmengine_faster_rcnn_1x.py": ["--dataset-size", "117266", "--world-size", "8"],
        "mmengine_resnet50_cosine.py": ["--dataset-size", "1281167", "--world-size", "8"],
        "mmengine_schedule_1x.py": ["--steps-per-epoch", "7330"]}
runner = CliRunner()


def test_the_gallery_has_both_configs():
    assert [p.name for p in GALLERY] == sorted(RUNS)


@pytest.mark.parametrize("path", GALLERY, ids=lambda p: p.name)
def test_gallery_configs_render_with_their_run(path, tmp_path):
    result = runner.invoke(app, ["plot", str(path), *RUNS[path.name], "-o", str(tmp_path / "lr.svg")])
    assert result.exit_code == 0, result.output
    assert "read as mmengine" in result.stderr and (tmp_path / "lr.svg").stat().st_size > 0


def test_gallery_detection_config_numbers():
    path = ROOT / "configs" / "trainers" / "mmengine_faster_rcnn_1x.py"
    reading = trainers.read(str(path), overrides={"dataset_size": 117266, "world_size": 8})
    per_epoch = -(-117266 // 16)  # batch 2 per device, 8 devices
    assert reading.run["base_lr"] == 0.02 and reading.run["steps_per_epoch"] == per_epoch
    steps = 12 * per_epoch
    values = evaluate(build(reading.schedule, steps), steps)
    assert values[0] == pytest.approx(0.02 * 0.001) and values[500] == pytest.approx(0.02)
    assert values[8 * per_epoch - 1] == pytest.approx(0.02) and values[8 * per_epoch] == pytest.approx(0.002)
    assert values[-1] == pytest.approx(0.0002)


def test_cli_without_the_dataset_size_is_one_line_exit_2(tmp_path):
    path = ROOT / "configs" / "trainers" / "mmengine_resnet50_cosine.py"
    result = runner.invoke(app, ["plot", str(path), "-o", str(tmp_path / "lr.svg")])
    assert result.exit_code == 2 and "--steps-per-epoch" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "lr.svg").exists()


def test_list_dialects_names_mmengine_and_its_keys():
    result = runner.invoke(app, ["list", "--dialects"])
    assert result.exit_code == 0 and "mmengine" in result.stdout and "param_scheduler" in result.stdout
