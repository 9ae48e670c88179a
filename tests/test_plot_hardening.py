"""plot: a label is not a path; a bad matplotlib backend is a note, not an internal error."""
from __future__ import annotations

import os
import posixpath
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.present.plot import MAX_NAME_BYTES, plot_file_name

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ["../../x", "..", ".", "/etc/passwd", "a/../../b", "..\\..\\x", "C:\\x", "~/x", "-rf",
           ".hidden", "con", "NUL.txt", "a\x00b", "line\nbreak", "tab\there", "\u202eevil", "\ud800",
           "$(rm -rf x)", "a" * 1000, "é" * 300, "___", " ", "", "x.png", "a:b*c?d<e>f|g\"h"]


@settings(max_examples=400)
@given(label=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300),
                       st.lists(st.sampled_from(["..", "/", "\\", ".", "-", "x", "é", " "]))
                       .map("".join)))
def test_a_label_becomes_one_safe_file_name(label):
    name = plot_file_name(label)
    assert name.strip("_")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith((".", "-")) and not name.endswith(".")
    assert all(c.isalnum() or c in "._+-=" for c in name)   # no control, space or surrogate
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    path = posixpath.join("base/plots", f"{name}.png")
    assert posixpath.dirname(posixpath.normpath(path)) == "base/plots"
    assert plot_file_name(name) == name                     # already safe: unchanged


@pytest.mark.parametrize("label", ["cosine", "onecycle", "step-0.1", "wsd_v2", "lr=0.1", "cosine+warmup",
                                   "cosine-step-exponential", "Zeitplan_für_ViT"])
def test_ordinary_labels_keep_their_name(label):
    assert plot_file_name(label) == label


def test_unsafe_characters_become_underscores():
    assert plot_file_name("../../x") == "x"
    assert plot_file_name("my run/v2") == "my_run_v2"
    assert plot_file_name("..") == "plot"
    assert plot_file_name("con") == "con_"
    assert plot_file_name("a" * 1000) == "a" * MAX_NAME_BYTES


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=st.one_of(st.sampled_from(["../../x", "/tmp/evil", "..", "a/b/c", "-x", ".."]),
                       st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)))
@example(label="../../x")
def test_plot_with_a_hostile_label_writes_inside_plots(tmp_path, monkeypatch, label):
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    monkeypatch.chdir(work)
    result = CliRunner().invoke(app, ["plot", "cosine", "--max-lr", "0.1", "--steps", "20", "--dpi", "10",
                                      "--label", label])
    created = sorted(str(p.relative_to(work)) for p in work.rglob("*"))
    if result.exit_code == 0:
        assert created == ["plots", f"plots/{plot_file_name(label)}.png"]
        assert result.stderr == f"wrote plots/{plot_file_name(label)}.png\n"
    else:   # refused by the label checks: one line, nothing written
        assert result.exit_code == 2 and created == []
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert not (tmp_path / "x.png").exists()


def lrsched(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """lrsched in a fresh process: matplotlib reads its environment once, when imported."""
    environment = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY", "MATPLOTLIBRC")}
    environment.update(env, PYTHONPATH=str(ROOT), MPLCONFIGDIR=str(tmp_path / "mplconfig"))
    return subprocess.run([sys.executable, "-m", "lrsched_cli", *args], capture_output=True, text=True,
                          env=environment, cwd=tmp_path, timeout=120)


PLOT = ["plot", "cosine", "--max-lr", "0.1", "--steps", "20", "--dpi", "10", "-o", "x.png"]


def test_unknown_mplbackend_is_ignored_with_a_note(tmp_path):
    result = lrsched(PLOT, tmp_path, MPLBACKEND="bogus")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "note: MPLBACKEND='bogus' is not a matplotlib backend: ignored\nwrote x.png\n"
    assert (tmp_path / "x.png").read_bytes().startswith(b"\x89PNG")


def test_valid_mplbackend_is_applied_as_matplotlib_would(tmp_path):
    result = lrsched(PLOT + ["--show"], tmp_path, MPLBACKEND="svg", DISPLAY=":0")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "wrote x.png\nno display here: --show skipped (open the file instead)\n"


@pytest.mark.parametrize("env, note", [
    ({"MPLBACKEND": "module://no_such_backend"},
     "note: no window: matplotlib's backend cannot be loaded (No module named 'no_such_backend')"),
    ({"MATPLOTLIBRC": "rc"}, "note: no window: matplotlib's backend here is 'agg', which opens none"),
])
def test_show_with_a_backend_that_opens_no_window_says_so(tmp_path, env, note):
    (tmp_path / "rc").mkdir()
    (tmp_path / "rc" / "matplotlibrc").write_text("backend: agg\n")
    result = lrsched(PLOT + ["--show"], tmp_path, DISPLAY=":0", **env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["wrote x.png", note]


def test_matplotlibrc_naming_a_missing_backend_with_show(tmp_path):
    (tmp_path / "rc").mkdir()
    (tmp_path / "rc" / "matplotlibrc").write_text("backend: nosuchbackend\n")
    result = lrsched(PLOT + ["--show"], tmp_path, DISPLAY=":0", MATPLOTLIBRC="rc")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr and len(lines) == 3
    assert lines[0].startswith("Bad value in file") and "nosuchbackend" in lines[0]   # matplotlib's own note
    assert lines[1:] == ["wrote x.png", "note: no window: matplotlib's backend here is 'agg', which opens none"]
