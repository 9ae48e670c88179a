"""Property-based fuzzing of the CLI with hypothesis: YAML configs, kind flags and --spec strings
fed to `export`, and the same command lines fed to `table`, `plot --terminal` and `plot -o`.

Whatever it is given, lrsched either succeeds, and the file it wrote holds one finite value per
step and schedule, or it fails with exit 1 or 2 and exactly one line `error: ...` on stderr,
leaving the output file as it was (absent, or its old content) and no temporary file. Never a
traceback, never an "internal error", never a NaN, never a warning on stderr.

Inputs come in three modes: "clean" (what a careful user writes, so successes are common and
their output gets checked), "corrupt" (one thing broken) and "wild" (anything).
LRSCHED_FUZZ_EXAMPLES=5000 runs a longer campaign (default 200 per test; plot files: 1/8).
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path

import pytest
import typer.main
import typer.testing
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lrsched_cli.core import engine as core
from lrsched_cli.cli import app
from lrsched_cli.core.kinds import REGISTRY

runner = CliRunner()
EXAMPLES = int(os.environ.get("LRSCHED_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# A warning would reach the user's terminal: here it becomes an "internal error" and fails the test.
pytestmark = pytest.mark.filterwarnings("error::UserWarning", "error::RuntimeWarning")

KINDS = REGISTRY.names()
PARAMS = {kind.name: kind.param_names for kind in REGISTRY}
ALL_PARAMS = sorted({name for names in PARAMS.values() for name in names})
REQUIRED = {kind.name: [p for p in kind.params if p.required] for kind in REGISTRY}
OLD = "epoch,old\n0,1.0\n"
METRIC_FILES = {
    "loss.csv": "step,loss\n" + "".join(f"{i},{1 / (i + 1) + (i % 7) * 0.01}\n" for i in range(400)),
    "short.csv": "loss\n1.0\n0.9\n0.8\n",
    "bad.csv": "step,loss\n0,1.0\n1,abc\n",
    "empty.csv": "",
}

_COMMAND = []


@pytest.fixture(autouse=True)
def build_the_cli_once(monkeypatch):
    """Reuse one click command instead of rebuilding it on every call (see test_hardening)."""
    if not _COMMAND:
        _COMMAND.append(typer.main.get_command(app))
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: _COMMAND[0], raising=False)
    monkeypatch.setattr(core, "available_memory", lambda: 8 * 10**9)


# -- strategies -----------------------------------------------------------------------------------

MODES = st.sampled_from(["clean", "clean", "corrupt", "corrupt", "wild"])
SPECIAL_FLOATS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 1e-300, 0.0, -0.0, 1e6]
numbers = st.one_of(
    st.integers(-3, 120),
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from([0.1, 0.5, 0.9, 0.95, 1, 2, 1e-3, 10, 30, 100]),
)
weird_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.sampled_from(SPECIAL_FLOATS + [2**63, 10**400]),
)
scalars = st.one_of(numbers, weird_numbers, st.booleans(), st.none(), st.text(max_size=12),
                    st.sampled_from(KINDS + ["linear", "cos", "min", "max", "hold", "epoch", "step"]))
junk = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)
GOOD_FORMULAS = ["max_lr * 0.95**t", "min_lr + (max_lr - min_lr) * exp(-t / 10)", "max_lr / sqrt(t + 1)",
                 "where(t < 5, max_lr, max_lr / 10)", "max_lr * maximum(t, 1) ** -0.5", "0.1 + 0 * t",
                 "max_lr * (1 + cos(pi * t / 50)) / 2", "max_lr * 0.99**t * (t < 40) + min_lr"]
BAD_FORMULAS = ["1/t", "log(t)", "t**t**t", "2**t", "exp(t)", "__import__('os')", "t.real", "", "t +", "'s'",
                "max_lr * gamma**t", "(lambda: t)()", "[t for t in t]", "9" * 400]


def valid(kind: str, name: str) -> st.SearchStrategy:
    """In-range values of the parameter's type (parameters may still conflict with each other)."""
    param = REGISTRY.get(kind).param(name)
    if name == "expr":
        return st.sampled_from(GOOD_FORMULAS)
    if name == "file":
        return st.just("loss.csv")
    if name == "column":
        return st.sampled_from(["loss", "1", "-1"])
    if name == "metric":
        return st.lists(st.floats(0, 10), min_size=101, max_size=110)
    if param.type in ("float", "int"):
        low = param.gt if param.gt is not None else param.ge if param.ge is not None else 0
        high = param.lt if param.lt is not None else param.le if param.le is not None else low + 100
        if name in ("max_lr", "min_lr", "warmup_start_lr"):
            high = 2.0
        if param.type == "int":
            low = math.floor(low) + (1 if param.gt is not None and float(low).is_integer() else 0)
            return st.integers(low, min(math.ceil(high) - (param.lt is not None), low + 40))
        return st.one_of(
            st.floats(low, high, exclude_min=param.gt is not None, exclude_max=param.lt is not None),
            st.sampled_from([v for v in (0.001, 0.01, 0.1, 0.5, 0.9, 1.0, 2.0, 10.0, 50.0)
                             if (param.gt is None or v > param.gt) and (param.ge is None or v >= param.ge)
                             and (param.lt is None or v < param.lt) and (param.le is None or v <= param.le)]))
    if param.type == "bool":
        return st.booleans()
    if param.type == "choice":
        return st.sampled_from(param.choices)
    if param.type == "ints":
        return st.lists(st.integers(1, 120), min_size=1, max_size=4)
    if param.type == "phases":
        return st.lists(clean_schedules(phase=True), min_size=1, max_size=3).map(_last_phase_open)
    return st.text(max_size=8)


