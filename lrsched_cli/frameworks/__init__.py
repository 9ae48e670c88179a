"""Framework schedulers as written: `torch:StepLR(step_size=30)` read and translated to lrsched kinds.

A spec is ``FRAMEWORK:Name(arguments)`` with FRAMEWORK one of torch, hf, optax, keras, timm and
Name a scheduler of that framework, called the way its users call it: positional arguments in
the real signature's order, then keywords; the optimizer of torch, hf and timm is implicit (its
lr is `base_lr`). The text is parsed with `ast` and nothing in it is evaluated or imported:
arguments are literals (read with `ast.literal_eval`), except nested constructors inside torch's
SequentialLR/ChainedScheduler ``schedulers=[...]`` and optax's join_schedules
``schedules=[...]``, and the ``lambda epoch: <formula>`` of torch's LambdaLR and
MultiplicativeLR, whose body becomes an lrsched `expr` formula in t.

`translate` returns an lrsched schedule mapping that `core.build` accepts and that evaluates
to the framework's own values (each translation is proved against the real libraries in
tests/test_frameworks.py). Each framework's conventions map onto the kinds' knobs: where the
horizon counts the warmup (Hugging Face, optax), whether the warmup is a prefix or an overlay
(timm warmup_prefix), whether the rate holds or continues past the end, when a boundary takes
effect, factors versus absolute rates. What cannot be written exactly is refused with the
reason, in one line.

The tables below hold each framework's constructors as data: the signature (names, defaults,
what each argument must be) and a small function building the mapping. This module imports
neither numpy nor the frameworks.
"""
from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..errors import ExprError, SpecError
from ..core.registry import REQUIRED, did_you_mean, format_value

__all__ = ["FRAMEWORKS", "MAX_DEPTH", "MAX_LENGTH", "MAX_NESTING", "accepted", "is_framework_spec", "translate"]

FRAMEWORKS = ("torch", "hf", "optax", "keras", "timm")
#: A spec longer than this many characters is refused before it is parsed.
MAX_LENGTH = 20_000
#: Brackets nested deeper than this are refused before parsing (a `[[[[...]]]]` bomb costs nothing).
MAX_NESTING = 16
#: Syntax nested deeper than this (say `- - - 1` or `e+e+...+e`) is refused after parsing.
MAX_DEPTH = 64

EXAMPLES = {
    "torch": "torch:StepLR(step_size=30, gamma=0.1)",
    "hf": "hf:cosine(num_warmup_steps=100, num_training_steps=1000)",
    "optax": "optax:cosine_decay_schedule(init_value=0.1, decay_steps=1000)",
    "keras": "keras:CosineDecay(initial_learning_rate=0.1, decay_steps=1000)",
    "timm": "timm:CosineLRScheduler(t_initial=100, warmup_t=5)",
}

#: Functions a torch lambda may call (as from math, and the builtins min, max, abs).
LAMBDA_FUNCTIONS = ("cos", "sin", "tan", "tanh", "exp", "log", "sqrt", "floor", "ceil", "min", "max", "abs")
_LAMBDA_NODES = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Call, ast.Name, ast.Constant,
                 ast.expr_context, ast.operator, ast.unaryop, ast.cmpop)
_LAMBDA_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd)


def is_framework_spec(text: Any) -> bool:
    """True for 'torch:...', 'hf:...', 'optax:...', 'keras:...' and 'timm:...'."""
    if not isinstance(text, str):
        return False
    prefix, sep, _ = text.partition(":")
    return bool(sep) and prefix.strip() in FRAMEWORKS


def accepted(framework: str) -> list[str]:
    """The constructor names a framework accepts."""
    return list(TABLES[framework])


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
    return mapping


# -- parsing ----------------------------------------------------------------------------------

def _parse(text: Any) -> tuple[str, ast.Call]:
    if not is_framework_spec(text):
        raise SpecError(f"a framework scheduler is written FRAMEWORK:Name(arguments), FRAMEWORK one of "
                        f"{', '.join(FRAMEWORKS)} (received {format_value(text)})")
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
        raise SpecError(f"{framework}: expected a scheduler call such as {EXAMPLES[framework]}")
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
                        f"{EXAMPLES[framework]} (received {what})")
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
        table = TABLES[self.framework]
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
                                f"[{EXAMPLES[self.framework].partition(':')[2]}] (received "
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


# -- torch ------------------------------------------------------------------------------------

LAST_EPOCH = Arg("last_epoch", "int", -1)
PLATEAU_ARGS = (
    Arg("mode", "text", "min", ("min", "max")), Arg("factor", "number", 0.1), Arg("patience", "int", 10),
    Arg("threshold", "number", 1e-4), Arg("threshold_mode", "text", "rel", ("rel", "abs")),
    Arg("cooldown", "int", 0), Arg("min_lr", "number", 0.0), Arg("eps", "number", 1e-8),
)

#: Schedulers that are not a factor of the others' in torch's ChainedScheduler, and why.
NOT_A_FACTOR = {
    "LambdaLR": "LambdaLR sets base_lr * lr_lambda(t) at every step, overwriting the other schedulers' factors",
    "CosineAnnealingLR": "CosineAnnealingLR rescales only the rate above eta_min, and past T_max torch's "
                         "recursive form adds a base_lr term instead of multiplying",
    "CosineAnnealingWarmRestarts": "CosineAnnealingWarmRestarts sets its rate from base_lr, overwriting "
                                   "the others",
    "CyclicLR": "CyclicLR sets its rate from its own base_lr, overwriting the others",
    "OneCycleLR": "OneCycleLR sets its rate from max_lr, overwriting the others",
    "SWALR": "SWALR recovers its start from the current rate, which the others have scaled",
    "SequentialLR": "at each milestone SequentialLR restarts its next scheduler from base_lr (step(0)), "
                    "dropping the other schedulers' factors",
    "ReduceLROnPlateau": "ReduceLROnPlateau needs a metric, which ChainedScheduler.step() does not pass",
}


def _torch_lambda(a: dict, c: _Context) -> dict:
    return {"kind": "expr", "expr": f"max_lr * ({a['lr_lambda']})", "max_lr": c.base}


