"""A kind's closed form, read from its own numpy definition, for writing it as code.

Each kind computes lr(t) once, in numpy (`Kind.evaluate` in core/kinds.py). To write a kind
to another framework we do not copy that formula: we run the same function with a symbolic `t`
(`Sym`), whose arithmetic and numpy calls record an expression instead of computing one. The
parameters are named constants: a branch on a parameter (`if p["mode"] == "triangular"`) is
taken as in numpy, while everything that depends on t becomes an lrsched `expr` formula
(arithmetic, comparisons, floor, cos, where, clip, ...) that `codegen` emits as `math`, `jnp`
or `keras.ops` code. A definition that branches on t in Python, indexes arrays by t or reads
the horizon cannot be traced; `trace` then raises `TraceError` and the writer falls back to a
hand-written form or a table of values.

The traced formula is checked against the kind's own values before it is used, so a trace
that went wrong can cost a table, never a wrong snippet.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["ClosedForm", "Sym", "TraceError", "trace"]


class TraceError(Exception):
    """The kind's definition cannot be read as a closed form (why, in one line)."""


_BINARY = {"add": ast.Add, "subtract": ast.Sub, "multiply": ast.Mult, "divide": ast.Div,
           "true_divide": ast.Div, "floor_divide": ast.FloorDiv, "power": ast.Pow, "remainder": ast.Mod}
_COMPARE = {"less": ast.Lt, "less_equal": ast.LtE, "greater": ast.Gt, "greater_equal": ast.GtE,
            "equal": ast.Eq, "not_equal": ast.NotEq}
_CALLS = {"cos", "sin", "tan", "tanh", "cosh", "sinh", "exp", "expm1", "log", "log1p", "log2", "log10",
          "sqrt", "floor", "ceil", "minimum", "maximum", "arccos", "arcsin", "arctan", "sign"}
_RENAMED = {"absolute": "abs", "fabs": "abs"}
_NO_VALUE = object()


def _node(x: Any) -> ast.AST:
    """The expression of an operand: a Sym's, or a plain number's literal."""
    if isinstance(x, Sym):
        return x.node
    if isinstance(x, bool):
        return ast.Constant(1.0 if x else 0.0)
    try:
        value = float(x)  # a Python or numpy number, or a 0-d array
    except (TypeError, ValueError):
        raise TraceError(f"a {type(x).__name__} in the formula") from None
    if not math.isfinite(value):
        raise TraceError("a non-finite constant")
    if value in (math.pi, math.e):
        return ast.Name("pi" if value == math.pi else "e")
    node: ast.AST = ast.Constant(abs(value))
    return ast.UnaryOp(ast.USub(), node) if math.copysign(1.0, value) < 0 else node


def _value(x: Any) -> Any:
    return x.value if isinstance(x, Sym) else x


