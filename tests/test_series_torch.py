"""Momentum, beta1 and parameter groups against the real torch (and timm's layer-decay lr_scale):
lrsched's series must be what torch leaves in the optimizer's param_groups after t steps.

These run in the framework venv (CI stage 2); without torch they skip, and with
LRSCHED_REQUIRE_FRAMEWORKS=1 a missing torch fails them (tests/conftest.py).
"""
from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from lrsched_cli.core.engine import build, evaluate_series
from lrsched_cli.io.config import from_framework

torch = pytest.importorskip("torch")
lr_scheduler = torch.optim.lr_scheduler

# Floating-point noise: numpy's cos against math.cos may differ in the last bit.
RTOL = 1e-13


def _optimizer(name: str, lrs: list[float]):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    if name == "adam":
        return torch.optim.Adam(groups, lr=lrs[0], betas=(0.9, 0.999))
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def _record(optimizer, scheduler, steps: int, field: str) -> dict[str, np.ndarray]:
    """lr and momentum (or betas[0]) of every group after t = 0 .. steps-1 scheduler steps."""
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "optimizer.step() before lr_scheduler.step()"
        for _ in range(steps):
            rows.append([(g["lr"], g["betas"][0] if field == "beta1" else g["momentum"])
                         for g in optimizer.param_groups])
            optimizer.step()
            scheduler.step()
    values = np.asarray(rows, dtype=np.float64)  # steps x groups x 2
    out = {f"lr[{g}]": values[:, g, 0] for g in range(values.shape[1])}
    out["lr"], out[field] = values[:, 0, 0], values[:, 0, 1]
    return out


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-300)


ONECYCLE = [
    dict(total_steps=100),
    dict(total_steps=100, anneal_strategy="linear"),
    dict(total_steps=100, three_phase=True),
    dict(total_steps=100, three_phase=True, anneal_strategy="linear"),
    dict(total_steps=37, pct_start=0.25, base_momentum=0.8, max_momentum=0.99, div_factor=10.0),
    dict(total_steps=7, pct_start=0.5),  # phases of a few steps: every boundary is near
]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("args", ONECYCLE, ids=lambda a: ",".join(f"{k}={v}" for k, v in a.items()))
def test_onecycle_momentum_matches_torch(optimizer, args):
    steps = args["total_steps"]  # torch raises past total_steps; every step it allows
    field = "beta1" if optimizer == "adam" else "momentum"
    opt = _optimizer(optimizer, [0.1])
    theirs = _record(opt, lr_scheduler.OneCycleLR(opt, max_lr=0.1, **args), steps, field)
    ours = evaluate_series(build({"kind": "onecycle", "max_lr": 0.1, "momentum_field": field, **args}, steps),
                           steps)
    assert list(ours) == ["lr", field]
    _close(ours["lr"], theirs["lr"])
    _close(ours[field], theirs[field])


CYCLIC = [
    dict(step_size_up=10),
    dict(step_size_up=10, step_size_down=4),
    dict(step_size_up=6, mode="triangular2"),
    dict(step_size_up=5, step_size_down=8, mode="exp_range", gamma=0.97),
    dict(step_size_up=7, base_momentum=0.7, max_momentum=0.95),
]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("args", CYCLIC, ids=lambda a: ",".join(f"{k}={v}" for k, v in a.items()))
def test_cyclic_momentum_matches_torch(optimizer, args):
    steps = 60
    field = "beta1" if optimizer == "adam" else "momentum"
    opt = _optimizer(optimizer, [0.1])
    theirs = _record(opt, lr_scheduler.CyclicLR(opt, base_lr=0.001, max_lr=0.1, **args), steps, field)
    mapping = {"kind": "cyclic", "min_lr": 0.001, "max_lr": 0.1, "momentum_field": field, **args}
    ours = evaluate_series(build(mapping, steps), steps)
    _close(ours["lr"], theirs["lr"])
    _close(ours[field], theirs[field])


def test_cycle_momentum_off_leaves_momentum_alone():
    opt = _optimizer("sgd", [0.1])
    theirs = _record(opt, lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=20, cycle_momentum=False),
                     20, "momentum")
    assert set(theirs["momentum"]) == {0.9}  # the optimizer's own, untouched
    ours = evaluate_series(build({"kind": "onecycle", "max_lr": 0.1, "total_steps": 20,
                                  "cycle_momentum": False}, 20), 20)
    assert list(ours) == ["lr"]


