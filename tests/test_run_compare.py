"""Comparing runs: a schedule's own `steps:`, `--normalize area`, WSD `branches:`."""
from __future__ import annotations

import csv
import io
import math

import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app

runner = CliRunner()


def export(tmp_path, text, *flags):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["export", "--config", str(path), *flags])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    return rows[0], [[float(v) for v in column] for column in zip(*rows[1:])][1:], result.stderr


def test_a_schedule_with_its_own_steps_ends_there_and_the_figure_spans_the_longest(tmp_path):
    header, (short, long_), _ = export(tmp_path, "schedules:\n  - {kind: cosine, max_lr: 1, steps: 30}\n"
                                                 "  - {kind: cosine, max_lr: 1, steps: 50}\n")
    assert len(short) == len(long_) == 50
    assert all(math.isnan(v) for v in short[30:]) and not any(math.isnan(v) for v in short[:30])
    assert short[15] == pytest.approx(0.5) and long_[25] == pytest.approx(0.5)  # each its own horizon


def test_the_summary_of_a_shorter_run_is_over_its_own_steps(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("steps: 100\nschedules:\n  - {kind: constant, max_lr: 1, steps: 40}\n"
                    "  - {kind: constant, max_lr: 1}\n")
    result = runner.invoke(app, ["table", "--config", str(path), "--every", "50"])
    assert result.exit_code == 0, result.output
    area = next(line for line in result.stdout.splitlines() if "LR area" in line)
    assert "40" in area and "100" in area and "nan" not in area


def test_own_steps_must_be_a_count(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("schedules:\n  - {kind: cosine, max_lr: 1, steps: 0}\n")
    result = runner.invoke(app, ["export", "--config", str(path)])
    assert result.exit_code == 2 and "steps (this schedule's own run) must be an integer >= 1" in result.stderr


def test_normalize_area_scales_each_to_the_first_schedules_area(tmp_path):
    _, (first, second), stderr = export(tmp_path, "steps: 100\nschedules:\n  - {kind: constant, max_lr: 1}\n"
                                                  "  - {kind: cosine, max_lr: 1, label: c}\n", "--normalize", "area")
    assert sum(second) == pytest.approx(sum(first), rel=1e-12)
    assert "normalized to the LR area of constant (100): c x1.9802" in stderr


def test_normalize_from_the_file_and_refused_for_a_zero_area(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("normalize: area\nschedules:\n  - {kind: constant, max_lr: 1}\n  - {kind: expr, expr: '0 * t'}\n")
    result = runner.invoke(app, ["export", "--config", str(path)])
    assert result.exit_code == 2 and "needs every schedule's LR area > 0" in result.stderr
    bad = runner.invoke(app, ["export", "cosine", "--max-lr", "1", "--normalize", "sum"])
    assert bad.exit_code == 2 and "--normalize must be one of: none, area (received 'sum')" in bad.stderr


def test_wsd_branches_decay_from_each_checkpoint(tmp_path):
    header, columns, _ = export(tmp_path, "steps: 100\nschedules:\n  - {kind: wsd, max_lr: 1, warmup_steps: 10, "
                                          "decay_steps: 10, decay_type: linear, branches: [40, 60]}\n")
    assert header == ["epoch", "wsd", "wsd (decay from 40)", "wsd (decay from 60)"]
    main, at40, at60 = columns
    assert main[89] == 1 and main[95] < 1  # the run's own decay: the last 10 steps
    assert at40[39] == 1 and at40[45] == pytest.approx(0.5) and len([v for v in at40 if not math.isnan(v)]) == 50
    assert at60[59] == 1 and at60[65] == pytest.approx(0.5) and math.isnan(at60[70])