class Sym:
    """An expression in t: `node` is its lrsched formula; `value` is known when it does not
    depend on t (a named parameter, or arithmetic on parameters only)."""

    __array_priority__ = 1000
    shape = ()  # np.full(t.shape, x) is the constant x

    def __init__(self, node: ast.AST, value: Any = _NO_VALUE) -> None:
        self.node, self.value = node, value

    @property
    def known(self) -> bool:
        return self.value is not _NO_VALUE

    @staticmethod
    def _make(node: ast.AST, operands: tuple, compute) -> "Sym":
        if all(not isinstance(x, Sym) or x.known for x in operands):
            try:
                return Sym(node, compute(*[_value(x) for x in operands]))
            except (ArithmeticError, ValueError, TypeError):
                pass
        return Sym(node)

    def _binary(self, op: type, other: Any, reflected: bool = False) -> "Sym":
        left, right = (other, self) if reflected else (self, other)
        compute = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
                   ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Pow: lambda a, b: a ** b,
                   ast.Mod: lambda a, b: a % b}[op]
        return self._make(ast.BinOp(_node(left), op(), _node(right)), (left, right), compute)

    def _compare(self, op: type, other: Any) -> Any:
        if self.known and (not isinstance(other, Sym) or other.known):  # a branch on parameters
            a, b = self.value, _value(other)
            return {ast.Lt: a < b, ast.LtE: a <= b, ast.Gt: a > b, ast.GtE: a >= b, ast.Eq: a == b,
                    ast.NotEq: a != b}[op]
        return Sym(ast.Compare(_node(self), [op()], [_node(other)]))

    def __add__(self, o): return self._binary(ast.Add, o)
    def __radd__(self, o): return self._binary(ast.Add, o, True)
    def __sub__(self, o): return self._binary(ast.Sub, o)
    def __rsub__(self, o): return self._binary(ast.Sub, o, True)
    def __mul__(self, o): return self._binary(ast.Mult, o)
    def __rmul__(self, o): return self._binary(ast.Mult, o, True)
    def __truediv__(self, o): return self._binary(ast.Div, o)
    def __rtruediv__(self, o): return self._binary(ast.Div, o, True)
    def __floordiv__(self, o): return self._binary(ast.FloorDiv, o)
    def __rfloordiv__(self, o): return self._binary(ast.FloorDiv, o, True)
    def __mod__(self, o): return self._binary(ast.Mod, o)
    def __rmod__(self, o): return self._binary(ast.Mod, o, True)
    def __pow__(self, o): return self._binary(ast.Pow, o)
    def __rpow__(self, o): return self._binary(ast.Pow, o, True)
    __iadd__, __isub__, __imul__, __itruediv__, __ipow__ = __add__, __sub__, __mul__, __truediv__, __pow__

    def __neg__(self): return self._make(ast.UnaryOp(ast.USub(), self.node), (self,), lambda a: -a)
    def __pos__(self): return self
    def __lt__(self, o): return self._compare(ast.Lt, o)
    def __le__(self, o): return self._compare(ast.LtE, o)
    def __gt__(self, o): return self._compare(ast.Gt, o)
    def __ge__(self, o): return self._compare(ast.GtE, o)
    def __eq__(self, o): return self._compare(ast.Eq, o)  # type: ignore[override]
    def __ne__(self, o): return self._compare(ast.NotEq, o)  # type: ignore[override]
    __hash__ = None  # type: ignore[assignment]

    def _known_value(self, what: str) -> Any:
        if not self.known:
            raise TraceError(f"the definition {what} a value that depends on t")
        return self.value

    def __bool__(self) -> bool:
        return bool(self._known_value("branches on"))

    def __float__(self) -> float:
        return float(self._known_value("needs"))

    def __int__(self) -> int:
        return int(self._known_value("needs"))

    def __index__(self) -> int:
        value = self._known_value("indexes with")
        if isinstance(value, float) and not value.is_integer():
            raise TraceError("an index that is not an integer")
        return int(value)

    def __getitem__(self, key):
        raise TraceError("the definition indexes t")

    @property
    def size(self):
        raise TraceError("the definition reads the horizon")

    def copy(self) -> "Sym":
        return Sym(self.node, self.value)

    def _call(self, name: str, args: tuple, compute=None) -> "Sym":
        node = ast.Call(ast.Name(name), [_node(a) for a in args], [])
        return self._make(node, args, compute) if compute else Sym(node)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if method != "__call__" or kwargs.get("where") is not None:
            raise TraceError(f"numpy {ufunc.__name__}.{method}")
        name = _RENAMED.get(ufunc.__name__, ufunc.__name__)
        if name in _BINARY and len(inputs) == 2:
            result = Sym._binary(inputs[0], _BINARY[name], inputs[1]) if isinstance(inputs[0], Sym) \
                else Sym._binary(inputs[1], _BINARY[name], inputs[0], reflected=True)
        elif name in _COMPARE and len(inputs) == 2:
            result = Sym(ast.Compare(_node(inputs[0]), [_COMPARE[name]()], [_node(inputs[1])]))
        elif name == "negative":
            result = -Sym(_node(inputs[0]))
        elif name in _CALLS or name == "abs":
            result = self._call(name, inputs, lambda *a: ufunc(*a))
        elif name in ("logical_and", "logical_or"):
            op = ast.And() if name == "logical_and" else ast.Or()
            result = Sym(ast.BoolOp(op, [_node(a) for a in inputs]))
        elif name == "logical_not":
            result = Sym(ast.UnaryOp(ast.Not(), _node(inputs[0])))
        else:
            raise TraceError(f"numpy {name}() has no formula")
        if out is not None:  # np.cos(x, out=x): x becomes the result
            target = out[0] if isinstance(out, tuple) else out
            if not isinstance(target, Sym):
                raise TraceError("an output array")
            target.node, target.value = result.node, result.value
            return target
        return result

    def __array_function__(self, func, types, args, kwargs):
        name = func.__name__
        if name == "copyto" and len(args) == 2 and isinstance(args[1], Sym) and args[1].known:
            return func(args[0], args[1].value, **kwargs)  # np.full(t.shape, max_lr): a constant
        if kwargs:
            raise TraceError(f"numpy {name}() with keywords")
        if name == "where" and len(args) == 3:
            return Sym(ast.Call(ast.Name("where"), [_node(a) for a in args], []))
        if name == "clip" and len(args) == 3:
            return Sym(ast.Call(ast.Name("clip"), [_node(a) for a in args], []))
        if name == "copy" and len(args) == 1:
            return args[0].copy()
        raise TraceError(f"numpy {name}() has no formula")


