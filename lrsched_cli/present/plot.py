"""Draw learning-rate schedules to PNG or SVG: the only module that imports matplotlib.

The CLI imports this module lazily, only when it draws. Figures are built with the
object-oriented API (`Figure` + an explicit Agg canvas), never through pyplot's global state;
pyplot is imported only to open a window for ``show=True``.

Long schedules are fast to draw because each series is first reduced to what the pixels can
show (`reduce_points`): the x range is split into about two buckets per pixel column and each
bucket keeps its first, lowest, highest and last point, so jumps (step decays, warm restarts)
and extremes are drawn exactly and the picture is the same as with every point.

Files are rendered in memory and written atomically (`files.atomic_write`); SVG output is
byte-for-byte reproducible (no date, fixed id salt).
"""
from __future__ import annotations

import io
import math
import os
import re
import sys
import threading
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..errors import UsageError
from ..io.files import _display, atomic_write

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "Series",
    "PLOT_SUFFIXES",
    "LAYOUTS",
    "check_plot_path",
    "save_figure",
    "save_panels",
    "build_figure",
    "reduce_points",
    "can_show",
    "plot_file_name",
    "FigureCost",
    "figure_cost",
    "check_figure_cost",
    "save_difference_figure",
    "prefetch_matplotlib",
]


@dataclass
class Series:
    label: str
    values: np.ndarray        # float64 lr(t) for t = 0..n-1
    marks: list[int] = field(default_factory=list)   # steps where phases/milestones/restarts fall
    jumps: bool = False  # piecewise constant: lr(t) holds from t to t+1, drawn as a staircase
    warmup: int = 0      # steps of its warmup, for `inset="warmup"`


PLOT_SUFFIXES = (".png", ".svg")
LAYOUTS = ("overlay", "grid")

#: Okabe-Ito colour-blind-safe palette, in order; cycled (with a new line style per cycle).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
_LINESTYLES = ("-", "--", "-.", ":")

#: More series than this in an overlay: the legend goes outside, right of the axes.
LEGEND_INSIDE_MAX = 6
#: At most this many mark lines per series (evenly chosen if there are more).
MAX_MARKS = 200
#: Buckets per pixel column in `reduce_points`.
BUCKETS_PER_PIXEL = 2
LINE_WIDTH = 1.4
#: Largest |lr| drawn; beyond it matplotlib's axis arithmetic overflows.
MAX_DRAWABLE = 1e200
#: Smallest lr drawn on a log axis (smaller ones are left out, like those <= 0), for the same reason.
MIN_LOG_DRAWABLE = 1e-200

#: zlib level of PNG files: the same pixels as PIL's default (6) in about 60% of its time (the
#: encoding was a third of drawing 5 x 1M steps), for files about 17% larger (bench/suite.py).
PNG_COMPRESS_LEVEL = 2

_OVERLAY_SIZE = (9.0, 5.0)          # inches
_GRID_CELL = (4.2, 2.9)
_MIN_DPI, _MAX_DPI = 10, 1000
_SVG_SALT = "lrsched"

# Applied on top of matplotlib's defaults (a user's matplotlibrc does not change our files).
_RC: dict[str, Any] = {
    "svg.hashsalt": _SVG_SALT,
    "svg.fonttype": "path",
    "font.size": 10.0,
    "axes.titlesize": 11.0,
    "axes.labelsize": 10.0,
    "xtick.labelsize": 9.0,
    "ytick.labelsize": 9.0,
    "legend.fontsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "0.35",
    "xtick.color": "0.25",
    "ytick.color": "0.25",
    "axes.labelcolor": "0.15",
    "grid.color": "0.88",
    "grid.linewidth": 0.6,
    "grid.linestyle": "-",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "path.simplify": True,
}


# -- paths and capabilities -------------------------------------------------------------------


def check_plot_path(path: str | os.PathLike[str], extra: tuple[str, ...] = ()) -> str:
    """The image format for `path`: "png" or "svg" (suffix, any case), or one of the `extra`
    suffixes the caller writes itself (the CLI's ".html"); else `UsageError`."""
    name = _display(path)
    suffix = Path(os.fspath(path)).suffix
    if suffix.lower() in PLOT_SUFFIXES + extra:
        return suffix.lower()[1:]
    allowed = " or ".join(PLOT_SUFFIXES) + "".join(f", or {suffix}" for suffix in extra)
    if not suffix:
        raise UsageError(f"{name}: no file extension; use {allowed}")
    raise UsageError(f"{name}: unsupported format {suffix!r}; use {allowed}")


#: Longest file name `plot_file_name` returns, in UTF-8 bytes (most file systems allow 255).
MAX_NAME_BYTES = 120
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}


def plot_file_name(label: str) -> str:
    """A safe file name (no suffix) made from a schedule's label: a label is not a path.

    Letters, digits and ``. _ + - =`` are kept; every other character (separators, spaces,
    control characters, lone surrogates) becomes "_", runs of "_" shrink to one, and leading
    dots, dashes and "_" (hidden files, option-like names) and trailing dots and "_" go. The result is
    one path component, at most MAX_NAME_BYTES long, never empty ("plot"), and never a
    Windows device name.
    """
    text = unicodedata.normalize("NFC", str(label)[:4 * MAX_NAME_BYTES])
    kept = "".join(c if c.isalnum() or c in "._+-=" else "_" for c in text)
    name = re.sub(r"_{2,}", "_", kept).lstrip("._-").rstrip("._")
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1].rstrip("._")
    if not name.strip("_"):
        return "plot"
    head, dot, tail = name.partition(".")
    if head.upper() in _WINDOWS_DEVICES:  # "nul.txt" is the device too
        name = f"{head}_{dot}{tail}"
    return name


_NON_INTERACTIVE = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


def can_show() -> bool:
    """True if a plot window can probably be opened (a display, and no non-GUI MPLBACKEND)."""
    backend = os.environ.get("MPLBACKEND", "").strip().lower()
    if backend in _NON_INTERACTIVE:
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


#: What drawing a figure imports, beyond matplotlib itself: `prefetch_matplotlib` imports them ahead.
_FIGURE_MODULES = ("matplotlib.style", "matplotlib.figure", "matplotlib.backends.backend_agg",
                   "matplotlib.ticker", "matplotlib.transforms")


