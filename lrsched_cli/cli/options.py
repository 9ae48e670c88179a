"""Every command-line option, defined once, and the groups the commands share.

A command's signature is a list of these; `export`, `table`, `plot` and `compare` take the run
settings (`RUN_OPTIONS`) and the figure options (`FIGURE_OPTIONS`) from here instead of
declaring their own copies.
"""
from __future__ import annotations

import inspect
from typing import Annotated, Any, Optional

import typer

from ..errors import UsageError

#: The first flag of every option, by parameter name, for messages.
FLAGS: dict[str, str] = {}


def option(name: str, flags: list[str], help: str, metavar: str | None = None,
           kind: Any = Optional[str], default: Any = None) -> inspect.Parameter:
    """An inspect.Parameter carrying a Typer option, for generated signatures."""
    FLAGS.setdefault(name, flags[0])
    annotation = Annotated[kind, typer.Option(*flags, help=help, metavar=metavar, show_default=False)]
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


# -- the run settings (their rules: app/settings.py) ----------------------------------------

STEPS = option("steps", ["--steps", "-n"], "number of steps to evaluate, t = 0 .. steps-1 "
               "[default: 100, or the config's steps]", metavar="INT")
UNIT = option("unit", ["--unit"], "what a step is, for the index and axis: epoch or step "
              "[default: epoch, or the config's unit]", metavar="epoch|step")
BASE_LR = option("base_lr", ["--base-lr"], "the optimizer's lr for a framework scheduler written as "
                 "text, e.g. 'torch:StepLR(step_size=30)' [default: the config's base_lr]", metavar="FLOAT")
RUN_OPTIONS = [STEPS, UNIT, BASE_LR]

# -- where the schedules come from ----------------------------------------------------------

LABEL = option("label", ["--label"], "label of the schedule [default: the kind]", metavar="TEXT")
ALLOW_IMPORT = option("allow_import", ["--allow-import"], "let the python kind import and run your "
                      "code (never implied by a YAML file)", kind=bool, default=False)
CONFIG = option("config", ["--config", "-c"], "YAML file: {steps: N, schedules: [{kind: ..., label: ..., "
                "<parameters>}, ...]}", metavar="FILE.yaml")
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
TO = option("to", ["--to"], f"print a runnable snippet for {words(WRITE_TARGETS)} instead of the values",
            metavar="|".join(WRITE_TARGETS))
EXPORT_OPTIONS = [*RUN_OPTIONS, FORMAT, OUTPUT, ALLOW_IMPORT, TO]

# -- table ------------------------------------------------------------------------------------

EVERY = option("every", ["--every"], "show every K-th step [default: enough to keep about 40 rows]",
               metavar="K")
CHART = option("chart", ["--chart"], "also draw the curve in the terminal", kind=bool, default=False)
TABLE_OPTIONS = [*RUN_OPTIONS, EVERY, CHART, ALLOW_IMPORT, *LOG_OPTIONS]

# -- figures: plot and compare ----------------------------------------------------------------

PLOT_OUTPUT = option("output", ["--output", "-o"], "image to write, .png or .svg "
                     "[default: plots/<name>.png]", metavar="PATH")
LOG_Y = option("log_y", ["--log-y"], "logarithmic learning-rate axis", kind=bool, default=False)
TITLE = option("title", ["--title"], "figure title [default: the config's title]", metavar="TEXT")
DPI = option("dpi", ["--dpi"], "resolution of a PNG, 10 to 1000 [default: 150]", metavar="INT")
SHOW = option("show", ["--show"], "also open a window, where a display exists", kind=bool, default=False)
TERMINAL = option("terminal", ["--terminal"], "draw the curve in the terminal instead of writing an image",
                  kind=bool, default=False)
LAYOUT = option("layout", ["--layout"], "overlay (one axes) or grid (small multiples) [default: overlay]",
                metavar="overlay|grid")
CSV = option("csv", ["--csv"], "also write the values as CSV", metavar="PATH")
FIGURE_OPTIONS = [PLOT_OUTPUT, LOG_Y, TITLE, DPI, SHOW, TERMINAL, LAYOUT]
PLOT_OPTIONS = [*RUN_OPTIONS, *FIGURE_OPTIONS, ALLOW_IMPORT, *LOG_OPTIONS]
AS = option("as_", ["--as"], "evaluate one intent as each framework's users would write it, and show "
            "where and why the frameworks disagree", metavar=",".join(COMPARE_TARGETS))
COMPARE_OPTIONS = [*PLOT_OPTIONS, CSV, AS]


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


def output_path(value: str | None, default: str | None, option: str = "--output") -> str | None:
    """The path an output option names; an empty or blank one is refused, not read as the default."""
    if value is not None and not value.strip():
        raise UsageError(f"{option} must be a file name (received {value!r})")
    return default if value is None else value
