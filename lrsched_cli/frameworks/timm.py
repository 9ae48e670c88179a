"""timm (timm.scheduler): its constructors read, its readings of an intent, its describe
equivalents.
"""
from __future__ import annotations

from .._lazy import lazy_import
from .base import Arg, Ctor, Framework, _Context, _constant, _warm

dl = lazy_import("lrsched_cli.frameworks.dialects")  # compare --as, loaded to compare


# -- reading ----------------------------------------------------------------------------------

def _timm_args(*args: Arg, prefix: bool | None = False, tail: tuple[Arg, ...] = ()) -> tuple[Arg, ...]:
    """A timm signature: the scheduler's own arguments, then warmup, noise, `tail` and initialize."""
    warmup = (Arg("warmup_t", "int", 0), Arg("warmup_lr_init", "number", 0.0))
    if prefix is not None:
        warmup += (Arg("warmup_prefix", "bool", prefix),)
    noise = (Arg("noise_range_t", "any", None), Arg("noise_pct", "number", 0.67),
             Arg("noise_std", "number", 1.0), Arg("noise_seed", "int", 42))
    return args + warmup + (Arg("t_in_epochs", "bool", True),) + noise + tail + (Arg("initialize", "bool", True),)


def _timm_warmup(mapping: dict, a: dict, target: str = "max_lr") -> dict:
    """timm's warmup: warmup_lr_init + t * (base_lr - warmup_lr_init) / warmup_t for t < warmup_t."""
    prefix = a.get("warmup_prefix", True)
    return _warm(mapping, a["warmup_t"], a["warmup_lr_init"], mode="prefix" if prefix else "overlay",
                 target=target)


def _cycles(a: dict, c: _Context) -> dict:
    return {"cycle_mult": a["cycle_mul"], "cycle_decay": a["cycle_decay"], "cycle_limit": a["cycle_limit"]}


def _no_cycles(a: dict, c: _Context) -> dict | None:
    """cycle_limit < 1: timm computes no cycle, only lr_min (the constructor's base_lr at t = 0,
    or the warmup, rising to base_lr after a prefix, to lr_min over it)."""
    if a["cycle_limit"] >= 1:
        return None
    floor = {"kind": "expr", "max_lr": c.base, "expr": repr(float(a["lr_min"]))}
    if not a["warmup_t"]:
        return _warm(floor, 1, c.base, shape="constant", mode="overlay")
    return _timm_warmup(floor, a, target="max_lr" if a["warmup_prefix"] else "schedule")


def _timm_cosine(a: dict, c: _Context) -> dict:
    if _no_cycles(a, c):
        return _no_cycles(a, c)
    mapping = {"kind": "cosine_restarts", "max_lr": c.base, "cycle_length": a["t_initial"],
               "min_lr": a["lr_min"], **_cycles(a, c), "k_decay": a["k_decay"]}
    return _timm_warmup(mapping, a)


def _timm_tanh(a: dict, c: _Context) -> dict:
    if _no_cycles(a, c):
        return _no_cycles(a, c)
    mapping = {"kind": "tanh", "max_lr": c.base, "cycle_length": a["t_initial"], "min_lr": a["lr_min"],
               "lb": a["lb"], "ub": a["ub"], **_cycles(a, c)}
    if not a["warmup_t"]:  # the constructor sets base_lr at t = 0; the curve starts just below it
        return _warm(mapping, 1, c.base, shape="constant", mode="overlay")
    # the warmup rises to base_lr after a prefix, to the curve at warmup_t over it
    return _timm_warmup(mapping, a, target="max_lr" if a["warmup_prefix"] else "schedule")


def _timm_poly(a: dict, c: _Context) -> dict:
    if _no_cycles(a, c):
        return _no_cycles(a, c)
    mapping = {"kind": "polynomial", "max_lr": c.base, "max_update": a["t_initial"], "power": a["power"],
               "min_lr": a["lr_min"], **_cycles(a, c), "k_decay": a["k_decay"]}
    return _timm_warmup(mapping, a)


def _timm_step(a: dict, c: _Context) -> dict:
    period, rate = a["decay_t"], a["decay_rate"]
    if period <= 0:
        raise c.fail(f"decay_t must be > 0 (received {period!r})")
    if float(period).is_integer():
        mapping = {"kind": "step", "max_lr": c.base, "step_size": int(period), "gamma": rate}
    else:
        # t // decay_t, Python's floor division (11 // 2.2 is 4.0 where floor(11 / 2.2) is 5)
        mapping = {"kind": "expr", "max_lr": c.base, "expr": f"max_lr * {float(rate)!r} ** (t // {float(period)!r})"}
    return _timm_warmup(mapping, a)


