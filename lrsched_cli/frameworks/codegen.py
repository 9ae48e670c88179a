"""Code generation: a runnable Python snippet that rebuilds a schedule in another framework.

`snippet(schedule, target, steps)` returns the source of a complete snippet for a registered
framework that can be written (`TARGETS`: PyTorch, Hugging Face transformers, optax, Keras 3). Every
snippet builds the schedule with the framework's own classes where one of them computes
exactly lrsched's values, and with a closed-form function where none does (a `LambdaLR`, a
plain optax schedule function, a Keras `LearningRateSchedule` subclass). It ends with
`lrsched_values(steps)`, which reads lr(t) for t = 0 .. steps-1 back from the framework, so
the snippet can be checked against `core.evaluate`.

Time model (as in `core`): lr(t) is the learning rate after t calls of PyTorch's
`scheduler.step()`; optax and Keras schedules are called with the 0-based update count t.

A schedule that a framework cannot express raises `CodegenError` with a one-line reason. A kind
or a parameter value this module does not know (a kind added later) is exported as a table of
lrsched's own values for the exported steps, with a comment saying so.

This module holds what the writers share (literals and layout, the schedule as pieces on one
clock, closed forms in three dialects, snippet assembly); each framework module writes its own
classes (its `Framework.write`). It imports neither the frameworks nor anything heavy, and never
prints.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..errors import ExprError, SpecError, UsageError
from .base import REGISTRY, Names, Reads, _ignored, _plain
from .closed_form import ClosedForm, TraceError, trace

if TYPE_CHECKING:
    from ..core.engine import Schedule

__all__ = ["MAX_EMBEDDED", "TARGETS", "CodegenError", "snippet"]

#: The frameworks a schedule can be written to (`--to`).
TARGETS = Names(lambda fw: fw.write)

#: At most this many values (a plateau's metric, a table) are written into a snippet.
MAX_EMBEDDED = 10_000
#: sgdr_schedule joins one schedule per cycle; past this many the optax export uses a function.
MAX_SGDR_CYCLES = 1_000
LINE = 79  # PEP 8


class CodegenError(UsageError):
    """The target framework cannot express the schedule (one line saying why)."""


class _Unsupported(Exception):
    """No writer computes the schedule (a kind without a closed form): export a table instead."""


# -- literals and layout ----------------------------------------------------------------------

def _lit(value: Any) -> str:
    """A Python literal that reads back as exactly `value`."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CodegenError(f"the value {value} is not finite")
        return repr(float(value))
    if isinstance(value, str):
        simple = value.isprintable() and '"' not in value and "\\" not in value
        return f'"{value}"' if simple else repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in value.items()) + "}"
    return repr(float(value))  # numpy scalars


def _call(func: str, args: list[str], indent: int = 0) -> str:
    """`func(a, b=c)` on one line; `_wrap` splits it when the snippet is laid out."""
    return f"{' ' * indent}{func}({', '.join(args)})"


_OPEN, _CLOSE = "([{", ")]}"


def _code_chars(line: str, comments: bool = True):
    """(position, character) of each character outside string literals; up to a `#` comment
    unless `comments` is False."""
    quote, i = "", 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        else:
            yield i, char
            if char == "#" and comments:
                return
        i += 1


def _brackets(line: str) -> dict[int, int]:
    """Position of each opening bracket -> its closing bracket, outside string literals."""
    pairs, stack = {}, []
    for i, char in _code_chars(line):
        if char in _OPEN:
            stack.append(i)
        elif char in _CLOSE and stack:
            pairs[stack.pop()] = i
    return pairs


def _comment_at(line: str) -> int:
    """Where a `#` comment starts (outside strings), or -1."""
    return next((i for i, char in _code_chars(line) if char == "#"), -1)


def _split_top(text: str) -> list[str]:
    """Split at the commas that are not inside brackets or strings."""
    parts, depth, start = [], 0, 0
    for i, char in _code_chars(text, comments=False):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _wrap(line: str) -> list[str]:
    """A line longer than LINE with its call or display split one argument per line."""
    if len(line) <= LINE:
        return [line]
    indent = len(line) - len(line.lstrip())
    if line.lstrip().startswith("# "):
        return _comment(line.lstrip()[2:], indent)
    at = _comment_at(line)
    if at > 0:  # a trailing comment goes above the line
        return _comment(line[at:].lstrip("# "), indent) + _wrap(line[:at].rstrip())
    for i, j in sorted(_brackets(line).items()):
        tail = line[j + 1:]
        if tail.strip() not in ("", ",", ":", "):", "),") or j == i + 1:
            continue
        if line[i] == "[" and i and (line[i - 1].isalnum() or line[i - 1] in "_)]"):
            continue  # a subscript: a trailing comma would make it a tuple
        args = _split_top(line[i + 1:j])
        if not args:
            continue
        call = line[i] == "(" and i and (line[i - 1].isalnum() or line[i - 1] in "_)]")
        # `(x,)` would be a tuple and `f(x for x in y,)` a syntax error: no comma after those
        comma = "" if len(args) == 1 and (" for " in args[0] or (line[i] == "(" and not call)) else ","
        lines = [line[:i + 1]]
        lines += [f"{' ' * (indent + 4)}{arg}," for arg in args[:-1]]
        lines.append(f"{' ' * (indent + 4)}{args[-1]}{comma}")
        lines.append(" " * indent + line[j:])
        return [piece for ln in lines for piece in _wrap(ln)]
    return [line]


