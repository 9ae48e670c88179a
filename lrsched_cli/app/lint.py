"""Lint a command's schedules: the core checks, plus what the framework bridges dropped."""
from __future__ import annotations

from typing import Any, Mapping


def lint_request(req: Any, sources: Mapping[str, Any] | None = None) -> list:
    """The findings on the schedules of a request; `sources` are the command's schedule sources
    (framework, spec, config), read again for the framework arguments that change nothing drawn."""
    from ..core.lint import lint

    texts = framework_texts(sources or {}, len(req.schedules))
    unused = [_unused(text, schedule) for text, schedule in zip(texts, req.schedules)]
    columns = [_own_values(req, i) for i in range(len(req.schedules))]
    return lint(req.schedules, columns, req.run, unused=unused)


def _own_values(req: Any, i: int) -> Any:
    """Schedule i's values as the checks read its parameters: on its own clock (one value per
    epoch when it is stepped once per epoch), over its own run (a shorter `steps:` without the
    NaN that pads it to the others)."""
    plan = req.plans[i]
    if plan.hold > 1:
        from ..core.engine import evaluate

        return evaluate(req.schedules[i], plan.calls)
    column = req.columns[i]
    return column[:plan.length] if plan.length else column


def framework_texts(sources: Mapping[str, Any], count: int) -> list[str | None]:
    """The framework scheduler each schedule was written as, None for the others."""
    if sources.get("framework"):
        return [sources["framework"]] + [None] * (count - 1)
    items: list[Any] = list(sources.get("spec") or ())
    if sources.get("config") and _names_a_framework(sources["config"]):
        from ..io.config import read_config

        items = read_config(sources["config"]).items
    texts = [item.get("from") if isinstance(item, Mapping) else item for item in items]
    texts = [text if isinstance(text, str) else None for text in texts]
    return (texts + [None] * count)[:count]


def _names_a_framework(path: str) -> bool:
    """Whether a config may hold a framework scheduler: reading it again costs more than lint."""
    from pathlib import Path

    from ..frameworks import REGISTRY

    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(f"{name}:" in text for name in REGISTRY)


def _unused(text: str | None, schedule: Any) -> list[str]:
    if text is None:
        return []
    from ..frameworks.unused import unused_arguments

    return unused_arguments(text)
    try:
        return "momentum" in series(schedule, 2)
    except Exception:  # noqa: BLE001 - a series that cannot be drawn draws no momentum
        return False
