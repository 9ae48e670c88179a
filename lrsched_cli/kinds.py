"""Every built-in schedule kind, each defined once: parameters, formula, docs and evaluation.

Time model: a schedule is a pure function lr(t) of the integer step t = 0, 1, 2, ...; lr(t) is the
learning rate after t calls of PyTorch's `scheduler.step()`, i.e. the rate used by update t+1.
Each `evaluate(t, p)` below receives the schedule's *own* clock (the warmup prefix, if any, is
handled by `core`) as a float64 array and returns float64 learning rates, in closed form except
for `plateau`, which depends on feedback. Where PyTorch has the schedule, the arithmetic follows
PyTorch's so that values agree to floating-point noise.
"""
from __future__ import annotations

import math

from ._lazy import lazy_import
from .errors import ExprError, SpecError
from .registry import HORIZON, Kind, Param, Registry, derived, format_value, is_computed

np = lazy_import("numpy")

REGISTRY = Registry()

# -- parameters shared by several kinds -------------------------------------------------------

MAX_LR = Param("max_lr", "float", "peak learning rate: the optimizer's lr (torch base_lr, optax "
               "init_value/peak_value, Keras initial_learning_rate)", gt=0, example=0.1)
MIN_LR = Param("min_lr", "float", "lowest learning rate the schedule decays to (torch eta_min)",
               default=0.0, ge=0)
GAMMA = Param("gamma", "float", "multiplicative decay factor", default=0.1, gt=0)

WARMUP_PARAMS = (
    Param("warmup_steps", "int", "length W of a warmup prefix; the schedule proper starts at t = W "
          "on its own clock, so its durations exclude the warmup", default=0, ge=0),
    Param("warmup_start_lr", "float", "learning rate at t = 0 when warming up", default=0.0, ge=0),
    Param("warmup_shape", "choice", "how the warmup rises from warmup_start_lr to the schedule's "
          "first value", default="linear",
          choices=("linear", "cosine", "1-sqrt", "exponential", "constant")),
)

_WARMUP_NAMES = {p.name for p in WARMUP_PARAMS}

FREQUENCIES = {
    "fixed": "at fixed intervals",
    "continuous": "continuously",
    "feedback": "on feedback",
    "cyclic": "in cycles",
}


def rule_error(where: str, message: str, **values: object) -> SpecError:
    received = ", ".join(f"{k}={format_value(v)}" for k, v in values.items())
    return SpecError(f"{where}: {message} (received {received})")


def define(*, params: tuple[Param, ...], **fields: object) -> Kind:
    """Register a kind; every kind also takes the warmup prefix parameters."""
    return REGISTRY.add(Kind(params=params + WARMUP_PARAMS, **fields))


def check_min_below_max(p: dict, where: str) -> None:
    if p["min_lr"] > p["max_lr"]:
        raise rule_error(where, "min_lr must not exceed max_lr", min_lr=p["min_lr"], max_lr=p["max_lr"])


# -- constant ---------------------------------------------------------------------------------

def _constant(t, p):
    return np.full(t.shape, p["max_lr"], dtype=np.float64)


define(
    name="constant",
    summary="a fixed learning rate (optionally after a warmup)",
    family="constant", frequency="fixed", quantity="constant",
    formula="lr(t) = max_lr",
    params=(MAX_LR,),
    evaluate=_constant,
    jumps=True,
    example={"max_lr": 0.1},
    equivalents={
        "torch": "LambdaLR(opt, lambda t: 1.0) or ConstantLR(opt, factor=1.0)",
        "optax": "optax.constant_schedule(max_lr)",
        "keras": "a float learning rate",
        "hf": "get_constant_schedule / get_constant_schedule_with_warmup (constant_with_warmup): "
              "warmup_steps=W, warmup_start_lr=0",
    },
    tips=("The simplest strategy: one rate for the whole run. Faster rates converge faster early; "
          "slower rates give better accuracy late, which is why schedules exist.",),
    monotone="decreasing",
)


# -- step -------------------------------------------------------------------------------------

def _step(t, p):
    return p["max_lr"] * p["gamma"] ** np.floor(t / p["step_size"])


def _step_marks(p, horizon):
    return list(range(p["step_size"], horizon, p["step_size"]))[:200]


