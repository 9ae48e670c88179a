"""PyTorch (torch.optim.lr_scheduler): its constructors read, its snippets written, its readings
of an intent and its describe equivalents.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_import
from ..core.registry import format_value
from .base import Arg, Ctor, Framework, _Context, _constant, _increasing, _phases, _warm, exact

cg = lazy_import("lrsched_cli.frameworks.codegen")  # the writers' machinery, loaded to write
dl = lazy_import("lrsched_cli.frameworks.dialects")  # compare --as, loaded to compare

if TYPE_CHECKING:
    from ..core.engine import Schedule


# -- reading ----------------------------------------------------------------------------------

LAST_EPOCH = Arg("last_epoch", "int", -1)
PLATEAU_ARGS = (
    Arg("mode", "text", "min", ("min", "max")), Arg("factor", "number", 0.1), Arg("patience", "int", 10),
    Arg("threshold", "number", 1e-4), Arg("threshold_mode", "text", "rel", ("rel", "abs")),
    Arg("cooldown", "int", 0), Arg("min_lr", "number", 0.0), Arg("eps", "number", 1e-8),
)

#: Schedulers that are not a factor of the others' in torch's ChainedScheduler, and why.
NOT_A_FACTOR = {
    "LambdaLR": "LambdaLR sets base_lr * lr_lambda(t) at every step, overwriting the other schedulers' factors",
    "CosineAnnealingLR": "CosineAnnealingLR rescales only the rate above eta_min, and past T_max torch's "
                         "recursive form adds a base_lr term instead of multiplying",
    "CosineAnnealingWarmRestarts": "CosineAnnealingWarmRestarts sets its rate from base_lr, overwriting "
                                   "the others",
    "CyclicLR": "CyclicLR sets its rate from its own base_lr, overwriting the others",
    "OneCycleLR": "OneCycleLR sets its rate from max_lr, overwriting the others",
    "SWALR": "SWALR recovers its start from the current rate, which the others have scaled",
    "SequentialLR": "at each milestone SequentialLR restarts its next scheduler from base_lr (step(0)), "
                    "dropping the other schedulers' factors",
    "ReduceLROnPlateau": "ReduceLROnPlateau needs a metric, which ChainedScheduler.step() does not pass",
}


def _torch_lambda(a: dict, c: _Context) -> dict:
    return {"kind": "expr", "expr": f"max_lr * ({a['lr_lambda']})", "max_lr": c.base}


def _torch_multiplicative(a: dict, c: _Context) -> dict:
    if c.restarted:
        raise c.fail("after a SequentialLR milestone MultiplicativeLR continues from the previous "
                     "scheduler's rate, which is not a schedule of t alone")
    return {"kind": "expr", "expr": a["lr_lambda"], "max_lr": c.base, "product": True}


def _torch_step(a: dict, c: _Context) -> dict:
    return {"kind": "step", "max_lr": c.base, "step_size": a["step_size"], "gamma": a["gamma"]}


def _torch_multistep(a: dict, c: _Context) -> dict:
    milestones = a["milestones"]
    if any(m < 0 for m in milestones):
        raise c.fail(f"milestones must be >= 0 (received {format_value(milestones)})")
    top = c.base * a["gamma"] ** milestones.count(0)  # a milestone 0 applies at once
    rest = [m for m in milestones if m > 0]
    if not rest:
        return _constant(top)
    return {"kind": "multistep", "max_lr": top, "milestones": rest, "gamma": a["gamma"]}


def _torch_constant(a: dict, c: _Context) -> dict:
    factor, total = a["factor"], a["total_iters"]
    if not 0 < factor <= 1:
        raise c.fail(f"factor must be in (0, 1] (torch divides by it at total_iters) (received {factor!r})")
    if total <= 0:  # torch's recursive form keeps the factor; the closed form (a restart) drops it
        return _constant(c.base if c.restarted else c.base * factor)
    if factor == 1:
        return _constant(c.base)
    return _phases(c.base, [_constant(c.base * factor), {"kind": "constant"}], [total])


def _torch_linear(a: dict, c: _Context) -> dict:
    start, end, total = a["start_factor"], a["end_factor"], a["total_iters"]
    if not 0 < start <= 1 or not 0 <= end <= 1:
        raise c.fail(f"start_factor must be in (0, 1] and end_factor in [0, 1] (received "
                     f"start_factor={start!r}, end_factor={end!r})")
    if total <= 0:
        if c.restarted:
            raise c.fail("total_iters=0 after a milestone: torch's closed form divides by zero")
        return _constant(c.base * start)
    return {"kind": "linear", "max_lr": c.base, "start_factor": start, "end_factor": end, "total_iters": total}


def _torch_exponential(a: dict, c: _Context) -> dict:
    return {"kind": "exponential", "max_lr": c.base, "gamma": a["gamma"]}


def _torch_polynomial(a: dict, c: _Context) -> dict:
    if a["total_iters"] <= 0:
        if c.restarted:
            raise c.fail("total_iters=0 after a milestone: torch's closed form divides by zero")
        return _constant(c.base)
    return {"kind": "polynomial", "max_lr": c.base, "max_update": a["total_iters"], "power": a["power"],
            "min_lr": 0.0}


def _torch_cosine(a: dict, c: _Context) -> dict:
    return {"kind": "cosine", "max_lr": c.base, "cycle_length": a["T_max"], "min_lr": a["eta_min"],
            "past_end": "continue"}


def _torch_warm_restarts(a: dict, c: _Context) -> dict:
    return {"kind": "cosine_restarts", "max_lr": c.base, "cycle_length": a["T_0"], "cycle_mult": a["T_mult"],
            "min_lr": a["eta_min"]}


def _torch_cyclic(a: dict, c: _Context) -> dict:
    return {"kind": "cyclic", "min_lr": a["base_lr"], "max_lr": a["max_lr"], "step_size_up": a["step_size_up"],
            "step_size_down": a["step_size_down"], "mode": a["mode"], "gamma": a["gamma"], **_momentum(a)}


def _momentum(a: dict) -> dict:
    """The momentum CyclicLR and OneCycleLR cycle (core.kinds.momentum_params): kept, not dropped."""
    return {name: a[name] for name in ("cycle_momentum", "base_momentum", "max_momentum")}


def _torch_onecycle(a: dict, c: _Context) -> dict:
    total = a["total_steps"]
    if total is None:
        if a["epochs"] is None or a["steps_per_epoch"] is None:
            raise c.fail("needs total_steps, or epochs and steps_per_epoch")
        total = a["epochs"] * a["steps_per_epoch"]
    # torch computes t = total_steps on the last phase (and raises on the step after): past_end
    return {"kind": "onecycle", "max_lr": a["max_lr"], "total_steps": total, "pct_start": a["pct_start"],
            "past_end": "extrapolate",
            "anneal_strategy": a["anneal_strategy"], "div_factor": a["div_factor"],
            "final_div_factor": a["final_div_factor"], "three_phase": a["three_phase"], **_momentum(a)}


def _torch_plateau(a: dict, c: _Context) -> dict:
    return c.feedback({"kind": "plateau", "max_lr": c.base, **{k: a[k] for k in (
        "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps")}})


def _torch_swalr(a: dict, c: _Context) -> dict:
    if c.restarted:
        raise c.fail("SWALR counts its own steps: a SequentialLR milestone does not restart it")
    if a["anneal_epochs"] < 0:
        raise c.fail(f"anneal_epochs must be >= 0 (received {a['anneal_epochs']})")
    shape = "cosine" if a["anneal_strategy"] == "cos" else "linear"
    return _warm(_constant(a["swa_lr"]), a["anneal_epochs"], c.base, shape=shape)


def _torch_sequential(a: dict, c: _Context) -> dict:
    nodes, milestones = a["schedulers"], a["milestones"]
    if len(milestones) != len(nodes) - 1:
        raise c.fail(f"needs one milestone fewer than schedulers (received {len(nodes)} schedulers, "
                     f"{len(milestones)} milestones)")
    _increasing(c, milestones, "milestones")
    if milestones and milestones[0] < 1:
        raise c.fail(f"milestones must be >= 1: torch mishandles a milestone at 0 (received {milestones[0]})")
    pieces = []
    for i, node in enumerate(nodes):
        if node.func.id in ("SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"):
            raise c.fail(f"{node.func.id} cannot be a scheduler of SequentialLR (torch refuses "
                         f"{'it' if node.func.id == 'ReduceLROnPlateau' else 'to restart it with step(0)'})")
        pieces.append(c.nested(restarted=i > 0).translate(node))
    lengths = [b - a for a, b in zip([0, *milestones], milestones)]
    top = c.base_lr if c.base_lr is not None else pieces[0].get("max_lr", 1.0)
    return _phases(top, pieces, lengths) if len(pieces) > 1 else pieces[0]


def _torch_chained(a: dict, c: _Context) -> dict:
    factors, top = [], c.base
    for node in a["schedulers"]:
        name = node.func.id
        if name in NOT_A_FACTOR:
            raise c.fail(f"not a product of factors in torch: {NOT_A_FACTOR[name]}")
        child = c.nested(chained=True).translate(node)
        # A child translated with a factor folded into its max_lr (ConstantLR or LinearLR with
        # total_iters=0, MultiStepLR's milestone 0) contributes that factor to the chain's rate.
        top *= child["max_lr"] / c.base
        factors.extend(child["schedules"] if child["kind"] == "chain" else [child])
    if not factors:
        raise c.fail("needs at least one scheduler")
    return {"kind": "chain", "max_lr": top, "schedules": factors}


TORCH = {
    "LambdaLR": Ctor((Arg("lr_lambda", "lambda"), LAST_EPOCH), _torch_lambda),
    "MultiplicativeLR": Ctor((Arg("lr_lambda", "lambda"), LAST_EPOCH), _torch_multiplicative),
    "StepLR": Ctor((Arg("step_size", "int"), Arg("gamma", "number", 0.1), LAST_EPOCH), _torch_step),
    "MultiStepLR": Ctor((Arg("milestones", "ints"), Arg("gamma", "number", 0.1), LAST_EPOCH), _torch_multistep),
    "ConstantLR": Ctor((Arg("factor", "number", 1 / 3), Arg("total_iters", "int", 5), LAST_EPOCH),
                       _torch_constant),
    "LinearLR": Ctor((Arg("start_factor", "number", 1 / 3), Arg("end_factor", "number", 1.0),
                      Arg("total_iters", "int", 5), LAST_EPOCH), _torch_linear),
    "ExponentialLR": Ctor((Arg("gamma", "number"), LAST_EPOCH), _torch_exponential),
    "SequentialLR": Ctor((Arg("schedulers", "schedulers"), Arg("milestones", "ints"), LAST_EPOCH),
                         _torch_sequential),
    "PolynomialLR": Ctor((Arg("total_iters", "int", 5), Arg("power", "number", 1.0), LAST_EPOCH),
                         _torch_polynomial),
    "CosineAnnealingLR": Ctor((Arg("T_max", "number"), Arg("eta_min", "number", 0.0), LAST_EPOCH),
                              _torch_cosine),
    "ChainedScheduler": Ctor((Arg("schedulers", "schedulers"),), _torch_chained),
    "ReduceLROnPlateau": Ctor(PLATEAU_ARGS, _torch_plateau),
    "CyclicLR": Ctor((Arg("base_lr", "number"), Arg("max_lr", "number"), Arg("step_size_up", "number", 2000),
                      Arg("step_size_down", "number", None),
                      Arg("mode", "text", "triangular", ("triangular", "triangular2", "exp_range")),
                      Arg("gamma", "number", 1.0), Arg("scale_fn", "none", None),
                      Arg("scale_mode", "text", "cycle", ("cycle", "iterations")),
                      Arg("cycle_momentum", "bool", True), Arg("base_momentum", "number", 0.8),
                      Arg("max_momentum", "number", 0.9), LAST_EPOCH), _torch_cyclic),
    "CosineAnnealingWarmRestarts": Ctor((Arg("T_0", "int"), Arg("T_mult", "int", 1),
                                         Arg("eta_min", "number", 0.0), LAST_EPOCH), _torch_warm_restarts),
    "OneCycleLR": Ctor((Arg("max_lr", "number"), Arg("total_steps", "int", None), Arg("epochs", "int", None),
                        Arg("steps_per_epoch", "int", None), Arg("pct_start", "number", 0.3),
                        Arg("anneal_strategy", "text", "cos", ("cos", "linear")),
                        Arg("cycle_momentum", "bool", True), Arg("base_momentum", "number", 0.85),
                        Arg("max_momentum", "number", 0.95), Arg("div_factor", "number", 25.0),
                        Arg("final_div_factor", "number", 1e4), Arg("three_phase", "bool", False),
                        LAST_EPOCH), _torch_onecycle),
    "SWALR": Ctor((Arg("swa_lr", "number"), Arg("anneal_epochs", "int", 10),
                   Arg("anneal_strategy", "text", "cos", ("cos", "linear")), LAST_EPOCH), _torch_swalr),
}


# -- writing (--to torch) ---------------------------------------------------------------------

@exact
def _torch_own_native(piece: cg._Piece, base: float, *, alone: bool, first: bool) -> str | None:
    """A native torch.optim.lr_scheduler constructor computing the piece exactly, or None."""
    s, p = piece.schedule, piece.params
    name = s.kind.name
    sched = "lr_scheduler."
    uses_base = name not in ("cyclic", "onecycle")
    if uses_base and p.get("max_lr") != base:
        return None  # a phase with its own max_lr: the optimizer's lr is another one
    if name == "constant":
        return cg._call(sched + "LambdaLR", ["optimizer", "lambda t: 1.0"])
    if name == "step":
        return cg._call(sched + "StepLR", ["optimizer", cg._kw("step_size", p["step_size"]),
                                        cg._kw("gamma", p["gamma"])])
    if name == "multistep":
        return cg._call(sched + "MultiStepLR", ["optimizer", cg._kw("milestones", list(p["milestones"])),
                                             cg._kw("gamma", p["gamma"])])
    if name == "exponential":
        every, staircase, end = cg._decay_every(s)
        if end is not None or not float(every).is_integer():
            return None
        if every == 1:
            return cg._call(sched + "ExponentialLR", ["optimizer", cg._kw("gamma", p["gamma"])])
        if staircase:
            return cg._call(sched + "StepLR", ["optimizer", cg._kw("step_size", int(every)),
                                            cg._kw("gamma", p["gamma"])])
        return None
    if name == "linear" and p["start_factor"] > 0.0:  # torch requires start_factor > 0
        return cg._call(sched + "LinearLR", ["optimizer", cg._kw("start_factor", p["start_factor"]),
                                          cg._kw("end_factor", p["end_factor"]),
                                          cg._kw("total_iters", p["total_iters"])])
    if name == "polynomial" and p["min_lr"] == 0.0:
        return cg._call(sched + "PolynomialLR", ["optimizer", cg._kw("total_iters", p["max_update"]),
                                              cg._kw("power", p["power"])])
    if name == "cosine" and p["past_end"] == "continue":
        return cg._call(sched + "CosineAnnealingLR", ["optimizer", cg._kw("T_max", p["cycle_length"]),
                                                   cg._kw("eta_min", p["min_lr"])])
    if name == "cosine_restarts" and float(p["cycle_length"]).is_integer() \
            and float(p["cycle_mult"]).is_integer() and p["cycle_decay"] == 1.0 \
            and p["cycle_limit"] is None:
        return cg._call(sched + "CosineAnnealingWarmRestarts", [
            "optimizer", cg._kw("T_0", int(p["cycle_length"])), cg._kw("T_mult", int(p["cycle_mult"])),
            cg._kw("eta_min", p["min_lr"])])
    if name == "cyclic" and (alone or not first):
        # CyclicLR sets the optimizer's lr: first in a SequentialLR it would change the base
        # of the schedulers after it.
        return cg._call(sched + "CyclicLR", [
            "optimizer", cg._kw("base_lr", p["min_lr"]), cg._kw("max_lr", p["max_lr"]),
            cg._kw("step_size_up", p["step_size_up"]), cg._kw("step_size_down", p["step_size_down"]),
            cg._kw("mode", p["mode"]), cg._kw("gamma", p["gamma"]), *_momentum_kws(s)])
    if name == "onecycle" and alone:
        p.get("past_end")  # either way: lrsched_values stops stepping where lrsched holds
        return cg._call(sched + "OneCycleLR", [
            "optimizer", cg._kw("max_lr", p["max_lr"]), cg._kw("total_steps", p["total_steps"]),
            cg._kw("pct_start", p["pct_start"]), cg._kw("anneal_strategy", p["anneal_strategy"]),
            cg._kw("div_factor", p["div_factor"]), cg._kw("final_div_factor", p["final_div_factor"]),
            cg._kw("three_phase", p["three_phase"]), *_momentum_kws(s)])
    return None


def _momentum_kws(schedule: Schedule) -> list[str]:
    """cycle_momentum, base_momentum and max_momentum where they differ from torch's defaults,
    which lrsched's are (torch cycles betas[0] instead when the optimizer has betas)."""
    if not schedule.params["cycle_momentum"]:
        return [cg._kw("cycle_momentum", False)]
    return [cg._kw(name, schedule.params[name]) for name in ("base_momentum", "max_momentum")
            if schedule.params[name] != schedule.kind.param(name).default]


