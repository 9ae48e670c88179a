"""Framework schedulers as written (`frameworks.translate`): every translation proved against the
values the real libraries produce (tests/golden/frameworks_golden.json, made by
scripts/make_framework_golden.py from torch 2.13, transformers 5.24, timm 1.0.31, optax 0.2.8 and
keras 3.15), and the parser's refusals, each one exact line."""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrsched_cli.core import engine as core
from lrsched_cli.errors import LrschedError, SpecError
from lrsched_cli.frameworks import (FRAMEWORKS, HF_FUNCTIONS, HF_TYPES, MAX_LENGTH, MAX_NESTING, TABLES,
                                    accepted, is_framework_spec, translate)

FIXTURE = Path(__file__).parent / "golden" / "frameworks_golden.json"
CASES = json.loads(FIXTURE.read_text())["cases"]
BY_ID = {case["id"]: case for case in CASES}

#: Fixture cases that lrsched refuses, each with (a part of) the reason it gives. The real
#: ChainedScheduler is not a product of its schedulers' factors in these (see the fixture notes).
UNSUPPORTED = {
    "torch_chained_positional_warmup_cosine": "CosineAnnealingLR rescales only the rate above eta_min",
    "torch_chained_with_sequential": "SequentialLR restarts its next scheduler from base_lr",
}


def evaluate(spec: str, steps: int, base_lr: float | None = None, metric=None) -> np.ndarray:
    return core.evaluate(core.build(translate(spec, base_lr=base_lr, metric=metric), steps), steps)


def assert_matches(actual, expected, tolerance: float, context: str = "") -> None:
    expected = np.asarray(expected, dtype=np.float64)
    # the fixture's rule: relative tolerance, measured against the schedule's own scale near zero
    np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance * np.abs(expected).max(),
                               err_msg=context)


# -- the real libraries' values ---------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_translation_matches_the_library(case):
    if case["id"] in UNSUPPORTED:
        with pytest.raises(SpecError) as info:
            translate(case["spec"], base_lr=case["base_lr"], metric=case["metric"])
        message = str(info.value)
        assert UNSUPPORTED[case["id"]] in message and "\n" not in message
        return
    actual = evaluate(case["spec"], case["steps"], case["base_lr"], case["metric"])
    assert_matches(actual, case["values"], case["tolerance"], f"{case['spec']} ({case['note']})")


def test_the_unsupported_list_only_names_fixture_cases():
    assert set(UNSUPPORTED) <= set(BY_ID)
    assert len(UNSUPPORTED) <= 2, "the list may only shrink"


def test_the_fixture_covers_every_constructor():
    used = {(case["spec"].partition(":")[0], name) for case in CASES
            for name in re.findall(r"([A-Za-z_]\w*)\(", case["spec"].partition(":")[2])}
    for framework, table in TABLES.items():
        names = HF_TYPES if framework == "hf" else table
        assert [n for n in names if (framework, n) not in used] == [], framework
    counts = {fw: sum(c["spec"].startswith(fw + ":") for c in CASES) for fw in FRAMEWORKS}
    assert counts == {"torch": 57, "hf": 27, "optax": 28, "keras": 15, "timm": 24}


def test_label_defaults_to_the_constructor_and_the_mapping_is_plain_data():
    mapping = translate("torch:OneCycleLR(max_lr=0.1, total_steps=1000)")
    assert mapping == {"kind": "onecycle", "max_lr": 0.1, "total_steps": 1000, "pct_start": 0.3,
                       "past_end": "extrapolate", "anneal_strategy": "cos", "div_factor": 25.0,
                       "final_div_factor": 1e4, "three_phase": False, "cycle_momentum": True,
                       "base_momentum": 0.85, "max_momentum": 0.95, "label": "torch:OneCycleLR",
                       "framework": "torch"}
    sgdr = translate(BY_ID["optax_sgdr"]["spec"])
    assert json.loads(json.dumps(sgdr)) == sgdr


# -- the Hugging Face function forms and edge cases beyond the fixture ------------------------