def bisected_milestones(decay_t: list) -> list:
    """The milestones timm's bisect_right(decay_t, x) steps at, as a sorted list (repeats compound).

    timm "assumes decay_t is sorted" but bisects the list as given. On any list, bisect_right is
    non-decreasing in x (where two searches for x1 < x2 first part, x1 goes left of that middle and
    x2 right of it) and changes only at values of the list, so each value v steps it by
    bisect_right(decay_t, v) less its count just below v. On a sorted list this is the list."""
    import bisect

    found, before = [], 0
    for value in sorted(set(decay_t)):
        count = bisect.bisect_right(decay_t, value)
        found += [value] * (count - before)
        before = count
    return found


def _timm_multistep(a: dict, c: _Context) -> dict:
    # timm changes the rate at t + 1 == milestone (bisect_right(decay_t, t + 1)) on the clock after
    # a warmup prefix: on the overall clock that is t == milestone - 1 (+ warmup_t), at least 1
    # (t = 0 is the constructor's base_lr).
    milestones, warmup = bisected_milestones(a["decay_t"]), a["warmup_t"]
    shift = warmup if a["warmup_prefix"] else 0
    moved = [max(m - 1 + shift, 1) for m in milestones]
    mapping = ({"kind": "multistep", "max_lr": c.base, "milestones": moved, "gamma": a["decay_rate"]}
               if moved else _constant(c.base))
    return _warm(mapping, warmup, a["warmup_lr_init"], mode="overlay", target="max_lr")


def _timm_plateau(a: dict, c: _Context) -> dict:
    # during warmup (t <= warmup_t) the metric is not passed on: the plateau starts at warmup_t
    mapping = {"kind": "plateau", "max_lr": c.base, "mode": a["mode"], "factor": a["decay_rate"],
               "patience": a["patience_t"], "threshold": a["threshold"], "cooldown": a["cooldown_t"],
               "min_lr": a["lr_min"]}
    return _warm(c.feedback(mapping), a["warmup_t"], a["warmup_lr_init"])


def _timm_wsd(a: dict, c: _Context) -> dict:
    if not 0 < a["decay_t"] <= a["t_initial"]:
        raise c.fail(f"decay_t must be in (0, t_initial] (received decay_t={a['decay_t']}, "
                     f"t_initial={a['t_initial']})")
    mapping = {"kind": "wsd", "max_lr": c.base, "stable_steps": a["t_initial"] - a["decay_t"],
               "decay_steps": a["decay_t"], "decay_type": a["decay_fn"], "min_lr": a["lr_min"],
               "decay_power": a["decay_power"], "decay_ratio": a["decay_ratio"], "stable_shape": a["stable_fn"],
               "stable_power": a["stable_power"]}
    if a["stable_timescale"] is not None:
        mapping["stable_timescale"] = a["stable_timescale"]
    return _timm_warmup(mapping, a)


CYCLE_ARGS = (Arg("cycle_mul", "number", 1.0), Arg("cycle_decay", "number", 1.0), Arg("cycle_limit", "int", 1))
TIMM = {
    "CosineLRScheduler": Ctor(_timm_args(Arg("t_initial", "int"), Arg("lr_min", "number", 0.0), *CYCLE_ARGS,
                                         tail=(Arg("k_decay", "number", 1.0),)), _timm_cosine),
    "TanhLRScheduler": Ctor(_timm_args(Arg("t_initial", "int"), Arg("lb", "number", -7.0),
                                       Arg("ub", "number", 3.0), Arg("lr_min", "number", 0.0), *CYCLE_ARGS),
                            _timm_tanh),
    "StepLRScheduler": Ctor(_timm_args(Arg("decay_t", "number"), Arg("decay_rate", "number", 1.0), prefix=True),
                            _timm_step),
    "MultiStepLRScheduler": Ctor(_timm_args(Arg("decay_t", "ints"), Arg("decay_rate", "number", 1.0),
                                            prefix=True), _timm_multistep),
    "PlateauLRScheduler": Ctor(
        (Arg("decay_rate", "number", 0.1), Arg("patience_t", "int", 10),
         Arg("threshold", "number", 1e-4), Arg("cooldown_t", "int", 0), Arg("warmup_t", "int", 0),
         Arg("warmup_lr_init", "number", 0.0), Arg("lr_min", "number", 0.0),
         Arg("mode", "text", "max", ("min", "max")), Arg("noise_range_t", "any", None),
         Arg("noise_type", "text", "normal"), Arg("noise_pct", "number", 0.67), Arg("noise_std", "number", 1.0),
         Arg("noise_seed", "int", None), Arg("initialize", "bool", True)),
        _timm_plateau),
    "PolyLRScheduler": Ctor(_timm_args(Arg("t_initial", "int"), Arg("power", "number", 0.5),
                                       Arg("lr_min", "number", 0.0), *CYCLE_ARGS,
                                       tail=(Arg("k_decay", "number", 1.0),)), _timm_poly),
    "WSDLRScheduler": Ctor(
        _timm_args(Arg("t_initial", "int"), Arg("decay_t", "int"), Arg("lr_min", "number", 0.0),
                   Arg("stable_fn", "text", "constant", ("constant", "rsqrt", "power")),
                   Arg("stable_timescale", "number", None), Arg("stable_power", "number", 0.5),
                   Arg("decay_fn", "text", "1-sqrt", ("linear", "1-sqrt", "cosine", "power", "exp")),
                   Arg("decay_power", "number", 0.5), Arg("decay_ratio", "number", 0.1), prefix=None),
        _timm_wsd),
}

