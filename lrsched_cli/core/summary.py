"""Summary figures of an evaluated schedule and row sampling for readable tables (numpy only)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .._lazy import lazy_import

np = lazy_import("numpy")


@dataclass(frozen=True)
class Summary:
    initial: float
    peak: float
    peak_step: int
    final: float
    minimum: float
    mean: float
    area: float  # sum of lr over the steps: proportional to the total update size
    below_half: int | None  # first step after the peak where lr < peak / 2
    below_tenth: int | None

    FIELDS = (
        ("initial", "initial LR"),
        ("peak", "peak LR"),
        ("peak_step", "peak at"),
        ("final", "final LR"),
        ("minimum", "minimum LR"),
        ("mean", "mean LR"),
        ("area", "LR area"),
        ("below_half", "< peak/2 at"),
        ("below_tenth", "< peak/10 at"),
    )


def summarize(values) -> Summary:
    values = np.asarray(values, dtype=np.float64)
    peak_step = int(np.argmax(values))
    peak = float(values[peak_step])
    with np.errstate(over="ignore"):  # rates near the float64 limit: no RuntimeWarning on stderr
        mean, area = float(values.mean()), float(values.sum())
        if not math.isfinite(mean):  # the sum overflowed, the mean itself is finite
            mean = float((values / values.size).sum())
    return Summary(
        initial=float(values[0]),
        peak=peak,
        peak_step=peak_step,
        final=float(values[-1]),
        minimum=float(values.min()),
        mean=mean,
        area=area,  # inf if it exceeds the float64 range
        below_half=_first_below(values, peak / 2, peak_step),
        below_tenth=_first_below(values, peak / 10, peak_step),
    )


def _first_below(values, level: float, start: int) -> int | None:
    hits = np.flatnonzero(values[start:] < level)
    return int(hits[0]) + start if hits.size else None


def sample_rows(steps: int, every: int | None = None, max_rows: int = 40) -> list[int]:
    """Indices to show: every `every`-th step, or evenly spaced so the table stays readable.

    The first and last steps are always shown.
    """
    if every is None:
        every = max(1, -(-steps // max_rows))
    rows = list(range(0, steps, every))
    if rows[-1] != steps - 1:
        rows.append(steps - 1)
    return rows
