"""Series beside the LR (momentum, beta1, weight decay): the registry, evaluate_series, the
outputs (export, table, plot panels) and the torch bridge. Golden values against the real torch
are in tests/test_series_torch.py."""
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
from lrsched_cli.core.kinds import REGISTRY
from lrsched_cli.core.registry import PANELS, SERIES
from lrsched_cli.errors import SpecError

runner = CliRunner()
WITH_SERIES = [kind for kind in REGISTRY if kind.series]
#: The kinds that cycle momentum inversely to the LR (expr sets a momentum formula of its own instead).
CYCLING = [kind for kind in WITH_SERIES if any(p.name == "cycle_momentum" for p in kind.params)]
EXAMPLES = [kind for kind in REGISTRY if kind.name != "python"]  # python needs --allow-import


def run(*args):
    return runner.invoke(app, list(args))


def read_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], np.array([[float(x) for x in row] for row in rows[1:]])


def _example(kind, **extra):
    return build({"kind": kind.name, **kind.example, **extra}, 60)


# -- the registry -------------------------------------------------------------------------------

def test_cyclic_kinds_declare_momentum():
    assert {kind.name for kind in WITH_SERIES} >= {"onecycle", "cyclic"}


@pytest.mark.parametrize("kind", WITH_SERIES, ids=lambda k: k.name)
def test_a_kind_with_series_declares_them_in_the_table(kind):
    assert kind.series and all(name in SERIES for name in kind.series)
    assert all(SERIES[name].panel in PANELS for name in kind.series)


@pytest.mark.parametrize("kind", EXAMPLES, ids=lambda k: k.name)
def test_the_lr_series_is_evaluate_unchanged(kind):
    schedule = _example(kind)
    series = evaluate_series(schedule, 60)
    assert next(iter(series)) == "lr"
    assert np.array_equal(series["lr"], evaluate(schedule, 60))
    assert set(series) - {"lr"} <= set(kind.series)  # nothing a kind does not declare


@pytest.mark.parametrize("kind", CYCLING, ids=lambda k: k.name)
@pytest.mark.parametrize("field", ["momentum", "beta1"])
def test_momentum_is_named_by_its_field_and_can_be_switched_off(kind, field):
    on = evaluate_series(_example(kind, momentum_field=field), 60)
    assert list(on) == ["lr", field]
    off = evaluate_series(_example(kind, cycle_momentum=False), 60)
    assert list(off) == ["lr"]


@pytest.mark.parametrize("kind", CYCLING, ids=lambda k: k.name)
def test_momentum_is_inverse_to_the_lr(kind):
    series = evaluate_series(_example(kind, base_momentum=0.8, max_momentum=0.9), 60)
    lr, momentum = series["lr"], series["momentum"]
    assert momentum[np.argmax(lr)] == pytest.approx(0.8)
    assert momentum[np.argmin(lr)] == pytest.approx(0.9)


@pytest.mark.parametrize("kind", CYCLING, ids=lambda k: k.name)
@settings(max_examples=25, deadline=None)
@given(steps=st.integers(1, 300), warmup=st.integers(0, 20), mode=st.sampled_from(["prefix", "overlay"]),
       low=st.floats(0, 1), high=st.floats(0, 1))
def test_series_shapes_and_bounds(kind, steps, warmup, mode, low, high):
    mapping = {"kind": kind.name, **kind.example, "base_momentum": low, "max_momentum": high,
               "warmup_steps": warmup, "warmup_mode": mode}
    if kind.name == "onecycle":
        mapping["total_steps"] = 50
    try:
        schedule = build(mapping, steps)
    except SpecError:  # a warmup longer than the run
        assert warmup >= steps
        return
    series = evaluate_series(schedule, steps)
    for values in series.values():
        assert values.shape == (steps,) and values.dtype == np.float64 and np.isfinite(values).all()
    momentum = series["momentum"]
    assert (momentum >= min(low, high) - 1e-12).all() and (momentum <= max(low, high) + 1e-12).all()
    if warmup and mode == "prefix":  # the kind's first momentum holds until its clock starts
        assert (momentum[:warmup + 1] == momentum[0]).all()


# -- weight decay -------------------------------------------------------------------------------

def test_weight_decay_is_a_schedule_of_its_own():
    wd = {"kind": "cosine", "max_lr": 0.05, "min_lr": 0.005}
    series = evaluate_series(build({"kind": "step", "max_lr": 0.1, "step_size": 10, "weight_decay": wd}, 40), 40)
    assert list(series) == ["lr", "weight_decay"]
    assert np.array_equal(series["weight_decay"], evaluate(build(wd, 40), 40))


