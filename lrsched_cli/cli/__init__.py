"""The command line: the only module that prints or exits.

Each schedule kind becomes a subcommand of `export`, `table` and `plot`, with one flag per
parameter generated from the kind's single definition, so `lrsched plot cosine --help` lists
cosine's parameters. Several schedules at once come from a YAML file (`--config`).
"""
from __future__ import annotations

import inspect
import math
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional

import typer
from typer.core import TyperGroup

from ..errors import ExitCode, LrschedError, SpecError, UsageError

if TYPE_CHECKING:  # the registry loads when a command needs it, not for --help
    from ..core.registry import Kind, Param


# -- errors: one line on stderr, a traceback only with --debug -------------------------------

def _debug_requested(args: list[str]) -> bool:
    return "--debug" in args or os.environ.get("LRSCHED_DEBUG") == "1"


def error_line(message: str) -> str:
    return f"error: {message}"


def _click_message(exc: Exception) -> str:
    from typer._click.exceptions import NoSuchOption

    from ..core.registry import did_you_mean

    if isinstance(exc, NoSuchOption):
        hint = did_you_mean(exc.option_name, exc.possibilities or ())
        message = f"unknown option '{exc.option_name}'{hint}"
    else:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        message = " ".join(message.split())
        message = message[0].lower() + message[1:] if message[:2].istitle() else message
        # Click's sentences ("No such command 'x'. Did you mean 'y'?") in lrsched's style.
        message = message.replace(". Did you mean", "; did you mean").removesuffix(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


class LrschedGroup(TyperGroup):
    """The root group: turns every failure into one line on stderr and the right exit code."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        from typer import _click
        from typer.exceptions import Abort

        args = list(sys.argv[1:] if args is None else args)
        debug = _debug_requested(args)
        args = [a for a in args if a != "--debug"]
        try:
            result = super().main(args=args, prog_name=prog_name or "lrsched", complete_var=complete_var,
                                  standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except _click.exceptions.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help())
            code = ExitCode.OK
        except _click.exceptions.UsageError as exc:
            code = _fail(_click_message(exc), ExitCode.USAGE, debug)
        except _click.exceptions.ClickException as exc:
            code = _fail(_click_message(exc), ExitCode.FAILURE, debug)
        except LrschedError as exc:
            code = _fail(str(exc), exc.exit_code, debug)
        except (KeyboardInterrupt, Abort):
            if debug:
                raise
            code = ExitCode.INTERRUPTED
        except BrokenPipeError:
            code = ExitCode.FAILURE
        except Exception as exc:  # a bug: still one line, the traceback under --debug
            code = _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the "
                         "traceback)", ExitCode.FAILURE, debug)
        if standalone_mode:
            sys.exit(int(code))
        return int(code)


def _fail(message: str, code: int, debug: bool) -> int:
    if debug:
        raise
    typer.echo(error_line(message), err=True)
    return code


class KindGroup(TyperGroup):
    """A command group with one subcommand per kind, each built only when it is asked for.

    Building all the generated commands up front would cost every start-up, `lrsched --help`
    included; an unknown kind gets lrsched's own message.
    """

    verb = ""
    common: list[inspect.Parameter] = []
    run: Callable[..., None] | None = None

    def list_commands(self, ctx: Any) -> list[str]:
        from ..core.kinds import REGISTRY

        return REGISTRY.names()

    def get_command(self, ctx: Any, name: str) -> Any:
        from ..core.kinds import REGISTRY

        if name not in self.commands and name in REGISTRY:
            self.commands[name] = kind_command(REGISTRY.get(name), self.verb, self.common, type(self).run)
        return self.commands.get(name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else None
        from ..frameworks import is_framework_spec

        if is_framework_spec(name):  # `lrsched plot "torch:OneCycleLR(...)" --base-lr 0.1`
            command = framework_command(self.verb, self.common, type(self).run)
            return "framework", command, args
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            from ..core.kinds import REGISTRY

            REGISTRY.get(name)  # raises 'unknown kind ...; did you mean ...?'
        return super().resolve_command(ctx, args)


# -- flag values ------------------------------------------------------------------------------

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_flag(param: Param, text: str, where: str) -> Any:
    """Turn a flag's text into the value YAML would have given, for Param.check to judge."""
    kind = param.type
    try:
        if kind == "float":
            return float(text)
        if kind == "int":
            return parse_int(text)
        if kind == "bool":
            low = text.strip().lower()
            if low in _TRUE | _FALSE:
                return low in _TRUE
            raise ValueError
        if kind == "ints":
            return [parse_int(x) for x in _items(text)]
        if kind == "floats":
            return [float(x) for x in _items(text)]
        if kind in ("phases", "mapping"):
            from ..io.files import loads_yaml

            return loads_yaml(text, name=param.flag)
    except (ValueError, OverflowError):
        expected = {"float": "a number", "int": "an integer", "bool": "true or false",
                    "ints": "comma-separated integers", "floats": "comma-separated numbers"}[kind]
        raise SpecError(f"{where}: {param.flag} must be {expected} (received {text!r})") from None
    return text


def parse_int(text: str) -> int | float:
    """Integers, also written as 1e6; a fraction is returned as a float for the checker to refuse."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        return int(number) if number.is_integer() else number


def _items(text: str) -> list[str]:
    items = [x.strip() for x in text.replace(";", ",").split(",")]
    return [x for x in items if x]


def parse_steps(text: str | None, default: int | None = None) -> int | None:
    if text is None:
        return default
    try:
        value = parse_int(text)
    except ValueError:
        value = None
    if not isinstance(value, int) or value < 1:
        raise UsageError(f"--steps must be an integer >= 1 (received {text!r})")
    from ..core.engine import check_steps

    return check_steps(value)


def parse_vars(items: list[str] | None, where: str) -> dict[str, float]:
    values = {}
    for item in items or []:
        name, sep, text = item.partition("=")
        name = name.strip()
        try:
            if not sep or not name.isidentifier():
                raise ValueError
            values[name] = float(text)
        except ValueError:
            raise SpecError(f"{where}: --var must be NAME=NUMBER (received {item!r})") from None
    return values


# -- generated kind commands ------------------------------------------------------------------

def option(name: str, flags: list[str], help: str, metavar: str | None = None,
           kind: Any = Optional[str], default: Any = None) -> inspect.Parameter:
    """An inspect.Parameter carrying a Typer option, for generated signatures."""
    annotation = Annotated[kind, typer.Option(*flags, help=help, metavar=metavar, show_default=False)]
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def kind_option(param: Param) -> inspect.Parameter:
    rule = param.bounds_text()
    help_text = param.help + (f"; {rule}" if rule and param.type != "choice" else "")
    if param.type == "choice":
        help_text += f" [{', '.join(param.choices)}]"
    help_text += f" [default: {param.default_text()}]"
    return option(param.name, [param.flag], help_text, metavar=param.metavar())


def kind_example(kind: Kind, verb: str) -> str:
    flags = []
    for name, value in kind.example.items():
        param = kind.param(name) if name in kind.param_names else None
        if param is None:
            flags.append(f"--var {name}={value}")
        elif param.type == "phases":
            continue
        elif isinstance(value, list):
            flags.append(f"{param.flag} {','.join(str(v) for v in value)}")
        elif isinstance(value, str) and not value.replace("_", "").replace("-", "").isalnum():
            flags.append(f"{param.flag} '{value}'")
        else:
            flags.append(f"{param.flag} {value}")
    return f"lrsched {verb} {kind.name} " + " ".join(flags)


def kind_command(kind: Kind, verb: str, common: list[inspect.Parameter], run: Callable[..., None]) -> Any:
    """The click command `lrsched VERB KIND` with one flag per parameter of the kind."""
    single = typer.Typer(add_completion=False, rich_markup_mode=None)
    single.command(kind.name, help=_kind_help(kind, verb), short_help=kind.summary,
                   epilog=examples(kind_example(kind, verb)),
                   context_settings={"help_option_names": ["-h", "--help"]})(
        _kind_command(kind, common, run))
    return typer.main.get_command(single)


def framework_command(verb: str, common: list[inspect.Parameter], run: Callable[..., None]) -> Any:
    """`lrsched VERB "torch:StepLR(step_size=30)" [options]`: a framework's scheduler as written."""
    names = [p.name for p in common]

    def command(**values: Any) -> None:
        spec = values.pop("spec_text")
        run(framework=spec, **{name: values[name] for name in names})

    spec = inspect.Parameter("spec_text", inspect.Parameter.KEYWORD_ONLY,
                             annotation=Annotated[str, typer.Argument(metavar="FRAMEWORK:Scheduler(...)")])
    command.__signature__ = inspect.Signature([spec] + common)  # type: ignore[attr-defined]
    single = typer.Typer(add_completion=False, rich_markup_mode=None)
    single.command("framework", help="A scheduler of torch, hf, optax, keras or timm, as written.",
                   context_settings={"help_option_names": ["-h", "--help"]})(command)
    return typer.main.get_command(single)


def _kind_help(kind: Kind, verb: str) -> str:
    return f"{kind.summary[0].upper()}{kind.summary[1:]}.\n\n{kind.formula}"


def examples(*lines: str) -> str:
    """An epilog, so that every --help ends with runnable examples (kept unwrapped)."""
    return "\b\nExample" + ("s" if len(lines) > 1 else "") + ":\n" + "\n".join(f"  {line}" for line in lines)


def _kind_command(kind: Kind, common: list[inspect.Parameter], run: Callable[..., None]) -> Callable:
    common_names = [p.name for p in common]

    def command(**values: Any) -> None:
        options = {name: values.pop(name) for name in common_names}
        mapping = flags_to_mapping(kind, values)
        run(kind_mapping=mapping, **options)

    params = [kind_option(p) for p in kind.params]
    if kind.extra_numeric:
        params.append(option("var", ["--var"], "a number the formula may use, NAME=VALUE (repeatable)",
                             metavar="NAME=VALUE", kind=Optional[list[str]]))
    command.__signature__ = inspect.Signature(params + common)  # type: ignore[attr-defined]
    command.__name__ = kind.name
    return command


def flags_to_mapping(kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
    mapping: dict[str, Any] = {"kind": kind.name}
    where = kind.name
    extra = parse_vars(values.pop("var", None), where)
    for param in kind.params:
        text = values.get(param.name)
        if text is not None:
            mapping[param.name] = parse_flag(param, text, where)
    mapping.update(extra)
    return mapping


# -- the app ----------------------------------------------------------------------------------

app = typer.Typer(
    cls=LrschedGroup,
    name="lrsched",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Explore, plot, compare and export learning-rate schedules, exactly as PyTorch computes them.\n\n"
         "lr(t) is the learning rate after t calls of scheduler.step(), i.e. the rate used by update t+1.",
    epilog=examples("lrsched plot cosine --max-lr 0.1", "lrsched describe cosine",
                    "lrsched export cosine --max-lr 0.1 --steps 100 -o cosine.csv"),
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"lrsched {version('lrsched')}")
        except PackageNotFoundError:
            typer.echo("lrsched (not installed)")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                                          callback=_version, is_eager=True)] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors (also accepted "
                                        "anywhere on the command line).")] = False,
) -> None:
    """lrsched: learning-rate schedules, seen before training."""


