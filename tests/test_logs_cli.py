"""--log on plot, table and compare: the overlay, the logged column, the diagnosis on stderr,
a log alone, and bad logs failing in one line with nothing written."""
from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.engine import build, evaluate

runner = CliRunner()
PLAN = ["cosine", "--max-lr", "0.1", "--warmup-steps", "10", "--steps", "200"]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def plan_values(steps=200):
    return evaluate(build({"kind": "cosine", "max_lr": 0.1, "warmup_steps": 10}, steps), steps)


def write_log(tmp_path, name, steps, values):
    path = tmp_path / name
    path.write_text("step,lr\n" + "".join(f"{s},{float(v)!r}\n" for s, v in zip(steps, values)))
    return str(path)


@pytest.fixture
def logs(tmp_path):
    values = plan_values()
    steps = np.arange(0, 199, 5)
    return {"same": write_log(tmp_path, "same.csv", steps, values[steps]),
            "shift": write_log(tmp_path, "shift.csv", steps, values[steps + 1]),
            "x4": write_log(tmp_path, "x4.csv", np.arange(50), values[np.arange(50) * 4])}


def test_plot_with_logs_writes_the_overlay_and_reports_each(tmp_path, logs):
    out = tmp_path / "over.png"
    result = run("plot", *PLAN, "--log", logs["same"], "--log", logs["shift"], "-o", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
    assert "note: cosine: the log same.csv: lr follows the plan at its 40 logged steps" in result.stderr
    assert "warning: cosine: the log shift.csv: lr parts from the plan at step 0" in result.stderr
    assert "(the log is the plan shifted by one step" in result.stderr


def test_the_diagnosis_fires_on_a_scheduler_stepped_four_times_per_update(logs, tmp_path):
    result = run("table", *PLAN, "--log", logs["x4"])
    assert result.exit_code == 0, result.output
    assert "the log is the plan compressed 4 times" in result.stderr


def test_table_gains_the_logged_column_at_the_logged_steps(logs):
    result = run("table", *PLAN, "--log", logs["shift"])
    assert result.exit_code == 0
    header = [line for line in result.stdout.splitlines() if "logged: shift.csv: lr" in line]
    assert header
    rows = [line.split("│") for line in result.stdout.splitlines() if line.startswith("│")]
    firsts = [int(r[1]) for r in rows[:4]]
    assert firsts == [0, 5, 10, 15]  # the logged steps


def test_a_log_alone_is_plotted_and_tabled(tmp_path, logs):
    out = tmp_path / "alone.png"
    result = run("plot", "--log", logs["same"], "-o", out)
    assert result.exit_code == 0, result.output
    assert out.exists()
    table = run("table", "--log", logs["same"])
    assert table.exit_code == 0 and "logged: same.csv: lr" in table.stdout


def test_compare_takes_logs(tmp_path, logs):
    config = tmp_path / "c.yaml"
    config.write_text("steps: 200\nschedules:\n  - {kind: cosine, max_lr: 0.1, warmup_steps: 10}\n"
                      "  - {kind: step, max_lr: 0.1, step_size: 50, label: step}\n")
    out = tmp_path / "cmp.png"
    result = run("compare", config, "--log", logs["same"], "-o", out)
    assert result.exit_code == 0, result.output
    assert "note: cosine: the log same.csv: lr follows the plan" in result.stderr
    assert "warning: step: the log same.csv: lr parts from the plan" in result.stderr


@pytest.mark.parametrize("text,message", [
    ("", "the log is empty"),
    ("step,loss\n0,1\n", "no learning-rate column (columns: 'loss'); choose one with --log-column NAME"),
    ("step,lr\n0,0.1\n1,oops\n", "line 3: column 'lr': 'oops' is not a number"),
])
def test_bad_logs_fail_in_one_line_with_nothing_written(tmp_path, text, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    out = tmp_path / "never.png"
    for args in (["plot", *PLAN, "-o", out], ["table", *PLAN], ["plot", "-o", out]):
        result = run(*args, "--log", bad)
        assert result.exit_code == 1, result.output
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    assert not out.exists()


def test_steps_going_back_are_said_and_read_as_a_restart(tmp_path):
    log = write_log(tmp_path, "resumed.csv", [0, 5, 10, 5, 10, 15], [0.0, 0.05, 0.1, 0.05, 0.1, 0.0999])
    result = run("table", *PLAN, "--log", log)
    assert result.exit_code == 0
    assert "the steps go back from 10 to 5" in result.stderr and "restart" in result.stderr


def test_log_options_are_checked(tmp_path, logs):
    assert "--log-column names the series" in run("table", *PLAN, "--log-column", "lr").stderr
    result = run("compare", "--log", logs["same"], "--csv", logs["same"], "configs/decays.yaml")
    assert result.exit_code == 2 and "is one of the --log inputs" in result.stderr
    result = run("table", *PLAN, "--log", logs["same"], "--log-column", "lrr")
    assert result.exit_code == 1 and "no column named 'lrr'" in result.stderr
