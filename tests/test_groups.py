"""Parameter groups: base_lrs (torch's per-group lr) and layer_decay over groups (BEiT, timm).
Golden values against a multi-group torch optimizer are in tests/test_series_torch.py."""
from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.engine import build, evaluate, evaluate_series
from lrsched_cli.core.series import MAX_GROUPS
from lrsched_cli.errors import SpecError

runner = CliRunner()

# Kinds whose LR is max_lr times a factor of t: a group's LR is its base_lr times that factor.
FACTOR_KINDS = [
    {"kind": "step", "step_size": 7, "gamma": 0.5},
    {"kind": "multistep", "milestones": [3, 9], "gamma": 0.3},
    {"kind": "exponential", "gamma": 0.93},
    {"kind": "linear", "start_factor": 0.1, "total_iters": 10},
    {"kind": "polynomial", "max_update": 30, "power": 2.0},
    {"kind": "inverse_sqrt", "timescale": 5},
    {"kind": "cosine"},
    {"kind": "sequence", "phases": [{"kind": "linear", "start_factor": 0.2, "total_iters": 5, "steps": 5},
                                    {"kind": "cosine"}]},
]


def run(*args):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("mapping", FACTOR_KINDS, ids=lambda m: m["kind"])
@settings(max_examples=20, deadline=None)
@given(lrs=st.lists(st.floats(1e-6, 10.0), min_size=1, max_size=5), steps=st.integers(1, 80))
def test_a_group_is_its_base_lr_times_the_factor(mapping, lrs, steps):
    series = evaluate_series(build({**mapping, "max_lr": 1.0, "base_lrs": lrs}, steps), steps)
    factor = series["lr"]
    assert list(series) == ["lr", *(f"lr[{g}]" for g in range(len(lrs)))]
    for g, lr in enumerate(lrs):
        np.testing.assert_allclose(series[f"lr[{g}]"], lr * factor, rtol=1e-13, atol=0)


def test_min_lr_is_shared_by_the_groups_as_torch_eta_min():
    series = evaluate_series(build({"kind": "cosine", "max_lr": 0.1, "min_lr": 0.001, "base_lrs": [0.1, 0.01],
                                    "cycle_length": 20}, 21), 21)
    assert series["lr[0]"][0] == pytest.approx(0.1) and series["lr[1]"][0] == pytest.approx(0.01)
    assert series["lr[0]"][20] == pytest.approx(0.001) and series["lr[1]"][20] == pytest.approx(0.001)


def test_a_warmup_start_scales_with_the_group():
    series = evaluate_series(build({"kind": "constant", "max_lr": 0.1, "warmup_steps": 4, "warmup_start_lr": 0.01,
                                    "base_lrs": [0.1, 0.05]}, 6), 6)
    assert series["lr[1]"][0] == pytest.approx(0.005) and series["lr[1]"][5] == 0.05


@settings(max_examples=30, deadline=None)
@given(decay=st.floats(0.05, 1.0), groups=st.integers(1, 24), steps=st.integers(1, 50))
def test_layer_decay_scales_group_g_by_decay_to_the_layers_above_it(decay, groups, steps):
    """timm param_groups_layer_decay: layer_scales = decay ** (layer_max - i); the last group
    (the head) keeps the schedule."""
    schedule = build({"kind": "cosine", "max_lr": 0.1, "min_lr": 0.001, "layer_decay": decay, "groups": groups},
                     steps)
    series = evaluate_series(schedule, steps)
    lr = evaluate(schedule, steps)
    assert np.array_equal(series[f"lr[{groups - 1}]"], lr)
    for g in range(groups):
        assert np.array_equal(series[f"lr[{g}]"], lr * decay ** (groups - 1 - g))


@pytest.mark.parametrize("extra,message", [
    ({"layer_decay": 0.75}, "layer_decay and groups go together; groups is missing"),
    ({"groups": 4}, "layer_decay is missing"),
    ({"base_lrs": [0.1], "layer_decay": 0.5, "groups": 2}, "either base_lrs or layer_decay"),
    ({"base_lrs": []}, "base_lrs must hold 1 to"),
    ({"base_lrs": [0.1, 0.0]}, "base_lrs must be > 0"),
    ({"base_lrs": [0.1] * (MAX_GROUPS + 1)}, "base_lrs must hold 1 to"),
    ({"layer_decay": 1.5, "groups": 2}, "layer_decay must be in"),
    ({"groups": 0, "layer_decay": 0.5}, "groups must be in"),
    ({"base_lrs": [0.1, 0.0005], "min_lr": 0.001}, "group 1.*min_lr must not exceed max_lr"),
])
def test_bad_groups_are_one_line_errors(extra, message):
    with pytest.raises(SpecError, match=message):
        build({"kind": "cosine", "max_lr": 0.1, **extra}, 10)