@pytest.mark.parametrize("function,named", [
    ("hf:get_constant_schedule()", "hf:constant()"),
    ("hf:get_constant_schedule_with_warmup(7)", "hf:constant_with_warmup(num_warmup_steps=7)"),
    ("hf:get_cosine_with_hard_restarts_schedule_with_warmup(10, 100, 3)",
     "hf:cosine_with_restarts(num_warmup_steps=10, num_training_steps=100, num_cycles=3)"),
    ("hf:get_polynomial_decay_schedule_with_warmup(10, 100, 1e-4, 2.0)",
     "hf:polynomial(num_warmup_steps=10, num_training_steps=100, lr_end=1e-4, power=2.0)"),
    ("hf:get_inverse_sqrt_schedule(10, 50)", "hf:inverse_sqrt(num_warmup_steps=10, timescale=50)"),
    ("hf:get_reduce_on_plateau_schedule(factor=0.5, patience=3)",
     "hf:reduce_lr_on_plateau(factor=0.5, patience=3)"),
    ("hf:get_cosine_with_min_lr_schedule_with_warmup(10, 100, min_lr_rate=0.1)",
     "hf:cosine_with_min_lr(num_warmup_steps=10, num_training_steps=100, min_lr_rate=0.1)"),
    ("hf:get_cosine_with_min_lr_schedule_with_warmup_lr_rate(10, 100, min_lr=0.001, warmup_lr_rate=0.1)",
     "hf:cosine_warmup_with_min_lr(num_warmup_steps=10, num_training_steps=100, min_lr=0.001, "
     "warmup_lr_rate=0.1)"),
    ("hf:get_greedy_schedule(patience=3, factor=0.9)", "hf:greedy(patience=3, factor=0.9)"),
])
def test_hugging_face_functions_equal_their_scheduler_types(function, named):
    assert set(HF_FUNCTIONS) >= {function[3:].partition("(")[0]}
    first, second = translate(function, base_lr=0.01), translate(named, base_lr=0.01)
    first.pop("label"), second.pop("label")
    assert first == second


def hf_cosine_warmup_with_min_lr(t, warmup, total, cycles, rate, warmup_rate=None):
    """transformers' _get_cosine_with_min_lr_schedule_with_warmup_lr_rate_lambda, transcribed."""
    t, warmup, total = float(t), float(warmup), float(total)
    if t < warmup:
        if warmup_rate is None:
            return (t + 1.0) / max(1.0, warmup)
        return warmup_rate + (1.0 - warmup_rate) * t / max(1, warmup - 1)
    progress = (t - warmup + 1.0) / max(1.0, total - warmup)
    factor = 0.5 * (1.0 + math.cos(math.pi * cycles * 2.0 * progress))
    return max(0, factor * (1 - rate) + rate)


@pytest.mark.parametrize("warmup,warmup_rate", [(0, None), (1, None), (1, 0.3), (2, None), (2, 0.3), (7, 0.0)])
def test_hugging_face_cosine_warmup_with_min_lr_at_short_warmups(warmup, warmup_rate):
    extra = "" if warmup_rate is None else f", warmup_lr_rate={warmup_rate}"
    spec = (f"hf:cosine_warmup_with_min_lr(num_warmup_steps={warmup}, num_training_steps=40, "
            f"min_lr_rate=0.05{extra})")
    expected = [0.1 * hf_cosine_warmup_with_min_lr(t, warmup, 40, 0.5, 0.05, warmup_rate) for t in range(60)]
    assert_matches(evaluate(spec, 60, base_lr=0.1), expected, 1e-12, spec)


