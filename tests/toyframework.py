"""A toy framework in one file: everything lrsched needs to read, write, compare and describe it.

This is the whole of what "Add a framework" in the README asks for. A real framework module
(lrsched_cli/frameworks/torch.py, ...) has the same four parts, only more of each. Toy
schedules are plain Python functions of the step, built by `StepDecay(lr, every, factor)` and
`Cosine(lr, steps)`.
"""
from __future__ import annotations

from lrsched_cli.frameworks.base import Arg, Ctor, Framework, _Context
from lrsched_cli.frameworks.codegen import _finish, _flatten, _name_pieces, _Snippet, python_function
from lrsched_cli.frameworks.dialects import Rendering, _num

# -- read: the constructors, as data ---------------------------------------------------------


def _step_decay(a: dict, c: _Context) -> dict:
    return {"kind": "step", "max_lr": a["lr"], "step_size": a["every"], "gamma": a["factor"]}


def _cosine(a: dict, c: _Context) -> dict:
    if a["steps"] <= 0:
        raise c.fail(f"steps must be > 0 (received {a['steps']})")
    return {"kind": "cosine", "max_lr": a["lr"], "cycle_length": a["steps"], "past_end": "hold"}


CONSTRUCTORS = {
    "StepDecay": Ctor((Arg("lr", "number"), Arg("every", "int"), Arg("factor", "number", 0.5)), _step_decay),
    "Cosine": Ctor((Arg("lr", "number"), Arg("steps", "int")), _cosine),
}


# -- write: any schedule as a toy schedule function ------------------------------------------

def write(schedule, steps: int) -> str:
    out = _Snippet("toy", schedule, steps)
    pieces = _flatten(schedule)
    _name_pieces(pieces, "lr")
    name = python_function(out, pieces, steps, name="schedule")
    out.blocks.append("\n".join([
        "def lrsched_values(steps):",
        '    """lr(t), t = 0 .. steps-1."""',
        f"    return [{name}(t) for t in range(steps)]"]))
    return _finish(out)


def write_table(out: _Snippet, schedule, table: str) -> None:
    out.blocks.append(table)
    out.blocks.append("\n".join([
        "def lrsched_values(steps):",
        '    """lr(t), t = 0 .. steps-1, held at the last tabulated value."""',
        "    return [VALUES[min(t, len(VALUES) - 1)] for t in range(steps)]"]))


# -- compare --as: an intent as toy users write it -------------------------------------------

def _compare_step(p: dict) -> Rendering:
    spec = f"toy:StepDecay(lr={_num(p['max_lr'])}, every={p['step_size']}, factor={_num(p['gamma'])})"
    return Rendering("toy", spec, None, ("StepDecay decays at t == every, as PyTorch",))


def _compare_cosine(p: dict) -> Rendering:
    steps = p["warmup_steps"] + int(round(p["cycle_length"]))
    return Rendering("toy", f"toy:Cosine(lr={_num(p['max_lr'])}, steps={steps})", None,
                     ("Cosine has no warmup and no floor; it holds its end",))


# -- describe --------------------------------------------------------------------------------

EQUIVALENTS = {
    "step": "StepDecay(lr=max_lr, every=step_size, factor=gamma)",
    "cosine": "Cosine(lr=max_lr, steps=cycle_length) with past_end: hold and min_lr 0",
}

FRAMEWORK = Framework(
    "toy", "Toy", "Toy 1.0", "toy:StepDecay(lr=0.1, every=30)", CONSTRUCTORS,
    write=write, write_table=write_table, compare={"step": _compare_step, "cosine": _compare_cosine},
    equivalents=EQUIVALENTS, clock="lr(t) is the toy schedule called with the step t.")
