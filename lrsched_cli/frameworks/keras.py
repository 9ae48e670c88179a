"""Keras 3 (keras.optimizers.schedules): read, written, compared, described.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_import
from ..core.registry import format_value
from .base import Arg, Ctor, Framework, _Context, _constant, _cosine_decay, _increasing, _ramp, _warm, exact

cg = lazy_import("lrsched_cli.frameworks.codegen")  # the writers' machinery, loaded to write
dl = lazy_import("lrsched_cli.frameworks.dialects")  # compare --as, loaded to compare

if TYPE_CHECKING:
    from ..core.engine import Schedule


# -- reading ----------------------------------------------------------------------------------

def _keras_polynomial(a: dict, c: _Context) -> dict:
    init, end, steps = a["initial_learning_rate"], a["end_learning_rate"], a["decay_steps"]
    if end > init:
        if a["cycle"] or a["power"] != 1:
            raise c.fail("a rising PolynomialDecay (end_learning_rate > initial_learning_rate) needs "
                         "power=1 and cycle=False in lrsched")
        return _ramp(init, end, steps)
    if end == init:
        return _constant(init)
    return {"kind": "polynomial", "max_lr": init, "max_update": steps, "min_lr": end, "power": a["power"],
            "past_end": "stretch" if a["cycle"] else "hold"}


def _keras_piecewise(a: dict, c: _Context) -> dict:
    boundaries, values = a["boundaries"], a["values"]
    if len(values) != len(boundaries) + 1:
        raise c.fail(f"needs one value more than boundaries (received {len(boundaries)} boundaries, "
                     f"{len(values)} values)")
    _increasing(c, boundaries)
    top = max(values)
    if not top > 0:
        raise c.fail(f"needs a value above 0 (received {format_value(values)})")
    if not boundaries:
        return _constant(values[0])
    return {"kind": "piecewise", "max_lr": top, "knots": [min(0, boundaries[0]), *boundaries],
            "factors": [v / top for v in values], "boundary": "after"}


def _keras_cosine(a: dict, c: _Context) -> dict:
    init, steps, alpha, target = (a["initial_learning_rate"], a["decay_steps"], a["alpha"], a["warmup_target"])
    if target is None:  # no warmup, whatever warmup_steps says
        return _cosine_decay(init, steps, alpha * init, 1.0, c)
    return _warm(_cosine_decay(target, steps, alpha * target, 1.0, c), a["warmup_steps"], init)


NAME = Arg("name", "any", None)
KERAS = {
    "ExponentialDecay": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("decay_steps", "number"), Arg("decay_rate", "number"),
         Arg("staircase", "bool", False), NAME),
        lambda a, c: {"kind": "exponential", "max_lr": a["initial_learning_rate"], "gamma": a["decay_rate"],
                      "decay_steps": a["decay_steps"], "staircase": a["staircase"]}),
    "PiecewiseConstantDecay": Ctor((Arg("boundaries", "numbers"), Arg("values", "numbers"), NAME),
                                   _keras_piecewise),
    "PolynomialDecay": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("decay_steps", "int"),
         Arg("end_learning_rate", "number", 1e-4), Arg("power", "number", 1.0), Arg("cycle", "bool", False), NAME),
        _keras_polynomial),
    "InverseTimeDecay": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("decay_steps", "number"), Arg("decay_rate", "number"),
         Arg("staircase", "bool", False), NAME),
        lambda a, c: {"kind": "inverse_time", "max_lr": a["initial_learning_rate"],
                      "decay_rate": a["decay_rate"], "decay_steps": a["decay_steps"], "staircase": a["staircase"]}),
    "CosineDecay": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("decay_steps", "number"), Arg("alpha", "number", 0.0),
         NAME, Arg("warmup_target", "number", None), Arg("warmup_steps", "int", 0)), _keras_cosine),
    "CosineDecayRestarts": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("first_decay_steps", "number"),
         Arg("t_mul", "number", 2.0), Arg("m_mul", "number", 1.0), Arg("alpha", "number", 0.0), NAME),
        lambda a, c: {"kind": "cosine_restarts", "max_lr": a["initial_learning_rate"],
                      "cycle_length": a["first_decay_steps"], "cycle_mult": a["t_mul"],
                      "cycle_decay": a["m_mul"], "min_lr": a["alpha"] * a["initial_learning_rate"],
                      "cycle_decay_on": "amplitude"}),
}


# -- writing (--to keras) ---------------------------------------------------------------------

SCHEDULES = "keras.optimizers.schedules."


@exact
def _keras_own_native(piece: cg._Piece) -> str | None:
    p = piece.params
    name = piece.schedule.kind.name
    if name in ("step", "exponential"):
        every, staircase, end = cg._decay_every(piece.schedule)
        if end is not None:
            return None
        return cg._call(SCHEDULES + "ExponentialDecay", [
            cg._kw("initial_learning_rate", p["max_lr"]), cg._kw("decay_steps", every),
            cg._kw("decay_rate", p["gamma"])] + ([cg._kw("staircase", True)] if staircase else []))
    if name == "multistep":
        milestones = sorted(set(p["milestones"]))
        levels = [p["max_lr"] * p["gamma"] ** sum(1 for m in p["milestones"] if m <= b)
                  for b in [0] + milestones]
        return cg._Code(cg._call(SCHEDULES + "PiecewiseConstantDecay", [
            # Keras changes the value one step after a boundary: boundary = milestone - 1
            cg._kw("boundaries", [m - 1 for m in milestones]), cg._kw("values", levels)]))
    if name == "linear":
        return cg._call(SCHEDULES + "PolynomialDecay", [
            cg._kw("initial_learning_rate", p["max_lr"] * p["start_factor"]),
            cg._kw("decay_steps", p["total_iters"]),
            cg._kw("end_learning_rate", p["max_lr"] * p["end_factor"]), cg._kw("power", 1.0)])
    if name == "polynomial":
        return cg._call(SCHEDULES + "PolynomialDecay", [
            cg._kw("initial_learning_rate", p["max_lr"]), cg._kw("decay_steps", p["max_update"]),
            cg._kw("end_learning_rate", p["min_lr"]), cg._kw("power", p["power"])])
    if name == "cosine" and p["past_end"] == "hold":
        return cg._call(SCHEDULES + "CosineDecay", [
            cg._kw("initial_learning_rate", p["max_lr"]), cg._kw("decay_steps", p["cycle_length"]),
            cg._kw("alpha", p["min_lr"] / p["max_lr"])])
    if name == "cosine_restarts" and p["cycle_mult"] == 1.0 and p["cycle_limit"] is None \
            and (p["cycle_decay"] == 1.0 or p["min_lr"] == 0.0):
        return cg._call(SCHEDULES + "CosineDecayRestarts", [
            cg._kw("initial_learning_rate", p["max_lr"]), cg._kw("first_decay_steps", p["cycle_length"]),
            cg._kw("t_mul", 1.0), cg._kw("m_mul", p["cycle_decay"]),
            cg._kw("alpha", p["min_lr"] / p["max_lr"])])
    return None


@exact
def _keras_fused(schedule: Schedule) -> str | None:
    p = schedule.params
    if schedule.kind.name == "cosine" and p["past_end"] == "hold" and p["warmup_steps"] \
            and p["warmup_shape"] == "linear" and cg._close(cg._first_value(schedule), p["max_lr"]):
        return cg._call(SCHEDULES + "CosineDecay", [
            cg._kw("initial_learning_rate", p["warmup_start_lr"]),
            cg._kw("decay_steps", p["cycle_length"]), cg._kw("alpha", p["min_lr"] / p["max_lr"]),
            cg._kw("warmup_target", p["max_lr"]), cg._kw("warmup_steps", p["warmup_steps"])])
    return None


KERAS_CLASS = '''\
class LrschedSchedule(keras.optimizers.schedules.LearningRateSchedule):
{doc}

    def __init__(self):
        super().__init__()
{init}

    def __call__(self, step):
        t = ops.cast(step, keras.config.floatx())
        lr = self.pieces[0](t)
        for boundary, piece in zip(self.boundaries, self.pieces[1:]):
            lr = ops.where(t < boundary, lr, piece(t - boundary))
        return lr

    def get_config(self):
        return {{}}  # every value is written into the class'''


def _keras(schedule: Schedule, steps: int) -> str:
    out = cg._Snippet("keras", schedule, steps)
    if schedule.kind.name == "plateau":
        raise cg.CodegenError(
            "keras: plateau has no Keras schedule: the ReduceLROnPlateau callback cuts after "
            "`patience` bad epochs (PyTorch after patience+1) with an absolute min_delta; use "
            "--to torch or --to hf")
    out.need("import keras")
    out.note("Keras computes in float32 (its floatx): expect about 1e-7 relative difference "
             "from lrsched's float64 values.")
    p = schedule.params
    fused = _keras_fused(schedule)
    if schedule.kind.name == "constant" and not p["warmup_steps"]:
        out.blocks.append(f"learning_rate = {cg._lit(p['max_lr'])}  # a constant needs no schedule")
        out.blocks.append("# In your training code:\n"
                          "#     optimizer = keras.optimizers.SGD(learning_rate=learning_rate)")
        out.blocks.append("\n".join([
            "def lrsched_values(steps):",
            '    """lr(t), t = 0 .. steps-1."""',
            "    return [float(learning_rate)] * steps"]))
        return cg._finish(out)
    d = cg._Dialect("keras")
    pieces = cg._flatten(schedule)
    cg._name_pieces(pieces, "lr")
    natives: list[str | None] = []
    if fused is not None:
        natives = [fused]
        pieces = pieces[-1:]
    else:
        for piece in pieces:
            if piece.warmup and piece.shape == "linear":
                natives.append(cg._call(SCHEDULES + "PolynomialDecay", [
                    cg._kw("initial_learning_rate", piece.start), cg._kw("decay_steps", piece.length),
                    cg._kw("end_learning_rate", piece.target), cg._kw("power", 1.0)]))
            elif piece.warmup:
                natives.append(None)
            else:
                native = _keras_own_native(piece)
                if native is None and piece.schedule.kind.name == "cosine_restarts" and \
                        piece.params["cycle_mult"] != 1.0:
                    out.note("Keras' CosineDecayRestarts finds the cycle with a float32 "
                             "logarithm, which can put a restart a step late: the cycles are "
                             "listed instead.")
                natives.append(native)
    if "restart_cycles(" in "\n".join(cg._piece_function(pc, d, steps) for pc, n in zip(pieces, natives)
                                      if n is None):
        out.blocks.append(cg.RESTART_CYCLES)
    if len(pieces) == 1 and natives[0] is not None:
        out.blocks.append(f"schedule = {natives[0]}")
    else:
        out.need("from keras import ops")
        members = []
        for piece, native in zip(pieces, natives):
            if native is None:
                out.blocks.append(cg._piece_function(piece, d, steps))
                members.append(piece.name)
            else:
                members.append(native)
        init = ["self.pieces = ["] + [f"    {cg._reindent(m, 4)}," for m in members] + ["]"]
        init.append(f"self.boundaries = {cg._lit([float(pc.offset) for pc in pieces[1:]])}")
        kinds = ", then ".join(cg._describe_piece(pc).split(":")[0] for pc in pieces)
        doc = f"lrsched's schedule: {kinds}; each piece runs on its own clock."
        init_lines = "\n".join(init).split("\n")
        out.blocks.append(KERAS_CLASS.format(
            doc="\n".join(cg._docstring(doc)),
            init="\n".join(" " * 8 + ln if ln else "" for ln in init_lines)))
        out.blocks.append("schedule = LrschedSchedule()")
    cg.schedule_tail(out, "optimizer = keras.optimizers.SGD(learning_rate=schedule)")
    return cg._finish(out)


def _write_table(out: cg._Snippet, schedule: Schedule, table: str) -> None:
    """Replay `table`, lrsched's values for the exported steps."""
    out.need("import keras")
    out.need("from keras import ops")
    out.blocks.append(table)
    out.blocks.append("\n".join([
        "class LrschedSchedule(keras.optimizers.schedules.LearningRateSchedule):",
        '    """lr(step) from a table, held at the last value."""',
        "",
        "    def __call__(self, step):",
        "        index = ops.clip(ops.cast(step, \"int32\"), 0, len(VALUES) - 1)",
        "        return ops.take(ops.convert_to_tensor(VALUES), index)",
        "",
        "    def get_config(self):",
        "        return {}"]))
    out.blocks.append("schedule = LrschedSchedule()")
    cg.schedule_tail(out, "optimizer = keras.optimizers.SGD(learning_rate=schedule)", doc="the schedule called with t")