def test_chained_schedulers_flatten_and_multiply():
    spec = ("torch:ChainedScheduler([ChainedScheduler([StepLR(3, 0.5), ExponentialLR(0.9)]), "
            "MultiplicativeLR(lambda t: 0.99)])")
    mapping = translate(spec, base_lr=0.1)
    assert [f["kind"] for f in mapping["schedules"]] == ["step", "exponential", "expr"]
    t = np.arange(30)
    assert_matches(evaluate(spec, 30, 0.1), 0.1 * 0.5 ** (t // 3) * 0.9 ** t * 0.99 ** t, 1e-12)


# -- refusals, each one exact line ------------------------------------------------------------

def refusal(spec: str, **kwargs) -> str:
    with pytest.raises(SpecError) as info:
        translate(spec, **kwargs)
    return str(info.value)


TORCH_NAMES = ", ".join(accepted("torch"))
ONECYCLE_ARGS = ("max_lr, total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy, cycle_momentum, "
                 "base_momentum, max_momentum, div_factor, final_div_factor, three_phase, last_epoch")
LONG = "torch:MultiStepLR(milestones=[" + "1," * MAX_LENGTH + "])"
LAMBDA_RULE = ("it may use numbers, e, + - * / // % **, comparisons, 'if else' and the functions cos, sin, "
               "tan, tanh, exp, log, sqrt, floor, ceil, min, max, abs")


@pytest.mark.parametrize("spec,message", [
    ("torch:CosineLR(T_max=10)",
     f"torch: unknown scheduler 'CosineLR'; did you mean 'CosineAnnealingLR'? accepted: {TORCH_NAMES}"),
    ("torch:Zzz()", f"torch: unknown scheduler 'Zzz'; accepted: {TORCH_NAMES}"),
    ("torch:__import__('os')", f"torch: unknown scheduler '__import__'; accepted: {TORCH_NAMES}"),
    ("torch:OneCycleLR(max_l=0.1, total_steps=100)",
     f"torch:OneCycleLR: unknown argument 'max_l'; did you mean 'max_lr'? accepted: {ONECYCLE_ARGS}"),
    ("torch:StepLR(step_size=30, zzz=1)",
     "torch:StepLR: unknown argument 'zzz'; accepted: step_size, gamma, last_epoch"),
    ("torch:StepLR(step_size=30, gamma=foo())",
     "torch:StepLR: argument gamma must be a literal number (received a call)"),
    ("torch:StepLR(step_size=__import__('os').sep)",
     "torch:StepLR: argument step_size must be a literal integer (received an attribute access)"),
    ("torch:StepLR(step_size=__import__('os'))",
     "torch:StepLR: argument step_size must be a literal integer (received a call)"),
    ("torch:StepLR(step_size=30, gamma=math.pi)",
     "torch:StepLR: argument gamma must be a literal number (received an attribute access)"),
    ("torch:StepLR(step_size=x)",
     "torch:StepLR: argument step_size must be a literal integer (received the name 'x')"),
    ("torch:StepLR(step_size=2 * 15)",
     "torch:StepLR: argument step_size must be a literal integer (received an expression)"),
    ("torch:StepLR(step_size=2.5)", "torch:StepLR: argument step_size must be an integer (received 2.5)"),
    ("torch:StepLR(step_size='30')", "torch:StepLR: argument step_size must be an integer (received '30')"),
    ("torch:StepLR(step_size=1e400)",
     "torch:StepLR: argument step_size must be a finite number (received inf)"),
    ("torch:StepLR()", "torch:StepLR: missing required argument step_size"),
    ("torch:StepLR(30, step_size=30)", "torch:StepLR: argument step_size is given twice"),
    ("torch:StepLR(30, 0.1, -1, 5)", "torch:StepLR takes at most 3 positional arguments (received 4)"),
    ("torch:StepLR(*[30])", "torch:StepLR: *arguments are not allowed; write each argument"),
    ("torch:StepLR(**{'step_size': 30})", "torch:StepLR: **arguments are not allowed; write each argument"),
    ("torch:StepLR(30, last_epoch=5)",
     "torch:StepLR: last_epoch must be -1: resuming a scheduler is not supported (received 5)"),
    ("torch:torch.optim.lr_scheduler.StepLR(30)",
     "torch: expected a scheduler call by its plain name such as torch:StepLR(step_size=30, gamma=0.1) "
     "(received a call of an attribute)"),
    ("torch:StepLR", "torch: expected a scheduler call by its plain name such as "
                     "torch:StepLR(step_size=30, gamma=0.1) (received the name 'StepLR')"),
    ("torch:", "torch: expected a scheduler call such as torch:StepLR(step_size=30, gamma=0.1)"),
    ("torch:StepLR(", "torch: syntax error at column 13: '(' was never closed"),
    ("torch:LambdaLR(lambda e: __import__('os').system('ls'))",
     f"torch:LambdaLR: argument lr_lambda: a call of an attribute is not allowed in the lambda; {LAMBDA_RULE}"),
    ("torch:LambdaLR(lambda e: e.real)",
     f"torch:LambdaLR: argument lr_lambda: an attribute access is not allowed in the lambda; {LAMBDA_RULE}"),
    ("torch:LambdaLR(lambda e: round(e))",
     f"torch:LambdaLR: argument lr_lambda: the call round() is not allowed in the lambda; {LAMBDA_RULE}"),
    ("torch:LambdaLR(lambda e: e and 1)",
     f"torch:LambdaLR: argument lr_lambda: an expression is not allowed in the lambda; {LAMBDA_RULE}"),
    ("torch:LambdaLR(lambda e, f: e)",
     "torch:LambdaLR: argument lr_lambda must be a lambda of one parameter, such as "
     "lambda epoch: 0.95 ** epoch"),
    ("torch:LambdaLR(0.95)",
     "torch:LambdaLR: argument lr_lambda must be a lambda such as lambda epoch: 0.95 ** epoch (received 0.95)"),
    ("torch:MultiStepLR(milestones=" + "[" * 100 + "]" * 100 + ")",
     f"torch: the scheduler is nested too deeply (more than {MAX_NESTING} levels of brackets)"),
    ("torch:LambdaLR(lambda e: " + "+".join(["e"] * 600) + ")",
     "torch: the scheduler is nested too deeply (more than 64 levels)"),
    (LONG, f"torch: the scheduler is too long ({len(LONG):,} characters; at most {MAX_LENGTH:,})"),
    ("torch:CyclicLR(0.001, 0.1, scale_fn=lambda x: 1.0)",
     "torch:CyclicLR: argument scale_fn must be a literal None (received a lambda)"),
    ("torch:SequentialLR(schedulers=StepLR(3), milestones=[])",
     "torch:SequentialLR: argument schedulers must be a list of scheduler calls such as "
     "[StepLR(step_size=30, gamma=0.1)] (received a call)"),
    ("torch:SequentialLR(schedulers=[StepLR(3), ExponentialLR(0.9)], milestones=[])",
     "torch:SequentialLR: needs one milestone fewer than schedulers (received 2 schedulers, 0 milestones)"),
    ("torch:SequentialLR(schedulers=[StepLR(3), ReduceLROnPlateau()], milestones=[5])",
     "torch:SequentialLR: ReduceLROnPlateau cannot be a scheduler of SequentialLR (torch refuses it)"),
    ("torch:SequentialLR(schedulers=[StepLR(3), MultiplicativeLR(lambda t: 0.9)], milestones=[5])",
     "torch:MultiplicativeLR: after a SequentialLR milestone MultiplicativeLR continues from the previous "
     "scheduler's rate, which is not a schedule of t alone"),
    ("torch:ChainedScheduler([LambdaLR(lambda t: 0.9 ** t), StepLR(3)])",
     "torch:ChainedScheduler: not a product of factors in torch: LambdaLR sets base_lr * lr_lambda(t) at "
     "every step, overwriting the other schedulers' factors"),
    ("hf:cosine(10, 100)", "hf:cosine takes keyword arguments only (received 2 positional)"),
    ("hf:cosine(num_warmup_steps=10)", "hf:cosine: needs num_training_steps"),
    ("hf:cosin()",
     "hf: unknown scheduler 'cosin'; did you mean 'cosine'? accepted: " + ", ".join(accepted("hf"))),
    ("hf:constant_with_warmup(num_warmup_steps=5, foo=1)",
     "hf:constant_with_warmup: unknown argument 'foo'; accepted: num_warmup_steps, num_training_steps"),
    ("timm:CosineLRScheduler(t_initial=10, noise_range_t=5)",
     "timm:CosineLRScheduler: noise_range_t must be None: timm draws the noise from torch's random generator, "
     "which lrsched does not reproduce"),
    ("optax:sgdr_schedule(cosine_kwargs=[{'init_value': 0.0, 'peak_value': 0.1, 'warmup_steps': 5, "
     "'decay_step': 30}])",
     "optax:sgdr_schedule cycle 1: unknown argument 'decay_step'; did you mean 'decay_steps'? accepted: "
     "init_value, peak_value, warmup_steps, decay_steps, end_value, exponent"),
    ("keras:PiecewiseConstantDecay([10, 5], [1, 2, 3])",
     "keras:PiecewiseConstantDecay: boundaries must not decrease (received [10, 5])"),
    ("keras:CosineDecay(initial_learning_rate=0.1, decay_steps=100, alpha='x')",
     "keras:CosineDecay: argument alpha must be a number (received 'x')"),
    ("tensorflow:StepLR(3)", "a framework scheduler is written FRAMEWORK:Name(arguments), FRAMEWORK one of "
                             "torch, hf, optax, keras, timm (received 'tensorflow:StepLR(3)')"),
])
def test_refusals_are_one_exact_line(spec, message):
    assert refusal(spec, base_lr=0.1) == message


def test_base_lr_is_needed_where_the_optimizer_lr_counts():
    assert refusal("torch:StepLR(step_size=30)") == \
        "torch:StepLR needs base_lr (the optimizer's lr): pass --base-lr or base_lr:"
    assert refusal("torch:SequentialLR(schedulers=[LinearLR(), StepLR(3)], milestones=[5])") == \
        "torch:SequentialLR needs base_lr (the optimizer's lr): pass --base-lr or base_lr:"
    assert refusal("torch:StepLR(3)", base_lr=-1.0) == "torch: base_lr must be a number > 0 (received -1.0)"
    # OneCycleLR and CyclicLR set their own rates; optax and Keras give absolute values
    for spec in ("torch:OneCycleLR(max_lr=0.1, total_steps=100)", "torch:CyclicLR(0.001, 0.1)",
                 "optax:constant_schedule(0.1)", "keras:ExponentialDecay(0.1, 10, 0.9)"):
        assert translate(spec)["kind"]


def test_is_framework_spec():
    assert all(is_framework_spec(f"{fw}:X()") for fw in FRAMEWORKS)
    assert is_framework_spec(" torch :StepLR(3)")
    for text in ("cosine:max_lr=0.1", "torch", "tensorflow:StepLR(3)", None, 3, ""):
        assert not is_framework_spec(text)


def test_translating_without_a_lambda_imports_no_numpy():
    code = ("import sys; from lrsched_cli.frameworks import translate;"
            "translate('torch:SequentialLR(schedulers=[LinearLR(), StepLR(3)], milestones=[5])', base_lr=0.1);"
            "translate('optax:sgdr_schedule([{\"init_value\": 0, \"peak_value\": 1, \"warmup_steps\": 2, "
            "\"decay_steps\": 9}])');"
            "bad = [m for m in ('numpy', 'typer', 'rich', 'matplotlib') if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- nothing but SpecError, whatever the text -------------------------------------------------

SPECS = [case["spec"] for case in CASES]
PIECES = ["0", "-1", "1e400", "None", "True", "'x'", "[]", "[1, 2]", "{1: 2}", "(", ")", ",", "=",
          "lambda t: t", "__import__('os')", "os.sep", "x", "1.5", "[StepLR(3)]", "{'a': 1}", "1j", "10**400",
          "*", "**"]


@st.composite
def mutated_specs(draw) -> str:
    spec = draw(st.sampled_from(SPECS))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(spec)))
        if draw(st.booleans()):
            spec = spec[:at] + draw(st.one_of(st.sampled_from(PIECES), st.text(max_size=4))) + spec[at:]
        else:
            spec = spec[:at] + spec[at + draw(st.integers(1, 8)):]
    return spec


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=mutated_specs(), base_lr=st.sampled_from([None, 0.1, 3e-4]), steps=st.sampled_from([1, 7, 60]))
def test_any_text_gives_a_schedule_or_one_line_error(spec, base_lr, steps):
    try:
        mapping = translate(spec, base_lr=base_lr, metric=[1.0] * 59)
        core.evaluate(core.build(mapping, steps), steps)
    except LrschedError as exc:
        assert "\n" not in str(exc) and str(exc)


