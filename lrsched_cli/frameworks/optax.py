"""optax (optax.schedules): read, written, compared, described.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_import
from ..core.registry import REQUIRED, did_you_mean, format_value
from ..errors import SpecError
from .base import (Arg, Ctor, Framework, _Context, _check, _constant, _cosine_decay, _delayed, _increasing,
                   _phases, _ramp, _warm, exact)

cg = lazy_import("lrsched_cli.frameworks.codegen")  # the writers' machinery, loaded to write
dl = lazy_import("lrsched_cli.frameworks.dialects")  # compare --as, loaded to compare

if TYPE_CHECKING:
    from ..core.engine import Schedule


# -- reading ----------------------------------------------------------------------------------

def _optax_polynomial(init: float, end: float, power: float, steps: int, begin: int, c: _Context) -> dict:
    if steps <= 0:  # optax logs and returns the constant init_value
        return _constant(init)
    if init == end:
        mapping = _constant(init)
    elif end > init and power == 1:
        mapping = _ramp(init, end, steps)
    else:  # falling, or rising along the polynomial (framework mode: min_lr above max_lr)
        mapping = {"kind": "polynomial", "max_lr": init, "min_lr": end, "power": power, "max_update": steps}
    return _delayed(mapping, max(begin, 0), init)


def _optax_exponential(a: dict, c: _Context) -> dict:
    init, rate, steps, end = a["init_value"], a["decay_rate"], a["transition_steps"], a["end_value"]
    if steps <= 0 or rate == 0:  # optax logs and returns the constant init_value
        return _constant(init)
    if end is not None and (end > init if rate < 1 else end < init):
        return _constant(end)  # clipped from the start
    mapping = {"kind": "exponential", "max_lr": init, "gamma": rate, "decay_steps": steps,
               "staircase": a["staircase"], "end_lr": end}
    return _delayed(mapping, max(a["transition_begin"], 0), init)


def _after_warmup(mapping: dict, steps: int, init: float, peak: float) -> dict:
    """optax's warmup_* schedules: join([linear_schedule(init, peak, steps), mapping], [steps])."""
    if steps <= 0:
        return mapping
    if "warmup_steps" not in mapping:  # the schedule starts at peak: a warmup prefix rises to it
        return _warm(mapping, steps, init)
    return _phases(peak, [_ramp(init, peak, steps), mapping], [steps])


def _optax_piecewise(init: float, scales: dict | None, c: _Context, interpolation: str = "constant") -> dict:
    items = sorted((scales or {}).items())
    if any(scale < 0 for _, scale in items):
        raise c.fail("the scales must be >= 0")
    if not items:
        return _constant(init)
    factors = [1.0]
    for _, scale in items:
        factors.append(factors[-1] * scale)
    boundaries = [b for b, _ in items]
    if interpolation != "constant" and boundaries[0] < 0:
        raise c.fail(f"boundaries must be >= 0 (received {format_value(boundaries[0])})")
    first = min(0, boundaries[0])  # init_value holds, or the interpolation starts, at t = 0
    return {"kind": "piecewise", "max_lr": init, "knots": [first, *boundaries], "factors": factors,
            "interpolation": interpolation}


def _optax_join(a: dict, c: _Context) -> dict:
    nodes, boundaries = a["schedules"], a["boundaries"]
    if len(boundaries) != len(nodes) - 1:
        raise c.fail(f"needs one boundary fewer than schedules (received {len(nodes)} schedules, "
                     f"{len(boundaries)} boundaries)")
    _increasing(c, boundaries)
    if boundaries and boundaries[0] < 0:
        raise c.fail(f"boundaries must be >= 0 (received {boundaries[0]})")
    pieces = [c.nested().translate(node) for node in nodes]
    lengths = [b - a for a, b in zip([0, *boundaries], boundaries)]
    top = max(p.get("max_lr", 1.0) for p in pieces)
    return _phases(top, pieces, lengths) if len(pieces) > 1 else pieces[0]