def _torch_multiplicative(a: dict, c: _Context) -> dict:
    if c.restarted:
        raise c.fail("after a SequentialLR milestone MultiplicativeLR continues from the previous "
                     "scheduler's rate, which is not a schedule of t alone")
    return {"kind": "expr", "expr": a["lr_lambda"], "max_lr": c.base, "product": True}


def _torch_step(a: dict, c: _Context) -> dict:
    return {"kind": "step", "max_lr": c.base, "step_size": a["step_size"], "gamma": a["gamma"]}


def _torch_multistep(a: dict, c: _Context) -> dict:
    milestones = a["milestones"]
    if any(m < 0 for m in milestones):
        raise c.fail(f"milestones must be >= 0 (received {format_value(milestones)})")
    top = c.base * a["gamma"] ** milestones.count(0)  # a milestone 0 applies at once
    rest = [m for m in milestones if m > 0]
    if not rest:
        return _constant(top)
    return {"kind": "multistep", "max_lr": top, "milestones": rest, "gamma": a["gamma"]}


def _torch_constant(a: dict, c: _Context) -> dict:
    factor, total = a["factor"], a["total_iters"]
    if not 0 < factor <= 1:
        raise c.fail(f"factor must be in (0, 1] (torch divides by it at total_iters) (received {factor!r})")
    if total <= 0:  # torch's recursive form keeps the factor; the closed form (a restart) drops it
        return _constant(c.base if c.restarted else c.base * factor)
    if factor == 1:
        return _constant(c.base)
    return _phases(c.base, [_constant(c.base * factor), {"kind": "constant"}], [total])


def _torch_linear(a: dict, c: _Context) -> dict:
    start, end, total = a["start_factor"], a["end_factor"], a["total_iters"]
    if not 0 < start <= 1 or not 0 <= end <= 1:
        raise c.fail(f"start_factor must be in (0, 1] and end_factor in [0, 1] (received "
                     f"start_factor={start!r}, end_factor={end!r})")
    if total <= 0:
        if c.restarted:
            raise c.fail("total_iters=0 after a milestone: torch's closed form divides by zero")
        return _constant(c.base * start)
    return {"kind": "linear", "max_lr": c.base, "start_factor": start, "end_factor": end, "total_iters": total}


def _torch_exponential(a: dict, c: _Context) -> dict:
    return {"kind": "exponential", "max_lr": c.base, "gamma": a["gamma"]}


def _torch_polynomial(a: dict, c: _Context) -> dict:
    if a["total_iters"] <= 0:
        if c.restarted:
            raise c.fail("total_iters=0 after a milestone: torch's closed form divides by zero")
        return _constant(c.base)
    return {"kind": "polynomial", "max_lr": c.base, "max_update": a["total_iters"], "power": a["power"],
            "min_lr": 0.0}


def _torch_cosine(a: dict, c: _Context) -> dict:
    return {"kind": "cosine", "max_lr": c.base, "cycle_length": a["T_max"], "min_lr": a["eta_min"],
            "past_end": "continue"}


def _torch_warm_restarts(a: dict, c: _Context) -> dict:
    return {"kind": "cosine_restarts", "max_lr": c.base, "cycle_length": a["T_0"], "cycle_mult": a["T_mult"],
            "min_lr": a["eta_min"]}


def _torch_cyclic(a: dict, c: _Context) -> dict:
    return {"kind": "cyclic", "min_lr": a["base_lr"], "max_lr": a["max_lr"], "step_size_up": a["step_size_up"],
            "step_size_down": a["step_size_down"], "mode": a["mode"], "gamma": a["gamma"]}


def _torch_onecycle(a: dict, c: _Context) -> dict:
    total = a["total_steps"]
    if total is None:
        if a["epochs"] is None or a["steps_per_epoch"] is None:
            raise c.fail("needs total_steps, or epochs and steps_per_epoch")
        total = a["epochs"] * a["steps_per_epoch"]
    return {"kind": "onecycle", "max_lr": a["max_lr"], "total_steps": total, "pct_start": a["pct_start"],
            "anneal_strategy": a["anneal_strategy"], "div_factor": a["div_factor"],
            "final_div_factor": a["final_div_factor"], "three_phase": a["three_phase"]}


def _torch_plateau(a: dict, c: _Context) -> dict:
    return c.feedback({"kind": "plateau", "max_lr": c.base, **{k: a[k] for k in (
        "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps")}})


def _torch_swalr(a: dict, c: _Context) -> dict:
    if c.restarted:
        raise c.fail("SWALR counts its own steps: a SequentialLR milestone does not restart it")
    if a["anneal_epochs"] < 0:
        raise c.fail(f"anneal_epochs must be >= 0 (received {a['anneal_epochs']})")
    shape = "cosine" if a["anneal_strategy"] == "cos" else "linear"
    return _warm(_constant(a["swa_lr"]), a["anneal_epochs"], c.base, shape=shape)


def _torch_sequential(a: dict, c: _Context) -> dict:
    nodes, milestones = a["schedulers"], a["milestones"]
    if len(milestones) != len(nodes) - 1:
        raise c.fail(f"needs one milestone fewer than schedulers (received {len(nodes)} schedulers, "
                     f"{len(milestones)} milestones)")
    _increasing(c, milestones, "milestones")
    if milestones and milestones[0] < 1:
        raise c.fail(f"milestones must be >= 1: torch mishandles a milestone at 0 (received {milestones[0]})")
    pieces = []
    for i, node in enumerate(nodes):
        if node.func.id in ("SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"):
            raise c.fail(f"{node.func.id} cannot be a scheduler of SequentialLR (torch refuses "
                         f"{'it' if node.func.id == 'ReduceLROnPlateau' else 'to restart it with step(0)'})")
        pieces.append(c.nested(restarted=i > 0).translate(node))
    lengths = [b - a for a, b in zip([0, *milestones], milestones)]
    top = c.base_lr if c.base_lr is not None else pieces[0].get("max_lr", 1.0)
    return _phases(top, pieces, lengths) if len(pieces) > 1 else pieces[0]


