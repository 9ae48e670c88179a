"""Lint: say when a schedule does not fit its run, before the run does.

Each check is a function of one `Part` (a schedule, or one phase of a sequence, with its values
and where it sits in the run) returning its findings; `CHECKS` is the one table of them, in the
order `lrsched lint --list` shows them, each documented by its docstring. A finding reads
`warning: <schedule>: <what happens, at which step> (<the cause>); <the fix>`; notes start with
`note:` and never fail `--strict`.

The checks read parameters (O(1)) and a few whole-array reductions (min, max) shared through the
part, so linting 1,000,000 steps costs a few milliseconds. numpy only: no typer, rich or
matplotlib, and no framework modules (the caller passes what the framework bridges dropped).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterator, Sequence

from .._lazy import lazy_import

np = lazy_import("numpy")

LEVELS = ("warning", "note")
#: A jump or a missed peak smaller than this fraction of the peak is rounding or by design (timm's
#: overlaid warmup reaches 99.4% of a 100-step cosine's peak), not a mistake.
TOLERANCE = 0.01


@dataclass(frozen=True)
class Finding:
    """One thing lint found: `check` names the function in CHECKS that found it."""

    check: str
    level: str  # "warning" or "note"
    schedule: str
    message: str  # "<what happens, at which step> (<the cause>); <the fix>"

    def line(self) -> str:
        return f"{self.level}: {self.schedule}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "level": self.level, "schedule": self.schedule,
                "message": self.message, "line": self.line()}


@dataclass
class Part:
    """A schedule, or a phase of a sequence, as the run evaluates it.

    `start` is the run's step where the part begins, `values` its values (the run's column from
    there); `unused` lists the framework arguments written for it that change nothing lrsched
    draws ("cycle_momentum=True").
    """

    schedule: Any
    values: Any
    start: int
    run: Any
    name: str
    top: bool = True
    followed: bool = False  # a phase that another phase follows: it may end where that one starts
    unused: Sequence[str] = field(default_factory=tuple)
    hold: int = 1  # updates each value holds: an epoch's when the schedule is stepped once per epoch
    logs: Sequence[tuple[str, Any]] = field(default_factory=tuple)  # (log label, core.align Alignment)

    @property
    def params(self) -> dict:
        return self.schedule.params

    @property
    def kind(self) -> str:
        return self.schedule.kind.name

    @property
    def steps(self) -> int:
        return len(self.values)

    @property
    def end(self) -> int:
        """The run's step where the part stops (one past its last value)."""
        return self.start + self.steps

    @property
    def warmup(self) -> int:
        return self.params.get("warmup_steps", 0)

    @property
    def prefix(self) -> int:
        """Steps before the schedule's own clock starts: the warmup, unless it overlays."""
        return self.warmup if self.params.get("warmup_mode") == "prefix" else 0

    @property
    def own(self) -> int:
        """Steps of the schedule's own clock inside the run."""
        return self.steps - self.prefix

    def at(self, t: float) -> str:
        """The run's step of the own clock's step t, as text."""
        return _num(self.start + self.prefix + t)

    @cached_property
    def low(self) -> float:
        return float(self.values.min())

    @cached_property
    def peak(self) -> float:
        return float(self.values.max())

    def own_value(self, t: float) -> float:
        """The schedule's own formula at its step t (past the run, too)."""
        return float(self.schedule.kind.evaluate(np.asarray([float(t)]), self.params)[0])


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _lr(value: float) -> str:
    return f"{value:.3g}"


Check = Callable[[Part], Iterator[tuple[str, str]]]  # yields (level, message)


# -- the checks --------------------------------------------------------------------------------