def _layout(text: str) -> str:
    return "\n".join(piece for line in text.split("\n") for piece in _wrap(line))


def _reindent(text: str, indent: int) -> str:
    """Indent the continuation lines of a multi-line expression by `indent` more spaces."""
    return text.replace("\n", "\n" + " " * indent)


def _kw(name: str, value: Any) -> str:
    return f"{name}={value if isinstance(value, _Code) else _lit(value)}"


class _Code(str):
    """Source text to be written as is (not as a literal)."""


def _list_block(name: str, values: list, indent: int = 0, comment: str = "") -> list[str]:
    """`name = [...]` wrapped at the line width; literals exact."""
    pad = " " * indent
    items = [_lit(v) for v in values]
    one = f"{pad}{name} = [{', '.join(items)}]"
    lines = [f"{pad}# {comment}"] if comment else []
    if len(one) <= LINE:
        return lines + [one]
    lines.append(f"{pad}{name} = [")
    row = pad + "    "
    for item in items:
        piece = item + ","
        if len(row) + len(piece) + 1 > LINE and row.strip():
            lines.append(row.rstrip())
            row = pad + "    "
        row += piece + " "
    if row.strip():
        lines.append(row.rstrip())
    lines.append(f"{pad}]")
    return lines


def _comment(text: str, indent: int = 0) -> list[str]:
    """A comment wrapped at the line width."""
    pad = " " * indent + "# "
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(pad) + len(line) + 1 + len(word) > LINE:
            lines.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(pad + line)
    return lines


def _docstring(text: str, indent: int = 4, details: str = "") -> list[str]:
    """A docstring: a one-line summary, then `details` wrapped at the line width."""
    pad = " " * indent

    def clean(words: str) -> str:
        return words.replace("\\", "\\\\").replace(QUOTES, "'" * 3)

    text, details = clean(text), clean(details)
    if not details and len(pad) + len(text) + 6 <= LINE:
        return [f"{pad}{QUOTES}{text}{QUOTES}"]
    lines = [f"{pad}{QUOTES}{text}"]
    if len(lines[0]) > LINE:
        lines = [f"{pad}{QUOTES}"] + [ln.replace("# ", "", 1) for ln in _comment(text, indent)]
    if details:
        lines += [""] + [ln.replace("# ", "", 1) for ln in _comment(details, indent)]
    return lines + [f"{pad}{QUOTES}"]


QUOTES = '"' * 3


# -- the schedule as pieces on one clock ------------------------------------------------------

@dataclass
class _Piece:
    """A part of the schedule that starts at `offset` on the exported clock and runs on its own
    clock: a warmup ramp, or one kind's own formula (a sequence is flattened into its phases)."""

    kind: str  # "warmup" or "own"
    schedule: Schedule
    offset: int
    length: int | None = None  # steps it covers; None = open (the last piece)
    start: float = 0.0  # warmup only
    target: float = 0.0
    shape: str = "linear"
    name: str = ""
    params: dict = field(default_factory=dict)
    shift: int = 0  # own clock at the piece's start (a warmup overlaying the schedule's clock)

    @property
    def warmup(self) -> bool:
        return self.kind == "warmup"


def _first_value(schedule: Schedule) -> float:
    """The schedule's own value at the end of its warmup: where the warmup ramp ends."""
    warmup = schedule.params["warmup_steps"]
    from ..core.engine import evaluate  # numpy: only when writing

    try:
        return float(evaluate(_plain(schedule), warmup + 1)[warmup])
    except (SpecError, ExprError) as exc:
        raise CodegenError(str(exc)) from None


def _flatten(schedule: Schedule, offset: int = 0) -> list[_Piece]:
    p = schedule.params
    warmup = p["warmup_steps"]
    pieces: list[_Piece] = []
    overlay = bool(warmup) and p["warmup_mode"] == "overlay"  # the own clock runs through the warmup
    if warmup:
        target = p["max_lr"] if p["warmup_target"] == "max_lr" else _first_value(schedule)
        pieces.append(_Piece("warmup", schedule, offset, warmup, start=p["warmup_start_lr"],
                             target=target, shape=p["warmup_shape"], params=p))
    if schedule.kind.name == "sequence":
        if overlay:
            raise _Unsupported("a sequence with warmup_mode: overlay has no writer")
        start = offset + warmup
        for i, phase in enumerate(schedule.phases):
            last = i == len(schedule.phases) - 1
            if not last and not phase.steps:
                continue  # zero-length phases are skipped, as in PyTorch's SequentialLR
            parts = _flatten(phase, start)
            if not last:
                parts[-1].length = start + phase.steps - parts[-1].offset
                start += phase.steps
            pieces += parts
    else:
        pieces.append(_Piece("own", schedule, offset + warmup, None, params=p, shift=warmup if overlay else 0))
    for i, piece in enumerate(pieces[:-1]):
        if piece.length is None:
            piece.length = pieces[i + 1].offset - piece.offset
    return pieces


