"""Safe, vectorised evaluation of user formulas (the `expr` schedule kind).

A formula such as ``max_lr * gamma**t`` is parsed once with ``ast.parse(text, mode="eval")`` and
checked against a whitelist: numbers, the variables the caller names, the constants ``pi`` and
``e``, arithmetic, comparisons, ``and``/``or``/``not``, ``a if c else b`` and calls of a fixed set
of numpy functions by plain name. Anything else is refused with a one-line `ExprError`. The
checked tree is turned into nested numpy closures (no eval/exec/compile of user text); every
number is a float64, constant parts are folded (and refused if not finite), so evaluation costs
O(len(t)) whatever the formula.

Imports only the standard library and numpy.
"""
from __future__ import annotations

import ast
from typing import Callable, Iterable, Mapping

import numpy as np

from ..errors import ExprError
from .registry import did_you_mean

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "Expr", "compile_expr"]

MAX_LENGTH = 1000  # characters of formula text
MAX_DEPTH = 32  # levels of expression nodes
MAX_NODES = 400  # expression nodes in all

CONSTANTS: dict[str, np.float64] = {"pi": np.float64(np.pi), "e": np.float64(np.e)}


def _reduce(ufunc):
    def reduced(*args):
        out = args[0]
        for arg in args[1:]:
            out = ufunc(out, arg)
        return out

    return reduced


def _where(cond, a, b):
    return np.where(cond != 0, a, b)


# name -> (implementation, min args, max args or None for no limit)
FUNCTIONS: dict[str, tuple[Callable, int, int | None]] = {
    "log": (np.log, 1, 1),
    "log2": (np.log2, 1, 1),
    "log10": (np.log10, 1, 1),
    "log1p": (np.log1p, 1, 1),
    "exp": (np.exp, 1, 1),
    "expm1": (np.expm1, 1, 1),
    "sqrt": (np.sqrt, 1, 1),
    "cos": (np.cos, 1, 1),
    "sin": (np.sin, 1, 1),
    "tan": (np.tan, 1, 1),
    "cosh": (np.cosh, 1, 1),
    "sinh": (np.sinh, 1, 1),
    "tanh": (np.tanh, 1, 1),
    "arccos": (np.arccos, 1, 1),
    "acos": (np.arccos, 1, 1),
    "arcsin": (np.arcsin, 1, 1),
    "asin": (np.arcsin, 1, 1),
    "arctan": (np.arctan, 1, 1),
    "atan": (np.arctan, 1, 1),
    "abs": (np.abs, 1, 1),
    "floor": (np.floor, 1, 1),
    "ceil": (np.ceil, 1, 1),
    "round": (np.round, 1, 1),
    "sign": (np.sign, 1, 1),
    "minimum": (np.minimum, 2, 2),
    "maximum": (np.maximum, 2, 2),
    "min": (_reduce(np.minimum), 2, None),
    "max": (_reduce(np.maximum), 2, None),
    "mod": (np.mod, 2, 2),
    "where": (_where, 3, 3),
    "clip": (np.clip, 3, 3),
}

_BINARY = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Pow: np.power,
}
_BINARY_SYMBOL = {
    ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}
_COMPARE = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_COMPARE_SYMBOL = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_OPERATOR_NODES = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
_REFUSED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Slice: "slice",
    ast.Starred: "starred argument",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.NamedExpr: "assignment expression (:=)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

_Fn = Callable[[Mapping[str, np.ndarray]], "np.ndarray | np.float64"]


def _show(text: str, limit: int = 40) -> str:
    """`text` on one printable line, shortened: safe to put into a message."""
    flat = " ".join(text.split())
    flat = "".join(c if c.isprintable() else repr(c)[1:-1] for c in flat)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _number(value: float) -> str:
    value = float(value)
    if np.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