def rises_after_horizon(p: Part) -> Iterator[tuple[str, str]]:
    """The rate rises again after the horizon: a cosine past its cycle_length (PyTorch's
    CosineAnnealingLR climbs back), or a cyclic or restart schedule cut mid-cycle."""
    if p.kind == "cosine" and p.params["past_end"] == "continue":
        length = p.params["cycle_length"]
        if p.own - 1 > length:
            yield "warning", (f"the rate rises again from step {p.at(length)} to {p.end} (cycle_length "
                              f"{_num(length)} < {p.own} steps); set past_end=hold or cycle_length={p.own}")
    elif p.kind == "cosine_restarts" and p.params["cycle_limit"] != 1:  # one cycle: the horizon check
        yield from _mid_cycle(p, _restart_bounds(p.params, p.own), f"cycle_length {_num(p.params['cycle_length'])}"
                              + (f", cycle_mult {_num(p.params['cycle_mult'])}" if p.params["cycle_mult"] != 1 else ""))
    elif p.kind == "cyclic":
        up = p.params["step_size_up"]
        down = up if p.params["step_size_down"] is None else p.params["step_size_down"]
        period = up + down
        count = math.floor(p.own / period)
        yield from _mid_cycle(p, (count * period, (count + 1) * period),
                              f"cycles of step_size_up {_num(up)} + step_size_down {_num(down)} = {_num(period)}")


def _restart_bounds(params: dict, own: int) -> tuple[float, float] | None:
    """The restarts around the run's end: (last before it, first after it); None when cycle_limit
    ends the restarts before the run does (the rate then holds, as the horizon check says)."""
    length, mult, limit = float(params["cycle_length"]), float(params["cycle_mult"]), params["cycle_limit"]
    done, cycles = 0.0, 0
    while done + length < own and cycles < 10_000:
        done, length, cycles = done + length, length * mult, cycles + 1
    if limit is not None and cycles >= limit:
        return None
    return done, done + length


def _mid_cycle(p: Part, bounds: tuple[float, float] | None, cause: str) -> Iterator[tuple[str, str]]:
    if bounds is None:
        return
    last, following = bounds
    if math.isclose(p.own, following) or math.isclose(p.own, last):  # the run ends where a cycle does
        return
    into = p.own - last
    ends = f"{p.at(following)} or {p.at(last)}" if last else p.at(following)
    yield "warning", (f"the run stops at step {p.end} mid-cycle, {_num(into)} of {_num(following - last)} "
                      f"steps into a cycle, at {_lr(float(p.values[-1]))} ({cause}); end the run at step "
                      f"{ends}, where a cycle ends")


#: The kinds with one horizon: the parameter, and the own step where the schedule reaches its end.
HORIZONS = {"cosine": ("cycle_length", 0), "polynomial": ("max_update", 0), "tanh": ("cycle_length", 0),
            "cosine_restarts": ("cycle_length", 0), "onecycle": ("total_steps", -1)}


def horizon(p: Part) -> Iterator[tuple[str, str]]:
    """The horizon does not match the run: the decay ends early and the rate holds, or the run
    stops before the decay ends (the final rate is compared with where the decay was going)."""
    if p.kind not in HORIZONS or p.params.get("cycle_limit", 1) != 1:  # several cycles: not one horizon
        return
    name, offset = HORIZONS[p.kind]
    length = p.params[name]
    last = length + offset  # the own step at which the decay arrives
    if p.own - 1 > last and _holds(p):
        held = float(p.values[-1])
        yield "warning", (f"the decay ends at step {p.at(last)} and the rate holds at {_lr(held)} until step "
                          f"{p.end} ({name} {_num(length)} < {p.own} steps); set {name}={p.own}")
    elif length > p.own:
        final, target = float(p.values[-1]), p.own_value(last)
        yield "warning", (f"the run stops at step {p.end}, before the decay ends at step {p.at(last)}: the final "
                          f"rate is {_lr(final)} instead of {_lr(target)} ({name} {_num(length)} > {p.own} "
                          f"steps); set {name}={p.own} or run to step {p.at(last + 1)}")


def _holds(p: Part) -> bool:
    if p.kind == "cosine":
        return p.params["past_end"] == "hold"
    if p.kind == "onecycle":
        return False  # past total_steps PyTorch raises: the onecycle check says so
    if p.kind in ("cosine_restarts", "tanh"):
        return True  # after cycle_limit cycles the rate holds at min_lr (timm)
    return p.params.get("past_end", "hold") == "hold"