class _Prefetch:
    """matplotlib imported in a thread: what the import raised, its log records and the MPLBACKEND
    it was imported without, for `_import_matplotlib` to hand over in the caller's thread."""

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.backend: str | None = None
        self.records: list[Any] = []
        self.thread = threading.Thread(target=self._run, name="lrsched-matplotlib", daemon=True)

    def _run(self) -> None:
        import importlib
        import logging

        class Keep(logging.Handler):  # held back: said in the caller's thread, in order with its own notes
            def emit(handler, record: logging.LogRecord) -> None:
                self.records.append(record)

        log = logging.getLogger("matplotlib")
        keep, propagate = Keep(), log.propagate
        log.addHandler(keep)
        log.propagate = False
        try:
            self.backend = _import_without_backend()
            for name in _FIGURE_MODULES:
                importlib.import_module(name)
        except BaseException as error:  # raised again where the figure is drawn, as if imported there
            self.error = error
        finally:
            log.removeHandler(keep)
            log.propagate = propagate

    def result(self) -> str | None:
        import logging

        self.thread.join()
        for record in self.records:
            logging.getLogger(record.name).handle(record)
        if self.error is not None:
            raise self.error
        return self.backend


_prefetched: _Prefetch | None = None


def prefetch_matplotlib() -> None:
    """Start importing matplotlib (and what a figure needs) in a background thread, for a caller
    that will draw: the import (about half a second) then overlaps the caller's reading and
    evaluating, whose numpy loops release the GIL. `_import_matplotlib` waits for it; an import
    that failed raises there, as an import in place would. Does nothing once matplotlib is in."""
    global _prefetched
    if _prefetched is not None or "matplotlib" in sys.modules:
        return
    _prefetched = _Prefetch()
    _prefetched.thread.start()


def _import_without_backend() -> str | None:
    """Import matplotlib with MPLBACKEND out of the environment; return the variable's value.

    matplotlib validates MPLBACKEND while it is imported and fails to import when the name is
    unknown, yet files are always drawn with Agg, whatever the backend.
    """
    backend = os.environ.pop("MPLBACKEND", None)
    try:
        import matplotlib  # noqa: F401
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend
    return backend


def _import_matplotlib() -> Any:
    """matplotlib, imported (or its prefetch waited for); an MPLBACKEND it does not know is left out
    with a note. matplotlib is imported without the variable (`_import_without_backend`), which is
    then applied as matplotlib would or else reported."""
    global _prefetched
    if _prefetched is not None:
        prefetch, _prefetched = _prefetched, None
        backend = prefetch.result()
    elif "matplotlib" in sys.modules:
        return sys.modules["matplotlib"]
    else:
        backend = _import_without_backend()
    import matplotlib

    if backend:
        try:
            matplotlib.rcParams["backend"] = backend
        except ValueError:
            _note(f"MPLBACKEND={ascii(backend)} is not a matplotlib backend: ignored")
    return matplotlib


# -- data reduction -----------------------------------------------------------------------------


def reduce_points(values: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) points to draw for lr(t) = values[t] on an axes about `columns` buckets wide.

    Series of at most ``4 * columns`` points are returned whole: ``(arange(n), values)``.
    Longer ones are cut into consecutive buckets of ``size = ceil(n / columns)`` steps
    (bucket k holds t in ``[k * size, min((k + 1) * size, n))``) and each bucket keeps its
    first point, its lowest, its highest and its last point, in x order, without duplicates.
    Every point kept is a real (t, values[t]); per-bucket minima and maxima (hence the global
    ones) and every jump between buckets are exact. NaNs (masked points) are ignored when
    looking for extremes; a bucket that is all NaN draws as a gap.

    x is int64 and strictly increasing; y is float64 (a new array).
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    n = y.size
    columns = max(int(columns), 1)
    if n <= 4 * columns:
        return np.arange(n, dtype=np.int64), y.copy()

    size = -(-n // columns)
    full = n // size                       # complete buckets; at most one shorter tail
    if np.isnan(y).any():
        nan = np.isnan(y)
        low_src, high_src = np.where(nan, np.inf, y), np.where(nan, -np.inf, y)
    else:
        low_src = high_src = y
    starts = np.arange(0, n, size, dtype=np.int64)
    count = starts.size
    lows = np.empty(count, dtype=np.int64)
    highs = np.empty(count, dtype=np.int64)
    body = slice(0, full * size)
    lows[:full] = low_src[body].reshape(full, size).argmin(axis=1)
    highs[:full] = high_src[body].reshape(full, size).argmax(axis=1)
    if count > full:
        lows[full] = low_src[full * size:].argmin()
        highs[full] = high_src[full * size:].argmax()
    lows += starts
    highs += starts
    ends = np.minimum(starts + size, n) - 1

    index = np.stack([starts, lows, highs, ends], axis=1)
    index.sort(axis=1)
    index = index.ravel()
    keep = np.empty(index.size, dtype=bool)
    keep[0] = True
    np.not_equal(index[1:], index[:-1], out=keep[1:])
    index = index[keep]
    return index, y[index]


def _columns(width_in: float, dpi: float, ncols: int = 1) -> int:
    """Buckets for one axes in a figure `width_in` inches wide with `ncols` axes per row."""
    return max(int(width_in * dpi * BUCKETS_PER_PIXEL / max(ncols, 1)), 16)


# -- figure ---------------------------------------------------------------------------------------


def _check_args(series: Sequence[Series], layout: str, dpi: int) -> None:
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}; use {' or '.join(LAYOUTS)}")
    if not series:
        raise UsageError("nothing to plot: no schedules")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, np.integer)) or not _MIN_DPI <= dpi <= _MAX_DPI:
        raise UsageError(f"dpi must be a whole number from {_MIN_DPI} to {_MAX_DPI}, not {dpi!r}")
    for s in series:  # matplotlib's margins and ticks overflow (internal errors) near the float64 limit
        y = np.asarray(s.values, dtype=np.float64)
        with np.errstate(all="ignore"):
            if not np.isfinite(y.sum()):  # NaN and inf are left out when drawn; judge the rest
                y = y[np.isfinite(y)]
        largest = max(abs(float(y.min())), abs(float(y.max()))) if y.size else 0.0
        if largest > MAX_DRAWABLE:
            raise UsageError(f"{s.label}: cannot draw learning rates as large as {largest:.3g} "
                             f"(at most {MAX_DRAWABLE:g}); export the values instead")


# -- cost of a figure, bounded before anything is drawn ------------------------------------------