# -- issue 14: zero-length paths, chain factors, framework mode -------------------------------

@pytest.mark.parametrize("child", ["LinearLR(start_factor=0.5, total_iters=0)", "ConstantLR(factor=0.5, total_iters=0)",
                                   "MultiStepLR(milestones=[0, 30], gamma=0.5)"])
def test_a_chain_factor_folded_into_a_child_stays_a_factor(child):
    # torch 2.13: 0.05, 0.045, 0.0405, ... (the child's factor 0.5 times ExponentialLR's 0.9 ** t)
    spec = f"torch:ChainedScheduler([ExponentialLR(gamma=0.9), {child}])"
    t = np.arange(20)
    assert_matches(evaluate(spec, 20, 0.1), 0.05 * 0.9 ** t, 1e-12, spec)


@pytest.mark.parametrize("init,peak", [(0.0, 0.1), (0.01, 0.1), (0.3, 0.1)])
def test_optax_warmup_constant_without_warmup_is_init_value(init, peak):
    # optax: a linear_schedule with transition_steps=0 returns init_value throughout
    spec = f"optax:warmup_constant_schedule(init_value={init}, peak_value={peak}, warmup_steps=0)"
    if init == 0.0:
        assert_matches(evaluate(spec, 5), np.zeros(5), 0, spec)
    else:
        assert_matches(evaluate(spec, 5), np.full(5, init), 1e-15, spec)