def _last_phase_open(phases: list[dict]) -> list[dict]:
    return phases[:-1] + [{k: v for k, v in phases[-1].items() if k != "steps"}]


def plausible(kind: str, name: str) -> st.SearchStrategy:
    """The right type, in range or not: what a careless user might write."""
    if kind not in PARAMS or name not in PARAMS[kind]:
        return numbers
    param = REGISTRY.get(kind).param(name)
    if name == "expr":
        return st.sampled_from(GOOD_FORMULAS + BAD_FORMULAS)
    if name == "file":
        return st.sampled_from([*METRIC_FILES, "missing.csv", "", "."])
    if name == "column":
        return st.sampled_from(["loss", "step", "0", "1", "-1", "7", "los", ""])
    if param.type == "float":
        return st.one_of(numbers, weird_numbers)
    if param.type == "int":
        return st.one_of(st.integers(-2, 60), st.sampled_from([1.0, 2.5, 10**12, math.nan]))
    if param.type == "bool":
        return st.one_of(st.booleans(), st.sampled_from(["yes", 1, 0]))
    if param.type == "choice":
        return st.sampled_from(param.choices + ("bogus", "", 1))
    if param.type == "ints":
        return st.one_of(st.lists(st.one_of(st.integers(-1, 80), st.sampled_from([2.5, "3", math.inf])),
                                  max_size=4), st.integers(1, 9))
    if param.type == "floats":
        return st.lists(st.one_of(numbers, weird_numbers), max_size=120)
    if param.type == "phases":
        return st.one_of(st.lists(schedules(phase=True), min_size=1, max_size=3), junk)
    return st.text(max_size=8)


NO_PHASE = {"plateau", "sequence"}  # plateau cannot be a phase; nesting kept shallow