def _torch_chained(a: dict, c: _Context) -> dict:
    factors = []
    for node in a["schedulers"]:
        name = node.func.id
        if name in NOT_A_FACTOR:
            raise c.fail(f"not a product of factors in torch: {NOT_A_FACTOR[name]}")
        child = c.nested(chained=True).translate(node)
        factors.extend(child["schedules"] if child["kind"] == "chain" else [child])
    if not factors:
        raise c.fail("needs at least one scheduler")
    return {"kind": "chain", "max_lr": c.base, "schedules": factors}


TORCH = {
    "LambdaLR": Ctor((Arg("lr_lambda", "lambda"), LAST_EPOCH), _torch_lambda),
    "MultiplicativeLR": Ctor((Arg("lr_lambda", "lambda"), LAST_EPOCH), _torch_multiplicative),
    "StepLR": Ctor((Arg("step_size", "int"), Arg("gamma", "number", 0.1), LAST_EPOCH), _torch_step),
    "MultiStepLR": Ctor((Arg("milestones", "ints"), Arg("gamma", "number", 0.1), LAST_EPOCH), _torch_multistep),
    "ConstantLR": Ctor((Arg("factor", "number", 1 / 3), Arg("total_iters", "int", 5), LAST_EPOCH),
                       _torch_constant),
    "LinearLR": Ctor((Arg("start_factor", "number", 1 / 3), Arg("end_factor", "number", 1.0),
                      Arg("total_iters", "int", 5), LAST_EPOCH), _torch_linear),
    "ExponentialLR": Ctor((Arg("gamma", "number"), LAST_EPOCH), _torch_exponential),
    "SequentialLR": Ctor((Arg("schedulers", "schedulers"), Arg("milestones", "ints"), LAST_EPOCH),
                         _torch_sequential),
    "PolynomialLR": Ctor((Arg("total_iters", "int", 5), Arg("power", "number", 1.0), LAST_EPOCH),
                         _torch_polynomial),
    "CosineAnnealingLR": Ctor((Arg("T_max", "number"), Arg("eta_min", "number", 0.0), LAST_EPOCH),
                              _torch_cosine),
    "ChainedScheduler": Ctor((Arg("schedulers", "schedulers"),), _torch_chained),
    "ReduceLROnPlateau": Ctor(PLATEAU_ARGS, _torch_plateau),
    "CyclicLR": Ctor((Arg("base_lr", "number"), Arg("max_lr", "number"), Arg("step_size_up", "number", 2000),
                      Arg("step_size_down", "number", None),
                      Arg("mode", "text", "triangular", ("triangular", "triangular2", "exp_range")),
                      Arg("gamma", "number", 1.0), Arg("scale_fn", "none", None),
                      Arg("scale_mode", "text", "cycle", ("cycle", "iterations")),
                      Arg("cycle_momentum", "bool", True), Arg("base_momentum", "number", 0.8),
                      Arg("max_momentum", "number", 0.9), LAST_EPOCH), _torch_cyclic),
    "CosineAnnealingWarmRestarts": Ctor((Arg("T_0", "int"), Arg("T_mult", "int", 1),
                                         Arg("eta_min", "number", 0.0), LAST_EPOCH), _torch_warm_restarts),
    "OneCycleLR": Ctor((Arg("max_lr", "number"), Arg("total_steps", "int", None), Arg("epochs", "int", None),
                        Arg("steps_per_epoch", "int", None), Arg("pct_start", "number", 0.3),
                        Arg("anneal_strategy", "text", "cos", ("cos", "linear")),
                        Arg("cycle_momentum", "bool", True), Arg("base_momentum", "number", 0.85),
                        Arg("max_momentum", "number", 0.95), Arg("div_factor", "number", 25.0),
                        Arg("final_div_factor", "number", 1e4), Arg("three_phase", "bool", False),
                        LAST_EPOCH), _torch_onecycle),
    "SWALR": Ctor((Arg("swa_lr", "number"), Arg("anneal_epochs", "int", 10),
                   Arg("anneal_strategy", "text", "cos", ("cos", "linear")), LAST_EPOCH), _torch_swalr),
}


# -- Hugging Face -----------------------------------------------------------------------------

W_ARG, N_ARG = Arg("num_warmup_steps", "int"), Arg("num_training_steps", "int")


def _decay_steps(a: dict, c: _Context) -> int:
    span = a["num_training_steps"] - a["num_warmup_steps"]
    if span < 1:
        raise c.fail(f"num_training_steps must exceed num_warmup_steps (received num_warmup_steps="
                     f"{a['num_warmup_steps']}, num_training_steps={a['num_training_steps']})")
    return span


def _positive_cycles(a: dict, c: _Context) -> float:
    if a["num_cycles"] <= 0:
        raise c.fail(f"num_cycles must be > 0 (received {a['num_cycles']!r})")
    return a["num_cycles"]


def _hf_constant(a: dict, c: _Context) -> dict:
    return _constant(c.base)


def _hf_constant_warmup(a: dict, c: _Context) -> dict:
    return _warm(_constant(c.base), a["num_warmup_steps"])


def _hf_linear(a: dict, c: _Context) -> dict:
    mapping = {"kind": "polynomial", "max_lr": c.base, "max_update": _decay_steps(a, c), "power": 1.0,
               "min_lr": 0.0}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_cosine(a: dict, c: _Context) -> dict:
    length = _decay_steps(a, c) / (2 * _positive_cycles(a, c))
    mapping = {"kind": "cosine", "max_lr": c.base, "cycle_length": length, "past_end": "continue"}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_hard_restarts(a: dict, c: _Context) -> dict:
    cycles = _positive_cycles(a, c)
    mapping = {"kind": "cosine_restarts", "max_lr": c.base, "cycle_length": _decay_steps(a, c) / cycles,
               "cycle_limit": cycles}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_polynomial(a: dict, c: _Context) -> dict:
    if not c.base > a["lr_end"]:
        raise c.fail(f"lr_end ({a['lr_end']!r}) must be smaller than the initial lr ({c.base!r})")
    mapping = {"kind": "polynomial", "max_lr": c.base, "max_update": _decay_steps(a, c), "power": a["power"],
               "min_lr": a["lr_end"]}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_inverse_sqrt(a: dict, c: _Context) -> dict:
    timescale = a["timescale"] if a["timescale"] is not None else (a["num_warmup_steps"] or 10_000)
    mapping = {"kind": "inverse_sqrt", "max_lr": c.base, "timescale": timescale}
    return _warm(mapping, a["num_warmup_steps"])


