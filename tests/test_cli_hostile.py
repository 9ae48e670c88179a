"""Classes of hostile input, each generated: whatever the case, one line on stderr, the right exit
code, no traceback and no file left half-written.

Markup in user text, Unicode and oversized digits, lone surrogates, failing outputs (a full disk,
/dev/full, a name too long, a closed stdout, an encoding without braille), options placed before
the kind, an output that is one of the inputs, multi-line exceptions from user code, and tables
too long to render.
"""
from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import typer.main
import typer.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.io.config import unique_labels

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
COS = ["cosine", "--max-lr", "0.1"]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_COMMAND: list = []


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Every test works in its own folder, so relative names and listings are its own."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def build_the_cli_once(monkeypatch):
    """The click command is built once, not on every generated example."""
    if not _COMMAND:
        _COMMAND.append(typer.main.get_command(app))
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: _COMMAND[0], raising=False)


def invoke(args):
    return runner.invoke(app, args)


def assert_one_line_error(result, code, *parts):
    assert result.exit_code == code, (result.exit_code, result.output)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    for part in parts:
        assert part in result.stderr, result.stderr


def run_module(*args, cwd, env=None, **streams):
    streams = streams or {"capture_output": True}
    return subprocess.run([sys.executable, "-m", "lrsched_cli", *args], text=True, cwd=cwd, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, **streams)


# -- user text is never rich markup -----------------------------------------------------------

MARKUP = st.text(alphabet="[]/=#:ab", min_size=1, max_size=12)


@FAST
@given(label=MARKUP)
def test_a_label_full_of_brackets_is_shown_as_written(label):
    for command in (["table", *COS, "-n", "5"], ["plot", *COS, "-n", "5", "--terminal"]):
        result = invoke([*command, "--label", label])
        assert result.exit_code == 0, result.output
        assert label in result.stdout


@FAST
@given(title=MARKUP, label=MARKUP)
def test_a_config_title_and_labels_full_of_brackets_are_shown_as_written(title, label):
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "c.yaml"
        config.write_text(f"title: {title!r}\nschedules:\n  - {{kind: cosine, max_lr: 1, label: {label!r}}}\n")
        for command in (["table"], ["plot", "--terminal"], ["compare", str(config), "--terminal"]):
            args = command + ([] if command[0] == "compare" else ["-c", str(config)])
            result = invoke([*args, "-n", "5"])
            assert result.exit_code == 0, result.output
            assert title in result.stdout and label in result.stdout


# -- numbers: Unicode digits, and more digits than Python converts --------------------------------

UNICODE_DIGITS = st.text(alphabet=st.characters(whitelist_categories=("Nd", "No")), min_size=1, max_size=3)\
    .filter(lambda s: not s.isascii())
INTEGER_OPTIONS = [
    (["table", *COS, "--every"], "--every"),
    (["plot", *COS, "-o", "x.png", "--dpi"], "--dpi"),
    (["export", *COS, "--steps"], "--steps"),
    (["export", "step", "--max-lr", "0.1", "--step-size"], "--step-size"),
    (["export", "--spec", "cosine:max_lr=0.1", "--steps"], "--steps"),
]


@FAST
@given(digits=UNICODE_DIGITS, case=st.sampled_from(INTEGER_OPTIONS))
def test_unicode_digits_are_not_integers(tmp_path, digits, case):
    command, flag = case
    assert_one_line_error(invoke([*command, digits]), 2, flag, "must be")
    assert not (tmp_path / "x.png").exists()


HUGE = st.integers(4301, 6000).map(lambda n: "7" * n)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=HUGE)
def test_integers_over_pythons_digit_limit_are_one_line_errors(tmp_path, number):
    config = tmp_path / "c.yaml"
    config.write_text(f"steps: {number}\nschedules: [{{kind: cosine, max_lr: 1}}]\n")
    cases = [
        ["export", "-c", str(config)],
        ["export", *COS, "--steps", number],
        ["export", "step", "--max-lr", "0.1", "--step-size", number],
        ["export", "--spec", f"step:max_lr=0.1,step_size={number}"],
        ["export", f"torch:StepLR(step_size={number})", "--base-lr", "0.1"],
        ["export", f"torch:LambdaLR(lr_lambda=lambda e: 0.5 ** {number})", "--base-lr", "0.1"],
    ]
    for args in cases:
        result = invoke(args)
        assert result.exit_code in (1, 2), (args[:2], result.output)
        assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr, result.stderr


