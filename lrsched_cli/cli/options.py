"""Every command-line option, defined once, and the groups the commands share.

A command's signature is a list of these; `export`, `table`, `plot` and `compare` take the run
settings (`RUN_OPTIONS`) and the figure options (`FIGURE_OPTIONS`) from here instead of
declaring their own copies.
"""
from __future__ import annotations

import inspect
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperCommand

from ..errors import UsageError

#: The first flag of every option, by parameter name, for messages.
FLAGS: dict[str, str] = {}


def option(name: str, flags: list[str], help: str, metavar: str | None = None,
           kind: Any = Optional[str], default: Any = None, panel: str | None = None) -> inspect.Parameter:
    """An inspect.Parameter carrying a Typer option, for generated signatures."""
    FLAGS.setdefault(name, flags[0])
    annotation = Annotated[kind, typer.Option(*flags, help=help, metavar=metavar, show_default=False,
                                              rich_help_panel=panel)]
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


# -- help panels ------------------------------------------------------------------------------

RUN_PANEL = "Training run (lrsched describe run)"


def format_options_in_panels(command: Any, ctx: Any, formatter: Any) -> None:
    """Arguments, Options, then one section per help panel (the training run's flags).

    Typer reads `rich_help_panel` only in its rich formatter; lrsched keeps the plain one
    (`rich_markup_mode=None`: the help stays plain text, and rich is not imported for it), whose
    option list would otherwise put every flag under "Options".
    """
    sections: dict[str, list] = {"Arguments": [], "Options": []}
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        name = "Arguments" if param.param_type_name == "argument" else \
            getattr(param, "rich_help_panel", None) or "Options"
        sections.setdefault(name, []).append(record)
    for name, records in sections.items():
        if records:
            with formatter.section(name):
                formatter.write_dl(records)


class PanelCommand(TyperCommand):
    """A command whose --help lists the options of each help panel under its own heading."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        format_options_in_panels(self, ctx, formatter)


# -- the run settings (their rules: app/settings.py) ----------------------------------------

STEPS = option("steps", ["--steps", "-n"], "number of steps to evaluate, t = 0 .. steps-1 "
               "[default: 100, or the config's steps]", metavar="INT")
UNIT = option("unit", ["--unit"], "what a step is, for the index and axis: epoch or step "
              "[default: epoch, or the config's unit]", metavar="epoch|step")
BASE_LR = option("base_lr", ["--base-lr"], "the optimizer's lr for a framework scheduler written as "
                 "text, e.g. 'torch:StepLR(step_size=30)' [default: the config's base_lr]", metavar="FLOAT")


def _run_geometry_options() -> list[inspect.Parameter]:
    """The training run's flags (--dataset-size, --epochs, ...), one per `run` row of SETTINGS."""
    from ..app.settings import SETTINGS

    return [option(s.name, [s.flag], s.help, s.metavar, kind=bool if s.default is False else Optional[str],
                   default=False if s.default is False else None, panel=RUN_PANEL)
            for s in SETTINGS if s.group == "run"]


RUN_GEOMETRY_OPTIONS = _run_geometry_options()
NORMALIZE = option("normalize", ["--normalize"], "area: scale each schedule so its LR area (sum over the run) "
                   "equals the first's, to compare at equal area [default: none, or the config's]",
                   metavar="none|area")
RUN_OPTIONS = [STEPS, UNIT, BASE_LR, NORMALIZE, *RUN_GEOMETRY_OPTIONS]

# -- where the schedules come from ----------------------------------------------------------

LABEL = option("label", ["--label"], "label of the schedule [default: the kind]", metavar="TEXT")
ALLOW_IMPORT = option("allow_import", ["--allow-import"], "let the python kind import and run your "
                      "code (never implied by a YAML file)", kind=bool, default=False)
CONFIG = option("config", ["--config", "-c"], "YAML file: {steps: N, schedules: [{kind: ..., label: ..., "
                "<parameters>}, ...]}", metavar="FILE.yaml")
