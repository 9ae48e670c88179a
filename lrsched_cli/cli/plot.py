"""`lrsched plot` and `lrsched compare`: the curves as PNG or SVG, or in the terminal."""
from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from ..errors import UsageError
from .base import app, examples, out, say
from .kinds import kind_group
from .lint import lint_after
from .options import (COMPARE_OPTIONS, COMPARE_TARGETS, PLOT_OPTIONS, PanelCommand, choice_option, int_option,
                      output_path, range_option, run_flags)


def _plot(*, output: str | None, log_y: bool, dpi: str | None, show: bool, terminal: bool,
          layout: str | None, xlim: str | None = None, ylim: str | None = None, inset: str | None = None,
          csv: str | None = None, panels: str | None = None, summary: bool = False, no_lint: bool = False,
          diff: bool = False, **values: Any) -> None:
    from ..app.gather import gather

    from .export import refuse_inputs_as_outputs
    from .logged import has_source, refuse_logs_as_outputs, report_alignment, take_logs

    logs = take_logs(values)
    flags = run_flags(values)
    options = _figure_options(output, csv, dpi, layout, terminal)
    zoom = _zoom_options(xlim, ylim, inset, output, dpi, terminal)
    chosen = _panel_names(panels, options[3], terminal)
    refuse_logs_as_outputs(logs, {"--output": options[0], "--csv": options[1]})
    prefetch_figure(options[0], terminal)
    if logs and not has_source(values) and not summary:
        _draw_logs_alone(logs, options[0], options[2], flags, log_y=log_y, terminal=terminal)
        return
    req = gather(flags=flags, **values)
    for line in req.messages:  # what a training config said, and where each number came from
        say(line)
    refuse_inputs_as_outputs(req, values.get("config"), {"--output": options[0], "--csv": options[1]})
    if not summary:
        from .run import report_run

        report_run(req, to_stdout=False)
    if logs:
        report_alignment(req, logs)
    _draw(req, *options, log_y=log_y, show=show, terminal=terminal, summary=summary, diff=diff, zoom=zoom,
          panels=chosen, logs=logs)
    lint_after(req, values, no_lint)


def _panel_names(text: str | None, layout: str, terminal: bool) -> list[str] | None:
    """The panels --panels asks for, checked (None: the default, lr and each series drawn)."""
    from ..core.registry import PANELS, did_you_mean

    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in PANELS:
            raise UsageError(f"--panels: unknown panel {name!r}; the panels are {', '.join(PANELS)}"
                             f"{did_you_mean(name, PANELS)}")
    if not names or len(set(names)) != len(names):
        raise UsageError(f"--panels must name each panel once, from: {', '.join(PANELS)} (received {text!r})")
    if names != ["lr"] and (terminal or layout == "grid"):
        raise UsageError(f"--panels {text} draws stacked panels in an image; "
                         f"{'--terminal' if terminal else '--layout grid'} draws the learning rate alone")
    return names


def panel_series(req: Any, names: list[str] | None) -> list[tuple[str, list, list[int]]]:
    """(y label, curves, colour indices) per panel: the LR's (one curve per parameter group), then
    each series' panel in SERIES order, by default every panel some schedule has a series for.
    A schedule's series take the colour of its (first) LR curve."""
    from ..core.registry import SERIES
    from ..io.output import lr_keys
    from ..present.plot import Series

    curves: dict[str, tuple[list, list[int]]] = {"lr": ([], [])}
    for i, (schedule, values) in enumerate(zip(req.schedules, req.series)):
        marks, colour = req.marks(i), len(curves["lr"][0])
        for key in lr_keys(values):
            curves["lr"][1].append(len(curves["lr"][0]))
            curves["lr"][0].append(Series(schedule.label + key[2:], values[key], marks, jumps=schedule.kind.jumps,
                                          warmup=schedule.params["warmup_steps"]))
        for key, column in values.items():
            if key in SERIES:
                drawn, colours = curves.setdefault(SERIES[key].panel, ([], []))
                drawn.append(Series(f"{schedule.label}:{key}", column, marks))
                colours.append(colour)
    axis = {s.panel: s.axis for s in SERIES.values()}
    chosen = names if names is not None else [name for name in ("lr", *axis) if name in curves]
    missing = [name for name in chosen if name not in curves]
    if missing:
        raise UsageError(f"--panels {','.join(chosen)}: no schedule has a {missing[0]} series "
                         f"(those with one: {', '.join(k for k in curves if k != 'lr') or 'none'})")
    return [("learning rate" if name == "lr" else axis[name], *curves[name]) for name in chosen]


def _draw_logs_alone(logs: list, output: str | None, dpi: int, flags: dict, *, log_y: bool, terminal: bool) -> None:
    """`lrsched plot --log run.csv`: the log itself, with no plan beside it."""
    from ..present.plot import plot_file_name, save_figure_with_logs

    from .logged import points

    if terminal:
        from ..errors import UsageError

        raise UsageError("--terminal draws schedules; a --log alone is drawn to an image (-o FILE.png)")
    path = output or f"plots/{plot_file_name(logs[0].key)}.png"
    saved = save_figure_with_logs([], points(logs), path, unit=flags.get("unit") or "step", log_y=log_y,
                                  title=flags.get("title"), dpi=dpi)
    say(f"wrote {saved}")