def zero_start(p: Part) -> Iterator[tuple[str, str]]:
    """The rate is 0 at step 0, or for several steps (a warmup from 0, DeepSpeed's off-by-one):
    those updates change nothing. A note, since every Hugging Face warmup starts there."""
    if not p.top or p.values[0] != 0:
        return
    zeros = _first_nonzero(p.values)
    if zeros == p.steps:
        yield "warning", (f"the rate is 0 at every step from 0 to {p.end} (max_lr or the factors give 0); "
                          "give the schedule a positive rate")
        return
    cause = (f"a warmup from warmup_start_lr 0, as every Hugging Face warmup" if p.warmup and
             p.params["warmup_start_lr"] == 0 else f"the {p.kind} schedule starts at 0")
    if p.hold > 1:  # stepped once per epoch: each value is an epoch's, held for p.hold updates
        epochs = "epoch 0" if zeros == 1 else f"epochs 0 to {zeros - 1}"
        what = f"the rate is 0 in {epochs}, so {zeros * p.hold:,} updates change nothing"
    else:
        what = ("the rate is 0 at step 0, so update 1 changes nothing" if zeros == 1 else
                f"the rate is 0 from step 0 to {zeros - 1}, so {zeros} updates change nothing")
    yield "note", f"{what} ({cause}); start above 0 (warmup_start_lr) if those updates should count"


def _first_nonzero(values: Any) -> int:
    """The first step whose value is not 0 (len(values) if none), looking at a growing window
    from the start rather than comparing every value: zeros are a few steps when there are any."""
    window = 64
    while True:
        found = np.flatnonzero(values[:window])
        if found.size or window >= len(values):
            return int(found[0]) if found.size else len(values)
        window *= 8


def warmup_too_long(p: Part) -> Iterator[tuple[str, str]]:
    """A warmup as long as or longer than the run (or its phase): the rate never gets past it."""
    if p.warmup and p.warmup >= p.steps:
        yield "warning", (f"the warmup would end at step {p.start + p.warmup} but the "
                          f"{'run' if p.top else 'phase'} stops at step {p.end} (warmup_steps {p.warmup} >= "
                          f"{p.steps} steps); shorten the warmup or run longer")
    if p.kind == "linear" and p.params["end_factor"] > p.params["start_factor"]:
        iters = p.params["total_iters"]
        if iters >= p.own + p.followed and p.own > 0:  # a followed warmup may end where the next phase starts
            yield "warning", (f"the warmup rises until step {p.at(iters)} but the {'run' if p.top else 'phase'} "
                              f"stops at step {p.end} (total_iters {_num(iters)} >= {p.own} steps); shorten the "
                              "warmup or run longer")


def milestones(p: Part) -> Iterator[tuple[str, str]]:
    """Milestones beyond the end (they never fire), unsorted (timm's bisect needs them sorted) or
    repeated (PyTorch multiplies by gamma once per repetition); a step_size past the end."""
    if p.kind == "step" and p.params["step_size"] >= p.own:
        size = p.params["step_size"]
        yield "warning", (f"the rate never decays: the first decay would be at step {p.at(size)}, after the "
                          f"run stops at step {p.end} (step_size {size} >= {p.own} steps); set a smaller "
                          "step_size")
    if p.kind != "multistep":
        return
    given = list(p.params["milestones"])
    beyond = [m for m in given if m >= p.own]
    if beyond:
        yield "warning", (f"milestones {_list(beyond)} never take effect: the run stops at step {p.end} "
                          f"(milestones at or past {p.own} steps); drop them or run longer")
    if given != sorted(given):
        yield "warning", (f"milestones {_list(given)} are not in order (PyTorch sorts them, timm's "
                          f"MultiStepLRScheduler bisects them as given); write them as {_list(sorted(given))}")
    repeated = sorted({m for m in given if given.count(m) > 1})
    if repeated:
        yield "warning", (f"the rate is multiplied by gamma more than once at step "
                          f"{', '.join(p.at(m) for m in repeated)} (milestone {_list(repeated)} repeated: "
                          "PyTorch's MultiStepLR counts repetitions); give each milestone once")


def _list(values: Sequence[float]) -> str:
    return ", ".join(_num(v) for v in values)


