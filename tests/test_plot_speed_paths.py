"""The fast paths of `plot` and `compare`: matplotlib imported in a background thread while the
schedules are evaluated (present/plot.py prefetch_matplotlib), and the reduction of long series to
what the pixels show. Each must leave the output as it was: the same errors, notes and pictures."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrsched_cli.present import plot

ROOT = Path(__file__).resolve().parents[1]
PLOT = ["plot", "cosine", "--max-lr", "0.1", "--steps", "20", "--dpi", "10", "-o", "x.png"]
CONFIG = "schedules:\n  - {kind: cosine, max_lr: 0.1}\n  - {kind: step, max_lr: 0.1, step_size: 5}\nsteps: 20\n"


def lrsched(args: list[str], cwd: Path, pythonpath: list[Path] = (), **env: str) -> subprocess.CompletedProcess:
    """lrsched in a fresh process (matplotlib not yet imported), `pythonpath` ahead of the project."""
    environment = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY", "MATPLOTLIBRC")}
    environment.update(env, PYTHONPATH=os.pathsep.join(map(str, [*pythonpath, ROOT])),
                       MPLCONFIGDIR=str(cwd / "mplconfig"))
    return subprocess.run([sys.executable, "-m", "lrsched_cli", *args], capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=120)


def broken_matplotlib(tmp_path: Path, body: str) -> Path:
    """A folder holding a `matplotlib` package whose import runs `body`."""
    folder = tmp_path / "broken"
    (folder / "matplotlib").mkdir(parents=True)
    (folder / "matplotlib" / "__init__.py").write_text(body)
    return folder


@pytest.mark.parametrize("args", [PLOT, ["compare", "c.yaml", "-o", "x.png"], ["compare", "c.yaml", "-o", "x.svg"]])
def test_a_failed_background_import_is_the_one_line_error_of_an_import_in_place(tmp_path, args):
    (tmp_path / "c.yaml").write_text(CONFIG)
    broken = broken_matplotlib(tmp_path, 'raise ImportError("libfreetype.so.6: cannot open shared object file")\n')
    result = lrsched(args, tmp_path, [broken])
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == ("error: internal error: ImportError: libfreetype.so.6: cannot open "
                                              "shared object file (rerun with --debug for the traceback)")
    assert sum(line.startswith("error: ") for line in result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "x.svg").exists()


def test_an_error_before_drawing_wins_over_the_background_import(tmp_path):
    """The schedules are refused while matplotlib is still being imported: their error, exit 2."""
    broken = broken_matplotlib(tmp_path, "import time\ntime.sleep(0.5)\nraise ImportError('never seen')\n")
    result = lrsched(["plot", "cosine", "--max-lr", "-1", "-o", "x.png"], tmp_path, [broken])
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and "never seen" not in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_matplotlibs_own_notes_from_the_background_import_keep_their_place(tmp_path):
    """What matplotlib logs while it is imported (a bad matplotlibrc line) is said where an import in
    place said it: after lrsched's run notes, before its MPLBACKEND note and 'wrote'."""
    (tmp_path / "rc").mkdir()
    (tmp_path / "rc" / "matplotlibrc").write_text("lines.linewidth: wide\n")
    result = lrsched(PLOT + ["--dataset-size", "100", "--batch-size", "10"], tmp_path, MATPLOTLIBRC="rc",
                     MPLBACKEND="bogus")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    bad = next(i for i, line in enumerate(lines) if line.startswith("Bad value in file"))
    assert lines[:bad] and all(line.startswith("run: ") for line in lines[:bad])
    assert lines[-2:] == ["note: MPLBACKEND='bogus' is not a matplotlib backend: ignored", "wrote x.png"]
    assert (tmp_path / "x.png").read_bytes().startswith(b"\x89PNG")


PROBE = ("import sys, runpy\nsys.argv = ['lrsched'] + sys.argv[1:]\n"
         "try:\n    runpy.run_module('lrsched_cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
         "sys.stderr.write('matplotlib' if 'matplotlib' in sys.modules else 'clean')")


