"""Every built-in schedule kind, each defined once: parameters, formula, docs and evaluation.

Time model: a schedule is a pure function lr(t) of the integer step t = 0, 1, 2, ...; lr(t) is the
learning rate after t calls of PyTorch's `scheduler.step()`, i.e. the rate used by update t+1.
Each `evaluate(t, p)` below receives the schedule's *own* clock (the warmup prefix, if any, is
handled by `core`) as a float64 array and returns float64 learning rates, in closed form except
for `plateau`, which depends on feedback. Where PyTorch has the schedule, the arithmetic follows
PyTorch's so that values agree to floating-point noise.
"""
from __future__ import annotations

import dataclasses
import math
from collections import deque

from .._lazy import lazy_import
from ..errors import ExprError, SpecError
from .registry import HORIZON, Compose, Kind, Param, Registry, derived, format_value, is_computed

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
    Param("warmup_shape", "choice", "how the warmup rises from warmup_start_lr to its target",
          default="linear", choices=("linear", "cosine", "1-sqrt", "exponential", "constant")),
    Param("warmup_mode", "choice", "prefix: the schedule's clock starts after the warmup, so its "
          "durations exclude it; overlay: the clock runs from t = 0 and the warmup replaces the "
          "schedule's first warmup_steps values (timm warmup_prefix=False)", default="prefix",
          choices=("prefix", "overlay")),
    Param("warmup_target", "choice", "what the warmup rises toward, reached at t = warmup_steps: "
          "schedule: the schedule's value there; max_lr: max_lr, where the schedule then takes "
          "over (timm)", default="schedule", choices=("schedule", "max_lr")),
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


#: Where a feedback kind reads its metric from (plateau, greedy).
FEEDBACK_PARAMS = (
    Param("metric", "floats", "the monitored values, one per step (inline list)", default=None),
    Param("file", "text", "CSV file with the metric, one row per step", default=None),
    Param("column", "text", "column of `file` (name or 0-based index); default the last",
          default=None),
    Param("seed", "int", "seed of the built-in synthetic loss curve used when no metric is "
          "given", default=0, ge=0),
)


def momentum_params(base: float, peak: float) -> tuple[Param, ...]:
    """The momentum a cyclic kind moves inversely to the LR, with torch's defaults for it."""
    return (
        Param("cycle_momentum", "bool", "cycle the optimizer's momentum (or Adam's beta1) "
              "inversely to the LR (torch cycle_momentum)", default=True),
        Param("base_momentum", "float", "momentum at the LR's peak (torch base_momentum)",
              default=base, ge=0, le=1),
        Param("max_momentum", "float", "momentum where the LR is lowest (torch max_momentum)",
              default=peak, ge=0, le=1),
        Param("momentum_field", "choice", "what is cycled: momentum (SGD, RMSprop) or beta1, "
              "Adam's betas[0]; torch picks beta1 when the optimizer has betas",
              default="momentum", choices=("momentum", "beta1")),
    )


MOMENTUM_SERIES = ("momentum", "beta1")


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
    arrays=2,
    jumps=True,
    example={"max_lr": 0.1},
    tips=("The simplest strategy: one rate for the whole run. Faster rates converge faster early; "
          "slower rates give better accuracy late, which is why schedules exist.",),
    monotone="decreasing",
)


# -- step -------------------------------------------------------------------------------------

def _step(t, p):
    return p["max_lr"] * p["gamma"] ** np.floor(t / p["step_size"])


def _step_marks(p, horizon):
    return list(range(p["step_size"], horizon, p["step_size"])[:200])  # slice the range: lazily


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
    arrays=3,
    jumps=True,
    marks=_step_marks,
    example={"max_lr": 0.1, "step_size": 30, "gamma": 0.1},
    tips=(
        "Decay gradually when you train for more epochs.",
        "Decaying rapidly converges too fast, to a poor loss or accuracy.",
        "To decay more slowly, use a larger gamma or a larger interval (step_size).",
        "The discontinuities of step schedules can make optimisation unstable; smoother schedules "
        "(polynomial, exponential, cosine) avoid them.",
    ),
    notes=("The new rate applies from t = step_size in PyTorch, optax and Keras (staircase) alike "
           "(lrsched compare --as shows it); MXNet's FactorScheduler changes one step later.",),
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
    arrays=3,
    jumps=True,
    marks=lambda p, horizon: sorted(set(p["milestones"])),
    example={"max_lr": 0.1, "milestones": [30, 60, 80], "gamma": 0.1},
    tips=("Milestones let you decay where the loss flattens, e.g. at 50% and 75% of training.",),
    notes=("The change lands at t == milestone (PyTorch bisect_right); Keras lands one step later "
           "and timm's MultiStepLRScheduler one step earlier.",),
    monotone="decreasing",
)


# -- piecewise --------------------------------------------------------------------------------

def _piecewise(t, p):
    knots = np.asarray(p["knots"], dtype=np.float64)
    factors = np.asarray(p["factors"], dtype=np.float64)
    # the last knot at or before t ("at") or strictly before t ("after"); -1 before the first knot
    i = np.searchsorted(knots, t, side="right" if p["boundary"] == "at" else "left") - 1
    if p["interpolation"] == "constant" or knots.size == 1:
        return p["max_lr"] * factors[np.maximum(i, 0)]
    j = np.clip(i, 0, knots.size - 2)
    start, end = factors[j], factors[j + 1]
    pct = (t - knots[j]) / (knots[j + 1] - knots[j])  # inside a span of two distinct knots
    if p["interpolation"] == "linear":
        between = (end - start) * pct + start
    else:
        between = end + (start - end) / 2.0 * (np.cos(math.pi * pct) + 1.0)
    return p["max_lr"] * np.where(i < 0, factors[0], np.where(i >= knots.size - 1, factors[-1], between))


