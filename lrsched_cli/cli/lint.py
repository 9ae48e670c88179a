"""`lrsched lint`, `lrsched check` and `lrsched diff`: catch a schedule that does not fit its run,
and a schedule that changed.

`lint_after` is the one hook by which plot, table, export and compare print lint's warnings on
stderr after their output (`--no-lint` silences it; stdout never changes).
"""
from __future__ import annotations

import inspect
import json
from typing import Annotated, Any, Optional

import typer

from .base import app, examples, say, to_stdout
from .kinds import kind_group
from .options import (ALLOW_IMPORT, DPI, LOG_OPTIONS, LOG_Y, RUN_OPTIONS, TITLE, PanelCommand, choice_option, option,
                      run_flags)

SOURCES = ("framework", "spec", "config")


def lint_after(req: Any, values: dict[str, Any], no_lint: bool) -> None:
    """After a command's output: lint's warnings on stderr, one line each (notes only in `lint`)."""
    if no_lint:
        return
    from ..app.lint import lint_request

    for finding in lint_request(req, {name: values.get(name) for name in SOURCES}):
        if finding.level == "warning":
            say(finding.line())


# -- lrsched lint -------------------------------------------------------------------------------

STRICT = option("strict", ["--strict"], "exit 1 when there is a warning (for CI)", kind=bool, default=False)
LINT_FORMAT = option("fmt", ["--format", "-f"], "text (one finding a line) or json [default: text]",
                     metavar="text|json")
LIST = option("list_checks", ["--list"], "list the checks and what each looks for", kind=bool, default=False)
LINT_OPTIONS = [*RUN_OPTIONS, STRICT, LINT_FORMAT, LIST, ALLOW_IMPORT, *LOG_OPTIONS]


def _lint(*, strict: bool, fmt: str | None, list_checks: bool, **values: Any) -> None:
    from ..app.gather import gather
    from ..app.lint import lint_request
    from ..core.lint import has_warnings

    from .logged import take_logs

    fmt = choice_option(fmt, "--format", ("text", "json"), "text")
    if list_checks:
        _list_checks(fmt)
        return
    logs = take_logs(values)
    flags = run_flags(values)
    req = gather(flags=flags, **values)
    findings = lint_request(req, {name: values.get(name) for name in SOURCES}, logs)
    if fmt == "json":
        text = json.dumps([f.to_dict() for f in findings], indent=1) + "\n"
    else:
        text = "".join(f.line() + "\n" for f in findings)
    to_stdout(lambda stream: stream.write(text))
    if not findings and fmt == "text":
        say(f"no findings: {len(req.schedules)} schedule{'s' if len(req.schedules) != 1 else ''} over "
            f"{req.steps:,} {req.unit}s")
    if strict and has_warnings(findings):
        raise typer.Exit(1)


def _list_checks(fmt: str) -> None:
    from ..core.lint import describe_checks

    checks = describe_checks()
    if fmt == "json":
        text = json.dumps([{"check": name, "doc": doc} for name, doc in checks], indent=1) + "\n"
    else:
        width = max(len(name) for name, _ in checks)
        text = "".join(f"{name:<{width}}  {doc}\n" for name, doc in checks)
    to_stdout(lambda stream: stream.write(text))


kind_group("lint", "Say where a schedule does not fit its run: a rise past the horizon, a horizon that "
           "misses the run, a warmup longer than the run, stray milestones, jumps, ... (--list shows every "
           "check).",
           ["lrsched lint cosine --max-lr 0.1 --cycle-length 90 --steps 100",
            "lrsched lint --config configs/decays.yaml --strict",
            "lrsched lint hf:cosine --base-lr 0.01 --steps 60 --log trainer_state.json",
            "lrsched lint \"torch:OneCycleLR(max_lr=0.1, total_steps=1000)\" --steps 1001 --format json",
            "lrsched lint --list"],
           LINT_OPTIONS, _lint)


# -- lrsched check ------------------------------------------------------------------------------

AGAINST = option("against", ["--against"], "the export to compare with: a CSV or JSON written by "
                 "'lrsched export' (its index column and several schedules are read)", metavar="FILE.csv")
