"""`compare --as`: one intent, evaluated as each framework's users would write it."""
from __future__ import annotations

from typing import Any, Mapping

from ..errors import UsageError
from .gather import Request
from .settings import resolve


def compare_as(intent_text: str, frameworks: str, flags: Mapping[str, Any]) -> tuple[Request, list, list]:
    """The intent and each framework's reading of it, evaluated, with where each one differs.

    Returns the request (the intent first, then one schedule per framework that has a
    rendering), the renderings asked for, and for each a row of differences (None: no equivalent).
    """
    from ..core.engine import build
    from ..frameworks import translate
    from ..frameworks.dialects import differences, parse_frameworks, renderings
    from ..io.config import build_all, parse_spec, read_config

    names = parse_frameworks(frameworks)
    file = read_config(intent_text) if intent_text.endswith((".yaml", ".yml")) else None
    layers = {"file": file.settings, "source": file.name} if file else {}
    run = resolve(flags, **layers, defaults={"unit": "step"})
    if file is not None:
        if len(file.items) != 1:
            raise UsageError(f"{intent_text}: compare --as takes one schedule (found {len(file.items)})")
        intent = build_all(file.items, run.steps, file.name, base_lr=run.base_lr)[0]
    else:
        intent = build(parse_spec(intent_text), run.steps, "intent")
    title = f"One intent, each framework's reading: {intent.kind.name}"
    run = resolve(flags, **layers, defaults={"unit": "step", "title": title})
    intent.label = f"intent ({intent.kind.name})"
    schedules = [intent]
    chosen = renderings(intent, names, run.steps)
    for rendering in chosen:
        if rendering.spec:
            mapping = translate(rendering.spec, base_lr=rendering.base_lr)
            mapping["label"] = rendering.framework
            schedules.append(build(mapping, run.steps, rendering.framework))
    req = Request(schedules, run, f"{intent.kind.name}-as")
    columns = iter(req.columns[1:])
    rows = [differences(req.columns[0], next(columns), r) if r.spec else None for r in chosen]
    return req, chosen, rows