def _torch_warmup_native(piece: cg._Piece, base: float) -> str | None:
    """LinearLR when the warmup is linear from start > 0 up to the optimizer's lr."""
    if piece.shape != "linear" or not 0.0 < piece.start <= base or not cg._close(piece.target, base):
        return None
    return cg._call("lr_scheduler.LinearLR", [
        "optimizer", cg._kw("start_factor", piece.start / base), cg._kw("end_factor", 1.0),
        cg._kw("total_iters", piece.length)])


def _lambda(name: str) -> str:
    return cg._call("lr_scheduler.LambdaLR", ["optimizer", f"lambda t: {name}(t) / BASE_LR"])


def _torch_scheduler(out: cg._Snippet, pieces: list[cg._Piece], base: float, steps: int,
                     natives_allowed: bool = True) -> tuple[str, dict]:
    """Definitions added to `out`; returns the body of make_scheduler and loop options."""
    d = cg._Dialect("math")
    opts: dict = {}
    alone = len(pieces) == 1
    natives: list[str | None] = []
    for i, piece in enumerate(pieces):
        if not natives_allowed:
            natives.append(None)
        elif piece.warmup:
            natives.append(_torch_warmup_native(piece, base))
        else:
            natives.append(_torch_own_native(piece, base, alone=alone, first=i == 0))
    own_native = any(n is not None for n, pc in zip(natives, pieces) if not pc.warmup)
    # A constant after a LinearLR warmup is LinearLR alone (it holds end_factor afterwards).
    if len(pieces) == 2 and pieces[1].schedule.kind.name == "constant" and natives[0] \
            and natives[1] and pieces[0].schedule is pieces[1].schedule:
        return f"return {cg._reindent(natives[0], 4)}", opts
    if alone and natives[0] is not None:
        if pieces[0].schedule.kind.name == "onecycle":
            p = pieces[0].params
            extrapolate = p["past_end"] == "extrapolate"
            opts["stop"] = p["total_steps"] - (0 if extrapolate else 1)
            out.note("OneCycleLR raises after total_steps steps (and extrapolates at total_steps); "
                     + ("lrsched follows it to t = total_steps and holds that rate after"
                        if extrapolate else "lrsched holds the final rate from t = total_steps - 1")
                     + ", so lrsched_values stops stepping the scheduler there: do the same in training.")
        return f"return {cg._reindent(natives[0], 4)}", opts
    if own_native:
        children = []
        for piece, native in zip(pieces, natives):
            if native is None:
                out.blocks.append(cg._piece_function(piece, d, steps))
                native = _lambda(piece.name)
            children.append(native)
        milestones = [pc.offset for pc in pieces[1:]]
        body = ["schedulers = ["] + [f"    {cg._reindent(c, 4)}," for c in children] + ["]"]
        body.append(cg._call("return lr_scheduler.SequentialLR", [
            "optimizer", "schedulers", cg._kw("milestones", milestones)]))
        return "\n    ".join("\n".join(body).split("\n")), opts
    # One LambdaLR with the whole schedule in closed form.
    return f"return {_lambda(cg.python_function(out, pieces, steps))}", opts


