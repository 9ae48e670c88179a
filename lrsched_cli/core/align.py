"""Plan versus log: where a logged learning rate parts from the planned one, and why.

`align(values, log)` compares the plan lr(t), t = 0 .. n-1, with the logged (step, value) pairs
(a resumed run's later value of a step wins), finds the first step beyond the tolerance and the
largest relative difference, and names a known cause where one fits:

- float32 rounding only (the log is the plan rounded to single precision);
- the log is the plan shifted by one step (logged after, or before, `scheduler.step()`);
- the log is the plan compressed K times (the scheduler stepped K times per update, as
  Accelerate does on K processes);
- the log is the plan of a different horizon (with `replan`, which evaluates the plan for
  another horizon; `horizon_replan` makes one for a built schedule).

numpy only; never prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .._lazy import lazy_import

np = lazy_import("numpy")

#: Relative difference beyond which plan and log part: float32 rounding (6e-8) and the few ulps
#: a framework's arithmetic differs by stay well below it.
TOLERANCE = 1e-6
FLOAT32_EPS = 2.0 ** -24
MAX_FACTOR = 64  # scheduler steps per update tried for "compressed K times"


#: The known causes, by the name `Alignment.cause` holds: what each means. lint (core/lint.py)
#: turns each into a finding with its fix; a test keeps the two tables equal.
CAUSES = {
    "float32": "the log holds the plan rounded to single precision",
    "shift": "the log is the plan shifted by one step (logged before or after scheduler.step())",
    "compressed": "the log is the plan compressed K times (the scheduler stepped K times per update)",
    "horizon": "the log is the plan of a different horizon (another number of training steps)",
}


@dataclass
class Alignment:
    compared: int                 # logged steps inside the plan
    beyond: int                   # logged steps at or past the plan's end (not compared)
    tolerance: float
    first_step: int | None        # first logged step beyond the tolerance
    worst_step: int | None        # where the relative difference is largest
    worst: float                  # the largest relative difference (0 when nothing is compared)
    planned: float | None = None  # the plan and the log at worst_step
    logged: float | None = None
    cause: str | None = None      # a key of CAUSES, or None
    diagnosis: str | None = None  # one sentence saying what the cause means
    detail: int | None = None     # shift: log step s is the plan's s + detail; compressed: K; horizon: its steps
    plan_steps: int = 0           # the plan's length
    span: tuple[int, int] | None = None              # the first and last logged step
    steps: Any = field(default=None, repr=False)     # the compared logged steps, sorted
    relative: Any = field(default=None, repr=False)  # their relative differences

    @property
    def parted(self) -> bool:
        return self.first_step is not None


#: Below this fraction of the log's largest value, differences are measured against it instead:
#: a cosine that reaches 0 computes 6e-18 there, which is no relative difference of 1.
FLOOR = 1e-12


def relative(planned: Any, logged: Any) -> Any:
    """|log - plan| / max(|plan|, |log|, FLOOR x the largest |log|), 0 where both are 0."""
    scale = np.maximum(np.abs(planned), np.abs(logged))
    if np.size(logged):
        scale = np.maximum(scale, FLOOR * float(np.max(np.abs(logged))))
    diff = np.abs(logged - planned)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)


def logged_points(log: Any) -> tuple[Any, Any]:
    """(steps, values), sorted, one per step, from a Log or a (steps, values) pair."""
    if hasattr(log, "latest"):
        return log.latest()
    steps, values = log
    steps = np.asarray(steps, dtype=np.int64)
    unique, first = np.unique(steps[::-1], return_index=True)
    return unique, np.asarray(values, dtype=np.float64)[::-1][first]


def align(values: Any, log: Any, *, tolerance: float = TOLERANCE,
          replan: Callable[[int, int], Any] | None = None) -> Alignment:
    """Compare the plan `values` (lr(t), t = 0 .. n-1) with `log`; see the module's text."""
    plan = np.asarray(values, dtype=np.float64)
    steps, logged = logged_points(log)
    inside = (steps >= 0) & (steps < plan.size)
    s, y = steps[inside], logged[inside]
    result = Alignment(int(s.size), int(steps.size - s.size), tolerance, None, None, 0.0, plan_steps=int(plan.size),
                       span=(int(steps[0]), int(steps[-1])) if steps.size else None)
    if not s.size:
        return result
    rel = relative(plan[s], y)
    result.steps, result.relative = s, rel
    worst = int(np.argmax(rel))
    result.worst, result.worst_step = float(rel[worst]), int(s[worst])
    result.planned, result.logged = float(plan[s[worst]]), float(y[worst])
    over = np.flatnonzero(rel > tolerance)
    if over.size:
        result.first_step = int(s[over[0]])
        result.cause, result.detail, result.diagnosis = _diagnose(plan, s, y, tolerance, replan,
                                                                  int(steps.max()) + 1)
    elif result.worst > 1e-12 and _is_float32_of(plan[s], y):
        result.cause = "float32"
        result.diagnosis = "float32 rounding only: the log holds the plan in single precision"
    return result


