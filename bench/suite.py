"""The benchmark suite: each measurement beside a reference measured in the same run.

    python bench/suite.py [--json bench/results/suite.json] [--quick]

1. evaluation of 5 schedules x 1,000,000 steps vs the bare numpy floor (one np.cos over the range
   per schedule) and vs a PyTorch scheduler loop producing the same values (when torch imports;
   the loop runs 100,000 steps per schedule and is scaled to 1,000,000);
2. CSV export of the 5 x 1,000,000 exact values, with orjson and without (repr), vs numpy.savetxt
   with 17 significant digits;
3. `plot` of 5 x 1,000,000 steps to PNG vs plain matplotlib drawing every point, and the `plot` and
   `compare` processes vs the matplotlib floor: a process that imports matplotlib and saves a
   two-point figure of the same size and dpi (target: within 1.2x);
4. process start-up of three commands vs a minimal Typer app in the same style doing the same;
5. peak RSS of the 1,000,000-step export process.

Prints a table and writes JSON. Timings are the best of several runs.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository's lrsched_cli, without PYTHONPATH
STEPS = 1_000_000
FIVE = [
    {"kind": "cosine", "max_lr": 0.1},
    {"kind": "step", "max_lr": 0.1, "step_size": 200000, "gamma": 0.5},
    {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": 150000},
    {"kind": "exponential", "max_lr": 0.1, "gamma": 0.999997},
    {"kind": "cyclic", "min_lr": 0.01, "max_lr": 0.1, "step_size_up": 50000, "cycle_momentum": False},
]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def schedules():
    from lrsched_cli.core.engine import build

    return [build(m, STEPS) for m in FIVE]


def bench_eval(repeat: int) -> list[dict]:
    from lrsched_cli.core.engine import evaluate

    built = schedules()
    t = np.arange(STEPS, dtype=np.float64)
    ours = best(lambda: [evaluate(s, STEPS) for s in built], repeat)
    floor = best(lambda: [np.cos(t) for _ in FIVE], repeat)
    rows = [{"what": "evaluate 5 x 1M steps", "lrsched_s": ours, "reference": "numpy floor (5 x np.cos)",
             "reference_s": floor, "target": "<= 1.5x", "ratio": ours / floor}]
    torch_s = torch_loop(100_000)
    if torch_s is not None:
        rows.append({"what": "evaluate 5 x 1M steps", "lrsched_s": ours, "reference": "PyTorch scheduler loop",
                     "reference_s": torch_s, "target": ">= 100x faster", "ratio": ours / torch_s})
    return rows


def torch_loop(measured: int) -> float | None:
    try:
        from torch.optim import lr_scheduler as s
    except ImportError:
        return None
    factories = [
        lambda o: s.CosineAnnealingLR(o, STEPS),
        lambda o: s.StepLR(o, 200000, 0.5),
        lambda o: s.CosineAnnealingWarmRestarts(o, 150000),
        lambda o: s.ExponentialLR(o, 0.999997),
        lambda o: s.CyclicLR(o, 0.01, 0.1, 50000, cycle_momentum=False),
    ]
    from bench_eval import time_torch_loop  # this folder is on sys.path when run as a script

    return sum(time_torch_loop(factory, measured) for factory in factories) * STEPS / measured


def bench_export(repeat: int, folder: Path) -> list[dict]:
    from lrsched_cli.core.engine import evaluate
    from lrsched_cli.io.files import atomic_writer
    from lrsched_cli.io.output import write_csv

    built = schedules()
    labels = [s.label for s in built]

    def ours() -> None:
        columns = [evaluate(s, STEPS) for s in built]
        with atomic_writer(folder / "ours.csv", "w") as stream:
            write_csv(stream, "step", labels, columns)

    def plain() -> None:
        columns = [evaluate(s, STEPS) for s in built]
        table = np.column_stack([np.arange(STEPS), *columns])
        np.savetxt(folder / "plain.csv", table, fmt=["%d"] + ["%.17g"] * len(columns), delimiter=",",
                   header="step," + ",".join(labels), comments="")

    from lrsched_cli.io import output

    plain_s = best(plain, repeat)
    rows = []
    for name, fast in (("orjson", output._orjson), ("repr", lambda: None)):
        saved, output._orjson = output._orjson, fast  # without orjson: the repr path
        try:
            ours_s = best(ours, repeat)
        finally:
            output._orjson = saved
        check = np.loadtxt(folder / "ours.csv", delimiter=",", skiprows=1)
        exact = all(np.array_equal(check[:, i + 1], evaluate(s, STEPS)) for i, s in enumerate(built))
        rows.append({"what": f"CSV export 5 x 1M values, {name}" + (" (bit-exact)" if exact else " (NOT EXACT)"),
                     "lrsched_s": ours_s, "reference": "numpy.savetxt %.17g", "reference_s": plain_s,
                     "target": "<= 0.5x" if name == "orjson" else "<= 1.0x", "ratio": ours_s / plain_s})
    return rows


def bench_plot(repeat: int, folder: Path) -> list[dict]:
    from lrsched_cli.core.engine import evaluate
    from lrsched_cli.present.plot import Series, save_figure

    built = schedules()
    series = [Series(s.label, evaluate(s, STEPS), s.marks(STEPS)) for s in built]
    ours = best(lambda: save_figure(series, folder / "ours.png", unit="step"), repeat)

    def plain(legend_loc: str) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(9, 5), dpi=150)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for s in series:
            ax.plot(np.arange(STEPS), s.values, label=s.label, linewidth=1.4)
        ax.legend(loc=legend_loc)
        fig.savefig(io.BytesIO(), format="png")

    rows = []
    # "best" is what a plain `ax.legend()` does; it searches all 5M points for a free corner.
    for loc, name in (("upper right", "plain matplotlib, every point, fixed legend"),
                      ("best", "plain matplotlib, every point, ax.legend()")):
        plain_s = best(lambda: plain(loc), max(1, repeat - 1))
        rows.append({"what": "plot 5 x 1M steps to PNG", "lrsched_s": ours, "reference": name,
                     "reference_s": plain_s, "target": "< 1 s and >= 3x faster", "ratio": ours / plain_s})
    return rows


FLOOR = """import sys
import matplotlib
matplotlib.use("Agg")
from matplotlib.figure import Figure
fig = Figure(figsize=(9.0, 5.0), dpi=150)
fig.add_subplot().plot([0, 1], [0, 1])
fig.savefig(sys.argv[1])
"""


def bench_plot_floor(repeat: int, folder: Path) -> list[dict]:
    """The plot and compare processes beside the matplotlib floor (same figure size and dpi)."""
    import yaml

    config = folder / "five_plot.yaml"
    config.write_text(yaml.safe_dump({"steps": STEPS, "unit": "step", "schedules": FIVE}))
    py = sys.executable
    floor_s = run_seconds([py, "-c", FLOOR, str(folder / "floor.png")], repeat)
    lrsched = [py, "-m", "lrsched_cli"]
    rows = []
    for name, args in (("plot", lrsched + ["plot", "--config", str(config), "-o", str(folder / "p.png")]),
                       ("compare", lrsched + ["compare", str(config), "-o", str(folder / "c.png")])):
        ours_s = run_seconds(args, repeat)
        rows.append({"what": f"{name} 5 x 1M steps to PNG (process)", "lrsched_s": ours_s,
                     "reference": "matplotlib floor: import, two-point figure, savefig", "reference_s": floor_s,
                     "target": "<= 1.2x", "ratio": ours_s / floor_s})
    return rows


def run_seconds(args: list[str], repeat: int) -> float:
    def once() -> None:
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                       cwd=HERE.parent)  # python -m lrsched_cli finds the repository's package

    once()  # warm the file cache
    return best(once, repeat)


def bench_startup(repeat: int) -> list[dict]:
    py = sys.executable
    lrsched = [py, "-m", "lrsched_cli"]
    cases = [
        ("lrsched --help", lrsched + ["--help"], [py, str(HERE / "minimal" / "help_app.py"), "--help"]),
        ("lrsched list", lrsched + ["list"], [py, str(HERE / "minimal" / "table_app.py")]),
        ("lrsched table cosine ... --steps 100",
         lrsched + ["table", "cosine", "--max-lr", "0.1", "--cycle-length", "100", "--steps", "100"],
         [py, str(HERE / "minimal" / "numpy_table_app.py")]),
    ]
    rows = []
    for name, ours, minimal in cases:
        ours_s, minimal_s = run_seconds(ours, repeat), run_seconds(minimal, repeat)
        rows.append({"what": f"start-up: {name}", "lrsched_s": ours_s, "reference": "minimal Typer app",
                     "reference_s": minimal_s, "target": "<= 1.3x", "ratio": ours_s / minimal_s})
    return rows


def bench_memory(folder: Path) -> list[dict]:
    import yaml

    config = folder / "five.yaml"
    config.write_text(yaml.safe_dump({"steps": STEPS, "schedules": FIVE}))
    # The child reports its own peak (VmHWM, kB): getrusage's ru_maxrss survives exec, so it
    # would also count the forked copy of this (large) process.
    code = ("import runpy, sys\n"
            "sys.argv = ['lrsched', 'export', '--config', sys.argv[1], '-o', sys.argv[2]]\n"
            "try:\n    runpy.run_module('lrsched_cli', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "status = open('/proc/self/status').read()\n"
            "print(status.split('VmHWM:')[1].split()[0])")
    result = subprocess.run([sys.executable, "-c", code, str(config), str(folder / "mem.csv")],
                            capture_output=True, text=True, check=True)
    peak_kb = int(result.stdout.split()[-1])
    return [{"what": "peak RSS, export 5 x 1M steps", "lrsched_s": None, "reference": "limit",
             "reference_s": None, "target": "< 500 MB", "peak_mb": peak_kb / 1024}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=str(HERE / "results" / "suite.json"))
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = (bench_eval(repeat) + bench_export(max(1, repeat // 2), folder) + bench_plot(3, folder)
                + bench_plot_floor(repeat, folder)
                + bench_startup(repeat * 2) + bench_memory(folder))
    print(f"{'measurement':44} {'lrsched':>9} {'reference':>10} {'ratio':>7}  target / reference")
    for row in rows:
        if "peak_mb" in row:
            print(f"{row['what']:44} {row['peak_mb']:7.0f}MB {'':>10} {'':>7}  {row['target']}")
            continue
        ratio = f"{row['ratio']:6.2f}x" if row["ratio"] >= 0.01 else f"1/{1 / row['ratio']:.0f}"
        print(f"{row['what']:44} {row['lrsched_s']:8.3f}s {row['reference_s']:9.3f}s {ratio:>7}"
              f"  {row['target']} vs {row['reference']}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"python": sys.version.split()[0], "cpus": os.cpu_count(),
                                           "rows": rows}, indent=1))
    print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
