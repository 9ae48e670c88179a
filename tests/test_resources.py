"""Every dimension of a run is bounded before the work: steps x schedules, expression size,
composite width and depth, factors x steps; and the estimate is an upper bound of what is
really allocated (measured with tracemalloc, never timed).

Each class is generated: sizes just under a limit work, just over are refused with one line.
"""
from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lrsched_cli.core import engine, kinds
from lrsched_cli.core.engine import build, check_run, cost, evaluate, run_cost
from lrsched_cli.core.expr import MAX_DEPTH, MAX_NODES
from lrsched_cli.core.kinds import REGISTRY
from lrsched_cli.core.pykind import allowed_imports
from lrsched_cli.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
GENERATED = settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def allow_the_python_kind(monkeypatch):
    monkeypatch.chdir(ROOT)  # the python kind's example imports a file in configs/
    with allowed_imports():
        yield


def peak_bytes(fn):
    """(result, bytes allocated at the peak of fn beyond what was allocated before)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and text
    return text


def free_memory(patch, limit: int) -> None:
    """Make `limit` bytes the most a run may use (half the free memory)."""
    patch.setattr(engine, "available_memory", lambda: 2 * limit)


# Generated tests patch limits inside one example only: a fixture's monkeypatch would outlive it.
patched = pytest.MonkeyPatch.context


# -- the estimate bounds what evaluation really allocates: every kind --------------------------

def variants(kind):
    """The kind's example with each choice and flag of its own set otherwise, one at a time."""
    yield {}
    for param in kind.params:
        if param.name.startswith("warmup_"):
            continue
        if param.type == "choice":
            for choice in param.choices:
                yield {param.name: choice}
        if param.type == "bool":
            yield {param.name: not param.default}
    if any(p.name == "cycle_mult" for p in kind.params):
        yield {"cycle_mult": 2.0, "cycle_decay": 0.5, "k_decay": 2.0}


WARMUPS = st.sampled_from([{}, {"warmup_steps": 7}, {"warmup_steps": 7, "warmup_mode": "overlay"},
                           {"warmup_steps": 7, "warmup_shape": "cosine", "warmup_target": "max_lr"}])


# The python kind runs the user's code, whose memory lrsched cannot know (importing the module
# alone allocates more than a short run's arrays); the estimate covers lrsched's own arrays.
OWN_KINDS = [k for k in REGISTRY if k.name != "python"]


@pytest.mark.parametrize("kind", OWN_KINDS, ids=lambda k: k.name)
@GENERATED
@given(data=st.data(), steps=st.integers(8, 30_000), warmup=WARMUPS)
def test_the_estimate_bounds_the_memory_of_every_kind(kind, data, steps, warmup):
    variant = data.draw(st.sampled_from(list(variants(kind))))
    mapping = {"kind": kind.name, **kind.example, **variant, **warmup}
    if kind.name == "wsd":
        mapping.update(stable_steps=0, decay_steps=1)
    try:
        schedule = build(mapping, steps)
    except UsageError:  # a variant that breaks a rule tying parameters together
        assume(False)
    need = cost(schedule, steps)
    values, peak = peak_bytes(lambda: evaluate(schedule, steps))
    assert values.shape == (steps,)
    assert peak <= need.bytes, f"{peak / (8 * steps):.2f} arrays measured, {need.arrays:.2f} estimated"


# -- expressions: the estimate follows depth and width -----------------------------------------

LEAVES = st.sampled_from(["t", "max_lr", "2.5", "t", "gamma"])


def formulas():
    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda x: f"({x[0]} {x[1]} {x[2]})"),
            st.tuples(st.sampled_from(["sqrt", "exp", "cos", "abs"]), inner).map(lambda x: f"{x[0]}(-abs({x[1]}))"
                                                                                 if x[0] == "exp" else f"{x[0]}(abs({x[1]}))"),
            st.lists(inner, min_size=2, max_size=6).map(lambda xs: f"max({', '.join(xs)})"),
            st.tuples(inner, inner, inner).map(lambda x: f"({x[0]} if {x[1]} < {x[2]} else {x[2]})"),
            st.tuples(inner, inner).map(lambda x: f"({x[0]} > 1 and {x[1]} < 2)"),
        )
    return st.recursive(LEAVES, extend, max_leaves=40)


def right_nested(depth: int) -> str:
    """t*1 + (t*1 + (...)): every level holds an array while the next is computed."""
    text = "t"
    for _ in range(depth):
        text = f"t * 1.0 + ({text})"
    return text