def _name_pieces(pieces: list[_Piece], suffix: str) -> None:
    """Give every piece a unique function name such as `warmup_lr` or `cosine_lr_2`."""
    base = [("warmup" if pc.warmup else pc.schedule.kind.name) for pc in pieces]
    for i, (piece, stem) in enumerate(zip(pieces, base)):
        piece.name = f"{stem}_{suffix}" + (f"_{i + 1}" if base.count(stem) > 1 else "")


def _describe_piece(piece: _Piece) -> str:
    if piece.warmup:
        return (f"{piece.shape} warmup from {_lit(piece.start)} to {_lit(piece.target)} over "
                f"{piece.length} steps")
    return piece.schedule.kind.name


def _formula(piece: _Piece) -> str:
    if piece.warmup:
        return ""
    s = piece.schedule
    if s.kind.name == "expr":
        return f"lr(t) = {s.params['expr']}"
    return s.kind.formula


# -- closed forms in three dialects -----------------------------------------------------------

_FUNCS = {  # lrsched expr function -> (math, jnp, keras.ops)
    "log": ("math.log", "jnp.log", "ops.log"),
    "log2": ("math.log2", "jnp.log2", "ops.log2"),
    "log10": ("math.log10", "jnp.log10", "ops.log10"),
    "log1p": ("math.log1p", "jnp.log1p", "ops.log1p"),
    "exp": ("math.exp", "jnp.exp", "ops.exp"),
    "expm1": ("math.expm1", "jnp.expm1", "ops.expm1"),
    "sqrt": ("math.sqrt", "jnp.sqrt", "ops.sqrt"),
    "cos": ("math.cos", "jnp.cos", "ops.cos"),
    "sin": ("math.sin", "jnp.sin", "ops.sin"),
    "tan": ("math.tan", "jnp.tan", "ops.tan"),
    "cosh": ("math.cosh", "jnp.cosh", "ops.cosh"),
    "sinh": ("math.sinh", "jnp.sinh", "ops.sinh"),
    "tanh": ("math.tanh", "jnp.tanh", "ops.tanh"),
    "arccos": ("math.acos", "jnp.arccos", "ops.arccos"),
    "acos": ("math.acos", "jnp.arccos", "ops.arccos"),
    "arcsin": ("math.asin", "jnp.arcsin", "ops.arcsin"),
    "asin": ("math.asin", "jnp.arcsin", "ops.arcsin"),
    "arctan": ("math.atan", "jnp.arctan", "ops.arctan"),
    "atan": ("math.atan", "jnp.arctan", "ops.arctan"),
    "abs": ("abs", "jnp.abs", "ops.abs"),
    "floor": ("math.floor", "jnp.floor", "ops.floor"),
    "ceil": ("math.ceil", "jnp.ceil", "ops.ceil"),
    "round": ("round", "jnp.round", "ops.round"),
}


class _Dialect:
    """How closed forms are written: `math` (scalars, for LambdaLR), `jnp` (optax) or `keras`
    (keras.ops); the jnp and keras forms are vectorised (no Python branching on t)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.index = ("math", "jnp", "keras").index(name)
        self.mod = ("math", "jnp", "ops")[self.index]

    @property
    def scalar(self) -> bool:
        return self.name == "math"

    @property
    def arg(self) -> str:
        return ("t", "count", "step")[self.index]

    def head(self) -> str:
        """First line of a function: the argument as a float t."""
        if self.name == "math":
            return "t = float(t)"
        if self.name == "jnp":
            return "t = jnp.asarray(count, dtype=float)"
        return "t = ops.cast(step, keras.config.floatx())"

    @property
    def pi(self) -> str:
        return "jnp.pi" if self.name == "jnp" else "math.pi"

    @property
    def e(self) -> str:
        return "jnp.e" if self.name == "jnp" else "math.e"

    def f(self, func: str, *args: str) -> str:
        return f"{_FUNCS[func][self.index]}({', '.join(args)})"

    def minimum(self, a: str, b: str) -> str:
        return f"min({a}, {b})" if self.scalar else f"{self.mod}.minimum({a}, {b})"

    def maximum(self, a: str, b: str) -> str:
        return f"max({a}, {b})" if self.scalar else f"{self.mod}.maximum({a}, {b})"

    def clip(self, x: str, low: str, high: str) -> str:
        return self.minimum(self.maximum(x, low), high)

    def where(self, cond: str, a: str, b: str) -> str:
        return f"({a} if {cond} else {b})" if self.scalar else f"{self.mod}.where({cond}, {a}, {b})"

    def full(self, value: str) -> str:
        """A constant with t's shape."""
        return value if self.scalar else f"{self.mod}.full_like(t, {value})"


def _consts(**values: Any) -> list[str]:
    return [f"{name} = {_lit(value)}" for name, value in values.items()]


