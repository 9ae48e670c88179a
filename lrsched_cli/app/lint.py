"""Lint a command's schedules: the core checks, plus what the framework bridges dropped."""
from __future__ import annotations

from typing import Any, Mapping, Sequence


def lint_request(req: Any, sources: Mapping[str, Any] | None = None, logs: Sequence[Any] = ()) -> list:
    """The findings on the schedules of a request; `sources` are the command's schedule sources
    (framework, spec, config), read again for the framework arguments that change nothing drawn;
    `logs` the logged learning rates (logs.Log) to align with each schedule."""
    from ..core.lint import lint

    texts = framework_texts(sources or {}, len(req.schedules))
    unused = [_unused(text, schedule) for text, schedule in zip(texts, req.schedules)]
    columns = [_own_values(req, i) for i in range(len(req.schedules))]
    holds = [plan.hold for plan in req.plans]
    return lint(req.schedules, columns, req.run, unused=unused, holds=holds, logs=align_logs(req, logs))


def align_logs(req: Any, logs: Sequence[Any], tolerance: float | None = None) -> list[list[tuple[str, Any]]]:
    """Per schedule, each log aligned with the schedule's values over the run (core/align.py), as
    (the log's label, its Alignment)."""
    from ..core.align import TOLERANCE, align, horizon_replan

    return [[(log.label, align(column, log, tolerance=tolerance or TOLERANCE,
                               replan=horizon_replan(schedule, req.steps))) for log in logs]
            for schedule, column in zip(req.schedules, req.columns)]


def log_findings(req: Any, logs: Sequence[Any]) -> tuple[list, bool]:
    """The logged_rate findings of every schedule against every log (the lines plot, table,
    compare and check print), and whether any log parts from its plan."""
    from ..core.lint import log_findings as findings_of

    aligned = align_logs(req, logs)
    found = [f for schedule, pairs in zip(req.schedules, aligned) for f in findings_of(schedule.label, pairs)]
    return found, any(a.parted for pairs in aligned for _, a in pairs)


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