def _torch_values(plateau: bool, warmup: int = 0, stop: int | None = None) -> str:
    lines = ["def lrsched_values(steps):",
             '    """lr(t), t = 0 .. steps-1, read from a real optimizer and scheduler."""',
             "    param = torch.nn.Parameter(torch.zeros(1))",
             "    optimizer = torch.optim.SGD([param], lr=BASE_LR)"]
    if plateau and warmup:
        lines.append("    warmup, scheduler = make_schedulers(optimizer)")
    else:
        lines.append("    scheduler = make_scheduler(optimizer)")
    lines += ["    values = []",
              "    for t in range(steps):"]
    if stop is not None:
        lines.append(f"        if 0 < t <= {stop}:  # OneCycleLR: hold after the cycle")
    else:
        lines.append("        if t:")
    lines.append("            optimizer.step()")
    if plateau and warmup:
        lines += [f"            if t <= {warmup}:",
                  "                warmup.step()",
                  "            else:",
                  "                scheduler.step(METRIC[t - 1])"]
    elif plateau:
        lines.append("            scheduler.step(METRIC[t - 1])  # the metric seen so far")
    else:
        lines.append("            scheduler.step()")
    lines += ['        values.append(optimizer.param_groups[0]["lr"])',
              "    return values"]
    return "\n".join(lines)