def _piecewise_closed(t, p):
    """The same, knot by knot with np.where: what code generation writes (`_piecewise` finds the
    span with one searchsorted, which stays fast for many knots)."""
    knots, factors = [float(k) for k in p["knots"]], [float(f) for f in p["factors"]]
    reached = (lambda k: t >= k) if p["boundary"] == "at" else (lambda k: t > k)
    lr = factors[0]
    if p["interpolation"] == "constant" or len(knots) == 1:
        for knot, factor in zip(knots[1:], factors[1:]):
            lr = np.where(reached(knot), factor, lr)
        return p["max_lr"] * lr
    for j in range(len(knots) - 1):
        if knots[j + 1] == knots[j]:
            continue  # an empty span: the next knot takes over at once
        pct = (t - knots[j]) / (knots[j + 1] - knots[j])
        start, end = factors[j], factors[j + 1]
        if p["interpolation"] == "linear":
            between = (end - start) * pct + start
        else:
            between = end + (start - end) / 2.0 * (np.cos(math.pi * pct) + 1.0)
        lr = np.where(reached(knots[j]), between, lr)
    return p["max_lr"] * np.where(reached(knots[-1]), factors[-1], lr)


def _check_piecewise(p: dict, where: str) -> None:
    knots = p["knots"]
    if len(knots) != len(p["factors"]):
        raise rule_error(where, "knots and factors need the same length", knots=knots, factors=p["factors"])
    if any(b < a for a, b in zip(knots, knots[1:])):
        raise rule_error(where, "knots must not decrease", knots=knots)


def _piecewise_marks(p, horizon):
    shift = 1 if p["boundary"] == "after" else 0
    return sorted({math.ceil(k) + shift for k in p["knots"][1:] if 0 < k < horizon})[:200]


define(
    name="piecewise",
    summary="rates given at knots: held (a staircase) or interpolated linearly or by cosine between them",
    family="piecewise", frequency="fixed", quantity="custom",
    formula="lr(t) = max_lr * factors[k] from knots[k] on (constant), or interpolated from factors[k] at "
            "knots[k] to factors[k+1] at knots[k+1]; factors[0] before the first knot, the last after",
    params=(
        MAX_LR,
        Param("knots", "floats", "steps where the rate is given, not decreasing (may be negative)",
              example=[0, 30, 60]),
        Param("factors", "floats", "the rate at each knot, as a factor of max_lr", ge=0,
              example=[1.0, 0.1, 0.01]),
        Param("interpolation", "choice", "between knots: constant holds each value (optax "
              "piecewise_constant_schedule, Keras PiecewiseConstantDecay); linear or cosine glide "
              "(optax piecewise_interpolate_schedule)", default="constant",
              choices=("constant", "linear", "cosine")),
        Param("boundary", "choice", "when a knot takes effect: at (from t == knot, PyTorch and optax) "
              "or after (from t == knot + 1, Keras)", default="at", choices=("at", "after")),
    ),
    evaluate=_piecewise,
    closed_form=_piecewise_closed,
    arrays=lambda p: 4 if p["interpolation"] == "constant" else 10,
    check=_check_piecewise,
    marks=_piecewise_marks,
    example={"max_lr": 0.1, "knots": [0, 30, 60], "factors": [1.0, 0.1, 0.01]},
    tips=("A staircase with free values: drop the rate where the loss flattens, by any amount.",),
    notes=("optax's piecewise schedules multiply scales: factors are their running products, with a "
           "first knot at 0 for init_value.",),
)


# -- exponential ------------------------------------------------------------------------------

def _exponential(t, p):
    exponent = t if p["decay_steps"] == 1.0 else t / p["decay_steps"]
    if p["staircase"]:
        exponent = np.floor(exponent)
    lr = p["max_lr"] * p["gamma"] ** exponent
    if p["end_lr"] is not None:  # optax: a floor when decaying, a ceiling when growing
        lr = (np.maximum if p["gamma"] < 1 else np.minimum)(lr, p["end_lr"])
    return lr


define(
    name="exponential",
    summary="multiply the rate by gamma every step",
    family="exponential decay", frequency="continuous", quantity="exponential",
    formula="lr(t) = max_lr * gamma ** (t / decay_steps), the exponent floored with staircase",
    params=(
        MAX_LR,
        Param("gamma", "float", "multiplicative factor per decay_steps steps, in (0, 1] to decay",
              gt=0, example=0.95),
        Param("decay_steps", "float", "steps over which the rate is multiplied by gamma (optax "
              "transition_steps, Keras decay_steps)", default=1.0, gt=0, role="length"),
        Param("staircase", "bool", "floor the exponent: change in jumps every decay_steps steps",
              default=False),
        Param("end_lr", "float", "where the rate stops: a floor when gamma < 1, a ceiling when "
              "gamma >= 1 (optax end_value); none = no bound", default=None, ge=0),
    ),
    evaluate=_exponential,
    arrays=4,
    example={"max_lr": 0.1, "gamma": 0.95},
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
        Param("start_factor", "float", "factor of max_lr at t = 0 (torch requires > 0)", default=1 / 3,
              ge=0, le=1),
        Param("end_factor", "float", "factor of max_lr from t = total_iters on", default=1.0, ge=0, le=1),
        Param("total_iters", "int", "steps to go from start_factor to end_factor", default=5, ge=1,
              role="length"),
    ),
    evaluate=_linear,
    arrays=2,
    example={"max_lr": 0.1, "start_factor": 1.0, "end_factor": 0.01, "total_iters": 100},
    tips=("A linear ramp is the usual warmup piece inside a sequence.",),
)