def test_torch_onecycle_extrapolates_at_total_steps_then_holds():
    # torch 2.13, OneCycleLR(max_lr=0.1, total_steps=8): t = 7 is 4e-7, t = 8 extrapolates
    values = evaluate("torch:OneCycleLR(max_lr=0.1, total_steps=8)", 12, base_lr=0.1)
    assert values[7] == pytest.approx(4e-07, rel=1e-12)
    assert values[8] == pytest.approx(0.007664159383425634, rel=1e-12)
    assert (values[9:] == values[8]).all()
    own = core.evaluate(core.build({"kind": "onecycle", "max_lr": 0.1, "total_steps": 8}, 12), 12)
    assert (own[7:] == own[7]).all()  # lrsched's own onecycle holds the final rate


@pytest.mark.parametrize("spec,first", [
    ("torch:StepLR(step_size=3, gamma=0.0)", [0.1, 0.1, 0.1, 0.0, 0.0]),
    ("torch:CyclicLR(base_lr=0.04, max_lr=0.01, step_size_up=2)", [0.04, 0.025, 0.01, 0.025, 0.04]),
])
def test_degenerate_legal_inputs_are_computed_as_the_framework_does(spec, first):
    assert_matches(evaluate(spec, 5, base_lr=0.1), first, 1e-12, spec)