class _Compiler:
    def __init__(self, text: str, names: list[str]):
        self.text = text
        self.names = names
        self.allowed = set(names)
        self.used: set[str] = set()

    # -- messages ------------------------------------------------------------------------------

    def column(self, node: ast.AST) -> int:
        """1-based character column of `node` (ast offsets are UTF-8 bytes)."""
        lines = self.text.splitlines(keepends=True) or [""]
        line = lines[min(max(getattr(node, "lineno", 1), 1), len(lines)) - 1]
        offset = getattr(node, "col_offset", 0) or 0
        return len(line.encode("utf-8")[:offset].decode("utf-8", errors="replace")) + 1

    def where(self, node: ast.AST) -> str:
        lineno = getattr(node, "lineno", 1) or 1
        column = self.column(node)
        return f"at line {lineno}, column {column}" if lineno > 1 else f"at column {column}"

    def source(self, node: ast.AST) -> str:
        try:
            segment = ast.get_source_segment(self.text, node)
        except Exception:  # pragma: no cover - defensive: offsets from the parser are consistent
            segment = None
        return _show(segment if segment is not None else type(node).__name__)

    def refuse(self, node: ast.AST, what: str, extra: str = "") -> ExprError:
        return ExprError(f"expr: {what} '{self.source(node)}' {self.where(node)} is not allowed{extra}")

    def names_list(self) -> str:
        shown = [n for n in self.names if n.isidentifier()]
        shown += [c for c in CONSTANTS if c not in self.allowed]
        return ", ".join(shown) if shown else "(none)"

    @staticmethod
    def suggest(word: str, candidates: Iterable[str]) -> str:
        hint = did_you_mean(word, candidates)  # "; did you mean 'x'?"
        return f" ({hint[2:]})" if hint else ""

    # -- limits --------------------------------------------------------------------------------

    def check_size(self, root: ast.AST) -> None:
        """Iteratively (the parser accepts trees far deeper than Python's recursion limit)."""
        stack = [(root, 1)]
        count = 0
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > MAX_NODES:
                raise ExprError(f"expr: the formula is too large (more than {MAX_NODES} parts)")
            if depth > MAX_DEPTH:
                raise ExprError(f"expr: the formula is nested too deeply (more than {MAX_DEPTH} levels)")
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, _OPERATOR_NODES):
                    stack.append((child, depth + 1))

    # -- compilation ---------------------------------------------------------------------------

    def compile(self, node: ast.AST) -> tuple[_Fn, np.float64 | None]:
        """(function of the environment, folded value if the subtree is constant)."""
        fn, parts = self.build(node)
        if parts is None or any(const is None for const in parts):
            return fn, None
        with np.errstate(all="ignore"):
            value = np.float64(fn({}))
        if not np.isfinite(value):
            problem = "is not a number (nan)" if np.isnan(value) else f"overflows ({value})"
            raise ExprError(f"expr: constant part '{self.source(node)}' {self.where(node)} {problem}")
        return (lambda env, _v=value: _v), value

    def build(self, node: ast.AST) -> tuple[_Fn, list | None]:
        """The node's function and its children's folded values (None: not foldable)."""
        if isinstance(node, ast.Constant):
            return self.constant(node), []
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            return self.boolean(node)
        if isinstance(node, ast.IfExp):
            (test, t_const), (body, b_const), (orelse, o_const) = (
                self.compile(node.test), self.compile(node.body), self.compile(node.orelse))
            return (lambda env: _where(test(env), body(env), orelse(env))), [t_const, b_const, o_const]
        if isinstance(node, ast.Call):
            return self.call(node)
        what = _REFUSED.get(type(node), type(node).__name__)
        raise self.refuse(node, what)

    def constant(self, node: ast.Constant) -> _Fn:
        value = node.value
        if isinstance(value, bool) or value is None:
            raise self.refuse(node, "literal")
        if isinstance(value, str):
            raise self.refuse(node, "string")
        if isinstance(value, bytes):
            raise self.refuse(node, "bytes literal")
        if isinstance(value, complex):
            raise self.refuse(node, "complex number")
        if not isinstance(value, (int, float)):
            raise self.refuse(node, "literal")
        try:
            number = np.float64(float(value))
        except OverflowError:
            number = np.float64(np.inf)
        if not np.isfinite(number):
            raise ExprError(f"expr: number '{self.source(node)}' {self.where(node)} overflows")
        return lambda env, _v=number: _v

    def name(self, node: ast.Name) -> tuple[_Fn, list | None]:
        ident = node.id
        if ident in self.allowed:
            self.used.add(ident)
            return (lambda env, _n=ident: env[_n]), None
        if ident in CONSTANTS:
            return (lambda env, _v=CONSTANTS[ident]: _v), []
        if ident in FUNCTIONS:
            raise ExprError(f"expr: '{ident}' {self.where(node)} is a function; call it as {ident}(...)")
        hint = self.suggest(ident, [*self.names, *CONSTANTS])
        raise ExprError(
            f"expr: name '{_show(ident)}' {self.where(node)} is not allowed{hint}; "
            f"allowed names: {self.names_list()} and functions: {', '.join(FUNCTIONS)}")

    def unary(self, node: ast.UnaryOp) -> tuple[_Fn, list | None]:
        operand, const = self.compile(node.operand)
        if isinstance(node.op, ast.USub):
            return (lambda env: np.negative(operand(env))), [const]
        if isinstance(node.op, ast.UAdd):
            return (lambda env: np.positive(operand(env))), [const]
        if isinstance(node.op, ast.Not):
            return (lambda env: np.equal(operand(env), 0).astype(np.float64)), [const]
        raise self.refuse(node, "operator '~' in")

    def binary(self, node: ast.BinOp) -> tuple[_Fn, list | None]:
        op = _BINARY.get(type(node.op))
        if op is None:
            symbol = _BINARY_SYMBOL.get(type(node.op), type(node.op).__name__)
            raise self.refuse(node, f"operator '{symbol}' in")
        (left, l_const), (right, r_const) = self.compile(node.left), self.compile(node.right)
        return (lambda env: op(left(env), right(env))), [l_const, r_const]

    def compare(self, node: ast.Compare) -> tuple[_Fn, list | None]:
        ops = []
        for op in node.ops:
            ufunc = _COMPARE.get(type(op))
            if ufunc is None:
                symbol = _COMPARE_SYMBOL.get(type(op), type(op).__name__)
                raise self.refuse(node, f"comparison '{symbol}' in")
            ops.append(ufunc)
        compiled = [self.compile(part) for part in (node.left, *node.comparators)]
        parts = [fn for fn, _ in compiled]

        def evaluate(env):
            values = [part(env) for part in parts]
            out = ops[0](values[0], values[1])
            for i, ufunc in enumerate(ops[1:], start=1):
                out = np.logical_and(out, ufunc(values[i], values[i + 1]))
            return np.asarray(out, dtype=np.float64)

        return evaluate, [const for _, const in compiled]

    def boolean(self, node: ast.BoolOp) -> tuple[_Fn, list | None]:
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        compiled = [self.compile(value) for value in node.values]
        parts = [fn for fn, _ in compiled]

        def evaluate(env):
            out = np.not_equal(parts[0](env), 0)
            for part in parts[1:]:
                out = combine(out, np.not_equal(part(env), 0))
            return np.asarray(out, dtype=np.float64)

        return evaluate, [const for _, const in compiled]

    def call(self, node: ast.Call) -> tuple[_Fn, list | None]:
        func = node.func
        if not isinstance(func, ast.Name):
            raise self.refuse(node, "call", "; only functions called by plain name are allowed")
        ident = func.id
        if ident not in FUNCTIONS:
            if ident in self.allowed or ident in CONSTANTS:
                raise ExprError(f"expr: '{ident}' {self.where(node)} is not a function and cannot be called")
            hint = self.suggest(ident, FUNCTIONS)
            raise ExprError(
                f"expr: function '{_show(ident)}' {self.where(node)} is not allowed{hint}; "
                f"allowed functions: {', '.join(FUNCTIONS)}")
        for keyword in node.keywords:
            what = "keyword argument" if keyword.arg is not None else "keyword argument unpacking"
            raise self.refuse(keyword, what)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, "starred argument")
        compiled = [self.compile(arg) for arg in node.args]
        impl, least, most = FUNCTIONS[ident]
        count = len(node.args)
        if count < least or (most is not None and count > most):
            if most is None:
                wanted = f"{least} or more arguments"
            else:
                wanted = f"{least} argument{'s' if least != 1 else ''}"
            raise ExprError(f"expr: {ident}() {self.where(node)} takes {wanted}, got {count}")
        parts = [fn for fn, _ in compiled]
        return (lambda env: impl(*(part(env) for part in parts))), [const for _, const in compiled]


