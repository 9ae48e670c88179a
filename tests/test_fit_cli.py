"""`lrsched fit`: the ranked candidates, --format json, -o fitted.yaml read back by export,
--to code, and bad input."""
from __future__ import annotations

import csv
import io
import json

import numpy as np
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.engine import build, evaluate

runner = CliRunner()
MAPPING = {"kind": "cosine", "max_lr": 0.1, "min_lr": 0.001, "warmup_steps": 20}


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def write_log(tmp_path, every=1, steps=500):
    values = evaluate(build(MAPPING, steps), steps)
    at = list(range(0, steps, every)) + ([steps - 1] if (steps - 1) % every else [])
    path = tmp_path / "run.csv"
    path.write_text("Wall time,Step,Value\n" + "".join(f"1.0,{s},{float(values[s])!r}\n" for s in at))
    return path, values


def test_fit_prints_the_ranked_candidates_and_the_yaml_entry(tmp_path):
    path, _ = write_log(tmp_path)
    result = run("fit", path)
    assert result.exit_code == 0, result.output
    assert "cosine after a 20-step linear warmup" in result.stdout
    assert "- {kind: cosine, max_lr: 0.1, cycle_length: 480.0, min_lr: 0.001, warmup_steps: 20" in result.stdout
    assert "reproduces the log" in result.stderr


def test_fit_json(tmp_path):
    path, _ = write_log(tmp_path, every=10)
    result = run("fit", path, "--format", "json", "--top", "3")
    data = json.loads(result.stdout)
    assert data["exact"] and len(data["candidates"]) <= 3
    best = data["candidates"][0]
    assert best["schedule"]["kind"] == "cosine" and best["max_rel_error"] < 1e-9


def test_fitted_yaml_is_a_config_export_reads(tmp_path):
    path, values = write_log(tmp_path)
    fitted = tmp_path / "fitted.yaml"
    assert run("fit", path, "-o", fitted).exit_code == 0
    result = run("export", "--config", fitted)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    got = np.array([float(r[1]) for r in rows])
    assert got.size == 500 and np.max(np.abs(got - values)) <= 1e-15


def test_fit_to_torch_prints_code(tmp_path):
    path, _ = write_log(tmp_path)
    result = run("fit", path, "--to", "torch", "--top", "1")
    assert result.exit_code == 0 and "def lrsched_values(steps)" in result.stdout


def test_bad_input_is_one_line_and_nothing_is_written(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    fitted = tmp_path / "fitted.yaml"
    result = run("fit", empty, "-o", fitted)
    assert result.exit_code == 1 and "the log is empty" in result.stderr and not fitted.exists()
    path, _ = write_log(tmp_path)
    for args, message in ((["--format", "xml"], "--format must be one of: text, json"),
                          (["--top", "0"], "--top must be an integer from 1 to 20"),
                          (["--to", "mxnet"], "--to must be one of"),
                          (["-o", path], "is one of the --log inputs")):
        result = run("fit", path, *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)
