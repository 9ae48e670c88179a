"""Benchmark: what lint adds to `lrsched table` at 1,000,000 steps (the target: under 10%).

Runs `lrsched table --config <five schedules> --steps N --every N/10` in-process, with and without
`--no-lint`, best of several runs each, and times `lint_request` alone on the evaluated request.
Run from the repository root:

    python bench/bench_lint.py [--steps N] [--repeats R] [--json PATH]

Prints a small table, then one JSON line: {"bench": "lint", "table_s": ..., "lint_s": ..., "added": ...}.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CONFIG = """\
schedules:
  - {kind: cosine, max_lr: 0.1, warmup_steps: 1000, label: cosine}
  - {kind: step, max_lr: 0.1, step_size: 200000, label: step}
  - {kind: cosine_restarts, max_lr: 0.1, cycle_length: 100000, label: restarts}
  - {kind: onecycle, max_lr: 0.1, label: onecycle}
  - kind: sequence
    max_lr: 0.1
    label: sequence
    phases: [{kind: linear, start_factor: 0.01, total_iters: 1000, steps: 1000}, {kind: cosine}]
"""


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args()

    from lrsched_cli.app.gather import gather
    from lrsched_cli.app.lint import lint_request
    from lrsched_cli.cli import app

    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "five.yaml"
        config.write_text(CONFIG)
        argv = ["table", "--config", str(config), "--steps", str(args.steps), "--every", str(args.steps // 10)]

        def table(*extra: str) -> None:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = app(argv + list(extra), standalone_mode=False)
            assert code == 0, code

        table()  # warm up: imports, caches
        # interleaved, so that load from other jobs hits both alike; the best of each
        # and in alternating order, so that neither always runs first
        runs: dict[bool, list[float]] = {True: [], False: []}
        for i in range(args.repeats):
            for lint in ((True, False) if i % 2 else (False, True)):
                runs[lint].append(best_of(1, table if lint else lambda: table("--no-lint")))
        with_lint, without = min(runs[True]), min(runs[False])
        req = gather(flags={"steps": args.steps}, config=str(config))
        lint_alone = best_of(args.repeats, lambda: lint_request(req, {"config": str(config)}))
    # lint's own time over the table's is the robust figure; the end-to-end pair varies with load
    added = lint_alone / without
    print(f"table, {args.steps:,} steps x 5 schedules, without lint: {without:.3f} s")
    print(f"same, with lint:                                   {with_lint:.3f} s  (end to end, noisy)")
    print(f"lint alone on the evaluated schedules:             {lint_alone * 1000:.1f} ms "
          f"(adds {added:.1%} to the table; target < 10%)")
    result = {"bench": "lint", "steps": args.steps, "table_s": without, "table_lint_s": with_lint,
              "lint_s": lint_alone, "added": added, "target": "< 0.10"}
    print(json.dumps(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