@GENERATED
@given(text=formulas(), steps=st.integers(1000, 20_000))
def test_the_estimate_bounds_the_memory_of_any_formula(text, steps):
    mapping = {"kind": "expr", "expr": f"abs({text}) + 0.001", "max_lr": 0.1, "gamma": 0.5}
    try:
        schedule = build(mapping, steps)
        values, peak = peak_bytes(lambda: evaluate(schedule, steps))
    except UsageError:  # too large or too deep a formula, or a non-finite value: refused
        assume(False)
    # 1 KiB of slack: a first call may allocate a few interpreter-cache bytes that are not the schedule's
    assert peak <= cost(schedule, steps).bytes + 1024


def test_a_deep_formula_is_estimated_by_its_depth():
    """The review's case: a deeply nested formula used 6.3x the flat estimate of 5 arrays."""
    shallow = build({"kind": "expr", "expr": "t * 1.0"}, 10_000)
    deep = build({"kind": "expr", "expr": right_nested(MAX_DEPTH // 2 - 1)}, 10_000)
    values, peak = peak_bytes(lambda: evaluate(deep, 10_000))
    flat = 5 * 8 * 10_000  # the estimate of 5 arrays that the deep formula exceeded
    assert 2 * flat < peak <= cost(deep, 10_000).bytes
    assert cost(deep, 10_000).arrays > 3 * cost(shallow, 10_000).arrays


@GENERATED
@given(width=st.integers(2, MAX_NODES // 4), steps=st.integers(1000, 50_000), over=st.booleans())
def test_a_formula_too_large_for_memory_is_refused_before_evaluating(width, steps, over):
    schedule = build({"kind": "expr", "expr": "max(" + ", ".join(["t * 1.0"] * width) + ")"}, steps)
    need = cost(schedule, steps).bytes
    with patched() as patch:
        free_memory(patch, need - 1 if over else need)
        if not over:
            assert evaluate(schedule, steps).shape == (steps,)
            return
        with pytest.raises(UsageError) as exc:
            peak_bytes(lambda: evaluate(schedule, steps))
        assert one_line(exc).startswith(f"schedule (expr): {steps:,} steps would need about ")
        assert one_line(exc).endswith("is available: use fewer steps or a smaller schedule")


# -- schedules x steps ------------------------------------------------------------------------

EXAMPLES = [k for k in REGISTRY if k.name not in ("wsd", "python")]


@GENERATED
@given(picked=st.lists(st.sampled_from(EXAMPLES), min_size=1, max_size=12), steps=st.integers(100, 20_000),
       over=st.booleans())
def test_schedules_times_steps_is_bounded_together(picked, steps, over):
    schedules = [build({"kind": k.name, **k.example}, steps) for k in picked]
    need = run_cost(schedules, steps)
    assert need.bytes >= 8 * steps * len(schedules)  # every result is held at once
    with patched() as patch:
        free_memory(patch, need.bytes - 1 if over else need.bytes)
        if over:
            with pytest.raises(UsageError) as exc:
                check_run(schedules, steps)
            text = one_line(exc)
            what = f"{len(schedules):,} schedules x {steps:,} steps" if len(schedules) > 1 else f"{steps:,} steps"
            assert what in text and "of memory" in text and text.endswith("is available: use fewer steps"
                                                                         + (" or fewer schedules" if len(schedules) > 1
                                                                            else " or a smaller schedule"))
            return
        check_run(schedules, steps)
        columns, peak = peak_bytes(lambda: [evaluate(s, steps) for s in schedules])
        assert peak <= need.bytes


# -- composites: width, depth and factors x steps ---------------------------------------------

@GENERATED
@given(factors=st.integers(3, 60), steps=st.integers(10, 3000), over=st.booleans())
def test_factors_times_steps_is_bounded(factors, steps, over):
    schedule = build({"kind": "chain", "max_lr": 0.1,
                      "schedules": [{"kind": "exponential", "gamma": 0.999}] * factors}, steps)
    assert cost(schedule, steps).values == factors * steps
    with patched() as patch:
        patch.setattr(engine, "MAX_VALUES", factors * steps - 1 if over else factors * steps)
        if not over:
            np.testing.assert_allclose(evaluate(schedule, steps), 0.1 * 0.999 ** (factors * np.arange(steps)),
                                       rtol=1e-12)
            return
        with pytest.raises(UsageError) as exc:
            peak_bytes(lambda: evaluate(schedule, steps))
        assert one_line(exc) == (f"schedule (chain): its factors would compute {factors * steps:,} values for "
                                 f"{steps:,} steps, more than the limit of {factors * steps - 1:,} (a few seconds); "
                                 "use fewer factors or fewer steps")


def test_the_reviewed_chain_is_refused_at_once():
    """2,000 factors x 1,000,000 steps took 21 s: refused before a factor is evaluated."""
    schedule = build({"kind": "chain", "max_lr": 0.1, "schedules": [{"kind": "exponential", "gamma": 0.99}] * 2000},
                     1_000_000)
    with pytest.raises(UsageError, match=r"its factors would compute 2,000,000,000 values"):
        _, peak = peak_bytes(lambda: evaluate(schedule, 1_000_000))


def test_a_sequence_costs_its_steps_whatever_its_phases():
    """Phases split the steps: many phases are linear in the steps, not phases x steps."""
    phases = [{"kind": "constant", "steps": 10}] * 999 + [{"kind": "cosine"}]
    schedule = build({"kind": "sequence", "max_lr": 0.1, "phases": phases}, 100_000)
    assert cost(schedule, 100_000).values == 100_000
    values, peak = peak_bytes(lambda: evaluate(schedule, 100_000))
    assert peak <= cost(schedule, 100_000).bytes


def tree(widths: list[int], leaf: dict) -> dict:
    node = leaf
    for i, width in enumerate(reversed(widths)):
        kind = "sequence" if i % 2 else "chain"
        node = {"kind": kind, "max_lr": 0.1, ("phases" if kind == "sequence" else "schedules"):
                [dict(node, steps=3) if kind == "sequence" else node for _ in range(width)]}
    return node


def parts(widths: list[int]) -> int:
    return sum(math.prod(widths[:i + 1]) for i in range(len(widths)))


@GENERATED
@given(widths=st.lists(st.integers(1, 4), min_size=1, max_size=5), over=st.booleans())
def test_the_parts_of_a_composite_are_bounded(widths, over):
    mapping = tree(widths, {"kind": "constant"})
    with patched() as patch:
        patch.setattr(engine, "MAX_PARTS", parts(widths) - 1 if over else parts(widths))
        if not over:
            assert evaluate(build(mapping, 50), 50).shape == (50,)
            return
        with pytest.raises(UsageError) as exc:
            build(mapping, 50)
        assert one_line(exc) == (f"schedule: more than {parts(widths) - 1:,} schedules in one composite, the limit; "
                                 "use fewer parts (one piecewise or multistep schedule holds many steps)")


def test_aliases_repeating_a_list_cannot_make_building_exponential():
    """YAML aliases share one list: 30 levels of 10 would be 10**30 schedules to walk."""
    mapping = {"kind": "constant"}
    for _ in range(30):
        mapping = {"kind": "sequence", "max_lr": 0.1, "phases": [dict(mapping, steps=1)] * 10}
    with pytest.raises(UsageError, match="more than 10,000 schedules in one composite"):
        peak_bytes(lambda: build(mapping, 50))


@pytest.mark.parametrize("depth", [engine.MAX_NESTING, engine.MAX_NESTING + 1])
def test_the_depth_of_composites_is_bounded(depth):
    mapping = {"kind": "constant", "max_lr": 0.1}
    for i in range(depth):
        mapping = {"kind": "sequence", "max_lr": 0.1, "phases": [mapping]} if i % 2 else \
            {"kind": "chain", "max_lr": 0.1, "schedules": [mapping]}
    if depth <= engine.MAX_NESTING:
        np.testing.assert_array_equal(evaluate(build(mapping, 20), 20), np.full(20, 0.1))
        return
    with pytest.raises(UsageError) as exc:
        build(mapping, 20)
    assert one_line(exc) == (f"schedule: composites nested more than {engine.MAX_NESTING} levels deep, the "
                             "limit; flatten them (a sequence of sequences is one sequence)")


# -- per-kind loops ---------------------------------------------------------------------------

@GENERATED
@given(length=st.floats(1.0, 5.0), mult=st.floats(1.05, 1.5), limit=st.integers(5, 25), over=st.booleans())
def test_restart_storms_are_bounded(length, mult, limit, over):
    starts, size = [0.0], length  # cycle starts, added up as the kind adds them
    while len(starts) <= limit:
        starts.append(starts[-1] + size)
        size *= mult
    steps = math.ceil(starts[limit]) + 1  # reaches cycle number limit + 1
    with patched() as patch:
        patch.setattr(kinds, "MAX_RESTARTS", limit if over else limit + 1)
        mapping = {"kind": "cosine_restarts", "max_lr": 0.1, "cycle_length": length, "cycle_mult": mult}
        for kind in ("cosine_restarts", "tanh"):
            schedule = build({**mapping, "kind": kind}, steps)
            if not over:
                assert evaluate(schedule, steps).shape == (steps,)
                continue
            with pytest.raises(UsageError) as exc:
                evaluate(schedule, steps)
            assert one_line(exc).startswith(f"schedule ({kind}): more than {limit:,} restarts in {steps:,} steps; "
                                            "use a longer cycle_length or a larger cycle_mult")


def test_marks_are_bounded_whatever_the_horizon():
    schedule = build({"kind": "step", "max_lr": 0.1, "step_size": 1}, 100)
    marks, peak = peak_bytes(lambda: schedule.marks(10**12))
    assert marks == list(range(1, 201)) and peak < 1_000_000
    many = build({"kind": "multistep", "max_lr": 0.1, "milestones": list(range(1, 5000))}, 10_000)
    assert many.marks(10_000) == list(range(1, engine.MAX_MARKS + 1))


# -- greedy: linear in the window, the same values --------------------------------------------

def greedy_reference(t, p):
    """The implementation before the rolling sum (a list with pop(0), as transformers' StreamingAverage)."""
    values = p["_metric"].tolist()
    n = t.shape[0]
    mode_min, rel = p["mode"] == "min", p["threshold_mode"] == "rel"
    threshold, factor, patience, eps = p["threshold"], p["factor"], p["patience"], p["eps"]
    start = lr = p["start_lr"]
    best = math.inf if mode_min else -math.inf
    bad = good = cooldown = hold = 0
    resets = p["reset_start"]
    window: list[float] = []
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
                total -= window.pop(0)
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
                if resets <= 0:
                    lr, best = start, (math.inf if mode_min else -math.inf)
                    good = hold = 0
                    resets, window, total = p["reset_start"], [], 0.0
            cooldown, bad = p["cooldown"], 0
    return out


METRICS = st.one_of(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=400),
    st.integers(1, 400).map(lambda n: list(np.linspace(2.0, 1.0, n))),  # always improving
    st.integers(1, 400).map(lambda n: list(np.abs(np.sin(np.arange(n) / 7.0)))),  # waves
)


@GENERATED
@given(metric=METRICS, window=st.integers(1, 500), patience=st.integers(0, 5), reset=st.integers(1, 4),
       cooldown=st.integers(0, 3), hold=st.integers(0, 3), mode=st.sampled_from(["min", "max"]),
       rel=st.booleans(), factor=st.floats(0.3, 0.99), threshold=st.sampled_from([0.0, 1e-6, 0.01]))
def test_greedy_gives_exactly_the_values_of_the_pop0_implementation(metric, window, patience, reset, cooldown,
                                                                     hold, mode, rel, factor, threshold):
    mapping = {"kind": "greedy", "start_lr": 0.01, "max_lr": 0.05, "min_lr": 0.002, "smooth": True,
               "window_size": window, "patience": patience, "reset_start": reset, "cooldown": cooldown,
               "increase_cooldown": hold, "mode": mode, "threshold_mode": "rel" if rel else "abs",
               "factor": factor, "threshold": threshold, "metric": metric}
    steps = len(metric) + 1
    schedule = build(mapping, steps)
    expected = greedy_reference(np.arange(steps, dtype=np.float64),
                                dict(schedule.params, _metric=np.asarray(metric, dtype=np.float64)))
    np.testing.assert_array_equal(evaluate(schedule, steps), expected)


def test_greedy_with_a_long_window_is_linear_in_steps():
    """The review's case (a window as long as the run, 1.6M steps: 74 s) at 200,000 steps,
    counted in window operations rather than timed: deque.popleft is O(1), list.pop(0) O(window)."""
    steps = 200_000
    mapping = {"kind": "greedy", "start_lr": 0.01, "smooth": True, "window_size": steps // 2,
               "metric": list(np.linspace(2.0, 1.0, steps))}
    schedule = build(mapping, steps)
    source = Path(kinds.__file__).read_text()
    assert "window.popleft()" in source and "window.pop(0)" not in source
    values = evaluate(schedule, steps)
    short = dict(mapping, metric=mapping["metric"][:2001])
    expected = greedy_reference(np.arange(2002.0), dict(build(short, 2002).params,
                                                         _metric=np.asarray(short["metric"])))
    np.testing.assert_array_equal(values[:2002], expected)


def test_greedy_matches_transformers_with_a_smoothing_window():
    """Truth from the installed transformers (the framework CI stage): GreedyLR(smooth=True)."""
    torch = pytest.importorskip("torch")
    optimization = pytest.importorskip("transformers.optimization")
    rng = np.random.default_rng(5)
    metric = list(np.abs(np.sin(np.arange(600) / 23.0)) + 0.01 * rng.standard_normal(600))
    options = {"mode": "min", "factor": 0.9, "patience": 2, "threshold": 1e-4, "cooldown": 1, "warmup": 2,
               "min_lr": 1e-4, "max_lr": 0.05, "smooth": True, "window_size": 37, "reset_start": 3}
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    scheduler = optimization.GreedyLR(optimizer, **options)
    expected = [optimizer.param_groups[0]["lr"]]
    for value in metric:
        scheduler.step(value)
        expected.append(optimizer.param_groups[0]["lr"])
    options["increase_cooldown"] = options.pop("warmup")
    ours = evaluate(build({"kind": "greedy", "start_lr": 0.01, "metric": metric, **options}, 601), 601)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=0)