def _usage(target: str, base: float, plateau: bool = False, warmup: int = 0) -> str:
    opt = f"torch.optim.SGD(model.parameters(), lr={cg._lit(base)})"
    lines = ["# In your training code:", f"#     optimizer = {opt}"]
    if plateau and warmup:
        lines += ["#     warmup, scheduler = make_schedulers(optimizer)",
                  "#     after each step t = 1, 2, ...: optimizer.step(), then",
                  f"#     warmup.step() while t <= {warmup}, scheduler.step(metric) after"]
    else:
        lines.append("#     scheduler = make_scheduler(optimizer)")
        if plateau:
            lines.append("#     after each step: optimizer.step(), then scheduler.step(metric)")
        else:
            lines.append("#     after each step: optimizer.step(), then scheduler.step()")
    return "\n".join(lines)



def _plateau_kwargs(p: dict) -> list[str]:
    return [cg._kw("mode", p["mode"]), cg._kw("factor", p["factor"]), cg._kw("patience", p["patience"]),
            cg._kw("threshold", p["threshold"]), cg._kw("threshold_mode", p["threshold_mode"]),
            cg._kw("cooldown", p["cooldown"]), cg._kw("min_lr", p["min_lr"]), cg._kw("eps", p["eps"])]


def _write_plateau(out: cg._Snippet, schedule: Schedule, steps: int, hf: bool) -> None:
    p = schedule.params
    base = cg._base_lr(schedule)
    warmup = p["warmup_steps"]
    out.blocks.append("\n".join(cg._metric_lines(schedule, steps, out.target)))
    if hf and not warmup:
        out.need("from transformers import get_scheduler")
        kwargs = "{" + ", ".join(f"{cg._lit(k.split('=')[0])}: {k.split('=', 1)[1]}"
                                 for k in _plateau_kwargs(p)) + "}"
        scheduler = "    return " + cg._call("get_scheduler", [
            '"reduce_lr_on_plateau"', "optimizer", f"scheduler_specific_kwargs={kwargs}"])
    else:
        if hf:
            out.note("Hugging Face's reduce_lr_on_plateau has no warmup: PyTorch's "
                     "ReduceLROnPlateau after a warmup scheduler.")
        scheduler = "    return " + cg._call("lr_scheduler.ReduceLROnPlateau",
                                          ["optimizer"] + _plateau_kwargs(p))
    if warmup:
        pieces = cg._flatten(schedule)
        cg._name_pieces(pieces, "lr")
        warm = pieces[0]
        native = _torch_warmup_native(warm, base)
        if native is None:
            out.blocks.append(cg._piece_function(warm, cg._Dialect("math"), steps))
            native = _lambda(warm.name)
        plateau_call = scheduler.strip().removeprefix("return ")
        body = ["def make_schedulers(optimizer):",
                '    """A warmup scheduler for the first steps, then ReduceLROnPlateau."""',
                f"    warmup = {cg._reindent(native, 4)}",
                f"    scheduler = {cg._reindent(plateau_call, 0)}",
                "    return warmup, scheduler"]
        out.blocks.append("\n".join(body))
    else:
        doc = '    """The scheduler for an optimizer with lr=BASE_LR: step(metric)."""'
        out.blocks.append("\n".join(["def make_scheduler(optimizer):", doc, scheduler]))
    out.blocks.append(_usage(out.target, base, plateau=True, warmup=warmup))
    out.blocks.append(_torch_values(True, warmup))