#: Most pixels in a figure: its raster (4 bytes each) is held in memory, also for SVG's layout.
MAX_PIXELS = 100_000_000
#: Most axes in a grid: constrained layout grows faster than linearly with them.
MAX_PANELS = 100
#: Most curves in an overlay (a legend of more is unreadable, and each costs a line artist).
MAX_LINES = 1000
#: Most points drawn in a figure, summed over its curves (after `reduce_points`).
MAX_POINTS = 5_000_000
#: Upper bounds of the memory drawing takes: per pixel, per point drawn, per axes, per value of
#: the longest series (masks and copies are made one series at a time), and once (fonts, caches).
BYTES_PER_PIXEL, BYTES_PER_POINT, BYTES_PER_AXES = 4, 160, 1_500_000
BYTES_PER_VALUE, BYTES_FIXED = 8, 10_000_000
#: Widest legend outside an overlay, per character of the longest label, and its fixed part.
_LEGEND_IN_PER_CHAR, _LEGEND_IN = 0.125, 0.5   # 1 em of the 9 pt legend font per character


@dataclass(frozen=True)
class FigureCost:
    """What drawing a figure takes: its size in pixels, its axes and the points drawn."""
    width_px: int
    height_px: int
    axes: int
    lines: int
    points: int
    longest: int     # values in the longest series

    @property
    def pixels(self) -> int:
        return self.width_px * self.height_px

    @property
    def bytes(self) -> int:
        """An upper bound of the memory matplotlib needs to draw and save the figure."""
        return (BYTES_FIXED + BYTES_PER_PIXEL * self.pixels + BYTES_PER_POINT * self.points
                + BYTES_PER_AXES * self.axes + BYTES_PER_VALUE * self.longest)


def figure_cost(series: Sequence[Series], layout: str, dpi: int, title: str | None = None) -> FigureCost:
    """The cost of drawing `series` (an upper bound: an overlay's legend is counted outside)."""
    (width, height), nrows, ncols = _figure_size(len(series), layout, title)
    columns = _columns(width, dpi, ncols)
    points = longest_series = 0
    for s in series:
        n = int(np.size(s.values))
        drawn = min(n, 4 * (columns + 1))
        points += 2 * drawn if s.jumps else drawn    # a staircase doubles its vertices
        longest_series = max(longest_series, n)
    width_px = width * dpi
    if layout == "overlay":  # glyphs are placed on whole pixels: up to one more per character
        longest = max(len(_text(s.label)) for s in series)
        width_px += (_LEGEND_IN + _LEGEND_IN_PER_CHAR * longest) * dpi + longest
    axes = 1 if layout == "overlay" else len(series)
    return FigureCost(math.ceil(width_px), math.ceil(height * dpi), axes, len(series), points,
                      longest_series)


def _cost_problem(cost: FigureCost) -> str | None:
    """What is over its limit in `cost` (that a lower dpi can fix), or None."""
    if cost.pixels > MAX_PIXELS:
        return (f"the figure would be {cost.width_px} x {cost.height_px} pixels "
                f"(at most {MAX_PIXELS // 1_000_000} million)")
    if cost.points > MAX_POINTS:
        return (f"the figure would draw {cost.points / 1e6:.1f} million points "
                f"(at most {MAX_POINTS // 1_000_000} million)")
    return None


def check_figure_cost(series: Sequence[Series], layout: str, dpi: int,
                      title: str | None = None) -> FigureCost:
    """The cost of the figure, or `UsageError` naming the limit it passes and the way around."""
    if layout == "grid" and len(series) > MAX_PANELS:
        raise UsageError(f"a grid of {len(series)} schedules is too many (at most {MAX_PANELS}): "
                         "use --layout overlay, or split them over several figures")
    if layout == "overlay" and len(series) > MAX_LINES:
        raise UsageError(f"an overlay of {len(series)} schedules is too many (at most {MAX_LINES}): "
                         "split them over several figures")
    cost = figure_cost(series, layout, dpi, title)
    problem = _cost_problem(cost)
    if problem is None:
        return cost
    fits = _largest_dpi(series, layout, title, below=dpi)
    way = f"use --dpi {fits} or less, or" if fits else "draw"
    raise UsageError(f"{problem}: {way} fewer schedules per figure")


def _largest_dpi(series: Sequence[Series], layout: str, title: str | None, below: int) -> int | None:
    """The largest dpi under `below` whose figure is within the limits (cost grows with dpi)."""
    low, high = _MIN_DPI - 1, below            # low fits (or is below the range), high does not
    while high - low > 1:
        middle = (low + high) // 2
        if _cost_problem(figure_cost(series, layout, middle, title)) is None:
            low = middle
        else:
            high = middle
    return low if low >= _MIN_DPI else None


def _figure_size(n: int, layout: str, title: str | None) -> tuple[tuple[float, float], int, int]:
    """(figsize, nrows, ncols)."""
    if layout == "grid":
        ncols = 1 if n == 1 else 2 if n <= 4 else math.ceil(math.sqrt(n))
        nrows = math.ceil(n / ncols)
        width = ncols * _GRID_CELL[0]
        height = nrows * _GRID_CELL[1] + (0.4 if title else 0.0)
        return (width, height), nrows, ncols
    return _OVERLAY_SIZE, 1, 1


MAX_TEXT = 80  # characters of a label, title or unit drawn; longer ones end in "..."


def _text(text: Any) -> str:
    """User text shown literally (a "$" would otherwise start matplotlib math mode) and short
    enough that a legend or title cannot squeeze the axes to nothing."""
    text = str(text)
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT - 3] + "..."
    return text.replace("$", r"\$")