# -- polynomial -------------------------------------------------------------------------------

def _polynomial(t, p):
    length, top = p["max_update"], p["max_lr"]
    if p["past_end"] == "stretch":  # Keras cycle=True: the horizon grows to the next multiple
        frac = 1.0 - t / (length * np.maximum(np.ceil(t / length), 1.0))
    elif not _has_cycles(p):
        frac = 1.0 - np.minimum(t, length) / length
    else:  # timm PolyLRScheduler: restarts, each peak cycle_decay times the previous
        index, t_cur, t_i = _restart_cycles(t, length, p["cycle_mult"])
        frac = 1.0 - t_cur ** p["k_decay"] / t_i ** p["k_decay"]
        top = top * p["cycle_decay"] ** index if p["cycle_decay"] != 1.0 else top
        lr = p["min_lr"] + (top - p["min_lr"]) * frac ** p["power"]
        return np.where(index >= p["cycle_limit"], p["min_lr"], lr)
    return p["min_lr"] + (top - p["min_lr"]) * frac ** p["power"]


def _has_cycles(p: dict) -> bool:
    """timm's restarts, peak decay or time warp: the general path."""
    return (p["cycle_limit"], p["cycle_mult"], p["cycle_decay"], p["k_decay"]) != (1, 1.0, 1.0, 1.0)


def _check_polynomial(p: dict, where: str) -> None:
    check_min_below_max(p, where)
    _check_stretch(p, where)


def _check_stretch(p: dict, where: str) -> None:
    if p["past_end"] == "stretch" and _has_cycles(p):
        raise rule_error(where, "past_end stretch takes no cycle_limit, cycle_mult, cycle_decay or "
                         "k_decay", cycle_limit=p["cycle_limit"], cycle_mult=p["cycle_mult"],
                         cycle_decay=p["cycle_decay"], k_decay=p["k_decay"])


define(
    name="polynomial",
    summary="decay polynomially to min_lr over max_update steps, then hold",
    family="polynomial decay", frequency="continuous", quantity="polynomial",
    formula="lr(t) = min_lr + (max_lr - min_lr) * (1 - min(t, max_update) / max_update) ** power",
    params=(
        MAX_LR,
        Param("max_update", "int", "steps until the rate reaches min_lr (torch total_iters); with "
              "restarts, the length of the first cycle (timm t_initial)", default=HORIZON, ge=1,
              role="length"),
        Param("power", "float", "degree of the polynomial; smaller decays more slowly at first",
              default=1.0, gt=0),
        MIN_LR,
        Param("cycle_limit", "int", "number of decays before min_lr is held; above 1 the rate "
              "restarts (timm cycle_limit)", default=1, ge=1),
        Param("cycle_mult", "float", "each cycle is cycle_mult times longer than the previous "
              "(timm cycle_mul)", default=1.0, ge=1),
        Param("cycle_decay", "float", "restart i peaks at max_lr * cycle_decay**i (timm cycle_decay)",
              default=1.0, gt=0, le=1),
        Param("k_decay", "float", "time warp: (1 - t**k / T**k) ** power; above 1 the rate stays "
              "high longer (timm k_decay)", default=1.0, gt=0),
        Param("past_end", "choice", "after max_update: 'hold' stays at min_lr; 'stretch' stretches "
              "the horizon to the next multiple of max_update, a sawtooth with falling peaks (Keras "
              "cycle=True)", default="hold", choices=("hold", "stretch")),
    ),
    evaluate=_polynomial,
    arrays=lambda p: 9 if p["past_end"] == "hold" and _has_cycles(p) else 3,
    check=_check_polynomial,
    example={"max_lr": 0.1, "max_update": 100, "power": 2.0},
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
    if p["exponent"] == 1.0:
        lr *= (p["max_lr"] - p["min_lr"]) / 2.0
    else:
        lr *= 0.5
        lr **= p["exponent"]
        lr *= p["max_lr"] - p["min_lr"]
    lr += p["min_lr"]
    return lr


define(
    name="cosine",
    summary="cosine annealing from max_lr to min_lr over cycle_length steps",
    family="cosine annealing", frequency="continuous", quantity="cosine",
    formula="lr(t) = min_lr + (max_lr - min_lr) * ((1 + cos(pi * t / cycle_length)) / 2) ** exponent",
    params=(
        MAX_LR,
        Param("cycle_length", "float", "steps from max_lr down to min_lr (torch T_max); may be "
              "fractional", default=HORIZON, gt=0, role="length"),
        MIN_LR,
        Param("past_end", "choice", "after cycle_length: 'continue' rises again as PyTorch does, "
              "'hold' stays at min_lr as optax and Keras do", default="continue",
              choices=("continue", "hold")),
        Param("exponent", "float", "raise the cosine factor to this power: above 1 it falls sooner "
              "(optax exponent)", default=1.0, gt=0),
    ),
    evaluate=_cosine,
    arrays=2,
    check=check_min_below_max,
    example={"max_lr": 0.1, "cycle_length": 100, "min_lr": 0.001},
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
    if p["k_decay"] != 1.0:  # timm: cos(pi * t_cur**k / t_i**k)
        t_cur, t_i = t_cur ** p["k_decay"], t_i ** p["k_decay"]
    decay = p["cycle_decay"] ** index if p["cycle_decay"] != 1.0 else 1.0
    if p["cycle_decay_on"] == "peak":
        height = p["max_lr"] * decay - p["min_lr"]
    else:  # Keras m_mul: the floor stays, the height above it decays
        height = (p["max_lr"] - p["min_lr"]) * decay
    lr = t_cur
    lr *= math.pi
    lr /= t_i
    np.cos(lr, out=lr)
    lr += 1.0
    lr *= height / 2.0
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
        Param("cycle_length", "float", "length of the first cycle (torch T_0)", default=HORIZON, gt=0,
              role="length"),
        Param("cycle_mult", "float", "each cycle is cycle_mult times longer than the previous (torch "
              "T_mult)", default=1.0, ge=1),
        MIN_LR,
        Param("cycle_decay", "float", "restart i peaks at max_lr * cycle_decay**i (timm cycle_decay)",
              default=1.0, gt=0, le=1),
        Param("cycle_limit", "int", "after this many cycles hold min_lr; none = restart forever",
              default=None, ge=1),
        Param("cycle_decay_on", "choice", "what cycle_decay shrinks: 'peak' (max_lr * cycle_decay**i, "
              "timm) or 'amplitude' (the height above min_lr, Keras m_mul)", default="peak",
              choices=("peak", "amplitude")),
        Param("k_decay", "float", "time warp: cos(pi * t**k / T**k); above 1 the rate stays high "
              "longer (timm k_decay)", default=1.0, gt=0),
    ),
    evaluate=_cosine_restarts,
    arrays=8,
    check=check_min_below_max,
    marks=_restart_marks,
    example={"max_lr": 0.1, "cycle_length": 10, "cycle_mult": 2, "min_lr": 0.001},
    tips=(
        "Warm restarts jump back to a high rate to escape poor minima, then anneal again.",
        "Longer cycles (cycle_mult 2) spend more time converging as training proceeds.",
    ),
    notes=("On the integer grid PyTorch never reaches eta_min exactly; the restart lands at the cycle "
           "boundary. PyTorch requires integers for T_0 and T_mult; lrsched also accepts fractions. "
           "Keras defaults t_mul=2 where PyTorch defaults T_mult=1.",),
)