@st.composite
def clean_schedules(draw, phase: bool = False) -> dict:
    kind = draw(st.sampled_from([k for k in KINDS if not (phase and k in NO_PHASE)]))
    mapping: dict = {"kind": kind}
    for param in REQUIRED[kind]:
        mapping[param.name] = draw(valid(kind, param.name))
    optional = [name for name in PARAMS[kind] if name not in mapping and name not in ("metric", "file", "column")]
    for name in draw(st.lists(st.sampled_from(optional), unique=True, max_size=3)):
        mapping[name] = draw(valid(kind, name))
    if kind == "plateau" and draw(st.booleans()):
        mapping.update(draw(st.sampled_from([{"file": "loss.csv"}, {"file": "loss.csv", "column": "loss"}])))
    if draw(st.integers(0, 4)) == 0:
        mapping["label"] = draw(st.text(min_size=1, max_size=8).filter(str.strip))
    if phase:
        mapping["steps"] = draw(st.integers(0, 30))
    return mapping


@st.composite
def schedules(draw, phase: bool = False) -> dict:
    mode = draw(MODES)
    if mode == "clean":
        return draw(clean_schedules(phase))
    if mode == "corrupt":
        return draw(corrupted(clean_schedules(phase)))
    kind = draw(st.one_of(st.sampled_from(KINDS), st.sampled_from(["cosin", "Cosine", "", "plateau "]), scalars))
    mapping: dict = {"kind": kind} if draw(st.integers(0, 30)) else {}
    known = list(PARAMS.get(kind, ALL_PARAMS)) if isinstance(kind, str) else ALL_PARAMS
    for name in draw(st.lists(st.sampled_from(known + ["label", "bogus", "max_l", "steps"]), unique=True,
                              max_size=5)):
        if name == "phases" and phase:
            continue
        strategy = plausible(kind, name) if isinstance(kind, str) else numbers
        mapping[name] = draw(st.one_of(strategy, strategy, junk))
    return mapping


@st.composite
def corrupted(draw, clean: st.SearchStrategy) -> dict:
    """A clean mapping with one thing broken: a value, a name, a missing or an extra key."""
    mapping = dict(draw(clean))
    kind = mapping.get("kind")
    keys = sorted(mapping)
    how = draw(st.sampled_from(["value", "value", "junk", "drop", "extra", "rename"]))
    key = draw(st.sampled_from(keys))
    if how == "value" and key != "kind":
        mapping[key] = draw(plausible(kind, key))
    elif how == "junk":
        mapping[key] = draw(junk)
    elif how == "drop":
        del mapping[key]
    elif how == "extra":
        mapping[draw(st.sampled_from(["bogus", "max_l", "min_lr", "gamma", "warmup_steps", "steps", "label"]))] = \
            draw(st.one_of(numbers, junk))
    else:
        mapping[key[:-1] or "x"] = mapping.pop(key)
    return mapping


GOOD_STEPS = st.integers(1, 80)
BAD_STEPS = st.sampled_from([0, -1, 1.5, 40.0, math.nan, math.inf, "10", None, True, [10], 10**12, 10**30])


@st.composite
def documents(draw) -> tuple[str, object]:
    """A YAML text and the `steps` it gives (None: not given)."""
    mode = draw(MODES)
    doc: dict = {}
    if draw(st.booleans()):
        doc["steps"] = draw(GOOD_STEPS if mode == "clean" else st.one_of(GOOD_STEPS, BAD_STEPS))
    if draw(st.integers(0, 3)) == 0:
        doc["unit"] = draw(st.sampled_from(["epoch", "step"]) if mode == "clean" else
                           st.one_of(st.sampled_from(["epoch", "step", "epochs"]), junk))
    if draw(st.integers(0, 3)) == 0:
        doc["title"] = draw(st.text(max_size=10) if mode == "clean" else st.one_of(st.text(max_size=10), junk))
    doc["schedules"] = draw(st.lists(clean_schedules() if mode == "clean" else schedules(), min_size=1,
                                     max_size=3))
    if mode == "wild":
        if draw(st.integers(0, 4)) == 0:
            doc["schedules"] = draw(junk)
        if draw(st.integers(0, 4)) == 0:
            doc[draw(st.sampled_from(["step", "schedule", "Schedules", "x"]))] = draw(junk)
        if draw(st.integers(0, 6)) == 0:
            del doc["schedules"]
    top = draw(junk) if mode == "wild" and draw(st.integers(0, 10)) == 0 else doc
    text = yaml.safe_dump(top, sort_keys=False, allow_unicode=True)
    if mode == "corrupt" and draw(st.booleans()):
        text = draw(broken_text(text))
    return text, doc.get("steps")