# -- compare --as: an intent written the way Keras users write it ------------------------------

def _compare_cosine(p: dict) -> dl.Rendering:
    peak, floor, warm, total, start = dl.cosine_intent(p)
    return dl.Rendering(
        "keras",
        f"keras:CosineDecay(initial_learning_rate={dl._num(start)}, decay_steps={total}, "
        f"alpha={dl._num(floor / peak)}, warmup_target={dl._num(peak)}, warmup_steps={warm})",
        None,
        ("decay_steps excludes the warmup: the same number N ends the cosine at W + N",
         "alpha is a fraction of warmup_target; clamps after the end",
         "computes the cosine in float32"))


def _compare_multistep(p: dict) -> dl.Rendering:
    peak, gamma, milestones = p["max_lr"], p["gamma"], sorted(p["milestones"])
    listed = ", ".join(str(m) for m in milestones)
    values = ", ".join(dl._num(peak * gamma ** i) for i in range(len(milestones) + 1))
    return dl.Rendering("keras", f"keras:PiecewiseConstantDecay(boundaries=[{listed}], values=[{values}])",
                     None, ("a value holds through its boundary: the change lands at boundary + 1",))


def _compare_linear_decay(p: dict) -> dl.Rendering:
    peak, floor, warm = p["max_lr"], p["min_lr"], p["warmup_steps"]
    total = warm + p["max_update"]
    return dl.Rendering("keras", f"keras:PolynomialDecay(initial_learning_rate={dl._num(peak)}, "
                     f"decay_steps={total}, end_learning_rate={dl._num(floor)}, power=1.0)", None,
                     ("no warmup argument: the decay starts at t = 0",))


