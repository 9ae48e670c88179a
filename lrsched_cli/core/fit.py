"""Find the schedule behind a logged learning rate (`lrsched fit LOG`).

Structure first, then closed forms: the warmup's length and start are read off the rising part
of the log (the peak bounds where it ends), each family's integer lengths (step sizes, milestones,
where a decay reaches its floor) off the places the log changes or stops changing, and the
continuous parameters are then solved in closed form (least squares on a linearising transform)
or by a one-dimensional search where a family has a nonlinear one (a cosine's length, a
polynomial's power). Every candidate is a kind mapping that `core.engine.build` takes, and is
ranked by its largest relative error against the log, measured with the engine's own evaluation.

Each warmup is tried as a prefix (the schedule's clock starts after it: PyTorch's SequentialLR,
Hugging Face, whose horizon includes the warmup) and as an overlay (timm: the clock runs through
the warmup, which rises to max_lr). numpy only; never prints.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .._lazy import lazy_import
from .align import logged_points, relative

np = lazy_import("numpy")

#: Points of the log a candidate is scored on while searching (evenly spread, the warmup whole);
#: the ranked candidates are then measured on every logged point.
SEARCH_POINTS = 20_000
VERIFIED = 12
#: Integer lengths tried where the log leaves a range open (logged every k steps).
MAX_RANGE = 24
#: Most decays a staircase (step, multistep) may have: more is a smooth decay.
MAX_DECAYS = 10_000
FLOAT64_TOLERANCE = 1e-9
FLOAT32_TOLERANCE = 1e-6
FAMILIES = ("constant", "exponential", "step", "multistep", "linear", "polynomial", "cosine", "inverse_sqrt",
            "inverse_time")


@dataclass
class Candidate:
    mapping: dict[str, Any]        # a kind mapping: the YAML entry that reproduces the log
    error: float = math.inf        # largest relative error over the logged points
    worst_step: int | None = None
    notes: list[str] = field(default_factory=list)        # what the log leaves open (a range of lengths)
    equivalents: list[str] = field(default_factory=list)  # the same schedule in a framework's terms
    offset: int = 0                # 1: the value logged at step s is lr(s-1) (logged after the update)
    steps: int = 0                 # the run it is evaluated over: the last step it explains + 1

    @property
    def kind(self) -> str:
        return self.mapping["kind"]

    def describe(self) -> str:
        m = self.mapping
        warm = ""
        if m.get("warmup_steps"):
            warm = f" after a {m['warmup_steps']}-step linear warmup"
            warm += " (overlay, timm)" if m.get("warmup_mode") == "overlay" else ""
        late = ", logged after each update (the value at step s is lr(s-1))" if self.offset else ""
        return f"{m['kind']}{warm}{late}"


@dataclass
class Fit:
    candidates: list[Candidate]
    steps: int                     # the horizon: the last logged step + 1
    tolerance: float
    points: int
    ambiguous: list[str] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def exact(self) -> bool:
        return bool(self.candidates) and self.candidates[0].error <= self.tolerance


def fit(log: Any, *, top: int = 5) -> Fit:
    """Rank the schedules that reproduce `log` (a Log, or a (steps, values) pair).

    The log is read both ways a trainer may log: the value at step s is lr(s) (logged before
    the update, as Lightning's LearningRateMonitor does) or lr(s-1), the rate of the update just
    made (logged after it, as Hugging Face's Trainer does).
    """
    from .engine import check_steps

    steps, values = logged_points(log)
    keep = steps >= 0
    steps, values = steps[keep], values[keep]
    check_steps(int(steps[-1]) + 1)
    float32 = bool(np.array_equal(values.astype(np.float32).astype(np.float64), values))
    tolerance = FLOAT32_TOLERANCE if float32 else FLOAT64_TOLERANCE
    found: list[Candidate] = []
    for offset in (0, 1) if steps[0] >= 1 else (0,):
        found += _fit_at(steps - offset, values, tolerance, offset)
    found.sort(key=_rank)
    best = found[0].steps if found else int(steps[-1]) + 1
    result = Fit(found[:top], best, tolerance, int(steps.size))
    result.ambiguous = _ambiguity(result, steps)
    return result


def _fit_at(steps: Any, values: Any, tolerance: float, offset: int) -> list[Candidate]:
    horizon = int(steps[-1]) + 1
    probe = _search_points(steps)
    scored: list[Candidate] = []
    seen: set[str] = set()
    for candidate in _candidates(steps, values, horizon, tolerance):
        key = repr(sorted(candidate.mapping.items()))
        if key in seen:
            continue
        seen.add(key)
        try:
            candidate.error = _score(candidate.mapping, steps[probe], values[probe], horizon)
        except Exception:  # a mapping the kind refuses (a bound, a rule): not a candidate
            continue
        candidate.offset, candidate.steps = offset, horizon
        scored.append(candidate)
    scored.sort(key=_rank)
    verified = _verify(scored[:VERIFIED * 3], steps, values, horizon)
    return _distinct(verified, horizon, tolerance)


def _rank(c: Candidate) -> tuple:
    return (c.error, FAMILIES.index(c.kind) if c.kind in FAMILIES else 99, len(c.mapping))


def _search_points(steps: Any) -> Any:
    if steps.size <= SEARCH_POINTS:
        return np.arange(steps.size)
    spread = np.linspace(0, steps.size - 1, SEARCH_POINTS).round().astype(np.int64)
    return np.unique(np.concatenate([np.arange(min(2000, steps.size)), spread]))


def _values_at(mapping: dict, steps: Any, horizon: int) -> Any:
    """lr at the given steps, as the engine computes it, without evaluating every step."""
    from .engine import _warmup, build

    schedule = build(mapping, horizon)
    p = schedule.params
    warmup = p["warmup_steps"]
    t = steps.astype(np.float64)
    clock = t if p["warmup_mode"] == "overlay" else t - warmup
    with np.errstate(all="ignore"):
        own = np.asarray(schedule.kind.evaluate(np.maximum(clock, 0.0), p), dtype=np.float64)
        if not warmup:
            return own
        first = np.asarray(schedule.kind.evaluate(np.array([0.0]), p), dtype=np.float64)[0]
        target = p["max_lr"] if p["warmup_target"] == "max_lr" else first
        return np.where(t < warmup, _warmup(t, warmup, p, target), own)


def _score(mapping: dict, steps: Any, values: Any, horizon: int) -> float:
    got = _values_at(mapping, steps, horizon)
    err = relative(got, values)
    return float(err.max()) if np.all(np.isfinite(err)) else math.inf


def _verify(cands: list[Candidate], steps: Any, values: Any, horizon: int) -> list[Candidate]:
    """The engine's own evaluation of every step, at the logged steps: the reported error."""
    from .engine import build, evaluate

    out = []
    for c in cands:
        try:
            got = evaluate(build(c.mapping, horizon), horizon)[steps]
        except Exception:
            continue
        err = relative(got, values)
        worst = int(np.argmax(err))
        c.error, c.worst_step = float(err[worst]), int(steps[worst])
        out.append(c)
    out.sort(key=_rank)
    return out


def _distinct(cands: list[Candidate], horizon: int, tolerance: float) -> list[Candidate]:
    """One of each schedule: candidates whose every step agrees are the same schedule written
    twice (step and multistep with evenly spaced milestones); the simpler is kept."""
    from .engine import build, evaluate

    kept: list[tuple[Candidate, Any]] = []
    for c in cands:
        values = evaluate(build(c.mapping, horizon), horizon)
        if any(np.all(relative(values, other) <= tolerance) for _, other in kept):
            continue
        kept.append((c, values))
    return [c for c, _ in kept]


def _ambiguity(result: Fit, steps: Any) -> list[str]:
    said = []
    exact = [c for c in result.candidates if c.error <= result.tolerance]
    if len(exact) > 1:
        said.append(f"{len(exact)} candidates fit the log equally (within {result.tolerance:g}) and differ at "
                    "steps it did not log: " + "; ".join(c.describe() for c in exact))
    for c in exact[:1]:
        said.extend(c.notes)
    return said


# -- candidates ----------------------------------------------------------------------------------

def _candidates(steps: Any, values: Any, horizon: int, tol: float) -> Iterator[Candidate]:
    for warmup, start, reached in _warmups(steps, values, tol):
        for mode in (("prefix", "overlay") if warmup else ("prefix",)):
            after = steps >= warmup
            u = steps[after] - (warmup if mode == "prefix" else 0)
            v = values[after]
            if u.size == 0:
                continue
            own_horizon = horizon - warmup if mode == "prefix" else horizon
            for family in FAMILIES:
                u_f = u.astype(np.float64)
                top = float(v[0]) if u[0] == 0 else reached
                for params, notes in FITTERS[family](u_f, v, own_horizon, tol, top):
                    mapping = {"kind": family, **params}
                    if warmup:
                        mapping.update(warmup_steps=int(warmup), warmup_start_lr=_clean(start))
                        if mode == "overlay":
                            mapping.update(warmup_mode="overlay", warmup_target="max_lr")
                    yield Candidate(mapping, notes=list(notes), equivalents=_dialects(mapping, horizon))


def _clean(x: float) -> float:
    """A float as written in YAML: noise below the 15th digit dropped (0.1 stays 0.1)."""
    x = float(x)
    short = float(f"{x:.15g}")
    return short if abs(short - x) <= 4 * abs(x) * 2.0 ** -52 else x


def _warmups(steps: Any, values: Any, tol: float) -> Iterator[tuple[int, float, Any]]:
    """(warmup length, start, the value it rises to or None) triples: none, and where the log
    rises to a peak, the lengths that end the rise between the last rising step logged and the
    peak (the rise's line gives the value it reaches there)."""
    yield 0, 0.0, None
    stops = np.flatnonzero(values[1:] <= values[:-1] * (1 + tol))  # the rise ends where the log stops rising
    peak = int(stops[0]) if stops.size else int(np.argmax(values))
    if peak == 0 or not _rises(values[:peak + 1], tol):
        return
    s, y = steps[:peak + 1].astype(np.float64), values[:peak + 1]
    slope = None
    if peak >= 2:
        slope = (y[1] - y[0]) / (s[1] - s[0])
        start = y[0] - slope * s[0]
        estimate = (y[peak] - start) / slope if slope > 0 else s[peak]
    else:
        start, estimate = (y[0] if s[0] == 0 else 0.0), s[peak]
    start = float(y[0]) if s[0] == 0 else float(start)
    if abs(start) <= 1e-12 * float(y[peak]):  # a start of 0 through rounding noise (-4e-19)
        start = 0.0
    # The rise ends after the last rising step logged, and no later than the step logged after
    # the peak (a decay there may already be below the peak's value on the ramp).
    low = int(s[peak - 1]) + 1
    high = int(steps[peak + 1]) if peak + 1 < steps.size else int(s[peak])
    lengths = range(low, high + 1)
    if len(lengths) > MAX_RANGE:
        guess = int(round(estimate))
        lengths = sorted({w for w in range(guess - 3, guess + 4) if low <= w <= high} | {high})
    for w in lengths:
        yield w, start, (float(y[peak]) if slope is None else start + slope * w)


def _rises(y: Any, tol: float) -> bool:
    return bool(np.all(np.diff(y) > -tol * np.abs(y[1:])))


# -- fitters: (own clock u >= 0, values v, own horizon, tolerance) -> [(params, notes)] -----------

def _same(a: Any, b: Any, tol: float) -> Any:
    return relative(a, b) <= tol


def _final_hold(u: Any, v: Any, tol: float) -> int | None:
    """Index of the first point of the run of equal values the log ends with (None if no run)."""
    # Bit-equal: a held value is one number repeated, while the end of a long cosine changes by
    # less than any tolerance from one step to the next.
    same = v == v[-1]
    if same.size < 3 or not same[-2]:
        return None
    changed = np.flatnonzero(~same)
    if not changed.size:
        return None
    return int(changed[-1]) + 1


def _constant(u, v, horizon, tol, top):
    if np.all(_same(v, v[0], tol)):
        yield {"max_lr": _clean(v[0])}, ()


def _decays(u, v, tol, top):
    """(max_lr, gamma, counts) of a staircase of multiplications, or None."""
    if top is None or top <= 0 or np.any(v <= 0):
        return None
    change = np.flatnonzero(~_same(v[1:], v[:-1], tol))
    if not change.size:
        return None
    j = int(change[0]) + 1
    gamma = v[j] / v[j - 1]
    counts = np.log(v / top) / math.log(gamma) if gamma != 1 else None
    # Whole numbers of decays, each told apart (a slow smooth decay gives counts of 1e8, all
    # "whole" to a relative 1e-6: not a staircase)
    if counts is None or np.any(np.abs(counts - np.round(counts)) > 1e-6) or np.max(np.abs(counts)) > MAX_DECAYS:
        return None
    return top, gamma, np.round(counts).astype(np.int64)


def _step(u, v, horizon, tol, top):
    found = _decays(u, v, tol, top)
    if found is None:
        return
    top, gamma, n = found
    pos = n > 0
    if np.any(n < 0) or not pos.any():  # the rate rises above its first value, or never decays: no step
        return
    lo = float(np.max(u / (n + 1)))
    hi = float(np.min(u[pos] / n[pos]))
    sizes = range(int(math.floor(lo)) + 1, int(math.floor(hi)) + 1)
    if not sizes:
        return
    notes = () if len(sizes) == 1 else (f"step_size is any of {sizes.start} .. {sizes.stop - 1}: the log does "
                                        "not log the steps that would tell them apart",)
    yield {"max_lr": _clean(top), "step_size": sizes.start, "gamma": _clean(gamma)}, notes


def _multistep(u, v, horizon, tol, top):
    found = _decays(u, v, tol, top)
    if found is None:
        return
    top, gamma, n = found
    milestones, notes = [], []
    for i in np.flatnonzero(np.diff(n) != 0) + 1:
        if n[i] < n[i - 1]:
            return
        milestones += [int(u[i])] * int(n[i] - n[i - 1])
        if u[i] - u[i - 1] > 1:
            notes.append(f"a milestone lies in {int(u[i - 1]) + 1} .. {int(u[i])} (the first logged step "
                         "after it is taken)")
    yield {"max_lr": _clean(top), "milestones": milestones, "gamma": _clean(gamma)}, tuple(notes[:3])


def _line(x, y):
    """Least squares y = a x + b."""
    a, b = np.polyfit(x, y, 1)
    return float(a), float(b)


def _exponential(u, v, horizon, tol, top):
    if np.any(v <= 0) or u.size < 2 or np.all(_same(v, v[0], tol)):
        return
    a, b = _line(u, np.log(v))
    top = top or math.exp(b)
    yield {"max_lr": _clean(top), "gamma": _clean(math.exp(a))}, ()


def _inverse_time(u, v, horizon, tol, top):
    if np.any(v <= 0) or u.size < 2 or np.all(_same(v, v[0], tol)):
        return
    a, b = _line(u, 1.0 / v)
    if b <= 0 or a < 0:
        return
    top = top or 1.0 / b
    yield {"max_lr": _clean(top), "decay_rate": _clean(a * top)}, ()


def _inverse_sqrt(u, v, horizon, tol, top):
    if np.any(v <= 0) or u.size < 2 or np.all(_same(v, v[0], tol)):
        return
    a, b = _line(u, 1.0 / v ** 2)
    if b <= 0 or a <= 0:
        return
    top = top or 1.0 / math.sqrt(b)
    us, vs = _subsample(u, v)

    def error(scale: float) -> float:
        return float(np.max(relative(top * np.sqrt(scale / (us + scale)), vs)))

    yield {"max_lr": _clean(top), "timescale": _snap(b / a, error)}, ()


def _lengths_of_hold(u, v, tol, horizon):
    """Integer lengths where the log stops changing; the horizon when it never does."""
    j = _final_hold(u, v, tol)
    if j is None or j == 0:
        return [int(horizon)], None
    low, high = int(u[j - 1]) + 1, int(u[j])
    if high - low + 1 > MAX_RANGE:
        return [low, high], j
    return list(range(low, high + 1)), j


def _linear(u, v, horizon, tol, top):
    if top is None or u.size < 2:
        return
    first = top
    lengths, j = _lengths_of_hold(u, v, tol, horizon)
    ramp = slice(0, j if j is not None else u.size)
    if ramp.stop < 2:
        return
    a, _ = _line(u[ramp], v[ramp])
    for length in lengths:
        end = v[-1] if j is not None else first + a * length
        top = max(first, end)
        if top <= 0 or end < 0:
            continue
        yield {"max_lr": _clean(top), "start_factor": _clean(first / top), "end_factor": _clean(end / top),
               "total_iters": int(length)}, ()


def _golden(f: Callable[[float], float], lo: float, hi: float, iterations: int = 90) -> float:
    """Minimise f over [lo, hi] on a log scale (a length of 0 or inf tried on the way is an
    infinite error, not a warning)."""
    with np.errstate(all="ignore"):
        return _golden_search(f, lo, hi, iterations)


def _golden_search(f: Callable[[float], float], lo: float, hi: float, iterations: int) -> float:
    a, b = math.log(lo), math.log(hi)
    ratio = (math.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(math.exp(c)), f(math.exp(d))
    for _ in range(iterations):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(math.exp(d))
    return math.exp((a + b) / 2)


def _snap(x: float, error: Callable[[float], float]) -> float:
    """x, or the shortest decimal near it that fits as well (a power of 2.0, a length of 950)."""
    best, best_err = _clean(x), error(_clean(x))
    for digits in range(0, 7):
        short = round(x, digits)
        if short >= 0 and error(short) <= best_err * (1 + 1e-9) + 1e-15:
            return float(short)
    return best


def _floor_fit(v, top, shape):
    """min_lr by least squares for v = m + (top - m) * shape, and the squared relative residual."""
    basis = 1.0 - shape
    denom = float(np.dot(basis, basis))
    m = float(np.dot(basis, v - top * shape)) / denom if denom > 0 else 0.0
    m = min(max(m, 0.0), top)
    model = m + (top - m) * shape
    return m, float(np.sum(((model - v) / np.maximum(v, max(1e-12 * top, 1e-300))) ** 2))


def _subsample(u, v, size: int = 4000):
    if u.size <= size:
        return u, v
    pick = np.linspace(0, u.size - 1, size).round().astype(np.int64)
    return u[pick], v[pick]


def _polynomial(u, v, horizon, tol, top):
    if top is None or u.size < 3 or np.all(_same(v, v[0], tol)) or np.any(np.diff(v) > tol * v[1:]):
        return
    lengths, _ = _lengths_of_hold(u, v, tol, horizon)
    us, vs = _subsample(u, v)
    for length in lengths:
        frac = 1.0 - np.minimum(us, length) / length

        def error(power: float) -> float:
            return _floor_fit(vs, top, frac ** power)[1]

        power = _snap(_golden(error, 0.02, 50.0), error)
        floor = _floor_fit(vs, top, frac ** power)[0]
        yield {"max_lr": _clean(top), "max_update": int(length), "power": power,
               "min_lr": _snap(floor, lambda m: _floor_residual(vs, top, frac ** power, m))}, ()


def _floor_residual(v, top, shape, m):
    model = m + (top - m) * shape
    return float(np.sum(((model - v) / np.maximum(v, max(1e-12 * top, 1e-300))) ** 2))


def _cosine(u, v, horizon, tol, top):
    if top is None or u.size < 3 or np.all(_same(v, v[0], tol)):
        return
    us, vs = _subsample(u, v)
    hold_lengths, j = _lengths_of_hold(u, v, tol, horizon)
    if j is not None:  # optax and Keras hold the floor after the cycle
        for length in hold_lengths:
            shape = (1 + np.cos(np.pi * np.minimum(us, length) / length)) / 2
            floor = _floor_fit(vs, top, shape)[0]
            yield {"max_lr": _clean(top), "cycle_length": float(length), "min_lr": _clean(v[-1]),
                   "past_end": "hold"}, ()
            del floor

    def error(length: float) -> float:
        return _floor_fit(vs, top, (1 + np.cos(np.pi * us / length)) / 2)[1]

    rises = np.flatnonzero(v[1:] > v[:-1] * (1 + tol))  # the first trough: the end of the first cycle
    lowest = int(rises[0]) if rises.size else v.size - 1
    if 0 < lowest < v.size - 1:  # PyTorch's cosine rises again after cycle_length: the floor is at it
        lo, hi = max(u[lowest - 1], 1e-3), u[lowest + 1]
    else:
        lo, hi = max(float(u[-1]) * 0.5, 1e-3), max(float(u[-1]) * 200.0, 10.0)
    found = [_golden(error, lo, hi), float(horizon)]
    for length in found:
        length = _snap(length, error)
        floor = _floor_fit(vs, top, (1 + np.cos(np.pi * us / length)) / 2)[0]
        yield {"max_lr": _clean(top), "cycle_length": length,
               "min_lr": _snap(floor, lambda m: _floor_residual(vs, top, (1 + np.cos(np.pi * us / length)) / 2, m))
               }, ()


FITTERS = {"constant": _constant, "step": _step, "multistep": _multistep, "exponential": _exponential,
           "linear": _linear, "polynomial": _polynomial, "cosine": _cosine, "inverse_sqrt": _inverse_sqrt,
           "inverse_time": _inverse_time}


def _dialects(mapping: dict, horizon: int) -> list[str]:
    """Where a framework writes this schedule differently: the notes a user needs to map it."""
    w = mapping.get("warmup_steps", 0)
    if mapping["kind"] == "cosine" and w and mapping.get("warmup_mode") != "overlay" \
            and mapping.get("min_lr", 0) == 0 and mapping.get("past_end", "continue") == "continue" \
            and mapping.get("warmup_start_lr", 0) == 0:  # HF's warmup starts at 0
        total = w + mapping["cycle_length"]
        if float(total).is_integer():
            return [f"Hugging Face: get_cosine_schedule_with_warmup(num_warmup_steps={w}, "
                    f"num_training_steps={int(total)}) (its horizon includes the warmup)"]
    if mapping.get("warmup_mode") == "overlay" and mapping["kind"] == "cosine":
        return [f"timm: CosineLRScheduler(t_initial={mapping['cycle_length']:g}, warmup_t={w}, "
                f"warmup_lr_init={mapping['warmup_start_lr']:g}, lr_min={mapping['min_lr']:g}) "
                "(its warmup overlays the schedule)"]
    return []
