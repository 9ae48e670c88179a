"""Hugging Face transformers (get_scheduler and the get_*_schedule functions): read, written,
compared, described. Its schedulers are PyTorch LambdaLRs, so much is shared with torch.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_import
from .base import Arg, Ctor, Framework, _Context, _constant, _warm, exact
from .torch import (LAST_EPOCH, PLATEAU_ARGS, STEP_CLOCK, _torch, _torch_plateau, _torch_values, _usage,
                    _write_plateau, _write_table)

cg = lazy_import("lrsched_cli.frameworks.codegen")  # the writers' machinery, loaded to write
dl = lazy_import("lrsched_cli.frameworks.dialects")  # compare --as, loaded to compare

if TYPE_CHECKING:
    from ..core.engine import Schedule


# -- reading ----------------------------------------------------------------------------------

W_ARG, N_ARG = Arg("num_warmup_steps", "int"), Arg("num_training_steps", "int")


def _decay_steps(a: dict, c: _Context) -> int:
    span = a["num_training_steps"] - a["num_warmup_steps"]
    if span < 1:
        raise c.fail(f"num_training_steps must exceed num_warmup_steps (received num_warmup_steps="
                     f"{a['num_warmup_steps']}, num_training_steps={a['num_training_steps']})")
    return span


def _short(a: dict) -> bool:
    """num_training_steps <= num_warmup_steps: Hugging Face then decays over max(1, N - W) steps."""
    return a["num_training_steps"] - a["num_warmup_steps"] < 1


def _hf_lambda(a: dict, c: _Context, decay: str) -> dict:
    """Hugging Face's lr_lambda written out as an expr: the linear warmup t / max(1, W), then
    `decay`, a formula in q = (t - W) / max(1, N - W) (where lrsched's kinds have no form for it:
    N <= W, a fractional number of hard restarts, a wsd cosine of other than half a wave)."""
    warmup = a["num_warmup_steps"]
    span = max(1, a["num_training_steps"] - warmup) if a.get("num_training_steps") is not None else 1
    q = f"((t - {warmup}) / {float(span)!r})"
    return {"kind": "expr", "max_lr": c.base,
            "expr": f"max_lr * where(t < {warmup}, t / {float(max(1, warmup))!r}, {decay.replace('q', q)})"}


def _cosine_wave(cycles: float, floor_rate: float = 0.0) -> str:
    wave = f"0.5 * (1 + cos(pi * {float(cycles)!r} * 2 * q))"
    return f"maximum(0, {wave} * {1 - floor_rate!r} + {floor_rate!r})" if floor_rate else f"maximum(0, {wave})"


def _positive_cycles(a: dict, c: _Context) -> float:
    if a["num_cycles"] <= 0:
        raise c.fail(f"num_cycles must be > 0 (received {a['num_cycles']!r})")
    return a["num_cycles"]


def _hf_constant(a: dict, c: _Context) -> dict:
    return _constant(c.base)


def _hf_constant_warmup(a: dict, c: _Context) -> dict:
    return _warm(_constant(c.base), a["num_warmup_steps"])


def _hf_linear(a: dict, c: _Context) -> dict:
    if _short(a):
        return _hf_lambda(a, c, f"maximum(0, ({a['num_training_steps']} - t) / 1.0)")
    mapping = {"kind": "polynomial", "max_lr": c.base, "max_update": _decay_steps(a, c), "power": 1.0,
               "min_lr": 0.0}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_cosine(a: dict, c: _Context) -> dict:
    if _short(a):
        return _hf_lambda(a, c, _cosine_wave(_positive_cycles(a, c)))
    length = _decay_steps(a, c) / (2 * _positive_cycles(a, c))
    mapping = {"kind": "cosine", "max_lr": c.base, "cycle_length": length, "past_end": "continue"}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_hard_restarts(a: dict, c: _Context) -> dict:
    cycles = _positive_cycles(a, c)
    if _short(a) or not float(cycles).is_integer():  # typed int, computed as a float
        return _hf_lambda(a, c, f"where(q >= 1, 0, maximum(0, 0.5 * (1 + cos(pi * (({float(cycles)!r} * q) % 1)))))")
    mapping = {"kind": "cosine_restarts", "max_lr": c.base, "cycle_length": _decay_steps(a, c) / cycles,
               "cycle_limit": cycles}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_polynomial(a: dict, c: _Context) -> dict:
    if not c.base > a["lr_end"]:
        raise c.fail(f"lr_end ({a['lr_end']!r}) must be smaller than the initial lr ({c.base!r})")
    if a["num_training_steps"] < a["num_warmup_steps"]:  # past N at once: lr_end
        return _hf_lambda(a, c, repr(a["lr_end"] / c.base))
    mapping = {"kind": "polynomial", "max_lr": c.base, "max_update": _decay_steps(a, c), "power": a["power"],
               "min_lr": a["lr_end"]}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_inverse_sqrt(a: dict, c: _Context) -> dict:
    timescale = a["timescale"] if a["timescale"] is not None else (a["num_warmup_steps"] or 10_000)
    mapping = {"kind": "inverse_sqrt", "max_lr": c.base, "timescale": timescale}
    return _warm(mapping, a["num_warmup_steps"])


def _min_lr(a: dict, c: _Context) -> tuple[float, float]:
    """Hugging Face's min_lr or min_lr_rate (exactly one): the floor, absolute and as a ratio."""
    if (a["min_lr"] is None) == (a["min_lr_rate"] is None):
        raise c.fail("needs exactly one of min_lr and min_lr_rate")
    if a["min_lr"] is not None:
        return a["min_lr"], a["min_lr"] / c.base
    return a["min_lr_rate"] * c.base, a["min_lr_rate"]