def _style(i: int) -> dict[str, Any]:
    return {"color": PALETTE[i % len(PALETTE)],
            "linestyle": _LINESTYLES[(i // len(PALETTE)) % len(_LINESTYLES)]}


def _prepared(values: Any, log_y: bool) -> np.ndarray:
    """float64 copy-on-need of the values; non-finite (and, on a log axis, those below
    MIN_LOG_DRAWABLE, 0 and negative ones included) become NaN."""
    y = np.asarray(values, dtype=np.float64).ravel()
    bad = ~np.isfinite(y)
    if log_y:
        bad |= y < MIN_LOG_DRAWABLE
    if bad.any():
        y = np.where(bad, np.nan, y)
    return y


def _drawable_marks(marks: Sequence[int], n: int) -> np.ndarray:
    if len(marks) == 0 or n < 2:
        return np.empty(0)
    m = np.unique(np.asarray(marks, dtype=np.float64))
    m = m[np.isfinite(m) & (m > 0) & (m < n - 1 + 1e-9)]
    if m.size > MAX_MARKS:
        m = m[np.unique(np.linspace(0, m.size - 1, MAX_MARKS).round().astype(np.int64))]
    return m


def _y_limits(ys: Sequence[np.ndarray], log_y: bool) -> tuple[float, float, bool]:
    """(bottom, top, log) for the drawn y values (NaN = masked; on a log axis every
    non-NaN value is positive)."""
    finite = [y[~np.isnan(y)] for y in ys]
    finite = [y for y in finite if y.size]
    if not finite:
        return (1e-3, 1.0, True) if log_y else (0.0, 1.0, False)
    lo = min(float(y.min()) for y in finite)
    hi = max(float(y.max()) for y in finite)
    if log_y:
        if lo == hi:
            return lo / 2.0, hi * 2.0, True
        margin = 10.0 ** (0.04 * (math.log10(hi) - math.log10(lo)))  # (hi / lo) ** 0.04 could overflow
        return lo / margin, hi * margin, True
    low, high = min(lo, 0.0), max(hi, 0.0)
    span = high - low
    if span == 0.0:                        # every value is 0
        return -1.0, 1.0, False
    pad = 0.05 * span
    bottom = 0.0 if lo > 0 else lo - 0.6 * pad   # lr = 0 stays visible above the spine
    top = high + pad if hi > 0 else pad
    return bottom, top, False


def _format_axes(ax: Axes, *, n: int, bottom: float, top: float, log: bool) -> None:
    from matplotlib import ticker

    if n > 1:
        ax.set_xlim(0, n - 1)
        ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10],
                                                      integer=True, min_n_ticks=2))
    else:
        ax.set_xlim(-0.5, 0.5)
        ax.xaxis.set_major_locator(ticker.FixedLocator([0]))
    if n > 10_000:
        ax.xaxis.set_major_formatter(ticker.EngFormatter(sep=""))
    if log:
        ax.set_yscale("log")
        ax.set_ylim(bottom, top)
    else:
        ax.set_ylim(bottom, top)
        # Tick labels look the same either way; mathtext (slower) where an exponent (x10^-4)
        # may be shown: the largest tick is >= top / 2, so >= 0.01 when top >= 0.02.
        scientific = not 2e-2 <= max(abs(bottom), abs(top)) < 1e4
        formatter = ticker.ScalarFormatter(useMathText=scientific)
        formatter.set_powerlimits((-3, 4))
        ax.yaxis.set_major_formatter(formatter)
    ax.grid(True, which="major")
    ax.set_axisbelow(True)
    ax.tick_params(length=3)


def _draw_series(ax: Axes, s: Series, y: np.ndarray, style: dict[str, Any], columns: int,
                 reduce: bool, window: tuple[int, int] | None = None) -> None:
    lo, hi = window or (0, y.size)   # a zoomed x range: its points, reduced for its own width
    x, y_drawn = reduce_points(y[lo:hi], columns) if reduce else (np.arange(hi - lo), y[lo:hi])
    x = x + lo
    line_kw: dict[str, Any] = {"linewidth": LINE_WIDTH, "label": _text(s.label), "zorder": 2.5,
                               **style}
    if y.size == 1:
        line_kw["marker"] = "o"
    elif s.jumps:
        line_kw["drawstyle"] = "steps-post"
    ax.plot(x, y_drawn, **line_kw)
    marks = _drawable_marks(s.marks, y.size)
    if marks.size:
        ax.vlines(marks, 0, 1, transform=ax.get_xaxis_transform(), colors=style["color"],
                  linestyles=":", linewidth=0.9, alpha=0.45, zorder=1.5)


#: Where an inside legend may go, in the order matplotlib's loc="best" tries them.
_LEGEND_SPOTS = (("upper right", "NE"), ("upper left", "NW"), ("lower left", "SW"),
                 ("lower right", "SE"), ("center right", "E"), ("center left", "W"),
                 ("lower center", "S"), ("upper center", "N"), ("center", "C"))
_LEGEND_STYLE: dict[str, Any] = {"framealpha": 0.9, "edgecolor": "0.8"}


def _free_spot(fig: Figure, ax: Axes, legend: Any) -> str | None:
    """The first of `_LEGEND_SPOTS` where `legend` covers no drawn curve, or None.

    Lays the figure out first, for the final axes position. This replaces loc="best",
    whose search over every drawn point is repeated on each draw and costs more than the
    layout itself; the spots are the same and none is taken if it touches a curve.
    """
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)                # final axes position, without rendering anything
    size = legend.get_window_extent(renderer)
    pad = legend.borderaxespad * renderer.points_to_pixels(legend.prop.get_size_in_points())
    container = ax.bbox.padded(-pad)
    paths = [line.get_transform().transform_path(line.get_path()) for line in ax.get_lines()]
    legend_box = Bbox.from_bounds(0.0, 0.0, size.width, size.height)
    for loc, anchor in _LEGEND_SPOTS:
        box = legend_box.anchored(anchor, container=container).padded(2.0)
        if not any(path.intersects_bbox(box, filled=False) for path in paths):
            return loc
    return None


def _place_legend(fig: Figure, ax: Axes, labels: list[str], *, inside: bool,
                  freeze: bool = False) -> None:
    """A legend inside the axes where it covers no curve, else outside on the right (the
    figure grows by the legend's width so the axes keep their size)."""
    handles = ax.get_lines()  # given explicitly: matplotlib would skip labels starting with "_"
    if inside:
        legend = ax.legend(handles, labels, loc=_LEGEND_SPOTS[0][0], **_LEGEND_STYLE)
        try:
            spot = _free_spot(fig, ax, legend)
        except (AttributeError, TypeError):  # a canvas without a renderer: let matplotlib choose
            ax.legend(handles, labels, loc="best", **_LEGEND_STYLE)
            return
        if spot is not None:
            ax.legend(handles, labels, loc=spot, **_LEGEND_STYLE)
            if freeze:  # the layout was just computed and does not change: keep it
                fig.set_layout_engine(None)
            return
        legend.remove()
    legend = ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                       borderaxespad=0.0, frameon=False)
    try:
        width = legend.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi
    except (AttributeError, TypeError):
        width = 2.0
    fig.set_figwidth(fig.get_figwidth() + width + 0.1)