# -- memory -------------------------------------------------------------------------------------

_MASK = 0.125  # a boolean mask (one byte a value), in float64 arrays of the same length


def _operands(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.IfExp):
        return [node.test, node.body, node.orelse]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _temporaries(node: ast.AST) -> float:
    """Arrays a node allocates beside its operands and its result."""
    if isinstance(node, (ast.Compare, ast.BoolOp)):
        return 3 * _MASK  # the running mask, the next one and their conjunction
    if isinstance(node, (ast.IfExp, ast.UnaryOp)):
        return _MASK
    if isinstance(node, ast.Call):
        name = node.func.id  # checked: a plain name
        return 1.0 if FUNCTIONS[name][2] is None else _MASK if name == "where" else 0.0
    return 0.0


def _peak(node: ast.AST, varying: frozenset[str]) -> tuple[float, float, bool]:
    """(arrays alive at the peak of evaluating `node`, arrays its result adds, whether it is an array).

    Operands are evaluated in order and held until the node computes its result, so a deep or
    wide formula keeps many arrays alive at once. Parts made of numbers only are scalars.
    """
    if isinstance(node, ast.Name):
        return 0.0, 0.0, node.id in varying  # the caller's array: nothing new
    peak = held = 0.0
    is_array = False
    for operand in _operands(node):
        part_peak, part_held, part_array = _peak(operand, varying)
        peak, held, is_array = max(peak, held + part_peak), held + part_held, is_array or part_array
    if not is_array:
        return 0.0, 0.0, False
    return max(peak, held + 1.0 + _temporaries(node)), 1.0, True


