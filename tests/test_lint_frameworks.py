"""The framework arguments lint reports as changing nothing drawn: each is an argument of its
constructor, and a bridge really drops it (the schedule is the same with it and without it)."""
from __future__ import annotations

import pytest

from lrsched_cli.frameworks import REGISTRY, translate
from lrsched_cli.frameworks.unused import NOT_DRAWN, unused_arguments

ALTERED = {"noise_pct": "0.1", "noise_std": "0.3", "noise_seed": "7", "noise_type": "'uniform'"}
REQUIRED = {"StepLRScheduler": "decay_t=30", "MultiStepLRScheduler": "decay_t=[30, 60]",
            "WSDLRScheduler": "t_initial=100, decay_t=20"}


@pytest.mark.parametrize("key", sorted(NOT_DRAWN), ids=[":".join(k) for k in sorted(NOT_DRAWN)])
def test_each_dropped_argument_exists_and_changes_nothing(key):
    framework, name = key
    ctor = REGISTRY[framework].constructors[name]
    names = [a.name for a in ctor.args]
    required = REQUIRED.get(name, "t_initial=100" if "t_initial" in names else "")
    plain = f"{framework}:{name}({required})"
    for argument in NOT_DRAWN[key]:
        assert argument in names
        written = f"{framework}:{name}({required}, {argument}={ALTERED[argument]})".replace("(, ", "(")
        assert translate(written, base_lr=0.1) == translate(plain, base_lr=0.1)
        assert unused_arguments(written) == [f"{argument}={ALTERED[argument]}"]
    assert unused_arguments(plain) == []


def test_every_written_argument_is_found_in_the_order_of_the_table():
    text = "timm:CosineLRScheduler(100, noise_seed=1, noise_pct=0.5)"
    assert unused_arguments(text) == ["noise_pct=0.5", "noise_seed=1"]
    nested = "torch:SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), StepLR(step_size=3)], milestones=[5])"
    assert unused_arguments(nested) == []
    assert unused_arguments("cosine:max_lr=0.1") == [] and unused_arguments("torch:Nope(") == []