def _compare_step(p: dict) -> dl.Rendering:
    peak, size, gamma = p["max_lr"], p["step_size"], p["gamma"]
    return dl.Rendering("keras", f"keras:ExponentialDecay(initial_learning_rate={dl._num(peak)}, "
                     f"decay_steps={size}, decay_rate={dl._num(gamma)}, staircase=True)", None,
                     ("staircase floors step / decay_steps, as PyTorch",))


COMPARE = {"step": _compare_step, "onecycle": lambda p: dl.Rendering("keras", "", None, dl.NO_ONECYCLE),
           "cosine": _compare_cosine, "multistep": _compare_multistep, "polynomial": _compare_linear_decay}


# -- describe: the equivalent of each lrsched kind -----------------------------------------

EQUIVALENTS = {
    "constant": "a float learning rate",
    "step": "ExponentialDecay(max_lr, decay_steps=step_size, decay_rate=gamma, staircase=True)",
    "multistep": "PiecewiseConstantDecay(boundaries=[m - 1 ...], values=[...])",
    "piecewise": "PiecewiseConstantDecay(boundaries=knots[1:], values=max_lr*factors) (boundary=after)",
    "exponential": "ExponentialDecay(max_lr, decay_steps, decay_rate=gamma, staircase)",
    "linear": "PolynomialDecay(max_lr*start_factor, total_iters, max_lr*end_factor, power=1)",
    "polynomial": "PolynomialDecay(max_lr, decay_steps=max_update, end_learning_rate=min_lr, power, cycle) "
                  "(cycle=True: past_end=stretch)",
    "cosine": "CosineDecay(max_lr, decay_steps=cycle_length, alpha=min_lr/max_lr) (past_end=hold)",
    "cosine_restarts": "CosineDecayRestarts(max_lr, first_decay_steps=cycle_length, t_mul=cycle_mult, "
                       "m_mul=cycle_decay, alpha=min_lr/max_lr) (cycle_decay_on=amplitude)",
    "tanh": "none (use a custom LearningRateSchedule)",
    "cyclic": "none (use a custom LearningRateSchedule)",
    "onecycle": "none (use a custom LearningRateSchedule)",
    "plateau": "keras.callbacks.ReduceLROnPlateau(factor, patience, min_delta, cooldown, min_lr) (cuts one "
               "step earlier, absolute min_delta)",
    "greedy": "none (a custom callback)",
    "inverse_sqrt": "InverseTimeDecay is 1/t, not 1/sqrt(t); use a custom schedule",
    "inverse_time": "InverseTimeDecay(max_lr, decay_steps, decay_rate, staircase)",
    "wsd": "none (use a custom LearningRateSchedule)",
    "sequence": "none (use a custom LearningRateSchedule)",
    "chain": "none (use a custom LearningRateSchedule)",
    "expr": "a LearningRateSchedule subclass with __call__(step)",
    "python": "your LearningRateSchedule's __call__",
}


FRAMEWORK = Framework(
    "keras", "Keras", "Keras 3", "keras:CosineDecay(initial_learning_rate=0.1, decay_steps=1000)", KERAS,
    write=_keras, write_table=_write_table, compare=COMPARE, equivalents=EQUIVALENTS)