@settings(max_examples=30, deadline=None)
@given(value=st.one_of(st.text(max_size=5), st.booleans(), st.lists(st.text(max_size=3), min_size=1, max_size=3),
                       st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not 0 < x <= 1)))
def test_rejected_layer_decay_values(value):
    with pytest.raises(SpecError, match="layer_decay must be"):
        build({"kind": "step", "max_lr": 0.1, "step_size": 3, "layer_decay": value, "groups": 3}, 10)


def test_export_writes_a_column_per_group_that_reads_back_bit_exact():
    result = run("export", "onecycle", "--max-lr", "0.1", "--base-lrs", "0.1,0.01", "--steps", "30",
                 "--label", "oc")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["epoch", "oc[0]", "oc[1]", "oc:momentum"]
    data = np.array([[float(x) for x in row] for row in rows[1:]])
    series = evaluate_series(build({"kind": "onecycle", "max_lr": 0.1, "base_lrs": [0.1, 0.01]}, 30), 30)
    assert np.array_equal(data[:, 1], series["lr[0]"]) and np.array_equal(data[:, 2], series["lr[1]"])


def test_export_json_has_the_groups():
    result = run("export", "step", "--max-lr", "0.1", "--step-size", "2", "--layer-decay", "0.5",
                 "--groups", "3", "-n", "4", "--format", "json")
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["schedules"][0]
    assert entry["layer_decay"] == 0.5 and entry["values"] == [0.1, 0.1, 0.010000000000000002,
                                                               0.010000000000000002]
    assert entry["groups"] == 3  # the parameter; the groups' values are under "group_values"
    assert entry["group_values"][0] == [0.025, 0.025, 0.0025000000000000005, 0.0025000000000000005]


def test_groups_from_a_yaml_file(tmp_path):
    config = tmp_path / "g.yaml"
    config.write_text("steps: 10\nschedules:\n  - {kind: cosine, max_lr: 0.1, base_lrs: [0.1, 0.02], label: vit}\n")
    result = run("export", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "epoch,vit[0],vit[1]"


def test_plot_draws_one_curve_per_group_with_the_group_in_the_label(tmp_path):
    from lrsched_cli.app.gather import gather
    from lrsched_cli.cli.plot import panel_series

    req = gather(flags={"steps": 40}, spec=["cosine:max_lr=0.1,layer_decay=0.5,groups=3",
                                            "step:max_lr=0.1,step_size=5"])
    (axis, curves, colours), = panel_series(req, None)
    assert colours == [0, 1, 2, 3]
    assert axis == "learning rate"
    assert [c.label for c in curves] == ["cosine[0]", "cosine[1]", "cosine[2]", "step"]
    result = run("plot", "cosine", "--max-lr", "0.1", "--base-lrs", "0.1,0.05", "-o", str(tmp_path / "g.png"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g.png").stat().st_size > 0


def test_table_shows_a_column_per_group():
    result = run("table", "cosine", "--max-lr", "0.1", "--base-lrs", "0.1,0.05", "-n", "10", "--every", "5")
    assert result.exit_code == 0, result.output
    assert "cosine[0]" in result.stdout and "cosine[1]" in result.stdout


def test_a_framework_scheduler_takes_groups_in_yaml(tmp_path):
    config = tmp_path / "f.yaml"
    config.write_text('steps: 12\nbase_lr: 0.1\nschedules:\n'
                      '  - {from: "torch:StepLR(step_size=5, gamma=0.5)", base_lrs: [0.1, 0.01], label: s}\n')
    result = run("export", "--config", str(config))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "epoch,s[0],s[1]" and lines[6] == "5,0.05,0.005"


def test_a_grid_gives_each_group_its_cell_and_says_what_it_leaves_out(tmp_path, monkeypatch):
    from lrsched_cli.present import plot

    seen = []
    real = plot.save_figure

    def spy(series, path, **figure):
        seen.append([s.label for s in series])
        return real(series, path, **figure)

    monkeypatch.setattr(plot, "save_figure", spy)
    result = run("plot", "--spec", "onecycle:max_lr=0.1,base_lrs=[0.1,0.05]", "--spec",
                 "step:max_lr=0.1,step_size=20", "--layout", "grid", "-o", str(tmp_path / "g.png"))
    assert result.exit_code == 0, result.output
    assert seen == [["onecycle[0]", "onecycle[1]", "step"]]
    assert "--layout grid draws the learning rate alone; --layout overlay adds the momentum panels" in result.stderr


def test_the_terminal_chart_draws_each_group():
    result = run("plot", "cosine", "--max-lr", "0.1", "--base-lrs", "0.1,0.02", "--terminal")
    assert result.exit_code == 0, result.output
    assert "cosine[0]" in result.stdout and "cosine[1]" in result.stdout