def _hf_cosine_min(a: dict, c: _Context) -> dict:
    if _short(a):
        return _hf_lambda(a, c, _cosine_wave(_positive_cycles(a, c), _min_lr(a, c)[1]))
    length = _decay_steps(a, c) / (2 * _positive_cycles(a, c))
    mapping = {"kind": "cosine", "max_lr": c.base, "cycle_length": length, "min_lr": _min_lr(a, c)[0],
               "past_end": "continue"}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_cosine_warmup_min(a: dict, c: _Context) -> dict:
    # warmup r + (1 - r) * t / (W - 1) for t < W (r = 1/W by default) and decay progress
    # (t - W + 1) / (N - W): the cosine starts at t = W - 1, where the warmup reaches base_lr.
    warmup, (floor, ratio) = a["num_warmup_steps"], _min_lr(a, c)
    if _short(a):  # progress (t - W + 1) / max(1, N - W), written out
        cycles, rate = _positive_cycles(a, c), a["warmup_lr_rate"]
        rise = (f"(t + 1) / {float(max(1, warmup))!r}" if rate is None
                else f"{rate!r} + {1 - rate!r} * t / {float(max(1, warmup - 1))!r}")
        wave = _cosine_wave(cycles, ratio).replace("q", f"((t - {warmup} + 1) / 1.0)")
        return {"kind": "expr", "max_lr": c.base, "expr": f"max_lr * where(t < {warmup}, {rise}, {wave})"}
    span, cycles = _decay_steps(a, c), _positive_cycles(a, c)
    rate = a["warmup_lr_rate"] if a["warmup_lr_rate"] is not None else 1.0 / max(1, warmup)
    if warmup == 0:  # the decay starts one step in: progress (t + 1) / N
        return {"kind": "expr", "max_lr": c.base, "expr": f"max_lr * maximum(0, 0.5 * (1 + cos(pi * {cycles!r} "
                f"* 2 * ((t + 1) / {float(span)!r}))) * (1 - {ratio!r}) + {ratio!r})"}
    mapping = {"kind": "cosine", "max_lr": c.base, "cycle_length": span / (2 * cycles), "min_lr": floor,
               "past_end": "continue"}
    if warmup == 1:
        return mapping if rate == 1 else _warm(mapping, 1, rate * c.base, mode="overlay")
    return _warm(mapping, warmup - 1, rate * c.base)