def milestone_shift(p: Part) -> Iterator[tuple[str, str]]:
    """Milestones that a prefix warmup moves: the schedule's clock starts after the warmup, as
    PyTorch's SequentialLR means it; detectron2 and timm count milestones from step 0. A note."""
    if not p.prefix or p.kind not in ("step", "multistep"):
        return
    marks = [p.params["step_size"]] if p.kind == "step" else sorted(set(p.params["milestones"]))
    marks = [m for m in marks if m < p.own][:5]
    if not marks:
        return
    name = "step_size" if p.kind == "step" else "milestones"
    yield "note", (f"the decays at {name} {_list(marks)} take effect at steps {', '.join(p.at(m) for m in marks)} "
                   f"(a prefix warmup of {p.prefix} steps shifts the schedule's clock, as PyTorch's SequentialLR "
                   "does; detectron2 and timm count from step 0); set warmup_mode=overlay to count them from 0")


def phase_jump(p: Part) -> Iterator[tuple[str, str]]:
    """A jump at a phase join that looks unintended: a warmup that ends below or above where the
    next phase starts."""
    w = p.warmup
    if w and w < p.steps:
        target = p.params["max_lr"] if p.params["warmup_target"] == "max_lr" else None
        before, after = float(p.values[w - 1]), float(p.values[w])
        if target is not None and abs(after - target) > TOLERANCE * abs(target):
            if p.params["warmup_mode"] == "overlay":
                cause = f"the warmup overlays the first {w} steps and rises to max_lr, where {p.kind} is at " \
                        f"{_lr(after)}"
                fix = "set warmup_mode=prefix or warmup_target=schedule"
            else:
                cause = f"the warmup rises to max_lr {_lr(target)} but {p.kind} starts at {_lr(after)}"
                fix = "set warmup_target=schedule"
            yield "warning", f"the rate jumps from {_lr(before)} to {_lr(after)} at step {p.start + w} ({cause}); {fix}"
    for child, start in _phase_starts(p):
        j = start - p.start
        if j < 2 or j >= p.steps:
            continue
        a, b, c = (float(x) for x in p.values[j - 2:j + 1])
        rise = b - a
        if rise > 0 and abs(c - b) > max(2 * rise, TOLERANCE * max(abs(b), abs(c))):
            yield "warning", (f"the rate jumps from {_lr(b)} to {_lr(c)} at step {start}, where {child} starts "
                              f"(the phase before rises to {_lr(b)} but {child} starts at {_lr(c)}); make the "
                              "warmup end where the next phase starts")


def _phase_starts(p: Part) -> Iterator[tuple[str, int]]:
    """(name, run step) of each sequence phase after the first."""
    for i, (child, start, _) in enumerate(_children(p)):
        if i:
            yield f"phase {i + 1} ({child.kind.name})", start


#: Kinds whose max_lr is the peak they reach (max_lr is a scale factor elsewhere: expr, chain, ...).
PEAKED = ("constant", "step", "multistep", "exponential", "polynomial", "cosine", "cosine_restarts", "tanh",
          "cyclic", "onecycle", "inverse_sqrt", "inverse_time", "wsd")


def peak_not_reached(p: Part) -> Iterator[tuple[str, str]]:
    """A peak that is never reached: max_lr lies beyond the run (a long warmup or rise)."""
    if p.kind not in PEAKED or p.kind == "cyclic" and p.params["mode"] == "exp_range":  # decays by design
        return
    top = p.params["max_lr"]
    if any(p.values[i] >= top * (1 - TOLERANCE) for i in _peak_candidates(p)) or p.peak >= top * (1 - TOLERANCE):
        return  # the candidates first: most schedules peak where their parameters say, no pass needed
    where = int(np.argmax(p.values))
    if p.kind == "cyclic" and p.params["step_size_up"] >= p.own:
        cause = f"step_size_up {_num(p.params['step_size_up'])} >= {p.own} steps"
        fix = f"set step_size_up below {p.own}"
    elif p.kind == "onecycle":
        rise = p.params["pct_start"] * p.params["total_steps"]
        if rise - 1 < p.own - 1:  # torch's rise ends at step pct_start x total_steps - 1, inside the run
            cause = f"the rise ends between two steps, at step {_num(rise - 1)} = pct_start x total_steps - 1"
            fix = "choose pct_start and total_steps so that pct_start x total_steps is a whole number"
        else:
            cause = f"the rise of pct_start x total_steps = {_num(rise)} steps outlasts the run"
            fix = f"set total_steps={p.own}"
    else:
        if p.warmup and p.params["warmup_mode"] == "overlay":
            cause = f"the warmup overlays the first {p.warmup} steps, by which the schedule has decayed"
            fix = "set warmup_mode=prefix (timm warmup_prefix=True)"
        else:
            cause = f"the warmup of {p.warmup} steps ends after the run" if p.warmup else "the run stops first"
            fix = "shorten the warmup or run longer"
    yield "warning", (f"the rate peaks at {_lr(p.peak)} at step {p.start + where}, never reaching max_lr "
                      f"{_lr(top)} ({cause}); {fix}")


