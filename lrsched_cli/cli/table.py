"""`lrsched table`: the values as a terminal table, with a summary and an optional chart."""
from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .base import examples, out, say
from .kinds import kind_group
from .lint import lint_after
from .options import TABLE_OPTIONS, int_option, run_flags

#: Rows a table may have: rich spends about 0.3 ms and 2 KB on each, so 300,000 rows took 83 s
#: and 671 MB. A longer listing is what `export` is for.
MAX_TABLE_ROWS = 10_000


def _table(*, every: str | None, chart: bool, no_lint: bool = False, **values: Any) -> None:
    from ..app.gather import gather
    from ..core.summary import sample_rows
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
    from .run import report_run

    req = gather(flags=flags, **values)
    for line in req.messages:  # what a training config said, and where each number came from
        say(line)
    index, labels, columns = req.indexed()
    count = len(columns[0])
    check_rows(count, step)
    rows = sample_rows(count, step)
    _, names, cells = req.exported()  # a column per series and group
    if logs:
        report_alignment(req, logs)
        rows = logged_rows(logs, count, step) or rows
        names = names + [f"logged: {log.label}" for log in logs]
        cells = cells + [logged_column(log, count) for log in logs]
    console = out()
    console.print(values_table(names, cells, rows, index, title=req.title))
    own = columns[len(columns) - len(req.labels):]  # without a fractional-epoch column
    console.print(summary_table(req.labels, req.summaries(own), index))
    report_run(req, to_stdout=True)
    if chart:
        terminal_chart(req, log_y=False)
    lint_after(req, values, no_lint)


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
    from ..io.output import lr_keys

    curves = [(schedule.label + key[2:], values[key])  # one curve per parameter group
              for schedule, values in zip(req.schedules, req.series) for key in lr_keys(values)]
    out().print(render_chart(curves, width=width, unit=req.unit, log_y=log_y,
                             title=title or req.title))


kind_group("table", "Print the values as a table, with a summary (peak, final, mean, LR area, ...).",
           ["lrsched table cosine --max-lr 0.1 --steps 100 --every 10",
            "lrsched table --config configs/decays.yaml --chart"],
           TABLE_OPTIONS, _table)
