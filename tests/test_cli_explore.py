"""list, describe, table, plot and compare, through the CLI."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.kinds import FREQUENCIES, REGISTRY

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_list_shows_every_kind_with_both_axes():
    result = run("list")
    assert result.exit_code == 0
    for kind in REGISTRY:
        assert kind.name in result.stdout
    for frequency in FREQUENCIES.values():
        assert frequency in result.stdout
    assert "quantity" in result.stdout and "frequency" in result.stdout


@pytest.mark.parametrize("kind", list(REGISTRY), ids=lambda k: k.name)
def test_describe_every_kind(kind):
    result = run("describe", kind.name)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    for heading in ("Parameters", "Tips", "Equivalents", "PyTorch", "optax", "Keras", "Hugging Face", "Example"):
        assert heading in text
    for param in kind.params:
        assert param.flag in text
    assert f"lrsched plot {kind.name}" in text


def test_describe_unknown_kind():
    result = run("describe", "cosin")
    assert result.exit_code == 2
    assert result.stderr == "error: unknown kind 'cosin'; did you mean 'cosine'? see 'lrsched list'\n"


def test_table_rows_change_and_summary():
    result = run("table", "step", "--max-lr", "0.1", "--step-size", "3", "--steps", "12", "--every", "3")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if re.match(r"^│\s+\d+ │", line)]
    assert [int(r.split("│")[1]) for r in rows] == [0, 3, 6, 9, 11]
    assert "-0.09" in result.stdout  # change from 0.1 to 0.01
    for heading in ("initial LR", "peak LR", "final LR", "minimum LR", "mean LR", "LR area", "< peak/2 at",
                    "< peak/10 at"):
        assert heading in result.stdout
    assert "epoch 3" in result.stdout  # first falls below half the peak at epoch 3


def test_long_tables_are_sampled():
    result = run("table", "cosine", "--max-lr", "0.1", "--steps", "100000")
    rows = [line for line in result.stdout.splitlines() if re.match(r"^│\s+\d+ │", line)]
    assert 20 <= len(rows) <= 45
    assert rows[-1].split("│")[1].strip() == "99999"


def test_table_of_a_config_with_a_terminal_chart():
    result = run("table", "--config", ROOT / "configs" / "step_gamma.yaml", "--chart")
    assert result.exit_code == 0, result.output
    assert "gamma 0.9" in result.stdout and "⠀" in result.stdout or "⣀" in result.stdout


def test_bad_every():
    result = run("table", "cosine", "--max-lr", "0.1", "--every", "0")
    assert result.exit_code == 2
    assert result.stderr == "error: --every must be an integer >= 1 (received '0')\n"


def test_plot_the_users_example_writes_into_plots(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("plot", "cosine", "--max-lr", "0.1")
    assert result.exit_code == 0, result.output
    path = tmp_path / "plots" / "cosine.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.stderr == "wrote plots/cosine.png\n"


def test_plot_svg_and_bad_suffix(tmp_path):
    svg = tmp_path / "c.svg"
    assert run("plot", "step", "--max-lr", "0.1", "--step-size", "10", "-o", svg, "--log-y").exit_code == 0
    assert svg.read_text().lstrip().startswith("<?xml")
    bad = run("plot", "step", "--max-lr", "0.1", "--step-size", "10", "-o", tmp_path / "c.pdf")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: ") and ".png or .svg" in bad.stderr
    assert not (tmp_path / "c.pdf").exists()


def test_plot_terminal_draws_in_the_terminal(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("plot", "--spec", "cosine:max_lr=0.1", "--spec", "step:max_lr=0.1,step_size=30", "--terminal")
    assert result.exit_code == 0, result.output
    assert "cosine" in result.stdout and "step" in result.stdout
    assert not (tmp_path / "plots").exists()


def test_compare_prints_the_summary_and_writes_plot_and_csv(tmp_path):
    out, csv = tmp_path / "d.png", tmp_path / "d.csv"
    result = run("compare", ROOT / "configs" / "decays.yaml", "-o", out, "--csv", csv, "--layout", "grid")
    assert result.exit_code == 0, result.output
    assert "Summary" in result.stdout and "LR area" in result.stdout
    assert out.exists() and csv.read_text().startswith("epoch,")


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_every_config_renders(config, tmp_path):
    result = run("plot", "--config", config, "-o", tmp_path / f"{config.stem}.svg")
    assert result.exit_code == 0, result.output


def test_list_and_table_do_not_import_matplotlib():
    code = ("import sys; from lrsched_cli.cli import main; sys.argv = ['lrsched'] + sys.argv[1:]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('matplotlib' if 'matplotlib' in sys.modules else 'clean')")
    for args in (["list"], ["table", "cosine", "--max-lr", "0.1", "--steps", "100"], ["--help"]):
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
        assert result.stderr.endswith("clean"), (args, result.stderr)


@pytest.mark.parametrize("args", [[], ["list"], ["describe"], ["export"], ["table"], ["plot"], ["compare"],
                                  ["plot", "cosine"], ["export", "multistep"], ["table", "expr"]])
def test_every_command_help_ends_with_an_example(args):
    result = run(*args, "--help")
    assert result.exit_code == 0
    tail = result.stdout.rstrip().splitlines()
    example_at = max(i for i, line in enumerate(tail) if line.strip().startswith("Example"))
    assert all(line.strip().startswith("lrsched " + " ".join(args[:1])) for line in tail[example_at + 1:])