def test_weight_decay_keeps_its_mapping_for_json():
    schedule = build({"kind": "constant", "max_lr": 0.1, "weight_decay": {"kind": "constant", "max_lr": 0.01}}, 5)
    assert schedule.to_mapping()["weight_decay"]["max_lr"] == 0.01


@pytest.mark.parametrize("mapping,message", [
    ({"kind": "constant", "max_lr": 0.1, "weight_decay": {"kind": "plateau", "max_lr": 0.1}},
     "plateau depends on a metric"),
    ({"kind": "constant", "max_lr": 0.1, "weight_decay": 0.05}, "weight_decay must be a mapping"),
    ({"kind": "constant", "max_lr": 0.1, "weight_decay": {"kind": "cosin", "max_lr": 0.1}}, "did you mean 'cosine'"),
    ({"kind": "sequence", "max_lr": 0.1,
      "phases": [{"kind": "constant", "steps": 5, "base_lrs": [0.1]}, {"kind": "constant"}]},
     "base_lrs applies to a whole schedule, not to a part of one"),
])
def test_bad_series_parameters_are_one_line_errors(mapping, message):
    with pytest.raises(SpecError, match=message):
        build(mapping, 20)


# -- the command line ---------------------------------------------------------------------------

def test_export_adds_a_momentum_column_that_reads_back_bit_exact():
    result = run("export", "onecycle", "--max-lr", "0.1", "--steps", "50")
    assert result.exit_code == 0, result.output
    header, data = read_csv(result.stdout)
    assert header == ["epoch", "onecycle", "onecycle:momentum"]
    series = evaluate_series(build({"kind": "onecycle", "max_lr": 0.1}, 50), 50)
    assert np.array_equal(data[:, 1], series["lr"]) and np.array_equal(data[:, 2], series["momentum"])


def test_export_names_beta1_and_weight_decay_columns():
    result = run("export", "cyclic", "--min-lr", "0.001", "--max-lr", "0.1", "--step-size-up", "5",
                 "--momentum-field", "beta1", "--weight-decay", "{kind: linear, max_lr: 0.1, start_factor: 1, "
                 "end_factor: 0.5, total_iters: 5}", "-n", "8", "--label", "c")
    assert result.exit_code == 0, result.output
    header, data = read_csv(result.stdout)
    assert header == ["epoch", "c", "c:beta1", "c:weight_decay"]
    assert data[0, 2] == 0.9 and data[5, 2] == 0.8 and data[-1, 3] == 0.05


def test_export_json_has_the_series():
    result = run("export", "onecycle", "--max-lr", "0.1", "--steps", "20", "--format", "json")
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["schedules"][0]
    series = evaluate_series(build({"kind": "onecycle", "max_lr": 0.1}, 20), 20)
    assert entry["series"]["momentum"] == series["momentum"].tolist()
    assert entry["base_momentum"] == 0.85 and entry["max_momentum"] == 0.95


def test_a_schedule_without_series_exports_as_before():
    result = run("export", "cosine", "--max-lr", "0.1", "--steps", "5", "--format", "json")
    entry = json.loads(result.stdout)["schedules"][0]
    assert "series" not in entry and "group_values" not in entry and "base_lrs" not in entry


def test_table_shows_the_momentum_column():
    result = run("table", "onecycle", "--max-lr", "0.1", "--steps", "20", "--every", "5", "--label", "oc")
    assert result.exit_code == 0, result.output
    assert "oc:momentum" in result.stdout and "0.95" in result.stdout


