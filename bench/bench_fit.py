"""Benchmark: `lrsched fit` on logs of 1,000,000 steps, logged every step and every 10 steps.

    python bench/bench_fit.py [--steps N] [--json PATH]

Each case is a closed-form schedule with a warmup, evaluated by lrsched, then fitted; the
benchmark prints the time, the largest relative error of the best candidate and whether it is
the schedule the log was made from. Target: a few seconds for a million steps.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from lrsched_cli.core.align import relative
from lrsched_cli.core.engine import build, evaluate
from lrsched_cli.core.fit import fit

CASES = {
    "cosine": {"kind": "cosine", "max_lr": 3e-4, "min_lr": 3e-5, "warmup_steps": 2000},
    "step": {"kind": "step", "max_lr": 0.1, "step_size": 100000, "gamma": 0.5, "warmup_steps": 500},
    "polynomial": {"kind": "polynomial", "max_lr": 1e-3, "power": 2.0, "max_update": 900000, "warmup_steps": 1000},
    "inverse_sqrt": {"kind": "inverse_sqrt", "max_lr": 1e-3, "warmup_steps": 4000},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    results = []
    for name, mapping in CASES.items():
        values = evaluate(build(mapping, args.steps), args.steps)
        for every in (1, 10):
            at = np.arange(0, args.steps, every)
            start = time.perf_counter()
            result = fit((at, values[at]))
            seconds = time.perf_counter() - start
            same = np.max(relative(evaluate(build(result.best.mapping, args.steps), args.steps), values))
            row = {"case": name, "every": every, "seconds": round(seconds, 3), "error": result.best.error,
                   "exact": result.exact, "same_schedule": bool(same < 1e-9)}
            results.append(row)
            print(f"{name:>13} every {every:>2}: {seconds:6.2f} s  max rel error {result.best.error:.2g}  "
                  f"{'exact' if result.exact else 'NOT exact'}  {'same schedule' if row['same_schedule'] else ''}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