def _own_body(schedule: Schedule, d: _Dialect, horizon: int) -> list[str]:
    """Body lines computing the kind's own lr from the float `t` (the schedule's own clock): the
    kind's closed form, read from its definition; a hand-written form where the definition
    cannot be read as one; else _Unsupported."""
    name = schedule.kind.name
    if name == "expr":
        return _expr_body(schedule, d)
    if schedule.metric is not None:
        raise _Unsupported(f"lrsched has no writer for {name}, which follows a metric")
    try:
        return _formula_lines(closed_form(schedule, horizon), d)
    except TraceError as exc:
        why = str(exc)
    hand = _HAND_WRITTEN.get(name)
    if hand is None:
        raise _Unsupported(f"lrsched cannot write kind '{name}' as code ({why})")
    params = Reads(schedule.params)
    lines = hand(params, d, horizon)
    ignored = _ignored(schedule, params.read)
    if ignored:
        raise _Unsupported(f"lrsched cannot write {name} with {ignored} as code ({why})")
    return lines


def closed_form(schedule: Schedule, horizon: int) -> ClosedForm:
    """The kind's closed form, checked against its own values over the horizon."""
    kind = schedule.kind
    form = trace(kind.closed_form or kind.evaluate, dict.copy(schedule.params))
    count = max(1, min(horizon, 100_000))
    source = _function("f", "", _formula_lines(form, _Dialect("jnp")), _Dialect("jnp"))
    import numpy

    space: dict = {"jnp": numpy}
    try:
        exec(compile(source, "<closed form>", "exec"), space)  # noqa: S102 - our own generated code
        with numpy.errstate(all="ignore"):
            traced = numpy.asarray(space["f"](numpy.arange(count, dtype=float)), dtype=float)
            expected = schedule.kind.evaluate(numpy.arange(count, dtype=float), dict.copy(schedule.params))
    except (ArithmeticError, ValueError, TypeError, SpecError, ExprError, CodegenError) as exc:
        raise TraceError(f"the closed form cannot be checked: {exc}") from None
    if traced.shape != expected.shape or not numpy.allclose(traced, expected, rtol=1e-13, atol=0.0):
        raise TraceError("the closed form read from the definition does not give its values")
    return form


def _formula_lines(form: ClosedForm, d: _Dialect) -> list[str]:
    """`name = value` for the parameters a closed form names, its named parts, `return formula`."""
    lines = _consts(**form.constants)
    keep, with_t = set(form.constants), set()
    for name, node in form.steps:
        translator = _ExprTranslator(d, {}, _TARGET_OF[d.name], keep, with_t)
        text = _pretty(ast.fix_missing_locations(translator.visit(node)), 4 + len(name) + 3)
        lines.append(f"{name} = {text}")
        keep.add(name)
        if translator.uses_t:
            with_t.add(name)
    return lines + _return(form.formula, keep, d, {}, with_t=with_t)


def _multistep_body(p: dict, d: _Dialect, horizon: int) -> list[str]:
    milestones = sorted(float(m) for m in p["milestones"])
    lines = _consts(max_lr=p["max_lr"], gamma=p["gamma"])
    lines += _list_block("milestones", milestones)
    if d.scalar:
        lines.append("count = sum(1 for milestone in milestones if milestone <= t)")
    elif d.name == "jnp":
        lines.append('count = jnp.searchsorted(jnp.asarray(milestones), t, side="right")')
    else:
        lines += ["milestones = ops.convert_to_tensor(milestones, dtype=t.dtype)",
                  'count = ops.cast(ops.searchsorted(milestones, t, side="right"), t.dtype)']
    return lines + ["return max_lr * gamma ** count  # gamma once per milestone <= t"]


def _decay_every(schedule: Schedule) -> tuple[int | float, bool, float | None]:
    """(steps per factor gamma, staircase, end_lr) of a step or exponential schedule."""
    p = schedule.params
    if schedule.kind.name == "step":
        return p["step_size"], True, None
    every = float(p.get("decay_steps", 1.0))
    return (int(every) if every.is_integer() else every), bool(p.get("staircase")), p.get("end_lr")


def _restarts_body(p: dict, d: _Dialect, horizon: int) -> list[str]:
    lines = _consts(max_lr=p["max_lr"], min_lr=p["min_lr"], cycle_length=p["cycle_length"])
    mult = p["cycle_mult"]
    if mult == 1.0:
        lines += [f"index = {d.f('floor', 't / cycle_length')}  # the cycle t is in",
                  "t_cur = t - index * cycle_length",
                  "t_i = cycle_length"]
    elif d.scalar:
        lines += _consts(cycle_mult=mult) + [
            "start, t_i, index = 0.0, cycle_length, 0  # cycle `index` starts at `start`",
            "while start + t_i <= t:",
            "    start += t_i",
            "    t_i *= cycle_mult",
            "    index += 1",
            "t_cur = t - start"]
    else:
        lines.append(f"# cycles are listed up to step {horizon}, the exported horizon: raise it "
                     "for a longer run")
        lines += [f"starts, lengths = restart_cycles(cycle_length, {_lit(mult)}, {horizon})"]
        if d.name == "jnp":
            lines += ["starts, lengths = jnp.asarray(starts), jnp.asarray(lengths)",
                      "index = jnp.searchsorted(starts, t, side=\"right\") - 1",
                      "t_cur = t - starts[index]",
                      "t_i = lengths[index]"]
        else:
            lines += ["starts = ops.convert_to_tensor(starts, dtype=t.dtype)",
                      "lengths = ops.convert_to_tensor(lengths, dtype=t.dtype)",
                      "index = ops.searchsorted(starts, t, side=\"right\") - 1",
                      "t_cur = t - ops.take(starts, index)",
                      "t_i = ops.take(lengths, index)",
                      "index = ops.cast(index, t.dtype)"]
    if p["cycle_decay"] != 1.0:
        lines += _consts(cycle_decay=p["cycle_decay"]) + ["peak = max_lr * cycle_decay ** index"]
    else:
        lines.append("peak = max_lr")
    lines += [f"cosine = {d.f('cos', f't_cur * {d.pi} / t_i')}",
              "lr = min_lr + (cosine + 1.0) * ((peak - min_lr) / 2.0)"]
    if p["cycle_limit"] is not None:
        lines += _consts(cycle_limit=p["cycle_limit"])
        if d.scalar:
            lines += ["if index >= cycle_limit:  # hold min_lr after the last cycle",
                      "    return min_lr"]
        else:
            lines.append(f"lr = {d.where('index >= cycle_limit', 'min_lr', 'lr')}  # hold after")
    return lines + ["return lr"]