def _freeze_layout(fig: Figure) -> None:
    """Lay the figure out once, now, and keep it: with a layout engine set, savefig lays out
    and draws the whole figure once more before drawing it for the file."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)  # not "none": savefig would still draw twice


class RunAxes(str):
    """An x unit that also knows the training run: its updates per epoch and tokens per update,
    so the figure shows epochs (and tokens) on secondary axes beside the updates."""

    per_epoch: int | None
    tokens_per_update: int | None

    def __new__(cls, unit: str, per_epoch: int | None = None, tokens_per_update: int | None = None) -> "RunAxes":
        made = super().__new__(cls, unit)
        made.per_epoch, made.tokens_per_update = per_epoch, tokens_per_update
        return made


def add_run_axes(ax: Any, unit: str) -> None:
    """Epochs on a secondary axis above the updates, tokens on one below them (above, the
    y axis' "x1e-4" would overlap its labels)."""
    if not isinstance(unit, RunAxes):
        return
    if unit.per_epoch:
        per = unit.per_epoch
        ax.secondary_xaxis("top", functions=(lambda u: u / per, lambda e: e * per)).set_xlabel("epoch")
    if unit.tokens_per_update:
        from matplotlib.ticker import EngFormatter

        size = unit.tokens_per_update
        axis = ax.secondary_xaxis(-0.2, functions=(lambda u: u * size, lambda n: n / size))
        axis.xaxis.set_major_formatter(EngFormatter(sep=""))
        axis.set_xlabel("tokens")


def _populate(fig: Figure, series: Sequence[Series], *, unit: str, log_y: bool,
              title: str | None, dpi: float, layout: str, reduce: bool = True,
              detail: float = 1.0, freeze_layout: bool = False, zoom: Zoom | None = None) -> None:
    """Draw `series` into an empty `fig` (sized by `_figure_size`)."""
    n_series = len(series)
    _, nrows, ncols = _figure_size(n_series, layout, title)
    width_in = fig.get_figwidth()
    columns = max(int(_columns(width_in, dpi, ncols) * detail), 16)
    raw = [np.asarray(s.values, dtype=np.float64).ravel() for s in series]
    n = max(y.size for y in raw)
    # A log axis needs a positive value: an axes with none is drawn linear instead.
    positive = [bool(np.any(y > 0)) for y in raw]
    if layout == "overlay":
        logs = [log_y and any(positive)] * n_series
    else:
        logs = [log_y and p for p in positive]
    data = [_prepared(y, log) for y, log in zip(raw, logs)]

    if layout == "overlay":
        ax = fig.add_subplot()
        for i, (s, y) in enumerate(zip(series, data)):
            _draw_series(ax, s, y, _style(i), columns, reduce, _window(zoom, y.size))
        bottom, top, log = _y_limits([line.get_ydata() for line in ax.get_lines()], logs[0])
        _format_axes(ax, n=n, bottom=bottom, top=top, log=log)
        _apply_limits(ax, zoom)
        ax.set_xlabel(_text(unit))
        add_run_axes(ax, unit)
        ax.set_ylabel("learning rate")
        if title:
            ax.set_title(_text(title))
        _place_legend(fig, ax, [_text(s.label) for s in series],
                      inside=n_series <= LEGEND_INSIDE_MAX, freeze=freeze_layout and not (zoom and zoom.inset))
        if zoom is not None and zoom.inset is not None:
            _draw_inset(fig, ax, series, data, zoom.inset, logs[0], columns, reduce, unit)
        return

    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False)
    for i, (s, y) in enumerate(zip(series, data)):
        ax = axes.flat[i]
        _draw_series(ax, s, y, _style(i), columns, reduce, _window(zoom, y.size))
        bottom, top, log = _y_limits([ax.get_lines()[0].get_ydata()], logs[i])
        _format_axes(ax, n=n, bottom=bottom, top=top, log=log)
        _apply_limits(ax, zoom)
        if i < ncols:
            add_run_axes(ax, unit)
        ax.set_title(_text(s.label), fontsize=10)
    for ax in axes.flat[n_series:]:
        ax.remove()
    for col in range(ncols):
        used = [r for r in range(nrows) if r * ncols + col < n_series]
        if used:
            ax = axes[used[-1], col]
            ax.xaxis.set_tick_params(which="both", labelbottom=True)
            ax.set_xlabel(_text(unit))
    for row in range(nrows):
        axes[row, 0].set_ylabel("learning rate")
    if title:
        fig.suptitle(_text(title))


def build_figure(series: Sequence[Series], *, unit: str = "epoch", log_y: bool = False,
                 title: str | None = None, dpi: int = 150, layout: str = "overlay",
                 reduce: bool = True, xlim: Limits | None = None, ylim: Limits | None = None,
                 inset: str | tuple[int, int] | None = None) -> Figure:
    """The matplotlib Figure (with an Agg canvas) that `save_figure` renders.

    `reduce=False` draws every point (slow for long series; for comparisons in tests).
    `xlim`, `ylim`: (low, high), either may be None (the data's); `inset`: a step range (or
    "warmup", from the series' `warmup`) drawn magnified inside an overlay (see `zoom_of`).
    """
    zoom = zoom_of(series, xlim, ylim, inset, layout, log_y)
    _check_args(series, layout, dpi)
    check_figure_cost(series, layout, dpi, title)
    mpl = _import_matplotlib()
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figsize, _, _ = _figure_size(len(series), layout, title)
    with matplotlib.style.context("default"), mpl.rc_context(_RC):
        fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        _populate(fig, series, unit=unit, log_y=log_y, title=title, dpi=dpi, layout=layout,
                  reduce=reduce, freeze_layout=True, zoom=zoom)
        _freeze_layout(fig)
    return fig


def render(fig: Figure, fmt: str, dpi: int) -> bytes:
    """The bytes of `fig` as "png" or "svg" (reproducible: no dates, fixed ids)."""
    import matplotlib as mpl
    import matplotlib.style

    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    png = {"pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}} if fmt == "png" else {}
    with matplotlib.style.context("default"), mpl.rc_context(_RC):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata, **png)
    return buf.getvalue()


def save_figure(series: list[Series], path: str | os.PathLike[str], *, unit: str = "epoch",
                log_y: bool = False, title: str | None = None, dpi: int = 150,
                layout: str = "overlay", show: bool = False, **zoom: Any) -> Path:
    """Draw `series` into `path` (.png or .svg), atomically; create a missing parent folder.

    `layout`: "overlay" (one axes, a legend) or "grid" (one axes per series, shared x).
    `log_y`: log-scaled y; values below MIN_LOG_DRAWABLE (0 and negative ones too) are left out. `show`: afterwards open a window if
    `can_show()` (blocks until it is closed), else do nothing. Returns `path` as a Path.
    Raises `UsageError` for a bad suffix, layout or dpi, `OutputError` if it cannot write.
    """
    fmt = check_plot_path(path)
    with warnings.catch_warnings():
        # A label or title in a script the font lacks is drawn with boxes; matplotlib would also
        # print a two-line warning per character on stderr.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        # Many long labels can still leave the axes no room: the figure is drawn all the same.
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        fig = build_figure(series, unit=unit, log_y=log_y, title=title, dpi=dpi, layout=layout, **zoom)
        data = render(fig, fmt, dpi)
    result = atomic_write(path, data, ensure_parent=True)
    if show and can_show():
        _show(series, unit=unit, log_y=log_y, title=title, layout=layout,
              zoom=zoom_of(series, layout=layout, log_y=log_y, **zoom))
    return result