def prefetch_figure(output: str | None, terminal: bool) -> None:
    """A figure will be drawn to an image: matplotlib starts importing in a thread while the
    schedules are read and evaluated (present/plot.py prefetch_matplotlib)."""
    from ..present.html import is_page
    from ..present.plot import prefetch_matplotlib

    if not terminal and not is_page(output):
        prefetch_matplotlib()


def _figure_options(output: str | None, csv: str | None, dpi: str | None, layout: str | None,
                    terminal: bool) -> tuple[str | None, str | None, int, str]:
    """Every option is checked before anything is written (--csv included)."""
    from ..present.html import PAGE_SUFFIXES
    from ..present.plot import LAYOUTS, check_plot_path

    from .table import check_can_draw

    csv = output_path(csv, None, "--csv")
    output = output_path(output, None)
    if terminal:
        check_can_draw()
    elif output is not None:
        check_plot_path(output, extra=PAGE_SUFFIXES)
    resolution = int_option(dpi, "--dpi", 10, 1000)
    return output, csv, resolution or 150, choice_option(layout, "--layout", LAYOUTS, "overlay")


def _zoom_options(xlim: str | None, ylim: str | None, inset: str | None, output: str | None,
                  dpi: str | None, terminal: bool) -> dict[str, Any]:
    """--xlim, --ylim and --inset, checked; refused where they would be ignored."""
    from ..present.html import is_page

    zoom = {"xlim": range_option(xlim, "--xlim"), "ylim": range_option(ylim, "--ylim"),
            "inset": None if inset is None else choice_option(inset, "--inset", ("warmup",), "warmup")}
    given = [flag for flag, value in (("--xlim", xlim), ("--ylim", ylim), ("--inset", inset)) if value is not None]
    if terminal and given:
        raise UsageError(f"{given[0]} is for a .png, .svg or .html figure, not --terminal")
    if is_page(output):
        if inset is not None:
            raise UsageError("--inset is for a .png or .svg; the page zooms (wheel or drag) instead")
        if dpi is not None:
            raise UsageError("--dpi is for a .png; the page is drawn at the screen's resolution")
    return {key: value for key, value in zoom.items() if value is not None}


def _draw(req: Any, output: str | None, csv: str | None, dpi: int, layout: str, *, log_y: bool,
          show: bool = False, terminal: bool = False, summary: bool = False, diff: bool = False,
          zoom: dict[str, Any] | None = None, panels: list[str] | None = None,
          logs: list | None = None) -> None:
    from .export import write_request
    from .table import terminal_chart

    if diff:
        check_diff(req, terminal, layout, show)
    if csv is not None:
        write_request(req, "csv", csv)
    if summary:
        from ..present.render import summary_table

        from .run import report_run

        out().print(summary_table(req.labels, req.summaries(), req.unit))
        report_run(req, to_stdout=True)
    if terminal:
        terminal_chart(req, log_y=log_y)
        return
    from ..present.html import is_page
    from ..present.plot import plot_file_name, save_figure

    path = output or f"plots/{plot_file_name(req.name)}.png"
    series = panel_series(req, ["lr"])[0][1]  # one curve per schedule, or per parameter group
    if is_page(path):
        if diff:
            raise UsageError("--diff draws a .png or .svg; the page overlays its schedules")
        _write_page(req, series, path, layout, log_y, show, zoom or {})
        return
    if diff:
        from ..present.plot import save_difference_figure

        pairs = [(0, i) for i in range(1, len(series))]
        saved = save_difference_figure(series, pairs, path, unit=req.unit, log_y=log_y, title=req.title, dpi=dpi)
        say(f"wrote {saved}")
        return
    if layout == "overlay" and _stacked(req, panels):
        from ..present.plot import save_panels

        saved = save_panels(panel_series(req, panels), path, unit=req.unit, log_y=log_y, title=req.title, dpi=dpi)
        say(f"wrote {saved}")
        if show:
            say("--show opens no window for stacked panels: open the file instead")
        return
    others = sorted({key for values in req.series for key in values if not key.startswith("lr")})
    if others and panels is None:
        say(f"--layout grid draws the learning rate alone; --layout overlay adds the {', '.join(others)} "
            "panels")
    figure = {"unit": figure_unit(req), "log_y": log_y, "title": req.title, "dpi": dpi, "layout": layout,
              **(zoom or {})}
    if logs:
        from ..present.plot import save_figure_with_logs

        from .logged import points

        plain = {key: figure[key] for key in ("unit", "log_y", "title", "dpi", "layout")}
        say(f"wrote {save_figure_with_logs(series, points(logs), path, **plain)}")
        return
    saved = save_figure(series, path, **figure, show=False)
    say(f"wrote {saved}")
    if show:
        from ..present.plot import can_show

        if not can_show():
            say("no display here: --show skipped (open the file instead)")
        else:
            save_figure(series, path, **figure, show=True)