def _optax_sgdr(a: dict, c: _Context) -> dict:
    ctor = OPTAX["warmup_cosine_decay_schedule"]
    names = [arg.name for arg in ctor.args]
    pieces, lengths = [], []
    for i, kwargs in enumerate(a["cosine_kwargs"]):
        here = f"{c.where} cycle {i + 1}"
        for key in kwargs:
            if key not in names:
                hint = did_you_mean(key, names)
                raise SpecError(f"{here}: unknown argument {format_value(key)}{hint} accepted: "
                                f"{', '.join(names)}" if hint else
                                f"{here}: unknown argument {format_value(key)}; accepted: {', '.join(names)}")
        values = {}
        for arg in ctor.args:
            if arg.name in kwargs:
                values[arg.name] = _check(arg, kwargs[arg.name], here)
            elif arg.default is REQUIRED:
                raise SpecError(f"{here}: missing required argument {arg.name}")
            else:
                values[arg.name] = arg.default
        pieces.append(ctor.build(values, c))
        lengths.append(values["decay_steps"])
    if not pieces:
        raise c.fail("needs at least one cycle")
    return _phases(max(p["max_lr"] for p in pieces), pieces, lengths[:-1]) if len(pieces) > 1 else pieces[0]


def _optax_onecycle(a: dict, c: _Context, interpolation: str) -> dict:
    """optax's linear_onecycle_schedule / cosine_onecycle_schedule: a piecewise interpolation."""
    steps, div, final = a["transition_steps"], a["div_factor"], a["final_div_factor"]
    if steps <= 0:
        raise c.fail(f"transition_steps must be > 0 (received {steps})")
    if interpolation == "linear":
        scales = {int(a["pct_start"] * steps): div, int(a["pct_final"] * steps): 1.0 / div, steps: 1.0 / final}
    else:
        scales = {int(a["pct_start"] * steps): div, int(steps): 1.0 / (div * final)}
    return _optax_piecewise(a["peak_value"] / div, scales, c, interpolation)


OPTAX = {
    "constant_schedule": Ctor((Arg("value", "number"),), lambda a, c: _constant(a["value"])),
    "polynomial_schedule": Ctor(
        (Arg("init_value", "number"), Arg("end_value", "number"), Arg("power", "number"),
         Arg("transition_steps", "int"), Arg("transition_begin", "int", 0)),
        lambda a, c: _optax_polynomial(a["init_value"], a["end_value"], a["power"], a["transition_steps"],
                                       a["transition_begin"], c)),
    "linear_schedule": Ctor(
        (Arg("init_value", "number"), Arg("end_value", "number"), Arg("transition_steps", "int"),
         Arg("transition_begin", "int", 0)),
        lambda a, c: _optax_polynomial(a["init_value"], a["end_value"], 1, a["transition_steps"],
                                       a["transition_begin"], c)),
    "piecewise_constant_schedule": Ctor(
        (Arg("init_value", "number"), Arg("boundaries_and_scales", "scales", None)),
        lambda a, c: _optax_piecewise(a["init_value"], a["boundaries_and_scales"], c)),
    "exponential_decay": Ctor(
        (Arg("init_value", "number"), Arg("transition_steps", "number"), Arg("decay_rate", "number"),
         Arg("transition_begin", "int", 0), Arg("staircase", "bool", False), Arg("end_value", "number", None)),
        _optax_exponential),
    "cosine_decay_schedule": Ctor(
        (Arg("init_value", "number"), Arg("decay_steps", "number"), Arg("alpha", "number", 0.0),
         Arg("exponent", "number", 1.0)),
        lambda a, c: _cosine_decay(a["init_value"], a["decay_steps"], a["alpha"] * a["init_value"],
                                   a["exponent"], c)),
    "warmup_cosine_decay_schedule": Ctor(
        (Arg("init_value", "number"), Arg("peak_value", "number"), Arg("warmup_steps", "int"),
         Arg("decay_steps", "int"), Arg("end_value", "number", 0.0), Arg("exponent", "number", 1.0)),
        lambda a, c: _after_warmup(_cosine_decay(a["peak_value"], a["decay_steps"] - a["warmup_steps"],
                                                 a["end_value"], a["exponent"], c),
                                   a["warmup_steps"], a["init_value"], a["peak_value"])),
    "warmup_exponential_decay_schedule": Ctor(
        (Arg("init_value", "number"), Arg("peak_value", "number"), Arg("warmup_steps", "int"),
         Arg("transition_steps", "number"), Arg("decay_rate", "number"), Arg("transition_begin", "int", 0),
         Arg("staircase", "bool", False), Arg("end_value", "number", None)),
        lambda a, c: _after_warmup(_optax_exponential(dict(a, init_value=a["peak_value"]), c),
                                   a["warmup_steps"], a["init_value"], a["peak_value"])),
    "warmup_constant_schedule": Ctor(
        (Arg("init_value", "number"), Arg("peak_value", "number"), Arg("warmup_steps", "int")),
        # a linear_schedule in optax: no warmup steps means init_value throughout
        lambda a, c: _optax_polynomial(a["init_value"], a["peak_value"], 1, a["warmup_steps"], 0, c)),
    "piecewise_interpolate_schedule": Ctor(
        (Arg("interpolate_type", "text", REQUIRED, ("linear", "cosine")), Arg("init_value", "number"),
         Arg("boundaries_and_scales", "scales", None)),
        lambda a, c: _optax_piecewise(a["init_value"], a["boundaries_and_scales"], c, a["interpolate_type"])),
    "linear_onecycle_schedule": Ctor(
        (Arg("transition_steps", "int"), Arg("peak_value", "number"), Arg("pct_start", "number", 0.3),
         Arg("pct_final", "number", 0.85), Arg("div_factor", "number", 25.0),
         Arg("final_div_factor", "number", 1e4)),
        lambda a, c: _optax_onecycle(a, c, "linear")),
    "cosine_onecycle_schedule": Ctor(
        (Arg("transition_steps", "int"), Arg("peak_value", "number"), Arg("pct_start", "number", 0.3),
         Arg("div_factor", "number", 25.0), Arg("final_div_factor", "number", 1e4)),
        lambda a, c: _optax_onecycle(a, c, "cosine")),
    "join_schedules": Ctor((Arg("schedules", "schedulers"), Arg("boundaries", "ints")), _optax_join),
    "sgdr_schedule": Ctor((Arg("cosine_kwargs", "dicts"),), _optax_sgdr),
}