# -- tanh -------------------------------------------------------------------------------------

def _tanh(t, p):
    index, t_cur, t_i = _restart_cycles(t, p["cycle_length"], p["cycle_mult"])
    peak = p["max_lr"] * p["cycle_decay"] ** index if p["cycle_decay"] != 1.0 else p["max_lr"]
    tr = t_cur / t_i
    lr = p["min_lr"] + 0.5 * (peak - p["min_lr"]) * (1.0 - np.tanh(p["lb"] * (1.0 - tr) + p["ub"] * tr))
    return np.where(index >= p["cycle_limit"], p["min_lr"], lr)


def _check_tanh(p: dict, where: str) -> None:
    if p["lb"] >= p["ub"]:
        raise rule_error(where, "lb must be below ub", lb=p["lb"], ub=p["ub"])
    check_min_below_max(p, where)


define(
    name="tanh",
    summary="hyperbolic-tangent decay from max_lr to min_lr, with optional restarts (timm)",
    family="tanh decay", frequency="continuous", quantity="custom",
    formula="lr(t) = min_lr + (max_lr - min_lr) * (1 - tanh(lb * (1 - x) + ub * x)) / 2, "
            "x = t_cur / T_i in each cycle",
    params=(
        MAX_LR,
        Param("cycle_length", "float", "length of the first cycle (timm t_initial)", default=HORIZON, gt=0,
              role="length"),
        MIN_LR,
        Param("lb", "float", "tanh argument at the start of a cycle: more negative starts flatter",
              default=-7.0, ge=-100, le=100),
        Param("ub", "float", "tanh argument at the end of a cycle: larger ends closer to min_lr",
              default=3.0, ge=-100, le=100),
        Param("cycle_mult", "float", "each cycle is cycle_mult times longer than the previous (timm "
              "cycle_mul)", default=1.0, ge=1),
        Param("cycle_decay", "float", "restart i peaks at max_lr * cycle_decay**i", default=1.0, gt=0, le=1),
        Param("cycle_limit", "int", "number of cycles before min_lr is held", default=1, ge=1),
    ),
    evaluate=_tanh,
    arrays=9,
    check=_check_tanh,
    marks=lambda p, horizon: _restart_marks(p, horizon)[: max(p["cycle_limit"] - 1, 0)],
    example={"max_lr": 0.1, "cycle_length": 100, "min_lr": 0.001},
    tips=("Stays near max_lr longer than cosine, then falls steeply: the tanh schedule of "
          "Hsueh et al. (2019).",),
    notes=("With lb = -7 the first value is just below max_lr (by 8e-7 relative); timm's constructor "
           "sets max_lr itself at t = 0, which lrsched writes as a 1-step constant overlay warmup.",),
)


# -- cyclic -----------------------------------------------------------------------------------

def _cyclic_shape(t, p):
    """(scale_factor, scale): where each step is on its triangle and the amplitude's scale, as
    CyclicLR.get_lr computes them (exp_range scales by gamma ** the global iteration count)."""
    up = float(p["step_size_up"])
    down = float(p["step_size_down"]) if p["step_size_down"] is not None else up
    total = up + down
    ratio = up / total
    cycle = np.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    with np.errstate(divide="ignore", invalid="ignore"):  # a down length of ~0 makes ratio 1: the branch not taken
        scale_factor = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    mode = p["mode"]
    if mode == "triangular":
        scale = 1.0
    elif mode == "triangular2":
        scale = 1 / (2.0 ** (cycle - 1))
    else:
        scale = p["gamma"] ** t
    return scale_factor, scale


def _cyclic(t, p):
    scale_factor, scale = _cyclic_shape(t, p)
    height = (p["max_lr"] - p["min_lr"]) * scale_factor
    return p["min_lr"] + height * scale