def _torch(schedule: Schedule, steps: int, out: cg._Snippet | None = None,
           natives_allowed: bool = True) -> str:
    out = out or cg._Snippet("torch", schedule, steps)
    base = cg._base_lr(schedule)
    out.need("import torch")
    if out.target == "torch":
        out.need("from torch.optim import lr_scheduler")
    out.blocks.append(f"BASE_LR = {cg._lit(base)}  # the optimizer's lr (lrsched's max_lr)")
    if schedule.kind.name == "plateau":
        if out.target == "torch" or schedule.params["warmup_steps"]:
            out.need("from torch.optim import lr_scheduler")
        _write_plateau(out, schedule, steps, hf=out.target == "hf")
        return cg._finish(out)
    out.need("from torch.optim import lr_scheduler")
    pieces = cg._flatten(schedule)
    cg._name_pieces(pieces, "lr")
    body, opts = _torch_scheduler(out, pieces, base, steps, natives_allowed)
    doc = '    """The scheduler for an optimizer created with lr=BASE_LR."""'
    out.blocks.append("\n".join(["def make_scheduler(optimizer):", doc, "    " + body]))
    out.blocks.append(_usage(out.target, base))
    out.blocks.append(_torch_values(False, stop=opts.get("stop")))
    return cg._finish(out)