# -- writing (--to optax) ---------------------------------------------------------------------

@exact
def _optax_own_native(piece: cg._Piece, steps: int, note: list[str]) -> str | None:
    p = piece.params
    name = piece.schedule.kind.name
    if name == "constant":
        return cg._call("optax.constant_schedule", [cg._lit(p["max_lr"])])
    if name in ("step", "exponential"):
        every, staircase, end = cg._decay_every(piece.schedule)
        return cg._call("optax.exponential_decay", [
            cg._kw("init_value", p["max_lr"]), cg._kw("transition_steps", every),
            cg._kw("decay_rate", p["gamma"])] + ([cg._kw("staircase", True)] if staircase else []) +
            ([cg._kw("end_value", end)] if end is not None else []))
    if name == "multistep":
        counts: dict[int, int] = {}
        for m in p["milestones"]:
            counts[m] = counts.get(m, 0) + 1
        scales = {m: p["gamma"] ** c for m, c in sorted(counts.items())}
        return cg._call("optax.piecewise_constant_schedule", [
            cg._kw("init_value", p["max_lr"]), f"boundaries_and_scales={cg._lit(scales)}"])
    if name == "linear":
        return cg._call("optax.linear_schedule", [
            cg._kw("init_value", p["max_lr"] * p["start_factor"]),
            cg._kw("end_value", p["max_lr"] * p["end_factor"]),
            cg._kw("transition_steps", p["total_iters"])])
    if name == "polynomial":
        return cg._call("optax.polynomial_schedule", [
            cg._kw("init_value", p["max_lr"]), cg._kw("end_value", p["min_lr"]),
            cg._kw("power", p["power"]), cg._kw("transition_steps", p["max_update"])])
    if name == "cosine" and p["past_end"] == "hold":
        return cg._call("optax.cosine_decay_schedule", [
            cg._kw("init_value", p["max_lr"]), cg._kw("decay_steps", p["cycle_length"]),
            cg._kw("alpha", p["min_lr"] / p["max_lr"])])
    if name == "cosine_restarts" and p["cycle_mult"] != 1.0:
        return _sgdr(p, steps, note)
    return None


