"""Adding a framework is one new module plus its tests: a toy framework registered from one file
(tests/toyframework.py) is read, written, compared and described through the normal commands."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.engine import build, evaluate
from lrsched_cli.errors import SpecError
from lrsched_cli.frameworks import FRAMEWORKS, REGISTRY, translate
from lrsched_cli.frameworks.codegen import TARGETS, CodegenError, snippet
from lrsched_cli.frameworks.dialects import DIALECTS

sys.path.insert(0, str(Path(__file__).parent))
import toyframework  # noqa: E402

runner = CliRunner()


@pytest.fixture(autouse=True)
def toy(monkeypatch):
    monkeypatch.setitem(REGISTRY, "toy", toyframework.FRAMEWORK)
    yield toyframework.FRAMEWORK


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def values_of(source: str, steps: int) -> np.ndarray:
    namespace: dict = {}
    exec(compile(source, "<toy>", "exec"), namespace)  # noqa: S102 - our own generated code
    return np.asarray(namespace["lrsched_values"](steps))


def test_registering_adds_it_to_every_list():
    for names in (FRAMEWORKS, TARGETS, DIALECTS):
        assert "toy" in names
    with pytest.raises(SpecError, match="torch, hf, optax, keras, timm, toy"):
        translate("tensorflow:StepDecay(lr=1, every=2)")


def test_it_is_read():
    mapping = translate("toy:StepDecay(lr=0.1, every=10)")
    assert mapping["kind"] == "step" and mapping["gamma"] == 0.5
    with pytest.raises(SpecError, match=r"toy:StepDecay: unknown argument 'evry'; did you mean 'every'\?"):
        translate("toy:StepDecay(lr=0.1, evry=10)")
    result = run("export", "toy:Cosine(lr=0.1, steps=20)", "--steps", "30")
    assert result.exit_code == 0, result.output
    column = [float(line.split(",")[1]) for line in result.stdout.splitlines()[1:]]
    assert column[0] == 0.1 and column[20:] == [0.0] * 10


@pytest.mark.parametrize("mapping", [
    {"kind": "cosine", "max_lr": 0.1, "cycle_length": 40, "warmup_steps": 5},
    {"kind": "sequence", "max_lr": 0.1, "phases": [{"kind": "step", "steps": 30, "step_size": 10},
                                                  {"kind": "wsd", "decay_steps": 20}]},
    {"kind": "onecycle", "max_lr": 0.1, "total_steps": 50},
])
def test_it_is_written_and_the_snippet_gives_lrscheds_values(mapping):
    schedule = build(mapping, 60)
    source = snippet(schedule, "toy", 60)
    assert source.startswith('# lrsched schedule "') and "for Toy 1.0" in source
    np.testing.assert_allclose(values_of(source, 60), evaluate(schedule, 60), rtol=1e-13, atol=0)


def test_it_is_written_from_the_command_line_and_tabulated_where_needed():
    result = run("export", "step", "--max-lr", "0.1", "--step-size", "10", "--to", "toy")
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(values_of(result.stdout, 40), 0.1 * 0.1 ** (np.arange(40) // 10), rtol=1e-15)
    chain = build({"kind": "chain", "max_lr": 0.1, "schedules": [{"kind": "step", "step_size": 5},
                                                                  {"kind": "exponential", "gamma": 0.9}]}, 30)
    source = snippet(chain, "toy", 30)
    assert "VALUES = [" in source
    np.testing.assert_allclose(values_of(source, 30), evaluate(chain, 30), rtol=1e-15)


def test_it_is_compared(tmp_path):
    result = run("compare", "--as", "toy,torch", "step:max_lr=0.1,step_size=10,gamma=0.5", "--steps", "50",
                 "-o", tmp_path / "as.png")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "toy:StepDecay(lr=0.1, every=10, factor=0.5)" in text and "identical" in text
    assert "StepDecay decays at t == every" in text
    result = run("compare", "--as", "toy", "multistep:max_lr=0.1,milestones=[10]", "--steps", "50",
                 "-o", tmp_path / "as2.png")
    assert result.exit_code == 0, result.output
    assert "Toy has no multistep schedule" in " ".join(result.stdout.split())


def test_it_is_described():
    result = run("describe", "step")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Toy" in text and "StepDecay(lr=max_lr, every=step_size, factor=gamma)" in text
    result = run("describe", "wsd")
    assert "Toy" in result.stdout and "none" in result.stdout


def test_a_framework_that_does_not_write_says_so():
    with pytest.raises(CodegenError, match="^timm: lrsched reads and compares timm schedulers but does not "
                                           "write them; choose one of: torch, hf, optax, keras, toy$"):
        snippet(build({"kind": "constant", "max_lr": 0.1}, 10), "timm", 10)
