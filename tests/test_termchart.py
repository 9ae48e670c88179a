"""The braille terminal chart: geometry, what it draws, colours, degenerate input and speed."""
from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from lrsched_cli.present.termchart import PALETTE, render_chart

BLANK = " \u2800"
AXIS_LINES = 3  # the x axis, its tick labels, the unit


def lines_of(text):
    return text.plain.split("\n")


def plot_area(text, height, title=False):
    """Each plot row's cells, found from the axis character (┤ or │) in the gutter."""
    rows = lines_of(text)[int(title):int(title) + height]
    cells = []
    for row in rows:
        axis = max(row.find("┤"), row.find("│"))
        assert axis >= 0, row
        cells.append(row[axis + 1:])
    return cells


def dots(cell):
    """Braille dot bits of one character (0 for blank)."""
    return 0 if cell in BLANK else ord(cell) - 0x2800


def cosine(n, top=0.1, bottom=0.0):
    t = np.arange(n)
    return bottom + (top - bottom) * (1 + np.cos(np.pi * t / max(n, 1))) / 2


def step(n, top=0.1, every=30, gamma=0.5):
    return top * gamma ** (np.arange(n) // every)


# -- geometry ------------------------------------------------------------------------------------

@pytest.mark.parametrize("title", [None, "cosine vs step"])
def test_line_count_and_equal_row_widths(title):
    width, height = 60, 12
    text = render_chart([("cosine", cosine(100)), ("step", step(100))], width=width, height=height,
                        title=title)
    lines = lines_of(text)
    assert len(lines) == (1 if title else 0) + height + AXIS_LINES + 1
    rows = lines[(1 if title else 0):][:height]
    assert len({len(r) for r in rows}) == 1
    assert all(len(c) == width for c in plot_area(text, height, bool(title)))
    axis_line = lines[(1 if title else 0) + height]
    assert len(axis_line) == len(rows[0]) and "└" in axis_line
    if title:
        assert lines[0].strip() == title


def test_axis_labels_and_unit():
    text = render_chart([("cosine", cosine(100))], width=60, height=12, unit="step")
    lines = lines_of(text)
    labels = lines[12 + 1].split()
    assert labels[0] == "0" and labels[-1] == "99" and len(labels) == 3
    assert lines[12 + 2].strip() == "step"
    gutter = [line[:line.find("┤")].strip() for line in lines[:12] if "┤" in line]
    assert 3 <= len(gutter) <= 6
    assert float(gutter[0]) == pytest.approx(0.1, rel=0.025)
    assert float(gutter[-1]) == pytest.approx(cosine(100)[-1], rel=0.025)
    assert len({len(g) for g in gutter}) == 1  # one format for every label
    assert [float(g) for g in gutter] == sorted((float(g) for g in gutter), reverse=True)


def test_legend_holds_every_label_in_order():
    text = render_chart([("cosine", cosine(50)), ("step decay", step(50))], width=40, height=8)
    legend = lines_of(text)[-1]
    assert "━ cosine" in legend and "━ step decay" in legend
    assert legend.index("cosine") < legend.index("step decay")


# -- what is drawn -------------------------------------------------------------------------------

def test_decreasing_series_runs_from_top_left_to_bottom_right():
    width, height = 40, 10
    cells = plot_area(render_chart([("linear", np.linspace(1.0, 0.0, 1000))], width=width, height=height),
                      height)
    first = [row[0] for row in cells]
    last = [row[-1] for row in cells]
    assert dots(first[0]) and not any(dots(c) for c in first[1:])
    assert dots(last[-1]) and not any(dots(c) for c in last[:-1])
    # the top-left dot itself is lit, and so is the bottom-right one
    assert dots(first[0]) & 0x01
    assert dots(last[-1]) & 0x80


def test_constant_series_is_one_horizontal_line():
    width, height = 30, 8
    cells = plot_area(render_chart([("flat", np.full(200, 0.1))], width=width, height=height), height)
    lit = [i for i, row in enumerate(cells) if any(dots(c) for c in row)]
    assert len(lit) == 1
    row = cells[lit[0]]
    assert all(dots(c) for c in row)
    assert len(set(row)) == 1  # the same single dot row in every cell
    assert bin(dots(row[0])).count("1") == 2  # one dot high, two wide


def test_step_schedule_shows_vertical_strokes():
    width, height = 50, 12
    cells = plot_area(render_chart([("step", step(1000, every=250))], width=width, height=height), height)
    # a stroke: a column lit in several consecutive rows
    columns = [[dots(row[c]) for row in cells] for c in range(width)]
    runs = [max(len(r) for r in "".join("x" if d else " " for d in col).split(" ")) for col in columns]
    strokes = [c for c, run in enumerate(runs) if run >= 2]
    assert 3 <= len(strokes) <= 6  # three drops, each one or two columns wide
    # elsewhere the line is flat: one row per column
    assert sum(1 for run in runs if run == 1) >= width - 8


def test_single_point_and_two_points():
    for values in (np.array([0.3]), np.array([0.1, 0.2])):
        text = render_chart([("few", values)], width=20, height=5)
        cells = plot_area(text, 5)
        assert any(dots(c) for row in cells for c in row)
        assert lines_of(text)[5 + 1].split()[0] == "0"


def test_series_of_different_lengths_share_the_x_axis():
    cells = plot_area(render_chart([("long", np.full(100, 1.0)), ("short", np.full(50, 0.0))],
                                   width=40, height=8), 8)
    bottom = cells[-1]
    assert all(dots(c) for c in bottom[:19]) and not any(dots(c) for c in bottom[21:])


# -- colour --------------------------------------------------------------------------------------

def test_styles_carry_the_palette():
    text = render_chart([("a", cosine(100)), ("b", step(100)), ("c", np.full(100, 0.02))],
                        width=50, height=10)
    styles = {str(span.style) for span in text.spans}
    assert {PALETTE[0], PALETTE[1], PALETTE[2]} <= styles


def test_colour_only_in_styles():
    text = render_chart([("a", cosine(100)), ("b", step(100))], width=50, height=10, title="t")
    plain = io.StringIO()
    Console(file=plain, force_terminal=False, width=200).print(text)
    assert "\x1b" not in plain.getvalue()
    assert plain.getvalue().rstrip("\n") == text.plain
    coloured = io.StringIO()
    Console(file=coloured, force_terminal=True, color_system="truecolor", width=200).print(text)
    assert "\x1b[38;2;" in coloured.getvalue()
    no_colour = io.StringIO()
    Console(file=no_colour, force_terminal=True, no_color=True, width=200).print(text)
    assert "38;2;" not in no_colour.getvalue()


# -- log axis and degenerate input ---------------------------------------------------------------

def test_log_y_with_zeros_present():
    values = np.concatenate([np.zeros(10), np.geomspace(1e-1, 1e-5, 90)])
    text = render_chart([("warm", values), ("zero", np.zeros(100))], width=40, height=12, log_y=True)
    lines = lines_of(text)
    assert len(lines) == 12 + AXIS_LINES + 1
    gutter = [line[:line.find("┤")].strip() for line in lines[:12] if "┤" in line]
    assert float(gutter[0]) == pytest.approx(0.1) and float(gutter[-1]) == pytest.approx(1e-5)
    assert "1.0e-03" in gutter  # whole decades between
    cells = plot_area(text, 12)
    assert not any(dots(row[0]) for row in cells)  # the zeros of the warmup are not drawn
    assert dots(cells[0][5]) and dots(cells[-1][-1])


def test_log_y_with_nothing_positive_still_draws_axes():
    text = render_chart([("zero", np.zeros(10))], width=20, height=6, log_y=True)
    assert len(lines_of(text)) == 6 + AXIS_LINES + 1
    assert not any(dots(c) for row in plot_area(text, 6) for c in row)


def test_rejects_empty_plot_area():
    with pytest.raises(ValueError):
        render_chart([("a", np.ones(3))], width=0)


def test_five_series_of_a_million_points():
    n = 1_000_000
    t = np.arange(n)
    series = [(f"s{i}", 0.05 + 0.05 * np.cos(2 * np.pi * t / (n / (i + 1)))) for i in range(5)]
    text = render_chart(series, width=72, height=16)
    lines = lines_of(text)
    assert len(lines) == 16 + AXIS_LINES + 1
    assert lines[16 + 1].split() == ["0", "500000", "999999"]
    assert all(any(dots(c) for c in row) for row in plot_area(text, 16))


# -- any input -----------------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(data=st.lists(st.lists(finite, min_size=1, max_size=500), min_size=1, max_size=8),
       width=st.integers(1, 100), height=st.integers(1, 24), log_y=st.booleans(),
       title=st.one_of(st.none(), st.text(min_size=1, max_size=30)))
def test_any_finite_input_keeps_the_geometry(data, width, height, log_y, title):
    series = [(f"s{i}", np.array(values)) for i, values in enumerate(data)]
    text = render_chart(series, width=width, height=height, log_y=log_y, title=title)
    lines = lines_of(text)
    has_title = title is not None
    assert len(lines) == has_title + height + AXIS_LINES + 1
    rows = lines[has_title:has_title + height + 1]  # plot rows and the x axis
    assert len({len(r) for r in rows}) == 1
    assert all(len(c) == width for c in plot_area(text, height, has_title))
    assert all(len(line) <= len(rows[0]) for line in lines[:has_title] + lines[has_title + height + 1:-1])
    assert lines[-1].split("━ ")[1:] == [f"s{i}" + ("  " if i < len(data) - 1 else "") for i in range(len(data))]