def _min_lr(a: dict, c: _Context) -> tuple[float, float]:
    """Hugging Face's min_lr or min_lr_rate (exactly one): the floor, absolute and as a ratio."""
    if (a["min_lr"] is None) == (a["min_lr_rate"] is None):
        raise c.fail("needs exactly one of min_lr and min_lr_rate")
    if a["min_lr"] is not None:
        return a["min_lr"], a["min_lr"] / c.base
    return a["min_lr_rate"] * c.base, a["min_lr_rate"]


def _hf_cosine_min(a: dict, c: _Context) -> dict:
    length = _decay_steps(a, c) / (2 * _positive_cycles(a, c))
    mapping = {"kind": "cosine", "max_lr": c.base, "cycle_length": length, "min_lr": _min_lr(a, c)[0],
               "past_end": "continue"}
    return _warm(mapping, a["num_warmup_steps"])


def _hf_cosine_warmup_min(a: dict, c: _Context) -> dict:
    # warmup r + (1 - r) * t / (W - 1) for t < W (r = 1/W by default) and decay progress
    # (t - W + 1) / (N - W): the cosine starts at t = W - 1, where the warmup reaches base_lr.
    warmup, (floor, ratio) = a["num_warmup_steps"], _min_lr(a, c)
    span, cycles = _decay_steps(a, c), _positive_cycles(a, c)
    rate = a["warmup_lr_rate"] if a["warmup_lr_rate"] is not None else 1.0 / max(1, warmup)
    if warmup == 0:  # the decay starts one step in: progress (t + 1) / N
        return {"kind": "expr", "max_lr": c.base, "expr": f"max_lr * maximum(0, 0.5 * (1 + cos(pi * {cycles!r} "
                f"* 2 * ((t + 1) / {float(span)!r}))) * (1 - {ratio!r}) + {ratio!r})"}
    mapping = {"kind": "cosine", "max_lr": c.base, "cycle_length": span / (2 * cycles), "min_lr": floor,
               "past_end": "continue"}
    if warmup == 1:
        return mapping if rate == 1 else _warm(mapping, 1, rate * c.base, mode="overlay")
    return _warm(mapping, warmup - 1, rate * c.base)


def _hf_wsd(a: dict, c: _Context) -> dict:
    warmup, decay, stable = a["num_warmup_steps"], a["num_decay_steps"], a["num_stable_steps"]
    if stable is None:
        if a["num_training_steps"] is None:
            raise c.fail("needs num_training_steps or num_stable_steps")
        stable = a["num_training_steps"] - warmup - decay
    if a["num_cycles"] != 0.5:
        raise c.fail(f"num_cycles must be 0.5: lrsched's wsd decays along half a cosine wave "
                     f"(received {a['num_cycles']!r})")
    floor = a["min_lr_ratio"] * c.base
    mapping = {"kind": "wsd", "max_lr": c.base, "stable_steps": stable, "decay_steps": decay,
               "decay_type": a["decay_type"], "min_lr": floor}
    return _warm(mapping, warmup, floor, shape=a["warmup_type"])


def _hf_greedy(a: dict, c: _Context) -> dict:
    same = ("max_lr", "min_lr", "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "eps",
            "smooth", "window_size", "reset_start")
    return c.feedback({"kind": "greedy", "start_lr": c.base, "increase_cooldown": a["warmup"],
                       **{k: a[k] for k in same}})


SHAPES = ("linear", "cosine", "1-sqrt")
MIN_LR_ARGS = (Arg("num_cycles", "number", 0.5), LAST_EPOCH, Arg("min_lr", "number", None),
               Arg("min_lr_rate", "number", None))
HF_FUNCTIONS = {
    "get_constant_schedule": Ctor((LAST_EPOCH,), _hf_constant),
    "get_constant_schedule_with_warmup": Ctor((W_ARG, LAST_EPOCH), _hf_constant_warmup),
    "get_linear_schedule_with_warmup": Ctor((W_ARG, N_ARG, LAST_EPOCH), _hf_linear),
    "get_cosine_schedule_with_warmup": Ctor((W_ARG, N_ARG, Arg("num_cycles", "number", 0.5), LAST_EPOCH),
                                            _hf_cosine),
    "get_cosine_with_hard_restarts_schedule_with_warmup": Ctor(
        (W_ARG, N_ARG, Arg("num_cycles", "int", 1), LAST_EPOCH), _hf_hard_restarts),
    "get_polynomial_decay_schedule_with_warmup": Ctor(
        (W_ARG, N_ARG, Arg("lr_end", "number", 1e-7), Arg("power", "number", 1.0), LAST_EPOCH), _hf_polynomial),
    "get_inverse_sqrt_schedule": Ctor((W_ARG, Arg("timescale", "number", None), LAST_EPOCH), _hf_inverse_sqrt),
    "get_reduce_on_plateau_schedule": Ctor(PLATEAU_ARGS, _torch_plateau, keyword_only=True),
    "get_cosine_with_min_lr_schedule_with_warmup": Ctor((W_ARG, N_ARG, *MIN_LR_ARGS), _hf_cosine_min),
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate": Ctor(
        (W_ARG, N_ARG, *MIN_LR_ARGS, Arg("warmup_lr_rate", "number", None)), _hf_cosine_warmup_min),
    "get_wsd_schedule": Ctor(
        (W_ARG, Arg("num_decay_steps", "int"), Arg("num_training_steps", "int", None),
         Arg("num_stable_steps", "int", None), Arg("warmup_type", "text", "linear", SHAPES),
         Arg("decay_type", "text", "cosine", SHAPES), Arg("min_lr_ratio", "number", 0.0),
         Arg("num_cycles", "number", 0.5), LAST_EPOCH), _hf_wsd),
    "get_greedy_schedule": Ctor(
        (Arg("mode", "text", "min", ("min", "max")), Arg("factor", "number", 0.95), Arg("patience", "int", 10),
         Arg("threshold", "number", 1e-6), Arg("threshold_mode", "text", "abs", ("rel", "abs")),
         Arg("cooldown", "int", 0), Arg("warmup", "int", 0), Arg("min_lr", "number", 1e-3),
         Arg("max_lr", "number", 1.0), Arg("eps", "number", 1e-8), Arg("verbose", "bool", False),
         Arg("smooth", "bool", False), Arg("window_size", "int", 50), Arg("reset_start", "int", 500)),
        _hf_greedy, keyword_only=True),
}