# -- shared options and gathering schedules --------------------------------------------------

STEPS = option("steps", ["--steps", "-n"], "number of steps to evaluate, t = 0 .. steps-1 "
               "[default: 100, or the config's steps]", metavar="INT")
UNIT = option("unit", ["--unit"], "what a step is, for the index and axis: epoch or step "
              "[default: epoch]", metavar="epoch|step")
LABEL = option("label", ["--label"], "label of the schedule [default: the kind]", metavar="TEXT")
ALLOW_IMPORT = option("allow_import", ["--allow-import"], "let the python kind import and run your "
                      "code (never implied by a YAML file)", kind=bool, default=False)
BASE_LR = option("base_lr", ["--base-lr"], "the optimizer's lr for a framework scheduler written as "
                 "text, e.g. 'torch:StepLR(step_size=30)'", metavar="FLOAT")
CONFIG = option("config", ["--config", "-c"], "YAML file: {steps: N, schedules: [{kind: ..., label: ..., "
                "<parameters>}, ...]}", metavar="FILE.yaml")
SPEC = option("spec", ["--spec", "-s"], "a schedule as 'kind:key=value,...', e.g. "
              "'step:max_lr=0.1,step_size=30' (repeatable)", metavar="SPEC", kind=Optional[list[str]])


class Request:
    """The schedules a command was asked for, evaluated."""

    def __init__(self, schedules: list, steps: int, unit: str, title: str | None, name: str) -> None:
        from ..core.engine import check_steps, evaluate
        from ..io.config import UNITS

        if unit not in UNITS:
            raise UsageError(f"--unit must be one of: {', '.join(UNITS)} (received {unit!r})")
        check_steps(steps, len(schedules))
        self.schedules, self.steps, self.unit, self.title, self.name = schedules, steps, unit, title, name
        self.columns = [evaluate(s, steps) for s in schedules]

    @property
    def labels(self) -> list[str]:
        return [s.label for s in self.schedules]