RESTART_CYCLES = '''\
def restart_cycles(cycle_length, cycle_mult, end):
    """Start and length of each restart cycle that starts before `end`."""
    starts, lengths = [0.0], [cycle_length]
    while starts[-1] + lengths[-1] <= end:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * cycle_mult)
    return starts, lengths'''


#: Kinds whose definition cannot be read as a closed form (it lists restart cycles up to the
#: horizon, or indexes levels by milestone): their form, written by hand and checked against
#: the kind by the execution tests.
_HAND_WRITTEN: dict[str, Callable[[dict, _Dialect, int], list[str]]] = {
    "multistep": _multistep_body,
    "cosine_restarts": _restarts_body,
}


def _warmup_body(piece: _Piece, d: _Dialect) -> list[str]:
    """The warmup ramp, read from the engine's own definition of the warmup."""
    from ..core.engine import _warmup

    params = {"warmup_steps": piece.length, "warmup_start_lr": piece.start, "warmup_shape": piece.shape,
              "target": piece.target}
    form = trace(lambda t, p: _warmup(t, p["warmup_steps"], p, p["target"]), params)
    return _formula_lines(form, d)


def _function(name: str, doc: str, body: list[str], d: _Dialect, details: str = "") -> str:
    lines = [f"def {name}({d.arg}):"]
    lines += _docstring(doc, details=details)
    lines += ["    " + d.head()]
    lines += ["    " + line if line else "" for line in body]
    return "\n".join(lines)


def _piece_function(piece: _Piece, d: _Dialect, horizon: int) -> str:
    body = _warmup_body(piece, d) if piece.warmup else _own_body(piece.schedule, d, horizon + piece.shift)
    if piece.shift:
        body = [f"t = t + {piece.shift}  # the schedule's clock ran through the warmup"] + body
    clock = "" if piece.warmup else ", t on its own clock"
    return _function(piece.name, f"lr(t) of the {_describe_piece(piece)}{clock}.", body, d,
                     details=_formula(piece))


def _math_compose(name: str, pieces: list[_Piece], doc: str) -> str:
    """A scalar function choosing the piece that covers t (on the piece's own clock)."""
    lines = [f"def {name}(t):"] + _docstring(doc)
    for piece in pieces[:-1]:
        end = piece.offset + piece.length
        shift = f"t - {piece.offset}" if piece.offset else "t"
        lines += [f"    if t < {end}:", f"        return {piece.name}({shift})"]
    last = pieces[-1]
    shift = f"t - {last.offset}" if last.offset else "t"
    lines.append(f"    return {last.name}({shift})")
    return "\n".join(lines)


def python_function(out: _Snippet, pieces: list[_Piece], steps: int, name: str = "lr_at") -> str:
    """Add to `out` a plain Python function `name(t)` computing the whole schedule (its pieces,
    flattened and named) in closed form; return its name. Any framework that takes a function
    of the step can be written with it."""
    d = _Dialect("math")
    if len(pieces) == 1:
        pieces[0].name = name
        out.blocks.append(_piece_function(pieces[0], d, steps))
        return name
    for piece in pieces:
        out.blocks.append(_piece_function(piece, d, steps))
    out.blocks.append(_math_compose(name, pieces, "lr(t) of the whole schedule."))
    return name


# -- expr formulas ----------------------------------------------------------------------------

def _expr_env(p: dict) -> dict[str, float]:
    from ..core.kinds import WARMUP_PARAMS

    warmup = {param.name for param in WARMUP_PARAMS}
    return {k: v for k, v in p.items() if isinstance(v, float) and k not in warmup}


