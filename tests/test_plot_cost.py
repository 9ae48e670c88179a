"""The cost of a figure is bounded before it is drawn: pixels, axes, curves and points."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrsched_cli.errors import UsageError
from lrsched_cli.present import plot
from lrsched_cli.present.plot import Series, build_figure, check_figure_cost, figure_cost

ROOT = Path(__file__).resolve().parents[1]


def flat(count: int, steps: int, label_length: int = 6, jumps: bool = False) -> list[Series]:
    """`count` constant series of `steps` values (a zero-stride view: no memory for long ones)."""
    return [Series(f"{i:0{label_length}d}", np.broadcast_to(np.float64(0.1), (steps,)), jumps=jumps)
            for i in range(count)]


figures = st.fixed_dictionaries({
    "count": st.integers(1, plot.MAX_PANELS), "steps": st.integers(1, 3_000_000),
    "label_length": st.integers(1, 120), "jumps": st.booleans(),
    "layout": st.sampled_from(plot.LAYOUTS), "title": st.sampled_from([None, "t"]),
    "dpi": st.integers(plot._MIN_DPI, plot._MAX_DPI)})


@settings(max_examples=300, deadline=None)
@given(figures)
def test_a_refusal_names_the_dpi_just_under_the_limit(case):
    series = flat(case["count"], case["steps"], case["label_length"], case["jumps"])
    layout, title, dpi = case["layout"], case["title"], case["dpi"]
    try:
        cost = check_figure_cost(series, layout, dpi, title)
    except UsageError as error:
        message = str(error)
        assert "\n" not in message and "(at most " in message
        found = re.search(r"use --dpi (\d+) or less", message)
        if found is None:                                  # not even the smallest dpi fits
            assert message.endswith(": draw fewer schedules per figure")
            with pytest.raises(UsageError):
                check_figure_cost(series, layout, plot._MIN_DPI, title)
            return
        under = int(found.group(1))
        assert plot._MIN_DPI <= under < dpi
        dpi = under
        cost = check_figure_cost(series, layout, under, title)          # just under: accepted
        with pytest.raises(UsageError, match="at most"):
            check_figure_cost(series, layout, under + 1, title)         # just over: refused
    assert cost.pixels <= plot.MAX_PIXELS and cost.points <= plot.MAX_POINTS
    if dpi > plot._MIN_DPI:                                            # a lower dpi never costs more
        lower = figure_cost(series, layout, dpi - 1, title)
        assert lower.pixels <= cost.pixels and lower.points <= cost.points


@pytest.mark.parametrize("layout, limit", [("grid", plot.MAX_PANELS), ("overlay", plot.MAX_LINES)])
def test_too_many_axes_or_curves_are_refused_before_drawing(layout, limit):
    check_figure_cost(flat(limit, 10), layout, 10)
    with pytest.raises(UsageError) as refused:
        build_figure(flat(limit + 1, 10), layout=layout, dpi=10)
    way = "use --layout overlay, or split" if layout == "grid" else "split them over several figures"
    assert f"{limit + 1} schedules is too many (at most {limit})" in str(refused.value)
    assert way in str(refused.value)


def test_the_reported_example_is_refused_with_the_way_around():
    with pytest.raises(UsageError, match=r"^the figure would be 33600 x 23200 pixels \(at most 100 million\): "
                                         r"use --dpi 358 or less, or fewer schedules per figure$"):
        check_figure_cost(flat(60, 1000), "grid", 1000)


@settings(max_examples=25, deadline=None)
@given(count=st.integers(1, 12), steps=st.integers(1, 150_000), label_length=st.integers(1, 100),
       layout=st.sampled_from(plot.LAYOUTS), dpi=st.integers(10, 40), jumps=st.booleans())
def test_the_estimate_bounds_the_figure_drawn(count, steps, label_length, layout, dpi, jumps):
    t = np.arange(steps, dtype=np.float64)
    series = [Series(("W" * label_length)[:label_length - 1] + str(i), 0.1 * np.cos(t / (50 + i)) ** 2 + 0.01,
                     jumps=jumps) for i in range(count)]
    cost = figure_cost(series, layout, dpi, "title")
    fig = build_figure(series, layout=layout, dpi=dpi, title="title")
    assert fig.bbox.width <= cost.width_px and fig.bbox.height <= cost.height_px
    drawn = sum(len(line.get_path().vertices) for ax in fig.axes for line in ax.get_lines())
    assert drawn <= cost.points
    assert len(fig.axes) <= cost.axes


MEASURE = """
import json, sys
import numpy as np
import matplotlib.figure, matplotlib.backends.backend_agg, PIL.Image
from lrsched_cli.present.plot import Series, figure_cost, save_figure
layout, count, steps, dpi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t = np.arange(steps, dtype=np.float64)
series = [Series(f"schedule {i}", 0.1 * np.cos(t / (700 + 31 * i)) ** 2 + 0.01) for i in range(count)]
def status(key):
    return int(open("/proc/self/status").read().split(key + ":")[1].split()[0]) * 1024
before = status("VmRSS")
save_figure(series, sys.argv[5], layout=layout, dpi=dpi)
print(json.dumps({"used": status("VmHWM") - before, "estimate": figure_cost(series, layout, dpi).bytes}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads peak memory from /proc")
@pytest.mark.parametrize("layout, count, steps, dpi", [("overlay", 1, 1000, 600), ("grid", 9, 1000, 250),
                                                       ("overlay", 20, 200_000, 600), ("grid", 4, 300_000, 400),
                                                       ("overlay", 5, 1_000_000, 150), ("overlay", 1, 1000, 10)])
def test_the_estimate_bounds_the_peak_memory(tmp_path, layout, count, steps, dpi):
    result = subprocess.run([sys.executable, "-c", MEASURE, layout, str(count), str(steps), str(dpi),
                             str(tmp_path / "x.png")], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    measured = json.loads(result.stdout)
    assert measured["used"] <= measured["estimate"], measured
    assert measured["estimate"] <= 8 * measured["used"] + 50_000_000, measured   # and not far above it


def test_cli_refuses_a_huge_grid_in_one_line_and_writes_nothing(tmp_path):
    from typer.testing import CliRunner

    from lrsched_cli.cli import app

    specs = [arg for i in range(plot.MAX_PANELS + 1) for arg in ("--spec", f"constant:max_lr=0.{i + 1}")]
    out = tmp_path / "grid.png"
    result = CliRunner().invoke(app, ["plot", *specs, "--layout", "grid", "--steps", "10", "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == (f"error: a grid of {plot.MAX_PANELS + 1} schedules is too many (at most "
                             f"{plot.MAX_PANELS}): use --layout overlay, or split them over several figures\n")
    assert not out.exists() and os.listdir(tmp_path) == []