def gather(*, allow_import: bool = False, **request: Any) -> Request:
    """Schedules from a kind's flags, from --spec strings or from a YAML file, evaluated.

    The python kind may import user code only inside this call, and only with --allow-import.
    """
    from ..core.pykind import allowed_imports

    with allowed_imports(allow_import):
        return _gather(**request)


def _gather(kind_mapping: dict | None = None, config: str | None = None, spec: list[str] | None = None,
            steps: str | None = None, unit: str | None = None, label: str | None = None,
            base_lr: str | None = None, framework: str | None = None) -> Request:
    from pathlib import Path

    from ..io.config import build_all, from_framework, load_config, parse_spec
    from ..core.engine import DEFAULT_STEPS, build, natural_steps
    from ..frameworks import is_framework_spec

    lr = _base_lr(base_lr)
    default_steps = DEFAULT_STEPS
    if framework is not None:
        kind_mapping = from_framework(framework, lr, "schedule")
        default_steps = natural_steps(kind_mapping) or DEFAULT_STEPS
    if kind_mapping is not None:
        n = parse_steps(steps, default_steps)
        if label is not None:
            kind_mapping["label"] = label
        schedule = build(kind_mapping, n, kind_mapping["kind"])
        return Request([schedule], n, _or(unit, "epoch"), None, schedule.label)
    if config is not None:
        if spec:
            raise UsageError("give either --config or --spec, not both")
        if not config.strip():
            raise UsageError(f"the config must be a file name (received {config!r})")
        cfg = load_config(config, parse_steps(steps), base_lr=lr)
        return Request(cfg.schedules, cfg.steps, _or(unit, cfg.unit), cfg.title, Path(config).stem)
    if spec:
        n = parse_steps(steps, DEFAULT_STEPS)
        items = [text if is_framework_spec(text) else parse_spec(text) for text in spec]
        schedules = build_all(items, n, "--spec", base_lr=lr)
        return Request(schedules, n, _or(unit, "epoch"), None, "-".join(s.label for s in schedules)[:60])
    raise UsageError("give a KIND (see 'lrsched list'), --spec or --config FILE.yaml")