def _write_table(out: cg._Snippet, schedule: Schedule, table: str) -> None:
    """Replay `table`, lrsched's values for the exported steps."""
    base = cg._base_lr(schedule)
    out.need("import torch")
    out.need("from torch.optim import lr_scheduler")
    out.blocks.append(f"BASE_LR = {cg._lit(base)}  # the optimizer's lr")
    out.blocks.append(table)
    out.blocks.append("\n".join([
        "def make_scheduler(optimizer):",
        '    """The scheduler for an optimizer created with lr=BASE_LR."""',
        "    return " + cg._call("lr_scheduler.LambdaLR", [
            "optimizer", "lambda t: VALUES[min(t, len(VALUES) - 1)] / BASE_LR"],
            indent=4).lstrip()]))
    out.blocks.append(_usage(out.target, base))
    out.blocks.append(_torch_values(False))


# -- compare --as: an intent written the way PyTorch users write it ----------------------------

def _compare_cosine(p: dict) -> dl.Rendering:
    peak, floor, warm, total, start = dl.cosine_intent(p)
    torch_start = max(start / peak, 1e-8)
    return dl.Rendering(
        "torch",
        f"torch:SequentialLR(schedulers=[LinearLR(start_factor={dl._num(torch_start)}, end_factor=1.0, "
        f"total_iters={warm}), CosineAnnealingLR(T_max={total - warm}, eta_min={dl._num(floor)})], "
        f"milestones=[{warm}])" if warm else
        f"torch:CosineAnnealingLR(T_max={total}, eta_min={dl._num(floor)})",
        peak,
        ("LinearLR cannot start at 0: start_factor must be > 0",
         "CosineAnnealingLR rises again after T_max (no clamp)"))