define(
    name="step",
    summary="multiply the rate by gamma every step_size steps",
    family="step decay", frequency="fixed", quantity="exponential",
    formula="lr(t) = max_lr * gamma ** floor(t / step_size)",
    params=(
        MAX_LR,
        Param("step_size", "int", "number of steps (or epochs) between two decays", ge=1, example=30),
        GAMMA,
    ),
    evaluate=_step,
    jumps=True,
    marks=_step_marks,
    example={"max_lr": 0.1, "step_size": 30, "gamma": 0.1},
    equivalents={
        "torch": "StepLR(opt, step_size, gamma)",
        "optax": "optax.exponential_decay(max_lr, transition_steps=step_size, decay_rate=gamma, "
                 "staircase=True)",
        "keras": "ExponentialDecay(max_lr, decay_steps=step_size, decay_rate=gamma, staircase=True)",
        "hf": "none (use a LambdaLR)",
    },
    tips=(
        "Decay gradually when you train for more epochs.",
        "Decaying rapidly converges too fast, to a poor loss or accuracy.",
        "To decay more slowly, use a larger gamma or a larger interval (step_size).",
        "The discontinuities of step schedules can make optimisation unstable; smoother schedules "
        "(polynomial, exponential, cosine) avoid them.",
    ),
    notes=("The new rate applies from t = step_size (PyTorch and optax); Keras' staircase and "
           "MXNet change one step later.",),
    monotone="decreasing",
)


# -- multistep --------------------------------------------------------------------------------

def _multistep(t, p):
    milestones = np.sort(np.asarray(p["milestones"], dtype=np.float64))
    levels = p["max_lr"] * p["gamma"] ** np.arange(len(milestones) + 1, dtype=np.float64)
    return levels[np.searchsorted(milestones, t, side="right")]


define(
    name="multistep",
    summary="multiply the rate by gamma at each milestone",
    family="step decay", frequency="fixed", quantity="exponential",
    formula="lr(t) = max_lr * gamma ** (number of milestones <= t)",
    params=(
        MAX_LR,
        Param("milestones", "ints", "steps at which the rate is multiplied by gamma; a repeated "
              "milestone multiplies once per repetition", ge=1, example=[30, 60, 90]),
        GAMMA,
    ),
    evaluate=_multistep,
    jumps=True,
    marks=lambda p, horizon: sorted(set(p["milestones"])),
    example={"max_lr": 0.1, "milestones": [30, 60, 80], "gamma": 0.1},
    equivalents={
        "torch": "MultiStepLR(opt, milestones, gamma)",
        "optax": "optax.piecewise_constant_schedule(max_lr, {m: gamma for m in milestones})",
        "keras": "PiecewiseConstantDecay(boundaries=[m - 1 ...], values=[...])",
        "hf": "none (use a LambdaLR)",
    },
    tips=("Milestones let you decay where the loss flattens, e.g. at 50% and 75% of training.",),
    notes=("The change lands at t == milestone (PyTorch bisect_right); Keras lands one step later "
           "and timm's MultiStepLRScheduler one step earlier.",),
    monotone="decreasing",
)


# -- exponential ------------------------------------------------------------------------------

def _exponential(t, p):
    return p["max_lr"] * p["gamma"] ** t


define(
    name="exponential",
    summary="multiply the rate by gamma every step",
    family="exponential decay", frequency="continuous", quantity="exponential",
    formula="lr(t) = max_lr * gamma ** t",
    params=(MAX_LR, Param("gamma", "float", "multiplicative factor per step, in (0, 1] to decay",
                          gt=0, example=0.95)),
    evaluate=_exponential,
    example={"max_lr": 0.1, "gamma": 0.95},
    equivalents={
        "torch": "ExponentialLR(opt, gamma)",
        "optax": "optax.exponential_decay(max_lr, transition_steps=1, decay_rate=gamma)",
        "keras": "ExponentialDecay(max_lr, decay_steps=1, decay_rate=gamma)",
        "hf": "none (use a LambdaLR)",
    },
    tips=(
        "Larger gamma: slower convergence, better loss/accuracy.",
        "Smaller gamma: faster convergence, worse loss/accuracy.",
        "For a longer training run, use a gamma closer to 1.",
    ),
    monotone="decreasing",
)


# -- linear -----------------------------------------------------------------------------------

def _linear(t, p):
    start, end, total = p["start_factor"], p["end_factor"], p["total_iters"]
    return p["max_lr"] * (start + (end - start) * np.minimum(t, total) / total)


define(
    name="linear",
    summary="scale the rate linearly from start_factor to end_factor over total_iters steps",
    family="linear", frequency="continuous", quantity="linear",
    formula="lr(t) = max_lr * (start_factor + (end_factor - start_factor) * min(t, total_iters) / total_iters)",
    params=(
        MAX_LR,
        Param("start_factor", "float", "factor of max_lr at t = 0", default=1 / 3, gt=0, le=1),
        Param("end_factor", "float", "factor of max_lr from t = total_iters on", default=1.0, ge=0, le=1),
        Param("total_iters", "int", "steps to go from start_factor to end_factor", default=5, ge=1),
    ),
    evaluate=_linear,
    example={"max_lr": 0.1, "start_factor": 1.0, "end_factor": 0.01, "total_iters": 100},
    equivalents={
        "torch": "LinearLR(opt, start_factor, end_factor, total_iters)",
        "optax": "optax.linear_schedule(max_lr*start_factor, max_lr*end_factor, total_iters)",
        "keras": "PolynomialDecay(max_lr*start_factor, total_iters, max_lr*end_factor, power=1)",
        "hf": "get_linear_schedule_with_warmup is `polynomial` with power=1 and a warmup",
    },
    tips=("A linear ramp is the usual warmup piece inside a sequence.",),
)


