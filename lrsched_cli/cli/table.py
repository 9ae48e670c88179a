"""`lrsched table`: the values as a terminal table, with a summary and an optional chart."""
from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .base import examples, out
from .kinds import kind_group
from .options import TABLE_OPTIONS, int_option, run_flags

#: Rows a table may have: rich spends about 0.3 ms and 2 KB on each, so 300,000 rows took 83 s
#: and 671 MB. A longer listing is what `export` is for.
MAX_TABLE_ROWS = 10_000


def _table(*, every: str | None, chart: bool, **values: Any) -> None:
    from ..app.gather import gather
    from ..core.summary import sample_rows, summarize
    from ..present.render import summary_table, values_table

    from .logged import has_source, logged_column, logged_rows, log_only_steps, report_alignment, take_logs

    logs = take_logs(values)
    flags = run_flags(values)
    step = int_option(every, "--every", 1)
    if chart:
        check_can_draw()
    if logs and not has_source(values):  # the log alone
        steps = log_only_steps(logs)
        columns = [logged_column(log, steps) for log in logs]
        out().print(values_table([f"logged: {log.label}" for log in logs], columns,
                                 logged_rows(logs, steps, step), flags.get("unit") or "step"))
        return
    req = gather(flags=flags, **values)
    check_rows(req.steps, step)
    rows = sample_rows(req.steps, step)
    labels, columns = req.labels, req.columns
    if logs:
        report_alignment(req, logs)
        rows = logged_rows(logs, req.steps, step) or rows
        labels = labels + [f"logged: {log.label}" for log in logs]
        columns = columns + [logged_column(log, req.steps) for log in logs]
    console = out()
    console.print(values_table(labels, columns, rows, req.unit, title=req.title))
    console.print(summary_table(req.labels, [summarize(c) for c in req.columns], req.unit))
    if chart:
        terminal_chart(req, log_y=False)


def check_rows(steps: int, every: int | None) -> None:
    """Refuse a table too long to render before any of it is built."""
    if every is None:
        return
    rows = -(-steps // every)
    if rows > MAX_TABLE_ROWS:
        wider = -(-steps // MAX_TABLE_ROWS)
        raise UsageError(f"--every {every} would show {rows:,} rows; a table shows at most "
                         f"{MAX_TABLE_ROWS:,} (use --every {wider} or more, or 'lrsched export' "
                         "for every value)")


#: What a terminal chart draws with; an encoding that lacks them cannot show the chart.
CHART_CHARACTERS = "\u28ff\u2501\u2524\u2502\u2514\u252c"


def check_can_draw() -> None:
    """The terminal chart needs Unicode; say so before drawing rather than fail halfway."""
    import sys

    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        CHART_CHARACTERS.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        raise UsageError(f"the terminal chart draws with Unicode braille, which stdout's encoding "
                         f"{encoding!r} cannot show; set PYTHONIOENCODING=utf-8 or write an image "
                         "with -o FILE.png") from None


def terminal_chart(req: Any, log_y: bool, title: str | None = None) -> None:
    import shutil

    from ..present.termchart import render_chart

    width = max(30, min(shutil.get_terminal_size((80, 24)).columns - 14, 120))
    out().print(render_chart(list(zip(req.labels, req.columns)), width=width, unit=req.unit, log_y=log_y,
                             title=title or req.title))


kind_group("table", "Print the values as a table, with a summary (peak, final, mean, LR area, ...).",
           ["lrsched table cosine --max-lr 0.1 --steps 100 --every 10",
            "lrsched table --config configs/decays.yaml --chart"],
           TABLE_OPTIONS, _table)