def _cyclic_momentum(t, p):
    """Momentum falls as the LR rises: max_momentum - (max - base) * triangle * scale."""
    if not p["cycle_momentum"]:
        return {}
    scale_factor, scale = _cyclic_shape(t, p)
    height = (p["max_momentum"] - p["base_momentum"]) * scale_factor
    return {p["momentum_field"]: p["max_momentum"] - height * scale}


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
        *momentum_params(0.8, 0.9),
    ),
    evaluate=_cyclic,
    series=MOMENTUM_SERIES,
    series_values=_cyclic_momentum,
    arrays=7,
    check=_check_cyclic,
    example={"min_lr": 0.001, "max_lr": 0.1, "step_size_up": 20, "mode": "triangular2"},
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


def _onecycle_last(p) -> int:
    """The last step computed, then held: total_steps - 1, or total_steps where PyTorch's last
    phase is extrapolated (past_end=extrapolate, as torch:OneCycleLR computes it)."""
    return p["total_steps"] - (0 if p["past_end"] == "extrapolate" else 1)


def _onecycle_closed(t, p):
    """The phases chosen elementwise: what code generation writes (`_onecycle` is the same, 1.5-3x
    faster with masks, bench/bench_eval.py)."""
    step = np.minimum(t, _onecycle_last(p))
    phases = _onecycle_phases(p)
    values, start_step = [], 0.0
    for end_step, start, end in phases:
        pct = (step - start_step) / (end_step - start_step)
        if p["anneal_strategy"] == "cos":
            values.append(end + (start - end) / 2.0 * (np.cos(math.pi * pct) + 1))
        else:
            values.append((end - start) * pct + start)
        start_step = end_step
    lr = values[-1]
    for (end_step, _, _), value in reversed(list(zip(phases, values))[:-1]):
        lr = np.where(step <= end_step, value, lr)
    return lr


def _onecycle(t, p):
    return _onecycle_curve(t, p, _onecycle_phases(p))


def _onecycle_momentum_phases(p):
    """The phases' momentum, inverse to the LR's: max -> base -> max (three_phase: then held)."""
    low, high = p["base_momentum"], p["max_momentum"]
    ends = [end for end, _, _ in _onecycle_phases(p)]
    if p["three_phase"]:
        return list(zip(ends, (high, low, high), (low, high, high)))
    return list(zip(ends, (high, low), (low, high)))


def _onecycle_momentum(t, p):
    if not p["cycle_momentum"]:
        return {}
    return {p["momentum_field"]: _onecycle_curve(t, p, _onecycle_momentum_phases(p))}


def _onecycle_curve(t, p, phases):
    """One-cycle's phases annealed from start to end values, as OneCycleLR.get_lr computes the
    LR and the momentum alike."""
    # Past total_steps PyTorch raises; lrsched holds the final value.
    step = np.minimum(t, _onecycle_last(p))
    lr = np.empty(t.shape, dtype=np.float64)
    start_step, done = 0.0, np.zeros(t.shape, dtype=bool)
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
        Param("total_steps", "int", "length of the cycle", default=HORIZON, ge=2, role="length"),
        Param("pct_start", "float", "fraction of the cycle spent rising", default=0.3, ge=0, le=1),
        Param("past_end", "choice", "hold: the final rate from t = total_steps - 1; extrapolate: as "
              "PyTorch, the last phase continues one step to t = total_steps (PyTorch raises after "
              "it), then holds", default="hold", choices=("hold", "extrapolate")),
        Param("anneal_strategy", "choice", "shape of each phase", default="cos", choices=("cos", "linear")),
        Param("div_factor", "float", "start at max_lr / div_factor", default=25.0, gt=0),
        Param("final_div_factor", "float", "end at max_lr / (div_factor * final_div_factor)",
              default=1e4, gt=0),
        Param("three_phase", "bool", "add a phase back to the start value before the final "
              "annealing (fast.ai style)", default=False),
        *momentum_params(0.85, 0.95),
    ),
    evaluate=_onecycle,
    series=MOMENTUM_SERIES,
    series_values=_onecycle_momentum,
    closed_form=_onecycle_closed,
    arrays=7,
    check=_check_onecycle,
    example={"max_lr": 0.1, "total_steps": 100},
    tips=("One cycle trains fast with a high peak rate; the long final annealing gives the accuracy.",),
    notes=("PyTorch extrapolates the last phase at t = total_steps (the rate rises again, or goes "
           "negative with linear) and raises after that; lrsched holds the final value from "
           "t = total_steps - 1, or with past_end=extrapolate (what torch:OneCycleLR translates to) "
           "follows PyTorch to t = total_steps and holds that value after. fast.ai uses pct_start=0.25 and a final rate of max_lr/1e5.",),
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
        *FEEDBACK_PARAMS,
    ),
    evaluate=_plateau,
    arrays=6,
    jumps=True,
    check=check_min_below_max,
    example={"max_lr": 0.1, "patience": 5, "factor": 0.5},
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


# -- greedy -----------------------------------------------------------------------------------