def test_momentum_holds_through_a_warmup_run_before_the_scheduler():
    """SequentialLR(LinearLR, OneCycleLR): OneCycleLR sets max_momentum when it is built, and it
    holds until the one-cycle's own clock starts, which is what a prefix warmup gives."""
    opt = _optimizer("sgd", [0.1])
    warm = lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=5)
    one = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=50)
    theirs = _record(opt, lr_scheduler.SequentialLR(opt, [warm, one], milestones=[5]), 55, "momentum")
    ours = evaluate_series(build({"kind": "onecycle", "max_lr": 0.1, "total_steps": 50, "warmup_steps": 5}, 55),
                           55)
    _close(ours["momentum"], theirs["momentum"])


# -- parameter groups -----------------------------------------------------------------------

LRS = [0.1, 0.01, 0.003]

GROUPS = [
    ("torch:CosineAnnealingLR(T_max=40, eta_min=0.0005)", 60),
    ("torch:StepLR(step_size=7, gamma=0.5)", 40),
    ("torch:MultiStepLR(milestones=[5, 12], gamma=0.3)", 20),
    ("torch:ExponentialLR(gamma=0.9)", 30),
    ("torch:PolynomialLR(total_iters=20, power=2.0)", 30),
    ("torch:CosineAnnealingWarmRestarts(T_0=8, T_mult=2, eta_min=0.0001)", 50),
    ("torch:SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), "
     "CosineAnnealingLR(T_max=30, eta_min=0.0002)], milestones=[5])", 40),
]


def _torch_scheduler(text: str, optimizer):
    """The real scheduler a spec names, built with `eval` over torch's classes (test code only;
    lrsched itself parses these with ast and never evaluates them)."""
    names = {name: getattr(lr_scheduler, name) for name in dir(lr_scheduler) if name[0].isupper()}

    def bind(cls):
        return lambda *args, **kwargs: (cls, args, kwargs)

    call = eval(text.removeprefix("torch:"), {"__builtins__": {}}, {n: bind(c) for n, c in names.items()})

    def make(node):
        cls, args, kwargs = node
        kwargs = {k: [make(v) for v in value] if k == "schedulers" else value for k, value in kwargs.items()}
        return cls(optimizer, *args, **kwargs)

    return make(call)


@pytest.mark.parametrize("text,steps", GROUPS, ids=[g[0].split("(")[0] for g in GROUPS])
def test_base_lrs_match_a_multi_group_torch_optimizer(text, steps):
    opt = _optimizer("sgd", LRS)
    theirs = _record(opt, _torch_scheduler(text, opt), steps, "momentum")
    mapping = from_framework(text, LRS[0], "test")
    mapping["base_lrs"] = LRS
    ours = evaluate_series(build(mapping, steps), steps)
    for g in range(len(LRS)):
        _close(ours[f"lr[{g}]"], theirs[f"lr[{g}]"])


def test_onecycle_per_group_max_lr_matches_torch():
    opt = _optimizer("adam", LRS)
    theirs = _record(opt, lr_scheduler.OneCycleLR(opt, max_lr=LRS, total_steps=50, three_phase=True), 50, "beta1")
    ours = evaluate_series(build({"kind": "onecycle", "max_lr": LRS[0], "base_lrs": LRS, "total_steps": 50,
                                  "three_phase": True, "momentum_field": "beta1"}, 50), 50)
    for g in range(len(LRS)):
        _close(ours[f"lr[{g}]"], theirs[f"lr[{g}]"])
    _close(ours["beta1"], theirs["beta1"])


def test_cyclic_per_group_max_lr_with_a_shared_base_matches_torch():
    opt = _optimizer("sgd", LRS)
    theirs = _record(opt, lr_scheduler.CyclicLR(opt, base_lr=0.001, max_lr=LRS, step_size_up=6,
                                                mode="triangular2"), 40, "momentum")
    ours = evaluate_series(build({"kind": "cyclic", "min_lr": 0.001, "max_lr": 0.1, "base_lrs": LRS,
                                  "step_size_up": 6, "mode": "triangular2"}, 40), 40)
    for g in range(len(LRS)):
        _close(ours[f"lr[{g}]"], theirs[f"lr[{g}]"])