# -- stacked panels: the LR above the other hyperparameters (momentum, weight decay) ----------

#: Height of the LR's panel and of each panel under it, in inches.
_LR_PANEL_IN, _PANEL_IN = 4.0, 2.2


def save_panels(panels: Sequence[tuple], path: str | os.PathLike[str], *,
                unit: str = "epoch", log_y: bool = False, title: str | None = None,
                dpi: int = 150) -> Path:
    """Draw stacked panels sharing the step axis into `path` (.png or .svg), atomically.

    `panels` is (y-axis label, series) or (y-axis label, series, style indices) from the top,
    the indices choosing each curve's colour so one schedule keeps its colour in every panel;
    the first panel is the LR's, the only one `log_y` applies to. Each panel has its own
    legend; the checks and limits of `save_figure` apply to all the curves together.
    """
    fmt = check_plot_path(path)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        fig = build_panels(panels, unit=unit, log_y=log_y, title=title, dpi=dpi)
        data = render(fig, fmt, dpi)
    return atomic_write(path, data, ensure_parent=True)


def build_panels(panels: Sequence[tuple], *, unit: str = "epoch",
                 log_y: bool = False, title: str | None = None, dpi: int = 150) -> Figure:
    """The Figure `save_panels` renders: one axes per panel, x shared, the LR's the tallest."""
    every = [s for panel in panels for s in panel[1]]
    _check_args(every, "overlay", dpi)
    check_figure_cost(every, "overlay", dpi, title)
    mpl = _import_matplotlib()
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    heights = [_LR_PANEL_IN] + [_PANEL_IN] * (len(panels) - 1)
    with matplotlib.style.context("default"), mpl.rc_context(_RC):
        fig = Figure(figsize=(_OVERLAY_SIZE[0], sum(heights)), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False, height_ratios=heights)[:, 0]
        columns = _columns(_OVERLAY_SIZE[0], dpi)
        n = max(np.size(s.values) for s in every)
        for i, (ax, panel) in enumerate(zip(axes, panels)):
            styles = panel[2] if len(panel) > 2 else range(len(panel[1]))
            _draw_panel(fig, ax, panel[1], styles, panel[0], columns, n, log_y and i == 0,
                        from_zero=i == 0)
        axes[-1].set_xlabel(_text(unit))
        if title:
            axes[0].set_title(_text(title))
        _freeze_layout(fig)
    return fig


def _span(ys: Sequence[np.ndarray]) -> tuple[float, float, bool]:
    """Linear limits around the values alone, with a margin."""
    finite = [y[np.isfinite(y)] for y in ys]
    finite = [y for y in finite if y.size]
    if not finite:
        return 0.0, 1.0, False
    lo, hi = min(float(y.min()) for y in finite), max(float(y.max()) for y in finite)
    pad = 0.08 * (hi - lo) if hi > lo else 0.05 * abs(hi) or 0.5
    return lo - pad, hi + pad, False


def _draw_panel(fig: Figure, ax: Axes, series: Sequence[Series], styles: Sequence[int], ylabel: str,
                columns: int, n: int, log_y: bool, from_zero: bool) -> None:
    """One panel; `from_zero` keeps 0 in view (the LR), else the axis spans the values (a
    momentum between 0.85 and 0.95 would be a flat line on an axis from 0)."""
    raw = [np.asarray(s.values, dtype=np.float64).ravel() for s in series]
    log = log_y and any(bool(np.any(y > 0)) for y in raw)
    for s, y, style in zip(series, raw, styles):
        _draw_series(ax, s, _prepared(y, log), _style(style), columns, True)
    drawn = [line.get_ydata() for line in ax.get_lines()]
    bottom, top, log = _y_limits(drawn, log) if from_zero or log else _span(drawn)
    _format_axes(ax, n=n, bottom=bottom, top=top, log=log)
    ax.set_ylabel(_text(ylabel))
    _place_legend(fig, ax, [_text(s.label) for s in series], inside=True)


def _show(series: Sequence[Series], *, unit: str, log_y: bool, title: str | None,
          layout: str, zoom: Zoom | None = None) -> None:
    """Open the same plot in a pyplot window (more detail, for zooming); blocks until closed.
    Where no window can open (the backend cannot load or draws none), say so and return."""
    mpl = _import_matplotlib()
    import matplotlib.style

    try:
        import matplotlib.pyplot as plt
        backend = str(plt.get_backend())
        plt.switch_backend(backend)  # loads it now: a name alone is loaded only by the first figure
    except Exception as error:  # the backend named by MPLBACKEND or a matplotlibrc fails to load
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        _note(f"no window: matplotlib's backend cannot be loaded ({reason})")
        return
    if backend.lower() in _NON_INTERACTIVE:
        _note(f"no window: matplotlib's backend here is {backend!r}, which opens none")
        return
    figsize, _, _ = _figure_size(len(series), layout, title)
    with matplotlib.style.context("default"), mpl.rc_context(_RC):
        fig = plt.figure(figsize=figsize, layout="constrained")
        try:
            _populate(fig, series, unit=unit, log_y=log_y, title=title, dpi=fig.dpi,
                      layout=layout, detail=4.0, zoom=zoom)
            plt.show()
        finally:
            plt.close(fig)


# -- the difference panel: lrsched diff -o, lrsched compare --diff --------------------------------

_DIFF_SIZE = (9.0, 6.5)  # inches: the curves over a shorter panel of their differences


def save_difference_figure(series: list[Series], pairs: Sequence[tuple[int, int]],
                           path: str | os.PathLike[str], *, unit: str = "epoch", log_y: bool = False,
                           title: str | None = None, dpi: int = 150,
                           names: Sequence[str] | None = None) -> Path:
    """Draw `series` on one axes over a panel of the differences series[j] - series[i] for each
    (i, j) of `pairs` (over the steps both have), into `path` (.png or .svg), atomically.
    `names` labels the differences [default: "<label j> - <label i>"]."""
    fmt = check_plot_path(path)
    diffs = [_difference(series[i], series[j]) for i, j in pairs]
    for difference, name in zip(diffs, names or ()):
        difference.label = name
    _check_args(series, "overlay", dpi)
    check_figure_cost(series + diffs, "overlay", dpi, title)
    mpl = _import_matplotlib()
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        with matplotlib.style.context("default"), mpl.rc_context(_RC):
            fig = Figure(figsize=_DIFF_SIZE, dpi=dpi, layout="constrained")
            FigureCanvasAgg(fig)
            top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
            columns = max(_columns(_DIFF_SIZE[0], dpi), 16)
            _draw_difference_panel(top, series, columns, log_y, [i for i in range(len(series))])
            top.set_ylabel("learning rate")
            _draw_difference_panel(bottom, diffs, columns, False, [j for _, j in pairs])
            bottom.axhline(0.0, color="0.4", linewidth=0.8, zorder=1)
            bottom.set_ylabel("difference")
            bottom.set_xlabel(_text(unit))
            if title:
                top.set_title(_text(title))
            top.legend(loc="best", frameon=False)
            bottom.legend(loc="best", frameon=False)
            data = render(fig, fmt, dpi)
    return atomic_write(path, data, ensure_parent=True)