RTOL = option("rtol", ["--rtol"], "relative tolerance: equal where |a - b| <= atol + rtol * |b| [default: 0]",
              metavar="R")
ATOL = option("atol", ["--atol"], "absolute tolerance [default: 0: the values must be equal]", metavar="A")
CHECK_OPTIONS = [*RUN_OPTIONS, AGAINST, RTOL, ATOL, *LOG_OPTIONS, ALLOW_IMPORT]


def tolerance(text: str | None, flag: str) -> float:
    """A tolerance: a finite number >= 0 (0 when not given)."""
    if text is None:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value >= 0 and value != float("inf")):
        from ..errors import UsageError

        raise UsageError(f"{flag} must be a number >= 0 (received {text!r})")
    return value


def _check(*, against: str | None, rtol: str | None, atol: str | None, **values: Any) -> None:
    from ..app.diff import differences, pair, read_export
    from ..app.gather import gather
    from ..errors import UsageError

    from .logged import take_logs

    logs = take_logs(values)
    if logs:
        if against is not None or rtol is not None or atol is not None:
            raise UsageError("give either --against FILE (an export, compared value by value) or --log FILE "
                             "(a logged learning rate, aligned with the plan), not both")
        _check_logs(gather(flags=run_flags(values), **values), logs)
        return
    if against is None or not against.strip():
        raise UsageError("give --against FILE.csv (or .json), a file written by 'lrsched export', or "
                         "--log FILE, a logged learning rate")
    tolerances = tolerance(rtol, "--rtol"), tolerance(atol, "--atol")
    exported = read_export(against)
    req = gather(flags=run_flags(values), **values)
    lines, failed = [], False
    index, labels, columns = req.exported()  # every series and group, as export wrote them
    for i, j in pair(labels, exported.labels, against):
        found = differences(columns[i], exported.columns[j], *tolerances)
        failed |= not found.equal
        lines.append(_check_line(labels[i], found, against, index, tolerances))
    to_stdout(lambda stream: stream.write("".join(line + "\n" for line in lines)))
    if failed:
        raise typer.Exit(1)


def _check_logs(req: Any, logs: list) -> None:
    """Each log aligned with each schedule, as lint's logged_rate findings (core/align.py, where
    they part and the known cause that fits), on stdout; exit 1 when any pair parts."""
    from ..app.lint import log_findings

    findings, parted = log_findings(req, logs)
    to_stdout(lambda stream: stream.write("".join(f.line() + "\n" for f in findings)))
    if parted:
        raise typer.Exit(1)


def _check_line(label: str, found: Any, against: str, unit: str, tolerances: tuple[float, float]) -> str:
    from ..app.diff import number

    within = "equal" if tolerances == (0.0, 0.0) else f"equal within rtol {tolerances[0]:g}, atol {tolerances[1]:g}"
    if found.equal:
        return f"same: {label}: {found.steps:,} {unit}s {within} to {against}"
    parts = []
    if found.lengths[0] != found.lengths[1]:
        parts.append(f"the schedule has {found.lengths[0]:,} {unit}s, {against} {found.lengths[1]:,}")
    if found.count:
        here, there = found.first_values
        parts.append(f"{found.count:,} of {found.steps:,} {unit}s differ; the first at {unit} {found.first}: "
                     f"{number(here)} here, {number(there)} in {against}; the largest difference "
                     f"{number(found.largest)} at {unit} {found.largest_at}")
    return f"differs: {label}: " + "; ".join(parts)


kind_group("check", "Compare a schedule with a committed export: exit 0 when equal (within --rtol/--atol), "
           "1 with the first differing step otherwise (for CI); or with a logged learning rate (--log): "
           "exit 1 where they part, with the known cause that fits.",
           ["lrsched check cosine --max-lr 0.1 --against cosine.csv",
            "lrsched check --config configs/decays.yaml --against decays.json --rtol 1e-12",
            "lrsched check hf:linear --base-lr 5e-5 --steps 60 --log trainer_state.json"],
           CHECK_OPTIONS, _check)


# -- lrsched diff -------------------------------------------------------------------------------