def _timm_scheduler():
    """timm.scheduler loaded as scripts/make_framework_golden.py loads it (timm/__init__ needs
    torchvision, which this torch lacks)."""
    if importlib.util.find_spec("timm") is None:
        pytest.skip("could not import timm")
    if "timm.scheduler" not in sys.modules:
        path = Path(__file__).parent.parent / "scripts" / "make_framework_golden.py"
        spec = importlib.util.spec_from_file_location("make_framework_golden", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        script.load_timm_scheduler()
    return sys.modules["timm.scheduler"]


def test_layer_decay_matches_timm_lr_scale():
    """timm's param_groups_layer_decay gives group i lr_scale = decay ** (layers - 1 - i); its
    schedulers set each group's lr to the schedule's value times lr_scale."""
    timm_scheduler = _timm_scheduler()
    decay, count, steps = 0.75, 12, 60
    opt = torch.optim.AdamW([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 1e-3,
                              "lr_scale": decay ** (count - 1 - i)} for i in range(count)], lr=1e-3)
    sched = timm_scheduler.CosineLRScheduler(opt, t_initial=50, lr_min=1e-5, warmup_t=5, warmup_lr_init=1e-6)
    rows = []
    for t in range(steps):
        rows.append([g["lr"] for g in opt.param_groups])
        sched.step(t + 1)
    theirs = np.asarray(rows)
    mapping = from_framework("timm:CosineLRScheduler(t_initial=50, lr_min=1e-5, warmup_t=5, warmup_lr_init=1e-6)",
                             1e-3, "test")
    mapping.update(layer_decay=decay, groups=count)
    ours = evaluate_series(build(mapping, steps), steps)
    for g in range(count):
        _close(ours[f"lr[{g}]"], theirs[:, g])


@pytest.mark.parametrize("mapping", [
    {"kind": "onecycle", "max_lr": 0.1, "total_steps": 40, "base_momentum": 0.8, "max_momentum": 0.97},
    {"kind": "cyclic", "min_lr": 0.001, "max_lr": 0.1, "step_size_up": 6, "mode": "exp_range", "gamma": 0.98,
     "max_momentum": 0.95},
], ids=["onecycle", "cyclic"])
def test_the_to_torch_snippet_cycles_the_same_momentum(mapping):
    """`export --to torch` writes base_momentum/max_momentum where they differ from torch's
    defaults: its scheduler, on a real SGD with momentum, sets the momentum lrsched shows."""
    from lrsched_cli.frameworks.codegen import snippet

    schedule = build(mapping, 40)
    namespace: dict = {}
    exec(compile(snippet(schedule, "torch", 40), "snippet", "exec"), namespace)
    opt = _optimizer("sgd", [0.1])
    theirs = _record(opt, namespace["make_scheduler"](opt), 40, "momentum")
    ours = evaluate_series(schedule, 40)
    _close(ours["lr"], theirs["lr"])
    _close(ours["momentum"], theirs["momentum"])


SEQUENCES = [
    ("SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), CyclicLR(base_lr=0.001, max_lr=0.1, "
     "step_size_up=4, mode='triangular2')], milestones=[5])", 40),
    ("SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), OneCycleLR(max_lr=0.1, total_steps=30, "
     "base_momentum=0.7), ExponentialLR(gamma=0.9)], milestones=[5, 35])", 50),
    ("SequentialLR(schedulers=[ConstantLR(factor=0.5, total_iters=3), CyclicLR(base_lr=0.001, max_lr=0.1, "
     "step_size_up=3), LinearLR(start_factor=0.5, total_iters=4), OneCycleLR(max_lr=0.1, total_steps=20)], "
     "milestones=[6, 16, 22])", 40),
]


@pytest.mark.parametrize("text,steps", SEQUENCES, ids=["warmup-cyclic", "onecycle-then-decay", "two-makers"])
def test_momentum_through_a_sequential_lr_matches_torch(text, steps):
    """Every child is built first (the last that cycles momentum sets it), then each sets it
    only while it runs; the others leave it as it was."""
    opt = _optimizer("sgd", [0.1])
    theirs = _record(opt, _torch_scheduler(text, opt), steps, "momentum")
    ours = evaluate_series(build(from_framework("torch:" + text, 0.1, "test"), steps), steps)
    _close(ours["momentum"], theirs["momentum"])