# -- polynomial -------------------------------------------------------------------------------

def _polynomial(t, p):
    frac = 1.0 - np.minimum(t, p["max_update"]) / p["max_update"]
    return p["min_lr"] + (p["max_lr"] - p["min_lr"]) * frac ** p["power"]


define(
    name="polynomial",
    summary="decay polynomially to min_lr over max_update steps, then hold",
    family="polynomial decay", frequency="continuous", quantity="polynomial",
    formula="lr(t) = min_lr + (max_lr - min_lr) * (1 - min(t, max_update) / max_update) ** power",
    params=(
        MAX_LR,
        Param("max_update", "int", "steps until the rate reaches min_lr (torch total_iters)",
              default=HORIZON, ge=1),
        Param("power", "float", "degree of the polynomial; smaller decays more slowly at first",
              default=1.0, gt=0),
        MIN_LR,
    ),
    evaluate=_polynomial,
    check=check_min_below_max,
    example={"max_lr": 0.1, "max_update": 100, "power": 2.0},
    equivalents={
        "torch": "PolynomialLR(opt, total_iters=max_update, power) (min_lr = 0)",
        "optax": "optax.polynomial_schedule(max_lr, min_lr, power, transition_steps=max_update)",
        "keras": "PolynomialDecay(max_lr, decay_steps=max_update, end_learning_rate=min_lr, power)",
        "hf": "get_polynomial_decay_schedule_with_warmup(W, N, lr_end=min_lr, power): warmup_steps=W, "
              "max_update=N-W; get_linear_schedule_with_warmup is power=1, min_lr=0",
    },
    tips=(
        "Smaller values of power produce slower decay and keep large learning rates longer.",
        "For longer training, increase max_update.",
    ),
    notes=("Past max_update the rate holds min_lr (PyTorch, optax, Keras and Hugging Face agree).",),
    monotone="decreasing",
)


# -- cosine -----------------------------------------------------------------------------------

def _cosine(t, p):
    # In place, one temporary: this is the kind most runs use, at millions of steps.
    lr = np.minimum(t, p["cycle_length"]) if p["past_end"] == "hold" else t.copy()
    lr *= math.pi / p["cycle_length"]
    np.cos(lr, out=lr)
    lr += 1.0
    lr *= (p["max_lr"] - p["min_lr"]) / 2.0
    lr += p["min_lr"]
    return lr


define(
    name="cosine",
    summary="cosine annealing from max_lr to min_lr over cycle_length steps",
    family="cosine annealing", frequency="continuous", quantity="cosine",
    formula="lr(t) = min_lr + (max_lr - min_lr) * (1 + cos(pi * t / cycle_length)) / 2",
    params=(
        MAX_LR,
        Param("cycle_length", "float", "steps from max_lr down to min_lr (torch T_max); may be "
              "fractional", default=HORIZON, gt=0),
        MIN_LR,
        Param("past_end", "choice", "after cycle_length: 'continue' rises again as PyTorch does, "
              "'hold' stays at min_lr as optax and Keras do", default="continue",
              choices=("continue", "hold")),
    ),
    evaluate=_cosine,
    check=check_min_below_max,
    example={"max_lr": 0.1, "cycle_length": 100, "min_lr": 0.001},
    equivalents={
        "torch": "CosineAnnealingLR(opt, T_max=cycle_length, eta_min=min_lr)",
        "optax": "optax.cosine_decay_schedule(max_lr, decay_steps=cycle_length, alpha=min_lr/max_lr) "
                 "(past_end=hold)",
        "keras": "CosineDecay(max_lr, decay_steps=cycle_length, alpha=min_lr/max_lr) (past_end=hold)",
        "hf": "get_cosine_schedule_with_warmup(W, N, num_cycles): warmup_steps=W, "
              "cycle_length=(N-W)/(2*num_cycles); cosine_with_min_lr: min_lr=min_lr_rate*max_lr",
    },
    tips=(
        "Large rates early approach a good region quickly; many small rates at the end refine it.",
        "Longer cycle length usually works better.",
        "Cosine annealing with warm restarts (cosine_restarts) often beats plain cosine annealing.",
    ),
    notes=("PyTorch's CosineAnnealingLR rises again after T_max (period 2*T_max); optax and Keras "
           "clamp. Hugging Face's num_training_steps includes the warmup.",),
)


# -- cosine with warm restarts ----------------------------------------------------------------

#: Growing cycles are listed one by one; a tiny cycle_length with cycle_mult barely above 1 would
#: need billions of them (hours and gigabytes), so past this many the schedule is refused.
MAX_RESTARTS = 1_000_000


