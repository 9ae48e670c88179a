"""A line chart drawn in the terminal with Unicode braille, for machines without an image viewer.

Each character cell holds a 2 x 4 grid of braille dots (U+2800 block), so a chart `width` cells
wide and `height` rows tall has 2*width x 4*height pixels. Every series is reduced to the
minimum and maximum of the points that fall in each pixel column (vectorised numpy, so ten
million points cost a few reductions), drawn as a vertical span from min to max, and joined to
its neighbouring columns so the line is continuous; steps and restarts show as vertical strokes.

The result is a `rich.text.Text`: colour lives only in its styles, so rich drops it where the
console has none (NO_COLOR, output redirected) and `text.plain` still reads as a chart.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from rich.text import Text

# Okabe-Ito, the colour-blind-safe palette (black left out: it vanishes on dark terminals).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")

BRAILLE_BASE = 0x2800
# Bit of each dot in a cell, indexed [dot row 0..3][dot column 0..1] (dots 1-2-3-7 / 4-5-6-8).
DOT_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint16)

LEGEND_MARK = "━"
TICK_GAP_ROWS = 2  # y tick labels at least this many rows apart
REL_TOLERANCE = 0.025  # a tick label may differ from its value by at most 2.5%


def render_chart(series: Sequence[tuple[str, np.ndarray]], *, width: int = 72, height: int = 16,
                 unit: str = "epoch", log_y: bool = False, title: str | None = None) -> Text:
    """A braille line chart of `series` (label, lr(t) for t = 0..n-1) as a rich Text.

    Lines, top to bottom: the title (when given), `height` plot rows behind a y-axis gutter of
    tick labels, the x axis, its tick labels (first, middle and last step), `unit`, the legend.
    With `log_y`, values are plotted as log10 and values <= 0 are left out.
    """
    if width < 1 or height < 1:
        raise ValueError(f"width and height must be >= 1 (received {width} x {height})")
    px_cols, px_rows = 2 * width, 4 * height
    arrays = [np.asarray(values, dtype=np.float64).ravel() for _, values in series]
    steps = max((a.size for a in arrays), default=0)

    columns = [_column_spans(a, steps, px_cols, log_y) for a in arrays]
    lows = [lo[np.isfinite(lo)] for lo, _ in columns]
    highs = [hi[np.isfinite(hi)] for _, hi in columns]
    y_min, y_max = _y_range(lows, highs, log_y)

    bits = np.zeros((height, width), dtype=np.uint16)
    owner = np.full((height, width), -1, dtype=np.int64)
    for index, (lo, hi) in enumerate(columns):
        cells = _rasterise(*_join_neighbours(lo, hi), y_min, y_max, px_rows, height, width)
        bits |= cells
        owner[cells > 0] = index

    ticks = _y_ticks(y_min, y_max, height, px_rows, log_y)
    row_labels = dict(zip((row for row, _ in ticks), _format_ticks([v for _, v in ticks], prefer_sci=log_y)))
    label_width = max(map(len, row_labels.values()), default=0)
    gutter = label_width + 2

    text = Text(no_wrap=True, overflow="crop")
    lines: list[Text] = []
    if title:
        lines.append(Text(_centre(title, gutter, width), style="bold"))
    for row in range(height):
        line = Text(row_labels.get(row, "").rjust(label_width) + (" ┤" if row in row_labels else " │"))
        _append_cells(line, bits[row], owner[row], len(PALETTE))
        lines.append(line)
    axis, tick_labels = _x_axis(steps, width, px_cols)
    lines.append(Text(" " * label_width + " └" + axis))
    lines.append(Text((" " * gutter + tick_labels).rstrip()))
    lines.append(Text(_centre(unit, gutter, width)))
    legend = Text(" " * gutter)
    for index, (label, _) in enumerate(series):
        if index:
            legend.append("  ")
        legend.append(f"{LEGEND_MARK} {' '.join(str(label).split())}", style=PALETTE[index % len(PALETTE)])
    lines.append(legend)
    text.append(Text("\n").join(lines))
    return text


# -- data: per-column spans --------------------------------------------------------------------

def _drawable(values: np.ndarray) -> np.ndarray:
    """The values, NaN where they cannot be drawn (not finite or beyond +-1e300)."""
    with np.errstate(invalid="ignore"):
        ok = np.abs(values) <= 1e300
    return values if ok.all() else np.where(ok, values, np.nan)


def _log10(values: np.ndarray) -> np.ndarray:
    """log10 of the positive values, NaN for the rest."""
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = values > 0
        return np.where(positive, np.log10(np.where(positive, values, 1.0)), np.nan)


def _column_spans(values: np.ndarray, steps: int, px_cols: int,
                  log_y: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel column, the min and max of the series there (NaN where it has nothing).

    The x scale is shared by all series: step t of `steps` lands in column t * px_cols // steps
    when there are more steps than columns, else at t * (px_cols - 1) / (steps - 1) with the
    columns in between linearly interpolated. With `log_y` the spans are log10, of positive
    values only (taken after the reduction: log10 is monotonic, so only the spans pay for it).
    """
    n = values.size
    lo = np.full(px_cols, np.nan)
    hi = np.full(px_cols, np.nan)
    if n == 0:
        return lo, hi
    if steps >= px_cols:
        starts = -(-np.arange(px_cols, dtype=np.int64) * steps // px_cols)  # ceil(c * steps / px_cols)
        used = int(np.searchsorted(starts, n))  # columns that begin before this series ends
        starts = starts[:used]
        low_values = values
        if log_y:
            with np.errstate(invalid="ignore"):
                positive = values > 0
            if not positive.all():
                low_values = np.where(positive, values, np.inf)
        # NaN is skipped by fmin/fmax; a column holding an infinity is dropped whole (input is meant finite)
        lo[:used] = np.fmin.reduceat(low_values, starts)
        hi[:used] = np.fmax.reduceat(values, starts)
        lo, hi = _drawable(lo), _drawable(hi)
        if log_y:
            lo, hi = _log10(lo), _log10(hi)
        missing = np.isnan(lo) | np.isnan(hi)
        lo[missing] = hi[missing] = np.nan
        return lo, hi
    values = _log10(_drawable(values)) if log_y else _drawable(values)
    if steps == 1:
        lo[:] = hi[:] = values[0]
        return lo, hi
    position = np.arange(px_cols) * ((steps - 1) / (px_cols - 1))  # in steps
    inside = position <= n - 1 + 1e-9
    position = np.minimum(position[inside], n - 1)
    left = np.floor(position).astype(np.int64)
    right = np.minimum(left + 1, n - 1)
    fraction = position - left
    value = values[left] * (1 - fraction) + values[right] * fraction
    # Where a neighbour is missing (log of a zero), take the nearest point, which may be missing too.
    nearest = values[np.rint(position).astype(np.int64)]
    value = np.where(np.isnan(value), nearest, value)
    lo[: value.size] = hi[: value.size] = value
    return lo, hi


def _join_neighbours(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stretch each column's span half-way towards its neighbours' so the line has no gaps."""
    lo, hi = lo.copy(), hi.copy()
    if lo.size < 2:
        return lo, hi
    with np.errstate(invalid="ignore"):
        rising = hi[:-1] < lo[1:]
        falling = lo[:-1] > hi[1:]
    up = np.where(rising, (hi[:-1] + lo[1:]) / 2, np.nan)
    down = np.where(falling, (lo[:-1] + hi[1:]) / 2, np.nan)
    hi[:-1] = np.fmax(hi[:-1], up)
    lo[1:] = np.fmin(lo[1:], up)
    lo[:-1] = np.fmin(lo[:-1], down)
    hi[1:] = np.fmax(hi[1:], down)
    return lo, hi


def _y_range(lows: list[np.ndarray], highs: list[np.ndarray], log_y: bool) -> tuple[float, float]:
    finite_lows = [a for a in lows if a.size]
    if not finite_lows:
        return (-1.0, 0.0) if log_y else (0.0, 1.0)
    y_min = float(min(a.min() for a in finite_lows))
    y_max = float(max(a.max() for a in highs if a.size))
    span = y_max - y_min
    if span <= 1e-12 * max(abs(y_min), abs(y_max)) or span < 1e-200:  # flat: give it room, centred
        middle = (y_min + y_max) / 2
        pad = 0.5 if log_y else (abs(middle) * 0.1 if abs(middle) > 1e-200 else 1.0)
        y_min, y_max = middle - pad, middle + pad
    return y_min, y_max


def _rasterise(lo: np.ndarray, hi: np.ndarray, y_min: float, y_max: float, px_rows: int,
               height: int, width: int) -> np.ndarray:
    """Braille bits per cell (height x width) for vertical spans lo..hi in each pixel column."""
    scale = (px_rows - 1) / (y_max - y_min)
    valid = np.isfinite(lo) & np.isfinite(hi)
    top = np.clip(np.rint((y_max - np.where(valid, hi, y_max)) * scale), 0, px_rows - 1)
    bottom = np.clip(np.rint((y_max - np.where(valid, lo, y_max)) * scale), 0, px_rows - 1)
    rows = np.arange(px_rows)[:, None]
    on = (rows >= top) & (rows <= bottom) & valid  # (px_rows, px_cols)
    dots = on.reshape(height, 4, width, 2) * DOT_BITS[None, :, None, :]
    return dots.sum(axis=(1, 3), dtype=np.uint16)


def _append_cells(line: Text, bits: np.ndarray, owner: np.ndarray, colours: int) -> None:
    """One row of cells, one styled run per stretch of the same series."""
    chars = [chr(BRAILLE_BASE + int(b)) if b else " " for b in bits]
    start = 0
    for end in range(1, len(chars) + 1):
        if end == len(chars) or owner[end] != owner[start]:
            who = int(owner[start])
            line.append("".join(chars[start:end]), style=PALETTE[who % colours] if who >= 0 else None)
            start = end


# -- axes --------------------------------------------------------------------------------------

def _y_ticks(y_min: float, y_max: float, height: int, px_rows: int,
             log_y: bool) -> list[tuple[int, float]]:
    """(row, value) of each y tick: the extremes on the top and bottom rows, round values between."""
    scale = (px_rows - 1) / (y_max - y_min)

    def row_of(y: float) -> int:
        return int(np.clip(np.rint((y_max - y) * scale), 0, px_rows - 1)) // 4

    def real(y: float) -> float:
        if log_y:
            return 10.0 ** y if y < 308 else math.inf
        return 0.0 if abs(y) < 1e-9 * (y_max - y_min) else y  # float noise around zero reads as 0

    ticks = [(0, real(y_max))]
    if height > 1:
        ticks.append((height - 1, real(y_min)))
    wanted = max(0, min(3, (height - 1) // 3 - 1))  # about one label every 4 rows
    if wanted == 0:
        return sorted(ticks)
    candidates = _log_candidates(y_min, y_max, wanted) if log_y else _nice_values(y_min, y_max, wanted)
    for y in candidates:
        row = row_of(y)
        if all(abs(row - taken) >= TICK_GAP_ROWS for taken, _ in ticks):
            ticks.append((row, real(y)))
    return sorted(ticks)


def _nice_values(y_min: float, y_max: float, wanted: int) -> list[float]:
    """Multiples of a 1-2-2.5-5 step strictly inside the range, about `wanted` of them."""
    raw = (y_max - y_min) / (wanted + 1)
    exponent = math.floor(math.log10(raw))
    step = next(f for f in (1, 2, 2.5, 5, 10) if f * 10.0 ** exponent >= raw * (1 - 1e-9)) * 10.0 ** exponent
    first, last = math.floor(y_min / step) + 1, math.ceil(y_max / step) - 1
    values = [float(f"{k * step:.12g}") for k in range(first, last + 1)]
    return [v for v in values if y_min < v < y_max]


def _log_candidates(y_min: float, y_max: float, wanted: int) -> list[float]:
    """log10 of round values inside the range: whole decades, or 1-2-5 within a short range."""
    decades = [float(k) for k in range(math.floor(y_min) + 1, math.ceil(y_max))]
    if len(decades) >= 2:
        stride = max(1, math.ceil(len(decades) / (wanted + 1)))
        return decades[::-1][::stride]
    values = [math.log10(m) + k for k in range(math.floor(y_min), math.ceil(y_max) + 1) for m in (1, 2, 5)]
    return sorted((v for v in values if y_min < v < y_max), reverse=True)


def _format_ticks(values: Sequence[float], prefer_sci: bool = False) -> list[str]:
    """One compact format for all labels: the shortest that shows each value within 2.5%."""
    if not values:
        return []
    magnitude = max(abs(v) for v in values)
    fixed = [f"{{:.{d}f}}" for d in range(5)] if magnitude < 1e5 and not prefer_sci else []
    for pattern in fixed + [f"{{:.{d}e}}" for d in range(1, 7)]:
        labels = [pattern.format(v) for v in values]
        if any(len(label) > 8 for label in labels) and pattern in fixed:
            continue
        if len(set(labels)) == len(labels) and all(_close(label, v) for label, v in zip(labels, values)):
            return [_no_negative_zero(label, pattern) for label in labels]
    return [f"{v:.10g}" for v in values]


def _close(label: str, value: float) -> bool:
    shown = float(label)
    return shown == value if value == 0 else abs(shown - value) <= REL_TOLERANCE * abs(value)


def _no_negative_zero(label: str, pattern: str) -> str:
    return pattern.format(0.0) if float(label) == 0 else label


def _x_axis(steps: int, width: int, px_cols: int) -> tuple[str, str]:
    """The axis line with ticks at the first, middle and last step, and their labels."""
    last = max(steps - 1, 0)

    def column_of(t: int) -> int:
        if steps >= px_cols:
            return t * px_cols // steps // 2
        return int(round(t * (px_cols - 1) / max(last, 1))) // 2

    marks = [(0, 0)]
    if last > 0:
        marks.append((width - 1, last))
        middle = _round_middle(last, width, column_of)
        if middle is not None:
            marks.insert(1, (column_of(middle), middle))
    axis = ["─"] * width
    labels = [" "] * width
    occupied = -2  # last column used by a label, keeping one space between labels
    for index, (column, step) in enumerate(marks):
        label = str(step)
        start = column if index == 0 else column - (len(label) - 1 if column == width - 1 else len(label) // 2)
        start = max(0, min(start, width - len(label)))
        if start <= occupied + 1 or start + len(label) > width:
            continue
        axis[column] = "┬"
        labels[start:start + len(label)] = label
        occupied = start + len(label) - 1
    return "".join(axis), "".join(labels)


def _round_middle(last: int, width: int, column_of) -> int | None:
    """A round step near the middle whose tick stays within a column of the centre."""
    if last < 2 or width < 3:
        return None
    centre = width // 2
    exact = last / 2
    digits = len(str(int(exact)))
    for keep in range(1, digits + 1):
        candidate = int(round(exact, keep - digits))
        if 0 < candidate < last and abs(column_of(candidate) - centre) <= 1:
            return candidate
    return None


def _centre(text: str, gutter: int, width: int) -> str:
    """`text` centred over the plot, or over the whole line when longer, cut to fit with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= width:
        return (" " * gutter + text.center(width)).rstrip()
    if len(text) > gutter + width:
        text = text[:max(gutter + width - 1, 0)] + "…"
    return text.center(gutter + width).rstrip()
