"""The python kind: user code runs only with --allow-import on the command line."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(
        "import math, pathlib\n"
        "pathlib.Path('imported.marker').write_text('ran')\n"
        "def vector(t, gamma=0.5):\n    return 0.1 * gamma ** t\n"
        "def scalar(t):\n    return 0.1 * math.cos(t / 10.0) ** 2\n"
        "def broken(t):\n    raise RuntimeError('boom')\n")
    (tmp_path / "c.yaml").write_text("schedules:\n  - {kind: python, target: 'mine.py:vector'}\n")
    return tmp_path


def values(result):
    return [float(line.split(",")[1]) for line in result.stdout.splitlines()[1:]]


@pytest.mark.parametrize("args", [
    ["export", "python", "--target", "mine.py:vector", "-n", "3"],
    ["export", "--config", "c.yaml", "-n", "3"],
    ["plot", "--spec", "python:target=mine.py:vector", "--terminal"],
])
def test_refused_without_allow_import_and_nothing_runs(user_module, args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.endswith("the python kind imports and runs your code; allow it on the command line "
                                  "with --allow-import\n")
    assert result.stderr.count("\n") == 1
    assert not (user_module / "imported.marker").exists()


def test_vectorised_function_with_options(user_module):
    result = runner.invoke(app, ["export", "python", "--target", "mine.py:vector", "--options", "{gamma: 0.25}",
                                 "-n", "4", "--allow-import"])
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(values(result), [0.1 * 0.25 ** t for t in range(4)], rtol=1e-15)


def test_scalar_function_is_called_per_step(user_module):
    result = runner.invoke(app, ["export", "python", "--target", "mine.py:scalar", "-n", "5", "--allow-import"])
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(values(result), [0.1 * math.cos(t / 10) ** 2 for t in range(5)], rtol=1e-15)


def test_yaml_works_once_the_command_line_allows_it(user_module):
    result = runner.invoke(app, ["export", "--config", "c.yaml", "-n", "2", "--allow-import"])
    assert result.exit_code == 0, result.output
    assert values(result) == [0.1, 0.05]


@pytest.mark.parametrize("target,message", [
    ("mine.py", "target must be 'module:function' or 'file.py:Class'"),
    ("nope.py:f", "nope.py: no such file"),
    ("mine.py:missing", "mine.py has no 'missing'"),
    ("mine.py:broken", "your function failed: RuntimeError: boom"),
    ("no_such_module_xyz:f", "importing no_such_module_xyz failed: ModuleNotFoundError"),
])
def test_bad_targets(user_module, target, message):
    result = runner.invoke(app, ["export", "python", "--target", target, "--allow-import"])
    assert result.exit_code in (1, 2)
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_the_seeds_log_annealing_class_as_written(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["export", "python", "--target", "configs/seed_log_annealing.py:LogAnnealingLR",
                                 "--options", "{T_max: 100}", "--max-lr", "0.1", "-n", "50", "--allow-import"])
    assert result.exit_code == 0, result.output
    expected = [0.1 * (1 + math.cos(math.pi * t / 100)) / 2 for t in range(50)]  # it computes cosine
    np.testing.assert_allclose(values(result), expected, rtol=1e-12)


def test_the_log_decay_the_seed_meant_matches_the_expr_config(monkeypatch):
    monkeypatch.chdir(ROOT)
    ours = runner.invoke(app, ["export", "python", "--target", "configs/seed_log_annealing.py:log_decay",
                               "--max-lr", "0.1", "--allow-import"])
    config = runner.invoke(app, ["export", "--config", "configs/custom_log.yaml"])
    assert ours.exit_code == 0 and config.exit_code == 0
    expr_column = [float(line.split(",")[1]) for line in config.stdout.splitlines()[1:]]
    np.testing.assert_allclose(values(ours), expr_column, rtol=1e-14)