def _restart_cycles(t, length, mult):
    """Cycle index i, time in cycle and cycle length at each t (SGDR)."""
    if mult == 1.0:
        index = np.floor(t / length)
        return index, t - index * length, np.full(t.shape, float(length))
    # Cycle starts accumulate exactly as PyTorch's integer counter does; there are few of them.
    starts, lengths = [0.0], [float(length)]
    end = float(t[-1]) if t.size else 0.0
    while starts[-1] + lengths[-1] <= end:
        if len(starts) >= MAX_RESTARTS:
            raise SpecError(f"more than {MAX_RESTARTS:,} restarts in {t.size:,} steps; use a longer "
                            f"cycle_length or a larger cycle_mult (received cycle_length="
                            f"{format_value(length)}, cycle_mult={format_value(mult)})")
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * mult)
    index = np.searchsorted(np.asarray(starts), t, side="right") - 1
    return index, t - np.asarray(starts)[index], np.asarray(lengths)[index]


def _cosine_restarts(t, p):
    index, t_cur, t_i = _restart_cycles(t, p["cycle_length"], p["cycle_mult"])
    peak = p["max_lr"] * p["cycle_decay"] ** index if p["cycle_decay"] != 1.0 else p["max_lr"]
    lr = t_cur
    lr *= math.pi
    lr /= t_i
    np.cos(lr, out=lr)
    lr += 1.0
    lr *= (peak - p["min_lr"]) / 2.0
    lr += p["min_lr"]
    if p["cycle_limit"] is not None:
        lr = np.where(index >= p["cycle_limit"], p["min_lr"], lr)
    return lr


def _restart_marks(p, horizon):
    marks, start, length, i = [], 0.0, p["cycle_length"], 0
    while start < horizon and len(marks) < 1000:
        if i:
            marks.append(math.ceil(start))
        start += length
        length *= p["cycle_mult"]
        i += 1
    return marks


define(
    name="cosine_restarts",
    summary="cosine annealing that restarts at max_lr, cycles growing by cycle_mult (SGDR)",
    family="cosine annealing", frequency="cyclic", quantity="cosine",
    formula="lr(t) = min_lr + (max_lr * cycle_decay**i - min_lr) * (1 + cos(pi * t_cur / T_i)) / 2, "
            "T_i = cycle_length * cycle_mult**i",
    params=(
        MAX_LR,
        Param("cycle_length", "float", "length of the first cycle (torch T_0)", default=HORIZON, gt=0),
        Param("cycle_mult", "float", "each cycle is cycle_mult times longer than the previous (torch "
              "T_mult)", default=1.0, ge=1),
        MIN_LR,
        Param("cycle_decay", "float", "restart i peaks at max_lr * cycle_decay**i (timm cycle_decay)",
              default=1.0, gt=0, le=1),
        Param("cycle_limit", "int", "after this many cycles hold min_lr; none = restart forever",
              default=None, ge=1),
    ),
    evaluate=_cosine_restarts,
    check=check_min_below_max,
    marks=_restart_marks,
    example={"max_lr": 0.1, "cycle_length": 10, "cycle_mult": 2, "min_lr": 0.001},
    equivalents={
        "torch": "CosineAnnealingWarmRestarts(opt, T_0=cycle_length, T_mult=cycle_mult, eta_min=min_lr)",
        "optax": "optax.sgdr_schedule([...one dict per cycle...])",
        "keras": "CosineDecayRestarts(max_lr, first_decay_steps=cycle_length, t_mul=cycle_mult, "
                 "m_mul=cycle_decay, alpha=min_lr/max_lr)",
        "hf": "get_cosine_with_hard_restarts_schedule_with_warmup(W, N, num_cycles): warmup_steps=W, "
              "cycle_length=(N-W)/num_cycles, cycle_limit=num_cycles",
    },
    tips=(
        "Warm restarts jump back to a high rate to escape poor minima, then anneal again.",
        "Longer cycles (cycle_mult 2) spend more time converging as training proceeds.",
    ),
    notes=("On the integer grid PyTorch never reaches eta_min exactly; the restart lands at the cycle "
           "boundary. PyTorch requires integers for T_0 and T_mult; lrsched also accepts fractions. "
           "Keras defaults t_mul=2 where PyTorch defaults T_mult=1.",),
)


# -- cyclic -----------------------------------------------------------------------------------

def _cyclic(t, p):
    up = float(p["step_size_up"])
    down = float(p["step_size_down"]) if p["step_size_down"] is not None else up
    total = up + down
    ratio = up / total
    cycle = np.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    scale_factor = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    height = (p["max_lr"] - p["min_lr"]) * scale_factor
    mode = p["mode"]
    if mode == "triangular":
        scale = 1.0
    elif mode == "triangular2":
        scale = 1 / (2.0 ** (cycle - 1))
    else:
        scale = p["gamma"] ** t
    return p["min_lr"] + height * scale


def _check_cyclic(p: dict, where: str) -> None:
    if p["min_lr"] > p["max_lr"]:
        raise rule_error(where, "min_lr must not exceed max_lr", min_lr=p["min_lr"], max_lr=p["max_lr"])