def _difference(a: Series, b: Series) -> Series:
    n = min(a.values.size, b.values.size)
    with np.errstate(all="ignore"):
        values = np.asarray(b.values[:n], dtype=np.float64) - np.asarray(a.values[:n], dtype=np.float64)
    return Series(f"{b.label} - {a.label}", values, jumps=a.jumps and b.jumps)


def _draw_difference_panel(ax: Axes, series: Sequence[Series], columns: int, log_y: bool, styles: Sequence[int]) -> None:
    log = log_y and any(bool(np.any(s.values > 0)) for s in series)
    for s, i in zip(series, styles):
        _draw_series(ax, s, _prepared(s.values, log), _style(i), columns, True)
    bottom, top, log = _y_limits([line.get_ydata() for line in ax.get_lines()], log)
    _format_axes(ax, n=max(s.values.size for s in series), bottom=bottom, top=top, log=log)


# -- zoom: --xlim, --ylim and --inset warmup ------------------------------------------------------

Limits = tuple[float | None, float | None]
#: `inset="warmup"` magnifies warmups shorter than this fraction of the run (longer ones show).
INSET_MAX_FRACTION = 0.02
#: Where an inset may go (axes fraction: left, bottom, width, height), in the order tried.
_INSET_SPOTS = ((0.06, 0.08, 0.36, 0.42), (0.58, 0.50, 0.36, 0.42), (0.58, 0.08, 0.36, 0.42),
                (0.06, 0.50, 0.36, 0.42), (0.32, 0.29, 0.36, 0.42))


@dataclass(frozen=True)
class Zoom:
    """What a figure shows of its series: the x and y ranges, and a magnified step range."""
    xlim: Limits | None = None
    ylim: Limits | None = None
    inset: tuple[int, int] | None = None


def zoom_of(series: Sequence[Series], xlim: Limits | None = None, ylim: Limits | None = None,
            inset: str | tuple[int, int] | None = None, layout: str = "overlay",
            log_y: bool = False) -> Zoom | None:
    """Check the zoom options against the series; None when there is nothing to zoom."""
    if xlim is None and ylim is None and inset is None:
        return None
    n = max((int(np.size(s.values)) for s in series), default=0)
    for name, limits in (("xlim", xlim), ("ylim", ylim)):
        if limits is not None:
            _check_limits(name, limits, log_y and name == "ylim")
    if xlim is not None and (xlim[0] or 0) > n - 1:
        raise UsageError(f"xlim starts at {xlim[0]:g}, after the last step ({n - 1})")
    if inset is not None:
        if layout != "overlay":
            raise UsageError("an inset is drawn inside an overlay: use --layout overlay")
        inset = warmup_inset(series) if inset == "warmup" else tuple(inset)
    return Zoom(xlim, ylim, inset)


def _check_limits(name: str, limits: Limits, log: bool) -> None:
    low, high = limits
    for value in limits:
        if value is not None and not math.isfinite(value):
            raise UsageError(f"{name} must be finite numbers (received {value!r})")
        if value is not None and log and value <= 0:
            raise UsageError(f"{name} on a log axis must be > 0 (received {value:g})")
    if low is not None and high is not None and not low < high:
        raise UsageError(f"{name} must be LOW:HIGH with LOW < HIGH (received {low:g}:{high:g})")


def warmup_inset(series: Sequence[Series]) -> tuple[int, int]:
    """The steps an inset of the warmup shows: 0 to half as far again as the longest warmup.
    Refused when no series has a warmup, or when it is 2% of the run or more (it shows as is)."""
    warmup = max((s.warmup for s in series), default=0)
    n = max(int(np.size(s.values)) for s in series)
    if warmup <= 0:
        raise UsageError("--inset warmup: no schedule has a warmup (warmup_steps)")
    if warmup >= INSET_MAX_FRACTION * n:
        raise UsageError(f"--inset warmup: the warmup ({warmup} steps) is {100 * warmup / n:.3g}% of the "
                         f"{n} steps, visible as it is; an inset is for warmups under "
                         f"{100 * INSET_MAX_FRACTION:g}% (use --xlim 0:{min(2 * warmup, n - 1)} to zoom)")
    return 0, min(n - 1, math.ceil(1.5 * warmup) + 1)


def _window(zoom: Zoom | None, n: int) -> tuple[int, int] | None:
    """The slice of steps drawn for an x range: its steps and one more on each side, so the
    lines reach the edges; reduced for the axes' width like a whole series."""
    if zoom is None or zoom.xlim is None:
        return None
    low, high = zoom.xlim
    lo = 0 if low is None else max(0, math.floor(low) - 1)
    hi = n if high is None else min(n, math.ceil(high) + 2)
    return lo, max(hi, lo + 1)


def _apply_limits(ax: Axes, zoom: Zoom | None) -> None:
    if zoom is None:
        return
    if zoom.xlim is not None:
        ax.set_xlim(*zoom.xlim)    # None keeps that side as drawn
    if zoom.ylim is not None:
        ax.set_ylim(*zoom.ylim)