#: get_scheduler(name, ...): the function it calls, which step counts it needs (W, N, or W with
#: N optional: "Wn"), and whether it passes scheduler_specific_kwargs on.
HF_TYPES = {
    "linear": ("get_linear_schedule_with_warmup", "WN", True),
    "cosine": ("get_cosine_schedule_with_warmup", "WN", True),
    "cosine_with_restarts": ("get_cosine_with_hard_restarts_schedule_with_warmup", "WN", True),
    "polynomial": ("get_polynomial_decay_schedule_with_warmup", "WN", True),
    "constant": ("get_constant_schedule", "", False),
    "constant_with_warmup": ("get_constant_schedule_with_warmup", "W", False),
    "inverse_sqrt": ("get_inverse_sqrt_schedule", "W", True),
    "reduce_lr_on_plateau": ("get_reduce_on_plateau_schedule", "", True),
    "cosine_with_min_lr": ("get_cosine_with_min_lr_schedule_with_warmup", "WN", True),
    "cosine_warmup_with_min_lr": ("get_cosine_with_min_lr_schedule_with_warmup_lr_rate", "WN", True),
    "warmup_stable_decay": ("get_wsd_schedule", "Wn", True),
    "greedy": ("get_greedy_schedule", "", True),
}


def _hf_type(function: str, needs: str, passes: bool) -> Ctor:
    """hf:NAME(...) = get_scheduler(NAME, optimizer, num_warmup_steps, num_training_steps, **kw)."""
    inner = HF_FUNCTIONS[function]
    counts = (Arg("num_warmup_steps", "int", None), Arg("num_training_steps", "int", None))
    extra = tuple(a for a in inner.args if passes and a.name not in (
        "num_warmup_steps", "num_training_steps", "last_epoch"))

    def build(a: dict, c: _Context) -> dict:
        for letter, count in (("W", "num_warmup_steps"), ("N", "num_training_steps")):
            if letter in needs and a[count] is None:
                raise c.fail(f"needs {count}")
        values = {arg.name: arg.default for arg in inner.args}
        values.update((k, v) for k, v in a.items() if k in values)
        return inner.build(values, c)

    return Ctor(counts + extra, build, keyword_only=True)


HF = {**{name: _hf_type(*spec) for name, spec in HF_TYPES.items()}, **HF_FUNCTIONS}


# -- timm -------------------------------------------------------------------------------------

def _timm_args(*args: Arg, prefix: bool | None = False) -> tuple[Arg, ...]:
    """A timm signature: the scheduler's own arguments, then warmup, noise and the common ones."""
    warmup = (Arg("warmup_t", "int", 0), Arg("warmup_lr_init", "number", 0.0))
    if prefix is not None:
        warmup += (Arg("warmup_prefix", "bool", prefix),)
    noise = (Arg("noise_range_t", "any", None), Arg("noise_pct", "number", 0.67),
             Arg("noise_std", "number", 1.0), Arg("noise_seed", "int", 42))
    return args + warmup + (Arg("t_in_epochs", "bool", True),) + noise + (Arg("initialize", "bool", True),)


def _timm_warmup(mapping: dict, a: dict, target: str = "max_lr") -> dict:
    """timm's warmup: warmup_lr_init + t * (base_lr - warmup_lr_init) / warmup_t for t < warmup_t."""
    prefix = a.get("warmup_prefix", True)
    return _warm(mapping, a["warmup_t"], a["warmup_lr_init"], mode="prefix" if prefix else "overlay",
                 target=target)


def _cycles(a: dict, c: _Context) -> dict:
    if a["cycle_limit"] < 1:
        raise c.fail(f"cycle_limit must be >= 1 (received {a['cycle_limit']})")
    return {"cycle_mult": a["cycle_mul"], "cycle_decay": a["cycle_decay"], "cycle_limit": a["cycle_limit"]}


def _timm_cosine(a: dict, c: _Context) -> dict:
    mapping = {"kind": "cosine_restarts", "max_lr": c.base, "cycle_length": a["t_initial"],
               "min_lr": a["lr_min"], **_cycles(a, c), "k_decay": a["k_decay"]}
    return _timm_warmup(mapping, a)


def _timm_tanh(a: dict, c: _Context) -> dict:
    mapping = {"kind": "tanh", "max_lr": c.base, "cycle_length": a["t_initial"], "min_lr": a["lr_min"],
               "lb": a["lb"], "ub": a["ub"], **_cycles(a, c)}
    if not a["warmup_t"]:  # the constructor sets base_lr at t = 0; the curve starts just below it
        return _warm(mapping, 1, c.base, shape="constant", mode="overlay")
    # the warmup rises to base_lr after a prefix, to the curve at warmup_t over it
    return _timm_warmup(mapping, a, target="max_lr" if a["warmup_prefix"] else "schedule")


def _timm_poly(a: dict, c: _Context) -> dict:
    mapping = {"kind": "polynomial", "max_lr": c.base, "max_update": a["t_initial"], "power": a["power"],
               "min_lr": a["lr_min"], **_cycles(a, c), "k_decay": a["k_decay"]}
    return _timm_warmup(mapping, a)


def _timm_step(a: dict, c: _Context) -> dict:
    period, rate = a["decay_t"], a["decay_rate"]
    if period <= 0:
        raise c.fail(f"decay_t must be > 0 (received {period!r})")
    if float(period).is_integer():
        mapping = {"kind": "step", "max_lr": c.base, "step_size": int(period), "gamma": rate}
    else:
        mapping = {"kind": "exponential", "max_lr": c.base, "gamma": rate, "decay_steps": period,
                   "staircase": True}
    return _timm_warmup(mapping, a)