def _sgdr(p: dict, steps: int, note: list[str]) -> str | None:
    starts, lengths = [0.0], [float(p["cycle_length"])]
    limit = p["cycle_limit"]
    while starts[-1] + lengths[-1] <= steps and (limit is None or len(starts) < limit):
        if len(starts) >= cg.MAX_SGDR_CYCLES:
            return None
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * p["cycle_mult"])
    cycles = len(starts)
    if limit is None or cycles < limit:
        note.append(f"sgdr_schedule lists {cycles} cycles, enough for the exported {steps} steps; "
                    "after them optax holds min_lr where lrsched restarts: list more for a longer "
                    "run.")
    peak = (f"{cg._lit(p['max_lr'])} * {cg._lit(p['cycle_decay'])} ** i" if p["cycle_decay"] != 1.0
            else cg._lit(p["max_lr"]))
    return cg._Code(
        "optax.sgdr_schedule([\n"
        "    dict(\n"
        f"        init_value={peak},\n"
        f"        peak_value={peak},\n"
        "        warmup_steps=0,\n"
        "        decay_steps=length,\n"
        f"        end_value={cg._lit(p['min_lr'])},\n"
        "    )\n"
        f"    for i, length in enumerate(restart_lengths({cg._lit(float(p['cycle_length']))}, "
        f"{cg._lit(p['cycle_mult'])}, {cycles}))\n"
        "])")


RESTART_LENGTHS = '''\
def restart_lengths(cycle_length, cycle_mult, cycles):
    """The lengths of the first `cycles` restart cycles."""
    lengths = [cycle_length]
    while len(lengths) < cycles:
        lengths.append(lengths[-1] * cycle_mult)
    return lengths'''


@exact
def _optax_fused(schedule: Schedule) -> str | None:
    """One optax function for a linear warmup and the schedule after it."""
    p = schedule.params
    warmup = p["warmup_steps"]
    if not warmup or p["warmup_shape"] != "linear" or schedule.kind.name == "sequence":
        return None
    name = schedule.kind.name
    start = p["warmup_start_lr"]
    if not cg._close(cg._first_value(schedule), p["max_lr"]):
        return None
    if name == "constant":
        return cg._call("optax.warmup_constant_schedule", [
            cg._kw("init_value", start), cg._kw("peak_value", p["max_lr"]), cg._kw("warmup_steps", warmup)])
    if name == "cosine" and p["past_end"] == "hold" and (warmup + p["cycle_length"]) - warmup == \
            p["cycle_length"]:
        return cg._call("optax.warmup_cosine_decay_schedule", [
            cg._kw("init_value", start), cg._kw("peak_value", p["max_lr"]), cg._kw("warmup_steps", warmup),
            cg._kw("decay_steps", warmup + p["cycle_length"]), cg._kw("end_value", p["min_lr"])])
    if name in ("step", "exponential"):
        every, staircase, end = cg._decay_every(schedule)
        return cg._call("optax.warmup_exponential_decay_schedule", [
            cg._kw("init_value", start), cg._kw("peak_value", p["max_lr"]), cg._kw("warmup_steps", warmup),
            cg._kw("transition_steps", every), cg._kw("decay_rate", p["gamma"])] +
            ([cg._kw("staircase", True)] if staircase else []) +
            ([cg._kw("end_value", end)] if end is not None else []))
    return None