define(
    name="cyclic",
    summary="triangular cycles between min_lr and max_lr (cyclical learning rates)",
    family="cyclical", frequency="cyclic", quantity="cyclic",
    formula="x = position in the cycle; lr(t) = min_lr + (max_lr - min_lr) * triangle(x) * scale(cycle or t)",
    params=(
        Param("min_lr", "float", "lower bound of each cycle (torch base_lr)", ge=0, example=0.001),
        MAX_LR,
        Param("step_size_up", "float", "steps from min_lr up to max_lr", default=2000.0, gt=0),
        Param("step_size_down", "float", "steps from max_lr back down; none = step_size_up",
              default=None, gt=0),
        Param("mode", "choice", "triangular keeps the amplitude, triangular2 halves it each cycle, "
              "exp_range scales it by gamma**t", default="triangular",
              choices=("triangular", "triangular2", "exp_range")),
        Param("gamma", "float", "exp_range: amplitude factor per step", default=1.0, gt=0, le=1),
    ),
    evaluate=_cyclic,
    check=_check_cyclic,
    example={"min_lr": 0.001, "max_lr": 0.1, "step_size_up": 20, "mode": "triangular2"},
    equivalents={
        "torch": "CyclicLR(opt, base_lr=min_lr, max_lr, step_size_up, step_size_down, mode, gamma)",
        "optax": "none (use join_schedules of linear_schedule pieces)",
        "keras": "none (use a custom LearningRateSchedule)",
        "hf": "none (use a LambdaLR)",
    },
    tips=("Cyclic methods, which move the rate up as well as down, often outperform uni-directional "
          "decay; a cycle of 2-10 epochs is a common starting point.",),
    notes=("CyclicLR overwrites the optimizer's lr with base_lr; exp_range scales by the global "
           "iteration count.",),
)


# -- one-cycle --------------------------------------------------------------------------------

def _onecycle_phases(p):
    total, pct = p["total_steps"], p["pct_start"]
    initial = p["max_lr"] / p["div_factor"]
    final = initial / p["final_div_factor"]
    if p["three_phase"]:
        return [
            (float(pct * total) - 1, initial, p["max_lr"]),
            (float(2 * pct * total) - 2, p["max_lr"], initial),
            (total - 1, initial, final),
        ]
    return [(float(pct * total) - 1, initial, p["max_lr"]), (total - 1, p["max_lr"], final)]


def _onecycle(t, p):
    # Past total_steps PyTorch raises; lrsched holds the final value.
    step = np.minimum(t, p["total_steps"] - 1)
    lr = np.empty(t.shape, dtype=np.float64)
    start_step, done = 0.0, np.zeros(t.shape, dtype=bool)
    phases = _onecycle_phases(p)
    for i, (end_step, start, end) in enumerate(phases):
        mask = ~done & ((step <= end_step) | (i == len(phases) - 1))
        pct = (step[mask] - start_step) / (end_step - start_step)
        if p["anneal_strategy"] == "cos":
            lr[mask] = end + (start - end) / 2.0 * (np.cos(math.pi * pct) + 1)
        else:
            lr[mask] = (end - start) * pct + start
        done |= mask
        start_step = end_step
    return lr


def _check_onecycle(p: dict, where: str) -> None:
    phases = _onecycle_phases(p)
    start = 0.0
    for end, _, _ in phases:
        if end <= start:
            raise rule_error(where, "every phase needs at least one step: pct_start * total_steps must "
                             "exceed 1 and leave steps after the peak",
                             pct_start=p["pct_start"], total_steps=p["total_steps"])
        start = end


define(
    name="onecycle",
    summary="one cycle: warm up to max_lr, then anneal far below the start (1cycle policy)",
    family="one-cycle", frequency="cyclic", quantity="cosine",
    formula="max_lr/div_factor -> max_lr over pct_start*total_steps, then -> "
            "max_lr/(div_factor*final_div_factor) at total_steps-1",
    params=(
        MAX_LR,
        Param("total_steps", "int", "length of the cycle", default=HORIZON, ge=2),
        Param("pct_start", "float", "fraction of the cycle spent rising", default=0.3, ge=0, le=1),
        Param("anneal_strategy", "choice", "shape of each phase", default="cos", choices=("cos", "linear")),
        Param("div_factor", "float", "start at max_lr / div_factor", default=25.0, gt=0),
        Param("final_div_factor", "float", "end at max_lr / (div_factor * final_div_factor)",
              default=1e4, gt=0),
        Param("three_phase", "bool", "add a phase back to the start value before the final "
              "annealing (fast.ai style)", default=False),
    ),
    evaluate=_onecycle,
    check=_check_onecycle,
    example={"max_lr": 0.1, "total_steps": 100},
    equivalents={
        "torch": "OneCycleLR(opt, max_lr, total_steps, pct_start, anneal_strategy, div_factor, "
                 "final_div_factor, three_phase)",
        "optax": "optax.cosine_onecycle_schedule(total_steps, max_lr, pct_start, div_factor, "
                 "final_div_factor) (phase boundaries at int(pct_start*T), not pct_start*T-1)",
        "keras": "none (use a custom LearningRateSchedule)",
        "hf": "none (use a LambdaLR)",
    },
    tips=("One cycle trains fast with a high peak rate; the long final annealing gives the accuracy.",),
    notes=("PyTorch extrapolates the last phase at t = total_steps (the rate rises again, or goes "
           "negative with linear) and raises after that; lrsched holds the final value from "
           "t = total_steps - 1. fast.ai uses pct_start=0.25 and a final rate of max_lr/1e5.",),
)