def _hf_wsd(a: dict, c: _Context) -> dict:
    warmup, decay, stable = a["num_warmup_steps"], a["num_decay_steps"], a["num_stable_steps"]
    if stable is None:
        if a["num_training_steps"] is None:
            raise c.fail("needs num_training_steps or num_stable_steps")
        stable = a["num_training_steps"] - warmup - decay
    floor = a["min_lr_ratio"] * c.base
    if a["num_cycles"] != 0.5 and a["decay_type"] == "cosine":  # (other decays ignore num_cycles)
        return _hf_wsd_lambda(a, c, stable)
    mapping = {"kind": "wsd", "max_lr": c.base, "stable_steps": stable, "decay_steps": decay,
               "decay_type": a["decay_type"], "min_lr": floor}
    return _warm(mapping, warmup, floor, shape=a["warmup_type"])


def _hf_wsd_lambda(a: dict, c: _Context, stable: int) -> dict:
    """transformers' _get_wsd_scheduler_lambda written out, for a cosine decay of num_cycles waves."""
    warmup, decay, ratio = a["num_warmup_steps"], a["num_decay_steps"], a["min_lr_ratio"]
    p = f"(t / {float(max(1, warmup))!r})"
    rise = {"linear": p, "cosine": f"0.5 * (1 - cos(pi * {p}))",
            "1-sqrt": f"1 - sqrt(maximum(0, 1 - {p}))"}[a["warmup_type"]]
    q = f"((t - {warmup + stable}) / {float(max(1, decay))!r})"
    wave = f"0.5 * (1 + cos(pi * {float(a['num_cycles'])!r} * 2 * {q}))"
    expr = (f"max_lr * where(t < {warmup}, maximum(0, ({rise}) * {1 - ratio!r} + {ratio!r}), "
            f"where(t < {warmup + stable}, 1, where(t < {warmup + stable + decay}, "
            f"maximum(0, ({wave}) * {1 - ratio!r} + {ratio!r}), {ratio!r})))")
    return {"kind": "expr", "max_lr": c.base, "expr": expr}


def _hf_greedy(a: dict, c: _Context) -> dict:
    same = ("max_lr", "min_lr", "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "eps",
            "smooth", "window_size", "reset_start")
    return c.feedback({"kind": "greedy", "start_lr": c.base, "increase_cooldown": a["warmup"],
                       **{k: a[k] for k in same}})


SHAPES = ("linear", "cosine", "1-sqrt")
MIN_LR_ARGS = (Arg("num_cycles", "number", 0.5), LAST_EPOCH, Arg("min_lr", "number", None),
               Arg("min_lr_rate", "number", None))
HF_FUNCTIONS = {
    "get_constant_schedule": Ctor((LAST_EPOCH,), _hf_constant),
    "get_constant_schedule_with_warmup": Ctor((W_ARG, LAST_EPOCH), _hf_constant_warmup),
    "get_linear_schedule_with_warmup": Ctor((W_ARG, N_ARG, LAST_EPOCH), _hf_linear),
    "get_cosine_schedule_with_warmup": Ctor((W_ARG, N_ARG, Arg("num_cycles", "number", 0.5), LAST_EPOCH),
                                            _hf_cosine),
    "get_cosine_with_hard_restarts_schedule_with_warmup": Ctor(
        (W_ARG, N_ARG, Arg("num_cycles", "number", 1), LAST_EPOCH), _hf_hard_restarts),
    "get_polynomial_decay_schedule_with_warmup": Ctor(
        (W_ARG, N_ARG, Arg("lr_end", "number", 1e-7), Arg("power", "number", 1.0), LAST_EPOCH), _hf_polynomial),
    "get_inverse_sqrt_schedule": Ctor((W_ARG, Arg("timescale", "number", None), LAST_EPOCH), _hf_inverse_sqrt),
    "get_reduce_on_plateau_schedule": Ctor(PLATEAU_ARGS, _torch_plateau, keyword_only=True),
    "get_cosine_with_min_lr_schedule_with_warmup": Ctor((W_ARG, N_ARG, *MIN_LR_ARGS), _hf_cosine_min),
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate": Ctor(
        (W_ARG, N_ARG, *MIN_LR_ARGS, Arg("warmup_lr_rate", "number", None)), _hf_cosine_warmup_min),
    "get_wsd_schedule": Ctor(
        (W_ARG, Arg("num_decay_steps", "int"), Arg("num_training_steps", "int", None),
         Arg("num_stable_steps", "int", None), Arg("warmup_type", "text", "linear", SHAPES),
         Arg("decay_type", "text", "cosine", SHAPES), Arg("min_lr_ratio", "number", 0.0),
         Arg("num_cycles", "number", 0.5), LAST_EPOCH), _hf_wsd),
    "get_greedy_schedule": Ctor(
        (Arg("mode", "text", "min", ("min", "max")), Arg("factor", "number", 0.95), Arg("patience", "int", 10),
         Arg("threshold", "number", 1e-6), Arg("threshold_mode", "text", "abs", ("rel", "abs")),
         Arg("cooldown", "int", 0), Arg("warmup", "int", 0), Arg("min_lr", "number", 1e-3),
         Arg("max_lr", "number", 1.0), Arg("eps", "number", 1e-8), Arg("verbose", "bool", False),
         Arg("smooth", "bool", False), Arg("window_size", "int", 50), Arg("reset_start", "int", 500)),
        _hf_greedy, keyword_only=True),
}