def diff(a: str, b: str | None = None, **values: Any) -> None:
    """Compare two schedules: where they differ, by how much, and the difference of their areas;
    or a schedule with a logged learning rate (B a log, or --log): where and why they part."""
    from ..app.diff import differences, is_log_side, pair_sides
    from ..core.pykind import allowed_imports
    from ..errors import UsageError

    from .logged import refuse_logs_as_outputs, take_logs

    from .options import int_option

    output, log_y, dpi, title = (values.pop(name) for name in ("output", "log_y", "dpi", "title"))
    int_option(dpi, "--dpi", 10, 1000)  # refused before anything is printed
    tolerances = tolerance(values.pop("rtol"), "--rtol"), tolerance(values.pop("atol"), "--atol")
    given = [text for text in (a, b) if text is not None]
    log_paths = [text for text in given if is_log_side(text)]
    logs = take_logs(values, log_paths)
    flags = run_flags(values)
    plans = [text for text in given if text not in log_paths]
    if output is not None:
        from ..present.plot import check_plot_path

        check_plot_path(output)
        refuse_logs_as_outputs(logs, {"--output": output})
    figure = dict(output=output, log_y=log_y, dpi=dpi, title=title)
    if logs:
        if len(plans) > 1:
            raise UsageError("give two schedules, or a schedule and a log (B, or --log FILE), not both")
        with allowed_imports(values.pop("allow_import")):
            _diff_logs(plans[0] if plans else None, logs, flags, tolerances, figure)
        return
    if b is None:
        raise UsageError("give B, a schedule, config, export or log to compare A with, or --log FILE")
    with allowed_imports(values.pop("allow_import")):
        left, right = _side(a, flags, b), _side(b, flags, a)
    unit = left.unit
    lines, found_any = [], False
    pairs = pair_sides(left, right)
    for i, j in pairs:
        found = differences(left.columns[i], right.columns[j], *tolerances)
        found_any |= not found.equal
        lines.append(_diff_line(left.labels[i], right.labels[j], found, unit))
    to_stdout(lambda stream: stream.write("".join(line + "\n" for line in lines)))
    if output is not None:
        _diff_figure(left, right, pairs, output, unit=unit, log_y=log_y, dpi=dpi, title=title)
    if found_any:
        raise typer.Exit(1)


def _request(text: str, flags: dict[str, Any]) -> Any:
    """The request of a diff side that is evaluated: a config, a framework scheduler or a spec."""
    from ..app.gather import gather
    from ..frameworks import is_framework_spec

    if text.endswith((".yaml", ".yml")):
        return gather(flags=flags, config=text)
    if is_framework_spec(text):
        return gather(flags=flags, framework=text)
    return gather(flags=flags, spec=[text])


def _side(text: str, flags: dict[str, Any], other: str) -> Any:
    """One side of a diff as an Exported: an export file, a config, a framework scheduler or a spec."""
    from ..app.diff import Exported, is_export, read_export

    if is_export(text):
        return read_export(text)
    if flags.get("steps") is None and is_export(other) and not text.endswith((".yaml", ".yml")):
        flags = dict(flags, steps=read_export(other).steps)  # the file says how long the run is
    return Exported(text, *_request(text, flags).exported())


# -- diff with a log ------------------------------------------------------------------------------

def _diff_logs(text: str | None, logs: list, flags: dict[str, Any], tolerances: tuple[float, float],
               figure: dict[str, Any]) -> None:
    """A schedule (or the first log) against each log, on the logged steps: the ranges where they
    differ, the largest relative difference and, against a plan, the known cause with its fix
    (lint's wording); exit 1 when any differ."""
    from ..app.lint import align_logs

    from .logged import log_only_steps

    if text is None:
        if len(logs) < 2:
            from ..errors import UsageError

            raise UsageError("give a schedule to compare the log with, or a second log")
        _diff_two_logs(logs, tolerances, figure)
        return
    if flags.get("steps") is None and not text.endswith((".yaml", ".yml")):
        flags = dict(flags, steps=log_only_steps(logs))  # the log says how long the run is
    req = _request(text, flags)
    aligned = align_logs(req, logs, tolerance=_log_tolerance(tolerances))
    lines, differ = [], False
    for schedule, pairs in zip(req.schedules, aligned):
        for name, alignment in pairs:
            differ |= alignment.parted or not alignment.compared
            lines.append(_diff_log_line(schedule.label, name, alignment))
    to_stdout(lambda stream: stream.write("".join(line + "\n" for line in lines)))
    if figure["output"] is not None:
        _diff_log_figure(req, aligned, logs, **figure)
    if differ:
        raise typer.Exit(1)