# -- reduce on plateau ------------------------------------------------------------------------

def synthetic_loss(steps: int, seed: int):
    """A deterministic validation-loss curve: fast early progress, then noisy plateaus."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps, dtype=np.float64)
    scale = max(steps, 1) / 4.0
    trend = 0.25 + 2.0 * np.exp(-t / scale)
    return trend + 0.03 * rng.standard_normal(steps)


def _plateau(t, p):
    metric = p["_metric"]
    n = t.shape[0]
    mode_min = p["mode"] == "min"
    rel = p["threshold_mode"] == "rel"
    threshold, factor, patience = p["threshold"], p["factor"], p["patience"]
    lr, best = p["max_lr"], (math.inf if mode_min else -math.inf)
    bad = cooldown = 0
    out = np.empty(n, dtype=np.float64)
    values = metric.tolist()
    for i in range(n):
        out[i] = lr
        if i == n - 1:
            break
        current = float(values[i])
        if mode_min:
            better = current < (best * (1.0 - threshold) if rel else best - threshold)
        else:
            better = current > (best * (threshold + 1.0) if rel else best + threshold)
        if better:
            best, bad = current, 0
        else:
            bad += 1
        if cooldown > 0:
            cooldown -= 1
            bad = 0
        if bad > patience:
            new_lr = max(lr * factor, p["min_lr"])
            if lr - new_lr > p["eps"]:
                lr = new_lr
            cooldown, bad = p["cooldown"], 0
    return out


define(
    name="plateau",
    summary="cut the rate by factor when the metric stops improving for patience steps",
    family="reduce on plateau", frequency="feedback", quantity="exponential",
    formula="lr <- max(lr * factor, min_lr) after more than `patience` steps without improvement",
    params=(
        MAX_LR,
        Param("mode", "choice", "min: lower metric is better (loss); max: higher is better (accuracy)",
              default="min", choices=("min", "max")),
        Param("factor", "float", "multiply the rate by this on a plateau", default=0.1, gt=0, lt=1),
        Param("patience", "int", "steps without improvement that are ignored before cutting",
              default=10, ge=0),
        Param("threshold", "float", "minimum change that counts as an improvement", default=1e-4, ge=0),
        Param("threshold_mode", "choice", "rel: relative to the best value; abs: absolute",
              default="rel", choices=("rel", "abs")),
        Param("cooldown", "int", "steps to wait after a cut before counting again", default=0, ge=0),
        MIN_LR,
        Param("eps", "float", "cuts smaller than this are skipped", default=1e-8, ge=0),
        Param("metric", "floats", "the monitored values, one per step (inline list)", default=None),
        Param("file", "text", "CSV file with the metric, one row per step", default=None),
        Param("column", "text", "column of `file` (name or 0-based index); default the last",
              default=None),
        Param("seed", "int", "seed of the built-in synthetic loss curve used when no metric is "
              "given", default=0, ge=0),
    ),
    evaluate=_plateau,
    jumps=True,
    check=check_min_below_max,
    example={"max_lr": 0.1, "patience": 5, "factor": 0.5},
    equivalents={
        "torch": "ReduceLROnPlateau(opt, mode, factor, patience, threshold, threshold_mode, cooldown, "
                 "min_lr, eps); call scheduler.step(metric) once per step",
        "optax": "optax.contrib.reduce_on_plateau(factor, patience, rtol=threshold, cooldown) "
                 "(cuts one step earlier)",
        "keras": "keras.callbacks.ReduceLROnPlateau(factor, patience, min_delta, cooldown, min_lr) "
                 "(cuts one step earlier, absolute min_delta)",
        "hf": "none (Trainer: lr_scheduler_type='reduce_lr_on_plateau' wraps PyTorch's)",
    },
    tips=(
        "For a larger number of epochs, increase patience.",
        "Loss, accuracy or any other metric can be monitored (mode min or max).",
        "patience=2 ignores the first 2 steps without improvement and cuts after the 3rd.",
    ),
    notes=("lr(t) has seen metric[0..t-1], indexed by the run's global step. Without a metric, a "
           "deterministic synthetic loss curve (seed) is used. Keras and optax cut after `patience` "
           "bad steps, PyTorch after patience+1.",),
    monotone="decreasing",
)


# -- inverse square root ----------------------------------------------------------------------

def _fill_timescale(p: dict, horizon: int) -> None:
    if is_computed(p["timescale"]):
        p["timescale"] = float(p["warmup_steps"] or 10000)


def _inverse_sqrt(t, p):
    return p["max_lr"] * np.sqrt(p["timescale"] / (t + p["timescale"]))


define(
    name="inverse_sqrt",
    summary="decay like 1/sqrt(t) (Transformer / T5 style)",
    family="inverse square root", frequency="continuous", quantity="polynomial",
    formula="lr(t) = max_lr * sqrt(timescale / (t + timescale))",
    params=(
        MAX_LR,
        Param("timescale", "float", "the rate halves when t reaches 3 * timescale",
              default=derived("warmup_steps, or 10000 without warmup"), gt=0),
    ),
    evaluate=_inverse_sqrt,
    fill=_fill_timescale,
    example={"max_lr": 0.001, "warmup_steps": 10, "timescale": 10},
    equivalents={
        "torch": "LambdaLR(opt, lambda t: (timescale / (t + timescale)) ** 0.5)",
        "optax": "none (optax.polynomial_schedule with power -0.5 is close)",
        "keras": "InverseTimeDecay is 1/t, not 1/sqrt(t); use a custom schedule",
        "hf": "get_inverse_sqrt_schedule(W, timescale): warmup_steps=W (timescale defaults to W)",
    },
    tips=("Pair it with a warmup: the rate peaks at the end of warmup and then decays slowly.",),
    monotone="decreasing",
)


# -- warmup-stable-decay ----------------------------------------------------------------------

def _fill_stable(p: dict, horizon: int) -> None:
    if is_computed(p["stable_steps"]):
        p["stable_steps"] = horizon - p["decay_steps"]


def _check_wsd(p: dict, where: str) -> None:
    if p["stable_steps"] < 0:
        raise rule_error(where, "decay_steps must fit in the evaluated steps after warmup; set "
                         "stable_steps or more steps", decay_steps=p["decay_steps"])
    check_min_below_max(p, where)


def _wsd(t, p):
    stable, decay = p["stable_steps"], p["decay_steps"]
    progress = np.clip((t - stable) / decay, 0.0, 1.0)
    shape = p["decay_type"]
    if shape == "linear":
        curve = 1.0 - progress
    elif shape == "cosine":
        curve = 0.5 * (1.0 + np.cos(math.pi * progress))
    else:
        curve = 1.0 - np.sqrt(progress)
    return p["min_lr"] + (p["max_lr"] - p["min_lr"]) * curve


define(
    name="wsd",
    summary="warmup-stable-decay (trapezoid): hold max_lr, then a short decay to min_lr",
    family="warmup-stable-decay", frequency="continuous", quantity="linear",
    formula="lr(t) = max_lr for t < stable_steps, then min_lr + (max_lr - min_lr) * curve((t - stable_steps) "
            "/ decay_steps), then min_lr",
    params=(
        MAX_LR,
        Param("stable_steps", "int", "steps held at max_lr (after any warmup)",
              default=derived("the evaluated steps left after warmup and decay"), ge=0),
        Param("decay_steps", "int", "steps of the final decay", ge=1, example=20),
        Param("decay_type", "choice", "shape of the decay", default="cosine",
              choices=("cosine", "linear", "1-sqrt")),
        MIN_LR,
    ),
    evaluate=_wsd,
    fill=_fill_stable,
    check=_check_wsd,
    example={"max_lr": 0.001, "warmup_steps": 10, "stable_steps": 70, "decay_steps": 20,
             "decay_type": "1-sqrt"},
    equivalents={
        "torch": "SequentialLR of LinearLR, ConstantLR and a LambdaLR decay",
        "optax": "optax.join_schedules of linear/constant/cosine pieces",
        "keras": "none (use a custom LearningRateSchedule)",
        "hf": "get_wsd_schedule(W, num_decay_steps=D, num_stable_steps=S, warmup_type, decay_type, "
              "min_lr_ratio=m): warmup_steps=W, stable_steps=S, decay_steps=D, min_lr=m*max_lr, "
              "warmup_start_lr=m*max_lr, warmup_shape=warmup_type",
    },
    tips=("Popular for language models: the long stable phase lets you branch decays from any "
          "checkpoint; 10-20% of training for the decay is common.",),
    notes=("stable_steps defaults to what is left of the evaluated steps after warmup and decay.",),
    monotone="decreasing",
)


# -- sequence ---------------------------------------------------------------------------------

define(
    name="sequence",
    summary="run schedules one after another, each on its own clock",
    family="composite", frequency="fixed", quantity="custom",
    formula="phase k runs lr_k(t - start_k) for start_k <= t < start_k + steps_k",
    params=(
        MAX_LR,
        Param("phases", "phases", "list of schedules, each with `steps` (its length, its own warmup "
              "included; the last may be open) and inheriting max_lr unless it sets one",
              example=[{"kind": "linear", "steps": 10, "start_factor": 0.01, "end_factor": 1.0,
                        "total_iters": 10}, {"kind": "cosine"}]),
    ),
    evaluate=None,  # composed by core.evaluate
    example={"max_lr": 0.1, "phases": [
        {"kind": "linear", "steps": 10, "start_factor": 0.01, "end_factor": 1.0, "total_iters": 10},
        {"kind": "cosine", "min_lr": 0.001}]},
    equivalents={
        "torch": "SequentialLR(opt, schedulers=[...], milestones=[cumulative steps])",
        "optax": "optax.join_schedules(schedules, boundaries)",
        "keras": "none (use a custom LearningRateSchedule)",
        "hf": "none",
    },
    tips=("Build warmup + decay combinations, or any piecewise schedule, from the other kinds.",),
    notes=("Zero-length phases are skipped, as in PyTorch. The last phase runs on past its steps. "
           "PyTorch forbids ReduceLROnPlateau inside SequentialLR; lrsched too.",),
)


# -- expr -------------------------------------------------------------------------------------

def _expr_env(p: dict) -> dict:
    return {k: v for k, v in p.items() if isinstance(v, float) and k not in _WARMUP_NAMES}


def _check_expr(p: dict, where: str) -> None:
    from .expr import compile_expr

    try:
        compile_expr(p["expr"], [*_expr_env(p), "t"])
    except ExprError as exc:
        raise ExprError(f"{where}: {str(exc).removeprefix('expr: ')}") from None


def _expr(t, p):
    from .expr import compile_expr

    env = _expr_env(p)
    env["t"] = t
    return compile_expr(p["expr"], env)(env)


define(
    name="expr",
    summary="a custom formula in t (LambdaLR with your own function)",
    family="custom", frequency="continuous", quantity="custom",
    formula="lr(t) = your formula in t, max_lr, min_lr and any other numeric key",
    params=(
        Param("expr", "text", "formula in t, max_lr, min_lr and the schedule's other numeric keys, "
              "e.g. 'max_lr * gamma**t'", example="max_lr * 0.95**t"),
        Param("max_lr", "float", "peak learning rate, usable in the formula", default=1.0, gt=0),
        MIN_LR,
    ),
    evaluate=_expr,
    check=_check_expr,
    extra_numeric=True,
    example={"expr": "max_lr * gamma**t", "max_lr": 0.1, "gamma": 0.95},
    equivalents={
        "torch": "LambdaLR(opt, lambda t: formula / max_lr)",
        "optax": "any Python function of the step count",
        "keras": "a LearningRateSchedule subclass with __call__(step)",
        "hf": "get_scheduler with a LambdaLR",
    },
    tips=("The seed's custom schedule decays like log(1/x): see configs/custom_log.yaml.",),
    notes=("Formulas use arithmetic, comparisons and whitelisted math functions only; nothing else "
           "is evaluated.",),
)


# -- python -----------------------------------------------------------------------------------

def _check_python(p: dict, where: str) -> None:
    from .pykind import check_allowed

    check_allowed(where)


def _python(t, p):
    from .pykind import evaluate_target, load_target

    target = load_target(p["target"], "python")
    return evaluate_target(target, t, p["max_lr"], p["options"], "python")


define(
    name="python",
    summary="your own Python function of the step, or a torch LRScheduler subclass (--allow-import)",
    family="custom", frequency="continuous", quantity="custom",
    formula="lr(t) = your_function(t, **options), or the LR your LRScheduler subclass sets after t steps",
    params=(
        Param("target", "text", "'module:function', 'file.py:function' or 'file.py:SchedulerClass'",
              example="configs/seed_log_annealing.py:log_decay"),
        Param("max_lr", "float", "the optimizer's lr for a scheduler class; passed to a function that "
              "takes max_lr", default=1.0, gt=0),
        Param("options", "mapping", "keyword arguments for the function or the class, e.g. {T_max: 100}",
              default={}),
    ),
    evaluate=_python,
    check=_check_python,
    example={"target": "configs/seed_log_annealing.py:log_decay", "max_lr": 0.1},
    equivalents={
        "torch": "your LRScheduler subclass, stepped on a dummy optimizer",
        "optax": "your function of the step count",
        "keras": "your LearningRateSchedule's __call__",
        "hf": "your LambdaLR",
    },
    tips=("The seed's LogAnnealingLR runs as written: configs/seed_log_annealing.py (it computes "
          "cosine; its log_decay is the log(1/x) decay the seed meant).",
          "A function may take the whole array of steps (vectorised, fast) or one int step at a time."),
    notes=("Importing your code runs it, so lrsched does so only when the command line says "
           "--allow-import; a YAML file alone never can.",),
)


def phase_marks(p: dict, horizon: int) -> list[int]:
    """Steps where a sequence changes phase (for plots)."""
    marks, start = [], 0
    for phase in p["phases"][:-1]:
        start += phase.steps
        if 0 < start < horizon:
            marks.append(start)
    return marks