def _is_float32_of(planned: Any, logged: Any) -> bool:
    return bool(np.all(planned.astype(np.float32).astype(np.float64) == logged))


def _fits(plan: Any, at: Any, y: Any, tolerance: float) -> bool:
    """The log at these plan indices matches (at least two points, inside the plan)."""
    ok = (at >= 0) & (at < plan.size)
    if ok.sum() < 2 or ok.sum() < 0.5 * at.size:
        return False
    return bool(np.all(relative(plan[at[ok]], y[ok]) <= tolerance))


def _diagnose(plan: Any, s: Any, y: Any, tolerance: float, replan: Any,
              needed: int) -> tuple[str | None, int | None, str | None]:
    """(cause, detail, diagnosis) of a log that parts from the plan; Nones when no known cause fits."""
    if _fits(plan, s + 1, y, tolerance):
        return "shift", 1, ("the log is the plan shifted by one step: the value logged at step s is the plan's at "
                            "s+1, logged after scheduler.step()")
    if _fits(plan, s - 1, y, tolerance):
        return "shift", -1, ("the log is the plan shifted by one step: the value logged at step s is the plan's at "
                             "s-1, the rate update s used, read before scheduler.step() as Hugging Face's Trainer "
                             "does")
    for k in range(2, MAX_FACTOR + 1):
        if s.max() * k >= plan.size and (s * k < plan.size).sum() < 2:
            break
        if _fits(plan, s * k, y, tolerance):
            return "compressed", k, (f"the log is the plan compressed {k} times: the scheduler stepped {k} times "
                                     f"per update, as Accelerate does on {k} processes")
    if replan is not None:
        horizon = _other_horizon(replan, plan.size, s, y, tolerance, needed)
        if horizon is not None:
            return "horizon", horizon, (f"the log is the plan of a different horizon: it matches the plan over "
                                        f"{horizon:,} steps, not {plan.size:,}")
    return None, None, None


def _other_horizon(replan: Callable[[int, int], Any], steps: int, s: Any, y: Any, tolerance: float,
                   needed: int) -> int | None:
    """The horizon whose plan matches the log: a coarse geometric scan, then the integers around
    the best of it (the error falls toward the true horizon from both sides)."""
    length = max(needed, steps)

    def error(h: int) -> float:
        try:
            values = np.asarray(replan(h, length), dtype=np.float64)
        except Exception:  # a horizon the schedule refuses (shorter than its warmup, ...)
            return float("inf")
        return float(relative(values[s], y).max())

    grid = sorted({int(round(steps * 2.0 ** (e / 8.0))) for e in range(-32, 33)} - {steps, 0})
    grid = [h for h in grid if h >= 1]
    errors = [error(h) for h in grid]
    best = int(np.argmin(errors))
    lo = grid[max(best - 1, 0)]
    hi = grid[min(best + 1, len(grid) - 1)]
    while hi - lo > 2:  # ternary search on integers
        a, b = lo + (hi - lo) // 3, hi - (hi - lo) // 3
        if error(a) <= error(b):
            hi = b
        else:
            lo = a
    for h in range(lo, hi + 1):
        if h != steps and error(h) <= tolerance:
            return h
    return None


def horizon_replan(schedule: Any, steps: int) -> Callable[[int, int], Any] | None:
    """replan(horizon, length) for a built schedule whose lengths were left to the horizon (a
    length equal to the horizon minus the warmup is taken as left out), else None."""
    from .engine import build, evaluate
    from .registry import HORIZON

    params = schedule.params
    own = steps - params["warmup_steps"] if params["warmup_mode"] == "prefix" else steps
    free = [p.name for p in schedule.kind.params if p.default is HORIZON and params.get(p.name) == own]
    if not free or schedule.kind.compose is not None:
        return None
    mapping = {k: v for k, v in schedule.to_mapping().items() if k not in free}

    def replan(horizon: int, length: int) -> Any:
        return evaluate(build(mapping, horizon), length)

    return replan
