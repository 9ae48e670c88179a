"""`export --to DIALECT`: every trainer dialect with a writer, for schedules of every kind, writes a
fragment that its reader reads back to lrsched's values (1e-12), or refuses in one line; in the
framework stage the real trainer (deepspeed, megatron-core, transformers) runs the fragment."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lrsched_cli import trainers
from lrsched_cli.cli import app
from lrsched_cli.core.engine import build, evaluate, evaluate_series
from lrsched_cli.frameworks.codegen import CodegenError
from lrsched_cli.trainers.base import Content
from test_trainers import _script, assert_close

STEPS = 120
WRITERS = [name for name, dialect in trainers.DIALECTS.items() if dialect.write is not None]

#: Schedules of each kind (with and without warmup), as a user exports them over STEPS updates.
SCHEDULES = {
    "constant": {"kind": "constant", "max_lr": 0.1},
    "constant_warmup": {"kind": "constant", "max_lr": 0.1, "warmup_steps": 10, "warmup_start_lr": 0.01},
    "linear": {"kind": "linear", "max_lr": 0.1, "start_factor": 1.0, "end_factor": 0.0, "total_iters": STEPS - 10,
               "warmup_steps": 10},
    "linear_to_floor": {"kind": "linear", "max_lr": 0.1, "start_factor": 1.0, "end_factor": 0.1, "total_iters": 60},
    "polynomial": {"kind": "polynomial", "max_lr": 0.1, "min_lr": 0.001, "max_update": STEPS - 20, "warmup_steps": 20},
    "polynomial_square": {"kind": "polynomial", "max_lr": 0.1, "power": 2.0, "max_update": STEPS},
    "cosine": {"kind": "cosine", "max_lr": 6e-4},
    "cosine_warmup": {"kind": "cosine", "max_lr": 6e-4, "min_lr": 6e-5, "warmup_steps": 20},
    "cosine_warmup_cosine": {"kind": "cosine", "max_lr": 6e-4, "warmup_steps": 20, "warmup_shape": "cosine"},
    "cosine_restarts": {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 30, "cycle_limit": 4},
    "step": {"kind": "step", "max_lr": 0.1, "step_size": 30, "gamma": 0.5},
    "multistep": {"kind": "multistep", "max_lr": 0.1, "milestones": [40, 80]},
    "exponential": {"kind": "exponential", "max_lr": 0.1, "gamma": 0.97},
    "inverse_sqrt": {"kind": "inverse_sqrt", "max_lr": 1e-3, "warmup_steps": 16},
    "wsd": {"kind": "wsd", "max_lr": 3e-4, "decay_steps": 24, "warmup_steps": 12, "decay_type": "linear"},
    "wsd_sqrt": {"kind": "wsd", "max_lr": 3e-4, "min_lr": 3e-5, "decay_steps": 24, "warmup_steps": 12,
                 "warmup_start_lr": 3e-5, "decay_type": "1-sqrt"},
    "onecycle": {"kind": "onecycle", "max_lr": 0.1},
    "cosine_warmup_epochs": {"kind": "cosine", "max_lr": 0.5, "warmup_steps": 5, "warmup_start_lr": 0.005},
    "triangle": {"kind": "polynomial", "max_lr": 0.1, "min_lr": 0.01, "warmup_steps": 50, "warmup_start_lr": 0.01,
                 "max_update": 60},
    "cyclic_once": {"kind": "cyclic", "min_lr": 0.01, "max_lr": 0.1, "step_size_up": 50, "step_size_down": 69,
                    "cycle_momentum": False},
    "ds_warmup": {"kind": "sequence", "max_lr": 0.1, "phases": [
        {"kind": "constant", "max_lr": 0.01, "steps": 1},
        {"kind": "constant", "warmup_steps": 10, "warmup_start_lr": 0.01}]},
    "ds_warmup_decay": {"kind": "sequence", "max_lr": 0.1, "phases": [
        {"kind": "constant", "max_lr": 0.01, "steps": 1},
        {"kind": "polynomial", "warmup_steps": 10, "warmup_start_lr": 0.01, "min_lr": 0.01, "max_update": 90}]},
}

#: What each writer must write (the rest it may refuse); a new writer adds its row.
MUST_WRITE = {
    "deepspeed": {"constant", "triangle", "cyclic_once", "ds_warmup", "ds_warmup_decay"},
    "megatron": {"constant", "constant_warmup", "linear", "linear_to_floor", "polynomial", "cosine",
                 "cosine_warmup", "inverse_sqrt", "wsd", "wsd_sqrt"},
    "hf-args": {"constant", "linear", "cosine", "cosine_warmup", "cosine_restarts", "inverse_sqrt", "wsd"},
    "torchvision": {"step", "exponential", "cosine", "cosine_warmup_epochs"},
}


def written(dialect: str, case: str) -> str | None:
    """The fragment, or None when the writer refuses (in one line naming the dialect)."""
    schedule = build(SCHEDULES[case], STEPS)
    try:
        return trainers.DIALECTS[dialect].write(schedule, STEPS)
    except CodegenError as exc:
        message = str(exc)
        assert message.startswith(f"{dialect}: ") and "\n" not in message and "holds" in message, message
        return None


def read_back(dialect: str, text: str) -> dict:
    reading = trainers.DIALECTS[dialect].read(Content(text, "fragment"), {})
    return evaluate_series(build(reading.schedule, STEPS), STEPS)


@pytest.mark.parametrize("dialect", WRITERS)
@pytest.mark.parametrize("case", SCHEDULES)
def test_a_written_fragment_reads_back_to_the_schedule(dialect, case):
    text = written(dialect, case)
    if text is None:
        assert case not in MUST_WRITE.get(dialect, set()), f"{dialect} refused {case}"
        return
    expected = evaluate_series(build(SCHEDULES[case], STEPS), STEPS)
    actual = read_back(dialect, text)
    assert set(actual) == set(expected), text
    for name in expected:
        assert_close(actual[name], expected[name], f"{dialect} {case} {name}: {text}")


@pytest.mark.parametrize("dialect", WRITERS)
def test_every_writer_writes_something(dialect):
    assert any(written(dialect, case) is not None for case in SCHEDULES)


def test_the_refusals_say_what_the_format_holds():
    with pytest.raises(CodegenError, match=r"^deepspeed: the nearest fragment differs \(lr at step 1: "):
        trainers.DIALECTS["deepspeed"].write(build(SCHEDULES["cosine_warmup"], STEPS), STEPS)
    with pytest.raises(CodegenError, match="^megatron: no megatron fragment fits this step schedule; it holds"):
        trainers.DIALECTS["megatron"].write(build(SCHEDULES["step"], STEPS), STEPS)
    with pytest.raises(CodegenError, match="export with --steps 60"):
        trainers.DIALECTS["hf-args"].write(build(SCHEDULES["linear_to_floor"] | {"end_factor": 0.0}, STEPS), STEPS)


# -- the real trainers run the fragments (framework stage) ------------------------------------------

def _real(dialect: str, text: str) -> list[float]:
    script = _script()
    if dialect == "megatron":  # lengths in iterations do not depend on the batch: run it with one
        return script.run_megatron(text.strip() + " --global-batch-size 8", STEPS)
    return script.real_values(dialect, text, STEPS)


REAL = {"deepspeed": "deepspeed.runtime.lr_schedules", "megatron": "megatron.core.optimizer_param_scheduler",
        "hf-args": "transformers", "torchvision": "torch"}


@pytest.mark.parametrize("dialect", sorted(REAL))
def test_the_real_trainer_runs_the_fragment_as_lrsched_computes(dialect):
    pytest.importorskip(REAL[dialect])
    checked = 0
    for case in SCHEDULES:
        text = written(dialect, case)
        if text is None or (dialect == "deepspeed" and "scheduler" not in json.loads(text)):
            continue  # a constant fragment has no scheduler to run
        assert_close(_real(dialect, text), evaluate(build(SCHEDULES[case], STEPS), STEPS), f"{case}: {text}")
        checked += 1
    assert checked >= len(MUST_WRITE[dialect]) - 1


# -- the command line -----------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_export_to_a_dialect_prints_the_fragment_and_writes_it_whole(tmp_path):
    args = ["export", "cosine", "--max-lr", "6e-4", "--min-lr", "6e-5", "--warmup-steps", "20", "--steps", "100"]
    result = run(*args, "--to", "megatron")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("--lr 0.0006 --min-lr 6e-05 --lr-decay-style cosine --lr-warmup-iters 20 "
                             "--lr-decay-iters 100 --train-iters 100\n")
    out = tmp_path / "args.json"
    result = run(*args, "--to", "hf-args", "-o", out)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == {"learning_rate": 6e-4, "lr_scheduler_type": "cosine_with_min_lr",
                                           "warmup_steps": 20, "max_steps": 100,
                                           "lr_scheduler_kwargs": {"min_lr": 6e-5}}
    assert f"wrote a hf-args config fragment to {out}" in result.stderr
    np.testing.assert_allclose(evaluate(build(trainers.read(str(out)).schedule, 100), 100),
                               evaluate(build({"kind": "cosine", "max_lr": 6e-4, "min_lr": 6e-5, "warmup_steps": 20},
                                              100), 100), rtol=1e-12)


def test_export_to_a_dialect_refuses_in_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "ds.json"
    result = run("export", "step", "--max-lr", "0.1", "--step-size", "10", "--to", "deepspeed", "-o", out)
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr.startswith("error: deepspeed: ") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("target,message", [
    ("deepsped", "(received 'deepsped'); did you mean 'deepspeed'?"),
    ("detectron2", "does not write them"),
])
def test_export_to_an_unknown_or_read_only_dialect(target, message):
    result = run("export", "cosine", "--max-lr", "0.1", "--to", target)
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert all(name in result.stderr for name in WRITERS)


def test_export_to_a_dialect_takes_one_schedule():
    result = run("export", "--spec", "cosine:max_lr=0.1", "--spec", "constant:max_lr=0.1", "--to", "megatron")
    assert result.exit_code == 2 and "writes one trainer config" in result.stderr


@pytest.mark.parametrize("name", trainers.dialect_names())
def test_describe_says_whether_a_dialect_is_written(name):
    from rich.console import Console

    from lrsched_cli.cli.explore import dialects_table

    assert run("describe", name).exit_code == 0
    console = Console(width=1000, record=True, file=io.StringIO())
    console.print(dialects_table(name))
    assert ("(written: export --to)" in console.export_text()) == (name in WRITERS)


def test_fit_writes_the_best_candidate_as_a_trainer_config(tmp_path):
    log = tmp_path / "lr.csv"
    values = evaluate(build(SCHEDULES["cosine_warmup"], STEPS), STEPS)
    log.write_text("step,lr\n" + "".join(f"{t},{float(v)!r}\n" for t, v in enumerate(values)))
    result = run("fit", log, "--to", "megatron", "--top", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("--lr-decay-iters 120 --train-iters 120")
