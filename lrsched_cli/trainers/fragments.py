"""What the dialect writers share (`export --to DIALECT`).

A writer proposes the fragment its trainer would need (from the schedule's kind and parameters),
and `proved` keeps it only when the dialect's own reader, itself proved against the real trainer
(tests/golden/trainers_golden.json), reads it back to the schedule's values at every step of the
run, to floating-point noise. So a fragment is exact by construction, off-by-ones included, and a
schedule the trainer cannot run is refused in one line saying what the format can hold.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable

#: Relative tolerance of the read-back (of each value, and of the run's peak for values near 0).
RTOL = 1e-12


def refused(dialect: str, reason: str) -> Exception:
    from ..frameworks.codegen import CodegenError

    return CodegenError(f"{dialect}: {reason}")


def values(schedule: Any, steps: int) -> dict[str, Any]:
    """Every series the schedule sets (lr first, then momentum or beta1, ...), t = 0 .. steps-1."""
    from ..core.engine import evaluate_series

    return evaluate_series(schedule, steps)


def read_back(dialect: Any, text: str, steps: int) -> dict[str, Any]:
    """The series `dialect` reads from `text` over `steps` updates (the fragment's own run length
    is what the trainer runs; `steps` is the export's)."""
    from ..core.engine import build
    from .base import Content

    from ..errors import SpecError

    reading = dialect.read(Content(text, f"the {dialect.name} fragment"), {})
    if reading.warnings:  # the trainer would do something the reading does not show
        raise SpecError(f"the {dialect.name} fragment: {reading.warnings[0]}")
    return values(build(reading.schedule, steps), steps)


def first_difference(actual: dict[str, Any], expected: dict[str, Any]) -> str | None:
    """Where the read-back differs from the schedule ('lr at step 3: 0.1 vs 0.2'), else None."""
    import numpy as np

    for name, wanted in expected.items():
        got = actual.get(name)
        if got is None:
            return f"it has no {name} series"
        scale = float(np.max(np.abs(wanted))) if len(wanted) else 0.0
        bad = np.flatnonzero(~np.isclose(got, wanted, rtol=RTOL, atol=RTOL * scale))
        if bad.size:
            t = int(bad[0])
            return f"{name} at step {t}: {float(got[t])!r} instead of {float(wanted[t])!r}"
    extra = [name for name in actual if name not in expected and name != "lr"]
    return f"it also sets {', '.join(extra)}" if extra else None


def proved(dialect: Any, candidates: Iterable[str], schedule: Any, steps: int, holds: str) -> str:
    """The first candidate fragment that reads back to the schedule's values; else CodegenError
    naming what the format holds (`holds`) and, for the closest candidate, where it differs."""
    from ..errors import SpecError

    expected = values(schedule, steps)
    nearest = None
    for text in candidates:
        try:
            difference = first_difference(read_back(dialect, text, steps), expected)
        except SpecError as exc:  # the trainer itself would refuse these numbers
            difference = str(exc).removeprefix(f"the {dialect.name} fragment: ")
        if difference is None:
            return text if text.endswith("\n") else text + "\n"
        nearest = nearest or difference
    why = (f"the nearest fragment differs ({nearest})" if nearest
           else f"no {dialect.name} fragment fits this {schedule.kind.name} schedule")
    raise refused(dialect.name, f"{why}; it holds {holds}")


def as_json(mapping: dict[str, Any]) -> str:
    return json.dumps(mapping, indent=2) + "\n"


def number(value: float) -> str:
    """A flag's value that reads back as exactly `value` (an integer stays one)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return repr(float(value))


def flag_text(flags: dict[str, Any]) -> str:
    """`--name value ...` on one line, None values left out."""
    return " ".join(f"{name} {number(value) if not isinstance(value, str) else value}"
                    for name, value in flags.items() if value is not None)


Writer = Callable[[Any, int], str]