def _greedy(t, p):
    # transformers' GreedyLR, step by step: values[i] has seen metric[0..i-1]
    values = p["_metric"].tolist()
    n = t.shape[0]
    mode_min, rel = p["mode"] == "min", p["threshold_mode"] == "rel"
    threshold, factor, patience, eps = p["threshold"], p["factor"], p["patience"], p["eps"]
    start = lr = p["start_lr"]
    best = math.inf if mode_min else -math.inf
    bad = good = cooldown = hold = 0
    resets = p["reset_start"]
    # A running sum over a deque: the same additions and subtractions, in the same order, as
    # transformers' StreamingAverage (whose list.pop(0) makes a long window quadratic).
    window: deque[float] = deque()
    total = 0.0
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = lr
        if i == n - 1:
            break
        current = float(values[i])
        if p["smooth"]:
            window.append(current)
            total += current
            if len(window) > p["window_size"]:
                total -= window.popleft()
            current = total / len(window)
        if cooldown > 0:
            cooldown -= 1
            bad = good = 0
            continue
        if hold > 0:
            hold -= 1
            bad = good = 0
            continue
        if mode_min:
            better = current < (best * (1.0 - threshold) if rel else best - threshold)
        else:
            better = current > (best * (1.0 + threshold) if rel else best + threshold)
        if better:
            best, bad, good = current, 0, good + 1
        else:
            bad, good = bad + 1, 0
        if good > patience:
            raised = min(lr / factor, p["max_lr"])
            if raised - lr > eps:
                lr = raised
            resets, hold, good = p["reset_start"], p["increase_cooldown"], 0
        elif bad > patience:
            cut = max(lr * factor, p["min_lr"])
            if lr - cut > eps:
                lr = cut
            if not lr > p["min_lr"]:
                resets -= 1
                if resets <= 0:  # back to the start
                    lr, best = start, (math.inf if mode_min else -math.inf)
                    good = hold = 0
                    resets, total = p["reset_start"], 0.0
                    window.clear()
            cooldown, bad = p["cooldown"], 0
    return out


define(
    name="greedy",
    summary="raise the rate while the metric improves, cut it when it stalls (transformers GreedyLR)",
    family="greedy", frequency="feedback", quantity="exponential",
    formula="lr <- min(lr / factor, max_lr) after more than `patience` improving steps, "
            "lr <- max(lr * factor, min_lr) after more than `patience` steps without improvement",
    params=(
        Param("start_lr", "float", "the rate at t = 0 (the optimizer's lr)", gt=0, example=0.01),
        Param("max_lr", "float", "highest rate the increases may reach", default=1.0, gt=0),
        Param("min_lr", "float", "lowest rate the cuts may reach", default=1e-3, ge=0),
        Param("mode", "choice", "min: lower metric is better (loss); max: higher is better (accuracy)",
              default="min", choices=("min", "max")),
        Param("factor", "float", "multiply the rate by this on a plateau, divide by it on progress",
              default=0.95, gt=0, lt=1),
        Param("patience", "int", "improving or stalled steps that are ignored before acting",
              default=10, ge=0),
        Param("threshold", "float", "minimum change that counts as an improvement", default=1e-6, ge=0),
        Param("threshold_mode", "choice", "rel: relative to the best value; abs: absolute",
              default="abs", choices=("rel", "abs")),
        Param("cooldown", "int", "steps to wait after a cut before counting again", default=0, ge=0),
        Param("increase_cooldown", "int", "steps to wait after an increase before counting again "
              "(GreedyLR warmup)", default=0, ge=0),
        Param("eps", "float", "changes smaller than this are skipped", default=1e-8, ge=0),
        Param("smooth", "bool", "judge a moving average of the metric", default=False),
        Param("window_size", "int", "steps in the moving average", default=50, ge=1),
        Param("reset_start", "int", "cuts at min_lr after which the rate goes back to start_lr",
              default=500, ge=1),
        *FEEDBACK_PARAMS,
    ),
    evaluate=_greedy,
    arrays=6,
    jumps=True,
    example={"start_lr": 0.01, "max_lr": 0.05, "patience": 3, "factor": 0.9},
    tips=("Greedy raises the rate while things improve: pair it with a sensible max_lr.",
          "Like plateau, it needs the metric: give metric or file, or a synthetic loss is used."),
    notes=("lr(t) has seen metric[0..t-1]. GreedyLR's warmup (the pause after an increase) is "
           "increase_cooldown here, to keep it apart from the warmup prefix.",),
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
    arrays=3,
    fill=_fill_timescale,
    example={"max_lr": 0.001, "warmup_steps": 10, "timescale": 10},
    tips=("Pair it with a warmup: the rate peaks at the end of warmup and then decays slowly.",),
    monotone="decreasing",
)


# -- inverse time -----------------------------------------------------------------------------

def _inverse_time(t, p):
    ratio = t / p["decay_steps"]
    if p["staircase"]:
        ratio = np.floor(ratio)
    return p["max_lr"] / (1.0 + p["decay_rate"] * ratio)


define(
    name="inverse_time",
    summary="decay like 1/t: max_lr / (1 + decay_rate * t / decay_steps) (Keras InverseTimeDecay)",
    family="inverse time", frequency="continuous", quantity="polynomial",
    formula="lr(t) = max_lr / (1 + decay_rate * t / decay_steps), t / decay_steps floored with staircase",
    params=(
        MAX_LR,
        Param("decay_rate", "float", "how fast the rate falls: at t = decay_steps it is "
              "max_lr / (1 + decay_rate)", ge=0, example=0.5),
        Param("decay_steps", "float", "steps per unit of decay", default=1.0, gt=0, role="length"),
        Param("staircase", "bool", "floor t / decay_steps: change in jumps", default=False),
    ),
    evaluate=_inverse_time,
    arrays=4,
    example={"max_lr": 0.1, "decay_rate": 0.5, "decay_steps": 10},
    tips=("Decays fast at first and ever more slowly: the classic 1/t schedule of stochastic "
          "approximation.",),
    monotone="decreasing",
)


# -- warmup-stable-decay ----------------------------------------------------------------------

def _fill_wsd(p: dict, horizon: int) -> None:
    if is_computed(p["stable_steps"]):
        p["stable_steps"] = horizon - p["decay_steps"]
    if is_computed(p["stable_timescale"]):
        p["stable_timescale"] = float(p["warmup_steps"])


