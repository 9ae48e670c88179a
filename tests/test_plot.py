"""Tests for lrsched_cli.present.plot: drawn data vs the values, reduction of long series, files."""
from __future__ import annotations

import os

import numpy as np
import pytest

from lrsched_cli.present import plot
from lrsched_cli.errors import OutputError, UsageError
from lrsched_cli.present.plot import Series, build_figure, check_plot_path, reduce_points, save_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- schedules written out with numpy -----------------------------------------------------------

def cosine(n: int, lr: float = 0.1) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)
    return 0.5 * lr * (1 + np.cos(np.pi * t / max(n - 1, 1)))


def step(n: int, lr: float = 0.1, size: int = 30_000, gamma: float = 0.5) -> np.ndarray:
    return lr * gamma ** np.floor(np.arange(n) / size)


def cosine_restarts(n: int, lr: float = 0.1, period: int = 7_919) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)
    return 0.5 * lr * (1 + np.cos(np.pi * (t % period) / period))


def short_series() -> list[Series]:
    n = 100
    t = np.arange(n, dtype=np.float64)
    return [Series("cosine", cosine(n)), Series("step", step(n, size=30), marks=[30, 60, 90]),
            Series("exp", 0.1 * 0.97 ** t)]


def long_series() -> list[Series]:
    n = 200_000
    return [Series("step", step(n), marks=list(range(30_000, n, 30_000))),
            Series("restarts", cosine_restarts(n), marks=list(range(7_919, n, 7_919)))]


def columns_of(series: list[Series], dpi: int = 150, layout: str = "overlay") -> int:
    """The buckets per axes build_figure uses: about 2 per pixel of the figure's width."""
    (width, _), _, ncols = plot._figure_size(len(series), layout, None)
    return plot._columns(width, dpi, ncols)


def buckets(n: int, columns: int) -> list[tuple[int, int]]:
    """The documented partition of reduce_points: consecutive buckets of ceil(n/columns)."""
    size = -(-n // columns)
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def check_reduction(values: np.ndarray, x: np.ndarray, y: np.ndarray, columns: int) -> None:
    n = values.size
    assert x.dtype.kind == "i" and x[0] == 0 and x[-1] == n - 1
    assert np.all(np.diff(x) > 0)
    assert np.array_equal(y, values[x])                 # every point drawn is a real point
    assert y.max() == values.max() and y.min() == values.min()
    edges = np.searchsorted(x, [b for _, b in buckets(n, columns)])
    start = 0
    for (a, b), stop in zip(buckets(n, columns), edges):
        drawn = y[start:stop]
        assert x[start] == a and x[stop - 1] == b - 1   # first and last point of each bucket
        assert drawn.min() == values[a:b].min() and drawn.max() == values[a:b].max()
        assert stop - start <= 4
        start = stop


# -- reduce_points --------------------------------------------------------------------------------

def test_short_series_are_not_reduced():
    values = cosine(400)
    x, y = reduce_points(values, 100)
    assert np.array_equal(x, np.arange(400)) and np.array_equal(y, values)
    y[0] = -1.0
    assert values[0] != -1.0                            # a copy, never a view


@pytest.mark.parametrize("n, columns", [(200_000, 2_700), (100_003, 1_000), (4_001, 1_000),
                                        (999_983, 517)])
def test_reduce_points_keeps_bucket_extremes(n, columns):
    rng = np.random.default_rng(n)
    values = np.cumsum(rng.normal(size=n)) + np.where(rng.random(n) < 0.001, 50.0, 0.0)
    x, y = reduce_points(values, columns)
    assert len(x) <= 4 * len(buckets(n, columns))
    check_reduction(values, x, y, columns)


def test_reduce_points_preserves_jumps_exactly():
    values = step(200_000)
    x, y = reduce_points(values, 1_000)
    for jump in range(30_000, 200_000, 30_000):
        i = np.searchsorted(x, jump)
        assert x[i] == jump and y[i] == values[jump]    # first point after the drop is drawn
        assert y[i - 1] == values[jump - 1]             # and the level before it


def test_reduce_points_ignores_nan_for_extremes():
    values = cosine(50_000)
    values[::7] = np.nan
    x, y = reduce_points(values, 500)
    finite = values[~np.isnan(values)]
    assert np.nanmax(y) == finite.max() and np.nanmin(y) == finite.min()
    assert np.array_equal(y, values[x], equal_nan=True)


# -- figures ------------------------------------------------------------------------------------

def test_short_series_drawn_exactly():
    series = short_series()
    fig = build_figure(series)
    lines = fig.axes[0].get_lines()
    assert len(lines) == len(series)
    for line, s in zip(lines, series):
        assert np.array_equal(line.get_xdata(), np.arange(s.values.size))
        assert np.array_equal(line.get_ydata(), s.values)
    assert fig.axes[0].get_xlim() == (0, 99)


def test_long_series_drawn_reduced_but_exact():
    series = long_series()
    fig = build_figure(series, unit="step")
    columns = columns_of(series)
    assert columns == int(9 * 150 * 2)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2
    for line, s in zip(lines, series):
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert len(x) < s.values.size / 10
        check_reduction(s.values, x, y, columns)
    assert fig.axes[0].get_xlim() == (0, 199_999)


def test_reduced_picture_matches_every_point():
    """The reduction is invisible: rendered pixels barely differ from drawing every point."""
    n = 60_000
    series = [Series("restarts", cosine_restarts(n, period=1_201)), Series("step", step(n, size=7_000)),
              Series("noisy", cosine(n) * (1 + 0.2 * np.sin(np.arange(n) * 0.37)))]

    def pixels(reduce: bool) -> np.ndarray:
        fig = build_figure(series, dpi=80, reduce=reduce)
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)

    fast, full = pixels(True), pixels(False)
    assert len(build_figure(series, dpi=80).axes[0].get_lines()[0].get_xdata()) < n / 5
    assert fast.shape == full.shape
    # ~0.1% of pixels differ (antialiasing); a naive stride or dropping half the kept points
    # makes 3-7% differ.
    differ = np.abs(fast - full).max(axis=2) > 48
    assert differ.mean() < 0.005, f"{differ.mean():.2%} of the pixels differ"


