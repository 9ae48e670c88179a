"""The Python API: the values, rows, summaries and figures it returns are the CLI's, its errors are
lrsched's one-line ones, and importing the package stays cheap. Registry-driven where it can be."""
from __future__ import annotations

import csv
import doctest
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

import lrsched_cli as lr
import lrsched_cli.api as api
from lrsched_cli.cli import app
from lrsched_cli.core.engine import evaluate_mapping
from lrsched_cli.core.kinds import REGISTRY
from lrsched_cli.core.summary import summarize
from lrsched_cli.errors import LrschedError, SpecError, UsageError

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
#: Kinds whose example runs without user code (the python kind imports a target).
KINDS = [k.name for k in REGISTRY if k.name != "python"]


def example(kind: str) -> dict:
    return {"kind": kind, **REGISTRY.get(kind).example}


def cli_values(*args: str) -> list[float]:
    result = CliRunner().invoke(app, ["export", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return [row[1] for row in data["values"]] if "values" in data else data


@pytest.mark.parametrize("kind", KINDS)
def test_values_equal_the_engines_and_are_float64(kind):
    s = lr.schedule(example(kind), steps=120)
    values = s.values()
    assert values.dtype == np.float64 and values.shape == (120,)
    np.testing.assert_array_equal(values, evaluate_mapping(example(kind), 120))


@pytest.mark.parametrize("kind", KINDS)
def test_longer_values_extend_the_same_function(kind):
    """What the torch adapter relies on to compute in chunks: values(n) is a prefix of values(m)."""
    s = lr.schedule(example(kind), steps=100)
    if REGISTRY.get(kind).feedback:  # its metric is as long as the run it was built for: no further
        with pytest.raises(SpecError, match="the metric has 100 values"):
            s.values(1000)
        return
    short, long = s.values(100), s.values(1000)
    np.testing.assert_array_equal(long[:100], short)


def test_every_source_gives_the_same_schedule():
    by_kind = lr.schedule("step", max_lr=0.1, step_size=30, steps=90).values()
    by_spec = lr.schedule("step:max_lr=0.1,step_size=30", steps=90).values()
    by_mapping = lr.schedule({"kind": "step", "max_lr": 0.1, "step_size": 30}, steps=90).values()
    by_torch = lr.schedule("torch:StepLR(step_size=30)", base_lr=0.1, steps=90).values()
    for values in (by_spec, by_mapping, by_torch):
        np.testing.assert_array_equal(values, by_kind)


def test_a_framework_scheduler_runs_over_its_own_length_as_in_the_cli():
    text = "torch:OneCycleLR(max_lr=0.1, total_steps=1000)"
    s = lr.schedule(text, base_lr=0.1)
    assert s.steps == 1000
    result = CliRunner().invoke(app, ["export", text, "--base-lr", "0.1"])
    lines = result.stdout.strip().splitlines()[1:]
    assert [float(line.split(",")[1]) for line in lines] == s.values().tolist()


def test_load_gives_the_configs_schedules_and_settings():
    schedules = lr.load(ROOT / "configs/decays.yaml")
    result = CliRunner().invoke(app, ["export", "--config", str(ROOT / "configs/decays.yaml")])
    assert result.exit_code == 0
    header, *rows = csv.reader(io.StringIO(result.stdout))
    assert header[1:] == [s.label for s in schedules]
    for i, s in enumerate(schedules):
        assert s.values().tolist() == [float(row[i + 1]) for row in rows]
    assert {s.steps for s in lr.load(ROOT / "configs/decays.yaml", steps=7)} == {7}


def test_table_rows_are_exact_samples_and_summary_is_the_cores():
    s = lr.schedule("cosine", max_lr=0.1, warmup_steps=5, steps=1000)
    values = s.values()
    rows = s.table()
    assert rows[0] == (0, values[0]) and rows[-1].step == 999 and 30 <= len(rows) <= 45
    assert all(row.lr == values[row.step] for row in rows)
    assert [r.step for r in s.table(every=250)] == [0, 250, 500, 750, 999]
    assert s.summary() == summarize(values)


def test_plot_returns_a_figure_with_one_line_per_schedule():
    from matplotlib.figure import Figure

    fig = lr.schedule("cosine", max_lr=0.1, steps=50).plot(title="cos")
    assert isinstance(fig, Figure) and fig.axes[0].get_title() == "cos"
    line = fig.axes[0].get_lines()[0]
    assert line.get_ydata().tolist() == lr.schedule("cosine", max_lr=0.1, steps=50).values().tolist()
    assert len(lr.plot(lr.load(ROOT / "configs/decays.yaml")).axes[0].get_lines()) == 6


@pytest.mark.parametrize("call, kind, message", [
    (lambda: lr.schedule("cosin", max_lr=0.1), SpecError, "did you mean 'cosine'"),
    (lambda: lr.schedule("cosine"), SpecError, "missing required parameter max_lr"),
    (lambda: lr.schedule("cosine", max_lr=0.1, maxlr=1), SpecError, "maxlr"),
    (lambda: lr.schedule("cosine", max_lr=0.1, base_lr=0.1), UsageError, "takes max_lr instead"),
    (lambda: lr.schedule("torch:StepLR(step_size=30)", base_lr=0.1, gamma=0.5), UsageError,
     "takes its arguments inside the text"),
    (lambda: lr.schedule("torch:StepLR(step_size=30)"), SpecError, "base_lr"),
    (lambda: lr.schedule(3), UsageError, "a kind name, a spec or a mapping"),
    (lambda: lr.schedule("cosine", max_lr=0.1, steps=0), UsageError, "steps must be an integer >= 1"),
    (lambda: lr.schedule("cosine", max_lr=0.1, unit="batch"), UsageError, "unit must be one of"),
    (lambda: lr.schedule("cosine", max_lr=0.1).values(2.5), UsageError, "steps must be"),
    (lambda: lr.schedule("cosine", max_lr=0.1).table(every=0), UsageError, "every must be"),
    (lambda: lr.load("no/such/file.yaml"), LrschedError, "no/such/file.yaml"),
    (lambda: lr.plot([]), UsageError, "nothing to plot"),
])
def test_bad_input_is_one_line_of_lrscheds_own_errors(call, kind, message):
    with pytest.raises(kind) as error:
        call()
    text = str(error.value)
    assert message in text and "\n" not in text


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.integers(max_value=0), st.floats().filter(lambda x: not float(x).is_integer()),
                 st.booleans(), st.text(max_size=3), st.none().map(lambda _: [1])))