def _check_wsd(p: dict, where: str) -> None:
    if p["stable_steps"] < 0:
        raise rule_error(where, "decay_steps must fit in the evaluated steps after warmup; set "
                         "stable_steps or more steps", decay_steps=p["decay_steps"])
    if p["stable_shape"] != "constant" and p["stable_timescale"] <= 0:
        raise rule_error(where, f"stable_shape {p['stable_shape']} needs stable_timescale > 0 (it "
                         "defaults to warmup_steps)", stable_timescale=p["stable_timescale"])
    check_min_below_max(p, where)


def _wsd(t, p):
    stable, decay = p["stable_steps"], p["decay_steps"]
    progress = np.clip((t - stable) / decay, 0.0, 1.0)
    shape = p["decay_type"]
    if shape == "linear":
        curve = 1.0 - progress
    elif shape == "cosine":
        curve = 0.5 * (1.0 + np.cos(math.pi * progress))
    elif shape == "1-sqrt":
        curve = 1.0 - np.sqrt(progress)
    elif shape == "power":
        curve = 1.0 - progress ** p["decay_power"]
    else:  # exp: decay_ratio ** progress, rescaled to end at min_lr
        ratio = p["decay_ratio"]
        curve = (ratio ** progress - ratio) / (1.0 - ratio)
    top = p["max_lr"]
    if p["stable_shape"] != "constant":  # timm: a decaying stable phase, kept at or above min_lr
        power = 0.5 if p["stable_shape"] == "rsqrt" else p["stable_power"]
        top = np.maximum(top * (1.0 + t / p["stable_timescale"]) ** -power, p["min_lr"])
    return p["min_lr"] + (top - p["min_lr"]) * curve


define(
    name="wsd",
    summary="warmup-stable-decay (trapezoid): hold max_lr, then a short decay to min_lr",
    family="warmup-stable-decay", frequency="continuous", quantity="linear",
    formula="lr(t) = max_lr for t < stable_steps, then min_lr + (max_lr - min_lr) * curve((t - stable_steps) "
            "/ decay_steps), then min_lr",
    params=(
        MAX_LR,
        Param("stable_steps", "int", "steps held at max_lr (after any warmup)",
              default=derived("the evaluated steps left after warmup and decay"), ge=0, role="length"),
        Param("decay_steps", "int", "steps of the final decay", ge=1, example=20, role="length"),
        Param("decay_type", "choice", "shape of the decay: power is 1 - p**decay_power, exp falls "
              "like decay_ratio**p (timm decay_fn)", default="cosine",
              choices=("cosine", "linear", "1-sqrt", "power", "exp")),
        MIN_LR,
        Param("decay_power", "float", "exponent of the power decay (0.5 is 1-sqrt, 1 is linear)",
              default=0.5, gt=0),
        Param("decay_ratio", "float", "exp decay: the fraction reached before rescaling to min_lr",
              default=0.1, gt=0, lt=1),
        Param("stable_shape", "choice", "the stable phase: constant, or decaying like "
              "(1 + t / stable_timescale) ** -0.5 (rsqrt) or ** -stable_power (power) (timm stable_fn)",
              default="constant", choices=("constant", "rsqrt", "power")),
        Param("stable_timescale", "float", "time scale of a decaying stable phase",
              default=derived("warmup_steps"), gt=0),
        Param("stable_power", "float", "exponent of the power stable phase", default=0.5, gt=0),
    ),
    evaluate=_wsd,
    arrays=6,
    fill=_fill_wsd,
    check=_check_wsd,
    example={"max_lr": 0.001, "warmup_steps": 10, "stable_steps": 70, "decay_steps": 20,
             "decay_type": "1-sqrt"},
    tips=("Popular for language models: the long stable phase lets you branch decays from any "
          "checkpoint; 10-20% of training for the decay is common.",),
    notes=("stable_steps defaults to what is left of the evaluated steps after warmup and decay. "
           "timm WSDLRScheduler(t_initial=T, decay_t=D): stable_steps=T-D, decay_steps=D.",),
    monotone="decreasing",
)


# -- sequence ---------------------------------------------------------------------------------

def _concatenate(p, count, pieces):
    values = [piece for _, piece in pieces]
    return np.concatenate(values) if values else np.empty(0, dtype=np.float64)


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
    evaluate=None,
    compose=Compose("phases", "phase", split=True, combine=_concatenate,
                    refusal="cannot be a phase (it needs feedback; PyTorch's SequentialLR refuses it too)",
                    marks=lambda phases, horizon: phase_marks({"phases": phases}, horizon)),
    example={"max_lr": 0.1, "phases": [
        {"kind": "linear", "steps": 10, "start_factor": 0.01, "end_factor": 1.0, "total_iters": 10},
        {"kind": "cosine", "min_lr": 0.001}]},
    tips=("Build warmup + decay combinations, or any piecewise schedule, from the other kinds.",),
    notes=("Zero-length phases are skipped, as in PyTorch. The last phase runs on past its steps. "
           "PyTorch forbids ReduceLROnPlateau inside SequentialLR; lrsched too.",),
)


# -- chain ------------------------------------------------------------------------------------

def _product(p, count, pieces):
    values = np.full(count, p["max_lr"], dtype=np.float64)
    for factor, piece in pieces:
        values *= piece / factor.params["max_lr"]
    return values