# -- lone surrogates: undecodable bytes in argv, or escaped in YAML ------------------------------

SURROGATE_TEXT = st.tuples(st.text(alphabet="ab ", max_size=3), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
                           st.text(alphabet="ab", max_size=3)).map("".join)


@FAST
@given(text=SURROGATE_TEXT)
def test_labels_and_titles_with_lone_surrogates_are_refused(tmp_path, text):
    assert_one_line_error(invoke(["export", *COS, "--label", "x" + text]), 2, "valid UTF-8")
    assert_one_line_error(invoke(["plot", *COS, "--title", text, "--terminal"]), 2, "--title", "valid UTF-8")
    escaped = "".join(f"\\u{ord(c):04x}" for c in text)
    for key in ("title", "label"):
        config = tmp_path / "c.yaml"
        entry = f'label: "x{escaped}", ' if key == "label" else ""
        top = f'title: "{escaped}"\n' if key == "title" else ""
        config.write_text(f"{top}schedules:\n  - {{{entry}kind: cosine, max_lr: 1}}\n")
        assert_one_line_error(invoke(["table", "-c", str(config)]), 2, "valid UTF-8")


def test_undecodable_bytes_in_argv_are_refused_in_a_real_process(tmp_path):
    result = run_module("export", *COS, "--label", os.fsdecode(b"lr\xff"), "-o", "x.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: cosine: label must be valid UTF-8 text (received 'lr\\udcff'; an undecodable byte)\n"
    assert os.listdir(tmp_path) == []


# -- outputs that fail --------------------------------------------------------------------------

OUTPUT_COMMANDS = [
    ["export", *COS, "-n", "50"],
    ["export", *COS, "-n", "50", "--format", "json"],
    ["export", *COS, "-n", "50", "--to", "torch"],
]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", OUTPUT_COMMANDS + [["compare", "--as", "torch", "cosine:max_lr=0.1",
                                                         "--terminal", "-n", "20", "--csv"]])
def test_a_full_device_named_by_an_option_is_one_line(command):
    assert_one_line_error(invoke([*command, *([] if command[-1] == "--csv" else ["-o"]), "/dev/full"]), 1,
                          "/dev/full: cannot write: no space left on device")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", OUTPUT_COMMANDS + [["list"], ["describe", "cosine"], ["table", *COS]])