def _timm_multistep(a: dict, c: _Context) -> dict:
    # timm changes the rate at t + 1 == milestone (bisect_right(decay_t, t + 1)) on the clock after
    # a warmup prefix: on the overall clock that is t == milestone - 1 (+ warmup_t), at least 1
    # (t = 0 is the constructor's base_lr).
    milestones, warmup = a["decay_t"], a["warmup_t"]
    _increasing(c, milestones, "decay_t")
    shift = warmup if a["warmup_prefix"] else 0
    moved = [max(m - 1 + shift, 1) for m in milestones]
    mapping = ({"kind": "multistep", "max_lr": c.base, "milestones": moved, "gamma": a["decay_rate"]}
               if moved else _constant(c.base))
    return _warm(mapping, warmup, a["warmup_lr_init"], mode="overlay", target="max_lr")


def _timm_plateau(a: dict, c: _Context) -> dict:
    # during warmup (t <= warmup_t) the metric is not passed on: the plateau starts at warmup_t
    mapping = {"kind": "plateau", "max_lr": c.base, "mode": a["mode"], "factor": a["decay_rate"],
               "patience": a["patience_t"], "threshold": a["threshold"], "cooldown": a["cooldown_t"],
               "min_lr": a["lr_min"]}
    return _warm(c.feedback(mapping), a["warmup_t"], a["warmup_lr_init"])


def _timm_wsd(a: dict, c: _Context) -> dict:
    if not 0 < a["decay_t"] <= a["t_initial"]:
        raise c.fail(f"decay_t must be in (0, t_initial] (received decay_t={a['decay_t']}, "
                     f"t_initial={a['t_initial']})")
    mapping = {"kind": "wsd", "max_lr": c.base, "stable_steps": a["t_initial"] - a["decay_t"],
               "decay_steps": a["decay_t"], "decay_type": a["decay_fn"], "min_lr": a["lr_min"],
               "decay_power": a["decay_power"], "decay_ratio": a["decay_ratio"], "stable_shape": a["stable_fn"],
               "stable_power": a["stable_power"]}
    if a["stable_timescale"] is not None:
        mapping["stable_timescale"] = a["stable_timescale"]
    return _timm_warmup(mapping, a)


CYCLE_ARGS = (Arg("cycle_mul", "number", 1.0), Arg("cycle_decay", "number", 1.0), Arg("cycle_limit", "int", 1))
TIMM = {
    "CosineLRScheduler": Ctor(_timm_args(Arg("t_initial", "int"), Arg("lr_min", "number", 0.0), *CYCLE_ARGS)
                              + (Arg("k_decay", "number", 1.0),), _timm_cosine),
    "TanhLRScheduler": Ctor(_timm_args(Arg("t_initial", "int"), Arg("lb", "number", -7.0),
                                       Arg("ub", "number", 3.0), Arg("lr_min", "number", 0.0), *CYCLE_ARGS),
                            _timm_tanh),
    "StepLRScheduler": Ctor(_timm_args(Arg("decay_t", "number"), Arg("decay_rate", "number", 1.0), prefix=True),
                            _timm_step),
    "MultiStepLRScheduler": Ctor(_timm_args(Arg("decay_t", "ints"), Arg("decay_rate", "number", 1.0),
                                            prefix=True), _timm_multistep),
    "PlateauLRScheduler": Ctor(
        (Arg("decay_rate", "number", 0.1), Arg("patience_t", "int", 10), Arg("verbose", "bool", True),
         Arg("threshold", "number", 1e-4), Arg("cooldown_t", "int", 0), Arg("warmup_t", "int", 0),
         Arg("warmup_lr_init", "number", 0.0), Arg("lr_min", "number", 0.0),
         Arg("mode", "text", "max", ("min", "max")), Arg("noise_range_t", "any", None),
         Arg("noise_type", "text", "normal"), Arg("noise_pct", "number", 0.67), Arg("noise_std", "number", 1.0),
         Arg("noise_seed", "int", None), Arg("initialize", "bool", True)),
        _timm_plateau),
    "PolyLRScheduler": Ctor(_timm_args(Arg("t_initial", "int"), Arg("power", "number", 0.5),
                                       Arg("lr_min", "number", 0.0), *CYCLE_ARGS)
                            + (Arg("k_decay", "number", 1.0),), _timm_poly),
    "WSDLRScheduler": Ctor(
        _timm_args(Arg("t_initial", "int"), Arg("decay_t", "int"), Arg("lr_min", "number", 0.0),
                   Arg("stable_fn", "text", "constant", ("constant", "rsqrt", "power")),
                   Arg("stable_timescale", "number", None), Arg("stable_power", "number", 0.5),
                   Arg("decay_fn", "text", "1-sqrt", ("linear", "1-sqrt", "cosine", "power", "exp")),
                   Arg("decay_power", "number", 0.5), Arg("decay_ratio", "number", 0.1), prefix=None),
        _timm_wsd),
}


# -- optax ------------------------------------------------------------------------------------

def _optax_polynomial(init: float, end: float, power: float, steps: int, begin: int, c: _Context) -> dict:
    if steps <= 0:  # optax logs and returns the constant init_value
        return _constant(init)
    if init == end:
        mapping = _constant(init)
    elif end < init:
        mapping = {"kind": "polynomial", "max_lr": init, "min_lr": end, "power": power, "max_update": steps}
    elif power == 1:
        mapping = _ramp(init, end, steps)
    else:
        raise c.fail(f"a rising polynomial (end_value > init_value) needs power=1 in lrsched (received "
                     f"power={power!r})")
    return _delayed(mapping, max(begin, 0), init)


def _optax_exponential(a: dict, c: _Context) -> dict:
    init, rate, steps, end = a["init_value"], a["decay_rate"], a["transition_steps"], a["end_value"]
    if steps <= 0 or rate == 0:  # optax logs and returns the constant init_value
        return _constant(init)
    if end is not None and (end > init if rate < 1 else end < init):
        return _constant(end)  # clipped from the start
    mapping = {"kind": "exponential", "max_lr": init, "gamma": rate, "decay_steps": steps,
               "staircase": a["staircase"], "end_lr": end}
    return _delayed(mapping, max(a["transition_begin"], 0), init)


def _optax_cosine(init: float, steps: float, floor: float, exponent: float, c: _Context) -> dict:
    if steps <= 0:
        raise c.fail(f"the cosine decay needs decay_steps > 0 (received {steps!r})")
    return {"kind": "cosine", "max_lr": init, "cycle_length": steps, "min_lr": floor, "past_end": "hold",
            "exponent": exponent}