def _compare_multistep(p: dict) -> dl.Rendering:
    peak, gamma, milestones = p["max_lr"], p["gamma"], sorted(p["milestones"])
    listed = ", ".join(str(m) for m in milestones)
    return dl.Rendering("torch", f"torch:MultiStepLR(milestones=[{listed}], gamma={dl._num(gamma)})", peak,
                     ("the new rate applies at t == milestone",))


def _compare_linear_decay(p: dict) -> dl.Rendering:
    peak, floor, warm = p["max_lr"], p["min_lr"], p["warmup_steps"]
    total = warm + p["max_update"]
    return dl.Rendering("torch", f"torch:SequentialLR(schedulers=[LinearLR(start_factor=1e-08, "
                     f"total_iters={warm}), LinearLR(start_factor=1.0, end_factor={dl._num(floor / peak)}, "
                     f"total_iters={total - warm})], milestones=[{warm}])" if warm else
                     f"torch:LinearLR(start_factor=1.0, end_factor={dl._num(floor / peak)}, "
                     f"total_iters={total})", peak,
                     ("LinearLR cannot start at 0: start_factor must be > 0",))


def _compare_step(p: dict) -> dl.Rendering:
    peak, size, gamma = p["max_lr"], p["step_size"], p["gamma"]
    return dl.Rendering("torch", f"torch:StepLR(step_size={size}, gamma={dl._num(gamma)})", peak,
                     ("the new rate applies at t == step_size",))