def _base_lr(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"--base-lr must be a number > 0 (received {text!r})")
    return value


def _or(value: str | None, default: Any) -> Any:
    """An option's value, or `default` when it was not given (an empty text counts as given)."""
    return default if value is None else value


def output_path(value: str | None, default: str | None, option: str = "--output") -> str | None:
    """The path an output option names; an empty or blank one is refused, not read as the default."""
    if value is not None and not value.strip():
        raise UsageError(f"{option} must be a file name (received {value!r})")
    return _or(value, default)


def kind_group(name: str, help: str, example_lines: list[str], common: list[inspect.Parameter],
               run: Callable[..., None]) -> typer.Typer:
    """A command with one subcommand per kind, and --config/--spec on the group itself."""
    group_class = type(f"{name.title()}Group", (KindGroup,),
                       {"verb": name, "common": common + [LABEL], "run": staticmethod(run)})
    group = typer.Typer(cls=group_class, invoke_without_command=True, help=help, epilog=examples(*example_lines),
                        context_settings={"help_option_names": ["-h", "--help"]})

    def callback(ctx: typer.Context, **values: Any) -> None:
        if ctx.invoked_subcommand is None:
            run(**values)

    callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context),
         CONFIG, SPEC] + common)
    group.callback()(callback)
    app.add_typer(group, name=name)
    return group


