"""Hardening: every way a pasted config or command line can go wrong, as a table.

Each row of MATRIX is one case: the command line, the files to create first (in a fresh
folder, the working directory), the exit code and the exact one-line message on stderr.
`{tmp}` in a row stands for that folder. Whatever the case: nothing on stdout, no traceback,
no output file and no temporary file left behind. Further tests below cover --debug, Ctrl-C
(in process and with a real SIGINT), read-only folders, code injection through `expr`, and
refusals that must be quick (huge --steps, alias bombs).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from lrsched_cli.core import engine as core
from lrsched_cli.cli import app
from lrsched_cli.errors import SpecError

runner = CliRunner()
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ROOT = Path(__file__).resolve().parents[1]

COS = ["export", "cosine", "--max-lr", "0.1"]
DIR = object()  # in `files`: create a folder
# "Billion laughs": 10 levels of 10 aliases, about 10**10 nodes, in under 1 KB.
ALIAS_BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    + ["schedules: [*a9]"]) + "\n"
DEEP = "schedules: " + "[" * 500 + "]" * 500 + "\n"  # 500 levels
TOO_BIG = "schedules:\n" + "  - {kind: constant, max_lr: 0.1}\n" * 40_000  # 1.4 MB


def one(schedule: str) -> str:
    """A config with one schedule, written as a flow mapping on line 2."""
    return f"schedules:\n  - {schedule}\n"


def row(case_id: str, args: list[str], code: int, message: str, files: dict | None = None):
    return pytest.param(args, code, message, files or {}, id=case_id)


MATRIX = [
    # -- kinds and parameters: unknown names (with a suggestion), wrong types, bounds, NaN/inf --
    row("unknown-kind", ["export", "cosin"], 2,
        "error: unknown kind 'cosin'; did you mean 'cosine'? see 'lrsched list'"),
    row("unknown-kind-no-suggestion", ["export", "zzz"], 2,
        "error: unknown kind 'zzz'; see 'lrsched list'"),
    row("unknown-kind-spec", ["export", "--spec", "cosin:max_lr=0.1"], 2,
        "error: --spec: schedule 1: unknown kind 'cosin'; did you mean 'cosine'? see 'lrsched list'"),
    row("unknown-kind-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1: unknown kind 'cosin'; did you mean 'cosine'? see 'lrsched list'",
        files={"c.yaml": one("{kind: cosin, max_lr: 0.1}")}),
    row("unknown-flag", COS + ["--cycle-lenght", "10"], 2,
        "error: unknown option '--cycle-lenght'; did you mean '--cycle-length'? (see 'lrsched export cosine --help')"),
    row("unknown-param-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): unknown parameter 'cycle_lenght'; did you mean 'cycle_length'?",
        files={"c.yaml": one("{kind: cosine, max_lr: 0.1, cycle_lenght: 10}")}),
    row("unknown-param-spec", ["export", "--spec", "cosine:max_lr=0.1,min_l=0"], 2,
        "error: --spec: schedule 1 (cosine): unknown parameter 'min_l'; did you mean 'min_lr'?"),
    row("unknown-param-no-suggestion", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (step): unknown parameter 'zzz'; step takes: max_lr, step_size, gamma, warmup_steps, warmup_start_lr, warmup_shape, warmup_mode, warmup_target",
        files={"c.yaml": one("{kind: step, max_lr: 0.1, step_size: 3, zzz: 1}")}),
    row("missing-required", ["export", "cosine"], 2,
        "error: cosine: missing required parameter max_lr (peak learning rate: the optimizer's lr (torch base_lr, optax init_value/peak_value, Keras initial_learning_rate))"),
    row("missing-kind-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1: missing 'kind'; see 'lrsched list'",
        files={"c.yaml": one("{max_lr: 0.1}")}),
    row("wrong-type-flag", ["export", "cosine", "--max-lr", "abc"], 2,
        "error: cosine: --max-lr must be a number (received 'abc')"),
    row("wrong-type-yaml-text", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): max_lr must be a number (received '0.1')",
        files={"c.yaml": one("{kind: cosine, max_lr: '0.1'}")}),
    row("wrong-type-yaml-bool", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): max_lr must be a number (received True)",
        files={"c.yaml": one("{kind: cosine, max_lr: true}")}),
    row("wrong-type-yaml-list", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): max_lr must be a number (received [0.1])",
        files={"c.yaml": one("{kind: cosine, max_lr: [0.1]}")}),
    row("wrong-type-int", ["export", "step", "--max-lr", "0.1", "--step-size", "2.5"], 2,
        "error: step: step_size must be an integer (received 2.5)"),
    row("wrong-type-bool", ["export", "onecycle", "--max-lr", "0.1", "--three-phase", "maybe"], 2,
        "error: onecycle: --three-phase must be true or false (received 'maybe')"),
    row("wrong-choice", COS + ["--past-end", "hld"], 2,
        "error: cosine: past_end must be one of: continue, hold (received 'hld'); did you mean 'hold'?"),
    row("max-lr-negative", ["export", "cosine", "--max-lr", "-1"], 2,
        "error: cosine: max_lr must be > 0 (received -1.0)"),
    row("max-lr-zero", ["export", "cosine", "--max-lr", "0"], 2,
        "error: cosine: max_lr must be > 0 (received 0.0)"),
    row("min-lr-negative", COS + ["--min-lr", "-0.1"], 2,
        "error: cosine: min_lr must be >= 0 (received -0.1)"),
    row("gamma-zero", ["export", "step", "--max-lr", "0.1", "--step-size", "3", "--gamma", "0"], 2,
        "error: step: gamma must be > 0 (received 0.0)"),
    row("gamma-negative", ["export", "exponential", "--max-lr", "0.1", "--gamma", "-0.5"], 2,
        "error: exponential: gamma must be > 0 (received -0.5)"),
    row("factor-one", ["export", "plateau", "--max-lr", "0.1", "--factor", "1"], 2,
        "error: plateau: factor must be in (0, 1) (received 1.0)"),
    row("factor-zero", ["export", "plateau", "--max-lr", "0.1", "--factor", "0"], 2,
        "error: plateau: factor must be in (0, 1) (received 0.0)"),
    row("factor-above-one", ["export", "plateau", "--max-lr", "0.1", "--factor", "1.5"], 2,
        "error: plateau: factor must be in (0, 1) (received 1.5)"),
    row("step-size-zero", ["export", "step", "--max-lr", "0.1", "--step-size", "0"], 2,
        "error: step: step_size must be >= 1 (received 0)"),
    row("step-size-negative", ["export", "step", "--max-lr", "0.1", "--step-size", "-3"], 2,
        "error: step: step_size must be >= 1 (received -3)"),
    row("cycle-length-zero", COS + ["--cycle-length", "0"], 2,
        "error: cosine: cycle_length must be > 0 (received 0.0)"),
    row("total-iters-negative", ["export", "linear", "--max-lr", "0.1", "--total-iters", "-5"], 2,
        "error: linear: total_iters must be >= 1 (received -5)"),
    row("decay-steps-zero-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (wsd): decay_steps must be >= 1 (received 0)",
        files={"c.yaml": one("{kind: wsd, max_lr: 0.1, decay_steps: 0}")}),
    row("warmup-negative", COS + ["--warmup-steps", "-1"], 2,
        "error: cosine: warmup_steps must be >= 0 (received -1)"),
    row("warmup-longer", COS + ["--warmup-steps", "150", "--steps", "100"], 2,
        "error: cosine: warmup_steps must be shorter than the evaluated steps (received warmup_steps=150, steps=100)"),
    row("warmup-equal", COS + ["--warmup-steps", "100"], 2,
        "error: cosine: warmup_steps must be shorter than the evaluated steps (received warmup_steps=100, steps=100)"),
    row("warmup-longer-phase", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (sequence), phase 1 (cosine): warmup_steps must be shorter than the phase (received warmup_steps=5, steps=5)",
        files={"c.yaml": one("{kind: sequence, max_lr: 0.1, phases: [{kind: cosine, steps: 5, warmup_steps: 5}, {kind: constant}]}")}),
    row("decay-longer", ["export", "wsd", "--max-lr", "0.1", "--decay-steps", "200"], 2,
        "error: wsd: decay_steps must fit in the evaluated steps after warmup; set stable_steps or more steps (received decay_steps=200)"),
    row("min-above-max", COS + ["--min-lr", "0.2"], 2,
        "error: cosine: min_lr must not exceed max_lr (received min_lr=0.2, max_lr=0.1)"),
    row("min-above-max-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cyclic): min_lr must not exceed max_lr (received min_lr=0.2, max_lr=0.1)",
        files={"c.yaml": one("{kind: cyclic, min_lr: 0.2, max_lr: 0.1}")}),
    row("nan-flag", ["export", "cosine", "--max-lr", "nan"], 2,
        "error: cosine: max_lr must be a finite number (received nan)"),
    row("inf-flag", ["export", "cosine", "--max-lr", "inf"], 2,
        "error: cosine: max_lr must be a finite number (received inf)"),
    row("minus-inf-flag", COS + ["--min-lr", "-inf"], 2,
        "error: cosine: min_lr must be a finite number (received -inf)"),
    row("overflow-flag", ["export", "cosine", "--max-lr", "1e400"], 2,
        "error: cosine: max_lr must be a finite number (received inf)"),
    row("nan-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): max_lr must be a finite number (received nan)",
        files={"c.yaml": one("{kind: cosine, max_lr: .nan}")}),
    row("nan-yaml-plain", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): max_lr must be a finite number (received nan)",
        files={"c.yaml": one("{kind: cosine, max_lr: nan}")}),
    row("inf-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): max_lr must be a finite number (received inf)",
        files={"c.yaml": one("{kind: cosine, max_lr: .inf}")}),
    row("inf-yaml-overflow", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): max_lr must be a finite number (received inf)",
        files={"c.yaml": one("{kind: cosine, max_lr: 1e999}")}),
    row("nan-spec", ["export", "--spec", "cosine:max_lr=nan"], 2,
        "error: --spec: schedule 1 (cosine): max_lr must be a finite number (received nan)"),
    row("nan-var", ["export", "expr", "--expr", "max_lr * g**t", "--var", "g=nan"], 2,
        "error: expr: g must be a finite number to be used in the formula (received nan)"),
    row("nan-metric", ["export", "plateau", "--max-lr", "0.1", "--metric", "1,nan,2"], 2,
        "error: plateau: metric must be a finite number (received nan)"),
    row("milestones-float", ["export", "multistep", "--max-lr", "0.1", "--milestones", "10,20.5"], 2,
        "error: multistep: milestones must be a list of integers (received 20.5)"),
    row("milestones-text", ["export", "multistep", "--max-lr", "0.1", "--milestones", "10,x"], 2,
        "error: multistep: --milestones must be comma-separated integers (received '10,x')"),
    row("milestones-zero", ["export", "multistep", "--max-lr", "0.1", "--milestones", "0,10"], 2,
        "error: multistep: milestones must be >= 1 (received 0)"),
    row("milestones-inf", ["export", "multistep", "--max-lr", "0.1", "--milestones", "10,inf"], 2,
        "error: multistep: milestones must be a list of integers (received inf)"),
    row("milestones-empty", ["export", "multistep", "--max-lr", "0.1", "--milestones", ""], 2,
        "error: multistep: milestones must be a non-empty list (received [])"),
    row("milestones-yaml-string", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (multistep): milestones must be a list of integers (received '20')",
        files={"c.yaml": one("{kind: multistep, max_lr: 0.1, milestones: [10, '20']}")}),
    row("milestones-yaml-scalar", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (multistep): milestones must be a list (received 10)",
        files={"c.yaml": one("{kind: multistep, max_lr: 0.1, milestones: 10}")}),
    row("milestones-yaml-float", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (multistep): milestones must be a list of integers (received 30.5)",
        files={"c.yaml": one("{kind: multistep, max_lr: 0.1, milestones: [10, 2.5e1, 30.5]}")}),
    row("overflow-values", ["export", "exponential", "--max-lr", "0.1", "--gamma", "10", "--steps", "1000"], 2,
        "error: exponential: the learning rate is inf at step 309, not a finite number; choose parameters that keep it finite"),
    row("overflow-values-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:3: schedule 1 (step): the learning rate is inf at step 237, not a finite number; choose parameters that keep it finite",
        files={"c.yaml": "steps: 400\nschedules:\n  - {kind: step, max_lr: 1, step_size: 1, gamma: 20}\n"}),
    row("nan-values-warmup", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): the learning rate is inf at step 1, not a finite number; choose parameters that keep it finite",
        files={"c.yaml": one("{kind: cosine, max_lr: 1, warmup_steps: 5, warmup_shape: exponential, warmup_start_lr: 1e-320}")}),
    row("restart-storm", ["export", "cosine_restarts", "--max-lr", "0.1", "--cycle-length", "1e-300", "--cycle-mult", "1.0000001"], 2,
        "error: cosine_restarts: more than 1,000,000 restarts in 100 steps; use a longer cycle_length or a larger cycle_mult (received cycle_length=1e-300, cycle_mult=1.0000001)"),
    row("label-control-character", COS + ["--label", "a\rb"], 2,
        "error: cosine: label must be one line of text without control characters (received 'a\\rb')"),
    row("label-newline-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): label must be one line of text without control characters (received 'a\\nb')",
        files={"c.yaml": one('{kind: cosine, max_lr: 0.1, label: "a\\nb"}')}),
    # -- YAML files ----------------------------------------------------------------------------
    row("yaml-malformed", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:4:1: expected ',' or ']', but got '<stream end>'",
        files={"c.yaml": "schedules:\n  - kind: cosine\n    max_lr: [0.1\n"}),
    row("yaml-bad-indent", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:3:4: expected <block end>, but found '<block mapping start>'",
        files={"c.yaml": "schedules:\n  - kind: cosine\n   max_lr: 0.1\n"}),
    row("yaml-tab", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2:1: found character '\\t' that cannot start any token",
        files={"c.yaml": "schedules:\n\t- {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-not-mapping", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: expected a mapping with 'schedules' at the top (received a list)",
        files={"c.yaml": "- kind: cosine\n"}),
    row("yaml-scalar", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml: expected a mapping with 'schedules' at the top (received 'cosine')",
        files={"c.yaml": "cosine\n"}),
    row("yaml-empty", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml: the file is empty; expected a mapping with 'schedules'",
        files={"c.yaml": ""}),
    row("yaml-comments-only", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml: the file is empty; expected a mapping with 'schedules'",
        files={"c.yaml": "# nothing\n"}),
    row("yaml-schedules-missing", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml: missing 'schedules' (a list of {kind: ..., ...} mappings)",
        files={"c.yaml": "steps: 10\n"}),
    row("yaml-schedules-int", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedules must be a list of mappings (received 3)",
        files={"c.yaml": "steps: 10\nschedules: 3\n"}),
    row("yaml-schedules-mapping", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: schedules must be a list of mappings (received a mapping)",
        files={"c.yaml": "schedules: {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-schedules-text", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: schedules must be a list of mappings (received 'cosine')",
        files={"c.yaml": "schedules: cosine\n"}),
    row("yaml-schedules-empty", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: schedules is empty",
        files={"c.yaml": "schedules: []\n"}),
    row("yaml-schedule-not-mapping", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml: schedule 1: a schedule must be a mapping with a 'kind' (received 'cosine')",
        files={"c.yaml": one("cosine")}),
    row("yaml-unknown-top-key", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: unknown key 'step'; did you mean 'steps'?",
        files={"c.yaml": "steps: 10\nstep: 10\nschedules:\n  - {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-duplicate-key", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:4: duplicate key 'max_lr'",
        files={"c.yaml": "schedules:\n  - kind: cosine\n    max_lr: 0.1\n    max_lr: 0.2\n"}),
    row("yaml-duplicate-top-key", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: duplicate key 'steps'",
        files={"c.yaml": "steps: 10\nsteps: 20\nschedules:\n  - {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-alias-bomb", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml: too many aliases (YAML alias expansion limit)",
        files={"c.yaml": ALIAS_BOMB}),
    row("yaml-recursive-alias", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: recursive alias (a node that contains itself) is not allowed",
        files={"c.yaml": "schedules: &s [*s]\n"}),
    row("yaml-too-big", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml: file is 1.4 MB; configs are limited to 1.0 MB",
        files={"c.yaml": TOO_BIG}),
    row("yaml-deep", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: nesting is too deep (more than 100 levels)",
        files={"c.yaml": DEEP}),
    row("yaml-python-tag", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2:5: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'",
        files={"c.yaml": one("!!python/object/apply:os.system ['echo hacked']")}),
    row("yaml-two-documents", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:3:1: expected a single document in the stream, but found another document",
        files={"c.yaml": "schedules:\n  - {kind: cosine, max_lr: 0.1}\n---\nschedules:\n  - {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-binary", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml: not a UTF-8 text file (invalid byte 0xff on line 1)",
        files={"c.yaml": b'schedules: \xff\xfe\x00'}),
    row("yaml-utf16", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml: file is UTF-16 encoded; save it as UTF-8",
        files={"c.yaml": b'\xff\xfes\x00c\x00h\x00e\x00d\x00u\x00l\x00e\x00s\x00:\x00 \x00[\x00]\x00\n\x00'}),
    row("yaml-missing-file", ["export", "-c", "nope.yaml"], 2,
        "error: nope.yaml: no such file"),
    row("yaml-directory", ["export", "-c", "d"], 2,
        "error: d: is a directory, not a file",
        files={"d": DIR}),
    row("yaml-steps-zero", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: steps must be an integer >= 1 (received 0)",
        files={"c.yaml": "steps: 0\nschedules:\n  - {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-steps-text", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: steps must be an integer >= 1 (received 'many')",
        files={"c.yaml": "steps: many\nschedules:\n  - {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-steps-inf", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: steps must be an integer >= 1 (received inf)",
        files={"c.yaml": "steps: .inf\nschedules:\n  - {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-unit-wrong", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: unit must be one of: epoch, step, step+epoch (received 'epochs')",
        files={"c.yaml": "unit: epochs\nschedules:\n  - {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-title-list", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:1: title must be valid UTF-8 text (received a list)",
        files={"c.yaml": "title: [a]\nschedules:\n  - {kind: cosine, max_lr: 0.1}\n"}),
    row("yaml-label-empty", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (cosine): label must be non-empty text (received '')",
        files={"c.yaml": one("{kind: cosine, max_lr: 0.1, label: ''}")}),
    row("yaml-phases-not-list", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (sequence): phases must be a non-empty list of schedules (received {'kind': 'cosine'})",
        files={"c.yaml": one("{kind: sequence, max_lr: 0.1, phases: {kind: cosine}}")}),
    row("yaml-phase-missing-steps", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (sequence), phase 1: every phase but the last needs 'steps'",
        files={"c.yaml": one("{kind: sequence, max_lr: 0.1, phases: [{kind: cosine}, {kind: constant}]}")}),
    row("yaml-phase-bad", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (sequence), phase 1 (cosine): min_lr must be >= 0 (received -1)",
        files={"c.yaml": one("{kind: sequence, max_lr: 0.1, phases: [{kind: cosine, steps: 5, min_lr: -1}, {kind: constant}]}")}),
    row("yaml-phase-plateau", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (sequence), phase 2: plateau cannot be a phase (it needs feedback; PyTorch's SequentialLR refuses it too)",
        files={"c.yaml": one("{kind: sequence, max_lr: 0.1, phases: [{kind: cosine, steps: 5}, {kind: plateau}]}")}),
    row("yaml-kind-name-in-file-name", ["export", "-c", "my-expr.yaml"], 2,
        "error: my-expr.yaml:2: schedule 1 (expr): attribute access 't.real' at column 1 is not allowed",
        files={"my-expr.yaml": one("{kind: expr, expr: 't.real'}")}),
    row("yaml-int-too-long", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: '1000000000000000000000000000000000000...' is not a valid int (more than 4300 digits)",
        files={"c.yaml": one("{kind: constant, max_lr: 1" + "0" * 5000 + "}")}),
    row("yaml-int-beyond-float", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (step): step_size must be at most 1.8e+308 (received an integer of 401 digits)",
        files={"c.yaml": one("{kind: step, max_lr: 0.1, step_size: 1" + "0" * 400 + "}")}),
    row("yaml-bad-timestamp", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: '2001-13-45' is not a valid timestamp",
        files={"c.yaml": one("{kind: constant, max_lr: 2001-13-45}")}),
    row("yaml-bad-float-tag", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: 'abc' is not a valid float",
        files={"c.yaml": one("{kind: constant, max_lr: !!float abc}")}),
    row("yaml-long-value-shortened", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (constant): max_lr must be a number (received 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...')",
        files={"c.yaml": one("{kind: constant, max_lr: " + "x" * 500 + "}")}),
    row("yaml-is-a-csv", ["export", "-c", "loss.csv"], 2,
        "error: loss.csv: expected a mapping with 'schedules' at the top (received 'step,loss 0,0.0 1,0.5 2,1.0 3,1.5 4,2.0 5,2.5 6,3.0 7,3.5...')",
        files={"loss.csv": "step,loss\n" + "".join(f"{i},{i / 2}\n" for i in range(50))}),
    # -- metric files (plateau: --file / --column) --------------------------------------------
    row("metric-missing", ["export", "plateau", "--max-lr", "0.1", "--file", "loss.csv"], 1,
        "error: loss.csv: no such file"),
    row("metric-empty", ["export", "plateau", "--max-lr", "0.1", "--file", "loss.csv"], 1,
        "error: loss.csv: file is empty",
        files={"loss.csv": ""}),
    row("metric-header-only", ["export", "plateau", "--max-lr", "0.1", "--file", "loss.csv"], 1,
        "error: loss.csv: no data rows after the header",
        files={"loss.csv": "step,loss\n"}),
    row("metric-not-numeric", ["export", "plateau", "--max-lr", "0.1", "--file", "loss.csv"], 1,
        "error: loss.csv: line 3: column 'loss': 'abc' is not a number",
        files={"loss.csv": "step,loss\n0,1.5\n1,abc\n"}),
    row("metric-nan", ["export", "plateau", "--max-lr", "0.1", "--file", "loss.csv"], 1,
        "error: loss.csv: line 3: column 'loss': 'nan' is not a finite number",
        files={"loss.csv": "loss\n1.5\nnan\n"}),
    row("metric-no-column", ["export", "plateau", "--max-lr", "0.1", "--file", "loss.csv", "--column", "val_los"], 1,
        "error: loss.csv: no column named 'val_los' (columns: 'step', 'val_loss'); did you mean 'val_loss'?",
        files={"loss.csv": "step,val_loss\n0,1.5\n"}),
    row("metric-column-index", ["export", "plateau", "--max-lr", "0.1", "--file", "loss.csv", "--column", "5"], 1,
        "error: loss.csv: column index 5 is out of range; the file has 2 columns (0-1)",
        files={"loss.csv": "step,val_loss\n0,1.5\n"}),
    row("metric-short", ["export", "plateau", "--max-lr", "0.1", "--file", "loss.csv", "--column", "loss"], 2,
        "error: plateau: the metric has 3 values (from loss.csv) but 100 steps need 99, as lr(t) uses metric[0..t-1]; give more values or evaluate at most 4 steps",
        files={"loss.csv": "step,loss\n0,1.5\n1,1.2\n2,1.1\n"}),
    row("metric-short-inline", ["export", "plateau", "--max-lr", "0.1", "--metric", "3,2,1", "--steps", "10"], 2,
        "error: plateau: the metric has 3 values but 10 steps need 9, as lr(t) uses metric[0..t-1]; give more values or evaluate at most 4 steps"),
    row("metric-directory", ["export", "plateau", "--max-lr", "0.1", "--file", "d"], 1,
        "error: d: is a directory, not a file",
        files={"d": DIR}),
    row("metric-column-without-file", ["export", "plateau", "--max-lr", "0.1", "--column", "loss"], 2,
        "error: plateau: column needs file"),
    row("metric-and-file", ["export", "plateau", "--max-lr", "0.1", "--metric", "1,2", "--file", "loss.csv"], 2,
        "error: plateau: give either metric or file, not both"),
    row("metric-file-empty-name", ["export", "plateau", "--max-lr", "0.1", "--file", ""], 2,
        "error: plateau: file must be a file name (received '')"),
    # -- --steps --------------------------------------------------------------------------------
    row("steps-zero", COS + ["--steps", "0"], 2,
        "error: --steps must be an integer >= 1 (received '0')"),
    row("steps-negative", COS + ["--steps", "-5"], 2,
        "error: --steps must be an integer >= 1 (received '-5')"),
    row("steps-fraction", COS + ["--steps", "2.5"], 2,
        "error: --steps must be an integer >= 1 (received '2.5')"),
    row("steps-text", COS + ["--steps", "ten"], 2,
        "error: --steps must be an integer >= 1 (received 'ten')"),
    row("steps-nan", COS + ["--steps", "nan"], 2,
        "error: --steps must be an integer >= 1 (received 'nan')"),
    row("steps-empty", COS + ["--steps", ""], 2,
        "error: --steps must be an integer >= 1 (received '')"),
    row("steps-huge", COS + ["--steps", "1e12"], 2,
        "error: steps=1000000000000 would need about 40.0 TB of memory; 4.0 GB is available"),
    row("steps-huge-int", COS + ["--steps", "99999999999999999999999"], 2,
        "error: steps=99999999999999999999999 would need about 4000000000000.0 TB of memory; 4.0 GB is available"),
    row("steps-huge-yaml", ["export", "-c", "c.yaml"], 2,
        "error: steps=1000000000000 would need about 40.0 TB of memory; 4.0 GB is available",
        files={"c.yaml": "steps: 1e12\nschedules:\n  - {kind: cosine, max_lr: 0.1}\n"}),
    row("steps-huge-several", ["export", "--spec", "cosine:max_lr=0.1", "--spec", "constant:max_lr=0.1", "-n", "200000000"], 2,
        "error: steps=200000000 would need about 9.6 GB of memory; 4.0 GB is available"),
    # -- outputs --------------------------------------------------------------------------------
    row("out-missing-folder", COS + ["-o", "nope/x.csv"], 1,
        "error: nope/x.csv: folder 'nope' does not exist"),
    row("out-directory", COS + ["-o", "d"], 1,
        "error: d: is a directory",
        files={"d": DIR}),
    row("out-directory-abs", COS + ["-o", "{tmp}/d"], 1,
        "error: {tmp}/d: is a directory",
        files={"d": DIR}),
    row("out-trailing-slash", COS + ["-o", "new/"], 1,
        "error: new/: expected a file name, not a folder"),
    row("out-parent-is-file", COS + ["-o", "f/x.csv"], 1,
        "error: f/x.csv: 'f' is not a folder",
        files={"f": "x"}),
    row("out-empty", COS + ["-o", ""], 2,
        "error: --output must be a file name (received '')"),
    row("out-format", COS + ["--format", "xml"], 2,
        "error: --format must be one of: csv, json (received 'xml')"),
    row("out-format-case", COS + ["--format", "CSV"], 2,
        "error: --format must be one of: csv, json (received 'CSV')"),
    row("plot-suffix", ["plot", "cosine", "--max-lr", "0.1", "-o", "x.pdf"], 2,
        "error: x.pdf: unsupported format '.pdf'; use .png or .svg, or .html"),
    row("plot-no-suffix", ["plot", "cosine", "--max-lr", "0.1", "-o", "x"], 2,
        "error: x: no file extension; use .png or .svg, or .html"),
    row("plot-directory", ["plot", "cosine", "--max-lr", "0.1", "-o", "d.png"], 1,
        "error: d.png: is a directory",
        files={"d.png": DIR}),
    row("plot-parent-is-file", ["plot", "cosine", "--max-lr", "0.1", "-o", "f/x.png"], 1,
        "error: f/x.png: 'f' is not a folder",
        files={"f": "x"}),
    row("plot-dpi", ["plot", "cosine", "--max-lr", "0.1", "-o", "x.png", "--dpi", "5000"], 2,
        "error: --dpi must be an integer from 10 to 1000 (received '5000')"),
    row("plot-too-large-to-draw", ["plot", "expr", "--expr", "1e300 * t", "-o", "x.png"], 2,
        "error: expr: cannot draw learning rates as large as 9.9e+301 (at most 1e+200); export the values instead"),
    row("plot-layout", ["plot", "cosine", "--max-lr", "0.1", "-o", "x.png", "--layout", "stack"], 2,
        "error: --layout must be one of: overlay, grid (received 'stack')"),
    row("compare-csv-directory", ["compare", "c.yaml", "-o", "x.svg", "--csv", "d"], 1,
        "error: d: is a directory",
        files={"d": DIR, "c.yaml": one("{kind: cosine, max_lr: 0.1}")}),
    # -- expr formulas that try to escape -------------------------------------------------------
    row("expr-import", ["export", "expr", "--expr", "__import__('os').system('echo hacked')"], 2,
        "error: expr: call '__import__('os').system('echo hacked')' at column 1 is not allowed; only functions called by plain name are allowed"),
    row("expr-import-name", ["export", "expr", "--expr", "__import__"], 2,
        "error: expr: name '__import__' at column 1 is not allowed; allowed names: t, max_lr, min_lr, pi, e and functions: log, log2, log10, log1p, exp, expm1, sqrt, cos, sin, tan, cosh, sinh, tanh, arccos, acos, arcsin, asin, arctan, atan, abs, floor, ceil, round, sign, minimum, maximum, min, max, mod, where, clip"),
    row("expr-attribute", ["export", "expr", "--expr", "t.__class__"], 2,
        "error: expr: attribute access 't.__class__' at column 1 is not allowed"),
    row("expr-lambda", ["export", "expr", "--expr", "(lambda: 1)()"], 2,
        "error: expr: call '(lambda: 1)()' at column 1 is not allowed; only functions called by plain name are allowed"),
    row("expr-lambda-bare", ["export", "expr", "--expr", "lambda: 1"], 2,
        "error: expr: lambda 'lambda: 1' at column 1 is not allowed"),
    row("expr-comprehension", ["export", "expr", "--expr", "[x for x in t]"], 2,
        "error: expr: list comprehension '[x for x in t]' at column 1 is not allowed"),
    row("expr-generator", ["export", "expr", "--expr", "max(x for x in t)"], 2,
        "error: expr: generator expression '(x for x in t)' at column 4 is not allowed"),
    row("expr-string", ["export", "expr", "--expr", "'abc'"], 2,
        "error: expr: string ''abc'' at column 1 is not allowed"),
    row("expr-fstring", ["export", "expr", "--expr", "f'{t}'"], 2,
        "error: expr: f-string 'f'{t}'' at column 1 is not allowed"),
    row("expr-walrus", ["export", "expr", "--expr", "(x := t)"], 2,
        "error: expr: assignment expression (:=) 'x := t' at column 2 is not allowed"),
    row("expr-subscript", ["export", "expr", "--expr", "t[0]"], 2,
        "error: expr: subscript 't[0]' at column 1 is not allowed"),
    row("expr-huge-exponent", ["export", "expr", "--expr", "10**10**10"], 2,
        "error: expr: constant part '10**10**10' at column 1 overflows (inf)"),
    row("expr-huge-exponent-t", ["export", "expr", "--expr", "t**1e300"], 2,
        "error: expr: the formula gives a non-finite value (inf) at t=2"),
    row("expr-huge-number", ["export", "expr", "--expr", "1" + "0" * 400], 2,
        "error: expr: number '1000000000000000000000000000000000000...' at column 1 overflows"),
    row("expr-deep", ["export", "expr", "--expr", "-" * 100 + "t"], 2,
        "error: expr: the formula is nested too deeply (more than 32 levels)"),
    row("expr-deep-parens", ["export", "expr", "--expr", "(" * 300 + "t" + ")" * 300], 2,
        "error: expr: syntax error at column 201: too many nested parentheses"),
    row("expr-deep-calls", ["export", "expr", "--expr", "exp(" * 50 + "t" + ")" * 50], 2,
        "error: expr: the formula is nested too deeply (more than 32 levels)"),
    row("expr-long", ["export", "expr", "--expr", "+".join(["t"] * 600)], 2,
        "error: expr: the formula is too long (1199 characters; at most 1000)"),
    row("expr-many-nodes", ["export", "expr", "--expr", "+".join(["t"] * 450)], 2,
        "error: expr: the formula is nested too deeply (more than 32 levels)"),
    row("expr-syntax", ["export", "expr", "--expr", "t +"], 2,
        "error: expr: syntax error at column 4 (the end): invalid syntax"),
    row("expr-empty", ["export", "expr", "--expr", ""], 2,
        "error: expr: the formula is empty"),
    row("expr-unknown-name", ["export", "expr", "--expr", "max_lr * gama**t", "--var", "gamma=0.9"], 2,
        "error: expr: name 'gama' at column 10 is not allowed (did you mean 'gamma'?); allowed names: t, gamma, max_lr, min_lr, pi, e and functions: log, log2, log10, log1p, exp, expm1, sqrt, cos, sin, tan, cosh, sinh, tanh, arccos, acos, arcsin, asin, arctan, atan, abs, floor, ceil, round, sign, minimum, maximum, min, max, mod, where, clip"),
    row("expr-unknown-function", ["export", "expr", "--expr", "cosh(t) + eval('1')"], 2,
        "error: expr: function 'eval' at column 11 is not allowed; allowed functions: log, log2, log10, log1p, exp, expm1, sqrt, cos, sin, tan, cosh, sinh, tanh, arccos, acos, arcsin, asin, arctan, atan, abs, floor, ceil, round, sign, minimum, maximum, min, max, mod, where, clip"),
    row("expr-nonfinite", ["export", "expr", "--expr", "1/t"], 2,
        "error: expr: the formula gives a non-finite value (inf) at t=0"),
    row("expr-nonfinite-yaml", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (expr): the formula gives a non-finite value (nan) at t=0",
        files={"c.yaml": one("{kind: expr, expr: 'log(t - 5)'}")}),
    row("expr-yaml-import", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (expr): call '__import__('os').system('echo hacked')' at column 1 is not allowed; only functions called by plain name are allowed",
        files={"c.yaml": one('{kind: expr, expr: "__import__(\'os\').system(\'echo hacked\')"}')}),
    row("expr-var-bad", ["export", "expr", "--expr", "t", "--var", "os.system=1"], 2,
        "error: expr: --var must be NAME=NUMBER (received 'os.system=1')"),
    row("expr-extra-key-text", ["export", "-c", "c.yaml"], 2,
        "error: c.yaml:2: schedule 1 (expr): gamma must be a finite number to be used in the formula (received 'fast')",
        files={"c.yaml": one("{kind: expr, expr: 't', gamma: fast}")}),
    # -- other usage errors ---------------------------------------------------------------------
    row("no-kind", ["export"], 2,
        "error: give a KIND (see 'lrsched list'), --spec or --config FILE.yaml"),
    row("config-empty-name", ["export", "-c", ""], 2,
        "error: the config must be a file name (received '')"),
    row("config-and-spec", ["export", "-c", "c.yaml", "--spec", "cosine:max_lr=0.1"], 2,
        "error: give either --config or --spec, not both"),
    row("spec-no-equals", ["export", "--spec", "cosine:max_lr"], 2,
        "error: spec 'cosine:max_lr': expected key=value (received 'max_lr')"),
    row("unit-wrong", COS + ["--unit", "batch"], 2,
        "error: --unit must be one of: epoch, step, step+epoch (received 'batch')"),
    row("label-empty", COS + ["--label", ""], 2,
        "error: cosine: label must be non-empty text (received '')"),
    row("every-zero", ["table", "cosine", "--max-lr", "0.1", "--every", "0"], 2,
        "error: --every must be an integer >= 1 (received '0')"),
    row("describe-unknown", ["describe", "cosin"], 2,
        "error: unknown kind 'cosin'; did you mean 'cosine'? see 'lrsched list'"),
    row("unknown-command", ["exprt"], 2,
        "error: no such command 'exprt'; did you mean 'export'? (see 'lrsched --help')"),
    row("unknown-root-option", ["--verbose"], 2,
        "error: unknown option '--verbose'; did you mean '--version'? (see 'lrsched --help')"),
    row("option-missing-value", COS + ["--steps"], 2,
        "error: option '--steps' requires an argument"),
]


def make_files(folder: Path, files: dict) -> None:
    for name, content in files.items():
        path = folder / name
        if content is DIR:
            path.mkdir(parents=True)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


_COMMAND = []


@pytest.fixture(autouse=True)
def build_the_cli_once(monkeypatch):
    """CliRunner rebuilds the click command (one per kind and verb) on every call; these tests
    make hundreds of calls, so reuse one (a no-op should typer rename its private helper)."""
    if not _COMMAND:
        _COMMAND.append(typer.main.get_command(app))
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: _COMMAND[0], raising=False)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Work in tmp_path (short relative names in messages) with a fixed amount of free memory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(core, "available_memory", lambda: 8 * 10**9)
    return tmp_path


def invoke(args: list[str]):
    return runner.invoke(app, args)


@pytest.mark.parametrize("args,code,message,files", MATRIX)
def test_matrix(in_tmp, args, code, message, files):
    make_files(in_tmp, files)
    before = listing(in_tmp)
    tmp = str(in_tmp)
    result = invoke([a.replace("{tmp}", tmp) for a in args])
    assert (result.exit_code, result.stderr) == (code, message.replace("{tmp}", tmp) + "\n")
    assert result.stdout == ""
    assert listing(in_tmp) == before  # no output, no temporary file, no folder created


def test_matrix_ids_are_unique():
    ids = [p.id for p in MATRIX]
    assert len(ids) == len(set(ids))


# -- output files: never partial, the old one kept on any failure ------------------------------

OLD = "epoch,old\n0,1.0\n"


@pytest.mark.parametrize("args,files", [
    pytest.param(COS + ["--min-lr", "0.2"], {}, id="bad-parameter"),
    pytest.param(["export", "exponential", "--max-lr", "1", "--gamma", "10", "-n", "1000"], {},
                 id="values-overflow"),
    pytest.param(["export", "plateau", "--max-lr", "0.1", "--file", "loss.csv"], {"loss.csv": "1\n2\n"},
                 id="metric-too-short"),
    pytest.param(["export", "-c", "c.yaml"], {"c.yaml": "schedules: [\n"}, id="malformed-yaml"),
    pytest.param(COS + ["-n", "1e12"], {}, id="steps-too-large"),
    pytest.param(COS + ["--format", "xml"], {}, id="bad-format"),
])
def test_a_failed_export_leaves_the_old_file_intact(in_tmp, args, files):
    make_files(in_tmp, files)
    out = in_tmp / "out.csv"
    out.write_text(OLD)
    result = invoke(args + ["-o", "out.csv"])
    assert result.exit_code in (1, 2) and result.stderr.count("\n") == 1
    assert out.read_text() == OLD
    assert not [p for p in os.listdir(in_tmp) if p.endswith(".tmp")]


@pytest.mark.parametrize("bad", [["-o", "x.pdf"], ["--dpi", "0"], ["--layout", "stack"], ["-o", ""]])
def test_compare_checks_every_option_before_writing_the_csv(in_tmp, bad):
    (in_tmp / "c.yaml").write_text(one("{kind: cosine, max_lr: 0.1}"))
    out = in_tmp / "out.csv"
    out.write_text(OLD)
    result = invoke(["compare", "c.yaml", "--csv", "out.csv", *bad])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and result.stdout == ""
    assert out.read_text() == OLD
    assert sorted(os.listdir(in_tmp)) == ["c.yaml", "out.csv"]


def test_a_successful_export_replaces_the_old_file(in_tmp):
    out = in_tmp / "out.csv"
    out.write_text(OLD)
    result = invoke(COS + ["-n", "3", "-o", "out.csv"])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[0] == "epoch,cosine" and len(out.read_text().splitlines()) == 4
    assert sorted(os.listdir(in_tmp)) == ["out.csv"]


@pytest.mark.skipif(IS_ROOT or os.name != "posix", reason="root can write into read-only folders")
@pytest.mark.parametrize("command", [COS + ["-o"], ["plot", "cosine", "--max-lr", "0.1", "-o"]])
def test_read_only_folder(in_tmp, command):
    folder = in_tmp / "ro"
    folder.mkdir()
    name = "ro/x.png" if command[0] == "plot" else "ro/x.csv"
    folder.chmod(0o555)
    try:
        result = invoke(command + [name])
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 1
    assert result.stderr == f"error: {name}: permission denied (cannot create files in folder 'ro')\n"
    assert os.listdir(folder) == []


def test_read_only_folder_simulated(in_tmp, monkeypatch):
    """The same refusal where the tests run as root (who may write anywhere)."""
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    (in_tmp / "ro").mkdir()
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    result = invoke(COS + ["-o", "ro/x.csv"])
    assert (result.exit_code, result.stderr) == (
        1, "error: ro/x.csv: permission denied (cannot create files in folder 'ro')\n")


def test_read_only_file_simulated(in_tmp, monkeypatch):
    out = in_tmp / "out.csv"
    out.write_text(OLD)
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False)
    result = invoke(COS + ["-o", "out.csv"])
    assert (result.exit_code, result.stderr) == (1, "error: out.csv: permission denied (the file is read-only)\n")
    assert out.read_text() == OLD


# -- huge requests are refused before anything big is allocated ---------------------------------

@pytest.mark.parametrize("steps", ["1e12", "10000000000000000000000"])
def test_steps_too_large_are_refused_quickly_without_allocating(steps):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = invoke(COS + ["--steps", steps])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: steps={int(float(steps))} would need about ")
    assert "TB of memory; " in result.stderr and result.stderr.endswith(" is available\n")
    assert peak < 20_000_000 and time.perf_counter() - started < 5


def test_alias_bomb_is_refused_quickly(in_tmp):
    (in_tmp / "bomb.yaml").write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 1000
    started = time.perf_counter()
    result = invoke(["export", "-c", "bomb.yaml"])
    assert time.perf_counter() - started < 2
    assert result.stderr == "error: bomb.yaml: too many aliases (YAML alias expansion limit)\n"


def test_restart_storm_is_refused_quickly(in_tmp):
    started = time.perf_counter()
    result = invoke(["export", "cosine_restarts", "--max-lr", "0.1", "--cycle-length", "1e-300",
                     "--cycle-mult", "1.000000001"])
    assert result.exit_code == 2 and "restarts in 100 steps" in result.stderr
    assert time.perf_counter() - started < 5


# -- valid but extreme schedules: values are finite, and numpy prints no warnings --------------

@pytest.mark.parametrize("args", [
    ["export", "exponential", "--max-lr", "1", "--gamma", "10", "-n", "300"],
    ["export", "exponential", "--max-lr", "1", "--gamma", "1e-10", "-n", "100"],
    ["export", "cosine", "--max-lr", "1e308", "-n", "50"],
    ["export", "expr", "--expr", "exp(-t * 100)", "-n", "50"],
    ["export", "cosine_restarts", "--max-lr", "0.1", "--cycle-length", "0.001", "-n", "50"],
    ["export", "expr", "--expr", "1e308 * cos(pi * t)", "-n", "4"],
])
def test_extreme_but_valid_schedules_are_written_silently(args):
    result = invoke(args)
    assert result.exit_code == 0, result.output
    assert only_lint_warnings(result.stderr)
    values = [float(line.split(",")[1]) for line in result.stdout.splitlines()[1:]]
    assert values and all(v == v and abs(v) != float("inf") for v in values)
    table = invoke(["table", *args[1:], "--chart"])  # summary sums overflow: no RuntimeWarning either
    assert table.exit_code == 0 and only_lint_warnings(table.stderr)


def only_lint_warnings(stderr: str) -> bool:
    """Nothing on stderr but lint's findings (`lrsched lint` explains them), one line each."""
    return all(line.startswith("warning: ") for line in stderr.splitlines())