def test_plot_draws_a_momentum_panel_by_default(tmp_path):
    from lrsched_cli.app.gather import gather
    from lrsched_cli.cli.plot import panel_series
    from lrsched_cli.present.plot import build_panels

    req = gather(flags={"steps": 100}, spec=["onecycle:max_lr=0.1", "cosine:max_lr=0.1"])
    panels = panel_series(req, None)
    assert [(axis, [s.label for s in series], colours) for axis, series, colours in panels] == [
        ("learning rate", ["onecycle", "cosine"], [0, 1]), ("momentum", ["onecycle:momentum"], [0])]
    figure = build_panels(panels)
    assert [ax.get_ylabel() for ax in figure.axes] == ["learning rate", "momentum"]
    assert figure.axes[1].get_ylim()[0] > 0.8  # the momentum's own range, not from 0
    result = run("plot", "--spec", "onecycle:max_lr=0.1", "-o", str(tmp_path / "p.png"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.png").stat().st_size > 0


def test_plot_panels_choose_and_order(tmp_path):
    from lrsched_cli.app.gather import gather
    from lrsched_cli.cli.plot import panel_series

    req = gather(flags={"steps": 50}, spec=["onecycle:max_lr=0.1,weight_decay={kind: constant, max_lr: 0.01}"])
    assert [panel[0] for panel in panel_series(req, ["weight_decay", "lr"])] == ["weight decay", "learning rate"]
    result = run("plot", "onecycle", "--max-lr", "0.1", "--panels", "lr", "-o", str(tmp_path / "lr.png"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args,message", [
    (["cosine", "--max-lr", "0.1", "--panels", "lr,momentum"], "no schedule has a momentum series"),
    (["onecycle", "--max-lr", "0.1", "--panels", "lr,momentun"], "did you mean 'momentum'"),
    (["onecycle", "--max-lr", "0.1", "--panels", "lr,lr"], "each panel once"),
    (["onecycle", "--max-lr", "0.1", "--panels", "lr,momentum", "--layout", "grid"], "--layout grid draws"),
    (["onecycle", "--max-lr", "0.1", "--panels", "lr,momentum", "--terminal"], "--terminal draws"),
])
def test_bad_panels_are_usage_errors(tmp_path, args, message):
    result = run("plot", *args, "-o", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "x.png").exists()


def test_describe_shows_the_momentum_parameters():
    result = run("describe", "onecycle")
    assert result.exit_code == 0
    for name in ("cycle_momentum", "base_momentum", "max_momentum", "momentum_field"):
        assert name in result.stdout
    assert "Series beside the LR" in result.stdout and "beta1: Adam's beta1" in result.stdout
    assert "Series beside the LR" not in run("describe", "cosine").stdout


# -- the torch bridge (reading and writing; the values against torch are in test_series_torch) --

def test_torch_constructors_keep_their_momentum():
    from lrsched_cli.io.config import from_framework

    mapping = from_framework("torch:OneCycleLR(max_lr=0.1, total_steps=100, base_momentum=0.8, "
                             "max_momentum=0.9)", 0.1, "test")
    assert (mapping["base_momentum"], mapping["max_momentum"], mapping["cycle_momentum"]) == (0.8, 0.9, True)
    mapping = from_framework("torch:CyclicLR(base_lr=0.001, max_lr=0.1, cycle_momentum=False)", 0.1, "test")
    assert mapping["cycle_momentum"] is False
    assert list(evaluate_series(build(mapping, 10), 10)) == ["lr"]


@pytest.mark.parametrize("flags,emitted,absent", [
    ([], [], ["cycle_momentum", "base_momentum", "max_momentum"]),  # torch's defaults: nothing to say
    (["--base-momentum", "0.8"], ["base_momentum=0.8"], ["max_momentum", "cycle_momentum"]),
    (["--cycle-momentum", "false"], ["cycle_momentum=False"], ["base_momentum"]),
])
def test_to_torch_writes_momentum_where_set(flags, emitted, absent):
    result = run("export", "onecycle", "--max-lr", "0.1", "--steps", "100", *flags, "--to", "torch")
    assert result.exit_code == 0, result.output
    code = result.stdout.split("def make_scheduler", 1)[1].split("\n\n", 1)[0]
    assert all(text in code for text in emitted)
    assert not any(text in code for text in absent)


def test_the_panels_help_lists_the_registry_panels():
    """options.py writes the panels out (importing the registry there would load it for every
    --help); this keeps them equal to core/registry.py PANELS."""
    from lrsched_cli.cli.options import PANELS as OPTION

    help_text = OPTION.annotation.__metadata__[0].help
    assert help_text.startswith(f"stacked panels to draw, from: {', '.join(PANELS)} ")


def test_a_sequence_holds_momentum_where_its_phase_sets_none():
    mapping = {"kind": "sequence", "max_lr": 0.1, "phases": [
        {"kind": "constant", "steps": 4},
        {"kind": "cyclic", "min_lr": 0.001, "step_size_up": 2, "steps": 6, "base_momentum": 0.5},
        {"kind": "constant"}]}
    series = evaluate_series(build(mapping, 14), 14)
    cyclic = evaluate_series(build({"kind": "cyclic", "min_lr": 0.001, "max_lr": 0.1, "step_size_up": 2,
                                    "base_momentum": 0.5}, 6), 6)["momentum"]
    momentum = series["momentum"]
    assert (momentum[:4] == cyclic[0]).all()  # set when the CyclicLR is built
    assert np.array_equal(momentum[4:10], cyclic)
    assert (momentum[10:] == cyclic[-1]).all()  # untouched by the constant after it