def _compare_onecycle(p: dict) -> dl.Rendering:
    peak, total, pct = p["max_lr"], p["total_steps"], p["pct_start"]
    div, final = p["div_factor"], p["final_div_factor"]
    return dl.Rendering("torch", f"torch:OneCycleLR(max_lr={dl._num(peak)}, total_steps={total}, "
                     f"pct_start={dl._num(pct)}, div_factor={dl._num(div)}, final_div_factor={dl._num(final)})",
                     peak, ("the peak lands at pct_start * total_steps - 1",
                            "raises after total_steps (lrsched holds the last value)"))


COMPARE = {"step": _compare_step, "onecycle": _compare_onecycle, "cosine": _compare_cosine,
           "multistep": _compare_multistep, "polynomial": _compare_linear_decay}


# -- describe: the equivalent of each lrsched kind -----------------------------------------

EQUIVALENTS = {
    "constant": "LambdaLR(opt, lambda t: 1.0) or ConstantLR(opt, factor=1.0)",
    "step": "StepLR(opt, step_size, gamma)",
    "multistep": "MultiStepLR(opt, milestones, gamma)",
    "piecewise": "MultiStepLR for a staircase of gamma steps; otherwise a LambdaLR",
    "exponential": "ExponentialLR(opt, gamma) (decay_steps = 1)",
    "linear": "LinearLR(opt, start_factor, end_factor, total_iters)",
    "polynomial": "PolynomialLR(opt, total_iters=max_update, power) (min_lr = 0)",
    "cosine": "CosineAnnealingLR(opt, T_max=cycle_length, eta_min=min_lr)",
    "cosine_restarts": "CosineAnnealingWarmRestarts(opt, T_0=cycle_length, T_mult=cycle_mult, "
                       "eta_min=min_lr)",
    "tanh": "LambdaLR(opt, lambda t: ...) (timm TanhLRScheduler(t_initial=cycle_length, lb, ub, lr_min))",
    "cyclic": "CyclicLR(opt, base_lr=min_lr, max_lr, step_size_up, step_size_down, mode, gamma)",
    "onecycle": "OneCycleLR(opt, max_lr, total_steps, pct_start, anneal_strategy, div_factor, "
                "final_div_factor, three_phase)",
    "plateau": "ReduceLROnPlateau(opt, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, "
               "eps); call scheduler.step(metric) once per step",
    "greedy": "none (transformers.optimization.GreedyLR steps a torch optimizer)",
    "inverse_sqrt": "LambdaLR(opt, lambda t: (timescale / (t + timescale)) ** 0.5)",
    "inverse_time": "LambdaLR(opt, lambda t: 1 / (1 + decay_rate * t / decay_steps))",
    "wsd": "SequentialLR of LinearLR, ConstantLR and a LambdaLR decay",
    "sequence": "SequentialLR(opt, schedulers=[...], milestones=[cumulative steps])",
    "chain": "ChainedScheduler(schedulers=[...]) of schedulers that multiply the current rate (ConstantLR, "
             "LinearLR, StepLR, MultiStepLR, ExponentialLR, PolynomialLR, MultiplicativeLR)",
    "expr": "LambdaLR(opt, lambda t: formula / max_lr); MultiplicativeLR(opt, lambda t: formula) with "
            "product",
    "python": "your LRScheduler subclass, stepped on a dummy optimizer",
}


#: How a snippet for a torch optimizer counts time (torch, and transformers' schedulers).
STEP_CLOCK = "lr(t) is the learning rate after t calls of scheduler.step()."

FRAMEWORK = Framework(
    "torch", "PyTorch", "PyTorch", "torch:StepLR(step_size=30, gamma=0.1)", TORCH,
    write=lambda schedule, steps: _torch(schedule, steps), write_table=_write_table, compare=COMPARE,
    equivalents=EQUIVALENTS, clock=STEP_CLOCK)
