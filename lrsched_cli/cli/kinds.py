"""Commands with one subcommand per schedule kind: `lrsched export|table|plot KIND --flags`.

Each kind's flags are generated from its single definition, so `lrsched plot cosine --help`
lists cosine's parameters. The subcommands are built on demand: building them all would cost
every start-up.
"""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional

import typer
from typer.core import TyperGroup

from ..errors import SpecError, UsageError
from .base import examples
from .options import CONFIG, DIALECT, FLAGS, FRAMEWORK_NAMES, LABEL, SPEC, PanelCommand, format_options_in_panels, \
    option, words

if TYPE_CHECKING:  # the registry loads when a command needs it, not for --help
    from ..core.registry import Kind, Param


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
            from ..trainers import is_trainer_source

            if is_trainer_source(name):  # `lrsched plot ds_config.json`, `lrsched plot "megatron:--lr ..."`
                return "trainer", trainer_command(self.verb, self.common, type(self).run), args

            REGISTRY.get(name)  # raises 'unknown kind ...; did you mean ...?'
        return super().resolve_command(ctx, args)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        format_options_in_panels(self, ctx, formatter)  # the training run's flags under their own heading
        self.format_commands(ctx, formatter)


# -- flag values -----------------------------------------------------------------------------

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
    from ..app.settings import integer_text

    return integer_text(text)


def _items(text: str) -> list[str]:
    items = [x.strip() for x in text.replace(";", ",").split(",")]
    return [x for x in items if x]


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
    single.command(kind.name, cls=PanelCommand, help=_kind_help(kind, verb), short_help=kind.summary,
                   epilog=examples(kind_example(kind, verb)),
                   context_settings={"help_option_names": ["-h", "--help"]})(
        _kind_command(kind, common, run))
    return typer.main.get_command(single)


def framework_command(verb: str, common: list[inspect.Parameter], run: Callable[..., None]) -> Any:
    """`lrsched VERB "torch:StepLR(step_size=30)" [options]`: a framework's scheduler as written."""
    names = [p.name for p in common]

    def command(**values: Any) -> None:
        spec = values.pop("spec_text")
        run(framework=spec, **options_before_kind({name: values[name] for name in names}))

    spec = inspect.Parameter("spec_text", inspect.Parameter.KEYWORD_ONLY,
                             annotation=Annotated[str, typer.Argument(metavar="FRAMEWORK:Scheduler(...)")])
    command.__signature__ = inspect.Signature([spec] + common)  # type: ignore[attr-defined]
    single = typer.Typer(add_completion=False, rich_markup_mode=None)
    single.command("framework", cls=PanelCommand, help=f"A scheduler of {words(FRAMEWORK_NAMES)}, as written.",
                   context_settings={"help_option_names": ["-h", "--help"]})(command)
    return typer.main.get_command(single)


def trainer_command(verb: str, common: list[inspect.Parameter], run: Callable[..., None]) -> Any:
    """`lrsched VERB ds_config.json [--dialect NAME] [options]`: a training config as the trainer reads it."""
    names = [p.name for p in common]

    def command(**values: Any) -> None:
        source, dialect = values.pop("source_text"), values.pop("dialect")
        options = options_before_kind({name: values[name] for name in names})
        options["dialect"] = dialect if dialect is not None else options.get("dialect")
        run(trainer=source, **options)

    source = inspect.Parameter("source_text", inspect.Parameter.KEYWORD_ONLY,
                               annotation=Annotated[str, typer.Argument(metavar="CONFIG_FILE|DIALECT:--flags")])
    command.__signature__ = inspect.Signature([source, DIALECT] + common)  # type: ignore[attr-defined]
    single = typer.Typer(add_completion=False, rich_markup_mode=None)
    single.command("trainer", cls=PanelCommand,
                   help="A training config (DeepSpeed JSON, Megatron flags, ...), read as its trainer reads it; "
                   "see 'lrsched list --dialects'.",
                   context_settings={"help_option_names": ["-h", "--help"]})(command)
    return typer.main.get_command(single)


def _kind_help(kind: Kind, verb: str) -> str:
    return f"{kind.summary[0].upper()}{kind.summary[1:]}.\n\n{kind.formula}"


def _kind_command(kind: Kind, common: list[inspect.Parameter], run: Callable[..., None]) -> Callable:
    common_names = [p.name for p in common]

    def command(**values: Any) -> None:
        options = options_before_kind({name: values.pop(name) for name in common_names})
        mapping = flags_to_mapping(kind, values)
        run(kind_mapping=mapping, **options)

    params = [kind_option(p) for p in _flag_params(kind)]
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
    for param in _flag_params(kind):
        text = values.get(param.name)
        if text is not None:
            mapping[param.name] = parse_flag(param, text, where)
    mapping.update(extra)
    return mapping


def _flag_params(kind: Kind) -> tuple:
    """The kind's parameters, then those every whole schedule takes (groups, weight decay)."""
    from ..core.series import SCHEDULE_PARAMS

    return kind.params + SCHEDULE_PARAMS


def kind_group(name: str, help: str, example_lines: list[str], common: list[inspect.Parameter],
               run: Callable[..., None]) -> typer.Typer:
    """A command with one subcommand per kind, and --config/--spec on the group itself."""
    from .base import app

    group_class = type(f"{name.title()}Group", (KindGroup,),
                       {"verb": name, "common": common + [LABEL], "run": staticmethod(run)})
    group = typer.Typer(cls=group_class, invoke_without_command=True, help=help, epilog=examples(*example_lines),
                        context_settings={"help_option_names": ["-h", "--help"]})

    def callback(ctx: typer.Context, **values: Any) -> None:
        if ctx.invoked_subcommand is None:
            run(**values)
        else:  # `export -o x.csv cosine`: the kind's command applies them (or refuses)
            ctx.meta[BEFORE_KIND] = {name: value for name, value in values.items()
                                     if ctx.get_parameter_source(name) is _given()}

    callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context),
         CONFIG, SPEC, LABEL, DIALECT] + common)
    group.callback()(callback)
    app.add_typer(group, name=name)
    return group


BEFORE_KIND = "lrsched.options_before_kind"


def _given() -> Any:
    from typer._click.core import ParameterSource

    return ParameterSource.COMMANDLINE


def options_before_kind(options: dict[str, Any]) -> dict[str, Any]:
    """The kind command's options plus those given before the kind; an option given in both
    places is refused rather than one of them silently dropped."""
    from typer._click.globals import get_current_context

    ctx = get_current_context()
    for name, value in ctx.meta.get(BEFORE_KIND, {}).items():
        if name in options and ctx.get_parameter_source(name) is _given():
            raise UsageError(f"{FLAGS[name]} is given both before and after the kind; give it once")
        options[name] = value
    return options