def test_legend_axis_labels_and_title():
    series = short_series()
    fig = build_figure(series, unit="step", title="three")
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["cosine", "step", "exp"]
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "learning rate"
    assert ax.get_title() == "three"
    assert build_figure(series).axes[0].get_xlabel() == "epoch"
    assert build_figure(series).axes[0].get_title() == ""


def test_user_text_is_shown_literally():
    series = [Series("_hidden?", cosine(20)), Series("cost $\\alpha$ {", cosine(20) / 2)]
    for layout in ("overlay", "grid"):
        fig = build_figure(series, title="$\\bad{$ and 5", unit="$step", layout=layout)
        fig.canvas.draw()                                 # no mathtext parse error
    legend = build_figure(series).axes[0].get_legend()
    assert len(legend.get_texts()) == 2
    assert legend.get_texts()[0].get_text() == "_hidden?"


def test_colours_are_okabe_ito_and_distinct():
    series = [Series(f"s{i}", cosine(50) * (i + 1)) for i in range(10)]
    lines = build_figure(series).axes[0].get_lines()
    styles = {(line.get_color(), line.get_linestyle()) for line in lines}
    assert len(styles) == 10
    assert [line.get_color() for line in lines[:8]] == list(plot.PALETTE)


def test_legend_does_not_hide_curves():
    dense = long_series() + [Series("cosine", cosine(200_000)),
                             Series("triangle", 0.01 + 0.09 * (1 - np.abs((np.arange(200_000) / 9_000) % 2 - 1)))]
    for series, outside in ((dense, True), (short_series(), False)):
        fig = build_figure(series, unit="step")
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        box = ax.get_legend().get_window_extent(renderer)
        for line in ax.get_lines():
            path = line.get_transform().transform_path(line.get_path())
            assert not path.intersects_bbox(box, filled=False), line.get_label()
        # no free corner in the dense one: its legend goes right of the axes
        assert (box.x0 > ax.get_window_extent(renderer).x1) == outside
        assert box.x1 <= fig.bbox.x1 + 1                # and is not clipped


def test_many_series_legend_outside():
    series = [Series(f"s{i}", cosine(50) * (i + 1)) for i in range(7)]
    fig = build_figure(series)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = fig.axes[0].get_legend()
    assert len(legend.get_texts()) == 7
    assert legend.get_window_extent(renderer).x0 > fig.axes[0].get_window_extent(renderer).x1
    assert legend.get_window_extent(renderer).x1 <= fig.bbox.x1 + 1