define(
    name="chain",
    summary="multiply schedules: each contributes its rate as a factor of its max_lr",
    family="composite", frequency="fixed", quantity="custom",
    formula="lr(t) = max_lr * prod_k lr_k(t) / max_lr_k",
    params=(
        MAX_LR,
        Param("schedules", "phases", "list of schedules on the same clock, each inheriting max_lr "
              "unless it sets one; their factors lr_k(t) / max_lr_k multiply",
              example=[{"kind": "linear", "start_factor": 0.1, "total_iters": 10},
                       {"kind": "exponential", "gamma": 0.97}]),
    ),
    evaluate=None,
    compose=Compose("schedules", "factor", split=False, combine=_product,
                    refusal="cannot be chained (it needs feedback)"),
    example={"max_lr": 0.1, "schedules": [{"kind": "linear", "start_factor": 0.1, "total_iters": 10},
                                          {"kind": "exponential", "gamma": 0.97}]},
    tips=("A warmup factor times a decay: both run from t = 0, unlike a sequence.",),
    notes=("A feedback kind (plateau, greedy) cannot be chained. PyTorch's ChainedScheduler is a "
           "product only for the schedulers listed above: CosineAnnealingLR, LambdaLR, SequentialLR "
           "and the absolute ones (CyclicLR, OneCycleLR, CosineAnnealingWarmRestarts) overwrite "
           "or shift the others' factors.",),
)


# -- expr -------------------------------------------------------------------------------------

def _expr_env(p: dict) -> dict:
    return {k: v for k, v in p.items() if isinstance(v, float) and k not in _WARMUP_NAMES}


def _check_expr(p: dict, where: str) -> None:
    from .expr import compile_expr

    for key in ("expr", "momentum_expr"):
        if p[key] is None:
            continue
        try:
            compile_expr(p[key], [*_expr_env(p), "t"])
        except ExprError as exc:
            prefix = "" if key == "expr" else "momentum_expr: "
            raise ExprError(f"{where}: {prefix}{str(exc).removeprefix('expr: ')}") from None


def _expr_momentum(t, p):
    """The momentum (or beta1) formula beside the LR, on the same clock (a trainer's momentum cycle)."""
    if p["momentum_expr"] is None:
        return {}
    from .expr import compile_expr

    env = _expr_env(p)
    env["t"] = t
    values = compile_expr(p["momentum_expr"], env)(env)
    return {p["momentum_field"]: np.broadcast_to(values, t.shape)}


def _expr_arrays(p: dict) -> float:
    from .expr import compile_expr

    return compile_expr(p["expr"], [*_expr_env(p), "t"]).arrays


def _expr(t, p):
    from .expr import compile_expr

    env = _expr_env(p)
    env["t"] = t
    values = compile_expr(p["expr"], env)(env)
    if p["product"] and values.size:  # torch MultiplicativeLR: lr(t) = lr(t-1) * f(t), in that order
        values[0] = p["max_lr"]
        np.multiply.accumulate(values, out=values)
    return values


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
        Param("product", "bool", "the formula is a factor per step: lr(t) = max_lr * f(1) * f(2) * "
              "... * f(t) (torch MultiplicativeLR)", default=False),
        Param("momentum_expr", "text", "a formula in t for the momentum the trainer sets beside the LR "
              "(DeepSpeed OneCycle's momentum cycle) [default: none]", default=None),
        Param("momentum_field", "choice", "what momentum_expr sets: momentum (SGD, RMSprop) or beta1, "
              "Adam's betas[0]", default="momentum", choices=("momentum", "beta1")),
    ),
    evaluate=_expr,
    series=MOMENTUM_SERIES,
    series_values=_expr_momentum,
    arrays=_expr_arrays,
    check=_check_expr,
    extra_numeric=True,
    example={"expr": "max_lr * gamma**t", "max_lr": 0.1, "gamma": 0.95},
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


# -- framework mode ---------------------------------------------------------------------------
# A schedule translated from a framework's scheduler (frameworks.translate) is built in framework
# mode: what that framework computes for degenerate but legal inputs is computed, where lrsched's
# own kinds refuse them to protect the user. `lint` warns about them.

def _relaxed(kind: str, name: str, **bounds: float | None) -> Param:
    param = next(p for p in REGISTRY.get(kind).params if p.name == name)
    return dataclasses.replace(param, **bounds)


def _check_onecycle_framework(p: dict, where: str) -> None:
    start = 0.0
    for end, _, _ in _onecycle_phases(p):
        if end == start:
            raise rule_error(where, "a phase of no length: PyTorch divides by zero there",
                             pct_start=p["pct_start"], total_steps=p["total_steps"])
        start = end


#: (kind, parameter) -> the parameter with the bounds frameworks accept.
FRAMEWORK_BOUNDS = {
    ("step", "gamma"): _relaxed("step", "gamma", gt=None, ge=0),  # StepLR(gamma=0.0): 0 after step_size
    ("multistep", "gamma"): _relaxed("multistep", "gamma", gt=None, ge=0),
    ("exponential", "gamma"): _relaxed("exponential", "gamma", gt=None, ge=0),
    # optax polynomial_schedule rising with any power, or to a negative end_value (optax's tests)
    ("polynomial", "min_lr"): _relaxed("polynomial", "min_lr", ge=None),
    ("linear", "end_factor"): _relaxed("linear", "end_factor", ge=None),
    # a zero initial rate (optax init_value=0.0 without warmup steps, a rise from 0)
    ("constant", "max_lr"): _relaxed("constant", "max_lr", gt=None, ge=0),
    ("polynomial", "max_lr"): _relaxed("polynomial", "max_lr", gt=None, ge=0),
}
#: kind -> the check in framework mode (None: none).
FRAMEWORK_CHECKS = {
    "cyclic": None,  # CyclicLR(base_lr above max_lr): cycles downwards
    "onecycle": _check_onecycle_framework,  # pct_start=0.0, total_steps=2
    "polynomial": _check_stretch,  # end above the start: a rising curve
}
