"""The run settings follow one rule, for every setting: the command line, then the file, then
the default. Each setting in SETTINGS must have a case here (a new one fails until it has)."""
from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrsched_cli.app.settings import COMMAND_LINE, DEFAULT, SETTINGS, resolve
from lrsched_cli.cli import app

runner = CliRunner()


def export_rows(args):
    result = runner.invoke(app, ["export", *args])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


def rows_or_refused(args):
    """The evaluated steps, or "refused" when the run cannot be computed (exit 2)."""
    result = runner.invoke(app, ["export", *args])
    if result.exit_code == 2:
        return "refused"
    assert result.exit_code == 0, result.output
    return len(result.stdout.splitlines()) - 1


def warmup_said(args):
    result = runner.invoke(app, ["export", *args])
    assert result.exit_code == 0, result.output
    found = re.search(r"warmup (\d+) = ", result.stderr)
    return int(found.group(1)) if found else None


def decay_at_row_2(args):
    rows = export_rows(args)
    return round(float(rows[3][1]) / float(rows[1][1]), 9)


def chart_title(args):
    result = runner.invoke(app, ["plot", *args, "--terminal"])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    return None if "│" in first or "┤" in first else first.strip()  # no title: the plot's top row


# setting -> (schedule line of the config, file value, flag text, what the run shows, expected
# from the flag, from the file, by default). The schedule is a framework's scheduler so that
# base_lr matters; its lengths are fixed so that steps does not change its values.
SCHEDULE = '"torch:StepLR(step_size=2, gamma=0.5)"'
CASES = {
    "steps": ("7", "5", lambda args: len(export_rows(args)) - 1, 5, 7, 100),
    "unit": ("step", "epoch", lambda args: export_rows(args)[0][0], "epoch", "step", "epoch"),
    "base_lr": ("0.5", "0.1", lambda args: float(export_rows(args)[1][1]), 0.1, 0.5, None),
    "title": ("from the file", "from the flag", chart_title, "from the flag", "from the file", None),
    "normalize": ("area", "none", lambda args: "normalized" in runner.invoke(app, ["export", *args]).stderr,
                  False, True, False),
    # the run block: each with the other settings (RUN_BASE) that make its effect visible
    "dataset_size": ("50", "30", rows_or_refused, 3, 5, "refused"),
    "batch_size": ("20", "25", rows_or_refused, 4, 5, "refused"),
    "world_size": ("2", "4", rows_or_refused, 3, 5, 10),
    "grad_accum": ("2", "3", rows_or_refused, 4, 5, 10),
    "drop_last": ("false", None, rows_or_refused, 10, 11, 11),
    "steps_per_epoch": ("3", "5", rows_or_refused, 10, 6, "refused"),
    "epochs": ("2", "1.5", rows_or_refused, 6, 8, 100),
    "max_steps": ("7", "9", rows_or_refused, 9, 7, 100),
    "warmup_ratio": ("0.1", "0.25", warmup_said, 5, 2, None),
    "tokens": ("80", "40", rows_or_refused, 5, 10, 100),
    "seq_len": ("4", "8", rows_or_refused, 5, 10, "refused"),
    "samples": ("20", "10", rows_or_refused, 5, 10, 100),
    "accum_rule": ("floor", "ceil", rows_or_refused, 4, 3, 4),
    "scheduler_steps_per_update": ("2", "3", decay_at_row_2, 0.125, 0.25, 0.5),
}
RUN_BASE = {
    "dataset_size": {"batch_size": 10, "epochs": 1},
    "batch_size": {"dataset_size": 100, "epochs": 1},
    "world_size": {"dataset_size": 100, "batch_size": 10, "epochs": 1},
    "grad_accum": {"dataset_size": 100, "batch_size": 10, "epochs": 1},
    "drop_last": {"dataset_size": 105, "batch_size": 10, "epochs": 1},
    "steps_per_epoch": {"epochs": 2},
    "epochs": {"steps_per_epoch": 4},
    "warmup_ratio": {"max_steps": 20},
    "tokens": {"batch_size": 2, "seq_len": 4},
    "seq_len": {"batch_size": 2, "tokens": 80},
    "samples": {"batch_size": 2},
    "accum_rule": {"dataset_size": 100, "batch_size": 10, "grad_accum": 3, "epochs": 1},
}


