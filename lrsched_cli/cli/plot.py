"""`lrsched plot` and `lrsched compare`: the curves as PNG or SVG, or in the terminal."""
from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from .base import app, examples, out, say
from .kinds import kind_group
from .options import COMPARE_OPTIONS, COMPARE_TARGETS, PLOT_OPTIONS, choice_option, int_option, output_path, run_flags


def _plot(*, output: str | None, log_y: bool, dpi: str | None, show: bool, terminal: bool,
          layout: str | None, csv: str | None = None, summary: bool = False, **values: Any) -> None:
    from ..app.gather import gather

    from .export import refuse_inputs_as_outputs
    from .logged import has_source, refuse_logs_as_outputs, report_alignment, take_logs

    logs = take_logs(values)
    flags = run_flags(values)
    options = _figure_options(output, csv, dpi, layout, terminal)
    refuse_logs_as_outputs(logs, {"--output": options[0], "--csv": options[1]})
    if logs and not has_source(values) and not summary:
        _draw_logs_alone(logs, options[0], options[2], flags, log_y=log_y, terminal=terminal)
        return
    req = gather(flags=flags, **values)
    refuse_inputs_as_outputs(req, values.get("config"), {"--output": options[0], "--csv": options[1]})
    if logs:
        report_alignment(req, logs)
    _draw(req, *options, log_y=log_y, show=show, terminal=terminal, summary=summary, logs=logs)


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
          show: bool = False, terminal: bool = False, summary: bool = False, logs: list | None = None) -> None:
    from .export import write_values
    from .table import terminal_chart

    if csv is not None:
        write_values(req.schedules, req.columns, req.unit, "csv", csv)
    if summary:
        from ..core.summary import summarize
        from ..present.render import summary_table

        out().print(summary_table(req.labels, [summarize(c) for c in req.columns], req.unit))
    if terminal:
        terminal_chart(req, log_y=log_y)
        return
    from ..present.plot import Series, plot_file_name, save_figure

    path = output or f"plots/{plot_file_name(req.name)}.png"
    series = [Series(s.label, c, s.marks(req.steps), jumps=s.kind.jumps)
              for s, c in zip(req.schedules, req.columns)]
    figure = {"unit": req.unit, "log_y": log_y, "title": req.title, "dpi": dpi, "layout": layout}
    if logs:
        from ..present.plot import save_figure_with_logs

        from .logged import points

        say(f"wrote {save_figure_with_logs(series, points(logs), path, **figure)}")
        return
    saved = save_figure(series, path, **figure, show=False)
    say(f"wrote {saved}")
    if show:
        from ..present.plot import can_show

        if not can_show():
            say("no display here: --show skipped (open the file instead)")
        else:
            save_figure(series, path, **figure, show=True)


kind_group("plot", "Draw the curve as PNG or SVG (default folder plots/), or in the terminal.",
           ["lrsched plot cosine --max-lr 0.1",
            "lrsched plot step --max-lr 0.1 --step-size 30 -o plots/step.svg --log-y",
            "lrsched plot --spec cosine:max_lr=0.1 --spec step:max_lr=0.1,step_size=30 --terminal"],
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
                **values: Any) -> None:
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
    _draw(req, *options, log_y=log_y, terminal=terminal, show=show)


CONFIG_ARGUMENT = inspect.Parameter(
    "config", inspect.Parameter.POSITIONAL_OR_KEYWORD,
    annotation=Annotated[str, typer.Argument(help="YAML file with several schedules; with --as, one schedule "
                                                  "(a YAML file or 'kind:key=value,...')", metavar="CONFIG.yaml")])
compare.__signature__ = inspect.Signature([CONFIG_ARGUMENT, *COMPARE_OPTIONS])  # type: ignore[attr-defined]
app.command("compare", epilog=examples(
    "lrsched compare configs/decays.yaml --layout grid -o plots/decays.svg",
    f"lrsched compare --as {','.join(COMPARE_TARGETS)} "
    "cosine:max_lr=0.1,min_lr=0.001,warmup_steps=50,cycle_length=950 --steps 1100"))(compare)