@st.composite
def broken_text(draw, text: str) -> str:
    how = draw(st.sampled_from(["truncate", "insert", "duplicate", "tab"]))
    if how == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if how == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(list("[]{}:-&*!|>'\"#%@`\t\n ,?"))) + text[at:]
    lines = text.splitlines(keepends=True)
    at = draw(st.integers(0, max(len(lines) - 1, 0)))
    if how == "duplicate":
        return "".join(lines[: at + 1] + lines[at:])
    return "".join(lines[:at] + ["\t" + line for line in lines[at: at + 1]] + lines[at + 1:])


FLAG_VALUES = st.one_of(
    st.sampled_from(["0", "1", "-1", "0.5", "0.1", "1e-3", "2", "30", "nan", "inf", "-inf", "1e400", "",
                     "abc", "1,2,3", "10,20", "5,x", "true", "false", "yes", "cos", "linear", "hold",
                     "[{kind: cosine}]", "[{kind: linear, steps: 3}, {kind: cosine}]", "{kind: cosine}",
                     "loss.csv", "short.csv", "missing.csv", "loss", "7"]),
    st.text(max_size=10),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-100, 100).map(str),
)
STEP_FLAGS = st.sampled_from(["0", "-1", "1.5", "abc", "", "1e12", "99999999999999999999"])


@st.composite
def command_lines(draw) -> tuple[list[str], int | None]:
    """`export KIND --flag value ...` and the steps it asks for (None: invalid)."""
    mode = draw(MODES)
    if mode == "wild":
        kind = draw(st.one_of(st.sampled_from(KINDS), st.sampled_from(["cosin", "zzz"])))
        mapping = {}
        for name in draw(st.lists(st.sampled_from(list(PARAMS.get(kind, ALL_PARAMS)) + ["max_l"]), max_size=4)):
            mapping[name] = draw(FLAG_VALUES)
    else:
        clean = clean_schedules()
        mapping = draw(clean if mode == "clean" else corrupted(clean))
        kind = mapping.pop("kind", None)
        kind = draw(st.sampled_from(["cosin", "zzz"])) if kind is None else str(kind)
    args = ["export", kind]
    for name, value in mapping.items():
        if name == "label":
            args += ["--label", str(value)]
        elif name in PARAMS.get(kind, ()) or mode != "clean":
            args += ["--" + name.replace("_", "-"), value if isinstance(value, str) else _flag_text(value)]
    if draw(st.booleans()):
        args += ["--steps", draw(st.one_of(GOOD_STEPS.map(str), GOOD_STEPS.map(str), STEP_FLAGS, st.just("1e2")))]
    for option, values in (("--var", ["g=0.5", "gamma=0.9", "x", "=1", "g=nan"]),
                           ("--label", ["lr", "", "a,b", "x\ny"]),
                           ("--unit", ["epoch", "step", "", "batch"]),
                           ("--format", ["csv", "json", "xml", ""])):
        if mode != "clean" and draw(st.integers(0, 5)) == 0:
            args += [option, draw(st.sampled_from(values))]
    if mode == "clean" and draw(st.booleans()):
        args += ["--format", draw(st.sampled_from(["csv", "json"]))]
    assume("--debug" not in args)  # the debug switch, wherever it is, even as a value
    given = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--steps"]
    return args, _int_or_none(given[-1]) if given else 100  # the last --steps counts