def flag_args(name, text):
    """A setting's flag with its text (a switch has none), after the flags of its RUN_BASE."""
    base = [part for key, value in RUN_BASE.get(name, {}).items()
            for part in ("--" + key.replace("_", "-"), str(value))]
    flag = next(s.flag for s in SETTINGS if s.name == name)
    return base + [flag] + ([] if text is None else [text])


def test_every_setting_has_a_precedence_case():
    assert set(CASES) == {s.name for s in SETTINGS}


def config(tmp_path, name=None, value=None, base=None):
    lines = [f"{name}: {value}"] if name else []
    if name in RUN_BASE or any(s.name == name and s.group == "run" for s in SETTINGS):
        block = {**RUN_BASE.get(name, {}), name: value}
        lines = ["run:"] + [f"  {key}: {text}" for key, text in block.items()]
    elif base:
        lines += ["run:"] + [f"  {key}: {text}" for key, text in RUN_BASE[base].items()]
    if name != "base_lr":
        lines.append("base_lr: 1.0")
    path = tmp_path / "c.yaml"
    path.write_text("\n".join(lines + ["schedules:", f"  - {SCHEDULE}", ""]))
    return str(path)


@pytest.mark.parametrize("name", list(CASES))
def test_the_command_line_beats_the_file(tmp_path, name):
    file_value, flag_text, observe, from_flag, _, _ = CASES[name]
    own = flag_args(name, flag_text)[2 * len(RUN_BASE.get(name, {})):]  # the file holds the base
    assert observe(["--config", config(tmp_path, name, file_value), *own]) == from_flag


@pytest.mark.parametrize("name", list(CASES))
def test_the_command_line_beats_the_file_before_the_kind_too(tmp_path, name):
    """`export --steps 5 "torch:..."` is the same run as `export "torch:..." --steps 5`."""
    _, flag_text, observe, from_flag, _, _ = CASES[name]
    if name == "title":
        pytest.skip("export has no --title; plot's title is covered above")
    args = flag_args(name, flag_text) + ([] if name == "base_lr" else ["--base-lr", "0.1"])
    assert observe(args + ["torch:StepLR(step_size=2, gamma=0.5)"]) == from_flag
    assert observe(["torch:StepLR(step_size=2, gamma=0.5)"] + args) == from_flag


@pytest.mark.parametrize("name", list(CASES))
def test_the_file_beats_the_default(tmp_path, name):
    file_value, _, observe, _, from_file, _ = CASES[name]
    assert observe(["--config", config(tmp_path, name, file_value)]) == from_file


@pytest.mark.parametrize("name", [n for n in CASES if n != "base_lr"])
def test_the_default_when_nobody_says(tmp_path, name):
    *_, default = CASES[name]
    assert CASES[name][2](["--config", config(tmp_path, base=name if name in RUN_BASE else None)]) == default


def test_base_lr_has_no_default_and_says_where_to_give_it(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(f"schedules:\n  - {SCHEDULE}\n")
    result = runner.invoke(app, ["export", "--config", str(path)])
    assert result.exit_code == 2
    assert "needs base_lr" in result.stderr and "--base-lr" in result.stderr


def test_the_reported_issue_a_file_base_lr_no_longer_beats_the_flag(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(f"base_lr: 0.5\nschedules:\n  - {SCHEDULE}\n")
    rows = export_rows(["--config", str(path), "--base-lr", "0.1", "-n", "3"])
    assert [float(r[1]) for r in rows[1:]] == [0.1, 0.1, 0.05]


LAYER = st.one_of(st.none(), st.integers(1, 1000))


@given(flag=LAYER, file=LAYER, default=LAYER)
def test_resolve_takes_the_first_layer_that_says(flag, file, default):
    run = resolve({"steps": flag}, {"steps": file}, source="c.yaml", defaults={"steps": default})
    expected = next(v for v in (flag, file, default, 100) if v is not None)
    assert run.steps == expected
    source = COMMAND_LINE if flag is not None else "c.yaml" if file is not None else DEFAULT
    assert run.sources["steps"] == source