def test_bad_steps_are_refused(steps):
    with pytest.raises(UsageError, match="steps must be an integer >= 1"):
        lr.schedule("cosine", max_lr=0.1, steps=steps)


def test_a_yaml_file_cannot_import_code_without_allow_import(tmp_path):
    config = tmp_path / "py.yaml"
    config.write_text(f"schedules:\n  - {{kind: python, target: '{ROOT}/configs/seed_log_annealing.py:log_decay',"
                      " max_lr: 0.1}\n")
    with pytest.raises(UsageError, match="imports and runs your code"):
        lr.load(config)
    (s,) = lr.load(config, allow_import=True)
    assert s.values(3)[0] == pytest.approx(0.1)


def test_import_lrsched_cli_loads_neither_the_api_nor_numpy():
    code = "import sys, lrsched_cli; print(sorted(m for m in ('numpy', 'lrsched_cli.api') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert "schedule" in dir(lr) and lr.schedule is api.schedule
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lr.nope  # noqa: B018


def test_docstrings_examples_run():
    for module in (lr, api):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0


def readme_api_examples() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    return "\n".join(block for block in blocks if ">>> import lrsched_cli" in block)


def test_the_readme_api_examples_run_as_doctests(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = readme_api_examples()
    assert text.count(">>>") >= 5
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, "README.md", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0