def _peak_candidates(p: Part) -> list[int]:
    """Steps where a schedule of this kind should peak: its start, the end of its warmup, the top
    of a cyclic or one-cycle rise."""
    at = [0, p.warmup - 1, p.prefix]
    if p.kind == "cyclic":
        at.append(p.prefix + round(p.params["step_size_up"]))
    elif p.kind == "onecycle":
        at.append(p.prefix + round(p.params["pct_start"] * p.params["total_steps"]) - 1)
    return [i for i in at if 0 <= i < p.steps]


def min_above_max(p: Part) -> Iterator[tuple[str, str]]:
    """min_lr at or above max_lr: the schedule has nothing to decay through."""
    low, top = p.params.get("min_lr"), p.params.get("max_lr")
    if low is None or top is None or p.kind in ("expr", "python") or low < top:
        return
    yield "warning", (f"the rate cannot decay: it stays at {_lr(top)} from step {p.start} (min_lr {_lr(low)} >= "
                      f"max_lr {_lr(top)}); set min_lr below max_lr, e.g. min_lr={_lr(top / 100)}")


def plateau_patience(p: Part) -> Iterator[tuple[str, str]]:
    """Plateau patience or cooldown as long as the run: the rate can never be cut (or only once)."""
    if p.kind not in ("plateau", "greedy"):
        return
    patience, cooldown = p.params["patience"], p.params["cooldown"]
    first = patience + 2  # lr(t) has seen metric[0..t-1]: a best value, then patience + 1 without improvement
    if first > p.own - 1:
        yield "warning", (f"the rate can never be cut: the first cut comes at step {p.at(first)} at the earliest, "
                          f"after the run stops at step {p.end} (patience {patience} in a run of {p.own} steps); "
                          f"set patience below {max(p.own - 2, 0)}")
    elif cooldown and first + cooldown + patience + 1 > p.own - 1:
        yield "warning", (f"the rate can be cut only once: after a cut at step {p.at(first)}, the next comes after "
                          f"the run stops at step {p.end} (cooldown {cooldown} and patience {patience} in a run of "
                          f"{p.own} steps); set a smaller cooldown")


def stepped_per_update(p: Part) -> Iterator[tuple[str, str]]:
    """A scheduler stepped more than once per update (Accelerate steps it once per process): the
    schedule runs that many times faster than the training."""
    times = getattr(p.run, "scheduler_steps_per_update", 1) or 1
    if not p.top or times <= 1:
        return
    yield "warning", (f"the schedule reaches its step {p.steps} after {math.ceil(p.steps / times)} updates "
                      f"(the scheduler is stepped {times} times per update, as Accelerate does once per "
                      f"process); step it once per update, or multiply its lengths by {times}")


def onecycle_overrun(p: Part) -> Iterator[tuple[str, str]]:
    """OneCycle stepped past total_steps: PyTorch's OneCycleLR raises ("Tried to step ... times")."""
    if p.kind != "onecycle":
        return
    total = p.params["total_steps"]
    if p.own > total:
        yield "warning", (f"PyTorch raises at step {p.at(total + 1)}: OneCycleLR is stepped {p.own} times "
                          f"(total_steps {total} < {p.own} steps); set total_steps={p.own}")


def bad_values(p: Part) -> Iterator[tuple[str, str]]:
    """A negative or non-finite rate (a LambdaLR formula past its end, an overflow)."""
    if not p.top:
        return
    bad = _first_non_finite(p)
    if bad is not None:
        yield "warning", (f"the rate is {p.values[bad]} at step {bad} (not a finite number); choose parameters "
                          "that keep it finite")
    elif p.low < 0:
        bad = int(np.argmax(p.values < 0))
        yield "warning", (f"the rate is negative from step {bad}, down to {_lr(p.low)} (a formula past the end of "
                          "its range); clip the formula at 0, e.g. max(0, ...)")


