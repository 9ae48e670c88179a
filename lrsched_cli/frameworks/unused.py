"""The framework arguments the bridges accept and drop: they change nothing lrsched draws.

The readers (torch.py, timm.py) take these arguments so that a scheduler pastes in as written,
then build the learning-rate schedule without them. `NOT_DRAWN` lists them once, for lint;
tests/test_lint_frameworks.py keeps every name in it equal to an argument of its constructor.
"""
from __future__ import annotations

import ast
from typing import Any

from ..errors import SpecError

_NOISE = ("noise_pct", "noise_std", "noise_seed", "noise_type")
#: (framework, constructor) -> the arguments it accepts and drops.
#: (torch's CyclicLR and OneCycleLR momentum arguments are drawn: core.engine.evaluate_series.)
NOT_DRAWN: dict[tuple[str, str], tuple[str, ...]] = {
    **{("timm", name): tuple(a for a in _NOISE if name == "PlateauLRScheduler" or a != "noise_type")
       for name in ("CosineLRScheduler", "TanhLRScheduler", "StepLRScheduler", "MultiStepLRScheduler",
                    "PlateauLRScheduler", "PolyLRScheduler", "WSDLRScheduler")},
}


def unused_arguments(text: Any) -> list[str]:
    """The dropped arguments written in a framework scheduler, as "name=value", nested
    constructors included; [] for anything that is not a readable framework scheduler."""
    from .base import REGISTRY, _parse, is_framework_spec

    if not is_framework_spec(text):
        return []
    try:
        framework, call = _parse(text)
    except SpecError:
        return []
    found = []
    for node in ast.walk(call):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        dropped = NOT_DRAWN.get((framework, node.func.id), ())
        ctor = REGISTRY[framework].constructors.get(node.func.id)
        if not dropped or ctor is None:
            continue
        written = dict(zip((a.name for a in ctor.args), node.args))
        written.update((k.arg, k.value) for k in node.keywords if k.arg)
        found += [f"{name}={ast.unparse(written[name])}" for name in dropped if name in written]
    return found