class _ExprTranslator(ast.NodeTransformer):
    """Rewrite a checked lrsched formula (numpy semantics, float64 numbers) for one dialect."""

    def __init__(self, d: _Dialect, env: dict[str, float], target: str, keep: set[str] = frozenset(),
                 with_t: set[str] = frozenset()) -> None:
        self.d = d
        self.env = env
        self.target = target
        self.keep = keep  # names written as names (defined above the formula)
        self.with_t = with_t  # those of them that depend on t
        self.uses_t = False

    def expr(self, text: str) -> ast.AST:
        return ast.parse(text, mode="eval").body

    def number(self, value: float) -> ast.AST:
        node = ast.Constant(abs(float(value)))
        return ast.UnaryOp(ast.USub(), node) if math.copysign(1.0, value) < 0 else node

    def as_float(self, cond: ast.AST) -> ast.AST:
        """A boolean as 1.0 / 0.0, as lrsched's comparisons give (remembering the boolean)."""
        if self.d.scalar:
            node = ast.Call(ast.Name("float"), [cond], [])
        else:
            node = self.call(f"{self.d.mod}.where", [cond, ast.Constant(1.0), ast.Constant(0.0)])
        node.lrsched_bool = cond
        return node

    def call(self, dotted: str, args: list[ast.AST]) -> ast.AST:
        parts = dotted.split(".")
        func: ast.AST = ast.Name(parts[0])
        for attr in parts[1:]:
            func = ast.Attribute(func, attr)
        return ast.Call(func, args, [])

    def nonzero(self, node: ast.AST) -> ast.AST:
        """`node` as a condition, as lrsched's `where` and logic read it (nonzero is true)."""
        cond = getattr(node, "lrsched_bool", None)
        return cond if cond is not None else ast.Compare(node, [ast.NotEq()], [ast.Constant(0.0)])

    def refuse(self, what: str) -> CodegenError:
        return CodegenError(f"expr: cannot translate {what} to {REGISTRY[self.target].full_title}")

    def generic_visit(self, node: ast.AST) -> ast.AST:
        raise self.refuse(f"'{type(node).__name__}'")

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise self.refuse(f"the literal {node.value!r}")
        return self.number(float(node.value))

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == "t":
            self.uses_t = True
            return ast.Name("t")
        if node.id in self.keep:
            self.uses_t = self.uses_t or node.id in self.with_t
            return ast.Name(node.id)
        if node.id in self.env:
            return self.number(self.env[node.id])
        if node.id == "pi":
            return self.expr(self.d.pi)
        if node.id == "e":
            return self.expr(self.d.e)
        raise self.refuse(f"the name '{node.id}'")

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        operand = self.visit(node.operand)
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            return ast.UnaryOp(node.op, operand)
        if isinstance(node.op, ast.Not):
            cond = self.nonzero(operand)
            if self.d.scalar:
                return self.as_float(ast.UnaryOp(ast.Not(), cond))
            return self.as_float(self.call(f"{self.d.mod}.logical_not", [cond]))
        raise self.refuse(f"the operator {type(node.op).__name__}")

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if not isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
                                    ast.Pow)):
            raise self.refuse(f"the operator {type(node.op).__name__}")
        return ast.BinOp(self.visit(node.left), node.op, self.visit(node.right))

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        for op in node.ops:
            if not isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)):
                raise self.refuse(f"the comparison {type(op).__name__}")
        values = [self.visit(node.left)] + [self.visit(c) for c in node.comparators]
        if self.d.scalar or len(node.ops) == 1:
            return self.as_float(ast.Compare(values[0], list(node.ops), values[1:]))
        pairs = [ast.Compare(values[i], [op], [values[i + 1]]) for i, op in enumerate(node.ops)]
        out = pairs[0]
        for pair in pairs[1:]:
            out = self.call(f"{self.d.mod}.logical_and", [out, pair])
        return self.as_float(out)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        values = [self.nonzero(self.visit(v)) for v in node.values]
        if self.d.scalar:
            return self.as_float(ast.BoolOp(node.op, values))
        func = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        out = values[0]
        for value in values[1:]:
            out = self.call(f"{self.d.mod}.{func}", [out, value])
        return self.as_float(out)

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        return self.where(self.visit(node.test), self.visit(node.body), self.visit(node.orelse))

    def where(self, cond: ast.AST, a: ast.AST, b: ast.AST) -> ast.AST:
        if self.d.scalar:
            return ast.IfExp(self.nonzero(cond), a, b)
        return self.call(f"{self.d.mod}.where", [self.nonzero(cond), a, b])

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise self.refuse("this call")
        name = node.func.id
        args = [self.visit(a) for a in node.args]
        d = self.d
        if name in _FUNCS and len(args) == 1:
            return self.call(_FUNCS[name][d.index], args)
        if name in ("minimum", "maximum", "min", "max") and len(args) >= 2:
            if d.scalar:
                return self.call("min" if name.startswith("min") else "max", args)
            func = f"{d.mod}.{'minimum' if name.startswith('min') else 'maximum'}"
            out = args[0]
            for arg in args[1:]:
                out = self.call(func, [out, arg])
            return out
        if name == "where" and len(args) == 3:
            return self.where(*args)
        if name == "clip" and len(args) == 3:
            if d.scalar:
                return self.call("min", [self.call("max", [args[0], args[1]]), args[2]])
            return self.call(f"{d.mod}.clip", args)
        if name == "mod" and len(args) == 2:
            return ast.BinOp(args[0], ast.Mod(), args[1])
        if name == "sign" and len(args) == 1:
            if d.scalar:
                pos = ast.Compare(args[0], [ast.Gt()], [ast.Constant(0.0)])
                neg = ast.Compare(args[0], [ast.Lt()], [ast.Constant(0.0)])
                return ast.Call(ast.Name("float"), [ast.BinOp(pos, ast.Sub(), neg)], [])
            return self.call(f"{d.mod}.sign", args)
        raise self.refuse(f"the function {name}() with {len(args)} argument(s)")