@pytest.mark.parametrize("args, imports", [
    (["plot", "cosine", "--max-lr", "0.1", "--terminal"], False),
    (["plot", "cosine", "--max-lr", "0.1", "-o", "x.html"], False),
    (["plot", "cosine", "--max-lr", "0.1", "-o", "x.txt"], False),   # refused before anything starts
    (["plot", "cosine", "--max-lr", "0.1", "-o", "x.svg"], True),
])
def test_matplotlib_is_imported_only_for_an_image(tmp_path, args, imports):
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.stderr.endswith("matplotlib" if imports else "clean"), result.stderr


# -- the reduction keeps what the pixels show -------------------------------------------------------

def drawn_lines(series: list[plot.Series], **figure) -> list[tuple[np.ndarray, np.ndarray]]:
    fig = plot.build_figure(series, unit="step", **figure)
    return [(np.asarray(line.get_xdata()), np.asarray(line.get_ydata())) for line in fig.axes[0].get_lines()]


def per_column(x: np.ndarray, y: np.ndarray, n: int, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """min and max of the points (x, y) in each bucket of reduce_points' partition of n steps."""
    size = -(-n // columns)
    bucket = x // size
    count = int(bucket.max()) + 1
    low, high = np.full(count, np.inf), np.full(count, -np.inf)
    np.minimum.at(low, bucket, y)
    np.maximum.at(high, bucket, y)
    return low, high


@settings(max_examples=25, deadline=None)
@given(st.integers(20_000, 300_000), st.lists(st.integers(1, 299_999), max_size=12, unique=True),
       st.integers(0, 2**32 - 1))
def test_each_drawn_curve_keeps_every_columns_extremes_and_every_jump(n, jumps, seed):
    """A staircase with jumps anywhere (an off-by-one would move one to a neighbour column) and a
    noisy curve: per column of the figure the drawn line has the data's min and max, each jump is
    drawn at its own step with the values on both sides, and every point drawn is a real one."""
    rng = np.random.default_rng(seed)
    jumps = sorted(j for j in jumps if j < n)
    levels = rng.uniform(0.001, 0.1, len(jumps) + 1)
    stairs = levels[np.searchsorted(jumps, np.arange(n), side="right")]
    noisy = 0.05 + 0.01 * np.cumsum(rng.normal(size=n)) / np.sqrt(n)
    series = [plot.Series("stairs", stairs, jumps=True), plot.Series("noisy", noisy)]
    columns = plot._columns(plot._figure_size(2, "overlay", None)[0][0], 150)
    for (x, y), values in zip(drawn_lines(series), (stairs, noisy)):
        assert np.array_equal(y, values[x]) and x[0] == 0 and x[-1] == n - 1
        want_low, want_high = per_column(np.arange(n), values, n, columns)
        low, high = per_column(x, y, n, columns)
        assert np.array_equal(low, want_low) and np.array_equal(high, want_high)
    x, y = drawn_lines(series)[0]
    size = -(-n // columns)
    for jump in jumps:   # one alone in its column: drawn at its step, from the level before it
        if stairs[jump] != stairs[jump - 1] and all(abs(other - jump) > size for other in jumps if other != jump):
            i = int(np.searchsorted(x, jump))
            assert x[i] == jump and y[i] == stairs[jump] and y[i - 1] == stairs[jump - 1]


def test_the_faster_png_encoding_keeps_every_pixel(tmp_path):
    """PNG files are deflated at a faster zlib level than matplotlib's default: the same pixels."""
    import io

    from PIL import Image

    n = 50_000
    series = [plot.Series("cosine", 0.05 * (1 + np.cos(np.pi * np.arange(n) / n))),
              plot.Series("step", 0.1 * 0.5 ** np.floor(np.arange(n) / 9_000), jumps=True)]
    ours = plot.save_figure(series, tmp_path / "ours.png", unit="step", dpi=60)
    default = io.BytesIO()
    plot.build_figure(series, unit="step", dpi=60).savefig(default, format="png", dpi=60)
    assert np.array_equal(np.asarray(Image.open(ours)), np.asarray(Image.open(default)))