DIALECT = option("dialect", ["--dialect"], "read the training config (a file, or NAME:--flags) as this "
                 "dialect instead of detecting it; 'lrsched list --dialects' lists them", metavar="NAME")
SPEC = option("spec", ["--spec", "-s"], "a schedule as 'kind:key=value,...', e.g. "
              "'step:max_lr=0.1,step_size=30' (repeatable)", metavar="SPEC", kind=Optional[list[str]])

# The frameworks as the registry in lrsched_cli.frameworks lists them. Importing the registry
# here would load every framework module on each start-up (about 40 ms), so the names are
# written out and tests/test_framework_lists.py keeps them equal to the registry.
FRAMEWORK_NAMES = ("torch", "hf", "optax", "keras", "timm")
WRITE_TARGETS = ("torch", "hf", "optax", "keras")
COMPARE_TARGETS = ("torch", "hf", "optax", "keras", "timm")


def words(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1]


# -- lint: the findings after plot, table, export and compare (lrsched_cli/cli/lint.py) ----------

NO_LINT = option("no_lint", ["--no-lint"], "do not print lint's warnings on stderr after the output",
                 kind=bool, default=False)

# -- logged learning rates: plot, table, compare -------------------------------------------

LOG = option("log", ["--log"], "a logged learning rate to show beside the plan (repeatable): a CSV "
             "(TensorBoard, W&B, Lightning, any step + LR columns), trainer_state.json, an MLflow metric "
             "file or TensorBoard events", metavar="FILE", kind=Optional[list[str]])
LOG_COLUMN = option("log_column", ["--log-column"], "the series of a --log file that holds several "
                    "(a column, key or tag)", metavar="NAME")
LOG_OPTIONS = [LOG, LOG_COLUMN]

# -- export -----------------------------------------------------------------------------------

FORMAT = option("fmt", ["--format", "-f"], "csv or json [default: from the suffix of -o, else csv]",
                metavar="csv|json")
OUTPUT = option("output", ["--output", "-o"], "file to write; '-' for stdout [default: stdout]", metavar="PATH")
# --to also takes every trainer dialect with a writer (cli/export.py asks lrsched_cli.trainers), named
# here only as DIALECT so that start-up does not load the dialect modules.
TO = option("to", ["--to"], f"print a runnable snippet for {words(WRITE_TARGETS)}, or a trainer's config "
            "fragment for a dialect that 'lrsched list --dialects' marks as written (e.g. --to deepspeed, "
            "--to megatron, --to hf-args), instead of the values", metavar="|".join(WRITE_TARGETS) + "|DIALECT")
EXPORT_OPTIONS = [*RUN_OPTIONS, FORMAT, OUTPUT, ALLOW_IMPORT, TO, NO_LINT]

# -- table ------------------------------------------------------------------------------------

EVERY = option("every", ["--every"], "show every K-th step [default: enough to keep about 40 rows]",
               metavar="K")
CHART = option("chart", ["--chart"], "also draw the curve in the terminal", kind=bool, default=False)
TABLE_OPTIONS = [*RUN_OPTIONS, EVERY, CHART, ALLOW_IMPORT, NO_LINT, *LOG_OPTIONS]

# -- figures: plot and compare ----------------------------------------------------------------

PLOT_OUTPUT = option("output", ["--output", "-o"], "image to write, .png or .svg, or .html for an "
                     "interactive page [default: plots/<name>.png]", metavar="PATH")
LOG_Y = option("log_y", ["--log-y"], "logarithmic learning-rate axis", kind=bool, default=False)
TITLE = option("title", ["--title"], "figure title [default: the config's title]", metavar="TEXT")
DPI = option("dpi", ["--dpi"], "resolution of a PNG, 10 to 1000 [default: 150]", metavar="INT")
SHOW = option("show", ["--show"], "also open a window, where a display exists", kind=bool, default=False)
TERMINAL = option("terminal", ["--terminal"], "draw the curve in the terminal instead of writing an image",
                  kind=bool, default=False)