def _expr_body(schedule: Schedule, d: _Dialect, target: str = "") -> list[str]:
    p = schedule.params
    env = _expr_env(p)
    try:
        tree = ast.parse(p["expr"], mode="eval")
    except SyntaxError:  # pragma: no cover - build() already checked the formula
        raise CodegenError(f"expr: cannot parse {p['expr']!r}") from None
    shown = ", ".join(f"{k}={_lit(v)}" for k, v in env.items() if k in _names(tree))
    lines = [f"# with {shown}"] if shown else []
    return lines + _return(tree.body, set(), d, env, target)


def _return(formula: ast.AST, keep: set[str], d: _Dialect, env: dict[str, float], target: str = "",
            with_t: set[str] = frozenset()) -> list[str]:
    """`return <formula>` in the dialect: `keep` names stay names, `env` names become numbers."""
    translator = _ExprTranslator(d, env, target or _TARGET_OF[d.name], keep, with_t)
    node = ast.fix_missing_locations(translator.visit(formula))
    if not translator.uses_t and not d.scalar:
        node = ast.parse(d.full(ast.unparse(node)), mode="eval").body
    return [f"return {_pretty(node, 4 + len('return '))}"]


_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.FloorDiv: 2, ast.Mod: 2,
               ast.Pow: 3}


def _precedence(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return _PRECEDENCE[type(node.op)]
    if isinstance(node, ast.UnaryOp):
        return 2.5 if not isinstance(node.op, ast.Not) else 0
    if isinstance(node, (ast.IfExp, ast.BoolOp, ast.Compare, ast.Lambda)):
        return 0
    return 9


def _pretty(node: ast.AST, column: int, indent: int = 4) -> str:
    """`node` as source, split over lines (inside parentheses) where it does not fit."""
    text = ast.unparse(node)
    if column + len(text) <= LINE:
        return text
    pad, inner = " " * indent, " " * (indent + 4)

    def shown(child: ast.AST, parens: bool) -> str:
        body = _pretty(child, indent + 4 + (2 if parens else 4), indent + 4)
        return f"({body})" if parens and not body.startswith("(") else body

    if isinstance(node, ast.Call) and node.args and not node.keywords:
        args = ",\n".join(inner + _pretty(a, indent + 4, indent + 4) for a in node.args)
        return f"{ast.unparse(node.func)}(\n{args},\n{pad})"
    if isinstance(node, ast.BinOp):
        level = _PRECEDENCE[type(node.op)]
        operands, ops = [node.right], [node.op]
        left = node.left
        while level < 3 and isinstance(left, ast.BinOp) and _PRECEDENCE[type(left.op)] == level:
            operands.insert(0, left.right)
            ops.insert(0, left.op)
            left = left.left
        lines = [inner + shown(left, _precedence(left) < level)]
        for op, operand in zip(ops, operands):
            symbol = ast.unparse(ast.BinOp(ast.Name("a"), op, ast.Name("b")))[2:-2]
            lines.append(f"{inner}{symbol} {shown(operand, _precedence(operand) <= level)}")
        return "(\n" + "\n".join(lines) + f"\n{pad})"
    if isinstance(node, ast.IfExp):
        return (f"(\n{inner}{shown(node.body, True)}\n{inner}if {shown(node.test, True)}\n"
                f"{inner}else {shown(node.orelse, True)}\n{pad})")
    return text


_TARGET_OF = {"math": "torch", "jnp": "optax", "keras": "keras"}


def _names(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


# -- snippet assembly -------------------------------------------------------------------------

@dataclass
class _Snippet:
    target: str
    schedule: Schedule
    steps: int
    imports: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)

    def need(self, line: str) -> None:
        if line not in self.imports:
            self.imports.append(line)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def render(self) -> str:
        s = self.schedule
        head = _comment(f"lrsched schedule {_lit(s.label)} ({s.kind.name}) for "
                        f"{REGISTRY[self.target].full_title}, exported for {self.steps} steps.")
        head += _comment(REGISTRY[self.target].clock)
        for note in self.notes:
            head += _comment(note)
        order = {"math": 0, "jax": 1, "jax.numpy": 1, "keras": 2, "optax": 2, "torch": 2,
                 "transformers": 3}
        stdlib = sorted(i for i in self.imports if i.split()[1].split(".")[0] in ("math",))
        third = sorted((i for i in self.imports if i not in stdlib),
                       key=lambda i: (order.get(i.split()[1], 2), i.split()[1],
                                      i.startswith("from"), i))
        parts = ["\n".join(head)]
        imports = "\n".join(stdlib) + ("\n\n" if stdlib and third else "") + "\n".join(third)
        if imports:
            parts.append(imports)
        text = "\n\n".join(parts)
        for block in self.blocks:
            sep = "\n\n\n" if block.lstrip().startswith(("def ", "class ", "@")) or \
                _prev_is_def(text) else "\n\n"
            text += sep + block
        return _layout(text.rstrip()) + "\n"


def _prev_is_def(text: str) -> bool:
    """Whether the text so far ends inside a function or class (needs two blank lines)."""
    last = [ln for ln in text.splitlines() if ln.strip()]
    return bool(last) and last[-1].startswith((" ", "\t"))


# -- shared by the writers --------------------------------------------------------------------

def _base_lr(schedule: Schedule) -> float:
    value = schedule.params.get("max_lr")
    return float(value) if isinstance(value, float) and value > 0 else 1.0


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=4e-16, abs_tol=0.0)