def figure_unit(req: Any) -> str:
    """The x axis: updates, with epochs (and tokens) beside them when the run knows them."""
    run = req.run
    if run.updates_per_epoch is None and run.tokens_per_update is None:
        return req.unit
    from ..present.plot import RunAxes

    return RunAxes("step", run.updates_per_epoch, run.tokens_per_update)


def check_diff(req: Any, terminal: bool, layout: str, show: bool) -> None:
    """--diff draws one figure of the curves over their differences; what it cannot honour is refused."""
    from ..errors import UsageError

    for flag, given in (("--terminal", terminal), ("--layout grid", layout == "grid"), ("--show", show)):
        if given:
            raise UsageError(f"--diff draws the curves over a panel of their differences into a file; drop {flag}")
    if len(req.schedules) < 2:
        raise UsageError("--diff needs at least two schedules (the first is the reference)")


def _write_page(req: Any, series: list, path: str, layout: str, log_y: bool, show: bool,
                zoom: dict[str, Any]) -> None:
    from ..present.html import save_page

    if layout != "overlay":
        raise UsageError("the page overlays its schedules (toggle them in its legend): leave out --layout grid")
    saved = save_page(series, path, unit=req.unit, title=req.title, log_y=log_y,
                      updates_per_epoch=getattr(req.run, "updates_per_epoch", None), **zoom)
    say(f"wrote {saved}")
    if show:
        say("--show opens a window for an image: open the page in a browser instead")


def _stacked(req: Any, panels: list[str] | None) -> bool:
    """Panels or parameter groups to draw: else the one-axes figure, as before them."""
    return (panels is not None and panels != ["lr"]) or any(len(values) > 1 for values in req.series)


kind_group("plot", "Draw the curve as PNG or SVG (default folder plots/), or in the terminal.",
           ["lrsched plot cosine --max-lr 0.1",
            "lrsched plot step --max-lr 0.1 --step-size 30 -o plots/step.svg --log-y",
            "lrsched plot --spec cosine:max_lr=0.1 --spec step:max_lr=0.1,step_size=30 --terminal",
            "lrsched plot cosine --max-lr 0.1 --warmup-steps 500 --steps 100000 -o schedule.html",
            "lrsched plot cosine --max-lr 0.1 --warmup-steps 500 --steps 100000 --inset warmup --xlim 0:50000",
            "lrsched plot onecycle --max-lr 0.1 --base-lrs 0.1,0.01 --panels lr,momentum"],
           PLOT_OPTIONS, _plot)


def compare(config: str, **values: Any) -> None:
    """Compare every schedule of a YAML file on one figure, with a summary table."""
    as_ = values.pop("as_")
    if as_ is not None and values.get("log"):
        from ..errors import UsageError

        raise UsageError("--log is compared with the schedules of a file; compare --as takes none")
    if as_ is not None:
        values.pop("log", None), values.pop("log_column", None)
        _compare_as(config, as_, **values)
        return
    _plot(config=config, summary=True, **values)


def _compare_as(intent_text: str, frameworks: str, *, output: str | None, csv: str | None, dpi: str | None,
                layout: str | None, terminal: bool, log_y: bool, show: bool, allow_import: bool,
                xlim: str | None = None, ylim: str | None = None, inset: str | None = None,
                panels: str | None = None, no_lint: bool = False, diff: bool = False,
                **values: Any) -> None:
    from ..app.compare_as import compare_as
    from ..core.pykind import allowed_imports
    from ..present.render import differences_table

    flags = run_flags(values)
    options = _figure_options(output, csv, dpi, layout, terminal)
    zoom = _zoom_options(xlim, ylim, inset, output, dpi, terminal)
    prefetch_figure(options[0], terminal)
    with allowed_imports(allow_import):
        req, chosen, rows = compare_as(intent_text, frameworks, flags)
    from .export import refuse_inputs_as_outputs

    config = intent_text if intent_text.endswith((".yaml", ".yml")) else None
    refuse_inputs_as_outputs(req, config, {"--output": options[0], "--csv": options[1]})
    out().print(differences_table(chosen, rows, req.unit))
    _draw(req, *options, log_y=log_y, terminal=terminal, show=show, diff=diff, zoom=zoom,
          panels=_panel_names(panels, options[3], terminal))
    lint_after(req, {}, no_lint)


CONFIG_ARGUMENT = inspect.Parameter(
    "config", inspect.Parameter.POSITIONAL_OR_KEYWORD,
    annotation=Annotated[str, typer.Argument(help="YAML file with several schedules; with --as, one schedule "
                                                  "(a YAML file or 'kind:key=value,...')", metavar="CONFIG.yaml")])
compare.__signature__ = inspect.Signature([CONFIG_ARGUMENT, *COMPARE_OPTIONS])  # type: ignore[attr-defined]
app.command("compare", cls=PanelCommand, epilog=examples(
    "lrsched compare configs/decays.yaml --layout grid -o plots/decays.svg",
    f"lrsched compare --as {','.join(COMPARE_TARGETS)} "
    "cosine:max_lr=0.1,min_lr=0.001,warmup_steps=50,cycle_length=950 --steps 1100"))(compare)