#: get_scheduler(name, ...): the function it calls, which step counts it needs (W, N, or W with
#: N optional: "Wn"), and whether it passes scheduler_specific_kwargs on.
HF_TYPES = {
    "linear": ("get_linear_schedule_with_warmup", "WN", True),
    "cosine": ("get_cosine_schedule_with_warmup", "WN", True),
    "cosine_with_restarts": ("get_cosine_with_hard_restarts_schedule_with_warmup", "WN", True),
    "polynomial": ("get_polynomial_decay_schedule_with_warmup", "WN", True),
    "constant": ("get_constant_schedule", "", False),
    "constant_with_warmup": ("get_constant_schedule_with_warmup", "W", False),
    "inverse_sqrt": ("get_inverse_sqrt_schedule", "W", True),
    "reduce_lr_on_plateau": ("get_reduce_on_plateau_schedule", "", True),
    "cosine_with_min_lr": ("get_cosine_with_min_lr_schedule_with_warmup", "WN", True),
    "cosine_warmup_with_min_lr": ("get_cosine_with_min_lr_schedule_with_warmup_lr_rate", "WN", True),
    "warmup_stable_decay": ("get_wsd_schedule", "Wn", True),
    "greedy": ("get_greedy_schedule", "", True),
}


def _hf_type(function: str, needs: str, passes: bool) -> Ctor:
    """hf:NAME(...) = get_scheduler(NAME, optimizer, num_warmup_steps, num_training_steps, **kw)."""
    inner = HF_FUNCTIONS[function]
    counts = (Arg("num_warmup_steps", "int", None), Arg("num_training_steps", "int", None))
    extra = tuple(a for a in inner.args if passes and a.name not in (
        "num_warmup_steps", "num_training_steps", "last_epoch"))

    def build(a: dict, c: _Context) -> dict:
        for letter, count in (("W", "num_warmup_steps"), ("N", "num_training_steps")):
            if letter in needs and a[count] is None:
                raise c.fail(f"needs {count}")
        values = {arg.name: arg.default for arg in inner.args}
        values.update((k, v) for k, v in a.items() if k in values)
        return inner.build(values, c)

    return Ctor(counts + extra, build, keyword_only=True)


HF = {**{name: _hf_type(*spec) for name, spec in HF_TYPES.items()}, **HF_FUNCTIONS}

# -- writing (--to hf) ------------------------------------------------------------------------