def _metric_lines(schedule: Schedule, steps: int, target: str) -> list[str]:
    metric = schedule.metric
    needed = steps - 1
    size = 0 if metric is None else int(metric.size)
    if size < needed:
        raise CodegenError(f"{target}: the plateau's metric has {size} values but {steps} steps "
                           f"need {needed} (lr(t) has seen metric[0..t-1]); give more values or "
                           f"export at most {size + 1} steps")
    if needed > MAX_EMBEDDED:
        p = schedule.params
        if p["file"] is not None:
            column = f", {_lit(p['column'])}" if p["column"] is not None else ""
            how = (f"METRIC = read_metric_column({_lit(p['file'])}{column}).tolist() (from "
                   "lrsched_cli.io.files)")
        elif p["metric"] is not None:
            how = ("save it as a CSV file, give it as file: and read it with METRIC = "
                   "read_metric_column(FILE).tolist() (from lrsched_cli.io.files)")
        else:
            how = (f"METRIC = synthetic_loss({size}, {p['seed']}).tolist() (from "
                   "lrsched_cli.core.kinds), or your own validation metric")
        raise CodegenError(f"{target}: the plateau's metric has {needed:,} values to embed, more "
                           f"than {MAX_EMBEDDED:,}; load it in the snippet instead: {how}")
    values = [float(v) for v in metric[:needed]]
    source = ("the monitored metric" if schedule.params["metric"] is not None or
              schedule.params["file"] is not None else
              f"lrsched's synthetic loss curve (seed {schedule.params['seed']})")
    return _list_block("METRIC", values, comment=f"{source}, one value per step: lr(t) has seen "
                                                 "METRIC[0 .. t-1]")



def _finish(out: _Snippet) -> str:
    text = out.render()
    if "math." in text and "import math" not in out.imports:
        out.need("import math")
        text = out.render()
    return text



# -- tables for what this module does not know ------------------------------------------------

def _table(schedule: Schedule, target: str, steps: int, reason: str) -> str:
    if steps > MAX_EMBEDDED:
        raise CodegenError(f"{target}: {reason}, and {steps:,} steps are too many to tabulate "
                           f"(at most {MAX_EMBEDDED:,}); export fewer steps")
    from ..core.engine import evaluate

    try:
        values = [float(v) for v in evaluate(schedule, steps)]
    except (SpecError, ExprError) as exc:
        raise CodegenError(str(exc)) from None
    out = _Snippet(target, schedule, steps)
    out.note(f"{reason}: the values lrsched computes are tabulated for t = 0 .. {steps - 1}, and "
             "the last one is held after that.")
    table = "\n".join(_list_block("VALUES", values))
    REGISTRY[target].write_table(out, schedule, table)
    return _finish(out)


# -- entry point ------------------------------------------------------------------------------

def snippet(schedule: Schedule, target: str, steps: int) -> str:
    """A complete, runnable Python snippet that builds `schedule` in `target` (one of TARGETS)
    and defines `lrsched_values(steps)`, the learning rates it gives for t = 0 .. steps-1.

    Raises CodegenError (one line) when the target cannot express the schedule.
    """
    if target in REGISTRY and target not in TARGETS:
        raise CodegenError(f"{target}: lrsched reads and compares {REGISTRY[target].title} schedulers but "
                           f"does not write them; choose one of: {', '.join(TARGETS)}")
    if target not in TARGETS:
        raise CodegenError(f"unknown target {target!r}; choose one of: {', '.join(TARGETS)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise CodegenError(f"steps must be an integer >= 1 (received {steps!r})")
    try:
        return REGISTRY[target].write(schedule, steps)
    except _Unsupported as why:
        return _table(schedule, target, steps, str(why))
    except CodegenError as exc:
        if str(exc).startswith(f"{target}: "):
            raise
        raise CodegenError(f"{target}: {exc}") from None


def schedule_tail(out, optimizer: str, doc: str = "the schedule called with the update count t") -> None:
    """The closing blocks of a snippet whose `schedule` is a callable of the step: how to use it,
    and `lrsched_values(steps)` reading it back."""
    out.blocks.append(f"# In your training code:\n#     {optimizer}")
    out.blocks.append("\n".join([
        "def lrsched_values(steps):",
        f'    """lr(t), t = 0 .. steps-1: {doc}."""',
        "    return [float(schedule(t)) for t in range(steps)]"]))
