"""One intent, written the way each framework's users write it, and where the results disagree.

An intent is an lrsched schedule (say a cosine from 0.1 to 0.001 over 1,000 steps with a 50-step
warmup). For each framework we write the constructor a practitioner would write with the same
numbers, taking the framework's own meaning of each argument, evaluate it with that framework's
semantics (`frameworks.translate`), and compare with the intent step by step. Each framework
module writes its own renderings (its `Framework.compare`); this module holds what they share.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..errors import UsageError
from .base import REGISTRY, Names

if TYPE_CHECKING:
    from ..core.engine import Schedule

#: The frameworks `compare --as` can write intents for.
DIALECTS = Names(lambda fw: fw.compare)
NO_ONECYCLE = ("no one-cycle schedule",)


@dataclass(frozen=True)
class Rendering:
    framework: str
    spec: str  # the constructor, as `frameworks.translate` reads it; "" when there is none
    base_lr: float | None
    conventions: tuple[str, ...]  # the conventions of this framework that shape the curve


def _num(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else repr(int(x)) if abs(x) < 1e15 else repr(float(x))


def cosine_intent(p: dict) -> tuple[float, float, int, int, float]:
    """(peak, floor, warmup steps, run length with the warmup, warmup start) of a cosine intent."""
    warm = p["warmup_steps"]
    return p["max_lr"], p["min_lr"], warm, warm + int(round(p["cycle_length"])), p["warmup_start_lr"]


def _linear_decay(p: dict) -> None:
    if p["power"] != 1.0:
        raise UsageError("compare --as handles polynomial decay with power 1 (linear decay)")


def _onecycle(p: dict) -> None:
    if p["three_phase"] or p["anneal_strategy"] != "cos":
        raise UsageError("compare --as handles the default one-cycle (cos, two phases)")


#: The kinds an intent may be, each with the check of what `compare --as` handles.
INTENTS: dict[str, Callable[[dict], None]] = {
    "step": lambda p: None,
    "onecycle": _onecycle,
    "cosine": lambda p: None,
    "multistep": lambda p: None,
    "polynomial": _linear_decay,
}


def renderings(intent: Schedule, frameworks: list[str], horizon: int) -> list[Rendering]:
    kind = intent.kind.name
    check = INTENTS.get(kind)
    if check is None:
        raise UsageError(f"compare --as takes a {', '.join(INTENTS)} schedule as the intent "
                         f"(received {kind})")
    check(intent.params)
    out = []
    for name in frameworks:
        framework = REGISTRY[name]
        render = framework.compare.get(kind)
        out.append(render(intent.params) if render else
                   Rendering(name, "", None, (f"{framework.title} has no {kind} schedule",)))
    return out


@dataclass(frozen=True)
class Difference:
    framework: str
    spec: str
    max_abs: float
    max_at: int | None
    first_at: int | None
    final: float | None
    conventions: tuple[str, ...]


def differences(intent_values: Any, values: Any, rendering: Rendering, rtol: float = 1e-9) -> Difference:
    import numpy as np

    gap = np.abs(values - intent_values)
    differs = np.flatnonzero(gap > rtol * np.abs(intent_values).max())
    worst = int(np.argmax(gap)) if differs.size else None
    return Difference(rendering.framework, rendering.spec, float(gap.max()), worst,
                      int(differs[0]) if differs.size else None, float(values[-1]), rendering.conventions)


def parse_frameworks(text: str) -> list[str]:
    from ..core.registry import did_you_mean

    names = [x.strip() for x in text.split(",") if x.strip()]
    for name in names:
        if name not in DIALECTS:
            raise UsageError(f"--as: unknown framework {name!r}{did_you_mean(name, DIALECTS) or ';'} "
                             f"choose from {', '.join(DIALECTS)}")
    if not names:
        raise UsageError(f"--as needs frameworks, e.g. --as {','.join(DIALECTS)}")
    return names
