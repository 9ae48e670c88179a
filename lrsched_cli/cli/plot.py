"""`lrsched plot` and `lrsched compare`: the curves as PNG or SVG, or in the terminal."""
from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from ..errors import UsageError
from .base import app, examples, out, say
from .kinds import kind_group
from .options import COMPARE_OPTIONS, COMPARE_TARGETS, PLOT_OPTIONS, choice_option, int_option, output_path, run_flags


def _plot(*, output: str | None, log_y: bool, dpi: str | None, show: bool, terminal: bool,
          layout: str | None, csv: str | None = None, summary: bool = False, panels: str | None = None,
          **values: Any) -> None:
    from ..app.gather import gather

    from .export import refuse_inputs_as_outputs

    flags = run_flags(values)
    options = _figure_options(output, csv, dpi, layout, terminal)
    chosen = _panel_names(panels, options[3], terminal)
    req = gather(flags=flags, **values)
    refuse_inputs_as_outputs(req, values.get("config"), {"--output": options[0], "--csv": options[1]})
    _draw(req, *options, log_y=log_y, show=show, terminal=terminal, summary=summary, panels=chosen)


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
    for schedule, values in zip(req.schedules, req.series):
        marks, colour = schedule.marks(req.steps), len(curves["lr"][0])
        for key in lr_keys(values):
            curves["lr"][1].append(len(curves["lr"][0]))
            curves["lr"][0].append(Series(schedule.label + key[2:], values[key], marks, jumps=schedule.kind.jumps))
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


def _figure_options(output: str | None, csv: str | None, dpi: str | None, layout: str | None,
                    terminal: bool) -> tuple[str | None, str | None, int, str]:
    """Every option is checked before anything is written (--csv included)."""
    from ..present.plot import LAYOUTS, check_plot_path

    from .table import check_can_draw

    csv = output_path(csv, None, "--csv")
    output = output_path(output, None)
    if terminal:
        check_can_draw()
    elif output is not None:
        check_plot_path(output)
    resolution = int_option(dpi, "--dpi", 10, 1000)
    return output, csv, resolution or 150, choice_option(layout, "--layout", LAYOUTS, "overlay")


def _draw(req: Any, output: str | None, csv: str | None, dpi: int, layout: str, *, log_y: bool,
          show: bool = False, terminal: bool = False, summary: bool = False, panels: list[str] | None = None) -> None:
    from .export import write_values
    from .table import terminal_chart

    if csv is not None:
        write_values(req.schedules, req.columns, req.unit, "csv", csv, series=req.series)
    if summary:
        from ..core.summary import summarize
        from ..present.render import summary_table

        out().print(summary_table(req.labels, [summarize(c) for c in req.columns], req.unit))
    if terminal:
        terminal_chart(req, log_y=log_y)
        return
    from ..present.plot import plot_file_name, save_figure

    path = output or f"plots/{plot_file_name(req.name)}.png"
    if layout == "overlay" and _stacked(req, panels):
        from ..present.plot import save_panels

        saved = save_panels(panel_series(req, panels), path, unit=req.unit, log_y=log_y, title=req.title, dpi=dpi)
        say(f"wrote {saved}")
        if show:
            say("--show opens no window for stacked panels: open the file instead")
        return
    series = panel_series(req, ["lr"])[0][1]  # one curve per schedule, or per parameter group
    others = sorted({key for values in req.series for key in values if not key.startswith("lr")})
    if others and panels is None:
        say(f"--layout grid draws the learning rate alone; --layout overlay adds the {', '.join(others)} "
            "panels")
    figure = {"unit": req.unit, "log_y": log_y, "title": req.title, "dpi": dpi, "layout": layout}
    saved = save_figure(series, path, **figure, show=False)
    say(f"wrote {saved}")
    if show:
        from ..present.plot import can_show

        if not can_show():
            say("no display here: --show skipped (open the file instead)")
        else:
            save_figure(series, path, **figure, show=True)


def _stacked(req: Any, panels: list[str] | None) -> bool:
    """Panels or parameter groups to draw: else the one-axes figure, as before them."""
    return (panels is not None and panels != ["lr"]) or any(len(values) > 1 for values in req.series)


kind_group("plot", "Draw the curve as PNG or SVG (default folder plots/), or in the terminal.",
           ["lrsched plot cosine --max-lr 0.1",
            "lrsched plot step --max-lr 0.1 --step-size 30 -o plots/step.svg --log-y",
            "lrsched plot --spec cosine:max_lr=0.1 --spec step:max_lr=0.1,step_size=30 --terminal",
            "lrsched plot onecycle --max-lr 0.1 --base-lrs 0.1,0.01 --panels lr,momentum"],
           PLOT_OPTIONS, _plot)


def compare(config: str, **values: Any) -> None:
    """Compare every schedule of a YAML file on one figure, with a summary table."""
    as_ = values.pop("as_")
    if as_ is not None:
        _compare_as(config, as_, **values)
        return
    _plot(config=config, summary=True, **values)


def _compare_as(intent_text: str, frameworks: str, *, output: str | None, csv: str | None, dpi: str | None,
                layout: str | None, terminal: bool, log_y: bool, show: bool, allow_import: bool,
                panels: str | None = None, **values: Any) -> None:
    from ..app.compare_as import compare_as
    from ..core.pykind import allowed_imports
    from ..present.render import differences_table

    flags = run_flags(values)
    options = _figure_options(output, csv, dpi, layout, terminal)
    with allowed_imports(allow_import):
        req, chosen, rows = compare_as(intent_text, frameworks, flags)
    from .export import refuse_inputs_as_outputs

    config = intent_text if intent_text.endswith((".yaml", ".yml")) else None
    refuse_inputs_as_outputs(req, config, {"--output": options[0], "--csv": options[1]})
    out().print(differences_table(chosen, rows, req.unit))
    _draw(req, *options, log_y=log_y, terminal=terminal, show=show,
          panels=_panel_names(panels, options[3], terminal))


CONFIG_ARGUMENT = inspect.Parameter(
    "config", inspect.Parameter.POSITIONAL_OR_KEYWORD,
    annotation=Annotated[str, typer.Argument(help="YAML file with several schedules; with --as, one schedule "
                                                  "(a YAML file or 'kind:key=value,...')", metavar="CONFIG.yaml")])
compare.__signature__ = inspect.Signature([CONFIG_ARGUMENT, *COMPARE_OPTIONS])  # type: ignore[attr-defined]
app.command("compare", epilog=examples(
    "lrsched compare configs/decays.yaml --layout grid -o plots/decays.svg",
    f"lrsched compare --as {','.join(COMPARE_TARGETS)} "
    "cosine:max_lr=0.1,min_lr=0.001,warmup_steps=50,cycle_length=950 --steps 1100"))(compare)