def _log_tolerance(tolerances: tuple[float, float]) -> float:
    """Plan and log differ beyond a relative tolerance: --rtol where given, else align's 1e-6."""
    from ..core.align import TOLERANCE

    if tolerances[1]:
        from ..errors import UsageError

        raise UsageError("--atol compares exports value by value; against a log, give --rtol (relative)")
    return tolerances[0] or TOLERANCE


def _diff_log_line(label: str, name: str, a: Any) -> str:
    from ..app.diff import log_ranges, ranges_text
    from ..core.lint import log_cause

    names = f"{label} vs {name}"
    if not a.compared:
        first, last = a.span or (0, 0)
        return f"differ: {names}: no logged step inside the plan's {a.plan_steps:,} steps (it logs steps {first:,} " \
               f"to {last:,})"
    cause, fix = log_cause(a)
    beyond = f", {a.beyond:,} more past the plan's end" if a.beyond else ""
    if not a.parted:
        rounding = f"; {cause}" if a.cause == "float32" else ""
        return (f"same: {names}: {a.compared:,} logged steps equal within {a.tolerance:g}{beyond}, the largest "
                f"relative difference {a.worst:.2g}{rounding}")
    ranges = log_ranges(a.steps, a.relative, a.tolerance)
    count = int((a.relative > a.tolerance).sum())
    return (f"differ: {names}: logged steps {ranges_text(ranges)} differ ({count:,} of {a.compared:,}{beyond}); "
            f"the largest relative difference {a.worst:.3g} at step {a.worst_step} (plan {a.planned!r}, log "
            f"{a.logged!r}); {cause}; {fix}")


def _diff_two_logs(logs: list, tolerances: tuple[float, float], figure: dict[str, Any]) -> None:
    """The first log against each other one, on the steps both logged."""
    from ..app.diff import compare_logs, ranges_text

    first, lines, differ, pairs = logs[0], [], False, []
    for other in logs[1:]:
        found = compare_logs(first, other, _log_tolerance(tolerances))
        pairs.append(found)
        names = f"{first.label} vs {other.label}"
        if not found.steps.size:
            lines.append(f"differ: {names}: no step logged in both")
        elif not found.count:
            lines.append(f"same: {names}: {found.steps.size:,} steps logged in both, equal within "
                         f"{found.tolerance:g}")
        else:
            at = int(found.relative.argmax())
            lines.append(f"differ: {names}: steps {ranges_text(found.ranges)} differ ({found.count:,} of "
                         f"{found.steps.size:,} logged in both); the largest relative difference "
                         f"{found.relative[at]:.3g} at step {int(found.steps[at])} ({float(found.a[at])!r} vs "
                         f"{float(found.b[at])!r})")
        differ |= not found.steps.size or bool(found.count)
    to_stdout(lambda stream: stream.write("".join(line + "\n" for line in lines)))
    if figure["output"] is not None:
        from ..present.plot import LoggedPoints

        differences = [LoggedPoints(f"{other.label} - {first.label}", found.steps, found.b - found.a)
                       for other, found in zip(logs[1:], pairs) if found.steps.size]
        _save_log_figure([], logs, differences, **figure)
    if differ:
        raise typer.Exit(1)


def _diff_log_figure(req: Any, aligned: list, logs: list, **figure: Any) -> None:
    """The plan's curves, each log's markers, and a panel of log - plan at the logged steps."""
    import numpy as np

    from ..present.plot import LoggedPoints, Series

    series = [Series(schedule.label, column) for schedule, column in zip(req.schedules, req.columns)]
    differences = []
    for schedule, column, pairs in zip(req.schedules, req.columns, aligned):
        for log, (name, alignment) in zip(logs, pairs):
            if alignment.compared:
                steps = alignment.steps
                at, values = log.latest()
                logged = values[np.searchsorted(at, steps)]
                label = "log - plan" if len(series) * len(logs) == 1 else f"{name} - {schedule.label}"
                differences.append(LoggedPoints(label, steps, logged - column[steps]))
    _save_log_figure(series, logs, differences, **figure)