def _optax(schedule: Schedule, steps: int) -> str:
    out = cg._Snippet("optax", schedule, steps)
    if schedule.kind.name == "plateau":
        raise cg.CodegenError(
            "optax: plateau has no optax schedule: optax.contrib.reduce_on_plateau cuts after "
            "`patience` bad steps (PyTorch after patience+1), only minimises, has no eps and "
            "scales the updates, not the learning rate; use --to torch or --to hf")
    out.need("import jax")
    out.need("import optax")
    out.blocks.append(
        "\n".join(cg._comment("lrsched computes in float64; so does jax with x64 enabled (else it "
                           "computes in float32, about 1e-7 off). Optax's optimizers count "
                           "updates in int32, which makes some optax schedules compute in "
                           "float32 even so.")) +
        '\njax.config.update("jax_enable_x64", True)')
    d = cg._Dialect("jnp")
    fused = _optax_fused(schedule)
    if fused is not None:
        expr = fused
    else:
        pieces = cg._flatten(schedule)
        cg._name_pieces(pieces, "schedule")
        parts = []
        for piece in pieces:
            native = None
            if piece.warmup and piece.shape == "linear":
                native = cg._call("optax.linear_schedule", [
                    cg._kw("init_value", piece.start), cg._kw("end_value", piece.target),
                    cg._kw("transition_steps", piece.length)])
            elif not piece.warmup:
                notes: list[str] = []
                native = _optax_own_native(piece, steps, notes)
                for text in notes:
                    out.note(text)
                if native is None and piece.schedule.kind.name == "cosine":
                    out.note("optax's cosine_decay_schedule holds min_lr after decay_steps; "
                             "lrsched's cosine (past_end: continue) rises again as PyTorch's "
                             "does: a jnp function.")
            if native is None:
                if len(pieces) == 1:
                    piece.name = "schedule"
                out.blocks.append(cg._piece_function(piece, d, steps))
                native = piece.name
            parts.append(native)
        if len(pieces) == 1:
            expr = parts[0]
        else:
            expr = cg._call("optax.join_schedules", [
                "schedules=[\n" + "".join(f"    {cg._reindent(x, 4)},\n" for x in parts) + "]",
                cg._kw("boundaries", [pc.offset for pc in pieces[1:]])])
    if "jnp." in "\n".join(out.blocks):
        out.need("import jax.numpy as jnp")
    if "restart_cycles(" in "\n".join(out.blocks):
        out.blocks.insert(1, cg.RESTART_CYCLES)
    if "restart_lengths(" in expr:
        out.blocks.append(RESTART_LENGTHS)
    if expr != "schedule":
        out.blocks.append(f"schedule = {expr}")
    cg.schedule_tail(out, "optimizer = optax.sgd(learning_rate=schedule)")
    return cg._finish(out)


def _write_table(out: cg._Snippet, schedule: Schedule, table: str) -> None:
    """Replay `table`, lrsched's values for the exported steps."""
    out.need("import jax")
    out.need("import jax.numpy as jnp")
    out.blocks.append('jax.config.update("jax_enable_x64", True)  # float64, as lrsched')
    out.blocks.append(table)
    out.blocks.append("\n".join([
        "def schedule(count):",
        '    """lr(count), held at the last tabulated value."""',
        "    return jnp.asarray(VALUES)[jnp.clip(count, 0, len(VALUES) - 1)]"]))
    cg.schedule_tail(out, "optimizer = optax.sgd(learning_rate=schedule)", doc="the schedule called with t")


# -- compare --as: an intent written the way optax users write it ------------------------------

def _compare_cosine(p: dict) -> dl.Rendering:
    peak, floor, warm, total, start = dl.cosine_intent(p)
    return dl.Rendering(
        "optax",
        f"optax:warmup_cosine_decay_schedule(init_value={dl._num(start)}, peak_value={dl._num(peak)}, "
        f"warmup_steps={warm}, decay_steps={total}, end_value={dl._num(floor)})",
        None,
        ("decay_steps includes the warmup", "clamps at end_value after decay_steps"))


def _compare_multistep(p: dict) -> dl.Rendering:
    peak, gamma, milestones = p["max_lr"], p["gamma"], sorted(p["milestones"])
    scales = ", ".join(f"{m}: {dl._num(gamma)}" for m in milestones)
    return dl.Rendering("optax", f"optax:piecewise_constant_schedule(init_value={dl._num(peak)}, "
                     f"boundaries_and_scales={{{scales}}})", None,
                     ("a scale applies from t >= boundary (as PyTorch)",))