def _first_non_finite(p: Part) -> int | None:
    if math.isfinite(p.low) and math.isfinite(float(np.add.reduce(p.values))):  # one pass for most
        return None
    bad = np.flatnonzero(~np.isfinite(p.values))
    return int(bad[0]) if bad.size else None  # else only the sum overflowed


def framework_arguments(p: Part) -> Iterator[tuple[str, str]]:
    """Framework arguments lrsched accepted that change nothing it draws (cycle_momentum and the
    momentum bounds of CyclicLR and OneCycleLR, timm's noise settings without noise_range_t)."""
    if not p.unused:
        return
    them = ", ".join(p.unused)
    momentum = any("momentum" in arg for arg in p.unused)
    cause = ("lrsched draws the learning rate, not the momentum" if momentum else
             "timm adds noise only when noise_range_t is set")
    fix = ("keep them for your optimizer (with Adam, PyTorch needs cycle_momentum=False)" if momentum else
           "drop them, or set noise_range_t in training and expect a noisy rate")
    yield "note", f"{them} {'changes' if len(p.unused) == 1 else 'change'} nothing lrsched draws ({cause}); {fix}"


def logged_rate(p: Part) -> Iterator[tuple[str, str]]:
    """A logged learning rate (--log) that parts from the plan: the first logged step beyond a
    relative 1e-6, the largest difference, and the known cause with its fix (the log shifted by one
    step, the scheduler stepped K times per update, another horizon); a log that follows the plan,
    or differs from it by float32 rounding only, is a note."""
    for name, alignment in p.logs:
        yield log_finding(name, alignment)


def log_finding(name: str, a: Any) -> tuple[str, str]:
    """(level, message) of one log aligned with the plan (an Alignment of core/align.py)."""
    steps = f"{a.compared:,} logged step{'s' if a.compared != 1 else ''}"
    if a.beyond:
        steps += f", {a.beyond:,} more past the plan's end"
    if not a.compared:
        first, last = a.span or (0, 0)
        return "warning", (f"the log {name} has no step inside the plan's {a.plan_steps:,} steps: it logs steps "
                           f"{first:,} to {last:,} (the plan is shorter than the run, or the log counts steps "
                           f"another way); plan the run's steps, --steps {last + 1}, or check the log's step column")
    cause, fix = log_cause(a)
    if not a.parted:
        return "note", (f"the log {name} follows the plan at its {steps}, a relative difference of at most "
                        f"{a.worst:.2g} ({cause}); {fix}")
    return "warning", (f"the log {name} parts from the plan at step {a.first_step}, most at step {a.worst_step}: "
                       f"plan {_lr6(a.planned)}, log {_lr6(a.logged)}, a relative difference of {a.worst:.3g} "
                       f"over {steps} ({cause}); {fix}")


def log_cause(a: Any) -> tuple[str, str]:
    """(the cause as said, its fix) of an alignment with steps compared: `lrsched diff --log` says them too."""
    if not a.parted:
        return LOG_FIXES["float32" if a.cause == "float32" else "agree"](a)
    return LOG_FIXES[a.cause](a)


def _lr6(value: float) -> str:
    return f"{value:.6g}"


def _shift_fix(a: Any) -> tuple[str, str]:
    if a.detail == 1:
        return a.diagnosis, "log before scheduler.step(), or read step s of the log as the plan's step s+1"
    return a.diagnosis, ("log after scheduler.step(), or read step s of the log as the plan's step s-1, as lrsched "
                         "fit does")


def _compressed_fix(a: Any) -> tuple[str, str]:
    k = a.detail
    return a.diagnosis, (f"step the scheduler once per update, or multiply its lengths by {k} "
                         f"(--scheduler-steps-per-update {k} draws the run as it went)")


def _horizon_fix(a: Any) -> tuple[str, str]:
    return a.diagnosis, (f"build the run's scheduler for {a.plan_steps:,} steps, or plan {a.detail:,} "
                         f"(--steps {a.detail}) to see the run as it went")