def test_a_full_stdout_is_one_line(tmp_path, command):
    with open("/dev/full", "w") as full:
        result = run_module(*command, cwd=tmp_path, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 1
    assert result.stderr == "error: stdout: cannot write: no space left on device\n"


@pytest.mark.parametrize("command", OUTPUT_COMMANDS + [["list"], ["table", *COS]])
def test_a_closed_stdout_is_an_error_not_a_silent_success(tmp_path, command):
    result = subprocess.run(" ".join([sys.executable, "-m", "lrsched_cli", *command]) + " >&-", shell=True,
                            capture_output=False, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert result.returncode == 1
    assert result.stderr == ("error: stdout is closed, so nothing can be written; redirect it or write a "
                             "file with -o\n")


@FAST
@given(length=st.integers(256, 2000), suffix=st.sampled_from([".csv", ".json", ".py"]))
def test_a_file_name_too_long_is_one_line(tmp_path, length, suffix):
    name = "a" * length + suffix
    args = ["export", *COS, "-n", "5", "-o", name] + (["--to", "torch"] if suffix == ".py" else [])
    assert_one_line_error(invoke(args), 1, "file name too long")
    assert os.listdir(tmp_path) == []


class FullDisk:
    """A temporary file whose disk fills after `room` characters."""

    def __init__(self, real, room):
        self.real, self.room = real, room

    def write(self, text):
        if len(text) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(text)
        return self.real.write(text)

    def __getattr__(self, name):
        return getattr(self.real, name)


@FAST
@given(room=st.integers(0, 3000), fmt=st.sampled_from(["csv", "json"]))
def test_a_disk_that_fills_midway_leaves_nothing_behind(tmp_path, monkeypatch, room, fmt):
    real = tempfile.NamedTemporaryFile
    (tmp_path / "old.csv").write_text("old\n")
    with monkeypatch.context() as patch:
        patch.setattr(tempfile, "NamedTemporaryFile", lambda *a, **k: FullDisk(real(*a, **k), room))
        result = invoke(["export", *COS, "-n", "400", "--format", fmt, "-o", "old.csv"])
    assert_one_line_error(result, 1, "old.csv: cannot write: no space left on device")
    assert os.listdir(tmp_path) == ["old.csv"] and (tmp_path / "old.csv").read_text() == "old\n"


def test_an_encoding_without_braille_refuses_the_terminal_chart(tmp_path):
    for command in (["plot", *COS, "--terminal"], ["table", *COS, "--chart"],
                    ["compare", "--as", "torch", "cosine:max_lr=0.1", "--terminal"]):
        result = run_module(*command, cwd=tmp_path, env={"PYTHONIOENCODING": "ascii"})
        assert result.returncode == 2 and result.stdout == "", result.stderr
        assert result.stderr == ("error: the terminal chart draws with Unicode braille, which stdout's "
                                 "encoding 'ascii' cannot show; set PYTHONIOENCODING=utf-8 or write an "
                                 "image with -o FILE.png\n")


def test_an_encoding_without_the_labels_characters_is_one_line(tmp_path):
    result = run_module("table", *COS, "--label", "学习率", cwd=tmp_path, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 1
    assert result.stderr.startswith("error: stdout's encoding 'ascii' cannot hold '")
    assert result.stderr.count("\n") == 1


# -- options before the kind: applied, or refused when given twice --------------------------------

BEFORE = {"--steps": ["7"], "--unit": ["step"], "--format": ["json"], "--label": ["mine"],
          "--base-lr": ["0.2"]}


@FAST
@given(chosen=st.lists(st.sampled_from(sorted(BEFORE)), unique=True, min_size=1),
       split=st.integers(0, 5), kind=st.sampled_from(["cosine", "framework"]))
def test_options_before_the_kind_apply_as_after_it(tmp_path, chosen, split, kind):
    options = [part for name in chosen for part in (name, *BEFORE[name])]
    before, after = options[: 2 * split], options[2 * split:]
    target = COS if kind == "cosine" else ["torch:StepLR(step_size=2)"] + \
        ([] if "--base-lr" in chosen else ["--base-lr", "0.1"])
    reference = invoke(["export", *target, *options])
    assert reference.exit_code == 0, reference.output
    result = invoke(["export", *before, *target, *after])
    assert (result.exit_code, result.stdout) == (0, reference.stdout)


def test_an_output_before_the_kind_is_written(tmp_path):
    result = invoke(["export", "-o", "grp.csv", *COS, "-n", "3"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "grp.csv").read_text().splitlines()[0] == "epoch,cosine"


@pytest.mark.parametrize("verb", ["export", "table", "plot"])
@pytest.mark.parametrize("option,value", [("--steps", "5"), ("--unit", "step")])
def test_an_option_given_before_and_after_the_kind_is_refused(verb, option, value):
    result = invoke([verb, option, value, *COS, option, value])
    assert_one_line_error(result, 2, f"{option} is given both before and after the kind")


@pytest.mark.parametrize("source", [["--config", "missing.yaml"], ["--spec", "step:max_lr=0.1"]])
@pytest.mark.parametrize("verb", ["export", "table", "plot"])
def test_a_source_before_the_kind_is_refused_not_ignored(verb, source):
    assert_one_line_error(invoke([verb, *source, *COS]), 2, f"give either a KIND or {source[0]}, not both")


def test_a_label_for_several_schedules_is_refused(tmp_path):
    assert_one_line_error(invoke(["export", "--label", "x", "--spec", "cosine:max_lr=1"]), 2,
                          "--label names the schedule of a KIND")


# -- an output that is one of the inputs -------------------------------------------------------

def _spellings(path: Path) -> list[str]:
    link = path.parent / f"link-{path.name}"
    if not link.exists():
        link.symlink_to(path.name)
    return [path.name, f"./{path.name}", str(path), str(link), f"../{path.parent.name}/{path.name}"]


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize("command", [["export", "-c", "c.yaml", "-o"], ["compare", "c.yaml", "--terminal", "--csv"],
                                     ["export", "-c", "c.yaml", "--to", "torch", "-o"]])
def test_an_output_naming_the_config_is_refused(tmp_path, index, command):
    config = tmp_path / "c.yaml"
    text = "schedules:\n  - {kind: cosine, max_lr: 0.1}\n"
    config.write_text(text)
    result = invoke([*command, _spellings(config)[index], "-n", "2"])
    assert_one_line_error(result, 2, "is one of the inputs")
    assert config.read_text() == text


@pytest.mark.parametrize("index", range(5))
def test_an_output_naming_a_metric_file_is_refused(tmp_path, index):
    (tmp_path / "c.yaml").write_text("schedules:\n  - {kind: plateau, max_lr: 0.1, file: loss.csv}\n")
    metric = tmp_path / "loss.csv"
    metric.write_text("loss\n1\n0.5\n")
    result = invoke(["export", "-c", "c.yaml", "-n", "2", "-o", _spellings(metric)[index]])
    assert_one_line_error(result, 2, "is one of the inputs")
    assert metric.read_text() == "loss\n1\n0.5\n"


def test_two_outputs_naming_one_file_are_refused(tmp_path):
    (tmp_path / "c.yaml").write_text("schedules:\n  - {kind: cosine, max_lr: 0.1}\n")
    result = invoke(["compare", "c.yaml", "-o", "x.svg", "--csv", "./x.svg"])
    assert_one_line_error(result, 2, "--csv and --output name the same file")
    assert sorted(os.listdir(tmp_path)) == ["c.yaml"]


# -- user code: its exception text may span lines ----------------------------------------------

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.text(alphabet="ab \n\r\t\x0b\x0c\u2028", min_size=1, max_size=20))
def test_a_python_kind_exception_over_several_lines_is_one_line(tmp_path, message):
    module = tmp_path / "fails.py"
    module.write_text(f"def lr(t):\n    raise ValueError({message!r})\n")
    result = invoke(["export", "python", "--target", f"{module}:lr", "--allow-import", "-n", "3"])
    assert_one_line_error(result, 2, "your function failed: ValueError")


# -- resources: table rows, label de-duplication -------------------------------------------------

@FAST
@given(steps=st.integers(10_001, 10**7), every=st.integers(1, 1000))
def test_a_table_too_long_is_refused_before_rendering(steps, every):
    rows = -(-steps // every)
    if rows <= 10_000:
        return
    result = invoke(["table", "constant", "--max-lr", "0.1", "--steps", str(steps), "--every", str(every)])
    assert_one_line_error(result, 2, f"would show {rows:,} rows", "--every", "lrsched export")


class Labelled:
    def __init__(self, label):
        self.label = label


@given(labels=st.lists(st.sampled_from(["a", "a-2", "a-3", "b", "b-2", "a-2-2"]), max_size=30))
def test_repeated_labels_get_suffixes_and_stay_unique(labels):
    schedules = [Labelled(x) for x in labels]
    unique_labels(schedules)
    result = [s.label for s in schedules]
    assert len(set(result)) == len(result)
    firsts = {}
    for i, label in enumerate(labels):
        firsts.setdefault(label, i)
    for label, i in firsts.items():
        assert result[i] == label  # the first of each label keeps it
    for original, renamed in zip(labels, result):
        assert renamed == original or renamed.startswith(original + "-")