def peak_arrays(tree: ast.AST, varying: frozenset[str]) -> float:
    """Float64 arrays as long as the varying variables that a call keeps alive at its peak: the
    formula's operands, the result's copy and the finiteness check's two masks."""
    peak, held, _ = _peak(tree, varying)
    return max(peak, held + 1.0 + 2 * _MASK)


class Expr:
    """A checked formula; call it with the variables' values to get float64 values.

    `arrays` is the peak memory of a call in float64 arrays of t's length (other variables are
    numbers), the result included: a bound the engine checks before evaluating.
    """

    __slots__ = ("text", "variables", "_fn", "arrays")

    def __init__(self, text: str, variables: frozenset[str], fn: _Fn, arrays: float = 1.0):
        self.text = text
        self.variables = variables
        self._fn = fn
        self.arrays = arrays

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    def __call__(self, env: Mapping[str, float | np.ndarray]) -> np.ndarray:
        values: dict[str, np.ndarray] = {}
        for name in self.variables:
            if name not in env:
                raise ExprError(f"expr: no value for the variable '{name}'")
            try:
                values[name] = np.asarray(env[name], dtype=np.float64)
            except (TypeError, ValueError):
                raise ExprError(f"expr: the variable '{name}' is not a number") from None
        t = np.asarray(env["t"], dtype=np.float64) if "t" in env else None
        try:
            with np.errstate(all="ignore"):
                result = self._fn(values)
            shape = t.shape if t is not None else np.shape(result)
            out = np.broadcast_to(np.asarray(result, dtype=np.float64), shape).astype(np.float64, copy=True)
        except ValueError:  # variables given as arrays of clashing shapes
            shapes = ", ".join(f"{name} {values[name].shape}" for name in sorted(values))
            raise ExprError(f"expr: the variables' shapes do not match the shape of t: {shapes}") from None
        bad = ~np.isfinite(out)
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            value = out.flat[index]
            where = f"t={_number(t.flat[index])}" if t is not None else f"index {index}"
            raise ExprError(f"expr: the formula gives a non-finite value ({value}) at {where}")
        return out


def compile_expr(text: str, names: Iterable[str]) -> Expr:
    """Parse and check `text` once; `names` are the variables the formula may use (besides the
    whitelisted constants pi and e; inf is NOT allowed). Raises ExprError with a one-line message."""
    if not isinstance(text, str):
        raise ExprError("expr: the formula must be text")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expr: the formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    if not text.strip():
        raise ExprError("expr: the formula is empty")
    ordered: list[str] = []
    for name in names:
        if isinstance(name, str) and name not in ordered:
            ordered.append(name)
    ordered.sort(key=lambda n: (n != "t", n))
    if "\x00" in text:
        raise ExprError(f"expr: a null character at column {text.index(chr(0)) + 1} is not allowed")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        lines = text.splitlines() or [""]
        lineno = exc.lineno if exc.lineno and 1 <= exc.lineno <= len(lines) else len(lines)
        if exc.offset:
            where = f"column {exc.offset}"
        else:  # the parser ran out of input
            lineno = len(lines)
            where = f"column {len(lines[-1]) + 1} (the end)"
        if lineno > 1:
            where = f"line {lineno}, {where}"
        raise ExprError(f"expr: syntax error at {where}: {_show(exc.msg or 'invalid syntax', 80)}") from None
    except (RecursionError, MemoryError):
        raise ExprError("expr: the formula is nested too deeply to parse") from None
    except ValueError as exc:  # e.g. null bytes or lone surrogates, depending on the Python version
        raise ExprError(f"expr: the formula cannot be parsed: {_show(str(exc), 80)}") from None
    compiler = _Compiler(text, ordered)
    compiler.check_size(tree.body)
    fn, _ = compiler.compile(tree.body)
    return Expr(text, frozenset(compiler.used), fn, peak_arrays(tree.body, frozenset({"t"})))