LAYOUT = option("layout", ["--layout"], "overlay (one axes) or grid (small multiples) [default: overlay]",
                metavar="overlay|grid")
CSV = option("csv", ["--csv"], "also write the values as CSV", metavar="PATH")
XLIM = option("xlim", ["--xlim"], "show only steps A to B, e.g. 0:500 (either side may be left out)",
              metavar="A:B")
YLIM = option("ylim", ["--ylim"], "learning-rate axis from A to B, e.g. 0:0.01", metavar="A:B")
INSET = option("inset", ["--inset"], "warmup: magnify a warmup shorter than 2% of the run in an inset",
               metavar="warmup")
ZOOM_OPTIONS = [XLIM, YLIM, INSET]
PANELS = option("panels", ["--panels"], "stacked panels to draw, from: lr, momentum, weight_decay "
                "(e.g. lr,momentum) [default: lr, and a panel for each series a schedule has]",
                metavar="lr,momentum,...")
FIGURE_OPTIONS = [PLOT_OUTPUT, LOG_Y, TITLE, DPI, SHOW, TERMINAL, LAYOUT, *ZOOM_OPTIONS, PANELS]
PLOT_OPTIONS = [*RUN_OPTIONS, *FIGURE_OPTIONS, ALLOW_IMPORT, NO_LINT, *LOG_OPTIONS]
AS = option("as_", ["--as"], "evaluate one intent as each framework's users would write it, and show "
            "where and why the frameworks disagree", metavar=",".join(COMPARE_TARGETS))
DIFF = option("diff", ["--diff"], "add a panel of each schedule's difference from the first", kind=bool,
              default=False)
COMPARE_OPTIONS = [*PLOT_OPTIONS, CSV, AS, DIFF]


# -- reading option values --------------------------------------------------------------------

def run_flags(values: dict[str, Any]) -> dict[str, Any]:
    """Take the run settings out of a command's values, each checked by its setting's rule."""
    from ..app.settings import SETTINGS, from_flag

    return {s.name: from_flag(s.name, values.pop(s.name)) for s in SETTINGS if s.name in values}


def int_option(text: str | None, flag: str, low: int, high: int | None = None) -> int | None:
    """An integer option in [low, high]; ASCII digits only (`--every ²` is not a number)."""
    if text is None:
        return None
    value = text.strip()
    if value.isascii() and value.isdigit() and len(value) <= 18:
        number = int(value)
        if number >= low and (high is None or number <= high):
            return number
    rule = f"an integer >= {low}" if high is None else f"an integer from {low} to {high}"
    raise UsageError(f"{flag} must be {rule} (received {text!r})")


def choice_option(text: str | None, flag: str, choices: tuple[str, ...], default: str) -> str:
    if text is None:
        return default
    if text not in choices:
        from ..core.registry import did_you_mean

        raise UsageError(f"{flag} must be one of: {', '.join(choices)} (received {text!r})"
                         f"{did_you_mean(text, choices)}")
    return text


def range_option(text: str | None, flag: str) -> tuple[float | None, float | None] | None:
    """`A:B` as two numbers, either side empty for "as drawn"; None when not given."""
    if text is None:
        return None
    low, sep, high = text.partition(":")
    try:
        if not sep or not text.isascii() or "_" in text or not (low.strip() or high.strip()):
            raise ValueError(text)
        values = tuple(float(part) if part.strip() else None for part in (low, high))
    except ValueError:
        raise UsageError(f"{flag} must be A:B, two numbers such as 0:500 (received {text!r})") from None
    return values


def output_path(value: str | None, default: str | None, option: str = "--output") -> str | None:
    """The path an output option names; an empty or blank one is refused, not read as the default."""
    if value is not None and not value.strip():
        raise UsageError(f"{option} must be a file name (received {value!r})")
    return default if value is None else value
