"""DeepSpeed OneCycle's momentum cycle: the beta1 series lrsched reads from a ds_config.json against
the betas real deepspeed sets (golden cases with `series`, from scripts/make_trainer_golden.py), and
the table and export showing it."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lrsched_cli import trainers
from lrsched_cli.cli import app
from lrsched_cli.core.engine import build, evaluate_series
from test_trainers import CASES, _script, assert_close, content_of

WITH_SERIES = [case for case in CASES if "series" in case]


def test_the_momentum_cases_are_there():
    assert {case["dialect"] for case in WITH_SERIES} == {"deepspeed"} and len(WITH_SERIES) >= 3


@pytest.mark.parametrize("case", WITH_SERIES, ids=[c["id"] for c in WITH_SERIES])
def test_onecycle_momentum_matches_deepspeed(case):
    reading = trainers.DIALECTS["deepspeed"].read(content_of(case), {})
    series = evaluate_series(build(reading.schedule, case["steps"]), case["steps"])
    assert set(series) == {"lr", *case["series"]}
    for name, values in case["series"].items():
        assert_close(series[name], values, f"{case['id']} {name}")
    assert not reading.warnings  # the cycle is modelled, not warned about


@pytest.mark.parametrize("case", WITH_SERIES, ids=[c["id"] for c in WITH_SERIES])
def test_the_fixture_matches_the_installed_deepspeed(case):
    pytest.importorskip("deepspeed.runtime.lr_schedules")
    real = _script().run_deepspeed_series(case["text"], case["steps"])
    assert_close(real["beta1"], case["series"]["beta1"], case["id"])


def test_without_cycle_momentum_there_is_no_series():
    case = WITH_SERIES[0]
    config = json.loads(case["text"])
    config["scheduler"]["params"]["cycle_momentum"] = False
    reading = trainers.DIALECTS["deepspeed"].read(content_of({**case, "text": json.dumps(config)}), {})
    assert list(evaluate_series(build(reading.schedule, 50), 50)) == ["lr"]


def test_export_shows_the_beta1_column(tmp_path):
    path = tmp_path / "ds.json"
    path.write_text(WITH_SERIES[0]["text"])
    result = CliRunner().invoke(app, ["export", str(path), "--steps", "5"])
    assert result.exit_code == 0, result.output
    header, first = result.stdout.splitlines()[:2]
    assert header.endswith(",deepspeed:OneCycle:beta1") and first.endswith(",0.85")


def test_a_framework_snippet_says_it_leaves_the_momentum_out(tmp_path):
    path = tmp_path / "ds.json"
    path.write_text(WITH_SERIES[0]["text"])
    result = CliRunner().invoke(app, ["export", str(path), "--to", "torch"])
    assert result.exit_code == 0, result.output
    assert "the torch code sets the learning rate only, not its beta1 (momentum_expr)" in result.stderr
