"""The shared base of the frameworks: the registry, the `ast` reader and the argument tables.

A spec is ``FRAMEWORK:Name(arguments)`` with FRAMEWORK a registered framework and Name a
scheduler of that framework, called the way its users call it: positional arguments in the
real signature's order, then keywords; the optimizer of torch, hf and timm is implicit (its lr
is `base_lr`). The text is parsed with `ast` and nothing in it is evaluated or imported:
arguments are literals (read with `ast.literal_eval`), except nested constructors inside torch's
SequentialLR/ChainedScheduler ``schedulers=[...]`` and optax's join_schedules
``schedules=[...]``, and the ``lambda epoch: <formula>`` of torch's LambdaLR and
MultiplicativeLR, whose body becomes an lrsched `expr` formula in t.

Each framework module holds its constructors as data (`Ctor`: the signature, with names,
defaults and what each argument must be, and a small function building the mapping) in a
`Framework`, which `register` adds to `REGISTRY`. This module imports neither numpy nor the
frameworks.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

from ..errors import ExprError, SpecError
from ..core.registry import REQUIRED, did_you_mean, format_value, is_computed

#: A spec longer than this many characters is refused before it is parsed.
MAX_LENGTH = 20_000
#: Brackets nested deeper than this are refused before parsing (a `[[[[...]]]]` bomb costs nothing).
MAX_NESTING = 16
#: Syntax nested deeper than this (say `- - - 1` or `e+e+...+e`) is refused after parsing.
MAX_DEPTH = 64

#: Functions a torch lambda may call (as from math, and the builtins min, max, abs).
LAMBDA_FUNCTIONS = ("cos", "sin", "tan", "tanh", "exp", "log", "sqrt", "floor", "ceil", "min", "max", "abs")
_LAMBDA_NODES = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Call, ast.Name, ast.Constant,
                 ast.expr_context, ast.operator, ast.unaryop, ast.cmpop)
_LAMBDA_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd)


@dataclass(frozen=True)
class Framework:
    """Everything lrsched knows about one framework.

    `constructors` reads its schedulers (`translate`); `write(schedule, steps)` returns a
    snippet building a schedule in it and `write_table(out, schedule, table)` one replaying a
    table of values (`codegen.snippet`, `--to`); `compare[kind](intent_params)` writes an intent
    of that kind the way its users would (`dialects`, `compare --as`); `equivalents[kind]` is
    what `describe` shows. A framework that cannot be written or compared leaves those empty.
    """

    name: str  # the spec prefix
    title: str  # in tables and messages
    full_title: str  # in generated code ("Hugging Face transformers", "Keras 3")
    example: str  # a spec, for messages
    constructors: Mapping[str, "Ctor"]
    write: Callable[..., str] | None = None
    write_table: Callable[..., None] | None = None
    compare: Mapping[str, Callable[[dict], Any]] = field(default_factory=dict)
    equivalents: Mapping[str, str] = field(default_factory=dict)
    clock: str = "lr(t) is the schedule called with the 0-based update count t."  # in snippets


#: The frameworks by name, in the order commands list them.
REGISTRY: dict[str, Framework] = {}


def register(framework: Framework) -> Framework:
    """Add (or replace) a framework: from then on every command reads, writes, compares and
    describes it."""
    REGISTRY[framework.name] = framework
    return framework


class Names(Sequence):
    """The names of the registered frameworks that have a capability, always up to date."""

    def __init__(self, has: Callable[[Framework], Any] = lambda fw: True) -> None:
        self.has = has

    def _names(self) -> tuple[str, ...]:
        return tuple(name for name, fw in REGISTRY.items() if self.has(fw))

    def __getitem__(self, index):
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, (tuple, list, Names)) else NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(self._names())


def equivalents(kind: str) -> list[tuple[str, str]]:
    """(framework title, its equivalent of `kind`) for each framework that describes kinds."""
    return [(fw.title, fw.equivalents.get(kind, "none")) for fw in REGISTRY.values() if fw.equivalents]


def is_framework_spec(text: Any) -> bool:
    """True for 'torch:...', 'hf:...' and every other registered framework's prefix."""
    if not isinstance(text, str):
        return False
    prefix, sep, _ = text.partition(":")
    return bool(sep) and prefix.strip() in REGISTRY


def accepted(framework: str) -> list[str]:
    """The constructor names a framework accepts."""
    return list(REGISTRY[framework].constructors)