@exact
def _hf_native(schedule: Schedule) -> tuple[str, int, int | None, dict] | None:
    """(scheduler type, num_warmup_steps, num_training_steps, scheduler_specific_kwargs) when a
    transformers scheduler computes exactly this schedule, else None."""
    p = schedule.params
    name = schedule.kind.name
    warmup = p["warmup_steps"]
    from_zero = warmup == 0 or (p["warmup_shape"] == "linear" and p["warmup_start_lr"] == 0.0)
    if name == "wsd":
        shapes = ("linear", "cosine", "1-sqrt")
        if warmup and (p["warmup_shape"] not in shapes or p["warmup_start_lr"] != p["min_lr"]):
            return None
        kwargs = {"num_decay_steps": p["decay_steps"]}
        if warmup and p["warmup_shape"] != "linear":
            kwargs["warmup_type"] = p["warmup_shape"]
        kwargs["decay_type"] = p["decay_type"]
        if p["min_lr"]:
            kwargs["min_lr_ratio"] = p["min_lr"] / p["max_lr"]
        return "warmup_stable_decay", warmup, warmup + p["stable_steps"] + p["decay_steps"], kwargs
    if not from_zero:
        return None
    if name == "constant":
        return ("constant_with_warmup", warmup, None, {}) if warmup else ("constant", 0, None, {})
    if name == "polynomial":
        total = warmup + p["max_update"]
        if p["min_lr"] == 0.0 and p["power"] == 1.0:
            return "linear", warmup, total, {}
        if p["max_lr"] > p["min_lr"]:
            return "polynomial", warmup, total, {"lr_end": p["min_lr"], "power": p["power"]}
        return None
    if name == "linear" and p["start_factor"] == 1.0 and p["end_factor"] == 0.0:
        return "linear", warmup, warmup + p["total_iters"], {}
    if name == "cosine" and p["past_end"] == "continue":
        length = p["cycle_length"]
        if length.is_integer():
            total, cycles = warmup + int(length), 0.5
        elif (2 * length).is_integer():
            total, cycles = warmup + int(2 * length), 1.0
        else:
            return None
        kwargs = {} if cycles == 0.5 else {"num_cycles": cycles}
        if p["min_lr"] == 0.0:
            return "cosine", warmup, total, kwargs
        return "cosine_with_min_lr", warmup, total, {**kwargs, "min_lr": p["min_lr"]}
    if name == "cosine_restarts":
        length, cycles = p["cycle_length"], p["cycle_limit"]
        if not (p["cycle_mult"] == 1.0 and p["cycle_decay"] == 1.0 and p["min_lr"] == 0.0
                and cycles is not None and length.is_integer() and cycles <= 100_000):
            return None
        span = int(length) * cycles
        # transformers finds the cycle as (num_cycles * progress) % 1.0: exact at every restart?
        for j in range(1, cycles):
            if (float(cycles) * (float(j * int(length)) / float(span))) % 1.0 != 0.0:
                return None
        return "cosine_with_restarts", warmup, warmup + span, {"num_cycles": cycles}
    if name == "inverse_sqrt":
        return "inverse_sqrt", warmup, None, {"timescale": p["timescale"]}
    return None


def _hf(schedule: Schedule, steps: int) -> str:
    out = cg._Snippet("hf", schedule, steps)
    if schedule.kind.name == "plateau":
        out.need("import torch")
        if schedule.params["warmup_steps"]:
            out.need("from torch.optim import lr_scheduler")
        out.blocks.append(f"BASE_LR = {cg._lit(cg._base_lr(schedule))}  # the optimizer's lr "
                          "(lrsched's max_lr)")
        _write_plateau(out, schedule, steps, hf=True)
        return cg._finish(out)
    native = _hf_native(schedule)
    if native is None:
        out.note("Hugging Face transformers has no scheduler type for this schedule: a PyTorch "
                 "LambdaLR with lrsched's closed form (what get_scheduler builds too).")
        return _torch(schedule, steps, out, natives_allowed=False)
    kind, warmup, total, kwargs = native
    base = cg._base_lr(schedule)
    out.need("import torch")
    out.need("from transformers import get_scheduler")
    out.blocks.append(f"BASE_LR = {cg._lit(base)}  # the optimizer's lr (lrsched's max_lr)")
    args = [cg._lit(kind), "optimizer"]
    if kind != "constant":
        args.append(cg._kw("num_warmup_steps", warmup))
    if total is not None:
        args.append(cg._kw("num_training_steps", total))
    if kwargs:
        args.append(f"scheduler_specific_kwargs={cg._lit(kwargs)}")
    call = cg._call("get_scheduler", args)
    doc = '    """The scheduler for an optimizer created with lr=BASE_LR."""'
    out.blocks.append("\n".join(["def make_scheduler(optimizer):", doc, f"    return {call}"]))
    out.blocks.append(_usage("hf", base))
    out.blocks.append(_torch_values(False))
    return cg._finish(out)


