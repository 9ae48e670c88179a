"""Benchmark: evaluating 1,000,000 steps of each kind, beside the numpy floor and a PyTorch loop.

    python bench/bench_eval.py [--steps N] [--torch-steps N] [--json PATH]

The numpy floor is one `np.cos` over the range. The PyTorch loop (when torch is installed) steps
the equivalent scheduler and reads the learning rate each step; it runs on --torch-steps steps and
is scaled to --steps, since a full million takes seconds per kind.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from lrsched_cli.core.engine import build, evaluate

CASES = {
    "constant": {"kind": "constant", "max_lr": 0.1},
    "step": {"kind": "step", "max_lr": 0.1, "step_size": 1000, "gamma": 0.9},
    "multistep": {"kind": "multistep", "max_lr": 0.1, "milestones": [300000, 600000, 900000]},
    "exponential": {"kind": "exponential", "max_lr": 0.1, "gamma": 0.999999},
    "linear": {"kind": "linear", "max_lr": 0.1, "start_factor": 0.01, "total_iters": 500000},
    "polynomial": {"kind": "polynomial", "max_lr": 0.1, "power": 2.0},
    "cosine": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 250000},
    "cosine_restarts": {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 1000, "cycle_mult": 2},
    "cyclic": {"kind": "cyclic", "min_lr": 0.001, "max_lr": 0.1, "step_size_up": 2000, "mode": "triangular2"},
    "onecycle": {"kind": "onecycle", "max_lr": 0.1},
    "inverse_sqrt": {"kind": "inverse_sqrt", "max_lr": 0.1, "warmup_steps": 4000},
    "wsd": {"kind": "wsd", "max_lr": 0.1, "warmup_steps": 1000, "decay_steps": 200000},
    "expr": {"kind": "expr", "expr": "max_lr * gamma**t", "max_lr": 0.1, "gamma": 0.999999},
    "cosine+warmup": {"kind": "cosine", "max_lr": 0.1, "warmup_steps": 10000},
}


def best_of(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def torch_factories(steps: int):
    """The PyTorch scheduler equal to each case, where one exists."""
    from torch.optim import lr_scheduler as s

    return {
        "step": lambda o: s.StepLR(o, 1000, 0.9),
        "multistep": lambda o: s.MultiStepLR(o, [300000, 600000, 900000]),
        "exponential": lambda o: s.ExponentialLR(o, 0.999999),
        "linear": lambda o: s.LinearLR(o, 0.01, 1.0, 500000),
        "polynomial": lambda o: s.PolynomialLR(o, steps, 2.0),
        "cosine": lambda o: s.CosineAnnealingLR(o, 250000),
        "cosine_restarts": lambda o: s.CosineAnnealingWarmRestarts(o, 1000, 2),
        "cyclic": lambda o: s.CyclicLR(o, 0.001, 0.1, 2000, mode="triangular2", cycle_momentum=False),
        "onecycle": lambda o: s.OneCycleLR(o, 0.1, total_steps=steps, cycle_momentum=False),
    }


def torch_loop_seconds(name: str, steps: int, measured_steps: int) -> float | None:
    try:
        factory = torch_factories(steps).get(name)
    except ImportError:  # no torch here
        return None
    if factory is None:
        return None
    return time_torch_loop(factory, measured_steps) * steps / measured_steps


def time_torch_loop(factory, steps: int) -> float:
    """Seconds for a PyTorch scheduler loop that reads the lr of every step."""
    import torch

    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = factory(optimizer)
    values = np.empty(steps)
    start = time.perf_counter()
    for i in range(steps):
        values[i] = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--torch-steps", type=int, default=50_000)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    n = args.steps

    t = np.arange(n, dtype=np.float64)
    floor = best_of(lambda: np.cos(t))
    rows = []
    print(f"{'kind':16} {'lrsched ms':>11} {'x numpy floor':>14} {'torch loop s':>13} {'speed-up':>9}")
    print(f"{'numpy floor':16} {floor * 1e3:11.2f} {1.0:14.2f}")
    for name, mapping in CASES.items():
        schedule = build(mapping, n)
        seconds = best_of(lambda: evaluate(schedule, n))
        torch_s = torch_loop_seconds(name, n, min(args.torch_steps, n))
        speedup = torch_s / seconds if torch_s else None
        rows.append({"kind": name, "lrsched_s": seconds, "floor_ratio": seconds / floor,
                     "torch_loop_s": torch_s, "speedup_vs_torch": speedup})
        torch_text = f"{torch_s:13.2f} {speedup:8.0f}x" if torch_s else f"{'-':>13} {'-':>9}"
        print(f"{name:16} {seconds * 1e3:11.2f} {seconds / floor:14.2f} {torch_text}")
    result = {"bench": "eval", "steps": n, "numpy_floor_s": floor, "kinds": rows}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    print(json.dumps({"bench": "eval", "steps": n, "max_ms": max(r["lrsched_s"] for r in rows) * 1e3}))


if __name__ == "__main__":
    main()