@pytest.mark.parametrize("mapping,rule", [
    ({"kind": "step", "max_lr": 0.1, "step_size": 3, "gamma": 0.0}, "gamma must be > 0"),
    ({"kind": "cyclic", "min_lr": 0.04, "max_lr": 0.01}, "min_lr must not exceed max_lr"),
])
def test_lrsched_kinds_keep_their_strict_rules(mapping, rule):
    with pytest.raises(SpecError, match=rule):
        core.build(mapping, 10)


@given(warmup=st.integers(0, 30), total=st.integers(1, 30), cycles=st.sampled_from([0.5, 1.0, 0.3]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hugging_face_computes_short_runs_through_max_1_n_minus_w(warmup, total, cycles):
    """num_training_steps <= num_warmup_steps, and runs shorter than the warmup: HF's lambdas."""
    spec = f"hf:cosine(num_warmup_steps={warmup}, num_training_steps={total}, num_cycles={cycles})"
    steps = max(1, warmup // 2)  # also a run shorter than the warmup
    for n in (steps, warmup + 10):
        expected = [0.1 * (t / max(1, warmup) if t < warmup else max(0.0, 0.5 * (1 + math.cos(
            math.pi * cycles * 2 * (t - warmup) / max(1, total - warmup))))) for t in range(n)]
        assert_matches(evaluate(spec, n, base_lr=0.1), expected, 1e-12, spec)


@pytest.mark.parametrize("column", ["9" * 5000, "²", "١"])
def test_a_metric_column_of_many_or_unicode_digits_is_a_name_not_an_index(tmp_path, column):
    path = tmp_path / "m.csv"
    path.write_text("loss\n1\n2\n")
    with pytest.raises(LrschedError) as info:
        core.build({"kind": "plateau", "max_lr": 0.1, "file": str(path), "column": column}, 3)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("init,end,power", [(0.0, 0.1, 2.0), (0.05, -0.01, 1.0), (0.05, -0.01, 0.5)])
def test_optax_polynomial_rises_and_falls_below_zero_as_optax(init, end, power):
    # optax: (init - end) * (1 - t / T) ** power + end for t < T, then end (negative ends: optax's tests)
    spec = f"optax:polynomial_schedule({init}, {end}, {power}, 10)"
    t = np.minimum(np.arange(15), 10)
    assert_matches(evaluate(spec, 15), (init - end) * (1 - t / 10) ** power + end, 1e-12, spec)