def out() -> Any:
    """The data console: stdout; wide when redirected so tables stay whole in a file."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=120)
    return console


def say(message: str) -> None:
    typer.echo(message, err=True)


# -- list and describe ------------------------------------------------------------------------

@app.command("list", epilog=examples("lrsched list"))
def list_kinds() -> None:
    """List every schedule kind with its family, frequency and quantity."""
    from ..present.render import kinds_table

    out().print(kinds_table())


@app.command("describe", epilog=examples("lrsched describe cosine"))
def describe_kind(kind: Annotated[str, typer.Argument(help="a kind from 'lrsched list'", metavar="KIND")]) -> None:
    """Explain one kind: formula, parameters, tips, framework equivalents, an example."""
    from ..present.docs import yaml_example
    from ..core.kinds import REGISTRY
    from ..present.render import describe

    definition = REGISTRY.get(kind)
    out().print(describe(definition, kind_example(definition, "plot"), yaml_example(definition)))


# -- export -----------------------------------------------------------------------------------

FORMAT = option("fmt", ["--format", "-f"], "csv or json [default: from the suffix of -o, else csv]",
                metavar="csv|json")
OUTPUT = option("output", ["--output", "-o"], "file to write; '-' for stdout [default: stdout]", metavar="PATH")
TO = option("to", ["--to"], "print a runnable snippet for torch, hf, optax or keras instead of the values",
            metavar="torch|hf|optax|keras")
EXPORT_OPTIONS = [STEPS, UNIT, FORMAT, OUTPUT, ALLOW_IMPORT, BASE_LR, TO]


def _export(*, fmt: str | None, output: str | None, to: str | None = None, **request: Any) -> None:
    path = output_path(output, "-")
    req = gather(**request)
    if to is not None:
        from ..frameworks.codegen import snippet

        code = "\n\n".join(snippet(s, to, req.steps) for s in req.schedules)
        if path == "-":
            typer.echo(code)
        else:
            from ..io.files import atomic_write

            atomic_write(path, code + "\n")
            say(f"wrote {to} code for {len(req.schedules)} schedule(s) to {path}")
        return
    write_values(req.schedules, req.columns, req.unit, fmt, path)


def write_values(schedules: list, columns: list, unit: str, fmt: str | None, output: str) -> None:
    from ..io.output import FORMATS, format_for, write_csv, write_json

    fmt = format_for(output, fmt)
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of: {', '.join(FORMATS)} (received {fmt!r})")

    def write(stream: Any) -> None:
        if fmt == "csv":
            write_csv(stream, unit, [s.label for s in schedules], columns)
        else:
            write_json(stream, unit, schedules, columns)

    if output == "-":
        write(sys.stdout)
        sys.stdout.flush()
        return
    from ..io.files import atomic_writer

    with atomic_writer(output, "w") as stream:
        write(stream)
    say(f"wrote {len(columns[0])} {unit}s x {len(columns)} schedule{'s' if len(columns) != 1 else ''} "
        f"to {output}")


kind_group("export", "Write the learning rate of every step as CSV or JSON, from flags or a YAML file.",
           ["lrsched export cosine --max-lr 0.1 --steps 100 -o cosine.csv",
            "lrsched export --config configs/decays.yaml --format json -o decays.json"],
           EXPORT_OPTIONS, _export)


# -- table ------------------------------------------------------------------------------------

EVERY = option("every", ["--every"], "show every K-th step [default: enough to keep about 40 rows]",
               metavar="K")
CHART = option("chart", ["--chart"], "also draw the curve in the terminal", kind=bool, default=False)


def _table(*, every: str | None, chart: bool, **request: Any) -> None:
    from ..present.render import summary_table, values_table
    from ..core.summary import sample_rows, summarize

    req = gather(**request)
    step = None
    if every is not None:
        step = parse_int(every) if every.strip().lstrip("-").isdigit() else None
        if not isinstance(step, int) or step < 1:
            raise UsageError(f"--every must be an integer >= 1 (received {every!r})")
    console = out()
    rows = sample_rows(req.steps, step)
    console.print(values_table(req.labels, req.columns, rows, req.unit, title=req.title))
    console.print(summary_table(req.labels, [summarize(c) for c in req.columns], req.unit))
    if chart:
        _terminal_chart(req, log_y=False)


kind_group("table", "Print the values as a table, with a summary (peak, final, mean, LR area, ...).",
           ["lrsched table cosine --max-lr 0.1 --steps 100 --every 10",
            "lrsched table --config configs/decays.yaml --chart"],
           [STEPS, UNIT, EVERY, CHART, ALLOW_IMPORT, BASE_LR], _table)


# -- plot and compare -------------------------------------------------------------------------

PLOT_OUTPUT = option("output", ["--output", "-o"], "image to write, .png or .svg "
                     "[default: plots/<name>.png]", metavar="PATH")
LOG_Y = option("log_y", ["--log-y"], "logarithmic learning-rate axis", kind=bool, default=False)
TITLE = option("title", ["--title"], "figure title", metavar="TEXT")
DPI = option("dpi", ["--dpi"], "resolution of a PNG [default: 150]", metavar="INT")
SHOW = option("show", ["--show"], "also open a window, where a display exists", kind=bool, default=False)
TERMINAL = option("terminal", ["--terminal"], "draw the curve in the terminal instead of writing an image",
                  kind=bool, default=False)
LAYOUT = option("layout", ["--layout"], "overlay (one axes) or grid (small multiples) [default: overlay]",
                metavar="overlay|grid")
PLOT_OPTIONS = [STEPS, UNIT, PLOT_OUTPUT, LOG_Y, TITLE, DPI, SHOW, TERMINAL, LAYOUT, ALLOW_IMPORT, BASE_LR]


def _plot(*, output: str | None, log_y: bool, title: str | None, dpi: str | None, show: bool,
          terminal: bool, layout: str | None, csv: str | None = None, summary: bool = False,
          **request: Any) -> None:
    options = _plot_options(output, csv, dpi, layout, terminal)
    req = gather(**request)
    _draw(req, *options, log_y=log_y, title=title, show=show, terminal=terminal, summary=summary)


def _plot_options(output: str | None, csv: str | None, dpi: str | None, layout: str | None,
                  terminal: bool) -> tuple[str | None, str | None, int, str]:
    """Every option is checked before anything is written (--csv included)."""
    from ..present.plot import LAYOUTS, check_plot_path

    csv = output_path(csv, None, "--csv")
    output = output_path(output, None)
    if output is not None and not terminal:
        check_plot_path(output)
    resolution = parse_int(dpi) if dpi is not None and dpi.isdigit() else None
    if dpi is not None and (not isinstance(resolution, int) or not 10 <= resolution <= 1000):
        raise UsageError(f"--dpi must be an integer from 10 to 1000 (received {dpi!r})")
    if layout is not None and layout not in LAYOUTS:
        raise UsageError(f"--layout must be one of: {', '.join(LAYOUTS)} (received {layout!r})")
    return output, csv, resolution or 150, _or(layout, "overlay")


def _draw(req: Request, output: str | None, csv: str | None, dpi: int, layout: str, *, log_y: bool,
          title: str | None, show: bool = False, terminal: bool = False, summary: bool = False) -> None:
    from ..present.plot import Series, plot_file_name, save_figure

    if csv is not None:
        write_values(req.schedules, req.columns, req.unit, "csv", csv)
    if summary:
        from ..present.render import summary_table
        from ..core.summary import summarize

        out().print(summary_table(req.labels, [summarize(c) for c in req.columns], req.unit))
    if terminal:
        _terminal_chart(req, log_y=log_y, title=title)
        return
    path = _or(output, f"plots/{plot_file_name(req.name)}.png")
    series = [Series(s.label, c, s.marks(req.steps), jumps=s.kind.jumps)
              for s, c in zip(req.schedules, req.columns)]
    saved = save_figure(series, path, unit=req.unit, log_y=log_y, title=title or req.title,
                        dpi=dpi, layout=layout, show=False)
    say(f"wrote {saved}")
    if show:
        from ..present.plot import can_show

        if not can_show():
            say("no display here: --show skipped (open the file instead)")
        else:
            save_figure(series, path, unit=req.unit, log_y=log_y, title=title or req.title,
                        dpi=dpi, layout=layout, show=True)


def _terminal_chart(req: Request, log_y: bool, title: str | None = None) -> None:
    import shutil

    from ..present.termchart import render_chart

    width = max(30, min(shutil.get_terminal_size((80, 24)).columns - 14, 120))
    out().print(render_chart(list(zip(req.labels, req.columns)), width=width, unit=req.unit, log_y=log_y,
                             title=title or req.title))


kind_group("plot", "Draw the curve as PNG or SVG (default folder plots/), or in the terminal.",
           ["lrsched plot cosine --max-lr 0.1",
            "lrsched plot step --max-lr 0.1 --step-size 30 -o plots/step.svg --log-y",
            "lrsched plot --spec cosine:max_lr=0.1 --spec step:max_lr=0.1,step_size=30 --terminal"],
           PLOT_OPTIONS, _plot)


@app.command("compare", epilog=examples(
    "lrsched compare configs/decays.yaml --layout grid -o plots/decays.svg",
    "lrsched compare --as torch,optax,keras,hf,timm "
    "cosine:max_lr=0.1,min_lr=0.001,warmup_steps=50,cycle_length=950 --steps 1100"))
def compare(
    config: Annotated[str, typer.Argument(help="YAML file with several schedules; with --as, one schedule "
                                          "(a YAML file or 'kind:key=value,...')", metavar="CONFIG.yaml")],
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="PATH",
                      help="image to write, .png or .svg [default: plots/<config name>.png]")] = None,
    csv: Annotated[Optional[str], typer.Option("--csv", metavar="PATH", help="also write the values as CSV")] = None,
    layout: Annotated[Optional[str], typer.Option("--layout", metavar="overlay|grid",
                      help="overlay (one axes) or grid (small multiples) [default: overlay]")] = None,
    steps: Annotated[Optional[str], typer.Option("--steps", "-n", metavar="INT",
                     help="number of steps [default: the config's steps]")] = None,
    unit: Annotated[Optional[str], typer.Option("--unit", metavar="epoch|step", help="epoch or step")] = None,
    log_y: Annotated[bool, typer.Option("--log-y", help="logarithmic learning-rate axis")] = False,
    title: Annotated[Optional[str], typer.Option("--title", metavar="TEXT", help="figure title")] = None,
    dpi: Annotated[Optional[str], typer.Option("--dpi", metavar="INT", help="resolution of a PNG")] = None,
    show: Annotated[bool, typer.Option("--show", help="also open a window, where a display exists")] = False,
    terminal: Annotated[bool, typer.Option("--terminal", help="draw in the terminal instead")] = False,
    allow_import: Annotated[bool, typer.Option("--allow-import", help="let the python kind import and "
                            "run your code")] = False,
    as_: Annotated[Optional[str], typer.Option("--as", metavar="torch,optax,keras,hf,timm",
                   help="evaluate one intent as each framework's users would write it, and show where "
                        "and why the frameworks disagree")] = None,
) -> None:
    """Compare every schedule of a YAML file on one figure, with a summary table."""
    if as_ is not None:
        _compare_as(config, as_, output=output, csv=csv, steps=steps, unit=unit, log_y=log_y, title=title,
                    dpi=dpi, terminal=terminal)
        return
    _plot(config=config, output=output, csv=csv, layout=layout, steps=steps, unit=unit, log_y=log_y,
          title=title, dpi=dpi, show=show, terminal=terminal, summary=True, allow_import=allow_import)


def _compare_as(intent_text: str, frameworks: str, *, output: str | None, csv: str | None, steps: str | None,
                unit: str | None, log_y: bool, title: str | None, dpi: str | None, terminal: bool) -> None:
    from ..io.config import load_config, parse_spec
    from ..core.engine import DEFAULT_STEPS, build
    from ..frameworks.dialects import differences, parse_frameworks, renderings
    from ..frameworks import translate
    from ..present.render import differences_table

    names = parse_frameworks(frameworks)
    options = _plot_options(output, csv, dpi, None, terminal)
    n = parse_steps(steps, DEFAULT_STEPS)
    if intent_text.endswith((".yaml", ".yml")):
        cfg = load_config(intent_text, n if steps is not None else None)
        if len(cfg.schedules) != 1:
            raise UsageError(f"{intent_text}: compare --as takes one schedule (found {len(cfg.schedules)})")
        intent, n = cfg.schedules[0], cfg.steps
    else:
        intent = build(parse_spec(intent_text), n, "intent")
    intent.label = f"intent ({intent.kind.name})"
    schedules, rows = [intent], []
    chosen = renderings(intent, names, n)
    for rendering in chosen:
        if rendering.spec:
            mapping = translate(rendering.spec, base_lr=rendering.base_lr)
            mapping["label"] = rendering.framework
            schedules.append(build(mapping, n, rendering.framework))
    req = Request(schedules, n, _or(unit, "step"), title or f"One intent, each framework's reading: "
                  f"{intent.kind.name}", f"{intent.kind.name}-as")
    columns = iter(req.columns[1:])
    for rendering in chosen:
        rows.append(differences(req.columns[0], next(columns), rendering) if rendering.spec else None)
    out().print(differences_table(chosen, rows, req.unit))
    _draw(req, *options, log_y=log_y, title=req.title, terminal=terminal)


def main() -> None:
    """Console-script entry point; Ctrl-C before or after LrschedGroup.main runs exits 130 too."""
    try:
        app()
    except KeyboardInterrupt:
        if _debug_requested(sys.argv[1:]):
            raise
        sys.exit(ExitCode.INTERRUPTED)