def _save_log_figure(series: list, logs: list, differences: list, *, output: str, log_y: bool, dpi: str | None,
                     title: str | None) -> None:
    from ..present.plot import save_log_difference_figure
    from .logged import points
    from .options import int_option

    saved = save_log_difference_figure(series, points(logs), differences, output, log_y=log_y, title=title,
                                       dpi=int_option(dpi, "--dpi", 10, 1000) or 150)
    say(f"wrote {saved}")


def _diff_line(label_a: str, label_b: str, found: Any, unit: str) -> str:
    from ..app.diff import number, ranges_text

    names = label_a if label_a == label_b else f"{label_a} vs {label_b}"
    if found.equal:
        return f"same: {names}: {found.steps:,} {unit}s equal"
    parts = []
    if found.lengths[0] != found.lengths[1]:
        parts.append(f"{found.lengths[0]:,} {unit}s vs {found.lengths[1]:,}; compared over the first {found.steps:,}")
    if found.count:
        a_area, b_area = found.area
        change = f" ({(b_area - a_area) / a_area:+.2%})" if a_area else ""
        parts.append(f"{unit}s {ranges_text(found.ranges)} differ ({found.count:,} of {found.steps:,}); the largest "
                     f"relative difference {found.largest_relative:.3g} at {unit} {found.relative_at}; the area "
                     f"{number(a_area)} vs {number(b_area)}, a difference of {b_area - a_area:.6g}{change}")
    return f"differ: {names}: " + "; ".join(parts)


def _diff_figure(left: Any, right: Any, pairs: list, output: str, *, unit: str, log_y: bool, dpi: str | None,
                 title: str | None) -> None:
    from ..present.plot import Series, save_difference_figure
    from .options import int_option

    series, drawn, names = [], [], []
    for n, (i, j) in enumerate(pairs):
        series += [Series(f"A: {_side_label(left, i)}", left.columns[i]),
                   Series(f"B: {_side_label(right, j)}", right.columns[j])]
        drawn.append((2 * n, 2 * n + 1))
        names.append("B - A" if len(pairs) == 1 else f"B - A: {right.labels[j]}")
    saved = save_difference_figure(series, drawn, output, unit=unit, log_y=log_y, title=title,
                                   dpi=int_option(dpi, "--dpi", 10, 1000) or 150, names=names)
    say(f"wrote {saved}")


def _side_label(side: Any, i: int) -> str:
    """A series' label, with the side it comes from when that alone tells two apart."""
    label = side.labels[i]
    return label if len(side.labels) > 1 or label == side.name else f"{label} ({side.name})"


DIFF_OUTPUT = option("output", ["--output", "-o"], "also draw both curves over a panel of their difference, "
                     ".png or .svg", metavar="PATH")
SIDE_HELP = ("a schedule ('kind:key=value,...' or 'torch:...(...)'), a config (.yaml), an export (.csv, "
             ".json) or a logged learning rate (any file --log reads)")
SIDES = [inspect.Parameter("a", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                           annotation=Annotated[str, typer.Argument(help=SIDE_HELP, metavar="A")]),
         inspect.Parameter("b", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                           annotation=Annotated[Optional[str], typer.Argument(
                               help=SIDE_HELP + " [default: the --log FILE]", metavar="B", show_default=False)])]
diff.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [*SIDES, *RUN_OPTIONS, RTOL, ATOL, DIFF_OUTPUT, LOG_Y, TITLE, DPI, ALLOW_IMPORT, *LOG_OPTIONS])
app.command("diff", cls=PanelCommand, epilog=examples(
    "lrsched diff cosine:max_lr=0.1,cycle_length=90 cosine:max_lr=0.1,past_end=hold,cycle_length=90",
    "lrsched diff configs/decays.yaml decays.csv",
    "lrsched diff old.csv new.csv -o plots/old_vs_new.png",
    "lrsched diff hf:cosine --base-lr 0.01 --steps 60 trainer_state.json -o plots/hf_vs_log.png"))(diff)