def _unknown_fix(a: Any) -> tuple[str, str]:
    return ("no known cause fits: not a shift by one step, a compression, another horizon or float32 rounding",
            "compare the run's scheduler arguments with the plan's, or run lrsched fit LOG to find the schedule "
            "behind the log")


def _float32_fix(a: Any) -> tuple[str, str]:
    return a.diagnosis, "nothing to fix"


def _agree_fix(a: Any) -> tuple[str, str]:
    return (f"within the tolerance {a.tolerance:g}" if a.worst else "every logged value is the plan's"), \
        "nothing to fix"


#: The cause of a log's alignment (core/align.py CAUSES, None: no known cause; "agree": none
#: needed) to (the cause as said, its fix).
LOG_FIXES: dict[str | None, Callable[[Any], tuple[str, str]]] = {
    "shift": _shift_fix, "compressed": _compressed_fix, "horizon": _horizon_fix, "float32": _float32_fix,
    None: _unknown_fix, "agree": _agree_fix}


def log_findings(schedule: str, logs: Sequence[tuple[str, Any]]) -> list[Finding]:
    """The logged_rate findings of one schedule's logs: what plot, table, compare and check print."""
    found = [log_finding(name, alignment) for name, alignment in logs]
    return [Finding("logged_rate", level, schedule, message) for level, message in found]


CHECKS: dict[str, Check] = {check.__name__: check for check in (
    rises_after_horizon, horizon, zero_start, warmup_too_long, milestones, milestone_shift, phase_jump,
    peak_not_reached, min_above_max, plateau_patience, stepped_per_update, onecycle_overrun, bad_values,
    framework_arguments, logged_rate)}


def describe_checks() -> list[tuple[str, str]]:
    """(name, one-paragraph docstring) of every check, in table order."""
    return [(name, " ".join((check.__doc__ or "").split())) for name, check in CHECKS.items()]


# -- running them ------------------------------------------------------------------------------

def lint(schedules: list, columns: list, run: Any, unused: Sequence[Sequence[str]] | None = None,
         holds: Sequence[int] | None = None, logs: Sequence[Sequence[tuple[str, Any]]] | None = None
         ) -> list[Finding]:
    """Every finding of every check on every schedule (and each phase of a sequence).

    `run` needs `.steps`; `unused[i]` lists the framework arguments of schedule i that change
    nothing drawn, as the caller found them (core does not read framework modules); `holds[i]`
    the updates each of its values holds (an epoch's when stepped once per epoch); `logs[i]` its
    logs aligned with it, as (label, core.align Alignment).
    """
    findings = []
    with np.errstate(all="ignore"):  # extreme values (a sum beyond 1e308) are judged, not warned about
        for i, (schedule, values) in enumerate(zip(schedules, columns)):
            top = Part(schedule, values, 0, run, schedule.label, unused=tuple(unused[i]) if unused else (),
                       hold=holds[i] if holds else 1, logs=tuple(logs[i]) if logs else ())
            for part in _parts(top):
                for name, check in CHECKS.items():
                    findings.extend(Finding(name, level, part.name, message) for level, message in check(part))
    return findings


def _parts(part: Part) -> Iterator[Part]:
    yield part
    for child, start, values in _children(part):
        name = f"{part.name}, phase {_index(part, child)} ({child.kind.name})"
        followed = child is not part.schedule.phases[-1]
        yield from _parts(Part(child, values, start, part.run, name, top=False, followed=followed))


def _index(part: Part, child: Any) -> int:
    return next(i for i, c in enumerate(part.schedule.phases) if c is child) + 1


def _children(part: Part) -> Iterator[tuple[Any, int, Any]]:
    """(phase, run step where it starts, its values) of a sequence, for the phases inside the run."""
    compose = part.schedule.kind.compose
    if compose is None or not compose.split:
        return
    offset = part.prefix
    phases = part.schedule.phases
    for i, child in enumerate(phases):
        last = i == len(phases) - 1
        stop = part.steps if last else min(offset + (child.steps or 0), part.steps)
        if stop > offset:
            yield child, part.start + offset, part.values[offset:stop]
        offset = stop
        if offset >= part.steps:
            return


def has_warnings(findings: Sequence[Finding]) -> bool:
    return any(f.level == "warning" for f in findings)
