"""Benchmark: drawing 5 schedules x 1,000,000 steps to PNG.

Compares `lrsched_cli.present.plot.save_figure` (reduces each series to what the pixels show) with
plain matplotlib drawing every point (same figure size and dpi). Run from the repository root,
with the package installed:

    python bench/bench_plot.py [--steps N] [--json PATH]

Prints a small table, then one JSON line: {"bench": "plot", "lrsched_s": ..., "plain_s": ..., "ratio": ...}.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def schedules(n: int, lr: float = 0.1) -> list[tuple[str, np.ndarray, list[int]]]:
    """(label, values, marks) of five typical schedules over n steps, written out with numpy."""
    t = np.arange(n, dtype=np.float64)
    step_size = max(n // 5, 1)
    period = max(n // 7, 1)
    half_cycle = max(n // 20, 1)
    return [
        ("cosine", 0.5 * lr * (1 + np.cos(np.pi * t / max(n - 1, 1))), []),
        ("step", lr * 0.5 ** np.floor(t / step_size), list(range(step_size, n, step_size))),
        ("cosine restarts", 0.5 * lr * (1 + np.cos(np.pi * (t % period) / period)),
         list(range(period, n, period))),
        ("exponential", lr * np.exp(np.log(1e-3) * t / max(n - 1, 1)), []),
        ("cyclic triangle", lr / 10 + (lr - lr / 10) * (1 - np.abs((t / half_cycle) % 2 - 1)), []),
    ]


def best_of(repeats: int, func) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000, help="steps per schedule")
    parser.add_argument("--json", metavar="PATH", help="also write the JSON result to PATH")
    args = parser.parse_args(argv)

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from lrsched_cli.present import plot
    from lrsched_cli.present.plot import Series, save_figure

    data = schedules(args.steps)
    series = [Series(label, values, marks) for label, values, marks in data]
    dpi = 150
    figsize = plot._figure_size(len(series), "overlay", None)[0]

    with tempfile.TemporaryDirectory(prefix="lrsched-bench-") as tmp:
        folder = Path(tmp)

        def lrsched() -> None:
            save_figure(series, folder / "x.png", unit="step", dpi=dpi)

        def plain() -> None:
            fig = Figure(figsize=figsize, dpi=dpi)
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            x = np.arange(args.steps)
            for label, values, _ in data:
                ax.plot(x, values, label=label)
            ax.legend(loc="upper right")
            fig.savefig(folder / "plain.png", format="png", dpi=dpi)

        lrsched()                                      # warm up: imports, font cache
        lrsched_s = best_of(3, lrsched)
        plain_s = best_of(2, plain)

    ratio = plain_s / lrsched_s
    result = {"bench": "plot", "steps": args.steps, "series": len(series),
              "lrsched_s": round(lrsched_s, 4), "plain_s": round(plain_s, 4),
              "ratio": round(ratio, 2)}

    print(f"{len(series)} schedules x {args.steps:,} steps -> PNG {figsize[0]:g}x{figsize[1]:g} in "
          f"at {dpi} dpi")
    print(f"{'method':<44}{'seconds':>10}")
    print(f"{'lrsched save_figure (best of 3)':<44}{lrsched_s:>10.3f}")
    print(f"{'plain matplotlib, every point (best of 2)':<44}{plain_s:>10.3f}")
    print(f"{'speed-up':<44}{ratio:>9.1f}x")
    line = json.dumps(result)
    if args.json:
        Path(args.json).write_text(line + "\n", encoding="utf-8")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