@pytest.mark.parametrize("args", [
    ["step", "--max-lr", "1", "--step-size", "1", "--gamma", "5e-324"],  # down to subnormals, then 0
    ["exponential", "--max-lr", "1e200", "--gamma", "1e-10"],
    ["expr", "--expr", "1e200 * cos(t)"],
    ["expr", "--expr", "1e-200 * (t + 1)"],
])
@pytest.mark.parametrize("options", [[], ["--log-y"], ["--log-y", "--layout", "grid"]])
def test_extreme_values_are_drawn_without_a_hitch(in_tmp, args, options):
    result = invoke(["plot", *args, "-o", "x.svg", *options])
    assert result.exit_code == 0 and result.stderr.startswith("wrote x.svg\n")
    assert only_lint_warnings(result.stderr.removeprefix("wrote x.svg\n"))


@pytest.mark.filterwarnings("error::UserWarning")  # as a user would see it: on stderr
def test_a_label_the_font_lacks_is_drawn_quietly(in_tmp):
    result = invoke(["plot", "cosine", "--max-lr", "0.1", "--label", "学习率", "-o", "x.png"])
    assert (result.exit_code, result.stderr) == (0, "wrote x.png\n")


# -- expr: nothing the formula says is ever run -------------------------------------------------

@pytest.mark.parametrize("formula", [
    "__import__('pathlib').Path('pwned').touch()",
    "open('pwned', 'w')",
    "exec(\"open('pwned', 'w')\")",
    "eval(\"open('pwned', 'w')\")",
    "(lambda: open('pwned', 'w'))()",
    "[open('pwned', 'w') for _ in t]",
    "().__class__.__base__.__subclasses__()",
    "getattr(t, '__class__')",
    "globals()",
    "t if t else open('pwned', 'w')",
    "open",
])
@pytest.mark.parametrize("via", ["flag", "yaml", "spec"])
def test_expr_refuses_code_and_runs_none(in_tmp, formula, via):
    if via == "flag":
        args = ["export", "expr", "--expr", formula]
    elif via == "yaml":
        (in_tmp / "c.yaml").write_text(one("{kind: expr, expr: %s}" % _yaml_quote(formula)))
        args = ["export", "-c", "c.yaml"]
    else:
        args = ["export", "--spec", f"expr:expr={_yaml_quote(formula)}"]
    result = invoke(args + ["-o", "out.csv"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert " is not allowed" in result.stderr or "is a function" in result.stderr
    assert sorted(os.listdir(in_tmp)) == (["c.yaml"] if via == "yaml" else [])


def _yaml_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- --debug: a traceback only when asked for ---------------------------------------------------

def test_errors_raise_only_with_debug():
    quiet = invoke(["export", "cosine", "--max-lr", "-1"])
    assert quiet.exit_code == 2 and isinstance(quiet.exception, SystemExit)
    assert quiet.stderr == "error: cosine: max_lr must be > 0 (received -1.0)\n"
    for args in (["--debug", "export", "cosine", "--max-lr", "-1"],
                 ["export", "cosine", "--max-lr", "-1", "--debug"]):
        loud = invoke(args)
        assert isinstance(loud.exception, SpecError), args
        assert str(loud.exception) == "cosine: max_lr must be > 0 (received -1.0)"


def test_an_internal_error_is_one_line_without_debug(monkeypatch):
    def broken(schedule, steps):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(core, "evaluate", broken)
    result = invoke(COS)
    assert (result.exit_code, result.stderr) == (
        1, "error: internal error: ZeroDivisionError: boom (rerun with --debug for the traceback)\n")
    assert isinstance(invoke(COS + ["--debug"]).exception, ZeroDivisionError)


def run_module(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lrsched_cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=60)


def test_traceback_is_printed_only_with_debug_in_a_real_process():
    quiet = run_module("export", "cosine", "--max-lr", "-1")
    assert (quiet.returncode, quiet.stderr, quiet.stdout) == (
        2, "error: cosine: max_lr must be > 0 (received -1.0)\n", "")
    for loud in (run_module("--debug", "export", "cosine", "--max-lr", "-1"),
                 run_module("export", "cosine", "--max-lr", "-1", env={"LRSCHED_DEBUG": "1"})):
        assert loud.returncode != 0
        assert loud.stderr.startswith("Traceback (most recent call last):")
        assert loud.stderr.rstrip().endswith("SpecError: cosine: max_lr must be > 0 (received -1.0)")


# -- Ctrl-C: exit 130, nothing printed, the old file intact, no temporary file -----------------

def test_ctrl_c_while_writing_keeps_the_old_file(in_tmp, monkeypatch):
    from lrsched_cli.io import output

    real = output.write_csv

    def interrupted(stream, *args, **kwargs):
        real(stream, *args, **kwargs)  # a complete file's worth of data, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(output, "write_csv", interrupted)
    out = in_tmp / "out.csv"
    out.write_text(OLD)
    result = invoke(COS + ["-o", "out.csv"])
    assert (result.exit_code, result.stderr, result.stdout) == (130, "", "")
    assert out.read_text() == OLD
    assert sorted(os.listdir(in_tmp)) == ["out.csv"]


def test_ctrl_c_while_evaluating(in_tmp, monkeypatch):
    def interrupted(schedule, steps):
        raise KeyboardInterrupt

    monkeypatch.setattr(core, "evaluate", interrupted)
    result = invoke(COS + ["-o", "out.csv"])
    assert (result.exit_code, result.stderr, result.stdout) == (130, "", "")
    assert os.listdir(in_tmp) == []
    # Typer turns the interrupt into exit 130 before lrsched sees it: quiet even with --debug.
    assert invoke(COS + ["--debug"]).exit_code == 130


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_during_a_long_export_keeps_the_old_file(tmp_path, name):
    """Ctrl-C, `kill` and a closed terminal all stop the export the same way."""
    number = getattr(signal, name)
    out = tmp_path / "existing.csv"
    out.write_text(OLD)
    process = subprocess.Popen(
        [sys.executable, "-m", "lrsched_cli", "export", "cosine", "--max-lr", "0.1", "--steps", "20000000",
         "-o", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell's background jobs ignore SIGINT, and children inherit that: undo it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        # Interrupt once the temporary file exists: midway through writing.
        deadline = time.monotonic() + 30
        while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
            if process.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        time.sleep(0.3)
        if process.poll() is not None:
            pytest.skip("the export finished before it could be interrupted")
        process.send_signal(number)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    # 128 + the signal (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP), as a shell reports a
    # process killed by it, and quiet.
    assert process.returncode in (128 + number, -number), stderr
    assert process.returncode == 128 + number or name == "SIGINT"
    assert (stdout, stderr) == ("", "")
    assert out.read_text() == OLD
    assert os.listdir(tmp_path) == ["existing.csv"]
