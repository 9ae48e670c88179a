"""Static zoom, from the API and the CLI: --xlim draws the window's own points (exact when it is
narrow), --ylim sets the axis, --inset warmup magnifies a short warmup; bad ranges are refused."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st
from typer.testing import CliRunner

import lrsched_cli as lr
from lrsched_cli.cli import app
from lrsched_cli.cli.options import range_option
from lrsched_cli.errors import UsageError

LONG = lr.schedule("cosine", max_lr=0.1, warmup_steps=1000, steps=1_000_000)


def test_xlim_draws_every_step_of_a_narrow_window_of_a_long_run():
    fig = LONG.plot(xlim=(0, 1500))
    line = fig.axes[0].get_lines()[0]
    x, y = line.get_xdata(), line.get_ydata()
    assert fig.axes[0].get_xlim() == (0.0, 1500.0)
    assert x[0] == 0 and x[-1] >= 1500 and np.array_equal(x, np.arange(x[0], x[-1] + 1))  # every step
    assert y.tolist() == LONG.values(int(x[-1]) + 1)[x].tolist()


def test_xlim_with_a_side_left_out_and_ylim():
    fig = LONG.plot(xlim=(900_000, None), ylim=(0, 0.01))
    ax = fig.axes[0]
    assert ax.get_xlim() == (900_000.0, 999_999.0) and ax.get_ylim() == (0.0, 0.01)
    x = ax.get_lines()[0].get_xdata()
    assert x.min() >= 899_999


def test_inset_warmup_magnifies_the_warmup():
    fig = LONG.plot(inset="warmup")
    (inset,) = fig.axes[0].child_axes
    assert inset.get_xlim() == (0.0, 1501.0)
    x = inset.get_lines()[0].get_xdata()
    assert x[0] == 0 and x[-1] == 1501


@pytest.mark.parametrize("kwargs, message", [
    ({"inset": "warmup"}, "no schedule has a warmup"),
    ({"xlim": (50, 10)}, "LOW < HIGH"),
    ({"xlim": (200, None)}, "after the last step"),
    ({"ylim": (float("nan"), 1)}, "finite"),
    ({"ylim": (0, 1), "log_y": True}, "on a log axis must be > 0"),
])
def test_bad_zoom_is_refused(kwargs, message):
    with pytest.raises(UsageError, match=message):
        lr.schedule("cosine", max_lr=0.1, steps=100).plot(**kwargs)


def test_an_inset_of_a_long_warmup_is_refused_with_the_xlim_to_use():
    with pytest.raises(UsageError, match=r"5% of the 100 steps.*--xlim 0:10"):
        lr.schedule("cosine", max_lr=0.1, warmup_steps=5, steps=100).plot(inset="warmup")


def test_cli_zoom_flags(tmp_path):
    out = tmp_path / "z.png"
    args = ["plot", "cosine", "--max-lr", "0.1", "--warmup-steps", "100", "--steps", "100000", "-o", str(out)]
    for extra in (["--xlim", "0:300"], ["--ylim", ":0.05"], ["--inset", "warmup"]):
        result = CliRunner().invoke(app, args + extra)
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:4] == b"\x89PNG"
    result = CliRunner().invoke(app, ["compare", "configs/decays.yaml", "--xlim", "0:20", "-o", str(out)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("extra, message", [
    (["--xlim", "5"], "--xlim must be A:B"),
    (["--ylim", ":"], "--ylim must be A:B"),
    (["--inset", "warmpu"], "did you mean 'warmup'"),
    (["--terminal", "--xlim", "0:5"], "not --terminal"),
    (["--layout", "grid", "--inset", "warmup"], "inside an overlay"),
])
def test_cli_bad_zoom_is_one_line_exit_2(tmp_path, extra, message):
    out = tmp_path / "z.png"
    result = CliRunner().invoke(app, ["plot", "cosine", "--max-lr", "0.1", "--warmup-steps", "1", "--steps", "1000",
                                      "-o", str(out), *extra])
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1
    assert not out.exists()


@given(st.text(max_size=12).filter(lambda t: ":" not in t))
def test_a_range_needs_a_colon(text):
    with pytest.raises(UsageError, match="must be A:B"):
        range_option(text, "--xlim")


@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(allow_nan=False, allow_infinity=False))
def test_a_range_reads_back_its_numbers(low, high):
    assert range_option(f"{low!r}:{high!r}", "--xlim") == (low, high)