def translate(text: str, *, base_lr: float | None = None, metric: list[float] | None = None) -> dict:
    """The lrsched schedule mapping of a framework scheduler written as text.

    `base_lr` is the optimizer's lr (torch, hf, timm); `metric` feeds the metric-driven ones
    (ReduceLROnPlateau and friends). Raises SpecError with a one-line message.
    """
    framework, call = _parse(text)
    if base_lr is not None and (isinstance(base_lr, bool) or not isinstance(base_lr, (int, float))
                                or not math.isfinite(base_lr) or base_lr <= 0):
        raise SpecError(f"{framework}: base_lr must be a number > 0 (received {format_value(base_lr)})")
    context = _Context(framework, f"{framework}:{call.func.id}",
                       None if base_lr is None else float(base_lr),
                       None if metric is None else list(metric))
    mapping = context.translate(call)
    mapping.setdefault("label", context.top)
    mapping["framework"] = framework  # built in framework mode: as the framework computes it
    return mapping



# -- parsing ----------------------------------------------------------------------------------

def _parse(text: Any) -> tuple[str, ast.Call]:
    if not is_framework_spec(text):
        raise SpecError(f"a framework scheduler is written FRAMEWORK:Name(arguments), FRAMEWORK one of "
                        f"{', '.join(REGISTRY)} (received {format_value(text)})")
    prefix, _, body = text.partition(":")
    framework = prefix.strip()
    if len(text) > MAX_LENGTH:
        raise SpecError(f"{framework}: the scheduler is too long ({len(text):,} characters; at most "
                        f"{MAX_LENGTH:,})")
    depth = deepest = 0
    for char in body:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_NESTING:
        raise SpecError(f"{framework}: the scheduler is nested too deeply (more than {MAX_NESTING} "
                        "levels of brackets)")
    source = body.strip()
    if not source:
        raise SpecError(f"{framework}: expected a scheduler call such as {REGISTRY[framework].example}")
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": the call is checked below
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        column = len(prefix) + 1 + (len(body) - len(body.lstrip())) + (exc.offset or len(source) + 1)
        raise SpecError(f"{framework}: syntax error at column {column}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):  # null bytes; nesting the pre-check missed
        raise SpecError(f"{framework}: the scheduler cannot be parsed") from None
    stack = [(tree.body, 1)]
    while stack:  # iteratively: the parser accepts trees deeper than Python's recursion limit
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SpecError(f"{framework}: the scheduler is nested too deeply (more than {MAX_DEPTH} levels)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    call = tree.body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        what = "a call of an attribute" if isinstance(call, ast.Call) else _describe(call)
        raise SpecError(f"{framework}: expected a scheduler call by its plain name such as "
                        f"{REGISTRY[framework].example} (received {what})")
    return framework, call


def _describe(node: ast.AST) -> str:
    """What a node is, in words, for a message."""
    if isinstance(node, ast.Name):
        return f"the name '{node.id}'"
    if isinstance(node, ast.Constant):
        return format_value(node.value)
    return {
        ast.Call: "a call", ast.Attribute: "an attribute access", ast.Lambda: "a lambda",
        ast.BinOp: "an expression", ast.UnaryOp: "an expression", ast.BoolOp: "an expression",
        ast.Compare: "a comparison", ast.IfExp: "a conditional expression", ast.Subscript: "a subscript",
        ast.Starred: "a starred argument", ast.JoinedStr: "an f-string", ast.NamedExpr: "an assignment",
        ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
        ast.GeneratorExp: "a comprehension", ast.Await: "an await", ast.Yield: "a yield",
    }.get(type(node), "an expression")


# -- signatures -------------------------------------------------------------------------------

#: What an argument must be, in words (after "must be ").
KINDS_OF_ARGUMENT = {
    "number": "a number", "int": "an integer", "bool": "true or false", "text": "text",
    "ints": "a list of integers", "numbers": "a list of numbers", "scales": "a dict of step: number",
    "dicts": "a list of dicts", "none": "None", "any": "a literal",
    "schedulers": "a list of scheduler calls", "lambda": "a lambda",
}


@dataclass(frozen=True)
class Arg:
    """One argument of a constructor: name, what it must be, default (REQUIRED if none)."""

    name: str
    type: str
    default: Any = REQUIRED
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ctor:
    """A constructor: its signature after the implicit optimizer, and how to translate it."""

    args: tuple[Arg, ...]
    build: Callable[[dict, "_Context"], dict]
    keyword_only: bool = False

    def arg(self, name: str) -> Arg:
        return next(a for a in self.args if a.name == name)


def _number_ok(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check(arg: Arg, value: Any, where: str) -> Any:
    """`value` as the argument's type, or a SpecError naming the rule."""
    if value is None and (arg.default is None or arg.type == "none"):
        return None

    def fail(rule: str = "") -> SpecError:
        return SpecError(f"{where}: argument {arg.name} must be {rule or KINDS_OF_ARGUMENT[arg.type]} "
                         f"(received {format_value(value)})")

    kind = arg.type
    if kind == "any":
        return value
    if kind == "none":
        raise fail()
    if kind == "bool":
        if not isinstance(value, bool):
            raise fail()
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise fail()
        if arg.choices and value not in arg.choices:
            hint = did_you_mean(value, arg.choices)
            raise SpecError(f"{where}: argument {arg.name} must be one of: {', '.join(arg.choices)} "
                            f"(received {format_value(value)}){hint}")
        return value
    if kind in ("number", "int"):
        if not _number_ok(value):
            raise fail("a finite number" if isinstance(value, float) else "")
        if kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise fail()
            return int(value)
        return value
    if kind in ("ints", "numbers"):
        if not isinstance(value, (list, tuple)):
            raise fail()
        return [_check(Arg(arg.name, kind[:-1] if kind == "ints" else "number"), v, where) for v in value]
    if kind == "scales":
        if not isinstance(value, dict) or not all(_number_ok(k) and _number_ok(v) for k, v in value.items()):
            raise fail()
        return dict(value)
    if kind == "dicts":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, dict) for v in value):
            raise fail()
        return list(value)
    raise AssertionError(kind)  # pragma: no cover


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise LookupError from None


# -- translating ------------------------------------------------------------------------------

class _Context:
    """One translation: the framework, the top-level name, the optimizer's lr, the metric."""

    def __init__(self, framework: str, top: str, base_lr: float | None, metric: list | None,
                 chained: bool = False, restarted: bool = False) -> None:
        self.framework, self.top, self.base_lr, self.metric = framework, top, base_lr, metric
        self.chained = chained  # inside torch's ChainedScheduler
        self.restarted = restarted  # a later scheduler of torch's SequentialLR (restarted by step(0))
        self.where = top

    @property
    def base(self) -> float:
        if self.base_lr is None:
            raise SpecError(f"{self.top} needs base_lr (the optimizer's lr): pass --base-lr or base_lr:")
        return self.base_lr

    def feedback(self, mapping: dict) -> dict:
        if self.metric is not None:
            mapping["metric"] = list(self.metric)
        return mapping

    def nested(self, *, chained: bool = False, restarted: bool = False) -> "_Context":
        return _Context(self.framework, self.top, self.base_lr, self.metric, chained, restarted)

    def translate(self, call: ast.Call) -> dict:
        table = REGISTRY[self.framework].constructors
        name = call.func.id
        ctor = table.get(name)
        if ctor is None:
            hint = did_you_mean(name, table)
            hint = f"{hint} accepted:" if hint else "; accepted:"
            raise SpecError(f"{self.framework}: unknown scheduler {format_value(name)}{hint} "
                            f"{', '.join(table)}")
        previous, self.where = self.where, f"{self.framework}:{name}"
        try:
            args = self.bind(ctor, call)
            return ctor.build(args, self)
        finally:
            self.where = previous

    def bind(self, ctor: Ctor, call: ast.Call) -> dict:
        where, names = self.where, [a.name for a in ctor.args]
        if call.args and ctor.keyword_only:
            raise SpecError(f"{where} takes keyword arguments only (received {len(call.args)} positional)")
        if len(call.args) > len(ctor.args):
            raise SpecError(f"{where} takes at most {len(ctor.args)} positional arguments (received "
                            f"{len(call.args)})")
        nodes: dict[str, ast.AST] = {}
        for arg, node in zip(ctor.args, call.args):
            if isinstance(node, ast.Starred):
                raise SpecError(f"{where}: *arguments are not allowed; write each argument")
            nodes[arg.name] = node
        for keyword in call.keywords:
            if keyword.arg is None:
                raise SpecError(f"{where}: **arguments are not allowed; write each argument")
            if keyword.arg not in names:
                hint = did_you_mean(keyword.arg, names)
                hint = f"{hint} accepted:" if hint else "; accepted:"
                raise SpecError(f"{where}: unknown argument {format_value(keyword.arg)}{hint} "
                                f"{', '.join(names)}")
            if keyword.arg in nodes:
                raise SpecError(f"{where}: argument {keyword.arg} is given twice")
            nodes[keyword.arg] = keyword.value
        values = {}
        for arg in ctor.args:
            if arg.name in nodes:
                values[arg.name] = self.argument(arg, nodes[arg.name])
            elif arg.default is REQUIRED:
                raise SpecError(f"{where}: missing required argument {arg.name}")
            else:
                values[arg.name] = arg.default
        return self.common(values)

    def argument(self, arg: Arg, node: ast.AST) -> Any:
        where = self.where
        if arg.type == "schedulers":
            items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else None
            calls = items is not None and all(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                                              for n in items)
            if not calls:
                raise SpecError(f"{where}: argument {arg.name} must be a list of scheduler calls such as "
                                f"[{REGISTRY[self.framework].example.partition(':')[2]}] (received "
                                f"{_describe(node) if items is None else 'a list of other things'})")
            return items
        if arg.type == "lambda":
            return _lambda_formula(node, f"{where}: argument {arg.name}")
        try:
            value = _literal(node)
        except LookupError:
            raise SpecError(f"{where}: argument {arg.name} must be a literal "
                            f"{KINDS_OF_ARGUMENT[arg.type].removeprefix('a ').removeprefix('an ')} "
                            f"(received {_describe(node)})") from None
        return _check(arg, value, where)

    def common(self, values: dict) -> dict:
        """Arguments every framework shares the meaning of."""
        if values.get("last_epoch", -1) != -1:
            raise SpecError(f"{self.where}: last_epoch must be -1: resuming a scheduler is not supported "
                            f"(received {values['last_epoch']})")
        if values.get("noise_range_t") is not None:
            raise SpecError(f"{self.where}: noise_range_t must be None: timm draws the noise from torch's "
                            "random generator, which lrsched does not reproduce")
        return values

    def fail(self, message: str) -> SpecError:
        return SpecError(f"{self.where}: {message}")


def _lambda_formula(node: ast.AST, where: str) -> str:
    """The body of `lambda x: ...` as an lrsched formula in t, checked; SpecError otherwise."""
    example = "such as lambda epoch: 0.95 ** epoch"
    if not isinstance(node, ast.Lambda):
        raise SpecError(f"{where} must be a lambda {example} (received {_describe(node)})")
    a = node.args
    if len(a.args) != 1 or a.posonlyargs or a.kwonlyargs or a.vararg or a.kwarg or a.defaults:
        raise SpecError(f"{where} must be a lambda of one parameter, {example}")
    param = a.args[0].arg
    if param in LAMBDA_FUNCTIONS:
        raise SpecError(f"{where}: the lambda's parameter must not be named like a function ({param})")
    allowed = (f"numbers, {param}, + - * / // % **, comparisons, 'if else' and the functions "
               f"{', '.join(LAMBDA_FUNCTIONS)}")
    callees = {id(n.func) for n in ast.walk(node.body) if isinstance(n, ast.Call)}
    for sub in ast.walk(node.body):
        bad = None
        if not isinstance(sub, _LAMBDA_NODES) or (isinstance(sub, (ast.operator, ast.unaryop))
                                                    and not isinstance(sub, _LAMBDA_OPERATORS)):
            bad = _describe(sub) if isinstance(sub, ast.expr) else "this operator"
        elif isinstance(sub, ast.Call) and (not isinstance(sub.func, ast.Name) or sub.keywords
                                            or sub.func.id not in LAMBDA_FUNCTIONS
                                            or any(isinstance(x, ast.Starred) for x in sub.args)):
            bad = (f"the call {ast.unparse(sub.func)}()" if isinstance(sub.func, ast.Name)
                   else "a call of an attribute")
        elif isinstance(sub, ast.Name) and sub.id != param and id(sub) not in callees:
            bad = f"the name '{sub.id}'"
        elif isinstance(sub, ast.Constant) and (isinstance(sub.value, bool)
                                                or not isinstance(sub.value, (int, float))):
            bad = f"the literal {format_value(sub.value)}"
        if bad:
            raise SpecError(f"{where}: {bad} is not allowed in the lambda; it may use {allowed}")

    class Rename(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.Name:
            return ast.copy_location(ast.Name(id="t", ctx=ast.Load()), name) if name.id == param else name

    formula = ast.unparse(Rename().visit(ast.parse(ast.unparse(node.body), mode="eval")).body)
    from ..core.expr import compile_expr  # numpy: only when a lambda is translated

    try:
        compile_expr(formula, ["t"])
    except ExprError as exc:
        raise SpecError(f"{where}: {str(exc).removeprefix('expr: ')}") from None
    return formula


# -- helpers for the builders -----------------------------------------------------------------

def _warm(mapping: dict, steps: int, start: float = 0.0, **knobs: str) -> dict:
    """Add a warmup of `steps` steps from `start` (nothing when steps is 0)."""
    if steps:
        mapping.update(warmup_steps=steps, warmup_start_lr=start)
        mapping.update({f"warmup_{k}": v for k, v in knobs.items()})
    return mapping


def _constant(value: float) -> dict:
    return {"kind": "constant", "max_lr": value}


def _ramp(start: float, end: float, steps: int) -> dict:
    """A linear ramp from `start` to `end` over `steps` steps, then `end` (up or down)."""
    if start == end:
        return _constant(end)
    top = max(start, end)
    return {"kind": "linear", "max_lr": top, "start_factor": start / top, "end_factor": end / top,
            "total_iters": steps}


def _delayed(mapping: dict, steps: int, value: float) -> dict:
    """Hold `value` for `steps` steps before the schedule starts (optax transition_begin)."""
    if steps > 0:
        mapping.update(warmup_steps=steps, warmup_start_lr=value, warmup_shape="constant")
    return mapping


def _phases(top: float, pieces: list[dict], lengths: list[int]) -> dict:
    """A sequence of `pieces`, all but the last of the given lengths."""
    phases = [dict(piece, steps=length) for piece, length in zip(pieces, lengths)]
    return {"kind": "sequence", "max_lr": top, "phases": phases + [pieces[-1]]}


def _increasing(c: _Context, boundaries: list, what: str = "boundaries") -> None:
    if any(b < a for a, b in zip(boundaries, boundaries[1:])):
        raise c.fail(f"{what} must not decrease (received {format_value(list(boundaries))})")



def _cosine_decay(init: float, steps: float, floor: float, exponent: float, c: _Context) -> dict:
    """A cosine decay that holds its floor after `steps` (optax, Keras)."""
    if steps <= 0:
        raise c.fail(f"the cosine decay needs decay_steps > 0 (received {steps!r})")
    return {"kind": "cosine", "max_lr": init, "cycle_length": steps, "min_lr": floor, "past_end": "hold",
            "exponent": exponent}


# -- what a writer reads ----------------------------------------------------------------------

class Reads(dict):
    """A schedule's parameters, remembering which ones a writer read."""

    def __init__(self, params: dict) -> None:
        super().__init__(params)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def _ignored(schedule: Any, read: set[str], warmup: bool = False) -> str | None:
    """The first parameter a writer did not read although it is away from its default (a writer
    never hears of a parameter added to a kind later: this turns it off by itself)."""
    from ..core.kinds import WARMUP_PARAMS

    skip = set() if warmup else {p.name for p in WARMUP_PARAMS}  # the warmup piece reads those
    for param in schedule.kind.params:
        value = dict.get(schedule.params, param.name)
        # a parameter added later has a default; a required one (max_lr) every writer knows
        if param.name in read or param.name in skip or param.required or is_computed(param.default):
            continue
        if value != param.default:
            return f"{param.name}={value!r}"
    return None


def exact(build: Callable) -> Callable:
    """A native builder (`build(piece_or_schedule, ...)` -> code or None) whose code is used only
    when it read every parameter that is away from its default."""

    @functools.wraps(build)
    def checked(source: Any, *args: Any, **kwargs: Any) -> Any:
        piece = source if hasattr(source, "schedule") else None  # a codegen piece, or a schedule
        if piece and piece.shift:
            return None  # native classes start their clock at 0
        schedule = piece.schedule if piece else source
        reads = Reads(schedule.params)
        tracked = dataclasses.replace(schedule, params=reads)
        argument = dataclasses.replace(piece, schedule=tracked, params=reads) if piece else tracked
        code = build(argument, *args, **kwargs)
        return None if code is None or _ignored(schedule, reads.read, warmup=piece is None) else code

    return checked


def _plain(schedule: Any) -> Any:
    """The schedule without read tracking (to evaluate it)."""
    if isinstance(schedule.params, Reads):
        return dataclasses.replace(schedule, params=dict.copy(schedule.params))
    return schedule
