"""`--log FILE` and `--log-column NAME` on plot, table, compare, lint, check and diff: read the
logs, report where each parts from the plan (stderr, as lint's findings), and the logged column of
a table."""
from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .base import say

SOURCES = ("kind_mapping", "framework", "config", "spec")


def take_logs(values: dict[str, Any], more: list[str] | None = None) -> list:
    """Pop --log/--log-column from a command's values and read every log, and the logs `more`
    names (diff's positional sides), with their notes to stderr."""
    paths, column = [*(more or ()), *(values.pop("log", None) or [])], values.pop("log_column", None)
    if column is not None and not paths:
        raise UsageError("--log-column names the series of a --log FILE; give --log too")
    from ..logs import read_log

    logs = [read_log(path, column) for path in paths]
    for log in logs:
        for note in log.notes:
            say(note)
    _unique_labels(logs)
    return logs


def _unique_labels(logs: list) -> None:
    seen: dict[str, int] = {}
    for log in logs:
        count = seen.get(log.label, 0)
        seen[log.label] = count + 1
        if count:
            log.label = f"{log.label} ({count + 1})"


def has_source(values: dict[str, Any]) -> bool:
    return any(values.get(name) for name in SOURCES)


def log_only_steps(logs: list) -> int:
    from ..core.engine import check_steps

    return check_steps(max(int(log.latest()[0][-1]) + 1 for log in logs))


def report_alignment(req: Any, logs: list) -> None:
    """Each log against each schedule, as lint's logged_rate findings: where they part and why (stderr)."""
    from ..app.lint import log_findings

    for finding in log_findings(req, logs)[0]:
        say(finding.line())


def logged_column(log: Any, steps: int) -> Any:
    """The log as a value per step of the plan, NaN (shown empty) where it logged nothing."""
    import numpy as np

    column = np.full(steps, np.nan)
    at, values = log.latest()
    inside = at < steps
    column[at[inside]] = values[inside]
    return column


def logged_rows(logs: list, steps: int, every: int | None) -> list[int] | None:
    """The rows of a table beside a log: the logged steps, sampled to about 40 (with --every,
    every K-th of them)."""
    import numpy as np

    at = np.unique(np.concatenate([log.latest()[0] for log in logs]))
    at = at[at < steps]
    if not at.size:
        return None
    stride = every or max(1, -(-at.size // 40))
    rows = at[::stride].tolist()
    return rows if rows[-1] == at[-1] else rows + [int(at[-1])]


def points(logs: list) -> list:
    from ..present.plot import LoggedPoints

    return [LoggedPoints(log.label, *log.latest()) for log in logs]


def refuse_logs_as_outputs(logs: list, outputs: dict[str, str | None]) -> None:
    from ..io.files import _display

    from .export import _file_key

    keys = {_file_key(log.name): log.name for log in logs}
    for option, path in outputs.items():
        if path not in (None, "-") and _file_key(path) in keys:
            raise UsageError(f"{option} {_display(path)} is one of the --log inputs; write the output to another file")