def _compare_linear_decay(p: dict) -> dl.Rendering:
    peak, floor, warm = p["max_lr"], p["min_lr"], p["warmup_steps"]
    total = warm + p["max_update"]
    return dl.Rendering("optax", f"optax:join_schedules(schedules=[linear_schedule(init_value=0.0, "
                     f"end_value={dl._num(peak)}, transition_steps={warm}), linear_schedule(init_value="
                     f"{dl._num(peak)}, end_value={dl._num(floor)}, transition_steps={total - warm})], "
                     f"boundaries=[{warm}])", None, ("each piece runs on its own clock",))


def _compare_step(p: dict) -> dl.Rendering:
    peak, size, gamma = p["max_lr"], p["step_size"], p["gamma"]
    return dl.Rendering("optax", f"optax:exponential_decay(init_value={dl._num(peak)}, transition_steps={size}, "
                     f"decay_rate={dl._num(gamma)}, staircase=True)", None,
                     ("staircase floors count / transition_steps, as PyTorch",))


def _compare_onecycle(p: dict) -> dl.Rendering:
    peak, total, pct = p["max_lr"], p["total_steps"], p["pct_start"]
    div, final = p["div_factor"], p["final_div_factor"]
    return dl.Rendering("optax", f"optax:cosine_onecycle_schedule(transition_steps={total}, "
                     f"peak_value={dl._num(peak)}, pct_start={dl._num(pct)}, div_factor={dl._num(div)}, "
                     f"final_div_factor={dl._num(final)})", None,
                     ("the peak lands at int(pct_start * transition_steps), one step later",
                      "the end value is reached at transition_steps, not transition_steps - 1"))


COMPARE = {"step": _compare_step, "onecycle": _compare_onecycle, "cosine": _compare_cosine,
           "multistep": _compare_multistep, "polynomial": _compare_linear_decay}


# -- describe: the equivalent of each lrsched kind -----------------------------------------

EQUIVALENTS = {
    "constant": "optax.constant_schedule(max_lr)",
    "step": "optax.exponential_decay(max_lr, transition_steps=step_size, decay_rate=gamma, staircase=True)",
    "multistep": "optax.piecewise_constant_schedule(max_lr, {m: gamma for m in milestones})",
    "piecewise": "optax.piecewise_constant_schedule(max_lr, {knot: ratio}) or "
                 "optax.piecewise_interpolate_schedule('linear'|'cosine', max_lr, {knot: ratio})",
    "exponential": "optax.exponential_decay(max_lr, transition_steps=decay_steps, decay_rate=gamma, "
                   "staircase=staircase, end_value=end_lr)",
    "linear": "optax.linear_schedule(max_lr*start_factor, max_lr*end_factor, total_iters)",
    "polynomial": "optax.polynomial_schedule(max_lr, min_lr, power, transition_steps=max_update)",
    "cosine": "optax.cosine_decay_schedule(max_lr, decay_steps=cycle_length, alpha=min_lr/max_lr, exponent) "
              "(past_end=hold)",
    "cosine_restarts": "optax.sgdr_schedule([...one dict per cycle...])",
    "tanh": "none (a function of the count)",
    "cyclic": "none (use join_schedules of linear_schedule pieces)",
    "onecycle": "optax.cosine_onecycle_schedule(total_steps, max_lr, pct_start, div_factor, "
                "final_div_factor) (phase boundaries at int(pct_start*T), not pct_start*T-1)",
    "plateau": "optax.contrib.reduce_on_plateau(factor, patience, rtol=threshold, cooldown) (cuts one step "
               "earlier)",
    "greedy": "none",
    "inverse_sqrt": "none (optax.polynomial_schedule with power -0.5 is close)",
    "inverse_time": "none (a function of the count)",
    "wsd": "optax.join_schedules of linear/constant/cosine pieces",
    "sequence": "optax.join_schedules(schedules, boundaries)",
    "chain": "none (multiply two schedules in a function)",
    "expr": "any Python function of the step count",
    "python": "your function of the step count",
}


FRAMEWORK = Framework(
    "optax", "optax", "optax", "optax:cosine_decay_schedule(init_value=0.1, decay_steps=1000)", OPTAX,
    write=_optax, write_table=_write_table, compare=COMPARE, equivalents=EQUIVALENTS)