def _flag_text(value) -> str:
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return yaml.safe_dump(value, default_flow_style=True).strip()
        return ",".join(_flag_text(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, float) else str(value)


def _int_or_none(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value.is_integer() and value >= 1 else None


@st.composite
def spec_strings(draw) -> str:
    if draw(MODES) != "wild":
        mapping = draw(clean_schedules().filter(lambda m: m["kind"] not in ("sequence", "plateau")))
        kind = mapping.pop("kind")
        items = [f"{k}={_spec_value(v)}" for k, v in mapping.items()]
    else:
        kind = draw(st.one_of(st.sampled_from(KINDS), st.text(max_size=6)))
        items = [f"{name}={draw(FLAG_VALUES)}" for name in
                 draw(st.lists(st.sampled_from(list(PARAMS.get(kind, ALL_PARAMS)) + ["x"]), max_size=4))]
        if draw(st.integers(0, 6)) == 0:
            items.append(draw(st.text(max_size=8)))
    return f"{kind}:{','.join(items)}"


def _spec_value(value) -> str:
    if isinstance(value, list):
        return "[" + ",".join(_spec_value(v) for v in value) + "]"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return _flag_text(value)


# -- running and checking ------------------------------------------------------------------------

@contextlib.contextmanager
def fresh_folder(old: str | None):
    """A new working directory with the metric files and, maybe, an old output file."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for file, content in METRIC_FILES.items():
            (folder / file).write_text(content)
        if old is not None:
            (folder / "out.csv").write_text(old)
        os.chdir(folder)
        try:
            yield folder
        finally:
            os.chdir(here)


def check(result, folder: Path, old: str | None, fmt: str, steps: int | None) -> None:
    out = folder / "out.csv"
    context = (result.exit_code, result.stdout[-500:], result.stderr[-500:], result.exception)
    event(f"exit code {result.exit_code}")  # shown by --hypothesis-show-statistics
    assert result.exit_code in (0, 1, 2), context
    assert "Traceback" not in result.stdout + result.stderr, context
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")], context
    if result.exit_code != 0:
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, context
        assert result.stderr.endswith("\n") and "internal error" not in result.stderr, context
        assert result.stdout == "", context
        assert (out.read_text() if out.exists() else None) == old, context
        return
    assert result.stdout == "" and result.stderr.startswith("wrote "), context
    assert steps is not None, ("invalid steps accepted", context)
    text = out.read_text()
    if fmt == "json":
        doc = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the JSON output"))
        columns = [schedule["values"] for schedule in doc["schedules"]]
    else:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][0] in ("epoch", "step"), context
        assert [int(row[0]) for row in rows[1:]] == list(range(len(rows) - 1))
        columns = [[row[i] for row in rows[1:]] for i in range(1, len(rows[0]))]
        assert all(len(row) == len(rows[0]) for row in rows)
    assert columns
    for column in columns:
        assert len(column) == steps, (len(column), steps, context)
        for value in column:
            number = float(value)
            assert math.isfinite(number), (value, context)


def _expected_steps(steps) -> int | None:
    """Rows a success must have: the steps asked for (100 if none); None if they are invalid."""
    if steps is None:
        return 100
    valid = isinstance(steps, (int, float)) and not isinstance(steps, bool) and math.isfinite(steps)
    return int(steps) if valid and float(steps).is_integer() and steps >= 1 else None


@FUZZ
@given(document=documents(), flag_steps=st.one_of(st.none(), st.integers(1, 50)),
       fmt=st.sampled_from(["csv", "json"]), old=st.sampled_from([None, OLD]))
def test_fuzz_yaml_configs(document, flag_steps, fmt, old):
    text, file_steps = document
    with fresh_folder(old) as folder:
        (folder / "c.yaml").write_text(text, encoding="utf-8")
        args = ["export", "--config", "c.yaml", "--format", fmt, "-o", "out.csv"]
        if flag_steps is not None:
            args += ["--steps", str(flag_steps)]
        result = runner.invoke(app, args)
        check(result, folder, old, fmt, _expected_steps(flag_steps if flag_steps is not None else file_steps))


@FUZZ
@given(command=command_lines(), old=st.sampled_from([None, OLD]))
def test_fuzz_command_lines(command, old):
    args, steps = command
    fmt = args[args.index("--format") + 1] if "--format" in args else "csv"
    with fresh_folder(old) as folder:
        result = runner.invoke(app, args + ["-o", "out.csv"])
        check(result, folder, old, fmt, steps)


@FUZZ
@given(specs=st.lists(spec_strings(), min_size=1, max_size=3), old=st.sampled_from([None, OLD]))
def test_fuzz_spec_strings(specs, old):
    args = ["export", "-n", "20"]
    for spec in specs:
        args += ["--spec", spec]
    with fresh_folder(old) as folder:
        result = runner.invoke(app, args + ["-o", "out.csv"])
        check(result, folder, old, "csv", 20)


def _as(verb: list[str], args: list[str]) -> list[str]:
    """An `export` command line turned into another command (no --format there)."""
    out, skip = [], False
    for i, arg in enumerate(args[2:], start=2):
        if skip:
            skip = False
        elif arg == "--format" and i % 2 == 0:
            skip = True
        else:
            out.append(arg)
    return [*verb, args[1], *out]


@FUZZ
@given(command=command_lines(), verb=st.sampled_from([["table"], ["table"], ["plot"]]), chart=st.booleans(),
       log_y=st.booleans())
def test_fuzz_table_and_terminal_chart(command, verb, chart, log_y):
    """What is printed: a table (and its summary) or a terminal chart; on success stderr is empty
    (no RuntimeWarning from sums or logs of extreme values)."""
    args = _as(verb, command[0])
    if verb == ["plot"]:
        args += ["--terminal"] + (["--log-y"] if log_y else [])
    elif chart:
        args.append("--chart")
    with fresh_folder(None) as folder:
        result = runner.invoke(app, args)
        context = (args, result.exit_code, result.stdout[-300:], result.stderr[-500:], result.exception)
        event(f"exit code {result.exit_code}")
        assert result.exit_code in (0, 1, 2), context
        assert "Traceback" not in result.stdout + result.stderr, context
        if result.exit_code:
            assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, context
            assert "internal error" not in result.stderr and result.stdout == "", context
        else:
            # nothing on stderr but lint's warnings, one line each
            lines = result.stderr.splitlines()
            assert all(line.startswith("warning: ") for line in lines) and result.stdout.strip(), context
        assert sorted(p.name for p in folder.iterdir()) == sorted(METRIC_FILES), context


@settings(FUZZ, max_examples=max(EXAMPLES // 8, 15))
@given(command=command_lines(), log_y=st.booleans(), old=st.sampled_from([None, "<svg>old</svg>\n"]))
def test_fuzz_plot_files(command, log_y, old):
    """An image is written whole, or not at all (the old one kept)."""
    args = _as(["plot"], command[0]) + ["-o", "out.svg"] + (["--log-y"] if log_y else [])
    with fresh_folder(None) as folder:
        out = folder / "out.svg"
        if old is not None:
            out.write_text(old)
        result = runner.invoke(app, args)
        context = (args, result.exit_code, result.stderr[-500:], result.exception)
        event(f"exit code {result.exit_code}")
        assert result.exit_code in (0, 1, 2), context
        assert "Traceback" not in result.stdout + result.stderr, context
        assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")], context
        if result.exit_code:
            assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, context
            assert "internal error" not in result.stderr, context
            assert (out.read_text() if out.exists() else None) == old, context
        else:
            assert result.stderr.startswith("wrote out.svg\n"), context
            assert all(line.startswith("warning: ") for line in result.stderr.splitlines()[1:]), context
            assert out.read_text().rstrip().endswith("</svg>"), context