# -- compare --as: an intent written the way timm users write it -------------------------------

def _compare_cosine(p: dict) -> dl.Rendering:
    peak, floor, warm, total, start = dl.cosine_intent(p)
    return dl.Rendering(
        "timm",
        f"timm:CosineLRScheduler(t_initial={total}, lr_min={dl._num(floor)}, warmup_t={warm}, "
        f"warmup_lr_init={dl._num(start)})",
        peak,
        ("warmup_prefix=False (default): the warmup overlays the cosine's clock, so the rate "
         "never reaches the peak and jumps down at the end of the warmup",
         "holds lr_min after t_initial (cycle_limit=1)"))


def _compare_multistep(p: dict) -> dl.Rendering:
    peak, gamma, milestones = p["max_lr"], p["gamma"], sorted(p["milestones"])
    listed = ", ".join(str(m) for m in milestones)
    return dl.Rendering("timm", f"timm:MultiStepLRScheduler(decay_t=[{listed}], decay_rate={dl._num(gamma)})",
                     peak, ("bisect_right(decay_t, t + 1): each decay lands one step early",))


def _compare_linear_decay(p: dict) -> dl.Rendering:
    peak, floor, warm = p["max_lr"], p["min_lr"], p["warmup_steps"]
    total = warm + p["max_update"]
    return dl.Rendering("timm", f"timm:PolyLRScheduler(t_initial={total}, power=1.0, lr_min={dl._num(floor)}, "
                     f"warmup_t={warm})", peak,
                     ("warmup_prefix=False (default): the warmup overlays the decay's clock",))


def _compare_step(p: dict) -> dl.Rendering:
    peak, size, gamma = p["max_lr"], p["step_size"], p["gamma"]
    return dl.Rendering("timm", f"timm:StepLRScheduler(decay_t={size}, decay_rate={dl._num(gamma)})", peak,
                     ("t // decay_t, as PyTorch",))


COMPARE = {"step": _compare_step, "onecycle": lambda p: dl.Rendering("timm", "", None, dl.NO_ONECYCLE),
           "cosine": _compare_cosine, "multistep": _compare_multistep, "polynomial": _compare_linear_decay}


# -- describe: the equivalent of each lrsched kind -----------------------------------------

#: timm's schedulers take warmup_t and warmup_lr_init (lrsched's warmup_steps, warmup_start_lr) and
#: warmup_prefix (False: the warmup overlays the schedule's clock, lrsched's warmup_mode: overlay).
EQUIVALENTS = {
    "constant": "StepLRScheduler(opt, decay_t=1, decay_rate=1.0)",
    "step": "StepLRScheduler(opt, decay_t=step_size, decay_rate=gamma)",
    "multistep": "MultiStepLRScheduler(opt, decay_t=[milestone + 1 ...], decay_rate=gamma): timm decays at "
                 "t + 1 == decay_t, one step early",
    "piecewise": "none",
    "exponential": "StepLRScheduler(opt, decay_t=decay_steps, decay_rate=gamma) when staircase; none otherwise",
    "linear": "PolyLRScheduler(opt, t_initial=total_iters, power=1.0, lr_min=max_lr * end_factor) when "
              "start_factor=1",
    "polynomial": "PolyLRScheduler(opt, t_initial=max_update, power, lr_min=min_lr)",
    "cosine": "CosineLRScheduler(opt, t_initial=cycle_length, lr_min=min_lr): holds lr_min after t_initial "
              "(past_end: hold)",
    "cosine_restarts": "CosineLRScheduler(opt, t_initial=cycle_length, lr_min=min_lr, cycle_mul=cycle_mult, "
                       "cycle_decay, cycle_limit, k_decay)",
    "tanh": "TanhLRScheduler(opt, t_initial=cycle_length, lb, ub, lr_min=min_lr, cycle_mul=cycle_mult, "
            "cycle_decay, cycle_limit)",
    "cyclic": "none",
    "onecycle": "none",
    "plateau": "PlateauLRScheduler(opt, decay_rate=factor, patience_t=patience, threshold, "
               "cooldown_t=cooldown, lr_min=min_lr, mode) (mode defaults to max)",
    "greedy": "none",
    "inverse_sqrt": "none",
    "inverse_time": "none",
    "wsd": "WSDLRScheduler(opt, t_initial=stable_steps + decay_steps, decay_t=decay_steps, "
           "decay_fn=decay_type, lr_min=min_lr)",
    "sequence": "none",
    "chain": "none",
    "expr": "none",
    "python": "none",
}


FRAMEWORK = Framework(
    "timm", "timm", "timm", "timm:CosineLRScheduler(t_initial=100, warmup_t=5)", TIMM, compare=COMPARE,
    equivalents=EQUIVALENTS)