# -- compare --as: an intent written the way Hugging Face users write it -----------------------

def _compare_cosine(p: dict) -> dl.Rendering:
    peak, floor, warm, total, start = dl.cosine_intent(p)
    return dl.Rendering(
        "hf",
        f"hf:cosine_with_min_lr(num_warmup_steps={warm}, num_training_steps={total}, "
        f"min_lr={dl._num(floor)})",
        peak,
        ("the warmup always starts at 0 (warmup_start_lr is ignored)",
         "num_training_steps includes the warmup", "past the end the cosine rises again"))


def _compare_linear_decay(p: dict) -> dl.Rendering:
    peak, floor, warm = p["max_lr"], p["min_lr"], p["warmup_steps"]
    total = warm + p["max_update"]
    return dl.Rendering("hf", f"hf:polynomial(num_warmup_steps={warm}, num_training_steps={total}, "
                     f"lr_end={dl._num(floor)}, power=1.0)" if floor else
                     f"hf:linear(num_warmup_steps={warm}, num_training_steps={total})", peak,
                     ("num_training_steps includes the warmup",))


COMPARE = {
    "step": lambda p: dl.Rendering("hf", "", None, ("Hugging Face has no step schedule type",)),
    "onecycle": lambda p: dl.Rendering("hf", "", None, dl.NO_ONECYCLE),
    "cosine": _compare_cosine,
    "multistep": lambda p: dl.Rendering("hf", "", None, ("Hugging Face has no step or multistep schedule type",)),
    "polynomial": _compare_linear_decay,
}


# -- describe: the equivalent of each lrsched kind -----------------------------------------

EQUIVALENTS = {
    "constant": "get_constant_schedule / get_constant_schedule_with_warmup (constant_with_warmup): "
                "warmup_steps=W, warmup_start_lr=0",
    "step": "none (use a LambdaLR)",
    "multistep": "none (use a LambdaLR)",
    "piecewise": "none (use a LambdaLR)",
    "exponential": "none (use a LambdaLR)",
    "linear": "get_linear_schedule_with_warmup is `polynomial` with power=1 and a warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup(W, N, lr_end=min_lr, power): warmup_steps=W, "
                  "max_update=N-W; get_linear_schedule_with_warmup is power=1, min_lr=0",
    "cosine": "get_cosine_schedule_with_warmup(W, N, num_cycles): warmup_steps=W, "
              "cycle_length=(N-W)/(2*num_cycles); cosine_with_min_lr: min_lr=min_lr_rate*max_lr",
    "cosine_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup(W, N, num_cycles): "
                       "warmup_steps=W, cycle_length=(N-W)/num_cycles, cycle_limit=num_cycles",
    "tanh": "none (use a LambdaLR)",
    "cyclic": "none (use a LambdaLR)",
    "onecycle": "none (use a LambdaLR)",
    "plateau": "none (Trainer: lr_scheduler_type='reduce_lr_on_plateau' wraps PyTorch's)",
    "greedy": "get_scheduler('greedy', opt, scheduler_specific_kwargs={...}) / GreedyLR(opt, ...); call "
              "scheduler.step(metric) once per step",
    "inverse_sqrt": "get_inverse_sqrt_schedule(W, timescale): warmup_steps=W (timescale defaults to W)",
    "inverse_time": "none (use a LambdaLR)",
    "wsd": "get_wsd_schedule(W, num_decay_steps=D, num_stable_steps=S, warmup_type, decay_type, "
           "min_lr_ratio=m): warmup_steps=W, stable_steps=S, decay_steps=D, min_lr=m*max_lr, "
           "warmup_start_lr=m*max_lr, warmup_shape=warmup_type",
    "sequence": "none",
    "chain": "none",
    "expr": "get_scheduler with a LambdaLR",
    "python": "your LambdaLR",
}


FRAMEWORK = Framework(
    "hf", "Hugging Face", "Hugging Face transformers",
    "hf:cosine(num_warmup_steps=100, num_training_steps=1000)", HF,
    write=_hf, write_table=_write_table, compare=COMPARE, equivalents=EQUIVALENTS, clock=STEP_CLOCK)