@dataclass(frozen=True)
class ClosedForm:
    """A kind's lr(t) as a formula in t and its named parameters: `constants` (name = value),
    then `steps` (name = part of the formula used more than once), then `formula`."""

    formula: ast.AST  # in lrsched's expr language
    constants: dict[str, Any]
    steps: tuple[tuple[str, ast.AST], ...] = ()


def _shared(root: ast.AST) -> tuple[tuple[tuple[str, ast.AST], ...], ast.AST]:
    """Name each part the trace reached more than once (x = 1 + t / total - cycle is used three
    times in cyclic), so the written formula stays as long as the definition."""
    uses: dict[int, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        uses[id(node)] = uses.get(id(node), 0) + 1
        if uses[id(node)] == 1:
            stack.extend(ast.iter_child_nodes(node))
    steps: list[tuple[str, ast.AST]] = []
    names: dict[int, ast.AST] = {}

    def rebuild(node: ast.AST) -> ast.AST:
        if id(node) in names:
            return names[id(node)]
        if isinstance(node, (ast.Name, ast.Constant, ast.expr_context, ast.operator, ast.unaryop,
                             ast.cmpop, ast.boolop)):
            return node
        copy = type(node)(**{f: ([rebuild(x) for x in v] if isinstance(v, list) else
                                 rebuild(v) if isinstance(v, ast.AST) else v)
                              for f, v in ast.iter_fields(node)})
        if uses[id(node)] > 1 and node is not root:
            name = f"u{len(steps) + 1}"
            steps.append((name, copy))
            names[id(node)] = ast.Name(name)
            return names[id(node)]
        return copy

    formula = rebuild(root)
    return tuple(steps), formula


def trace(evaluate, params: dict) -> ClosedForm:
    """Run a kind's numpy `evaluate(t, params)` on a symbolic t; TraceError if it cannot be."""
    named = {k: Sym(ast.Name(k), v) for k, v in params.items()
             if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
             and k.isidentifier() and k not in ("t", "pi", "e")}
    try:
        result = evaluate(Sym(ast.Name("t")), {**params, **named})
    except TraceError:
        raise
    except Exception as exc:  # numpy refusing a symbol: the definition does something else
        raise TraceError(f"the definition cannot run on a symbol ({type(exc).__name__})") from None
    steps, formula = _shared(_node(result))
    used = {n.id for part in (formula, *(node for _, node in steps)) for n in ast.walk(part)
            if isinstance(n, ast.Name)}
    return ClosedForm(formula, {k: params[k] for k in named if k in used}, steps)