def test_y_limits():
    ax = build_figure([Series("c", np.full(30, 0.1))]).axes[0]
    bottom, top = ax.get_ylim()
    assert bottom == 0 and 0.1 < top < 0.12               # constant: not degenerate
    bottom, top = build_figure([Series("cos", cosine(100))]).axes[0].get_ylim()
    assert -0.01 < bottom < 0 and 0.1 < top < 0.11        # reaches 0: a little room below
    bottom, top = build_figure([Series("zero", np.zeros(10))]).axes[0].get_ylim()
    assert bottom < 0 < top
    ax = build_figure([Series("one", np.array([0.1]))]).axes[0]
    assert ax.get_xlim()[0] < 0 < ax.get_xlim()[1]


def test_tiny_values_use_scientific_notation():
    ax = build_figure([Series("tiny", cosine(100, lr=3e-5))]).axes[0]
    ax.figure.canvas.draw()
    offset = ax.yaxis.get_major_formatter().get_offset().replace("\u2212", "-")
    assert "10^{-5}" in offset


def test_log_y():
    series = short_series()
    ax = build_figure(series, log_y=True).axes[0]
    assert ax.get_yscale() == "log"
    assert build_figure(series).axes[0].get_yscale() == "linear"


def test_log_y_masks_non_positive_values():
    values = cosine(100)                                  # ends at exactly 0
    values[10] = -0.5
    ax = build_figure([Series("cos", values)], log_y=True).axes[0]
    y = np.asarray(ax.get_lines()[0].get_ydata())
    assert np.isnan(y[10]) and np.isnan(y[-1]) and np.all(y[~np.isnan(y)] > 0)
    bottom, top = ax.get_ylim()
    assert ax.get_yscale() == "log" and 0 < bottom < np.nanmin(y) and top > 0.1
    ax.figure.canvas.draw()                               # renders without warnings or errors
    ax = build_figure([Series("zero", np.zeros(20))], log_y=True).axes[0]
    assert ax.get_yscale() == "linear"                    # nothing positive: linear fallback


def test_marks_are_vertical_lines_capped():
    fig = build_figure(long_series())
    collections = fig.axes[0].collections
    assert len(collections) == 2
    assert [len(c.get_segments()) for c in collections] == [6, 25]
    many = Series("many", cosine(10_000), marks=list(range(5, 10_000, 5)))
    (collection,) = build_figure([many]).axes[0].collections
    assert 100 < len(collection.get_segments()) <= plot.MAX_MARKS
    # marks outside the drawn range are dropped
    fig = build_figure([Series("s", cosine(10), marks=[-3, 0, 4, 10, 99])])
    (collection,) = fig.axes[0].collections
    assert [seg[0][0] for seg in collection.get_segments()] == [4]


@pytest.mark.parametrize("count, ncols", [(1, 1), (3, 2), (5, 3), (9, 3)])
def test_grid_layout_has_one_axes_per_series(count, ncols):
    series = [Series(f"s{i}", cosine(200, lr=0.1 * (i + 1))) for i in range(count)]
    fig = build_figure(series, layout="grid", unit="step", title="grid")
    assert len(fig.axes) == count
    assert [ax.get_title() for ax in fig.axes] == [s.label for s in series]
    for ax, s in zip(fig.axes, series):
        (line,) = ax.get_lines()
        assert np.array_equal(line.get_ydata(), s.values)
        assert ax.get_ylim()[1] > s.values.max()
    assert fig.axes[0].get_gridspec().ncols == ncols
    assert all(ax.get_xlim() == (0, 199) for ax in fig.axes)
    assert fig.axes[-1].get_xlabel() == "step"
    assert "grid" in [text.get_text() for text in fig.texts]     # the suptitle


def test_bad_arguments():
    with pytest.raises(UsageError, match="unknown layout 'stacked'; use overlay or grid"):
        build_figure(short_series(), layout="stacked")
    with pytest.raises(UsageError, match="nothing to plot"):
        build_figure([])
    with pytest.raises(UsageError, match="dpi"):
        build_figure(short_series(), dpi=0)


# -- files ----------------------------------------------------------------------------------------