def _after_warmup(mapping: dict, steps: int, init: float, peak: float) -> dict:
    """optax's warmup_* schedules: join([linear_schedule(init, peak, steps), mapping], [steps])."""
    if steps <= 0:
        return mapping
    if "warmup_steps" not in mapping:  # the schedule starts at peak: a warmup prefix rises to it
        return _warm(mapping, steps, init)
    return _phases(peak, [_ramp(init, peak, steps), mapping], [steps])


def _optax_piecewise(init: float, scales: dict | None, c: _Context, interpolation: str = "constant") -> dict:
    items = sorted((scales or {}).items())
    if any(scale < 0 for _, scale in items):
        raise c.fail("the scales must be >= 0")
    if not items:
        return _constant(init)
    factors = [1.0]
    for _, scale in items:
        factors.append(factors[-1] * scale)
    boundaries = [b for b, _ in items]
    if interpolation != "constant" and boundaries[0] < 0:
        raise c.fail(f"boundaries must be >= 0 (received {format_value(boundaries[0])})")
    first = min(0, boundaries[0])  # init_value holds, or the interpolation starts, at t = 0
    return {"kind": "piecewise", "max_lr": init, "knots": [first, *boundaries], "factors": factors,
            "interpolation": interpolation}


def _optax_join(a: dict, c: _Context) -> dict:
    nodes, boundaries = a["schedules"], a["boundaries"]
    if len(boundaries) != len(nodes) - 1:
        raise c.fail(f"needs one boundary fewer than schedules (received {len(nodes)} schedules, "
                     f"{len(boundaries)} boundaries)")
    _increasing(c, boundaries)
    if boundaries and boundaries[0] < 0:
        raise c.fail(f"boundaries must be >= 0 (received {boundaries[0]})")
    pieces = [c.nested().translate(node) for node in nodes]
    lengths = [b - a for a, b in zip([0, *boundaries], boundaries)]
    top = max(p.get("max_lr", 1.0) for p in pieces)
    return _phases(top, pieces, lengths) if len(pieces) > 1 else pieces[0]


def _optax_sgdr(a: dict, c: _Context) -> dict:
    ctor = OPTAX["warmup_cosine_decay_schedule"]
    names = [arg.name for arg in ctor.args]
    pieces, lengths = [], []
    for i, kwargs in enumerate(a["cosine_kwargs"]):
        here = f"{c.where} cycle {i + 1}"
        for key in kwargs:
            if key not in names:
                hint = did_you_mean(key, names)
                raise SpecError(f"{here}: unknown argument {format_value(key)}{hint} accepted: "
                                f"{', '.join(names)}" if hint else
                                f"{here}: unknown argument {format_value(key)}; accepted: {', '.join(names)}")
        values = {}
        for arg in ctor.args:
            if arg.name in kwargs:
                values[arg.name] = _check(arg, kwargs[arg.name], here)
            elif arg.default is REQUIRED:
                raise SpecError(f"{here}: missing required argument {arg.name}")
            else:
                values[arg.name] = arg.default
        pieces.append(ctor.build(values, c))
        lengths.append(values["decay_steps"])
    if not pieces:
        raise c.fail("needs at least one cycle")
    return _phases(max(p["max_lr"] for p in pieces), pieces, lengths[:-1]) if len(pieces) > 1 else pieces[0]


def _optax_onecycle(a: dict, c: _Context, interpolation: str) -> dict:
    """optax's linear_onecycle_schedule / cosine_onecycle_schedule: a piecewise interpolation."""
    steps, div, final = a["transition_steps"], a["div_factor"], a["final_div_factor"]
    if steps <= 0:
        raise c.fail(f"transition_steps must be > 0 (received {steps})")
    if interpolation == "linear":
        scales = {int(a["pct_start"] * steps): div, int(a["pct_final"] * steps): 1.0 / div, steps: 1.0 / final}
    else:
        scales = {int(a["pct_start"] * steps): div, int(steps): 1.0 / (div * final)}
    return _optax_piecewise(a["peak_value"] / div, scales, c, interpolation)


OPTAX = {
    "constant_schedule": Ctor((Arg("value", "number"),), lambda a, c: _constant(a["value"])),
    "polynomial_schedule": Ctor(
        (Arg("init_value", "number"), Arg("end_value", "number"), Arg("power", "number"),
         Arg("transition_steps", "int"), Arg("transition_begin", "int", 0)),
        lambda a, c: _optax_polynomial(a["init_value"], a["end_value"], a["power"], a["transition_steps"],
                                       a["transition_begin"], c)),
    "linear_schedule": Ctor(
        (Arg("init_value", "number"), Arg("end_value", "number"), Arg("transition_steps", "int"),
         Arg("transition_begin", "int", 0)),
        lambda a, c: _optax_polynomial(a["init_value"], a["end_value"], 1, a["transition_steps"],
                                       a["transition_begin"], c)),
    "piecewise_constant_schedule": Ctor(
        (Arg("init_value", "number"), Arg("boundaries_and_scales", "scales", None)),
        lambda a, c: _optax_piecewise(a["init_value"], a["boundaries_and_scales"], c)),
    "exponential_decay": Ctor(
        (Arg("init_value", "number"), Arg("transition_steps", "number"), Arg("decay_rate", "number"),
         Arg("transition_begin", "int", 0), Arg("staircase", "bool", False), Arg("end_value", "number", None)),
        _optax_exponential),
    "cosine_decay_schedule": Ctor(
        (Arg("init_value", "number"), Arg("decay_steps", "number"), Arg("alpha", "number", 0.0),
         Arg("exponent", "number", 1.0)),
        lambda a, c: _optax_cosine(a["init_value"], a["decay_steps"], a["alpha"] * a["init_value"],
                                   a["exponent"], c)),
    "warmup_cosine_decay_schedule": Ctor(
        (Arg("init_value", "number"), Arg("peak_value", "number"), Arg("warmup_steps", "int"),
         Arg("decay_steps", "int"), Arg("end_value", "number", 0.0), Arg("exponent", "number", 1.0)),
        lambda a, c: _after_warmup(_optax_cosine(a["peak_value"], a["decay_steps"] - a["warmup_steps"],
                                                 a["end_value"], a["exponent"], c),
                                   a["warmup_steps"], a["init_value"], a["peak_value"])),
    "warmup_exponential_decay_schedule": Ctor(
        (Arg("init_value", "number"), Arg("peak_value", "number"), Arg("warmup_steps", "int"),
         Arg("transition_steps", "number"), Arg("decay_rate", "number"), Arg("transition_begin", "int", 0),
         Arg("staircase", "bool", False), Arg("end_value", "number", None)),
        lambda a, c: _after_warmup(_optax_exponential(dict(a, init_value=a["peak_value"]), c),
                                   a["warmup_steps"], a["init_value"], a["peak_value"])),
    "warmup_constant_schedule": Ctor(
        (Arg("init_value", "number"), Arg("peak_value", "number"), Arg("warmup_steps", "int")),
        lambda a, c: _after_warmup(_constant(a["peak_value"]), a["warmup_steps"], a["init_value"],
                                   a["peak_value"])),
    "piecewise_interpolate_schedule": Ctor(
        (Arg("interpolate_type", "text", REQUIRED, ("linear", "cosine")), Arg("init_value", "number"),
         Arg("boundaries_and_scales", "scales", None)),
        lambda a, c: _optax_piecewise(a["init_value"], a["boundaries_and_scales"], c, a["interpolate_type"])),
    "linear_onecycle_schedule": Ctor(
        (Arg("transition_steps", "int"), Arg("peak_value", "number"), Arg("pct_start", "number", 0.3),
         Arg("pct_final", "number", 0.85), Arg("div_factor", "number", 25.0),
         Arg("final_div_factor", "number", 1e4)),
        lambda a, c: _optax_onecycle(a, c, "linear")),
    "cosine_onecycle_schedule": Ctor(
        (Arg("transition_steps", "int"), Arg("peak_value", "number"), Arg("pct_start", "number", 0.3),
         Arg("div_factor", "number", 25.0), Arg("final_div_factor", "number", 1e4)),
        lambda a, c: _optax_onecycle(a, c, "cosine")),
    "join_schedules": Ctor((Arg("schedules", "schedulers"), Arg("boundaries", "ints")), _optax_join),
    "sgdr_schedule": Ctor((Arg("cosine_kwargs", "dicts"),), _optax_sgdr),
}