def _draw_inset(fig: Figure, ax: Axes, series: Sequence[Series], data: Sequence[np.ndarray],
                steps: tuple[int, int], log: bool, columns: int, reduce: bool, unit: str) -> None:
    """The series over `steps`, magnified in a corner that covers no curve and no legend."""
    lo, hi = steps
    inset = ax.inset_axes(_inset_spot(fig, ax))
    for i, (s, y) in enumerate(zip(series, data)):
        _draw_series(inset, s, y, _style(i), columns // 3, reduce, (lo, min(hi + 1, y.size)))
    bottom, top, log = _y_limits([line.get_ydata() for line in inset.get_lines()], log)
    _format_axes(inset, n=hi + 1, bottom=bottom, top=top, log=log)
    inset.set_xlim(lo, hi)
    inset.tick_params(labelsize=7, length=2)
    inset.spines[["top", "right"]].set_visible(True)
    inset.set_title(f"{_text(unit)} {lo} to {hi}", fontsize=8)
    ax.indicate_inset_zoom(inset, edgecolor="0.45", alpha=0.6)


def _inset_spot(fig: Figure, ax: Axes) -> tuple[float, float, float, float]:
    """The first of `_INSET_SPOTS` that no drawn curve or legend crosses, else the first."""
    from matplotlib.transforms import Bbox

    try:
        renderer = fig.canvas.get_renderer()
        engine = fig.get_layout_engine()
        if engine is not None:
            engine.execute(fig)
    except (AttributeError, TypeError):
        return _INSET_SPOTS[0]
    paths = [line.get_transform().transform_path(line.get_path()) for line in ax.get_lines()]
    legend = ax.get_legend()
    taken = legend.get_window_extent(renderer) if legend is not None else None
    for spot in _INSET_SPOTS:
        left, bottom, width, height = spot
        box = Bbox.from_bounds(left, bottom - 0.08, width, height + 0.16).transformed(ax.transAxes)
        if taken is not None and box.overlaps(taken):
            continue
        if not any(path.intersects_bbox(box, filled=False) for path in paths):
            return spot
    return _INSET_SPOTS[0]
# -- logged learning rates over the plan ----------------------------------------------------------

#: Markers drawn per log: one per logged point up to this many, evenly spaced beyond (a million
#: markers would take seconds and draw a solid band).
MAX_LOG_MARKERS = 400


@dataclass
class LoggedPoints:
    label: str
    steps: np.ndarray    # int, sorted, as logged
    values: np.ndarray   # float64


def _joined(log: LoggedPoints, n: int) -> np.ndarray:
    """The log as a value per step, straight between the logged points (a log alone is drawn as
    its line through them); NaN before its first point."""
    t = np.arange(n, dtype=np.float64)
    return np.where(t < log.steps[0], np.nan, np.interp(t, log.steps.astype(np.float64), log.values))


def _marker_points(log: LoggedPoints) -> tuple[np.ndarray, np.ndarray]:
    if log.steps.size <= MAX_LOG_MARKERS:
        return log.steps, log.values
    pick = np.unique(np.linspace(0, log.steps.size - 1, MAX_LOG_MARKERS).round().astype(np.int64))
    return log.steps[pick], log.values[pick]


def save_figure_with_logs(series: list[Series], logs: list[LoggedPoints], path: str | os.PathLike[str], *,
                          unit: str = "epoch", log_y: bool = False, title: str | None = None, dpi: int = 150,
                          layout: str = "overlay") -> Path:
    """The planned curves of `series` with each log drawn as markers on them (no mark per point);
    with no series, the logs alone, each as its line. Written atomically, as `save_figure`."""
    fmt = check_plot_path(path)
    alone = not series
    if alone:
        n = max(int(log.steps[-1]) + 1 for log in logs)
        series = [Series(log.label, _joined(log, n)) for log in logs]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        fig = build_figure(series, unit=unit, log_y=log_y, title=title, dpi=dpi, layout=layout)
        import matplotlib as mpl
        import matplotlib.style

        with matplotlib.style.context("default"), mpl.rc_context(_RC):
            for ax in fig.axes:
                _draw_logs(ax, logs, len(series), log_y, labelled=not alone)
        data = render(fig, fmt, dpi)
    return atomic_write(path, data, ensure_parent=True)


def _draw_logs(ax: Axes, logs: list[LoggedPoints], offset: int, log_y: bool, labelled: bool) -> None:
    for i, log in enumerate(logs):
        x, y = _marker_points(log)
        color = PALETTE[i % len(PALETTE)] if not labelled else PALETTE[(offset + i) % len(PALETTE)]
        ax.plot(x, _prepared(y, log_y), linestyle="none", marker="o", markersize=3.6, markerfacecolor="none",
                markeredgewidth=0.9, color=color, label=_text(f"logged: {log.label}") if labelled else "_",
                zorder=3)
    lines = ax.get_lines()
    bottom, top, log = _y_limits([line.get_ydata() for line in lines], log_y and ax.get_yscale() == "log")
    ax.set_ylim(bottom, top)
    if labelled:
        old = ax.get_legend()  # every line is labelled here: the plan's and the logs'
        if old is not None:
            old.remove()
        ax.legend(lines, [line.get_label() for line in lines], loc="best", **_LEGEND_STYLE)


# -- lrsched diff --log -o: the plan, the logged points, their differences -------------------------

def save_log_difference_figure(series: list[Series], logs: list[LoggedPoints], differences: list[LoggedPoints],
                               path: str | os.PathLike[str], *, unit: str = "step", log_y: bool = False,
                               title: str | None = None, dpi: int = 150) -> Path:
    """The planned curves of `series` with each log's markers on them (with no series, the logs as
    lines through their points), over a panel of `differences` (log - plan at the logged steps,
    drawn as markers on a line, in the colour of the log: with no series, of the second log on),
    into `path` (.png or .svg), atomically."""
    fmt = check_plot_path(path)
    alone = not series
    if alone:
        n = max(int(log.steps[-1]) + 1 for log in logs)
        series = [Series(log.label, _joined(log, n)) for log in logs]
    _check_args(series, "overlay", dpi)
    check_figure_cost(series, "overlay", dpi, title)
    mpl = _import_matplotlib()
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        warnings.filterwarnings("ignore", message="constrained_layout not applied", category=UserWarning)
        with matplotlib.style.context("default"), mpl.rc_context(_RC):
            fig = Figure(figsize=_DIFF_SIZE, dpi=dpi, layout="constrained")
            FigureCanvasAgg(fig)
            top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
            _draw_difference_panel(top, series, max(_columns(_DIFF_SIZE[0], dpi), 16), log_y, range(len(series)))
            _draw_logs(top, [] if alone else logs, len(series), log_y, labelled=True)
            top.set_ylabel("learning rate")
            for i, difference in enumerate(differences):
                x, y = _marker_points(difference)
                bottom.plot(x, y, marker="o", markersize=3.0, linewidth=0.9, label=_text(difference.label),
                            color=PALETTE[(i + (1 if alone else len(series))) % len(PALETTE)], zorder=3)
            bottom.axhline(0.0, color="0.4", linewidth=0.8, zorder=1)
            bottom.set_ylabel("difference")
            bottom.set_xlabel(_text(unit))
            if title:
                top.set_title(_text(title))
            bottom.legend(loc="best", frameon=False)
            data = render(fig, fmt, dpi)
    return atomic_write(path, data, ensure_parent=True)