def test_check_plot_path(monkeypatch, tmp_path):
    assert check_plot_path("a/b.png") == "png"
    assert check_plot_path(tmp_path / "x.SVG") == "svg"
    with pytest.raises(UsageError) as info:
        check_plot_path("plot.pdf")
    assert str(info.value) == "plot.pdf: unsupported format '.pdf'; use .png or .svg"
    with pytest.raises(UsageError, match="no file extension"):
        check_plot_path("plot")


def test_unsupported_suffix_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as info:
        save_figure(short_series(), "plot.pdf", dpi=50)
    assert str(info.value) == "plot.pdf: unsupported format '.pdf'; use .png or .svg"
    assert os.listdir(tmp_path) == []


def test_png_and_svg_written(tmp_path):
    png = save_figure(short_series(), tmp_path / "x.png", dpi=50)
    svg = save_figure(short_series(), str(tmp_path / "x.svg"), layout="grid", log_y=True, dpi=50)
    assert png == tmp_path / "x.png" and svg == tmp_path / "x.svg"
    assert png.read_bytes().startswith(PNG_MAGIC)
    text = svg.read_bytes()
    assert text.startswith(b"<?xml") and b"<svg" in text[:1000]
    assert sorted(os.listdir(tmp_path)) == ["x.png", "x.svg"]   # no temp files left


def test_outputs_are_reproducible(tmp_path):
    n = 20_000
    series = [Series("restarts", cosine_restarts(n, period=3_000), marks=[3_000, 6_000]),
              Series("step", step(n, size=5_000))]
    first = save_figure(series, tmp_path / "a.svg", title="t", dpi=50).read_bytes()
    second = save_figure(series, tmp_path / "a.svg", title="t", dpi=50).read_bytes()
    assert first == second
    assert b"<dc:date>" not in first
    assert os.listdir(tmp_path) == ["a.svg"]


def test_missing_parent_folder_is_created(tmp_path):
    path = tmp_path / "plots" / "deeper" / "x.png"
    assert save_figure(short_series(), path, dpi=50) == path
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_unwritable_path_is_an_output_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError):
        save_figure(short_series(), tmp_path / "file" / "x.png", dpi=50)


def test_show_only_with_a_display(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(plot, "_show", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(plot, "can_show", lambda: False)
    assert save_figure(short_series(), tmp_path / "x.png", show=True, dpi=50).exists()
    assert calls == []
    monkeypatch.setattr(plot, "can_show", lambda: True)
    save_figure(short_series(), tmp_path / "x.png", show=True, layout="grid", dpi=50)
    assert len(calls) == 1 and calls[0]["layout"] == "grid"


def test_can_show(monkeypatch):
    monkeypatch.setattr(plot.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    assert plot.can_show() is False
    monkeypatch.setenv("DISPLAY", ":0")
    assert plot.can_show() is True
    monkeypatch.setenv("MPLBACKEND", "Agg")
    assert plot.can_show() is False


def test_no_pyplot_figures_left():
    import sys

    build_figure(short_series())
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []



def test_very_long_labels_are_shortened_and_draw_without_warnings(tmp_path):
    import warnings

    label = "x" * 5000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot.save_figure([plot.Series(label, np.linspace(1.0, 0.1, 50))], tmp_path / "long.png")
    fig = plot.build_figure([plot.Series(label, np.linspace(1.0, 0.1, 50))])
    (text,) = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(text) == plot.MAX_TEXT and text.endswith("...")


@pytest.mark.parametrize("series", [short_series(), long_series() + [Series("cosine", cosine(200_000))],
                                    [Series(f"s{i}", cosine(50) * (i + 1)) for i in range(7)]])
@pytest.mark.parametrize("layout", plot.LAYOUTS)
def test_figure_is_laid_out_once_and_drawn_once(monkeypatch, series, layout):
    """The layout is computed in build_figure and kept; writing the file draws the figure once
    (savefig would draw it twice with a layout engine set, and loc="best" would search again)."""
    from matplotlib.figure import Figure

    fig = build_figure(series, layout=layout)
    assert fig.get_layout_engine() is None
    legend = fig.axes[0].get_legend()
    if legend is not None:
        assert legend._loc != 0                     # a fixed spot, not "best"
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: (draws.append(1), original(self, renderer)))
    plot.render(fig, "png", 150)
    assert len(draws) == 1