# -- Keras ------------------------------------------------------------------------------------

def _keras_polynomial(a: dict, c: _Context) -> dict:
    init, end, steps = a["initial_learning_rate"], a["end_learning_rate"], a["decay_steps"]
    if end > init:
        if a["cycle"] or a["power"] != 1:
            raise c.fail("a rising PolynomialDecay (end_learning_rate > initial_learning_rate) needs "
                         "power=1 and cycle=False in lrsched")
        return _ramp(init, end, steps)
    if end == init:
        return _constant(init)
    return {"kind": "polynomial", "max_lr": init, "max_update": steps, "min_lr": end, "power": a["power"],
            "past_end": "stretch" if a["cycle"] else "hold"}


def _keras_piecewise(a: dict, c: _Context) -> dict:
    boundaries, values = a["boundaries"], a["values"]
    if len(values) != len(boundaries) + 1:
        raise c.fail(f"needs one value more than boundaries (received {len(boundaries)} boundaries, "
                     f"{len(values)} values)")
    _increasing(c, boundaries)
    top = max(values)
    if not top > 0:
        raise c.fail(f"needs a value above 0 (received {format_value(values)})")
    if not boundaries:
        return _constant(values[0])
    return {"kind": "piecewise", "max_lr": top, "knots": [min(0, boundaries[0]), *boundaries],
            "factors": [v / top for v in values], "boundary": "after"}


def _keras_cosine(a: dict, c: _Context) -> dict:
    init, steps, alpha, target = (a["initial_learning_rate"], a["decay_steps"], a["alpha"], a["warmup_target"])
    if target is None:  # no warmup, whatever warmup_steps says
        return _optax_cosine(init, steps, alpha * init, 1.0, c)
    return _warm(_optax_cosine(target, steps, alpha * target, 1.0, c), a["warmup_steps"], init)


NAME = Arg("name", "any", None)
KERAS = {
    "ExponentialDecay": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("decay_steps", "number"), Arg("decay_rate", "number"),
         Arg("staircase", "bool", False), NAME),
        lambda a, c: {"kind": "exponential", "max_lr": a["initial_learning_rate"], "gamma": a["decay_rate"],
                      "decay_steps": a["decay_steps"], "staircase": a["staircase"]}),
    "PiecewiseConstantDecay": Ctor((Arg("boundaries", "numbers"), Arg("values", "numbers"), NAME),
                                   _keras_piecewise),
    "PolynomialDecay": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("decay_steps", "int"),
         Arg("end_learning_rate", "number", 1e-4), Arg("power", "number", 1.0), Arg("cycle", "bool", False), NAME),
        _keras_polynomial),
    "InverseTimeDecay": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("decay_steps", "number"), Arg("decay_rate", "number"),
         Arg("staircase", "bool", False), NAME),
        lambda a, c: {"kind": "inverse_time", "max_lr": a["initial_learning_rate"],
                      "decay_rate": a["decay_rate"], "decay_steps": a["decay_steps"], "staircase": a["staircase"]}),
    "CosineDecay": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("decay_steps", "number"), Arg("alpha", "number", 0.0),
         NAME, Arg("warmup_target", "number", None), Arg("warmup_steps", "int", 0)), _keras_cosine),
    "CosineDecayRestarts": Ctor(
        (Arg("initial_learning_rate", "number"), Arg("first_decay_steps", "number"),
         Arg("t_mul", "number", 2.0), Arg("m_mul", "number", 1.0), Arg("alpha", "number", 0.0), NAME),
        lambda a, c: {"kind": "cosine_restarts", "max_lr": a["initial_learning_rate"],
                      "cycle_length": a["first_decay_steps"], "cycle_mult": a["t_mul"],
                      "cycle_decay": a["m_mul"], "min_lr": a["alpha"] * a["initial_learning_rate"],
                      "cycle_decay_on": "amplitude"}),
}

TABLES: Mapping[str, Mapping[str, Ctor]] = {"torch": TORCH, "hf": HF, "optax": OPTAX, "keras": KERAS,
                                            "timm": TIMM}
