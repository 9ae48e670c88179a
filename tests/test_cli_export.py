"""`lrsched export`: values, formats, exit codes and messages."""
from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.engine import evaluate_mapping

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def read_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], np.array([[float(x) for x in row] for row in rows[1:]])


def test_export_csv_to_stdout_reads_back_bit_exact():
    result = run("export", "cosine", "--max-lr", "0.1", "--cycle-length", "7.5", "--steps", "40", "--no-lint")
    assert result.exit_code == 0, result.output
    header, data = read_csv(result.stdout)
    assert header == ["epoch", "cosine"]
    assert data[:, 0].tolist() == list(range(40))
    expected = evaluate_mapping({"kind": "cosine", "max_lr": 0.1, "cycle_length": 7.5}, 40)
    assert np.array_equal(data[:, 1], expected)  # bit-exact round trip
    assert result.stderr == ""


def test_export_unit_step_and_label():
    result = run("export", "step", "--max-lr", "1", "--step-size", "2", "--unit", "step", "--label", "my lr",
                 "-n", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["step,my lr", "0,1.0", "1,1.0", "2,0.1"]


def test_export_json_carries_kind_and_full_parameters():
    result = run("export", "step", "--max-lr", "1", "--step-size", "2", "-n", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["unit"] == "epoch" and doc["steps"] == 3
    (schedule,) = doc["schedules"]
    assert schedule["kind"] == "step" and schedule["gamma"] == 0.1 and schedule["warmup_steps"] == 0
    assert schedule["values"] == [1.0, 1.0, 0.1]


def test_export_writes_a_file_and_says_so(tmp_path):
    out = tmp_path / "cos.csv"
    result = run("export", "cosine", "--max-lr", "0.1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("epoch,cosine\n0,0.1\n")
    assert len(out.read_text().splitlines()) == 101
    assert f"to {out}" in result.stderr and result.stdout == ""


def test_export_json_suffix_picks_json(tmp_path):
    out = tmp_path / "cos.json"
    assert run("export", "constant", "--max-lr", "0.1", "-n", "2", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["schedules"][0]["values"] == [0.1, 0.1]


def test_export_expr_with_vars():
    result = run("export", "expr", "--expr", "max_lr * gamma**t", "--max-lr", "0.1", "--var", "gamma=0.5",
                 "-n", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["0,0.1", "1,0.05", "2,0.025"]


def test_export_config(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("steps: 4\nunit: step\nschedules:\n"
                      "  - {kind: step, max_lr: 1, step_size: 2}\n"
                      "  - {kind: step, max_lr: 2, step_size: 1, gamma: 0.5}\n"
                      "  - {kind: constant, max_lr: 1e-3, label: flat}\n")
    result = run("export", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "step,step,step-2,flat", "0,1.0,2.0,0.001", "1,1.0,1.0,0.001", "2,0.1,0.5,0.001", "3,0.1,0.25,0.001"]
    again = run("export", "--config", str(config), "--steps", "2")
    assert len(again.stdout.splitlines()) == 3


@pytest.mark.parametrize("args,message", [
    (["export", "cosin"], "error: unknown kind 'cosin'; did you mean 'cosine'? see 'lrsched list'"),
    (["export", "cosine", "--max-lr", "abc"], "error: cosine: --max-lr must be a number (received 'abc')"),
    (["export", "cosine", "--max-lr", "-1"], "error: cosine: max_lr must be > 0 (received -1.0)"),
    (["export", "cosine", "--max-lr", "nan"], "error: cosine: max_lr must be a finite number (received nan)"),
    (["export", "cosine", "--max-lr", "0.1", "--steps", "0"], "error: --steps must be an integer >= 1 (received '0')"),
    (["export", "cosine"], "error: cosine: missing required parameter max_lr"),
    (["export", "cosine", "--max-l", "1"], "error: unknown option '--max-l'; did you mean '--max-lr'?"),
    (["export", "multistep", "--max-lr", "1", "--milestones", "3,x"],
     "error: multistep: --milestones must be comma-separated integers (received '3,x')"),
    (["export", "cosine", "--max-lr", "1", "--format", "xml"], "error: --format must be one of: csv, json"),
    (["export"], "error: give a KIND (see 'lrsched list'), --spec or --config FILE.yaml"),
])
def test_usage_errors_are_one_line_with_exit_code_2(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_unknown_config_key_names_file_schedule_and_key(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("schedules:\n  - kind: cosine\n    max_lr: 0.1\n    cycle_lenght: 10\n")
    result = run("export", "--config", str(config))
    assert result.exit_code == 2
    assert result.stderr == (f"error: {config}:2: schedule 1 (cosine): unknown parameter 'cycle_lenght'; "
                             "did you mean 'cycle_length'?\n")


def test_missing_output_folder_is_exit_1_and_leaves_nothing(tmp_path):
    out = tmp_path / "nope" / "x.csv"
    result = run("export", "cosine", "--max-lr", "0.1", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert not out.parent.exists()


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("lrsched ")


def test_help_of_every_kind_command_ends_with_an_example():
    from lrsched_cli.core.kinds import REGISTRY

    for kind in REGISTRY:
        result = run("export", kind.name, "--help")
        assert result.exit_code == 0
        assert f"lrsched export {kind.name}" in result.stdout
        for param in kind.params:
            assert param.flag in result.stdout


def test_kind_flags_never_collide_with_command_options():
    from lrsched_cli.cli import CONFIG, EXPORT_OPTIONS, LABEL, PLOT_OPTIONS, SPEC
    from lrsched_cli.core.kinds import REGISTRY

    options = EXPORT_OPTIONS + PLOT_OPTIONS + [LABEL, CONFIG, SPEC]
    common = {p.name for p in options} | {"var", "every", "chart", "kind_mapping", "framework"}
    for kind in REGISTRY:
        assert not common & set(kind.param_names), kind.name


@pytest.mark.parametrize("kind", ["plateau", "cosine"])
def test_a_config_too_large_for_memory_is_refused_before_allocating(tmp_path, kind):
    config = tmp_path / "big.yaml"
    config.write_text(f"steps: 1000000000000\nschedules:\n  - {{kind: {kind}, max_lr: 0.1}}\n")
    result = run("export", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: steps=1000000000000 would need about ")
    assert result.stderr.count("\n") == 1
